// SPDX-License-Identifier: GPL-2.0
/* config.c - xlbd.yaml: a libyaml event parser driven by one key table per mapping, the
 * cross-field validation, dump, copy and the small value parsers. The contract is config.h.
 *
 * Why events and not yaml_parser_load(): the event stream shows anchors, aliases, tags and a
 * second document as they come (the document API silently resolves aliases), and parsing stops
 * at the first wrong node, so deep nesting or a huge garbage tail is never built into a tree. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "xlb_abi.h"
#include "maglev.h"
#include "config.h"

#define CONF_FILE_MAX (16U << 20) /* xlb_conf_load() refuses larger files */
#define ECHO_MAX 40 /* characters of a bad value quoted back in a message */
#define PATH_BUF 160 /* key path of the node being parsed */
#define MAX_KEYS 16 /* keys of the largest mapping (the top level has 14) */
#define MAX_UDP_IDLE 86400
#define MAX_NEW_FLOW_RATE 100000000
#define MAX_NEW_FLOW_BURST 10000000
#define MIN_MTU 1280
#define MAX_MTU 9216
#define MIN_CONNTRACK 1024
#define MAX_CONNTRACK 16777216
#define MAX_WEIGHT 65535
#define MAX_MIN_HEALTHY (XLB_MAX_BACKENDS - 1)

/* Health checks (struct xlb_conf_health): ranges and defaults. */
#define HC_MIN_INTERVAL 100 /* ms */
#define HC_MAX_INTERVAL 3600000
#define HC_MIN_TIMEOUT 50
#define HC_MAX_RISE_FALL 100
#define HC_MAX_JITTER 50
#define HC_MIN_STATUS 100
#define HC_MAX_STATUS 599
#define HC_DEFAULT_INTERVAL 2000
#define HC_DEFAULT_TIMEOUT 1000
#define HC_DEFAULT_RISE 2
#define HC_DEFAULT_FALL 3
#define HC_DEFAULT_JITTER 10
#define HC_DEFAULT_PATH "/"
#define HC_DEFAULT_EXPECT_MIN 200
#define HC_DEFAULT_EXPECT_MAX 399
#define HC_DEFAULT_PAYLOAD "ping"
#define DEFAULT_MIN_HEALTHY 1

/* Which health-check types a key applies to: a mask of 1 << enum xlb_hc_type. */
#define HC_BIT(t) (1U << (t))
#define HC_CHECKED                                                                              \
	(HC_BIT(XLB_HC_TCP) | HC_BIT(XLB_HC_HTTP) | HC_BIT(XLB_HC_HTTPS) | HC_BIT(XLB_HC_UDP) | \
	 HC_BIT(XLB_HC_TUNNEL))
#define HC_PAYLOAD (HC_BIT(XLB_HC_UDP) | HC_BIT(XLB_HC_TUNNEL))
#define HC_WEB (HC_BIT(XLB_HC_HTTP) | HC_BIT(XLB_HC_HTTPS))
#define HC_ANY (HC_CHECKED | HC_BIT(XLB_HC_NONE))

/* ---- keywords: one table per enumerated key, used by the parser, validate and dump ---- */

struct keyword {
	const char *name;
	int value;
};

static const struct keyword xdp_mode_words[] = {
	{ "native", XLB_XDP_NATIVE },
	{ "generic", XLB_XDP_GENERIC },
	{ "auto", XLB_XDP_AUTO },
	{ NULL, 0 },
};

static const struct keyword proto_words[] = {
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ NULL, 0 },
};

static const struct keyword state_words[] = {
	{ "enabled", XLB_ADMIN_ENABLED },
	{ "drain", XLB_ADMIN_DRAIN },
	{ "disabled", XLB_ADMIN_DISABLED },
	{ NULL, 0 },
};

static const struct keyword hc_type_words[] = {
	{ "none", XLB_HC_NONE },
	{ "tcp", XLB_HC_TCP },
	{ "http", XLB_HC_HTTP },
	{ "https", XLB_HC_HTTPS },
	{ "udp", XLB_HC_UDP },
	{ "tunnel", XLB_HC_TUNNEL },
	{ NULL, 0 },
};

static const struct keyword initial_words[] = {
	{ "up", 1 },
	{ "down", 0 },
	{ NULL, 0 },
};

static const char *keyword_name(const struct keyword *t, int value)
{
	for (; t->name; t++)
		if (t->value == value)
			return t->name;
	return NULL;
}

static int keyword_value(const struct keyword *t, const char *s, size_t len, int *value)
{
	for (; t->name; t++) {
		if (strlen(t->name) == len && !memcmp(t->name, s, len)) {
			*value = t->value;
			return 0;
		}
	}
	return -EINVAL;
}

const char *xlb_xdp_mode_name(enum xlb_xdp_mode mode)
{
	return keyword_name(xdp_mode_words, (int)mode);
}

/* "native, generic or auto" */
static void keyword_list(const struct keyword *t, char *buf, size_t len)
{
	size_t n = 0, off = 0;

	while (t[n].name)
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
		int w = snprintf(buf + off, len - off, "%s%s", sep, t[i].name);

		if (w < 0)
			break;
		off += (size_t)w;
	}
}

/* ---- messages ---- */

/* Write "NAME:LINE: KEY: message" into err; LINE is left out when unknown (0), KEY when empty. */
static void put_err(char *err, size_t errlen, const char *name, int line, const char *key,
		    const char *fmt, va_list ap)
{
	char msg[XLB_CONF_ERR_MAX];

	if (!err || !errlen)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!name)
		name = "config";
	if (line > 0 && key && *key)
		snprintf(err, errlen, "%s:%d: %s: %s", name, line, key, msg);
	else if (line > 0)
		snprintf(err, errlen, "%s:%d: %s", name, line, msg);
	else if (key && *key)
		snprintf(err, errlen, "%s: %s: %s", name, key, msg);
	else
		snprintf(err, errlen, "%s: %s", name, msg);
}

/* Quote a value back to the operator on one line: at most ECHO_MAX characters, anything not
 * printable ASCII shown as '?'. buf has room for ECHO_MAX + 4. */
static const char *echo(char *buf, const char *s, size_t len)
{
	size_t n = len > ECHO_MAX ? ECHO_MAX : len;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		buf[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	strcpy(buf + n, len > ECHO_MAX ? "..." : "");
	return buf;
}

/* ---- value rules shared by the parser and xlb_conf_validate() ---- */

/* NULL when s is an acceptable interface name, else what is wrong. The kernel's rules
 * (dev_valid_name) restricted to printable ASCII, so that every name dumps and loads back. */
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

static const char *state_dir_problem(const char *s, size_t len)
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
static const char *mac_problem(const __u8 mac[6])
{
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return "00:00:00:00:00:00 is not a gateway";
	if (mac[0] & 1)
		return "a multicast or broadcast MAC is not a gateway";
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
			       "in "
			       "brackets)";
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_'))
			return "a host name has only A-Z a-z 0-9 . - _";
	}
	return NULL;
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

/* HTTP statuses: "200" or "200-399", each 100..599, the first not above the second. */
static const char *hc_expect_problem(__u32 min, __u32 max)
{
	if (min < HC_MIN_STATUS || min > HC_MAX_STATUS || max < HC_MIN_STATUS ||
	    max > HC_MAX_STATUS)
		return "statuses are 100..599";
	if (min > max)
		return "the first status of a range must not be above the second";
	return NULL;
}

static int hc_expect_parse(const char *s, size_t len, __u32 *min, __u32 *max)
{
	const char *dash = memchr(s, '-', len);
	char a[8], b[8];
	size_t la = dash ? (size_t)(dash - s) : len, lb = dash ? len - la - 1 : 0;

	if (la >= sizeof(a) || lb >= sizeof(b) || (dash && !lb))
		return -EINVAL;
	memcpy(a, s, la);
	a[la] = '\0';
	memcpy(b, dash ? dash + 1 : s, dash ? lb : la);
	b[dash ? lb : la] = '\0';
	if (xlb_parse_u32(a, 0, UINT32_MAX, min) || xlb_parse_u32(b, 0, UINT32_MAX, max))
		return -EINVAL;
	return 0;
}

/* "http and https", "tcp, http, https and udp": the types of a mask. */
static void hc_type_list(unsigned mask, char *buf, size_t len)
{
	size_t n = 0, k = 0, off = 0;

	for (const struct keyword *t = hc_type_words; t->name; t++)
		n += !!(mask & HC_BIT(t->value));
	buf[0] = '\0';
	for (const struct keyword *t = hc_type_words; t->name && off < len; t++) {
		const char *sep;
		int w;

		if (!(mask & HC_BIT(t->value)))
			continue;
		sep = k == 0 ? "" : k + 1 == n ? " and " : ", ";
		w = snprintf(buf + off, len - off, "%s%s", sep, t->name);
		if (w < 0)
			break;
		off += (size_t)w;
		k++;
	}
}

/* The smallest prime >= from, or 0 above XLB_MAX_TABLE_SIZE (itself a prime). */
static __u32 next_prime(__u32 from)
{
	if (from < XLB_MIN_TABLE_SIZE)
		from = XLB_MIN_TABLE_SIZE;
	for (__u32 m = from; m <= XLB_MAX_TABLE_SIZE; m++)
		if (maglev_is_prime(m))
			return m;
	return 0;
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int xlb_parse_mac(const char *s, __u8 mac[6])
{
	__u8 tmp[6];

	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hex_digit(s[3 * i]), lo = hex_digit(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		tmp[i] = (__u8)(hi << 4 | lo);
	}
	memcpy(mac, tmp, sizeof(tmp));
	return 0;
}

/* Units of a duration; the empty suffix is a bare number of seconds. */
static const struct {
	const char *suffix;
	__u32 ms; /* milliseconds per unit */
} duration_units[] = {
	{ "", 1000 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "ms", 1 },
};

/* Digits and a unit into milliseconds: no sign, fraction or space. 64 bits: any u32 of hours
 * fits. Returns 0, -EINVAL or -ERANGE (more digits than a u32 holds). */
static int parse_duration(const char *s, __u64 *ms)
{
	char digits[16];
	size_t n = 0;
	__u32 v;
	int rc;

	if (!s)
		return -EINVAL;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(digits))
		return -ERANGE;
	memcpy(digits, s, n);
	digits[n] = '\0';
	rc = xlb_parse_u32(digits, 0, UINT32_MAX, &v);
	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
		if (!strcmp(s + n, duration_units[i].suffix)) {
			*ms = (__u64)v * duration_units[i].ms;
			return 0;
		}
	}
	return -EINVAL;
}

int xlb_parse_duration_s(const char *s, __u32 min, __u32 max, __u32 *out)
{
	__u64 ms;
	int rc = parse_duration(s, &ms);

	if (rc)
		return rc;
	if (ms % 1000) /* "1500ms": not a whole number of seconds */
		return -EINVAL;
	if (ms / 1000 < min || ms / 1000 > max)
		return -ERANGE;
	*out = (__u32)(ms / 1000);
	return 0;
}

