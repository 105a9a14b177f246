// SPDX-License-Identifier: GPL-2.0
/* capture.c - xlb-decap capture: the frames xlb_decap handled, as it left them (the tunnel
 * header removed when it decapsulated), with its decision, written as pcapng (the same blocks
 * as lbctl capture's, user/common/capfile.c) to a file or standard output, or printed one line
 * per packet. The words are capspec.c's, for xlb_decap: no service, backend or client. The
 * filter is disarmed however the capture ends: its count, its duration, Ctrl-C, a failed
 * write; after a crash, by the next capture (docs/decap.md). */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capdesc.h"
#include "capfile.h"
#include "capspec.h"
#include "decap.h"

#define POLL_MS 200 /* the longest wait for records before the duration and signals are seen */

struct out {
	struct capfile file;
	int fd; /* -w: the file or standard output; -1: one line per packet */
	const char *name;
	char buf[CAPFILE_RECORD_MAX(XLB_CAPTURE_SNAP_MAX)];
	__u32 gen, count, received;
	bool failed; /* a write failed: the capture ends */
};

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static int write_all(struct out *o, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(o->fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			dc_err("cannot write to %s: %s", o->name, strerror(errno));
			o->failed = true;
			return -EIO;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One packet as a line: time, interface, length, decision. */
static void print_line(const struct out *o, const struct xlb_capture_rec *r)
{
	char when[32], ifname[IF_NAMESIZE] = "?", decision[256];
	__u64 ts = r->ts_ns + o->file.epoch_ns;
	time_t sec = (time_t)(ts / 1000000000ULL);
	struct tm tm;

	if_indextoname(r->ifindex, ifname);
	localtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	capdesc_line(decision, sizeof(decision), r, NULL, NULL);
	printf("%s.%06u %s %u bytes %s\n", when, (unsigned)(ts % 1000000000ULL / 1000), ifname,
	       r->orig_len, decision);
	fflush(stdout);
}

static int on_record(void *ctx, const struct xlb_capture_rec *r, const void *frame)
{
	struct out *o = ctx;
	size_t n;

	if (r->gen != o->gen || (o->count && o->received >= o->count) || o->failed)
		return 0; /* an earlier capture's, or beyond the count */
	if (o->fd < 0) {
		print_line(o, r);
	} else {
		n = capfile_record(&o->file, o->buf, sizeof(o->buf), r, frame, NULL, NULL);
		if (!n || write_all(o, o->buf, n))
			return 0; /* past the interfaces a file describes: not written */
	}
	o->received++;
	return 0;
}

/* The words and -w FILE|- of argv: words into words (NULL-terminated), the file into *file. */
static int split_args(int argc, char **argv, char **words, int max, const char **file)
{
	int n = 0;

	*file = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-w")) {
			if (n == max - 1)
				return -1;
			words[n++] = argv[i];
			continue;
		}
		if (*file || i + 1 == argc)
			return -1;
		*file = argv[++i];
	}
	words[n] = NULL;
	return n;
}

static int open_capture(struct dc_capture **c, struct out *o)
{
	bool stale;
	int err = dc_capture_open(c, on_record, o, &stale);

	if (err == -EBUSY)
		dc_err("a capture is already running on this xlb_decap (%s): one at a time",
		       dc_pin_dir());
	else if (err == -ENOENT)
		dc_err("not set up: run '%s attach IFACE' first (no pinned capture maps under %s)",
		       DC_TOOL, dc_pin_dir());
	else if (err == -EPERM)
		dc_err("cannot open the pinned maps under %s: permission denied (run as root)",
		       dc_pin_dir());
	else if (err)
		dc_err("cannot open the capture maps under %s: %s", dc_pin_dir(), strerror(-err));
	else if (stale)
		dc_err("disarmed a capture left armed by an earlier xlb-decap capture that did not "
		       "end cleanly");
	return err;
}

/* Whether the capture is over: its count in (taken, or lost for want of ring space). */
static bool count_reached(const struct out *o, const struct dc_capture *c)
{
	return o->count &&
	       (o->received >= o->count || (__u64)o->received + dc_capture_lost(c) >= o->count);
}

int cmd_capture(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct xlb_capture_filter f = { 0 };
	struct dc_capture *c = NULL;
	struct capspec s;
	struct out *o;
	const char *file;
	char err[256], *words[32];
	__u64 deadline;
	int n, ret = DC_EXIT_FAIL;

	n = split_args(argc, argv, words, 32, &file);
	if (n < 0)
		return dc_usage("capture");
	if (capspec_parse(n, words, XLB_CAPTURE_PROG_DECAP, &s, err, sizeof(err))) {
		dc_err("%s", err);
		return DC_EXIT_USAGE;
	}
	o = calloc(1, sizeof(*o));
	if (!o) {
		dc_err("out of memory");
		return DC_EXIT_FAIL;
	}
	o->fd = -1;
	o->count = s.count;
	if (open_capture(&c, o))
		goto out;
	if (file && !strcmp(file, "-")) {
		o->fd = STDOUT_FILENO;
		o->name = "standard output";
	} else if (file) {
		/* 0600: the packets are client traffic. */
		o->fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (o->fd < 0) {
			dc_err("cannot create %s: %s", file, strerror(errno));
			goto out;
		}
		o->name = file;
	}
	n = (int)capfile_begin(&o->file, o->buf, sizeof(o->buf), DC_TOOL, s.snaplen,
			       clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC));
	if (o->fd >= 0 && write_all(o, o->buf, (size_t)n))
		goto out;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (s.has_reason) {
		f.flags |= XLB_CAP_F_REASON;
		f.reason = s.reason;
	}
	if (s.has_verdict) {
		f.flags |= XLB_CAP_F_VERDICT;
		f.verdict = s.verdict;
	}
	f.sample = s.sample;
	f.budget = s.count;
	f.snaplen = s.snaplen;
	/* A generation no capture still in the ring used: from the clock, never 0. */
	f.gen = (__u32)(clock_ns(CLOCK_MONOTONIC) >> 20) | 1;
	o->gen = f.gen;
	deadline = s.duration ? clock_ns(CLOCK_MONOTONIC) + s.duration * 1000000000ULL : 0;
	dc_capture_arm(c, &f);
	while (!stop_requested && !o->failed && !count_reached(o, c)) {
		__u64 now = clock_ns(CLOCK_MONOTONIC);
		int wait = POLL_MS;

		if (deadline && now >= deadline)
			break;
		if (deadline && (deadline - now) / 1000000 < POLL_MS)
			wait = (int)((deadline - now) / 1000000) + 1;
		n = dc_capture_poll(c, wait);
		if (n < 0 && n != -EINTR) {
			dc_err("cannot read the capture ring: %s", strerror(-n));
			goto out;
		}
	}
	dc_capture_disarm(c); /* and the records already in the ring */
	if (!o->failed) {
		fprintf(stderr, "%u packets captured%s\n", o->received,
			stop_requested ? " (stopped)" : "");
		ret = DC_EXIT_OK;
	}
out:
	dc_capture_close(c);
	if (o->fd >= 0 && o->fd != STDOUT_FILENO && close(o->fd) && ret == DC_EXIT_OK) {
		dc_err("cannot write to %s: %s", o->name, strerror(errno));
		ret = DC_EXIT_FAIL;
	}
	free(o);
	return ret;
}
