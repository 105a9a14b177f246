// SPDX-License-Identifier: GPL-2.0
/* config_schema.c - the schema of xlbd.yaml as one table of keys, the keyword tables, the value
 * rules, the reading of any key's scalar from its text (conf_scan(): one reader and one set of
 * messages for every type; the keys with a spelling of their own are read and written by hooks
 * in their rows) and message helpers the config files share. The contract is
 * config_schema.h. */
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "xlb_abi.h"
#include "config_schema.h"

const struct conf_keyword conf_xdp_mode_words[] = {
	{ "native", XLB_XDP_NATIVE },
	{ "generic", XLB_XDP_GENERIC },
	{ "auto", XLB_XDP_AUTO },
	{ NULL, 0 },
};
const struct conf_keyword conf_proto_words[] = {
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ NULL, 0 },
};
const struct conf_keyword conf_state_words[] = {
	{ "enabled", XLB_ADMIN_ENABLED },
	{ "drain", XLB_ADMIN_DRAIN },
	{ "disabled", XLB_ADMIN_DISABLED },
	{ NULL, 0 },
};
const struct conf_keyword conf_hc_type_words[] = {
	{ "none", XLB_HC_NONE },
	{ "tcp", XLB_HC_TCP },
	{ "http", XLB_HC_HTTP },
	{ "https", XLB_HC_HTTPS },
	{ "udp", XLB_HC_UDP },
	{ "tunnel", XLB_HC_TUNNEL },
	{ NULL, 0 },
};
const struct conf_keyword conf_encap_words[] = {
	{ "ipip", XLB_ENCAP_IPIP },
	{ "gue", XLB_ENCAP_GUE },
	{ "l2", XLB_ENCAP_L2 },
	{ NULL, 0 },
};
const struct conf_keyword conf_initial_words[] = { { "up", 1 }, { "down", 0 }, { NULL, 0 } };
const struct conf_keyword conf_cross_cpu_words[] = {
	{ "auto", XLB_CROSS_CPU_AUTO },
	{ "on", XLB_CROSS_CPU_ON },
	{ "off", XLB_CROSS_CPU_OFF },
	{ NULL, 0 },
};

/* ---- value rules ---- */

/* The kernel's rules (dev_valid_name) restricted to printable ASCII, so that every name dumps
 * and loads back. */
const char *xlb_conf_iface_problem(const char *s, size_t len)
{
	if (len == 0 || len >= XLB_CONF_IFNAMSIZ)
		return "must be 1..15 characters";
	if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		return "\".\" and \"..\" are not interface names";
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '/' || ch == ':')
			return "'/' and ':' are not allowed";
		if (ch <= ' ' || ch >= 0x7f)
			return "only printable ASCII without spaces";
	}
	return NULL;
}

const char *xlb_conf_name_problem(const char *s, size_t len)
{
	if (len == 0 || len >= XLB_CONF_NAME_MAX)
		return "must be 1..31 characters";
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-'))
			return "only A-Z a-z 0-9 _ . - are allowed";
	}
	return NULL;
}

const char *conf_state_dir_problem(const char *s, size_t len)
{
	if (len == 0 || s[0] != '/')
		return "must be an absolute path";
	if (len >= XLB_CONF_PATH_MAX)
		return "must be shorter than 256 characters";
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return "only printable ASCII is allowed";
	return NULL;
}

/* The outer destination MAC must name one station. */
const char *conf_mac_problem(const __u8 mac[6])
{
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return "00:00:00:00:00:00 is not a gateway";
	if (mac[0] & 1)
		return "a multicast or broadcast MAC is not a gateway";
	return NULL;
}

const char *conf_announce_table_problem(__u32 t)
{
	if (t == 0)
		return "must be off or a table number 1..4294967295";
	if (t >= 253 && t <= 255)
		return "253, 254 and 255 are the kernel's default, main and local tables: use a "
		       "dedicated one (like 100)";
	return NULL;
}

/* Health-check strings. The limits keep every value printable ASCII, so that it dumps and loads
 * back, and short enough for one request line or datagram. */
