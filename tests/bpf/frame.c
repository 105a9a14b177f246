// SPDX-License-Identifier: GPL-2.0
/* frame.c - test frame builder: see frame.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "frame.h"
#include "xlb_abi.h"

const uint8_t MAC_LB[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
const uint8_t MAC_ROUTER[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
const uint8_t MAC_GW[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe };

static const uint16_t VLAN_IDS[2] = { 100, 200 };

int addr_parse(const char *text, uint32_t out[4])
{
	struct xlb_addr a;

	if (xlb_addr_parse(text, &a)) {
		fprintf(stderr, "test bug: bad address literal '%s'\n", text);
		abort();
	}
	memcpy(out, a.addr, 16);
	return a.family == XLB_AF_INET ? 4 : 6;
}

static uint32_t csum_add(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *b = buf;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

uint16_t csum_fold_buf(const void *buf, size_t len, uint32_t sum)
{
	sum = csum_add(buf, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

size_t frame_l3_off(const struct frame_spec *s)
{
	return 14 + 4 * (size_t)s->nvlan;
}

static size_t l4_hdr_len(const struct frame_spec *s)
{
	if (s->no_l4)
		return 0;
	if (s->proto == IPPROTO_TCP)
		return 20;
	return 8; /* UDP, ICMP, ICMPv6 and anything else */
}

static size_t ext_len(const struct frame_spec *s)
{
	size_t n = 0;

	while (s->family == 6 && n < sizeof(s->ext) && s->ext[n])
		n++;
	return 8 * n;
}

static size_t ip_hdr_len(const struct frame_spec *s)
{
	return s->family == 4 ? 20 + (size_t)s->ip_opts : 40 + ext_len(s);
}

/* The ICMP payload: the quoted packet (built recursively, IP header on) or the pattern. */
static size_t payload_len(const struct frame_spec *s)
{
	if (s->quote) {
		size_t full = frame_ip_len(s->quote);

		return s->quote_len && s->quote_len < full ? s->quote_len : full;
	}
	return s->payload;
}

size_t frame_ip_len(const struct frame_spec *s)
{
	return ip_hdr_len(s) + l4_hdr_len(s) + payload_len(s);
}

static uint8_t ext_proto(uint8_t e)
{
	return e == EXT_HOPOPTS ? IPPROTO_HOPOPTS : e;
}

/* Ethernet header with our MACs and the tags; returns the offset of the IP header. */
static size_t put_l2(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], int nvlan,
		     uint16_t ethertype)
{
	size_t off = 12;

	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	for (int i = 0; i < nvlan; i++) {
		put16(buf + off, (nvlan == 2 && i == 0) ? 0x88a8 : 0x8100);
		put16(buf + off + 2, VLAN_IDS[i]);
		off += 4;
	}
	put16(buf + off, ethertype);
	return off + 2;
}

/* A 20-byte IPv4 header (plus options) with its checksum. */
static void put_ipv4(uint8_t *ip, uint8_t tos, uint16_t tot_len, uint16_t frag_off, uint8_t ttl,
		     uint8_t proto, const void *src, const void *dst, int opts)
{
	ip[0] = 0x40 | (uint8_t)((20 + opts) / 4);
	ip[1] = tos;
	put16(ip + 2, tot_len);
	put16(ip + 4, 0);
	put16(ip + 6, frag_off);
	ip[8] = ttl;
	ip[9] = proto;
	put16(ip + 10, 0);
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	memset(ip + 20, 1 /* NOP */, (size_t)opts);
	uint16_t c = csum_fold_buf(ip, 20 + (size_t)opts, 0);
	memcpy(ip + 10, &c, 2);
}

static void put_ipv6(uint8_t *ip, uint8_t tclass, uint32_t label, uint16_t payload_len,
		     uint8_t nexthdr, uint8_t hops, const void *src, const void *dst)
{
	uint32_t w = htonl(6U << 28 | (uint32_t)tclass << 20 | (label & 0xfffff));

	memcpy(ip, &w, 4);
	put16(ip + 4, payload_len);
	ip[6] = nexthdr;
	ip[7] = hops;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
}

