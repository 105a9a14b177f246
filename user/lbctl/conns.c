// SPDX-License-Identifier: GPL-2.0
/* conns.c - lbctl conns: the connection table. count asks xlbd (GET /v1/conns); list reads the
 * pinned xlb_conns directly and decodes each entry with its service and backend; flush deletes
 * entries from it (the data path's own map, which xlbd never writes). A flushed flow is not cut:
 * its next packet takes the Maglev slot of its hash again and writes a new entry, so it moves
 * only when its slot now names another backend (after table changes). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "lbctl.h"

#define LIST_DEFAULT_LIMIT 100
#define FLUSH_CHUNK 4096

static const char *const conns_defs[] = { DEF_SERVICE, NULL };

static void print_count(const json_t *j)
{
	char e[32], c[32];
	json_int_t cap = jint(j, "capacity");

	printf("%s of %s entries in use (%.1f%%)\n", fmt_count((uint64_t)jint(j, "entries"), e, 32),
	       fmt_count((uint64_t)cap, c, 32),
	       cap ? 100.0 * (double)jint(j, "entries") / (double)cap : 0.0);
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

/* SERVICE and --limit N in any order. */
static int parse_filter(int argc, char **argv, bool limit_ok, __u32 *svc_id, bool *one,
			__u32 *limit)
{
	*one = false;
	for (int i = 0; i < argc; i++) {
		if (limit_ok && !strcmp(argv[i], "--limit")) {
			if (i + 1 >= argc)
				return usage("--limit needs a value");
			if (arg_u32("--limit", argv[++i], 0, UINT32_MAX, limit))
				return LBCTL_FAIL;
		} else if (!*one && argv[i][0] != '-') {
			if (service_id(argv[i], svc_id))
				return LBCTL_FAIL;
			*one = true;
		} else {
			return usage("unexpected argument '%s'; usage: lbctl conns %s %s", argv[i],
				     opts.cmd->name, opts.cmd->args);
		}
	}
	return 0;
}

static void print_list(const json_t *j)
{
	struct table *t;
	size_t i;

	if (!json_array_size(json_object_get(j, "conns"))) {
		printf("no connection entries\n");
		return;
	}
	t = table_new(6, "CLIENT", "SERVICE", ">DPORT", "BACKEND", ">ID", "STATE");

	for (i = 0; i < jlen(j, "conns"); i++) {
		char dport[8], id[16];
		const json_t *c = jat(j, "conns", i);
		const char *svc = jstr(c, "service"), *be = jstr(c, "backend");

		snprintf(dport, sizeof(dport), "%lld", (long long)jint(c, "dport"));
		snprintf(id, sizeof(id), "%lld", (long long)jint(c, "backend_id"));
		table_row(t, jstr(c, "client"), *svc ? svc : "(gone)", dport, *be ? be : "?", id,
			  json_is_true(json_object_get(c, "usable")) ? "ok" : "stale");
	}
	table_print(t);
	if (json_is_true(json_object_get(j, "truncated")))
		printf("(first %zu entries; --limit N for more, 0 for all)\n",
		       json_array_size(json_object_get(j, "conns")));
}

