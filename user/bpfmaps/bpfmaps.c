// SPDX-License-Identifier: GPL-2.0
/* bpfmaps.c - what xlbd, lbctl and xlb-decap all do with xlb's BPF maps: see bpfmaps.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfmaps.h"
#include "xlb_conn.h"

/* The maps of xlb_lb by pinned name, with the layout xlb_abi.h gives them. */
static const struct {
	const char *name;
	__u32 key_size, value_size;
} LAYOUTS[] = {
	{ "xlb_config", sizeof(__u32), sizeof(struct xlb_config) },
	{ "xlb_services", sizeof(struct xlb_svc_key), sizeof(struct xlb_svc) },
	{ "xlb_vips", sizeof(struct xlb_vip_key), sizeof(struct xlb_vip) },
	{ "xlb_tables", sizeof(__u32), sizeof(__u32) },
	{ "xlb_backends", sizeof(__u32), sizeof(struct xlb_backend) },
	{ "xlb_conns", sizeof(__u32), sizeof(struct xlb_conn_bucket) },
	{ "xlb_conns_count", sizeof(__u32), sizeof(__u64) },
	{ "xlb_frags", sizeof(struct xlb_frag_key), sizeof(struct xlb_frag) },
	{ "xlb_svc_stats", sizeof(__u32), sizeof(struct xlb_counter) },
	{ "xlb_be_stats", sizeof(__u32), sizeof(struct xlb_counter) },
	{ "xlb_reasons", sizeof(__u32), sizeof(struct xlb_counter) },
};

int bm_pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int bm_pinned_abi(const char *dir, __u32 *version)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), zero = 0;
	struct xlb_config cfg;
	char path[4096];
	int fd, ret = 0;

	ret = bm_pin_path(path, sizeof(path), dir, "xlb_config");
	if (ret)
		return ret;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		ret = -errno;
	else if (info.value_size != sizeof(cfg))
		ret = -EPROTO;
	else if (bpf_map_lookup_elem(fd, &zero, &cfg))
		ret = -errno;
	else
		*version = cfg.abi_version;
	close(fd);
	return ret;
}

int bm_check_layout(int fd, const char *name, char *err, size_t errlen)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	for (size_t i = 0; i < sizeof(LAYOUTS) / sizeof(LAYOUTS[0]); i++) {
		if (strcmp(LAYOUTS[i].name, name))
			continue;
		if (info.key_size == LAYOUTS[i].key_size &&
		    info.value_size == LAYOUTS[i].value_size)
			return 0;
		snprintf(err, errlen, "%u-byte keys and %u-byte values, ABI %u says %u and %u",
			 info.key_size, info.value_size, XLB_ABI_VERSION, LAYOUTS[i].key_size,
			 LAYOUTS[i].value_size);
		return -EPROTO;
	}
	return 0;
}

/* One value per possible CPU, allocated on first use; NULL with *n 0 when that fails. */
static struct xlb_counter *percpu(int *n)
{
	static struct xlb_counter *buf;
	static int ncpus;

	if (!buf) {
		ncpus = libbpf_num_possible_cpus();
		buf = ncpus > 0 ? calloc((size_t)ncpus, sizeof(*buf)) : NULL;
	}
	*n = buf ? ncpus : 0;
	return buf;
}

int bm_counter_sum(int fd, __u32 idx, struct xlb_counter *sum)
{
	int n;
	struct xlb_counter *vals = percpu(&n);

	memset(sum, 0, sizeof(*sum));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &idx, vals))
		return -errno;
	for (int i = 0; i < n; i++) {
		sum->packets += vals[i].packets;
		sum->bytes += vals[i].bytes;
	}
	return 0;
}

int bm_counter_zero(int fd, __u32 idx)
{
	int n;
	struct xlb_counter *vals = percpu(&n);

	if (!vals)
		return -ENOMEM;
	memset(vals, 0, sizeof(*vals) * (size_t)n);
	return bpf_map_update_elem(fd, &idx, vals, BPF_ANY) ? -errno : 0;
}

/* The memlock line of fd's /proc/self/fdinfo entry. */
static int fd_memlock(int fd, __u64 *bytes)
{
	char path[64], line[128];
	unsigned long long v;
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1) {
			*bytes = v;
			ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

int bm_map_memory(int fd, __u64 *bytes)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	__u64 inner_bytes;
	int ret;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	ret = fd_memlock(fd, bytes);
	if (ret || info.type != BPF_MAP_TYPE_ARRAY_OF_MAPS)
		return ret;
	for (__u32 i = 0; i < info.max_entries && !ret; i++) {
		__u32 id;
		int inner;

		if (bpf_map_lookup_elem(fd, &i, &id))
			continue; /* an empty slot */
		inner = bpf_map_get_fd_by_id(id);
		if (inner < 0)
			continue; /* swapped out and freed since the lookup */
		ret = fd_memlock(inner, &inner_bytes);
		if (!ret)
			*bytes += inner_bytes;
		close(inner);
	}
	return ret;
}

int bm_conns_map(int fd, struct bm_conns *t)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int parts = libbpf_num_possible_cpus();
	void *p;

	memset(t, 0, sizeof(*t));
	if (parts <= 0)
		return parts ? parts : -EINVAL;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_ARRAY || !(info.map_flags & BPF_F_MMAPABLE) ||
	    info.value_size != sizeof(struct xlb_conn_bucket) || !info.max_entries ||
	    info.max_entries % (__u32)parts)
		return -EPROTO;
	t->len = (size_t)info.max_entries * sizeof(struct xlb_conn_bucket);
	p = mmap(NULL, t->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	t->b = p;
	t->parts = (__u32)parts;
	t->buckets = info.max_entries / (__u32)parts;
	return 0;
}

