// SPDX-License-Identifier: GPL-2.0
/* flow.c - lbctl flow lookup: which backend a client flow of a service gets and why, computed
 * from the pinned maps exactly as xlb_lb computes it (bpf/select.h): the connection table entry
 * of (client, ports), found in the bucket of the flow's connection hash xlb_conn_hash() in
 * every CPU's part (the most recently used one, as the data path's all-parts probe takes it: which
 * CPU a packet lands on is the NIC's RSS choice, unknown here), when its backend can still take it
 * (xlb_conn_use(): same generation, same service, not down; UDP entries also expire when
 * idle), else the service's Maglev slot xlb_flow_hash() % M. A TCP SYN always takes the Maglev
 * slot. Read-only: nothing is written, so a lookup never creates the connection entry a packet
 * would. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "bpfmaps.h"
#include "lbctl.h"
#include "xlb_conn.h"
#include "xlb_hash.h"
#include "xlb_reasons.h"

static const char *const flow_defs[] = { DEF_SERVICE,
					 "CLIENT  := ADDR:PORT | [IPV6]:PORT   the flow's source",
					 "PORT    := the flow's destination port, for services of "
					 "port 0",
					 NULL };

static const char *const reason_names[] = {
#define XLB_REASON_NAME(id, name, action, help) name,
	XLB_REASONS(XLB_REASON_NAME)
#undef XLB_REASON_NAME
};

/* The Maglev choice: the reason is 0 (a backend) or a DROP_* reason. */
struct pick {
	__u32 hash, slot, backend_id;
	int reason;
	struct xlb_backend be;
};

static int maglev_pick(const struct xlb_svc *svc, __u32 hash, struct pick *p)
{
	int tables = pinned_map("xlb_tables"), backends = pinned_map("xlb_backends"), fd;
	struct xlb_table_chunk chunk;
	__u32 inner_id, idx;

	if (tables < 0 || backends < 0)
		return LBCTL_FAIL;
	p->hash = hash;
	p->slot = svc->table_size ? hash % svc->table_size : hash;
	p->backend_id = XLB_BACKEND_NONE;
	if (bpf_map_lookup_elem(tables, &svc->id, &inner_id)) {
		p->reason = XLB_R_DROP_NO_TABLE;
		return 0;
	}
	fd = bpf_map_get_fd_by_id(inner_id);
	if (fd < 0)
		return fail("cannot open table map id %u: %s", inner_id, strerror(errno));
	/* The data path's reading (bpf/select.h): the slot's chunk, then the id in it. */
	idx = p->slot / XLB_TABLE_CHUNK_SLOTS;
	if (!bpf_map_lookup_elem(fd, &idx, &chunk))
		p->backend_id = chunk.id[p->slot % XLB_TABLE_CHUNK_SLOTS];
	close(fd);
	if (p->backend_id == XLB_BACKEND_NONE ||
	    bpf_map_lookup_elem(backends, &p->backend_id, &p->be) || p->be.state != XLB_BE_UP) {
		p->reason = XLB_R_DROP_NO_BACKEND;
		return 0;
	}
	p->reason = 0;
	return 0;
}

/* Why a connection entry cannot be used, or NULL when it can: the data path's rule
 * (xlb_conn.h) in words; be is NULL when the id is out of range. */
static const char *conn_unusable(const struct xlb_conn *c, const struct xlb_backend *be,
				 __u32 svc_id, bool udp, const struct xlb_config *cfg, __u32 now,
				 char *buf, size_t len)
{
	static const char *const why[] = {
		[XLB_CONN_NO_BACKEND] = "its backend id does not exist",
		[XLB_CONN_REASSIGNED] = "its backend id was reassigned since (generation changed)",
		[XLB_CONN_OTHER_SERVICE] = "its backend id now belongs to another service",
		[XLB_CONN_DOWN] = "its backend is down (disabled or removed)",
	};
	int use = xlb_conn_use(c, be, svc_id);

	if (use != XLB_CONN_USABLE)
		return why[use];
	/* An entry within a tick of its expiry may go either way. */
	if (!udp || xlb_conn_fresh(c, now, cfg->udp_idle_ticks))
		return NULL;
	snprintf(buf, len, "idle for %u ticks of 1.07 s, more than %u", xlb_conn_age(c, now),
		 cfg->udp_idle_ticks);
	return buf;
}

static json_t *backend_json(const struct xlb_backend *be, __u32 id)
{
	char a[64];

	if (!id)
		return json_null();
	return json_string(raw_addr_text(be->addr, be->family, a, sizeof(a)));
}