int xlb_parse_duration_ms(const char *s, __u32 min, __u32 max, __u32 *out)
{
	__u64 ms;
	int rc = parse_duration(s, &ms);

	if (rc)
		return rc;
	if (ms < min || ms > max)
		return -ERANGE;
	*out = (__u32)ms;
	return 0;
}

/* A duration in milliseconds the way the parser reads it, in the largest whole unit. */
static const char *ms_str(char *buf, size_t len, __u32 ms)
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

/* The fields of struct xlb_conf_hc_override in the order of their XLB_HO_* bits (bit i is
 * entry i): the key, where the value is, its range and how it is spelt. */
enum ho_kind { HO_NUMBER, HO_DURATION, HO_INITIAL };
static const struct {
	const char *key;
	size_t off;
	__u32 min, max;
	enum ho_kind kind;
} override_fields[] = {
	{ "port", offsetof(struct xlb_conf_hc_override, port), 1, 65535, HO_NUMBER },
	{ "interval", offsetof(struct xlb_conf_hc_override, interval_ms), HC_MIN_INTERVAL,
	  HC_MAX_INTERVAL, HO_DURATION },
	{ "timeout", offsetof(struct xlb_conf_hc_override, timeout_ms), HC_MIN_TIMEOUT,
	  HC_MAX_INTERVAL, HO_DURATION },
	{ "rise", offsetof(struct xlb_conf_hc_override, rise), 1, HC_MAX_RISE_FALL, HO_NUMBER },
	{ "fall", offsetof(struct xlb_conf_hc_override, fall), 1, HC_MAX_RISE_FALL, HO_NUMBER },
	{ "jitter", offsetof(struct xlb_conf_hc_override, jitter_pct), 0, HC_MAX_JITTER,
	  HO_NUMBER },
	{ "initial", offsetof(struct xlb_conf_hc_override, initial_up), 0, 1, HO_INITIAL },
};
#define N_OVERRIDES (sizeof(override_fields) / sizeof(override_fields[0]))
#define HO_ALL ((1U << N_OVERRIDES) - 1)
_Static_assert(XLB_HO_INITIAL == 1U << (N_OVERRIDES - 1), "one override field per XLB_HO_ bit");

static __u32 ho_value(const struct xlb_conf_hc_override *o, size_t i)
{
	return *(const __u32 *)((const char *)o + override_fields[i].off);
}

void xlb_conf_backend_health(const struct xlb_conf_service *s, const struct xlb_conf_backend *b,
			     struct xlb_conf_health *out)
{
	const struct xlb_conf_hc_override *o = &b->health;

	*out = s->health;
	if (o->set & XLB_HO_PORT)
		out->port = (__u16)o->port;
	if (o->set & XLB_HO_INTERVAL)
		out->interval_ms = o->interval_ms;
	if (o->set & XLB_HO_TIMEOUT)
		out->timeout_ms = o->timeout_ms;
	if (o->set & XLB_HO_RISE)
		out->rise = o->rise;
	if (o->set & XLB_HO_FALL)
		out->fall = o->fall;
	if (o->set & XLB_HO_JITTER)
		out->jitter_pct = o->jitter_pct;
	if (o->set & XLB_HO_INITIAL)
		out->initial_up = o->initial_up;
}

/* NULL when the overrides of backend b fit its service s, else what is wrong, with *key set
 * to the key under "health." it is about (buf holds the message when it needs one). */
static const char *override_problem(const struct xlb_conf_service *s,
				    const struct xlb_conf_backend *b, const char **key, char *buf,
				    size_t len)
{
	const struct xlb_conf_hc_override *o = &b->health;
	struct xlb_conf_health h;
	char lo[16], hi[16], v[16];

	if (!o->set)
		return NULL;
	if (o->set & ~HO_ALL) {
		*key = "set";
		return "unknown override fields";
	}
	*key = override_fields[__builtin_ctz(o->set)].key;
	if (s->health.type == XLB_HC_NONE)
		return "the service's health type is none: nothing to override";
	for (size_t i = 0; i < N_OVERRIDES; i++) {
		__u32 x = ho_value(o, i), mn = override_fields[i].min, mx = override_fields[i].max;
		bool dur = override_fields[i].kind == HO_DURATION;

		if (!(o->set & (1U << i)) || (x >= mn && x <= mx))
			continue;
		*key = override_fields[i].key;
		if (dur)
			snprintf(buf, len, "must be %s..%s, got %s", ms_str(lo, sizeof(lo), mn),
				 ms_str(hi, sizeof(hi), mx), ms_str(v, sizeof(v), x));
		else
			snprintf(buf, len, "must be %u..%u, got %u", mn, mx, x);
		return buf;
	}
	xlb_conf_backend_health(s, b, &h);
	if (h.timeout_ms > h.interval_ms) {
		*key = o->set & XLB_HO_TIMEOUT ? "timeout" : "interval";
		snprintf(buf, len, "timeout %s must be <= interval %s",
			 ms_str(lo, sizeof(lo), h.timeout_ms),
			 ms_str(hi, sizeof(hi), h.interval_ms));
		return buf;
	}
	return NULL;
}

/* ---- the model ---- */

void xlb_conf_init(struct xlb_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->xdp_mode = XLB_XDP_NATIVE;
	c->gateway_auto = true;
	c->hash_seed_auto = true;
	c->mtu = XLB_CONF_DEFAULT_MTU;
	c->conntrack_size = XLB_DEFAULT_CONNS;
	c->udp_idle_timeout = XLB_CONF_DEFAULT_UDP_IDLE;
	c->new_flow_rate = XLB_CONF_DEFAULT_NEW_FLOW_RATE;
	c->new_flow_burst = XLB_CONF_DEFAULT_NEW_FLOW_BURST;
	strcpy(c->state_dir, XLB_CONF_DEFAULT_STATE_DIR);
	c->metrics.enabled = true;
	xlb_addr_parse("127.0.0.1", &c->metrics.addr);
	c->metrics.port = XLB_CONF_DEFAULT_METRICS_PORT;
}

static void health_init(struct xlb_conf_health *h)
{
	memset(h, 0, sizeof(*h));
	h->type = XLB_HC_NONE;
	h->interval_ms = HC_DEFAULT_INTERVAL;
	h->timeout_ms = HC_DEFAULT_TIMEOUT;
	h->rise = HC_DEFAULT_RISE;
	h->fall = HC_DEFAULT_FALL;
	h->jitter_pct = HC_DEFAULT_JITTER;
	strcpy(h->path, HC_DEFAULT_PATH);
	h->expect_min = HC_DEFAULT_EXPECT_MIN;
	h->expect_max = HC_DEFAULT_EXPECT_MAX;
	strcpy(h->payload, HC_DEFAULT_PAYLOAD);
}

static void service_init(struct xlb_conf_service *s)
{
	memset(s, 0, sizeof(*s));
	s->table_size = XLB_CONF_DEFAULT_TABLE_SIZE;
	s->icmp_echo = true;
	s->min_healthy = DEFAULT_MIN_HEALTHY;
	s->announce = true;
	health_init(&s->health);
}

static void backend_init(struct xlb_conf_backend *b)
{
	memset(b, 0, sizeof(*b));
	b->weight = XLB_CONF_DEFAULT_WEIGHT;
	b->admin = XLB_ADMIN_ENABLED;
}

void xlb_conf_free(struct xlb_conf *c)
{
	for (size_t i = 0; c->services && i < c->n_services; i++)
		free(c->services[i].backends);
	free(c->services);
	xlb_conf_init(c);
}

int xlb_conf_copy(struct xlb_conf *dst, const struct xlb_conf *src)
{
	struct xlb_conf tmp = *src;
	size_t i;

	tmp.services = NULL;
	if (src->n_services) {
		tmp.services = calloc(src->n_services, sizeof(*tmp.services));
		if (!tmp.services)
			return -ENOMEM;
	}
	for (i = 0; i < src->n_services; i++) {
		const struct xlb_conf_service *s = &src->services[i];

		tmp.services[i] = *s;
		tmp.services[i].backends = NULL;
		if (!s->n_backends)
			continue;
		tmp.services[i].backends = malloc(s->n_backends * sizeof(*s->backends));
		if (!tmp.services[i].backends)
			goto err_free_copies;
		memcpy(tmp.services[i].backends, s->backends, s->n_backends * sizeof(*s->backends));
	}
	*dst = tmp;
	return 0;

err_free_copies:
	while (i--)
		free(tmp.services[i].backends);
	free(tmp.services);
	return -ENOMEM;
}

static bool addr_equal(const struct xlb_addr *a, const struct xlb_addr *b)
{
	if (a->family != b->family)
		return false;
	/* IPv4 lives in word 0; the rest is zero by contract but is not trusted here. */
	if (a->family == XLB_AF_INET)
		return a->addr[0] == b->addr[0];
	return !memcmp(a->addr, b->addr, sizeof(a->addr));
}

struct xlb_conf_iface *xlb_conf_find_iface(const struct xlb_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_ifaces && i < XLB_CONF_MAX_IFACES; i++)
		if (!strncmp(c->ifaces[i].name, name, XLB_CONF_IFNAMSIZ))
			return (struct xlb_conf_iface *)&c->ifaces[i];
	return NULL;
}

struct xlb_conf_service *xlb_conf_find_service(const struct xlb_conf *c,
					       const struct xlb_service_ref *ref)
{
	for (size_t i = 0; i < c->n_services; i++) {
		struct xlb_conf_service *s = &c->services[i];

		if (s->ref.port == ref->port && s->ref.proto == ref->proto &&
		    addr_equal(&s->ref.vip, &ref->vip))
			return s;
	}
	return NULL;
}

/* ---- the parser ---- */

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
	size_t svc_cap; /* allocated entries of c->services */
	size_t be_cap; /* allocated entries of the backends of the last service */
	int hc_port_line; /* the current service's health.port, else its health key; 0: neither */
	bool iface_mode_given[XLB_CONF_MAX_IFACES]; /* interfaces[i] named its own mode */
};

/* A handler parses the value whose first event is current, and leaves its last event current. */
struct key_def {
	const char *key;
	int (*parse)(struct parser *p, void *obj);
	bool required;
};

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
	put_err(p->err, p->errlen, p->name, line, p->path, fmt, ap);
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
	char buf[ECHO_MAX + 4];
	/* An empty key would vanish from the path: show it as "". */
	int w = snprintf(p->path + p->plen, sizeof(p->path) - p->plen, "%s%s", p->plen ? "." : "",
			 len ? echo(buf, key, len) : "\"\"");

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
	int line;

	if (y->error == YAML_MEMORY_ERROR)
		return no_memory(p);
	if (y->error == YAML_READER_ERROR) {
		size_t end = y->problem_offset < p->len ? y->problem_offset : p->len;

		line = 1;
		for (size_t i = 0; i < end; i++)
			line += p->text[i] == '\n';
		path_set(p, 0);
		if (y->problem_value != -1)
			return perr(p, line, "not UTF-8 text: %s (0x%x at byte %zu)",
				    y->problem ? y->problem : "unreadable",
				    (unsigned)y->problem_value, y->problem_offset);
		return perr(p, line, "not UTF-8 text: %s (at byte %zu)",
			    y->problem ? y->problem : "unreadable", y->problem_offset);
	}
	line = (int)y->problem_mark.line + 1;
	path_set(p, 0);
	if (y->context)
		return perr(p, line, "YAML syntax error: %s (%s at line %d)",
			    y->problem ? y->problem : "unknown", y->context,
			    (int)y->context_mark.line + 1);
	return perr(p, line, "YAML syntax error: %s", y->problem ? y->problem : "unknown");
}

