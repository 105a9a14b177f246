// SPDX-License-Identifier: GPL-2.0
/* map.c - lbctl map: the maps xlbd pinned, read-only and without the daemon. list shows what is
 * pinned (type, sizes, entries in use), with the table pool of the xlbd running over the pin
 * directory when it answers; dump NAME decodes one map with the ABI structs of
 * include/xlb_abi.h (never raw hex): per-CPU counters are summed over CPUs, unused backend ids
 * and zero counters are left out, the connection and fragment tables are cut at --limit. */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfmaps.h"
#include "lbctl.h"
#include "xlb_reasons.h"

#define DUMP_DEFAULT_LIMIT 100

static const char *const reason_names[] = {
#define XLB_REASON_NAME(id, name, action, help) name,
	XLB_REASONS(XLB_REASON_NAME)
#undef XLB_REASON_NAME
};

static const char *const be_states[] = { "down", "up", "drain" };

/* Human output of any dump: a table whose columns are the keys of the entries. */
static void print_entries(const json_t *j)
{
	const json_t *arr = json_object_get(j, "entries"), *first = json_array_get(arr, 0), *e, *v;
	const char *key, *head[12];
	char headers[12][32];
	struct table *t;
	size_t i, n = 0;

	if (!first) {
		printf("%s: no entries\n", jstr(j, "map"));
		return;
	}
	if (json_array_size(arr) == 1 && !strcmp(jstr(j, "map"), "xlb_config")) {
		for (void *it = json_object_iter((json_t *)first); it;
		     it = json_object_iter_next((json_t *)first, it)) {
			char *s;

			key = json_object_iter_key(it);
			v = json_object_iter_value(it);
			s = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY);
			printf("%-16s %s\n", key, s ? s : json_string_value(v));
			free(s);
		}
		return;
	}
	for (void *it = json_object_iter((json_t *)first); it;
	     it = json_object_iter_next((json_t *)first, it)) {
		size_t k;

		key = json_object_iter_key(it);
		v = json_object_iter_value(it);
		if (n == 12)
			break;
		headers[n][0] = json_is_integer(v) ? '>' : ' ';
		for (k = 0; key[k] && k < 30; k++)
			headers[n][k + 1] = (char)toupper((unsigned char)key[k]);
		headers[n][k + 1] = '\0';
		head[n] = headers[n][0] == '>' ? headers[n] : headers[n] + 1;
		n++;
	}
	/* table_new() is variadic over the header strings: pad with unused ones. */
	t = table_new((int)n, head[0], n > 1 ? head[1] : "", n > 2 ? head[2] : "",
		      n > 3 ? head[3] : "", n > 4 ? head[4] : "", n > 5 ? head[5] : "",
		      n > 6 ? head[6] : "", n > 7 ? head[7] : "", n > 8 ? head[8] : "",
		      n > 9 ? head[9] : "", n > 10 ? head[10] : "", n > 11 ? head[11] : "");
	for (i = 0; i < json_array_size(arr); i++) {
		char cell[12][64];
		size_t c = 0;

		e = json_array_get(arr, i);
		for (void *it = json_object_iter((json_t *)e); it;
		     it = json_object_iter_next((json_t *)e, it)) {
			key = json_object_iter_key(it);
			v = json_object_iter_value(it);
			if (c == n)
				break;
			if (json_is_string(v))
				snprintf(cell[c], 64, "%s", json_string_value(v));
			else if (json_is_integer(v))
				snprintf(cell[c], 64, "%lld", (long long)json_integer_value(v));
			else if (json_is_boolean(v))
				snprintf(cell[c], 64, "%s", json_is_true(v) ? "yes" : "no");
			else
				snprintf(cell[c], 64, "-");
			c++;
		}
		while (c < 12)
			cell[c++][0] = '\0';
		table_row(t, cell[0], cell[1], cell[2], cell[3], cell[4], cell[5], cell[6], cell[7],
			  cell[8], cell[9], cell[10], cell[11]);
	}
	table_print(t);
	if (json_is_true(json_object_get(j, "truncated")))
		printf("(first %zu entries; --limit N for more, 0 for all)\n",
		       json_array_size(arr));
}