static void print_lookup(const json_t *j)
{
	const json_t *m = json_object_get(j, "maglev"), *c = json_object_get(j, "conn");
	const char *reason = jstr(j, "reason");
	char maglev[160];

	snprintf(maglev, sizeof(maglev), "Maglev slot %lld of %lld, hash %s",
		 (long long)jint(m, "slot"), (long long)jint(m, "table_size"), jstr(m, "hash"));
	printf("flow     %s -> %s (%s port %lld)\n", jstr(j, "client"), jstr(j, "service"),
	       jstr(j, "proto"), (long long)jint(j, "dport"));
	if (json_is_null(json_object_get(j, "backend")))
		printf("backend  none: dropped (%s)\n", reason);
	else
		printf("backend  %s (encap %s)\n", jstr(j, "backend"), jstr(j, "encap"));
	if (!strcmp(reason, "tx_conn_hit"))
		printf("why      connection table entry (backend id %lld, generation %lld)\n",
		       (long long)jint(c, "backend_id"), (long long)jint(c, "generation"));
	else if (c && !json_is_null(c))
		printf("why      %s; the connection table entry is not used: %s\n", maglev,
		       jstr(c, "unusable"));
	else
		printf("why      %s (no connection table entry)\n", maglev);
	if (!strcmp(reason, "tx_conn_hit"))
		printf("new      a new connection (TCP SYN) would get %s: %s\n",
		       json_is_null(json_object_get(m, "backend")) ? "none" : jstr(m, "backend"),
		       maglev);
	if (*jstr(j, "note"))
		printf("note     %s\n", jstr(j, "note"));
}