void bm_conns_unmap(struct bm_conns *t)
{
	if (t->b)
		munmap(t->b, t->len);
	t->b = NULL;
}

/* Counter k of xlb_conns_count on every possible CPU into vals (n of them). */
static int conns_counter(int count_fd, __u32 k, __u64 *vals)
{
	return bpf_map_lookup_elem(count_fd, &k, vals) ? -errno : 0;
}

int bm_conns_used(int count_fd, __u64 *total, __u64 *per_part)
{
	int n = libbpf_num_possible_cpus(), ret = 0;
	__u64 *vals, *taken, *emptied, sum_taken = 0, sum_emptied = 0;

	*total = 0;
	if (n <= 0)
		return n ? n : -EINVAL;
	vals = calloc(3 * (size_t)n, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	taken = vals + n;
	emptied = taken + n;
	for (__u32 k = 0; !ret && k < XLB_CONNS_COUNTERS; k++) {
		ret = conns_counter(count_fd, k, vals);
		for (int i = 0; !ret && i < n; i++) {
			if (k == XLB_CONNS_FILLED)
				taken[i] += vals[i];
			else
				emptied[i] += vals[i];
		}
	}
	for (int i = 0; !ret && i < n; i++) {
		/* A CPU counts what it empties in other parts too (a SYN's), so a part's own
		 * difference is only near its use. The total can lag by the entries being
		 * written or emptied while it is read, and a flush that empties an entry as
		 * its CPU overwrites it counts one that stays (docs/datapath.md). */
		if (per_part)
			per_part[i] = taken[i] > emptied[i] ? taken[i] - emptied[i] : 0;
		sum_taken += taken[i];
		sum_emptied += emptied[i];
	}
	if (!ret)
		*total = sum_taken > sum_emptied ? sum_taken - sum_emptied : 0;
	free(vals);
	return ret;
}

int bm_conns_flush(const struct bm_conns *t, int count_fd,
		   bool (*want)(const struct xlb_conn *c, void *ctx), void *ctx, __u64 *flushed)
{
	__u64 *add = calloc(2 * (size_t)t->parts, sizeof(*add)), *vals = add + t->parts;
	__u32 k = XLB_CONNS_FLUSHED;
	int ret;

	*flushed = 0;
	if (!add)
		return -ENOMEM;
	/* The counter is read before anything is emptied, so that a failure changes nothing;
	 * userspace is its only writer (XLB_CONNS_FORGOTTEN is the data path's). */
	ret = conns_counter(count_fd, k, vals);
	for (__u32 p = 0; !ret && p < t->parts; p++) {
		struct xlb_conn_bucket *b = t->b + (size_t)p * t->buckets;

		for (__u32 i = 0; i < t->buckets; i++)
			for (int w = 0; w < XLB_CONN_WAYS; w++) {
				struct xlb_conn *c = &b[i].e[w];

				if (!__atomic_load_n(&c->generation, __ATOMIC_RELAXED) ||
				    (want && !want(c, ctx)))
					continue;
				/* One aligned store: the entry is flushed or rewritten whole. */
				__atomic_store_n(&c->generation, 0, __ATOMIC_RELAXED);
				add[p]++;
			}
		*flushed += add[p];
		vals[p] += add[p];
	}
	if (!ret && *flushed && bpf_map_update_elem(count_fd, &k, vals, BPF_ANY))
		ret = -errno;
	free(add);
	return ret;
}

const struct xlb_conn *bm_conns_find(const struct bm_conns *t, __u32 hash, const __u32 *src,
				     __u16 sport, __u16 dport, __u32 now, __u32 *part)
{
	const struct xlb_conn *best = NULL;
	__u32 best_age = ~0U;

	for (__u32 p = 0; p < t->parts; p++) {
		const struct xlb_conn_bucket *b = &t->b[xlb_conn_index(hash, p, t->buckets)];

		for (int w = 0; w < XLB_CONN_WAYS; w++)
			if (xlb_conn_match(&b->e[w], src, sport, dport)) {
				if (xlb_conn_age(&b->e[w], now) < best_age) {
					best_age = xlb_conn_age(&b->e[w], now);
					best = &b->e[w];
					*part = p;
				}
				break;
			}
	}
	return best;
}

void bm_capture_arm(struct xlb_capture_filter *live, const struct xlb_capture_filter *f)
{
	__atomic_store_n(&live->gen, 0, __ATOMIC_SEQ_CST);
	live->flags = f->flags;
	live->svc_id = f->svc_id;
	live->backend_id = f->backend_id;
	memcpy(live->client, f->client, sizeof(live->client));
	memcpy(live->client_mask, f->client_mask, sizeof(live->client_mask));
	live->client_family = f->client_family;
	live->reason = f->reason;
	live->verdict = f->verdict;
	live->sample = f->sample;
	live->budget = f->budget;
	live->snaplen = f->snaplen;
	__atomic_store_n(&live->used, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&live->lost, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&live->gen, f->gen, __ATOMIC_SEQ_CST);
}

const struct xlb_capture_rec *bm_capture_rec(const void *data, size_t size)
{
	const struct xlb_capture_rec *r = data;

	return size < sizeof(*r) || r->cap_len > size - sizeof(*r) ? NULL : r;
}
