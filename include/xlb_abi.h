/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* xlb_abi.h - the contract between the BPF data path and userspace: map keys and values,
 * limits, flags and the ABI version. Compiled by clang -target bpf and by gcc; every layout
 * is fixed-width with explicit padding and checked with _Static_assert below.
 *
 * Byte order: addresses and ports are in network byte order (marked "be"), everything else in
 * host byte order. An IPv4 address occupies addr[0] of a 16-byte address; addr[1..3] are zero.
 *
 * Bump XLB_ABI_VERSION whenever any layout, limit or meaning here changes.
 */
#ifndef XLB_ABI_H
#define XLB_ABI_H

#include <linux/types.h>

/* Version of everything in this file. Stored in xlb_config.abi_version by the daemon so that a
 * restarted daemon can refuse pinned maps it does not understand. */
#define XLB_ABI_VERSION 6

/* Limits. They size the maps, so changing one changes the ABI. */
#define XLB_MAX_SERVICES 4096 /* services (VIP, port, proto) */
#define XLB_MAX_BACKENDS 65537 /* 65,536 (service, backend) pairs, plus id 0: "none" */
#define XLB_MAX_TABLE_SIZE 655373 /* largest Maglev table (prime) */
#define XLB_MIN_TABLE_SIZE 7 /* smallest Maglev table (prime) */
#define XLB_DEFAULT_CONNS 1048576 /* connection-table entries unless configured */
/* Largest connection table: 64 M entries of 32 B = 2 GiB (an array map must stay under 4 GiB). */
#define XLB_MAX_CONNS 67108864
#define XLB_MAX_VIPS XLB_MAX_SERVICES /* distinct VIP addresses */
#define XLB_FRAG_ENTRIES 16384 /* fragmented datagrams in flight (LRU) */

/* A Maglev table of M slots is stored as XLB_TABLE_CHUNKS(M) chunks of XLB_TABLE_CHUNK_SLOTS
 * backend ids: slot s is id[s % XLB_TABLE_CHUNK_SLOTS] of chunk s / XLB_TABLE_CHUNK_SLOTS, and
 * the slots of the last chunk past M hold XLB_BACKEND_NONE. Why chunks: the kernel stores an
 * array value in a slot rounded up to 8 bytes, so a table of one __u32 per element costs 8
 * bytes per slot; a 4 KiB chunk costs 4 bytes per slot (half the memory), and the daemon fills a
 * whole table with one BPF_MAP_UPDATE_BATCH of M / 1,024 elements instead of M. Why 1,024 ids
 * (4 KiB, one page): few elements per table (65 at M = 65537), and under 4 KiB of padding in
 * the last chunk. */
#define XLB_TABLE_CHUNK_SLOTS 1024
#define XLB_TABLE_CHUNKS(m) (((m) + XLB_TABLE_CHUNK_SLOTS - 1) / XLB_TABLE_CHUNK_SLOTS)

/* map_flags of every inner Maglev table (xlb_tables' template and each table the daemon
 * inserts: the kernel inserts only maps whose flags equal the template's). BPF_F_INNER_MAP lets
 * each table have its own number of chunks. Use where <linux/bpf.h> is included. */
#define XLB_TABLE_MAP_FLAGS BPF_F_INNER_MAP

/* Backend id 0 is never allocated: an empty Maglev slot holds 0 ("no backend"). */
#define XLB_BACKEND_NONE 0

/* Address families as stored in the maps (values match AF_INET/AF_INET6 on Linux). */
#define XLB_AF_INET 2
#define XLB_AF_INET6 10

/* Backend states (xlb_backend.state). */
enum xlb_backend_state {
	XLB_BE_DOWN = 0, /* unusable: remembered flows are re-selected */
	XLB_BE_UP = 1, /* in the Maglev table, takes new and existing flows */
	XLB_BE_DRAIN = 2, /* not in the table (weight 0): keeps existing flows, gets no new ones */
};

/* Configuration flags (xlb_config.flags). */
#define XLB_CFG_F_WILDCARD (1U << 0) /* a port-0 service exists: do the second lookup */
/* A flow's packets stay on one CPU (RSS of a physical NIC): a packet looks for its flow's entry
 * only in its own CPU's part, and a SYN leaves the other parts alone; only a first fragment and
 * a TCP RST (whose RSS hash is not their flow's) and ICMP errors still look in every part.
 * Without it, flows may change CPU (a veth runs XDP on the sending CPU). */
#define XLB_CFG_F_CPU_LOCAL (1U << 1)

/* Key of xlb_services: one virtual service. Zero the whole key before filling it. */
struct xlb_svc_key {
	__u32 addr[4]; /* be: VIP */
	__u16 port; /* be: destination port, 0 = any port of this VIP and proto */
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 family; /* XLB_AF_INET or XLB_AF_INET6 */
};

/* Key of xlb_vips (and of the backends' xlb_dc_vips): one VIP address. Zero before filling. */
struct xlb_vip_key {
	__u32 addr[4]; /* be */
	__u8 family; /* XLB_AF_INET or XLB_AF_INET6 */
	__u8 pad[3];
};

