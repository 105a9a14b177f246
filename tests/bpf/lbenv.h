/* SPDX-License-Identifier: GPL-2.0 */
/* lbenv.h - the BPF test environment: the real xlb_lb object loaded (not attached), its maps
 * filled the way the daemon fills them, frames run through bpf_prog_test_run_opts, and the
 * per-CPU counters summed. */
#ifndef XLB_TEST_LBENV_H
#define XLB_TEST_LBENV_H

#include <stddef.h>
#include <stdint.h>

#include "xlb_abi.h"
#include "xlb_reasons.h"

struct xlb_bpf;

struct lbenv {
	struct xlb_bpf *skel;
	int prog_fd;
	int cfg_fd, svc_fd, tables_fd, be_fd, conns_fd, svc_stats_fd, be_stats_fd, reasons_fd;
	int vips_fd, frags_fd, guard_fd, conns_count_fd;
	int ncpus;
	uint32_t conn_buckets; /* buckets per CPU part of xlb_conns */
	struct xlb_conn_bucket *conns; /* xlb_conns mapped: ncpus x conn_buckets buckets */
};

/* The CPU whose part of the connection table a pinned test's frames use (lbenv_pin()). */
#define LBENV_CPU 0

/* Open and load xlb_lb with a connection table of conns entries in total (a part of conns /
 * CPUs per CPU, whole buckets, as xlbd sizes it). Returns 0 or -errno. */
int lbenv_open(struct lbenv *e, uint32_t conns);
void lbenv_close(struct lbenv *e);

/* Point e at another loaded object that has the xlb maps (the benchmark wrapper), and at its
 * program prog. e does not own obj. Returns 0 or -errno. */
struct bpf_object;
int lbenv_use(struct lbenv *e, struct bpf_object *obj, const char *prog);

/* Pin the calling process to CPU LBENV_CPU: BPF_PROG_TEST_RUN runs a frame on the caller's CPU,
 * and the connection table has a part per CPU. Returns 0 or -errno. */
int lbenv_pin(void);

/* Write the config entry, with the connection table's shape (conn_buckets, conn_parts) filled
 * in from e's map, as xlbd does. */
int lbenv_set_config(struct lbenv *e, const struct xlb_config *cfg);

/* Add or replace service (vip, port, proto) with the given id and table size. */
int lbenv_set_service(struct lbenv *e, const char *vip, uint16_t port, uint8_t proto, uint32_t id,
		      uint32_t table_size);
int lbenv_del_service(struct lbenv *e, const char *vip, uint16_t port, uint8_t proto);

/* Add or replace VIP addr with flags (XLB_VIP_F_*). */
int lbenv_set_vip(struct lbenv *e, const char *addr, uint32_t flags);

/* Build a new inner table of m slots holding ids[], then swap it into xlb_tables[svc_id]. */
int lbenv_set_table(struct lbenv *e, uint32_t svc_id, const uint32_t *ids, uint32_t m);
int lbenv_del_table(struct lbenv *e, uint32_t svc_id);

/* Write backend entry id. */
int lbenv_set_backend(struct lbenv *e, uint32_t id, const char *addr, uint32_t svc_id,
		      uint32_t generation, uint8_t state, uint16_t weight);

/* Set backend id's forwarding mode (enum xlb_encap) and MAC (NULL: zero), keeping the rest of
 * its entry. Returns 0 or -errno (-ENOENT: no such backend). */
int lbenv_set_backend_mode(struct lbenv *e, uint32_t id, uint8_t encap, const uint8_t mac[6]);

/* Empty the connection table and its occupancy counters. */
int lbenv_flush_conns(struct lbenv *e);
/* The bucket of connection hash `hash` (xlb_conn_hash()) in the part of CPU cpu (in the mapped
 * table), or NULL. */
struct xlb_conn_bucket *lbenv_bucket(struct lbenv *e, uint32_t cpu, uint32_t hash);
/* The entry of client src:sport to port dport (be) in that bucket, or NULL. */
struct xlb_conn *lbenv_conn(struct lbenv *e, uint32_t cpu, uint32_t hash, const uint32_t *src,
			    uint16_t sport, uint16_t dport);
/* Write entry c (key, tick, backend, generation) into the bucket of hash in CPU cpu's part:
 * over the entry with c's key, else into the first empty one. Returns 0, or -ENOSPC when the
 * bucket is full, -EINVAL for a CPU past the table. Not counted in xlb_conns_count. */
int lbenv_put_conn(struct lbenv *e, uint32_t cpu, uint32_t hash, const struct xlb_conn *c);
/* Occupancy as xlb_conns_count says it: entries filled minus flushed, over every CPU. */
int64_t lbenv_conns_occupancy(struct lbenv *e);
/* Forget the flood guard's state on every CPU, so that its burst is whole again. */
int lbenv_reset_guard(struct lbenv *e);
/* Number of connection-table entries in use (generation not 0), in every part. */
int lbenv_count_conns(struct lbenv *e);

/* Run one frame. out must hold FRAME_MAX bytes. Returns 0 or -errno; *action is the XDP verdict. */
int lbenv_run(struct lbenv *e, const void *in, size_t len, void *out, size_t *out_len, int *action);

/* Counter sums over all possible CPUs. */
int lbenv_reasons(struct lbenv *e, uint64_t pkts[XLB_R_MAX]);
uint64_t lbenv_svc_pkts(struct lbenv *e, uint32_t id);
uint64_t lbenv_be_pkts(struct lbenv *e, uint32_t id);
uint64_t lbenv_be_bytes(struct lbenv *e, uint32_t id);

#endif /* XLB_TEST_LBENV_H */
