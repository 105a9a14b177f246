// SPDX-License-Identifier: GPL-2.0
/* log.c - xlbd's logging: see log.h. */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static enum xlog_level max_level = XLOG_INFO;
static int journal;

void xlog_set_level(enum xlog_level level)
{
	max_level = level;
}

void xlog_set_journal(int on)
{
	journal = on;
}

void xlog(enum xlog_level level, const char *fmt, ...)
{
	static const char *const words[] = {
		[XLOG_ERR] = "error", [XLOG_WARN] = "warning", [XLOG_INFO] = "info", [XLOG_DEBUG] = "debug"
	};
	va_list ap;

	if (level > max_level)
		return;
	if (journal)
		fprintf(stderr, "<%d>", level);
	else
		fprintf(stderr, "xlbd: %s: ", words[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
