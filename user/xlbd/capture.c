// SPDX-License-Identifier: GPL-2.0
/* capture.c - packet capture streamed to a control-API client as pcapng: see capture.h and
 * docs/api.md ("Packet capture"). The answer is libmicrohttpd's callback kind: its reader hands
 * out what the ring gave so far and, with nothing to hand out, suspends the connection (never
 * a busy poll) until the ring's descriptor, the duration's timer or the client's hang-up
 * resumes it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capfile.h"
#include "capspec.h"
#include "capture.h"
#include "dataplane.h"
#include "httpd.h"
#include "log.h"
#include "loop.h"
#include "state.h"
#include "xlbd.h"

/* Bytes of pcapng waiting for the client above which the ring is left unread (it fills, and
 * the data path counts what it cannot write as lost) until the client has taken half. */
#define CAPTURE_BUF_HIGH (4U << 20)
#define CAPTURE_READ_CHUNK (64 * 1024) /* what libmicrohttpd asks of the reader at most */

struct capture {
	struct MHD_Connection *conn;
	int conn_fd; /* watched for the client's hang-up (EPOLLRDHUP), -1 once not */
	int ring_fd; /* the ring reader's descriptor, watched while the buffer has room */
	bool ring_paused; /* the buffer is full: the ring is not watched */
	bool suspended; /* the connection waits for data */
	bool ended; /* disarmed: what is buffered is the rest of the answer */
	bool gone; /* the client went away: the answer ends with an error */
	struct ucred peer;
	__u32 gen, count, received;
	__u32 skipped; /* records not written: past the interfaces a file describes, or no memory */
	__u64 started_ns; /* loop clock */
	struct loop_timer timer; /* the duration */
	struct capfile file; /* the pcapng written so far: its interfaces */
	char *buf; /* pcapng bytes not yet handed to libmicrohttpd: [off, len) */
	size_t len, off, cap;
	struct {
		__u32 id;
		struct xlb_service_ref ref;
	} * svcs; /* the services' ids when the capture started, for the comments */
	size_t n_svcs;
	struct capture *next; /* in the list of ended ones */
};

static const struct xlbd *D;
static struct capture *C; /* the running capture, or NULL */
/* Ended captures whose clients have not read the rest of their answers yet: they hold no
 * ring and no filter, only their buffers, and go when their connections end. */
static struct capture *ended_list;
static __u32 last_gen; /* the gen of the previous capture */

void capture_init(const struct xlbd *x)
{
	D = x;
	/* Another xlbd before us may have left records of its gens in the pinned ring: start
	 * from a value of the clock. */
	last_gen = (__u32)(loop_now_ns() >> 20);
}

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* Room for n more bytes in the buffer. Returns 0 or -ENOMEM. */
static int reserve(struct capture *k, size_t n)
{
	size_t want;
	char *grown;

	if (k->off && k->off == k->len)
		k->off = k->len = 0;
	if (k->cap - k->len >= n)
		return 0;
	if (k->off) {
		memmove(k->buf, k->buf + k->off, k->len - k->off);
		k->len -= k->off;
		k->off = 0;
		if (k->cap - k->len >= n)
			return 0;
	}
	want = k->cap ? k->cap : 64 * 1024;
	while (want - k->len < n)
		want *= 2;
	grown = realloc(k->buf, want);
	if (!grown)
		return -ENOMEM;
	k->buf = grown;
	k->cap = want;
	return 0;
}

/* The words of a record's service and backend ids, for its comment. */
static const char *svc_word(const struct capture *k, __u32 id, char *buf, size_t len)
{
	for (size_t i = 0; i < k->n_svcs; i++)
		if (k->svcs[i].id == id && xlb_service_format(&k->svcs[i].ref, buf, len) == 0)
			return buf;
	return NULL;
}

static const char *backend_word(__u32 id, char *buf, size_t len)
{
	struct xlb_backend be;
	struct xlb_addr a = { 0 };

	if (id == XLB_CAPTURE_ANY || dp_backend_read(D->dp, id, &be) || !be.family)
		return NULL;
	memcpy(a.addr, be.addr, sizeof(a.addr));
	a.family = be.family;
	return xlb_addr_format(&a, buf, len) ? NULL : buf;
}