/* ---- decoders: each appends the decoded entries of one map to arr ---- */

struct dump_ctx {
	int fd;
	__u32 limit;
	bool truncated;
	json_t *arr;
};

static int dump_config(struct dump_ctx *d)
{
	struct xlb_config c;
	char s4[64], s6[64], mac[18];

	if (pinned_config(&c))
		return LBCTL_FAIL;
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", c.gw_mac[0], c.gw_mac[1],
		 c.gw_mac[2], c.gw_mac[3], c.gw_mac[4], c.gw_mac[5]);
	json_array_append_new(
		d->arr,
		json_pack("{s:I,s:I,s:b,s:b,s:I,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			  "abi_version", (json_int_t)c.abi_version, "flags", (json_int_t)c.flags,
			  "wildcard_ports", !!(c.flags & XLB_CFG_F_WILDCARD), "cpu_local",
			  !!(c.flags & XLB_CFG_F_CPU_LOCAL), "hash_seed", (json_int_t)c.hash_seed,
			  "src_v4", raw_addr_text(&c.src_v4, XLB_AF_INET, s4, sizeof(s4)), "src_v6",
			  raw_addr_text(c.src_v6, XLB_AF_INET6, s6, sizeof(s6)), "gw_mac", mac,
			  "rss_bits_v4", (json_int_t)c.rss_bits_v4, "rss_bits_v6",
			  (json_int_t)c.rss_bits_v6, "mtu", (json_int_t)c.mtu, "udp_idle_ticks",
			  (json_int_t)c.udp_idle_ticks, "gue_port", (json_int_t)ntohs(c.gue_port),
			  "conn_buckets", (json_int_t)c.conn_buckets, "conn_parts",
			  (json_int_t)c.conn_parts));
	return 0;
}

static int dump_services(struct dump_ctx *d)
{
	struct xlb_svc_key k, next;
	struct xlb_svc v;
	void *prev = NULL;

	while (!bpf_map_get_next_key(d->fd, prev, &next)) {
		struct xlb_service_ref ref = { .port = ntohs(next.port), .proto = next.proto };
		char t[XLB_SERVICE_STRLEN];

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(d->fd, &k, &v))
			continue;
		ref.vip.family = k.family;
		memcpy(ref.vip.addr, k.addr, sizeof(k.addr));
		json_array_append_new(d->arr, json_pack("{s:s,s:I,s:I,s:I}", "service",
							svc_text(&ref, t, sizeof(t)), "id",
							(json_int_t)v.id, "table_size",
							(json_int_t)v.table_size, "flags",
							(json_int_t)v.flags));
	}
	return 0;
}

static int dump_vips(struct dump_ctx *d)
{
	struct xlb_vip_key k, next;
	struct xlb_vip v;
	void *prev = NULL;
	char a[64];

	while (!bpf_map_get_next_key(d->fd, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(d->fd, &k, &v))
			continue;
		json_array_append_new(d->arr,
				      json_pack("{s:s,s:I,s:b}", "vip",
						raw_addr_text(k.addr, k.family, a, sizeof(a)),
						"flags", (json_int_t)v.flags, "icmp_echo",
						!!(v.flags & XLB_VIP_F_ECHO)));
	}
	return 0;
}

/* Each table in xlb_tables: its inner map, its chunks (the inner map's entries) and the
 * service's M from xlb_services (0 when no service entry names that id). */
static int dump_tables(struct dump_ctx *d)
{
	static __u32 size_of[XLB_MAX_SERVICES];
	int svc_fd = pinned_map("xlb_services");
	struct xlb_svc_key k, next;
	void *prev = NULL;

	if (svc_fd < 0)
		return LBCTL_FAIL;
	memset(size_of, 0, sizeof(size_of));
	while (!bpf_map_get_next_key(svc_fd, prev, &next)) {
		struct xlb_svc v;

		k = next;
		prev = &k;
		if (!bpf_map_lookup_elem(svc_fd, &k, &v) && v.id < XLB_MAX_SERVICES)
			size_of[v.id] = v.table_size;
	}
	for (__u32 id = 0; id < XLB_MAX_SERVICES; id++) {
		struct bpf_map_info info = { 0 };
		__u32 inner, len = sizeof(info);
		int fd;

		if (bpf_map_lookup_elem(d->fd, &id, &inner))
			continue;
		fd = bpf_map_get_fd_by_id(inner);
		if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len))
			info.max_entries = 0;
		if (fd >= 0)
			close(fd);
		json_array_append_new(d->arr,
				      json_pack("{s:I,s:I,s:I,s:I}", "svc_id", (json_int_t)id,
						"inner_map_id", (json_int_t)inner, "table_size",
						(json_int_t)size_of[id], "chunks",
						(json_int_t)info.max_entries));
	}
	return 0;
}

