/* SPDX-License-Identifier: GPL-2.0 */
/* httpd.h - a libmicrohttpd server run by the daemon's event loop, for the control API and for
 * /metrics: MHD's own epoll set is one descriptor of the loop, and a one-second timer closes
 * connections past their deadline. Nothing blocks, and no client can keep others out: a
 * connection that has not completed a request within timeout_s (idle, trickling a byte at a
 * time, sending an endless body, or not reading its answer) is closed, and when max_conns are
 * open a new connection closes the one waiting longest (docs/api.md, "Limits"). */
#ifndef XLBD_HTTPD_H
#define XLBD_HTTPD_H

#include <stddef.h>
#include <microhttpd.h>

struct loop;
struct httpd;

/* The listen backlog of both servers' sockets: a burst of connections (1,000 opened at once by
 * one client) waits there to be accepted, and evicted, instead of failing other clients'
 * connect() with EAGAIN (Unix sockets) or SYN drops. */
#define HTTPD_BACKLOG 1024

/* What one server allows its clients. */
struct httpd_limits {
	unsigned max_conns; /* connections kept at once; one more closes the longest waiting */
	unsigned timeout_s; /* each request must be complete, and its answer taken, within this
			     * many seconds of the connection's start or of its previous answer */
	size_t conn_memory; /* per connection: request line, headers and body buffer */
};

/* Serve the listening socket listen_fd (which the server owns from now on, also on failure)
 * from loop, calling handler(cls, ...) for each request and done(cls, ...) when one ends (done
 * may be NULL). Returns 0 with *out set, or -errno. */
int httpd_start(struct httpd **out, struct loop *loop, int listen_fd,
		const struct httpd_limits *lim, MHD_AccessHandlerCallback handler,
		MHD_RequestCompletedCallback done, void *cls);

/* The answer queued on c streams for as long as it needs (a packet capture): c is exempt from
 * the deadline, ours and MHD's idle timeout, until that answer is complete. Its client can
 * still end it by going away. Call from the request's handler. */
void httpd_conn_stream(struct MHD_Connection *c);

/* Stop serving, close every connection and the listening socket. NULL is ignored. */
void httpd_stop(struct httpd *h);

#endif /* XLBD_HTTPD_H */
