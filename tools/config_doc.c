// SPDX-License-Identifier: GPL-2.0
/* config_doc.c - the key tables of docs/config.md, generated from the schema
 * (user/common/config_schema.c) and the keys' help (config_help.c). Reads the document on stdin
 * and writes it to stdout with the text between each "<!-- schema: NAME -->" line and the next
 * "<!-- end schema -->" line replaced by the table of mapping NAME; everything else is copied
 * as is. `make config-doc` rewrites docs/config.md; `make check` fails when the file differs
 * from the output. Exit status: 0, or 1 with a message on stderr (a key without help, help for
 * no key, unknown NAME, a marker left open). */
#include <stdio.h>
#include <string.h>

#include "config_schema.h"
#include "config_help.h"

#define BEGIN "<!-- schema: "
#define END "<!-- end schema -->"

static const char *const parent_names[CP_COUNT] = {
	[CP_TOP] = "top",	    [CP_CONNTRACK] = "conntrack", [CP_METRICS] = "metrics",
	[CP_ANNOUNCE] = "announce", [CP_IFACE] = "interfaces",	  [CP_SERVICE] = "services",
	[CP_HEALTH] = "health",	    [CP_BACKEND] = "backends",	  [CP_OVERRIDE] = "overrides",
};

/* The help row of key under mapping p, or NULL. */
static const struct conf_help *help_of(int p, const char *key)
{
	for (size_t i = 0; i < conf_help_count; i++)
		if (!strcmp(conf_help[i].parent, parent_names[p]) && !strcmp(conf_help[i].key, key))
			return &conf_help[i];
	return NULL;
}

/* Every key of the schema has a help row with a meaning, and every help row names a key. */
static int check_help(void)
{
	int rc = 0;

	for (int p = 0; p < CP_COUNT; p++) {
		size_t n;
		const struct conf_field *f = conf_fields((enum conf_parent)p, &n);

		for (size_t i = 0; i < n; i++, f++) {
			const struct conf_help *h = help_of(p, f->key);

			if (!h || !h->help || !*h->help) {
				fprintf(stderr,
					"config_doc: %s.%s has no help (tools/config_help.c)\n",
					parent_names[p], f->key);
				rc = 1;
			}
		}
	}
	for (size_t i = 0; i < conf_help_count; i++) {
		const struct conf_help *h = &conf_help[i];
		int p = 0;

		while (p < CP_COUNT && strcmp(parent_names[p], h->parent))
			p++;
		if (p == CP_COUNT || !conf_field((enum conf_parent)p, h->key)) {
			fprintf(stderr,
				"config_doc: help for %s.%s, which is not a key of the schema\n",
				h->parent, h->key);
			rc = 1;
		}
	}
	return rc;
}

static void type_of(const struct conf_field *f, const struct conf_help *h, char *buf, size_t len)
{
	static const char *const names[] = {
		[CT_NUMBER] = "number",
		[CT_BOOL] = "boolean",
		[CT_KEYWORD] = "keyword",
		[CT_DURATION_S] = "duration",
		[CT_DURATION_MS] = "duration (ms)",
		[CT_TEXT] = "string",
		[CT_MAPPING] = "mapping",
		[CT_ADDR] = "",
		[CT_LIST] = "",
		[CT_CUSTOM] = "",
	};

	if (h->type)
		snprintf(buf, len, "%s", h->type);
	else if (f->type == CT_ADDR)
		snprintf(buf, len, "%s address",
			 f->min == XLB_AF_INET	  ? "IPv4"
			 : f->min == XLB_AF_INET6 ? "IPv6"
						  : "IPv4 or IPv6");
	else
		snprintf(buf, len, "%s", names[f->type]); /* CT_LIST, CT_CUSTOM: a help type */
}

/* "`a`, `b`" */
static void words_of(const struct conf_keyword *w, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; w[i].name && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s`%s`", i ? ", " : "", w[i].name);
}

