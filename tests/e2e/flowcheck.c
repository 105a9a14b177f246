// SPDX-License-Identifier: GPL-2.0
/* flowcheck.c - test support: where the real xlb_lb sends random flows of one service. Finds
 * the program attached to IFNAME through the pinned link (PIN/links/IFNAME -> bpf_link info ->
 * program id), runs it under BPF_PROG_TEST_RUN on one frame per flow (TCP SYN or ACK, or UDP),
 * and prints one line per flow: "CLIENT BACKEND", BACKEND being the outer destination of the
 * encapsulated frame, or "verdict=N" when the program did not return XDP_TX. The same seed
 * gives the same flows, so a test can compare them with "lbctl flow lookup", change something,
 * and send the same flows again. Runs the program: it writes the connection table like
 * traffic would, always on CPU 0 (pinned), as one NIC queue would: the table has a part per
 * CPU, and a flow's next packets must find its entry in the part they use.
 * Usage: flowcheck PIN_DIR IFNAME SERVICE COUNT SEED syn|ack|list (list: only the clients,
 * without running anything, for predictions made before the program sees the flows). */
#define _GNU_SOURCE /* sched_setaffinity */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "addr.h"
#include "xlb_abi.h"

#define FRAME_IN 128
#define FRAME_OUT 512
#define PAYLOAD 16

static __u64 rng_state;

static __u64 rng(void)
{
	/* xorshift64*: enough spread for addresses and ports, reproducible from the seed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static __u16 csum(const void *buf, size_t len)
{
	const __u8 *p = buf;
	__u32 sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (__u32)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (__u32)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((__u16)~sum);
}

/* One frame from client:sport to the service; returns its length. L4 checksums are left zero:
 * the data path does not verify them. */
static size_t build(__u8 *f, const struct xlb_addr *src, __u16 sport,
		    const struct xlb_service_ref *svc, bool syn)
{
	static const __u8 dst_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 },
			  src_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	bool v4 = src->family == XLB_AF_INET, tcp = svc->proto == IPPROTO_TCP;
	size_t l3 = 14, iph = v4 ? 20 : 40, l4len = (tcp ? 20 : 8) + PAYLOAD;
	__u8 *ip = f + l3, *l4 = ip + iph;
	__u16 dport = htons(svc->port);

	memset(f, 0, FRAME_IN);
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	f[12] = v4 ? 0x08 : 0x86;
	f[13] = v4 ? 0x00 : 0xdd;
	if (v4) {
		ip[0] = 0x45;
		*(__u16 *)(ip + 2) = htons((__u16)(iph + l4len));
		*(__u16 *)(ip + 6) = htons(0x4000); /* DF */
		ip[8] = 64;
		ip[9] = svc->proto;
		memcpy(ip + 12, &src->addr[0], 4);
		memcpy(ip + 16, &svc->vip.addr[0], 4);
		*(__u16 *)(ip + 10) = csum(ip, 20);
	} else {
		ip[0] = 0x60;
		*(__u16 *)(ip + 4) = htons((__u16)l4len);
		ip[6] = svc->proto;
		ip[7] = 64;
		memcpy(ip + 8, src->addr, 16);
		memcpy(ip + 24, svc->vip.addr, 16);
	}
	*(__u16 *)l4 = htons(sport);
	*(__u16 *)(l4 + 2) = dport;
	if (tcp) {
		*(__u32 *)(l4 + 4) = htonl(1);
		l4[12] = 5 << 4;
		l4[13] = syn ? 0x02 : 0x10; /* SYN, or ACK */
		*(__u16 *)(l4 + 14) = htons(65535);
	} else {
		*(__u16 *)(l4 + 4) = htons((__u16)l4len);
	}
	return l3 + iph + l4len;
}

/* The program behind the pinned link of ifname. */
static int attached_prog(const char *pin_dir, const char *ifname)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	char path[512];
	int link, prog;

	snprintf(path, sizeof(path), "%s/links/%s", pin_dir, ifname);
	link = bpf_obj_get(path);
	if (link < 0) {
		fprintf(stderr, "flowcheck: %s: %s\n", path, strerror(errno));
		return -1;
	}
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(link, &info, &len)) {
		fprintf(stderr, "flowcheck: link info: %s\n", strerror(errno));
		close(link);
		return -1;
	}
	close(link);
	prog = bpf_prog_get_fd_by_id(info.prog_id);
	if (prog < 0)
		fprintf(stderr, "flowcheck: program %u: %s\n", info.prog_id, strerror(errno));
	return prog;
}

int main(int argc, char **argv)
{
	struct xlb_service_ref svc;
	__u8 in[FRAME_IN], out[FRAME_OUT];
	unsigned long count;
	char client[64], be[64];
	bool syn, list;
	int prog = -1;

	if (argc != 7 || xlb_service_parse(argv[3], &svc) || !svc.port ||
	    (strcmp(argv[6], "syn") && strcmp(argv[6], "ack") && strcmp(argv[6], "list"))) {
		fprintf(stderr, "usage: flowcheck PIN_DIR IFNAME SERVICE COUNT SEED syn|ack|list "
				"(SERVICE with a port)\n");
		return 2;
	}
	count = strtoul(argv[4], NULL, 10);
	rng_state = strtoull(argv[5], NULL, 10) * 0x9e3779b97f4a7c15ULL + 1;
	syn = !strcmp(argv[6], "syn");
	list = !strcmp(argv[6], "list");
	if (!list) {
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(0, &one);
		if (sched_setaffinity(0, sizeof(one), &one)) {
			fprintf(stderr, "flowcheck: cannot pin to CPU 0: %s\n", strerror(errno));
			return 1;
		}
		prog = attached_prog(argv[1], argv[2]);
		if (prog < 0)
			return 1;
	}
	for (unsigned long i = 0; i < count; i++) {
		struct xlb_addr src = { .family = svc.vip.family };
		__u16 sport = (__u16)(1024 + rng() % 64512);
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = 1);
		struct xlb_addr outer = { 0 };
		__u64 r = rng();

		if (src.family == XLB_AF_INET) {
			src.addr[0] = htonl(0xc6120000U | (__u32)(r & 0x1ffff)); /* 198.18.0.0/15 */
		} else {
			src.addr[0] = htonl(0x20010db8);
			src.addr[1] = htonl(0xc);
			src.addr[2] = (__u32)(r >> 32);
			src.addr[3] = (__u32)r;
		}
		xlb_addr_format(&src, be, sizeof(be));
		snprintf(client, sizeof(client), src.family == XLB_AF_INET ? "%s:%u" : "[%s]:%u",
			 be, sport);
		if (list) {
			printf("%s\n", client);
			continue;
		}
		opts.data_size_in = (__u32)build(in, &src, sport, &svc, syn);
		if (bpf_prog_test_run_opts(prog, &opts)) {
			fprintf(stderr, "flowcheck: test run: %s\n", strerror(errno));
			return 1;
		}
		if (opts.retval != XDP_TX) {
			printf("%s verdict=%u\n", client, opts.retval);
			continue;
		}
		if (out[12] == 0x08 && out[13] == 0x00) {
			outer.family = XLB_AF_INET;
			memcpy(&outer.addr[0], out + 14 + 16, 4);
		} else {
			outer.family = XLB_AF_INET6;
			memcpy(outer.addr, out + 14 + 24, 16);
		}
		xlb_addr_format(&outer, be, sizeof(be));
		printf("%s %s\n", client, be);
	}
	if (prog >= 0)
		close(prog);
	return 0;
}
