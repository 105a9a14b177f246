// SPDX-License-Identifier: GPL-2.0
/* table.c - lbctl table: the Maglev table of a service as xlbd built it (GET /v1/tables/...),
 * and plans: what a change (add, delete, reweight, drain, enable, disable a backend) would do
 * to the table before it is applied. A plan takes the running configuration from xlbd
 * (GET /v1/config), makes the change on a copy with xlbd's own edits (apiedit.c), validates
 * the copy as xlbd would, and asks xlbd's planner (plan.c) for the new table, with the checks'
 * view (GET /v1/health) and the table now (GET /v1/tables) as its last good table. Maglev
 * depends only on addresses and weights, never on ids, so the two tables are compared slot by
 * slot by address. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiedit.h"
#include "config.h"
#include "config_schema.h"
#include "lbctl.h"
#include "maglev.h"
#include "plan.h"

static const char *const table_defs[] = {
	DEF_SERVICE,
	DEF_BACKEND,
	"CHANGE  := add BACKEND [weight W] | del BACKEND | weight BACKEND W | drain BACKEND |",
	"           enable BACKEND | disable BACKEND",
	NULL,
};

/* ---- show ---- */

static void print_show(const json_t *j)
{
	struct table *t = table_new(4, "ADDRESS", ">SLOTS", ">SHARE", "ENCAP");
	json_t *b;
	size_t i;

	printf("service      %s\n", jstr(j, "service"));
	printf("table_size   %lld (inner map id %lld)\n", (long long)jint(j, "table_size"),
	       (long long)jint(j, "inner_map_id"));
	printf("fingerprint  %s\n", jstr(j, "fingerprint"));
	printf("empty_slots  %lld\n\n", (long long)jint(j, "empty_slots"));
	for (i = 0; i < jlen(j, "backends"); i++) {
		char slots[24], share[24];

		b = jat(j, "backends", i);
		snprintf(slots, sizeof(slots), "%lld", (long long)jint(b, "slots"));
		table_row(t, jstr(b, "address"), slots,
			  fmt_share(jreal(b, "share"), share, sizeof(share)), jstr(b, "encap"));
	}
	table_print(t);
}

static int do_show(int argc, char **argv)
{
	struct xlb_service_ref ref;
	char path[256], vip[64];
	json_t *j;

	if (want_args(argc, 1, 1))
		return LBCTL_USAGE;
	if (arg_service(argv[0], &ref))
		return LBCTL_FAIL;
	snprintf(path, sizeof(path), "/v1/tables/%s/%u/%s", addr_text(&ref.vip, vip, sizeof(vip)),
		 ref.port, ref.proto == IPPROTO_TCP ? "tcp" : "udp");
	if (api_call("GET", path, NULL, 0, &j))
		return LBCTL_FAIL;
	return emit(j, print_show);
}

/* ---- plan ---- */

enum change_op { CH_ADD, CH_DEL, CH_WEIGHT, CH_DRAIN, CH_ENABLE, CH_DISABLE, CH_COUNT };

static const char *const change_names[CH_COUNT] = { "add",   "del",    "weight",
						    "drain", "enable", "disable" };

struct change {
	enum change_op op;
	struct xlb_addr addr;
	__u32 weight;
};

static int parse_change(int argc, char **argv, struct change *ch)
{
	int k = pick_name(argv[0], change_names, CH_COUNT, "change");

	if (k < 0)
		return LBCTL_USAGE;
	ch->op = (enum change_op)k;
	ch->weight = XLB_CONF_DEFAULT_WEIGHT;
	if (argc < 2)
		return usage("%s needs a backend address; usage: lbctl table plan SERVICE CHANGE",
			     change_names[k]);
	if (arg_addr("backend", argv[1], &ch->addr))
		return LBCTL_FAIL;
	switch (ch->op) {
	case CH_ADD:
		if (argc == 2)
			return 0;
		if (argc != 4 || !is_word(argv[2], "weight"))
			return usage("usage: lbctl table plan SERVICE add BACKEND [weight W]");
		return arg_u32("weight", argv[3], 0, 65535, &ch->weight);
	case CH_WEIGHT:
		if (argc != 3)
			return usage("usage: lbctl table plan SERVICE weight BACKEND W");
		return arg_u32("weight", argv[2], 0, 65535, &ch->weight);
	default:
		if (argc != 2)
			return usage("too many arguments; usage: lbctl table plan SERVICE %s "
				     "BACKEND",
				     change_names[k]);
		return 0;
	}
}

