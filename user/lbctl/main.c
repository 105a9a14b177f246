// SPDX-License-Identifier: GPL-2.0
/* main.c - lbctl, the operator's CLI of xlb: global options, the table of objects (each object's
 * commands live in its own file), unique-prefix dispatch, help generated from the same tables
 * the parser walks, and batch mode (one command per line of a file).
 *
 *   lbctl [-j|-p] [-s SOCKET] [--pin-dir DIR] OBJECT COMMAND [ARGS]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lbctl.h"

struct lbctl_opts opts = { .socket = LBCTL_SOCKET, .pin_dir = LBCTL_PIN_DIR };

/* A batch's results are one JSON array with -j; help is text and would break it. */
#define JSON_BATCH_HELP "help prints text, not JSON: not in a batch with -j"

static int do_help(int argc, char **argv);
static int do_batch_file(int argc, char **argv);

static const struct lbctl_cmd batch_cmds[] = {
	{ "file", do_batch_file, "FILE", "run FILE's commands, one a line (- = stdin)" },
	{ NULL },
};

static const struct lbctl_object obj_batch = {
	.name = "batch",
	.help = "many commands in one process",
	.cmds = batch_cmds,
};

static const struct lbctl_object obj_help = {
	.name = "help",
	.help = "this text",
	.fn = do_help,
	.args = "",
};

/* The objects, in the order help lists them. */
static const struct lbctl_object *const objects[] = {
	&obj_service, &obj_backend, &obj_health,  &obj_stats, &obj_table,
	&obj_flow,    &obj_conns,   &obj_map,	  &obj_iface, &obj_capture,
	&obj_config,  &obj_daemon,  &obj_version, &obj_batch, &obj_help,
};

#define N_OBJECTS (sizeof(objects) / sizeof(objects[0]))

static const char *const global_defs[] = {
	"OPTIONS := { -j | --json } | { -p | --pretty } | { -s | --socket PATH } |",
	"           --pin-dir DIR",
	NULL,
};

/* ---- help, generated from the tables ---- */

#define HELP_COLUMN 46

static void help_line(const char *obj, const char *cmd, const char *args, const char *help)
{
	char grammar[256];

	snprintf(grammar, sizeof(grammar), "lbctl %s%s%s%s%s", obj, *cmd ? " " : "", cmd,
		 *args ? " " : "", args);
	if (strlen(grammar) + 2 > HELP_COLUMN)
		printf("%s\n%*s%s\n", grammar, HELP_COLUMN, "", help);
	else
		printf("%-*s%s\n", HELP_COLUMN, grammar, help);
}

static void help_object(const struct lbctl_object *o)
{
	if (!o->cmds) {
		help_line(o->name, "", o->args, o->help);
		return;
	}
	for (const struct lbctl_cmd *c = o->cmds; c->name; c++)
		help_line(o->name, c->name, c->args, c->help);
}

static bool def_printed(const char *def, size_t upto)
{
	for (size_t i = 0; i < upto; i++)
		for (const char *const *d = objects[i]->defs; d && *d; d++)
			if (!strcmp(*d, def))
				return true;
	return false;
}

static void help_defs(const struct lbctl_object *only)
{
	bool first = true;

	for (size_t i = 0; i < N_OBJECTS; i++) {
		if (only && objects[i] != only)
			continue;
		for (const char *const *d = objects[i]->defs; d && *d; d++) {
			if (!only && def_printed(*d, i))
				continue;
			if (first)
				putchar('\n');
			first = false;
			printf("%s\n", *d);
		}
	}
}

static void help_all(void)
{
	printf("Usage: lbctl [OPTIONS] OBJECT COMMAND [ARGS]\n"
	       "       lbctl OBJECT help\n\n");
	for (const char *const *d = global_defs; *d; d++)
		printf("%s\n", *d);
	printf("OBJECT  := {");
	for (size_t i = 0, col = 12; i < N_OBJECTS; i++) {
		if (col + strlen(objects[i]->name) > 84) {
			printf("\n            ");
			col = 11;
		}
		col += (size_t)printf(" %s%s", objects[i]->name,
				      i + 1 < N_OBJECTS ? " |" : " }\n\n");
	}
	for (size_t i = 0; i < N_OBJECTS; i++)
		help_object(objects[i]);
	help_defs(NULL);
}

static int do_help(int argc, char **argv)
{
	(void)argv;
	if (want_args(argc, 0, 0))
		return LBCTL_USAGE;
	help_all();
	return LBCTL_OK;
}

