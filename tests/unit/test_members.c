// SPDX-License-Identifier: GPL-2.0
/* test_members.c - which backends of a service are up (user/common/members.c), table-driven
 * and without maps: administrative state and weight, health, min_healthy and fail-open with
 * and without a last good table. xlbd (state.c) and `lbctl table plan` both use this rule. */
#include <string.h>

#include "members.h"
#include "xt.h"

/* One service. Per backend, one character in each string:
 *   config  'E' enabled (weight 100), 'Z' enabled with weight 0, 'R' drain, 'X' disabled
 *   health  '+' passes its checks, '-' fails them
 *   good    'g' was up in the last good table, '.' was not
 *   want    'U' up, 'R' drain, 'D' down */
struct mcase {
	const char *name;
	const char *config, *health, *good;
	unsigned min_healthy;
	const char *want;
	bool fail_open;
	unsigned n_healthy, n_good;
};

static const struct mcase CASES[] = {
	{ "configuration_alone", "EZRX", "++++", "....", 0, "URRD", false, 1, 0 },
	{ "unhealthy_goes_down", "EEE", "+-+", "ggg", 1, "UDU", false, 2, 3 },
	{ "min_healthy_met_exactly", "EEE", "+-+", "ggg", 2, "UDU", false, 2, 3 },
	/* Below min_healthy: the last good table's members stay, healthy ones join, the
	 * failing backend that was never in it stays out. */
	{ "fail_open_keeps_last_good", "EEEE", "+--+", "gg..", 3, "UUDU", true, 2, 2 },
	/* Below min_healthy with no last good member: every enabled backend stays up. */
	{ "fail_open_without_last_good", "EEEX", "---+", "....", 1, "UUUD", true, 0, 0 },
	/* Only backends up by configuration count: a healthy drain or weight-0 backend does
	 * not make min_healthy, and a disabled one never comes back through fail-open. */
	{ "drain_not_counted", "ERZ", "+++", "ggg", 2, "URR", true, 1, 1 },
	{ "disabled_stays_down", "EX", "-+", ".g", 1, "UD", true, 0, 0 },
	{ "all_healthy_no_fail_open", "EE", "++", "..", 2, "UU", false, 2, 0 },
	{ "no_backends", "", "", "", 1, "", true, 0, 0 },
};

struct view_ctx {
	const struct mcase *c;
};

static bool healthy(void *ctx, size_t i)
{
	return ((struct view_ctx *)ctx)->c->health[i] == '+';
}

static bool good(void *ctx, size_t i)
{
	return ((struct view_ctx *)ctx)->c->good[i] == 'g';
}

static int run_case(const struct mcase *c)
{
	struct xlb_conf_backend bes[8];
	struct xlb_conf_service cs = { .backends = bes, .min_healthy = c->min_healthy };
	struct view_ctx ctx = { c };
	struct members_view v = { .healthy = healthy, .good = good, .ctx = &ctx };
	struct members_result r;
	__u8 states[8];
	char got[9] = { 0 };

	cs.n_backends = strlen(c->config);
	XT_CHECK(cs.n_backends <= 8 && strlen(c->health) == cs.n_backends &&
			 strlen(c->good) == cs.n_backends && strlen(c->want) == cs.n_backends,
		 "test bug in %s", c->name);
	memset(bes, 0, sizeof(bes));
	for (size_t i = 0; i < cs.n_backends; i++) {
		bes[i].weight = c->config[i] == 'Z' ? 0 : 100;
		bes[i].admin = c->config[i] == 'R'   ? XLB_ADMIN_DRAIN
			       : c->config[i] == 'X' ? XLB_ADMIN_DISABLED
						     : XLB_ADMIN_ENABLED;
	}
	r = members_states(&cs, &v, states);
	for (size_t i = 0; i < cs.n_backends; i++)
		got[i] = states[i] == XLB_BE_UP ? 'U' : states[i] == XLB_BE_DRAIN ? 'R' : 'D';
	XT_CHECK(!strcmp(got, c->want), "%s: states %s, want %s", c->name, got, c->want);
	XT_CHECK(r.fail_open == c->fail_open, "%s: fail_open %d, want %d", c->name, r.fail_open,
		 c->fail_open);
	XT_CHECK(r.n_healthy == c->n_healthy && r.n_good == c->n_good,
		 "%s: %u healthy and %u good, want %u and %u", c->name, r.n_healthy, r.n_good,
		 c->n_healthy, c->n_good);
	return XT_PASS;
}

static int t_cases(void)
{
	for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++)
		if (run_case(&CASES[i]) != XT_PASS)
			return XT_FAIL;
	return XT_PASS;
}

static int t_admin_state(void)
{
	struct xlb_conf_backend b = { .weight = 1, .admin = XLB_ADMIN_ENABLED };

	XT_EQ(members_admin_state(&b), XLB_BE_UP);
	b.weight = 0;
	XT_EQ(members_admin_state(&b), XLB_BE_DRAIN);
	b.weight = 65535;
	b.admin = XLB_ADMIN_DRAIN;
	XT_EQ(members_admin_state(&b), XLB_BE_DRAIN);
	b.admin = XLB_ADMIN_DISABLED;
	XT_EQ(members_admin_state(&b), XLB_BE_DOWN);
	b.weight = 0;
	XT_EQ(members_admin_state(&b), XLB_BE_DOWN);
	return XT_PASS;
}

static const struct xt_case cases[] = {
	{ "admin_state", t_admin_state },
	{ "cases", t_cases },
};

int main(int argc, char **argv)
{
	return xt_run("unit/members", cases, sizeof(cases) / sizeof(cases[0]),
		      argc > 1 ? argv[1] : NULL);
}
