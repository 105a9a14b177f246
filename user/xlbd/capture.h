/* SPDX-License-Identifier: GPL-2.0 */
/* capture.h - xlbd's packet capture for the control API (POST /v1/capture, docs/api.md): one
 * capture at a time, armed from a request, its ring buffer read from the event loop, its
 * records streamed to the client as pcapng (a comment with the decision on every packet), and
 * disarmed when its count is reached, its duration ends, its client goes away, or xlbd stops. */
#ifndef XLBD_CAPTURE_H
#define XLBD_CAPTURE_H

#include <stddef.h>
#include <microhttpd.h>

struct xlbd;
struct capspec;

/* Remember the daemon's context (its loop, data plane and state). Call once before the API
 * serves requests. */
void capture_init(const struct xlbd *x);

/* Start the capture s asks for on connection c: its service and backend resolved to the ids
 * in use, the ring read from the loop, the filter armed, and an answer queued on c that
 * streams pcapng (200, application/x-pcapng) until the capture ends. Returns 0 when the answer
 * is queued, or the HTTP status of the refusal with the message in err, nothing armed and
 * nothing queued: 404 (a service or backend that is not configured), 400 (a backend in
 * several services without one named), 409 (a capture is running already), 500. */
int capture_start(struct MHD_Connection *c, const struct capspec *s, char *err, size_t errlen);

/* End the running capture as its count or duration would (DELETE /v1/capture): disarmed, the
 * records already taken still streamed, then the answer's end. Returns the packets it had sent
 * or buffered, or -ENOENT when no capture runs (one that ended and still sends its rest to a
 * slow client does not run: a new one may start beside it). */
long capture_end(void);

/* The request on c is over (its answer sent, or the connection closed): when it was the
 * capture's, the capture is disarmed if still running, and forgotten. */
void capture_conn_done(struct MHD_Connection *c);

/* xlbd is stopping: a running capture is disarmed and its answer ended now (call before the
 * HTTP server stops: its connection must not stay suspended). */
void capture_stop(void);

#endif /* XLBD_CAPTURE_H */