static int dump_backends(struct dump_ctx *d)
{
	for (__u32 id = 1; id < XLB_MAX_BACKENDS; id++) {
		struct xlb_backend b;
		char a[64], mac[18];

		/* Free ids: never used (generation 0) or released (no service). */
		if (bpf_map_lookup_elem(d->fd, &id, &b) || !b.generation ||
		    b.svc_id >= XLB_MAX_SERVICES)
			continue;
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", b.mac[0], b.mac[1],
			 b.mac[2], b.mac[3], b.mac[4], b.mac[5]);
		json_array_append_new(
			d->arr,
			json_pack("{s:I,s:s,s:I,s:I,s:s,s:I,s:s,s:s}", "id", (json_int_t)id,
				  "address", raw_addr_text(b.addr, b.family, a, sizeof(a)),
				  "svc_id", (json_int_t)b.svc_id, "generation",
				  (json_int_t)b.generation, "state",
				  b.state < 3 ? be_states[b.state] : "?", "weight",
				  (json_int_t)b.weight, "encap", encap_text(b.encap), "mac", mac));
	}
	return 0;
}

static int dump_conns(struct dump_ctx *d)
{
	struct bm_conns t;
	__u32 n = 0;
	int ret = bm_conns_map(d->fd, &t);

	if (ret)
		return fail("cannot map %s/xlb_conns: %s", opts.pin_dir, strerror(-ret));
	for (__u32 i = 0; i < t.parts * t.buckets && !d->truncated; i++)
		for (int w = 0; w < XLB_CONN_WAYS; w++) {
			struct xlb_conn c = t.b[i].e[w]; /* a copy: the data path writes it */
			char a[64];

			if (!c.generation)
				continue;
			if (d->limit && n++ == d->limit) {
				d->truncated = true;
				break;
			}
			json_array_append_new(
				d->arr, json_pack("{s:I,s:I,s:I,s:s,s:I,s:I,s:I,s:b,s:I,s:I}",
						  "cpu", (json_int_t)(i / t.buckets), "bucket",
						  (json_int_t)(i % t.buckets), "way", (json_int_t)w,
						  "client",
						  raw_addr_text(c.src,
								c.src[1] | c.src[2] | c.src[3]
									? XLB_AF_INET6
									: XLB_AF_INET,
								a, sizeof(a)),
						  "sport", (json_int_t)ntohs(c.sport), "dport",
						  (json_int_t)ntohs(c.dport), "tick",
						  (json_int_t)(c.tick & XLB_CONN_TICK_MASK),
						  "confirmed", !!(c.tick & XLB_CONN_CONFIRMED),
						  "backend_id", (json_int_t)c.backend_id,
						  "generation", (json_int_t)c.generation));
		}
	bm_conns_unmap(&t);
	return 0;
}

static int dump_frags(struct dump_ctx *d)
{
	struct xlb_frag_key k, next;
	struct xlb_frag v;
	void *prev = NULL;
	__u32 n = 0;

	while (!bpf_map_get_next_key(d->fd, prev, &next)) {
		char s[64], t[64];

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(d->fd, &k, &v))
			continue;
		if (d->limit && n++ == d->limit) {
			d->truncated = true;
			break;
		}
		json_array_append_new(
			d->arr, json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "src",
					  raw_addr_text(k.src, k.family, s, sizeof(s)), "dst",
					  raw_addr_text(k.dst, k.family, t, sizeof(t)), "frag_id",
					  (json_int_t)k.id, "proto", (json_int_t)k.proto, "svc_id",
					  (json_int_t)v.svc_id, "backend_id",
					  (json_int_t)v.backend_id, "generation",
					  (json_int_t)v.generation, "hash", (json_int_t)v.hash));
	}
	return 0;
}

