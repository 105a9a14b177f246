/* SPDX-License-Identifier: GPL-2.0 */
/* dataplane.h - xlbd's only contact with libbpf: load xlb_lb or adopt what an earlier xlbd
 * pinned, attach it to interfaces through pinned bpf_links, and read and write the maps.
 *
 * Pinned layout (directory mode 0700):
 *   PIN/<map name>        every map of xlb_lb (xlb_config, xlb_services, ...)
 *   PIN/links/<ifname>    the XDP attachment of each interface (a bpf_link)
 * Pinned links keep the program attached while no xlbd runs; only dp_detach() and
 * dp_cleanup() remove an attachment. */
#ifndef XLBD_DATAPLANE_H
#define XLBD_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "config.h"
#include "plan.h"
#include "xlb_abi.h"
#include "xlb_capture.h"

#define XLBD_PIN_DIR "/sys/fs/bpf/xlb"

struct dp;

/* Open the data plane: adopt the maps pinned under pin_dir when they exist (after checking
 * their ABI version), else create and pin them; then load a fresh xlb_lb program that uses
 * them (attached only where dp_attach() says so). conns sizes a new connection table; an
 * adopted one keeps its size (a warning says so when they differ).
 * Returns 0 with *out set, -EPROTO when the pinned maps speak another ABI (message in err),
 * or another -errno with the message in err. */
int dp_open(struct dp **out, const char *pin_dir, __u32 conns, char *err, size_t errlen);

/* True when dp_open() adopted pinned maps rather than creating them. */
bool dp_adopted(const struct dp *dp);

/* Close file descriptors; pinned objects (and so the attachments) stay. */
void dp_close(struct dp *dp);

/* Make xlb_lb run on ifname in mode. An existing pinned attachment in that mode (auto: either)
 * running this daemon's program is left alone; one running any other program (an upgrade, or an
 * earlier xlbd's load of the same code) is switched to ours atomically (bpf_link_update: no
 * packet sees no program). One in the other mode is
 * replaced: detached, then attached in mode (the kernel refuses native and generic at once, so
 * packets meet no program for that moment); when the new mode is refused the old attachment is
 * restored. Returns 0 or -errno with the message in err. */
int dp_attach(struct dp *dp, const char *ifname, enum xlb_xdp_mode mode, char *err, size_t errlen);

/* Where xlb_lb runs on an interface, as the kernel reports it (not as configured). */
enum dp_xdp_where {
	DP_XDP_NONE = 0, /* not attached (no pinned link, a dead one, or no such interface) */
	DP_XDP_NATIVE = 1, /* the link's program is the interface's driver-mode program */
	DP_XDP_GENERIC = 2, /* ... its skb-mode program */
	DP_XDP_OFFLOAD = 3, /* ... its hardware-offloaded program */
};

struct dp_iface_info {
	int ifindex; /* 0: no such interface */
	enum dp_xdp_where where;
	__u32 prog_id; /* the program xlb_lb's link runs, 0 when none */
	__u32 link_id; /* the pinned bpf_link, 0 when none */
};

/* Fill *info for ifname from the pinned link (bpf_link info) and the kernel's XDP query of the
 * interface (netlink IFLA_XDP: which program runs in which mode). Returns 0 or -errno. */
int dp_iface_info(struct dp *dp, const char *ifname, struct dp_iface_info *info);

/* Remove xlb_lb from ifname (its pinned link). Returns 0, -ENOENT when not attached. */
int dp_detach(struct dp *dp, const char *ifname);

/* Interfaces with a pinned attachment: up to max names of XLB_CONF_IFNAMSIZ bytes into names.
 * Returns how many, or -errno. */
int dp_attached(struct dp *dp, char (*names)[XLB_CONF_IFNAMSIZ], int max);

/* Detach every pinned attachment and remove every pin under pin_dir (explicit teardown).
 * Returns 0 or the first -errno (it carries on past errors). */
int dp_cleanup(const char *pin_dir);

/* ---- maps ---- */

/* Read or write xlb_config. The connection table's shape (conn_buckets, conn_parts) is the
 * map's: a write fills it in from the table dp_open() created or adopted, whatever cfg says, and
 * a read returns it as 0, so that a config read back equals the one the plan wrote. Return 0 or
 * -errno. */
int dp_config_read(struct dp *dp, struct xlb_config *cfg);
int dp_config_write(struct dp *dp, const struct xlb_config *cfg);

