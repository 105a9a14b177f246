// SPDX-License-Identifier: GPL-2.0
/* announce.c - route health injection: the set of announced VIPs, kept in step with service
 * health and the attachment of xlb_lb. See announce.h. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "announce.h"
#include "log.h"
#include "vroute.h"
#include "xlb_abi.h"

static struct {
	__u32 table; /* the table the routes below are in; 0: none */
	bool learnt; /* routes already in table read (a restarted xlbd's are kept, not flapped) */
	struct xlb_addr vips[XLB_MAX_VIPS]; /* routes in table */
	size_t n;
} A;

static bool addr_eq(const struct xlb_addr *a, const struct xlb_addr *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

static int find(const struct xlb_addr *vip)
{
	for (size_t i = 0; i < A.n; i++)
		if (addr_eq(&A.vips[i], vip))
			return (int)i;
	return -1;
}

/* Whether c, st and attached want vip announced: any healthy service of vip asks for it. */
static bool wanted(const struct xlb_conf *c, const struct xlbd_state *st, bool attached,
		   const struct xlb_addr *vip)
{
	if (!attached || !c->announce.table)
		return false;
	for (size_t i = 0; i < c->n_services; i++) {
		const struct xlb_conf_service *s = &c->services[i];

		if (s->announce && addr_eq(&s->ref.vip, vip) && state_service_healthy(st, &s->ref))
			return true;
	}
	return false;
}

static int withdraw_at(size_t i, const char *why)
{
	char vip[64];
	int ret = vroute_del(A.table, &A.vips[i]);

	xlb_addr_format(&A.vips[i], vip, sizeof(vip));
	if (ret) {
		xlog_warn("announce: cannot remove the route of %s from table %u: %s", vip, A.table,
			  strerror(-ret));
		return ret;
	}
	xlog_info("announce: %s withdrawn (%s)", vip, why);
	A.vips[i] = A.vips[--A.n];
	return 0;
}

static int announce_vip(const struct xlb_addr *vip)
{
	char buf[64];
	int ret = vroute_add(A.table, vip);

	xlb_addr_format(vip, buf, sizeof(buf));
	if (ret) {
		xlog_warn("announce: cannot add the route of %s to table %u: %s", buf, A.table,
			  strerror(-ret));
		return ret;
	}
	xlog_info("announce: %s announced (route in table %u)", buf, A.table);
	A.vips[A.n++] = *vip;
	return 0;
}

int announce_withdraw_all(void)
{
	int ret = 0, removed = 0;

	for (size_t i = A.n; i-- > 0;) {
		int r = withdraw_at(i, "xlbd stopping");

		if (r && !ret)
			ret = r;
		removed += !r;
	}
	return ret ? ret : removed;
}

int announce_sync(const struct xlb_conf *c, const struct xlbd_state *st, bool attached)
{
	int ret = 0, r;

	if (A.table != c->announce.table) {
		for (size_t i = A.n; i-- > 0;)
			withdraw_at(i, "announce.table changed");
		A.table = c->announce.table;
		A.n = 0;
		A.learnt = false;
	}
	if (!A.table)
		return 0;
	if (!A.learnt) {
		r = vroute_list(A.table, A.vips, XLB_MAX_VIPS);
		if (r < 0) {
			xlog_warn("announce: cannot read routing table %u: %s", A.table,
				  strerror(-r));
			return r;
		}
		A.n = (size_t)r < XLB_MAX_VIPS ? (size_t)r : XLB_MAX_VIPS;
		A.learnt = true;
	}
	for (size_t i = A.n; i-- > 0;) {
		if (wanted(c, st, attached, &A.vips[i]))
			continue;
		r = withdraw_at(i,
				attached ? "no healthy announced service" : "xlb_lb not attached");
		if (r && !ret)
			ret = r;
	}
	for (size_t i = 0; i < c->n_services; i++) {
		const struct xlb_addr *vip = &c->services[i].ref.vip;

		if (find(vip) >= 0 || A.n >= XLB_MAX_VIPS || !wanted(c, st, attached, vip))
			continue;
		r = announce_vip(vip);
		if (r && !ret)
			ret = r;
	}
	return ret;
}

bool announce_vip_announced(const struct xlb_addr *vip)
{
	return A.table && find(vip) >= 0;
}

int announce_flush(__u32 table)
{
	struct xlb_addr vips[XLB_MAX_VIPS];
	int n = vroute_list(table, vips, XLB_MAX_VIPS), ret;

	if (n < 0)
		return n;
	for (int i = 0; i < n && i < XLB_MAX_VIPS; i++) {
		ret = vroute_del(table, &vips[i]);
		if (ret)
			return ret;
	}
	return n;
}
