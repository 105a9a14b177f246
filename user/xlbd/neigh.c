// SPDX-License-Identifier: GPL-2.0
/* neigh.c - the gateway's MAC address from the kernel, over rtnetlink: the route towards a
 * backend gives the next hop and interface, the neighbour table its MAC. See neigh.h. */
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
#include "xlb_abi.h"

#define NL_BUF 16384

/* Send one request and collect the answers into buf; returns the bytes received or -errno. */
static int nl_request(struct nlmsghdr *req, char *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), ret = 0;
	size_t got = 0;

	if (fd < 0)
		return -errno;
	struct timeval tv = { .tv_sec = 1 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, req, req->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto out;
	}
	/* A dump ends with NLMSG_DONE; a single answer is one message (or an error). */
	for (;;) {
		ssize_t n = recv(fd, buf + got, len - got, 0);
		struct nlmsghdr *h;
		int rem;
		bool done = false;

		if (n < 0) {
			ret = -errno;
			goto out;
		}
		for (h = (struct nlmsghdr *)(buf + got), rem = (int)n; NLMSG_OK(h, rem);
		     h = NLMSG_NEXT(h, rem)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				if (e->error) {
					ret = e->error;
					goto out;
				}
				done = true;
			}
			if (h->nlmsg_type == NLMSG_DONE || !(h->nlmsg_flags & NLM_F_MULTI))
				done = true;
		}
		got += (size_t)n;
		if (done || got >= len)
			break;
	}
	ret = (int)got;
out:
	close(fd);
	return ret;
}

static void add_attr(struct nlmsghdr *h, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(rta->rta_len);
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
	size_t alen = af == AF_INET ? 4 : 16;
	static char buf[NL_BUF];
	struct nlmsghdr *h;
	int n;

	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.r));
	req.h.nlmsg_type = RTM_GETROUTE;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.r.rtm_family = (unsigned char)af;
	req.r.rtm_dst_len = (unsigned char)(alen * 8);
	add_attr(&req.h, RTA_DST, dst->addr, alen);
	n = nl_request(&req.h, buf, sizeof(buf));
	if (n < 0)
		return n;
	*hop = *dst;
	*oif = 0;
	for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
		struct rtmsg *r = NLMSG_DATA(h);
		struct rtattr *a = RTM_RTA(r);
		int alen_left = (int)RTM_PAYLOAD(h);

		if (h->nlmsg_type != RTM_NEWROUTE)
			continue;
		for (; RTA_OK(a, alen_left); a = RTA_NEXT(a, alen_left)) {
			if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) == alen)
				memcpy(hop->addr, RTA_DATA(a), alen);
			else if (a->rta_type == RTA_OIF)
				*oif = *(int *)RTA_DATA(a);
		}
	}
	return *oif ? 0 : -ENETUNREACH;
}

/* The MAC of hop on interface oif from the neighbour table; -EAGAIN while unresolved. */
static int neigh_lookup(const struct xlb_addr *hop, int oif, __u8 mac[6])
{
	struct {
		struct nlmsghdr h;
		struct ndmsg n;
	} req = { 0 };
	int af = hop->family == XLB_AF_INET ? AF_INET : AF_INET6;
	size_t alen = af == AF_INET ? 4 : 16;
	static char buf[NL_BUF * 4];
	struct nlmsghdr *h;
	int n, ret = -EAGAIN;

	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.n));
	req.h.nlmsg_type = RTM_GETNEIGH;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.n.ndm_family = (unsigned char)af;
	n = nl_request(&req.h, buf, sizeof(buf));
	if (n < 0)
		return n;
	for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
		struct ndmsg *nd = NLMSG_DATA(h);
		struct rtattr *a;
		int left;
		bool match = false;
		const __u8 *ll = NULL;

		if (h->nlmsg_type != RTM_NEWNEIGH || nd->ndm_ifindex != oif)
			continue;
		if (nd->ndm_state & (NUD_INCOMPLETE | NUD_FAILED | NUD_NONE))
			continue;
		a = (struct rtattr *)((char *)nd + NLMSG_ALIGN(sizeof(*nd)));
		left = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*nd)));
		for (; RTA_OK(a, left); a = RTA_NEXT(a, left)) {
			if (a->rta_type == NDA_DST && RTA_PAYLOAD(a) == alen &&
			    !memcmp(RTA_DATA(a), hop->addr, alen))
				match = true;
			else if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6)
				ll = RTA_DATA(a);
		}
		if (match && ll) {
			memcpy(mac, ll, 6);
			ret = 0;
			break;
		}
	}
	return ret;
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
