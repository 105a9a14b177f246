// SPDX-License-Identifier: GPL-2.0
/* capspec.c - the words of a capture request: see capspec.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>

#include "capdesc.h"
#include "capspec.h"
#include "xlb_abi.h"

static int bad(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The mask of a prefix of len bits over word w (0..3) of a 16-byte address, be. */
static __u32 mask_word(unsigned len, int w)
{
	int bits = (int)len - 32 * w;

	return htonl(bits >= 32 ? 0xffffffffU : bits <= 0 ? 0 : ~0U << (32 - bits));
}

/* "ADDR" or "ADDR/LEN" with no host bits set. */
static int parse_prefix(const char *text, struct capspec *s, char *err, size_t len)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned max;
	__u32 plen;

	if (alen >= sizeof(addr))
		return bad(err, len, "client %s: not an address or prefix", text);
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (xlb_addr_parse(addr, &s->client))
		return bad(err, len, "client %s: not an address or prefix", text);
	max = s->client.family == XLB_AF_INET ? 32 : 128;
	plen = max;
	if (slash && xlb_parse_u32(slash + 1, 0, max, &plen))
		return bad(err, len, "client %s: prefix length must be 0..%u", text, max);
	for (int w = 0; w < 4; w++)
		if (s->client.addr[w] & ~mask_word(plen, w)) {
			struct xlb_addr net = s->client;
			char buf[64];

			for (int i = 0; i < 4; i++)
				net.addr[i] &= mask_word(plen, i);
			xlb_addr_format(&net, buf, sizeof(buf));
			return bad(err, len, "client %s: host bits set (the prefix is %s/%u)", text,
				   buf, plen);
		}
	s->client_len = (__u8)plen;
	return 0;
}

/* The number after keyword kw, in [min, max]. */
static int parse_num(const char *kw, const char *text, __u32 min, __u32 max, __u32 *out, char *err,
		     size_t len)
{
	if (xlb_parse_u32(text, min, max, out))
		return bad(err, len, "%s %s: must be a number %u..%u", kw, text, min, max);
	return 0;
}

/* Keywords, in the order of the grammar. */
enum kw {
	KW_BACKEND,
	KW_CLIENT,
	KW_REASON,
	KW_VERDICT,
	KW_SAMPLE,
	KW_COUNT,
	KW_DURATION,
	KW_SNAPLEN,
	KW_N
};

static const char *const KEYWORDS[KW_N] = { "backend", "client", "reason",   "verdict",
					    "sample",  "count",	 "duration", "snaplen" };

static int keyword(const char *w)
{
	for (int k = 0; k < KW_N; k++)
		if (!strcmp(w, KEYWORDS[k]))
			return k;
	return -1;
}

/* The value of keyword k, text, into s. */
static int parse_value(int k, const char *text, __u8 prog, struct capspec *s, char *err, size_t len)
{
	switch (k) {
	case KW_BACKEND:
		s->has_backend = true;
		return xlb_addr_parse(text, &s->backend)
			       ? bad(err, len, "backend %s: not an IPv4 or IPv6 address", text)
			       : 0;
	case KW_CLIENT:
		s->has_client = true;
		return parse_prefix(text, s, err, len);
	case KW_REASON:
		s->has_reason = true;
		return capdesc_reason_parse(prog, text, &s->reason)
			       ? bad(err, len, "reason %s: %s has no such reason", text,
				     capdesc_prog(prog) ? capdesc_prog(prog) : "the program")
			       : 0;
	case KW_VERDICT:
		s->has_verdict = true;
		return capdesc_verdict_parse(text, &s->verdict)
			       ? bad(err, len, "verdict %s: must be drop, pass or tx", text)
			       : 0;
	case KW_SAMPLE:
		return parse_num("sample", text, 1, CAPSPEC_MAX_SAMPLE, &s->sample, err, len);
	case KW_COUNT:
		return parse_num("count", text, 1, CAPSPEC_MAX_COUNT, &s->count, err, len);
	case KW_DURATION:
		return parse_num("duration", text, 1, CAPSPEC_MAX_DURATION, &s->duration, err, len);
	case KW_SNAPLEN:
		return parse_num("snaplen", text, 1, XLB_CAPTURE_SNAP_MAX, &s->snaplen, err, len);
	}
	return bad(err, len, "internal: keyword %d", k);
}

int capspec_parse(int n, char *const *words, __u8 prog, struct capspec *out, char *err,
		  size_t errlen)
{
	struct capspec s = { .snaplen = CAPSPEC_DEFAULT_SNAPLEN };
	bool seen[KW_N] = { false };
	int i = 0, ret;

	if (!capdesc_prog(prog))
		return bad(err, errlen, "unknown program %u", prog);
	if (n > 0 && keyword(words[0]) < 0) {
		if (xlb_service_parse(words[0], &s.service))
			return bad(err, errlen,
				   "%s: neither a service (VIP:PORT/PROTO) nor one of backend, "
				   "client, "
				   "reason, verdict, sample, count, duration, snaplen",
				   words[0]);
		s.has_service = true;
		i = 1;
	}
	for (; i < n; i += 2) {
		int k = keyword(words[i]);

		if (k < 0)
			return bad(err, errlen,
				   "%s: not one of backend, client, reason, verdict, sample, "
				   "count, "
				   "duration, snaplen",
				   words[i]);
		if (seen[k])
			return bad(err, errlen, "%s given twice", KEYWORDS[k]);
		if (i + 1 >= n)
			return bad(err, errlen, "%s: missing its value", KEYWORDS[k]);
		seen[k] = true;
		ret = parse_value(k, words[i + 1], prog, &s, err, errlen);
		if (ret)
			return ret;
	}
	if (s.has_reason && s.has_verdict)
		return bad(err, errlen,
			   "reason and verdict cannot be combined: a reason has one verdict");
	if (prog == XLB_CAPTURE_PROG_DECAP && (s.has_service || s.has_backend || s.has_client))
		return bad(err, errlen,
			   "xlb_decap knows no service, backend or client: filter by reason or "
			   "verdict");
	*out = s;
	return 0;
}

void capspec_client_filter(const struct capspec *s, struct xlb_capture_filter *f)
{
	if (!s->has_client)
		return;
	f->flags |= XLB_CAP_F_CLIENT;
	f->client_family = s->client.family;
	for (int w = 0; w < 4; w++) {
		f->client_mask[w] = mask_word(s->client_len, w);
		f->client[w] = s->client.addr[w] & f->client_mask[w];
	}
}
