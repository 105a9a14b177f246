// SPDX-License-Identifier: GPL-2.0
/* config.c - lbctl config: check a configuration file locally with the daemon's own parser and
 * validator (no daemon needed), apply one to the running xlbd (POST /v1/config/apply, after the
 * same local check so that an invalid file is never sent), and dump the running configuration
 * (GET /v1/config) in the file's format: dump's output is accepted by apply unchanged. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apireq.h"
#include "config.h"
#include "lbctl.h"
#include "readfile.h"

static const char *const config_defs[] = { "FILE    := a configuration file (xlbd.yaml(5)); - "
					   "reads stdin",
					   NULL };

/* Read path ("-": standard input) whole, up to what the API accepts. Returns 0 or reports. */
static int read_file(const char *path, char **text, size_t *len)
{
	bool in = !strcmp(path, "-");
	int fd = in ? 0 : open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return fail("cannot open %s: %s", path, strerror(errno));
	rc = xlb_read_fd(fd, API_BODY_MAX, text, len);
	if (!in)
		close(fd);
	if (rc == -EFBIG)
		return fail("%s is larger than the control API accepts (%d MiB)", path,
			    API_BODY_MAX >> 20);
	return rc ? fail("cannot read %s: %s", path, strerror(-rc)) : 0;
}

static size_t count_backends(const struct xlb_conf *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_services; i++)
		n += c->services[i].n_backends;
	return n;
}

static void print_check(const json_t *j)
{
	printf("%s: valid (%lld services, %lld backends)\n", jstr(j, "file"),
	       (long long)jint(j, "services"), (long long)jint(j, "backends"));
}

/* Parse and validate text as xlbd would; the message names the file and line. */
static int check_text(const char *path, const char *text, size_t len, json_t **out)
{
	char err[XLB_CONF_ERR_MAX];
	struct xlb_conf c;

	if (xlb_conf_parse(text, len, strcmp(path, "-") ? path : "stdin", &c, err, sizeof(err)))
		return fail("%s", err);
	if (out)
		*out = json_pack("{s:o,s:b,s:I,s:I}", "file", jtext(path), "valid", 1, "services",
				 (json_int_t)c.n_services, "backends",
				 (json_int_t)count_backends(&c));
	xlb_conf_free(&c);
	return 0;
}

static int do_check(int argc, char **argv)
{
	char *text;
	size_t len;
	json_t *out;
	int ret;

	if (want_args(argc, 1, 1))
		return LBCTL_USAGE;
	if (read_file(argv[0], &text, &len))
		return LBCTL_FAIL;
	ret = check_text(argv[0], text, len, &out);
	free(text);
	return ret ? ret : emit(out, print_check);
}

static int do_apply(int argc, char **argv)
{
	char *text;
	size_t len;
	json_t *j;
	int ret;

	if (want_args(argc, 1, 1))
		return LBCTL_USAGE;
	if (read_file(argv[0], &text, &len))
		return LBCTL_FAIL;
	ret = check_text(argv[0], text, len, NULL);
	if (!ret)
		ret = api_call("POST", "/v1/config/apply", text, len, &j);
	free(text);
	return ret ? ret : emit(j, NULL);
}

static void print_dump(const json_t *j)
{
	fputs(jstr(j, "yaml"), stdout);
}

static int do_dump(int argc, char **argv)
{
	json_t *j;

	(void)argv;
	if (want_args(argc, 0, 0))
		return LBCTL_USAGE;
	if (api_call("GET", "/v1/config", NULL, 0, &j))
		return LBCTL_FAIL;
	return emit(j, print_dump);
}

static const struct lbctl_cmd cmds[] = {
	{ "check", do_check, "FILE", "validate a configuration file here, as xlbd would" },
	{ "apply", do_apply, "FILE", "make FILE the running configuration (not saved)" },
	{ "dump", do_dump, "", "the running configuration, in the file's format" },
	{ NULL },
};

const struct lbctl_object obj_config = {
	.name = "config",
	.help = "the configuration as a whole",
	.cmds = cmds,
	.defs = config_defs,
};