/* Per-CPU counter maps: entries with a non-zero sum (every reason, even at zero). */
static int dump_counters(struct dump_ctx *d, __u32 first, __u32 max, const char *key_name, bool all)
{
	for (__u32 i = first; i < max; i++) {
		struct xlb_counter c;
		json_t *o;

		if (pinned_counter(d->fd, i, &c))
			continue;
		if (!all && !c.packets && !c.bytes)
			continue;
		o = all ? json_pack("{s:s}", key_name, reason_names[i])
			: json_pack("{s:I}", key_name, (json_int_t)i);
		json_object_set_new(o, "packets", json_integer((json_int_t)c.packets));
		json_object_set_new(o, "bytes", json_integer((json_int_t)c.bytes));
		json_array_append_new(d->arr, o);
	}
	return 0;
}

static int dump_svc_stats(struct dump_ctx *d)
{
	return dump_counters(d, 0, XLB_MAX_SERVICES, "svc_id", false);
}

static int dump_be_stats(struct dump_ctx *d)
{
	return dump_counters(d, 1, XLB_MAX_BACKENDS, "backend_id", false);
}

static int dump_reasons(struct dump_ctx *d)
{
	return dump_counters(d, 0, XLB_R_MAX, "reason", true);
}

static const struct {
	const char *name;
	int (*dump)(struct dump_ctx *d);
} maps[] = {
	{ "xlb_config", dump_config },	   { "xlb_services", dump_services },
	{ "xlb_vips", dump_vips },	   { "xlb_tables", dump_tables },
	{ "xlb_backends", dump_backends }, { "xlb_conns", dump_conns },
	{ "xlb_frags", dump_frags },	   { "xlb_svc_stats", dump_svc_stats },
	{ "xlb_be_stats", dump_be_stats }, { "xlb_reasons", dump_reasons },
};

#define N_MAPS (sizeof(maps) / sizeof(maps[0]))

/* ---- list ---- */

static json_t *map_entries(int fd, const struct bpf_map_info *info)
{
	char key[64], next[64];
	void *prev = NULL;
	json_int_t n = 0;

	switch (info->type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		if (info->key_size > sizeof(key))
			return json_null();
		while (!bpf_map_get_next_key(fd, prev, next)) {
			memcpy(key, next, info->key_size);
			prev = key;
			n++;
		}
		return json_integer(n);
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
		for (__u32 i = 0; i < info->max_entries; i++) {
			__u32 inner;

			n += !bpf_map_lookup_elem(fd, &i, &inner);
		}
		return json_integer(n);
	default:
		return json_integer(info->max_entries);
	}
}