/* One record from the ring: an EPB of this capture's records, up to count. */
static int on_record(void *ctx, const struct xlb_capture_rec *r, const void *frame)
{
	struct capture *k = ctx;
	char svc[80], be[64];
	size_t n = 0;

	if (r->gen != k->gen || (k->count && k->received >= k->count))
		return 0; /* an earlier capture's, or beyond the budget (docs/datapath.md) */
	if (!reserve(k, CAPFILE_RECORD_MAX(r->cap_len)))
		n = capfile_record(&k->file, k->buf + k->len, k->cap - k->len, r, frame,
				   svc_word(k, r->svc_id, svc, sizeof(svc)),
				   backend_word(r->backend_id, be, sizeof(be)));
	if (!n) {
		k->skipped++;
		return 0;
	}
	k->len += n;
	k->received++;
	return 0;
}

/* Data is buffered, or the answer's end is known: let libmicrohttpd call the reader again. */
static void wake(struct capture *k)
{
	if (k->suspended) {
		k->suspended = false;
		MHD_resume_connection(k->conn);
	}
}

static void read_ring(struct capture *k)
{
	if (k->ring_fd >= 0 && dp_capture_consume(D->dp) < 0)
		xlog_warn("packet capture: cannot read the ring buffer: %s", strerror(errno));
}

/* Disarm, take the records already in the ring, and let the answer end after them. */
static void end(struct capture *k, const char *why)
{
	__u32 gen, used, lost;

	if (k->ended)
		return;
	dp_capture_counts(D->dp, &gen, &used, &lost);
	dp_capture_disarm(D->dp);
	read_ring(k);
	if (k->ring_fd >= 0) {
		if (!k->ring_paused)
			loop_del_fd(D->loop, k->ring_fd);
		dp_capture_close(D->dp);
		k->ring_fd = -1;
	}
	loop_timer_cancel(D->loop, &k->timer);
	k->ended = true;
	xlog_info("packet capture of pid %d ended (%s): %u packets, %u lost for want of ring "
		  "space, "
		  "%u skipped",
		  (int)k->peer.pid, why, k->received, lost, k->skipped);
	wake(k);
}

/* Whether every record the budget allows is in: those received, and those lost. */
static bool count_reached(struct capture *k)
{
	__u32 gen, used, lost;

	if (!k->count)
		return false;
	dp_capture_counts(D->dp, &gen, &used, &lost);
	return k->received >= k->count || (__u64)k->received + lost >= k->count;
}

static void on_ring(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct capture *k = arg;
	size_t before = k->len - k->off;

	(void)fd;
	(void)events;
	read_ring(k);
	if (k->len - k->off > CAPTURE_BUF_HIGH && !k->ring_paused) {
		loop_del_fd(l, k->ring_fd); /* level-triggered: unread, it would fire each turn */
		k->ring_paused = true;
	}
	if (count_reached(k))
		end(k, "count reached");
	else if (k->len - k->off != before)
		wake(k);
}

static void on_duration(struct loop *l, void *arg)
{
	(void)l;
	end(arg, "duration over");
}

static void on_hangup(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct capture *k = arg;

	(void)events;
	loop_del_fd(l, fd);
	k->conn_fd = -1;
	k->gone = true;
	end(k, "the client went away");
}

/* libmicrohttpd asks for the next bytes of the answer. */
static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct capture *k = cls;
	size_t n = k->len - k->off;

	(void)pos;
	if (n) {
		if (n > max)
			n = max;
		memcpy(out, k->buf + k->off, n);
		k->off += n;
		if (k->ring_paused && k->len - k->off <= CAPTURE_BUF_HIGH / 2 && !k->ended &&
		    !loop_add_fd(D->loop, k->ring_fd, EPOLLIN, on_ring, k))
			k->ring_paused = false;
		return (ssize_t)n;
	}
	if (k->ended)
		return k->gone ? MHD_CONTENT_READER_END_WITH_ERROR
			       : MHD_CONTENT_READER_END_OF_STREAM;
	/* Nothing yet: wait suspended (returning 0 unsuspended would be a busy poll). */
	k->suspended = true;
	MHD_suspend_connection(k->conn);
	return 0;
}

