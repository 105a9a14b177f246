/* SPDX-License-Identifier: GPL-2.0 */
/* log.h - xlbd's logging: one line per event on stderr with a level, in the syslog priority
 * prefix form "<N>" that journald understands when stderr is the journal. */
#ifndef XLBD_LOG_H
#define XLBD_LOG_H

enum xlog_level { XLOG_ERR = 3, XLOG_WARN = 4, XLOG_INFO = 6, XLOG_DEBUG = 7 };

/* Messages above this level are dropped (default XLOG_INFO). */
void xlog_set_level(enum xlog_level level);

/* Prefix every line with "<N>" (stderr is the journal) instead of a level word. */
void xlog_set_journal(int on);

void xlog(enum xlog_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define xlog_err(...) xlog(XLOG_ERR, __VA_ARGS__)
#define xlog_warn(...) xlog(XLOG_WARN, __VA_ARGS__)
#define xlog_info(...) xlog(XLOG_INFO, __VA_ARGS__)
#define xlog_debug(...) xlog(XLOG_DEBUG, __VA_ARGS__)

#endif /* XLBD_LOG_H */
