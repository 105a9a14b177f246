// SPDX-License-Identifier: GPL-2.0
/* pcapread.c - reading back pcapng blocks: see pcapread.h. */
#include <errno.h>
#include <string.h>

#include "pcapread.h"

#define BYTE_ORDER_MAGIC 0x1A2B3C4DU
#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define OPT_IF_NAME 2

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

long pcapng_block_len(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t n;

	if (len < 8)
		return 0;
	n = get32(p + 4);
	if (n < 12 || n % 4 || n > PCAPNG_BLOCK_MAX)
		return -EINVAL;
	if (len < n)
		return 0;
	if (get32(p + n - 4) != n)
		return -EINVAL;
	return (long)n;
}

/* Walk the options in [p, end): the comment (code OPT_COMMENT) and one more code, want, whose
 * value goes to *v / *vlen. Returns 0 or -EINVAL when an option runs past end. */
static int options(const uint8_t *p, const uint8_t *end, uint16_t want, const char **v,
		   size_t *vlen, struct pcapng_block *b)
{
	while (end - p >= 4) {
		uint16_t code = get16(p), len = get16(p + 2);
		size_t padded = ((size_t)len + 3) & ~(size_t)3;

		if (code == OPT_ENDOFOPT)
			return 0;
		if ((size_t)(end - p) - 4 < padded)
			return -EINVAL;
		if (code == OPT_COMMENT) {
			b->comment = (const char *)p + 4;
			b->comment_len = len;
		} else if (want && code == want) {
			*v = (const char *)p + 4;
			*vlen = len;
		}
		p += 4 + padded;
	}
	return p == end ? 0 : -EINVAL;
}

int pcapng_block_parse(const void *buf, size_t n, struct pcapng_block *b)
{
	const uint8_t *p = buf, *end = p + n - 4; /* the trailing length */
	const char *unused;
	size_t unused_len;

	memset(b, 0, sizeof(*b));
	b->type = get32(p);
	b->len = (uint32_t)n;
	switch (b->type) {
	case PCAPNG_BT_SHB:
		if (n < 28)
			return -EINVAL;
		if (get32(p + 8) != BYTE_ORDER_MAGIC || get16(p + 12) != 1)
			return -EPROTONOSUPPORT;
		return options(p + 24, end, 0, &unused, &unused_len, b);
	case PCAPNG_BT_IDB:
		if (n < 20)
			return -EINVAL;
		b->linktype = get16(p + 8);
		b->snaplen = get32(p + 12);
		return options(p + 16, end, OPT_IF_NAME, &b->if_name, &b->if_name_len, b);
	case PCAPNG_BT_EPB: {
		size_t padded;

		if (n < 32)
			return -EINVAL;
		b->if_id = get32(p + 8);
		b->ts = (uint64_t)get32(p + 12) << 32 | get32(p + 16);
		b->cap_len = get32(p + 20);
		b->orig_len = get32(p + 24);
		padded = ((size_t)b->cap_len + 3) & ~(size_t)3;
		if (b->cap_len > b->orig_len || padded > (size_t)(end - (p + 28)))
			return -EINVAL;
		b->data = p + 28;
		return options(p + 28 + padded, end, 0, &unused, &unused_len, b);
	}
	default:
		return 0;
	}
}
