// SPDX-License-Identifier: GPL-2.0
/* health.c - backend health checks on the event loop: see health.h.
 *
 * One periodic tick (HC_TICK_MS) starts the checks that are due, times out the late ones and
 * drives libcurl's multi interface (curl_multi_perform is non-blocking); TCP and UDP checks are
 * non-blocking sockets watched by the loop. A target changes state only after `rise`
 * consecutive successes or `fall` consecutive failures, and each transition is logged once. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hc_tunnel.h"
#include "hcstate.h"
#include "health.h"
#include "log.h"
#include "loop.h"
#include "promtext.h"
#include "xlb_abi.h"

#define HC_TICK_MS 20
#define HC_BODY_MAX 4096

static const char *const RESULT_NAMES[] = {
#define HC_NAME(id, name) name,
	XLB_HC_RESULTS(HC_NAME)
#undef HC_NAME
};

static const char *const TYPE_NAMES[] = { "none", "tcp", "http", "https", "udp", "tunnel" };

struct target {
	bool used, seen;
	struct xlb_service_ref svc;
	struct xlb_addr addr;
	struct xlb_conf_health cfg;
	__u16 port;
	struct hc_state hc; /* up or down, with the run of equal results (hcstate.c) */
	enum hc_result last;
	uint64_t next_ns, deadline_ns, started_ns, changed_ns;
	uint32_t latency_us;
	int fd; /* tcp/udp check in flight, else -1 */
	bool tunnel; /* tunnel check in flight (hc_tunnel.c, id = index of the target) */
	CURL *easy; /* http(s) check in flight */
	struct curl_slist *hdr; /* its extra header (Host), alive as long as the transfer */
	char *body;
	size_t body_len;
	uint64_t counts[HC_RESULT_MAX];
	uint64_t transitions; /* up <-> down changes since the target exists */
	uint64_t went[2]; /* the same, by new state: [0] to down, [1] to up */
};

/* Upper bounds of the check-duration histogram, in seconds: checks take from well under a
 * millisecond (a TCP connect on a LAN) up to their timeout (seconds). */
static const double DURATION_BOUNDS[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
					  0.05,	  0.1,	 0.25,	 0.5,	1,    2.5 };
#define N_TYPES (sizeof(TYPE_NAMES) / sizeof(TYPE_NAMES[0]))

static struct {
	struct loop *loop;
	CURLM *multi;
	int tick;
	health_changed_fn changed;
	void *ctx;
	bool dirty;
	struct xlb_addr src4, src6; /* tunnel_source, tunnel_source_v6: tunnel checks' sources */
	struct target *t;
	size_t n, cap;
	int *index; /* open addressing over t: hash(svc, addr) -> i + 1, 0 = empty */
	size_t index_cap;
	size_t reuse_from; /* t[0..reuse_from) has no unused entry */
	struct prom_histo durations[N_TYPES]; /* of finished checks, by type */
} H = { .tick = -1 };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint32_t rnd(uint32_t n)
{
	uint32_t r = 0;

	if (!n || getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		return 0;
	return r % n;
}

/* ---- the index: (service, address) -> target ---- */

static uint64_t key_hash(const struct xlb_service_ref *svc, const struct xlb_addr *a)
{
	const __u8 *parts[2] = { (const __u8 *)svc, (const __u8 *)a };
	size_t lens[2] = { sizeof(*svc), sizeof(*a) };
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int p = 0; p < 2; p++)
		for (size_t i = 0; i < lens[p]; i++)
			h = (h ^ parts[p][i]) * 0x100000001b3ULL;
	return h;
}

static bool same(const struct target *t, const struct xlb_service_ref *svc,
		 const struct xlb_addr *a)
{
	return !memcmp(&t->svc, svc, sizeof(*svc)) && !memcmp(&t->addr, a, sizeof(*a));
}

static int rebuild_index(void)
{
	size_t cap = 64;

	while (cap < H.n * 2 + 1)
		cap *= 2;
	free(H.index);
	H.index = calloc(cap, sizeof(*H.index));
	if (!H.index)
		return -ENOMEM;
	H.index_cap = cap;
	for (size_t i = 0; i < H.n; i++) {
		size_t s;

		if (!H.t[i].used)
			continue;
		s = key_hash(&H.t[i].svc, &H.t[i].addr) & (cap - 1);
		while (H.index[s])
			s = (s + 1) & (cap - 1);
		H.index[s] = (int)i + 1;
	}
	return 0;
}

