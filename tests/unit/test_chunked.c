// SPDX-License-Identifier: GPL-2.0
/* test_chunked.c - the incremental chunked-coding decoder: a body fed whole and byte by byte
 * gives the same data and ends at the last chunk; extensions and trailers are skipped; bytes
 * after the end are ignored; every malformed form is refused. */
#include <errno.h>
#include <string.h>

#include "chunked.h"
#include "xt.h"

#define LAYER "unit/chunked"

static const char BODY[] = "5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n"
			   "0\r\nX-Trailer: yes\r\n\r\n";
static const char DATA[] = "hello 0123456789";

/* Feed text in pieces of step bytes; the data into out. Returns its length or -errno. */
static long feed(const char *text, size_t len, size_t step, char *out, struct chunked *c)
{
	char piece[256];
	long total = 0;

	chunked_init(c);
	for (size_t at = 0; at < len; at += step) {
		size_t n = len - at < step ? len - at : step;
		long got;

		memcpy(piece, text + at, n);
		got = chunked_feed(c, piece, n);
		if (got < 0)
			return got;
		memcpy(out + total, piece, (size_t)got);
		total += got;
	}
	return total;
}

static int t_whole_and_pieces(void)
{
	char out[256];
	struct chunked c;

	for (size_t step = 1; step <= sizeof(BODY); step++) {
		long n = feed(BODY, sizeof(BODY) - 1, step, out, &c);

		XT_CHECK(n == (long)strlen(DATA), "step %zu: %ld data bytes", step, n);
		XT_CHECK(!memcmp(out, DATA, strlen(DATA)), "step %zu: data differs", step);
		XT_CHECK(c.done, "step %zu: not done", step);
	}
	return XT_PASS;
}

static int t_not_done_until_end(void)
{
	char out[256];
	struct chunked c;

	/* Everything but the final CRLF: all data in, not done. */
	XT_EQ(feed(BODY, sizeof(BODY) - 3, 7, out, &c), (long)strlen(DATA));
	XT_CHECK(!c.done, "done before the final empty line");
	/* After the end, bytes are not data. */
	XT_EQ(feed("0\r\n\r\nGARBAGE", 12, 12, out, &c), 0);
	XT_CHECK(c.done, "not done");
	return XT_PASS;
}

static int t_malformed(void)
{
	static const char *const bad[] = {
		"\r\n", /* no size */
		"g\r\n", /* not hex */
		";x\r\n", /* extension without a size */
		"3\r\nabcX\r\n", /* no CRLF after the data */
		"3\r\nabc\rX", /* CR without LF */
		"3\nabc\r\n", /* LF without CR after the size */
		"0\r\n\rX", /* final line not CRLF */
		"10000000001\r\n", /* above CHUNKED_SIZE_MAX */
	};
	char out[256];
	struct chunked c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		XT_CHECK(feed(bad[i], strlen(bad[i]), 1, out, &c) == -EINVAL, "accepted \"%s\"",
			 bad[i]);
	return XT_PASS;
}

static const struct xt_case CASES[] = {
	{ "whole_and_pieces", t_whole_and_pieces },
	{ "not_done_until_end", t_not_done_until_end },
	{ "malformed", t_malformed },
};

int main(int argc, char **argv)
{
	return xt_run(LAYER, CASES, (int)(sizeof(CASES) / sizeof(CASES[0])),
		      argc > 1 ? argv[1] : NULL);
}