/* The API request that makes change ch to service ref: the edit xlbd would make. */
static void change_request(const struct change *ch, const struct xlb_service_ref *ref,
			   struct api_request *req)
{
	memset(req, 0, sizeof(*req));
	req->svc = *ref;
	req->backend = ch->addr;
	conf_backend_init(&req->be);
	req->be.addr = ch->addr;
	switch (ch->op) {
	case CH_ADD:
		req->op = API_BACKEND_ADD;
		req->be.weight = ch->weight;
		break;
	case CH_DEL:
		req->op = API_BACKEND_DEL;
		break;
	case CH_WEIGHT:
		req->op = API_BACKEND_SET;
		req->fields = API_F_WEIGHT;
		req->be.weight = ch->weight;
		break;
	default:
		req->op = API_BACKEND_SET;
		req->fields = API_F_STATE;
		req->be.admin = ch->op == CH_DRAIN    ? XLB_ADMIN_DRAIN
				: ch->op == CH_ENABLE ? XLB_ADMIN_ENABLED
						      : XLB_ADMIN_DISABLED;
		break;
	}
}

/* What xlbd says of a service now: its checks (GET /v1/health) and its table (GET
 * /v1/tables), for the members_view of the changed configuration s. */
struct plan_view {
	const json_t *checks; /* the service's health entries */
	const json_t *table; /* the table in the data path: slots per backend */
	const struct xlb_conf_service *s;
};

static const json_t *entry_of(const json_t *arr, const struct xlb_addr *addr)
{
	char a[64];

	addr_text(addr, a, sizeof(a));
	for (size_t k = 0; k < json_array_size(arr); k++)
		if (!strcmp(jstr(json_array_get(arr, k), "address"), a))
			return json_array_get(arr, k);
	return NULL;
}

/* plan_runtime.healthy: a backend passes its checks unless they say down; one without a check
 * entry (one the change adds) starts as its service's check says. */
static bool plan_healthy(void *ctx, const struct xlb_service_ref *svc, const struct xlb_addr *a)
{
	const struct plan_view *v = ctx;
	const json_t *e = entry_of(v->checks, a);

	(void)svc;
	if (e)
		return strcmp(jstr(e, "state"), "down") != 0;
	return v->s->health.type == XLB_HC_NONE || v->s->health.initial_up;
}

/* In the table now. That is the last good table unless the service fails open now (then it
 * also holds the healthy backends that joined it). */
static bool plan_in_table(void *ctx, size_t i)
{
	const struct plan_view *v = ctx;
	const json_t *e = entry_of(json_object_get(v->table, "backends"), &v->s->backends[i].addr);

	return e && jint(e, "slots") > 0;
}

/* The Maglev inputs of s over the address list all[0..n): the backends whose states[] (one
 * per backend of s) is up; ids are positions in all + 1. */
static size_t inputs(const struct xlb_conf_service *s, const __u8 *states,
		     const struct maglev_backend *all, size_t n, struct maglev_backend *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < s->n_backends; j++) {
			const struct xlb_addr *a = &s->backends[j].addr;

			if (states[j] != XLB_BE_UP || a->family != all[i].family ||
			    memcmp(a->addr, all[i].addr, sizeof(a->addr)))
				continue;
			out[k] = all[i];
			out[k++].weight = s->backends[j].weight;
		}
	}
	return k;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static json_t *addr_json(const struct maglev_backend *all, __u32 id)
{
	char t[64];

	if (!id)
		return json_null();
	return json_string(raw_addr_text(all[id - 1].addr, all[id - 1].family, t, sizeof(t)));
}

