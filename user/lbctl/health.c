// SPDX-License-Identifier: GPL-2.0
/* health.c - lbctl health: each backend's health as xlbd's checks see it (GET /v1/health):
 * state, the last check's result and latency, consecutive results, time since the last change. */
#include <stdio.h>
#include <string.h>

#include "lbctl.h"

static const char *const health_defs[] = { DEF_SERVICE, NULL };

static void print_health(const json_t *j)
{
	const json_t *list = json_object_get(j, "backends"), *b;
	struct table *t = table_new(9, "SERVICE", "BACKEND", "TYPE", "STATE", "LAST", "IN A ROW",
				    "LATENCY", "SINCE", "PORT EVERY/TIMEOUT RISE/FALL");
	size_t i;

	json_array_foreach(list, i, b)
	{
		char run[16], lat[24], since[24], how[64];

		snprintf(run, sizeof(run), "%lld", (long long)jint(b, "consecutive"));
		snprintf(lat, sizeof(lat), "%.1f ms",
			 json_real_value(json_object_get(b, "latency_ms")));
		snprintf(since, sizeof(since), "%.0f s ago",
			 json_real_value(json_object_get(b, "last_change_s_ago")));
		snprintf(how, sizeof(how), "%lld %lldms/%lldms %lld/%lld",
			 (long long)jint(b, "port"), (long long)jint(b, "interval_ms"),
			 (long long)jint(b, "timeout_ms"), (long long)jint(b, "rise"),
			 (long long)jint(b, "fall"));
		table_row(t, jstr(b, "service"), jstr(b, "address"), jstr(b, "type"),
			  jstr(b, "state"), jstr(b, "last_result"), run, lat, since, how);
	}
	table_print(t);
}

static int do_show(int argc, char **argv)
{
	struct xlb_service_ref ref;
	char path[256], svc[256];
	json_t *j;

	if (want_args(argc, 0, 1))
		return LBCTL_USAGE;
	if (argc == 1 && arg_service(argv[0], &ref))
		return LBCTL_FAIL;
	/* /v1/services/VIP/PORT/PROTO names the service; health lives under /v1/health/. */
	if (argc == 1)
		snprintf(path, sizeof(path), "/v1/health%s",
			 api_service_path(&ref, "", svc, sizeof(svc)) + strlen("/v1/services"));
	if (api_call("GET", argc == 1 ? path : "/v1/health", NULL, 0, &j))
		return LBCTL_FAIL;
	return emit(j, print_health);
}

static const struct lbctl_cmd cmds[] = {
	{ "show", do_show, "[SERVICE]", "state, last result, latency and last change per backend" },
	{ NULL },
};

const struct lbctl_object obj_health = {
	.name = "health",
	.help = "backends' health checks",
	.cmds = cmds,
	.dflt = "show",
	.defs = health_defs,
};
