// SPDX-License-Identifier: GPL-2.0
/* capture.c - lbctl capture: a packet capture streamed by xlbd (POST /v1/capture, docs/api.md)
 * written as pcapng to a file or standard output (whole blocks only, so that a capture stopped
 * by Ctrl-C leaves a valid file), or printed one line per packet. The words are checked here
 * with xlbd's own parser (capspec.c) before anything is sent. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/in.h>

#include "capspec.h"
#include "lbctl.h"
#include "pcapread.h"

#define MAX_IFACES 256 /* interfaces named in one capture; more print as "?" */

/* Where the stream goes, and what is left of a block that arrived in pieces. */
struct sink {
	int fd; /* -w: the file or standard output; -1: one line per packet; -2: the file, created
		 * when the first bytes come (a refused capture creates none) */
	const char *path; /* -w's FILE */
	const char *name; /* -w's FILE, for messages */
	char *pending; /* bytes of the next block(s) */
	size_t len, cap;
	unsigned long packets;
	char ifname[MAX_IFACES][32]; /* by if_id, in the order of the IDBs */
	unsigned n_ifaces;
};

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = stop_requested + 1;
}

static int write_all(struct sink *s, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(s->fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return fail("cannot write to %s: %s", s->name, strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* "src:port > dst:port proto" of the innermost IPv4/IPv6 header of an Ethernet frame (one
 * level of IP-in-IP, as xlb_lb encapsulates), or "" when the captured bytes do not reach it. */
static void flow_text(const uint8_t *p, uint32_t n, char *out, size_t len)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], ports[32] = "";
	uint16_t proto_eth;
	uint32_t off = ETH_HLEN, l4 = 0;
	uint8_t proto = 0;
	int family = 0;

	out[0] = '\0';
	if (n < ETH_HLEN)
		return;
	proto_eth = (uint16_t)(p[12] << 8 | p[13]);
	for (int depth = 0; depth < 2; depth++) {
		if (proto_eth == ETH_P_IP && n >= off + 20) {
			family = AF_INET;
			proto = p[off + 9];
			inet_ntop(AF_INET, p + off + 12, src, sizeof(src));
			inet_ntop(AF_INET, p + off + 16, dst, sizeof(dst));
			l4 = off + (uint32_t)(p[off] & 0xf) * 4;
		} else if (proto_eth == ETH_P_IPV6 && n >= off + 40) {
			family = AF_INET6;
			proto = p[off + 6];
			inet_ntop(AF_INET6, p + off + 8, src, sizeof(src));
			inet_ntop(AF_INET6, p + off + 24, dst, sizeof(dst));
			l4 = off + 40;
		} else {
			break;
		}
		if (proto != IPPROTO_IPIP && proto != IPPROTO_IPV6)
			break;
		proto_eth = proto == IPPROTO_IPIP ? ETH_P_IP : ETH_P_IPV6;
		off = l4;
	}
	if (!family)
		return;
	if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP) && n >= l4 + 4)
		snprintf(ports, sizeof(ports), "%u", (unsigned)(p[l4] << 8 | p[l4 + 1]));
	if (*ports)
		snprintf(out, len, family == AF_INET6 ? "[%s]:%s > [%s]:%u %s" : "%s:%s > %s:%u %s",
			 src, ports, dst, (unsigned)(p[l4 + 2] << 8 | p[l4 + 3]),
			 proto == IPPROTO_TCP ? "tcp" : "udp");
	else
		snprintf(out, len, "%s > %s proto %u", src, dst, proto);
}

/* One packet as a line (or, with -j, a JSON object on a line of its own). */
static int print_packet(struct sink *s, const struct pcapng_block *b)
{
	char when[32], flow[160], comment[1024];
	const char *ifname = b->if_id < s->n_ifaces ? s->ifname[b->if_id] : "?";
	time_t sec = (time_t)(b->ts / 1000000000ULL);
	struct tm tm;
	size_t clen = b->comment_len < sizeof(comment) - 1 ? b->comment_len : sizeof(comment) - 1;

	memcpy(comment, b->comment ? b->comment : "", b->comment ? clen : 0);
	comment[b->comment ? clen : 0] = '\0';
	flow_text(b->data, b->cap_len, flow, sizeof(flow));
	localtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	if (opts.json) {
		json_t *j = json_pack("{s:I,s:s,s:i,s:i,s:s,s:s}", "ts_ns", (json_int_t)b->ts,
				      "iface", ifname, "len", (int)b->orig_len, "cap_len",
				      (int)b->cap_len, "decision", comment, "flow", flow);
		char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

		json_decref(j);
		if (!text)
			return fail("out of memory");
		printf("%s\n", text);
		free(text);
	} else {
		printf("%s.%06u %s %u bytes %s | %s\n", when,
		       (unsigned)(b->ts % 1000000000ULL / 1000), ifname, b->orig_len, comment,
		       flow);
	}
	fflush(stdout);
	return 0;
}

/* Whole blocks from the stream: written out as they are, or printed. */
static int take_block(struct sink *s, const char *p, size_t n)
{
	struct pcapng_block b;

	if (pcapng_block_parse(p, n, &b))
		return fail("xlbd sent a malformed pcapng block (type 0x%x)",
			    (unsigned)((const uint32_t *)(const void *)p)[0]);
	if (b.type == PCAPNG_BT_EPB)
		s->packets++;
	if (s->fd >= 0)
		return write_all(s, p, n);
	if (b.type == PCAPNG_BT_IDB && s->n_ifaces < MAX_IFACES) {
		size_t l = b.if_name_len < 31 ? b.if_name_len : 31;

		memcpy(s->ifname[s->n_ifaces], b.if_name ? b.if_name : "?", b.if_name ? l : 1);
		s->ifname[s->n_ifaces++][b.if_name ? l : 1] = '\0';
	}
	return b.type == PCAPNG_BT_EPB ? print_packet(s, &b) : 0;
}

