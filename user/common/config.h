/* SPDX-License-Identifier: GPL-2.0 */
/* config.h - the configuration model of xlbd (/etc/xlb/xlbd.yaml): parsing with file, line and
 * key in every error, complete validation, and a dump that loads back to the same model.
 * Pure C (libyaml), no libbpf: xlbd, lbctl, the tests and the fuzzer share it. The schema
 * (keys, ranges, defaults) is config_schema.c; the files are split by job (config.c). */
#ifndef XLB_CONFIG_H
#define XLB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "addr.h"

#define XLB_CONF_MAX_IFACES 8
#define XLB_CONF_IFNAMSIZ 16 /* IFNAMSIZ: 15 characters and the terminator */
#define XLB_CONF_NAME_MAX 32 /* service names: 1..31 of [A-Za-z0-9_.-] */
#define XLB_CONF_PATH_MAX 256
#define XLB_CONF_ERR_MAX 512 /* room for one error message */

/* Defaults, documented in docs/config.md. */
#define XLB_CONF_DEFAULT_PATH "/etc/xlb/xlbd.yaml"
#define XLB_CONF_DEFAULT_STATE_DIR "/var/lib/xlb"
#define XLB_CONF_DEFAULT_MTU 1500
#define XLB_CONF_DEFAULT_UDP_IDLE 30 /* seconds */
#define XLB_CONF_DEFAULT_NEW_FLOW_RATE 200000 /* per CPU per second: the flood guard */
#define XLB_CONF_DEFAULT_NEW_FLOW_BURST 20000
#define XLB_CONF_DEFAULT_TABLE_SIZE 65537
#define XLB_CONF_DEFAULT_WEIGHT 100
#define XLB_CONF_MIN_SLOTS_PER_BACKEND 100 /* table_size >= 100 x backends (Maglev balance) */
#define XLB_CONF_DEFAULT_METRICS_PORT 9477 /* Prometheus' registry of default exporter ports */
#define XLB_CONF_DEFAULT_GUE_PORT 6080 /* the GUE port of Katran and GLB */

enum xlb_xdp_mode {
	XLB_XDP_NATIVE = 0, /* driver mode: fails where the driver has no XDP support */
	XLB_XDP_GENERIC = 1, /* skb mode: works everywhere, slower */
	XLB_XDP_AUTO = 2, /* native, falling back to generic */
};

/* Administrative state of a backend, independent of health. */
enum xlb_admin_state {
	XLB_ADMIN_ENABLED = 0, /* in the table (weight > 0) */
	XLB_ADMIN_DRAIN = 1, /* out of the table, keeps its established flows */
	XLB_ADMIN_DISABLED = 2, /* out of the table, its flows are re-selected */
};

/* Which fields of struct xlb_conf_hc_override are given (its set mask). */
enum {
	XLB_HO_PORT = 1U << 0,
	XLB_HO_INTERVAL = 1U << 1,
	XLB_HO_TIMEOUT = 1U << 2,
	XLB_HO_RISE = 1U << 3,
	XLB_HO_FALL = 1U << 4,
	XLB_HO_JITTER = 1U << 5,
	XLB_HO_INITIAL = 1U << 6,
	XLB_HO_ALL = (1U << 7) - 1,
};

/* One backend's own values for some settings of its service's check (YAML:
 * backends[].health); a field counts only when its bit is in set. Ranges as in struct
 * xlb_conf_health, except port 1..65535; the effective timeout must stay <= the effective
 * interval, and the service must have a check (type is not none). All zero: no overrides. */
struct xlb_conf_hc_override {
	__u32 set; /* XLB_HO_* */
	__u32 port;
	__u32 interval_ms, timeout_ms;
	__u32 rise, fall;
	__u32 jitter_pct;
	__u32 initial_up; /* 0 or 1 */
	int line; /* of the health mapping, 0 when not from a file */
};