/* Value of xlb_vips: what the data path does for a VIP beyond its TCP/UDP services. */
struct xlb_vip {
	__u32 flags; /* XLB_VIP_F_* */
};

#define XLB_VIP_F_ECHO (1U << 0) /* answer ICMP/ICMPv6 echo requests to this VIP */

/* Value of xlb_services. Written only after the service's table is in xlb_tables. */
struct xlb_svc {
	__u32 id; /* index into xlb_tables and xlb_svc_stats, < XLB_MAX_SERVICES */
	__u32 table_size; /* M: slots of the service's Maglev table (prime) */
	__u32 flags; /* reserved, 0 */
	__u32 pad;
};

/* Value of an inner table of xlb_tables, keyed by chunk index (see XLB_TABLE_CHUNK_SLOTS). */
struct xlb_table_chunk {
	__u32 id[XLB_TABLE_CHUNK_SLOTS]; /* backend ids of slots chunk * 1,024 + i */
};

/* How a packet reaches a backend (xlb_backend.encap). */
enum xlb_encap {
	XLB_ENCAP_IPIP = 0, /* IP-in-IP (4in4, 6in6, 4in6, 6in4): the default */
	XLB_ENCAP_GUE = 1, /* outer IP + UDP (xlb_config.gue_port) + GUE header */
	XLB_ENCAP_L2 = 2, /* direct routing: only the MACs change; the backend shares the L2 segment
			   */
};

/* Value of xlb_backends, indexed by backend id. One entry per (service, backend address). */
struct xlb_backend {
	__u32 addr[4]; /* be: backend address (outer destination; for XLB_ENCAP_L2 only the
			* address xlbd resolved mac from) */
	__u32 svc_id; /* the service this entry belongs to */
	__u32 generation; /* bumped every time the id is (re)assigned; 0 never used */
	__u8 family; /* XLB_AF_INET or XLB_AF_INET6: selects the outer header */
	__u8 state; /* enum xlb_backend_state */
	__u16 weight; /* configured weight, informational for the data path */
	__u8 encap; /* enum xlb_encap */
	__u8 pad;
	__u8 mac[6]; /* XLB_ENCAP_L2: the backend's MAC (frame destination); else unused, 0 */
};

/* The connection table xlb_conns: one BPF_MAP_TYPE_ARRAY (BPF_F_MMAPABLE, so that its values
 * start on a page and every bucket is 128-byte aligned: two adjacent cache lines) of
 * xlb_config.conn_parts x conn_buckets buckets of XLB_CONN_WAYS entries. Part c (buckets
 * c x conn_buckets ...) belongs to CPU c: only that CPU writes entries into it; others only
 * empty one by storing 0 to its generation (docs/datapath.md). Keys are
 * bucket indexes (xlb_conn_index() in xlb_conn.h). Written by the data path; userspace reads it
 * through mmap and flushes an entry by zeroing its generation word only. */
#define XLB_CONN_WAYS 4 /* entries per bucket: 4 x 32 B = 128 B (docs/decisions.md) */
#define XLB_CONN_CONFIRMED (1U << 31) /* xlb_conn.tick: a non-SYN packet has found the entry */
#define XLB_CONN_TICK_MASK (XLB_CONN_CONFIRMED - 1) /* xlb_conn.tick: the tick, 31 bits */

/* One connection (an entry of a bucket of xlb_conns): the client's address and port and the
 * destination port, compared whole (no fingerprint); no VIP, protocol or service id (the
 * backend names the service: one client address and ports talking to two services whose flows
 * share a bucket share one entry, and each re-selects) and no hash (it gives the index). */
struct xlb_conn {
	__u32 src[4]; /* be: client address; IPv4 in src[0], the rest 0 */
	__u16 sport; /* be: client port */
	__u16 dport; /* be: destination port (differs per flow on port-0 services) */
	__u32 tick; /* XLB_CONN_CONFIRMED | the tick (coarse clock >> XLB_CONN_TICK_SHIFT, 31
		     * bits) of the entry's last packet, rewritten only when it changes */
	__u32 backend_id; /* chosen backend */
	__u32 generation; /* xlb_backend.generation when chosen (a mismatch means the id moved);
			   * 0 = empty entry (xlbd never hands out generation 0) */
};

/* Value of xlb_conns: one bucket. */
struct xlb_conn_bucket {
	struct xlb_conn e[XLB_CONN_WAYS];
};

/* Keys of xlb_conns_count, a per-CPU array of __u64: occupancy without a walk of the table
 * (filled minus flushed minus forgotten, summed over the CPUs). Each key has one kind of
 * writer, so that no writer's read-modify-write loses another's counts. */
enum xlb_conns_counter {
	XLB_CONNS_FILLED = 0, /* entries the CPU's data path took from empty (never decreases) */
	XLB_CONNS_FLUSHED = 1, /* entries of the CPU's part userspace emptied (lbctl conns flush);
				* userspace is its only writer */
	XLB_CONNS_FORGOTTEN = 2, /* entries of other CPUs' parts this CPU's data path emptied (a
				  * SYN's choice replacing its flow's entries there) */
	XLB_CONNS_COUNTERS,
};

