// SPDX-License-Identifier: GPL-2.0
/* lbenv.c - BPF test environment: see lbenv.h. */
#define _GNU_SOURCE /* sched_setaffinity */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "addr.h"
#include "frame.h"
#include "lbenv.h"
#include "xlb_conn.h"
#include "xlb.skel.h"

/* Map the connection table m (max_entries buckets) into e. Returns 0 or -errno. */
static int conns_map(struct lbenv *e, struct bpf_map *m)
{
	size_t len = (size_t)bpf_map__max_entries(m) * sizeof(struct xlb_conn_bucket);
	void *p;

	if (e->conns)
		munmap(e->conns, (size_t)e->ncpus * e->conn_buckets * sizeof(*e->conns));
	e->conns = NULL;
	e->conn_buckets = bpf_map__max_entries(m) / (uint32_t)e->ncpus;
	if (!e->conn_buckets)
		return -EINVAL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(m), 0);
	if (p == MAP_FAILED)
		return -errno;
	e->conns = p;
	return 0;
}

int lbenv_use(struct lbenv *e, struct bpf_object *obj, const char *prog)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, prog);
	struct {
		const char *name;
		int *fd;
	} maps[] = {
		{ "xlb_config", &e->cfg_fd },	     { "xlb_services", &e->svc_fd },
		{ "xlb_tables", &e->tables_fd },     { "xlb_backends", &e->be_fd },
		{ "xlb_conns", &e->conns_fd },	     { "xlb_svc_stats", &e->svc_stats_fd },
		{ "xlb_be_stats", &e->be_stats_fd }, { "xlb_reasons", &e->reasons_fd },
		{ "xlb_vips", &e->vips_fd },	     { "xlb_frags", &e->frags_fd },
		{ "xlb_guard", &e->guard_fd },	     { "xlb_conns_count", &e->conns_count_fd },
	};

	if (!p)
		return -ENOENT;
	e->prog_fd = bpf_program__fd(p);
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, maps[i].name);

		if (!m)
			return -ENOENT;
		*maps[i].fd = bpf_map__fd(m);
	}
	e->ncpus = libbpf_num_possible_cpus();
	if (e->ncpus <= 0)
		return -EINVAL;
	return conns_map(e, bpf_object__find_map_by_name(obj, "xlb_conns"));
}

int lbenv_pin(void)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(LBENV_CPU, &one);
	return sched_setaffinity(0, sizeof(one), &one) ? -errno : 0;
}

int lbenv_open(struct lbenv *e, uint32_t conns)
{
	int err;

	memset(e, 0, sizeof(*e));
	e->ncpus = libbpf_num_possible_cpus();
	if (e->ncpus <= 0)
		return -EINVAL;
	e->skel = xlb_bpf__open();
	if (!e->skel)
		return -errno;
	err = bpf_map__set_max_entries(e->skel->maps.xlb_conns,
				       xlb_conn_buckets(conns, (uint32_t)e->ncpus) *
					       (uint32_t)e->ncpus);
	if (!err)
		err = xlb_bpf__load(e->skel);
	if (!err)
		err = lbenv_use(e, e->skel->obj, "xlb_lb");
	if (err) {
		xlb_bpf__destroy(e->skel);
		e->skel = NULL;
	}
	return err;
}

void lbenv_close(struct lbenv *e)
{
	if (e->conns)
		munmap(e->conns, (size_t)e->ncpus * e->conn_buckets * sizeof(*e->conns));
	e->conns = NULL;
	xlb_bpf__destroy(e->skel);
	e->skel = NULL;
}

int lbenv_set_config(struct lbenv *e, const struct xlb_config *cfg)
{
	struct xlb_config c = *cfg;
	__u32 zero = 0;

	c.conn_buckets = e->conn_buckets;
	c.conn_parts = (uint32_t)e->ncpus;
	return bpf_map_update_elem(e->cfg_fd, &zero, &c, BPF_ANY) ? -errno : 0;
}

static void svc_key(struct xlb_svc_key *k, const char *vip, uint16_t port, uint8_t proto)
{
	memset(k, 0, sizeof(*k));
	k->family = addr_parse(vip, k->addr) == 4 ? XLB_AF_INET : XLB_AF_INET6;
	k->port = htons(port);
	k->proto = proto;
}