/* Make target i (used, with its key set) findable. The index is rebuilt only when it would be
 * more than half full, so adding n targets costs O(n), not a rebuild each. */
static int index_add(size_t i)
{
	size_t s;

	if (!H.index || H.n * 2 + 1 > H.index_cap)
		return rebuild_index();
	s = key_hash(&H.t[i].svc, &H.t[i].addr) & (H.index_cap - 1);
	while (H.index[s])
		s = (s + 1) & (H.index_cap - 1);
	H.index[s] = (int)i + 1;
	return 0;
}

static struct target *find(const struct xlb_service_ref *svc, const struct xlb_addr *a)
{
	size_t s;

	if (!H.index)
		return NULL;
	s = key_hash(svc, a) & (H.index_cap - 1);
	for (; H.index[s]; s = (s + 1) & (H.index_cap - 1))
		if (same(&H.t[H.index[s] - 1], svc, a))
			return &H.t[H.index[s] - 1];
	return NULL;
}

/* ---- one check ---- */

static void stop_check(struct target *t)
{
	if (t->tunnel) {
		hc_tunnel_cancel((size_t)(t - H.t));
		t->tunnel = false;
	}
	if (t->fd >= 0) {
		loop_del_fd(H.loop, t->fd);
		close(t->fd);
		t->fd = -1;
	}
	if (t->easy) {
		curl_multi_remove_handle(H.multi, t->easy);
		curl_easy_cleanup(t->easy);
		t->easy = NULL;
	}
	curl_slist_free_all(t->hdr);
	t->hdr = NULL;
	free(t->body);
	t->body = NULL;
	t->body_len = 0;
	t->deadline_ns = 0;
}

static void schedule(struct target *t, uint64_t now)
{
	uint64_t iv = (uint64_t)t->cfg.interval_ms * 1000000ULL;
	uint64_t spread = iv * t->cfg.jitter_pct / 100;

	t->next_ns = now + iv - spread +
		     (spread ? (uint64_t)rnd((uint32_t)(2 * spread / 1000)) * 1000 : 0);
}

/* Record a result and apply rise/fall. */
static void finish(struct target *t, enum hc_result r)
{
	uint64_t now = now_ns();
	bool ok = r == HC_OK;
	char svc[XLB_SERVICE_STRLEN], addr[64];

	stop_check(t);
	t->latency_us = (uint32_t)((now - t->started_ns) / 1000);
	prom_histo_observe(&H.durations[t->cfg.type], (double)(now - t->started_ns) / 1e9);
	t->counts[r]++;
	t->last = r;
	schedule(t, now);
	if (!hc_step(&t->hc, ok, t->cfg.rise, t->cfg.fall))
		return;
	t->changed_ns = now;
	t->transitions++;
	t->went[ok]++;
	H.dirty = true;
	xlb_service_format(&t->svc, svc, sizeof(svc));
	xlb_addr_format(&t->addr, addr, sizeof(addr));
	if (ok)
		xlog_info("%s backend %s: up after %u successful %s checks", svc, addr, t->hc.run,
			  TYPE_NAMES[t->cfg.type]);
	else
		xlog_warn("%s backend %s: down after %u failed %s checks (last: %s)", svc, addr,
			  t->hc.run, TYPE_NAMES[t->cfg.type], RESULT_NAMES[r]);
}

static enum hc_result errno_result(int err)
{
	if (err == ECONNREFUSED)
		return HC_REFUSED;
	if (err == EHOSTUNREACH || err == ENETUNREACH)
		return HC_UNREACHABLE;
	if (err == ETIMEDOUT)
		return HC_TIMEOUT;
	return HC_ERROR;
}

static void on_socket(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct target *t = &H.t[(uintptr_t)arg];
	char buf[512];
	int err = 0;
	socklen_t len = sizeof(err);
	ssize_t n;

	(void)l;
	(void)events;
	if (t->fd != fd)
		return;
	if (t->cfg.type == XLB_HC_TCP) {
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
		finish(t, err ? errno_result(err) : HC_OK);
		return;
	}
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0) {
		if (errno != EAGAIN)
			finish(t, errno_result(errno)); /* ICMP port unreachable: refused */
		return;
	}
	buf[n] = '\0';
	finish(t, !t->cfg.expect_payload[0] || memmem(buf, (size_t)n, t->cfg.expect_payload,
						      strlen(t->cfg.expect_payload))
			  ? HC_OK
			  : HC_BAD_REPLY);
}

