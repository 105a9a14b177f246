/* SPDX-License-Identifier: GPL-2.0 */
/* lbfill.h - the benchmarks' balancer configuration: the services, backends and Maglev tables
 * that the data-path benchmarks (dataplane_bench, veth_bench) install, the way xlbd would. */
#ifndef XLB_BENCH_LBFILL_H
#define XLB_BENCH_LBFILL_H
#include "lbenv.h"

/* Maglev table size and backends per service of every benchmark service. */
#define LBFILL_TABLE_M 65537
#define LBFILL_BACKENDS 10

/* Write the config entry and eight services, each with LBFILL_BACKENDS backends of weight 100:
 * 10.0.0.10:80/tcp and 10.0.0.10:53/udp (IPv4 backends, 4in4), [2001:db8::10]:80/tcp (6in6),
 * 10.0.0.30:80/tcp (IPv6 backends, 4in6), [2001:db8::30]:80/tcp (IPv4 backends, 6in4), and one
 * per other forwarding mode: 10.0.0.40:80/tcp (GUE, IPv4 backends), 10.0.0.50:80/tcp (GUE, IPv6
 * backends), 10.0.0.60:80/tcp (L2). Tunnel sources 192.0.2.1 and 2001:db8:ff::1, gateway
 * MAC_GW, GUE port 6080. Returns 0 or -errno. */
int lbfill(struct lbenv *e);
#endif /* XLB_BENCH_LBFILL_H */
