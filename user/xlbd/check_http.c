// SPDX-License-Identifier: GPL-2.0
/* check_http.c - the http and https checks: GET path over a new connection answers within the
 * timeout with a status in expect (and body in its first 4 KiB when set). Transfers run in
 * libcurl's multi interface driven by the loop (curl_multi_socket_action): curl says which
 * sockets to watch and when its next timeout is, and nothing is polled. */
#define _GNU_SOURCE /* memmem */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "check.h"
#include "loop.h"

#define HC_BODY_MAX 4096

/* One transfer in flight (hc_target.priv). */
/* curl's own limit on a check, beyond the configured timeout (which the engine enforces). */
#define HTTP_BACKSTOP_MS 60000L

struct http_check {
	CURL *easy;
	struct curl_slist *hdr; /* its extra header (Host), alive as long as the transfer */
	char *body; /* the first HC_BODY_MAX bytes */
	size_t body_len;
	int socket_err; /* the errno of a socket() that failed for curl, 0: none */
};

static struct {
	struct loop *loop;
	CURLM *multi;
	struct loop_timer timer; /* curl's next timeout */
	int users; /* http and https share the multi handle */
} HT;

static void http_cancel(struct hc_target *t)
{
	struct http_check *c = t->priv;

	if (!c)
		return;
	curl_multi_remove_handle(HT.multi, c->easy);
	curl_easy_cleanup(c->easy);
	curl_slist_free_all(c->hdr);
	free(c->body);
	free(c);
	t->priv = NULL;
}

static void transfer_done(CURL *easy, CURLcode code)
{
	struct hc_target *t = NULL;
	struct http_check *c;
	long status = 0, os_errno = 0;
	enum hc_result r;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
	c = t->priv;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
	if (code == CURLE_OPERATION_TIMEDOUT)
		r = HC_TIMEOUT;
	else if (code == CURLE_COULDNT_CONNECT && c->socket_err)
		r = HC_ERROR; /* no socket: out of descriptors (logged by hc_socket()) */
	else if (code == CURLE_COULDNT_CONNECT)
		r = os_errno == EHOSTUNREACH || os_errno == ENETUNREACH ? HC_UNREACHABLE
									: HC_REFUSED;
	else if (code != CURLE_OK)
		r = HC_ERROR;
	else if (status < t->cfg.expect_min || status > t->cfg.expect_max)
		r = HC_BAD_STATUS;
	else if (t->cfg.body[0] &&
		 (!c->body || !memmem(c->body, c->body_len, t->cfg.body, strlen(t->cfg.body))))
		r = HC_BAD_BODY;
	else
		r = HC_OK;
	hc_done(t, r);
}

/* Hand finished transfers to the engine (outside curl's callbacks, where removing a handle
 * is allowed). */
static void drain_done(void)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(HT.multi, &left)))
		if (m->msg == CURLMSG_DONE)
			transfer_done(m->easy_handle, m->data.result);
}

static void on_socket(struct loop *l, int fd, uint32_t events, void *arg)
{
	int flags = 0, running;

	(void)l;
	(void)arg;
	if (events & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(HT.multi, fd, flags, &running);
	drain_done();
}

static void on_timer(struct loop *l, void *arg)
{
	int running;

	(void)l;
	(void)arg;
	curl_multi_socket_action(HT.multi, CURL_SOCKET_TIMEOUT, 0, &running);
	drain_done();
}

/* CURLMOPT_SOCKETFUNCTION: watch, re-watch or forget one of curl's sockets. */
static int curl_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	uint32_t ev = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);

	(void)easy;
	(void)userp;
	if (what == CURL_POLL_REMOVE) {
		loop_del_fd(HT.loop, s);
		curl_multi_assign(HT.multi, s, NULL);
		return 0;
	}
	if (socketp)
		return loop_mod_fd(HT.loop, s, ev) ? -1 : 0;
	if (loop_add_fd(HT.loop, s, ev, on_socket, NULL))
		return -1;
	curl_multi_assign(HT.multi, s, &HT);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: curl's next timeout in ms, -1 for none. */
static int curl_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	(void)multi;
	(void)userp;
	if (timeout_ms < 0) {
		loop_timer_cancel(HT.loop, &HT.timer);
		return 0;
	}
	return loop_timer_arm(HT.loop, &HT.timer, loop_now_ns() + (uint64_t)timeout_ms * 1000000ULL,
			      0)
		       ? -1
		       : 0;
}

