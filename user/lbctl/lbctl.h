/* SPDX-License-Identifier: GPL-2.0 */
/* lbctl.h - what lbctl's files share: the global options, the command tables (one object per
 * file, help generated from them), output (aligned tables, JSON, errors), argument parsing and
 * the two ways to reach xlb: the control socket (http.c) and the pinned maps (pinned.c).
 *
 * Exit codes: LBCTL_OK, LBCTL_FAIL (the request failed, or a value is invalid), LBCTL_USAGE
 * (the words themselves are wrong: unknown or ambiguous command, missing or extra argument).
 * A command function returns one of them, having reported any error once. */
#ifndef LBCTL_H
#define LBCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <signal.h>
#include <linux/types.h>

#include "addr.h"
#include "xlb_abi.h"

#define LBCTL_VERSION "0.1.0"
#define LBCTL_SOCKET "/run/xlb/xlbd.sock"
#define LBCTL_PIN_DIR "/sys/fs/bpf/xlb"

enum { LBCTL_OK = 0, LBCTL_FAIL = 1, LBCTL_USAGE = 2 };

/* ---- command tables (main.c walks them; help is generated from them) ---- */

struct lbctl_cmd {
	const char *name;
	int (*fn)(int argc, char **argv); /* argv[0] is the first argument after the verb */
	const char *args; /* grammar of the arguments, "" when none: "SERVICE [weight W]" */
	const char *help; /* one line, lower case, no full stop */
};

struct lbctl_object {
	const char *name;
	const char *help;
	const struct lbctl_cmd *cmds; /* ends with { NULL }; NULL for a verb-less object */
	int (*fn)(int argc, char **argv); /* verb-less objects (version) */
	const char *args; /* verb-less objects: grammar of their arguments */
	const char *dflt; /* the command run when none is given, or NULL */
	const char *const *defs; /* grammar definitions ("SERVICE := ..."), NULL-terminated */
};

/* Grammar definitions shared by several objects (help prints each once). */
#define DEF_SERVICE                                                                          \
	"SERVICE := VIP:PORT/PROTO          e.g. 10.0.0.10:80/tcp, [2001:db8::10]:443/udp, " \
	"10.0.0.10:0/tcp"
#define DEF_BACKEND "BACKEND := ADDRESS                 IPv4 or IPv6"

extern const struct lbctl_object obj_service, obj_backend, obj_stats, obj_table, obj_flow,
	obj_conns, obj_map, obj_config, obj_daemon, obj_version, obj_health, obj_iface, obj_capture;

/* ---- global options ---- */

struct lbctl_opts {
	bool json; /* -j: compact JSON on stdout, errors as {"error": ...} */
	bool pretty; /* -p: indented JSON (implies json) */
	const char *socket; /* -s: the control socket */
	const char *pin_dir; /* --pin-dir: where xlbd pinned the maps */
	bool quiet; /* probing: errors are not reported, only returned */
	const char *where; /* batch mode: "FILE:LINE" prefixed to errors, else NULL */
	const struct lbctl_object *obj; /* the command running, for usage messages */
	const struct lbctl_cmd *cmd;
};

extern struct lbctl_opts opts;

/* ---- errors and output (output.c) ---- */

/* Report a failure: "Error: MSG" on stderr, or {"error": "MSG"} on stdout in JSON mode.
 * Returns LBCTL_FAIL. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The same for wrong words (unknown command, missing argument). Returns LBCTL_USAGE. */
int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print the result of a command: as JSON in JSON mode, else through human(j) when it is not
 * NULL (changes say nothing on success, like ip(8)). Takes the reference to j. Returns
 * LBCTL_OK, or LBCTL_FAIL (reported) when j is NULL: the result could not be built (out of
 * memory, or text that is not UTF-8 not passed through jtext()). */
int emit(json_t *j, void (*human)(const json_t *j));

