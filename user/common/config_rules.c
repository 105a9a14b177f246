// SPDX-License-Identifier: GPL-2.0
/* config_rules.c - the rules of a whole configuration: every value in its schema range (for
 * models built by hand), the rules across keys (unique services, names and backends, tunnel
 * sources, table sizes, health checks and their overrides) and the limits of the maps. The
 * contract is xlb_conf_validate() in config.h. */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xlb_abi.h"
#include "maglev.h"
#include "config_schema.h"

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

const char *conf_override_problem(const struct xlb_conf_service *s,
				  const struct xlb_conf_backend *b, const char **key, char *buf,
				  size_t len)
{
	const struct xlb_conf_hc_override *o = &b->health;
	size_t n;
	const struct conf_field *f = conf_fields(CP_OVERRIDE, &n);
	struct xlb_conf_health h;

	if (!o->set)
		return NULL;
	if (o->set & ~((1U << n) - 1)) {
		*key = "set";
		return "unknown override fields";
	}
	*key = f[__builtin_ctz(o->set)].key;
	if (s->health.type == XLB_HC_NONE)
		return "the service's health type is none: nothing to override";
	for (size_t i = 0; i < n; i++) {
		if (!(o->set & (1U << i)) || f[i].type == CT_KEYWORD)
			continue;
		*key = f[i].key;
		if (conf_range_problem(&f[i], conf_get_num(&f[i], o), buf, len))
			return buf;
	}
	xlb_conf_backend_health(s, b, &h);
	*key = o->set & XLB_HO_TIMEOUT ? "timeout" : "interval";
	return conf_timeout_problem(&h, buf, len);
}

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
	conf_put_err(v->err, v->errlen, v->name, line, key, fmt, ap);
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

/* An element's key for the duplicate checks, compared as bytes, and its index. */
struct dkey {
	__u8 key[XLB_CONF_NAME_MAX]; /* a name, or an address (and port and protocol) */
	size_t i;
};

static int dkey_cmp(const void *x, const void *y)
{
	const struct dkey *a = x, *b = y;
	int r = memcmp(a->key, b->key, sizeof(a->key));

	return r ? r : (a->i > b->i) - (a->i < b->i);
}

/* Sort the n keys: equal ones end up adjacent, in array order. *dup is the first element (in
 * array order) whose key an earlier one has, *orig that earlier one. False when all differ. */
static bool first_dup(struct dkey *k, size_t n, size_t *dup, size_t *orig)
{
	qsort(k, n, sizeof(*k), dkey_cmp);
	*dup = SIZE_MAX;
	for (size_t i = 1, run = 0; i < n; i++) {
		if (memcmp(k[i].key, k[run].key, sizeof(k->key))) {
			run = i;
		} else if (k[i].i < *dup) {
			*dup = k[i].i;
			*orig = k[run].i;
		}
	}
	return *dup != SIZE_MAX;
}

#define ADDR_KEY 17 /* bytes of an address's key */

/* The family, then the address: IPv4 lives in word 0, the rest is zero by contract but is not
 * trusted here. key is zeroed. */
static void addr_key(__u8 *key, const struct xlb_addr *a)
{
	key[0] = a->family;
	memcpy(key + 1, a->addr, a->family == XLB_AF_INET ? 4 : 16);
}

/* The values of the rows of parent in obj on their own, as the parser reads them (only the
 * rows of hc_bit when it is not 0): numbers and durations in range, keywords known, addresses
 * of the row's family, texts that pass its problem() (an empty one without a default is
 * absent). The first wrong one fails, at prefix.KEY. */
static int validate_rows(const struct vctx *v, enum conf_parent parent, const void *obj,
			 unsigned hc_bit, int line, const char *prefix)
{
	size_t n;
	const struct conf_field *f = conf_fields(parent, &n);
	char key[96], msg[128], list[64];

	for (size_t i = 0; i < n; i++, f++) {
		const char *at = (const char *)obj + f->off, *why = NULL;
		const struct xlb_addr *a = (const void *)at;

		if (hc_bit && !(f->hc_types & hc_bit))
			continue;
		if (f->type == CT_NUMBER || f->type == CT_DURATION_S || f->type == CT_DURATION_MS)
			why = conf_range_problem(f, conf_get_num(f, obj), msg, sizeof(msg));
		else if (f->type == CT_KEYWORD &&
			 !conf_keyword_name(f->words, (int)conf_get_num(f, obj)))
			why = conf_say(msg, sizeof(msg), "must be %s",
				       conf_want(f, list, sizeof(list)));
		else if (f->type == CT_ADDR && f->min && a->family && a->family != f->min)
			why = conf_say(msg, sizeof(msg), "must be an %s address",
				       f->min == XLB_AF_INET ? "IPv4" : "IPv6");
		else if (f->type == CT_TEXT && (f->def_text || *at) &&
			 (why = f->problem(at, strnlen(at, f->width))) && f->what)
			why = conf_say(msg, sizeof(msg), "not a valid %s (%s)", f->what, why);
		if (why) {
			snprintf(key, sizeof(key), "%s%s", prefix, f->key);
			return vfail(v, line, key, "%s", why);
		}
	}
	return 0;
}