static void range_of(const struct conf_field *f, const struct conf_help *h, char *buf, size_t len)
{
	char lo[16], hi[16];

	buf[0] = '\0';
	if (h->range)
		snprintf(buf, len, "%s", h->range);
	else if (f->type == CT_NUMBER)
		snprintf(buf, len, "%u..%u", f->min, f->max);
	else if (f->type == CT_DURATION_S)
		snprintf(buf, len, "%u..%u s", f->min, f->max);
	else if (f->type == CT_DURATION_MS)
		snprintf(buf, len, "%s..%s", conf_ms_str(lo, sizeof(lo), f->min),
			 conf_ms_str(hi, sizeof(hi), f->max));
	else if (f->type == CT_BOOL)
		snprintf(buf, len, "`true`, `false`");
	else if (f->type == CT_KEYWORD)
		words_of(f->words, buf, len);
	else if (f->type == CT_MAPPING)
		snprintf(buf, len, "see below");
}

static void default_of(const struct conf_field *f, const struct conf_help *h, char *buf, size_t len)
{
	char d[16];

	buf[0] = '\0';
	if (h->def)
		snprintf(buf, len, "%s", h->def);
	else if (f->required)
		snprintf(buf, len, "required");
	else if (f->type == CT_NUMBER)
		snprintf(buf, len, "%u", f->def);
	else if (f->type == CT_BOOL)
		snprintf(buf, len, "`%s`", f->def ? "true" : "false");
	else if (f->type == CT_KEYWORD)
		snprintf(buf, len, "`%s`", conf_keyword_name(f->words, (int)f->def));
	else if (f->type == CT_DURATION_S || f->type == CT_DURATION_MS)
		snprintf(buf, len, "`%s`",
			 conf_ms_str(d, sizeof(d),
				     f->type == CT_DURATION_S ? f->def * 1000 : f->def));
	else if ((f->type == CT_TEXT || f->type == CT_CUSTOM) && f->def_text)
		snprintf(buf, len, "`%s`", *f->def_text ? f->def_text : "\"\"");
}

/* The health-check types of a key of services[].health: "all" or "tcp, http". */
static void types_of(unsigned mask, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	if (mask == HC_ANY) {
		snprintf(buf, len, "all");
		return;
	}
	for (const struct conf_keyword *w = conf_hc_type_words; w->name && off < len; w++)
		if (mask & HC_BIT(w->value))
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
						w->name);
}

/* One cell after its left '|': "| |" when empty. */
static void cell(const char *text)
{
	printf(*text ? " %s |" : " |", text);
}

static void print_table(enum conf_parent parent)
{
	bool health = parent == CP_HEALTH, override = parent == CP_OVERRIDE;
	char type[64], range[256], def[128], types[64];
	size_t n;
	const struct conf_field *f = conf_fields(parent, &n);

	printf("| key |%s type | range |%s meaning |\n", health ? " types |" : "",
	       override ? "" : " default |");
	printf("|---|%s---|---|%s---|\n", health ? "---|" : "", override ? "" : "---|");
	for (size_t i = 0; i < n; i++, f++) {
		const struct conf_help *h = help_of(parent, f->key); /* check_help(): not NULL */

		type_of(f, h, type, sizeof(type));
		range_of(f, h, range, sizeof(range));
		default_of(f, h, def, sizeof(def));
		types_of(f->hc_types, types, sizeof(types));
		printf("| `%s` |", f->key);
		if (health)
			cell(types);
		cell(type);
		cell(range);
		if (!override)
			cell(def);
		cell(h->help);
		putchar('\n');
	}
}

int main(void)
{
	char line[4096];
	bool skipping = false;

	if (check_help())
		return 1;
	while (fgets(line, sizeof(line), stdin)) {
		if (skipping && strncmp(line, END, strlen(END)))
			continue;
		skipping = false;
		fputs(line, stdout);
		if (strncmp(line, BEGIN, strlen(BEGIN)))
			continue;
		for (int p = 0;; p++) {
			size_t k;

			if (p == CP_COUNT) {
				fprintf(stderr, "config_doc: unknown mapping in %s", line);
				return 1;
			}
			k = strlen(parent_names[p]);
			if (!strncmp(line + strlen(BEGIN), parent_names[p], k) &&
			    !strcmp(line + strlen(BEGIN) + k, " -->\n")) {
				print_table((enum conf_parent)p);
				break;
			}
		}
		skipping = true;
	}
	if (skipping) {
		fprintf(stderr, "config_doc: a \"%s\" line is missing\n", END);
		return 1;
	}
	return 0;
}
