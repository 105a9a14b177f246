// SPDX-License-Identifier: GPL-2.0
/* test_state.c - xlbd's reconciliation (user/xlbd/state.c) against real pinned maps, in a
 * private network namespace with a veth pair: exact map contents after an apply, nothing
 * rewritten when nothing changed, backend ids, generations and states across removals, drains
 * and re-adds, table-size changes, service removal, refusals (invalid, over capacity) that
 * change nothing, adoption by a second state over the same pins, tables of chunks read back
 * slot for slot, the pool that reuses replaced tables (never one in xlb_tables, bounded), and
 * commits: tables swapped in together in each service's order, a failed swap stopping one.
 * Needs root. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "config.h"
#include "dataplane.h"
#include "log.h"
#include "maglev.h"
#include "state.h"
#include "announce.h"
#include "xt.h"

static char pin[64];
static struct dp *dp;
static struct xlbd_state *st;
/* The health view the cases give state_apply(): RT.healthy is NULL (all healthy) unless a case
 * sets it to sick_is_down, which reports the addresses listed in sick[] as failing. */
static struct xlbd_runtime RT = { .hash_seed = 7, .gw_mac = { 2, 0, 0, 0, 0, 0xfe } };
static const char *sick[4];
static char err[XLB_CONF_ERR_MAX];

/* The configuration of most cases: %s are the backend lines of service "web". */
static const char *BASE = "interfaces: [xst0]\n"
			  "tunnel_source: 192.0.2.1\n"
			  "tunnel_source_v6: 2001:db8:ff::1\n"
			  "gateway: 02:00:00:00:00:fe\n"
			  "hash_seed: 7\n"
			  "services:\n"
			  "  - name: web\n"
			  "    vip: 10.0.0.10\n"
			  "    port: 80\n"
			  "    proto: tcp\n"
			  "    table_size: %u\n"
			  "    backends:\n%s"
			  "  - name: dns\n"
			  "    vip: 2001:db8::53\n"
			  "    port: 53\n"
			  "    proto: udp\n"
			  "    table_size: 307\n"
			  "    backends:\n"
			  "      - { address: 2001:db8:1::1 }\n";

static int apply_text(const char *text)
{
	struct xlb_conf c;
	int ret = xlb_conf_parse(text, strlen(text), "test", &c, err, sizeof(err));

	if (ret)
		return ret;
	ret = state_apply(st, &c, "test", &RT, err, sizeof(err));
	xlb_conf_free(&c);
	return ret;
}

static int apply_web(unsigned m, const char *backends)
{
	char *text;
	int ret;

	if (asprintf(&text, BASE, m, backends) < 0)
		return -ENOMEM;
	ret = apply_text(text);
	free(text);
	return ret;
}

struct svc_find {
	__u16 port;
	struct xlb_svc svc;
	int found;
};

static int find_port(const struct xlb_svc_key *k, const struct xlb_svc *v, void *ctx)
{
	struct svc_find *f = ctx;

	if (ntohs(k->port) == f->port) {
		f->svc = *v;
		f->found++;
	}
	return 0;
}

static int count_svc(const struct xlb_svc_key *k, const struct xlb_svc *v, void *ctx)
{
	(void)k;
	(void)v;
	++*(int *)ctx;
	return 0;
}

/* The service entry of port (80: web, 53: dns). */
static struct xlb_svc svc_of(__u16 port)
{
	struct svc_find f = { .port = port };

	dp_service_foreach(dp, find_port, &f);
	return f.found == 1 ? f.svc : (struct xlb_svc){ .id = UINT32_MAX };
}

/* The backend id holding address text for service svc_id, or 0. */
static __u32 backend_id(__u32 svc_id, const char *text, struct xlb_backend *out)
{
	struct xlb_addr a;

	xlb_addr_parse(text, &a);
	for (__u32 id = 1; id < XLB_MAX_BACKENDS; id++) {
		struct xlb_backend b;

		if (dp_backend_read(dp, id, &b) || b.svc_id != svc_id || b.family != a.family ||
		    memcmp(b.addr, a.addr, sizeof(a.addr)))
			continue;
		if (out)
			*out = b;
		return id;
	}
	return 0;
}

/* Slots of backend id in service svc's table. */
static unsigned slots_of(const struct xlb_svc *svc, __u32 id, __u32 *inner)
{
	static __u32 t[XLB_MAX_TABLE_SIZE];
	unsigned n = 0;

	if (dp_table_read(dp, svc->id, svc->table_size, t, inner))
		return UINT32_MAX;
	for (__u32 i = 0; i < svc->table_size; i++)
		n += t[i] == id;
	return n;
}

static const char *TWO = "      - { address: 10.1.0.1, weight: 100 }\n"
			 "      - { address: 10.1.0.2, weight: 100 }\n";

static int fresh(void)
{
	state_free(st);
	dp_close(dp);
	dp_cleanup(pin);
	st = NULL;
	dp = NULL;
	if (dp_open(&dp, pin, 4096, err, sizeof(err)) || state_init(&st, dp))
		return -1;
	return 0;
}

