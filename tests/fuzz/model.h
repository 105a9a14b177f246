/* SPDX-License-Identifier: GPL-2.0 */
/* model.h - a userspace reference model of xlb_lb's decision, the frame fuzzer's oracle: fed
 * the same map contents and the same frame, it says what the data path must do (verdict,
 * reason, service and backend counted, connection-table and fragment-table effect, the exact
 * output frame). Its connection table is modelled bucket by bucket, eviction included, from the
 * rules in docs/datapath.md: a flow whose entry was replaced goes to its Maglev slot. Written from
 * docs/datapath.md and include/xlb_abi.h, sharing no code with bpf/ (its flow hash and checksums
 * are its own). What it covers and what not: docs/datapath.md, "Checked by a reference model". */
#ifndef XLB_TEST_MODEL_H
#define XLB_TEST_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xlb_abi.h"
#include "xlb_reasons.h"

#define MODEL_FRAME_MAX 2048

struct model;

/* What xlb_lb must do with one frame. */
struct model_result {
	int action; /* XDP_PASS, XDP_TX or XDP_DROP */
	int reason; /* enum xlb_reason, counted once in xlb_reasons */
	int64_t svc_id; /* service counted in xlb_svc_stats, or -1 */
	int64_t backend_id; /* backend the frame went to (counted in xlb_be_stats), or -1 */
	bool used_clock; /* the decision read the clock (every TCP/UDP packet of a service) */
	bool has_conn; /* conn_index names the bucket of the frame's flow in this CPU's part */
	bool conn_write; /* ... and bucket is what it holds after the frame (written) */
	bool conn_filled; /* ... and the write took an empty entry (xlb_conns_count) */
	bool forgets_other_parts; /* a SYN whose flow has entries in other CPUs' parts (the
				   * model does not predict those writes: its frames run on one
				   * CPU, so there are none) */
	uint32_t conn_index;
	struct xlb_conn_bucket bucket;
	bool has_frag; /* frag_key names the fragment record the frame looked up */
	bool frag_write; /* ... and frag is the record it writes */
	struct xlb_frag_key frag_key;
	struct xlb_frag frag;
	size_t out_len; /* PASS and TX: the frame the data path hands back; DROP: 0 */
	uint8_t out[MODEL_FRAME_MAX];
};

/* A model with empty maps (every backend entry zeroed, as an array map is) whose connection
 * and fragment tables hold up to max_flows entries each. NULL when out of memory. */
struct model *model_new(size_t max_flows);
void model_free(struct model *m);

/* Control-plane writes, mirroring the map updates the fuzzer makes. Each returns 0, or
 * -EINVAL (and changes nothing) for a value the model does not cover: a config with the
 * flood guard on (new_flow_interval_ns != 0: per-CPU, clock-driven), an id past its map. */
int model_set_config(struct model *m, const struct xlb_config *cfg);
int model_set_service(struct model *m, const struct xlb_svc_key *k, const struct xlb_svc *v);
int model_del_service(struct model *m, const struct xlb_svc_key *k);
int model_set_vip(struct model *m, const struct xlb_vip_key *k, const struct xlb_vip *v);
/* Install (replace) the Maglev table of service svc_id: n backend ids. */
int model_set_table(struct model *m, uint32_t svc_id, const uint32_t *ids, uint32_t n);
int model_del_table(struct model *m, uint32_t svc_id);
int model_set_backend(struct model *m, uint32_t id, const struct xlb_backend *be);

/* Give the model a connection table of parts x buckets buckets (empty), frames running on CPU
 * cpu. Returns 0, -EINVAL for a shape that cannot be, or -ENOMEM. Without one, every flow goes
 * untracked by its slot. */
int model_set_conns(struct model *m, uint32_t parts, uint32_t buckets, uint32_t cpu);

/* Forget every connection entry and fragment record (the fuzzer empties the maps too). */
void model_flush_flows(struct model *m);

/* Decide frame f (len bytes) at coarse clock tick `tick` (CLOCK_MONOTONIC_COARSE ns >>
 * XLB_CONN_TICK_SHIFT) without changing the model. */
void model_decide(const struct model *m, const uint8_t *f, size_t len, uint32_t tick,
		  struct model_result *r);

/* Apply r's connection-table and fragment-table writes to the model. Returns 0, or -ENOSPC
 * when the fragment table is at max_flows (the caller flushes earlier). */
int model_commit(struct model *m, const struct model_result *r);

/* The model's bucket `index` of the connection table, or NULL past it. */
const struct xlb_conn_bucket *model_bucket(const struct model *m, uint32_t index);
/* Entries in use in the model's connection table, and entries ever taken from empty since the
 * last flush (what xlb_conns_count says). */
size_t model_conn_count(const struct model *m);
uint64_t model_conns_filled(const struct model *m);
/* The model's fragment record for k, or NULL. */
const struct xlb_frag *model_frag(const struct model *m, const struct xlb_frag_key *k);
size_t model_frag_count(const struct model *m);

/* The model's own flow hash (docs/datapath.md "Backend selection"): seed, family, addresses
 * as stored, ports as stored (network order), protocol. */
uint32_t model_flow_hash(uint32_t seed, uint8_t family, const uint32_t *src, const uint32_t *dst,
			 uint16_t sport, uint16_t dport, uint8_t proto);

/* The model's own connection hash (docs/datapath.md "The connection table"): the same inputs;
 * the bucket of the flow and the entropy of its outer headers. */
uint32_t model_conn_hash(uint32_t seed, uint8_t family, const uint32_t *src, const uint32_t *dst,
			 uint16_t sport, uint16_t dport, uint8_t proto);

/* Name of reason r ("tx_new_flow", ...), "?" when out of range. */
const char *model_reason_name(int r);

#endif /* XLB_TEST_MODEL_H */
