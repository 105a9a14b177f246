// SPDX-License-Identifier: GPL-2.0
/* config_yaml.c - the reader of xlbd.yaml: a libyaml event parser driven by the schema
 * (config_schema.c), with file, line and key path in every message; xlb_conf_parse() of
 * config.h.
 *
 * Why events and not yaml_parser_load(): the event stream shows anchors, aliases, tags and a
 * second document as they come (the document API silently resolves aliases), and parsing stops
 * at the first wrong node, so deep nesting or a huge garbage tail is never built into a tree. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config_schema.h"

#define PATH_BUF 160 /* key path of the node being parsed */
#define MAX_KEYS 16 /* keys of the largest mapping (the top level has 14) */

struct parser {
	yaml_parser_t yp;
	yaml_event_t ev; /* the current event, valid when have_ev */
	bool have_ev;
	const char *name;
	const char *text;
	size_t len;
	char *err;
	size_t errlen;
	int rc; /* the first error; later ones are not reported */
	char path[PATH_BUF]; /* key path of the current node, e.g. services[1].backends[0] */
	size_t plen;
	int hc_port_line; /* the current service's health.port, else its health key; 0: neither */
	bool iface_mode_given[XLB_CONF_MAX_IFACES]; /* interfaces[i] named its own mode */
};

/* Parse the value of row f of obj's mapping: its first event is current, and its last event is
 * left current. */
static int get_field(struct parser *p, const struct conf_field *f, void *obj);

static int ev_line(const struct parser *p)
{
	return (int)p->ev.start_mark.line + 1;
}