static int t_apply_exact(void)
{
	struct xlb_backend b1, b2;
	struct xlb_config cfg;
	struct xlb_svc web;
	__u32 id1, id2;
	int n = 0;

	XT_EQ(fresh(), 0);
	XT_CHECK(apply_web(251, TWO) == 0, "%s", err);
	dp_service_foreach(dp, count_svc, &n);
	XT_EQ(n, 2);
	web = svc_of(80);
	XT_EQ(web.table_size, 251);
	id1 = backend_id(web.id, "10.1.0.1", &b1);
	id2 = backend_id(web.id, "10.1.0.2", &b2);
	XT_CHECK(id1 && id2, "backend entries missing");
	XT_EQ(b1.state, XLB_BE_UP);
	XT_EQ(b1.generation, 1);
	XT_EQ(b1.weight, 100);
	XT_EQ(slots_of(&web, id1, NULL) + slots_of(&web, id2, NULL), 251);
	XT_CHECK(slots_of(&web, id1, NULL) >= 125 && slots_of(&web, id1, NULL) <= 126, "share");
	XT_EQ(dp_config_read(dp, &cfg), 0);
	XT_EQ(cfg.hash_seed, 7);
	XT_EQ(cfg.mtu, 1500);
	XT_EQ(cfg.flags, XLB_CFG_F_CPU_LOCAL); /* cross_cpu auto, rt names no virtual interface */
	XT_EQ(cfg.gw_mac[5], 0xfe);
	XT_EQ(cfg.udp_idle_ticks, xlb_udp_idle_ticks(30));
	/* The connection table's shape, as the data path reads it from the map (dp_config_read
	 * hides it from the plan): 4096 entries over the possible CPUs, in buckets of 4. */
	{
		int ncpus = libbpf_num_possible_cpus(), fd;
		__u32 zero = 0, buckets = (__u32)(4096 / ncpus / XLB_CONN_WAYS);
		char path[128];

		snprintf(path, sizeof(path), "%s/xlb_config", pin);
		fd = bpf_obj_get(path);
		XT_CHECK(fd >= 0, "%s: %s", path, strerror(errno));
		XT_EQ(bpf_map_lookup_elem(fd, &zero, &cfg), 0);
		close(fd);
		XT_EQ(cfg.conn_parts, ncpus);
		XT_EQ(cfg.conn_buckets, buckets ? buckets : 1);
		XT_EQ(dp_config_read(dp, &cfg), 0);
		XT_EQ(cfg.conn_buckets, 0);
		snprintf(path, sizeof(path), "%s/xlb_conns", pin);
		fd = bpf_obj_get(path);
		XT_CHECK(fd >= 0, "%s: %s", path, strerror(errno));
		{
			struct bpf_map_info info = { 0 };
			__u32 len = sizeof(info);

			XT_EQ(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
			XT_EQ(info.max_entries, (buckets ? buckets : 1) * (__u32)ncpus);
			XT_EQ(info.value_size, sizeof(struct xlb_conn_bucket));
		}
		close(fd);
	}
	return XT_PASS;
}

static int t_reapply_writes_nothing(void)
{
	const struct xlbd_apply_stats *s;
	__u32 inner1, inner2;
	struct xlb_svc web;

	XT_EQ(fresh(), 0);
	XT_CHECK(apply_web(251, TWO) == 0, "%s", err);
	web = svc_of(80);
	slots_of(&web, 0, &inner1);
	XT_CHECK(apply_web(251, TWO) == 0, "%s", err);
	s = state_last_apply(st);
	XT_EQ(s->backends_written, 0);
	XT_EQ(s->tables_built, 0);
	XT_EQ(s->tables_kept, 2);
	XT_EQ(s->config_written, 0);
	XT_EQ(s->vips_written, 0);
	slots_of(&web, 0, &inner2);
	XT_EQ(inner1, inner2);
	return XT_PASS;
}

static int t_remove_and_readd_backend(void)
{
	struct xlb_backend b;
	struct xlb_svc web;
	__u32 id2, id3;

	XT_EQ(fresh(), 0);
	XT_CHECK(apply_web(251, TWO) == 0, "%s", err);
	web = svc_of(80);
	id2 = backend_id(web.id, "10.1.0.2", NULL);
	XT_CHECK(apply_web(251, "      - { address: 10.1.0.1 }\n") == 0, "%s", err);
	/* Out of the table, marked down and freed, its generation kept for the next owner. */
	XT_EQ(slots_of(&web, id2, NULL), 0);
	XT_EQ(dp_backend_read(dp, id2, &b), 0);
	XT_EQ(b.state, XLB_BE_DOWN);
	XT_EQ(b.svc_id, UINT32_MAX);
	XT_EQ(b.generation, 1);
	XT_EQ(state_last_apply(st)->backends_freed, 1);
	XT_EQ(state_last_apply(st)->tables_built, 1);
	/* A new backend takes the freed id with the next generation. */
	XT_CHECK(apply_web(251, "      - { address: 10.1.0.1 }\n      - { address: 10.1.0.3 }\n") ==
			 0,
		 "%s", err);
	id3 = backend_id(web.id, "10.1.0.3", &b);
	XT_EQ(id3, id2);
	XT_EQ(b.generation, 2);
	XT_EQ(b.state, XLB_BE_UP);
	XT_CHECK(slots_of(&web, id3, NULL) > 100, "new backend has slots");
	return XT_PASS;
}

static int t_drain_disable_weight0(void)
{
	struct xlb_backend b;
	struct xlb_svc web;
	__u32 id2;

	XT_EQ(fresh(), 0);
	XT_CHECK(apply_web(251, TWO) == 0, "%s", err);
	web = svc_of(80);
	id2 = backend_id(web.id, "10.1.0.2", NULL);
	XT_CHECK(apply_web(251, "      - { address: 10.1.0.1 }\n"
				"      - { address: 10.1.0.2, state: drain }\n") == 0,
		 "%s", err);
	XT_EQ(dp_backend_read(dp, id2, &b), 0);
	XT_EQ(b.state, XLB_BE_DRAIN);
	XT_EQ(slots_of(&web, id2, NULL), 0);
	XT_CHECK(apply_web(251, "      - { address: 10.1.0.1 }\n"
				"      - { address: 10.1.0.2, weight: 0 }\n") == 0,
		 "%s", err);
	XT_EQ(dp_backend_read(dp, id2, &b), 0);
	XT_EQ(b.state, XLB_BE_DRAIN);
	XT_CHECK(apply_web(251, "      - { address: 10.1.0.1 }\n"
				"      - { address: 10.1.0.2, state: disabled }\n") == 0,
		 "%s", err);
	XT_EQ(dp_backend_read(dp, id2, &b), 0);
	XT_EQ(b.state, XLB_BE_DOWN);
	XT_EQ(b.svc_id, web.id); /* still configured: not freed */
	XT_CHECK(apply_web(251, TWO) == 0, "%s", err);
	XT_EQ(dp_backend_read(dp, id2, &b), 0);
	XT_EQ(b.state, XLB_BE_UP);
	XT_EQ(b.generation, 1);
	XT_CHECK(slots_of(&web, id2, NULL) > 100, "back in the table");
	return XT_PASS;
}

static int t_table_size_change_moves_id(void)
{
	struct xlb_svc before, after;

	XT_EQ(fresh(), 0);
	XT_CHECK(apply_web(251, TWO) == 0, "%s", err);
	before = svc_of(80);
	XT_CHECK(apply_web(257, TWO) == 0, "%s", err);
	after = svc_of(80);
	XT_EQ(after.table_size, 257);
	XT_CHECK(after.id != before.id, "same id %u", after.id);
	XT_EQ(dp_table_read(dp, before.id, before.table_size, NULL, NULL), -ENOENT);
	XT_EQ(slots_of(&after, backend_id(after.id, "10.1.0.1", NULL), NULL) +
		      slots_of(&after, backend_id(after.id, "10.1.0.2", NULL), NULL),
	      257);
	XT_EQ(backend_id(before.id, "10.1.0.1", NULL), 0);
	XT_EQ(state_last_apply(st)->services_changed, 1);
	return XT_PASS;
}

static int t_remove_service_and_vip(void)
{
	struct xlb_vip_key k = { .family = XLB_AF_INET6 };
	struct xlb_vip v;
	struct xlb_svc dns;
	const char *only_web = "interfaces: [xst0]\n"
			       "tunnel_source: 192.0.2.1\n"
			       "gateway: 02:00:00:00:00:fe\n"
			       "hash_seed: 7\n"
			       "services:\n"
			       "  - { vip: 10.0.0.10, port: 80, proto: tcp, table_size: 251,\n"
			       "      backends: [{ address: 10.1.0.1 }] }\n";
	struct xlb_addr a;

	XT_EQ(fresh(), 0);
	XT_CHECK(apply_web(251, TWO) == 0, "%s", err);
	dns = svc_of(53);
	XT_CHECK(apply_text(only_web) == 0, "%s", err);
	XT_EQ(svc_of(53).id, UINT32_MAX);
	XT_EQ(dp_table_read(dp, dns.id, dns.table_size, NULL, NULL), -ENOENT);
	XT_EQ(backend_id(dns.id, "2001:db8:1::1", NULL), 0);
	xlb_addr_parse("2001:db8::53", &a);
	memcpy(k.addr, a.addr, sizeof(k.addr));
	XT_EQ(dp_vip_read(dp, &k, &v), -ENOENT);
	XT_EQ(state_last_apply(st)->services_removed, 1);
	XT_EQ(state_last_apply(st)->vips_removed, 1);
	return XT_PASS;
}

static int t_invalid_changes_nothing(void)
{
	struct xlb_svc web;
	__u32 inner1, inner2;

	XT_EQ(fresh(), 0);
	XT_CHECK(apply_web(251, TWO) == 0, "%s", err);
	web = svc_of(80);
	slots_of(&web, 0, &inner1);
	/* Valid YAML, but the interface does not exist: refused by the apply itself. */
	XT_EQ(apply_text("interfaces: [nosuch0]\ntunnel_source: 192.0.2.1\nservices: []\n"),
	      -EINVAL);
	XT_CHECK(strstr(err, "nosuch0 does not exist"), "%s", err);
	slots_of(&web, 0, &inner2);
	XT_EQ(inner1, inner2);
	XT_EQ(svc_of(53).table_size, 307);
	XT_EQ(state_conf(st)->n_services, 2);
	return XT_PASS;
}

/* 512 services fill the service map; moving one to a new table size needs a free slot. */
static int t_capacity_refused_whole(void)
{
	size_t len = 1 << 20, off;
	char *text = malloc(len);
	struct xlb_svc s0;

	XT_CHECK(text != NULL, "oom");
	XT_EQ(fresh(), 0);
	for (int pass = 0; pass < 2; pass++) {
		off = (size_t)snprintf(text, len,
				       "interfaces: [xst0]\ntunnel_source: 192.0.2.1\n"
				       "gateway: 02:00:00:00:00:fe\nhash_seed: 7\nservices:\n");
		for (int i = 0; i < XLB_MAX_SERVICES; i++)
			off += (size_t)snprintf(text + off, len - off,
						"  - { vip: 10.0.%d.%d, port: 80, proto: tcp, "
						"table_size: %d }\n",
						i / 250, i % 250 + 1, pass && i == 0 ? 11 : 7);
		if (pass == 0) {
			XT_CHECK(apply_text(text) == 0, "%s", err);
			s0 = svc_of(80);
		}
	}
	XT_EQ(apply_text(text), -ENOSPC);
	XT_CHECK(strstr(err, "service table full"), "%s", err);
	free(text);
	/* Nothing changed: every service still has table size 7. */
	XT_EQ(state_conf(st)->services[0].table_size, 7);
	(void)s0;
	return XT_PASS;
}

/* A second state over the same pins learns everything and rewrites nothing. */
static int t_adoption_rewrites_nothing(void)
{
	const struct xlbd_apply_stats *s;
	struct xlb_svc web;
	__u32 inner1, inner2;

	XT_EQ(fresh(), 0);
	XT_CHECK(apply_web(251, "      - { address: 10.1.0.1, weight: 30 }\n"
				"      - { address: 10.1.0.2, state: drain }\n") == 0,
		 "%s", err);
	web = svc_of(80);
	slots_of(&web, 0, &inner1);
	state_free(st);
	dp_close(dp);
	XT_EQ(dp_open(&dp, pin, 4096, err, sizeof(err)), 0);
	XT_CHECK(dp_adopted(dp), "not adopted");
	XT_EQ(state_init(&st, dp), 0);
	XT_CHECK(apply_web(251, "      - { address: 10.1.0.1, weight: 30 }\n"
				"      - { address: 10.1.0.2, state: drain }\n") == 0,
		 "%s", err);
	s = state_last_apply(st);
	XT_EQ(s->backends_written, 0);
	XT_EQ(s->tables_built, 0);
	XT_EQ(s->tables_kept, 2);
	XT_EQ(s->config_written, 0);
	slots_of(&web, 0, &inner2);
	XT_EQ(inner1, inner2);
	return XT_PASS;
}

/* The slots of inner map id as the data path reads them (bpf/select.h: the slot's chunk, then
 * its id): 1 when all m equal ids, the padding after slot m is XLB_BACKEND_NONE, the map has
 * XLB_TABLE_CHUNKS(m) chunks of the ABI's size and XLB_TABLE_MAP_FLAGS. */
static int kernel_slots_equal(__u32 id, const __u32 *ids, __u32 m)
{
	static struct xlb_table_chunk c;
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), chunks = XLB_TABLE_CHUNKS(m);
	int fd = bpf_map_get_fd_by_id(id), same;

	if (fd < 0)
		return 0;
	same = !bpf_obj_get_info_by_fd(fd, &info, &len) && info.max_entries == chunks &&
	       info.value_size == sizeof(c) && info.map_flags == XLB_TABLE_MAP_FLAGS;
	for (__u32 k = 0; same && k < chunks; k++) {
		same = !bpf_map_lookup_elem(fd, &k, &c);
		for (__u32 i = 0; same && i < XLB_TABLE_CHUNK_SLOTS; i++) {
			__u32 slot = k * XLB_TABLE_CHUNK_SLOTS + i;

			same = c.id[i] == (slot < m ? ids[slot] : XLB_BACKEND_NONE);
		}
	}
	close(fd);
	return same;
}