static int on_data(void *ctx, char *buf, size_t len)
{
	struct sink *s = ctx;
	size_t at = 0;
	long n;
	int ret;

	if (s->fd == -2) {
		/* 0600: the packets are client traffic. */
		s->fd = open(s->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (s->fd < 0)
			return fail("cannot create %s: %s", s->path, strerror(errno));
	}
	if (s->cap - s->len < len) {
		size_t want = s->cap ? s->cap : 65536;
		char *grown;

		while (want - s->len < len)
			want *= 2;
		grown = realloc(s->pending, want);
		if (!grown)
			return fail("out of memory");
		s->pending = grown;
		s->cap = want;
	}
	memcpy(s->pending + s->len, buf, len);
	s->len += len;
	while ((n = pcapng_block_len(s->pending + at, s->len - at)) > 0) {
		ret = take_block(s, s->pending + at, (size_t)n);
		if (ret)
			return ret;
		at += (size_t)n;
	}
	if (n < 0)
		return fail("xlbd sent a malformed pcapng stream");
	memmove(s->pending, s->pending + at, s->len - at);
	s->len -= at;
	return 0;
}

/* The words with their keywords' prefixes made whole (capspec.c takes whole ones): the word
 * at each keyword's place, after an optional SERVICE first. Wrong words are usage errors. */
static int expand_keywords(int argc, char **argv)
{
	static const char *const kw[] = { "backend", "client", "reason",   "verdict",
					  "sample",  "count",  "duration", "snaplen" };
	const size_t n = sizeof(kw) / sizeof(kw[0]);
	int i = 0, k;

	if (argc > 0 && (strchr(argv[0], ':') || strchr(argv[0], '/')))
		i = 1; /* a SERVICE: keywords are letters only */
	for (; i < argc; i += 2) {
		k = pick_name(argv[i], kw, n, "keyword");
		if (k < 0)
			return LBCTL_USAGE;
		argv[i] = (char *)kw[k];
		if (i + 1 == argc)
			return usage("%s: missing its value", kw[k]);
	}
	return 0;
}

/* The request's JSON body, from words capspec_parse() accepted. */
static json_t *request_body(int argc, char **argv, const struct capspec *cs)
{
	json_t *j = json_object();
	int i = cs->has_service ? 1 : 0;

	if (cs->has_service)
		json_object_set_new(j, "service", json_string(argv[0]));
	for (; i + 1 < argc; i += 2) {
		const char *k = argv[i];

		if (!strcmp(k, "sample") || !strcmp(k, "count") || !strcmp(k, "duration") ||
		    !strcmp(k, "snaplen"))
			json_object_set_new(j, k, json_integer(strtoll(argv[i + 1], NULL, 10)));
		else
			json_object_set_new(j, k, json_string(argv[i + 1]));
	}
	return j;
}

static int do_capture(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t block, waitmask;
	struct capspec cs;
	struct sink s = { .fd = -1 };
	const char *file = NULL;
	char err[256], *words[64];
	int n = 0, ret;
	bool stopped;

	/* Its records are JSON lines as they come: they cannot be items of a batch's array. */
	if (opts.json && opts.where)
		return usage("capture streams JSON lines: not in a batch with -j");
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-w")) {
			if (n == 63)
				return usage("too many arguments");
			words[n++] = argv[i];
			continue;
		}
		if (file)
			return usage("-w given twice");
		if (i + 1 == argc)
			return usage("-w needs a FILE, or - for standard output");
		file = argv[++i];
	}
	words[n] = NULL;
	ret = expand_keywords(n, words);
	if (ret)
		return ret;
	if (capspec_parse(n, words, XLB_CAPTURE_PROG_LB, &cs, err, sizeof(err)))
		return fail("%s", err);
	if (file && !strcmp(file, "-")) {
		s.fd = STDOUT_FILENO;
		s.name = "standard output";
	} else if (file) {
		s.fd = -2;
		s.path = s.name = file;
	}
	/* SIGINT and SIGTERM end the capture cleanly: blocked but while api_stream() waits. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	stop_requested = 0;
	ret = api_stream("/v1/capture", request_body(n, words, &cs), on_data, &s, &waitmask,
			 &stop_requested, &stopped);
	if (s.fd >= 0 && s.fd != STDOUT_FILENO && close(s.fd) && !ret)
		ret = fail("cannot write to %s: %s", s.name, strerror(errno));
	free(s.pending);
	if (!ret && !opts.json)
		fprintf(stderr, "%lu packets captured%s\n", s.packets, stopped ? " (stopped)" : "");
	return ret;
}

static const char *const capture_defs[] = {
	DEF_SERVICE,
	"PREFIX  := ADDRESS[/LEN]           the clients: the frame's source address",
	"R       := a reason of xlb_lb      e.g. tx_new_flow, drop_no_backend (lbctl stats)",
	"V       := drop | pass | tx        the XDP action",
	NULL,
};

const struct lbctl_object obj_capture = {
	.name = "capture",
	.help = "packets with their decision: pcapng (-w FILE or -), else lines",
	.fn = do_capture,
	.args = "[SERVICE] [backend ADDR] [client PREFIX] [reason R|verdict V] [sample N] "
		"[count N] [duration S] [snaplen N] [-w FILE|-]",
	.defs = capture_defs,
};
