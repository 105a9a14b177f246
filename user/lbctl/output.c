// SPDX-License-Identifier: GPL-2.0
/* output.c - everything lbctl prints: errors (one line on stderr, or a JSON object on stdout),
 * command results as JSON or through a human printer, aligned tables and readable numbers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lbctl.h"

#define TABLE_MAX_COLS 12

/* Batch mode in JSON: how many results the array has so far, -1 outside batch mode. */
static int batch_items = -1;

static void put_json(json_t *j)
{
	size_t flags = JSON_REAL_PRECISION(6) | (opts.pretty ? JSON_INDENT(2) : JSON_COMPACT);

	if (batch_items >= 0 && batch_items++ > 0)
		fputs(opts.pretty ? ",\n" : ",", stdout);
	json_dumpf(j, stdout, flags);
	if (batch_items < 0)
		fputc('\n', stdout);
}

json_t *jtext(const char *s)
{
	json_t *j = json_string(s);
	char *ascii;

	if (j || !(ascii = strdup(s)))
		return j;
	for (char *p = ascii; *p; p++)
		if ((unsigned char)*p > 0x7f)
			*p = '?';
	j = json_string(ascii);
	free(ascii);
	return j;
}

static int report(int code, const char *fmt, va_list ap)
{
	char msg[1024];
	int n;

	if (opts.quiet)
		return code;
	n = opts.where ? snprintf(msg, sizeof(msg), "%s: ", opts.where) : 0;
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	if (opts.json) {
		json_t *j = json_pack("{s:o}", "error", jtext(msg));

		put_json(j);
		json_decref(j);
		fflush(stdout);
	} else {
		fprintf(stderr, "Error: %s\n", msg);
	}
	return code;
}

int fail(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = report(LBCTL_FAIL, fmt, ap);
	va_end(ap);
	return ret;
}

int usage(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = report(LBCTL_USAGE, fmt, ap);
	va_end(ap);
	return ret;
}

int emit(json_t *j, void (*human)(const json_t *j))
{
	if (!j) /* out of memory, or text that is not UTF-8 outside jtext() */
		return fail("cannot build the result as JSON");
	if (opts.json)
		put_json(j);
	else if (human)
		human(j);
	json_decref(j);
	fflush(stdout);
	return LBCTL_OK;
}

void emit_batch_begin(void)
{
	if (!opts.json)
		return;
	batch_items = 0;
	fputs(opts.pretty ? "[\n" : "[", stdout);
}

void emit_batch_end(void)
{
	if (batch_items < 0)
		return;
	batch_items = -1;
	fputs(opts.pretty ? "\n]\n" : "]\n", stdout);
}

/* ---- tables ---- */

struct table {
	int ncols;
	char *head[TABLE_MAX_COLS];
	bool right[TABLE_MAX_COLS];
	char **cells; /* rows * ncols */
	size_t rows, cap;
};

struct table *table_new(int ncols, ...)
{
	struct table *t = calloc(1, sizeof(*t));
	va_list ap;

	if (!t || ncols > TABLE_MAX_COLS)
		abort();
	t->ncols = ncols;
	va_start(ap, ncols);
	for (int i = 0; i < ncols; i++) {
		const char *h = va_arg(ap, const char *);

		t->right[i] = h[0] == '>';
		t->head[i] = strdup(h + t->right[i]);
	}
	va_end(ap);
	return t;
}

void table_row(struct table *t, ...)
{
	va_list ap;

	if (t->rows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = realloc(t->cells, t->cap * (size_t)t->ncols * sizeof(*t->cells));
		if (!t->cells)
			abort();
	}
	va_start(ap, t);
	for (int i = 0; i < t->ncols; i++) {
		const char *c = va_arg(ap, const char *);

		t->cells[t->rows * (size_t)t->ncols + (size_t)i] = strdup(c ? c : "");
	}
	va_end(ap);
	t->rows++;
}

static void print_row(const struct table *t, char *const *cells, const size_t *w)
{
	for (int i = 0; i < t->ncols; i++) {
		bool last = i == t->ncols - 1;
		int pad = (int)w[i];

		if (t->right[i])
			printf("%*s", pad, cells[i]);
		else if (last)
			fputs(cells[i], stdout);
		else
			printf("%-*s", pad, cells[i]);
		fputs(last ? "\n" : "  ", stdout);
	}
}

void table_print(struct table *t)
{
	size_t w[TABLE_MAX_COLS];

	for (int i = 0; i < t->ncols; i++) {
		w[i] = strlen(t->head[i]);
		for (size_t r = 0; r < t->rows; r++) {
			size_t l = strlen(t->cells[r * (size_t)t->ncols + (size_t)i]);

			if (l > w[i])
				w[i] = l;
		}
	}
	print_row(t, t->head, w);
	for (size_t r = 0; r < t->rows; r++)
		print_row(t, t->cells + r * (size_t)t->ncols, w);
	for (size_t c = 0; c < t->rows * (size_t)t->ncols; c++)
		free(t->cells[c]);
	for (int i = 0; i < t->ncols; i++)
		free(t->head[i]);
	free(t->cells);
	free(t);
}

/* ---- numbers ---- */

const char *fmt_count(uint64_t v, char *buf, size_t len)
{
	char digits[32], out[48];
	int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v), o = 0;

	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	snprintf(buf, len, "%s", out);
	return buf;
}

const char *fmt_bytes(double v, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f B", v);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

const char *fmt_share(double share, char *buf, size_t len)
{
	snprintf(buf, len, "%.2f%%", share * 100);
	return buf;
}

/* ---- JSON from the daemon ---- */

const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

json_int_t jint(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

double jreal(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

size_t jlen(const json_t *o, const char *key)
{
	return json_array_size(json_object_get(o, key));
}

json_t *jat(const json_t *o, const char *key, size_t i)
{
	return json_array_get(json_object_get(o, key), i);
}