static int sockaddr_of(const struct target *t, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (t->addr.family == XLB_AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(t->port);
		memcpy(&s4->sin_addr, t->addr.addr, 4);
		*len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(t->port);
		memcpy(&s6->sin6_addr, t->addr.addr, 16);
		*len = sizeof(*s6);
	}
	return ss->ss_family;
}

static void start_socket_check(struct target *t, size_t i)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int udp = t->cfg.type == XLB_HC_UDP, fam = sockaddr_of(t, &ss, &len), rc;

	t->fd = socket(fam, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0) {
		finish(t, HC_ERROR);
		return;
	}
	rc = connect(t->fd, (struct sockaddr *)&ss, len);
	if (rc && errno != EINPROGRESS) {
		finish(t, errno_result(errno));
		return;
	}
	if (udp && send(t->fd, t->cfg.payload, strlen(t->cfg.payload), 0) < 0) {
		finish(t, errno_result(errno));
		return;
	}
	if (loop_add_fd(H.loop, t->fd, udp ? EPOLLIN : EPOLLOUT, on_socket, (void *)(uintptr_t)i)) {
		close(t->fd);
		t->fd = -1;
		finish(t, HC_ERROR);
	}
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct target *t = &H.t[(uintptr_t)arg];
	size_t n = size * nmemb, keep = n;
	char *grown;

	if (t->body_len + keep > HC_BODY_MAX)
		keep = HC_BODY_MAX - t->body_len;
	if (keep) {
		grown = realloc(t->body, t->body_len + keep + 1);
		if (!grown)
			return 0;
		t->body = grown;
		memcpy(t->body + t->body_len, data, keep);
		t->body_len += keep;
		t->body[t->body_len] = '\0';
	}
	return n;
}

static void start_http_check(struct target *t, size_t i)
{
	char url[512], host[XLB_CONF_HC_TEXT + 8], a[64];
	bool tls = t->cfg.type == XLB_HC_HTTPS;

	xlb_addr_format(&t->addr, a, sizeof(a));
	snprintf(url, sizeof(url), "%s://%s%s%s:%u%s", tls ? "https" : "http",
		 t->addr.family == XLB_AF_INET6 ? "[" : "", a,
		 t->addr.family == XLB_AF_INET6 ? "]" : "", t->port, t->cfg.path);
	t->easy = curl_easy_init();
	if (!t->easy) {
		finish(t, HC_ERROR);
		return;
	}
	curl_easy_setopt(t->easy, CURLOPT_URL, url);
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, (long)t->cfg.timeout_ms);
	curl_easy_setopt(t->easy, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(t->easy, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, (void *)(uintptr_t)i);
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, (void *)(uintptr_t)i);
	if (tls && t->cfg.insecure) {
		curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (t->cfg.host[0]) {
		snprintf(host, sizeof(host), "Host: %s", t->cfg.host);
		t->hdr = curl_slist_append(NULL, host);
		curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->hdr);
	}
	if (curl_multi_add_handle(H.multi, t->easy) != CURLM_OK)
		finish(t, HC_ERROR);
}

static void http_done(CURL *easy, CURLcode code)
{
	uintptr_t i = 0;
	long status = 0;
	struct target *t;
	enum hc_result r;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&i);
	t = &H.t[i];
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	if (code == CURLE_OPERATION_TIMEDOUT)
		r = HC_TIMEOUT;
	else if (code == CURLE_COULDNT_CONNECT)
		r = HC_REFUSED;
	else if (code != CURLE_OK)
		r = HC_ERROR;
	else if (status < t->cfg.expect_min || status > t->cfg.expect_max)
		r = HC_BAD_STATUS;
	else if (t->cfg.body[0] && (!t->body || !strstr(t->body, t->cfg.body)))
		r = HC_BAD_BODY;
	else
		r = HC_OK;
	finish(t, r);
}

/* Through the backend's decapsulation to VIP:port, from the tunnel sources (hc_tunnel.h). */
static void start_tunnel_check(struct target *t, size_t i)
{
	struct hc_tunnel_probe p = {
		.backend = t->addr,
		.outer_src = t->addr.family == XLB_AF_INET6 ? H.src6 : H.src4,
		.vip = t->svc.vip,
		.inner_src = t->svc.vip.family == XLB_AF_INET6 ? H.src6 : H.src4,
		.port = t->port,
		.proto = t->svc.proto,
		.payload = t->cfg.payload,
		.expect = t->cfg.expect_payload,
	};
	int ret = hc_tunnel_start(i, &p);

	if (ret) {
		finish(t, errno_result(-ret));
		return;
	}
	t->tunnel = true;
}