/* Move to the next event. Anchors, aliases and tags are refused here, wherever they are. */
static int next_event(struct parser *p)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;

	if (p->have_ev) {
		yaml_event_delete(&p->ev);
		p->have_ev = false;
	}
	if (!yaml_parser_parse(&p->yp, &p->ev))
		return yaml_failure(p);
	p->have_ev = true;
	switch (p->ev.type) {
	case YAML_ALIAS_EVENT:
		return perr(p, ev_line(p), "anchors and aliases are not supported");
	case YAML_SCALAR_EVENT:
		anchor = p->ev.data.scalar.anchor;
		tag = p->ev.data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = p->ev.data.sequence_start.anchor;
		tag = p->ev.data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = p->ev.data.mapping_start.anchor;
		tag = p->ev.data.mapping_start.tag;
		break;
	default:
		break;
	}
	if (anchor)
		return perr(p, ev_line(p), "anchors and aliases are not supported");
	if (tag)
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
	switch (p->ev.type) {
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	default:
		return "a scalar";
	}
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
		char buf[ECHO_MAX + 4];

		return perr(p, ev_line(p),
			    "value runs on to the next line (a missing ']' or '}'?): %s",
			    echo(buf, *s, *len));
	}
	return 0;
}

/* A plain (unquoted) decimal in [min, max], parsed by xlb_parse_u32(): "80x", "-1", "0x10",
 * "1e3" and "080" are errors, not numbers. */
static int get_u32(struct parser *p, __u32 min, __u32 max, __u32 *out)
{
	char buf[ECHO_MAX + 4];
	const char *s;
	size_t len;
	int rc;

	rc = get_scalar(p, "a number", &s, &len);
	if (rc)
		return rc;
	if (p->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return perr(p, ev_line(p), "must be a number without quotes, got \"%s\"",
			    echo(buf, s, len));
	rc = xlb_parse_u32(s, min, max, out);
	if (rc == -ERANGE)
		return perr(p, ev_line(p), "must be %u..%u, got %s", min, max, echo(buf, s, len));
	if (rc)
		return perr(p, ev_line(p), "not a number: %s", echo(buf, s, len));
	return 0;
}

static int get_bool(struct parser *p, bool *out)
{
	char buf[ECHO_MAX + 4];
	const char *s;
	size_t len;
	int rc;

	rc = get_scalar(p, "true or false", &s, &len);
	if (rc)
		return rc;
	if (p->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !strcmp(s, "true"))
		*out = true;
	else if (p->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !strcmp(s, "false"))
		*out = false;
	else
		return perr(p, ev_line(p), "must be true or false, got %s", echo(buf, s, len));
	return 0;
}

static int get_keyword(struct parser *p, const struct keyword *words, int *out)
{
	char buf[ECHO_MAX + 4], list[96];
	const char *s;
	size_t len;
	int rc;

	keyword_list(words, list, sizeof(list));
	rc = get_scalar(p, list, &s, &len);
	if (rc)
		return rc;
	if (keyword_value(words, s, len, out))
		return perr(p, ev_line(p), "must be %s, got %s", list, echo(buf, s, len));
	return 0;
}

/* An IPv4 or IPv6 address; family 0 accepts both. */
static int get_addr(struct parser *p, __u8 family, struct xlb_addr *out)
{
	char buf[ECHO_MAX + 4];
	struct xlb_addr a;
	const char *s;
	size_t len;
	int rc;

	rc = get_scalar(p, "an IP address", &s, &len);
	if (rc)
		return rc;
	if (xlb_addr_parse(s, &a))
		return perr(p, ev_line(p), "not an IP address: %s", echo(buf, s, len));
	if (family && a.family != family)
		return perr(p, ev_line(p), "must be an %s address, got %s",
			    family == XLB_AF_INET ? "IPv4" : "IPv6", echo(buf, s, len));
	*out = a;
	return 0;
}

/* Parse a mapping whose MAPPING_START is current with the handlers of keys[]: every key at
 * most once, unknown keys refused with the list of known ones, required keys checked at the
 * end (reported at the line where the mapping starts). seen[MAX_KEYS] receives the line where
 * each key was given, 0 for absent ones, for rules across the keys. */
static int parse_mapping_seen(struct parser *p, const struct key_def *keys, size_t n, void *obj,
			      int *seen)
{
	size_t base = p->plen;
	int map_line = ev_line(p);
	int rc;

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
		rc = keys[i].parse(p, obj);
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
	return 0;
}

static int parse_mapping(struct parser *p, const struct key_def *keys, size_t n, void *obj)
{
	int seen[MAX_KEYS];

	return parse_mapping_seen(p, keys, n, obj, seen);
}

/* Parse a sequence whose SEQUENCE_START is current, elem() once per element. */
static int parse_sequence(struct parser *p, int (*elem)(struct parser *p, void *obj, size_t i),
			  void *obj)
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
		rc = elem(p, obj, i);
		if (rc)
			return rc;
		path_set(p, base);
	}
	path_set(p, base);
	return 0;
}

/* Grow an array so that entry n exists; *cap counts allocated entries. */
static int grow(struct parser *p, void **arr, size_t *cap, size_t n, size_t size)
{
	size_t want;
	void *a;

	if (n < *cap)
		return 0;
	want = *cap ? *cap * 2 : 4;
	a = realloc(*arr, want * size);
	if (!a)
		return no_memory(p);
	*arr = a;
	*cap = want;
	return 0;
}

/* -- backends -- */

static int be_address(struct parser *p, void *obj)
{
	return get_addr(p, 0, &((struct xlb_conf_backend *)obj)->addr);
}

static int be_weight(struct parser *p, void *obj)
{
	return get_u32(p, 0, MAX_WEIGHT, &((struct xlb_conf_backend *)obj)->weight);
}

static int be_state(struct parser *p, void *obj)
{
	int v, rc = get_keyword(p, state_words, &v);

	if (!rc)
		((struct xlb_conf_backend *)obj)->admin = (enum xlb_admin_state)v;
	return rc;
}

static int be_health(struct parser *p, void *obj);

static const struct key_def backend_keys[] = {
	{ "address", be_address, true },
	{ "weight", be_weight, false },
	{ "state", be_state, false },
	{ "health", be_health, false },
};

static int backend_elem(struct parser *p, void *obj, size_t i)
{
	struct xlb_conf_service *s = obj;
	struct xlb_conf_backend *b;
	int rc;

	(void)i;
	rc = grow(p, (void **)&s->backends, &p->be_cap, s->n_backends, sizeof(*s->backends));
	if (rc)
		return rc;
	b = &s->backends[s->n_backends++];
	backend_init(b);
	b->line = ev_line(p);
	return parse_mapping(p, backend_keys, sizeof(backend_keys) / sizeof(backend_keys[0]), b);
}

/* -- health checks -- */

/* A duration in milliseconds, plain or quoted. */
static int get_duration_ms(struct parser *p, __u32 min, __u32 max, __u32 *out)
{
	char buf[ECHO_MAX + 4], lo[16], hi[16];
	const char *v;
	size_t len;
	int rc;

	rc = get_scalar(p, "a duration", &v, &len);
	if (rc)
		return rc;
	rc = xlb_parse_duration_ms(v, min, max, out);
	if (rc == -ERANGE)
		return perr(p, ev_line(p), "must be %s..%s, got %s", ms_str(lo, sizeof(lo), min),
			    ms_str(hi, sizeof(hi), max), echo(buf, v, len));
	if (rc)
		return perr(p, ev_line(p), "not a duration (like 500ms, 2s, 1m or 1h): %s",
			    echo(buf, v, len));
	return 0;
}

/* A string checked by problem() into dst (XLB_CONF_HC_TEXT bytes). */
static int get_hc_text(struct parser *p, const char *want,
		       const char *(*problem)(const char *s, size_t len), char *dst)
{
	char buf[ECHO_MAX + 4];
	const char *v, *why;
	size_t len;
	int rc;

	rc = get_scalar(p, want, &v, &len);
	if (rc)
		return rc;
	why = problem(v, len);
	if (why)
		return perr(p, ev_line(p), "%s: %s", why, echo(buf, v, len));
	memcpy(dst, v, len);
	dst[len] = '\0';
	return 0;
}

static int hc_type(struct parser *p, void *obj)
{
	int v, rc = get_keyword(p, hc_type_words, &v);

	if (!rc)
		((struct xlb_conf_health *)obj)->type = (enum xlb_hc_type)v;
	return rc;
}

static int hc_port(struct parser *p, void *obj)
{
	__u32 v;
	int rc = get_u32(p, 0, 65535, &v);

	if (!rc)
		((struct xlb_conf_health *)obj)->port = (__u16)v;
	return rc;
}

static int hc_interval(struct parser *p, void *obj)
{
	return get_duration_ms(p, HC_MIN_INTERVAL, HC_MAX_INTERVAL,
			       &((struct xlb_conf_health *)obj)->interval_ms);
}

static int hc_timeout(struct parser *p, void *obj)
{
	/* At most the interval: checked once the whole mapping is read. */
	return get_duration_ms(p, HC_MIN_TIMEOUT, HC_MAX_INTERVAL,
			       &((struct xlb_conf_health *)obj)->timeout_ms);
}

static int hc_rise(struct parser *p, void *obj)
{
	return get_u32(p, 1, HC_MAX_RISE_FALL, &((struct xlb_conf_health *)obj)->rise);
}

static int hc_fall(struct parser *p, void *obj)
{
	return get_u32(p, 1, HC_MAX_RISE_FALL, &((struct xlb_conf_health *)obj)->fall);
}

static int hc_jitter(struct parser *p, void *obj)
{
	return get_u32(p, 0, HC_MAX_JITTER, &((struct xlb_conf_health *)obj)->jitter_pct);
}

static int hc_initial(struct parser *p, void *obj)
{
	int v, rc = get_keyword(p, initial_words, &v);

	if (!rc)
		((struct xlb_conf_health *)obj)->initial_up = v;
	return rc;
}

static int hc_path(struct parser *p, void *obj)
{
	return get_hc_text(p, "a path", hc_path_problem, ((struct xlb_conf_health *)obj)->path);
}

static int hc_host(struct parser *p, void *obj)
{
	return get_hc_text(p, "a host name", hc_host_problem,
			   ((struct xlb_conf_health *)obj)->host);
}

static int hc_body(struct parser *p, void *obj)
{
	return get_hc_text(p, "a string", hc_text_problem, ((struct xlb_conf_health *)obj)->body);
}

