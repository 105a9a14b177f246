/* SPDX-License-Identifier: GPL-2.0 */
/* chunked.h - an incremental decoder of HTTP/1.1's chunked transfer coding (RFC 9112, 7.1), for
 * an answer that streams (lbctl capture): fed the bytes as they arrive, in pieces of any size,
 * it returns the data and says when the last chunk ended. Chunk extensions and trailer fields
 * are read and ignored. Pure C. */
#ifndef XLB_CHUNKED_H
#define XLB_CHUNKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHUNKED_SIZE_MAX (1ULL << 40) /* larger chunk sizes are refused as malformed */

struct chunked {
	int state; /* where in the coding the next byte is (chunked.c) */
	uint64_t left; /* data bytes left in the current chunk, or the size being read */
	bool digits; /* the size line has a digit */
	bool done; /* the last chunk and the trailer's end were read */
};

/* Start decoding a new body. */
void chunked_init(struct chunked *c);

/* Decode buf[0..len), the next bytes of the body, in place: the data bytes among them move to
 * the front of buf. Returns how many data bytes that is (0..len), or -EINVAL when the coding is
 * malformed (then c is spent). Once c->done, further bytes are not data and are ignored. */
long chunked_feed(struct chunked *c, char *buf, size_t len);

#endif /* XLB_CHUNKED_H */
