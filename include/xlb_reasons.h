/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* xlb_reasons.h - every outcome of xlb_lb, once: the X-macro list that feeds the BPF reason
 * counters (xlb_reasons map index), lbctl's stats table and the Prometheus "reason" label.
 *
 * XLB_REASON(id, name, action, help): id is the enum constant, name the stable label (never
 * renamed: dashboards use it), action the XDP verdict the data path returns with it.
 * Append new reasons at the end and bump XLB_ABI_VERSION: the enum values index a map.
 */
#ifndef XLB_REASONS_H
#define XLB_REASONS_H

#define XLB_REASONS(XLB_REASON)                                                                 \
	XLB_REASON(XLB_R_TX_CONN_HIT, "tx_conn_hit", XDP_TX,                                    \
		   "forwarded to the backend remembered in the connection table")               \
	XLB_REASON(XLB_R_TX_NEW_FLOW, "tx_new_flow", XDP_TX,                                    \
		   "forwarded to a backend chosen by Maglev, connection entry written")         \
	XLB_REASON(XLB_R_TX_RESELECT, "tx_reselect", XDP_TX,                                    \
		   "remembered backend down, replaced or expired: re-chosen by Maglev")         \
	XLB_REASON(XLB_R_TX_UNTRACKED, "tx_untracked", XDP_TX,                                  \
		   "forwarded by Maglev without writing the connection table (a TCP RST, a "    \
		   "SYN whose bucket holds only confirmed entries)")                            \
	XLB_REASON(XLB_R_PASS_NOT_IP, "pass_not_ip", XDP_PASS,                                  \
		   "not IPv4 or IPv6 (ARP, LLDP, ...): left to the host")                       \
	XLB_REASON(XLB_R_PASS_NOT_VIP, "pass_not_vip", XDP_PASS,                                \
		   "TCP/UDP not addressed to a configured service: left to the host")           \
	XLB_REASON(XLB_R_PASS_OTHER_L4, "pass_other_l4", XDP_PASS,                              \
		   "not TCP/UDP and not for a VIP, or a protocol xlb does not balance")         \
	XLB_REASON(XLB_R_PASS_FRAGMENT, "pass_fragment", XDP_PASS,                              \
		   "fragment not addressed to a VIP: left to the host")                         \
	XLB_REASON(XLB_R_PASS_MALFORMED, "pass_malformed", XDP_PASS,                            \
		   "truncated or inconsistent Ethernet/IP header: left to the host to discard") \
	XLB_REASON(XLB_R_DROP_MALFORMED_L4, "drop_malformed_l4", XDP_DROP,                      \
		   "to a service, but the TCP/UDP header is truncated or inconsistent")         \
	XLB_REASON(XLB_R_DROP_NO_TABLE, "drop_no_table", XDP_DROP,                              \
		   "service has no Maglev table installed")                                     \
	XLB_REASON(XLB_R_DROP_NO_BACKEND, "drop_no_backend", XDP_DROP,                          \
		   "service has no usable backend (empty or all-down table)")                   \
	XLB_REASON(XLB_R_DROP_NO_SOURCE, "drop_no_source", XDP_DROP,                            \
		   "backend's mode not configured: no outer source for its family, GUE port 0") \
	XLB_REASON(XLB_R_DROP_TOO_BIG, "drop_too_big", XDP_DROP,                                \
		   "encapsulated packet would exceed the configured MTU")                       \
	XLB_REASON(XLB_R_DROP_ENCAP, "drop_encap", XDP_DROP,                                    \
		   "could not resize the frame (tunnel header, ICMP reply)")                    \
	XLB_REASON(XLB_R_TX_ICMP_ECHO, "tx_icmp_echo", XDP_TX,                                  \
		   "ICMP/ICMPv6 echo request to a VIP answered by the LB")                      \
	XLB_REASON(XLB_R_TX_ICMP_ERROR, "tx_icmp_error", XDP_TX,                                \
		   "ICMP error about a VIP flow forwarded to that flow's backend")              \
	XLB_REASON(XLB_R_TX_ICMP_TOO_BIG, "tx_icmp_too_big", XDP_TX,                            \
		   "too big for the tunnel: fragmentation-needed / packet-too-big sent to the " \
		   "client")                                                                    \
	XLB_REASON(XLB_R_TX_FRAGMENT, "tx_fragment", XDP_TX,                                    \
		   "later fragment forwarded to the backend of its first fragment")             \
	XLB_REASON(XLB_R_DROP_FRAGMENT, "drop_fragment", XDP_DROP,                              \
		   "later fragment whose first fragment's backend has gone down since")         \
	XLB_REASON(XLB_R_DROP_ICMP_MALFORMED, "drop_icmp_malformed", XDP_DROP,                  \
		   "ICMP error to a VIP with a short or inconsistent embedded header")          \
	XLB_REASON(XLB_R_DROP_ICMP_NO_FLOW, "drop_icmp_no_flow", XDP_DROP,                      \
		   "ICMP error to a VIP whose embedded flow matches no service")                \
	XLB_REASON(XLB_R_DROP_ICMP_OTHER, "drop_icmp_other", XDP_DROP,                          \
		   "other ICMP to a VIP (echo when disabled, replies, redirects, ...)")         \
	XLB_REASON(XLB_R_DROP_EXT_HDRS, "drop_ext_hdrs", XDP_DROP,                              \
		   "IPv6 packet to a VIP with more extension headers than the data path walks") \
	XLB_REASON(XLB_R_PASS_L2_GROUP, "pass_l2_group", XDP_PASS,                              \
		   "Ethernet broadcast or multicast destination: never balanced")               \
	XLB_REASON(XLB_R_TX_FLOOD, "tx_flood_untracked", XDP_TX,                                \
		   "forwarded by Maglev without a connection entry: new-flow rate over the guard")

enum xlb_reason {
#define XLB_REASON_ENUM(id, name, action, help) id,
	XLB_REASONS(XLB_REASON_ENUM)
#undef XLB_REASON_ENUM
		XLB_R_MAX
};

#endif /* XLB_REASONS_H */
