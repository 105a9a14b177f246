// SPDX-License-Identifier: GPL-2.0
/* test_readfile.c - xlb_read_file(): a file of exactly the limit is read whole (NUL bytes
 * included, a terminator after it), one byte more is -EFBIG, a file larger than the first
 * read's room grows the buffer, an empty file gives length 0, and a missing file or a directory
 * gives its errno. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "readfile.h"
#include "xt.h"

#define LAYER "unit/readfile"

/* The scratch file: mkstemp() fills in the X's in main(), which removes it at the end. */
static char path[] = "/tmp/xlb-test-readfile-XXXXXX";

/* Make path hold len bytes: byte i is i % 251 (so 0 occurs, at every 251st). */
static int write_file(size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	for (size_t i = 0; i < len; i++)
		fputc((int)(i % 251), f);
	return fclose(f);
}

static int check_pattern(const char *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)b[i] != i % 251)
			return -1;
	return b[len] == '\0' ? 0 : -1;
}

/* A file of size bytes is read whole with a limit of size, and refused with size - 1. */
static int read_back(size_t size)
{
	char *b = NULL;
	size_t len = 0;

	XT_EQ(write_file(size), 0);
	XT_EQ(xlb_read_file(path, size, &b, &len), 0);
	XT_EQ(len, size);
	XT_EQ(check_pattern(b, len), 0);
	free(b);
	XT_EQ(xlb_read_file(path, size - 1, &b, &len), -EFBIG);
	return XT_PASS;
}

static int t_limit(void)
{
	return read_back(1000);
}

/* Past the first 64 KiB of room: the buffer doubles, the bytes stay in order. */
static int t_grows(void)
{
	return read_back(300000);
}

static int t_empty_and_errors(void)
{
	char *b = NULL;
	size_t len = 1;

	XT_EQ(write_file(0), 0);
	XT_EQ(xlb_read_file(path, 10, &b, &len), 0);
	XT_EQ(len, 0);
	XT_EQ(b[0], '\0');
	free(b);
	XT_EQ(xlb_read_file("/nonexistent/file", 10, &b, &len), -ENOENT);
	XT_EQ(xlb_read_file("/", 10, &b, &len), -EISDIR);
	return XT_PASS;
}

static const struct xt_case CASES[] = {
	{ "limit", t_limit },
	{ "grows", t_grows },
	{ "empty_and_errors", t_empty_and_errors },
};

int main(int argc, char **argv)
{
	int fd = mkstemp(path), rc;

	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	rc = xt_run(LAYER, CASES, (int)(sizeof(CASES) / sizeof(CASES[0])),
		    argc > 1 ? argv[1] : NULL);
	unlink(path);
	return rc;
}
