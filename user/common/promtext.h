/* SPDX-License-Identifier: GPL-2.0 */
/* promtext.h - the Prometheus text exposition format 0.0.4, written to a FILE: a family's
 * "# HELP" and "# TYPE" lines once, then its samples with escaped label values; and histograms
 * with fixed buckets. Pure C: xlbd's /metrics and the unit tests share it.
 * Format reference: https://prometheus.io/docs/instrumenting/exposition_formats/ */
#ifndef XLB_PROMTEXT_H
#define XLB_PROMTEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The Content-Type of what this module writes. */
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* One label: name must match [a-zA-Z_][a-zA-Z0-9_]* (callers use constants); value is any
 * UTF-8 text and is escaped on output. */
struct prom_label {
	const char *name;
	const char *value;
};

/* The writer: the family being written, so that samples carry its name. */
struct prom_out {
	FILE *f;
	char family[96];
};

/* Start family name of type "counter", "gauge" or "histogram": writes # HELP (help escaped)
 * and # TYPE. Every sample written until the next prom_family() belongs to it. */
void prom_family(struct prom_out *o, const char *name, const char *type, const char *help);

/* One sample of the current family: its name plus suffix ("" or "_bucket", "_sum", ...), the n
 * labels l (n may be 0), and the value. */
void prom_u64(struct prom_out *o, const char *suffix, const struct prom_label *l, size_t n,
	      uint64_t v);
void prom_f64(struct prom_out *o, const char *suffix, const struct prom_label *l, size_t n,
	      double v);

/* Write the shortest decimal text of v that reads back as exactly v ("+Inf", "-Inf", "NaN"
 * for the special values) into buf of len bytes (32 is always enough). */
void prom_double(char *buf, size_t len, double v);

/* A histogram with fixed upper bounds. */
#define PROM_HISTO_MAX 16
struct prom_histo {
	const double *bounds; /* ascending upper bounds, n of them; +Inf is implied */
	size_t n;
	uint64_t counts[PROM_HISTO_MAX + 1]; /* per bucket, not cumulative; [n] is above all */
	uint64_t count;
	double sum;
};

/* Empty h over the n (<= PROM_HISTO_MAX) ascending bounds, which must outlive h. */
void prom_histo_init(struct prom_histo *h, const double *bounds, size_t n);

/* Count one observation v. */
void prom_histo_observe(struct prom_histo *h, double v);

/* Write h as the current (histogram) family's _bucket (cumulative, with le), _sum and _count
 * samples under the n labels l. */
void prom_histogram(struct prom_out *o, const struct prom_label *l, size_t n,
		    const struct prom_histo *h);

#endif /* XLB_PROMTEXT_H */
