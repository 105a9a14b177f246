// SPDX-License-Identifier: GPL-2.0
/* service.c - lbctl service: list, show, add, set and delete virtual services through the
 * control API (GET/POST/PATCH/DELETE /v1/services...). JSON output is the API's SERVICE
 * object (docs/api.md), unchanged. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "lbctl.h"

static const char *const svc_defs[] = { DEF_SERVICE, NULL };

static const char *name_or_dash(const char *s)
{
	return *s ? s : "-";
}

/* off: the service does not ask for it; yes/no: whether its VIP's route is announced. */
static const char *announced_text(const json_t *s)
{
	if (!json_is_true(json_object_get(s, "announce")))
		return "off";
	return json_is_true(json_object_get(s, "vip_announced")) ? "yes" : "no";
}

static void print_list(const json_t *j)
{
	struct table *t = table_new(7, "SERVICE", "NAME", ">TABLE_SIZE", "ECHO", ">BACKENDS",
				    ">ENABLED", "ANNOUNCED");
	json_t *s, *b;
	size_t i, k;

	for (i = 0; i < jlen(j, "services"); i++) {
		char size[16], nb[16], ne[16];
		size_t enabled = 0;

		s = jat(j, "services", i);
		for (k = 0; k < jlen(s, "backends"); k++) {
			b = jat(s, "backends", k);
			enabled += !strcmp(jstr(b, "state"), "enabled") && jint(b, "weight") > 0;
		}
		snprintf(size, sizeof(size), "%lld", (long long)jint(s, "table_size"));
		snprintf(nb, sizeof(nb), "%zu", json_array_size(json_object_get(s, "backends")));
		snprintf(ne, sizeof(ne), "%zu", enabled);
		table_row(t, jstr(s, "service"), name_or_dash(jstr(s, "name")), size,
			  json_is_true(json_object_get(s, "icmp_echo")) ? "on" : "off", nb, ne,
			  announced_text(s));
	}
	table_print(t);
}

void print_backends(const json_t *svc)
{
	struct table *t = table_new(4, "ADDRESS", ">WEIGHT", "STATE", "ENCAP");
	json_t *b;
	size_t i;

	for (i = 0; i < jlen(svc, "backends"); i++) {
		char w[16];

		b = jat(svc, "backends", i);
		snprintf(w, sizeof(w), "%lld", (long long)jint(b, "weight"));
		table_row(t, jstr(b, "address"), w, jstr(b, "state"), jstr(b, "encap"));
	}
	table_print(t);
}

static void print_one(const json_t *s)
{
	printf("service     %s\n", jstr(s, "service"));
	printf("name        %s\n", name_or_dash(jstr(s, "name")));
	printf("table_size  %lld\n", (long long)jint(s, "table_size"));
	printf("icmp_echo   %s\n", json_is_true(json_object_get(s, "icmp_echo")) ? "on" : "off");
	printf("announce    %s\n", json_is_true(json_object_get(s, "announce")) ? "on" : "off");
	printf("healthy     %s\n", json_is_true(json_object_get(s, "healthy")) ? "yes" : "no");
	printf("vip route   %s\n\n",
	       json_is_true(json_object_get(s, "vip_announced")) ? "announced" : "not announced");
	print_backends(s);
}

static int do_list(int argc, char **argv)
{
	json_t *j;

	(void)argv;
	if (want_args(argc, 0, 0))
		return LBCTL_USAGE;
	if (api_call("GET", "/v1/services", NULL, 0, &j))
		return LBCTL_FAIL;
	return emit(j, print_list);
}

static int do_show(int argc, char **argv)
{
	json_t *j;
	int ret = api_service_call("GET", argc, argv, &j);

	return ret ? ret : emit(j, print_one);
}

/* The optional settings of add and set. */
struct svc_args {
	const char *name;
	__u32 table_size;
	bool echo;
	bool announce;
};

static int parse_name(const char *v, void *dst)
{
	return arg_name(v, &((struct svc_args *)dst)->name);
}

