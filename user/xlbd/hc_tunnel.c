// SPDX-License-Identifier: GPL-2.0
/* hc_tunnel.c - the tunnel health check: see hc_tunnel.h.
 *
 * A TCP probe is a hand-made SYN from inner_src:lport to VIP:port with the probe id in the top
 * 16 bits of its sequence number, so an answer (ack = isn + 1) finds its probe without a search;
 * the whole tuple and the sequence number are then checked. The LB's kernel has no socket for
 * the SYN-ACK and answers it with a RST of its own, but that RST goes to the VIP, i.e. through
 * the data path to whichever backend the hash picks; so the probe also sends its RST through
 * the tunnel to the backend it tested, which frees the half-open connection there at once.
 * A UDP probe binds an ordinary UDP socket to inner_src (port chosen by the kernel) and
 * connects it to VIP:port without sending from it: the kernel then delivers the reply, and an
 * ICMP port unreachable as ECONNREFUSED, to that socket; the datagram itself goes through the
 * raw socket, encapsulated.
 *
 * The backend's mode picks the sender: ipip a raw socket of the inner protocol (the kernel
 * writes the outer header), gue a raw UDP socket with the UDP header written here (source port
 * from the probe flow's hash), l2 a packet socket that frames the bare inner packet to the
 * backend's MAC on its interface. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "csum.h"
#include "gue.h"
#include "hc_tunnel.h"
#include "log.h"
#include "loop.h"
#include "xlb_abi.h"
#include "xlb_hash.h"

#define PORT_LO 61000 /* TCP probes' source ports: above Linux's default ephemeral range */
#define PORT_SPAN (65536 - PORT_LO)
#define MAX_IDS 65536 /* the id lives in the top 16 bits of the sequence number */
#define TTL 64
#define MSS 1220 /* announced in the SYN: fits any tunnel on a 1280-byte IPv6 path */
#define PKT_MAX 1600

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

struct probe {
	bool active;
	__u8 proto;
	__u16 lport, port;
	__u32 isn;
	struct xlb_addr backend, outer_src, vip, inner_src;
	__u8 encap; /* enum xlb_encap */
	__u16 gue_port; /* host order */
	__u8 mac[6]; /* l2: the backend's */
	int ifindex; /* l2: its interface */
	int fd; /* udp: the socket the answer comes to, else -1 */
	char expect[128];
};

static struct {
	struct loop *loop;
	hc_tunnel_done_fn done;
	struct probe *p; /* MAX_IDS entries, allocated on the first probe */
	int tx[2][2]; /* [outer is v6][inner is v6]: raw IPPROTO_IPIP / IPPROTO_IPV6 */
	int tx_gue[2]; /* [outer is v6]: raw IPPROTO_UDP, the UDP header written here */
	int tx_l2; /* AF_PACKET SOCK_DGRAM, protocol 0: sends, receives nothing */
	hc_tunnel_l2_fn l2;
	int rx[2]; /* [inner is v6]: raw IPPROTO_TCP, filtered */
	bool warned;
	__u16 next_port;
} T = { .tx = { { -1, -1 }, { -1, -1 } }, .rx = { -1, -1 }, .tx_gue = { -1, -1 }, .tx_l2 = -1 };

static __u32 rnd32(void)
{
	__u32 r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (__u32)rand();
	return r;
}

static int fam_of(const struct xlb_addr *a)
{
	return a->family == XLB_AF_INET6 ? AF_INET6 : AF_INET;
}

static bool is6(const struct xlb_addr *a)
{
	return a->family == XLB_AF_INET6;
}

/* ---- packets ---- */

static void put16(__u8 *p, __u16 v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
}

static void put32(__u8 *p, __u32 v)
{
	put16(p, (__u16)(v >> 16));
	put16(p + 2, (__u16)v);
}

