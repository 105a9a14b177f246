/* SPDX-License-Identifier: GPL-2.0 */
/* bpfmaps.h - what xlbd, lbctl and xlb-decap all do with xlb's BPF maps, written once: pin
 * paths, the ABI of maps pinned by an xlbd, the layout each map must have, per-CPU counter
 * sums, the connection table (mapped, its occupancy, flush and probe), arming a capture filter
 * and checking its records. libbpf only, no program's state;
 * not thread-safe (one per-CPU scratch buffer). */
#ifndef XLB_BPFMAPS_H
#define XLB_BPFMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "xlb_abi.h"

/* "dir/name" into buf. Returns 0, or -ENAMETOOLONG when it does not fit in len. */
int bm_pin_path(char *buf, size_t len, const char *dir, const char *name);

/* The ABI version of the maps an xlbd pinned under dir, from its xlb_config, into *version.
 * Returns 0; -ENOENT when nothing is pinned there; -EPROTO when the pinned xlb_config does not
 * have xlb_config's size; another -errno when it cannot be opened or read (-EACCES, -EPERM
 * for a user without the rights). */
int bm_pinned_abi(const char *dir, __u32 *version);

/* Whether map fd, pinned as name, has the key and value sizes this build's xlb_abi.h gives a
 * map of that name. Returns 0 (also for a name xlb_abi.h does not describe), -EPROTO with the
 * sizes found and expected in err, or -errno when fd cannot be inspected. */
int bm_check_layout(int fd, const char *name, char *err, size_t errlen);

/* Per-CPU counter idx of map fd (struct xlb_counter values) summed over the possible CPUs
 * into *sum. Returns 0 or -errno (*sum is then zero). */
int bm_counter_sum(int fd, __u32 idx, struct xlb_counter *sum);

/* Set per-CPU counter idx of map fd to zero on every CPU. Returns 0 or -errno. */
int bm_counter_zero(int fd, __u32 idx);

/* The memory the kernel charges for map fd (its fdinfo's memlock) into *bytes; for an array
 * of maps, the maps it holds now are added (xlb_tables: the outer map and every table). Returns
 * 0 or -errno. */
int bm_map_memory(int fd, __u64 *bytes);

/* The connection table xlb_conns mapped into this process (mmap of the array), with its shape.
 * The data path writes it while it is read: an entry may be seen half written (lbctl conns
 * list), never mixed by a flush (bm_conns_flush() writes only the generation word). */
struct bm_conns {
	struct xlb_conn_bucket *b; /* parts x buckets buckets; part p starts at b[p * buckets] */
	__u32 parts; /* possible CPUs: one part each */
	__u32 buckets; /* buckets per part */
	size_t len; /* bytes mapped */
};

/* Map the connection table at fd (xlb_conns) into *t, read-write. Returns 0; -EPROTO when fd
 * is not an array of buckets of this ABI (or its size is not a whole number of parts); another
 * -errno when it cannot be inspected or mapped. */
int bm_conns_map(int fd, struct bm_conns *t);

/* Unmap t, mapped or not (then it maps nothing). */
void bm_conns_unmap(struct bm_conns *t);

/* Entries in use as xlb_conns_count (at count_fd) says: entries the data path took from empty
 * minus entries flushed and forgotten, over every CPU, into *total; per_part, when not NULL,
 * gets each CPU's own difference (one value per possible CPU; near the part's use only, since
 * a SYN counts entries it empties in other parts). Returns 0 or -errno. No walk of the table. */
int bm_conns_used(int count_fd, __u64 *total, __u64 *per_part);

/* Flush the entries of t for which want(entry, ctx) says yes (every entry in use when want is
 * NULL): zero their generation word only, and add what was flushed in each part to the part's
 * XLB_CONNS_FLUSHED counter (count_fd), read before anything is emptied (a failure to read it
 * empties nothing). *flushed gets the number. Returns 0 or -errno. */
int bm_conns_flush(const struct bm_conns *t, int count_fd,
		   bool (*want)(const struct xlb_conn *c, void *ctx), void *ctx, __u64 *flushed);

/* The most recently used entry of flow src:sport -> port dport (be) whose connection hash
 * (xlb_conn_hash()) is hash, in any part (as the data path's all-parts probe finds it, ages at tick
 * now), or NULL; *part gets its part. */
const struct xlb_conn *bm_conns_find(const struct bm_conns *t, __u32 hash, const __u32 *src,
				     __u16 sport, __u16 dport, __u32 now, __u32 *part);

/* Arm the capture filter live (a program's mapped .data.capture) with f: gen 0 first, so that no
 * CPU takes a frame under a filter half old, half new; then every field, the counts used and
 * lost zeroed, and f->gen last. */
void bm_capture_arm(struct xlb_capture_filter *live, const struct xlb_capture_filter *f);

/* The capture record at data, size bytes as the ring gave them, or NULL when its head does not
 * fit or its captured bytes run past size (not a record of this ABI: to be skipped). The
 * captured bytes follow the head (r + 1). */
const struct xlb_capture_rec *bm_capture_rec(const void *data, size_t size);

#endif /* XLB_BPFMAPS_H */
