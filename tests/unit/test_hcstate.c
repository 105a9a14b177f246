// SPDX-License-Identifier: GPL-2.0
/* test_hcstate.c - the rise/fall state machine, table-driven: result sequences and the states
 * and transitions they must give (flapping, exactly at the thresholds, restart in the middle). */
#include <string.h>

#include "hcstate.h"
#include "xt.h"

struct seq {
	const char *name;
	bool start_up;
	unsigned rise, fall;
	const char *results; /* '+' success, '-' failure */
	const char *states; /* expected state after each result: 'U' up, 'D' down */
	unsigned transitions;
};

static const struct seq SEQS[] = {
	{ "starts_down_rises_at_threshold", false, 2, 3, "++", "DU", 1 },
	{ "one_short_of_rise_stays_down", false, 3, 3, "++-++", "DDDDD", 0 },
	{ "falls_exactly_at_threshold", true, 2, 3, "---", "UUD", 1 },
	{ "one_short_of_fall_stays_up", true, 2, 3, "--+--+--", "UUUUUUUU", 0 },
	{ "flapping_never_changes", true, 2, 2, "-+-+-+-+", "UUUUUUUU", 0 },
	{ "flapping_down_never_rises", false, 2, 2, "+-+-+-+-", "DDDDDDDD", 0 },
	{ "down_then_up_then_down", true, 2, 2, "--++--", "UDDUUD", 3 },
	{ "rise_1_fall_1_follows_every_result", true, 1, 1, "-+-+", "DUDU", 4 },
	{ "long_success_run_while_up", true, 3, 3, "++++++", "UUUUUU", 0 },
	/* rise and fall far apart: swapping them changes every transition point. */
	{ "rise_4_fall_1", false, 4, 1, "+++-++++-", "DDDDDDDUD", 2 },
	{ "rise_1_fall_4", true, 1, 4, "---+----+", "UUUUUUUDU", 2 },
	/* A restarted daemon starts a backend where the data path had it (up), with no history:
	 * it takes a full `fall` run to go down, not a run left over from before. */
	{ "restart_in_the_middle_up", true, 2, 3, "--+---", "UUUUUD", 1 },
	{ "restart_in_the_middle_down", false, 2, 3, "+-++", "DDDU", 1 },
};

static int run_seq(const struct seq *q)
{
	struct hc_state s;
	unsigned transitions = 0;

	hc_init(&s, q->start_up);
	XT_EQ(s.up, q->start_up);
	for (size_t i = 0; q->results[i]; i++) {
		transitions += hc_step(&s, q->results[i] == '+', q->rise, q->fall);
		XT_CHECK(s.up == (q->states[i] == 'U'), "%s: after result %zu ('%c') state %s",
			 q->name, i + 1, q->results[i], s.up ? "up" : "down");
	}
	XT_CHECK(strlen(q->results) == strlen(q->states), "test bug in %s", q->name);
	XT_EQ(transitions, q->transitions);
	return XT_PASS;
}

static int t_sequences(void)
{
	for (size_t i = 0; i < sizeof(SEQS) / sizeof(SEQS[0]); i++)
		if (run_seq(&SEQS[i]) != XT_PASS)
			return XT_FAIL;
	return XT_PASS;
}

static int t_run_counts(void)
{
	struct hc_state s;

	hc_init(&s, false);
	hc_step(&s, false, 2, 2);
	hc_step(&s, false, 2, 2);
	XT_EQ(s.run, 2);
	XT_EQ(s.last_ok, 0);
	hc_step(&s, true, 2, 2);
	XT_EQ(s.run, 1);
	XT_EQ(s.last_ok, 1);
	return XT_PASS;
}

static const struct xt_case cases[] = {
	{ "sequences", t_sequences },
	{ "run_counts", t_run_counts },
};

int main(int argc, char **argv)
{
	return xt_run("unit/hcstate", cases, sizeof(cases) / sizeof(cases[0]),
		      argc > 1 ? argv[1] : NULL);
}