/* Compare the two tables and describe the plan. */
static json_t *describe(const char *svc, const struct change *ch, const struct maglev_backend *all,
			size_t n, const __u32 *before, const __u32 *after, __u32 m)
{
	__u32 *cnt_b = calloc(n + 1, sizeof(__u32)), *cnt_a = calloc(n + 1, sizeof(__u32));
	__u64 *moves = calloc(m, sizeof(__u64));
	json_t *out, *bes = json_array(), *mv = json_array();
	size_t nmoves = 0;
	char fpb[17], fpa[17], a[64];

	if (!cnt_b || !cnt_a || !moves)
		abort();
	for (__u32 i = 0; i < m; i++) {
		cnt_b[before[i]]++;
		cnt_a[after[i]]++;
		if (before[i] != after[i])
			moves[nmoves++] = (__u64)before[i] << 32 | after[i];
	}
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
			bes, json_pack("{s:s,s:I,s:I,s:f,s:f}", "address",
				       raw_addr_text(all[i].addr, all[i].family, a, sizeof(a)),
				       "slots_before", (json_int_t)cnt_b[i + 1], "slots_after",
				       (json_int_t)cnt_a[i + 1], "share_before",
				       (double)cnt_b[i + 1] / m, "share_after",
				       (double)cnt_a[i + 1] / m));
	qsort(moves, nmoves, sizeof(*moves), cmp_u64);
	for (size_t i = 0; i < nmoves;) {
		size_t j = i;

		while (j < nmoves && moves[j] == moves[i])
			j++;
		json_array_append_new(mv,
				      json_pack("{s:o,s:o,s:I,s:f}", "from",
						addr_json(all, (__u32)(moves[i] >> 32)), "to",
						addr_json(all, (__u32)moves[i]), "slots",
						(json_int_t)(j - i), "share", (double)(j - i) / m));
		i = j;
	}
	snprintf(fpb, sizeof(fpb), "%016llx",
		 (unsigned long long)maglev_fingerprint(before, m, all, n));
	snprintf(fpa, sizeof(fpa), "%016llx",
		 (unsigned long long)maglev_fingerprint(after, m, all, n));
	out = json_pack("{s:s,s:I,s:{s:s,s:s}}", "service", svc, "table_size", (json_int_t)m,
			"change", "op", change_names[ch->op], "address",
			addr_text(&ch->addr, a, sizeof(a)));
	if (ch->op == CH_ADD || ch->op == CH_WEIGHT)
		json_object_set_new(json_object_get(out, "change"), "weight",
				    json_integer(ch->weight));
	json_object_set_new(out, "backends", bes);
	json_object_set_new(out, "moves", mv);
	json_object_set_new(out, "moved_slots", json_integer((json_int_t)nmoves));
	json_object_set_new(out, "moved_share", json_real((double)nmoves / m));
	json_object_set_new(out, "fingerprint_before", json_string(fpb));
	json_object_set_new(out, "fingerprint_after", json_string(fpa));
	free(cnt_b);
	free(cnt_a);
	free(moves);
	return out;
}

static void print_plan(const json_t *j)
{
	const json_t *ch = json_object_get(j, "change");
	struct table *t;
	json_t *e;
	size_t i;
	char sb[24], sa[24], pb[24], pa[24];

	printf("plan for %s (table_size %lld): ", jstr(j, "service"),
	       (long long)jint(j, "table_size"));
	if (!strcmp(jstr(ch, "op"), "weight"))
		printf("weight of %s to %lld\n\n", jstr(ch, "address"),
		       (long long)jint(ch, "weight"));
	else if (!strcmp(jstr(ch, "op"), "add"))
		printf("add %s with weight %lld\n\n", jstr(ch, "address"),
		       (long long)jint(ch, "weight"));
	else
		printf("%s %s\n\n", jstr(ch, "op"), jstr(ch, "address"));
	t = table_new(5, "ADDRESS", ">SLOTS_BEFORE", ">SLOTS_AFTER", ">SHARE_BEFORE",
		      ">SHARE_AFTER");
	for (i = 0; i < jlen(j, "backends"); i++) {
		e = jat(j, "backends", i);
		snprintf(sb, sizeof(sb), "%lld", (long long)jint(e, "slots_before"));
		snprintf(sa, sizeof(sa), "%lld", (long long)jint(e, "slots_after"));
		table_row(t, jstr(e, "address"), sb, sa,
			  fmt_share(jreal(e, "share_before"), pb, sizeof(pb)),
			  fmt_share(jreal(e, "share_after"), pa, sizeof(pa)));
	}
	table_print(t);
	if (json_array_size(json_object_get(j, "moves"))) {
		putchar('\n');
		t = table_new(4, "FROM", "TO", ">SLOTS", ">SHARE");
		for (i = 0; i < jlen(j, "moves"); i++) {
			const char *from, *to;

			e = jat(j, "moves", i);
			from = jstr(e, "from");
			to = jstr(e, "to");
			snprintf(sb, sizeof(sb), "%lld", (long long)jint(e, "slots"));
			table_row(t, *from ? from : "(empty)", *to ? to : "(empty)", sb,
				  fmt_share(jreal(e, "share"), pb, sizeof(pb)));
		}
		table_print(t);
	}
	printf("\n%lld of %lld slots move (%s of the hash space)\n",
	       (long long)jint(j, "moved_slots"), (long long)jint(j, "table_size"),
	       fmt_share(jreal(j, "moved_share"), pb, sizeof(pb)));
	printf("fingerprint %s -> %s\n", jstr(j, "fingerprint_before"),
	       jstr(j, "fingerprint_after"));
}

