/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* xlb_decap.h - the contract of the backend-side program xlb_decap: its maps and reasons.
 * xlb_decap strips the IP-in-IP or GUE (variant 1: outer IP + UDP to the configured port) header
 * that xlb_lb added, but only for tunnels from allowed LB source prefixes whose inner destination
 * is a VIP configured on this backend: an open decapsulator would let anyone relay traffic
 * through the backend.
 *
 * Maps (pinned under /sys/fs/bpf/xlb/decap/ by the tool that attaches the program):
 *   xlb_dc_src4   LPM_TRIE  struct xlb_dc_prefix4 -> __u8 (1)   allowed outer IPv4 sources
 *   xlb_dc_src6   LPM_TRIE  struct xlb_dc_prefix6 -> __u8 (1)   allowed outer IPv6 sources
 *   xlb_dc_vips   HASH      struct xlb_vip_key -> struct xlb_vip local VIPs (flags unused)
 *   xlb_dc_stats  PERCPU_ARRAY reason -> struct xlb_counter
 *   xlb_dc_config ARRAY     0 -> struct xlb_dc_config        GUE port
 * Bump XLB_ABI_VERSION (xlb_abi.h) when anything here changes.
 */
#ifndef XLB_DECAP_H
#define XLB_DECAP_H

#include <linux/types.h>
#include "xlb_abi.h"

#define XLB_DC_MAX_PREFIXES 1024 /* allowed LB source prefixes per family */
#define XLB_DC_MAX_VIPS 4096 /* VIPs served by one backend */

/* LPM keys: prefix length in bits, then the address (be). */
struct xlb_dc_prefix4 {
	__u32 prefixlen; /* 0..32 */
	__u32 addr; /* be */
};

struct xlb_dc_prefix6 {
	__u32 prefixlen; /* 0..128 */
	__u32 addr[4]; /* be */
};

/* The UDP port GUE tunnels arrive on unless configured: Katran's and GLB's, and xlbd's default
 * gue_port. */
#define XLB_DC_GUE_PORT_DEFAULT 6080

/* The single entry of xlb_dc_config (key 0). Written by xlb-decap only. */
struct xlb_dc_config {
	__u16 gue_port; /* be: UDP destination port of accepted GUE tunnels; 0 = accept none */
	__u16 flags; /* XLB_DC_CFG_F_* */
};

/* gue_port was written by xlb-decap (the operator's value, or the default when it created the
 * maps): an entry without it is a fresh, all-zero map that the tool fills with the default. */
#define XLB_DC_CFG_F_SET (1U << 0)

_Static_assert(sizeof(struct xlb_dc_config) == 4, "xlb_dc_config layout");
_Static_assert(sizeof(struct xlb_dc_prefix4) == 8, "xlb_dc_prefix4 layout");
_Static_assert(sizeof(struct xlb_dc_prefix6) == 20, "xlb_dc_prefix6 layout");

/* XLB_DC_REASON(id, name, action, help): every outcome of xlb_decap, one counter each. */
#define XLB_DC_REASONS(XLB_DC_REASON)                                                       \
	XLB_DC_REASON(XLB_DC_DECAP, "decap", XDP_PASS,                                      \
		      "tunnel from an allowed LB to a local VIP: outer header removed")     \
	XLB_DC_REASON(XLB_DC_PASS_NOT_TUNNEL, "pass_not_tunnel", XDP_PASS,                  \
		      "not IP-in-IP or GUE variant 1 to the GUE port: left untouched")      \
	XLB_DC_REASON(XLB_DC_PASS_MALFORMED, "pass_malformed", XDP_PASS,                    \
		      "truncated or inconsistent outer Ethernet/IP header: left untouched") \
	XLB_DC_REASON(XLB_DC_DROP_SOURCE, "drop_source", XDP_DROP,                          \
		      "tunnel from a source outside the allowed LB prefixes")               \
	XLB_DC_REASON(XLB_DC_DROP_NOT_LOCAL_VIP, "drop_not_local_vip", XDP_DROP,            \
		      "inner destination is not a VIP configured on this backend")          \
	XLB_DC_REASON(XLB_DC_DROP_INNER_MALFORMED, "drop_inner_malformed", XDP_DROP,        \
		      "inner packet truncated, wrong version or length mismatch")           \
	XLB_DC_REASON(XLB_DC_DROP_OUTER_FRAGMENT, "drop_outer_fragment", XDP_DROP,          \
		      "fragmented tunnel packet: cannot be decapsulated here")              \
	XLB_DC_REASON(XLB_DC_DROP_ADJUST, "drop_adjust", XDP_DROP, "could not shrink the frame")

enum xlb_dc_reason {
#define XLB_DC_REASON_ENUM(id, name, action, help) id,
	XLB_DC_REASONS(XLB_DC_REASON_ENUM)
#undef XLB_DC_REASON_ENUM
		XLB_DC_MAX
};

#endif /* XLB_DECAP_H */