/* s as a JSON string: unchanged when it is UTF-8, else with every byte above 0x7f as '?' (a
 * path in another encoding, a message cut in a character). NULL only when out of memory. */
json_t *jtext(const char *s);

/* Batch mode in JSON: results of several commands form one array. */
void emit_batch_begin(void);
void emit_batch_end(void);

/* An aligned text table: columns are separated by two spaces, a header starting with '>' is
 * right-aligned (numbers), the '>' not printed. Cells are copied. */
struct table;
struct table *table_new(int ncols, ...);
void table_row(struct table *t, ...); /* exactly ncols strings */
void table_print(struct table *t); /* to stdout; frees t */

/* "1,234,567" */
const char *fmt_count(uint64_t v, char *buf, size_t len);
/* "512 B", "1.5 KiB", "3.2 GiB" */
const char *fmt_bytes(double v, char *buf, size_t len);
/* "66.53%" for a share in [0, 1] */
const char *fmt_share(double share, char *buf, size_t len);

/* The backends of an API SERVICE object as a table (service show, backend list). */
void print_backends(const json_t *svc);

/* Accessors of JSON the daemon sent: a missing or mistyped member gives "" / 0 / false. */
const char *jstr(const json_t *o, const char *key);
json_int_t jint(const json_t *o, const char *key);
double jreal(const json_t *o, const char *key);
/* Length of the array member key of o (0 when missing), and its element i. */
size_t jlen(const json_t *o, const char *key);
json_t *jat(const json_t *o, const char *key, size_t i);

/* ---- argument parsing (args.c) ---- */

/* Which of the n names word selects: an exact match, else the only name it is a prefix of.
 * On failure reports "unknown|ambiguous WHAT 'word'" with the candidates and returns -1. */
int pick_name(const char *word, const char *const *names, size_t n, const char *what);

/* Value parsers: each returns 0, or reports what is wrong with s and what would be right and
 * returns LBCTL_FAIL. what names the value in the message ("weight", "table-size"). */
int arg_service(const char *s, struct xlb_service_ref *ref);
int arg_addr(const char *what, const char *s, struct xlb_addr *a);
int arg_u32(const char *what, const char *s, __u32 min, __u32 max, __u32 *out);
/* "ADDR:PORT" or "[ADDR]:PORT", port 0..65535 */
int arg_endpoint(const char *what, const char *s, struct xlb_addr *a, __u16 *port);
int arg_onoff(const char *what, const char *s, bool *out);
int arg_state(const char *s, const char **state); /* enabled | drain | disabled */
int arg_table_size(const char *s, __u32 *m);
int arg_name(const char *s, const char **name);

/* Keyword arguments ("weight 50 state drain"): each keyword once, in any order; a keyword
 * with a parse function takes one value. Unknown, repeated or valueless keywords are usage
 * errors; a bad value is a failure (the parse function reports it). */
struct kwarg {
	const char *name;
	int (*parse)(const char *value, void *dst); /* NULL: a flag without a value */
	void *dst;
	bool seen;
};
int parse_kwargs(int argc, char **argv, struct kwarg *kw, size_t n);

/* Whether arg names the one keyword allowed where it stands: word itself or a prefix of it
 * ("fr" for "from"; an option "--limit" needs "--" and a letter at least, "--l"). */
bool is_word(const char *arg, const char *word);

/* The number of arguments the running command takes: reports a usage error with its grammar
 * and returns LBCTL_USAGE when argc is outside [min, max], else 0. */
int want_args(int argc, int min, int max);

/* Text of a service reference / address / client endpoint. */
const char *svc_text(const struct xlb_service_ref *ref, char *buf, size_t len);
const char *addr_text(const struct xlb_addr *a, char *buf, size_t len);
const char *raw_addr_text(const __u32 *addr, __u8 family, char *buf, size_t len);
const char *endpoint_text(const struct xlb_addr *a, __u16 port, char *buf, size_t len);