size_t frame_build(uint8_t *buf, const struct frame_spec *s)
{
	uint32_t src[4], dst[4];
	size_t l3, iphl = ip_hdr_len(s), l4hl = l4_hdr_len(s), iplen = frame_ip_len(s);
	size_t plen = payload_len(s), elen = ext_len(s);
	uint8_t *ip, *l4, first_next = s->proto;
	uint32_t sum;

	if (addr_parse(s->src, src) != s->family || addr_parse(s->dst, dst) != s->family) {
		fprintf(stderr, "test bug: address family mismatch\n");
		abort();
	}
	memset(buf, 0, FRAME_MAX);
	l3 = put_l2(buf, MAC_LB, MAC_ROUTER, s->nvlan, s->family == 4 ? 0x0800 : 0x86dd);
	ip = buf + l3;
	l4 = ip + iphl;

	/* IPv6 extension headers: 8 bytes each, PadN filling the options. */
	if (elen) {
		uint8_t *e = ip + 40;

		first_next = ext_proto(s->ext[0]);
		for (size_t i = 0; i < elen / 8; i++, e += 8) {
			uint8_t next = i + 1 < elen / 8 ? ext_proto(s->ext[i + 1]) : s->proto;

			e[0] = next;
			if (ext_proto(s->ext[i]) == IPPROTO_FRAGMENT) {
				uint32_t id = htonl(s->frag_id);

				put16(e + 2, s->frag6);
				memcpy(e + 4, &id, 4);
			} else {
				e[1] = 0;
				e[2] = 1; /* PadN */
				e[3] = 4;
			}
		}
	}

	/* Upper-layer header and payload first: the checksum covers them. */
	if (s->proto == IPPROTO_ICMP || s->proto == IPPROTO_ICMPV6) {
		if (!s->no_l4) {
			l4[0] = s->icmp_type;
			l4[1] = s->icmp_code;
			put16(l4 + 4, (uint16_t)(s->icmp_rest >> 16));
			put16(l4 + 6, (uint16_t)s->icmp_rest);
		}
	} else if (!s->no_l4) {
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
	}
	if (s->proto == IPPROTO_TCP && !s->no_l4) {
		put16(l4 + 4, 0x1234);
		put16(l4 + 6, 0x5678);
		l4[12] = 5 << 4;
		l4[13] = s->tcp_flags ? s->tcp_flags : 0x10;
		put16(l4 + 14, 65535);
	} else if (s->proto == IPPROTO_UDP && !s->no_l4) {
		put16(l4 + 4, (uint16_t)(l4hl + plen));
	}
	if (s->quote) {
		uint8_t inner[FRAME_MAX];

		frame_build(inner, s->quote);
		memcpy(l4 + l4hl, inner + frame_l3_off(s->quote), plen);
	} else {
		for (size_t i = 0; i < plen; i++)
			l4[l4hl + i] = (uint8_t)(i * 7 + 3);
	}

	/* Checksums: TCP, UDP and ICMPv6 over a pseudo-header, ICMP over the message only. */
	if (!s->no_l4 && s->proto != IPPROTO_ICMP &&
	    (s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP || s->proto == IPPROTO_ICMPV6)) {
		size_t alen = s->family == 4 ? 4 : 16;
		uint32_t l4len = (uint32_t)(l4hl + plen);
		uint16_t c;

		sum = csum_add(src, alen, 0);
		sum = csum_add(dst, alen, sum);
		sum += s->proto;
		sum += l4len;
		c = csum_fold_buf(l4, l4len, sum);
		if (s->proto == IPPROTO_UDP && c == 0)
			c = 0xffff;
		memcpy(l4 + (s->proto == IPPROTO_TCP   ? 16
			     : s->proto == IPPROTO_UDP ? 6
						       : 2),
		       &c, 2);
	} else if (!s->no_l4 && s->proto == IPPROTO_ICMP) {
		uint16_t c = csum_fold_buf(l4, l4hl + plen, 0);

		memcpy(l4 + 2, &c, 2);
	}

	if (s->family == 4) {
		put_ipv4(ip, s->tos, (uint16_t)iplen, (uint16_t)((s->no_df ? 0 : 0x4000) | s->frag),
			 64, s->proto, src, dst, s->ip_opts);
		put16(ip + 4, (uint16_t)s->frag_id);
		/* The ID is covered by the header checksum: recompute it. */
		put16(ip + 10, 0);
		uint16_t c = csum_fold_buf(ip, 20 + (size_t)s->ip_opts, 0);

		memcpy(ip + 10, &c, 2);
	} else {
		put_ipv6(ip, s->tos, 0x12345, (uint16_t)(iplen - 40), first_next, 64, src, dst);
	}
	return l3 + iplen + s->pad;
}

