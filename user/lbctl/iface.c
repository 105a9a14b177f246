// SPDX-License-Identifier: GPL-2.0
/* iface.c - lbctl iface: the interfaces xlb_lb runs on, with the XDP mode each is configured
 * for and the one the kernel reports (GET /v1/interfaces), attached and detached at run time
 * through xlbd (POST /v1/interfaces, DELETE /v1/interfaces/NAME). JSON output is the API's
 * answer, unchanged. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "lbctl.h"

static const char *const iface_defs[] = {
	"IFACE   := a network interface in xlbd's namespace, e.g. eth0",
	NULL,
};

/* The modes attach takes; auto is for the configuration file, where a fallback is unattended. */
static const char *const attach_modes[] = { "native", "generic" };

static void print_list(const json_t *j)
{
	struct table *t = table_new(5, "IFACE", "MODE", "ATTACHED", ">IFINDEX", ">PROG_ID");
	json_t *f;
	size_t i;

	for (i = 0; i < jlen(j, "interfaces"); i++) {
		char ifindex[16], prog[16];

		f = jat(j, "interfaces", i);
		snprintf(ifindex, sizeof(ifindex), "%lld", (long long)jint(f, "ifindex"));
		snprintf(prog, sizeof(prog), "%lld", (long long)jint(f, "prog_id"));
		table_row(t, jstr(f, "name"), jstr(f, "mode"), jstr(f, "attached"),
			  jint(f, "ifindex") ? ifindex : "-", jint(f, "prog_id") ? prog : "-");
	}
	table_print(t);
}

/* Checked as the configuration file checks it; whether it exists is for xlbd to say, in its
 * own network namespace. */
static int arg_iface(const char *s)
{
	const char *why = xlb_conf_iface_problem(s, strlen(s));

	if (!why)
		return 0;
	return fail("interface name '%s' is not valid: %s", s, why);
}

static int parse_mode(const char *v, void *dst)
{
	for (size_t i = 0; i < sizeof(attach_modes) / sizeof(attach_modes[0]); i++) {
		if (!strcmp(v, attach_modes[i])) {
			*(const char **)dst = attach_modes[i];
			return 0;
		}
	}
	return fail("mode must be native or generic, got %s", v);
}

static int do_list(int argc, char **argv)
{
	json_t *j;

	(void)argv;
	if (want_args(argc, 0, 0))
		return LBCTL_USAGE;
	if (api_call("GET", "/v1/interfaces", NULL, 0, &j))
		return LBCTL_FAIL;
	return emit(j, print_list);
}

static int do_attach(int argc, char **argv)
{
	const char *mode = NULL;
	struct kwarg kw[] = {
		{ "mode", parse_mode, &mode, false },
	};
	json_t *body, *j;
	int ret;

	if (want_args(argc, 1, 3))
		return LBCTL_USAGE;
	if (arg_iface(argv[0]))
		return LBCTL_FAIL;
	ret = parse_kwargs(argc - 1, argv + 1, kw, 1);
	if (ret)
		return ret;
	body = json_pack("{s:s}", "name", argv[0]);
	if (mode)
		json_object_set_new(body, "mode", json_string(mode));
	if (api_call_json("POST", "/v1/interfaces", body, &j))
		return LBCTL_FAIL;
	return emit(j, NULL);
}

static int do_detach(int argc, char **argv)
{
	char path[64];
	json_t *j;

	if (want_args(argc, 1, 1))
		return LBCTL_USAGE;
	if (arg_iface(argv[0]))
		return LBCTL_FAIL;
	/* The name goes into the API's path, which takes no query, fragment or escape. */
	if (strpbrk(argv[0], "%?#"))
		return fail("interface %s cannot be named in the control API's path ('%%', '?' "
			    "and '#' are not allowed there): take it out of the configuration file "
			    "and reload",
			    argv[0]);
	snprintf(path, sizeof(path), "/v1/interfaces/%s", argv[0]);
	if (api_call("DELETE", path, NULL, 0, &j))
		return LBCTL_FAIL;
	return emit(j, NULL);
}

static const struct lbctl_cmd cmds[] = {
	{ "list", do_list, "", "each interface's configured and attached XDP mode" },
	{ "attach", do_attach, "IFACE [mode native|generic]",
	  "run xlb_lb on IFACE, or change its mode" },
	{ "detach", do_detach, "IFACE", "stop xlb_lb on IFACE" },
	{ NULL },
};

const struct lbctl_object obj_iface = {
	.name = "iface",
	.help = "interfaces xlb_lb runs on",
	.cmds = cmds,
	.dflt = "list",
	.defs = iface_defs,
};