struct xlb_conf_backend {
	struct xlb_addr addr;
	__u32 weight; /* 0..65535; 0 behaves like drain */
	enum xlb_admin_state admin;
	__u32 encap; /* enum xlb_encap of xlb_abi.h: how packets reach it; default XLB_ENCAP_IPIP */
	struct xlb_conf_hc_override health; /* per-backend check settings */
	int line; /* where it was defined, 0 when not from a file */
};

/* Health-check kinds; the names are the YAML keywords. */
enum xlb_hc_type {
	XLB_HC_NONE = 0, /* "none": always healthy (static setups) */
	XLB_HC_TCP = 1, /* "tcp": a TCP connect succeeds within the timeout */
	XLB_HC_HTTP = 2, /* "http": GET path, status within [expect_min, expect_max], body */
	XLB_HC_HTTPS = 3, /* "https": the same over TLS (certificate checked unless insecure) */
	XLB_HC_UDP = 4, /* "udp": payload sent, a reply (containing expect_payload) comes back */
	XLB_HC_TUNNEL = 5, /* "tunnel": encapsulated like real traffic to VIP:port through the
			    * backend's decapsulation; tcp services: a SYN is answered by SYN-ACK,
			    * udp services: payload is answered (containing expect_payload) */
};

#define XLB_CONF_HC_TEXT 128 /* path, host, body, payload strings: at most 127 bytes */

/* How one service's backends are checked (YAML: services[].health). */
struct xlb_conf_health {
	enum xlb_hc_type type; /* default none */
	__u16 port; /* 0 = the service's port (required for port-0 services unless type none) */
	__u32 interval_ms; /* between checks of one backend: 100 ms..1 h, default 2 s */
	__u32 timeout_ms; /* one check: 50 ms..interval, default 1 s */
	__u32 rise; /* consecutive successes to go up: 1..100, default 2 */
	__u32 fall; /* consecutive failures to go down: 1..100, default 3 */
	__u32 jitter_pct; /* random spread of each interval, 0..50 %, default 10 */
	bool initial_up; /* a new backend starts up ("initial: up"); default down */
	char path[XLB_CONF_HC_TEXT]; /* http(s): starts with '/', default "/" */
	char host[XLB_CONF_HC_TEXT]; /* http(s): Host header, "" = the backend address */
	char body[XLB_CONF_HC_TEXT]; /* http(s): expected substring of the body, "" = any */
	__u32 expect_min, expect_max; /* http(s): accepted status range ("200" or "200-399"),
				       * default 200-399 */
	bool insecure; /* https: skip certificate verification; default false */
	char ca[XLB_CONF_HC_TEXT]; /* https: PEM file of the CAs to verify with, "" = the system's
				    */
	char payload[XLB_CONF_HC_TEXT]; /* udp, tunnel: what to send, default "ping" */
	char expect_payload[XLB_CONF_HC_TEXT]; /* udp, tunnel: expected substring of the reply */
};

struct xlb_conf_service {
	char name[XLB_CONF_NAME_MAX]; /* unique; default "VIP:PORT/PROTO" is not stored: "" */
	struct xlb_service_ref ref; /* VIP, port (0 = every port), protocol */
	__u32 table_size; /* Maglev M: prime, XLB_MIN_TABLE_SIZE..XLB_MAX_TABLE_SIZE */
	bool icmp_echo; /* answer ping on the VIP (the VIP answers if any of its services says so)
			 */
	struct xlb_conf_health health;
	__u32 min_healthy; /* fewer healthy backends than this: fail open (the last good table,
			    * docs/health.md); 0 = never; default 1 */
	bool announce; /* announce the VIP's route while this service is healthy (announce.table
			* set, docs/scale-out.md); default true */
	struct xlb_conf_backend *backends;
	size_t n_backends;
	int line;
};

