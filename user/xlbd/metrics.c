// SPDX-License-Identifier: GPL-2.0
/* metrics.c - GET /metrics for Prometheus: see metrics.h and docs/metrics.md.
 *
 * One scrape writes every family once, in the order of the collectors below; each collector
 * writes its # HELP / # TYPE and then all of its samples, so samples of a family are always
 * together. Labels are bounded by the configuration: service, VIP, port, protocol, backend
 * address and forwarding mode (encap), reason, result, state; never a client address. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "announce.h"
#include "counters.h"
#include "dataplane.h"
#include "health.h"
#include "httpd.h"
#include "l2mac.h"
#include "log.h"
#include "metrics.h"
#include "promtext.h"
#include "state.h"
#include "xlb_abi.h"
#include "xlb_reasons.h"
#include "xlbd.h"

static const struct xlbd *D; /* the daemon's context, from metrics_init() */

#define METRICS_MAX_CONNECTIONS 8 /* a few scrapers, and room for one stuck client */
#define METRICS_CONN_TIMEOUT_S 5
#define METRICS_CONN_MEMORY (16 * 1024) /* bigger requests are refused by libmicrohttpd */

static struct {
	struct loop *loop;
	struct httpd *httpd;
	struct xlb_conf_metrics on; /* where it listens now; enabled false = not serving */
} M;

/* What a scrape shows of one applied service beyond its counters. */
struct svc_row {
	const struct xlb_conf_service *conf; /* NULL: not applied */
	const struct counters_service *cnt;
	char name[XLB_SERVICE_STRLEN]; /* the service label */
	bool fail_open, has_table;
	struct state_table_info ti;
	__u64 by_state[3]; /* its backend entries by enum xlb_backend_state */
};

/* One backend entry of an applied service. */
struct be_row {
	const struct svc_row *svc;
	const struct counters_backend *cnt;
	char addr[64];
	bool up;
};

/* One scrape: the counters read once (counters.c), each service and backend looked at once,
 * then written as the families that need them. */
struct scrape {
	struct prom_out o;
	const struct xlb_conf *conf;
	struct counters cnt;
	struct svc_row *svcs; /* one per configured service; conf NULL when not applied */
	struct be_row *bes; /* one per row of cnt.backends */
};

/* The service label: the configured name, or VIP:PORT/PROTO when it has none. */
static void service_label(const struct xlb_conf_service *s, char *buf, size_t len)
{
	if (s->name[0])
		snprintf(buf, len, "%s", s->name);
	else
		xlb_service_format(&s->ref, buf, len);
}

/* Read the counters and what else the families show of every applied service and backend.
 * Returns 0 or -ENOMEM. */
static int gather(struct scrape *sc)
{
	const struct xlb_conf *c;
	int ret = counters_read(D, &sc->cnt);

	if (ret)
		return ret;
	c = sc->conf = sc->cnt.conf;
	sc->svcs = calloc(c->n_services ? c->n_services : 1, sizeof(*sc->svcs));
	sc->bes = calloc(sc->cnt.n_backends ? sc->cnt.n_backends : 1, sizeof(*sc->bes));
	if (!sc->svcs || !sc->bes)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_services; i++) {
		const struct xlb_service_ref *ref = &c->services[i].ref;
		struct svc_row *r = &sc->svcs[i];

		if (!sc->cnt.services[i].applied)
			continue;
		r->conf = &c->services[i];
		r->cnt = &sc->cnt.services[i];
		service_label(r->conf, r->name, sizeof(r->name));
		r->fail_open = state_service_fail_open(D->state, ref);
		r->has_table = !state_table_info(D->state, ref, &r->ti);
	}
	for (size_t i = 0; i < sc->cnt.n_backends; i++) {
		const struct counters_backend *b = &sc->cnt.backends[i];
		struct xlb_addr a = { .family = b->entry.family };
		struct svc_row *svc = &sc->svcs[b->svc];
		struct be_row *r = &sc->bes[i];

		if (b->entry.state <= XLB_BE_DRAIN)
			svc->by_state[b->entry.state]++;
		memcpy(a.addr, b->entry.addr, sizeof(a.addr));
		r->svc = svc;
		r->cnt = b;
		xlb_addr_format(&a, r->addr, sizeof(r->addr));
		r->up = health_is_up(&svc->conf->ref, &a);
	}
	return 0;
}

