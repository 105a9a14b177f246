// SPDX-License-Identifier: GPL-2.0
/* backend.c - lbctl backend: add, change (weight, state, encap), drain, enable, disable and
 * delete the backends of a service through the control API (/v1/services/.../backends). States
 * follow ipvsadm's meaning: drain keeps established connections and takes no new ones,
 * disabled re-selects its connections too; weight 0 behaves like drain. encap is how packets
 * reach the backend (ipip, gue, l2), changed in place without moving its flows. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "lbctl.h"

static const char *const be_defs[] = { DEF_SERVICE, DEF_BACKEND,
				       "STATE   := enabled | drain | disabled",
				       "ENCAP   := ipip | gue | l2", NULL };

struct be_args {
	__u32 weight;
	const char *state;
	const char *encap;
};

static int parse_weight(const char *v, void *dst)
{
	return arg_u32("weight", v, 0, 65535, &((struct be_args *)dst)->weight);
}

static int parse_state(const char *v, void *dst)
{
	return arg_state(v, &((struct be_args *)dst)->state);
}

static int parse_encap(const char *v, void *dst)
{
	for (__u32 e = 0; xlb_encap_name(e); e++) {
		if (!strcmp(v, xlb_encap_name(e))) {
			((struct be_args *)dst)->encap = xlb_encap_name(e);
			return 0;
		}
	}
	return fail("encap must be ipip, gue or l2, got '%s'", v);
}

/* SERVICE BACKEND, then the API path of that backend (or of the service's backend list). */
static int parse_target(char **argv, struct xlb_service_ref *ref, struct xlb_addr *be, char *path,
			size_t len, bool list)
{
	char suffix[96], a[64];

	if (arg_service(argv[0], ref) || arg_addr("backend", argv[1], be))
		return LBCTL_FAIL;
	snprintf(suffix, sizeof(suffix), "/backends%s%s", list ? "" : "/",
		 list ? "" : addr_text(be, a, sizeof(a)));
	api_service_path(ref, suffix, path, len);
	return 0;
}

static void print_list(const json_t *j)
{
	print_backends(j);
}

static int do_list(int argc, char **argv)
{
	json_t *j;
	int ret = api_service_call("GET", argc, argv, &j);

	if (ret)
		return ret;
	/* Only what the command is about: the service and its backends. */
	json_t *out = json_pack("{s:O,s:O}", "service", json_object_get(j, "service"), "backends",
				json_object_get(j, "backends"));

	json_decref(j);
	return emit(out, print_list);
}

static int do_add(int argc, char **argv)
{
	struct be_args a = { .weight = XLB_CONF_DEFAULT_WEIGHT };
	struct kwarg kw[] = {
		{ "weight", parse_weight, &a, false },
		{ "state", parse_state, &a, false },
		{ "encap", parse_encap, &a, false },
	};
	struct xlb_service_ref ref;
	struct xlb_addr be;
	char path[256], text[64];
	json_t *body, *j;
	int ret;

	if (want_args(argc, 2, 8))
		return LBCTL_USAGE;
	if (parse_target(argv, &ref, &be, path, sizeof(path), true))
		return LBCTL_FAIL;
	ret = parse_kwargs(argc - 2, argv + 2, kw, 3);
	if (ret)
		return ret;
	body = json_pack("{s:s,s:I}", "address", addr_text(&be, text, sizeof(text)), "weight",
			 (json_int_t)a.weight);
	if (kw[1].seen)
		json_object_set_new(body, "state", json_string(a.state));
	if (kw[2].seen)
		json_object_set_new(body, "encap", json_string(a.encap));
	if (api_call_json("POST", path, body, &j))
		return LBCTL_FAIL;
	return emit(j, NULL);
}

static int patch(const char *path, json_t *body)
{
	json_t *j;

	if (api_call_json("PATCH", path, body, &j))
		return LBCTL_FAIL;
	return emit(j, NULL);
}

static int do_set(int argc, char **argv)
{
	struct be_args a = { 0 };
	struct kwarg kw[] = {
		{ "weight", parse_weight, &a, false },
		{ "state", parse_state, &a, false },
		{ "encap", parse_encap, &a, false },
	};
	struct xlb_service_ref ref;
	struct xlb_addr be;
	char path[256];
	json_t *body;
	int ret;

	if (want_args(argc, 2, 8))
		return LBCTL_USAGE;
	if (parse_target(argv, &ref, &be, path, sizeof(path), false))
		return LBCTL_FAIL;
	ret = parse_kwargs(argc - 2, argv + 2, kw, 3);
	if (ret)
		return ret;
	if (!kw[0].seen && !kw[1].seen && !kw[2].seen)
		return usage("nothing to set: give weight W, state STATE and/or encap ENCAP");
	body = json_object();
	if (kw[0].seen)
		json_object_set_new(body, "weight", json_integer(a.weight));
	if (kw[1].seen)
		json_object_set_new(body, "state", json_string(a.state));
	if (kw[2].seen)
		json_object_set_new(body, "encap", json_string(a.encap));
	return patch(path, body);
}

/* drain, enable, disable: a state change named by the verb. */
static int set_state(int argc, char **argv, const char *state)
{
	struct xlb_service_ref ref;
	struct xlb_addr be;
	char path[256];

	if (want_args(argc, 2, 2))
		return LBCTL_USAGE;
	if (parse_target(argv, &ref, &be, path, sizeof(path), false))
		return LBCTL_FAIL;
	return patch(path, json_pack("{s:s}", "state", state));
}

static int do_drain(int argc, char **argv)
{
	return set_state(argc, argv, "drain");
}

static int do_enable(int argc, char **argv)
{
	return set_state(argc, argv, "enabled");
}

static int do_disable(int argc, char **argv)
{
	return set_state(argc, argv, "disabled");
}

static int do_del(int argc, char **argv)
{
	struct xlb_service_ref ref;
	struct xlb_addr be;
	char path[256];
	json_t *j;

	if (want_args(argc, 2, 2))
		return LBCTL_USAGE;
	if (parse_target(argv, &ref, &be, path, sizeof(path), false))
		return LBCTL_FAIL;
	if (api_call("DELETE", path, NULL, 0, &j))
		return LBCTL_FAIL;
	return emit(j, NULL);
}

static const struct lbctl_cmd cmds[] = {
	{ "list", do_list, "SERVICE", "the backends of a service" },
	{ "add", do_add, "SERVICE BACKEND [weight W] [state STATE] [encap ENCAP]",
	  "add a backend (W 0..65535, default 100; ENCAP default ipip)" },
	{ "set", do_set, "SERVICE BACKEND [weight W] [state STATE] [encap ENCAP]",
	  "change weight, state and/or encap" },
	{ "drain", do_drain, "SERVICE BACKEND", "no new connections, established ones stay" },
	{ "enable", do_enable, "SERVICE BACKEND", "back into the Maglev table" },
	{ "disable", do_disable, "SERVICE BACKEND",
	  "out of the table, its connections re-selected" },
	{ "del", do_del, "SERVICE BACKEND", "remove a backend" },
	{ NULL },
};

const struct lbctl_object obj_backend = {
	.name = "backend",
	.help = "real servers of a service",
	.cmds = cmds,
	.defs = be_defs,
};
