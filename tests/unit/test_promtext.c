// SPDX-License-Identifier: GPL-2.0
/* test_promtext.c - the Prometheus text writer: exact output for families, escaping, number
 * formatting and histograms. */
#include <math.h>
#include <stdlib.h>

#include "promtext.h"
#include "xt.h"

/* Run fn on a memory stream and compare what it wrote with want. */
#define EXPECT_TEXT(want, ...)                                                        \
	do {                                                                          \
		char *buf_ = NULL;                                                    \
		size_t len_ = 0;                                                      \
		struct prom_out o = { .f = open_memstream(&buf_, &len_) };            \
		XT_CHECK(o.f, "open_memstream");                                      \
		__VA_ARGS__;                                                          \
		fclose(o.f);                                                          \
		int same_ = !strcmp(buf_, want);                                      \
		if (!same_)                                                           \
			fprintf(stderr, "    got:\n%s    expected:\n%s", buf_, want); \
		free(buf_);                                                           \
		XT_CHECK(same_, "output differs");                                    \
	} while (0)

static int t_family_and_samples(void)
{
	const struct prom_label l[] = { { "service", "web" }, { "backend", "10.1.0.11" } };

	EXPECT_TEXT("# HELP xlb_x_total Packets.\n# TYPE xlb_x_total counter\n"
		    "xlb_x_total{service=\"web\",backend=\"10.1.0.11\"} 18446744073709551615\n"
		    "xlb_x_total 0\n",
		    prom_family(&o, "xlb_x_total", "counter", "Packets.");
		    prom_u64(&o, "", l, 2, UINT64_MAX); prom_u64(&o, "", NULL, 0, 0));
	return XT_PASS;
}

static int t_escaping(void)
{
	const struct prom_label l[] = { { "a", "q\"b\\s\nn" } };

	EXPECT_TEXT("# HELP m One \\\\ two\\nthree \"q\".\n# TYPE m gauge\n"
		    "m{a=\"q\\\"b\\\\s\\nn\"} 1\n",
		    prom_family(&o, "m", "gauge", "One \\ two\nthree \"q\".");
		    prom_f64(&o, "", l, 1, 1.0));
	return XT_PASS;
}

static int t_numbers(void)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
		{ 0, "0" },
		{ 1, "1" },
		{ 0.005, "0.005" },
		{ 2.5, "2.5" },
		{ 1e-9, "1e-09" },
		{ 123456789, "123456789" },
		{ 0.1 + 0.2, "0.30000000000000004" },
		{ INFINITY, "+Inf" },
		{ -INFINITY, "-Inf" },
		{ NAN, "NaN" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		prom_double(buf, sizeof(buf), cases[i].v);
		XT_CHECK(!strcmp(buf, cases[i].text), "%.17g written as %s, expected %s",
			 cases[i].v, buf, cases[i].text);
	}
	return XT_PASS;
}

static int t_histogram(void)
{
	static const double bounds[] = { 0.001, 0.01, 0.1 };
	const struct prom_label l[] = { { "type", "http" } };
	struct prom_histo h;

	prom_histo_init(&h, bounds, 3);
	prom_histo_observe(&h, 0.0005);
	prom_histo_observe(&h, 0.001); /* le is inclusive */
	prom_histo_observe(&h, 0.05);
	prom_histo_observe(&h, 7);
	XT_EQ(h.count, 4);
	EXPECT_TEXT("# HELP d_seconds D.\n# TYPE d_seconds histogram\n"
		    "d_seconds_bucket{type=\"http\",le=\"0.001\"} 2\n"
		    "d_seconds_bucket{type=\"http\",le=\"0.01\"} 2\n"
		    "d_seconds_bucket{type=\"http\",le=\"0.1\"} 3\n"
		    "d_seconds_bucket{type=\"http\",le=\"+Inf\"} 4\n"
		    "d_seconds_sum{type=\"http\"} 7.0515\n"
		    "d_seconds_count{type=\"http\"} 4\n",
		    prom_family(&o, "d_seconds", "histogram", "D.");
		    prom_histogram(&o, l, 1, &h));
	return XT_PASS;
}

static const struct xt_case cases[] = {
	{ "family_and_samples", t_family_and_samples },
	{ "escaping", t_escaping },
	{ "numbers", t_numbers },
	{ "histogram", t_histogram },
};

int main(int argc, char **argv)
{
	return xt_run("unit/promtext", cases, sizeof(cases) / sizeof(cases[0]),
		      argc > 1 ? argv[1] : NULL);
}