static void tunnel_done(size_t id, enum hc_result r)
{
	struct target *t;

	if (id >= H.n)
		return;
	t = &H.t[id];
	if (!t->used || !t->tunnel)
		return;
	t->tunnel = false;
	finish(t, r);
}

static void start_check(struct target *t, size_t i, uint64_t now)
{
	t->started_ns = now;
	t->deadline_ns = now + (uint64_t)t->cfg.timeout_ms * 1000000ULL;
	if (t->cfg.type == XLB_HC_TUNNEL) {
		start_tunnel_check(t, i);
		return;
	}
	if (t->cfg.type == XLB_HC_HTTP || t->cfg.type == XLB_HC_HTTPS)
		start_http_check(t, i);
	else
		start_socket_check(t, i);
}

static void on_tick(struct loop *l, void *arg)
{
	uint64_t now = now_ns();
	int running;
	CURLMsg *m;

	(void)l;
	(void)arg;
	for (size_t i = 0; i < H.n; i++) {
		struct target *t = &H.t[i];
		bool busy = t->fd >= 0 || t->easy || t->tunnel;

		if (!t->used || t->cfg.type == XLB_HC_NONE)
			continue;
		/* curl enforces its own timeout; a little slack lets it report first. */
		if (busy && now >= t->deadline_ns + (t->easy ? 50000000ULL : 0))
			finish(t, HC_TIMEOUT);
		else if (!busy && now >= t->next_ns)
			start_check(t, i, now);
	}
	curl_multi_perform(H.multi, &running);
	while ((m = curl_multi_info_read(H.multi, &running)))
		if (m->msg == CURLMSG_DONE)
			http_done(m->easy_handle, m->data.result);
	if (H.dirty) {
		H.dirty = false;
		H.changed(H.ctx);
	}
}

/* ---- the set of targets ---- */

int health_start(struct loop *loop, health_changed_fn changed, void *ctx)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return -EIO;
	H.multi = curl_multi_init();
	if (!H.multi)
		return -ENOMEM;
	for (size_t i = 0; i < N_TYPES; i++)
		prom_histo_init(&H.durations[i], DURATION_BOUNDS,
				sizeof(DURATION_BOUNDS) / sizeof(DURATION_BOUNDS[0]));
	H.loop = loop;
	hc_tunnel_init(loop, tunnel_done);
	H.changed = changed;
	H.ctx = ctx;
	H.tick = loop_add_timer(loop, HC_TICK_MS, HC_TICK_MS, on_tick, NULL);
	return H.tick < 0 ? H.tick : 0;
}

void health_stop(void)
{
	for (size_t i = 0; i < H.n; i++)
		if (H.t[i].used)
			stop_check(&H.t[i]);
	if (H.tick >= 0)
		loop_del_timer(H.loop, H.tick);
	hc_tunnel_fini();
	if (H.multi)
		curl_multi_cleanup(H.multi);
	curl_global_cleanup();
	free(H.t);
	free(H.index);
	memset(&H, 0, sizeof(H));
	H.tick = -1;
}