/* The inner map ids in xlb_tables now, in ids[XLB_MAX_SERVICES] (0: no table). */
static void tables_now(__u32 *ids)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/xlb_tables", pin);
	fd = bpf_obj_get(path);
	for (__u32 s = 0; s < XLB_MAX_SERVICES; s++)
		if (fd < 0 || bpf_map_lookup_elem(fd, &s, &ids[s]))
			ids[s] = 0;
	if (fd >= 0)
		close(fd);
}

/* 1 when no map of the table pool is in xlb_tables. */
static int pool_outside_tables(void)
{
	static __u32 in[XLB_MAX_SERVICES];
	__u32 pooled[DP_TABLE_POOL_MAPS];
	unsigned n = dp_table_pool(dp, NULL, pooled, DP_TABLE_POOL_MAPS);

	tables_now(in);
	for (unsigned i = 0; i < n; i++)
		for (__u32 s = 0; s < XLB_MAX_SERVICES; s++)
			if (in[s] == pooled[i])
				return 0;
	return 1;
}

/* Tables of every chunk shape (the smallest, one whole chunk and a bit, the largest) read back
 * exactly, through the kernel's lookups and through dp_table_read, whether the map is new or
 * reused. Bad input changes nothing. */
static int t_table_reads_back(void)
{
	static const __u32 sizes[] = { XLB_MIN_TABLE_SIZE, 1031, 65537, XLB_MAX_TABLE_SIZE };
	static __u32 ids[XLB_MAX_TABLE_SIZE], back[XLB_MAX_TABLE_SIZE];
	const __u32 svc = XLB_MAX_SERVICES - 1;
	__u32 inner = 0, first = 0, again;

	XT_EQ(fresh(), 0);
	for (__u32 i = 0; i < XLB_MAX_TABLE_SIZE; i++)
		ids[i] = 1 + (__u32)((i * 2654435761u) % (XLB_MAX_BACKENDS - 1));
	/* Each size three times: two new maps (the pool has none of its chunks), then the first
	 * one's map again, from the pool. */
	for (unsigned r = 0; r < 3 * sizeof(sizes) / sizeof(sizes[0]); r++) {
		__u32 m = sizes[r / 3];

		ids[m - 1] = 100 + r; /* each table differs from the one before */
		XT_EQ(dp_table_swap(dp, svc, ids, m, &inner), 0);
		if (r % 3 == 0)
			first = inner;
		else
			XT_CHECK((r % 3 == 2) == (inner == first), "m %u, round %u: map %u", m, r,
				 inner);
		XT_CHECK(kernel_slots_equal(inner, ids, m), "m %u: the kernel reads others", m);
		memset(back, 0xff, sizeof(back));
		XT_EQ(dp_table_read(dp, svc, m, back, &again), 0);
		XT_EQ(again, inner);
		XT_CHECK(!memcmp(back, ids, sizeof(__u32) * m), "m %u: read back differs", m);
		if (m < XLB_MAX_TABLE_SIZE)
			XT_EQ(back[m], 0xffffffffu); /* nothing written past m */
	}
	XT_EQ(dp_table_swap(dp, svc, ids, XLB_MIN_TABLE_SIZE - 1, NULL), -EINVAL);
	XT_EQ(dp_table_swap(dp, svc, ids, XLB_MAX_TABLE_SIZE + 1, NULL), -EINVAL);
	XT_EQ(dp_table_swap(dp, XLB_MAX_SERVICES, ids, 7, NULL), -EINVAL);
	XT_EQ(dp_table_read(dp, svc, XLB_MAX_TABLE_SIZE, NULL, &again), 0);
	XT_EQ(again, inner);
	XT_EQ(dp_table_read(dp, svc, 65537, NULL, NULL), -EINVAL);
	XT_EQ(dp_table_delete(dp, svc), 0);
	XT_EQ(dp_table_read(dp, svc, XLB_MAX_TABLE_SIZE, NULL, NULL), -ENOENT);
	XT_EQ(dp_table_delete(dp, svc), -ENOENT);
	return XT_PASS;
}

/* A replaced table's map is reused for the next table of its chunks, never while it is in
 * xlb_tables; other chunk counts do not take it; the pool's bounds hold. */
