// SPDX-License-Identifier: GPL-2.0
/* stats.c - lbctl stats show: the data path's counters per service, per backend and per reason
 * (GET /v1/stats, summed over CPUs by xlbd), or with --rate their per-second change over one
 * interval: two samples SECONDS apart, then exit. Reasons come from include/xlb_reasons.h, the
 * same list that names the BPF counters and the Prometheus labels. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lbctl.h"
#include "xlb_reasons.h"

static const struct {
	const char *name, *action, *help;
} reasons[] = {
#define XLB_REASON_ROW(id, name, action, help) { name, #action, help },
	XLB_REASONS(XLB_REASON_ROW)
#undef XLB_REASON_ROW
};

#define N_REASONS (sizeof(reasons) / sizeof(reasons[0]))
#define RATE_MAX_S 3600

static const char *const stats_defs[] = { DEF_SERVICE, NULL };

static bool rate_mode;

/* Counters of now, or (rate mode) their change since before per second, into out. */
static void put_counter(json_t *out, const json_t *now, const json_t *before, double secs)
{
	json_int_t p = jint(now, "packets"), b = jint(now, "bytes");

	if (!rate_mode) {
		json_object_set_new(out, "packets", json_integer(p));
		json_object_set_new(out, "bytes", json_integer(b));
		return;
	}
	/* A counter that went backwards was reset (its service or backend re-created). */
	p -= before && jint(before, "packets") <= p ? jint(before, "packets") : 0;
	b -= before && jint(before, "bytes") <= b ? jint(before, "bytes") : 0;
	json_object_set_new(out, "packets_per_second", json_real((double)p / secs));
	json_object_set_new(out, "bytes_per_second", json_real((double)b / secs));
}

static const json_t *find_by(const json_t *arr, const char *key, const char *value)
{
	const json_t *e;
	size_t i;

	for (i = 0; i < json_array_size(arr); i++) {
		e = json_array_get(arr, i);
		if (!strcmp(jstr(e, key), value))
			return e;
	}
	return NULL;
}

/* The output object: every service (or only want) and, without a service, every reason. */
static json_t *build(const json_t *now, const json_t *before, double secs, const char *want)
{
	json_t *out = json_object(), *svcs = json_array(), *s, *b, *reas;
	size_t i, k;

	if (rate_mode)
		json_object_set_new(out, "interval_seconds", json_real(secs));
	for (i = 0; i < jlen(now, "services"); i++) {
		const json_t *s0;
		json_t *o, *bes;

		s = jat(now, "services", i);
		if (want && strcmp(want, jstr(s, "service")))
			continue;
		s0 = before ? find_by(json_object_get(before, "services"), "service",
				      jstr(s, "service"))
			    : NULL;
		bes = json_array();
		o = json_pack("{s:s,s:s}", "service", jstr(s, "service"), "name", jstr(s, "name"));
		put_counter(o, s, s0, secs);
		for (k = 0; k < jlen(s, "backends"); k++) {
			json_t *bo;

			b = jat(s, "backends", k);
			bo = json_pack("{s:s}", "address", jstr(b, "address"));
			put_counter(bo, b,
				    s0 ? find_by(json_object_get(s0, "backends"), "address",
						 jstr(b, "address"))
				       : NULL,
				    secs);
			json_array_append_new(bes, bo);
		}
		json_object_set_new(o, "backends", bes);
		json_array_append_new(svcs, o);
	}
	json_object_set_new(out, "services", svcs);
	if (want)
		return out;
	reas = json_object();
	for (i = 0; i < N_REASONS; i++) {
		const json_t *r = json_object_get(json_object_get(now, "reasons"), reasons[i].name);
		json_t *ro = json_object();

		if (!r)
			continue;
		put_counter(ro, r,
			    before ? json_object_get(json_object_get(before, "reasons"),
						     reasons[i].name)
				   : NULL,
			    secs);
		json_object_set_new(reas, reasons[i].name, ro);
	}
	json_object_set_new(out, "reasons", reas);
	return out;
}

/* The two human columns of a counter object. */
static void cells(const json_t *c, char *pk, char *by, size_t len)
{
	char t[48];

	if (rate_mode) {
		snprintf(pk, len, "%.1f", jreal(c, "packets_per_second"));
		snprintf(by, len, "%s/s", fmt_bytes(jreal(c, "bytes_per_second"), t, sizeof(t)));
	} else {
		fmt_count((uint64_t)jint(c, "packets"), pk, len);
		fmt_bytes((double)jint(c, "bytes"), by, len);
	}
}