static int hc_expect(struct parser *p, void *obj)
{
	struct xlb_conf_health *h = obj;
	char buf[ECHO_MAX + 4];
	const char *v, *why;
	__u32 lo, hi;
	size_t len;
	int rc;

	rc = get_scalar(p, "a status or a range", &v, &len);
	if (rc)
		return rc;
	if (hc_expect_parse(v, len, &lo, &hi))
		return perr(p, ev_line(p),
			    "must be a status like 200 or a range like 200-399, got %s",
			    echo(buf, v, len));
	why = hc_expect_problem(lo, hi);
	if (why)
		return perr(p, ev_line(p), "%s, got %s", why, echo(buf, v, len));
	h->expect_min = lo;
	h->expect_max = hi;
	return 0;
}

static int hc_insecure(struct parser *p, void *obj)
{
	return get_bool(p, &((struct xlb_conf_health *)obj)->insecure);
}

static int hc_payload(struct parser *p, void *obj)
{
	return get_hc_text(p, "a string", hc_text_problem,
			   ((struct xlb_conf_health *)obj)->payload);
}

static int hc_expect_payload(struct parser *p, void *obj)
{
	return get_hc_text(p, "a string", hc_text_problem,
			   ((struct xlb_conf_health *)obj)->expect_payload);
}

enum { HK_TYPE, HK_PORT, HK_INTERVAL, HK_TIMEOUT }; /* indexes into health_keys[] */

static const struct key_def health_keys[] = {
	{ "type", hc_type, false },
	{ "port", hc_port, false },
	{ "interval", hc_interval, false },
	{ "timeout", hc_timeout, false },
	{ "rise", hc_rise, false },
	{ "fall", hc_fall, false },
	{ "jitter", hc_jitter, false },
	{ "initial", hc_initial, false },
	{ "path", hc_path, false },
	{ "host", hc_host, false },
	{ "body", hc_body, false },
	{ "expect", hc_expect, false },
	{ "insecure", hc_insecure, false },
	{ "payload", hc_payload, false },
	{ "expect_payload", hc_expect_payload, false },
};

/* The types each key of health_keys[] applies to; any other type refuses it. */
static const unsigned health_key_types[] = {
	HC_ANY,	    HC_CHECKED, HC_CHECKED,	      HC_CHECKED, HC_CHECKED,
	HC_CHECKED, HC_CHECKED, HC_CHECKED,	      HC_WEB,	  HC_WEB,
	HC_WEB,	    HC_WEB,	HC_BIT(XLB_HC_HTTPS), HC_PAYLOAD, HC_PAYLOAD,
};

#define N_HEALTH_KEYS (sizeof(health_keys) / sizeof(health_keys[0]))
_Static_assert(N_HEALTH_KEYS <= MAX_KEYS, "MAX_KEYS too small");
_Static_assert(sizeof(health_key_types) / sizeof(health_key_types[0]) == N_HEALTH_KEYS, "one type "
											"mask per "
											"health "
											"key");

static int svc_health(struct parser *p, void *obj)
{
	struct xlb_conf_health *h = &((struct xlb_conf_service *)obj)->health;
	const char *type;
	char list[64], lo[16], hi[16];
	int seen[MAX_KEYS], line = ev_line(p), bad = -1, rc;

	rc = parse_mapping_seen(p, health_keys, N_HEALTH_KEYS, h, seen);
	if (rc)
		return rc;
	type = keyword_name(hc_type_words, (int)h->type);
	/* A key for another type, the first in the file: the type may come after it. */
	for (size_t i = 0; i < N_HEALTH_KEYS; i++)
		if (seen[i] && !(health_key_types[i] & HC_BIT(h->type)) &&
		    (bad < 0 || seen[i] < seen[bad]))
			bad = (int)i;
	if (bad >= 0) {
		hc_type_list(health_key_types[bad], list, sizeof(list));
		path_key(p, health_keys[bad].key, strlen(health_keys[bad].key));
		return perr(p, seen[bad], "only for %s, not %s", list, type);
	}
	if (h->timeout_ms > h->interval_ms) {
		/* Name the later of the two given; one of them was, the defaults fit. */
		int k = seen[HK_TIMEOUT] >= seen[HK_INTERVAL] ? HK_TIMEOUT : HK_INTERVAL;

		path_key(p, health_keys[k].key, strlen(health_keys[k].key));
		return perr(p, seen[k], "timeout %s must be <= interval %s",
			    ms_str(lo, sizeof(lo), h->timeout_ms),
			    ms_str(hi, sizeof(hi), h->interval_ms));
	}
	/* The service's port may come later: service_elem() checks a port-0 service. */
	p->hc_port_line = seen[HK_PORT] ? seen[HK_PORT] : line;
	return 0;
}

/* -- per-backend overrides (backends[].health): the cross checks wait for the whole service,
 * in service_elem(), because its health may come after its backends. -- */

static int ho_number(struct parser *p, void *obj, size_t i)
{
	__u32 *dst = (__u32 *)((char *)obj + override_fields[i].off);

	if (override_fields[i].kind == HO_DURATION)
		return get_duration_ms(p, override_fields[i].min, override_fields[i].max, dst);
	if (override_fields[i].kind == HO_INITIAL) {
		int v, rc = get_keyword(p, initial_words, &v);

		if (!rc)
			*dst = (__u32)v;
		return rc;
	}
	return get_u32(p, override_fields[i].min, override_fields[i].max, dst);
}

static int ho_port(struct parser *p, void *obj)
{
	return ho_number(p, obj, 0);
}

static int ho_interval(struct parser *p, void *obj)
{
	return ho_number(p, obj, 1);
}

static int ho_timeout(struct parser *p, void *obj)
{
	return ho_number(p, obj, 2);
}

static int ho_rise(struct parser *p, void *obj)
{
	return ho_number(p, obj, 3);
}

static int ho_fall(struct parser *p, void *obj)
{
	return ho_number(p, obj, 4);
}

static int ho_jitter(struct parser *p, void *obj)
{
	return ho_number(p, obj, 5);
}

static int ho_initial(struct parser *p, void *obj)
{
	return ho_number(p, obj, 6);
}

/* In the order of override_fields[]: key i sets bit i. */
static const struct key_def override_keys[] = {
	{ "port", ho_port, false },	  { "interval", ho_interval, false },
	{ "timeout", ho_timeout, false }, { "rise", ho_rise, false },
	{ "fall", ho_fall, false },	  { "jitter", ho_jitter, false },
	{ "initial", ho_initial, false },
};
_Static_assert(sizeof(override_keys) / sizeof(override_keys[0]) == N_OVERRIDES, "one key per "
										"override field");

static int be_health(struct parser *p, void *obj)
{
	struct xlb_conf_hc_override *o = &((struct xlb_conf_backend *)obj)->health;
	int seen[MAX_KEYS], rc;

	o->line = ev_line(p);
	rc = parse_mapping_seen(p, override_keys, N_OVERRIDES, o, seen);
	if (rc)
		return rc;
	for (size_t i = 0; i < N_OVERRIDES; i++)
		if (seen[i])
			o->set |= 1U << i;
	if (!o->set)
		return perr(p, o->line,
			    "is empty (give one of port, interval, timeout, rise, "
			    "fall, jitter, initial, or leave it out)");
	return 0;
}

static int svc_min_healthy(struct parser *p, void *obj)
{
	return get_u32(p, 0, MAX_MIN_HEALTHY, &((struct xlb_conf_service *)obj)->min_healthy);
}

/* -- services -- */

static int svc_name(struct parser *p, void *obj)
{
	struct xlb_conf_service *s = obj;
	char buf[ECHO_MAX + 4];
	const char *v, *why;
	size_t len;
	int rc;

	rc = get_scalar(p, "a name", &v, &len);
	if (rc)
		return rc;
	why = xlb_conf_name_problem(v, len);
	if (why)
		return perr(p, ev_line(p), "not a valid service name (%s): %s", why,
			    echo(buf, v, len));
	memcpy(s->name, v, len);
	s->name[len] = '\0';
	return 0;
}

static int svc_vip(struct parser *p, void *obj)
{
	return get_addr(p, 0, &((struct xlb_conf_service *)obj)->ref.vip);
}

static int svc_port(struct parser *p, void *obj)
{
	__u32 v;
	int rc = get_u32(p, 0, 65535, &v);

	if (!rc)
		((struct xlb_conf_service *)obj)->ref.port = (__u16)v;
	return rc;
}

static int svc_proto(struct parser *p, void *obj)
{
	int v, rc = get_keyword(p, proto_words, &v);

	if (!rc)
		((struct xlb_conf_service *)obj)->ref.proto = (__u8)v;
	return rc;
}

static int svc_table_size(struct parser *p, void *obj)
{
	/* The range here, primality in xlb_conf_validate() with a suggestion. */
	return get_u32(p, XLB_MIN_TABLE_SIZE, XLB_MAX_TABLE_SIZE,
		       &((struct xlb_conf_service *)obj)->table_size);
}

static int svc_icmp_echo(struct parser *p, void *obj)
{
	return get_bool(p, &((struct xlb_conf_service *)obj)->icmp_echo);
}

static int svc_announce(struct parser *p, void *obj)
{
	return get_bool(p, &((struct xlb_conf_service *)obj)->announce);
}

static int svc_backends(struct parser *p, void *obj)
{
	return parse_sequence(p, backend_elem, obj);
}

static const struct key_def service_keys[] = {
	{ "name", svc_name, false },
	{ "vip", svc_vip, true },
	{ "port", svc_port, true },
	{ "proto", svc_proto, true },
	{ "table_size", svc_table_size, false },
	{ "icmp_echo", svc_icmp_echo, false },
	{ "min_healthy", svc_min_healthy, false },
	{ "announce", svc_announce, false },
	{ "health", svc_health, false },
	{ "backends", svc_backends, false },
};

enum { SK_PORT = 2 }; /* index of "port" in service_keys[] */

static int service_elem(struct parser *p, void *obj, size_t i)
{
	struct xlb_conf *c = obj;
	struct xlb_conf_service *s;
	int seen[MAX_KEYS], rc;

	(void)i;
	rc = grow(p, (void **)&c->services, &p->svc_cap, c->n_services, sizeof(*c->services));
	if (rc)
		return rc;
	s = &c->services[c->n_services++];
	service_init(s);
	s->line = ev_line(p);
	p->be_cap = 0;
	p->hc_port_line = 0;
	rc = parse_mapping_seen(p, service_keys, sizeof(service_keys) / sizeof(service_keys[0]), s,
				seen);
	if (rc)
		return rc;
	if (!s->ref.port && s->health.type != XLB_HC_NONE && !s->health.port) {
		path_key(p, "health.port", strlen("health.port"));
		return perr(p, seen[SK_PORT] > p->hc_port_line ? seen[SK_PORT] : p->hc_port_line,
			    "a service on every port (port 0) needs a non-zero health port for its "
			    "%s check",
			    keyword_name(hc_type_words, (int)s->health.type));
	}
	for (size_t j = 0; j < s->n_backends; j++) {
		const struct xlb_conf_backend *b = &s->backends[j];
		const char *key = "", *why;
		char buf[96], sub[64];

		why = override_problem(s, b, &key, buf, sizeof(buf));
		if (!why)
			continue;
		snprintf(sub, sizeof(sub), "backends[%zu].health.%s", j, key);
		path_key(p, sub, strlen(sub));
		return perr(p, b->health.line, "%s", why);
	}
	return 0;
}

