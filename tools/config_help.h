/* SPDX-License-Identifier: GPL-2.0 */
/* config_help.h - the documentation of every key of xlbd.yaml (the cells of docs/config.md's
 * key tables that are not configuration data), kept beside the generator (config_doc.c)
 * rather than in the schema: xlbd and lbctl never print it. */
#ifndef XLB_CONFIG_HELP_H
#define XLB_CONFIG_HELP_H

#include <stddef.h>

/* One key's documentation. */
struct conf_help {
	const char *parent; /* its mapping, as named in the "<!-- schema: NAME -->" markers */
	const char *key; /* a key of that mapping in the schema (config_schema.c) */
	/* The type, range and default cells as written there; NULL: derived from the schema. */
	const char *type, *range, *def;
	const char *help; /* the meaning cell, never empty */
};

/* Every key's row, in no particular order; conf_help_count of them. */
extern const struct conf_help conf_help[];
extern const size_t conf_help_count;

#endif /* XLB_CONFIG_HELP_H */