static const char *hc_path_problem(const char *s, size_t len)
{
	if (len == 0 || s[0] != '/')
		return "must start with '/'";
	if (len >= XLB_CONF_HC_TEXT)
		return "must be shorter than 128 characters";
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return "only printable ASCII without spaces is allowed";
	return NULL;
}

/* A host name (letters, digits, '.', '-', '_'), an IPv4 address, or an IPv6 address in
 * brackets; "" for the backend's address. No port: that is health.port. */
static const char *hc_host_problem(const char *s, size_t len)
{
	if (len >= XLB_CONF_HC_TEXT)
		return "must be shorter than 128 characters";
	if (len && s[0] == '[') {
		char a[XLB_CONF_HC_TEXT];
		struct xlb_addr x;

		if (len < 3 || s[len - 1] != ']')
			return "an IPv6 address must be in brackets, like [2001:db8::1]";
		memcpy(a, s + 1, len - 2);
		a[len - 2] = '\0';
		if (xlb_addr_parse(a, &x) || x.family != XLB_AF_INET6)
			return "not an IPv6 address in brackets";
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == ':')
			return "':' is not allowed (the port is health.port; an IPv6 address goes "
			       "in brackets)";
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_'))
			return "a host name has only A-Z a-z 0-9 . - _";
	}
	return NULL;
}

/* ca: "" (the system's store) or an absolute path, printable ASCII without spaces. */
static const char *hc_ca_problem(const char *s, size_t len)
{
	if (len == 0)
		return NULL;
	if (s[0] != '/')
		return "must be an absolute path";
	return hc_path_problem(s, len);
}

/* body, payload, expect_payload: printable ASCII, spaces included, possibly empty. */
static const char *hc_text_problem(const char *s, size_t len)
{
	if (len >= XLB_CONF_HC_TEXT)
		return "must be shorter than 128 characters";
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < ' ' || (unsigned char)s[i] >= 0x7f)
			return "only printable ASCII is allowed";
	return NULL;
}

const char *conf_hc_expect_problem(__u32 min, __u32 max)
{
	if (min < 100 || min > 599 || max < 100 || max > 599)
		return "statuses are 100..599";
	if (min > max)
		return "the first status of a range must not be above the second";
	return NULL;
}

const char *conf_timeout_problem(const struct xlb_conf_health *h, char *buf, size_t len)
{
	char lo[16], hi[16];

	if (h->timeout_ms <= h->interval_ms)
		return NULL;
	return conf_say(buf, len, "timeout %s must be <= interval %s",
			conf_ms_str(lo, sizeof(lo), h->timeout_ms),
			conf_ms_str(hi, sizeof(hi), h->interval_ms));
}

const char *conf_port0_problem(const struct xlb_conf_service *s, char *buf, size_t len)
{
	if (s->ref.port || s->health.type == XLB_HC_NONE || s->health.port)
		return NULL;
	return conf_say(buf, len,
			"a service on every port (port 0) needs a non-zero health port for its "
			"%s check",
			conf_keyword_name(conf_hc_type_words, (int)s->health.type));
}

const char *conf_say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return buf;
}

/* ---- the scalars with a spelling of their own: read and written side by side ---- */

/* "200" or "200-399": statuses 100..599, the first not above the second. */
static const char *expect_scan(const struct conf_text *t, void *obj, char *buf, size_t len)
{
	struct xlb_conf_health *h = obj;
	const char *dash = memchr(t->s, '-', t->len), *why;
	char a[8] = "", b[8] = ""; /* empty: not a status */
	size_t la = dash ? (size_t)(dash - t->s) : t->len, lb = dash ? t->len - la - 1 : 0;

	if (la < sizeof(a) && lb < sizeof(b) && (!dash || lb)) {
		snprintf(a, sizeof(a), "%.*s", (int)la, t->s);
		snprintf(b, sizeof(b), "%.*s", (int)(dash ? lb : la), dash ? dash + 1 : t->s);
	}
	if (xlb_parse_u32(a, 0, UINT32_MAX, &h->expect_min) ||
	    xlb_parse_u32(b, 0, UINT32_MAX, &h->expect_max))
		return conf_say(buf, len,
				"must be a status like 200 or a range like 200-399, got %s",
				t->echo);
	why = conf_hc_expect_problem(h->expect_min, h->expect_max);
	return why ? conf_say(buf, len, "%s, got %s", why, t->echo) : NULL;
}