/* The inner IP header for a transport segment of len bytes at buf + its return value. */
static size_t inner_ip(__u8 *buf, const struct probe *pr, size_t len)
{
	size_t alen = is6(&pr->vip) ? 16 : 4;

	if (is6(&pr->vip)) {
		memset(buf, 0, 40);
		buf[0] = 0x60;
		put16(buf + 4, (__u16)len);
		buf[6] = pr->proto;
		buf[7] = TTL;
		memcpy(buf + 8, pr->inner_src.addr, alen);
		memcpy(buf + 24, pr->vip.addr, alen);
		return 40;
	}
	memset(buf, 0, 20);
	buf[0] = 0x45;
	put16(buf + 2, (__u16)(20 + len));
	put16(buf + 4, (__u16)rnd32());
	buf[6] = 0x40; /* DF */
	buf[8] = TTL;
	buf[9] = pr->proto;
	memcpy(buf + 12, pr->inner_src.addr, alen);
	memcpy(buf + 16, pr->vip.addr, alen);
	put16(buf + 10, xlb_csum_fold(xlb_csum_add(buf, 20, 0)));
	return 20;
}

/* A TCP segment without payload: SYN (with an MSS option) or RST. */
static size_t tcp_seg(__u8 *seg, const struct probe *pr, __u32 seq, __u8 flags)
{
	size_t len = flags & TCP_SYN ? 24 : 20;

	memset(seg, 0, len);
	put16(seg, pr->lport);
	put16(seg + 2, pr->port);
	put32(seg + 4, seq);
	seg[12] = (__u8)(len / 4) << 4;
	seg[13] = flags;
	put16(seg + 14, flags & TCP_SYN ? 64240 : 0);
	if (flags & TCP_SYN) {
		seg[20] = 2; /* MSS */
		seg[21] = 4;
		put16(seg + 22, MSS);
	}
	put16(seg + 16, xlb_l4_csum(&pr->inner_src, &pr->vip, IPPROTO_TCP, seg, len));
	return len;
}

static size_t udp_seg(__u8 *seg, const struct probe *pr, const char *payload)
{
	size_t n = strlen(payload), len = 8 + n;
	__u16 c;

	put16(seg, pr->lport);
	put16(seg + 2, pr->port);
	put16(seg + 4, (__u16)len);
	put16(seg + 6, 0);
	memcpy(seg + 8, payload, n);
	c = xlb_l4_csum(&pr->inner_src, &pr->vip, IPPROTO_UDP, seg, len);
	put16(seg + 6, c ? c : 0xffff);
	return len;
}

/* ---- sockets ---- */

/* Attach a classic BPF program; returns 0 or -errno. */
static int attach_filter(int fd, struct sock_filter *code, unsigned short n)
{
	struct sock_fprog prog = { .len = n, .filter = code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) ? -errno : 0;
}

/* The raw socket *fd of protocol proto over an outer family, opened on first use. It would also
 * receive every packet of that protocol to this host: its filter drops them all. */
static int raw_socket(int *fd, bool outer6, int proto)
{
	struct sock_filter none[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	int s, ret;

	if (*fd >= 0)
		return *fd;
	s = socket(outer6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (s < 0)
		return -errno;
	ret = attach_filter(s, none, 1);
	if (ret) {
		close(s);
		return ret;
	}
	*fd = s;
	return s;
}

static void on_tcp(struct loop *l, int fd, uint32_t events, void *arg);

/* The raw TCP socket that sees the answers to the probes of one inner family. Its filter keeps
 * SYN-ACKs and RSTs to the probes' source ports: the daemon does not wake for other TCP. An
 * IPv4 raw socket sees the IP header first, an IPv6 one the TCP header. */
static int rx_socket(bool inner6)
{
	struct sock_filter v4[] = {
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), /* x = IP header length */
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2), /* destination port */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, PORT_LO, 0, 5),
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 13), /* flags */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, TCP_RST, 2, 0),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, TCP_SYN | TCP_ACK),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TCP_SYN | TCP_ACK, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_filter v6[] = {
		BPF_STMT(BPF_LDX | BPF_IMM, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, PORT_LO, 0, 5),
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 13),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, TCP_RST, 2, 0),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, TCP_SYN | TCP_ACK),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TCP_SYN | TCP_ACK, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	int *fd = &T.rx[inner6], s, ret;

	if (*fd >= 0)
		return *fd;
	s = socket(inner6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		   IPPROTO_TCP);
	if (s < 0)
		return -errno;
	ret = inner6 ? attach_filter(s, v6, sizeof(v6) / sizeof(v6[0]))
		     : attach_filter(s, v4, sizeof(v4) / sizeof(v4[0]));
	if (!ret)
		ret = loop_add_fd(T.loop, s, EPOLLIN, on_tcp, (void *)(uintptr_t)inner6);
	if (ret) {
		close(s);
		return ret;
	}
	*fd = s;
	return s;
}