#define SVC_LABEL(r) ((const struct prom_label[]){ { "service", (r)->name } })

/* ---- traffic ---- */

static void collect_services(struct scrape *sc)
{
	static const char *const fam[2][2] = {
		{ "xlb_packets_total", "Packets received for the service (all verdicts)." },
		{ "xlb_bytes_total", "Bytes received for the service, Ethernet header included." },
	};

	for (int f = 0; f < 2; f++) {
		prom_family(&sc->o, fam[f][0], "counter", fam[f][1]);
		for (size_t i = 0; i < sc->conf->n_services; i++) {
			const struct svc_row *r = &sc->svcs[i];
			char vip[64], port[8];

			if (!r->conf || !r->cnt->read)
				continue;
			xlb_addr_format(&r->conf->ref.vip, vip, sizeof(vip));
			snprintf(port, sizeof(port), "%u", r->conf->ref.port);
			const struct prom_label l[] = {
				{ "service", r->name },
				{ "vip", vip },
				{ "port", port },
				{ "proto", r->conf->ref.proto == IPPROTO_TCP ? "tcp" : "udp" },
			};

			prom_u64(&sc->o, "", l, 4,
				 f ? r->cnt->traffic.bytes : r->cnt->traffic.packets);
		}
	}
}

enum { BE_PACKETS, BE_BYTES, BE_WEIGHT, BE_UP, BE_FAMILIES };

static void collect_backends(struct scrape *sc)
{
	static const char *const fam[BE_FAMILIES][3] = {
		[BE_PACKETS] = { "xlb_backend_packets_total", "counter",
				 "Packets sent to the backend (in its encap mode)." },
		[BE_BYTES] = { "xlb_backend_bytes_total", "counter",
			       "Bytes of those packets as received, before encapsulation." },
		[BE_WEIGHT] = { "xlb_backend_weight", "gauge",
				"Configured weight of the backend." },
		[BE_UP] = { "xlb_backend_up", "gauge",
			    "1 when the backend passes its health checks (type none: always)." },
	};

	for (int f = 0; f < BE_FAMILIES; f++) {
		prom_family(&sc->o, fam[f][0], fam[f][1], fam[f][2]);
		for (size_t i = 0; i < sc->cnt.n_backends; i++) {
			const struct be_row *r = &sc->bes[i];
			const char *encap = xlb_encap_name(r->cnt->entry.encap);
			const struct prom_label l[] = { { "service", r->svc->name },
							{ "backend", r->addr },
							{ "encap", encap ? encap : "unknown" } };
			__u64 v = f == BE_PACKETS  ? r->cnt->traffic.packets
				  : f == BE_BYTES  ? r->cnt->traffic.bytes
				  : f == BE_WEIGHT ? r->cnt->entry.weight
						   : r->up;

			if (r->cnt->read || f == BE_WEIGHT || f == BE_UP)
				prom_u64(&sc->o, "", l, 3, v);
		}
	}
}

