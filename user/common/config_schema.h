/* SPDX-License-Identifier: GPL-2.0 */
/* config_schema.h - the schema of xlbd.yaml as data: one row per key (name, type, range,
 * default, parent mapping, health-check types). The YAML reader, the rules, the dump, the API
 * request parser and the docs generator (tools/config_doc.c, with each key's help from
 * tools/config_help.c) all read it, so a key's range and default are written once. Also the helpers
 * the config files share. The public model is config.h; this header is for the config module and
 * its tools. */
#ifndef XLB_CONFIG_SCHEMA_H
#define XLB_CONFIG_SCHEMA_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "xlb_abi.h"
#include "config.h"

#define CONF_ECHO_MAX 40 /* characters of a bad value quoted back in a message */
#define CONF_ECHO_BUF (CONF_ECHO_MAX + 4)

/* The mappings of the file; a row's value lives in the struct its parent is parsed into. */
enum conf_parent {
	CP_TOP, /* struct xlb_conf */
	CP_CONNTRACK, /* conntrack: also struct xlb_conf */
	CP_METRICS, /* metrics: struct xlb_conf */
	CP_ANNOUNCE, /* announce: struct xlb_conf */
	CP_IFACE, /* interfaces[]: struct xlb_conf_iface */
	CP_SERVICE, /* services[]: struct xlb_conf_service */
	CP_HEALTH, /* services[].health: struct xlb_conf_health */
	CP_BACKEND, /* services[].backends[]: struct xlb_conf_backend */
	CP_OVERRIDE, /* services[].backends[].health: struct xlb_conf_hc_override; row i is
		      * XLB_HO_* bit i */
	CP_COUNT
};

enum conf_type {
	CT_NUMBER, /* a plain decimal in min..max, width 1, 2 or 4 bytes */
	CT_BOOL, /* true or false, a bool */
	CT_KEYWORD, /* one of words, stored by value in width bytes */
	CT_ADDR, /* an IP address, struct xlb_addr; min is the family required, 0 for either */
	CT_DURATION_S, /* a duration in whole seconds in min..max, __u32 seconds */
	CT_DURATION_MS, /* a duration in min..max milliseconds, __u32 milliseconds */
	CT_TEXT, /* a string accepted by problem(), width bytes with the terminator */
	CT_MAPPING, /* the mapping of the child parent, into the struct at off (0: the same) */
	CT_LIST, /* a list of mappings of the child parent: an array of width-byte elements at the
		  * pointer at off, counted by the size_t at n_off; each starts with its defaults */
	CT_CUSTOM, /* with scan and print: a scalar of its own spelling; without: the interfaces,
		    * read and dumped by the config files */
};

/* Which health-check types a key applies to: a mask of 1 << enum xlb_hc_type. */
#define HC_BIT(t) (1U << (t))
#define HC_CHECKED                                                                              \
	(HC_BIT(XLB_HC_TCP) | HC_BIT(XLB_HC_HTTP) | HC_BIT(XLB_HC_HTTPS) | HC_BIT(XLB_HC_UDP) | \
	 HC_BIT(XLB_HC_TUNNEL))
#define HC_PAYLOAD (HC_BIT(XLB_HC_UDP) | HC_BIT(XLB_HC_TUNNEL))
#define HC_WEB (HC_BIT(XLB_HC_HTTP) | HC_BIT(XLB_HC_HTTPS))
#define HC_ANY (HC_CHECKED | HC_BIT(XLB_HC_NONE))

struct conf_keyword {
	const char *name;
	int value;
};

/* A scalar of the file as it was written. */
struct conf_text {
	const char *s; /* len bytes and a terminator, no NUL inside */
	size_t len;
	bool plain; /* written without quotes */
	char echo[CONF_ECHO_BUF]; /* s quoted back in messages (conf_echo()) */
};

/* One key of the file. */
struct conf_field {
	const char *key;
	enum conf_parent parent;
	enum conf_type type;
	unsigned short off, width; /* the value in the parent's struct: offset and size in bytes */
	__u32 min, max; /* CT_NUMBER, CT_DURATION_*: the range; CT_ADDR: min is the family */
	__u32 def; /* default of numbers, booleans, keywords and durations (xlb_conf_init) */
	const char *def_text; /* CT_TEXT: default; NULL: none, and an empty value is not dumped.
			       * CT_CUSTOM: the default as written in the file, read by scan */
	const struct conf_keyword *words; /* CT_KEYWORD */
	const char *(*problem)(const char *s, size_t len); /* CT_TEXT: NULL when s is valid */
	const char *want; /* what belongs here, for "must be WANT, not a list" */
	const char *what; /* CT_TEXT: "not a valid WHAT (problem): value"; NULL: "problem: value" */
	enum conf_parent child; /* CT_MAPPING, CT_LIST */
	unsigned short n_off; /* CT_LIST: where the element count is */
	/* CT_CUSTOM scalars: read t into obj (NULL, or what is wrong in buf), write obj's value */
	const char *(*scan)(const struct conf_text *t, void *obj, char *buf, size_t len);
	void (*print)(const void *obj, FILE *out);
	unsigned hc_types; /* CP_HEALTH: the types that allow it (HC_BIT) */
	bool required;
	const char *dump_after; /* the dump writes it after this key of its parent, not in order */
};

