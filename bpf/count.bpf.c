// SPDX-License-Identifier: GPL-2.0
/* count.bpf.c - program xlb_map_count: a bpf_map iterator that writes the element count of the
 * one map whose id is target_id (kfunc bpf_map_sum_elem_count, Linux 6.6+) as a u64. xlbd
 * reads the connection table's occupancy with it in one read() instead of walking a million
 * entries (about half a second on these VMs) on every scrape. Not attached to any packet path. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Only the fields read here, relocated against the running kernel's BTF (CO-RE). */
struct bpf_map {
	__u32 id;
} __attribute__((preserve_access_index));

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
} __attribute__((preserve_access_index));

extern __s64 bpf_map_sum_elem_count(const struct bpf_map *map) __ksym;

const volatile __u32 target_id = 0; /* set before load: the map to count */

SEC("iter/bpf_map")
int xlb_map_count(struct bpf_iter__bpf_map *ctx)
{
	struct bpf_map *map = ctx->map;
	__u64 n;

	if (!map || map->id != target_id)
		return 0;
	n = (__u64)bpf_map_sum_elem_count(map);
	bpf_seq_write(ctx->meta->seq, &n, sizeof(n));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
