// SPDX-License-Identifier: GPL-2.0
/* version.c - lbctl version: lbctl's version and ABI, the libbpf it runs with, and the
 * daemon's version and ABI when it answers (GET /v1/status); an unreachable daemon is reported,
 * not an error. */
#include <stdio.h>
#include <bpf/libbpf.h>

#include "lbctl.h"

static void print_version(const json_t *j)
{
	const json_t *d = json_object_get(j, "xlbd");

	printf("lbctl   %s (ABI %lld)\n", jstr(j, "version"), (long long)jint(j, "abi_version"));
	printf("libbpf  %s\n", jstr(j, "libbpf"));
	if (json_is_null(d))
		printf("xlbd    not reachable at %s\n", opts.socket);
	else
		printf("xlbd    %s (ABI %lld)%s\n", jstr(d, "version"),
		       (long long)jint(d, "abi_version"),
		       jint(d, "abi_version") == XLB_ABI_VERSION ? ""
								 : " - ABI differs from lbctl's");
}

static int do_version(int argc, char **argv)
{
	char libbpf[32];
	json_t *st = NULL, *d = json_null();

	(void)argv;
	if (want_args(argc, 0, 0))
		return LBCTL_USAGE;
	snprintf(libbpf, sizeof(libbpf), "%u.%u", libbpf_major_version(), libbpf_minor_version());
	/* The daemon is optional here: ask quietly. */
	opts.quiet = true;
	if (!api_call("GET", "/v1/status", NULL, 0, &st)) {
		d = json_pack("{s:s,s:O}", "version", jstr(st, "version"), "abi_version",
			      json_object_get(st, "abi_version"));
		json_decref(st);
	}
	opts.quiet = false;
	return emit(json_pack("{s:s,s:I,s:s,s:o}", "version", LBCTL_VERSION, "abi_version",
			      (json_int_t)XLB_ABI_VERSION, "libbpf", libbpf, "xlbd", d),
		    print_version);
}

const struct lbctl_object obj_version = {
	.name = "version",
	.help = "versions of lbctl, libbpf and xlbd",
	.fn = do_version,
	.args = "",
};
