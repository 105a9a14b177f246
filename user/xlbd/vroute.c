// SPDX-License-Identifier: GPL-2.0
/* vroute.c - add, remove and list xlbd's VIP routes in one kernel routing table over
 * rtnetlink (one short-lived socket per call: they change at health-change rate). See
 * vroute.h. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "rtnl.h"
#include "vroute.h"
#include "xlb_abi.h"

struct route_req {
	struct nlmsghdr h;
	struct rtmsg r;
	char attrs[64]; /* room for a destination and a table */
};

/* A request about vip's host route in table, as xlbd writes it. */
static void route_req_init(struct route_req *q, __u16 type, __u16 flags, __u32 table,
			   const struct xlb_addr *vip)
{
	size_t alen = vip->family == XLB_AF_INET ? 4 : 16;

	memset(q, 0, sizeof(*q));
	q->h.nlmsg_len = NLMSG_LENGTH(sizeof(q->r));
	q->h.nlmsg_type = type;
	q->h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	q->r.rtm_family = vip->family == XLB_AF_INET ? AF_INET : AF_INET6;
	q->r.rtm_dst_len = (unsigned char)(alen * 8);
	/* The 8-bit field holds tables below 256; RTA_TABLE carries every number. */
	q->r.rtm_table = table < 256 ? (unsigned char)table : RT_TABLE_UNSPEC;
	q->r.rtm_protocol = XLB_RTPROT;
	q->r.rtm_scope = RT_SCOPE_UNIVERSE;
	q->r.rtm_type = RTN_BLACKHOLE;
	rtnl_attr(&q->h, RTA_DST, vip->addr, alen);
	rtnl_attr(&q->h, RTA_TABLE, &table, sizeof(table));
}

int vroute_add(__u32 table, const struct xlb_addr *vip)
{
	struct route_req q;

	route_req_init(&q, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, table, vip);
	return rtnl_talk(&q.h, NULL, NULL);
}

int vroute_del(__u32 table, const struct xlb_addr *vip)
{
	struct route_req q;
	int ret;

	route_req_init(&q, RTM_DELROUTE, 0, table, vip);
	ret = rtnl_talk(&q.h, NULL, NULL);
	return ret == -ESRCH || ret == -ENOENT ? 0 : ret;
}

struct list_ctx {
	__u32 table;
	struct xlb_addr *out;
	size_t max, n;
};

static void list_one(const struct nlmsghdr *h, void *arg)
{
	struct list_ctx *lc = arg;
	const struct rtmsg *r = NLMSG_DATA(h);
	const struct rtattr *a = RTM_RTA(r);
	int left = (int)RTM_PAYLOAD(h);
	size_t alen = r->rtm_family == AF_INET ? 4 : 16;
	struct xlb_addr dst = { .family = r->rtm_family == AF_INET ? XLB_AF_INET : XLB_AF_INET6 };
	__u32 table = r->rtm_table;
	bool have_dst = false;

	if (h->nlmsg_type != RTM_NEWROUTE || r->rtm_protocol != XLB_RTPROT ||
	    r->rtm_dst_len != alen * 8)
		return;
	for (; RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		if (a->rta_type == RTA_TABLE && RTA_PAYLOAD(a) == sizeof(__u32))
			memcpy(&table, RTA_DATA(a), sizeof(table));
		else if (a->rta_type == RTA_DST && RTA_PAYLOAD(a) == alen) {
			memcpy(dst.addr, RTA_DATA(a), alen);
			have_dst = true;
		}
	}
	if (table != lc->table || !have_dst)
		return;
	if (lc->n < lc->max)
		lc->out[lc->n] = dst;
	lc->n++;
}

int vroute_list(__u32 table, struct xlb_addr *out, size_t max)
{
	static const unsigned char families[] = { AF_INET, AF_INET6 };
	struct list_ctx lc = { .table = table, .out = out, .max = max };

	for (size_t i = 0; i < sizeof(families); i++) {
		struct route_req q = { 0 };
		int ret;

		q.h.nlmsg_len = NLMSG_LENGTH(sizeof(q.r));
		q.h.nlmsg_type = RTM_GETROUTE;
		q.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		q.r.rtm_family = families[i];
		ret = rtnl_talk(&q.h, list_one, &lc);
		if (ret)
			return ret;
	}
	return (int)lc.n;
}