int lbenv_set_service(struct lbenv *e, const char *vip, uint16_t port, uint8_t proto, uint32_t id,
		      uint32_t table_size)
{
	struct xlb_svc_key k;
	struct xlb_svc v = { .id = id, .table_size = table_size };

	svc_key(&k, vip, port, proto);
	return bpf_map_update_elem(e->svc_fd, &k, &v, BPF_ANY) ? -errno : 0;
}

int lbenv_del_service(struct lbenv *e, const char *vip, uint16_t port, uint8_t proto)
{
	struct xlb_svc_key k;

	svc_key(&k, vip, port, proto);
	return bpf_map_delete_elem(e->svc_fd, &k) ? -errno : 0;
}

int lbenv_set_vip(struct lbenv *e, const char *addr, uint32_t flags)
{
	struct xlb_vip_key k;
	struct xlb_vip v = { .flags = flags };
	struct xlb_addr a;

	memset(&k, 0, sizeof(k));
	if (xlb_addr_parse(addr, &a))
		return -EINVAL;
	memcpy(k.addr, a.addr, sizeof(k.addr));
	k.family = a.family;
	return bpf_map_update_elem(e->vips_fd, &k, &v, BPF_ANY) ? -errno : 0;
}

int lbenv_set_table(struct lbenv *e, uint32_t svc_id, const uint32_t *ids, uint32_t m)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = XLB_TABLE_MAP_FLAGS);
	uint32_t chunks = XLB_TABLE_CHUNKS(m);
	struct xlb_table_chunk c;
	int fd, err = 0;

	if (!m)
		return -EINVAL;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xlb_table", sizeof(uint32_t), sizeof(c), chunks,
			    &opts);
	if (fd < 0)
		return -errno;
	for (uint32_t k = 0; k < chunks; k++) {
		uint32_t first = k * XLB_TABLE_CHUNK_SLOTS;

		/* The slots of the last chunk past m stay XLB_BACKEND_NONE (0). */
		memset(&c, 0, sizeof(c));
		for (uint32_t i = 0; i < XLB_TABLE_CHUNK_SLOTS && first + i < m; i++)
			c.id[i] = ids[first + i];
		if (bpf_map_update_elem(fd, &k, &c, BPF_ANY)) {
			err = -errno;
			goto out_close;
		}
	}
	if (bpf_map_update_elem(e->tables_fd, &svc_id, &fd, BPF_ANY))
		err = -errno;
out_close:
	close(fd);
	return err;
}

int lbenv_del_table(struct lbenv *e, uint32_t svc_id)
{
	return bpf_map_delete_elem(e->tables_fd, &svc_id) ? -errno : 0;
}

int lbenv_set_backend(struct lbenv *e, uint32_t id, const char *addr, uint32_t svc_id,
		      uint32_t generation, uint8_t state, uint16_t weight)
{
	struct xlb_backend b = {
		.svc_id = svc_id,
		.generation = generation,
		.state = state,
		.weight = weight,
	};

	b.family = addr_parse(addr, b.addr) == 4 ? XLB_AF_INET : XLB_AF_INET6;
	return bpf_map_update_elem(e->be_fd, &id, &b, BPF_ANY) ? -errno : 0;
}

int lbenv_set_backend_mode(struct lbenv *e, uint32_t id, uint8_t encap, const uint8_t mac[6])
{
	struct xlb_backend b;

	if (bpf_map_lookup_elem(e->be_fd, &id, &b))
		return -errno;
	b.encap = encap;
	memset(b.mac, 0, sizeof(b.mac));
	if (mac)
		memcpy(b.mac, mac, sizeof(b.mac));
	return bpf_map_update_elem(e->be_fd, &id, &b, BPF_ANY) ? -errno : 0;
}

int lbenv_flush_conns(struct lbenv *e)
{
	uint64_t *zeros = calloc((size_t)e->ncpus, sizeof(*zeros));
	int err = 0;

	if (!zeros)
		return -ENOMEM;
	if (e->conns)
		memset(e->conns, 0, (size_t)e->ncpus * e->conn_buckets * sizeof(*e->conns));
	for (uint32_t k = 0; k < XLB_CONNS_COUNTERS && !err; k++)
		if (bpf_map_update_elem(e->conns_count_fd, &k, zeros, BPF_ANY))
			err = -errno;
	free(zeros);
	return err;
}

struct xlb_conn_bucket *lbenv_bucket(struct lbenv *e, uint32_t cpu, uint32_t hash)
{
	if (cpu >= (uint32_t)e->ncpus || !e->conns)
		return NULL;
	return &e->conns[xlb_conn_index(hash, cpu, e->conn_buckets)];
}