static void collect_verdicts(struct scrape *sc)
{
	static const struct {
		const char *name;
		int action;
	} reasons[] = {
#define XLB_REASON_ROW(id, name, action, help) { name, action },
		XLB_REASONS(XLB_REASON_ROW)
#undef XLB_REASON_ROW
	};
	__u64 hit = 0, miss = 0, stale = 0;

	prom_family(&sc->o, "xlb_verdicts_total", "counter",
		    "Packets by the data path's verdict and its reason (docs/datapath.md).");
	for (__u32 r = 0; r < XLB_R_MAX; r++) {
		const struct xlb_counter *c = &sc->cnt.reasons[r];
		int act = reasons[r].action;

		if (!sc->cnt.reason_read[r])
			continue;
		const struct prom_label l[] = {
			{ "action", act == XDP_TX     ? "tx"
				    : act == XDP_PASS ? "pass"
				    : act == XDP_DROP ? "drop"
						      : "aborted" },
			{ "reason", reasons[r].name },
		};

		prom_u64(&sc->o, "", l, 2, c->packets);
		if (r == XLB_R_TX_CONN_HIT)
			hit = c->packets;
		else if (r == XLB_R_TX_RESELECT)
			stale = c->packets;
		else if (r == XLB_R_TX_NEW_FLOW || r == XLB_R_TX_UNTRACKED || r == XLB_R_TX_FLOOD)
			miss += c->packets;
	}
	prom_family(&sc->o, "xlb_conntrack_lookups_total", "counter",
		    "Packets of balanced flows by what the connection table gave: hit (the "
		    "remembered backend), stale (an entry whose backend can no longer take the "
		    "flow), miss (no entry, or a SYN: Maglev chose).");
	prom_u64(&sc->o, "", (const struct prom_label[]){ { "result", "hit" } }, 1, hit);
	prom_u64(&sc->o, "", (const struct prom_label[]){ { "result", "miss" } }, 1, miss);
	prom_u64(&sc->o, "", (const struct prom_label[]){ { "result", "stale" } }, 1, stale);
}

static void collect_conntrack(struct scrape *sc)
{
	struct dp_conns n;

	if (dp_conns_count(D->dp, &n))
		return;
	prom_family(&sc->o, "xlb_conntrack_entries", "gauge",
		    "Entries in use in the connection table, over every CPU's part (entries "
		    "taken from empty minus entries flushed; a full bucket replaces its oldest).");
	prom_u64(&sc->o, "", NULL, 0, n.entries);
	prom_family(&sc->o, "xlb_conntrack_capacity", "gauge",
		    "Size of the connection table: entries over every CPU's part.");
	prom_u64(&sc->o, "", NULL, 0, n.capacity);
}

struct map_memory {
	struct scrape *sc;
	__u64 total;
};

static void map_memory_sample(const char *name, __u64 bytes, void *ctx)
{
	struct map_memory *mm = ctx;
	const struct prom_label l[] = { { "map", name } };

	prom_u64(&mm->sc->o, "", l, 1, bytes);
	mm->total += bytes;
}

/* The kernel's memory of each map, the tables counted with xlb_tables, the table pool's maps
 * on a line of their own, and the sum of them all. */
static void collect_map_memory(struct scrape *sc)
{
	struct map_memory mm = { .sc = sc };

	prom_family(&sc->o, "xlb_map_memory_bytes", "gauge",
		    "Memory the kernel charges for each map of xlb_lb (memlock); xlb_tables "
		    "includes every service's Maglev table, map=\"" DP_TABLE_POOL_NAME "\" is "
		    "xlbd's pool of replaced tables kept for reuse.");
	dp_map_memory(D->dp, map_memory_sample, &mm);
	prom_family(&sc->o, "xlb_map_memory_total_bytes", "gauge",
		    "Sum of xlb_map_memory_bytes: the kernel memory of every map xlbd holds.");
	prom_u64(&sc->o, "", NULL, 0, mm.total);
}

/* ---- health ---- */

enum { HV_TRANSITIONS, HV_CHECKS, HV_FAMILIES };

struct health_walk {
	struct scrape *sc;
	int family;
	const struct svc_row *last; /* the service of the previous target */
};

static void health_sample(const struct health_view *v, void *ctx)
{
	struct health_walk *w = ctx;
	struct scrape *sc = w->sc;
	char addr[64];

	/* Targets come service by service: look the service up only when it changes. */
	if (!w->last || memcmp(&w->last->conf->ref, v->svc, sizeof(*v->svc))) {
		w->last = NULL;
		for (size_t i = 0; i < sc->conf->n_services && !w->last; i++)
			if (sc->svcs[i].conf &&
			    !memcmp(&sc->svcs[i].conf->ref, v->svc, sizeof(*v->svc)))
				w->last = &sc->svcs[i];
		if (!w->last)
			return;
	}
	xlb_addr_format(v->addr, addr, sizeof(addr));
	struct prom_label l[] = { { "service", w->last->name },
				  { "backend", addr },
				  { NULL, NULL } };

	if (w->family == HV_TRANSITIONS) {
		l[2] = (struct prom_label){ "to", "up" };
		prom_u64(&sc->o, "", l, 3, v->went_up);
		l[2] = (struct prom_label){ "to", "down" };
		prom_u64(&sc->o, "", l, 3, v->went_down);
		return;
	}
	if (!strcmp(v->type, "none"))
		return; /* never checked: no results to count */
	for (int r = 0; r < HC_RESULT_MAX; r++) {
		l[2] = (struct prom_label){ "result", health_result_name((enum hc_result)r) };
		prom_u64(&sc->o, "", l, 3, v->checks[r]);
	}
}