/* The keyword of a backend entry's encap (enum xlb_encap: "ipip", "gue", "l2"), "?" for a
 * value this lbctl does not know. */
const char *encap_text(__u8 encap);

/* ---- the control API (http.c) ---- */

/* One request to xlbd: METHOD PATH with an optional body (a configuration file, sent as YAML).
 * Returns 0 with the JSON answer in *out (a new reference), or reports the daemon's error (or
 * why it could not be reached) and returns LBCTL_FAIL. */
int api_call(const char *method, const char *path, const char *body, size_t len, json_t **out);

/* GET PATH from xlbd when it answers, saying nothing when it does not: for figures that only a
 * running xlbd knows, added to an answer that stands without them. Returns 0 with the JSON of
 * a 2xx answer in *out (a new reference), or -1 with *out NULL (xlbd not reachable, an error
 * status, or not JSON). */
int api_try(const char *path, json_t **out);

/* api_call() with a JSON body (the reference to body is taken). */
int api_call_json(const char *method, const char *path, json_t *body, json_t **out);

/* A request whose answer streams (POST path with the JSON body; the reference is taken): on 200,
 * the body's bytes, de-chunked, go to data(ctx, buf, len) as they arrive (data may change
 * buf), until the answer's last chunk or data's non-zero return (which is returned). A signal
 * handler counts signals in *stop: at the first, DELETE path is sent on another connection,
 * asking xlbd to end the answer, which is then read to its end (at most 5 s more); a second
 * ends at once. Signals are taken only while waiting, with waitmask as the signal mask (ppoll):
 * the caller keeps them blocked otherwise. Returns 0 at the answer's end (*stopped: a signal
 * asked for it), else reports the daemon's refusal, a cut or malformed answer, and returns
 * LBCTL_FAIL. */
int api_stream(const char *path, json_t *body, int (*data)(void *ctx, char *buf, size_t len),
	       void *ctx, const sigset_t *waitmask, volatile sig_atomic_t *stop, bool *stopped);

/* "/v1/services/VIP/PORT/PROTO" followed by suffix (may be ""). */
const char *api_service_path(const struct xlb_service_ref *ref, const char *suffix, char *buf,
			     size_t len);

/* The commands that take exactly one SERVICE and send METHOD to its resource: check the
 * arguments, call, and leave the answer in *out. Returns 0, LBCTL_USAGE or LBCTL_FAIL (the
 * problem reported). */
int api_service_call(const char *method, int argc, char **argv, json_t **out);

/* ---- the pinned maps (pinned.c) ---- */

/* Descriptor of the map pinned as name under --pin-dir, opened once per process after the
 * ABI version in the pinned xlb_config has been checked. Returns the fd, or reports the
 * problem and returns -1. */
int pinned_map(const char *name);

/* The pinned xlb_config entry. Returns 0 or reports and returns LBCTL_FAIL. */
int pinned_config(struct xlb_config *cfg);

/* Sum of the per-CPU counters of entry key of a per-CPU counter map. Returns 0 or -errno. */
int pinned_counter(int fd, __u32 key, struct xlb_counter *sum);

/* Service id -> reference, from xlb_services. Returns 0 and fills refs[0..XLB_MAX_SERVICES)
 * (family 0 where no service has the id), or reports and returns LBCTL_FAIL. */
int pinned_service_refs(struct xlb_service_ref *refs);

/* The xlb_services entry of ref. Returns 0, 1 when there is none, or -1 after reporting. */
int pinned_service(const struct xlb_service_ref *ref, struct xlb_svc *svc);

/* The pinned connection table mapped into *t (bm_conns_map(), bpfmaps.h; read-write, for
 * flush), after the ABI and layout checks. Returns 0, or reports and returns LBCTL_FAIL. */
struct bm_conns;
int pinned_conns(struct bm_conns *t);

#endif /* LBCTL_H */