/* -- the top level -- */

/* An interface name as the parser reads it, into name (XLB_CONF_IFNAMSIZ bytes). */
static int get_iface_name(struct parser *p, char *name)
{
	char buf[ECHO_MAX + 4];
	const char *v, *why;
	size_t len;
	int rc;

	rc = get_scalar(p, "an interface name", &v, &len);
	if (rc)
		return rc;
	why = xlb_conf_iface_problem(v, len);
	if (why)
		return perr(p, ev_line(p), "not a valid interface name (%s): %s", why,
			    echo(buf, v, len));
	memcpy(name, v, len + 1);
	return 0;
}

static int if_name(struct parser *p, void *obj)
{
	return get_iface_name(p, ((struct xlb_conf_iface *)obj)->name);
}

static int if_mode(struct parser *p, void *obj)
{
	int v, rc = get_keyword(p, xdp_mode_words, &v);

	if (!rc)
		((struct xlb_conf_iface *)obj)->mode = (enum xlb_xdp_mode)v;
	return rc;
}

enum { IK_MODE = 1 }; /* index of "mode" in iface_keys[] */

static const struct key_def iface_keys[] = {
	{ "name", if_name, true },
	{ "mode", if_mode, false },
};

/* "eth0", or "{ name: eth0, mode: generic }"; an entry without a mode takes xdp_mode once the
 * whole file is read (parse_stream()), wherever xdp_mode is. */
static int iface_elem(struct parser *p, void *obj, size_t i)
{
	struct xlb_conf *c = obj;
	struct xlb_conf_iface *f;
	int seen[MAX_KEYS], rc;

	if (i >= XLB_CONF_MAX_IFACES)
		return perr(p, ev_line(p), "too many interfaces (max %d)", XLB_CONF_MAX_IFACES);
	f = &c->ifaces[c->n_ifaces];
	memset(f, 0, sizeof(*f));
	f->line = ev_line(p);
	p->iface_mode_given[i] = false;
	if (p->ev.type == YAML_MAPPING_START_EVENT) {
		rc = parse_mapping_seen(p, iface_keys, sizeof(iface_keys) / sizeof(iface_keys[0]),
					f, seen);
		p->iface_mode_given[i] = seen[IK_MODE] != 0;
	} else if (p->ev.type == YAML_SCALAR_EVENT) {
		rc = get_iface_name(p, f->name);
	} else {
		rc = type_error(p, "an interface name or { name: NAME, mode: MODE }");
	}
	if (rc)
		return rc;
	for (size_t j = 0; j < c->n_ifaces; j++)
		if (!strcmp(c->ifaces[j].name, f->name))
			return perr(p, f->line, "%s is listed twice (also interfaces[%zu])",
				    f->name, j);
	c->n_ifaces++;
	return 0;
}

static int top_interfaces(struct parser *p, void *obj)
{
	struct xlb_conf *c = obj;
	int line = ev_line(p), rc;

	rc = parse_sequence(p, iface_elem, c);
	if (!rc && !c->n_ifaces)
		rc = perr(p, line, "at least one interface is required");
	return rc;
}

static int top_xdp_mode(struct parser *p, void *obj)
{
	int v, rc = get_keyword(p, xdp_mode_words, &v);

	if (!rc)
		((struct xlb_conf *)obj)->xdp_mode = (enum xlb_xdp_mode)v;
	return rc;
}

static int top_tunnel_source(struct parser *p, void *obj)
{
	return get_addr(p, XLB_AF_INET, &((struct xlb_conf *)obj)->tunnel_source);
}

static int top_tunnel_source_v6(struct parser *p, void *obj)
{
	return get_addr(p, XLB_AF_INET6, &((struct xlb_conf *)obj)->tunnel_source_v6);
}

static int top_rss_bits(struct parser *p, void *obj)
{
	__u32 v;
	int rc = get_u32(p, 0, 16, &v);

	if (!rc)
		((struct xlb_conf *)obj)->rss_bits = (__u8)v;
	return rc;
}

static int top_rss_bits_v6(struct parser *p, void *obj)
{
	__u32 v;
	int rc = get_u32(p, 0, 32, &v);

	if (!rc)
		((struct xlb_conf *)obj)->rss_bits_v6 = (__u8)v;
	return rc;
}

static int top_gateway(struct parser *p, void *obj)
{
	struct xlb_conf *c = obj;
	char buf[ECHO_MAX + 4];
	const char *v, *why;
	__u8 mac[6];
	size_t len;
	int rc;

	rc = get_scalar(p, "auto or a MAC address", &v, &len);
	if (rc)
		return rc;
	if (!strcmp(v, "auto")) {
		c->gateway_auto = true;
		memset(c->gateway_mac, 0, sizeof(c->gateway_mac));
		return 0;
	}
	if (xlb_parse_mac(v, mac))
		return perr(p, ev_line(p),
			    "must be auto or a MAC address like aa:bb:cc:dd:ee:ff, got %s",
			    echo(buf, v, len));
	why = mac_problem(mac);
	if (why)
		return perr(p, ev_line(p), "%s", why);
	c->gateway_auto = false;
	memcpy(c->gateway_mac, mac, sizeof(mac));
	return 0;
}

static int top_hash_seed(struct parser *p, void *obj)
{
	struct xlb_conf *c = obj;
	char buf[ECHO_MAX + 4];
	const char *v;
	size_t len;
	__u32 seed;
	int rc;

	rc = get_scalar(p, "auto or a number", &v, &len);
	if (rc)
		return rc;
	if (!strcmp(v, "auto")) {
		c->hash_seed_auto = true;
		c->hash_seed = 0;
		return 0;
	}
	if (p->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    xlb_parse_u32(v, 0, UINT32_MAX, &seed))
		return perr(p, ev_line(p), "must be auto or a number 0..4294967295, got %s",
			    echo(buf, v, len));
	c->hash_seed_auto = false;
	c->hash_seed = seed;
	return 0;
}

static int top_mtu(struct parser *p, void *obj)
{
	return get_u32(p, MIN_MTU, MAX_MTU, &((struct xlb_conf *)obj)->mtu);
}

static int ct_size(struct parser *p, void *obj)
{
	return get_u32(p, MIN_CONNTRACK, MAX_CONNTRACK, &((struct xlb_conf *)obj)->conntrack_size);
}

static int ct_udp_idle_timeout(struct parser *p, void *obj)
{
	char buf[ECHO_MAX + 4];
	const char *v;
	size_t len;
	int rc;

	rc = get_scalar(p, "a duration", &v, &len);
	if (rc)
		return rc;
	rc = xlb_parse_duration_s(v, 0, MAX_UDP_IDLE, &((struct xlb_conf *)obj)->udp_idle_timeout);
	if (rc == -ERANGE)
		return perr(p, ev_line(p), "must be 0..%u seconds, got %s", MAX_UDP_IDLE,
			    echo(buf, v, len));
	if (rc)
		return perr(p, ev_line(p),
			    "not a duration in whole seconds (like 30s, 2m, 1h or 2000ms): %s",
			    echo(buf, v, len));
	return 0;
}

static int ct_new_flow_rate(struct parser *p, void *obj)
{
	return get_u32(p, 0, MAX_NEW_FLOW_RATE, &((struct xlb_conf *)obj)->new_flow_rate);
}

static int ct_new_flow_burst(struct parser *p, void *obj)
{
	return get_u32(p, 0, MAX_NEW_FLOW_BURST, &((struct xlb_conf *)obj)->new_flow_burst);
}

static const struct key_def conntrack_keys[] = {
	{ "size", ct_size, false },
	{ "udp_idle_timeout", ct_udp_idle_timeout, false },
	{ "new_flow_rate", ct_new_flow_rate, false },
	{ "new_flow_burst", ct_new_flow_burst, false },
};

static int top_conntrack(struct parser *p, void *obj)
{
	return parse_mapping(p, conntrack_keys, sizeof(conntrack_keys) / sizeof(conntrack_keys[0]),
			     obj);
}

static int top_state_dir(struct parser *p, void *obj)
{
	struct xlb_conf *c = obj;
	char buf[ECHO_MAX + 4];
	const char *v, *why;
	size_t len;
	int rc;

	rc = get_scalar(p, "a path", &v, &len);
	if (rc)
		return rc;
	why = state_dir_problem(v, len);
	if (why)
		return perr(p, ev_line(p), "%s: %s", why, echo(buf, v, len));
	memcpy(c->state_dir, v, len + 1);
	return 0;
}

static int metrics_listen(struct parser *p, void *obj)
{
	struct xlb_conf_metrics *m = &((struct xlb_conf *)obj)->metrics;
	char buf[ECHO_MAX + 4], tmp[64];
	const char *v;
	size_t len;
	int rc;

	rc = get_scalar(p, "off or ADDR:PORT", &v, &len);
	if (rc)
		return rc;
	if (!strcmp(v, "off")) {
		m->enabled = false;
		return 0;
	}
	if (len >= sizeof(tmp) || xlb_endpoint_parse(v, &m->addr, &m->port))
		return perr(p, ev_line(p),
			    "must be off or ADDR:PORT (like 127.0.0.1:9477 or [::1]:9477, port "
			    "1..65535), got %s",
			    echo(buf, v, len));
	m->enabled = true;
	return 0;
}

static const struct key_def metrics_keys[] = {
	{ "listen", metrics_listen, false },
};

static int top_metrics(struct parser *p, void *obj)
{
	return parse_mapping(p, metrics_keys, sizeof(metrics_keys) / sizeof(metrics_keys[0]), obj);
}

/* What is wrong with routing table number t for announce.table, or NULL. */
static const char *announce_table_problem(__u32 t)
{
	if (t == 0)
		return "must be off or a table number 1..4294967295";
	if (t >= 253 && t <= 255)
		return "253, 254 and 255 are the kernel's default, main and local tables: use a "
		       "dedicated one (like 100)";
	return NULL;
}

static int announce_table(struct parser *p, void *obj)
{
	struct xlb_conf_announce *a = &((struct xlb_conf *)obj)->announce;
	char buf[ECHO_MAX + 4];
	const char *v, *why;
	size_t len;
	__u32 t;
	int rc;

	rc = get_scalar(p, "off or a table number", &v, &len);
	if (rc)
		return rc;
	if (!strcmp(v, "off")) {
		a->table = 0;
		return 0;
	}
	if (p->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    xlb_parse_u32(v, 0, 0xffffffffU, &t))
		return perr(p, ev_line(p), "must be off or a table number 1..4294967295, got %s",
			    echo(buf, v, len));
	why = announce_table_problem(t);
	if (why)
		return perr(p, ev_line(p), "%s, got %s", why, echo(buf, v, len));
	a->table = t;
	return 0;
}

