// SPDX-License-Identifier: GPL-2.0
/* chunked.c - HTTP/1.1 chunked transfer coding, decoded incrementally: see chunked.h. */
#include <errno.h>

#include "chunked.h"

enum {
	ST_SIZE, /* hex digits of a chunk size */
	ST_EXT, /* after the size: whitespace or an extension, up to CR */
	ST_SIZE_LF, /* the LF ending the size line */
	ST_DATA, /* left bytes of data */
	ST_DATA_CR, /* the CRLF after the data */
	ST_DATA_LF,
	ST_TRAILER, /* the start of a trailer line, or the CR of the empty line that ends */
	ST_TRAILER_LINE, /* inside a trailer field, up to its LF */
	ST_END_LF, /* the LF of the final empty line */
	ST_DONE,
	ST_BAD,
};

void chunked_init(struct chunked *c)
{
	c->state = ST_SIZE;
	c->left = 0;
	c->digits = false;
	c->done = false;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The end of a size line: its chunk's data next, or the trailer after the last chunk. */
static int size_line_done(struct chunked *c)
{
	if (!c->digits)
		return ST_BAD;
	return c->left ? ST_DATA : ST_TRAILER;
}

long chunked_feed(struct chunked *c, char *buf, size_t len)
{
	size_t in = 0, out = 0;

	while (in < len && c->state != ST_DONE && c->state != ST_BAD) {
		char ch = buf[in];
		int h;

		switch (c->state) {
		case ST_SIZE:
			h = hexval(ch);
			if (h >= 0) {
				c->left = c->left * 16 + (uint64_t)h;
				c->digits = true;
				c->state = c->left > CHUNKED_SIZE_MAX ? ST_BAD : ST_SIZE;
			} else if (ch == '\r') {
				c->state = ST_SIZE_LF;
			} else if (ch == ';' || ch == ' ' || ch == '\t') {
				c->state = c->digits ? ST_EXT : ST_BAD;
			} else {
				c->state = ST_BAD;
			}
			in++;
			break;
		case ST_EXT:
			if (ch == '\r')
				c->state = ST_SIZE_LF;
			else if (ch == '\n')
				c->state = ST_BAD;
			in++;
			break;
		case ST_SIZE_LF:
			c->state = ch == '\n' ? size_line_done(c) : ST_BAD;
			in++;
			break;
		case ST_DATA: {
			size_t n = len - in;

			if (n > c->left)
				n = (size_t)c->left;
			for (size_t i = 0; i < n; i++)
				buf[out + i] = buf[in + i];
			out += n;
			in += n;
			c->left -= n;
			if (!c->left)
				c->state = ST_DATA_CR;
			break;
		}
		case ST_DATA_CR:
			c->state = ch == '\r' ? ST_DATA_LF : ST_BAD;
			in++;
			break;
		case ST_DATA_LF:
			if (ch == '\n') {
				c->state = ST_SIZE;
				c->digits = false;
				c->left = 0;
			} else {
				c->state = ST_BAD;
			}
			in++;
			break;
		case ST_TRAILER:
			c->state = ch == '\r' ? ST_END_LF : ch == '\n' ? ST_BAD : ST_TRAILER_LINE;
			in++;
			break;
		case ST_TRAILER_LINE:
			if (ch == '\n')
				c->state = ST_TRAILER;
			in++;
			break;
		case ST_END_LF:
			c->state = ch == '\n' ? ST_DONE : ST_BAD;
			in++;
			break;
		}
	}
	if (c->state == ST_BAD)
		return -EINVAL;
	c->done = c->state == ST_DONE;
	return (long)out;
}
