// SPDX-License-Identifier: GPL-2.0
/* readfile.c - a whole file into memory: see readfile.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "readfile.h"

#define READ_CHUNK 65536 /* first room; it doubles while the file fills it */

int xlb_read_fd(int fd, size_t max, char **buf, size_t *len)
{
	size_t n = 0, cap = 0;
	char *b = NULL, *nb;
	ssize_t got;
	int rc = 0;

	for (;;) {
		if (n == cap) {
			/* One byte past max tells a file of max bytes from a longer one. */
			if (cap > max) {
				rc = -EFBIG;
				break;
			}
			cap = cap ? cap * 2 : READ_CHUNK;
			cap = cap > max + 1 ? max + 1 : cap;
			nb = realloc(b, cap + 1);
			if (!nb) {
				rc = -ENOMEM;
				break;
			}
			b = nb;
		}
		got = read(fd, b + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			rc = got < 0 ? -errno : 0;
			break;
		}
		n += (size_t)got;
	}
	if (rc) {
		free(b);
		return rc;
	}
	b[n] = '\0'; /* b has room: the first turn of the loop allocated it */
	*buf = b;
	*len = n;
	return 0;
}

int xlb_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -errno;
	rc = xlb_read_fd(fd, max, buf, len);
	close(fd);
	return rc;
}
