// SPDX-License-Identifier: GPL-2.0
/* http.c - a minimal HTTP/1.1 client for xlbd's control socket (docs/api.md): one request per
 * connection (Connection: close), a Content-Length body, the answer read whole (Content-Length
 * or chunked) and parsed as JSON, or streamed piece by piece (api_stream). No libcurl: the socket
 * is local and the protocol subset is small enough to read in one sitting. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "chunked.h"
#include "lbctl.h"

#define HTTP_ANSWER_MAX (64 << 20) /* answers are JSON views: far below this */
#define HTTP_TIMEOUT_S 30

struct http_answer {
	int status;
	char *body; /* NUL-terminated */
	size_t len;
};

static int connect_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = HTTP_TIMEOUT_S };
	int fd, e;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path too long: %s", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		e = errno;
		close(fd);
		snprintf(err, errlen, "cannot reach xlbd at %s: %s%s", path, strerror(e),
			 e == EACCES			    ? " (root or group xlb only)"
			 : e == ENOENT || e == ECONNREFUSED ? " (is xlbd running? see -s)"
							    : "");
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Value of header name in the header block [h, end), or NULL. */
static const char *header(const char *h, const char *end, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);

	while (h < end) {
		const char *eol = strstr(h, "\r\n");

		if (!eol || eol > end)
			eol = end;
		if ((size_t)(eol - h) > nl && h[nl] == ':' && !strncasecmp(h, name, nl)) {
			const char *v = h + nl + 1;

			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = (size_t)(eol - v);
			return v;
		}
		h = eol + 2;
	}
	return NULL;
}

/* Decode a chunked body in place. Returns its length, or -1 when it is malformed or cut. */
static long dechunk(char *b, size_t len)
{
	size_t in = 0, out = 0;

	for (;;) {
		char *end;
		unsigned long n = strtoul(b + in, &end, 16);
		char *eol = strstr(b + in, "\r\n");

		if (end == b + in || !eol)
			return -1;
		in = (size_t)(eol - b) + 2;
		if (n == 0)
			return (long)out;
		if (n > len - in || len - in - n < 2)
			return -1;
		memmove(b + out, b + in, n);
		out += n;
		in += n + 2;
	}
}

/* Is the answer in buf[0..len) complete? (xlbd closes the connection after it anyway.) */
static bool answer_complete(const char *buf, size_t len)
{
	const char *h = strstr(buf, "\r\n\r\n"), *v;
	size_t vlen;

	if (!h)
		return false;
	v = header(buf, h, "Content-Length", &vlen);
	if (v)
		return len - (size_t)(h + 4 - buf) >= strtoul(v, NULL, 10);
	v = header(buf, h, "Transfer-Encoding", &vlen);
	if (v && vlen >= 7 && !strncasecmp(v, "chunked", 7)) {
		/* Complete when the last chunk and the final empty line are in. */
		return len >= 5 && (!strcmp(buf + len - 5, "0\r\n\r\n"));
	}
	return false; /* read to the end of the connection */
}

static int http_request(const char *method, const char *path, const char *ctype, const char *body,
			size_t blen, struct http_answer *ans, char *err, size_t errlen)
{
	char head[1024], *buf = NULL;
	const char *hdr_end = NULL, *v;
	size_t len = 0, cap = 0, vlen;
	bool chunked;
	int fd, n;

	fd = connect_socket(opts.socket, err, errlen);
	if (fd < 0)
		return -1;
	n = snprintf(head, sizeof(head),
		     "%s %s HTTP/1.1\r\nHost: xlbd\r\nUser-Agent: lbctl/" LBCTL_VERSION
		     "\r\nConnection: close\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
		     method, path, ctype, blen);
	if (n >= (int)sizeof(head) || send_all(fd, head, (size_t)n) ||
	    (blen && send_all(fd, body, blen))) {
		snprintf(err, errlen, "cannot send the request to xlbd: %s", strerror(errno));
		goto err_close;
	}
	for (;;) {
		ssize_t r;

		if (cap - len < 4096) {
			char *grown;

			if (cap >= HTTP_ANSWER_MAX) {
				snprintf(err, errlen, "the answer of xlbd is too large");
				goto err_close;
			}
			cap = cap ? cap * 2 : 16384;
			grown = realloc(buf, cap + 1);
			if (!grown) {
				snprintf(err, errlen, "out of memory");
				goto err_close;
			}
			buf = grown;
		}
		r = recv(fd, buf + len, cap - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "no answer from xlbd: %s", strerror(errno));
			goto err_close;
		}
		len += (size_t)r;
		buf[len] = '\0';
		if (r == 0 || answer_complete(buf, len))
			break;
	}
	close(fd);
	fd = -1;
	if (!buf || sscanf(buf, "HTTP/1.%*d %d", &ans->status) != 1 ||
	    !(hdr_end = strstr(buf, "\r\n\r\n"))) {
		snprintf(err, errlen, "malformed answer from xlbd");
		goto err_close;
	}
	hdr_end += 4;
	ans->len = len - (size_t)(hdr_end - buf);
	v = header(buf, hdr_end, "Content-Length", &vlen);
	if (v && ans->len < strtoul(v, NULL, 10)) {
		snprintf(err, errlen, "the answer of xlbd was cut short");
		goto err_close;
	}
	if (v)
		ans->len = strtoul(v, NULL, 10);
	v = header(buf, hdr_end, "Transfer-Encoding", &vlen);
	chunked = v && vlen >= 7 && !strncasecmp(v, "chunked", 7);
	memmove(buf, hdr_end, ans->len);
	buf[ans->len] = '\0';
	if (chunked) {
		long l = dechunk(buf, ans->len);

		if (l < 0) {
			snprintf(err, errlen, "malformed chunked answer from xlbd");
			goto err_close;
		}
		ans->len = (size_t)l;
		buf[l] = '\0';
	}
	ans->body = buf;
	return 0;
