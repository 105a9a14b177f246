// SPDX-License-Identifier: GPL-2.0
/* args.c - lbctl's argument grammar: unique-prefix matching of words, keyword arguments, and
 * strict value parsers whose errors say what is wrong and what would be right. Values are
 * checked like the configuration file checks them, so that an invalid request never reaches
 * the daemon. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "lbctl.h"
#include "maglev.h"

static void join(char *buf, size_t len, const char *const *names, const bool *which, size_t n)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && o < len; i++)
		if (!which || which[i])
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", names[i]);
}

int pick_name(const char *word, const char *const *names, size_t n, const char *what)
{
	bool match[64] = { false };
	size_t len = strlen(word), found = 0;
	char list[512];
	int last = -1;

	for (size_t i = 0; i < n && i < 64; i++) {
		if (!strcmp(word, names[i]))
			return (int)i;
		if (len && !strncmp(word, names[i], len)) {
			match[i] = true;
			found++;
			last = (int)i;
		}
	}
	if (found == 1)
		return last;
	if (found > 1) {
		join(list, sizeof(list), names, match, n);
		usage("ambiguous %s '%s': %s", what, word, list);
		return -1;
	}
	join(list, sizeof(list), names, NULL, n);
	usage("unknown %s '%s' (expected %s)", what, word, list);
	return -1;
}

bool is_word(const char *arg, const char *word)
{
	size_t len = strlen(arg), least = strncmp(word, "--", 2) ? 1 : 3;

	return len >= least && !strncmp(arg, word, len);
}

int want_args(int argc, int min, int max)
{
	const char *obj = opts.obj ? opts.obj->name : "";
	const char *cmd = opts.cmd ? opts.cmd->name : "";
	const char *args = opts.cmd ? opts.cmd->args : opts.obj ? opts.obj->args : "";

	if (argc >= min && argc <= max)
		return 0;
	return usage("%s; usage: lbctl %s%s%s%s%s",
		     argc < min ? "missing argument" : "too many arguments", obj, *cmd ? " " : "",
		     cmd, *args ? " " : "", args);
}

int parse_kwargs(int argc, char **argv, struct kwarg *kw, size_t n)
{
	const char *names[32];
	int i, k, ret;

	for (size_t j = 0; j < n && j < 32; j++)
		names[j] = kw[j].name;
	for (i = 0; i < argc; i++) {
		k = pick_name(argv[i], names, n, "keyword");
		if (k < 0)
			return LBCTL_USAGE;
		if (kw[k].seen)
			return usage("%s given twice", kw[k].name);
		kw[k].seen = true;
		if (!kw[k].parse)
			continue;
		if (i + 1 >= argc)
			return usage("%s needs a value", kw[k].name);
		ret = kw[k].parse(argv[++i], kw[k].dst);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- values ---- */

int arg_service(const char *s, struct xlb_service_ref *ref)
{
	if (!xlb_service_parse(s, ref))
		return 0;
	return fail("service must be VIP:PORT/PROTO (e.g. 10.0.0.10:80/tcp, "
		    "[2001:db8::10]:443/udp), got '%s'",
		    s);
}

int arg_addr(const char *what, const char *s, struct xlb_addr *a)
{
	if (!xlb_addr_parse(s, a))
		return 0;
	return fail("%s must be an IPv4 or IPv6 address, got '%s'", what, s);
}

int arg_u32(const char *what, const char *s, __u32 min, __u32 max, __u32 *out)
{
	if (!xlb_parse_u32(s, min, max, out))
		return 0;
	return fail("%s must be %u..%u, got %s", what, min, max, s);
}

int arg_endpoint(const char *what, const char *s, struct xlb_addr *a, __u16 *port)
{
	char host[64];
	const char *colon;
	size_t hl;
	__u32 p;

	if (s[0] == '[') {
		colon = strstr(s, "]:");
		if (!colon)
			goto bad;
		hl = (size_t)(colon - s - 1);
		colon++;
		if (hl >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, hl);
	} else {
		colon = strchr(s, ':');
		if (!colon || strchr(colon + 1, ':'))
			goto bad;
		hl = (size_t)(colon - s);
		if (hl >= sizeof(host))
			goto bad;
		memcpy(host, s, hl);
	}
	host[hl] = '\0';
	if (xlb_addr_parse(host, a) || (s[0] == '[') != (a->family == XLB_AF_INET6) ||
	    xlb_parse_u32(colon + 1, 0, 65535, &p))
		goto bad;
	*port = (__u16)p;
	return 0;
bad:
	return fail("%s must be ADDR:PORT or [IPV6]:PORT with a port 0..65535, got '%s'", what, s);
}

int arg_onoff(const char *what, const char *s, bool *out)
{
	if (!strcmp(s, "on") || !strcmp(s, "off")) {
		*out = !strcmp(s, "on");
		return 0;
	}
	return fail("%s must be on or off, got '%s'", what, s);
}

int arg_state(const char *s, const char **state)
{
	static const char *const states[] = { "enabled", "drain", "disabled" };

	for (size_t i = 0; i < 3; i++) {
		if (!strcmp(s, states[i])) {
			*state = states[i];
			return 0;
		}
	}
	return fail("state must be enabled, drain or disabled, got '%s'", s);
}

int arg_table_size(const char *s, __u32 *m)
{
	__u32 v, next;

	if (xlb_parse_u32(s, XLB_MIN_TABLE_SIZE, XLB_MAX_TABLE_SIZE, &v))
		return fail("table-size must be a prime in %u..%u, got %s", XLB_MIN_TABLE_SIZE,
			    XLB_MAX_TABLE_SIZE, s);
	if (!maglev_is_prime(v)) {
		for (next = v + 1; !maglev_is_prime(next); next++)
			;
		return fail("table-size must be a prime in %u..%u, got %u (the next prime is %u)",
			    XLB_MIN_TABLE_SIZE, XLB_MAX_TABLE_SIZE, v, next);
	}
	*m = v;
	return 0;
}

int arg_name(const char *s, const char **name)
{
	size_t n = strlen(s);

	if (n && n < XLB_CONF_NAME_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n) {
		*name = s;
		return 0;
	}
	return fail("name must be 1..31 characters of A-Z a-z 0-9 _ . -, got '%s'", s);
}

/* ---- text ---- */

const char *svc_text(const struct xlb_service_ref *ref, char *buf, size_t len)
{
	if (xlb_service_format(ref, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

const char *addr_text(const struct xlb_addr *a, char *buf, size_t len)
{
	if (xlb_addr_format(a, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

const char *raw_addr_text(const __u32 *addr, __u8 family, char *buf, size_t len)
{
	struct xlb_addr a = { .family = family };

	memcpy(a.addr, addr, sizeof(a.addr));
	return addr_text(&a, buf, len);
}

const char *encap_text(__u8 encap)
{
	const char *name = xlb_encap_name(encap);

	return name ? name : "?";
}

const char *endpoint_text(const struct xlb_addr *a, __u16 port, char *buf, size_t len)
{
	char t[64];

	addr_text(a, t, sizeof(t));
	if (a->family == XLB_AF_INET6)
		snprintf(buf, len, "[%s]:%u", t, port);
	else
		snprintf(buf, len, "%s:%u", t, port);
	return buf;
}