static void print_list(const json_t *j)
{
	struct table *t = table_new(8, "NAME", ">ID", "TYPE", ">KEY", ">VALUE", ">MAX_ENTRIES",
				    ">ENTRIES", ">MEMORY");
	json_t *m;
	size_t i;
	char total[32];

	for (i = 0; i < jlen(j, "maps"); i++) {
		char id[16], k[16], v[16], mx[32], n[32], mem[32];

		m = jat(j, "maps", i);
		snprintf(id, sizeof(id), "%lld", (long long)jint(m, "id"));
		snprintf(k, sizeof(k), "%lld", (long long)jint(m, "key_size"));
		snprintf(v, sizeof(v), "%lld", (long long)jint(m, "value_size"));
		fmt_count((uint64_t)jint(m, "max_entries"), mx, sizeof(mx));
		if (json_is_integer(json_object_get(m, "entries")))
			fmt_count((uint64_t)jint(m, "entries"), n, sizeof(n));
		else
			snprintf(n, sizeof(n), "-");
		if (json_is_integer(json_object_get(m, "memory")))
			fmt_bytes((double)jint(m, "memory"), mem, sizeof(mem));
		else
			snprintf(mem, sizeof(mem), "-");
		table_row(t, jstr(m, "name"), id, jstr(m, "type"), k, v, mx, n, mem);
	}
	table_print(t);
	m = json_object_get(j, "table_pool");
	if (json_is_object(m))
		printf("\nxlbd's table pool (replaced tables kept for reuse, in no pinned map): "
		       "%lld map%s, %s\n",
		       (long long)jint(m, "maps"), jint(m, "maps") == 1 ? "" : "s",
		       fmt_bytes((double)jint(m, "memory"), total, sizeof(total)));
	else
		printf("\nxlbd's table pool: not known (xlbd of %s not running)\n", jstr(j, "pin_"
											    "dir"));
	printf("memory charged for the maps: %s (xlb_tables with its tables%s)\n",
	       fmt_bytes((double)jint(j, "memory_total"), total, sizeof(total)),
	       json_is_object(m) ? ", and the table pool" : "");
	m = json_object_get(j, "conns");
	if (json_is_object(m)) {
		char cap[32], per[32], bk[32], used[32];

		printf("connection table (xlb_conns): %s entries, %s per CPU on %lld CPUs (%s "
		       "buckets of %d), %s in use\n",
		       fmt_count((uint64_t)jint(m, "capacity"), cap, sizeof(cap)),
		       fmt_count((uint64_t)jint(m, "capacity_per_cpu"), per, sizeof(per)),
		       (long long)jint(m, "cpus"),
		       fmt_count((uint64_t)jint(m, "buckets_per_cpu"), bk, sizeof(bk)),
		       XLB_CONN_WAYS, fmt_count((uint64_t)jint(m, "entries"), used, sizeof(used)));
	}
}

/* Whether the directories a and b are the same one ("/sys/fs/bpf/xlb/" is "/sys/fs/bpf/xlb"). */
static bool same_dir(const char *a, const char *b)
{
	char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
	bool same = ra && rb ? !strcmp(ra, rb) : !strcmp(a, b);

	free(ra);
	free(rb);
	return same;
}

/* The table pool of the xlbd that runs over opts.pin_dir (GET /v1/status), added to *total:
 * {"maps", "memory"}, or null when no such xlbd answers. */
static json_t *table_pool(__u64 *total)
{
	json_t *st, *pool = NULL, *dir;

	if (api_try("/v1/status", &st))
		return json_null();
	dir = json_object_get(st, "pin_dir");
	if (json_is_string(dir) && same_dir(json_string_value(dir), opts.pin_dir))
		pool = json_object_get(st, "table_pool");
	if (json_is_integer(json_object_get(pool, "maps")) &&
	    json_is_integer(json_object_get(pool, "memory"))) {
		*total += (__u64)json_integer_value(json_object_get(pool, "memory"));
		json_incref(pool);
	} else {
		pool = json_null();
	}
	json_decref(st);
	return pool;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The connection table's size per CPU and in total, and its entries in use (xlb_conns and
 * xlb_conns_count under the pin directory), or null when they are not there or not of this
 * ABI's shape. */
static json_t *conns_shape(void)
{
	char path[512];
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int fd, cfd, parts = libbpf_num_possible_cpus();
	__u64 used = 0;
	json_t *j = json_null();

	snprintf(path, sizeof(path), "%s/xlb_conns", opts.pin_dir);
	fd = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/xlb_conns_count", opts.pin_dir);
	cfd = bpf_obj_get(path);
	if (fd >= 0 && cfd >= 0 && parts > 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    info.value_size == sizeof(struct xlb_conn_bucket) && !bm_conns_used(cfd, &used, NULL))
		j = json_pack("{s:I,s:I,s:I,s:I,s:I}", "capacity",
			      (json_int_t)info.max_entries * XLB_CONN_WAYS, "capacity_per_cpu",
			      (json_int_t)(info.max_entries / (__u32)parts) * XLB_CONN_WAYS,
			      "buckets_per_cpu", (json_int_t)(info.max_entries / (__u32)parts),
			      "cpus", (json_int_t)parts, "entries", (json_int_t)used);
	if (fd >= 0)
		close(fd);
	if (cfd >= 0)
		close(cfd);
	return j;
}

