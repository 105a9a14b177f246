// SPDX-License-Identifier: GPL-2.0
/* httpd.c - libmicrohttpd on the daemon's event loop: see httpd.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"
#include "loop.h"

/* MHD_run() passes in one turn of the loop before other events get theirs: each pass reads at
 * most a connection's buffer (conn_memory) of every ready connection. */
#define HTTPD_MAX_PASSES 16
/* Connections MHD itself accepts beyond max_conns: a burst younger than HTTPD_GRACE_MS, and
 * those just evicted (closed on MHD's next pass). Past this MHD closes newcomers at once. As
 * many as the listen backlog holds. */
#define HTTPD_SPARE_CONNS HTTPD_BACKLOG
/* A connection younger than this is never evicted: MHD accepts a burst of connections before
 * it reads any of them, and a client whose request is already on its way must get its answer,
 * however many connections came after it. */
#define HTTPD_GRACE_MS 200

/* One open connection. The list is in deadline order, the oldest first: a connection goes to
 * the tail when it is accepted and again each time an answer of it is complete. */
struct hconn {
	struct hconn *prev, *next;
	int fd;
	int closing; /* shut down by us; MHD closes it on its next pass */
	int busy; /* its request's headers are in; until its answer is complete */
	uint64_t accepted_ms;
	uint64_t since_ms; /* accepted, or its last answer complete */
};

struct httpd {
	struct MHD_Daemon *mhd;
	struct loop *loop;
	int epoll_fd, timer;
	int kick; /* timerfd: run MHD again soon, it has work left */
	struct hconn conns; /* list head (oldest: conns.next) */
	unsigned open; /* connections in the list not closing */
	struct httpd_limits lim;
	MHD_AccessHandlerCallback handler;
	MHD_RequestCompletedCallback done;
	void *cls;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void conn_unlink(struct hconn *hc)
{
	hc->prev->next = hc->next;
	hc->next->prev = hc->prev;
}

static void conn_append(struct httpd *h, struct hconn *hc)
{
	hc->prev = h->conns.prev;
	hc->next = &h->conns;
	h->conns.prev->next = hc;
	h->conns.prev = hc;
}

/* End a connection from outside MHD, which has no call for that: its socket shut down reads
 * as the peer gone, and MHD closes it (and tells conn_notify) on its next pass. */
static void conn_close(struct httpd *h, struct hconn *hc)
{
	if (hc->closing)
		return;
	shutdown(hc->fd, SHUT_RDWR);
	hc->closing = 1;
	h->open--;
}

/* Close connections waiting for a request, the longest waiting first, past their grace at
 * time now (ms), until no more than max_conns are open. */
static void evict(struct httpd *h, uint64_t now)
{
	for (struct hconn *hc = h->conns.next; hc != &h->conns && h->open > h->lim.max_conns;
	     hc = hc->next)
		if (!hc->closing && !hc->busy && now - hc->accepted_ms >= HTTPD_GRACE_MS)
			conn_close(h, hc);
}

/* Close every connection past its deadline (the list is in deadline order), then bring the
 * rest down to max_conns: a burst that came within the grace is cut at the next tick. */
static void expire(struct httpd *h)
{
	uint64_t now = now_ms(), timeout = (uint64_t)h->lim.timeout_s * 1000;

	/* now - since, not since <= now - timeout: the clock is below the timeout at boot. */
	for (struct hconn *hc = h->conns.next; hc != &h->conns && now - hc->since_ms >= timeout;
	     hc = hc->next)
		conn_close(h, hc);
	evict(h, now);
}

static void conn_notify(void *cls, struct MHD_Connection *c, void **socket_context,
			enum MHD_ConnectionNotificationCode code)
{
	struct httpd *h = cls;
	struct hconn *hc = *socket_context;
	const union MHD_ConnectionInfo *info;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (hc) {
			conn_unlink(hc);
			if (!hc->closing)
				h->open--;
			free(hc);
			*socket_context = NULL;
		}
		return;
	}
	info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	hc = info ? calloc(1, sizeof(*hc)) : NULL;
	if (!hc)
		return; /* untracked: MHD's own idle timeout still closes it */
	hc->fd = info->connect_fd;
	hc->accepted_ms = hc->since_ms = now_ms();
	conn_append(h, hc);
	*socket_context = hc;
	/* Full: the connection waiting longest for a request makes room, if one is past its
	 * grace; otherwise MHD's own limit (HTTPD_SPARE_CONNS more) holds. */
	h->open++;
	evict(h, hc->accepted_ms);
}

static struct hconn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? info->socket_context : NULL;
}

/* A request's headers are in (MHD calls the handler first then): the connection is busy, not
 * to be evicted for a newcomer, until its answer is complete. */
static enum MHD_Result request_in(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct httpd *h = cls;
	struct hconn *hc = conn_of(c);

	if (hc)
		hc->busy = 1;
	return h->handler(h->cls, c, url, method, version, upload, upload_size, con_cls);
}

/* The URL as the client sent it: "%xx" stays three characters. libmicrohttpd decodes escapes
 * before the handler sees the path, so "/v1/services/10.0.0.1/80/tcp%00/backends/10.1.0.1"
 * reached the router as the service's own path, and a backend's DELETE deleted the service.
 * Kept, the '%' is refused by the router with the rest of what no route has. */
