// SPDX-License-Identifier: GPL-2.0
/* conns.c - lbctl conns: the connection table. count asks xlbd (GET /v1/conns); list maps the
 * pinned xlb_conns (every CPU's part) and decodes each entry with its backend and that
 * backend's service; flush empties entries in it (the data path's own map, which xlbd never
 * writes) by their generation word. A flushed flow is not cut: its next packet takes the
 * Maglev slot of its hash again and writes a new entry, so it moves only when its slot now
 * names another backend (after table changes). An entry has no service of its own: it is the
 * service of its backend, unknown ("(gone)") once the backend's id was reassigned. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "bpfmaps.h"
#include "lbctl.h"
#include "xlb_conn.h"

#define LIST_DEFAULT_LIMIT 100

static const char *const conns_defs[] = { DEF_SERVICE, NULL };

static void print_count(const json_t *j)
{
	char e[32], c[32], p[32];
	json_int_t cap = jint(j, "capacity");

	printf("%s of %s entries in use (%.1f%%); %s entries per CPU on %lld CPUs\n",
	       fmt_count((uint64_t)jint(j, "entries"), e, 32), fmt_count((uint64_t)cap, c, 32),
	       cap ? 100.0 * (double)jint(j, "entries") / (double)cap : 0.0,
	       fmt_count((uint64_t)jint(j, "capacity_per_cpu"), p, 32), (long long)jint(j, "cpus"));
}

static int do_count(int argc, char **argv)
{
	json_t *j;

	(void)argv;
	if (want_args(argc, 0, 0))
		return LBCTL_USAGE;
	if (api_call("GET", "/v1/conns", NULL, 0, &j))
		return LBCTL_FAIL;
	return emit(j, print_count);
}

/* The service id of SERVICE in the data path: 0 with *id set, or reports and LBCTL_FAIL. */
static int service_id(const char *text, __u32 *id)
{
	struct xlb_service_ref ref;
	struct xlb_svc svc;
	int ret;

	if (arg_service(text, &ref))
		return LBCTL_FAIL;
	ret = pinned_service(&ref, &svc);
	if (ret < 0)
		return LBCTL_FAIL;
	if (ret)
		return fail("no such service in the data path: %s", text);
	*id = svc.id;
	return 0;
}

/* SERVICE and --limit N in any order; the service is looked up once every argument is read. */
static int parse_filter(int argc, char **argv, bool limit_ok, __u32 *svc_id, bool *one,
			__u32 *limit)
{
	const char *svc = NULL;
	bool have_limit = false;

	for (int i = 0; i < argc; i++) {
		if (limit_ok && is_word(argv[i], "--limit")) {
			if (have_limit)
				return usage("--limit given twice");
			if (i + 1 >= argc)
				return usage("--limit needs a value");
			if (arg_u32("--limit", argv[++i], 0, UINT32_MAX, limit))
				return LBCTL_FAIL;
			have_limit = true;
		} else if (!svc && argv[i][0] != '-') {
			svc = argv[i];
		} else {
			return usage("unexpected argument '%s'; usage: lbctl conns %s %s", argv[i],
				     opts.cmd->name, opts.cmd->args);
		}
	}
	*one = svc != NULL;
	return svc ? service_id(svc, svc_id) : 0;
}

static void print_list(const json_t *j)
{
	struct table *t;
	size_t i;

	if (!json_array_size(json_object_get(j, "conns"))) {
		printf("no connection entries\n");
		return;
	}
	t = table_new(7, "CLIENT", "SERVICE", ">DPORT", "BACKEND", ">ID", ">CPU", "STATE");

	for (i = 0; i < jlen(j, "conns"); i++) {
		char dport[8], id[16], cpu[16];
		const json_t *c = jat(j, "conns", i);
		const char *svc = jstr(c, "service"), *be = jstr(c, "backend");

		snprintf(dport, sizeof(dport), "%lld", (long long)jint(c, "dport"));
		snprintf(id, sizeof(id), "%lld", (long long)jint(c, "backend_id"));
		snprintf(cpu, sizeof(cpu), "%lld", (long long)jint(c, "cpu"));
		table_row(t, jstr(c, "client"), *svc ? svc : "(gone)", dport, *be ? be : "?", id,
			  cpu, json_is_true(json_object_get(c, "usable")) ? "ok" : "stale");
	}
	table_print(t);
	if (json_is_true(json_object_get(j, "truncated")))
		printf("(first %zu entries; --limit N for more, 0 for all)\n",
		       json_array_size(json_object_get(j, "conns")));
}

/* The backend entry c names, when it is still the one c chose (same generation): 0 with *be
 * set, else -1 (id out of range, or reassigned since). */
static int conn_backend(int bfd, const struct xlb_conn *c, struct xlb_backend *be)
{
	if (bpf_map_lookup_elem(bfd, &c->backend_id, be) || be->generation != c->generation)
		return -1;
	return 0;
}

/* The tick now, as the data path reads it (bpf_ktime_get_coarse_ns()). */
static __u32 tick_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return xlb_conn_tick((__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec);
}