/* The rows of parent, in the file's documented order (contiguous in the table); *n is set. */
const struct conf_field *conf_fields(enum conf_parent parent, size_t *n);

/* The row of key under parent, or NULL. */
const struct conf_field *conf_field(enum conf_parent parent, const char *key);

/* The value of a CT_NUMBER, CT_BOOL, CT_KEYWORD or CT_DURATION_* row in obj. */
__u32 conf_get_num(const struct conf_field *f, const void *obj);

/* Store v into the row's value in obj (truncated to its width: check the range first). */
void conf_set_num(const struct conf_field *f, void *obj, __u32 v);

/* Write the defaults of every row of parent into obj, those of its CT_MAPPING rows included
 * (rows without one are left alone). */
void conf_defaults(enum conf_parent parent, void *obj);

/* NULL when v of a CT_NUMBER or CT_DURATION_* row is in range, else "must be MIN..MAX, got V"
 * in buf (durations spelt as the parser reads them, seconds with their unit). */
const char *conf_range_problem(const struct conf_field *f, __u32 v, char *buf, size_t len);

/* What a scalar of row f must be, for "must be WANT, not a list" ("a number", the keywords
 * into buf, f->want). */
const char *conf_want(const struct conf_field *f, char *buf, size_t len);

/* Read the scalar t as the value of row f (not CT_MAPPING, CT_LIST, nor CT_CUSTOM without scan)
 * into obj. Returns NULL, or what is wrong in buf, as the file's messages say it ("must be 1..100,
 * got 0"), obj then possibly half-written. */
const char *conf_scan(const struct conf_field *f, const struct conf_text *t, void *obj, char *buf,
		      size_t len);

/* The keyword tables, NULL-terminated. */
extern const struct conf_keyword conf_xdp_mode_words[], conf_proto_words[], conf_state_words[],
	conf_hc_type_words[], conf_initial_words[], conf_encap_words[], conf_cross_cpu_words[];

/* The name of value in t, or NULL. */
const char *conf_keyword_name(const struct conf_keyword *t, int value);

/* The value of the len bytes s in t. Returns 0 or -EINVAL. */
int conf_keyword_value(const struct conf_keyword *t, const char *s, size_t len, int *value);

/* "native, generic or auto" into buf. */
void conf_keyword_list(const struct conf_keyword *t, char *buf, size_t len);

/* "http and https": the health-check types of mask, into buf. */
void conf_hc_type_list(unsigned mask, char *buf, size_t len);

/* Value rules shared by the reader and the rules: NULL when valid, else what is wrong. */
const char *conf_state_dir_problem(const char *s, size_t len);
const char *conf_mac_problem(const __u8 mac[6]);
const char *conf_announce_table_problem(__u32 t);
const char *conf_hc_expect_problem(__u32 min, __u32 max);

/* The rules of a check across its keys, written once for the reader and the validator: NULL,
 * or the message in buf (len bytes). A timeout above the interval; a port-0 service's check
 * without a port of its own (type none needs none). */
const char *conf_timeout_problem(const struct xlb_conf_health *h, char *buf, size_t len);
const char *conf_port0_problem(const struct xlb_conf_service *s, char *buf, size_t len);

/* The message fmt into buf (len bytes); returns buf. */
const char *conf_say(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Write "NAME:LINE: KEY: message" into err; LINE is left out when 0, KEY when empty. */
void conf_put_err(char *err, size_t errlen, const char *name, int line, const char *key,
		  const char *fmt, va_list ap);

/* s (len bytes) quoted back on one line: at most CONF_ECHO_MAX characters, anything not
 * printable ASCII as '?'. buf holds CONF_ECHO_BUF bytes; returns buf. */
const char *conf_echo(char *buf, const char *s, size_t len);

/* ms as the parser reads it, in the largest whole unit ("2s", "1500ms", "1h"); returns buf. */
const char *conf_ms_str(char *buf, size_t len, __u32 ms);

/* A service or backend with the defaults of every key (xlb_conf_init() for the top level). */
void conf_service_init(struct xlb_conf_service *s);
void conf_backend_init(struct xlb_conf_backend *b);

/* NULL when the overrides of backend b fit its service s, else what is wrong, with *key the key
 * under "health." it is about (buf, len bytes, holds the message when it needs one). */
const char *conf_override_problem(const struct xlb_conf_service *s,
				  const struct xlb_conf_backend *b, const char **key, char *buf,
				  size_t len);

#endif /* XLB_CONFIG_SCHEMA_H */