/* The inner packet pkt (len bytes) to pr's backend as its l2 mode sends it: in a frame to its
 * MAC, from the interface's, with nothing around it. */
static int send_l2(const struct probe *pr, const __u8 *pkt, size_t len)
{
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(is6(&pr->vip) ? ETH_P_IPV6 : ETH_P_IP),
		.sll_ifindex = pr->ifindex,
		.sll_halen = 6,
	};

	if (T.tx_l2 < 0) {
		T.tx_l2 = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (T.tx_l2 < 0)
			return -errno;
	}
	memcpy(ll.sll_addr, pr->mac, 6);
	return sendto(T.tx_l2, pkt, len, 0, (struct sockaddr *)&ll, sizeof(ll)) < 0 ? -errno : 0;
}

/* Encapsulate the inner packet pkt (len bytes) in pr's backend's mode and send it there from
 * its outer source (set per packet: the sockets are shared). */
static int send_encap(const struct probe *pr, const __u8 *pkt, size_t len)
{
	bool outer6 = is6(&pr->backend), gue = pr->encap == XLB_ENCAP_GUE;
	int fd = gue ? raw_socket(&T.tx_gue[outer6], outer6, IPPROTO_UDP)
		     : raw_socket(&T.tx[outer6][is6(&pr->vip)], outer6,
				  is6(&pr->vip) ? IPPROTO_IPV6 : IPPROTO_IPIP);
	__u8 dgram[GUE_UDP_HLEN + PKT_MAX];
	struct sockaddr_storage ss = { 0 };
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)pkt, .iov_len = len };
	struct msghdr msg = { .msg_name = &ss, .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (pr->encap == XLB_ENCAP_L2)
		return send_l2(pr, pkt, len);
	if (fd < 0)
		return fd;
	if (gue) {
		/* The probe flow's connection hash picks the source port, as the data path's does.
		 * Its seed is 0 (the daemon's seed is not the checks' to know): the backend's RSS
		 * sees a port as spread, only not the one a client flow of these ports would get.
		 */
		__u32 h = xlb_conn_hash(0, pr->vip.family, pr->inner_src.addr, pr->vip.addr,
					htons(pr->lport), htons(pr->port), pr->proto);

		iov.iov_base = dgram;
		iov.iov_len = gue_udp_write(dgram, &pr->outer_src, &pr->backend, gue_sport(h),
					    pr->gue_port, pkt, len);
		if (!iov.iov_len)
			return -EMSGSIZE;
	}
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_control = ctl.buf;
	cm = (struct cmsghdr *)ctl.buf;
	if (is6(&pr->backend)) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		struct in6_pktinfo pi = { 0 };

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, pr->backend.addr, 16);
		msg.msg_namelen = sizeof(*s6);
		memcpy(&pi.ipi6_addr, pr->outer_src.addr, 16);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		struct in_pktinfo pi = { 0 };

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, pr->backend.addr, 4);
		msg.msg_namelen = sizeof(*s4);
		memcpy(&pi.ipi_spec_dst, pr->outer_src.addr, 4);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
	}
	return sendmsg(fd, &msg, 0) < 0 ? -errno : 0;
}

/* ---- answers ---- */

static void finish(size_t id, enum hc_result r)
{
	hc_tunnel_cancel(id);
	T.done(id, r);
}