static void duration_sample(const char *type, const struct prom_histo *h, void *ctx)
{
	struct scrape *sc = ctx;

	prom_histogram(&sc->o, (const struct prom_label[]){ { "type", type } }, 1, h);
}

static void collect_health(struct scrape *sc)
{
	struct health_walk w = { .sc = sc };
	const struct prom_histo *h;
	uint64_t tables;
	double late_max;

	prom_family(&sc->o, "xlb_backend_transitions_total", "counter",
		    "Health state changes of the backend, by the state it went to.");
	w.family = HV_TRANSITIONS;
	w.last = NULL;
	health_foreach(health_sample, &w);
	prom_family(&sc->o, "xlb_health_checks_total", "counter",
		    "Finished health checks of the backend, by typed result.");
	w.family = HV_CHECKS;
	w.last = NULL;
	health_foreach(health_sample, &w);
	prom_family(&sc->o, "xlb_health_check_duration_seconds", "histogram",
		    "Time from the start of a health check to its result, by check type.");
	health_durations(duration_sample, sc);
	h = health_lateness(&late_max);
	prom_family(&sc->o, "xlb_health_check_lateness_seconds", "histogram",
		    "Time from a health check's scheduled start to its actual start.");
	prom_histogram(&sc->o, (const struct prom_label[]){ { "", "" } }, 0, h); /* no labels */
	prom_family(&sc->o, "xlb_health_check_lateness_max_seconds", "gauge",
		    "The latest start of a health check against its schedule since xlbd started.");
	prom_f64(&sc->o, "", NULL, 0, late_max);
	h = state_health_reaction(D->state, &tables);
	prom_family(&sc->o, "xlb_health_reaction_seconds", "histogram",
		    "Time from a backend's health verdict to the data path following it: its "
		    "services planned again, their tables swapped, their entries written (one "
		    "observation per pass).");
	prom_histogram(&sc->o, (const struct prom_label[]){ { "", "" } }, 0, h); /* no labels */
	prom_family(&sc->o, "xlb_health_reaction_tables_total", "counter",
		    "Maglev tables built by the passes that followed health verdicts.");
	prom_u64(&sc->o, "", NULL, 0, tables);
}

/* ---- services: backends by state, fail-open, tables ---- */