/* One lookup; flow_lookup() parses the words. */
static int lookup(const struct xlb_service_ref *ref, const struct xlb_addr *client, __u16 sport,
		  int to)
{
	struct xlb_config cfg;
	struct xlb_svc svc;
	struct xlb_service_ref used = *ref;
	const struct xlb_conn *found;
	struct bm_conns t = { 0 };
	struct xlb_conn conn;
	struct xlb_backend cbe;
	struct timespec ts;
	__u32 hash, now, part = 0;
	struct pick p;
	const char *why = NULL;
	char buf[160], name[XLB_SERVICE_STRLEN], ctext[80], note[200] = "";
	bool have_conn, cbe_ok = false, udp = ref->proto == IPPROTO_UDP;
	int backends, ret;
	__u16 dport;
	json_t *out, *cj = json_null(), *best = NULL;
	const struct xlb_backend *best_be;
	__u32 best_id;

	svc_text(ref, name, sizeof(name));
	if (client->family != ref->vip.family)
		return fail("client %s and service %s are of different IP versions",
			    endpoint_text(client, sport, ctext, sizeof(ctext)), name);
	if (!ref->port && to < 0)
		return usage("%s takes every port: say which with 'to PORT'", name);
	if (ref->port && to >= 0 && to != ref->port)
		return fail("to %d: %s takes port %u only", to, name, ref->port);
	dport = ref->port ? ref->port : (__u16)to;
	if (pinned_config(&cfg))
		return LBCTL_FAIL;
	ret = pinned_service(ref, &svc);
	if (ret < 0)
		return LBCTL_FAIL;
	if (ret)
		return fail("no such service in the data path: %s", name);
	/* The data path looks the exact port up first: a port-0 service only gets the ports
	 * no other service of its VIP has. */
	if (!ref->port) {
		struct xlb_svc exact;

		used.port = dport;
		ret = pinned_service(&used, &exact);
		if (ret < 0)
			return LBCTL_FAIL;
		if (ret == 0) {
			svc = exact;
			snprintf(note, sizeof(note), "port %u has its own service, %s", dport,
				 svc_text(&used, name, sizeof(name)));
		} else {
			used.port = 0;
		}
	}
	backends = pinned_map("xlb_backends");
	if (backends < 0 || pinned_conns(&t))
		return LBCTL_FAIL;

	/* The data path's clock is bpf_ktime_get_coarse_ns(), CLOCK_MONOTONIC_COARSE here. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	now = xlb_conn_tick((__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec);
	hash = xlb_conn_hash(cfg.hash_seed, client->family, client->addr, ref->vip.addr,
			     htons(sport), htons(dport), ref->proto);
	found = bm_conns_find(&t, hash, client->addr, htons(sport), htons(dport), now, &part);
	have_conn = found != NULL;
	if (have_conn) {
		conn = *found; /* a copy: the data path may rewrite the entry meanwhile */
		cbe_ok = !bpf_map_lookup_elem(backends, &conn.backend_id, &cbe);
		why = conn_unusable(&conn, cbe_ok ? &cbe : NULL, svc.id, udp, &cfg, now, buf,
				    sizeof(buf));
		cj = json_pack("{s:I,s:I,s:o,s:b,s:I,s:b,s:I}", "backend_id",
			       (json_int_t)conn.backend_id, "generation",
			       (json_int_t)conn.generation, "backend",
			       cbe_ok ? backend_json(&cbe, conn.backend_id) : json_null(), "usable",
			       !why, "cpu", (json_int_t)part, "confirmed",
			       !!(conn.tick & XLB_CONN_CONFIRMED), "idle_ticks",
			       (json_int_t)xlb_conn_age(&conn, now));
		if (why)
			json_object_set_new(cj, "unusable", json_string(why));
	}
	bm_conns_unmap(&t);
	hash = xlb_flow_hash(cfg.hash_seed, client->family, client->addr, ref->vip.addr,
			     htons(sport), htons(dport), ref->proto);
	if (maglev_pick(&svc, hash, &p)) {
		json_decref(cj);
		return LBCTL_FAIL;
	}
	snprintf(buf, sizeof(buf), "0x%08x", p.hash);
	out = json_pack("{s:s,s:s,s:s,s:I}", "service", svc_text(&used, name, sizeof(name)),
			"client", endpoint_text(client, sport, ctext, sizeof(ctext)), "proto",
			udp ? "udp" : "tcp", "dport", (json_int_t)dport);
	if (have_conn && !why) {
		best = backend_json(&cbe, conn.backend_id);
		best_id = conn.backend_id;
		best_be = &cbe;
		ret = XLB_R_TX_CONN_HIT;
	} else {
		best = p.reason ? json_null() : backend_json(&p.be, p.backend_id);
		best_id = p.reason ? 0 : p.backend_id;
		best_be = &p.be;
		ret = p.reason ? p.reason : have_conn ? XLB_R_TX_RESELECT : XLB_R_TX_NEW_FLOW;
	}
	json_object_set_new(out, "backend", best);
	json_object_set_new(out, "backend_id", json_integer(best_id));
	/* How the packet reaches that backend, as its entry in xlb_backends says. */
	json_object_set_new(out, "encap",
			    best_id ? json_string(encap_text(best_be->encap)) : json_null());
	json_object_set_new(out, "reason", json_string(reason_names[ret]));
	json_object_set_new(out, "conn", cj);
	json_object_set_new(
		out, "maglev",
		json_pack("{s:s,s:I,s:I,s:o,s:I,s:s}", "hash", buf, "slot", (json_int_t)p.slot,
			  "table_size", (json_int_t)svc.table_size, "backend",
			  p.reason ? json_null() : backend_json(&p.be, p.backend_id), "backend_id",
			  (json_int_t)(p.reason ? 0 : p.backend_id), "reason",
			  reason_names[p.reason ? p.reason : XLB_R_TX_NEW_FLOW]));
	if (note[0])
		json_object_set_new(out, "note", json_string(note));
	return emit(out, print_lookup);
}

static int do_lookup(int argc, char **argv)
{
	struct xlb_service_ref ref;
	struct xlb_addr client;
	__u16 sport;
	__u32 to;
	bool have_to = false;

	if (want_args(argc, 3, 5))
		return LBCTL_USAGE;
	if (!is_word(argv[1], "from"))
		return usage("expected 'from' after the service, got '%s'; usage: lbctl flow "
			     "lookup %s",
			     argv[1], opts.cmd->args);
	if (argc == 4 || (argc == 5 && !is_word(argv[3], "to")))
		return usage("expected 'to PORT' after the client; usage: lbctl flow lookup %s",
			     opts.cmd->args);
	if (arg_service(argv[0], &ref) || arg_endpoint("client", argv[2], &client, &sport))
		return LBCTL_FAIL;
	if (argc == 5) {
		if (arg_u32("to PORT", argv[4], 1, 65535, &to))
			return LBCTL_FAIL;
		have_to = true;
	}
	return lookup(&ref, &client, sport, have_to ? (int)to : -1);
}

static const struct lbctl_cmd cmds[] = {
	{ "lookup", do_lookup, "SERVICE from CLIENT [to PORT]",
	  "which backend a flow gets, and why" },
	{ NULL },
};

const struct lbctl_object obj_flow = {
	.name = "flow",
	.help = "how the data path treats one flow",
	.cmds = cmds,
	.defs = flow_defs,
};
