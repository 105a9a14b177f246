// SPDX-License-Identifier: GPL-2.0
/* neigh.c - MAC addresses from the kernel, over rtnetlink: the route towards a backend gives
 * the next hop and interface, the neighbour table its MAC; for the gateway, and for l2
 * backends, which must be their own next hop. See neigh.h. */
#include <errno.h>
#include <stdbool.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "neigh.h"
#include "rtnl.h"
#include "xlb_abi.h"

/* What route_to() learns from the answer. */
struct route_answer {
	size_t alen;
	struct xlb_addr *hop;
	int *oif;
};

static void route_one(const struct nlmsghdr *h, void *ctx)
{
	struct route_answer *ra = ctx;
	const struct rtmsg *r = NLMSG_DATA(h);
	const struct rtattr *a = RTM_RTA(r);
	int left = (int)RTM_PAYLOAD(h);

	if (h->nlmsg_type != RTM_NEWROUTE)
		return;
	for (; RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) == ra->alen)
			memcpy(ra->hop->addr, RTA_DATA(a), ra->alen);
		else if (a->rta_type == RTA_OIF)
			memcpy(ra->oif, RTA_DATA(a), sizeof(*ra->oif));
	}
}

/* The next hop (gateway, or dst itself when directly connected) and interface towards dst. */
static int route_to(const struct xlb_addr *dst, struct xlb_addr *hop, int *oif)
{
	struct {
		struct nlmsghdr h;
		struct rtmsg r;
		char attrs[64];
	} req = { 0 };
	int af = dst->family == XLB_AF_INET ? AF_INET : AF_INET6;
	struct route_answer ra = { .alen = af == AF_INET ? 4 : 16, .hop = hop, .oif = oif };
	int ret;

	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.r));
	req.h.nlmsg_type = RTM_GETROUTE;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.r.rtm_family = (unsigned char)af;
	req.r.rtm_dst_len = (unsigned char)(ra.alen * 8);
	rtnl_attr(&req.h, RTA_DST, dst->addr, ra.alen);
	*hop = *dst;
	*oif = 0;
	ret = rtnl_talk(&req.h, route_one, &ra);
	if (ret)
		return ret;
	return *oif ? 0 : -ENETUNREACH;
}

/* What neigh_lookup() looks for, and finds. */
struct neigh_answer {
	const struct xlb_addr *hop;
	size_t alen;
	int oif;
	__u8 *mac;
	bool found;
};

static void neigh_one(const struct nlmsghdr *h, void *ctx)
{
	struct neigh_answer *na = ctx;
	const struct ndmsg *nd = NLMSG_DATA(h);
	const struct rtattr *a =
		(const struct rtattr *)((const char *)nd + NLMSG_ALIGN(sizeof(*nd)));
	int left = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*nd)));
	const __u8 *ll = NULL;
	bool match = false;

	if (na->found || h->nlmsg_type != RTM_NEWNEIGH || nd->ndm_ifindex != na->oif)
		return;
	if (nd->ndm_state & (NUD_INCOMPLETE | NUD_FAILED | NUD_NONE))
		return;
	for (; RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		if (a->rta_type == NDA_DST && RTA_PAYLOAD(a) == na->alen &&
		    !memcmp(RTA_DATA(a), na->hop->addr, na->alen))
			match = true;
		else if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6)
			ll = RTA_DATA(a);
	}
	if (match && ll) {
		memcpy(na->mac, ll, 6);
		na->found = true;
	}
}

/* The MAC of hop on interface oif from the neighbour table; -EAGAIN while unresolved. One
 * entry asked for by address and interface (RTM_GETNEIGH without NLM_F_DUMP, Linux 5.0+), not
 * a dump of the whole table: xlbd asks for every l2 backend every second. */