static void expect_print(const void *obj, FILE *out)
{
	const struct xlb_conf_health *h = obj;

	fprintf(out, "%u", h->expect_min);
	if (h->expect_min != h->expect_max)
		fprintf(out, "-%u", h->expect_max);
}

static const char *gateway_scan(const struct conf_text *t, void *obj, char *buf, size_t len)
{
	struct xlb_conf *c = obj;

	c->gateway_auto = !strcmp(t->s, "auto");
	memset(c->gateway_mac, 0, sizeof(c->gateway_mac));
	if (c->gateway_auto)
		return NULL;
	if (xlb_parse_mac(t->s, c->gateway_mac))
		return conf_say(buf, len,
				"must be auto or a MAC address like aa:bb:cc:dd:ee:ff, got %s",
				t->echo);
	return conf_mac_problem(c->gateway_mac);
}

static void gateway_print(const void *obj, FILE *out)
{
	const __u8 *m = ((const struct xlb_conf *)obj)->gateway_mac;

	if (((const struct xlb_conf *)obj)->gateway_auto)
		fputs("auto", out);
	else
		fprintf(out, "\"%02x:%02x:%02x:%02x:%02x:%02x\"", m[0], m[1], m[2], m[3], m[4],
			m[5]);
}

/* word, or a plain number 0..UINT32_MAX into *v: 1, 0 or -EINVAL. */
static int word_or_u32(const struct conf_text *t, const char *word, __u32 *v)
{
	*v = 0;
	if (!strcmp(t->s, word))
		return 1;
	return !t->plain || xlb_parse_u32(t->s, 0, UINT32_MAX, v) ? -EINVAL : 0;
}

static const char *hash_seed_scan(const struct conf_text *t, void *obj, char *buf, size_t len)
{
	struct xlb_conf *c = obj;
	int rc = word_or_u32(t, "auto", &c->hash_seed);

	c->hash_seed_auto = rc == 1;
	return rc < 0 ? conf_say(buf, len, "must be auto or a number 0..4294967295, got %s",
				 t->echo)
		      : NULL;
}

static void hash_seed_print(const void *obj, FILE *out)
{
	const struct xlb_conf *c = obj;

	if (c->hash_seed_auto)
		fputs("auto", out);
	else
		fprintf(out, "%u", c->hash_seed);
}

static const char *listen_scan(const struct conf_text *t, void *obj, char *buf, size_t len)
{
	struct xlb_conf_metrics *m = &((struct xlb_conf *)obj)->metrics;

	m->enabled = strcmp(t->s, "off") != 0;
	if (m->enabled && (t->len >= 64 || xlb_endpoint_parse(t->s, &m->addr, &m->port)))
		return conf_say(buf, len,
				"must be off or ADDR:PORT (like 127.0.0.1:9477 or [::1]:9477, port "
				"1..65535), got %s",
				t->echo);
	return NULL;
}

static void listen_print(const void *obj, FILE *out)
{
	const struct xlb_conf_metrics *m = &((const struct xlb_conf *)obj)->metrics;
	char ep[64];

	xlb_endpoint_format(&m->addr, m->port, ep, sizeof(ep));
	if (m->enabled)
		fprintf(out, "\"%s\"", ep);
	else
		fputs("off", out);
}

static const char *table_scan(const struct conf_text *t, void *obj, char *buf, size_t len)
{
	struct xlb_conf_announce *a = &((struct xlb_conf *)obj)->announce;
	int rc = word_or_u32(t, "off", &a->table);
	const char *why = rc ? NULL : conf_announce_table_problem(a->table);

	if (rc < 0)
		return conf_say(buf, len, "must be off or a table number 1..4294967295, got %s",
				t->echo);
	return why ? conf_say(buf, len, "%s, got %s", why, t->echo) : NULL;
}

static void table_print(const void *obj, FILE *out)
{
	const struct xlb_conf *c = obj;

	if (c->announce.table)
		fprintf(out, "%u", c->announce.table);
	else
		fputs("off", out);
}

/* ---- any row's scalar ---- */

