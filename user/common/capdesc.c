// SPDX-License-Identifier: GPL-2.0
/* capdesc.c - the words of a capture record: see capdesc.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>

#include "capdesc.h"
#include "xlb_decap.h"
#include "xlb_reasons.h"

static const char *const LB_REASONS[] = {
#define XLB_REASON_NAME(id, name, action, help) [id] = name,
	XLB_REASONS(XLB_REASON_NAME)
#undef XLB_REASON_NAME
};

static const char *const DC_REASONS[] = {
#define XLB_DC_REASON_NAME(id, name, action, help) [id] = name,
	XLB_DC_REASONS(XLB_DC_REASON_NAME)
#undef XLB_DC_REASON_NAME
};

static const char *const VERDICTS[] = {
	[XDP_ABORTED] = "aborted", [XDP_DROP] = "drop",		[XDP_PASS] = "pass",
	[XDP_TX] = "tx",	   [XDP_REDIRECT] = "redirect",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* prog's reason names and their number, or NULL. */
static const char *const *reasons_of(uint8_t prog, size_t *n)
{
	if (prog == XLB_CAPTURE_PROG_LB) {
		*n = N(LB_REASONS);
		return LB_REASONS;
	}
	if (prog == XLB_CAPTURE_PROG_DECAP) {
		*n = N(DC_REASONS);
		return DC_REASONS;
	}
	*n = 0;
	return NULL;
}

const char *capdesc_prog(uint8_t prog)
{
	return prog == XLB_CAPTURE_PROG_LB	? "xlb_lb"
	       : prog == XLB_CAPTURE_PROG_DECAP ? "xlb_decap"
						: NULL;
}

const char *capdesc_verdict(uint8_t verdict)
{
	return verdict < N(VERDICTS) ? VERDICTS[verdict] : NULL;
}

const char *capdesc_reason(uint8_t prog, uint8_t reason)
{
	size_t n;
	const char *const *names = reasons_of(prog, &n);

	return names && reason < n ? names[reason] : NULL;
}

int capdesc_reason_parse(uint8_t prog, const char *name, uint8_t *reason)
{
	size_t n;
	const char *const *names = reasons_of(prog, &n);

	for (size_t i = 0; names && i < n; i++)
		if (names[i] && !strcmp(names[i], name)) {
			*reason = (uint8_t)i;
			return 0;
		}
	return -ENOENT;
}

int capdesc_verdict_parse(const char *name, uint8_t *verdict)
{
	/* Only the verdicts the programs return: aborted and redirect never occur. */
	static const uint8_t ours[] = { XDP_DROP, XDP_PASS, XDP_TX };

	for (size_t i = 0; i < N(ours); i++)
		if (!strcmp(VERDICTS[ours[i]], name)) {
			*verdict = ours[i];
			return 0;
		}
	return -ENOENT;
}

/* id as the caller's word, its number, or "-" for none, into buf. */
static const char *id_word(char *buf, size_t len, uint32_t id, const char *word)
{
	if (id == XLB_CAPTURE_ANY)
		return "-";
	if (word)
		return word;
	snprintf(buf, len, "%u", id);
	return buf;
}

int capdesc_line(char *buf, size_t len, const struct xlb_capture_rec *r, const char *service,
		 const char *backend)
{
	const char *prog = capdesc_prog(r->prog), *verdict = capdesc_verdict(r->verdict);
	const char *reason = capdesc_reason(r->prog, r->reason);
	char p[8], v[8], rs[8], s[16], b[16];

	if (!prog)
		snprintf(p, sizeof(p), "%u", r->prog);
	if (!verdict)
		snprintf(v, sizeof(v), "%u", r->verdict);
	if (!reason)
		snprintf(rs, sizeof(rs), "%u", r->reason);
	return snprintf(buf, len, "%s verdict=%s reason=%s service=%s backend=%s cpu=%u",
			prog ? prog : p, verdict ? verdict : v, reason ? reason : rs,
			id_word(s, sizeof(s), r->svc_id, service),
			id_word(b, sizeof(b), r->backend_id, backend), r->cpu);
}