int dp_service_write(struct dp *dp, const struct xlb_svc_key *key, const struct xlb_svc *svc);
int dp_service_delete(struct dp *dp, const struct xlb_svc_key *key);
/* Call fn for every service entry; stops and returns fn's value when it is not 0. */
int dp_service_foreach(struct dp *dp,
		       int (*fn)(const struct xlb_svc_key *, const struct xlb_svc *, void *),
		       void *ctx);

int dp_vip_read(struct dp *dp, const struct xlb_vip_key *key, struct xlb_vip *vip);
int dp_vip_write(struct dp *dp, const struct xlb_vip_key *key, const struct xlb_vip *vip);
int dp_vip_delete(struct dp *dp, const struct xlb_vip_key *key);
int dp_vip_foreach(struct dp *dp,
		   int (*fn)(const struct xlb_vip_key *, const struct xlb_vip *, void *),
		   void *ctx);

int dp_backend_read(struct dp *dp, __u32 id, struct xlb_backend *be);
int dp_backend_write(struct dp *dp, __u32 id, const struct xlb_backend *be);

/* Write a table of m slots holding ids into an inner map of XLB_TABLE_CHUNKS(m) chunks, then
 * swap it into xlb_tables[svc_id] in one update: a packet sees the whole old table or the whole
 * new one. The map is one of the table pool's (below) with that many chunks when there is one,
 * else a new one; either way every chunk is written before the swap. The table it replaces
 * joins the pool once the swap is done. *inner_id (may be NULL) receives the inner map's id.
 * Returns 0, -EINVAL for m outside XLB_MIN_TABLE_SIZE..XLB_MAX_TABLE_SIZE, or -errno; on
 * error the old table stays in place. */
int dp_table_swap(struct dp *dp, __u32 svc_id, const __u32 *ids, __u32 m, __u32 *inner_id);

/* Remove the table of svc_id; it joins the table pool. Returns 0, -ENOENT or -errno. */
int dp_table_delete(struct dp *dp, __u32 svc_id);

/* The table pool: inner maps taken out of xlb_tables (replaced or deleted) or never put in (a
 * failed swap), kept open to be rewritten as a later table with the same number of chunks,
 * which costs a fifth of a new map's first fill. At most DP_TABLE_POOL_MAPS maps and
 * DP_TABLE_POOL_BYTES of chunks (their kernel memory): beyond either, the oldest are closed.
 * Safe because the kernel returns from an update or delete of an array of maps only once no
 * running program can still use the inner map it took out (docs/datapath.md). */
#define DP_TABLE_POOL_MAPS 64
#define DP_TABLE_POOL_BYTES (32u << 20)

/* Keep at most max_maps (0..DP_TABLE_POOL_MAPS) maps in the table pool from now on; 0 turns
 * reuse off, so every table is a new map (bench/table_bench compares both). Maps past the new
 * bound are closed now. Returns 0, or -EINVAL (nothing changed) for a larger bound. */
int dp_table_pool_set(struct dp *dp, unsigned max_maps);

/* The maps in the table pool now; *bytes (may be NULL) receives the memory of their chunks,
 * and ids (may be NULL) the map ids of the first max of them, oldest first. */
unsigned dp_table_pool(struct dp *dp, __u64 *bytes, __u32 *ids, unsigned max);

/* The table of svc_id: its inner map id, and (when ids is not NULL) its m slots. Returns 0,
 * -ENOENT when there is none, -EINVAL when its chunks are not those of a table of m slots,
 * -EPROTO when its value is not a chunk, or -errno. */
int dp_table_read(struct dp *dp, __u32 svc_id, __u32 m, __u32 *ids, __u32 *inner_id);

/* Called after each table dp_commit() swapped in: the operation, the table's fingerprint
 * (maglev_fingerprint(), computed with the build), and the nanoseconds its build and swap took. */
typedef void (*dp_swapped_fn)(void *ctx, const struct plan_op *op, __u64 fingerprint, __u64 ns);

/* Carry out the operations of plan p, in one call: each table is built from its inputs
 * (maglev_build) and swapped in whole; the tables are built ahead of their swaps, up to 64
 * (64 MiB) at a time, on as many threads as there are CPUs (at most 8), each into its map (one
 * of the table pool's, or a new one) filled completely by the thread that built it. The calling
 * thread swaps them in, up to 64 with one batch update of xlb_tables (one wait for the old
 * tables' readers), in the plan's order; the table deletes before the update's are done beside
 * it, on up to 256 threads (each delete waits for the readers, and the waits overlap). The
 * operations that follow a table or a table delete in the plan and name its service (or a
 * backend such an operation names) wait for that update and those deletes, in their order;
 * those of other services may go first; a freed backend waits for every table and table
 * delete before it, and a configuration or VIP operation for everything before it. So each service
 * sees its operations in the plan's order. Afterwards the table pool holds no more maps than
 * before, plus the tables the plan deleted (at least one). Deleting what is not there counts as
 * done. Stops at the first failure (the table deletes done together with a failed one may have been
 * done too).
 * *done (may be NULL) receives how many operations were carried out; swapped (may be NULL) is
 * told of each table once it is in. Returns 0, or -errno of the failed operation. */