static size_t keep_escapes(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

/* An answer is complete: the connection's deadline starts again, for its next request. */
static void request_done(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode code)
{
	struct httpd *h = cls;
	struct hconn *hc = conn_of(c);

	if (hc && !hc->closing) {
		hc->busy = 0;
		hc->since_ms = now_ms();
		conn_unlink(hc);
		conn_append(h, hc);
	}
	if (h->done)
		h->done(h->cls, c, con_cls, code);
}

/* Run MHD until it has no work left that needs no new event. MHD watches its sockets
 * edge-triggered: data left in a socket after one pass (a request body bigger than the
 * connection's buffer) raises no new event, only MHD_get_timeout() == 0 says it is there.
 * Without this, such a body moved one buffer per one-second tick. */
static void pump(struct httpd *h)
{
	struct itimerspec soon = { .it_value = { .tv_nsec = 1000000 } };
	MHD_UNSIGNED_LONG_LONG ms;

	for (int i = 0; i < HTTPD_MAX_PASSES; i++) {
		MHD_run(h->mhd);
		if (MHD_get_timeout(h->mhd, &ms) != MHD_YES || ms > 0)
			return;
	}
	timerfd_settime(h->kick, 0, &soon, NULL); /* more: after the loop's other events */
}

static void on_ready(struct loop *l, int fd, uint32_t events, void *arg)
{
	(void)l;
	(void)fd;
	(void)events;
	pump(arg);
}

static void on_kick(struct loop *l, int fd, uint32_t events, void *arg)
{
	uint64_t expirations;

	(void)l;
	(void)events;
	if (read(fd, &expirations, sizeof(expirations)) > 0)
		pump(arg);
}

static void on_tick(struct loop *l, void *arg)
{
	(void)l;
	expire(arg);
	pump(arg); /* MHD's own timeouts, and the connections just shut down */
}

int httpd_start(struct httpd **out, struct loop *loop, int listen_fd,
		const struct httpd_limits *lim, MHD_AccessHandlerCallback handler,
		MHD_RequestCompletedCallback done, void *cls)
{
	const union MHD_DaemonInfo *info;
	struct httpd *h = calloc(1, sizeof(*h));
	int ret;

	if (!h) {
		close(listen_fd);
		return -ENOMEM;
	}
	h->loop = loop;
	h->conns.next = h->conns.prev = &h->conns;
	h->lim = *lim;
	h->handler = handler;
	h->done = done;
	h->cls = cls;
	/* Suspend/resume: a streamed answer (packet capture) waits for data with its connection
	 * suspended, not polled. */
	h->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL,
				  request_in, h, MHD_OPTION_LISTEN_SOCKET, listen_fd,
				  MHD_OPTION_CONNECTION_LIMIT, lim->max_conns + HTTPD_SPARE_CONNS,
				  MHD_OPTION_CONNECTION_TIMEOUT, lim->timeout_s,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, lim->conn_memory,
				  MHD_OPTION_NOTIFY_COMPLETED, request_done, h,
				  MHD_OPTION_NOTIFY_CONNECTION, conn_notify, h,
				  MHD_OPTION_UNESCAPE_CALLBACK, keep_escapes, NULL, MHD_OPTION_END);
	if (!h->mhd) {
		close(listen_fd);
		free(h);
		return -EIO;
	}
	/* From here on MHD owns listen_fd: MHD_stop_daemon() closes it. */
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		ret = -EIO;
		goto err_mhd;
	}
	h->epoll_fd = info->epoll_fd;
	h->kick = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (h->kick < 0) {
		ret = -errno;
		goto err_mhd;
	}
	ret = loop_add_fd(loop, h->kick, EPOLLIN, on_kick, h);
	if (ret)
		goto err_kick;
	ret = loop_add_fd(loop, h->epoll_fd, EPOLLIN, on_ready, h);
	if (ret)
		goto err_kick_fd;
	h->timer = loop_add_timer(loop, 1000, 1000, on_tick, h);
	if (h->timer < 0) {
		ret = h->timer;
		goto err_fd;
	}
	*out = h;
	return 0;
err_fd:
	loop_del_fd(loop, h->epoll_fd);
err_kick_fd:
	loop_del_fd(loop, h->kick);
err_kick:
	close(h->kick);
err_mhd:
	MHD_stop_daemon(h->mhd);
	free(h);
	return ret;
}

void httpd_conn_stream(struct MHD_Connection *c)
{
	struct hconn *hc = conn_of(c);

	/* Out of the deadline list (a node linked to itself: request_done's unlink is a no-op
	 * and puts it back when the answer ends). It stays busy, so never evicted. */
	if (hc && !hc->closing) {
		conn_unlink(hc);
		hc->prev = hc->next = hc;
	}
	MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, 0);
}

void httpd_stop(struct httpd *h)
{
	if (!h)
		return;
	loop_del_timer(h->loop, h->timer);
	loop_del_fd(h->loop, h->epoll_fd);
	loop_del_fd(h->loop, h->kick);
	close(h->kick);
	MHD_stop_daemon(h->mhd);
	free(h);
}