static const struct key_def announce_keys[] = {
	{ "table", announce_table, true },
};

static int top_announce(struct parser *p, void *obj)
{
	return parse_mapping(p, announce_keys, sizeof(announce_keys) / sizeof(announce_keys[0]),
			     obj);
}

static int top_services(struct parser *p, void *obj)
{
	return parse_sequence(p, service_elem, obj);
}

static const struct key_def top_keys[] = {
	{ "interfaces", top_interfaces, true },
	{ "xdp_mode", top_xdp_mode, false },
	{ "tunnel_source", top_tunnel_source, false },
	{ "tunnel_source_v6", top_tunnel_source_v6, false },
	{ "rss_bits", top_rss_bits, false },
	{ "rss_bits_v6", top_rss_bits_v6, false },
	{ "gateway", top_gateway, false },
	{ "hash_seed", top_hash_seed, false },
	{ "mtu", top_mtu, false },
	{ "conntrack", top_conntrack, false },
	{ "state_dir", top_state_dir, false },
	{ "metrics", top_metrics, false },
	{ "announce", top_announce, false },
	{ "services", top_services, true },
};

_Static_assert(sizeof(top_keys) / sizeof(top_keys[0]) <= MAX_KEYS, "MAX_KEYS too small");

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
	rc = parse_mapping(p, top_keys, sizeof(top_keys) / sizeof(top_keys[0]), c);
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

int xlb_conf_load(const char *path, struct xlb_conf *c, char *err, size_t errlen)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto err_report;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap >= CONF_FILE_MAX) {
				rc = -EFBIG;
				goto err_close;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				rc = -ENOMEM;
				goto err_close;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto err_close;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	rc = xlb_conf_parse(buf, len, path, c, err, errlen);
	free(buf);
	return rc;

err_close:
	close(fd);
	free(buf);
err_report:
	if (err && errlen) {
		if (rc == -EFBIG)
			snprintf(err, errlen, "%s: file too large (max %u MiB)", path,
				 CONF_FILE_MAX >> 20);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	}
	return rc;
}

/* ---- validation ---- */

struct vctx {
	const char *name;
	char *err;
	size_t errlen;
};

static int vfail(const struct vctx *v, int line, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int vfail(const struct vctx *v, int line, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	put_err(v->err, v->errlen, v->name, line, key, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "at line 12" when the element came from a file, else its key path "services[3]". */
static void where(char *buf, size_t len, int line, const char *what, size_t index)
{
	if (line > 0)
		snprintf(buf, len, "at line %d", line);
	else
		snprintf(buf, len, "%s[%zu]", what, index);
}

static int addr_cmp(const struct xlb_addr *a, const struct xlb_addr *b)
{
	size_t words = a->family == XLB_AF_INET ? 1 : 4;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->addr, b->addr, words * sizeof(a->addr[0]));
}

/* Sort keys for the duplicate checks: equal elements end up adjacent and in array order (the
 * pointers are into one array), so the first of a run is the original, the rest duplicates. */
static int ptr_order(const void *a, const void *b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

static int svc_ref_cmp(const void *x, const void *y)
{
	const struct xlb_conf_service *a = *(const struct xlb_conf_service *const *)x;
	const struct xlb_conf_service *b = *(const struct xlb_conf_service *const *)y;
	int r = addr_cmp(&a->ref.vip, &b->ref.vip);

	if (!r)
		r = (int)a->ref.port - (int)b->ref.port;
	if (!r)
		r = (int)a->ref.proto - (int)b->ref.proto;
	return r ? r : ptr_order(a, b);
}

static int svc_name_cmp(const void *x, const void *y)
{
	const struct xlb_conf_service *a = *(const struct xlb_conf_service *const *)x;
	const struct xlb_conf_service *b = *(const struct xlb_conf_service *const *)y;
	int r = strcmp(a->name, b->name);

	return r ? r : ptr_order(a, b);
}

static int backend_cmp(const void *x, const void *y)
{
	const struct xlb_conf_backend *a = *(const struct xlb_conf_backend *const *)x;
	const struct xlb_conf_backend *b = *(const struct xlb_conf_backend *const *)y;
	int r = addr_cmp(&a->addr, &b->addr);

	return r ? r : ptr_order(a, b);
}

/* Among the n sorted pointers, the duplicate that comes first in the array (*dup) and the
 * element it repeats (*orig). same() compares keys only. Returns false when all are unique. */
static bool first_dup(const void **sorted, size_t n, bool (*same)(const void *, const void *),
		      const void **dup, const void **orig)
{
	const void *run = NULL;

	*dup = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!run || !same(run, sorted[i])) {
			run = sorted[i];
			continue;
		}
		if (!*dup || (const char *)sorted[i] < (const char *)*dup) {
			*dup = sorted[i];
			*orig = run;
		}
	}
	return *dup != NULL;
}

static bool same_ref(const void *x, const void *y)
{
	const struct xlb_conf_service *a = x, *b = y;

	return !addr_cmp(&a->ref.vip, &b->ref.vip) && a->ref.port == b->ref.port &&
	       a->ref.proto == b->ref.proto;
}

static bool same_name(const void *x, const void *y)
{
	return !strcmp(((const struct xlb_conf_service *)x)->name,
		       ((const struct xlb_conf_service *)y)->name);
}

static bool same_backend(const void *x, const void *y)
{
	return !addr_cmp(&((const struct xlb_conf_backend *)x)->addr,
			 &((const struct xlb_conf_backend *)y)->addr);
}

/* The fields on their own, as the parser checks them, for models built by hand. */
static int validate_globals(const struct vctx *v, const struct xlb_conf *c)
{
	char key[48];
	const char *why;

	if (c->announce.table && announce_table_problem(c->announce.table))
		return vfail(v, 0, "announce.table", "%s, got %u",
			     announce_table_problem(c->announce.table), c->announce.table);
	if (!c->n_ifaces)
		return vfail(v, 0, "interfaces", "at least one interface is required");
	if (c->n_ifaces > XLB_CONF_MAX_IFACES)
		return vfail(v, 0, "interfaces", "too many interfaces: %zu (max %d)", c->n_ifaces,
			     XLB_CONF_MAX_IFACES);
	for (size_t i = 0; i < c->n_ifaces; i++) {
		const struct xlb_conf_iface *f = &c->ifaces[i];

		snprintf(key, sizeof(key), "interfaces[%zu]", i);
		why = xlb_conf_iface_problem(f->name, strnlen(f->name, XLB_CONF_IFNAMSIZ));
		if (why)
			return vfail(v, f->line, key, "not a valid interface name (%s)", why);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(c->ifaces[j].name, f->name))
				return vfail(v, f->line, key,
					     "%s is listed twice (also interfaces[%zu])", f->name,
					     j);
		snprintf(key, sizeof(key), "interfaces[%zu].mode", i);
		if (!keyword_name(xdp_mode_words, (int)f->mode))
			return vfail(v, f->line, key, "must be native, generic or auto");
	}
	if (!keyword_name(xdp_mode_words, (int)c->xdp_mode))
		return vfail(v, 0, "xdp_mode", "must be native, generic or auto");
	if (c->tunnel_source.family && c->tunnel_source.family != XLB_AF_INET)
		return vfail(v, 0, "tunnel_source", "must be an IPv4 address");
	if (c->tunnel_source_v6.family && c->tunnel_source_v6.family != XLB_AF_INET6)
		return vfail(v, 0, "tunnel_source_v6", "must be an IPv6 address");
	if (c->rss_bits > 16)
		return vfail(v, 0, "rss_bits", "must be 0..16, got %u", c->rss_bits);
	if (c->rss_bits_v6 > 32)
		return vfail(v, 0, "rss_bits_v6", "must be 0..32, got %u", c->rss_bits_v6);
	if (!c->gateway_auto && (why = mac_problem(c->gateway_mac)))
		return vfail(v, 0, "gateway", "%s", why);
	if (c->mtu < MIN_MTU || c->mtu > MAX_MTU)
		return vfail(v, 0, "mtu", "must be %u..%u, got %u", MIN_MTU, MAX_MTU, c->mtu);
	if (c->conntrack_size < MIN_CONNTRACK || c->conntrack_size > MAX_CONNTRACK)
		return vfail(v, 0, "conntrack.size", "must be %u..%u, got %u", MIN_CONNTRACK,
			     MAX_CONNTRACK, c->conntrack_size);
	if (c->udp_idle_timeout > MAX_UDP_IDLE)
		return vfail(v, 0, "conntrack.udp_idle_timeout", "must be 0..%u seconds, got %u",
			     MAX_UDP_IDLE, c->udp_idle_timeout);
	if (c->new_flow_rate > MAX_NEW_FLOW_RATE)
		return vfail(v, 0, "conntrack.new_flow_rate", "must be 0..%u, got %u",
			     MAX_NEW_FLOW_RATE, c->new_flow_rate);
	if (c->new_flow_burst > MAX_NEW_FLOW_BURST)
		return vfail(v, 0, "conntrack.new_flow_burst", "must be 0..%u, got %u",
			     MAX_NEW_FLOW_BURST, c->new_flow_burst);
	why = state_dir_problem(c->state_dir, strnlen(c->state_dir, XLB_CONF_PATH_MAX));
	if (why)
		return vfail(v, 0, "state_dir", "%s", why);
	if (c->n_services && !c->services)
		return vfail(v, 0, "services", "%zu services but no array", c->n_services);
	return 0;
}

static int validate_backend(const struct vctx *v, const struct xlb_conf *c, size_t i, size_t j)
{
	const struct xlb_conf_backend *b = &c->services[i].backends[j];
	char key[96], a[INET6_ADDRSTRLEN], buf[96];
	const char *why, *hkey = "";

	snprintf(key, sizeof(key), "services[%zu].backends[%zu]", i, j);
	if (b->addr.family != XLB_AF_INET && b->addr.family != XLB_AF_INET6)
		return vfail(v, b->line, key, "address is not IPv4 or IPv6 (family %u)",
			     b->addr.family);
	if (b->weight > MAX_WEIGHT)
		return vfail(v, b->line, key, "weight must be 0..%u, got %u", MAX_WEIGHT,
			     b->weight);
	if (!keyword_name(state_words, (int)b->admin))
		return vfail(v, b->line, key, "state must be enabled, drain or disabled");
	why = override_problem(&c->services[i], b, &hkey, buf, sizeof(buf));
	if (why) {
		snprintf(key, sizeof(key), "services[%zu].backends[%zu].health.%s", i, j, hkey);
		return vfail(v, b->health.line ? b->health.line : b->line, key, "%s", why);
	}
	xlb_addr_format(&b->addr, a, sizeof(a));
	if (b->addr.family == XLB_AF_INET && c->tunnel_source.family != XLB_AF_INET)
		return vfail(v, b->line, key, "backend %s is IPv4 but tunnel_source is not set", a);
	if (b->addr.family == XLB_AF_INET6 && c->tunnel_source_v6.family != XLB_AF_INET6)
		return vfail(v, b->line, key, "backend %s is IPv6 but tunnel_source_v6 is not set",
			     a);
	return 0;
}