/* Where xlbd serves Prometheus metrics (YAML: metrics.listen, "ADDR:PORT" or "off"). */
struct xlb_conf_metrics {
	bool enabled; /* false: "listen: off" */
	struct xlb_addr addr; /* default 127.0.0.1: the scraper runs on the LB or tunnels in */
	__u16 port; /* 1..65535, default XLB_CONF_DEFAULT_METRICS_PORT */
};

/* Route health injection (YAML: announce.table): xlbd keeps a blackhole route per healthy VIP
 * in this kernel routing table for a routing daemon (BIRD) to export over BGP. 0: off (the
 * default). 1..4294967295 except 253..255 (the kernel's default, main and local tables). */
struct xlb_conf_announce {
	__u32 table;
};

/* One interface xlb_lb runs on (YAML: an entry of interfaces, "eth0" or
 * "{ name: eth0, mode: generic }"). */
struct xlb_conf_iface {
	char name[XLB_CONF_IFNAMSIZ]; /* unique among the interfaces */
	enum xlb_xdp_mode mode; /* its own mode, else the file's xdp_mode when it was read */
	int line; /* where it was defined, 0 when not from a file */
};

/* conntrack.cross_cpu: whether packets look for their flow's entry in every CPU's part of the
 * connection table (flows that change CPU keep their backend) or only in their own (flows stay
 * on the CPU RSS gives them: no cold lookups in other parts). */
enum xlb_cross_cpu {
	XLB_CROSS_CPU_AUTO = 0, /* on when an interface is virtual (a veth), else off */
	XLB_CROSS_CPU_ON = 1,
	XLB_CROSS_CPU_OFF = 2,
};

struct xlb_conf {
	struct xlb_conf_iface ifaces[XLB_CONF_MAX_IFACES];
	size_t n_ifaces;
	enum xlb_xdp_mode xdp_mode; /* the mode of entries that do not name one (default native);
				     * kept as the default for interfaces attached at run time */
	struct xlb_addr tunnel_source; /* family 0 when not configured */
	struct xlb_addr tunnel_source_v6; /* family 0 when not configured */
	__u32 gue_port; /* 1..65535: UDP destination port of GUE backends' packets */
	__u8 rss_bits; /* 0..16: low bits of tunnel_source taken from the connection hash */
	__u8 rss_bits_v6; /* 0..32 */
	bool gateway_auto; /* resolve the gateway MAC from the kernel's neighbour table */
	__u8 gateway_mac[6]; /* when !gateway_auto */
	bool hash_seed_auto; /* generated once, persisted in state_dir */
	__u32 hash_seed; /* when !hash_seed_auto */
	__u32 mtu; /* 1280..9216: largest IP packet, tunnel header included, towards backends */
	__u32 conntrack_size; /* connection-table entries, 1024..67108864 */
	__u32 udp_idle_timeout; /* seconds, 0..86400; 0 = UDP entries never expire */
	__u32 new_flow_rate; /* flood guard: connection entries written per second per CPU,
			      * 0..100000000, 0 = no limit; default XLB_CONF_DEFAULT_NEW_FLOW_RATE
			      */
	__u32 new_flow_burst; /* ... above that rate in a burst: 0..10000000 */
	__u32 cross_cpu; /* enum xlb_cross_cpu: whether a flow's entry is looked for in other
			  * CPUs' parts */
	char state_dir[XLB_CONF_PATH_MAX];
	struct xlb_conf_metrics metrics;
	struct xlb_conf_announce announce;
	struct xlb_conf_service *services;
	size_t n_services;
};

/* What is wrong with the service name s (len bytes, not necessarily terminated), or NULL when
 * it is valid: 1..XLB_CONF_NAME_MAX-1 characters of A-Z a-z 0-9 _ . - (the one rule for files
 * and the API). */
const char *xlb_conf_name_problem(const char *s, size_t len);

/* What is wrong with the interface name s (len bytes, not necessarily terminated), or NULL when
 * it is valid: 1..15 printable ASCII characters without spaces, '/' or ':', not "." or "..". */
const char *xlb_conf_iface_problem(const char *s, size_t len);