const char *conf_want(const struct conf_field *f, char *buf, size_t len)
{
	static const char *const want[] = {
		[CT_NUMBER] = "a number",	 [CT_BOOL] = "true or false",
		[CT_ADDR] = "an IP address",	 [CT_DURATION_S] = "a duration",
		[CT_DURATION_MS] = "a duration",
	};

	if (f->type == CT_KEYWORD) {
		conf_keyword_list(f->words, buf, len);
		return buf;
	}
	return f->type < sizeof(want) / sizeof(want[0]) && want[f->type] ? want[f->type] : f->want;
}

const char *conf_scan(const struct conf_field *f, const struct conf_text *t, void *obj, char *buf,
		      size_t len)
{
	char *dst = (char *)obj + f->off, list[96], lo[16], hi[16];
	struct xlb_addr a;
	const char *why;
	__u32 v = 0;
	int k = 0, rc;

	switch (f->type) {
	case CT_NUMBER: /* xlb_parse_u32(): "80x", "-1", "0x10", "1e3" and "080" are not numbers */
		if (!t->plain)
			return conf_say(buf, len, "must be a number without quotes, got \"%s\"",
					t->echo);
		rc = xlb_parse_u32(t->s, f->min, f->max, &v);
		if (rc == -ERANGE)
			return conf_say(buf, len, "must be %u..%u, got %s", f->min, f->max,
					t->echo);
		if (rc)
			return conf_say(buf, len, "not a number: %s", t->echo);
		break;
	case CT_BOOL:
		if (!t->plain || (strcmp(t->s, "true") && strcmp(t->s, "false")))
			return conf_say(buf, len, "must be true or false, got %s", t->echo);
		v = !strcmp(t->s, "true");
		break;
	case CT_KEYWORD:
		if (conf_keyword_value(f->words, t->s, t->len, &k))
			return conf_say(buf, len, "must be %s, got %s",
					conf_want(f, list, sizeof(list)), t->echo);
		v = (__u32)k;
		break;
	case CT_ADDR: /* min: the family required, 0 for either */
		if (xlb_addr_parse(t->s, &a))
			return conf_say(buf, len, "not an IP address: %s", t->echo);
		if (f->min && a.family != f->min)
			return conf_say(buf, len, "must be an %s address, got %s",
					f->min == XLB_AF_INET ? "IPv4" : "IPv6", t->echo);
		memcpy(dst, &a, sizeof(a));
		return NULL;
	case CT_DURATION_S:
		rc = xlb_parse_duration_s(t->s, f->min, f->max, &v);
		if (rc == -ERANGE)
			return conf_say(buf, len, "must be %u..%u seconds, got %s", f->min, f->max,
					t->echo);
		if (rc)
			return conf_say(buf, len, "not a duration in whole seconds (%s): %s",
					"like 30s, 2m, 1h or 2000ms", t->echo);
		break;
	case CT_DURATION_MS:
		rc = xlb_parse_duration_ms(t->s, f->min, f->max, &v);
		if (rc == -ERANGE)
			return conf_say(buf, len, "must be %s..%s, got %s",
					conf_ms_str(lo, sizeof(lo), f->min),
					conf_ms_str(hi, sizeof(hi), f->max), t->echo);
		if (rc)
			return conf_say(buf, len, "not a duration (like 500ms, 2s, 1m or 1h): %s",
					t->echo);
		break;
	case CT_TEXT:
		why = f->problem(t->s, t->len);
		if (why && f->what)
			return conf_say(buf, len, "not a valid %s (%s): %s", f->what, why, t->echo);
		if (why)
			return conf_say(buf, len, "%s: %s", why, t->echo);
		memcpy(dst, t->s, t->len + 1);
		return NULL;
	default:
		return f->scan(t, obj, buf, len);
	}
	conf_set_num(f, obj, v);
	return NULL;
}

/* ---- the table ---- */

