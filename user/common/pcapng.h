/* SPDX-License-Identifier: GPL-2.0 */
/* pcapng.h - the pcapng blocks a packet capture needs (the IETF draft "PCAP Next Generation
 * (pcapng) Capture File Format"): a Section Header Block, an Interface Description Block per
 * interface, an Enhanced Packet Block per packet with its comment option. Pure C: each
 * function writes one block into a caller's buffer, in host byte order (a reader tells the
 * order from the section's byte-order magic), every field and option padded to 32 bits. */
#ifndef XLB_PCAPNG_H
#define XLB_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

#define PCAPNG_LINKTYPE_ETHERNET 1
#define PCAPNG_MAX_COMMENT 1024 /* longest comment written; longer ones are cut */
#define PCAPNG_MAX_NAME 256 /* longest application or interface name written */

/* One packet of an Enhanced Packet Block. */
struct pcapng_packet {
	uint32_t if_id; /* the interface's index in the order of its IDB in the section, from 0 */
	uint64_t ts_ns; /* ns since the Unix epoch (the IDB says if_tsresol 9) */
	const void *data; /* cap_len bytes of the frame */
	uint32_t cap_len;
	uint32_t orig_len; /* the frame's length on the wire, >= cap_len */
	const char *comment; /* opt_comment (UTF-8), or NULL for none */
};

/* The Section Header Block: version 1.0, section length unknown (-1), shb_userappl appl (or
 * none when NULL). Returns the bytes written to out, 0 when cap is too small. */
size_t pcapng_shb(void *out, size_t cap, const char *appl);

/* An Interface Description Block for Ethernet frames of at most snaplen bytes, with if_name
 * name (or none when NULL) and if_tsresol 9 (timestamps in ns). Returns the bytes written, 0
 * when cap is too small. */
size_t pcapng_idb(void *out, size_t cap, const char *name, uint32_t snaplen);

/* An Enhanced Packet Block of p. Returns the bytes written, 0 when cap is too small or when
 * cap_len > orig_len. */
size_t pcapng_epb(void *out, size_t cap, const struct pcapng_packet *p);

/* The largest block pcapng_epb() writes for cap_len bytes of frame. */
#define PCAPNG_EPB_MAX(cap_len) \
	(32 + (((size_t)(cap_len) + 3) & ~(size_t)3) + 8 + PCAPNG_MAX_COMMENT)

#endif /* XLB_PCAPNG_H */