static void on_tcp(struct loop *l, int fd, uint32_t events, void *arg)
{
	bool inner6 = (uintptr_t)arg;
	__u8 buf[PKT_MAX], pkt[PKT_MAX];

	(void)l;
	(void)events;
	for (;;) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		size_t off = 0;
		const __u8 *src;
		struct probe *pr;
		__u32 ack;

		if (n < 0)
			return;
		if (!inner6) {
			if (n < 20)
				continue;
			off = (size_t)(buf[0] & 0xf) * 4;
			src = buf + 12;
		} else {
			src = (const __u8 *)&((struct sockaddr_in6 *)&from)->sin6_addr;
		}
		if ((size_t)n < off + 20)
			continue;
		ack = (__u32)buf[off + 8] << 24 | (__u32)buf[off + 9] << 16 |
		      (__u32)buf[off + 10] << 8 | buf[off + 11];
		pr = T.p ? &T.p[(ack - 1) >> 16] : NULL;
		if (!pr || !pr->active || pr->proto != IPPROTO_TCP || is6(&pr->vip) != inner6 ||
		    ack - 1 != pr->isn || memcmp(src, pr->vip.addr, inner6 ? 16 : 4) ||
		    (__u16)(buf[off] << 8 | buf[off + 1]) != pr->port ||
		    (__u16)(buf[off + 2] << 8 | buf[off + 3]) != pr->lport)
			continue;
		if (buf[off + 13] & TCP_RST) {
			finish((ack - 1) >> 16, HC_REFUSED);
			continue;
		}
		/* Close the half-open connection on the backend it reached, through the tunnel. */
		size_t seg = inner_ip(pkt, pr, 20);

		seg += tcp_seg(pkt + seg, pr, pr->isn + 1, TCP_RST);
		send_encap(pr, pkt, seg);
		finish((ack - 1) >> 16, HC_OK);
	}
}

static void on_udp(struct loop *l, int fd, uint32_t events, void *arg)
{
	size_t id = (uintptr_t)arg;
	struct probe *pr = &T.p[id];
	char buf[512];
	ssize_t n;

	(void)l;
	(void)events;
	if (!pr->active || pr->fd != fd)
		return;
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0) {
		if (errno == EAGAIN)
			return;
		finish(id, errno == ECONNREFUSED ? HC_REFUSED : HC_ERROR);
		return;
	}
	buf[n] = '\0';
	finish(id, !pr->expect[0] || memmem(buf, (size_t)n, pr->expect, strlen(pr->expect))
			   ? HC_OK
			   : HC_BAD_REPLY);
}

/* The UDP socket that receives the answer: bound to the inner source (IP_FREEBIND: the address
 * may be one the host answers for without owning it), connected to VIP:port. */
static int udp_socket(size_t id, struct probe *pr)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int one = 1, fd, ret;

	fd = socket(fam_of(&pr->vip), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (is6(&pr->vip)) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, pr->inner_src.addr, 16);
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, pr->inner_src.addr, 4);
		len = sizeof(*s4);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) || getsockname(fd, (struct sockaddr *)&ss, &len))
		goto err_close;
	pr->lport = ntohs(is6(&pr->vip) ? ((struct sockaddr_in6 *)&ss)->sin6_port
					: ((struct sockaddr_in *)&ss)->sin_port);
	if (is6(&pr->vip)) {
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, pr->vip.addr, 16);
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(pr->port);
	} else {
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, pr->vip.addr, 4);
		((struct sockaddr_in *)&ss)->sin_port = htons(pr->port);
	}
	if (connect(fd, (struct sockaddr *)&ss, len))
		goto err_close;
	ret = loop_add_fd(T.loop, fd, EPOLLIN, on_udp, (void *)(uintptr_t)id);
	if (ret) {
		close(fd);
		return ret;
	}
	pr->fd = fd;
	return 0;

err_close:
	ret = -errno;
	close(fd);
	return ret;
}

/* ---- the interface ---- */

void hc_tunnel_l2_resolver(hc_tunnel_l2_fn fn)
{
	T.l2 = fn;
}

void hc_tunnel_init(struct loop *loop, hc_tunnel_done_fn done)
{
	T.loop = loop;
	T.done = done;
	T.next_port = (__u16)(rnd32() % PORT_SPAN);
}

