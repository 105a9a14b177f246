// SPDX-License-Identifier: GPL-2.0
/* config_dump.c - the configuration written back as YAML that loads to the same model:
 * xlb_conf_dump() of config.h, the keys in the order and spelling of the schema. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "config_schema.h"

/* A YAML double-quoted string. Values are printable ASCII once validated; anything else is
 * escaped so that the output stays well-formed YAML whatever the model holds. */
static void put_quoted(FILE *f, const char *s, size_t max)
{
	fputc('"', f);
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* What the dump cannot represent: checked before anything is written. */
static bool dumpable(const struct xlb_conf *c)
{
	if (!xlb_xdp_mode_name(c->xdp_mode) ||
	    (c->tunnel_source.family && c->tunnel_source.family != XLB_AF_INET) ||
	    (c->tunnel_source_v6.family && c->tunnel_source_v6.family != XLB_AF_INET6) ||
	    c->n_ifaces > XLB_CONF_MAX_IFACES || (c->n_services && !c->services))
		return false;
	for (size_t i = 0; i < c->n_ifaces; i++)
		if (!xlb_xdp_mode_name(c->ifaces[i].mode))
			return false;
	for (size_t i = 0; i < c->n_services; i++) {
		const struct xlb_conf_service *s = &c->services[i];

		if ((s->ref.vip.family != XLB_AF_INET && s->ref.vip.family != XLB_AF_INET6) ||
		    !conf_keyword_name(conf_proto_words, s->ref.proto) ||
		    (s->n_backends && !s->backends) ||
		    !conf_keyword_name(conf_hc_type_words, (int)s->health.type))
			return false;
		for (size_t j = 0; j < s->n_backends; j++)
			if ((s->backends[j].addr.family != XLB_AF_INET &&
			     s->backends[j].addr.family != XLB_AF_INET6) ||
			    !conf_keyword_name(conf_state_words, (int)s->backends[j].admin) ||
			    !xlb_encap_name(s->backends[j].encap) ||
			    (s->backends[j].health.set & ~XLB_HO_ALL) ||
			    s->backends[j].health.initial_up > 1)
				return false;
	}
	return true;
}

static void dump_fields(FILE *f, enum conf_parent parent, const void *obj, const char *lead,
			const char *indent);

/* The value of a row of a generic type. */
static void put_value(FILE *f, const struct conf_field *r, const void *obj)
{
	__u32 v = r->type == CT_TEXT || r->type == CT_ADDR ? 0 : conf_get_num(r, obj);
	char buf[INET6_ADDRSTRLEN];

	if (r->type == CT_NUMBER)
		fprintf(f, "%u", v);
	else if (r->type == CT_BOOL)
		fputs(v ? "true" : "false", f);
	else if (r->type == CT_KEYWORD)
		fputs(conf_keyword_name(r->words, (int)v), f);
	else if (r->type == CT_DURATION_S)
		fprintf(f, "%us", v);
	else if (r->type == CT_DURATION_MS)
		fputs(conf_ms_str(buf, sizeof(buf), v), f);
	else if (r->type == CT_TEXT)
		put_quoted(f, (const char *)obj + r->off, r->width);
	else if (r->type != CT_ADDR)
		r->print(obj, f);
	else if (!xlb_addr_format((const void *)((const char *)obj + r->off), buf, sizeof(buf)))
		fprintf(f, "\"%s\"", buf);
}

static void dump_interfaces(FILE *f, const struct xlb_conf *c)
{
	/* An interface in the default mode is a bare name, one in another mode names it. */
	fputs("interfaces: [", f);
	for (size_t i = 0; i < c->n_ifaces; i++) {
		const struct xlb_conf_iface *fi = &c->ifaces[i];

		fputs(i ? ", " : "", f);
		if (fi->mode == c->xdp_mode) {
			put_quoted(f, fi->name, XLB_CONF_IFNAMSIZ);
			continue;
		}
		fputs("{ name: ", f);
		put_quoted(f, fi->name, XLB_CONF_IFNAMSIZ);
		fprintf(f, ", mode: %s }", xlb_xdp_mode_name(fi->mode));
	}
	fputs("]\n", f);
}

/* Only the fields given: absent ones follow the service's check. */
static void dump_override(FILE *f, const struct xlb_conf_hc_override *o, const char *pre)
{
	size_t n;
	const struct conf_field *r = conf_fields(CP_OVERRIDE, &n);
	const char *sep = "";

	if (!o->set)
		return;
	fprintf(f, "%shealth: {", pre);
	for (size_t i = 0; i < n; i++) {
		if (!(o->set & (1U << i)))
			continue;
		fprintf(f, "%s %s: ", sep, r[i].key);
		put_value(f, &r[i], o);
		sep = ",";
	}
	fputs(" }\n", f);
}

/* Row r of obj after pre (the lead or the indentation of obj's keys, indent). */
static void dump_row(FILE *f, const struct conf_field *r, const void *obj, const char *pre,
		     const char *indent)
{
	const char *at = (const char *)obj + r->off;
	char sub[32], lead[32];

	snprintf(sub, sizeof(sub), "%s  ", indent);
	if (r->type == CT_CUSTOM && !r->print) {
		dump_interfaces(f, obj);
	} else if (r->type == CT_MAPPING && r->child == CP_OVERRIDE) {
		dump_override(f, (const void *)at, pre);
	} else if (r->type == CT_MAPPING) {
		fprintf(f, "%s%s:\n", pre, r->key);
		dump_fields(f, r->child, at, NULL, sub);
	} else if (r->type == CT_LIST) {
		/* A list item's dash, then its keys indented past it. */
		const char *arr = *(const char *const *)at;
		size_t n = *(const size_t *)((const char *)obj + r->n_off);

		fprintf(f, "%s%s:%s\n", pre, r->key, n ? "" : " []");
		snprintf(lead, sizeof(lead), "%s  - ", indent);
		snprintf(sub, sizeof(sub), "%s    ", indent);
		for (size_t i = 0; i < n; i++)
			dump_fields(f, r->child, arr + i * r->width, lead, sub);
	} else if (r->type == CT_ADDR && !((const struct xlb_addr *)(const void *)at)->family) {
		/* An unset tunnel source has no spelling but absence. */
		fprintf(f, "%s# %s: not set\n", pre, r->key);
	} else {
		fprintf(f, "%s%s: ", pre, r->key);
		put_value(f, r, obj);
		fputc('\n', f);
	}
}

/* The rows of parent in obj, every one explicit; the first key carries lead (a list item's
 * dash), the others indent. Of a health check, only the rows of its type. */
static void dump_fields(FILE *f, enum conf_parent parent, const void *obj, const char *lead,
			const char *indent)
{
	size_t n;
	const struct conf_field *r = conf_fields(parent, &n);
	unsigned hc_bit = parent == CP_HEALTH ? HC_BIT(((const struct xlb_conf_health *)obj)->type)
					      : 0;

	for (size_t i = 0; i < n; i++) {
		if (r[i].dump_after || (hc_bit && !(r[i].hc_types & hc_bit)))
			continue;
		/* No default and empty (a service's name): absent. */
		if (r[i].type == CT_TEXT && !r[i].def_text && !*((const char *)obj + r[i].off))
			continue;
		dump_row(f, &r[i], obj, lead ? lead : indent, indent);
		lead = NULL;
		for (size_t j = 0; j < n; j++)
			if (r[j].dump_after && !strcmp(r[j].dump_after, r[i].key))
				dump_row(f, &r[j], obj, indent, indent);
	}
}

int xlb_conf_dump(const struct xlb_conf *c, FILE *f)
{
	if (!dumpable(c))
		return -EINVAL;
	fputs("# xlbd configuration, every key explicit (docs/config.md)\n", f);
	dump_fields(f, CP_TOP, c, NULL, "");
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}