static void capture_free(struct capture *k)
{
	if (k->conn_fd >= 0)
		loop_del_fd(D->loop, k->conn_fd);
	free(k->buf);
	free(k->svcs);
	free(k);
}

/* The services' ids now, for the comments. */
static int learn_services(struct capture *k)
{
	const struct xlb_conf *conf = state_conf(D->state);
	__u32 id, m;

	k->svcs = calloc(conf->n_services + 1, sizeof(*k->svcs));
	if (!k->svcs)
		return -ENOMEM;
	for (size_t i = 0; i < conf->n_services; i++)
		if (!state_service_id(D->state, &conf->services[i].ref, &id, &m)) {
			k->svcs[k->n_svcs].id = id;
			k->svcs[k->n_svcs++].ref = conf->services[i].ref;
		}
	return 0;
}

/* The backend ids of address a, over all services: how many, the last in *id. */
struct be_search {
	const struct xlb_addr *a;
	__u32 id, n;
};

static void match_backend(__u32 id, const struct xlb_backend *be, void *ctx)
{
	struct be_search *s = ctx;

	if (be->family == s->a->family && !memcmp(be->addr, s->a->addr, sizeof(be->addr))) {
		s->id = id;
		s->n++;
	}
}

/* The filter s asks for, its service and backend as the ids in use. Returns 0 or the HTTP
 * status with the message in err. */
static int make_filter(const struct capspec *s, struct xlb_capture_filter *f, char *err,
		       size_t errlen)
{
	char svc[80] = "", be[64] = "";
	__u32 m;

	memset(f, 0, sizeof(*f));
	if (s->has_service)
		xlb_service_format(&s->service, svc, sizeof(svc));
	if (s->has_backend)
		xlb_addr_format(&s->backend, be, sizeof(be));
	if (s->has_service) {
		if (state_service_id(D->state, &s->service, &f->svc_id, &m)) {
			snprintf(err, errlen, "no such service: %s", svc);
			return 404;
		}
		f->flags |= XLB_CAP_F_SERVICE;
	}
	if (s->has_backend && s->has_service) {
		f->backend_id = state_backend_id(D->state, f->svc_id, &s->backend);
		if (!f->backend_id) {
			snprintf(err, errlen, "backend %s is not in service %s", be, svc);
			return 404;
		}
	} else if (s->has_backend) {
		struct be_search q = { .a = &s->backend };

		state_foreach_backend(D->state, match_backend, &q);
		if (!q.n) {
			snprintf(err, errlen, "backend %s is in no service", be);
			return 404;
		}
		if (q.n > 1) {
			snprintf(err, errlen,
				 "backend %s is in %u services: name the service (SERVICE backend "
				 "%s)",
				 be, q.n, be);
			return 400;
		}
		f->backend_id = q.id;
	}
	if (s->has_backend)
		f->flags |= XLB_CAP_F_BACKEND;
	capspec_client_filter(s, f);
	if (s->has_reason) {
		f->flags |= XLB_CAP_F_REASON;
		f->reason = s->reason;
	}
	if (s->has_verdict) {
		f->flags |= XLB_CAP_F_VERDICT;
		f->verdict = s->verdict;
	}
	f->sample = s->sample;
	f->budget = s->count;
	f->snaplen = s->snaplen;
	return 0;
}

/* The connection's descriptor and its peer's credentials. */
static int peer_of(struct MHD_Connection *c, int *fd, struct ucred *peer)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	socklen_t len = sizeof(*peer);

	if (!ci)
		return -EIO;
	*fd = ci->connect_fd;
	if (getsockopt(*fd, SOL_SOCKET, SO_PEERCRED, peer, &len))
		return -errno;
	return 0;
}