void hc_tunnel_fini(void)
{
	for (size_t i = 0; T.p && i < MAX_IDS; i++)
		hc_tunnel_cancel(i);
	for (int o = 0; o < 2; o++) {
		for (int i = 0; i < 2; i++)
			if (T.tx[o][i] >= 0)
				close(T.tx[o][i]);
		if (T.tx_gue[o] >= 0)
			close(T.tx_gue[o]);
	}
	if (T.tx_l2 >= 0)
		close(T.tx_l2);
	for (int i = 0; i < 2; i++) {
		if (T.rx[i] >= 0) {
			loop_del_fd(T.loop, T.rx[i]);
			close(T.rx[i]);
		}
	}
	hc_tunnel_l2_fn l2 = T.l2; /* the daemon's resolver outlives a restart of the checks */

	free(T.p);
	memset(&T, 0, sizeof(T));
	T.l2 = l2;
	memset(T.tx, 0xff, sizeof(T.tx));
	memset(T.rx, 0xff, sizeof(T.rx));
	memset(T.tx_gue, 0xff, sizeof(T.tx_gue));
	T.tx_l2 = -1;
}

void hc_tunnel_cancel(size_t id)
{
	struct probe *pr;

	if (!T.p || id >= MAX_IDS)
		return;
	pr = &T.p[id];
	if (pr->fd >= 0) {
		loop_del_fd(T.loop, pr->fd);
		close(pr->fd);
	}
	pr->fd = -1;
	pr->active = false;
}

int hc_tunnel_start(size_t id, const struct hc_tunnel_probe *p)
{
	__u8 pkt[PKT_MAX];
	struct probe *pr;
	size_t len, hl;
	int ret;

	if (id >= MAX_IDS)
		return -ERANGE;
	if (!T.p) {
		T.p = calloc(MAX_IDS, sizeof(*T.p));
		if (!T.p)
			return -ENOMEM;
		for (size_t i = 0; i < MAX_IDS; i++)
			T.p[i].fd = -1;
	}
	hc_tunnel_cancel(id);
	pr = &T.p[id];
	pr->proto = p->proto;
	pr->port = p->port;
	pr->backend = p->backend;
	pr->outer_src = p->outer_src;
	pr->vip = p->vip;
	pr->inner_src = p->inner_src;
	pr->encap = p->encap;
	pr->gue_port = p->gue_port;
	/* l2: to the backend's MAC on its interface, known once the neighbour table has it. */
	if (p->encap == XLB_ENCAP_L2 && (!T.l2 || !T.l2(&p->backend, pr->mac, &pr->ifindex))) {
		hc_tunnel_cancel(id);
		return -EHOSTUNREACH;
	}
	snprintf(pr->expect, sizeof(pr->expect), "%s", p->expect ? p->expect : "");
	hl = is6(&pr->vip) ? 40 : 20;
	if (p->proto == IPPROTO_TCP) {
		ret = rx_socket(is6(&pr->vip));
		if (ret < 0)
			goto err;
		pr->lport = (__u16)(PORT_LO + T.next_port++ % PORT_SPAN);
		pr->isn = (__u32)id << 16 | (rnd32() & 0xffff);
		len = tcp_seg(pkt + hl, pr, pr->isn, TCP_SYN);
	} else {
		ret = udp_socket(id, pr);
		if (ret)
			goto err;
		if (strlen(p->payload) > PKT_MAX - hl - 8) {
			ret = -EMSGSIZE;
			goto err;
		}
		len = udp_seg(pkt + hl, pr, p->payload);
	}
	inner_ip(pkt, pr, len);
	ret = send_encap(pr, pkt, hl + len);
	if (ret)
		goto err;
	pr->active = true;
	return 0;

err:
	hc_tunnel_cancel(id);
	if (!T.warned) {
		T.warned = true;
		xlog_warn("tunnel health checks cannot send: %s%s", strerror(-ret),
			  ret == -EPERM ? " (raw sockets need CAP_NET_RAW)" : "");
	}
	return ret;
}
