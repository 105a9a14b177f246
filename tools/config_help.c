// SPDX-License-Identifier: GPL-2.0
/* config_help.c - the documentation of every key of xlbd.yaml: its meaning and the type, range
 * and default cells of docs/config.md that the schema cannot derive. config_doc.c joins it with
 * the schema by mapping and key, and fails on a key without a row or a row without a key. The
 * contract is config_help.h. */
#include "config_help.h"

/* Shared by services[].health and the per-backend overrides of the same settings. */
#define HC_INTERVAL "Time between two checks of one backend."
#define HC_TIMEOUT "How long one check may take; slower is a failure."
#define HC_RISE "Consecutive successes that bring a down backend up."
#define HC_FALL "Consecutive failures that take an up backend down."
#define HC_INITIAL                                                                             \
	"State of a backend before its first checks: `down` waits for `rise` successes, `up` " \
	"takes traffic at once and waits for `fall` failures."
#define HC_JITTER                                                                              \
	"Each interval is spread randomly by up to this share (10: 1.8 s..2.2 s for 2 s), so " \
	"that the checks of many backends do not run in step."

const struct conf_help conf_help[] = {
	/* top */
	{ "top", "interfaces", .type = "list of interfaces", .range = "1..8, unique names",
	  .help = "Interfaces xlb_lb attaches to: a name (`eth0`, in `xdp_mode`) or `{ name: eth0, "
		  "mode: generic }` (in its own mode), mixed freely. A name is 1..15 printable "
		  "ASCII characters without spaces, `/` or `:`, and not `.` or `..`. `lbctl iface "
		  "attach/detach` changes the list at run time." },
	{ "top", "xdp_mode",
	  .help = "The XDP mode of the interfaces that do not name their own (the same keywords), "
		  "wherever it stands in the file, and of those attached at run time without a "
		  "mode. `native`: driver-mode XDP, fails where the driver has none. `generic`: "
		  "skb mode, works everywhere, slower. `auto`: native, falling back to generic." },
	{ "top", "tunnel_source", .def = "not set",
	  .help = "Outer source address of the tunnel to IPv4 backends. Required as soon as one "
		  "backend is IPv4." },
	{ "top", "tunnel_source_v6", .def = "not set",
	  .help = "Outer source address of the tunnel to IPv6 backends. Required as soon as one "
		  "backend is IPv6." },
	{ "top", "gue_port",
	  .help = "UDP destination port of the packets to `encap: gue` backends (GUE variant 1: "
		  "outer IP and UDP, then the client's IP packet). The backends' decapsulator "
		  "(`xlb-decap`, or the kernel's `fou`) listens on it. 6080 is Katran's and GLB's "
		  "port." },
	{ "top", "rss_bits",
	  .help = "Low bits of `tunnel_source` replaced by bits of the connection hash, so that "
		  "the "
		  "backends' NICs spread tunnelled flows over their receive queues. Every "
		  "resulting address must be accepted by the backends' decapsulator (a prefix of "
		  "that length). 0: one fixed source." },
	{ "top", "rss_bits_v6", .help = "The same for `tunnel_source_v6`." },
	{ "top", "gateway", .type = "`auto` or MAC", .range = "`aa:bb:cc:dd:ee:ff`, either case",
	  .help = "Outer destination MAC: the next hop towards the backends. `auto` looks it up in "
		  "the kernel's neighbour table. A given MAC must be unicast and not all zeros." },
	{ "top", "hash_seed", .type = "`auto` or number", .range = "0..4294967295",
	  .help = "Seed of the flow hash (and of the connection hash). `auto`: generated once and "
		  "kept in `state_dir`. Every "
		  "node of an ECMP group must use the same seed, or a flow that moves between "
		  "nodes changes backend: set it explicitly there." },
	{ "top", "mtu",
	  .help = "Largest IP packet towards the backends, tunnel header (20 bytes IPv4, 40 bytes "
		  "IPv6) included." },
	{ "top", "conntrack", .help = "The connection table." },
	{ "top", "state_dir", .type = "path",
	  .range = "absolute, < 256 characters, printable ASCII",
	  .help = "Where xlbd keeps state that must survive a restart (the generated hash seed)." },
	{ "top", "metrics", .help = "The Prometheus endpoint ([metrics.md](metrics.md))." },
	{ "top", "announce", .def = "off",
	  .help = "Route health injection for ECMP scale-out ([scale-out.md](scale-out.md))." },
	{ "top", "services", .type = "list of services", .range = "0..4096 services",
	  .help = "The virtual services, see below." },

	/* conntrack */
	{ "conntrack", "size",
	  .help = "Entries of the connection table in total, split into a part per CPU (32 bytes "
		  "each; about 4 per flow a CPU carries: a flow whose bucket is full goes by its "
		  "Maglev slot)." },
	{ "conntrack", "udp_idle_timeout",
	  .help = "A UDP flow idle this long picks its backend anew on its next packet; 0 means "
		  "UDP entries never expire. Kept in ticks of about 1.07 s, so expiry is accurate "
		  "to about a second. TCP entries are not timed." },
	{ "conntrack", "new_flow_rate",
	  .help = "Flood guard: connection entries written per second on each CPU. Above it, new "
		  "flows are still forwarded (by their Maglev slot) but get no entry "
		  "(`tx_flood_untracked`), so a flood of new flows cannot evict the entries of "
		  "established connections. 0 = no limit." },
	{ "conntrack", "new_flow_burst",
	  .help = "How many entries above that rate a CPU may write in a burst." },
	{ "conntrack", "cross_cpu",
	  .help = "`on`: a packet whose flow has no entry in its CPU's part looks in every other "
		  "CPU's part, and a SYN empties the flow's old entries there, so flows that "
		  "change CPU keep their backend (a veth runs XDP on the sending CPU). `off`: "
		  "each CPU looks only in its own part (a physical NIC's RSS keeps a flow on one "
		  "CPU): a new flow costs no cold lookups in the other parts, and a flow that "
		  "does change CPU (an RSS or IRQ affinity change) is re-selected by its Maglev "
		  "slot, as after an eviction. First fragments, TCP RSTs and ICMP errors look "
		  "everywhere either way. `auto`: `on` when an interface is virtual (ethtool "
		  "reports no bus for it, as for a veth), else `off`." },

	/* metrics */
	{ "metrics", "listen", .type = "`off` or `ADDR:PORT`",
	  .range = "an IPv4 address, or an IPv6 one in brackets; port 1..65535",
	  .def = "`\"127.0.0.1:9477\"`",
	  .help = "Where xlbd serves `GET /metrics`. Loopback by default: a Prometheus on the LB, "
		  "or one that reaches it through a tunnel or a proxy; an address of a management "
		  "network otherwise. `off`: not served. A change takes effect on the next reload; "
		  "an address that cannot be bound refuses the whole change (and xlbd's start) "
		  "with `metrics.listen: cannot listen on ADDR:PORT: reason`." },

	/* announce */
	{ "announce", "table", .type = "`off` or number", .range = "1..4294967295 except 253..255",
	  .def = "`off` (no `announce` key)",
	  .help = "Kernel routing table where xlbd keeps one blackhole host route (protocol 77) "
		  "per VIP it announces: a VIP is announced while xlb_lb is attached and at least "
		  "one of its services with `announce: true` is healthy (at least `min_healthy`, "
		  "and at least one, enabled backends pass their checks). A routing daemon (BIRD) "
		  "exports the table over BGP. 253, 254 and 255 are the kernel's `default`, `main` "
		  "and `local` tables and are refused. Changing the table moves the routes; a "
		  "clean stop withdraws them ([scale-out.md](scale-out.md))." },

	/* interfaces */
	{ "interfaces", "name", .help = "The interface." },
	{ "interfaces", "mode", .def = "`xdp_mode`", .help = "Its own XDP mode." },

	/* services */
	{ "services", "name", .range = "1..31 of `A-Z a-z 0-9 _ . -`, unique",
	  .def = "none (shown as `VIP:PORT/PROTO`)", .help = "A label for lbctl and the metrics." },
	{ "services", "vip", .help = "The virtual address clients connect to." },
	{ "services", "port",
	  .help = "Destination port; 0 means every port of this VIP and protocol (a more specific "
		  "service wins)." },
	{ "services", "proto", .help = "Transport protocol of the service." },
	{ "services", "table_size", .range = "a prime in 7..655373, >= 100 x backends",
	  .help = "Entries of the service's Maglev table. More entries give a more even share "
		  "between backends: at least 100 per backend, counting every backend of the "
		  "service whatever its state or weight. A service can therefore have at most 6553 "
		  "backends." },
	{ "services", "icmp_echo",
	  .help = "Answer ICMP/ICMPv6 echo requests to the VIP. The VIP answers if any of its "
		  "services says `true`." },
	{ "services", "min_healthy",
	  .help = "Fail-open threshold: when fewer backends than this are healthy, the service "
		  "keeps its last good table (the backends up in its last table built with enough "
		  "healthy ones, still configured and enabled, plus those healthy now; every "
		  "enabled backend when it never had one) rather than sending all traffic to the "
		  "few that pass or to none ([health.md](health.md)). 0: never fail open. Not "
		  "compared with the number of backends: a service may get its backends later." },
	{ "services", "announce",
	  .help = "Whether this service keeps its VIP announced while it is healthy (with "
		  "`announce.table` set). The VIP stays announced while any of its announcing "
		  "services is healthy. `lbctl service set SERVICE announce off` changes it at run "
		  "time." },
	{ "services", "health", .type = "mapping", .range = "see below", .def = "type `none`",
	  .help = "How the backends are checked." },
	{ "services", "backends", .type = "list of backends", .def = "`[]`",
	  .help = "The real servers, see below." },

	/* health */
	{ "health", "type",
	  .help = "`none`: no check, every backend is always up. `tcp`: a TCP connect succeeds "
		  "within the timeout. `http`: `GET path` answers with a status in `expect` and, "
		  "if `body` is set, a body containing it. `https`: the same over TLS. `udp`: "
		  "`payload` is sent and a reply comes back (containing `expect_payload` if set). "
		  "`tunnel`: a probe encapsulated like real traffic reaches the VIP and port "
		  "through the backend's decapsulation (TCP services: SYN answered by SYN-ACK; UDP "
		  "services: `payload` answered); needs the tunnel source of the VIP's family "
		  "([health.md](health.md))." },
	{ "health", "port",
	  .help = "Port checked on the backend. 0: the service's port. A service with port 0 "
		  "(every port) has no port of its own: it needs a non-zero `port` here unless the "
		  "type is `none`." },
	{ "health", "interval", .help = HC_INTERVAL },
	{ "health", "timeout", .range = "50ms..`interval`",
	  .help = HC_TIMEOUT " Must not be longer than `interval` (the message names both)." },
	{ "health", "rise", .help = HC_RISE },
	{ "health", "fall", .help = HC_FALL },
	{ "health", "jitter", .type = "number (percent)", .help = HC_JITTER },
	{ "health", "initial", .help = HC_INITIAL },
	{ "health", "path",
	  .range = "starts with `/`, printable ASCII without spaces, < 128 characters",
	  .help = "Request path, query included (`/healthz?full=1`)." },
	{ "health", "host",
	  .range = "a host name (`A-Z a-z 0-9 . - _`), an IPv4 address or an IPv6 address in "
		   "brackets (`[2001:db8::1]`), < 128 characters; no port",
	  .help = "`Host` header. Empty: the backend's address." },
	{ "health", "body", .range = "printable ASCII (spaces allowed), < 128 characters",
	  .help = "Text the response body must contain. Empty: any body." },
	{ "health", "expect", .type = "status or range",
	  .range = "`200` or `200-399`; statuses 100..599, the first not above the second",
	  .help = "Accepted response statuses. Plain or quoted." },
	{ "health", "insecure", .help = "Skip the verification of the backend's certificate." },
	{ "health", "ca",
	  .range = "an absolute path, printable ASCII without spaces, < 128 characters",
	  .help = "PEM file of the certificate authorities the backend's certificate must chain to "
		  "(a private PKI). Empty: the system's store. The file must be readable when the "
		  "configuration is loaded." },
	{ "health", "payload",
	  .range = "printable ASCII (spaces allowed), < 128 characters, may be empty",
	  .help = "Datagram sent to the backend." },
	{ "health", "expect_payload", .range = "printable ASCII (spaces allowed), < 128 characters",
	  .help = "Text the reply must contain. Empty: any reply." },

	/* backends */
	{ "backends", "address", .range = "unique within the service",
	  .help = "The backend; its family selects the tunnel (IPv4 or IPv6) and needs the "
		  "matching `tunnel_source` (unless `encap: l2`). A backend may serve several "
		  "services." },
	{ "backends", "weight", .help = "Relative share of new flows. 0 behaves like `drain`." },
	{ "backends", "state",
	  .help = "Administrative state, independent of health. `enabled`: in the table. `drain`: "
		  "out of the table, keeps its established flows. `disabled`: out of the table, "
		  "its flows move to other backends." },
	{ "backends", "encap",
	  .help = "How packets reach the backend. `ipip`: IP-in-IP, the backend decapsulates "
		  "(`xlb-decap` or the `ipip` module). `gue`: outer IP and UDP to `gue_port` "
		  "(crosses networks that drop IP protocol 4; the backend's NIC spreads flows by "
		  "UDP source port). `l2`: direct routing, only the MACs change: the backend must "
		  "be on a directly connected network of an attached interface, with the VIP on "
		  "`lo` ([xlbd.md](xlbd.md)); it needs no tunnel source. Changing it at run time "
		  "rewrites only this backend's entry: its flows stay." },
	{ "backends", "health", .type = "mapping", .range = "see below", .def = "none",
	  .help = "This backend's own values for some settings of the service's check." },

	/* overrides */
	{ "overrides", "port", .help = "Port checked on this backend." },
	{ "overrides", "interval", .help = HC_INTERVAL },
	{ "overrides", "timeout", .help = HC_TIMEOUT },
	{ "overrides", "rise", .help = HC_RISE },
	{ "overrides", "fall", .help = HC_FALL },
	{ "overrides", "jitter", .type = "number (percent)", .help = HC_JITTER },
	{ "overrides", "initial", .help = HC_INITIAL },
};
const size_t conf_help_count = sizeof(conf_help) / sizeof(conf_help[0]);