static bool is_zero(const json_t *c)
{
	return rate_mode ? !jreal(c, "packets_per_second") && !jreal(c, "bytes_per_second")
			 : !jint(c, "packets") && !jint(c, "bytes");
}

static void print_stats(const json_t *j)
{
	const char *ph = rate_mode ? ">PACKETS/S" : ">PACKETS",
		   *bh = rate_mode ? ">BYTES/S" : ">BYTES";
	struct table *t = table_new(4, "SERVICE", "NAME", ph, bh);
	const json_t *reas = json_object_get(j, "reasons");
	json_t *s, *b;
	size_t i, k, shown = 0;
	char pk[48], by[48], addr[80];

	if (rate_mode)
		printf("per second over %.0f s\n\n", jreal(j, "interval_seconds"));
	for (i = 0; i < jlen(j, "services"); i++) {
		s = jat(j, "services", i);
		cells(s, pk, by, sizeof(pk));
		table_row(t, jstr(s, "service"), *jstr(s, "name") ? jstr(s, "name") : "-", pk, by);
		for (k = 0; k < jlen(s, "backends"); k++) {
			b = jat(s, "backends", k);
			cells(b, pk, by, sizeof(pk));
			snprintf(addr, sizeof(addr), "  -> %s", jstr(b, "address"));
			table_row(t, addr, "", pk, by);
		}
	}
	table_print(t);
	if (!reas)
		return;
	putchar('\n');
	t = table_new(4, "REASON", "ACTION", ph, bh);
	for (i = 0; i < N_REASONS; i++) {
		const json_t *r = json_object_get(reas, reasons[i].name);
		char action[16];

		if (!r || is_zero(r))
			continue;
		snprintf(action, sizeof(action), "%s", reasons[i].action + strlen("XDP_"));
		for (char *p = action; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		cells(r, pk, by, sizeof(pk));
		table_row(t, reasons[i].name, action, pk, by);
		shown++;
	}
	if (shown)
		table_print(t);
	else
		printf("no packets counted%s\n", rate_mode ? " in the interval" : "");
}

static int do_show(int argc, char **argv)
{
	struct xlb_service_ref ref;
	const char *want = NULL;
	char text[XLB_SERVICE_STRLEN];
	__u32 secs = 1;
	json_t *before = NULL, *now, *out;

	rate_mode = false;
	for (int i = 0; i < argc; i++) {
		if (is_word(argv[i], "--rate")) {
			if (rate_mode)
				return usage("--rate given twice");
			rate_mode = true;
			/* SECONDS, not a service (which has a ':'), when it starts with a digit. */
			if (i + 1 < argc && argv[i + 1][0] >= '0' && argv[i + 1][0] <= '9' &&
			    !strchr(argv[i + 1], ':') &&
			    arg_u32("--rate SECONDS", argv[++i], 1, RATE_MAX_S, &secs))
				return LBCTL_FAIL;
		} else if (!want && argv[i][0] != '-') {
			if (arg_service(argv[i], &ref))
				return LBCTL_FAIL;
			want = svc_text(&ref, text, sizeof(text));
		} else {
			return usage("unexpected argument '%s'; usage: lbctl stats show %s",
				     argv[i], opts.cmd->args);
		}
	}
	if (rate_mode) {
		if (api_call("GET", "/v1/stats", NULL, 0, &before))
			return LBCTL_FAIL;
		sleep(secs);
	}
	if (api_call("GET", "/v1/stats", NULL, 0, &now)) {
		json_decref(before);
		return LBCTL_FAIL;
	}
	if (want && !find_by(json_object_get(now, "services"), "service", want)) {
		json_decref(before);
		json_decref(now);
		return fail("no such service: %s", want);
	}
	out = build(now, before, secs, want);
	json_decref(before);
	json_decref(now);
	return emit(out, print_stats);
}

static const struct lbctl_cmd cmds[] = {
	{ "show", do_show, "[SERVICE] [--rate [SECONDS]]",
	  "counters by service, backend, reason (or per second)" },
	{ NULL },
};

const struct lbctl_object obj_stats = {
	.name = "stats",
	.help = "data-path counters",
	.cmds = cmds,
	.dflt = "show",
	.defs = stats_defs,
};