/* The fields on their own, as the parser checks them, for models built by hand. */
static int validate_globals(const struct vctx *v, const struct xlb_conf *c)
{
	char key[48];
	const char *why;
	int rc;

	if (c->announce.table && conf_announce_table_problem(c->announce.table))
		return vfail(v, 0, "announce.table", "%s, got %u",
			     conf_announce_table_problem(c->announce.table), c->announce.table);
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
		if (!xlb_xdp_mode_name(f->mode))
			return vfail(v, f->line, key, "must be native, generic or auto");
	}
	if (!c->gateway_auto && (why = conf_mac_problem(c->gateway_mac)))
		return vfail(v, 0, "gateway", "%s", why);
	rc = validate_rows(v, CP_TOP, c, 0, 0, "");
	if (!rc)
		rc = validate_rows(v, CP_CONNTRACK, c, 0, 0, "conntrack.");
	if (rc)
		return rc;
	if (c->n_services && !c->services)
		return vfail(v, 0, "services", "%zu services but no array", c->n_services);
	return 0;
}

static int validate_backend(const struct vctx *v, const struct xlb_conf *c, size_t i, size_t j)
{
	const struct xlb_conf_backend *b = &c->services[i].backends[j];
	const struct conf_field *weight = conf_field(CP_BACKEND, "weight");
	char key[96], a[INET6_ADDRSTRLEN], buf[96];
	const char *why, *hkey = "";

	snprintf(key, sizeof(key), "services[%zu].backends[%zu]", i, j);
	if (b->addr.family != XLB_AF_INET && b->addr.family != XLB_AF_INET6)
		return vfail(v, b->line, key, "address is not IPv4 or IPv6 (family %u)",
			     b->addr.family);
	if (conf_range_problem(weight, b->weight, buf, sizeof(buf)))
		return vfail(v, b->line, key, "weight %s", buf);
	if (!conf_keyword_name(conf_state_words, (int)b->admin))
		return vfail(v, b->line, key, "state must be enabled, drain or disabled");
	if (!xlb_encap_name(b->encap))
		return vfail(v, b->line, key, "encap must be ipip, gue or l2");
	why = conf_override_problem(&c->services[i], b, &hkey, buf, sizeof(buf));
	if (why) {
		snprintf(key, sizeof(key), "services[%zu].backends[%zu].health.%s", i, j, hkey);
		return vfail(v, b->health.line ? b->health.line : b->line, key, "%s", why);
	}
	xlb_addr_format(&b->addr, a, sizeof(a));
	if (b->encap == XLB_ENCAP_L2) /* only the MACs change: no tunnel, no tunnel source */
		return 0;
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
	char key[96], msg[XLB_CONF_ERR_MAX];
	const char *why;
	int rc;

	if (!conf_keyword_name(conf_hc_type_words, (int)h->type))
		return vfail(v, s->line, svc_key(key, sizeof(key), i, "health.type"),
			     "must be none, tcp, http, https, udp or tunnel, got %u",
			     (unsigned)h->type);
	if (h->type == XLB_HC_NONE)
		return 0;
	rc = validate_rows(v, CP_HEALTH, h, bit, s->line, svc_key(key, sizeof(key), i, "health."));
	if (rc)
		return rc;
	if (h->type == XLB_HC_HTTPS && h->ca[0] && access(h->ca, R_OK))
		return vfail(v, s->line, svc_key(key, sizeof(key), i, "health.ca"),
			     "cannot read %s: %s", h->ca, strerror(errno));
	if (conf_timeout_problem(h, msg, sizeof(msg)))
		return vfail(v, s->line, svc_key(key, sizeof(key), i, "health.timeout"), "%s", msg);
	if (conf_port0_problem(s, msg, sizeof(msg)))
		return vfail(v, s->line, svc_key(key, sizeof(key), i, "health.port"), "%s", msg);
	if (bit & HC_WEB) {
		why = conf_hc_expect_problem(h->expect_min, h->expect_max);
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
	__u32 m = s->table_size, hint;
	int rc;

	snprintf(key, sizeof(key), "services[%zu]", i);
	if (s->ref.vip.family != XLB_AF_INET && s->ref.vip.family != XLB_AF_INET6)
		return vfail(v, s->line, key, "vip is not IPv4 or IPv6 (family %u)",
			     s->ref.vip.family);
	if (!conf_keyword_name(conf_proto_words, s->ref.proto))
		return vfail(v, s->line, key, "proto must be tcp or udp, got %u", s->ref.proto);
	if (s->n_backends && !s->backends)
		return vfail(v, s->line, key, "%zu backends but no array", s->n_backends);
	snprintf(key, sizeof(key), "services[%zu].", i);
	rc = validate_rows(v, CP_SERVICE, s, 0, s->line, key);
	if (rc)
		return rc;

	snprintf(key, sizeof(key), "services[%zu].table_size", i);
	if (need > XLB_MAX_TABLE_SIZE)
		return vfail(v, s->line, key,
			     "%zu backends need a table_size >= %llu but the largest is %u: at "
			     "most %u backends per service",
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
	size_t n = c->n_services, most = n, named = 0, vips = 0, dup, orig;
	char key[96], at[96], ref[XLB_SERVICE_STRLEN], a[INET6_ADDRSTRLEN];
	struct dkey *k;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		if (c->services[i].n_backends > most)
			most = c->services[i].n_backends;
	if (!most)
		return 0;
	k = calloc(most, sizeof(*k));
	if (!k) {
		if (v->err && v->errlen)
			snprintf(v->err, v->errlen, "%s: out of memory", v->name);
		return -ENOMEM;
	}

	for (size_t i = 0; i < n; i++) {
		addr_key(k[i].key, &c->services[i].ref.vip);
		memcpy(k[i].key + ADDR_KEY, &c->services[i].ref.port, sizeof(__u16));
		k[i].key[ADDR_KEY + 2] = c->services[i].ref.proto;
		k[i].i = i;
	}
	if (first_dup(k, n, &dup, &orig)) {
		snprintf(key, sizeof(key), "services[%zu]", dup);
		where(at, sizeof(at), c->services[orig].line, "services", orig);
		xlb_service_format(&c->services[dup].ref, ref, sizeof(ref));
		rc = vfail(v, c->services[dup].line, key, "%s duplicates the service %s", ref, at);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		vips += !i || memcmp(k[i].key, k[i - 1].key, ADDR_KEY);
	if (vips > XLB_MAX_VIPS) {
		rc = vfail(v, 0, "services", "too many distinct VIP addresses: %zu (max %d)", vips,
			   XLB_MAX_VIPS);
		goto out;
	}

	memset(k, 0, n * sizeof(*k));
	for (size_t i = 0; i < n; i++)
		if (c->services[i].name[0]) {
			snprintf((char *)k[named].key, sizeof(k->key), "%s", c->services[i].name);
			k[named++].i = i;
		}
	if (first_dup(k, named, &dup, &orig)) {
		snprintf(key, sizeof(key), "services[%zu].name", dup);
		where(at, sizeof(at), c->services[orig].line, "services", orig);
		rc = vfail(v, c->services[dup].line, key,
			   "%s is already the name of the service %s", c->services[dup].name, at);
		goto out;
	}

	for (size_t i = 0; i < n; i++) {
		const struct xlb_conf_service *s = &c->services[i];

		memset(k, 0, s->n_backends * sizeof(*k));
		for (size_t j = 0; j < s->n_backends; j++) {
			addr_key(k[j].key, &s->backends[j].addr);
			k[j].i = j;
		}
		if (first_dup(k, s->n_backends, &dup, &orig)) {
			snprintf(key, sizeof(key), "services[%zu].backends[%zu]", i, dup);
			where(at, sizeof(at), s->backends[orig].line, "backends", orig);
			xlb_addr_format(&s->backends[dup].addr, a, sizeof(a));
			rc = vfail(v, s->backends[dup].line, key, "%s duplicates the backend %s", a,
				   at);
			goto out;
		}
	}
out:
	free(k);
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