static void collect_tables(struct scrape *sc)
{
	static const char *const states[3] = { "down", "up", "drain" };
	size_t i, n = sc->conf->n_services;
	char fp[24];

	prom_family(&sc->o, "xlb_service_backends", "gauge",
		    "Backends of the service by data-path state: up (in the table), drain "
		    "(keeps its flows), down (unhealthy or disabled).");
	for (i = 0; i < n; i++)
		for (int st = 0; st < 3 && sc->svcs[i].conf; st++)
			prom_u64(&sc->o, "",
				 (const struct prom_label[]){ { "service", sc->svcs[i].name },
							      { "state", states[st] } },
				 2, sc->svcs[i].by_state[st]);
	prom_family(&sc->o, "xlb_service_fail_open", "gauge",
		    "1 while fewer than min_healthy backends pass their checks and the service "
		    "keeps its last good table instead.");
	for (i = 0; i < n; i++)
		if (sc->svcs[i].conf)
			prom_u64(&sc->o, "", SVC_LABEL(&sc->svcs[i]), 1, sc->svcs[i].fail_open);
	prom_family(&sc->o, "xlb_table_rebuilds_total", "counter",
		    "Maglev tables built and swapped in for the service since it was added.");
	for (i = 0; i < n; i++)
		if (sc->svcs[i].has_table)
			prom_u64(&sc->o, "", SVC_LABEL(&sc->svcs[i]), 1, sc->svcs[i].ti.rebuilds);
	prom_family(&sc->o, "xlb_table_rebuild_duration_seconds", "histogram",
		    "Time to build a Maglev table and swap it into the data path.");
	for (i = 0; i < n; i++)
		if (sc->svcs[i].has_table)
			prom_histogram(&sc->o, SVC_LABEL(&sc->svcs[i]), 1,
				       sc->svcs[i].ti.rebuild_seconds);
	prom_family(&sc->o, "xlb_table_fingerprint_info", "gauge",
		    "Fingerprint of the service's table in the data path (equal on every node "
		    "with the same configuration and seed); value always 1.");
	for (i = 0; i < n; i++) {
		if (!sc->svcs[i].has_table)
			continue;
		snprintf(fp, sizeof(fp), "%016llx", (unsigned long long)sc->svcs[i].ti.fingerprint);
		prom_u64(&sc->o, "",
			 (const struct prom_label[]){ { "service", sc->svcs[i].name },
						      { "fingerprint", fp } },
			 2, 1);
	}
}

/* ---- l2 backends ---- */

static void collect_l2(struct scrape *sc)
{
	size_t known, unresolved;

	l2mac_counts(&known, &unresolved);
	prom_family(&sc->o, "xlb_l2_backends", "gauge",
		    "Addresses of encap l2 backends, by whether the neighbour table resolved their "
		    "MAC; unresolved ones are out of their tables.");
	prom_u64(&sc->o, "", (const struct prom_label[]){ { "mac", "resolved" } }, 1,
		 known - unresolved);
	prom_u64(&sc->o, "", (const struct prom_label[]){ { "mac", "unresolved" } }, 1, unresolved);
}

/* ---- route health injection ---- */

/* One sample per distinct VIP of the configuration (a VIP's services share its route). */
static void collect_announce(struct scrape *sc)
{
	const struct xlb_conf *c = sc->conf;
	char vip[64];

	prom_family(&sc->o, "xlb_vip_announced", "gauge",
		    "1 while this node's route for the VIP is in announce.table (a routing daemon "
		    "exports it), 0 otherwise (docs/scale-out.md).");
	for (size_t i = 0; i < c->n_services; i++) {
		const struct xlb_addr *a = &c->services[i].ref.vip;
		bool first = true;

		for (size_t j = 0; j < i && first; j++)
			first = c->services[j].ref.vip.family != a->family ||
				memcmp(c->services[j].ref.vip.addr, a->addr, sizeof(a->addr));
		if (!first)
			continue;
		xlb_addr_format(a, vip, sizeof(vip));
		prom_u64(&sc->o, "", (const struct prom_label[]){ { "vip", vip } }, 1,
			 announce_vip_announced(a));
	}
}

/* ---- the daemon and the process ---- */

static void collect_daemon(struct scrape *sc)
{
	const struct xlbd *x = D;
	char abi[12];

	snprintf(abi, sizeof(abi), "%d", XLB_ABI_VERSION);
	prom_family(&sc->o, "xlb_config_reloads_total", "counter",
		    "Reloads of the configuration file (SIGHUP, lbctl daemon reload) by result.");
	prom_u64(&sc->o, "", (const struct prom_label[]){ { "result", "applied" } }, 1,
		 x->reloads[0]);
	prom_u64(&sc->o, "", (const struct prom_label[]){ { "result", "refused" } }, 1,
		 x->reloads[1]);
	prom_family(&sc->o, "xlb_build_info", "gauge",
		    "xlbd's version, its BPF ABI version and the libbpf it runs with; value 1.");
	prom_u64(&sc->o, "",
		 (const struct prom_label[]){ { "version", XLBD_VERSION },
					      { "abi", abi },
					      { "libbpf", dp_libbpf_version() } },
		 3, 1);
}

