// SPDX-License-Identifier: GPL-2.0
/* cmd.c - the commands of xlb-decap: check the arguments fully, then act on the pinned state,
 * and say what went wrong in an operator's words. Nothing changes when an argument is bad. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decap.h"

static const char *const REASON_NAMES[] = {
#define XLB_DC_REASON_NAME(id, name, action, help) name,
	XLB_DC_REASONS(XLB_DC_REASON_NAME)
#undef XLB_DC_REASON_NAME
};

/* The verbs of "allow" and "vip". */
static const struct {
	const char *name;
	bool add;
} VERBS[] = { { "add", true }, { "del", false } };

static int parse_verb(const char *cmd, const char *s, bool *add)
{
	for (size_t i = 0; i < sizeof(VERBS) / sizeof(VERBS[0]); i++) {
		if (!strcmp(s, VERBS[i].name)) {
			*add = VERBS[i].add;
			return 0;
		}
	}
	dc_err("unknown '%s' verb '%s': must be add or del", cmd, s);
	return -EINVAL;
}

/* The attach modes. */
static const struct {
	const char *name;
	enum dc_mode mode;
} MODES[] = { { "native", DC_MODE_NATIVE }, { "generic", DC_MODE_GENERIC } };

/* Open the pinned maps, explaining a failure. create: see dc_maps_open(). */
static int open_maps(struct dc_maps *m, bool create)
{
	int err = dc_maps_open(m, create);

	if (!err)
		return 0;
	if (err == -ENOENT)
		dc_err("not set up: run '%s attach IFACE' first (no pinned maps under %s)", DC_TOOL,
		       dc_pin_dir());
	else if (err == -ENOTDIR)
		dc_err("%s is not on a bpffs mount (mount -t bpf bpf /sys/fs/bpf)", dc_pin_dir());
	else if (err == -EPERM)
		dc_err("cannot open the pinned maps under %s: permission denied (run as root)",
		       dc_pin_dir());
	else if (err == -EACCES)
		dc_err("%s or a directory above it belongs to another user or is writable by "
		       "others: refusing to pin maps there",
		       dc_pin_dir());
	else
		dc_err("cannot open the pinned maps under %s: %s (maps of another version? run "
		       "with -v)",
		       dc_pin_dir(), strerror(-err));
	return err;
}

static int iface_index(const char *name)
{
	int ifindex = (int)if_nametoindex(name);

	if (!ifindex)
		dc_err("no interface '%s' here", name);
	return ifindex;
}

int cmd_attach(int argc, char **argv)
{
	enum dc_mode mode = DC_MODE_NATIVE;
	const char *mode_name = "native";
	int ifindex, err;

	if (argc == 3) {
		size_t i;

		if (strcmp(argv[1], "mode"))
			return dc_usage("attach");
		for (i = 0; i < sizeof(MODES) / sizeof(MODES[0]); i++)
			if (!strcmp(argv[2], MODES[i].name))
				break;
		if (i == sizeof(MODES) / sizeof(MODES[0])) {
			dc_err("bad mode '%s': must be native or generic", argv[2]);
			return DC_EXIT_USAGE;
		}
		mode = MODES[i].mode;
		mode_name = MODES[i].name;
	} else if (argc != 1) {
		return dc_usage("attach");
	}
	ifindex = iface_index(argv[0]);
	if (!ifindex)
		return DC_EXIT_FAIL;

	err = dc_attach(ifindex, mode);
	switch (err) {
	case 0:
		printf("%s attached to %s (%s), maps pinned under %s\n", DC_PROG_NAME, argv[0],
		       mode_name, dc_pin_dir());
		return DC_EXIT_OK;
	case -EEXIST:
		dc_err("%s is already attached to %s (detach it first)", DC_PROG_NAME, argv[0]);
		break;
	case -ENOTDIR:
		dc_err("%s is not on a bpffs mount (mount -t bpf bpf /sys/fs/bpf)", dc_pin_dir());
		break;
	case -EOPNOTSUPP:
		dc_err("cannot attach to %s in %s mode: not supported by its driver (try 'mode "
		       "generic')",
		       argv[0], mode_name);
		break;
	case -EPERM:
		dc_err("cannot attach to %s: permission denied (run as root)", argv[0]);
		break;
	case -EACCES:
		dc_err("%s or a directory above it belongs to another user or is writable by "
		       "others: refusing to pin maps there",
		       dc_pin_dir());
		break;
	case -EBUSY:
		dc_err("cannot attach to %s: another XDP program is attached there", argv[0]);
		break;
	default:
		dc_err("cannot attach %s to %s: %s (run with -v for details)", DC_PROG_NAME,
		       argv[0], strerror(-err));
		break;
	}
	return DC_EXIT_FAIL;
}

