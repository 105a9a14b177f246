/* SPDX-License-Identifier: GPL-2.0 */
/* stdenv.h - the standard configuration the BPF fixtures and the frame fuzzer run against:
 * services with several weighted backends whose tables are known-answer vectors (all four
 * encapsulations, port-0 services), an empty table, a missing table, a down backend, their
 * VIPs, and the config entry. */
#ifndef XLB_TEST_STDENV_H
#define XLB_TEST_STDENV_H

#include <stdint.h>

#include "frame.h"
#include "lbenv.h"

#define SEED 0x5eed1234u /* hash seed of the standard config */
#define SRC4 "192.0.2.1" /* outer source for IPv4 tunnels */
#define SRC6 "2001:db8:ff::1" /* outer source for IPv6 tunnels */
#define STD_M 7 /* table size of every standard service */

/* The standard config entry: seed, sources, gateway MAC_GW, MTU 1500, GUE port 6080, UDP idle
 * 30 s, port-0 lookups on. */
struct xlb_config stdenv_config(void);

/* Write the standard config, services, tables, backends and VIPs into e, and empty the
 * connection table. Returns 0 or -errno. */
int stdenv_setup(struct lbenv *e);

struct ka_table;

/* The known-answer table called name (tests/vectors/known_answers.h), or NULL. */
const struct ka_table *stdenv_known_table(const char *name);

/* Write the backends of known-answer table name (weight 0: XLB_BE_DRAIN) as backends of
 * service svc_id and swap in its STD_M slots. Returns 0, -EINVAL (no such table of STD_M
 * slots) or -errno. */
int stdenv_set_known_table(struct lbenv *e, uint32_t svc_id, const char *name);

/* The backend id in slot hash % STD_M of known-answer table name (STD_M slots), or 0. */
uint32_t stdenv_known_pick(const char *name, uint32_t hash);

/* The backend id in slot hash % STD_M of standard service svc_id's table: what the data path
 * must choose for a flow of that hash without a connection entry. 0 for no table. */
uint32_t stdenv_table_pick(uint32_t svc_id, uint32_t hash);

/* Address of standard backend id (of any standard table), or NULL. */
const char *stdenv_backend_addr(uint32_t id);

/* True when (family 4/6, addr as stored) is a standard backend's address. */
int stdenv_is_backend(int family, const void *addr);

/* Every VIP of the standard services, with its xlb_vip flags (10.0.0.20, port-0 only, does not
 * answer pings); the frame fuzzer's environment uses the same VIPs. */
struct stdenv_vip {
	const char *addr;
	uint32_t flags;
};
extern const struct stdenv_vip STDENV_VIPS[];
extern const size_t STDENV_NVIPS;

/* xlb_flow_hash of the flow s describes (its src, dst, ports, proto) with seed: its Maglev
 * slot. */
uint32_t stdenv_flow_hash(const struct frame_spec *s, uint32_t seed);

/* xlb_conn_hash of the same: its connection table bucket and its outer headers' entropy. */
uint32_t stdenv_conn_hash(const struct frame_spec *s, uint32_t seed);

#endif /* XLB_TEST_STDENV_H */