size_t frame_expect_too_big(uint8_t *out, const uint8_t *in, const struct frame_spec *s,
			    uint32_t mtu)
{
	enum { QUOTE = 512 };
	uint32_t src[4], dst[4];
	size_t off, l3 = frame_l3_off(s);
	uint8_t *icmp;

	addr_parse(s->src, src);
	addr_parse(s->dst, dst);
	memset(out, 0, FRAME_MAX);
	/* Back to the router, from the VIP to the client. */
	off = put_l2(out, MAC_ROUTER, MAC_LB, s->nvlan, s->family == 4 ? 0x0800 : 0x86dd);
	if (s->family == 4) {
		put_ipv4(out + off, 0, 20 + 8 + QUOTE, 0, 64, IPPROTO_ICMP, dst, src, 0);
		icmp = out + off + 20;
		icmp[0] = 3;
		icmp[1] = 4;
		put16(icmp + 6, (uint16_t)mtu);
		memcpy(icmp + 8, in + l3, QUOTE);
		uint16_t c = csum_fold_buf(icmp, 8 + QUOTE, 0);

		memcpy(icmp + 2, &c, 2);
		return off + 20 + 8 + QUOTE;
	}
	put_ipv6(out + off, 0, 0, 8 + QUOTE, IPPROTO_ICMPV6, 64, dst, src);
	icmp = out + off + 40;
	icmp[0] = 2;
	icmp[1] = 0;
	uint32_t m = htonl(mtu);

	memcpy(icmp + 4, &m, 4);
	memcpy(icmp + 8, in + l3, QUOTE);
	uint32_t sum = csum_add(dst, 16, 0);

	sum = csum_add(src, 16, sum);
	sum += 8 + QUOTE;
	sum += IPPROTO_ICMPV6;
	uint16_t c = csum_fold_buf(icmp, 8 + QUOTE, sum);

	memcpy(icmp + 2, &c, 2);
	return off + 40 + 8 + QUOTE;
}

size_t frame_expect_encap(uint8_t *out, const uint8_t *in, size_t in_len,
			  const struct frame_spec *s, int outer_family, const void *osrc,
			  const void *odst, uint32_t flow_label)
{
	size_t l3 = frame_l3_off(s), iplen = frame_ip_len(s);
	size_t ohl = outer_family == 4 ? 20 : 40;
	uint8_t inner_proto = s->family == 4 ? IPPROTO_IPIP : IPPROTO_IPV6;
	size_t off;

	memset(out, 0, FRAME_MAX);
	off = put_l2(out, MAC_GW, MAC_LB, s->nvlan, outer_family == 4 ? 0x0800 : 0x86dd);
	if (outer_family == 4) {
		put_ipv4(out + off, s->tos, (uint16_t)(iplen + 20), 0x4000 /* always DF */, 64,
			 inner_proto, osrc, odst, 0);
	} else {
		put_ipv6(out + off, s->tos, flow_label, (uint16_t)iplen, inner_proto, 64, osrc,
			 odst);
	}
	/* The original IP packet, and whatever padding followed it, unchanged. */
	memcpy(out + off + ohl, in + l3, in_len - l3);
	return in_len + ohl;
}

size_t frame_expect_gue(uint8_t *out, const uint8_t *in, size_t in_len, const struct frame_spec *s,
			int outer_family, const void *osrc, const void *odst, uint32_t flow_label,
			uint16_t sport, uint16_t dport)
{
	size_t l3 = frame_l3_off(s), iplen = frame_ip_len(s);
	size_t ohl = outer_family == 4 ? 20 : 40;
	size_t off;
	uint8_t *udp;

	memset(out, 0, FRAME_MAX);
	off = put_l2(out, MAC_GW, MAC_LB, s->nvlan, outer_family == 4 ? 0x0800 : 0x86dd);
	if (outer_family == 4)
		put_ipv4(out + off, s->tos, (uint16_t)(iplen + 28), 0x4000 /* always DF */, 64,
			 IPPROTO_UDP, osrc, odst, 0);
	else
		put_ipv6(out + off, s->tos, flow_label, (uint16_t)(iplen + 8), IPPROTO_UDP, 64,
			 osrc, odst);
	udp = out + off + ohl;
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (uint16_t)(iplen + 8));
	/* GUE variant 1: the inner IP packet right after the UDP header, then any padding. */
	memcpy(udp + 8, in + l3, in_len - l3);
	if (outer_family == 6) {
		/* Pseudo-header (RFC 8200 8.1) + UDP header + the inner packet, padding excluded.
		 */
		uint32_t sum = csum_add(osrc, 16, 0);
		uint16_t c;

		sum = csum_add(odst, 16, sum);
		sum += (uint32_t)iplen + 8;
		sum += IPPROTO_UDP;
		c = csum_fold_buf(udp, iplen + 8, sum);
		if (c == 0)
			c = 0xffff;
		memcpy(udp + 6, &c, 2);
	}
	return in_len + ohl + 8;
}

size_t frame_expect_l2(uint8_t *out, const uint8_t *in, size_t in_len, const uint8_t mac[6])
{
	memcpy(out, in, in_len);
	memcpy(out, mac, 6);
	memcpy(out + 6, MAC_LB, 6);
	return in_len;
}

int frame_equal(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
	if (got_len != want_len) {
		fprintf(stderr, "    length %zu, expected %zu\n", got_len, want_len);
		return 0;
	}
	for (size_t i = 0; i < got_len; i++) {
		if (got[i] != want[i]) {
			fprintf(stderr, "    byte %zu is 0x%02x, expected 0x%02x\n", i, got[i],
				want[i]);
			return 0;
		}
	}
	return 1;
}