err_close:
	if (fd >= 0)
		close(fd);
	free(buf);
	return -1;
}

static int call(const char *method, const char *path, const char *ctype, const char *body,
		size_t len, json_t **out)
{
	struct http_answer ans = { 0 };
	char err[512];
	json_error_t jerr;
	json_t *j;

	if (http_request(method, path, ctype, body, len, &ans, err, sizeof(err)))
		return fail("%s", err);
	j = json_loadb(ans.body, ans.len, 0, &jerr);
	if (!j) {
		fail("xlbd answered %d with something that is not JSON: %.80s", ans.status,
		     ans.body);
		free(ans.body);
		return LBCTL_FAIL;
	}
	free(ans.body);
	if (ans.status < 200 || ans.status > 299) {
		const char *msg = json_string_value(json_object_get(j, "error"));
		int ret = msg ? fail("%s", msg) : fail("xlbd answered %d", ans.status);

		json_decref(j);
		return ret;
	}
	*out = j;
	return 0;
}

int api_call(const char *method, const char *path, const char *body, size_t len, json_t **out)
{
	return call(method, path, "application/yaml", body, len, out);
}

int api_try(const char *path, json_t **out)
{
	struct http_answer ans = { 0 };
	char err[512];

	*out = NULL;
	if (http_request("GET", path, "application/json", NULL, 0, &ans, err, sizeof(err)))
		return -1;
	if (ans.status >= 200 && ans.status <= 299)
		*out = json_loadb(ans.body, ans.len, 0, NULL);
	free(ans.body);
	return *out ? 0 : -1;
}

int api_call_json(const char *method, const char *path, json_t *body, json_t **out)
{
	char *text = json_dumps(body, JSON_COMPACT);
	int ret;

	json_decref(body);
	if (!text)
		return fail("out of memory");
	ret = call(method, path, "application/json", text, strlen(text), out);
	free(text);
	return ret;
}

const char *api_service_path(const struct xlb_service_ref *ref, const char *suffix, char *buf,
			     size_t len)
{
	char vip[64];

	addr_text(&ref->vip, vip, sizeof(vip));
	snprintf(buf, len, "/v1/services/%s/%u/%s%s", vip, ref->port,
		 ref->proto == IPPROTO_TCP ? "tcp" : "udp", suffix);
	return buf;
}

int api_service_call(const char *method, int argc, char **argv, json_t **out)
{
	struct xlb_service_ref ref;
	char path[256];

	if (want_args(argc, 1, 1))
		return LBCTL_USAGE;
	if (arg_service(argv[0], &ref))
		return LBCTL_FAIL;
	if (api_call(method, api_service_path(&ref, "", path, sizeof(path)), NULL, 0, out))
		return LBCTL_FAIL;
	return 0;
}

/* The end of the header block of buf[0..len), or NULL while it is not all in. */
static char *headers_end(char *buf, size_t len)
{
	char *h;

	buf[len] = '\0';
	h = strstr(buf, "\r\n\r\n");
	return h ? h + 4 : NULL;
}

