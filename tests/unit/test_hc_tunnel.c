// SPDX-License-Identifier: GPL-2.0
/* test_hc_tunnel.c - the tunnel health probe's forwarding modes (user/xlbd/hc_tunnel.c) on
 * loopback, the probes received as a backend would receive them: gue under IPv4 and IPv6 (a
 * UDP socket on the GUE port gets the inner packet unchanged, from the source port the flow
 * hash gives; under IPv6 the kernel delivers it only with a correct checksum), and l2 (a
 * packet socket on lo sees the bare inner packet in a frame to the backend's MAC); an l2 probe
 * whose MAC is not known is not sent. The probes are TCP SYNs (a UDP probe connects a socket
 * to the VIP, which needs a route the test machine need not have). Needs CAP_NET_RAW: skipped
 * without it. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "gue.h"
#include "hc_tunnel.h"
#include "loop.h"
#include "xlb_abi.h"
#include "xlb_hash.h"
#include "xt.h"

static const __u8 MAC[6] = { 0x02, 0, 0, 0, 0x77, 0x05 };
static bool known; /* whether the resolver knows the l2 backend */

static struct xlb_addr addr(const char *s)
{
	struct xlb_addr a = { 0 };

	xlb_addr_parse(s, &a);
	return a;
}

static void done(size_t id, enum hc_result r)
{
	(void)id;
	(void)r;
}

static bool resolve(const struct xlb_addr *a, __u8 mac[6], int *ifindex)
{
	(void)a;
	memcpy(mac, MAC, 6);
	*ifindex = (int)if_nametoindex("lo");
	return known;
}

/* A datagram socket of family af bound to the loopback address on a free port (*port). */
static int listener(int af, __u16 *port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = af == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int fd = socket(af, SOCK_DGRAM, 0);

	ss.ss_family = (sa_family_t)af;
	if (af == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len))
		return -1;
	*port = ntohs(af == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
				    : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

/* Up to len bytes of the next datagram on fd within a second, its source port in *sport. */
static ssize_t receive(int fd, __u8 *buf, size_t len, __u16 *sport)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	ssize_t n;

	if (poll(&p, 1, 1000) != 1)
		return -1;
	n = recvfrom(fd, buf, len, 0, (struct sockaddr *)&from, &flen);
	*sport = ntohs(from.ss_family == AF_INET ? ((struct sockaddr_in *)&from)->sin_port
						 : ((struct sockaddr_in6 *)&from)->sin6_port);
	return n;
}

/* A GUE probe of a TCP service (a SYN: no socket to connect, so no route to the VIP needed) to
 * VIP vip:80 (inner from inner_src) through backend, the loopback address of family af: the
 * datagram on the GUE port is the inner packet. */
static int gue_case(struct loop *l, int af, const char *backend, const char *vip,
		    const char *inner_src)
{
	__u8 buf[2048];
	__u16 port, sport;
	int fd = listener(af, &port);
	struct hc_tunnel_probe p = {
		.backend = addr(backend),
		.encap = XLB_ENCAP_GUE,
		.outer_src = addr(backend),
		.vip = addr(vip),
		.inner_src = addr(inner_src),
		.port = 80,
		.proto = IPPROTO_TCP,
	};
	bool v6 = p.vip.family == XLB_AF_INET6;
	size_t hl = v6 ? 40 : 20;
	ssize_t n;
	__u16 lport;
	__u32 h;

	(void)l;
	p.gue_port = port;
	XT_CHECK(fd >= 0, "listener: %s", strerror(errno));
	XT_EQ(hc_tunnel_start(1, &p), 0);
	n = receive(fd, buf, sizeof(buf), &sport);
	close(fd);
	hc_tunnel_cancel(1);
	XT_EQ(n, (ssize_t)(hl + 24)); /* a SYN with its MSS option */
	XT_EQ(buf[0] >> 4, v6 ? 6 : 4);
	XT_EQ(buf[v6 ? 6 : 9], IPPROTO_TCP);
	XT_CHECK(!memcmp(buf + (v6 ? 24 : 16), p.vip.addr, v6 ? 16 : 4), "inner destination");
	XT_CHECK(!memcmp(buf + (v6 ? 8 : 12), p.inner_src.addr, v6 ? 16 : 4), "inner source");
	XT_EQ(buf[hl + 2] << 8 | buf[hl + 3], 80);
	XT_EQ(buf[hl + 13], 0x02); /* SYN */
	lport = (__u16)(buf[hl] << 8 | buf[hl + 1]);
	h = xlb_conn_hash(0, p.vip.family, p.inner_src.addr, p.vip.addr, htons(lport), htons(80),
			  IPPROTO_TCP);
	XT_EQ(sport, gue_sport(h));
	return XT_PASS;
}