static int t_table_pool_reuses(void)
{
	static __u32 ids[XLB_MAX_TABLE_SIZE];
	const __u32 m = 65537, a = 10, b = 11;
	__u32 a1, b1, a2, b2, a3, other, pooled[DP_TABLE_POOL_MAPS];
	__u64 bytes;

	XT_EQ(fresh(), 0);
	for (__u32 i = 0; i < XLB_MAX_TABLE_SIZE; i++)
		ids[i] = 1 + i % 10;
	XT_EQ(dp_table_pool(dp, &bytes, NULL, 0), 0);
	XT_EQ(dp_table_swap(dp, a, ids, m, &a1), 0);
	XT_EQ(dp_table_swap(dp, b, ids, m, &b1), 0);
	XT_EQ(dp_table_pool(dp, NULL, NULL, 0), 0); /* nothing replaced yet */
	/* a's second table is a new map (the pool is empty); a's first joins the pool. */
	ids[0] = 7;
	XT_EQ(dp_table_swap(dp, a, ids, m, &a2), 0);
	XT_CHECK(a2 != a1 && a2 != b1, "a's second table %u is a map in use", a2);
	XT_EQ(dp_table_pool(dp, &bytes, pooled, 1), 1);
	XT_EQ(pooled[0], a1);
	XT_EQ(bytes, XLB_TABLE_CHUNKS(m) * sizeof(struct xlb_table_chunk));
	XT_CHECK(pool_outside_tables(), "a pooled map is in xlb_tables");
	/* b's second table is written into a's first map, and b's first joins the pool. */
	ids[0] = 8;
	XT_EQ(dp_table_swap(dp, b, ids, m, &b2), 0);
	XT_EQ(b2, a1);
	XT_CHECK(kernel_slots_equal(b2, ids, m), "the reused map holds other slots");
	XT_EQ(dp_table_pool(dp, NULL, pooled, 1), 1);
	XT_EQ(pooled[0], b1);
	XT_CHECK(pool_outside_tables(), "a pooled map is in xlb_tables");
	/* A table of other chunks does not take it; a deleted table joins the pool. */
	XT_EQ(dp_table_swap(dp, 12, ids, 251, &other), 0);
	XT_CHECK(other != b1, "a 1-chunk table took a 65-chunk map");
	XT_EQ(dp_table_delete(dp, 12), 0);
	XT_EQ(dp_table_pool(dp, NULL, pooled, 2), 2);
	XT_EQ(pooled[1], other);
	ids[0] = 9;
	XT_EQ(dp_table_swap(dp, a, ids, m, &a3), 0);
	XT_EQ(a3, b1);
	XT_CHECK(kernel_slots_equal(a3, ids, m), "the reused map holds other slots");
	XT_CHECK(pool_outside_tables(), "a pooled map is in xlb_tables");

	/* 70 tables of 65 chunks removed: the pool keeps the newest 64 maps. */
	for (__u32 s = 100; s < 170; s++)
		XT_EQ(dp_table_swap(dp, s, ids, m, NULL), 0);
	for (__u32 s = 100; s < 170; s++)
		XT_EQ(dp_table_delete(dp, s), 0);
	XT_EQ(dp_table_pool(dp, &bytes, NULL, 0), DP_TABLE_POOL_MAPS);
	XT_CHECK(bytes <= DP_TABLE_POOL_BYTES, "pool of %llu bytes", (unsigned long long)bytes);
	XT_CHECK(pool_outside_tables(), "a pooled map is in xlb_tables");
	/* 20 of the largest (641 chunks, 2.5 MiB each): the byte bound keeps 12 of them. */
	for (__u32 s = 200; s < 220; s++)
		XT_EQ(dp_table_swap(dp, s, ids, XLB_MAX_TABLE_SIZE, NULL), 0);
	for (__u32 s = 200; s < 220; s++)
		XT_EQ(dp_table_delete(dp, s), 0);
	XT_EQ(dp_table_pool(dp, &bytes, NULL, 0),
	      DP_TABLE_POOL_BYTES /
		      (XLB_TABLE_CHUNKS(XLB_MAX_TABLE_SIZE) * sizeof(struct xlb_table_chunk)));
	XT_CHECK(bytes <= DP_TABLE_POOL_BYTES, "pool of %llu bytes", (unsigned long long)bytes);
	/* A lower bound closes the oldest now; a bound past the limit changes nothing; 0 turns
	 * reuse off: a replaced table is not kept. */
	XT_EQ(dp_table_pool_set(dp, DP_TABLE_POOL_MAPS + 1), -EINVAL);
	XT_EQ(dp_table_pool(dp, NULL, NULL, 0), 12);
	XT_EQ(dp_table_pool_set(dp, 3), 0);
	XT_EQ(dp_table_pool(dp, NULL, NULL, 0), 3);
	XT_EQ(dp_table_pool_set(dp, 0), 0);
	XT_EQ(dp_table_pool(dp, NULL, NULL, 0), 0);
	XT_EQ(dp_table_swap(dp, a, ids, m, &a1), 0);
	XT_EQ(dp_table_pool(dp, NULL, NULL, 0), 0);
	XT_EQ(dp_table_pool_set(dp, DP_TABLE_POOL_MAPS), 0);
	return XT_PASS;
}

/* The ids dp_commit() reported swapped, in its order. */
static __u32 swapped_ids[16];
static unsigned n_swapped;

static void note_swapped(void *ctx, const struct plan_op *op, __u64 fp, __u64 ns)
{
	(void)ctx, (void)fp, (void)ns;
	if (n_swapped < 16)
		swapped_ids[n_swapped++] = op->id;
}

