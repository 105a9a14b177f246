/* SPDX-License-Identifier: GPL-2.0 */
/* maps.h - every map of xlb_lb. Layouts come from include/xlb_abi.h; the daemon is the only
 * writer of the control maps (config, services, tables, backends), the data path the only
 * writer of the connection table and counters. */
#ifndef XLB_BPF_MAPS_H
#define XLB_BPF_MAPS_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "xlb_abi.h"
#include "xlb_reasons.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_config);
} xlb_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_MAX_SERVICES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xlb_svc_key);
	__type(value, struct xlb_svc);
} xlb_services SEC(".maps");

/* Every VIP address with any service, and what to do with its ICMP. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_MAX_VIPS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xlb_vip_key);
	__type(value, struct xlb_vip);
} xlb_vips SEC(".maps");

/* Where the first fragment of a datagram went; written and read by the data path only. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XLB_FRAG_ENTRIES);
	__type(key, struct xlb_frag_key);
	__type(value, struct xlb_frag);
} xlb_frags SEC(".maps");

/* Inner maps: one Maglev table per service, M = xlb_svc.table_size slots of backend ids in
 * XLB_TABLE_CHUNKS(M) chunks of 1,024. BPF_F_INNER_MAP: every service has its own prime M, so its
 * own number of chunks (this template's max_entries is only the smallest). The daemon fills a
 * table completely before it swaps the outer slot: a packet sees a whole old or a whole new
 * table. */
struct xlb_table_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, XLB_TABLE_MAP_FLAGS);
	/* Sizes, not BTF types: the program uses a chunk only through a pointer, so clang leaves
	 * struct xlb_table_chunk a forward declaration in BTF, and libbpf refused it ("can't
	 * determine value size"). The daemon's tables have no BTF either. */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct xlb_table_chunk));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XLB_MAX_SERVICES);
	__type(key, __u32);
	__array(values, struct xlb_table_inner);
} xlb_tables SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_backend);
} xlb_backends SEC(".maps");

/* The connection table (include/xlb_abi.h, bpf/conntab.h): conn_parts x conn_buckets buckets,
 * sized by whoever loads the object (xlbd from conntrack.size, the tests and benchmarks their
 * own way) before load: the 1 entry below is only the object's default. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_conn_bucket);
} xlb_conns SEC(".maps");

/* Occupancy of xlb_conns per CPU (enum xlb_conns_counter): the data path counts entries taken
 * from empty and the other parts' entries it emptied, userspace the entries it flushed. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_CONNS_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} xlb_conns_count SEC(".maps");

/* Flood guard state per CPU: the theoretical arrival time (ns) of the next allowed connection
 * entry (GCRA). Written by the data path only. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} xlb_guard SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct xlb_counter);
} xlb_svc_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_counter);
} xlb_be_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_R_MAX);
	__type(key, __u32);
	__type(value, struct xlb_counter);
} xlb_reasons SEC(".maps");

#endif /* XLB_BPF_MAPS_H */