static int parse_size(const char *v, void *dst)
{
	return arg_table_size(v, &((struct svc_args *)dst)->table_size);
}

static int parse_echo(const char *v, void *dst)
{
	return arg_onoff("echo", v, &((struct svc_args *)dst)->echo);
}

static int parse_announce(const char *v, void *dst)
{
	return arg_onoff("announce", v, &((struct svc_args *)dst)->announce);
}

/* Parse SERVICE [name N] [table-size M] [echo on|off] [announce on|off] into ref and a JSON
 * body. */
static int parse_settings(int argc, char **argv, struct xlb_service_ref *ref, json_t **body,
			  bool need_one)
{
	struct svc_args a = { 0 };
	struct kwarg kw[] = {
		{ "name", parse_name, &a, false },
		{ "table-size", parse_size, &a, false },
		{ "echo", parse_echo, &a, false },
		{ "announce", parse_announce, &a, false },
	};
	int ret;

	if (want_args(argc, 1, 9))
		return LBCTL_USAGE;
	if (arg_service(argv[0], ref))
		return LBCTL_FAIL;
	ret = parse_kwargs(argc - 1, argv + 1, kw, 4);
	if (ret)
		return ret;
	if (need_one && !kw[0].seen && !kw[1].seen && !kw[2].seen && !kw[3].seen)
		return usage("nothing to set: give name, table-size, echo or announce");
	*body = json_object();
	if (kw[0].seen)
		json_object_set_new(*body, "name", json_string(a.name));
	if (kw[1].seen)
		json_object_set_new(*body, "table_size", json_integer(a.table_size));
	if (kw[2].seen)
		json_object_set_new(*body, "icmp_echo", json_boolean(a.echo));
	if (kw[3].seen)
		json_object_set_new(*body, "announce", json_boolean(a.announce));
	return 0;
}

static int do_add(int argc, char **argv)
{
	struct xlb_service_ref ref;
	json_t *body, *j;
	char vip[64];
	int ret;

	ret = parse_settings(argc, argv, &ref, &body, false);
	if (ret)
		return ret;
	json_object_set_new(body, "vip", json_string(addr_text(&ref.vip, vip, sizeof(vip))));
	json_object_set_new(body, "port", json_integer(ref.port));
	json_object_set_new(body, "proto", json_string(ref.proto == IPPROTO_TCP ? "tcp" : "udp"));
	if (api_call_json("POST", "/v1/services", body, &j))
		return LBCTL_FAIL;
	return emit(j, NULL);
}

static int do_set(int argc, char **argv)
{
	struct xlb_service_ref ref;
	char path[256];
	json_t *body, *j;
	int ret;

	ret = parse_settings(argc, argv, &ref, &body, true);
	if (ret)
		return ret;
	if (api_call_json("PATCH", api_service_path(&ref, "", path, sizeof(path)), body, &j))
		return LBCTL_FAIL;
	return emit(j, NULL);
}

static int do_del(int argc, char **argv)
{
	json_t *j;
	int ret = api_service_call("DELETE", argc, argv, &j);

	return ret ? ret : emit(j, NULL);
}

static const struct lbctl_cmd cmds[] = {
	{ "list", do_list, "", "services with their number of backends" },
	{ "show", do_show, "SERVICE", "one service and its backends" },
	{ "add", do_add, "SERVICE [name NAME] [table-size M] [echo on|off] [announce on|off]",
	  "add a service (M prime, default 65537)" },
	{ "set", do_set, "SERVICE [name NAME] [table-size M] [echo on|off] [announce on|off]",
	  "change a service's settings" },
	{ "del", do_del, "SERVICE", "delete a service and its backends" },
	{ NULL },
};

const struct lbctl_object obj_service = {
	.name = "service",
	.help = "virtual services (VIP, port, protocol)",
	.cmds = cmds,
	.dflt = "list",
	.defs = svc_defs,
};