/* The standard process_* families, from /proc/self (as Prometheus' client libraries do). */
static void collect_process(struct scrape *sc)
{
	unsigned long utime, stime, vsize;
	unsigned long long start;
	long rss, ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	char buf[1024], *p;
	struct rlimit rl;
	double boot = 0;
	size_t fds = 0;
	FILE *f;
	DIR *d;

	f = fopen("/proc/self/stat", "r");
	if (!f)
		return;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	/* After "pid (comm)": state is field 3; utime 14, stime 15, starttime 22, vsize 23, rss
	 * 24. */
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %*d "
			 "%*d %llu %lu %ld",
			 &utime, &stime, &start, &vsize, &rss) != 5)
		return;
	f = fopen("/proc/stat", "r");
	while (f && fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "btime %lf", &boot) == 1)
			break;
	if (f)
		fclose(f);
	d = opendir("/proc/self/fd");
	for (struct dirent *e; d && (e = readdir(d));)
		fds += e->d_name[0] != '.';
	if (d) {
		closedir(d);
		fds--; /* the directory's own descriptor */
	}
	prom_family(&sc->o, "process_cpu_seconds_total", "counter",
		    "Total user and system CPU time spent in seconds.");
	prom_f64(&sc->o, "", NULL, 0, (double)(utime + stime) / (double)ticks);
	prom_family(&sc->o, "process_resident_memory_bytes", "gauge",
		    "Resident memory size in bytes.");
	prom_u64(&sc->o, "", NULL, 0, (uint64_t)rss * (uint64_t)page);
	prom_family(&sc->o, "process_virtual_memory_bytes", "gauge",
		    "Virtual memory size in bytes.");
	prom_u64(&sc->o, "", NULL, 0, vsize);
	prom_family(&sc->o, "process_start_time_seconds", "gauge",
		    "Start time of the process since unix epoch in seconds.");
	prom_f64(&sc->o, "", NULL, 0, boot + (double)start / (double)ticks);
	prom_family(&sc->o, "process_open_fds", "gauge", "Number of open file descriptors.");
	prom_u64(&sc->o, "", NULL, 0, fds);
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		prom_family(&sc->o, "process_max_fds", "gauge",
			    "Maximum number of open file descriptors.");
		prom_u64(&sc->o, "", NULL, 0, rl.rlim_cur);
	}
}

/* The whole exposition; NULL when out of memory. *len receives its length. */
static char *scrape(size_t *len)
{
	struct scrape *sc = calloc(1, sizeof(*sc));
	char *text = NULL;

	if (!sc)
		return NULL;
	sc->o.f = gather(sc) ? NULL : open_memstream(&text, len);
	if (!sc->o.f) {
		counters_free(&sc->cnt);
		free(sc->svcs);
		free(sc->bes);
		free(sc);
		return NULL;
	}
	collect_services(sc);
	collect_backends(sc);
	collect_verdicts(sc);
	collect_conntrack(sc);
	collect_map_memory(sc);
	collect_health(sc);
	collect_tables(sc);
	collect_l2(sc);
	collect_announce(sc);
	collect_daemon(sc);
	collect_process(sc);
	if (fclose(sc->o.f)) {
		free(text);
		text = NULL;
	}
	counters_free(&sc->cnt);
	free(sc->svcs);
	free(sc->bes);
	free(sc);
	return text;
}