/* A refusal: the rest of the answer (xlbd closes the connection after it), its JSON error. */
static int stream_refused(int fd, int status, char *buf, size_t len, size_t cap)
{
	json_error_t jerr;
	const char *msg;
	json_t *j;
	int ret;

	for (;;) {
		ssize_t r;

		if (len == cap)
			break;
		r = recv(fd, buf + len, cap - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	j = json_loadb(buf, len, 0, &jerr);
	msg = json_string_value(json_object_get(j, "error"));
	ret = msg ? fail("%s", msg) : fail("xlbd answered %d", status);
	json_decref(j);
	return ret;
}

int api_stream(const char *path, json_t *body, int (*data)(void *ctx, char *buf, size_t len),
	       void *ctx, const sigset_t *waitmask, volatile sig_atomic_t *stop, bool *stopped)
{
	static char buf[64 * 1024 + 1];
	struct timeval none = { 0 };
	struct chunked ch;
	char head[1024], err[512], *text = json_dumps(body, JSON_COMPACT), *hend = NULL;
	size_t len = 0, vlen;
	const struct timespec grace = { .tv_sec = 5 };
	const char *v;
	int fd, n, status = 0, ret = LBCTL_FAIL;
	bool asked = false;

	json_decref(body);
	*stopped = false;
	if (!text)
		return fail("out of memory");
	fd = connect_socket(opts.socket, err, sizeof(err));
	if (fd < 0) {
		free(text);
		return fail("%s", err);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none)); /* a capture may be quiet */
	n = snprintf(head, sizeof(head),
		     "POST %s HTTP/1.1\r\nHost: xlbd\r\nUser-Agent: lbctl/" LBCTL_VERSION
		     "\r\nConnection: close\r\nContent-Type: application/json\r\n"
		     "Content-Length: %zu\r\n\r\n",
		     path, strlen(text));
	if (n >= (int)sizeof(head) || send_all(fd, head, (size_t)n) ||
	    send_all(fd, text, strlen(text))) {
		ret = fail("cannot send the request to xlbd: %s", strerror(errno));
		goto out;
	}
	chunked_init(&ch);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;
		long got;

		/* Signals are let in only here, while waiting: none is lost between a test of
		 * *stop and a blocking call. */
		int ready = ppoll(&pfd, 1, asked ? &grace : NULL, waitmask);

		if (ready < 0 && errno != EINTR) {
			ret = fail("waiting for xlbd: %s", strerror(errno));
			goto out;
		}
		if (*stop && !asked && hend) {
			json_t *ans = NULL;

			/* Ask for the end, and read on to it: what was taken before arrives. */
			asked = true;
			*stopped = true;
			opts.quiet = true;
			if (!api_call("DELETE", path, NULL, 0, &ans))
				json_decref(ans); /* refused: the answer is ending already, or not
						   */
			opts.quiet = false;
		}
		if ((*stop && !hend) || *stop > 1 || (asked && ready == 0)) {
			*stopped = true;
			ret = 0;
			goto out;
		}
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = fail("reading from xlbd: %s", strerror(errno));
			goto out;
		}
		if (r == 0) {
			ret = hend ? fail("the capture was cut short: xlbd closed the connection")
				   : fail("malformed answer from xlbd");
			goto out;
		}
		len += (size_t)r;
		if (!hend) {
			hend = headers_end(buf, len);
			if (!hend && len == sizeof(buf) - 1) {
				ret = fail("malformed answer from xlbd: headers too long");
				goto out;
			}
			if (!hend)
				continue;
			if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
				ret = fail("malformed answer from xlbd");
				goto out;
			}
			len -= (size_t)(hend - buf);
			if (status != 200) {
				memmove(buf, hend, len);
				ret = stream_refused(fd, status, buf, len, sizeof(buf) - 1);
				goto out;
			}
			v = header(buf, hend, "Transfer-Encoding", &vlen);
			if (!v || vlen < 7 || strncasecmp(v, "chunked", 7)) {
				ret = fail("xlbd answered without chunked coding");
				goto out;
			}
			memmove(buf, hend, len);
		}
		got = chunked_feed(&ch, buf, len);
		len = 0;
		if (got < 0) {
			ret = fail("malformed chunked answer from xlbd");
			goto out;
		}
		if (got) {
			ret = data(ctx, buf, (size_t)got);
			if (ret)
				goto out;
		}
		if (ch.done) {
			ret = 0;
			goto out;
		}
	}
out:
	close(fd);
	free(text);
	return ret;
}