/* Open descriptors of this process. */
static int open_fds(void)
{
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* dp_commit() builds tables, and fills their maps, ahead of their swaps: when a swap fails,
 * the tables before it are in place and exactly the Maglev tables of their inputs, the failed
 * one and those built after it never reach xlb_tables, and their maps go to the pool, which
 * the commit leaves at one map (it was empty): none of them stays open elsewhere. */
static int t_commit_stops_at_failed_swap(void)
{
	static __u32 want[251];
	const __u32 m = 251, bad = 3, n_ops = 8;
	struct maglev_backend mb[2 * 8];
	struct plan_op ops[8];
	struct plan p = { .ops = ops, .n_ops = n_ops, .mb = mb, .n_mb = 2 * n_ops };
	__u32 in[XLB_MAX_SERVICES], inner;
	size_t done = 99;
	int fds;

	XT_EQ(fresh(), 0);
	fds = open_fds();
	memset(mb, 0, sizeof(mb));
	memset(ops, 0, sizeof(ops));
	for (__u32 i = 0; i < 2 * n_ops; i++)
		mb[i] = (struct maglev_backend){ .addr = { htonl(0x0a010000 + i) },
						 .family = XLB_AF_INET,
						 .weight = 100,
						 .id = i + 1 };
	for (__u32 i = 0; i < n_ops; i++) {
		ops[i].kind = PLAN_TABLE_SWAP;
		/* Operation bad names a service id past xlb_tables: the kernel refuses its swap. */
		ops[i].id = i == bad ? XLB_MAX_SERVICES : 20 + i;
		ops[i].table.m = m;
		ops[i].table.first = 2 * i;
		ops[i].table.n = 2;
	}
	n_swapped = 0;
	XT_CHECK(dp_commit(dp, &p, &done, note_swapped, NULL) < 0, "a swap past xlb_tables passed");
	XT_EQ(done, bad);
	XT_EQ(n_swapped, bad);
	for (__u32 i = 0; i < bad; i++) {
		XT_EQ(swapped_ids[i], 20 + i);
		XT_EQ(maglev_build(mb + 2 * i, 2, want, m), 0);
		XT_EQ(dp_table_read(dp, 20 + i, m, NULL, &inner), 0);
		XT_CHECK(kernel_slots_equal(inner, want, m), "table %u is not its inputs' table",
			 i);
	}
	tables_now(in);
	for (__u32 i = bad; i < n_ops; i++)
		XT_EQ(in[20 + i], 0);
	/* The failed table's map and those of the 4 built after it: never visible; one stays in
	 * the pool, the others are closed. The tables in place are the kernel's, not ours. */
	XT_EQ(dp_table_pool(dp, NULL, NULL, 0), 1);
	XT_CHECK(pool_outside_tables(), "a pooled map is in xlb_tables");
	XT_EQ(open_fds(), fds + 1);
	return XT_PASS;
}

/* What the data path could see when dp_commit() reported each table of the batched case
 * swapped in: its service's entry (must not be there yet), its backend's entry (must be), and
 * how many of the case's tables were in xlb_tables. */
static struct {
	__u32 id;
	int svc_entries, be_svc, tables_in;
} seen[8];
static unsigned n_seen;

static int count_service(const struct xlb_svc_key *k, const struct xlb_svc *v, void *ctx)
{
	(void)k;
	if (v->id == *(__u32 *)ctx)
		(*(__u32 *)((__u32 *)ctx + 1))++;
	return 0;
}

static void note_batched(void *ctx, const struct plan_op *op, __u64 fp, __u64 ns)
{
	__u32 in[XLB_MAX_SERVICES], look[2] = { op->id, 0 };
	struct xlb_backend be = { 0 };

	(void)ctx, (void)fp, (void)ns;
	if (n_seen >= 8)
		return;
	dp_service_foreach(dp, count_service, look);
	seen[n_seen].id = op->id;
	seen[n_seen].svc_entries = (int)look[1];
	seen[n_seen].be_svc = dp_backend_read(dp, 100 + op->id, &be) ? -1 : (int)be.svc_id;
	tables_now(in);
	for (__u32 s = 20; s < 28; s++)
		seen[n_seen].tables_in += in[s] != 0;
	n_seen++;
}

/* Several services, each: its backend entry, its table, its service entry. dp_commit() swaps
 * the tables in together, and still in each service's order: when a table is reported in, its
 * backend entry is written and its service entry is not; then every entry is there. */
static int t_commit_batches_swaps_in_order(void)
{
	struct maglev_backend mb[8];
	struct plan_op ops[24];
	struct plan p = { .ops = ops, .n_ops = 24, .mb = mb, .n_mb = 8 };
	__u32 look[2];
	size_t done = 0;

	XT_EQ(fresh(), 0);
	memset(ops, 0, sizeof(ops));
	for (__u32 i = 0; i < 8; i++) {
		__u32 svc = 20 + i, be = 100 + svc;
		struct plan_op *o = &ops[3 * i];

		mb[i] = (struct maglev_backend){ .addr = { htonl(0x0a020000 + i) },
						 .family = XLB_AF_INET,
						 .weight = 100,
						 .id = be };
		o[0].kind = PLAN_BACKEND_WRITE;
		o[0].id = be;
		o[0].be = (struct xlb_backend){ .addr = { htonl(0x0a020000 + i) },
						.svc_id = svc,
						.generation = 1,
						.family = XLB_AF_INET,
						.state = XLB_BE_UP,
						.weight = 100 };
		o[1].kind = PLAN_TABLE_SWAP;
		o[1].id = svc;
		o[1].table.m = 251;
		o[1].table.first = i;
		o[1].table.n = 1;
		o[2].kind = PLAN_SERVICE_WRITE;
		o[2].id = svc;
		o[2].svc.key = (struct xlb_svc_key){ .addr = { htonl(0x0a000a00 + i) },
						     .port = htons(80),
						     .proto = IPPROTO_TCP,
						     .family = XLB_AF_INET };
		o[2].svc.val = (struct xlb_svc){ .id = svc, .table_size = 251 };
	}
	n_seen = 0;
	memset(seen, 0, sizeof(seen));
	XT_EQ(dp_commit(dp, &p, &done, note_batched, NULL), 0);
	XT_EQ(done, 24);
	XT_EQ(n_seen, 8);
	for (unsigned i = 0; i < 8; i++) {
		XT_EQ(seen[i].id, 20 + i);
		XT_EQ(seen[i].svc_entries, 0);
		XT_EQ(seen[i].be_svc, (int)(20 + i));
		XT_EQ(seen[i].tables_in, 8); /* one update put them all in */
	}
	for (__u32 i = 0; i < 8; i++) {
		look[0] = 20 + i;
		look[1] = 0;
		dp_service_foreach(dp, count_service, look);
		XT_EQ(look[1], 1);
	}
	return XT_PASS;
}

/* What the data path could see when dp_commit() reported the table of the reused-id case
 * swapped in: the reused backend's owner, and how many of the removed services' tables were
 * still in xlb_tables. */
static int reuse_be_svc = -1, reuse_tables_left = -1;

static void note_reuse(void *ctx, const struct plan_op *op, __u64 fp, __u64 ns)
{
	static __u32 in[XLB_MAX_SERVICES];
	struct xlb_backend be = { 0 };

	(void)fp, (void)ns;
	if (op->id != 70)
		return;
	reuse_be_svc = dp_backend_read(dp, *(__u32 *)ctx, &be) ? -1 : (int)be.svc_id;
	tables_now(in);
	reuse_tables_left = 0;
	for (__u32 s = 20; s < 60; s++)
		reuse_tables_left += in[s] != 0;
}

/* The removal of 40 services, as the planner orders it (each: service entry, table, its backend
 * freed), deletes the tables together; then a new service takes one of the freed backend ids.
 * Every table is gone when the new table appears, and the reused backend's entry names its new
 * service by then; every entry ends as the plan says, and the deleted tables' maps are in the
 * pool (but the one the new table took), none of them in xlb_tables. */
static int t_commit_deletes_tables_together(void)
{
	static __u32 ids[251], in[XLB_MAX_SERVICES];
	struct plan_op ops[3 * 40 + 3];
	struct maglev_backend mb = { .family = XLB_AF_INET, .weight = 100, .id = 120 };
	struct plan p = { .ops = ops, .n_ops = 3 * 40 + 3, .mb = &mb, .n_mb = 1 };
	struct xlb_backend be;
	__u32 look[2], reused = 120;
	size_t done = 0, n = 0;

	XT_EQ(fresh(), 0);
	memset(ops, 0, sizeof(ops));
	for (__u32 svc = 20; svc < 60; svc++) {
		struct xlb_svc_key key = { .addr = { htonl(0x0a000c00 + svc) },
					   .port = htons(80),
					   .proto = IPPROTO_TCP,
					   .family = XLB_AF_INET };
		struct xlb_backend up = { .addr = { htonl(0x0a040000 + svc) },
					  .svc_id = svc,
					  .generation = 1,
					  .family = XLB_AF_INET,
					  .state = XLB_BE_UP,
					  .weight = 100 };
		struct xlb_svc val = { .id = svc, .table_size = 251 };

		for (__u32 k = 0; k < 251; k++)
			ids[k] = 100 + svc;
		XT_EQ(dp_backend_write(dp, 100 + svc, &up), 0);
		XT_EQ(dp_table_swap(dp, svc, ids, 251, NULL), 0);
		XT_EQ(dp_service_write(dp, &key, &val), 0);
		ops[n++] =
			(struct plan_op){ .kind = PLAN_SERVICE_DELETE, .id = svc, .svc.key = key };
		ops[n++] = (struct plan_op){ .kind = PLAN_TABLE_DELETE, .id = svc };
		up.state = XLB_BE_DOWN;
		up.svc_id = PLAN_SVC_NONE;
		up.weight = 0;
		ops[n++] =
			(struct plan_op){ .kind = PLAN_BACKEND_WRITE, .id = 100 + svc, .be = up };
	}
	mb.addr[0] = htonl(0x0a050001);
	ops[n++] = (struct plan_op){ .kind = PLAN_BACKEND_WRITE,
				     .id = reused,
				     .be = { .addr = { htonl(0x0a050001) },
					     .svc_id = 70,
					     .generation = 2,
					     .family = XLB_AF_INET,
					     .state = XLB_BE_UP,
					     .weight = 100 } };
	ops[n] = (struct plan_op){ .kind = PLAN_TABLE_SWAP, .id = 70 };
	ops[n].table.m = 251;
	ops[n].table.first = 0;
	ops[n++].table.n = 1;
	ops[n++] = (struct plan_op){ .kind = PLAN_SERVICE_WRITE,
				     .id = 70,
				     .svc.key = { .addr = { htonl(0x0a000d01) },
						  .port = htons(80),
						  .proto = IPPROTO_TCP,
						  .family = XLB_AF_INET },
				     .svc.val = { .id = 70, .table_size = 251 } };
	XT_EQ(n, p.n_ops);
	reuse_be_svc = reuse_tables_left = -1;
	XT_EQ(dp_commit(dp, &p, &done, note_reuse, &reused), 0);
	XT_EQ(done, p.n_ops);
	XT_EQ(reuse_be_svc, 70);
	XT_EQ(reuse_tables_left, 0);
	tables_now(in);
	for (__u32 svc = 20; svc < 60; svc++) {
		XT_EQ(in[svc], 0);
		look[0] = svc;
		look[1] = 0;
		dp_service_foreach(dp, count_service, look);
		XT_EQ(look[1], 0);
		XT_EQ(dp_backend_read(dp, 100 + svc, &be), 0);
		if (100 + svc == reused)
			XT_CHECK(be.svc_id == 70 && be.generation == 2, "backend %u", reused);
		else
			XT_CHECK(be.svc_id == PLAN_SVC_NONE && be.state == XLB_BE_DOWN,
				 "backend %u: service %u state %u", 100 + svc, be.svc_id, be.state);
	}
	XT_CHECK(in[70] != 0, "no table for the new service");
	look[0] = 70;
	look[1] = 0;
	dp_service_foreach(dp, count_service, look);
	XT_EQ(look[1], 1);
	/* The new table took one of the 40 deleted tables' maps. */
	XT_EQ(dp_table_pool(dp, NULL, NULL, 0), 39);
	XT_CHECK(pool_outside_tables(), "a pooled map is in xlb_tables");
	return XT_PASS;
}

/* When the moved service's new table was reported in: whether the old one was still in
 * xlb_tables, and how many service entries named the old id. */
static int moved_old_table = -1, moved_old_entries = -1;

static void note_moved(void *ctx, const struct plan_op *op, __u64 fp, __u64 ns)
{
	static __u32 in[XLB_MAX_SERVICES];
	__u32 look[2] = { 20, 0 };

	(void)ctx, (void)fp, (void)ns;
	if (op->id != 21)
		return;
	tables_now(in);
	moved_old_table = in[20] != 0;
	dp_service_foreach(dp, count_service, look);
	moved_old_entries = (int)look[1];
}

/* A service moved to a new id (a new table size): new table, the entry names the new id, the
 * old table goes. The old table is deleted only after the entry stops naming it, though the
 * delete is staged like the others; when the new table is in, the old one and the entry that
 * names it are both still there. */
static int t_commit_moved_service_keeps_old_table(void)
{
	static __u32 ids[251], in[XLB_MAX_SERVICES];
	struct maglev_backend mb = {
		.addr = { htonl(0x0a060001) }, .family = XLB_AF_INET, .weight = 100, .id = 120
	};
	struct xlb_svc_key key = { .addr = { htonl(0x0a000e01) },
				   .port = htons(80),
				   .proto = IPPROTO_TCP,
				   .family = XLB_AF_INET };
	struct xlb_svc old = { .id = 20, .table_size = 251 };
	struct plan_op ops[3] = {
		{ .kind = PLAN_TABLE_SWAP, .id = 21, .table = { .m = 257, .first = 0, .n = 1 } },
		{ .kind = PLAN_SERVICE_WRITE,
		  .id = 21,
		  .svc = { .key = key, .val = { .id = 21, .table_size = 257 } } },
		{ .kind = PLAN_TABLE_DELETE, .id = 20 },
	};
	struct plan p = { .ops = ops, .n_ops = 3, .mb = &mb, .n_mb = 1 };
	__u32 look[2] = { 21, 0 };
	size_t done = 0;

	XT_EQ(fresh(), 0);
	for (__u32 k = 0; k < 251; k++)
		ids[k] = 120;
	XT_EQ(dp_table_swap(dp, 20, ids, 251, NULL), 0);
	XT_EQ(dp_service_write(dp, &key, &old), 0);
	moved_old_table = moved_old_entries = -1;
	XT_EQ(dp_commit(dp, &p, &done, note_moved, NULL), 0);
	XT_EQ(done, 3);
	XT_EQ(moved_old_table, 1);
	XT_EQ(moved_old_entries, 1);
	tables_now(in);
	XT_EQ(in[20], 0);
	XT_CHECK(in[21] != 0, "no table for the new id");
	dp_service_foreach(dp, count_service, look);
	XT_EQ(look[1], 1);
	return XT_PASS;
}

/* dp_commit() writes backend entries in batches of up to 1,024; 1,500 of them and a service
 * entry after them: every entry is written, in the plan's order, the counts whole. Then a
 * backend id past xlb_backends in the middle of a batch: the entries before it are written,
 * it and everything after it are not, and the commit reports where it stopped. */
static int t_commit_batches_backend_writes(void)
{
	static struct plan_op ops[1501];
	struct plan p = { .ops = ops, .n_ops = 1501 };
	struct xlb_backend be;
	__u32 look[2] = { 7, 0 };
	size_t done = 0;

	XT_EQ(fresh(), 0);
	memset(ops, 0, sizeof(ops));
	for (__u32 i = 0; i < 1500; i++) {
		ops[i].kind = PLAN_BACKEND_WRITE;
		ops[i].id = 1 + i;
		ops[i].be = (struct xlb_backend){ .addr = { htonl(0x0a030000 + i) },
						  .svc_id = 7,
						  .generation = 1 + i,
						  .family = XLB_AF_INET,
						  .state = XLB_BE_UP,
						  .weight = 100 };
	}
	ops[1500].kind = PLAN_SERVICE_WRITE;
	ops[1500].id = 7;
	ops[1500].svc.key = (struct xlb_svc_key){ .addr = { htonl(0x0a000b01) },
						  .port = htons(80),
						  .proto = IPPROTO_TCP,
						  .family = XLB_AF_INET };
	ops[1500].svc.val = (struct xlb_svc){ .id = 7, .table_size = 251 };
	XT_EQ(dp_commit(dp, &p, &done, NULL, NULL), 0);
	XT_EQ(done, 1501);
	for (__u32 i = 0; i < 1500; i++) {
		XT_EQ(dp_backend_read(dp, 1 + i, &be), 0);
		XT_CHECK(be.generation == 1 + i && be.addr[0] == htonl(0x0a030000 + i),
			 "backend %u: generation %u", 1 + i, be.generation);
	}
	dp_service_foreach(dp, count_service, look);
	XT_EQ(look[1], 1);

	XT_EQ(fresh(), 0);
	for (__u32 i = 0; i < 1500; i++)
		ops[i].be.generation = 5000 + i;
	ops[1100].id = XLB_MAX_BACKENDS; /* past the map: the kernel refuses it */
	done = 0;
	XT_CHECK(dp_commit(dp, &p, &done, NULL, NULL) < 0, "a backend past xlb_backends passed");
	XT_EQ(done, 1100);
	XT_EQ(dp_backend_read(dp, 1100, &be), 0);
	XT_EQ(be.generation, 5000 + 1099);
	XT_EQ(dp_backend_read(dp, 1102, &be), 0);
	XT_EQ(be.generation, 0);
	look[1] = 0;
	dp_service_foreach(dp, count_service, look);
	XT_EQ(look[1], 0);
	return XT_PASS;
}

/* A service id or backend id that gets a new owner starts with zero counters. */
static int t_reused_ids_start_from_zero(void)
{
	char path[128];
	struct xlb_counter *vals, sum;
	int ncpus = libbpf_num_possible_cpus(), fd;
	struct xlb_svc web;
	__u32 be;

	XT_EQ(fresh(), 0);
	XT_CHECK(apply_web(251, TWO) == 0, "%s", err);
	web = svc_of(80);
	be = backend_id(web.id, "10.1.0.2", NULL);
	vals = calloc((size_t)ncpus, sizeof(*vals));
	XT_CHECK(vals != NULL, "oom");
	for (int i = 0; i < ncpus; i++)
		vals[i] = (struct xlb_counter){ .packets = 5, .bytes = 500 };
	snprintf(path, sizeof(path), "%s/xlb_svc_stats", pin);
	fd = bpf_obj_get(path);
	XT_CHECK(fd >= 0 && !bpf_map_update_elem(fd, &web.id, vals, BPF_ANY), "svc stats");
	close(fd);
	snprintf(path, sizeof(path), "%s/xlb_be_stats", pin);
	fd = bpf_obj_get(path);
	XT_CHECK(fd >= 0 && !bpf_map_update_elem(fd, &be, vals, BPF_ANY), "be stats");
	close(fd);
	free(vals);
	XT_EQ(dp_counter(dp, DP_CNT_SERVICE, web.id, &sum), 0);
	XT_EQ(sum.packets, 5 * ncpus);
	/* Backend 10.1.0.2 goes, 10.1.0.3 takes its id; the web service goes, a new one takes
	 * its id: both start from zero. */
	XT_CHECK(apply_web(251, "      - { address: 10.1.0.1 }\n") == 0, "%s", err);
	XT_CHECK(apply_web(251, "      - { address: 10.1.0.1 }\n      - { address: 10.1.0.3 }\n") ==
			 0,
		 "%s", err);
	XT_EQ(backend_id(web.id, "10.1.0.3", NULL), be);
	XT_EQ(dp_counter(dp, DP_CNT_BACKEND, be, &sum), 0);
	XT_EQ(sum.packets, 0);
	XT_EQ(sum.bytes, 0);
	XT_CHECK(apply_text("interfaces: [xst0]\ntunnel_source: 192.0.2.1\nhash_seed: 7\n"
			    "gateway: 02:00:00:00:00:fe\nservices: []\n") == 0,
		 "%s", err);
	XT_CHECK(apply_web(251, TWO) == 0, "%s", err);
	XT_EQ(svc_of(80).id, web.id);
	XT_EQ(dp_counter(dp, DP_CNT_SERVICE, web.id, &sum), 0);
	XT_EQ(sum.packets, 0);
	return XT_PASS;
}

static bool sick_is_down(const struct xlb_service_ref *svc, const struct xlb_addr *a)
{
	char text[64];

	(void)svc;
	xlb_addr_format(a, text, sizeof(text));
	for (size_t i = 0; i < sizeof(sick) / sizeof(sick[0]); i++)
		if (sick[i] && !strcmp(sick[i], text))
			return false;
	return true;
}

/* Service web with three backends, min_healthy 2, announced through routing table 4242; its
 * checks have distinct settings (rise 3, fall 1, timeouts 400 ms and, for 10.1.0.3, 1500 ms). */
static const char *HEALTH_CONF = "interfaces: [xst0]\n"
				 "tunnel_source: 192.0.2.1\n"
				 "gateway: 02:00:00:00:00:fe\n"
				 "hash_seed: 7\n"
				 "announce: { table: 4242 }\n"
				 "services:\n"
				 "  - name: web\n"
				 "    vip: 10.0.0.10\n"
				 "    port: 80\n"
				 "    proto: tcp\n"
				 "    table_size: 307\n"
				 "    min_healthy: 2\n"
				 "    health: { type: tcp, interval: 2s, timeout: 400ms, rise: 3, "
				 "fall: 1, jitter: 0 }\n"
				 "    backends:\n"
				 "      - { address: 10.1.0.1 }\n"
				 "      - { address: 10.1.0.2 }\n"
				 "      - { address: 10.1.0.3, health: { timeout: 1500ms, rise: 5 "
				 "} }\n";

/* Apply HEALTH_CONF with backends a and b (or none) failing their checks. */
static int apply_sick(const char *a, const char *b)
{
	int ret;

	sick[0] = a;
	sick[1] = b;
	RT.healthy = sick_is_down;
	ret = apply_text(HEALTH_CONF);
	RT.healthy = NULL;
	return ret;
}

static __u8 state_of(__u32 svc_id, const char *addr)
{
	struct xlb_backend b;

	return backend_id(svc_id, addr, &b) ? b.state : 0xff;
}

/* The three backends' states and whether each owns slots, as "UUD" / "110". */
static void snapshot(char states[4], char owns[4])
{
	static const char *const addrs[3] = { "10.1.0.1", "10.1.0.2", "10.1.0.3" };
	struct xlb_svc web = svc_of(80);

	for (int i = 0; i < 3; i++) {
		__u8 s = state_of(web.id, addrs[i]);

		states[i] = s == XLB_BE_UP ? 'U' : s == XLB_BE_DOWN ? 'D' : '?';
		owns[i] = slots_of(&web, backend_id(web.id, addrs[i], NULL), NULL) ? '1' : '0';
	}
	states[3] = owns[3] = 0;
}

#define XT_SNAP(want_states, want_owns)                                                           \
	do {                                                                                      \
		char st_[4], ow_[4];                                                              \
		snapshot(st_, ow_);                                                               \
		XT_CHECK(!strcmp(st_, want_states) && !strcmp(ow_, want_owns),                    \
			 "states %s slots %s, expected %s %s", st_, ow_, want_states, want_owns); \
	} while (0)

/* min_healthy: below it the service fails open with its last good table (the backends up
 * when it last had enough), not with the few that pass and not with every backend. */
static int t_fail_open_keeps_last_good_table(void)
{
	struct xlb_service_ref web;

	XT_EQ(fresh(), 0);
	XT_CHECK(apply_sick(NULL, NULL) == 0, "%s", err);
	web = state_conf(st)->services[0].ref;
	XT_SNAP("UUU", "111");
	XT_CHECK(!state_service_fail_open(st, &web), "fails open with 3 healthy");
	/* 2 healthy of min 2: 10.1.0.3 is simply down; the table of 1 and 2 is the good one. */
	XT_CHECK(apply_sick("10.1.0.3", NULL) == 0, "%s", err);
	XT_SNAP("UUD", "110");
	XT_CHECK(!state_service_fail_open(st, &web), "fails open with 2 healthy");
	/* 1 healthy: fail open with the last good table: 10.1.0.2 stays in although it fails,
	 * 10.1.0.3 (not in the good table) stays out. */
	XT_CHECK(apply_sick("10.1.0.3", "10.1.0.2") == 0, "%s", err);
	XT_SNAP("UUD", "110");
	XT_CHECK(state_service_fail_open(st, &web), "does not fail open with 1 healthy");
	XT_CHECK(!state_service_healthy(st, &web), "healthy with 1 of min 2");
	/* Healthy again: every healthy backend, and no longer failing open. */
	XT_CHECK(apply_sick(NULL, NULL) == 0, "%s", err);
	XT_SNAP("UUU", "111");
	XT_CHECK(!state_service_fail_open(st, &web), "still fails open");
	XT_CHECK(state_service_healthy(st, &web), "not healthy with 3 of min 2");
	return XT_PASS;
}

/* A service that never had min_healthy healthy backends fails open with every enabled one. */
static int t_fail_open_without_good_table(void)
{
	XT_EQ(fresh(), 0);
	XT_CHECK(apply_sick("10.1.0.1", "10.1.0.2") == 0, "%s", err);
	XT_SNAP("UUU", "111");
	XT_CHECK(state_service_fail_open(st, &state_conf(st)->services[0].ref), "not failing open");
	return XT_PASS;
}

/* A health change plans the services it names and nothing else: the sick backend of web
 * goes down and web's table is rebuilt; dns's table, the config and the VIPs are not written.
 * Naming only dns while web's view changed writes nothing. */
static int t_health_change_plans_its_service(void)
{
	struct xlb_service_ref web_ref, dns_ref;
	struct xlb_svc web, dns;
	__u32 web_inner, dns_inner, inner;

	XT_EQ(fresh(), 0);
	XT_CHECK(apply_web(251, TWO) == 0, "%s", err);
	web = svc_of(80);
	dns = svc_of(53);
	slots_of(&web, 0, &web_inner);
	slots_of(&dns, 0, &dns_inner);
	web_ref = state_conf(st)->services[0].ref;
	dns_ref = state_conf(st)->services[1].ref;
	sick[0] = "10.1.0.2";
	sick[1] = NULL;
	RT.healthy = sick_is_down;
	XT_CHECK(state_apply_health(st, &dns_ref, 1, &RT, err, sizeof(err)) == 0, "%s", err);
	XT_EQ(state_last_apply(st)->backends_written, 0);
	XT_EQ(state_last_apply(st)->tables_built, 0);
	XT_EQ(state_of(web.id, "10.1.0.2"), XLB_BE_UP);
	XT_CHECK(state_apply_health(st, &web_ref, 1, &RT, err, sizeof(err)) == 0, "%s", err);
	RT.healthy = NULL;
	XT_EQ(state_last_apply(st)->tables_built, 1);
	XT_EQ(state_last_apply(st)->tables_kept, 0);
	XT_EQ(state_last_apply(st)->backends_written, 1);
	XT_EQ(state_last_apply(st)->config_written, false);
	XT_EQ(state_last_apply(st)->vips_written, 0);
	XT_EQ(state_of(web.id, "10.1.0.2"), XLB_BE_DOWN);
	XT_EQ(slots_of(&web, backend_id(web.id, "10.1.0.2", NULL), &inner), 0);
	XT_CHECK(inner != web_inner, "web's table was not swapped");
	slots_of(&dns, 0, &inner);
	XT_EQ(inner, dns_inner);
	return XT_PASS;
}

/* The checks' settings reach the applied configuration as written, each one distinct. */
static int t_health_settings_distinct(void)
{
	const struct xlb_conf_service *cs;

	XT_EQ(fresh(), 0);
	XT_CHECK(apply_sick(NULL, NULL) == 0, "%s", err);
	cs = &state_conf(st)->services[0];
	XT_EQ(cs->health.rise, 3);
	XT_EQ(cs->health.fall, 1);
	XT_EQ(cs->health.timeout_ms, 400);
	XT_EQ(cs->health.interval_ms, 2000);
	XT_EQ(cs->min_healthy, 2);
	/* 10.1.0.3's own values: rise and timeout overridden, fall inherited. */
	struct xlb_conf_health eff;

	XT_EQ(cs->n_backends, 3);
	xlb_conf_backend_health(cs, &cs->backends[2], &eff);
	XT_EQ(eff.rise, 5);
	XT_EQ(eff.fall, 1);
	XT_EQ(eff.timeout_ms, 1500);
	xlb_conf_backend_health(cs, &cs->backends[0], &eff);
	XT_EQ(eff.rise, 3);
	XT_EQ(eff.timeout_ms, 400);
	return XT_PASS;
}

static bool announced(const char *vip)
{
	struct xlb_addr a;

	xlb_addr_parse(vip, &a);
	return announce_vip_announced(&a);
}

/* Route health injection: the VIP's route is in table 4242 while xlb_lb is attached and the
 * service is healthy (at least min_healthy backends pass), and only then. */
static int t_announce_only_healthy(void)
{
	XT_EQ(fresh(), 0);
	XT_CHECK(apply_sick(NULL, NULL) == 0, "%s", err);
	XT_EQ(announce_sync(state_conf(st), st, true), 0);
	XT_CHECK(announced("10.0.0.10"), "healthy VIP not announced");
	XT_EQ(announce_sync(state_conf(st), st, false), 0);
	XT_CHECK(!announced("10.0.0.10"), "announced while xlb_lb is not attached");
	XT_EQ(announce_sync(state_conf(st), st, true), 0);
	XT_CHECK(announced("10.0.0.10"), "not announced again");
	/* Two of three down: failing open, but not healthy: withdrawn. */
	XT_CHECK(apply_sick("10.1.0.3", "10.1.0.2") == 0, "%s", err);
	XT_EQ(announce_sync(state_conf(st), st, true), 0);
	XT_CHECK(!announced("10.0.0.10"), "unhealthy VIP announced");
	/* Exactly min_healthy healthy: announced. */
	XT_CHECK(apply_sick("10.1.0.3", NULL) == 0, "%s", err);
	XT_EQ(announce_sync(state_conf(st), st, true), 0);
	XT_CHECK(announced("10.0.0.10"), "VIP with min_healthy healthy not announced");
	XT_CHECK(announce_withdraw_all() == 1, "withdraw_all did not remove one route");
	XT_CHECK(!announced("10.0.0.10"), "still announced after withdraw_all");
	return XT_PASS;
}

static const struct xt_case cases[] = {
	{ "reused_ids_start_from_zero", t_reused_ids_start_from_zero },
	{ "apply_exact", t_apply_exact },
	{ "reapply_writes_nothing", t_reapply_writes_nothing },
	{ "remove_and_readd_backend", t_remove_and_readd_backend },
	{ "drain_disable_weight0", t_drain_disable_weight0 },
	{ "table_size_change_moves_id", t_table_size_change_moves_id },
	{ "remove_service_and_vip", t_remove_service_and_vip },
	{ "invalid_changes_nothing", t_invalid_changes_nothing },
	{ "capacity_refused_whole", t_capacity_refused_whole },
	{ "adoption_rewrites_nothing", t_adoption_rewrites_nothing },
	{ "table_reads_back", t_table_reads_back },
	{ "table_pool_reuses", t_table_pool_reuses },
	{ "commit_stops_at_failed_swap", t_commit_stops_at_failed_swap },
	{ "commit_batches_swaps_in_order", t_commit_batches_swaps_in_order },
	{ "commit_batches_backend_writes", t_commit_batches_backend_writes },
	{ "commit_deletes_tables_together", t_commit_deletes_tables_together },
	{ "commit_moved_service_keeps_old_table", t_commit_moved_service_keeps_old_table },
	{ "fail_open_keeps_last_good_table", t_fail_open_keeps_last_good_table },
	{ "fail_open_without_good_table", t_fail_open_without_good_table },
	{ "health_change_plans_its_service", t_health_change_plans_its_service },
	{ "health_settings_distinct", t_health_settings_distinct },
	{ "announce_only_healthy", t_announce_only_healthy },
};

int main(int argc, char **argv)
{
	struct xt_counts c = { 0 };
	int rc;

	if (geteuid() != 0) {
		printf("skip bpf/state/*: needs root (BPF maps, a network namespace)\n");
		c.skipped = 1;
		return xt_summary("bpf/state", &c);
	}
	/* A private network namespace: the veth pair and attachments vanish with the process. */
	if (unshare(CLONE_NEWNET) || system("ip link add xst0 type veth peer name xst1 && ip link "
					    "set xst0 up && "
					    "ip link set xst1 up")) {
		fprintf(stderr, "bpf/state: cannot set up a network namespace\n");
		c.failed = 1;
		return xt_summary("bpf/state", &c);
	}
	xlog_set_level(XLOG_ERR);
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/xlb-state-test-%d", getpid());
	rc = xt_run("bpf/state", cases, sizeof(cases) / sizeof(cases[0]),
		    argc > 1 ? argv[1] : NULL);
	state_free(st);
	dp_close(dp);
	dp_cleanup(pin);
	return rc;
}