/* Entry ages (and UDP idle time) are kept in ticks of 2^30 ns (about 1.07 s): a shift instead
 * of a division on the data path, and 31 bits of xlb_conn.tick (wraps after 73 years). Expiry
 * is therefore accurate to about one second. */
#define XLB_CONN_TICK_SHIFT 30

/* Ticks for an idle time of s seconds, rounded up: the value of xlb_config.udp_idle_ticks. */
#define xlb_udp_idle_ticks(s) ((__u32)((((__u64)(s)) * 1000000000ULL + (1ULL << 30) - 1) >> 30))

/* Key of xlb_frags: one fragmented datagram (RFC 791 / 8200 reassembly key). Zero first. */
struct xlb_frag_key {
	__u32 src[4]; /* be */
	__u32 dst[4]; /* be: the VIP */
	__u32 id; /* IPv4: the 16-bit identification in the low bytes as stored; IPv6: 32 bits */
	__u8 proto; /* upper-layer protocol of the datagram */
	__u8 family;
	__u8 pad[2];
};

/* Value of xlb_frags: where the first fragment went, so later fragments follow it. */
struct xlb_frag {
	__u32 backend_id;
	__u32 generation;
	__u32 hash; /* the flow's connection hash (outer source bits, flow label, GUE port) */
	__u32 svc_id;
};

/* Per-CPU counter pair used by every statistics map. */
struct xlb_counter {
	__u64 packets;
	__u64 bytes; /* bytes of the frame as received, Ethernet header included */
};

/* The single entry of xlb_config (key 0). Written by the daemon. */
struct xlb_config {
	__u32 abi_version; /* XLB_ABI_VERSION of the writer */
	__u32 flags; /* XLB_CFG_F_* */
	__u32 hash_seed; /* seed of the flow and connection hashes; identical on every node of an
			  * ECMP group */
	__u32 src_v4; /* be: outer source for IPv4 encapsulation, 0 = none configured */
	__u32 src_v6[4]; /* be: outer source for IPv6 encapsulation, all 0 = none configured */
	__u8 gw_mac[6]; /* next hop towards the backends: outer destination MAC */
	__u8 rss_bits_v4; /* low bits of src_v4 replaced by connection-hash bits (0..16) */
	__u8 rss_bits_v6; /* low bits of src_v6 replaced by connection-hash bits (0..32) */
	__u16 mtu; /* largest IP packet (outer header included) towards the backends; 0 = no
		    * size check (not a configuration xlbd writes) */
	__u16 gue_port; /* be: UDP destination port of XLB_ENCAP_GUE packets */
	__u32 udp_idle_ticks; /* a UDP flow idle more than this many ticks of 2^30 ns is
			       * re-selected; 0 = never expires. Writers round seconds up
			       * (xlb_udp_idle_ticks()) so that no flow expires early. */
	__u32 new_flow_interval_ns; /* flood guard: per CPU, one connection entry may be written
				     * every this many ns on average; 0 = no limit */
	__u32 new_flow_burst; /* ... with bursts of this many more (GCRA tolerance) */
	__u32 conn_buckets; /* buckets of xlb_conns per CPU part; 0 = no table: every flow goes by
			     * its Maglev slot, untracked. Written by xlbd from the map's size. */
	__u32 conn_parts; /* parts of xlb_conns (= possible CPUs): the all-parts probe's count */
};

_Static_assert(sizeof(struct xlb_svc_key) == 20, "xlb_svc_key layout");
_Static_assert(sizeof(struct xlb_svc) == 16, "xlb_svc layout");
_Static_assert(sizeof(struct xlb_vip_key) == 20, "xlb_vip_key layout");
_Static_assert(sizeof(struct xlb_vip) == 4, "xlb_vip layout");
_Static_assert(sizeof(struct xlb_table_chunk) == 4096, "xlb_table_chunk layout");
_Static_assert(sizeof(struct xlb_backend) == 36, "xlb_backend layout");
_Static_assert(sizeof(struct xlb_conn) == 32, "xlb_conn layout");
_Static_assert(sizeof(struct xlb_conn_bucket) == 32 * XLB_CONN_WAYS, "xlb_conn_bucket layout");
_Static_assert(sizeof(struct xlb_counter) == 16, "xlb_counter layout");
_Static_assert(sizeof(struct xlb_frag_key) == 40, "xlb_frag_key layout");
_Static_assert(sizeof(struct xlb_frag) == 16, "xlb_frag layout");
_Static_assert(sizeof(struct xlb_config) == 64, "xlb_config layout");

/* Packet capture's filter and record: every user of a skeleton of xlb_lb or xlb_decap needs
 * them (the skeleton types the .data.capture section with struct xlb_capture_filter). */
#include "xlb_capture.h"

#endif /* XLB_ABI_H */