static int neigh_lookup(const struct xlb_addr *hop, int oif, __u8 mac[6])
{
	struct {
		struct nlmsghdr h;
		struct ndmsg n;
		char attrs[32];
	} req = { 0 };
	int af = hop->family == XLB_AF_INET ? AF_INET : AF_INET6;
	struct neigh_answer na = {
		.hop = hop, .alen = af == AF_INET ? 4 : 16, .oif = oif, .mac = mac
	};
	int ret;

	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.n));
	req.h.nlmsg_type = RTM_GETNEIGH;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.n.ndm_family = (unsigned char)af;
	req.n.ndm_ifindex = oif;
	rtnl_attr(&req.h, NDA_DST, hop->addr, na.alen);
	ret = rtnl_talk(&req.h, neigh_one, &na);
	if (ret == -ENOENT) /* no entry yet: the kick below makes one */
		return -EAGAIN;
	if (ret)
		return ret;
	return na.found ? 0 : -EAGAIN;
}

/* Make the kernel resolve hop: a datagram to the discard port makes it send ARP / NS. */
static void neigh_kick(const struct xlb_addr *hop, int oif)
{
	char ifname[IF_NAMESIZE];
	int af = hop->family == XLB_AF_INET ? AF_INET : AF_INET6;
	int fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	if (if_indextoname((unsigned)oif, ifname))
		setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname));
	if (af == AF_INET) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9) };

		memcpy(&sa.sin_addr, hop->addr, 4);
		sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof(sa));
	} else {
		struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(9) };

		memcpy(&sa.sin6_addr, hop->addr, 16);
		sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof(sa));
	}
	close(fd);
}

int neigh_gateway_mac(const struct xlb_addr *towards, __u8 mac[6], char *err, size_t errlen)
{
	struct xlb_addr hop;
	char text[64] = "?";
	int oif, ret;

	xlb_addr_format(towards, text, sizeof(text));
	ret = route_to(towards, &hop, &oif);
	if (ret) {
		snprintf(err, errlen, "no route towards backend %s: %s", text, strerror(-ret));
		return ret;
	}
	ret = neigh_lookup(&hop, oif, mac);
	if (ret == -EAGAIN) {
		neigh_kick(&hop, oif);
		xlb_addr_format(&hop, text, sizeof(text));
		snprintf(err, errlen, "the MAC of next hop %s is not resolved yet", text);
	} else if (ret) {
		snprintf(err, errlen, "reading the neighbour table: %s", strerror(-ret));
	}
	return ret;
}

int neigh_direct_mac(const struct xlb_addr *a, const int *ifindex, size_t n, __u8 mac[6],
		     int *oif_out, char *err, size_t errlen)
{
	char text[64] = "?", hop_text[64] = "?", ifname[IF_NAMESIZE] = "?";
	struct xlb_addr hop;
	bool attached = false;
	int oif, ret;

	xlb_addr_format(a, text, sizeof(text));
	ret = route_to(a, &hop, &oif);
	*oif_out = oif;
	if (ret) {
		snprintf(err, errlen, "l2 backend %s: no route towards it: %s", text,
			 strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < n; i++)
		attached |= ifindex[i] == oif;
	if (memcmp(hop.addr, a->addr, sizeof(hop.addr))) {
		xlb_addr_format(&hop, hop_text, sizeof(hop_text));
		snprintf(err, errlen,
			 "l2 backend %s is not on a directly connected network (the route goes "
			 "through gateway %s): use encap ipip or gue",
			 text, hop_text);
		return -EHOSTUNREACH;
	}
	if (!attached) {
		if (!if_indextoname((unsigned)oif, ifname))
			snprintf(ifname, sizeof(ifname), "%d", oif);
		snprintf(err, errlen,
			 "l2 backend %s is reached through %s, which is not an interface xlb_lb "
			 "is attached to: it must share the attached interface's network",
			 text, ifname);
		return -EHOSTUNREACH;
	}
	ret = neigh_lookup(a, oif, mac);
	if (ret == -EAGAIN) {
		neigh_kick(a, oif);
		snprintf(err, errlen, "l2 backend %s: its MAC is not resolved yet", text);
	} else if (ret) {
		snprintf(err, errlen, "reading the neighbour table: %s", strerror(-ret));
	}
	return ret;
}