struct xlb_conn *lbenv_conn(struct lbenv *e, uint32_t cpu, uint32_t hash, const uint32_t *src,
			    uint16_t sport, uint16_t dport)
{
	struct xlb_conn_bucket *b = lbenv_bucket(e, cpu, hash);

	for (int i = 0; b && i < XLB_CONN_WAYS; i++)
		if (xlb_conn_match(&b->e[i], src, sport, dport))
			return &b->e[i];
	return NULL;
}

int lbenv_put_conn(struct lbenv *e, uint32_t cpu, uint32_t hash, const struct xlb_conn *c)
{
	struct xlb_conn_bucket *b = lbenv_bucket(e, cpu, hash);
	struct xlb_conn *v = lbenv_conn(e, cpu, hash, c->src, c->sport, c->dport);

	if (!b)
		return -EINVAL;
	for (int i = 0; !v && i < XLB_CONN_WAYS; i++)
		if (!b->e[i].generation)
			v = &b->e[i];
	if (!v)
		return -ENOSPC;
	*v = *c;
	return 0;
}

int64_t lbenv_conns_occupancy(struct lbenv *e)
{
	uint64_t *vals = calloc((size_t)e->ncpus, sizeof(*vals));
	int64_t n = 0;

	if (!vals)
		return -ENOMEM;
	for (uint32_t k = 0; k < XLB_CONNS_COUNTERS; k++) {
		if (bpf_map_lookup_elem(e->conns_count_fd, &k, vals)) {
			n = -errno;
			break;
		}
		for (int i = 0; i < e->ncpus; i++)
			n += k == XLB_CONNS_FILLED ? (int64_t)vals[i] : -(int64_t)vals[i];
	}
	free(vals);
	return n;
}

int lbenv_reset_guard(struct lbenv *e)
{
	uint64_t *tat = calloc((size_t)e->ncpus, sizeof(*tat));
	uint32_t zero = 0;
	int err = 0;

	if (!tat)
		return -ENOMEM;
	if (bpf_map_update_elem(e->guard_fd, &zero, tat, BPF_ANY))
		err = -errno;
	free(tat);
	return err;
}

int lbenv_count_conns(struct lbenv *e)
{
	size_t nb = (size_t)e->ncpus * e->conn_buckets;
	int n = 0;

	for (size_t i = 0; e->conns && i < nb; i++)
		for (int w = 0; w < XLB_CONN_WAYS; w++)
			n += e->conns[i].e[w].generation != 0;
	return n;
}

int lbenv_run(struct lbenv *e, const void *in, size_t len, void *out, size_t *out_len, int *action)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = FRAME_MAX, .repeat = 1);

	if (bpf_prog_test_run_opts(e->prog_fd, &opts))
		return -errno;
	*out_len = opts.data_size_out;
	*action = (int)opts.retval;
	return 0;
}

static int percpu_sum(struct lbenv *e, int fd, uint32_t idx, struct xlb_counter *sum)
{
	struct xlb_counter *vals = calloc((size_t)e->ncpus, sizeof(*vals));

	memset(sum, 0, sizeof(*sum));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &idx, vals)) {
		free(vals);
		return -errno;
	}
	for (int i = 0; i < e->ncpus; i++) {
		sum->packets += vals[i].packets;
		sum->bytes += vals[i].bytes;
	}
	free(vals);
	return 0;
}

int lbenv_reasons(struct lbenv *e, uint64_t pkts[XLB_R_MAX])
{
	struct xlb_counter c;

	for (uint32_t r = 0; r < XLB_R_MAX; r++) {
		int err = percpu_sum(e, e->reasons_fd, r, &c);

		if (err)
			return err;
		pkts[r] = c.packets;
	}
	return 0;
}

uint64_t lbenv_svc_pkts(struct lbenv *e, uint32_t id)
{
	struct xlb_counter c;

	return percpu_sum(e, e->svc_stats_fd, id, &c) ? UINT64_MAX : c.packets;
}

uint64_t lbenv_be_pkts(struct lbenv *e, uint32_t id)
{
	struct xlb_counter c;

	return percpu_sum(e, e->be_stats_fd, id, &c) ? UINT64_MAX : c.packets;
}

uint64_t lbenv_be_bytes(struct lbenv *e, uint32_t id)
{
	struct xlb_counter c;

	return percpu_sum(e, e->be_stats_fd, id, &c) ? UINT64_MAX : c.bytes;
}