/* GET /v1/RESOURCE/VIP/PORT/PROTO into *out. Returns 0 or LBCTL_FAIL (reported). */
static int get_of_service(const char *resource, const struct xlb_service_ref *ref, json_t **out)
{
	char path[160], vip[64];

	snprintf(path, sizeof(path), "/v1/%s/%s/%u/%s", resource,
		 addr_text(&ref->vip, vip, sizeof(vip)), ref->port,
		 ref->proto == IPPROTO_TCP ? "tcp" : "udp");
	return api_call("GET", path, NULL, 0, out) ? LBCTL_FAIL : 0;
}

/* The running configuration (GET /v1/config) into conf. Returns 0 or LBCTL_FAIL. */
static int running_conf(struct xlb_conf *conf)
{
	char err[XLB_CONF_ERR_MAX];
	json_t *j;
	int ret;

	if (api_call("GET", "/v1/config", NULL, 0, &j))
		return LBCTL_FAIL;
	ret = xlb_conf_parse(jstr(j, "yaml"), strlen(jstr(j, "yaml")), "running configuration",
			     conf, err, sizeof(err));
	json_decref(j);
	return ret ? fail("cannot read the running configuration: %s", err) : 0;
}

/* The changed configuration: the running one with the API edit of ch made, refused as xlbd
 * would refuse it. Returns 0 or LBCTL_FAIL (reported; *changed is then freed). */
static int changed_conf(const struct xlb_conf *conf, const struct xlb_service_ref *ref,
			const struct change *ch, struct xlb_conf *changed)
{
	struct api_request req;
	char err[XLB_CONF_ERR_MAX];

	if (xlb_conf_copy(changed, conf))
		return fail("out of memory");
	change_request(ch, ref, &req);
	if (api_edit_conf(changed, &req, err, sizeof(err))) {
		xlb_conf_free(changed);
		return fail("%s", err);
	}
	/* Messages by key path: line numbers of the dumped text would mean nothing here. */
	for (size_t i = 0; i < changed->n_services; i++) {
		changed->services[i].line = 0;
		for (size_t j = 0; j < changed->services[i].n_backends; j++)
			changed->services[i].backends[j].line = 0;
	}
	if (xlb_conf_validate(changed, "change", err, sizeof(err))) {
		xlb_conf_free(changed);
		return fail("xlbd would refuse this change: %s",
			    strncmp(err, "change: ", 8) ? err : err + 8);
	}
	return 0;
}

/* The record of the maps as xlbd's answers show them for service s alone: id 0, backends
 * 1..n in configuration order (a backend the change adds gets n + 1, as in all[]), up when
 * they hold slots in the table now (now_up[], of s, not of the changed service, whose
 * backends a delete has shifted), which is also the last good table. The table's inputs
 * are unknown, so the plan always says what the table after the change is built from. */
static struct plan_state *record_of(const struct xlb_conf_service *s, const __u8 *now_up)
{
	struct plan_state *rec = calloc(1, sizeof(*rec));

	if (!rec)
		return NULL;
	rec->svcs[0].used = true;
	plan_svc_key(&s->ref, &rec->svcs[0].key);
	rec->svcs[0].m = s->table_size;
	rec->svcs[0].has_table = true;
	for (size_t i = 0; i < s->n_backends; i++) {
		struct xlb_backend *b = &rec->bes[i + 1];

		memcpy(b->addr, s->backends[i].addr.addr, sizeof(b->addr));
		b->family = s->backends[i].addr.family;
		b->generation = 1;
		b->weight = (__u16)s->backends[i].weight;
		b->state = now_up[i];
		rec->good[i + 1] = b->state == XLB_BE_UP;
	}
	return rec;
}

/* The table after the change, as xlbd's planner (plan.h) plans it for the changed
 * configuration: the inputs of its table swap, built. view->s is the changed service. */
