// SPDX-License-Identifier: GPL-2.0
/* daemon.c - lbctl daemon: xlbd's status (GET /v1/status: version, ABI, paths, attached
 * interfaces, hash seed, reloads) and a reload of its configuration file
 * (POST /v1/daemon/reload, the same as SIGHUP). */
#include <stdio.h>

#include "lbctl.h"

static void print_status(const json_t *j)
{
	const json_t *ifs = json_object_get(j, "interfaces");
	size_t k;

	printf("version          %s (ABI %lld)\n", jstr(j, "version"),
	       (long long)jint(j, "abi_version"));
	printf("config           %s\n", jstr(j, "config_path"));
	printf("pin_dir          %s%s\n", jstr(j, "pin_dir"),
	       json_is_true(json_object_get(j, "adopted")) ? " (adopted at start)" : "");
	printf("interfaces       ");
	for (k = 0; k < json_array_size(ifs); k++)
		printf("%s%s", k ? " " : "", json_string_value(json_array_get(ifs, k)));
	printf("%s\n", json_array_size(ifs) ? "" : "(none)");
	printf("services         %lld\n", (long long)jint(j, "services"));
	printf("gateway_mac      %s\n", jstr(j, "gateway_mac"));
	printf("hash_seed        %lld\n", (long long)jint(j, "hash_seed"));
	printf("reloads          %lld applied, %lld refused\n",
	       (long long)jint(j, "reloads_applied"), (long long)jint(j, "reloads_refused"));
}

static int do_status(int argc, char **argv)
{
	json_t *j;

	(void)argv;
	if (want_args(argc, 0, 0))
		return LBCTL_USAGE;
	if (api_call("GET", "/v1/status", NULL, 0, &j))
		return LBCTL_FAIL;
	return emit(j, print_status);
}

static int do_reload(int argc, char **argv)
{
	json_t *j;

	(void)argv;
	if (want_args(argc, 0, 0))
		return LBCTL_USAGE;
	if (api_call("POST", "/v1/daemon/reload", NULL, 0, &j))
		return LBCTL_FAIL;
	return emit(j, NULL);
}

static const struct lbctl_cmd cmds[] = {
	{ "status", do_status, "", "version, ABI, interfaces, services, reloads" },
	{ "reload", do_reload, "", "re-read the configuration file (like SIGHUP)" },
	{ NULL },
};

const struct lbctl_object obj_daemon = {
	.name = "daemon",
	.help = "xlbd itself",
	.cmds = cmds,
	.dflt = "status",
};