/* The keyword of encap ("ipip", "gue", "l2"), or NULL when it is not an enum xlb_encap. */
const char *xlb_encap_name(__u32 encap);

/* The keyword of v ("auto", "on", "off"), or NULL when v is not an enum xlb_cross_cpu. */
const char *xlb_cross_cpu_name(__u32 v);

/* The keyword of mode ("native", "generic", "auto"), or NULL when mode is not one. */
const char *xlb_xdp_mode_name(enum xlb_xdp_mode mode);

/* The interface of c named name, or NULL. */
struct xlb_conf_iface *xlb_conf_find_iface(const struct xlb_conf *c, const char *name);

/* Fill c with the defaults of every optional key and no interfaces or services. */
void xlb_conf_init(struct xlb_conf *c);

/* Parse YAML text (len bytes) named name (for messages) into *c and validate it completely.
 * On error returns -EINVAL (or -ENOMEM) with a one-line message in err: "NAME:LINE: KEY: what is
 * wrong" (KEY as a path, e.g. services[1].backends[0].weight), and *c untouched. On success *c
 * owns allocated memory: free it with xlb_conf_free(). *c must not own memory beforehand: it is
 * overwritten, not freed (parse into a fresh struct, then swap). */
int xlb_conf_parse(const char *text, size_t len, const char *name, struct xlb_conf *c, char *err,
		   size_t errlen);

/* Read path and xlb_conf_parse() it. -ENOENT & co. with the message "PATH: reason". */
int xlb_conf_load(const char *path, struct xlb_conf *c, char *err, size_t errlen);

/* The cross-field and limit rules, for a model that did not come from a file (runtime edits):
 * unique services, names and backend addresses, a tunnel source for every backend family
 * that is tunnelled to (ipip or gue: l2 backends need none),
 * table_size >= XLB_CONF_MIN_SLOTS_PER_BACKEND x backends, XLB_MAX_SERVICES services,
 * XLB_MAX_VIPS distinct VIPs, XLB_MAX_BACKENDS - 1 backends in all. Returns 0 or -EINVAL with
 * the message in err (with file line numbers when the elements have them). */
int xlb_conf_validate(const struct xlb_conf *c, const char *name, char *err, size_t errlen);

/* Write c as YAML that xlb_conf_parse() turns back into an equal model. Returns 0 or -errno. */
int xlb_conf_dump(const struct xlb_conf *c, FILE *f);

/* Deep copy. Returns 0 or -ENOMEM (dst untouched). */
int xlb_conf_copy(struct xlb_conf *dst, const struct xlb_conf *src);

/* Release what c owns and leave it as after xlb_conf_init(). */
void xlb_conf_free(struct xlb_conf *c);

/* The service of c matching ref, or NULL. */
struct xlb_conf_service *xlb_conf_find_service(const struct xlb_conf *c,
					       const struct xlb_service_ref *ref);

/* The check of backend b of service s: the service's health with b's overrides applied. */
void xlb_conf_backend_health(const struct xlb_conf_service *s, const struct xlb_conf_backend *b,
			     struct xlb_conf_health *out);

/* Parse a duration "30s", "2m", "500ms" (ms only when a whole number of seconds), "1h", or a bare
 * number of seconds, into seconds in [min, max]. Returns 0, -EINVAL or -ERANGE. */
int xlb_parse_duration_s(const char *s, __u32 min, __u32 max, __u32 *out);

/* Parse a duration "250ms", "2s", "1m", "1h", or a bare number of seconds, into milliseconds in
 * [min, max]. Returns 0, -EINVAL or -ERANGE (*out untouched on error). */
int xlb_parse_duration_ms(const char *s, __u32 min, __u32 max, __u32 *out);

/* Parse "aa:bb:cc:dd:ee:ff" (hex, either case). Returns 0 or -EINVAL. */
int xlb_parse_mac(const char *s, __u8 mac[6]);

#endif /* XLB_CONFIG_H */