static int do_list(int argc, char **argv)
{
	static struct xlb_service_ref refs[XLB_MAX_SERVICES];
	struct xlb_conn_key key, next;
	struct xlb_conn v;
	struct xlb_backend be;
	__u32 svc_id = 0, limit = LIST_DEFAULT_LIMIT, n = 0;
	bool one, truncated = false;
	int fd, bfd, ret;
	json_t *arr = json_array();
	void *prev = NULL;

	ret = parse_filter(argc, argv, true, &svc_id, &one, &limit);
	if (ret)
		goto err;
	ret = LBCTL_FAIL;
	fd = pinned_map("xlb_conns");
	bfd = pinned_map("xlb_backends");
	if (fd < 0 || bfd < 0 || pinned_service_refs(refs))
		goto err;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		char client[80], svc[XLB_SERVICE_STRLEN], a[64], hash[16];
		struct xlb_addr ca = { .family = XLB_AF_INET };
		const struct xlb_service_ref *r;
		bool usable, have_be;
		json_t *o;

		key = next;
		prev = &key;
		if ((one && key.svc_id != svc_id) || bpf_map_lookup_elem(fd, &key, &v))
			continue;
		if (limit && n == limit) {
			truncated = true;
			break;
		}
		r = key.svc_id < XLB_MAX_SERVICES && refs[key.svc_id].vip.family ? &refs[key.svc_id]
										 : NULL;
		ca.family = r					     ? r->vip.family
			    : (key.src[1] | key.src[2] | key.src[3]) ? XLB_AF_INET6
								     : XLB_AF_INET;
		memcpy(ca.addr, key.src, sizeof(ca.addr));
		have_be = !bpf_map_lookup_elem(bfd, &v.backend_id, &be);
		usable = have_be && be.generation == v.generation && be.svc_id == key.svc_id &&
			 be.state != XLB_BE_DOWN;
		snprintf(hash, sizeof(hash), "0x%08x", v.hash);
		o = json_pack("{s:s,s:o,s:i,s:i,s:o,s:i,s:i,s:b,s:s,s:I}", "client",
			      endpoint_text(&ca, ntohs(key.sport), client, sizeof(client)),
			      "service",
			      r ? json_string(svc_text(r, svc, sizeof(svc))) : json_null(),
			      "svc_id", (json_int_t)key.svc_id, "dport",
			      (json_int_t)ntohs(key.dport), "backend",
			      have_be && be.generation
				      ? json_string(raw_addr_text(be.addr, be.family, a, sizeof(a)))
				      : json_null(),
			      "backend_id", (json_int_t)v.backend_id, "generation",
			      (json_int_t)v.generation, "usable", usable, "hash", hash, "last_seen",
			      (json_int_t)v.last_seen);
		json_array_append_new(arr, o);
		n++;
	}
	return emit(json_pack("{s:o,s:b}", "conns", arr, "truncated", truncated), print_list);
err:
	json_decref(arr);
	return ret;
}

static void print_flush(const json_t *j)
{
	char n[32];

	printf("%s connection entries deleted\n", fmt_count((uint64_t)jint(j, "deleted"), n, 32));
}

static int do_flush(int argc, char **argv)
{
	struct xlb_conn_key *keys = calloc(FLUSH_CHUNK, sizeof(*keys)), key, next;
	__u32 svc_id = 0, limit = 0;
	__u64 deleted = 0;
	bool one;
	int fd, ret;

	if (!keys)
		return fail("out of memory");
	ret = parse_filter(argc, argv, false, &svc_id, &one, &limit);
	if (ret)
		goto out;
	ret = LBCTL_FAIL;
	fd = pinned_map("xlb_conns");
	if (fd < 0)
		goto out;
	/* Collect a chunk of keys, then delete them: deleting while walking would restart the
	 * walk. Entries the data path adds meanwhile may or may not be seen. */
	for (;;) {
		size_t n = 0, gone = 0;
		void *prev = NULL;

		while (n < FLUSH_CHUNK && !bpf_map_get_next_key(fd, prev, &next)) {
			key = next;
			prev = &key;
			if (!one || key.svc_id == svc_id)
				keys[n++] = key;
		}
		for (size_t i = 0; i < n; i++)
			if (!bpf_map_delete_elem(fd, &keys[i]))
				gone++;
		deleted += gone;
		if (n < FLUSH_CHUNK || !gone)
			break;
	}
	ret = emit(json_pack("{s:I}", "deleted", (json_int_t)deleted), print_flush);
out:
	free(keys);
	return ret;
}

static const struct lbctl_cmd cmds[] = {
	{ "count", do_count, "", "entries in the connection table and its capacity" },
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