#define AT(type, member) .off = offsetof(type, member), .width = sizeof(((type *)0)->member)
#define TOP(member) AT(struct xlb_conf, member)
#define SVC(member) AT(struct xlb_conf_service, member)
#define HC(member) AT(struct xlb_conf_health, member)
#define BE(member) AT(struct xlb_conf_backend, member)
#define HO(member) AT(struct xlb_conf_hc_override, member)
#define NUM(lo, hi, d) .type = CT_NUMBER, .min = (lo), .max = (hi), .def = (d)
#define WORDS(w, d) .type = CT_KEYWORD, .words = (w), .def = (d)
#define SUB(st, member, ch) .type = CT_MAPPING, .off = offsetof(st, member), .child = (ch)
#define LIST(st, arr, n, ch)                                                         \
	.type = CT_LIST, .off = offsetof(st, arr), .width = sizeof(*((st *)0)->arr), \
	.n_off = offsetof(st, n), .child = (ch)
#define STR(x) #x
#define XSTR(x) STR(x)
#define HC_MAX_INTERVAL 3600000 /* ms: 1 h */

static const struct conf_field fields[] = {
	/* top level */
	{ "interfaces", CP_TOP, CT_CUSTOM, .required = true },
	{ "xdp_mode", CP_TOP, TOP(xdp_mode), WORDS(conf_xdp_mode_words, XLB_XDP_NATIVE) },
	{ "tunnel_source", CP_TOP, TOP(tunnel_source), .type = CT_ADDR, .min = XLB_AF_INET },
	{ "tunnel_source_v6", CP_TOP, TOP(tunnel_source_v6), .type = CT_ADDR, .min = XLB_AF_INET6 },
	{ "gue_port", CP_TOP, TOP(gue_port), NUM(1, 65535, XLB_CONF_DEFAULT_GUE_PORT) },
	{ "rss_bits", CP_TOP, TOP(rss_bits), NUM(0, 16, 0) },
	{ "rss_bits_v6", CP_TOP, TOP(rss_bits_v6), NUM(0, 32, 0) },
	{ "gateway", CP_TOP, CT_CUSTOM, .want = "auto or a MAC address", .scan = gateway_scan,
	  .print = gateway_print, .def_text = "auto" },
	{ "hash_seed", CP_TOP, CT_CUSTOM, .want = "auto or a number", .scan = hash_seed_scan,
	  .print = hash_seed_print, .def_text = "auto" },
	{ "mtu", CP_TOP, TOP(mtu), NUM(1280, 9216, XLB_CONF_DEFAULT_MTU) },
	{ "conntrack", CP_TOP, .type = CT_MAPPING, .child = CP_CONNTRACK },
	{ "state_dir", CP_TOP, TOP(state_dir), .type = CT_TEXT, .want = "a path",
	  .problem = conf_state_dir_problem, .def_text = XLB_CONF_DEFAULT_STATE_DIR },
	{ "metrics", CP_TOP, .type = CT_MAPPING, .child = CP_METRICS },
	{ "announce", CP_TOP, .type = CT_MAPPING, .child = CP_ANNOUNCE },
	{ "services", CP_TOP, LIST(struct xlb_conf, services, n_services, CP_SERVICE),
	  .required = true },

	/* conntrack */
	{ "size", CP_CONNTRACK, TOP(conntrack_size), NUM(1024, XLB_MAX_CONNS, XLB_DEFAULT_CONNS) },
	{ "udp_idle_timeout", CP_CONNTRACK, TOP(udp_idle_timeout), .type = CT_DURATION_S,
	  .max = 86400, .def = XLB_CONF_DEFAULT_UDP_IDLE },
	{ "new_flow_rate", CP_CONNTRACK, TOP(new_flow_rate),
	  NUM(0, 100000000, XLB_CONF_DEFAULT_NEW_FLOW_RATE) },
	{ "new_flow_burst", CP_CONNTRACK, TOP(new_flow_burst),
	  NUM(0, 10000000, XLB_CONF_DEFAULT_NEW_FLOW_BURST) },
	{ "cross_cpu", CP_CONNTRACK, TOP(cross_cpu),
	  WORDS(conf_cross_cpu_words, XLB_CROSS_CPU_AUTO) },

	/* metrics, announce */
	{ "listen", CP_METRICS, CT_CUSTOM, .want = "off or ADDR:PORT", .scan = listen_scan,
	  .print = listen_print, .def_text = "127.0.0.1:" XSTR(XLB_CONF_DEFAULT_METRICS_PORT) },
	{ "table", CP_ANNOUNCE, CT_CUSTOM, .required = true, .want = "off or a table number",
	  .scan = table_scan, .print = table_print, .def_text = "off" },

	/* interfaces[] in their mapping form */
	{ "name", CP_IFACE, AT(struct xlb_conf_iface, name), .type = CT_TEXT, .required = true,
	  .want = "an interface name", .what = "interface name",
	  .problem = xlb_conf_iface_problem },
	{ "mode", CP_IFACE, AT(struct xlb_conf_iface, mode), WORDS(conf_xdp_mode_words, 0) },

	/* services[] */
	{ "name", CP_SERVICE, SVC(name), .type = CT_TEXT, .want = "a name", .what = "service name",
	  .problem = xlb_conf_name_problem },
	{ "vip", CP_SERVICE, SVC(ref.vip), .type = CT_ADDR, .required = true },
	{ "port", CP_SERVICE, SVC(ref.port), NUM(0, 65535, 0), .required = true },
	{ "proto", CP_SERVICE, SVC(ref.proto), WORDS(conf_proto_words, 0), .required = true },
	{ "table_size", CP_SERVICE, SVC(table_size),
	  NUM(XLB_MIN_TABLE_SIZE, XLB_MAX_TABLE_SIZE, XLB_CONF_DEFAULT_TABLE_SIZE) },
	{ "icmp_echo", CP_SERVICE, SVC(icmp_echo), .type = CT_BOOL, .def = 1 },
	{ "min_healthy", CP_SERVICE, SVC(min_healthy), NUM(0, XLB_MAX_BACKENDS - 1, 1),
	  .dump_after = "announce" },
	{ "announce", CP_SERVICE, SVC(announce), .type = CT_BOOL, .def = 1 },
	{ "health", CP_SERVICE, SUB(struct xlb_conf_service, health, CP_HEALTH) },
	{ "backends", CP_SERVICE, LIST(struct xlb_conf_service, backends, n_backends, CP_BACKEND) },

	/* services[].health */
	{ "type", CP_HEALTH, HC(type), WORDS(conf_hc_type_words, XLB_HC_NONE), .hc_types = HC_ANY },
	{ "port", CP_HEALTH, HC(port), NUM(0, 65535, 0), .hc_types = HC_CHECKED },
	{ "interval", CP_HEALTH, HC(interval_ms), .type = CT_DURATION_MS, .min = 100,
	  .max = HC_MAX_INTERVAL, .def = 2000, .hc_types = HC_CHECKED },
	{ "timeout", CP_HEALTH, HC(timeout_ms), .type = CT_DURATION_MS, .min = 50,
	  .max = HC_MAX_INTERVAL, .def = 1000, .hc_types = HC_CHECKED },
	{ "rise", CP_HEALTH, HC(rise), NUM(1, 100, 2), .hc_types = HC_CHECKED },
	{ "fall", CP_HEALTH, HC(fall), NUM(1, 100, 3), .hc_types = HC_CHECKED },
	{ "jitter", CP_HEALTH, HC(jitter_pct), NUM(0, 50, 10), .hc_types = HC_CHECKED },
	{ "initial", CP_HEALTH, HC(initial_up), WORDS(conf_initial_words, 0),
	  .hc_types = HC_CHECKED },
	{ "path", CP_HEALTH, HC(path), .type = CT_TEXT, .want = "a path",
	  .problem = hc_path_problem, .def_text = "/", .hc_types = HC_WEB },
	{ "host", CP_HEALTH, HC(host), .type = CT_TEXT, .want = "a host name",
	  .problem = hc_host_problem, .def_text = "", .hc_types = HC_WEB },
	{ "body", CP_HEALTH, HC(body), .type = CT_TEXT, .want = "a string",
	  .problem = hc_text_problem, .def_text = "", .hc_types = HC_WEB },
	{ "expect", CP_HEALTH, CT_CUSTOM, .want = "a status or a range", .hc_types = HC_WEB,
	  .scan = expect_scan, .print = expect_print, .def_text = "200-399" },
	{ "insecure", CP_HEALTH, HC(insecure), .type = CT_BOOL, .hc_types = HC_BIT(XLB_HC_HTTPS) },
	{ "ca", CP_HEALTH, HC(ca), .type = CT_TEXT, .want = "a path", .problem = hc_ca_problem,
	  .def_text = "", .hc_types = HC_BIT(XLB_HC_HTTPS) },
	{ "payload", CP_HEALTH, HC(payload), .type = CT_TEXT, .want = "a string",
	  .problem = hc_text_problem, .def_text = "ping", .hc_types = HC_PAYLOAD },
	{ "expect_payload", CP_HEALTH, HC(expect_payload), .type = CT_TEXT, .want = "a string",
	  .problem = hc_text_problem, .def_text = "", .hc_types = HC_PAYLOAD },

	/* services[].backends[] */
	{ "address", CP_BACKEND, BE(addr), .type = CT_ADDR, .required = true },
	{ "weight", CP_BACKEND, BE(weight), NUM(0, 65535, XLB_CONF_DEFAULT_WEIGHT) },
	{ "state", CP_BACKEND, BE(admin), WORDS(conf_state_words, XLB_ADMIN_ENABLED) },
	{ "encap", CP_BACKEND, BE(encap), WORDS(conf_encap_words, XLB_ENCAP_IPIP) },
	{ "health", CP_BACKEND, SUB(struct xlb_conf_backend, health, CP_OVERRIDE) },

	/* services[].backends[].health: row i is XLB_HO_* bit i */
	{ "port", CP_OVERRIDE, HO(port), NUM(1, 65535, 0) },
	{ "interval", CP_OVERRIDE, HO(interval_ms), .type = CT_DURATION_MS, .min = 100,
	  .max = HC_MAX_INTERVAL },
	{ "timeout", CP_OVERRIDE, HO(timeout_ms), .type = CT_DURATION_MS, .min = 50,
	  .max = HC_MAX_INTERVAL },
	{ "rise", CP_OVERRIDE, HO(rise), NUM(1, 100, 0) },
	{ "fall", CP_OVERRIDE, HO(fall), NUM(1, 100, 0) },
	{ "jitter", CP_OVERRIDE, HO(jitter_pct), NUM(0, 50, 0) },
	{ "initial", CP_OVERRIDE, HO(initial_up), WORDS(conf_initial_words, 0) },
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

const struct conf_field *conf_fields(enum conf_parent parent, size_t *n)
{
	const struct conf_field *first = NULL;

	*n = 0;
	for (size_t i = 0; i < N_FIELDS; i++) {
		if (fields[i].parent != parent)
			continue;
		if (!first)
			first = &fields[i];
		(*n)++;
	}
	return first;
}

const struct conf_field *conf_field(enum conf_parent parent, const char *key)
{
	for (size_t i = 0; i < N_FIELDS; i++)
		if (fields[i].parent == parent && !strcmp(fields[i].key, key))
			return &fields[i];
	return NULL;
}

__u32 conf_get_num(const struct conf_field *f, const void *obj)
{
	const char *p = (const char *)obj + f->off;

	if (f->width == 1)
		return *(const __u8 *)p;
	if (f->width == 2)
		return *(const __u16 *)p;
	return *(const __u32 *)p;
}

void conf_set_num(const struct conf_field *f, void *obj, __u32 v)
{
	char *p = (char *)obj + f->off;

	if (f->type == CT_BOOL)
		*(bool *)p = v != 0;
	else if (f->width == 1)
		*(__u8 *)p = (__u8)v;
	else if (f->width == 2)
		*(__u16 *)p = (__u16)v;
	else
		*(__u32 *)p = v;
}

void conf_defaults(enum conf_parent parent, void *obj)
{
	size_t n;
	const struct conf_field *f = conf_fields(parent, &n);

	for (size_t i = 0; i < n; i++, f++) {
		struct conf_text t = { .s = f->def_text, .plain = true };
		char buf[XLB_CONF_ERR_MAX];

		if (f->type == CT_TEXT && f->def_text) {
			strcpy((char *)obj + f->off, f->def_text);
		} else if (f->type == CT_CUSTOM && f->def_text) {
			t.len = strlen(t.s);
			f->scan(&t, obj, buf, sizeof(buf)); /* the schema's own text: valid */
		} else if (f->type == CT_MAPPING) {
			conf_defaults(f->child, (char *)obj + f->off);
		} else if (f->type <= CT_KEYWORD || f->type == CT_DURATION_S ||
			   f->type == CT_DURATION_MS) {
			conf_set_num(f, obj, f->def);
		}
	}
}

const char *conf_range_problem(const struct conf_field *f, __u32 v, char *buf, size_t len)
{
	char lo[16], hi[16], x[16];

	if (v >= f->min && v <= f->max)
		return NULL;
	if (f->type == CT_DURATION_MS)
		snprintf(buf, len, "must be %s..%s, got %s", conf_ms_str(lo, sizeof(lo), f->min),
			 conf_ms_str(hi, sizeof(hi), f->max), conf_ms_str(x, sizeof(x), v));
	else if (f->type == CT_DURATION_S)
		snprintf(buf, len, "must be %u..%u seconds, got %u", f->min, f->max, v);
	else
		snprintf(buf, len, "must be %u..%u, got %u", f->min, f->max, v);
	return buf;
}

/* ---- keywords and messages ---- */

const char *conf_keyword_name(const struct conf_keyword *t, int value)
{
	for (; t->name; t++)
		if (t->value == value)
			return t->name;
	return NULL;
}

int conf_keyword_value(const struct conf_keyword *t, const char *s, size_t len, int *value)
{
	for (; t->name; t++) {
		if (strlen(t->name) == len && !memcmp(t->name, s, len)) {
			*value = t->value;
			return 0;
		}
	}
	return -EINVAL;
}

const char *xlb_cross_cpu_name(__u32 v)
{
	return conf_keyword_name(conf_cross_cpu_words, (int)v);
}

const char *xlb_encap_name(__u32 encap)
{
	return encap > XLB_ENCAP_L2 ? NULL : conf_keyword_name(conf_encap_words, (int)encap);
}

const char *xlb_xdp_mode_name(enum xlb_xdp_mode mode)
{
	return conf_keyword_name(conf_xdp_mode_words, (int)mode);
}

/* The names of the entries i of t with bit i in mask, "a, b" and LAST "c", into buf. */
static void join(const struct conf_keyword *t, unsigned mask, const char *last, char *buf,
		 size_t len)
{
	size_t n = 0, k = 0, off = 0;

	for (size_t i = 0; t[i].name; i++)
		n += !!(mask & (1U << i));
	buf[0] = '\0';
	for (size_t i = 0; t[i].name && off < len; i++) {
		int w;

		if (!(mask & (1U << i)))
			continue;
		w = snprintf(buf + off, len - off, "%s%s",
			     k == 0	  ? ""
			     : k + 1 == n ? last
					  : ", ",
			     t[i].name);
		if (w < 0)
			break;
		off += (size_t)w;
		k++;
	}
}

void conf_keyword_list(const struct conf_keyword *t, char *buf, size_t len)
{
	join(t, ~0U, " or ", buf, len);
}

/* The entries of conf_hc_type_words are in the order of their values. */
void conf_hc_type_list(unsigned mask, char *buf, size_t len)
{
	join(conf_hc_type_words, mask, " and ", buf, len);
}

void conf_put_err(char *err, size_t errlen, const char *name, int line, const char *key,
		  const char *fmt, va_list ap)
{
	char msg[XLB_CONF_ERR_MAX], at[16] = "";
	bool k = key && *key;

	if (!err || !errlen)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line > 0)
		snprintf(at, sizeof(at), ":%d", line);
	snprintf(err, errlen, "%s%s: %s%s%s", name ? name : "config", at, k ? key : "",
		 k ? ": " : "", msg);
}

const char *conf_echo(char *buf, const char *s, size_t len)
{
	size_t n = len > CONF_ECHO_MAX ? CONF_ECHO_MAX : len;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		buf[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	strcpy(buf + n, len > CONF_ECHO_MAX ? "..." : "");
	return buf;
}

const char *conf_ms_str(char *buf, size_t len, __u32 ms)
{
	if (ms && ms % 3600000 == 0)
		snprintf(buf, len, "%uh", ms / 3600000);
	else if (ms && ms % 60000 == 0)
		snprintf(buf, len, "%um", ms / 60000);
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%us", ms / 1000);
	else
		snprintf(buf, len, "%ums", ms);
	return buf;
}
