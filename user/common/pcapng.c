// SPDX-License-Identifier: GPL-2.0
/* pcapng.c - pcapng blocks: see pcapng.h. */
#include <string.h>

#include "pcapng.h"

#define BT_SHB 0x0A0D0D0AU
#define BT_IDB 0x00000001U
#define BT_EPB 0x00000006U
#define BYTE_ORDER_MAGIC 0x1A2B3C4DU

#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9

/* A block being written: out, its capacity, and the bytes so far (or overflowed). */
struct blk {
	uint8_t *p;
	size_t cap, len;
	int full;
};

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static void put(struct blk *b, const void *v, size_t n)
{
	if (b->full || b->cap - b->len < n) {
		b->full = 1;
		return;
	}
	memcpy(b->p + b->len, v, n);
	b->len += n;
}

static void put32(struct blk *b, uint32_t v)
{
	put(b, &v, 4);
}

static void put16(struct blk *b, uint16_t v)
{
	put(b, &v, 2);
}

/* Zeros up to the next multiple of 4. */
static void put_pad(struct blk *b)
{
	static const uint8_t zero[4];

	put(b, zero, pad4(b->len) - b->len);
}

/* One option: code, length, value padded. A value longer than max is cut to max. */
static void put_opt(struct blk *b, uint16_t code, const void *v, size_t n, size_t max)
{
	if (n > max)
		n = max;
	put16(b, code);
	put16(b, (uint16_t)n);
	put(b, v, n);
	put_pad(b);
}

static void put_str_opt(struct blk *b, uint16_t code, const char *s, size_t max)
{
	if (s)
		put_opt(b, code, s, strlen(s), max);
}

/* Start a block of type; the length fields are written by end(). */
static void begin(struct blk *b, void *out, size_t cap, uint32_t type)
{
	b->p = out;
	b->cap = cap;
	b->len = 0;
	b->full = 0;
	put32(b, type);
	put32(b, 0);
}

/* Close the options with opt_endofopt when any was written (has_opts), write the trailing
 * length and patch the leading one. Returns the block's length or 0. */
static size_t end(struct blk *b, int has_opts)
{
	uint32_t total;

	if (has_opts) {
		put16(b, OPT_ENDOFOPT);
		put16(b, 0);
	}
	total = (uint32_t)(b->len + 4);
	put32(b, total);
	if (b->full)
		return 0;
	memcpy(b->p + 4, &total, 4);
	return b->len;
}

size_t pcapng_shb(void *out, size_t cap, const char *appl)
{
	struct blk b;

	begin(&b, out, cap, BT_SHB);
	put32(&b, BYTE_ORDER_MAGIC);
	put16(&b, 1);
	put16(&b, 0);
	put32(&b, 0xffffffffU); /* section length: not known in advance (-1) */
	put32(&b, 0xffffffffU);
	put_str_opt(&b, OPT_SHB_USERAPPL, appl, PCAPNG_MAX_NAME);
	return end(&b, appl != NULL);
}

size_t pcapng_idb(void *out, size_t cap, const char *name, uint32_t snaplen)
{
	const uint8_t tsresol = 9; /* 10^-9 s */
	struct blk b;

	begin(&b, out, cap, BT_IDB);
	put16(&b, PCAPNG_LINKTYPE_ETHERNET);
	put16(&b, 0);
	put32(&b, snaplen);
	put_str_opt(&b, OPT_IF_NAME, name, PCAPNG_MAX_NAME);
	put_opt(&b, OPT_IF_TSRESOL, &tsresol, 1, 1);
	return end(&b, 1);
}

size_t pcapng_epb(void *out, size_t cap, const struct pcapng_packet *p)
{
	struct blk b;

	if (p->cap_len > p->orig_len)
		return 0;
	begin(&b, out, cap, BT_EPB);
	put32(&b, p->if_id);
	put32(&b, (uint32_t)(p->ts_ns >> 32));
	put32(&b, (uint32_t)p->ts_ns);
	put32(&b, p->cap_len);
	put32(&b, p->orig_len);
	put(&b, p->data, p->cap_len);
	put_pad(&b);
	put_str_opt(&b, OPT_COMMENT, p->comment, PCAPNG_MAX_COMMENT);
	return end(&b, p->comment != NULL);
}