static int do_list(int argc, char **argv)
{
	static struct xlb_service_ref refs[XLB_MAX_SERVICES];
	struct bm_conns t = { 0 };
	__u32 svc_id = 0, limit = LIST_DEFAULT_LIMIT, n = 0, now = tick_now();
	bool one, truncated = false;
	int bfd, ret;
	json_t *arr = json_array();

	ret = parse_filter(argc, argv, true, &svc_id, &one, &limit);
	if (ret)
		goto err;
	ret = LBCTL_FAIL;
	bfd = pinned_map("xlb_backends");
	if (bfd < 0 || pinned_service_refs(refs) || pinned_conns(&t))
		goto err;
	for (__u32 i = 0; i < t.parts * t.buckets && !truncated; i++) {
		for (int w = 0; w < XLB_CONN_WAYS; w++) {
			char client[80], svc[XLB_SERVICE_STRLEN], a[64];
			/* A copy: the data path may rewrite the entry while it is decoded. */
			struct xlb_conn c = t.b[i].e[w];
			struct xlb_addr ca = { .family = XLB_AF_INET };
			const struct xlb_service_ref *r = NULL;
			struct xlb_backend be;
			bool have_be;

			if (!c.generation)
				continue;
			have_be = !conn_backend(bfd, &c, &be);
			if (one && (!have_be || be.svc_id != svc_id))
				continue;
			if (limit && n == limit) {
				truncated = true;
				break;
			}
			if (have_be && be.svc_id < XLB_MAX_SERVICES && refs[be.svc_id].vip.family)
				r = &refs[be.svc_id];
			ca.family = r				       ? r->vip.family
				    : (c.src[1] | c.src[2] | c.src[3]) ? XLB_AF_INET6
								       : XLB_AF_INET;
			memcpy(ca.addr, c.src, sizeof(ca.addr));
			json_array_append_new(
				arr,
				json_pack("{s:s,s:o,s:o,s:I,s:o,s:I,s:I,s:b,s:I,s:b,s:I}", "client",
					  endpoint_text(&ca, ntohs(c.sport), client,
							sizeof(client)),
					  "service",
					  r ? json_string(svc_text(r, svc, sizeof(svc)))
					    : json_null(),
					  "svc_id", have_be ? json_integer(be.svc_id) : json_null(),
					  "dport", (json_int_t)ntohs(c.dport), "backend",
					  have_be ? json_string(raw_addr_text(be.addr, be.family, a,
									      sizeof(a)))
						  : json_null(),
					  "backend_id", (json_int_t)c.backend_id, "generation",
					  (json_int_t)c.generation, "usable",
					  have_be && be.state != XLB_BE_DOWN, "cpu",
					  (json_int_t)(i / t.buckets), "confirmed",
					  !!(c.tick & XLB_CONN_CONFIRMED), "idle_ticks",
					  (json_int_t)xlb_conn_age(&c, now)));
			n++;
		}
	}
	bm_conns_unmap(&t);
	return emit(json_pack("{s:o,s:b}", "conns", arr, "truncated", truncated), print_list);
err:
	bm_conns_unmap(&t);
	json_decref(arr);
	return ret;
}

static void print_flush(const json_t *j)
{
	char n[32];

	printf("%s connection entries deleted\n", fmt_count((uint64_t)jint(j, "deleted"), n, 32));
}

/* bm_conns_flush()'s choice for `conns flush SERVICE`: entries whose backend is still theirs
 * and belongs to the service. */
struct flush_filter {
	int bfd;
	__u32 svc_id;
};

static bool flush_wants(const struct xlb_conn *c, void *ctx)
{
	const struct flush_filter *f = ctx;
	struct xlb_backend be;

	return !conn_backend(f->bfd, c, &be) && be.svc_id == f->svc_id;
}

static int do_flush(int argc, char **argv)
{
	struct bm_conns t = { 0 };
	struct flush_filter f = { 0 };
	__u32 limit = 0;
	__u64 deleted = 0;
	int cfd, ret;
	bool one;

	ret = parse_filter(argc, argv, false, &f.svc_id, &one, &limit);
	if (ret)
		return ret;
	ret = LBCTL_FAIL;
	cfd = pinned_map("xlb_conns_count");
	f.bfd = pinned_map("xlb_backends");
	if (cfd < 0 || f.bfd < 0 || pinned_conns(&t))
		goto out;
	/* Entries the data path writes meanwhile may or may not be seen. */
	ret = bm_conns_flush(&t, cfd, one ? flush_wants : NULL, &f, &deleted);
	if (ret) {
		ret = fail("cannot count the flushed entries in %s/xlb_conns_count: %s",
			   opts.pin_dir, strerror(-ret));
		goto out;
	}
	ret = emit(json_pack("{s:I}", "deleted", (json_int_t)deleted), print_flush);
out:
	bm_conns_unmap(&t);
	return ret;
}

static const struct lbctl_cmd cmds[] = {
	{ "count", do_count, "", "entries in use, capacity in total and per CPU" },
	{ "list", do_list, "[SERVICE] [--limit N]",
	  "entries: client, backend, still usable (N: 100, 0 all)" },
	{ "flush", do_flush, "[SERVICE]", "delete entries (flows move only if their slot did)" },
	{ NULL },
};

const struct lbctl_object obj_conns = {
	.name = "conns",
	.help = "the connection table",
	.cmds = cmds,
	.dflt = "count",
	.defs = conns_defs,
};
