// SPDX-License-Identifier: GPL-2.0
/* config.c - the configuration model: defaults (from the schema), copy, free, look-ups, the
 * small value parsers and reading the file. The contract is config.h; the schema is
 * config_schema.c, the YAML reader config_yaml.c, the rules across keys config_rules.c and the
 * dump config_dump.c. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "xlb_abi.h"
#include "config_schema.h"
#include "readfile.h"

#define CONF_FILE_MAX (16U << 20) /* xlb_conf_load() refuses larger files */

int xlb_parse_mac(const char *s, __u8 mac[6])
{
	if (!s || strlen(s) != 17)
		return -EINVAL;
	/* Every character checked first: strtoul() alone would take a sign, spaces or "0x". */
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (__u8)strtoul((const char[]){ s[3 * i], s[3 * i + 1], '\0' }, NULL, 16);
	return 0;
}

/* Units of a duration; the empty suffix is a bare number of seconds. */
static const struct {
	const char *suffix;
	__u32 ms; /* milliseconds per unit */
} duration_units[] = {
	{ "", 1000 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "ms", 1 },
};

/* Digits and a unit, no sign, fraction or space, into a whole number of units of unit_ms
 * milliseconds in [min, max]. 64 bits: any u32 of hours fits. Returns 0, -EINVAL (also for a
 * value that is not a whole number of units, like "1500ms" in seconds) or -ERANGE (more digits
 * than a u32 holds, or out of range); *out is untouched on error. */
static int parse_duration(const char *s, __u32 unit_ms, __u32 min, __u32 max, __u32 *out)
{
	char digits[16];
	size_t n = 0;
	__u64 ms;
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
		if (strcmp(s + n, duration_units[i].suffix))
			continue;
		ms = (__u64)v * duration_units[i].ms;
		if (ms % unit_ms)
			return -EINVAL;
		if (ms / unit_ms < min || ms / unit_ms > max)
			return -ERANGE;
		*out = (__u32)(ms / unit_ms);
		return 0;
	}
	return -EINVAL;
}

int xlb_parse_duration_s(const char *s, __u32 min, __u32 max, __u32 *out)
{
	return parse_duration(s, 1000, min, max, out);
}

int xlb_parse_duration_ms(const char *s, __u32 min, __u32 max, __u32 *out)
{
	return parse_duration(s, 1, min, max, out);
}

/* ---- the model ---- */

void xlb_conf_init(struct xlb_conf *c)
{
	memset(c, 0, sizeof(*c));
	conf_defaults(CP_TOP, c);
}

void conf_service_init(struct xlb_conf_service *s)
{
	memset(s, 0, sizeof(*s));
	conf_defaults(CP_SERVICE, s);
}

void conf_backend_init(struct xlb_conf_backend *b)
{
	memset(b, 0, sizeof(*b));
	conf_defaults(CP_BACKEND, b);
}

/* Row i of CP_OVERRIDE is XLB_HO_* bit i and names the CP_HEALTH row it replaces. */
void xlb_conf_backend_health(const struct xlb_conf_service *s, const struct xlb_conf_backend *b,
			     struct xlb_conf_health *out)
{
	size_t n;
	const struct conf_field *o = conf_fields(CP_OVERRIDE, &n);

	*out = s->health;
	for (size_t i = 0; i < n; i++)
		if (b->health.set & (1U << i))
			conf_set_num(conf_field(CP_HEALTH, o[i].key), out,
				     conf_get_num(&o[i], &b->health));
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

int xlb_conf_load(const char *path, struct xlb_conf *c, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int rc = xlb_read_file(path, CONF_FILE_MAX, &text, &len);

	if (rc == -EFBIG && err && errlen)
		snprintf(err, errlen, "%s: file too large (max %u MiB)", path, CONF_FILE_MAX >> 20);
	else if (rc && err && errlen)
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	if (rc)
		return rc;
	rc = xlb_conf_parse(text, len, path, c, err, errlen);
	free(text);
	return rc;
}
