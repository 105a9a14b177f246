// SPDX-License-Identifier: GPL-2.0
/* main.c - xlb-decap, the operator tool of the backend program xlb_decap: the command table
 * (which also generates the help), global options and dispatch. Exit codes: 0 ok, 1 the
 * command failed, 2 the command line is wrong (unknown command, bad argument). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "decap.h"

static int cmd_help(int argc, char **argv);

struct dc_command {
	const char *name;
	const char *args; /* the argument grammar, for usage and help */
	const char *help;
	int (*run)(int argc, char **argv); /* gets the arguments after the command name */
};

static const struct dc_command COMMANDS[] = {
	{ "attach", "IFACE [mode native|generic]",
	  "load xlb_decap, pin its maps, attach (default native)", cmd_attach },
	{ "detach", "IFACE", "remove xlb_decap from IFACE; the pinned maps stay", cmd_detach },
	{ "allow", "add|del PREFIX", "accept tunnels from an LB prefix (ADDR alone: one host)",
	  cmd_allow },
	{ "vip", "add|del ADDR", "decapsulate tunnels to a VIP configured on this host", cmd_vip },
	{ "gue-port", "[PORT]", "show or set the GUE tunnels' UDP port (default 6080, 0: none)",
	  cmd_gue_port },
	{ "status", "", "attachments, GUE port, prefixes, VIPs and reason counters", cmd_status },
	{ "capture",
	  "[reason R|verdict V] [sample N] [count N] [duration S] [snaplen N] [-w FILE|-]",
	  "capture frames with the decision: pcapng (-w FILE or -), else lines", cmd_capture },
	{ "help", "", "show this help", cmd_help },
};

#define NCOMMANDS (sizeof(COMMANDS) / sizeof(COMMANDS[0]))

void dc_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", DC_TOOL);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const struct dc_command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(COMMANDS[i].name, name))
			return &COMMANDS[i];
	return NULL;
}

int dc_usage(const char *name)
{
	const struct dc_command *c = find_command(name);

	if (c)
		fprintf(stderr, "usage: %s %s%s%s\n", DC_TOOL, c->name, *c->args ? " " : "",
			c->args);
	return DC_EXIT_USAGE;
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("usage: %s [-v] COMMAND [ARGS]\n\n", DC_TOOL);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		char left[160];

		snprintf(left, sizeof(left), "%s %s", COMMANDS[i].name, COMMANDS[i].args);
		if (strlen(left) > 36) /* the grammar on a line of its own */
			printf("  %s\n  %-36s %s\n", left, "", COMMANDS[i].help);
		else
			printf("  %-36s %s\n", left, COMMANDS[i].help);
	}
	printf("\n  -v  show libbpf's and libxdp's own messages\n"
	       "\nMaps are pinned under %s ($%s overrides it); 'allow add' and\n"
	       "'vip add' create them when needed. Host bits of a prefix are cleared.\n"
	       "Exit status: 0 ok, 1 the command failed, 2 bad command line.\n",
	       DC_PIN_DIR, DC_PIN_DIR_ENV);
	return DC_EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct dc_command *c;
	bool verbose = false;
	int i = 1;

	if (i < argc && (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))) {
		verbose = true;
		i++;
	}
	dc_set_verbose(verbose);
	if (i >= argc) {
		cmd_help(0, NULL);
		return DC_EXIT_USAGE;
	}
	if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
		return cmd_help(0, NULL);
	c = find_command(argv[i]);
	if (!c) {
		dc_err("unknown command '%s' (try '%s help')", argv[i], DC_TOOL);
		return DC_EXIT_USAGE;
	}
	return c->run(argc - i - 1, argv + i + 1);
}
