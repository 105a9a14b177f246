// SPDX-License-Identifier: GPL-2.0
/* l2mac.c - the MACs of encap l2 backends, kept by address: checked against the interfaces,
 * resolved through neigh.c, refreshed, read by the planner. See l2mac.h. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l2mac.h"
#include "log.h"
#include "neigh.h"
#include "xlb_abi.h"

struct l2_entry {
	struct xlb_addr addr;
	__u8 mac[6];
	int ifindex; /* the interface the route towards it leaves through */
	bool resolved;
	bool seen; /* l2mac_refresh(): still an l2 backend of the running configuration */
	char why[256]; /* the last reason it is not resolved, logged once per change */
};

static struct l2_entry *E;
static size_t N, CAP;

static bool addr_eq(const struct xlb_addr *a, const struct xlb_addr *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

static struct l2_entry *find(const struct xlb_addr *a)
{
	for (size_t i = 0; i < N; i++)
		if (addr_eq(&E[i].addr, a))
			return &E[i];
	return NULL;
}

/* The ifindexes of c's interfaces that exist; how many. */
static size_t ifindexes(const struct xlb_conf *c, int *out)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_ifaces; i++) {
		unsigned idx = if_nametoindex(c->ifaces[i].name);

		if (idx)
			out[n++] = (int)idx;
	}
	return n;
}

/* Call fn for every l2 backend of c (with its service's position, for messages) until it
 * returns non-zero; returns that. */
static int each_l2(const struct xlb_conf *c,
		   int (*fn)(const struct xlb_conf_backend *b, size_t i, size_t j, void *ctx),
		   void *ctx)
{
	for (size_t i = 0; i < c->n_services; i++)
		for (size_t j = 0; j < c->services[i].n_backends; j++) {
			const struct xlb_conf_backend *b = &c->services[i].backends[j];
			int ret = b->encap == XLB_ENCAP_L2 ? fn(b, i, j, ctx) : 0;

			if (ret)
				return ret;
		}
	return 0;
}

struct check_ctx {
	int ifx[XLB_CONF_MAX_IFACES];
	size_t n_ifx;
	const char *name; /* of the configuration, for messages */
	char *err;
	size_t errlen;
	bool keep; /* l2mac_sync(): record what was learnt in the scratch list */
	struct l2_entry *scratch;
	size_t n_scratch;
};

/* Whether the scratch list already holds a: an address several services share is looked up
 * once per pass. */
static bool in_scratch(const struct check_ctx *cx, const struct xlb_addr *a)
{
	for (size_t k = 0; k < cx->n_scratch; k++)
		if (addr_eq(&cx->scratch[k].addr, a))
			return true;
	return false;
}

static int check_one(const struct xlb_conf_backend *b, size_t i, size_t j, void *arg)
{
	struct check_ctx *cx = arg;
	char why[200];
	__u8 mac[6] = { 0 };
	int oif = 0, ret;

	if (cx->keep && in_scratch(cx, &b->addr))
		return 0;
	ret = neigh_direct_mac(&b->addr, cx->ifx, cx->n_ifx, mac, &oif, why, sizeof(why));
	if (ret && ret != -EAGAIN) {
		snprintf(cx->err, cx->errlen, "%s: services[%zu].backends[%zu]: %s", cx->name, i, j,
			 why);
		return ret;
	}
	if (cx->keep) {
		struct l2_entry *e = &cx->scratch[cx->n_scratch++];

		memset(e, 0, sizeof(*e));
		e->addr = b->addr;
		e->resolved = !ret;
		e->ifindex = oif;
		memcpy(e->mac, mac, 6);
		snprintf(e->why, sizeof(e->why), "%s", ret ? why : "");
	}
	return 0;
}

static size_t count_l2(const struct xlb_conf *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_services; i++)
		for (size_t j = 0; j < c->services[i].n_backends; j++)
			n += c->services[i].backends[j].encap == XLB_ENCAP_L2;
	return n;
}

static int check(const struct xlb_conf *c, const char *name, struct check_ctx *cx, char *err,
		 size_t errlen)
{
	cx->name = name;
	cx->n_ifx = ifindexes(c, cx->ifx);
	cx->err = err;
	cx->errlen = errlen;
	return each_l2(c, check_one, cx);
}

int l2mac_check(const struct xlb_conf *c, const char *name, char *err, size_t errlen)
{
	struct check_ctx cx = { 0 };

	return check(c, name, &cx, err, errlen);
}

static void log_mac(const struct l2_entry *e, const char *what)
{
	char a[64];

	xlb_addr_format(&e->addr, a, sizeof(a));
	xlog_info("l2 backend %s: MAC %s %02x:%02x:%02x:%02x:%02x:%02x: it takes traffic", a, what,
		  e->mac[0], e->mac[1], e->mac[2], e->mac[3], e->mac[4], e->mac[5]);
}

