/* SPDX-License-Identifier: GPL-2.0 */
/* xt.h - the tiny test harness shared by the C test layers: a table of named cases, checks
 * that record the first failing assertion with file and line, and the closing line
 * "N passed, N failed, N skipped" that tests/run-layers.sh sums over all layers.
 */
#ifndef XT_H
#define XT_H

#include <stdio.h>
#include <stdarg.h>
#include <string.h>

/* A case returns XT_PASS, XT_FAIL or XT_SKIP. */
enum { XT_PASS = 0, XT_FAIL = 1, XT_SKIP = 2 };

struct xt_case {
	const char *name;
	int (*fn)(void);
};

/* Report a failed check and make the enclosing case fail. */
#define XT_CHECK(cond, ...)                                                                  \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "    %s:%d: check failed: %s: ", __FILE__, __LINE__, \
				#cond);                                                      \
			fprintf(stderr, __VA_ARGS__);                                        \
			fputc('\n', stderr);                                                 \
			return XT_FAIL;                                                      \
		}                                                                            \
	} while (0)

/* Compare two integers and print both on mismatch. */
#define XT_EQ(a, b)                                                                                \
	XT_CHECK((long long)(a) == (long long)(b), "%s = %lld, expected %lld", #a, (long long)(a), \
		 (long long)(b))

struct xt_counts {
	int passed, failed, skipped;
};

/* Print one case's result line and count it. */
static inline void xt_report(const char *layer, const char *name, int rc, struct xt_counts *c)
{
	if (rc == XT_PASS)
		c->passed++;
	else if (rc == XT_SKIP)
		c->skipped++;
	else
		c->failed++;
	printf("%s %s/%s\n", rc == XT_PASS ? "ok  " : rc == XT_SKIP ? "skip" : "FAIL", layer, name);
	fflush(stdout);
}

/* Print the closing count line. Returns the process exit code: 0 when nothing failed. */
static inline int xt_summary(const char *layer, const struct xt_counts *c)
{
	printf("%s: %d passed, %d failed, %d skipped\n", layer, c->passed, c->failed, c->skipped);
	return c->failed ? 1 : 0;
}

/* Run every case of a table whose name contains `only` (all when NULL), then the summary. */
static inline int xt_run(const char *layer, const struct xt_case *cases, int n, const char *only)
{
	struct xt_counts c = { 0 };

	for (int i = 0; i < n; i++)
		if (!only || strstr(cases[i].name, only))
			xt_report(layer, cases[i].name, cases[i].fn(), &c);
	return xt_summary(layer, &c);
}

#endif /* XT_H */
