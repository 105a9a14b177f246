/* SPDX-License-Identifier: GPL-2.0 */
/* httpd.h - a libmicrohttpd server run by the daemon's event loop, for the control API and for
 * /metrics: MHD's own epoll set is one descriptor of the loop, and a one-second timer lets MHD
 * expire idle connections. Nothing blocks: a slow client costs a connection slot until its
 * timeout, never the loop. */
#ifndef XLBD_HTTPD_H
#define XLBD_HTTPD_H

#include <stddef.h>
#include <microhttpd.h>

struct loop;
struct httpd;

/* What one server allows its clients. */
struct httpd_limits {
	unsigned max_conns; /* connections at once; more are accepted and closed at once */
	unsigned timeout_s; /* an idle connection is closed after this many seconds */
	size_t conn_memory; /* per connection: request line, headers and body buffer */
};

/* Serve the listening socket listen_fd (which the server owns from now on, also on failure)
 * from loop, calling handler(cls, ...) for each request and done(cls, ...) when one ends (done
 * may be NULL). Returns 0 with *out set, or -errno. */
int httpd_start(struct httpd **out, struct loop *loop, int listen_fd,
		const struct httpd_limits *lim, MHD_AccessHandlerCallback handler,
		MHD_RequestCompletedCallback done, void *cls);

/* Stop serving, close every connection and the listening socket. NULL is ignored. */
void httpd_stop(struct httpd *h);

#endif /* XLBD_HTTPD_H */