int cmd_detach(int argc, char **argv)
{
	int ifindex, err;

	if (argc != 1)
		return dc_usage("detach");
	ifindex = iface_index(argv[0]);
	if (!ifindex)
		return DC_EXIT_FAIL;
	err = dc_detach(ifindex);
	if (err == -ENOENT) {
		dc_err("%s is not attached to %s", DC_PROG_NAME, argv[0]);
		return DC_EXIT_FAIL;
	}
	if (err) {
		dc_err("cannot detach %s from %s: %s", DC_PROG_NAME, argv[0], strerror(-err));
		return DC_EXIT_FAIL;
	}
	printf("%s detached from %s; maps stay pinned under %s\n", DC_PROG_NAME, argv[0],
	       dc_pin_dir());
	return DC_EXIT_OK;
}

int cmd_allow(int argc, char **argv)
{
	struct dc_prefix p;
	struct dc_maps m;
	char text[64];
	const char *why;
	bool add, masked;
	int err;

	if (argc != 2)
		return dc_usage("allow");
	if (parse_verb("allow", argv[0], &add))
		return DC_EXIT_USAGE;
	if (dc_prefix_parse(argv[1], &p, &masked, &why)) {
		dc_err("bad prefix '%s': %s", argv[1], why);
		return DC_EXIT_USAGE;
	}
	dc_prefix_format(&p, text, sizeof(text));
	if (masked)
		dc_err("note: '%s' has host bits set: using %s", argv[1], text);

	if (open_maps(&m, add))
		return DC_EXIT_FAIL;
	err = dc_allow_update(&m, &p, add);
	dc_maps_close(&m);
	if (err == -ENOENT)
		dc_err("%s is not an allowed prefix", text);
	else if (err == -ENOSPC)
		dc_err("allowed-prefix table full (max %d per address family)",
		       XLB_DC_MAX_PREFIXES);
	else if (err)
		dc_err("cannot %s prefix %s: %s", add ? "add" : "delete", text, strerror(-err));
	return err ? DC_EXIT_FAIL : DC_EXIT_OK;
}

int cmd_vip(int argc, char **argv)
{
	struct xlb_addr a;
	struct dc_maps m;
	char text[64];
	bool add;
	int err;

	if (argc != 2)
		return dc_usage("vip");
	if (parse_verb("vip", argv[0], &add))
		return DC_EXIT_USAGE;
	if (xlb_addr_parse(argv[1], &a)) {
		dc_err("bad VIP '%s': not an IPv4 or IPv6 address", argv[1]);
		return DC_EXIT_USAGE;
	}
	xlb_addr_format(&a, text, sizeof(text));

	if (open_maps(&m, add))
		return DC_EXIT_FAIL;
	err = dc_vip_update(&m, &a, add);
	dc_maps_close(&m);
	if (err == -ENOENT)
		dc_err("%s is not a configured VIP", text);
	else if (err == -ENOSPC)
		dc_err("VIP table full (max %d)", XLB_DC_MAX_VIPS);
	else if (err)
		dc_err("cannot %s VIP %s: %s", add ? "add" : "delete", text, strerror(-err));
	return err ? DC_EXIT_FAIL : DC_EXIT_OK;
}