static struct target *add_target(void)
{
	/* t[0..reuse_from) has no unused entry (reset when targets go): no rescans. */
	for (; H.reuse_from < H.n; H.reuse_from++)
		if (!H.t[H.reuse_from].used)
			return &H.t[H.reuse_from++];
	if (H.n == H.cap) {
		size_t cap = H.cap ? H.cap * 2 : 64;
		struct target *grown = realloc(H.t, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		H.t = grown;
		H.cap = cap;
	}
	return &H.t[H.n++];
}

int health_sync(const struct xlb_conf *c,
		bool (*was_up)(const struct xlb_service_ref *svc, const struct xlb_addr *a,
			       void *ctx),
		void *ctx)
{
	uint64_t now = now_ns();

	H.src4 = c->tunnel_source;
	H.src6 = c->tunnel_source_v6;
	for (size_t i = 0; i < H.n; i++)
		H.t[i].seen = false;
	for (size_t s = 0; s < c->n_services; s++) {
		const struct xlb_conf_service *cs = &c->services[s];

		for (size_t b = 0; b < cs->n_backends; b++) {
			const struct xlb_addr *a = &cs->backends[b].addr;
			struct target *t = find(&cs->ref, a);
			struct xlb_conf_health eff; /* the service's check, the backend's overrides
						     */

			xlb_conf_backend_health(cs, &cs->backends[b], &eff);

			if (!t) {
				t = add_target();
				if (!t)
					return -ENOMEM;
				memset(t, 0, sizeof(*t));
				t->used = true;
				t->fd = -1;
				t->svc = cs->ref;
				t->addr = *a;
				hc_init(&t->hc, eff.type == XLB_HC_NONE ||
							(was_up && was_up(&cs->ref, a, ctx)) ||
							eff.initial_up);
				t->changed_ns = now;
				/* The first check comes at a random point of one interval. */
				t->next_ns = now + (uint64_t)rnd(eff.interval_ms + 1) * 1000000ULL;
				if (index_add((size_t)(t - H.t)))
					return -ENOMEM;
			} else if (memcmp(&t->cfg, &eff, sizeof(t->cfg))) {
				stop_check(t);
				t->next_ns = now;
				if (eff.type == XLB_HC_NONE)
					hc_init(&t->hc, true);
			}
			t->seen = true;
			t->cfg = eff;
			t->port = eff.port ? eff.port : cs->ref.port;
		}
	}
	for (size_t i = 0; i < H.n; i++) {
		if (H.t[i].used && !H.t[i].seen) {
			stop_check(&H.t[i]);
			H.t[i].used = false;
		}
	}
	H.reuse_from = 0;
	return rebuild_index();
}

bool health_is_up(const struct xlb_service_ref *svc, const struct xlb_addr *a)
{
	const struct target *t = find(svc, a);

	return !t || t->hc.up;
}

void health_foreach(void (*fn)(const struct health_view *v, void *ctx), void *ctx)
{
	for (size_t i = 0; i < H.n; i++) {
		const struct target *t = &H.t[i];
		struct health_view v = {
			.svc = &t->svc,
			.addr = &t->addr,
			.type = TYPE_NAMES[t->cfg.type],
			.up = t->hc.up,
			.checks = t->counts,
			.went_up = t->went[1],
			.went_down = t->went[0],
		};

		if (t->used)
			fn(&v, ctx);
	}
}

const char *health_result_name(enum hc_result r)
{
	return r < HC_RESULT_MAX ? RESULT_NAMES[r] : "unknown";
}

void health_durations(void (*fn)(const char *type, const struct prom_histo *h, void *ctx),
		      void *ctx)
{
	for (size_t i = 0; i < N_TYPES; i++)
		if (H.durations[i].count)
			fn(TYPE_NAMES[i], &H.durations[i], ctx);
}

json_t *health_json(const struct xlb_service_ref *svc)
{
	uint64_t now = now_ns();
	json_t *list = json_array();

	for (size_t i = 0; i < H.n; i++) {
		const struct target *t = &H.t[i];
		char ref[XLB_SERVICE_STRLEN], addr[64];
		json_t *counts = json_object(), *o, *eff;

		if (!t->used || (svc && memcmp(&t->svc, svc, sizeof(*svc))))
			continue;
		for (int r = 0; r < HC_RESULT_MAX; r++)
			json_object_set_new(counts, RESULT_NAMES[r],
					    json_integer((json_int_t)t->counts[r]));
		xlb_service_format(&t->svc, ref, sizeof(ref));
		xlb_addr_format(&t->addr, addr, sizeof(addr));
		o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:f,s:f,s:o,s:I}", "service", ref,
			      "address", addr, "type", TYPE_NAMES[t->cfg.type], "state",
			      t->hc.up ? "up" : "down", "last_result",
			      t->hc.any ? RESULT_NAMES[t->last] : "none", "consecutive",
			      (json_int_t)t->hc.run, "last_change_s_ago",
			      (double)(now - t->changed_ns) / 1e9, "latency_ms",
			      (double)t->latency_us / 1000.0, "checks", counts, "transitions",
			      (json_int_t)t->transitions);
		/* The effective settings: the service's check with the backend's overrides. */
		eff = json_pack("{s:i,s:i,s:i,s:i,s:i,s:i}", "port", (json_int_t)t->port,
				"interval_ms", (json_int_t)t->cfg.interval_ms, "timeout_ms",
				(json_int_t)t->cfg.timeout_ms, "rise", (json_int_t)t->cfg.rise,
				"fall", (json_int_t)t->cfg.fall, "jitter_pct",
				(json_int_t)t->cfg.jitter_pct);
		json_object_update(o, eff);
		json_decref(eff);
		json_array_append_new(list, o);
	}
	return json_pack("{s:o}", "backends", list);
}
