/* SPDX-License-Identifier: GPL-2.0 */
/* pcapread.h - reading back the pcapng blocks pcapng.c writes: a byte stream split into whole
 * blocks, and the fields of a Section Header, Interface Description and Enhanced Packet Block
 * (with its comment). For lbctl, which passes whole blocks on (a file cut short by Ctrl-C stays
 * valid) and prints one line per packet. Blocks of other types are framed and skipped. Pure C;
 * only the host's byte order is read (xlbd writes in its host order on the same machine). */
#ifndef XLB_PCAPREAD_H
#define XLB_PCAPREAD_H

#include <stddef.h>
#include <stdint.h>

#define PCAPNG_BT_SHB 0x0A0D0D0AU
#define PCAPNG_BT_IDB 0x00000001U
#define PCAPNG_BT_EPB 0x00000006U
#define PCAPNG_BLOCK_MAX (1U << 20) /* longest block read; pcapng.c's are below 6 KiB */

/* One parsed block. Pointers point into the caller's buffer; strings are not NUL-terminated. */
struct pcapng_block {
	uint32_t type; /* PCAPNG_BT_*, or any other type (then nothing else is filled) */
	uint32_t len; /* the whole block, in bytes */
	/* PCAPNG_BT_IDB */
	uint16_t linktype;
	uint32_t snaplen;
	const char *if_name; /* if_name option, NULL when absent */
	size_t if_name_len;
	/* PCAPNG_BT_EPB */
	uint32_t if_id;
	uint64_t ts; /* in the interface's resolution (pcapng.c: ns) */
	uint32_t cap_len, orig_len;
	const uint8_t *data; /* cap_len bytes */
	const char *comment; /* opt_comment, NULL when absent */
	size_t comment_len;
};

/* The length of the block that starts buf[0..len): > 0 when all of it is in buf, 0 when more
 * bytes are needed to tell or to hold it, -EINVAL when the bytes cannot start a block (a
 * length below 12, not a multiple of 4, or above PCAPNG_BLOCK_MAX; or, once the block is
 * whole, a trailing length that differs from the leading one). */
long pcapng_block_len(const void *buf, size_t len);

/* Parse the whole block buf[0..n) (n from pcapng_block_len()) into *b. Returns 0; -EINVAL when
 * a field or option runs past the block's end, or an EPB's cap_len exceeds its orig_len;
 * -EPROTONOSUPPORT for a Section Header Block in the other byte order or of a major version
 * other than 1. */
int pcapng_block_parse(const void *buf, size_t n, struct pcapng_block *b);

#endif /* XLB_PCAPREAD_H */
