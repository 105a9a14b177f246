/* SPDX-License-Identifier: GPL-2.0 */
/* decap.h - the pieces of xlb-decap, the operator tool of the backend program xlb_decap:
 * prefix parsing (prefix.c, pure), the data plane (dataplane.c, the only libbpf/libxdp user),
 * the commands (cmd.c; capture.c for capture) and the command table (main.c). */
#ifndef XLB_DECAP_TOOL_H
#define XLB_DECAP_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "addr.h"
#include "xlb_abi.h"
#include "xlb_capture.h"
#include "xlb_decap.h"

#define DC_TOOL "xlb-decap"
/* Where the four maps are pinned. The environment variable overrides it (tests use a private
 * directory so that they never touch a deployment's state). */
#define DC_PIN_DIR "/sys/fs/bpf/xlb/decap"
#define DC_PIN_DIR_ENV "XLB_DECAP_PIN_DIR"
#define DC_PROG_NAME "xlb_decap"

/* Exit codes: success, the command failed, the command line is wrong. */
enum { DC_EXIT_OK = 0, DC_EXIT_FAIL = 1, DC_EXIT_USAGE = 2 };

/* Print "xlb-decap: MESSAGE\n" on stderr. */
void dc_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- prefix.c ---- */

/* An allowed source prefix: the address with every bit beyond len cleared. */
struct dc_prefix {
	struct xlb_addr addr;
	__u32 len; /* 0..32 for IPv4, 0..128 for IPv6 */
};

/* Parse "ADDR/LEN" or a bare "ADDR" (= /32 or /128). Host bits beyond LEN are accepted and
 * cleared; *masked says whether any were set. Returns 0, or -EINVAL with *why naming the
 * problem in words ("prefix length must be 0..32"); *p is then untouched. */
int dc_prefix_parse(const char *s, struct dc_prefix *p, bool *masked, const char **why);

/* Write "ADDR/LEN" into buf (at least 50 bytes). Returns 0 or -EINVAL / -ENOSPC. */
int dc_prefix_format(const struct dc_prefix *p, char *buf, size_t len);

/* Order prefixes for listing: IPv4 first, then by address, then by length. qsort-compatible. */
int dc_prefix_cmp(const void *a, const void *b);

/* Order addresses the same way (IPv4 first, then bytewise). qsort-compatible. */
int dc_addr_cmp(const void *a, const void *b);

/* ---- dataplane.c ---- */

/* File descriptors of the five pinned maps. */
struct dc_maps {
	int src4, src6, vips, stats, config;
};

/* How xlb_decap is attached to an interface. */
enum dc_mode { DC_MODE_NATIVE, DC_MODE_GENERIC };

/* Show libbpf's and libxdp's own messages (off by default: the tool says what failed). */
void dc_set_verbose(bool verbose);

/* The pin directory in use: $XLB_DECAP_PIN_DIR or DC_PIN_DIR. */
const char *dc_pin_dir(void);

/* Open the pinned maps. With create, missing maps (and the directories, mode 0700) are created
 * and pinned from the program's own definitions, existing ones are reused after libbpf has
 * checked that they match, and a GUE port never set is set to XLB_DC_GUE_PORT_DEFAULT.
 * Without create, a missing map gives -ENOENT. Returns 0 or -errno:
 * -EPERM not root, -ENOTDIR the pin directory is not on bpffs, -EACCES it (or a directory
 * above it) belongs to another user or is writable by others. */
int dc_maps_open(struct dc_maps *m, bool create);
void dc_maps_close(struct dc_maps *m);

/* Add (idempotent) or delete an allowed prefix / a VIP. Delete of an absent entry: -ENOENT;
 * add to a full table: -ENOSPC. */
int dc_allow_update(const struct dc_maps *m, const struct dc_prefix *p, bool add);
int dc_vip_update(const struct dc_maps *m, const struct xlb_addr *a, bool add);

/* Every allowed prefix / VIP, in map order; *out is malloc'ed (free it). Returns 0 or -errno. */
int dc_allow_list(const struct dc_maps *m, struct dc_prefix **out, size_t *n);
int dc_vip_list(const struct dc_maps *m, struct xlb_addr **out, size_t *n);

/* The UDP port (host order) of accepted GUE tunnels, 0 = none. Returns 0 or -errno. */
int dc_gue_port_get(const struct dc_maps *m, __u16 *port);

/* Set it (host order; 0 stops accepting GUE). Returns 0 or -errno. */
int dc_gue_port_set(const struct dc_maps *m, __u16 port);

/* Reason counters summed over all possible CPUs. Returns 0 or -errno. */
int dc_counters(const struct dc_maps *m, struct xlb_counter sums[XLB_DC_MAX]);

/* Load xlb_decap with its maps pinned (see dc_maps_open, with create) and attach it to ifindex with
 * libxdp. Returns 0, -EEXIST when xlb_decap is already attached there, the errors of
 * dc_maps_open(), or another -errno. */
int dc_attach(int ifindex, enum dc_mode mode);

/* Remove xlb_decap from ifindex; the maps stay pinned. Returns 0, -ENOENT when it is not
 * attached there, or another -errno. */
int dc_detach(int ifindex);

/* Whether xlb_decap is attached to ifindex: 1 (with *mode set to "native", "generic" or
 * "offload"), 0, or -errno. */
int dc_attached(int ifindex, const char **mode);

/* ---- packet capture (dataplane.c; include/xlb_capture.h) ---- */

struct dc_capture;

/* Called for each record read from the ring: its head and its cap_len bytes of frame. */
typedef int (*dc_capture_fn)(void *ctx, const struct xlb_capture_rec *rec, const void *frame);

/* Take the pinned xlb_decap's capture: the pin directory locked (flock: one capture at a time
 * per directory; the kernel drops the lock when the process ends, however it ends), the
 * pinned filter mapped, and a reader of the pinned ring calling fn(ctx, ...) for every record,
 * of any generation. A filter armed while nobody held the lock was left by a capture whose
 * tool died: it is disarmed, and *stale says so. Nothing is armed yet. Returns 0 with *out
 * set, -EBUSY (another capture holds the lock), -ENOENT (not set up), -EPERM (not root), or
 * -errno. */
int dc_capture_open(struct dc_capture **out, dc_capture_fn fn, void *ctx, bool *stale);

/* Arm the filter with f: gen 0 first, then f's fields with used and lost zeroed, then f->gen. */
void dc_capture_arm(struct dc_capture *c, const struct xlb_capture_filter *f);

/* Records the ring had no room for in this capture. */
__u32 dc_capture_lost(const struct dc_capture *c);

/* Wait up to timeout_ms for records and hand every waiting one to fn. Returns how many, or
 * -errno (-EINTR: a signal came). */
int dc_capture_poll(struct dc_capture *c, int timeout_ms);

/* Disarm (gen 0), then hand the records already in the ring to fn. */
void dc_capture_disarm(struct dc_capture *c);

/* Disarm, close the reader and the mapping, release the lock. NULL is ignored. */
void dc_capture_close(struct dc_capture *c);

/* ---- cmd.c: the commands; each returns a DC_EXIT_* code and has printed any error ---- */

int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_allow(int argc, char **argv);
int cmd_vip(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_gue_port(int argc, char **argv);
int cmd_capture(int argc, char **argv); /* capture.c */

/* ---- main.c ---- */

/* Print the usage line of command name on stderr and return DC_EXIT_USAGE. */
int dc_usage(const char *name);

#endif /* XLB_DECAP_TOOL_H */