int capture_start(struct MHD_Connection *c, const struct capspec *s, char *err, size_t errlen)
{
	struct xlb_capture_filter f;
	struct MHD_Response *r = NULL;
	struct capture *k;
	int status, fd, ret;

	if (C && C->ended) { /* its client has not read the end: it waits aside */
		C->next = ended_list;
		ended_list = C;
		C = NULL;
	}
	if (C) {
		snprintf(err, errlen,
			 "a capture is already running (client pid %d, uid %u, for %llu s, %u "
			 "packets so far): one at a time",
			 (int)C->peer.pid, (unsigned)C->peer.uid,
			 (unsigned long long)((loop_now_ns() - C->started_ns) / 1000000000ULL),
			 C->received);
		return 409;
	}
	status = make_filter(s, &f, err, errlen);
	if (status)
		return status;
	k = calloc(1, sizeof(*k));
	if (k)
		k->conn_fd = k->ring_fd = -1;
	if (!k || peer_of(c, &fd, &k->peer) || learn_services(k) || reserve(k, CAPFILE_BEGIN_MAX)) {
		snprintf(err, errlen, "cannot start a capture: out of memory or no peer");
		status = 500;
		goto err_free;
	}
	k->conn = c;
	k->count = s->count;
	k->started_ns = loop_now_ns();
	loop_timer_init(&k->timer, on_duration, k);
	k->len = capfile_begin(&k->file, k->buf, k->cap, "xlbd " XLBD_VERSION, s->snaplen,
			       clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC));
	ret = dp_capture_open(D->dp, on_record, k);
	if (ret < 0) {
		snprintf(err, errlen, "cannot read the capture ring buffer: %s", strerror(-ret));
		status = 500;
		goto err_free;
	}
	k->ring_fd = ret;
	read_ring(k); /* what earlier captures left: skipped by gen, gone before we arm */
	if (loop_add_fd(D->loop, k->ring_fd, EPOLLIN, on_ring, k))
		goto err_ring;
	if (loop_add_fd(D->loop, fd, EPOLLRDHUP, on_hangup, k))
		goto err_ring_fd;
	k->conn_fd = fd;
	if (s->duration &&
	    loop_timer_arm(D->loop, &k->timer, k->started_ns + s->duration * 1000000000ULL, 0))
		goto err_conn_fd;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, CAPTURE_READ_CHUNK, reader, k,
					      NULL);
	if (!r || MHD_add_response_header(r, "Content-Type", "application/x-pcapng") != MHD_YES ||
	    MHD_queue_response(c, MHD_HTTP_OK, r) != MHD_YES)
		goto err_timer;
	MHD_destroy_response(r);
	httpd_conn_stream(c);
	f.gen = ++last_gen ? last_gen : ++last_gen;
	k->gen = f.gen;
	dp_capture_arm(D->dp, &f);
	C = k;
	xlog_info("packet capture started by pid %d (uid %u): gen %u, flags 0x%x, sample %u, "
		  "count %u, duration %u s, snaplen %u",
		  (int)k->peer.pid, (unsigned)k->peer.uid, f.gen, f.flags, f.sample, s->count,
		  s->duration, f.snaplen);
	return 0;

err_timer:
	if (r)
		MHD_destroy_response(r);
	loop_timer_cancel(D->loop, &k->timer);
err_conn_fd:
	loop_del_fd(D->loop, fd);
	k->conn_fd = -1;
err_ring_fd:
	loop_del_fd(D->loop, k->ring_fd);
err_ring:
	dp_capture_close(D->dp);
	snprintf(err, errlen, "cannot start a capture: out of memory");
	status = 500;
err_free:
	if (k)
		capture_free(k);
	return status;
}

long capture_end(void)
{
	if (!C || C->ended)
		return -ENOENT;
	end(C, "stopped through the API");
	return C->received;
}

void capture_conn_done(struct MHD_Connection *c)
{
	struct capture *k = C, **at;

	if (k && k->conn == c) {
		if (!k->ended) {
			k->gone = true;
			k->suspended = false; /* libmicrohttpd is closing it */
			end(k, "the client went away");
		}
		C = NULL;
		capture_free(k);
		return;
	}
	for (at = &ended_list; *at; at = &(*at)->next) {
		if ((*at)->conn == c) {
			k = *at;
			*at = k->next;
			capture_free(k);
			return;
		}
	}
}

void capture_stop(void)
{
	if (C) {
		C->gone = true;
		end(C, "xlbd stopping");
	}
}