static int plan_after(const struct xlb_conf_service *s, const __u8 *now_up,
		      const struct xlb_conf *changed, struct plan_view *view, __u32 *after)
{
	struct plan_runtime rt = { .healthy = plan_healthy, .ctx = view };
	struct plan_scope scope = { .only = &s->ref, .n_only = 1 };
	struct plan_state *rec = record_of(s, now_up);
	const struct plan_op *op = NULL;
	char err[XLB_CONF_ERR_MAX];
	struct plan p;
	int ret = -1;

	if (!rec || plan_init(&p)) {
		free(rec);
		fail("out of memory");
		return -1;
	}
	if (plan_build(&p, rec, changed, &rt, &scope, err, sizeof(err))) {
		fail("%s", err);
		goto out;
	}
	for (size_t i = 0; i < p.n_ops && !op; i++)
		if (p.ops[i].kind == PLAN_TABLE_SWAP)
			op = &p.ops[i];
	if (!op || maglev_build(p.mb + op->table.first, op->table.n, after, op->table.m))
		fail("cannot build the changed table");
	else
		ret = 0;
out:
	plan_free(&p);
	free(rec);
	return ret;
}

/* The table now is the one in the data path (its backends with slots); the table after is
 * what xlbd's planner plans for the changed configuration (plan_after()), with the checks'
 * view of each backend and the table now as the last good one. */
static int do_plan(int argc, char **argv)
{
	struct xlb_conf conf, changed;
	struct xlb_conf_service *s, *cs;
	struct xlb_service_ref ref;
	struct maglev_backend *all = NULL, *mb = NULL;
	struct change ch;
	struct plan_view view = { 0 };
	__u32 *before = NULL, *after = NULL;
	__u8 *now_up = NULL;
	char svc[XLB_SERVICE_STRLEN];
	json_t *health = NULL, *table = NULL, *out;
	size_t n, k;
	int ret;

	if (want_args(argc, 3, 5))
		return LBCTL_USAGE;
	if (arg_service(argv[0], &ref))
		return LBCTL_FAIL;
	ret = parse_change(argc - 1, argv + 1, &ch);
	if (ret)
		return ret;
	svc_text(&ref, svc, sizeof(svc));
	if (running_conf(&conf))
		return LBCTL_FAIL;
	ret = LBCTL_FAIL;
	s = xlb_conf_find_service(&conf, &ref);
	if (!s) {
		fail("no such service: %s", svc);
		goto out_conf;
	}
	if (changed_conf(&conf, &ref, &ch, &changed))
		goto out_conf;
	cs = xlb_conf_find_service(&changed, &ref);
	if (get_of_service("health", &ref, &health) || get_of_service("tables", &ref, &table))
		goto out_changed;

	/* Every address of either side, ids in order; a new backend comes last. */
	n = s->n_backends + (ch.op == CH_ADD);
	all = calloc(n ? n : 1, sizeof(*all));
	mb = calloc(n ? n : 1, sizeof(*mb));
	now_up = calloc(n ? n : 1, 1);
	before = calloc(s->table_size, sizeof(*before));
	after = calloc(s->table_size, sizeof(*after));
	if (!all || !mb || !now_up || !before || !after) {
		fail("out of memory");
		goto out_free;
	}
	for (size_t i = 0; i < n; i++) {
		const struct xlb_addr *a = i < s->n_backends ? &s->backends[i].addr : &ch.addr;

		memcpy(all[i].addr, a->addr, sizeof(all[i].addr));
		all[i].family = a->family;
		all[i].id = (__u32)i + 1;
	}
	view = (struct plan_view){ .checks = json_object_get(health, "backends"),
				   .table = table,
				   .s = s };
	for (size_t i = 0; i < s->n_backends; i++)
		now_up[i] = plan_in_table(&view, i) ? XLB_BE_UP : XLB_BE_DOWN;
	k = inputs(s, now_up, all, n, mb);
	if (maglev_build(mb, k, before, s->table_size)) {
		fail("cannot build the current table");
		goto out_free;
	}
	view.s = cs;
	if (plan_after(s, now_up, &changed, &view, after))
		goto out_free;
	out = describe(svc, &ch, all, n, before, after, s->table_size);
	ret = emit(out, print_plan);
out_free:
	free(all);
	free(mb);
	free(now_up);
	free(before);
	free(after);
out_changed:
	json_decref(health);
	json_decref(table);
	xlb_conf_free(&changed);
out_conf:
	xlb_conf_free(&conf);
	return ret;
}

static const struct lbctl_cmd cmds[] = {
	{ "show", do_show, "SERVICE", "each backend's slots and share, the table fingerprint" },
	{ "plan", do_plan, "SERVICE CHANGE",
	  "slots CHANGE would move, from which backend to which" },
	{ NULL },
};

const struct lbctl_object obj_table = {
	.name = "table",
	.help = "Maglev lookup tables",
	.cmds = cmds,
	.defs = table_defs,
};