/* "services[i].KEY" into key. */
static const char *svc_key(char *key, size_t len, size_t i, const char *k)
{
	snprintf(key, len, "services[%zu].%s", i, k);
	return key;
}

/* The health check's fields, as the parser checks them. With type none the other fields are
 * not used (nor dumped), so they are not checked: a model built with calloc() is valid. */
static int validate_health(const struct vctx *v, const struct xlb_conf_service *s, size_t i)
{
	const struct xlb_conf_health *h = &s->health;
	unsigned bit = HC_BIT(h->type);
	char key[96], lo[16], hi[16];
	const char *why;
	static const struct {
		const char *key;
		size_t off;
		unsigned types;
		const char *(*problem)(const char *s, size_t len);
	} texts[] = {
		{ "path", offsetof(struct xlb_conf_health, path), HC_WEB, hc_path_problem },
		{ "host", offsetof(struct xlb_conf_health, host), HC_WEB, hc_host_problem },
		{ "body", offsetof(struct xlb_conf_health, body), HC_WEB, hc_text_problem },
		{ "payload", offsetof(struct xlb_conf_health, payload), HC_PAYLOAD,
		  hc_text_problem },
		{ "expect_payload", offsetof(struct xlb_conf_health, expect_payload), HC_PAYLOAD,
		  hc_text_problem },
	};

	if (s->min_healthy > MAX_MIN_HEALTHY)
		return vfail(v, s->line, svc_key(key, sizeof(key), i, "min_healthy"),
			     "must be 0..%u, got %u", MAX_MIN_HEALTHY, s->min_healthy);
	if (!keyword_name(hc_type_words, (int)h->type))
		return vfail(v, s->line, svc_key(key, sizeof(key), i, "health.type"),
			     "must be none, tcp, http, https, udp or tunnel, got %u",
			     (unsigned)h->type);
	if (h->type == XLB_HC_NONE)
		return 0;
	if (h->interval_ms < HC_MIN_INTERVAL || h->interval_ms > HC_MAX_INTERVAL)
		return vfail(v, s->line, svc_key(key, sizeof(key), i, "health.interval"),
			     "must be 100ms..1h, got %s", ms_str(lo, sizeof(lo), h->interval_ms));
	if (h->timeout_ms < HC_MIN_TIMEOUT || h->timeout_ms > HC_MAX_INTERVAL)
		return vfail(v, s->line, svc_key(key, sizeof(key), i, "health.timeout"),
			     "must be 50ms..1h, got %s", ms_str(lo, sizeof(lo), h->timeout_ms));
	if (h->timeout_ms > h->interval_ms)
		return vfail(v, s->line, svc_key(key, sizeof(key), i, "health.timeout"),
			     "timeout %s must be <= interval %s",
			     ms_str(lo, sizeof(lo), h->timeout_ms),
			     ms_str(hi, sizeof(hi), h->interval_ms));
	if (h->rise < 1 || h->rise > HC_MAX_RISE_FALL)
		return vfail(v, s->line, svc_key(key, sizeof(key), i, "health.rise"),
			     "must be 1..%u, got %u", HC_MAX_RISE_FALL, h->rise);
	if (h->fall < 1 || h->fall > HC_MAX_RISE_FALL)
		return vfail(v, s->line, svc_key(key, sizeof(key), i, "health.fall"),
			     "must be 1..%u, got %u", HC_MAX_RISE_FALL, h->fall);
	if (h->jitter_pct > HC_MAX_JITTER)
		return vfail(v, s->line, svc_key(key, sizeof(key), i, "health.jitter"),
			     "must be 0..%u, got %u", HC_MAX_JITTER, h->jitter_pct);
	if (!s->ref.port && !h->port)
		return vfail(v, s->line, svc_key(key, sizeof(key), i, "health.port"),
			     "a service on every port (port 0) needs a non-zero health port for "
			     "its "
			     "%s check",
			     keyword_name(hc_type_words, (int)h->type));
	for (size_t k = 0; k < sizeof(texts) / sizeof(texts[0]); k++) {
		const char *t = (const char *)h + texts[k].off;
		char sub[32];

		if (!(bit & texts[k].types))
			continue;
		why = texts[k].problem(t, strnlen(t, XLB_CONF_HC_TEXT));
		snprintf(sub, sizeof(sub), "health.%s", texts[k].key);
		if (why)
			return vfail(v, s->line, svc_key(key, sizeof(key), i, sub), "%s", why);
	}
	if (bit & HC_WEB) {
		why = hc_expect_problem(h->expect_min, h->expect_max);
		if (why)
			return vfail(v, s->line, svc_key(key, sizeof(key), i, "health.expect"),
				     "%s, got %u-%u", why, h->expect_min, h->expect_max);
	}
	return 0;
}

static int validate_service(const struct vctx *v, const struct xlb_conf *c, size_t i)
{
	const struct xlb_conf_service *s = &c->services[i];
	__u64 need = (__u64)s->n_backends * XLB_CONF_MIN_SLOTS_PER_BACKEND;
	char key[64];
	const char *why;
	__u32 m = s->table_size, hint;
	int rc;

	if (s->name[0]) {
		snprintf(key, sizeof(key), "services[%zu].name", i);
		why = xlb_conf_name_problem(s->name, strnlen(s->name, XLB_CONF_NAME_MAX));
		if (why)
			return vfail(v, s->line, key, "not a valid service name (%s)", why);
	}
	snprintf(key, sizeof(key), "services[%zu]", i);
	if (s->ref.vip.family != XLB_AF_INET && s->ref.vip.family != XLB_AF_INET6)
		return vfail(v, s->line, key, "vip is not IPv4 or IPv6 (family %u)",
			     s->ref.vip.family);
	if (!keyword_name(proto_words, s->ref.proto))
		return vfail(v, s->line, key, "proto must be tcp or udp, got %u", s->ref.proto);
	if (s->n_backends && !s->backends)
		return vfail(v, s->line, key, "%zu backends but no array", s->n_backends);

	snprintf(key, sizeof(key), "services[%zu].table_size", i);
	if (m < XLB_MIN_TABLE_SIZE || m > XLB_MAX_TABLE_SIZE)
		return vfail(v, s->line, key, "must be %u..%u, got %u", XLB_MIN_TABLE_SIZE,
			     XLB_MAX_TABLE_SIZE, m);
	if (need > XLB_MAX_TABLE_SIZE)
		return vfail(v, s->line, key,
			     "%zu backends need a table_size >= %llu but the largest is %u: at "
			     "most "
			     "%u backends per service",
			     s->n_backends, (unsigned long long)need, XLB_MAX_TABLE_SIZE,
			     XLB_MAX_TABLE_SIZE / XLB_CONF_MIN_SLOTS_PER_BACKEND);
	if (m < need) {
		hint = next_prime((__u32)need);
		return vfail(v, s->line, key,
			     "table_size %u is too small for %zu backends: use a prime >= %llu, "
			     "e.g. %u",
			     m, s->n_backends, (unsigned long long)need, hint);
	}
	if (!maglev_is_prime(m))
		return vfail(v, s->line, key, "table_size %u is not a prime: use e.g. %u", m,
			     next_prime(m));
	rc = validate_health(v, s, i);
	if (rc)
		return rc;
	/* The probe is answered at the tunnel source of the VIP's family, as a client would be. */
	if (s->health.type == XLB_HC_TUNNEL &&
	    (s->ref.vip.family == XLB_AF_INET6 ? &c->tunnel_source_v6 : &c->tunnel_source)->family !=
		    s->ref.vip.family)
		return vfail(v, s->line, svc_key(key, sizeof(key), i, "health.type"),
			     "a tunnel check of an %s VIP sends from %s, which is not set",
			     s->ref.vip.family == XLB_AF_INET6 ? "IPv6" : "IPv4",
			     s->ref.vip.family == XLB_AF_INET6 ? "tunnel_source_v6"
							       : "tunnel_source");

	for (size_t j = 0; j < s->n_backends; j++) {
		rc = validate_backend(v, c, i, j);
		if (rc)
			return rc;
	}
	return 0;
}

/* Duplicate services, names and backends, and the number of distinct VIPs. */
static int validate_unique(const struct vctx *v, const struct xlb_conf *c)
{
	const void **sorted, *dup, *orig;
	size_t n = c->n_services, most = n, named = 0, vips = 0;
	char key[96], at[96], ref[XLB_SERVICE_STRLEN], a[INET6_ADDRSTRLEN];
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		if (c->services[i].n_backends > most)
			most = c->services[i].n_backends;
	if (!most)
		return 0;
	sorted = malloc(most * sizeof(*sorted));
	if (!sorted) {
		if (v->err && v->errlen)
			snprintf(v->err, v->errlen, "%s: out of memory", v->name);
		return -ENOMEM;
	}

	for (size_t i = 0; i < n; i++)
		sorted[i] = &c->services[i];
	qsort(sorted, n, sizeof(*sorted), svc_ref_cmp);
	for (size_t i = 0; i < n; i++)
		if (!i || addr_cmp(&((const struct xlb_conf_service *)sorted[i - 1])->ref.vip,
				   &((const struct xlb_conf_service *)sorted[i])->ref.vip))
			vips++;
	if (first_dup(sorted, n, same_ref, &dup, &orig)) {
		const struct xlb_conf_service *d = dup, *o = orig;

		snprintf(key, sizeof(key), "services[%zu]", (size_t)(d - c->services));
		where(at, sizeof(at), o->line, "services", (size_t)(o - c->services));
		xlb_service_format(&d->ref, ref, sizeof(ref));
		rc = vfail(v, d->line, key, "%s duplicates the service %s", ref, at);
		goto out;
	}
	if (vips > XLB_MAX_VIPS) {
		rc = vfail(v, 0, "services", "too many distinct VIP addresses: %zu (max %d)", vips,
			   XLB_MAX_VIPS);
		goto out;
	}

	for (size_t i = 0; i < n; i++)
		if (c->services[i].name[0])
			sorted[named++] = &c->services[i];
	qsort(sorted, named, sizeof(*sorted), svc_name_cmp);
	if (first_dup(sorted, named, same_name, &dup, &orig)) {
		const struct xlb_conf_service *d = dup, *o = orig;

		snprintf(key, sizeof(key), "services[%zu].name", (size_t)(d - c->services));
		where(at, sizeof(at), o->line, "services", (size_t)(o - c->services));
		rc = vfail(v, d->line, key, "%s is already the name of the service %s", d->name,
			   at);
		goto out;
	}

	for (size_t i = 0; i < n; i++) {
		const struct xlb_conf_service *s = &c->services[i];

		for (size_t j = 0; j < s->n_backends; j++)
			sorted[j] = &s->backends[j];
		qsort(sorted, s->n_backends, sizeof(*sorted), backend_cmp);
		if (first_dup(sorted, s->n_backends, same_backend, &dup, &orig)) {
			const struct xlb_conf_backend *d = dup, *o = orig;

			snprintf(key, sizeof(key), "services[%zu].backends[%zu]", i,
				 (size_t)(d - s->backends));
			where(at, sizeof(at), o->line, "backends", (size_t)(o - s->backends));
			xlb_addr_format(&d->addr, a, sizeof(a));
			rc = vfail(v, d->line, key, "%s duplicates the backend %s", a, at);
			goto out;
		}
	}
out:
	free(sorted);
	return rc;
}