static int do_list(int argc, char **argv)
{
	char *names[64], path[512];
	struct dirent *e;
	size_t n = 0;
	__u64 total = 0;
	json_t *arr, *pool;
	DIR *dir;

	(void)argv;
	if (want_args(argc, 0, 0))
		return LBCTL_USAGE;
	dir = opendir(opts.pin_dir);
	if (!dir)
		return fail("cannot read %s: %s%s", opts.pin_dir, strerror(errno),
			    errno == EACCES ? " (root only)" : "");
	while ((e = readdir(dir)) && n < 64)
		if (e->d_type == DT_REG)
			names[n++] = strdup(e->d_name);
	closedir(dir);
	qsort(names, n, sizeof(names[0]), cmp_names);
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		const char *type;
		__u64 mem = 0;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", opts.pin_dir, names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
			if (fd >= 0)
				close(fd);
			free(names[i]);
			continue; /* not a map (a program or link pinned by someone else) */
		}
		type = libbpf_bpf_map_type_str(info.type);
		if (bm_map_memory(fd, &mem)) /* memory: null when the kernel does not say */
			mem = UINT64_MAX;
		else
			total += mem;
		json_array_append_new(
			arr,
			json_pack("{s:s,s:I,s:s,s:I,s:I,s:I,s:o,s:o}", "name", names[i], "id",
				  (json_int_t)info.id, "type", type ? type : "unknown", "key_size",
				  (json_int_t)info.key_size, "value_size",
				  (json_int_t)info.value_size, "max_entries",
				  (json_int_t)info.max_entries, "entries", map_entries(fd, &info),
				  "memory",
				  mem == UINT64_MAX ? json_null() : json_integer((json_int_t)mem)));
		close(fd);
		free(names[i]);
	}
	pool = table_pool(&total);
	return emit(json_pack("{s:o,s:o,s:o,s:I,s:o}", "pin_dir", jtext(opts.pin_dir), "maps", arr,
			      "table_pool", pool, "memory_total", (json_int_t)total, "conns",
			      conns_shape()),
		    print_list);
}

/* ---- dump ---- */

static int do_dump(int argc, char **argv)
{
	const char *names[N_MAPS], *want;
	struct dump_ctx d = { .limit = DUMP_DEFAULT_LIMIT };
	int k, ret;

	if (want_args(argc, 1, 3))
		return LBCTL_USAGE;
	if (argc == 2 && is_word(argv[1], "--limit"))
		return usage("--limit needs a value");
	if (argc > 1 && (argc != 3 || !is_word(argv[1], "--limit")))
		return usage("usage: lbctl map dump %s", opts.cmd->args);
	if (argc == 3 && arg_u32("--limit", argv[2], 0, UINT32_MAX, &d.limit))
		return LBCTL_FAIL;
	/* "conns" and "xlb_conns" both name xlb_conns. */
	for (size_t i = 0; i < N_MAPS; i++)
		names[i] = maps[i].name + strlen("xlb_");
	want = strncmp(argv[0], "xlb_", 4) ? argv[0] : argv[0] + 4;
	k = pick_name(want, names, N_MAPS, "map");
	if (k < 0)
		return LBCTL_USAGE;
	d.fd = pinned_map(maps[k].name);
	if (d.fd < 0)
		return LBCTL_FAIL;
	d.arr = json_array();
	ret = maps[k].dump(&d);
	if (ret) {
		json_decref(d.arr);
		return ret;
	}
	return emit(json_pack("{s:s,s:o,s:b}", "map", maps[k].name, "entries", d.arr, "truncated",
			      d.truncated),
		    print_entries);
}

static const struct lbctl_cmd cmds[] = {
	{ "list", do_list, "", "the pinned maps: type, sizes, entries in use" },
	{ "dump", do_dump, "MAP [--limit N]", "one map decoded (conns and frags: first N, 100)" },
	{ NULL },
};

static const char *const map_defs[] = {
	"MAP     := config | services | vips | tables | backends | conns | frags | svc_stats |",
	"           be_stats | reasons   (the xlb_ prefix is optional)",
	NULL,
};

const struct lbctl_object obj_map = {
	.name = "map",
	.help = "pinned maps, read-only; works without xlbd",
	.cmds = cmds,
	.dflt = "list",
	.defs = map_defs,
};