/* "attached: IFACE (MODE)" for every interface of this network namespace with xlb_decap. */
static void print_attachments(void)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	int n = 0;

	for (i = ifs; i && i->if_index; i++) {
		const char *mode;

		if (dc_attached((int)i->if_index, &mode) == 1) {
			printf("attached: %s (%s)\n", i->if_name, mode);
			n++;
		}
	}
	if (!n)
		printf("attached: none\n");
	if (ifs)
		if_freenameindex(ifs);
}

static int print_config(const struct dc_maps *m)
{
	struct dc_prefix *pfx;
	struct xlb_addr *vips;
	size_t npfx, nvips;
	char text[64];
	int err;

	err = dc_allow_list(m, &pfx, &npfx);
	if (err)
		return err;
	qsort(pfx, npfx, sizeof(*pfx), dc_prefix_cmp);
	printf("allowed sources: %zu\n", npfx);
	for (size_t i = 0; i < npfx; i++)
		if (!dc_prefix_format(&pfx[i], text, sizeof(text)))
			printf("  %s\n", text);
	free(pfx);

	err = dc_vip_list(m, &vips, &nvips);
	if (err)
		return err;
	qsort(vips, nvips, sizeof(*vips), dc_addr_cmp);
	printf("local VIPs: %zu\n", nvips);
	for (size_t i = 0; i < nvips; i++)
		if (!xlb_addr_format(&vips[i], text, sizeof(text)))
			printf("  %s\n", text);
	free(vips);
	return 0;
}

/* "gue port: N" or "gue port: 0 (GUE tunnels not accepted)". */
static int print_gue_port(const struct dc_maps *m)
{
	__u16 port;
	int err = dc_gue_port_get(m, &port);

	if (err)
		return err;
	printf("gue port: %u%s\n", port, port ? "" : " (GUE tunnels not accepted)");
	return 0;
}

int cmd_gue_port(int argc, char **argv)
{
	unsigned long v = 0;
	struct dc_maps m;
	char *end;
	int err;

	if (argc > 1)
		return dc_usage("gue-port");
	if (argc == 1) {
		errno = 0;
		if (argv[0][0] < '0' || argv[0][0] > '9' ||
		    (v = strtoul(argv[0], &end, 10), errno || *end || v > 65535)) {
			dc_err("bad GUE port '%s': must be a number 0..65535 (0: accept no GUE)",
			       argv[0]);
			return DC_EXIT_USAGE;
		}
	}
	if (open_maps(&m, argc == 1))
		return DC_EXIT_FAIL;
	err = argc == 1 ? dc_gue_port_set(&m, (__u16)v) : 0;
	if (!err)
		err = print_gue_port(&m);
	dc_maps_close(&m);
	if (err) {
		dc_err("cannot %s the GUE port: %s", argc == 1 ? "set" : "read", strerror(-err));
		return DC_EXIT_FAIL;
	}
	return DC_EXIT_OK;
}

int cmd_status(int argc, char **argv)
{
	struct xlb_counter sums[XLB_DC_MAX];
	struct dc_maps m;
	int err;

	(void)argv;
	if (argc != 0)
		return dc_usage("status");
	if (open_maps(&m, false))
		return DC_EXIT_FAIL;
	printf("pinned: %s\n", dc_pin_dir());
	print_attachments();
	err = print_gue_port(&m);
	if (!err)
		err = print_config(&m);
	if (!err)
		err = dc_counters(&m, sums);
	dc_maps_close(&m);
	if (err) {
		dc_err("cannot read the pinned maps: %s", strerror(-err));
		return DC_EXIT_FAIL;
	}
	printf("%-24s %14s %20s\n", "reasons:", "packets", "bytes");
	for (int r = 0; r < XLB_DC_MAX; r++)
		printf("  %-22s %14llu %20llu\n", REASON_NAMES[r],
		       (unsigned long long)sums[r].packets, (unsigned long long)sums[r].bytes);
	return DC_EXIT_OK;
}