int xlb_conf_validate(const struct xlb_conf *c, const char *name, char *err, size_t errlen)
{
	struct vctx v = { .name = name ? name : "config", .err = err, .errlen = errlen };
	size_t total = 0;
	char key[96];
	int rc;

	rc = validate_globals(&v, c);
	if (rc)
		return rc;
	if (c->n_services > XLB_MAX_SERVICES) {
		snprintf(key, sizeof(key), "services[%d]", XLB_MAX_SERVICES);
		return vfail(&v, c->services[XLB_MAX_SERVICES].line, key,
			     "too many services: %zu (max %d)", c->n_services, XLB_MAX_SERVICES);
	}
	for (size_t i = 0; i < c->n_services; i++) {
		const struct xlb_conf_service *s = &c->services[i];

		/* Backend id 0 means "none", so ids 1..XLB_MAX_BACKENDS-1 are usable. */
		if (total + s->n_backends > XLB_MAX_BACKENDS - 1) {
			size_t j = XLB_MAX_BACKENDS - 1 - total;

			snprintf(key, sizeof(key), "services[%zu].backends[%zu]", i, j);
			for (size_t k = i + 1; k < c->n_services; k++)
				total += c->services[k].n_backends;
			return vfail(&v, s->backends ? s->backends[j].line : 0, key,
				     "too many backends: %zu in all (max %d)",
				     total + s->n_backends, XLB_MAX_BACKENDS - 1);
		}
		total += s->n_backends;
	}
	for (size_t i = 0; i < c->n_services; i++) {
		rc = validate_service(&v, c, i);
		if (rc)
			return rc;
	}
	return validate_unique(&v, c);
}

/* ---- dump ---- */

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

static int put_addr(FILE *f, const char *key, const struct xlb_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (xlb_addr_format(a, buf, sizeof(buf)))
		return -EINVAL;
	fprintf(f, "%s\"%s\"\n", key, buf);
	return 0;
}

/* What the dump cannot represent: checked before anything is written. */
static bool dumpable(const struct xlb_conf *c)
{
	if (!keyword_name(xdp_mode_words, (int)c->xdp_mode) ||
	    (c->tunnel_source.family && c->tunnel_source.family != XLB_AF_INET) ||
	    (c->tunnel_source_v6.family && c->tunnel_source_v6.family != XLB_AF_INET6) ||
	    c->n_ifaces > XLB_CONF_MAX_IFACES || (c->n_services && !c->services))
		return false;
	for (size_t i = 0; i < c->n_ifaces; i++)
		if (!keyword_name(xdp_mode_words, (int)c->ifaces[i].mode))
			return false;
	for (size_t i = 0; i < c->n_services; i++) {
		const struct xlb_conf_service *s = &c->services[i];

		if ((s->ref.vip.family != XLB_AF_INET && s->ref.vip.family != XLB_AF_INET6) ||
		    !keyword_name(proto_words, s->ref.proto) || (s->n_backends && !s->backends) ||
		    !keyword_name(hc_type_words, (int)s->health.type))
			return false;
		for (size_t j = 0; j < s->n_backends; j++)
			if ((s->backends[j].addr.family != XLB_AF_INET &&
			     s->backends[j].addr.family != XLB_AF_INET6) ||
			    !keyword_name(state_words, (int)s->backends[j].admin) ||
			    (s->backends[j].health.set & ~HO_ALL) ||
			    s->backends[j].health.initial_up > 1)
				return false;
	}
	return true;
}

/* The keys that apply to the type, every one explicit (the others are refused on load). */
static void dump_health(FILE *f, const struct xlb_conf_health *h)
{
	unsigned bit = HC_BIT(h->type);
	char buf[16];

	fprintf(f, "    health:\n      type: %s\n", keyword_name(hc_type_words, (int)h->type));
	if (!(bit & HC_CHECKED))
		return;
	fprintf(f, "      port: %u\n", h->port);
	fprintf(f, "      interval: %s\n", ms_str(buf, sizeof(buf), h->interval_ms));
	fprintf(f, "      timeout: %s\n", ms_str(buf, sizeof(buf), h->timeout_ms));
	fprintf(f, "      rise: %u\n      fall: %u\n      jitter: %u\n", h->rise, h->fall,
		h->jitter_pct);
	fprintf(f, "      initial: %s\n", keyword_name(initial_words, h->initial_up));
	if (bit & HC_WEB) {
		fputs("      path: ", f);
		put_quoted(f, h->path, XLB_CONF_HC_TEXT);
		fputs("\n      host: ", f);
		put_quoted(f, h->host, XLB_CONF_HC_TEXT);
		fputs("\n      body: ", f);
		put_quoted(f, h->body, XLB_CONF_HC_TEXT);
		if (h->expect_min == h->expect_max)
			fprintf(f, "\n      expect: %u\n", h->expect_min);
		else
			fprintf(f, "\n      expect: %u-%u\n", h->expect_min, h->expect_max);
	}
	if (bit & HC_BIT(XLB_HC_HTTPS))
		fprintf(f, "      insecure: %s\n", h->insecure ? "true" : "false");
	if (bit & HC_PAYLOAD) {
		fputs("      payload: ", f);
		put_quoted(f, h->payload, XLB_CONF_HC_TEXT);
		fputs("\n      expect_payload: ", f);
		put_quoted(f, h->expect_payload, XLB_CONF_HC_TEXT);
		fputc('\n', f);
	}
}

/* Only the fields given: absent ones follow the service's check. */
static void dump_override(FILE *f, const struct xlb_conf_hc_override *o)
{
	const char *sep = "";
	char buf[16];

	if (!o->set)
		return;
	fputs("        health: {", f);
	for (size_t i = 0; i < N_OVERRIDES; i++) {
		__u32 x = ho_value(o, i);

		if (!(o->set & (1U << i)))
			continue;
		fprintf(f, "%s %s: ", sep, override_fields[i].key);
		if (override_fields[i].kind == HO_DURATION)
			fputs(ms_str(buf, sizeof(buf), x), f);
		else if (override_fields[i].kind == HO_INITIAL)
			fputs(keyword_name(initial_words, (int)x)
				      ? keyword_name(initial_words, (int)x)
				      : "down",
			      f);
		else
			fprintf(f, "%u", x);
		sep = ",";
	}
	fputs(" }\n", f);
}

static void dump_service(FILE *f, const struct xlb_conf_service *s)
{
	/* The first key carries the list item's dash. */
	const char *lead = "  - ";

	if (s->name[0]) {
		fputs("  - name: ", f);
		put_quoted(f, s->name, XLB_CONF_NAME_MAX);
		fputc('\n', f);
		lead = "    ";
	}
	fputs(lead, f);
	put_addr(f, "vip: ", &s->ref.vip);
	fprintf(f, "    port: %u\n", s->ref.port);
	fprintf(f, "    proto: %s\n", keyword_name(proto_words, s->ref.proto));
	fprintf(f, "    table_size: %u\n", s->table_size);
	fprintf(f, "    icmp_echo: %s\n", s->icmp_echo ? "true" : "false");
	fprintf(f, "    announce: %s\n", s->announce ? "true" : "false");
	fprintf(f, "    min_healthy: %u\n", s->min_healthy);
	dump_health(f, &s->health);
	if (!s->n_backends) {
		fputs("    backends: []\n", f);
		return;
	}
	fputs("    backends:\n", f);
	for (size_t j = 0; j < s->n_backends; j++) {
		const struct xlb_conf_backend *b = &s->backends[j];

		put_addr(f, "      - address: ", &b->addr);
		fprintf(f, "        weight: %u\n", b->weight);
		fprintf(f, "        state: %s\n", keyword_name(state_words, (int)b->admin));
		dump_override(f, &b->health);
	}
}

int xlb_conf_dump(const struct xlb_conf *c, FILE *f)
{
	if (!dumpable(c))
		return -EINVAL;
	fputs("# xlbd configuration, every key explicit (docs/config.md)\n", f);
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
		fprintf(f, ", mode: %s }", keyword_name(xdp_mode_words, (int)fi->mode));
	}
	fputs("]\n", f);
	fprintf(f, "xdp_mode: %s\n", keyword_name(xdp_mode_words, (int)c->xdp_mode));
	/* An unset tunnel source has no spelling but absence. */
	if (c->tunnel_source.family)
		put_addr(f, "tunnel_source: ", &c->tunnel_source);
	else
		fputs("# tunnel_source: not set\n", f);
	if (c->tunnel_source_v6.family)
		put_addr(f, "tunnel_source_v6: ", &c->tunnel_source_v6);
	else
		fputs("# tunnel_source_v6: not set\n", f);
	fprintf(f, "rss_bits: %u\n", c->rss_bits);
	fprintf(f, "rss_bits_v6: %u\n", c->rss_bits_v6);
	if (c->gateway_auto)
		fputs("gateway: auto\n", f);
	else
		fprintf(f, "gateway: \"%02x:%02x:%02x:%02x:%02x:%02x\"\n", c->gateway_mac[0],
			c->gateway_mac[1], c->gateway_mac[2], c->gateway_mac[3], c->gateway_mac[4],
			c->gateway_mac[5]);
	if (c->hash_seed_auto)
		fputs("hash_seed: auto\n", f);
	else
		fprintf(f, "hash_seed: %u\n", c->hash_seed);
	fprintf(f, "mtu: %u\n", c->mtu);
	fprintf(f,
		"conntrack:\n  size: %u\n  udp_idle_timeout: %us\n  new_flow_rate: %u\n"
		"  new_flow_burst: %u\n",
		c->conntrack_size, c->udp_idle_timeout, c->new_flow_rate, c->new_flow_burst);
	fputs("state_dir: ", f);
	put_quoted(f, c->state_dir, XLB_CONF_PATH_MAX);
	fputc('\n', f);
	if (c->metrics.enabled) {
		char ep[64];

		xlb_endpoint_format(&c->metrics.addr, c->metrics.port, ep, sizeof(ep));
		fprintf(f, "metrics:\n  listen: \"%s\"\n", ep);
	} else {
		fputs("metrics:\n  listen: off\n", f);
	}
	if (c->announce.table)
		fprintf(f, "announce:\n  table: %u\n", c->announce.table);
	else
		fputs("announce:\n  table: off\n", f);
	if (!c->n_services) {
		fputs("services: []\n", f);
	} else {
		fputs("services:\n", f);
		for (size_t i = 0; i < c->n_services; i++)
			dump_service(f, &c->services[i]);
	}
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}