int dp_commit(struct dp *dp, const struct plan *p, size_t *done, dp_swapped_fn swapped, void *ctx);

/* Per-CPU counters summed over all possible CPUs. */
enum dp_counter_map { DP_CNT_SERVICE, DP_CNT_BACKEND, DP_CNT_REASON };
int dp_counter(struct dp *dp, enum dp_counter_map which, __u32 idx, struct xlb_counter *sum);

/* Zero the counters of idx on every CPU: done when an id gets a new owner, so that a new
 * service or backend does not inherit its predecessor's counts. Returns 0 or -errno. */
int dp_counter_reset(struct dp *dp, enum dp_counter_map which, __u32 idx);

/* The connection table's occupancy and size. */
struct dp_conns {
	__u64 entries; /* in use: taken from empty by the data path, minus those flushed */
	__u64 capacity; /* entries in total */
	__u64 per_cpu; /* entries of one CPU's part */
	__u32 cpus; /* parts: possible CPUs */
};

/* The connection table's occupancy (from its per-CPU counters, no walk) and size into *out.
 * Returns 0 or -errno. */
int dp_conns_count(struct dp *dp, struct dp_conns *out);

/* The memory the kernel charges for the maps in the table pool (their memlock, as
 * bm_map_memory() reads it); *maps (may be NULL) receives how many there are. These maps are in
 * no pinned map: only xlbd's descriptors hold them, until they are reused or xlbd exits. */
__u64 dp_table_pool_memory(struct dp *dp, unsigned *maps);

/* The name dp_map_memory() gives the table pool: not a map's name, the pool's line. */
#define DP_TABLE_POOL_NAME "table_pool"

/* Call fn with the name of each pinned map of xlb_lb and the memory the kernel charges for it
 * (bm_map_memory(): xlb_tables with the tables in it), then with DP_TABLE_POOL_NAME and
 * dp_table_pool_memory() (0 when the pool is empty), so that the sum of all is what xlbd holds;
 * a map whose memory cannot be read is left out. */
void dp_map_memory(struct dp *dp, void (*fn)(const char *name, __u64 bytes, void *ctx), void *ctx);

/* ---- packet capture (include/xlb_capture.h, docs/datapath.md "Capture") ---- */

/* Arm the pinned filter with f: its gen set to 0 first, then f's fields with used and lost
 * zeroed, then f->gen (not 0; one no earlier capture used), so that no frame is taken under a
 * half-written filter. */
void dp_capture_arm(struct dp *dp, const struct xlb_capture_filter *f);

/* Disarm the filter (gen 0). Returns the gen it had, 0 when none was armed. */
__u32 dp_capture_disarm(struct dp *dp);

/* The filter's gen, and the records taken (used) and lost for want of ring space so far. */
void dp_capture_counts(struct dp *dp, __u32 *gen, __u32 *used, __u32 *lost);

/* Called for each record read from the ring: its head and its cap_len bytes of frame. Returns 0
 * to go on, anything else to stop this read (the record is consumed either way). */
typedef int (*dp_capture_fn)(void *ctx, const struct xlb_capture_rec *rec, const void *frame);

/* Open the reader of xlb_capture_ring (one at a time): records of any generation, including
 * those an earlier capture left in the ring, go to fn(ctx, ...). Returns a descriptor to watch
 * for EPOLLIN, readable while records wait (ring_buffer__epoll_fd(), owned by dp), or -errno
 * (-EBUSY when a reader is open). */
int dp_capture_open(struct dp *dp, dp_capture_fn fn, void *ctx);

/* Read the records waiting now, without blocking. Returns how many, or -errno. */
int dp_capture_consume(struct dp *dp);

/* Close the reader (its descriptor with it); nothing when none is open. */
void dp_capture_close(struct dp *dp);

/* The version of the libbpf xlbd runs with, "MAJOR.MINOR". */
const char *dp_libbpf_version(void);

#endif /* XLBD_DATAPLANE_H */