/* gue_case() on a loop and tunnel engine of its own. */
static int gue_run(int af, const char *backend, const char *vip, const char *src)
{
	struct loop *l;
	int rc;

	XT_EQ(loop_create(&l, 0), 0);
	hc_tunnel_init(l, done);
	rc = gue_case(l, af, backend, vip, src);
	hc_tunnel_fini();
	loop_destroy(l);
	return rc;
}

static int t_gue_v4_inner_v4(void)
{
	return gue_run(AF_INET, "127.0.0.1", "10.0.0.10", "127.0.0.1");
}

static int t_gue_v6_inner_v6(void)
{
	return gue_run(AF_INET6, "::1", "2001:db8::10", "::1");
}

static int t_l2(void)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
	struct hc_tunnel_probe p = {
		.backend = addr("127.0.0.1"),
		.encap = XLB_ENCAP_L2,
		.vip = addr("10.0.0.10"),
		.inner_src = addr("127.0.0.1"),
		.port = 80,
		.proto = IPPROTO_TCP,
	};
	__u8 frame[2048];
	struct pollfd pf;
	struct loop *l;
	bool seen = false;
	int fd;

	XT_EQ(loop_create(&l, 0), 0);
	hc_tunnel_init(l, done);
	hc_tunnel_l2_resolver(resolve);
	known = false;
	XT_EQ(hc_tunnel_start(2, &p), -EHOSTUNREACH);
	known = true;
	ll.sll_ifindex = (int)if_nametoindex("lo");
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
	XT_CHECK(fd >= 0 && !bind(fd, (struct sockaddr *)&ll, sizeof(ll)), "packet socket: %s",
		 strerror(errno));
	XT_EQ(hc_tunnel_start(2, &p), 0);
	pf = (struct pollfd){ .fd = fd, .events = POLLIN };
	/* The SYN to the VIP in a frame to the backend's MAC: no outer header. */
	while (!seen && poll(&pf, 1, 1000) == 1) {
		ssize_t n = recv(fd, frame, sizeof(frame), 0);

		seen = n == 14 + 20 + 24 && !memcmp(frame, MAC, 6) && frame[12] == 0x08 &&
		       frame[13] == 0x00 && frame[14] == 0x45 && frame[14 + 9] == IPPROTO_TCP &&
		       !memcmp(frame + 14 + 16, p.vip.addr, 4) && frame[14 + 20 + 13] == 0x02;
	}
	close(fd);
	hc_tunnel_fini();
	loop_destroy(l);
	XT_CHECK(seen, "no frame to 02:00:00:00:77:05 with the SYN to 10.0.0.10:80");
	return XT_PASS;
}

static const struct xt_case cases[] = {
	{ "gue_v4_inner_v4", t_gue_v4_inner_v4 },
	{ "gue_v6_inner_v6", t_gue_v6_inner_v6 },
	{ "l2_frame_to_backend_mac", t_l2 },
};

int main(int argc, char **argv)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);

	if (fd < 0) { /* no CAP_NET_RAW: nothing here can run */
		printf("skip unit/hc_tunnel/all (raw sockets need CAP_NET_RAW)\n");
		printf("unit/hc_tunnel: 0 passed, 0 failed, %zu skipped\n",
		       sizeof(cases) / sizeof(cases[0]));
		return 0;
	}
	close(fd);
	return xt_run("unit/hc_tunnel", cases, sizeof(cases) / sizeof(cases[0]),
		      argc > 1 ? argv[1] : NULL);
}
