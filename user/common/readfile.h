/* SPDX-License-Identifier: GPL-2.0 */
/* readfile.h - a whole file into memory, for the programs that take one as input: xlbd's
 * configuration file, lbctl's FILE arguments and the benchmark's baseline BPF object. */
#ifndef XLB_READFILE_H
#define XLB_READFILE_H

#include <stddef.h>

/* Read the file at path whole into a new buffer with a NUL after its len bytes (the contents
 * may hold NULs of their own). At most max bytes (below SIZE_MAX / 2): a longer file gives -EFBIG.
 * Returns 0 with *buf (free() it) and *len, or -errno with nothing allocated. */
int xlb_read_file(const char *path, size_t max, char **buf, size_t *len);

/* The same from the open descriptor fd, from where it stands to its end (standard input, a
 * pipe, a socket); fd stays open. */
int xlb_read_fd(int fd, size_t max, char **buf, size_t *len);

#endif /* XLB_READFILE_H */
