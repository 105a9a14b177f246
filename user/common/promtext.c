// SPDX-License-Identifier: GPL-2.0
/* promtext.c - Prometheus text format 0.0.4 writer and fixed-bucket histograms: see
 * promtext.h. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "promtext.h"

/* HELP text escapes backslash and newline; label values also the double quote. */
static void put_escaped(FILE *f, const char *s, int quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' && quote)
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

void prom_family(struct prom_out *o, const char *name, const char *type, const char *help)
{
	snprintf(o->family, sizeof(o->family), "%s", name);
	fprintf(o->f, "# HELP %s ", name);
	put_escaped(o->f, help, 0);
	fprintf(o->f, "\n# TYPE %s %s\n", name, type);
}

static void put_name(struct prom_out *o, const char *suffix, const struct prom_label *l, size_t n)
{
	fprintf(o->f, "%s%s", o->family, suffix);
	if (!n)
		return;
	fputc('{', o->f);
	for (size_t i = 0; i < n; i++) {
		fprintf(o->f, "%s%s=\"", i ? "," : "", l[i].name);
		put_escaped(o->f, l[i].value, 1);
		fputc('"', o->f);
	}
	fputc('}', o->f);
}

void prom_u64(struct prom_out *o, const char *suffix, const struct prom_label *l, size_t n,
	      uint64_t v)
{
	put_name(o, suffix, l, n);
	fprintf(o->f, " %" PRIu64 "\n", v);
}

void prom_double(char *buf, size_t len, double v)
{
	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	/* The fewest significant digits that read back exactly: 0.005, not 0.0050000000000000001.
	 */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

void prom_f64(struct prom_out *o, const char *suffix, const struct prom_label *l, size_t n,
	      double v)
{
	char num[32];

	prom_double(num, sizeof(num), v);
	put_name(o, suffix, l, n);
	fprintf(o->f, " %s\n", num);
}

void prom_histo_init(struct prom_histo *h, const double *bounds, size_t n)
{
	memset(h, 0, sizeof(*h));
	h->bounds = bounds;
	h->n = n < PROM_HISTO_MAX ? n : PROM_HISTO_MAX;
}

void prom_histo_observe(struct prom_histo *h, double v)
{
	size_t i = 0;

	while (i < h->n && v > h->bounds[i])
		i++;
	h->counts[i]++;
	h->count++;
	h->sum += v;
}

void prom_histogram(struct prom_out *o, const struct prom_label *l, size_t n,
		    const struct prom_histo *h)
{
	struct prom_label all[8];
	char le[32];
	uint64_t cum = 0;

	if (n > 7)
		n = 7; /* our families have at most two labels; le is the last */
	memcpy(all, l, n * sizeof(*l));
	all[n].name = "le";
	all[n].value = le;
	for (size_t i = 0; i <= h->n; i++) {
		cum += h->counts[i];
		prom_double(le, sizeof(le), i < h->n ? h->bounds[i] : INFINITY);
		prom_u64(o, "_bucket", all, n + 1, cum);
	}
	prom_f64(o, "_sum", l, n, h->sum);
	prom_u64(o, "_count", l, n, h->count);
}