/* ---- dispatch ---- */

static int run(int argc, char **argv)
{
	const char *names[64]; /* objects, or one object's commands and "help" */
	const struct lbctl_object *o;
	const struct lbctl_cmd *c;
	size_t n = 0;
	int i;

	if (argc < 1)
		return usage("missing object; try 'lbctl help'");
	for (size_t k = 0; k < N_OBJECTS; k++)
		names[k] = objects[k]->name;
	i = pick_name(argv[0], names, N_OBJECTS, "object");
	if (i < 0)
		return LBCTL_USAGE;
	o = objects[i];
	if (o == &obj_batch && opts.where)
		return usage("batch files cannot run batch");
	if (o == &obj_help && opts.json && opts.where)
		return usage(JSON_BATCH_HELP);
	opts.obj = o;
	opts.cmd = NULL;
	if (!o->cmds)
		return o->fn(argc - 1, argv + 1);

	for (c = o->cmds; c->name; c++)
		names[n++] = c->name;
	names[n] = "help";
	if (argc < 2 && !o->dflt)
		return usage("missing command for %s; try 'lbctl %s help'", o->name, o->name);
	i = pick_name(argc < 2 ? o->dflt : argv[1], names, n + 1, "command");
	if (i < 0)
		return LBCTL_USAGE;
	if ((size_t)i == n) {
		if (opts.json && opts.where)
			return usage(JSON_BATCH_HELP);
		if (argc > 2)
			return usage("too many arguments; usage: lbctl %s help", o->name);
		help_object(o);
		help_defs(o);
		return LBCTL_OK;
	}
	opts.cmd = &o->cmds[i];
	return argc < 2 ? opts.cmd->fn(0, argv + 1) : opts.cmd->fn(argc - 2, argv + 2);
}

/* ---- batch ---- */

/* Split line into words in place: blanks separate, '...' and "..." quote, # starts a comment.
 * Returns the number of words, or -1 on an unterminated quote or too many words. */
static int split_words(char *line, char **words, int max)
{
	int n = 0;
	char *r = line, *w;

	for (;;) {
		while (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r')
			r++;
		if (!*r || *r == '#')
			return n;
		if (n == max - 1)
			return -1;
		words[n++] = w = r;
		while (*r && *r != ' ' && *r != '\t' && *r != '\n' && *r != '\r') {
			if (*r == '\'' || *r == '"') {
				char q = *r++;

				while (*r && *r != q)
					*w++ = *r++;
				if (!*r)
					return -1;
				r++;
				continue;
			}
			*w++ = *r++;
		}
		if (*r)
			r++;
		*w = '\0';
		words[n] = NULL;
	}
}

static int do_batch_file(int argc, char **argv)
{
	char *line = NULL, where[300], *words[64];
	size_t cap = 0;
	int lineno = 0, ret = LBCTL_OK, n;
	FILE *f;

	if (want_args(argc, 1, 1))
		return LBCTL_USAGE;
	f = strcmp(argv[0], "-") ? fopen(argv[0], "r") : stdin;
	if (!f)
		return fail("cannot open %s: %s", argv[0], strerror(errno));
	emit_batch_begin();
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%d", argv[0], lineno);
		opts.where = where;
		n = split_words(line, words, 64);
		if (n < 0) {
			ret = usage("unterminated quote or too many words");
			break;
		}
		if (n == 0)
			continue;
		words[n] = NULL;
		ret = run(n, words);
		if (ret)
			break;
	}
	opts.where = NULL;
	emit_batch_end();
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

/* ---- options ---- */

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "pin-dir", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:jps:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opts.json = true;
			break;
		case 'p':
			opts.json = opts.pretty = true;
			break;
		case 's':
			opts.socket = optarg;
			break;
		case 'P':
			opts.pin_dir = optarg;
			break;
		case 'h':
			help_all();
			return LBCTL_OK;
		case 'V':
			return obj_version.fn(0, NULL);
		case ':':
			return usage("option %s needs a value", argv[optind - 1]);
		default: /* a short option in a group ("-jx") is named alone */
			if (optopt > ' ' && optopt < 0x7f && strncmp(argv[optind - 1], "--", 2))
				return usage("unknown option '-%c'; try 'lbctl help'", optopt);
			return usage("unknown option '%s'; try 'lbctl help'", argv[optind - 1]);
		}
	}
	return run(argc - optind, argv + optind);
}