static int http_init(struct loop *l)
{
	if (HT.users++)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		goto err;
	HT.multi = curl_multi_init();
	if (!HT.multi) {
		curl_global_cleanup();
		goto err;
	}
	HT.loop = l;
	loop_timer_init(&HT.timer, on_timer, NULL);
	curl_multi_setopt(HT.multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
	curl_multi_setopt(HT.multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	return 0;
err:
	HT.users--;
	return -ENOMEM;
}

static void http_fini(void)
{
	if (!HT.users || --HT.users)
		return;
	loop_timer_cancel(HT.loop, &HT.timer);
	curl_multi_cleanup(HT.multi);
	curl_global_cleanup();
	memset(&HT, 0, sizeof(HT));
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_check *c = arg;
	size_t n = size * nmemb, keep = n;
	char *grown;

	if (c->body_len + keep > HC_BODY_MAX)
		keep = HC_BODY_MAX - c->body_len;
	if (keep) {
		grown = realloc(c->body, c->body_len + keep + 1);
		if (!grown)
			return 0;
		c->body = grown;
		memcpy(c->body + c->body_len, data, keep);
		c->body_len += keep;
		c->body[c->body_len] = '\0';
	}
	return n;
}

/* curl's socket, from the engine: running out of descriptors is logged, and the check is
 * failed as error rather than as refused. */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct http_check *c = clientp;
	int fd = hc_socket(a->family, a->socktype, a->protocol);

	(void)purpose;
	if (fd >= 0)
		return fd;
	c->socket_err = -fd;
	return CURL_SOCKET_BAD;
}

static void http_start(struct hc_target *t)
{
	char url[512], host[XLB_CONF_HC_TEXT + 8], a[64];
	bool tls = t->cfg.type == XLB_HC_HTTPS, v6 = t->addr.family == XLB_AF_INET6;
	struct http_check *c = calloc(1, sizeof(*c));

	if (!c || !(c->easy = curl_easy_init())) {
		free(c);
		hc_done(t, HC_ERROR);
		return;
	}
	t->priv = c;
	xlb_addr_format(&t->addr, a, sizeof(a));
	snprintf(url, sizeof(url), "%s://%s%s%s:%u%s", tls ? "https" : "http", v6 ? "[" : "", a,
		 v6 ? "]" : "", t->port, t->cfg.path);
	curl_easy_setopt(c->easy, CURLOPT_URL, url);
	curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
	/* Only a backstop: the engine enforces the timeout, without charging the backend for a
	 * stalled loop (health.c, on_timer()); curl measuring it would. */
	curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, (long)t->cfg.timeout_ms + HTTP_BACKSTOP_MS);
	curl_easy_setopt(c->easy, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(c->easy, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->easy, CURLOPT_PRIVATE, t);
	curl_easy_setopt(c->easy, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(c->easy, CURLOPT_OPENSOCKETDATA, c);
	if (tls && t->cfg.ca[0])
		curl_easy_setopt(c->easy, CURLOPT_CAINFO, t->cfg.ca);
	if (tls && t->cfg.insecure) {
		curl_easy_setopt(c->easy, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c->easy, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (t->cfg.host[0]) {
		snprintf(host, sizeof(host), "Host: %s", t->cfg.host);
		c->hdr = curl_slist_append(NULL, host);
		curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->hdr);
	}
	/* curl starts it from its timer callback, on the loop: never inside this call. */
	if (curl_multi_add_handle(HT.multi, c->easy) != CURLM_OK)
		hc_done(t, HC_ERROR);
}

/* The engine times a check out at its deadline plus this slack. */
#define HTTP_SLACK_NS 50000000ULL

const struct hc_type hc_type_http = {
	.name = "http",
	.init = http_init,
	.fini = http_fini,
	.start = http_start,
	.cancel = http_cancel,
	.timeout_slack_ns = HTTP_SLACK_NS,
};

const struct hc_type hc_type_https = {
	.name = "https",
	.init = http_init,
	.fini = http_fini,
	.start = http_start,
	.cancel = http_cancel,
	.timeout_slack_ns = HTTP_SLACK_NS,
};
