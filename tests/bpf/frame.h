/* SPDX-License-Identifier: GPL-2.0 */
/* frame.h - builds test frames byte by byte with correct checksums (Ethernet, VLAN, IPv4 with
 * options, IPv6, TCP, UDP), and the encapsulated frames the balancer is expected to emit.
 * Written independently of bpf/ so that a fixture checks the data path, not a copy of it. */
#ifndef XLB_TEST_FRAME_H
#define XLB_TEST_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_MAX 2048

/* MACs of the lab: frames arrive from the router at the LB; the LB sends them to the gateway. */
extern const uint8_t MAC_LB[6], MAC_ROUTER[6], MAC_GW[6];

/* What one test frame looks like. Zero means the natural default for most fields. */
struct frame_spec {
	int family; /* 4 or 6 */
	const char *src, *dst; /* textual addresses */
	uint16_t sport, dport; /* host order */
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP or any other number */
	uint8_t tcp_flags; /* 0 = ACK */
	uint8_t tos; /* DSCP/ECN byte */
	int nvlan; /* 0..2 VLAN tags (802.1ad outer, 802.1Q inner when 2) */
	size_t payload; /* L4 payload bytes */
	uint16_t frag; /* IPv4 MF flag and offset bits (host order), ORed into frag_off */
	bool no_df; /* IPv4: clear DF */
	int ip_opts; /* IPv4 option bytes (multiple of 4, NOPs) */
	size_t pad; /* Ethernet padding after the IP packet */
	uint8_t ext[6]; /* IPv6 extension headers before the upper layer, in order (0 ends; use
			 * 255 for hop-by-hop, whose protocol number is 0) */
	uint32_t frag_id; /* IPv4 identification / IPv6 fragment identification */
	uint16_t frag6; /* IPv6 fragment header frag_off field (offset << 3 | M) */
	bool no_l4; /* a later fragment: payload only, no TCP/UDP/ICMP header */
	uint8_t icmp_type, icmp_code; /* ICMP/ICMPv6 header */
	uint32_t icmp_rest; /* bytes 4..7 of the ICMP header (host order): id/seq, MTU, ... */
	const struct frame_spec *quote; /* ICMP errors: the packet quoted after the header */
	size_t quote_len; /* how many bytes of it (0 = all) */
};

#define EXT_HOPOPTS 255

/* Build the frame described by s into buf (FRAME_MAX bytes). Returns its length. */
size_t frame_build(uint8_t *buf, const struct frame_spec *s);

/* Offset of the IP header in a frame built from s. */
size_t frame_l3_off(const struct frame_spec *s);

/* Length of the IP packet (header + payload, no padding) in a frame built from s. */
size_t frame_ip_len(const struct frame_spec *s);

/* The frame xlb_lb must emit for input `in` (built from s) sent to a backend.
 * outer_family: 4 or 6; osrc/odst: outer addresses (4 or 16 bytes, network order);
 * flow_label: IPv6 outer flow label (low 20 bits used). Returns the expected length. */
size_t frame_expect_encap(uint8_t *out, const uint8_t *in, size_t in_len,
			  const struct frame_spec *s, int outer_family, const void *osrc,
			  const void *odst, uint32_t flow_label);

/* The GUE (variant 1) frame xlb_lb must emit for input `in` (built from s): outer header as
 * for frame_expect_encap() but protocol UDP, then UDP sport -> dport (host order) with checksum
 * 0 under IPv4 and computed under IPv6, then the original IP packet. Returns the length. */
size_t frame_expect_gue(uint8_t *out, const uint8_t *in, size_t in_len, const struct frame_spec *s,
			int outer_family, const void *osrc, const void *odst, uint32_t flow_label,
			uint16_t sport, uint16_t dport);

/* The L2 direct-routing frame for input `in`: destination MAC mac, source MAC_LB, everything
 * else unchanged. Returns the length. */
size_t frame_expect_l2(uint8_t *out, const uint8_t *in, size_t in_len, const uint8_t mac[6]);

/* The ICMP "fragmentation needed" (IPv4) / "packet too big" (IPv6) frame xlb_lb must send back
 * for input `in` (built from s), reporting mtu and quoting the first 512 bytes of the packet.
 * Returns the expected length. */
size_t frame_expect_too_big(uint8_t *out, const uint8_t *in, const struct frame_spec *s,
			    uint32_t mtu);

/* True when the frames are equal; otherwise says on stderr what differs first (length, or the
 * first byte), for the test's failure message. */
int frame_equal(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len);

/* Parse a textual IPv4/IPv6 address into 16 bytes (IPv4 in the first 4). Returns the family
 * (4 or 6); aborts the test program on a bad literal (a bug in the test itself). */
int addr_parse(const char *text, uint32_t out[4]);

/* RFC 1071 checksum over len bytes, folded, starting from a partial sum. */
uint16_t csum_fold_buf(const void *buf, size_t len, uint32_t sum);

#endif /* XLB_TEST_FRAME_H */