/* ---- HTTP ---- */

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type,
			       char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	if (status == 405)
		MHD_add_response_header(r, "Allow", "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	static char index_page[] = "<html><head><title>xlbd</title></head><body><h1>xlbd</h1>"
				   "<p><a href=\"/metrics\">Metrics</a></p></body></html>\n";
	static char not_found[] = "not found: xlbd serves /metrics\n";
	static char bad_method[] = "method not allowed: GET or HEAD only\n";
	static char no_body[] = "request body not accepted: GET or HEAD without one\n";
	bool is_metrics = !strcmp(url, "/metrics"), is_index = !strcmp(url, "/");
	char *text;
	size_t len;

	(void)cls;
	(void)version;
	(void)upload;
	/* The first call only announces a request. A wrong path or method is answered at once;
	 * GET and HEAD carry no body: one is answered at its first byte. An answer given before
	 * the body is read makes libmicrohttpd close the connection instead of reading on. */
	if (!*con_cls) {
		*con_cls = c;
		return MHD_YES;
	}
	if (!is_metrics && !is_index) {
		*upload_size = 0;
		return respond(c, 404, "text/plain; charset=utf-8", not_found,
			       sizeof(not_found) - 1, MHD_RESPMEM_PERSISTENT);
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		*upload_size = 0;
		return respond(c, 405, "text/plain; charset=utf-8", bad_method,
			       sizeof(bad_method) - 1, MHD_RESPMEM_PERSISTENT);
	}
	if (*upload_size) {
		*upload_size = 0;
		return respond(c, 413, "text/plain; charset=utf-8", no_body, sizeof(no_body) - 1,
			       MHD_RESPMEM_PERSISTENT);
	}
	if (is_index)
		return respond(c, 200, "text/html; charset=utf-8", index_page,
			       sizeof(index_page) - 1, MHD_RESPMEM_PERSISTENT);
	text = scrape(&len);
	if (!text)
		return MHD_NO;
	return respond(c, 200, PROM_CONTENT_TYPE, text, len, MHD_RESPMEM_MUST_FREE);
}

/* ---- the listening socket and configuration changes ---- */

static bool same_endpoint(const struct xlb_conf_metrics *a, const struct xlb_conf_metrics *b)
{
	return a->enabled == b->enabled &&
	       (!a->enabled || (a->port == b->port && a->addr.family == b->addr.family &&
				!memcmp(a->addr.addr, b->addr.addr, sizeof(a->addr.addr))));
}

void metrics_init(const struct xlbd *x)
{
	D = x;
	M.loop = x->loop;
}

int metrics_prepare(const struct xlb_conf_metrics *m, int *fd, char *err, size_t errlen)
{
	struct sockaddr_storage ss = { 0 };
	char ep[64];
	socklen_t len;
	int one = 1, s;

	*fd = -1;
	if (!m->enabled || same_endpoint(m, &M.on))
		return 0;
	xlb_endpoint_format(&m->addr, m->port, ep, sizeof(ep));
	if (m->addr.family == XLB_AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(m->port);
		memcpy(&a->sin_addr, m->addr.addr, 4);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(m->port);
		memcpy(&a->sin6_addr, m->addr.addr, 16);
		len = sizeof(*a);
	}
	s = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0) {
		snprintf(err, errlen, "metrics.listen: cannot listen on %s: %s", ep,
			 strerror(errno));
		return -errno;
	}
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&ss, len) || listen(s, HTTPD_BACKLOG)) {
		int e = errno;

		snprintf(err, errlen, "metrics.listen: cannot listen on %s: %s", ep, strerror(e));
		close(s);
		return -e;
	}
	*fd = s;
	return 0;
}

int metrics_commit(const struct xlb_conf_metrics *m, int fd)
{
	static const struct httpd_limits lim = {
		.max_conns = METRICS_MAX_CONNECTIONS,
		.timeout_s = METRICS_CONN_TIMEOUT_S,
		.conn_memory = METRICS_CONN_MEMORY,
	};
	char ep[64];
	int ret;

	if (fd < 0 && same_endpoint(m, &M.on))
		return 0;
	httpd_stop(M.httpd);
	M.httpd = NULL;
	M.on.enabled = false;
	if (!m->enabled) {
		xlog_info("metrics: not served (metrics.listen: off)");
		return 0;
	}
	xlb_endpoint_format(&m->addr, m->port, ep, sizeof(ep));
	ret = httpd_start(&M.httpd, M.loop, fd, &lim, handle, NULL, NULL);
	if (ret) {
		xlog_err("metrics: cannot serve on %s: %s", ep, strerror(-ret));
		return ret;
	}
	M.on = *m;
	xlog_info("metrics: serving http://%s/metrics", ep);
	return 0;
}

void metrics_abort(int fd)
{
	if (fd >= 0)
		close(fd);
}

void metrics_stop(void)
{
	httpd_stop(M.httpd);
	M.httpd = NULL;
	M.on.enabled = false;
}