static void log_unresolved(const struct l2_entry *e)
{
	char a[64];

	xlb_addr_format(&e->addr, a, sizeof(a));
	xlog_warn("l2 backend %s: no MAC (%s): out of its table, like a backend that fails its "
		  "checks, until it resolves",
		  a, e->why);
}

/* Record what a lookup learnt of e's address in the kept entry *k (new when fresh); log a
 * change. Returns true when it changed. */
static bool learn(struct l2_entry *k, const struct l2_entry *e, bool fresh)
{
	bool changed = fresh || k->resolved != e->resolved ||
		       (e->resolved && memcmp(k->mac, e->mac, 6));
	bool moved = !fresh && k->resolved && e->resolved && memcmp(k->mac, e->mac, 6);

	if (changed && e->resolved)
		log_mac(e, moved ? "changed to" : "resolved,");
	else if (!e->resolved && (changed || strcmp(k->why, e->why)))
		log_unresolved(e);
	*k = *e;
	k->seen = true;
	return changed;
}

/* Keep the n entries of scratch. Returns true when any changed, -1 when out of memory. */
static int keep(const struct l2_entry *scratch, size_t n)
{
	bool changed = false;

	for (size_t i = 0; i < n; i++) {
		struct l2_entry *k = find(&scratch[i].addr);

		if (k) {
			changed |= learn(k, &scratch[i], false);
			continue;
		}
		if (N == CAP) {
			size_t cap = CAP ? CAP * 2 : 16;
			struct l2_entry *grown = realloc(E, cap * sizeof(*grown));

			if (!grown)
				return -1;
			E = grown;
			CAP = cap;
		}
		changed |= learn(&E[N++], &scratch[i], true);
	}
	return changed;
}

int l2mac_sync(const struct xlb_conf *c, const char *name, char *err, size_t errlen)
{
	struct check_ctx cx = { .keep = true };
	size_t n = count_l2(c);
	int ret;

	if (!n)
		return 0;
	cx.scratch = calloc(n, sizeof(*cx.scratch));
	if (!cx.scratch) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = check(c, name, &cx, err, errlen);
	if (!ret && keep(cx.scratch, cx.n_scratch) < 0) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
	}
	free(cx.scratch);
	return ret;
}

bool l2mac_refresh(const struct xlb_conf *c)
{
	struct check_ctx cx = { .keep = true };
	size_t n = count_l2(c), k = 0;
	char err[200];
	bool changed = false;
	int ret;

	for (size_t i = 0; i < N; i++)
		E[i].seen = false;
	cx.scratch = n ? calloc(n, sizeof(*cx.scratch)) : NULL;
	if (n && !cx.scratch)
		return false;
	cx.n_ifx = ifindexes(c, cx.ifx);
	cx.name = "running";
	cx.err = err;
	cx.errlen = sizeof(err);
	/* One backend no longer directly connected (routes changed) must not stop the others:
	 * it is unresolved, with the reason. */
	for (size_t i = 0; i < c->n_services; i++)
		for (size_t j = 0; j < c->services[i].n_backends; j++) {
			const struct xlb_conf_backend *b = &c->services[i].backends[j];

			if (b->encap != XLB_ENCAP_L2) /* check_one() skips a repeated address */
				continue;
			ret = check_one(b, i, j, &cx);
			if (ret) {
				struct l2_entry *e = &cx.scratch[cx.n_scratch++];

				memset(e, 0, sizeof(*e));
				e->addr = b->addr;
				snprintf(e->why, sizeof(e->why), "%s", err);
			}
		}
	ret = keep(cx.scratch, cx.n_scratch);
	changed = ret > 0;
	free(cx.scratch);
	/* Forget the addresses that are no l2 backend any more. */
	for (size_t i = 0; i < N; i++)
		if (E[i].seen)
			E[k++] = E[i];
	N = k;
	return changed;
}

bool l2mac_get(const struct xlb_addr *a, __u8 mac[6])
{
	const struct l2_entry *e = find(a);

	if (!e || !e->resolved)
		return false;
	memcpy(mac, e->mac, 6);
	return true;
}

bool l2mac_get_dev(const struct xlb_addr *a, __u8 mac[6], int *ifindex)
{
	const struct l2_entry *e = find(a);

	if (!e || !e->resolved)
		return false;
	memcpy(mac, e->mac, 6);
	*ifindex = e->ifindex;
	return true;
}

void l2mac_counts(size_t *known, size_t *unresolved)
{
	*known = N;
	*unresolved = 0;
	for (size_t i = 0; i < N; i++)
		*unresolved += !E[i].resolved;
}