static int perr(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record the first error at the current key path and return it. */
static int perr(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	if (p->rc)
		return p->rc;
	va_start(ap, fmt);
	conf_put_err(p->err, p->errlen, p->name, line, p->path, fmt, ap);
	va_end(ap);
	p->rc = -EINVAL;
	return p->rc;
}

static int no_memory(struct parser *p)
{
	if (!p->rc && p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s: out of memory", p->name);
	if (!p->rc)
		p->rc = -ENOMEM;
	return p->rc;
}

static void path_set(struct parser *p, size_t len)
{
	p->plen = len;
	p->path[len] = '\0';
}

static void path_key(struct parser *p, const char *key, size_t len)
{
	char buf[CONF_ECHO_BUF];
	/* An empty key would vanish from the path: show it as "". */
	int w = snprintf(p->path + p->plen, sizeof(p->path) - p->plen, "%s%s", p->plen ? "." : "",
			 len ? conf_echo(buf, key, len) : "\"\"");

	if (w > 0)
		path_set(p, p->plen + (size_t)w < sizeof(p->path) ? p->plen + (size_t)w
								  : sizeof(p->path) - 1);
}

static void path_index(struct parser *p, size_t i)
{
	int w = snprintf(p->path + p->plen, sizeof(p->path) - p->plen, "[%zu]", i);

	if (w > 0)
		path_set(p, p->plen + (size_t)w < sizeof(p->path) ? p->plen + (size_t)w
								  : sizeof(p->path) - 1);
}

/* Turn a libyaml failure into our message: reader errors (bad UTF-8, control characters)
 * carry a byte offset, scanner and parser errors a mark. */
static int yaml_failure(struct parser *p)
{
	const yaml_parser_t *y = &p->yp;
	const char *why = y->problem ? y->problem : "unknown";
	int line = (int)y->problem_mark.line + 1;
	char value[16] = "";

	if (y->error == YAML_MEMORY_ERROR)
		return no_memory(p);
	path_set(p, 0);
	if (y->error == YAML_READER_ERROR) {
		line = 1;
		for (size_t i = 0; i < y->problem_offset && i < p->len; i++)
			line += p->text[i] == '\n';
		if (y->problem_value != -1)
			snprintf(value, sizeof(value), "0x%x ", (unsigned)y->problem_value);
		return perr(p, line, "not UTF-8 text: %s (%sat byte %zu)",
			    y->problem ? y->problem : "unreadable", value, y->problem_offset);
	}
	if (y->context)
		return perr(p, line, "YAML syntax error: %s (%s at line %d)", why, y->context,
			    (int)y->context_mark.line + 1);
	return perr(p, line, "YAML syntax error: %s", why);
}

/* Move to the next event. Anchors, aliases and tags are refused here, wherever they are. */
static int next_event(struct parser *p)
{
	yaml_event_type_t t;

	if (p->have_ev) {
		yaml_event_delete(&p->ev);
		p->have_ev = false;
	}
	if (!yaml_parser_parse(&p->yp, &p->ev))
		return yaml_failure(p);
	p->have_ev = true;
	t = p->ev.type;
	if (t != YAML_SCALAR_EVENT && t != YAML_SEQUENCE_START_EVENT &&
	    t != YAML_MAPPING_START_EVENT && t != YAML_ALIAS_EVENT)
		return 0;
	/* The four events' data start with the anchor, and all but the alias then with the tag:
	 * a common initial sequence of the union's structs, readable through any (C11 6.5.2.3). */
	if (t == YAML_ALIAS_EVENT || p->ev.data.scalar.anchor)
		return perr(p, ev_line(p), "anchors and aliases are not supported");
	if (p->ev.data.scalar.tag)
		return perr(p, ev_line(p), "tags are not supported");
	return 0;
}

/* A plain empty, "~" or "null" scalar: YAML's null, i.e. a key written without a value. */
static bool ev_is_null(const struct parser *p)
{
	const char *v = (const char *)p->ev.data.scalar.value;

	if (p->ev.type != YAML_SCALAR_EVENT || p->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

static const char *ev_kind(const struct parser *p)
{
	if (p->ev.type == YAML_SEQUENCE_START_EVENT)
		return "a list";
	return p->ev.type == YAML_MAPPING_START_EVENT ? "a mapping" : "a scalar";
}

/* The current node is not what the schema wants here. */
static int type_error(struct parser *p, const char *want)
{
	if (ev_is_null(p))
		return perr(p, ev_line(p), "has no value (expected %s)", want);
	return perr(p, ev_line(p), "must be %s, not %s", want, ev_kind(p));
}

/* The current event as a string: a scalar that is not null and holds no NUL character. */
static int get_scalar(struct parser *p, const char *want, const char **s, size_t *len)
{
	if (p->ev.type != YAML_SCALAR_EVENT || ev_is_null(p))
		return type_error(p, want);
	*s = (const char *)p->ev.data.scalar.value;
	*len = p->ev.data.scalar.length;
	if (memchr(*s, '\0', *len))
		return perr(p, ev_line(p), "must not contain a NUL character");
	/* No value of ours spans lines; a plain one that does has swallowed the next key, as in
	 * "interfaces: [eth0" followed by "services: []". */
	if (p->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    p->ev.end_mark.line != p->ev.start_mark.line) {
		char buf[CONF_ECHO_BUF];

		return perr(p, ev_line(p),
			    "value runs on to the next line (a missing ']' or '}'?): %s",
			    conf_echo(buf, *s, *len));
	}
	return 0;
}

/* The rules across the keys of one mapping of parent in obj, once it is read: seen[] holds the
 * line of each key given (0: absent), line is where the mapping starts. */
static int mapping_rules(struct parser *p, enum conf_parent parent, void *obj, const int *seen,
			 int line);

/* Parse a mapping whose MAPPING_START is current with the schema rows of parent: every key at
 * most once, unknown keys refused with the list of known ones, required keys checked at the
 * end (reported at the line where the mapping starts), then mapping_rules(). seen[MAX_KEYS],
 * when not NULL, receives the line where each key was given, 0 for absent ones. */
static int parse_mapping(struct parser *p, enum conf_parent parent, void *obj, int *seen)
{
	int own_seen[MAX_KEYS];
	size_t base = p->plen, n;
	const struct conf_field *keys = conf_fields(parent, &n);
	int map_line = ev_line(p);
	int rc;

	if (!seen)
		seen = own_seen;
	memset(seen, 0, MAX_KEYS * sizeof(*seen));
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return type_error(p, "a mapping");
	for (;;) {
		const char *k;
		size_t klen, i;

		rc = next_event(p);
		if (rc)
			return rc;
		if (p->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (p->ev.type != YAML_SCALAR_EVENT)
			return perr(p, ev_line(p), "keys must be words, not %s", ev_kind(p));
		k = (const char *)p->ev.data.scalar.value;
		klen = p->ev.data.scalar.length;
		path_key(p, k, klen);
		for (i = 0; i < n; i++)
			if (strlen(keys[i].key) == klen && !memcmp(keys[i].key, k, klen))
				break;
		if (i == n) {
			char list[256];
			size_t off = 0;

			list[0] = '\0';
			for (size_t j = 0; j < n && off < sizeof(list); j++) {
				int w = snprintf(list + off, sizeof(list) - off, "%s%s",
						 j ? ", " : "", keys[j].key);

				if (w > 0)
					off += (size_t)w;
			}
			return perr(p, ev_line(p), "unknown key (known keys: %s)", list);
		}
		if (seen[i])
			return perr(p, ev_line(p), "duplicate key (first given at line %d)",
				    seen[i]);
		seen[i] = ev_line(p);
		rc = next_event(p);
		if (rc)
			return rc;
		rc = get_field(p, &keys[i], obj);
		if (rc)
			return rc;
		path_set(p, base);
	}
	for (size_t i = 0; i < n; i++) {
		if (keys[i].required && !seen[i]) {
			path_key(p, keys[i].key, strlen(keys[i].key));
			return perr(p, map_line, "required key is missing");
		}
	}
	return mapping_rules(p, parent, obj, seen, map_line);
}

/* Parse a sequence whose SEQUENCE_START is current, elem() once per element. */
static int parse_sequence(struct parser *p, const struct conf_field *f, void *obj,
			  int (*elem)(struct parser *p, const struct conf_field *f, void *obj,
				      size_t i))
{
	size_t base = p->plen;
	int rc;

	if (p->ev.type != YAML_SEQUENCE_START_EVENT)
		return type_error(p, "a list");
	for (size_t i = 0;; i++) {
		/* Named before it is read, so that an anchor on the element names it. */
		path_index(p, i);
		rc = next_event(p);
		if (rc)
			return rc;
		if (p->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		rc = elem(p, f, obj, i);
		if (rc)
			return rc;
		path_set(p, base);
	}
	path_set(p, base);
	return 0;
}

/* The next element of the CT_LIST row f of obj, with the defaults of its keys: the array's
 * room doubles from 4 entries as it fills. */
static int list_elem(struct parser *p, const struct conf_field *f, void *obj, size_t i)
{
	char **arr = (char **)((char *)obj + f->off), *e;
	size_t *n = (size_t *)((char *)obj + f->n_off);

	(void)i;
	if (*n >= 4 ? !(*n & (*n - 1)) : !*n) {
		e = realloc(*arr, (*n ? *n * 2 : 4) * f->width);
		if (!e)
			return no_memory(p);
		*arr = e;
	}
	e = *arr + (*n)++ * f->width;
	memset(e, 0, f->width);
	conf_defaults(f->child, e);
	return parse_mapping(p, f->child, e, NULL);
}

/* ---- the rules across the keys of one mapping ---- */

enum { HK_TYPE, HK_PORT, HK_INTERVAL, HK_TIMEOUT }; /* the first rows of CP_HEALTH */

static int health_rules(struct parser *p, struct xlb_conf_health *h, const int *seen, int line)
{
	size_t n;
	const struct conf_field *keys = conf_fields(CP_HEALTH, &n);
	const char *type = conf_keyword_name(conf_hc_type_words, (int)h->type);
	char list[64], msg[96];
	int bad = -1;

	/* A key for another type, the first in the file: the type may come after it. */
	for (size_t i = 0; i < n; i++)
		if (seen[i] && !(keys[i].hc_types & HC_BIT(h->type)) &&
		    (bad < 0 || seen[i] < seen[bad]))
			bad = (int)i;
	if (bad >= 0) {
		conf_hc_type_list(keys[bad].hc_types, list, sizeof(list));
		path_key(p, keys[bad].key, strlen(keys[bad].key));
		return perr(p, seen[bad], "only for %s, not %s", list, type);
	}
	if (conf_timeout_problem(h, msg, sizeof(msg))) {
		/* Name the later of the two given; one of them was, the defaults fit. */
		int k = seen[HK_TIMEOUT] >= seen[HK_INTERVAL] ? HK_TIMEOUT : HK_INTERVAL;

		path_key(p, keys[k].key, strlen(keys[k].key));
		return perr(p, seen[k], "%s", msg);
	}
	/* The service's port may come later: service_rules() checks a port-0 service. */
	p->hc_port_line = seen[HK_PORT] ? seen[HK_PORT] : line;
	return 0;
}

/* backends[].health: the cross checks wait for the whole file, in xlb_conf_validate(), because
 * the service's health may come after its backends. */
static int override_rules(struct parser *p, struct xlb_conf_hc_override *o, const int *seen,
			  int line)
{
	size_t n;

	conf_fields(CP_OVERRIDE, &n);
	o->line = line;
	for (size_t i = 0; i < n; i++)
		if (seen[i])
			o->set |= 1U << i;
	if (!o->set)
		return perr(p, o->line,
			    "is empty (give one of port, interval, timeout, rise, "
			    "fall, jitter, initial, or leave it out)");
	return 0;
}

enum { SK_PORT = 2 }; /* the row of "port" in CP_SERVICE */

static int service_rules(struct parser *p, struct xlb_conf_service *s, const int *seen, int line)
{
	char msg[XLB_CONF_ERR_MAX];

	s->line = line;
	/* Only with a health key can the type be other than none, and then health_rules() of
	 * this service has set hc_port_line. */
	if (conf_port0_problem(s, msg, sizeof(msg))) {
		path_key(p, "health.port", strlen("health.port"));
		return perr(p, seen[SK_PORT] > p->hc_port_line ? seen[SK_PORT] : p->hc_port_line,
			    "%s", msg);
	}
	return 0;
}

static int mapping_rules(struct parser *p, enum conf_parent parent, void *obj, const int *seen,
			 int line)
{
	switch (parent) {
	case CP_HEALTH:
		return health_rules(p, obj, seen, line);
	case CP_OVERRIDE:
		return override_rules(p, obj, seen, line);
	case CP_SERVICE:
		return service_rules(p, obj, seen, line);
	case CP_BACKEND:
		((struct xlb_conf_backend *)obj)->line = line;
		return 0;
	default:
		return 0;
	}
}

/* ---- the interfaces ---- */

enum { IK_MODE = 1 }; /* the row of "mode" in CP_IFACE */

/* "eth0", or "{ name: eth0, mode: generic }"; an entry without a mode takes xdp_mode once the
 * whole file is read (parse_stream()), wherever xdp_mode is. */
static int iface_elem(struct parser *p, const struct conf_field *row, void *obj, size_t i)
{
	struct xlb_conf *c = obj;
	struct xlb_conf_iface *f;
	int seen[MAX_KEYS], rc;

	(void)row;
	if (i >= XLB_CONF_MAX_IFACES)
		return perr(p, ev_line(p), "too many interfaces (max %d)", XLB_CONF_MAX_IFACES);
	f = &c->ifaces[c->n_ifaces];
	memset(f, 0, sizeof(*f));
	f->line = ev_line(p);
	p->iface_mode_given[i] = false;
	if (p->ev.type == YAML_MAPPING_START_EVENT) {
		rc = parse_mapping(p, CP_IFACE, f, seen);
		p->iface_mode_given[i] = seen[IK_MODE] != 0;
	} else if (p->ev.type == YAML_SCALAR_EVENT) {
		rc = get_field(p, conf_field(CP_IFACE, "name"), f);
	} else {
		rc = type_error(p, "an interface name or { name: NAME, mode: MODE }");
	}
	if (!rc) /* xlb_conf_validate() refuses a name listed twice */
		c->n_ifaces++;
	return rc;
}

static int read_interfaces(struct parser *p, const struct conf_field *f, void *obj)
{
	struct xlb_conf *c = obj;
	int line = ev_line(p), rc;

	rc = parse_sequence(p, f, c, iface_elem);
	if (!rc && !c->n_ifaces)
		rc = perr(p, line, "at least one interface is required");
	return rc;
}

static int get_field(struct parser *p, const struct conf_field *f, void *obj)
{
	char want[96], msg[XLB_CONF_ERR_MAX];
	struct conf_text t;
	const char *why;
	int rc;

	if (f->type == CT_MAPPING)
		return parse_mapping(p, f->child, (char *)obj + f->off, NULL);
	if (f->type == CT_LIST)
		return parse_sequence(p, f, obj, list_elem);
	if (f->type == CT_CUSTOM && !f->scan)
		return read_interfaces(p, f, obj);
	rc = get_scalar(p, conf_want(f, want, sizeof(want)), &t.s, &t.len);
	if (rc)
		return rc;
	t.plain = p->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	conf_echo(t.echo, t.s, t.len);
	why = conf_scan(f, &t, obj, msg, sizeof(msg));
	return why ? perr(p, ev_line(p), "%s", why) : 0;
}

/* STREAM_START, one document holding one mapping, STREAM_END. */
static int parse_stream(struct parser *p, struct xlb_conf *c)
{
	int doc_line, rc;

	rc = next_event(p);
	if (rc)
		return rc;
	if (p->ev.type != YAML_STREAM_START_EVENT)
		return perr(p, 1, "not a YAML stream");
	rc = next_event(p);
	if (rc)
		return rc;
	if (p->ev.type == YAML_STREAM_END_EVENT)
		return perr(p, 1, "the file is empty (interfaces and services are required)");
	doc_line = ev_line(p);
	rc = next_event(p); /* the document's root node */
	if (rc)
		return rc;
	/* An empty node is marked where the next token starts: name the document's line. */
	if (ev_is_null(p))
		return perr(p, doc_line,
			    "the document is empty (interfaces and services are required)");
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return perr(p, ev_line(p),
			    "the top level must be a mapping of keys (like \"interfaces: "
			    "[eth0]\"), not %s",
			    ev_kind(p));
	rc = parse_mapping(p, CP_TOP, c, NULL);
	if (rc)
		return rc;
	for (size_t i = 0; i < c->n_ifaces; i++)
		if (!p->iface_mode_given[i])
			c->ifaces[i].mode = c->xdp_mode;
	rc = next_event(p); /* DOCUMENT_END */
	if (rc)
		return rc;
	rc = next_event(p);
	if (rc)
		return rc;
	if (p->ev.type != YAML_STREAM_END_EVENT)
		return perr(p, ev_line(p),
			    "only one YAML document is allowed, a second one starts here");
	return 0;
}

int xlb_conf_parse(const char *text, size_t len, const char *name, struct xlb_conf *c, char *err,
		   size_t errlen)
{
	struct parser p = { 0 };
	struct xlb_conf tmp;
	int rc;

	p.name = name ? name : "config";
	p.text = text ? text : "";
	p.len = text ? len : 0;
	p.err = err;
	p.errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
	xlb_conf_init(&tmp);
	if (!yaml_parser_initialize(&p.yp))
		return no_memory(&p);
	yaml_parser_set_input_string(&p.yp, (const unsigned char *)p.text, p.len);
	/* No guessing: UTF-16 input is an error like any other non-UTF-8 bytes. */
	yaml_parser_set_encoding(&p.yp, YAML_UTF8_ENCODING);

	rc = parse_stream(&p, &tmp);
	if (p.have_ev)
		yaml_event_delete(&p.ev);
	yaml_parser_delete(&p.yp);
	if (!rc)
		rc = xlb_conf_validate(&tmp, p.name, err, errlen);
	if (rc) {
		xlb_conf_free(&tmp);
		return rc;
	}
	*c = tmp;
	return 0;
}
