// SPDX-License-Identifier: GPL-2.0
/* api.c - xlbd's control API on a Unix socket: libmicrohttpd driven from the daemon's epoll
 * loop, peers checked by their credentials, requests parsed by apireq.c's route table and
 * carried out by one handler per operation; a change edits a copy of the running
 * configuration and applies it whole (so a refused change changes nothing). See api.h and
 * docs/api.md. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <libgen.h>
#include <net/if.h>

#include "announce.h"
#include "api.h"
#include "apiedit.h"
#include "l2mac.h"
#include "apireq.h"
#include "capture.h"
#include "counters.h"
#include "dataplane.h"
#include "health.h"
#include "httpd.h"
#include "log.h"
#include "maglev.h"
#include "xlb_abi.h"
#include "xlb_reasons.h"
#include "reconcile.h"
#include "xlbd.h"

static const struct xlbd *D; /* the daemon's context, from api_start() */

#define API_GROUP "xlb"
#define API_MAX_CONNECTIONS 16
#define API_CONN_TIMEOUT_S 10

static struct {
	struct httpd *httpd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
} A;

/* One request being received. */
struct pending {
	char *body;
	size_t len;
	bool allowed;
};

/* ---- responses ---- */

#define API_JSON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

/* Answer text (JSON, taken; NULL: out of memory) with status; with an Allow header when allow
 * is not NULL. */
static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status, char *text,
				    const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!text)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/json");
	if (allow)
		MHD_add_response_header(r, "Allow", allow);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Answer j (consumed) with status; with an Allow header when allow is not NULL. */
static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, json_t *j,
			       const char *allow)
{
	char *text = json_dumps(j, API_JSON_FLAGS);

	json_decref(j);
	return respond_text(c, status, text, allow);
}

static enum MHD_Result respond_json(struct MHD_Connection *c, unsigned status, json_t *j)
{
	return respond(c, status, j, NULL);
}

/* A document {"KEY":[...]} written an element at a time, the same text as json_dumps() of the
 * whole tree: a list of 65,536 backends as one jansson tree took over 250 MiB, which the heap
 * then kept. Not open_memstream() as elsewhere in this file: its buffer of about 28 MiB stayed
 * in the heap after the answer (xlbd's RSS 146 MiB against 117 with this doubling buffer, which
 * glibc maps apart and gives back). */
struct json_list {
	char *text;
	size_t len, cap;
	size_t n; /* elements added */
	bool failed;
};

static bool list_put(struct json_list *l, const char *s, size_t n)
{
	if (l->failed)
		return false;
	if (l->len + n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap : 4096;
		char *grown;

		while (cap < l->len + n + 1)
			cap *= 2;
		grown = realloc(l->text, cap);
		if (!grown) {
			l->failed = true;
			return false;
		}
		l->text = grown;
		l->cap = cap;
	}
	memcpy(l->text + l->len, s, n);
	l->len += n;
	l->text[l->len] = '\0';
	return true;
}

/* Start the document: {"key":[ */
static void list_open(struct json_list *l, const char *key)
{
	memset(l, 0, sizeof(*l));
	list_put(l, "{\"", 2);
	list_put(l, key, strlen(key));
	list_put(l, "\":[", 3);
}

/* Append element o (consumed; NULL marks the document failed). */
static void list_add(void *ctx, json_t *o)
{
	struct json_list *l = ctx;
	char *text = o ? json_dumps(o, API_JSON_FLAGS) : NULL;

	json_decref(o);
	if (!text)
		l->failed = true;
	else if (!l->n++ || list_put(l, ",", 1))
		list_put(l, text, strlen(text));
	free(text);
}

/* Answer the finished document with 200, or 500 when part of it could not be made. */
static enum MHD_Result respond_list(struct MHD_Connection *c, struct json_list *l)
{
	if (!list_put(l, "]}", 2)) {
		free(l->text);
		return respond_json(c, 500, json_pack("{s:s}", "error", "out of memory"));
	}
	return respond_text(c, 200, l->text, NULL);
}

static enum MHD_Result respond_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	return respond_json(c, status, json_pack("{s:s}", "error", msg));
}

/* 405, with the methods the path takes in Allow (RFC 9110: empty when it takes none). */
static enum MHD_Result respond_not_allowed(struct MHD_Connection *c, const char *url,
					   const char *msg)
{
	char allow[64];

	api_allowed(url, allow, sizeof(allow));
	return respond(c, 405, json_pack("{s:s}", "error", msg), allow);
}

/* ---- JSON views of the configuration ---- */

static const char *admin_name(enum xlb_admin_state s)
{
	return s == XLB_ADMIN_DRAIN ? "drain" : s == XLB_ADMIN_DISABLED ? "disabled" : "enabled";
}

static json_t *service_json(const struct xlb_conf_service *s)
{
	char ref[XLB_SERVICE_STRLEN], vip[64], addr[64];
	json_t *bes = json_array();

	xlb_service_format(&s->ref, ref, sizeof(ref));
	xlb_addr_format(&s->ref.vip, vip, sizeof(vip));
	for (size_t i = 0; i < s->n_backends; i++) {
		const struct xlb_conf_backend *b = &s->backends[i];

		json_t *bj;
		__u8 m[6];

		xlb_addr_format(&b->addr, addr, sizeof(addr));
		bj = json_pack("{s:s,s:I,s:s,s:s}", "address", addr, "weight",
			       (json_int_t)b->weight, "state", admin_name(b->admin), "encap",
			       xlb_encap_name(b->encap));
		/* l2: the MAC it is sent to, null while unresolved (and out of the table). */
		if (b->encap == XLB_ENCAP_L2 && l2mac_get(&b->addr, m)) {
			char mac[18];

			snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
				 m[2], m[3], m[4], m[5]);
			json_object_set_new(bj, "mac", json_string(mac));
		} else if (b->encap == XLB_ENCAP_L2) {
			json_object_set_new(bj, "mac", json_null());
		}
		json_array_append_new(bes, bj);
	}
	return json_pack("{s:s,s:s,s:s,s:I,s:s,s:I,s:b,s:I,s:b,s:b,s:b,s:b,s:o}", "service", ref,
			 "name", s->name, "vip", vip, "port", (json_int_t)s->ref.port, "proto",
			 s->ref.proto == IPPROTO_TCP ? "tcp" : "udp", "table_size",
			 (json_int_t)s->table_size, "icmp_echo", s->icmp_echo, "min_healthy",
			 (json_int_t)s->min_healthy, "fail_open",
			 state_service_fail_open(D->state, &s->ref), "announce", s->announce,
			 "healthy", state_service_healthy(D->state, &s->ref), "vip_announced",
			 announce_vip_announced(&s->ref.vip), "backends", bes);
}

/* One interface: its configured mode, and where the kernel says xlb_lb runs on it. */
static json_t *iface_json(const struct xlb_conf_iface *f)
{
	static const char *const where[] = {
		[DP_XDP_NONE] = "none",
		[DP_XDP_NATIVE] = "native",
		[DP_XDP_GENERIC] = "generic",
		[DP_XDP_OFFLOAD] = "offload",
	};
	struct dp_iface_info info;

	if (dp_iface_info(D->dp, f->name, &info))
		memset(&info, 0, sizeof(info));
	return json_pack("{s:s,s:s,s:s,s:I,s:I}", "name", f->name, "mode",
			 xlb_xdp_mode_name(f->mode), "attached", where[info.where], "ifindex",
			 (json_int_t)info.ifindex, "prog_id", (json_int_t)info.prog_id);
}

static json_t *ifaces_json(const struct xlb_conf *c)
{
	json_t *list = json_array();

	for (size_t i = 0; i < c->n_ifaces; i++)
		json_array_append_new(list, iface_json(&c->ifaces[i]));
	return json_pack("{s:o}", "interfaces", list);
}

static json_t *status_json(void)
{
	const struct xlbd *x = D;
	const struct xlb_conf *c = state_conf(x->state);
	char names[32][XLB_CONF_IFNAMSIZ];
	int n = dp_attached(x->dp, names, 32);
	json_t *ifs = json_array();
	unsigned pool_maps;
	__u64 pool_mem = dp_table_pool_memory(x->dp, &pool_maps);
	char mac[18];

	for (int i = 0; i < n; i++)
		json_array_append_new(ifs, json_string(names[i]));
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", x->rt.gw_mac[0],
		 x->rt.gw_mac[1], x->rt.gw_mac[2], x->rt.gw_mac[3], x->rt.gw_mac[4],
		 x->rt.gw_mac[5]);
	return json_pack("{s:s,s:i,s:s,s:s,s:b,s:o,s:I,s:s,s:I,s:I,s:I,s:{s:I,s:I}}", "version",
			 XLBD_VERSION, "abi_version", XLB_ABI_VERSION, "config_path", x->conf_path,
			 "pin_dir", x->pin_dir, "adopted", dp_adopted(x->dp), "interfaces", ifs,
			 "services", (json_int_t)c->n_services, "gateway_mac", mac, "hash_seed",
			 (json_int_t)x->rt.hash_seed, "reloads_applied", (json_int_t)x->reloads[0],
			 "reloads_refused", (json_int_t)x->reloads[1], "table_pool", "maps",
			 (json_int_t)pool_maps, "memory", (json_int_t)pool_mem);
}

static json_t *counter_json(const struct xlb_counter *c)
{
	return json_pack("{s:I,s:I}", "packets", (json_int_t)c->packets, "bytes",
			 (json_int_t)c->bytes);
}

/* Counters read from the maps now (summed over CPUs): per reason, service and backend. NULL
 * when out of memory. */
static json_t *stats_json(void)
{
	static const char *const reasons[] = {
#define XLB_REASON_NAME(id, name, action, help) name,
		XLB_REASONS(XLB_REASON_NAME)
#undef XLB_REASON_NAME
	};
	const struct xlb_conf *c;
	struct counters cnt;
	json_t *r, *svcs;
	char ref[XLB_SERVICE_STRLEN], addr[64];

	if (counters_read(D, &cnt))
		return NULL;
	c = cnt.conf;
	r = json_object();
	svcs = json_array();
	for (__u32 i = 0; i < XLB_R_MAX; i++)
		if (cnt.reason_read[i])
			json_object_set_new(r, reasons[i], counter_json(&cnt.reasons[i]));
	for (size_t i = 0; i < c->n_services; i++) {
		const struct xlb_conf_service *s = &c->services[i];
		const struct counters_service *cs = &cnt.services[i];
		json_t *bes = json_array(), *o;

		if (!cs->applied || !cs->read) {
			json_decref(bes);
			continue;
		}
		xlb_service_format(&s->ref, ref, sizeof(ref));
		o = json_pack("{s:s,s:s,s:I,s:I}", "service", ref, "name", s->name, "packets",
			      (json_int_t)cs->traffic.packets, "bytes",
			      (json_int_t)cs->traffic.bytes);
		/* In the configuration's order of backends, as the configuration lists them. */
		for (size_t j = 0; j < s->n_backends; j++) {
			const struct counters_backend *b = counters_backend(
				&cnt, state_backend_id(D->state, cs->id, &s->backends[j].addr));

			if (!b || !b->read)
				continue;
			xlb_addr_format(&s->backends[j].addr, addr, sizeof(addr));
			json_array_append_new(bes,
					      json_pack("{s:s,s:I,s:I}", "address", addr, "packets",
							(json_int_t)b->traffic.packets, "bytes",
							(json_int_t)b->traffic.bytes));
		}
		json_object_set_new(o, "backends", bes);
		json_array_append_new(svcs, o);
	}
	counters_free(&cnt);
	return json_pack("{s:o,s:o}", "reasons", r, "services", svcs);
}

/* The table in the data path for ref: each backend's slots and the address fingerprint. */
static enum MHD_Result table_view(struct MHD_Connection *c, const struct xlb_service_ref *ref)
{
	const struct xlb_conf_service *s = xlb_conf_find_service(state_conf(D->state), ref);
	struct maglev_backend *mb;
	json_t *bes = json_array(), *o;
	__u32 id, m, *table, *count, empty = 0, inner;
	char text[64], fp[17];
	size_t n = 0;

	if (!s || state_service_id(D->state, ref, &id, &m))
		return respond_error(c, 404, "no such service");
	table = calloc(m, sizeof(*table));
	count = calloc(s->n_backends + 1, sizeof(*count));
	mb = calloc(s->n_backends + 1, sizeof(*mb));
	if (!table || !count || !mb || dp_table_read(D->dp, id, m, table, &inner)) {
		free(table);
		free(count);
		free(mb);
		json_decref(bes);
		return respond_error(c, 500, "cannot read the table");
	}
	for (size_t j = 0; j < s->n_backends; j++) {
		mb[n].id = state_backend_id(D->state, id, &s->backends[j].addr);
		mb[n].family = s->backends[j].addr.family;
		memcpy(mb[n].addr, s->backends[j].addr.addr, sizeof(mb[n].addr));
		n++;
	}
	for (__u32 i = 0; i < m; i++) {
		bool found = false;

		for (size_t j = 0; j < n && !found; j++)
			if (table[i] == mb[j].id && mb[j].id) {
				count[j]++;
				found = true;
			}
		empty += !found;
	}
	for (size_t j = 0; j < n; j++) {
		xlb_addr_format(&s->backends[j].addr, text, sizeof(text));
		json_array_append_new(bes,
				      json_pack("{s:s,s:I,s:f,s:s}", "address", text, "slots",
						(json_int_t)count[j], "share", (double)count[j] / m,
						"encap", xlb_encap_name(s->backends[j].encap)));
	}
	snprintf(fp, sizeof(fp), "%016llx",
		 (unsigned long long)maglev_fingerprint(table, m, mb, n));
	xlb_service_format(ref, text, sizeof(text));
	o = json_pack("{s:s,s:I,s:I,s:s,s:I,s:o}", "service", text, "table_size", (json_int_t)m,
		      "inner_map_id", (json_int_t)inner, "fingerprint", fp, "empty_slots",
		      (json_int_t)empty, "backends", bes);
	free(table);
	free(count);
	free(mb);
	return respond_json(c, 200, o);
}

/* ---- changes: edit a copy, apply it whole ---- */

/* An edit of a copy of the running configuration: 0, or an HTTP status with the message in
 * err and conf as it was. */
typedef unsigned (*edit_fn)(struct xlb_conf *conf, struct api_request *req, char *err,
			    size_t errlen);

/* Detach req->iface in conf (a copy). */
static unsigned edit_iface_detach(struct xlb_conf *conf, struct api_request *req, char *err,
				  size_t errlen)
{
	struct xlb_conf_iface *f = xlb_conf_find_iface(conf, req->iface);

	if (!f) {
		snprintf(err, errlen, "interface %s is not attached", req->iface);
		return 404;
	}
	if (conf->n_ifaces == 1) {
		snprintf(err, errlen,
			 "%s is the only interface and xlbd needs one: attach another first",
			 req->iface);
		return 409;
	}
	memmove(f, f + 1, (size_t)(conf->ifaces + conf->n_ifaces - f - 1) * sizeof(*f));
	conf->n_ifaces--;
	return 0;
}

/* Attach req->iface in conf (a copy), or switch its mode. Whether the kernel takes the
 * attachment is up to the apply. */
static unsigned edit_iface_attach(struct xlb_conf *conf, struct api_request *req, char *err,
				  size_t errlen)
{
	struct xlb_conf_iface *f = xlb_conf_find_iface(conf, req->iface);

	/* The interface must exist in xlbd's network namespace, which may not be the caller's. */
	if (!if_nametoindex(req->iface)) {
		snprintf(err, errlen, "no such network interface: %s", req->iface);
		return 404;
	}
	if (f && (!(req->fields & API_F_MODE) || f->mode == req->mode)) {
		snprintf(err, errlen, "interface %s is already attached (%s mode)", req->iface,
			 xlb_xdp_mode_name(f->mode));
		return 409;
	}
	if (f) { /* another mode: the apply switches it */
		f->mode = req->mode;
		return 0;
	}
	if (conf->n_ifaces >= XLB_CONF_MAX_IFACES) {
		snprintf(err, errlen, "too many interfaces (max %d)", XLB_CONF_MAX_IFACES);
		return 409;
	}
	f = &conf->ifaces[conf->n_ifaces++];
	memset(f, 0, sizeof(*f));
	strcpy(f->name, req->iface);
	f->mode = req->fields & API_F_MODE ? req->mode : conf->xdp_mode;
	return 0;
}

/* The HTTP status of a refused apply or reload (ret: its -errno, 0: none): the maps are full
 * 409, xlbd short of memory 500, and anything else the configuration's fault 400 (an invalid
 * value, an interface that does not exist or a mode its driver lacks, an l2 backend that is
 * not directly connected, a metrics address in use). */
static int apply_status(int ret)
{
	if (!ret)
		return 0;
	return ret == -ENOSPC ? 409 : ret == -ENOMEM ? 500 : 400;
}

/* Edit a copy of the running configuration with edit and apply it whole. Returns 0 once it is
 * running, or the status to answer with and the message in err (a refused change changes
 * nothing). */
static unsigned change(struct api_request *req, edit_fn edit, char *err, size_t errlen)
{
	struct xlb_conf conf;
	unsigned status;
	int ret;

	if (xlb_conf_copy(&conf, state_conf(D->state))) {
		snprintf(err, errlen, "out of memory");
		return 500;
	}
	status = edit(&conf, req, err, errlen);
	if (!status) {
		ret = reconcile_apply(&conf, "request", err, errlen);
		status = apply_status(ret);
	}
	xlb_conf_free(&conf);
	if (status && !err[0])
		snprintf(err, errlen, "request failed");
	return status;
}

/* ---- one handler per operation ---- */

/* Carries out one parsed request and answers on c. */
typedef enum MHD_Result (*handler_fn)(struct MHD_Connection *c, struct api_request *req);

static enum MHD_Result respond_ok(struct MHD_Connection *c)
{
	return respond_json(c, 200, json_pack("{s:b}", "ok", 1));
}

static enum MHD_Result do_status(struct MHD_Connection *c, struct api_request *req)
{
	(void)req;
	return respond_json(c, 200, status_json());
}

static enum MHD_Result do_service_list(struct MHD_Connection *c, struct api_request *req)
{
	const struct xlb_conf *running = state_conf(D->state);
	struct json_list list;

	(void)req;
	list_open(&list, "services");
	for (size_t i = 0; i < running->n_services; i++)
		list_add(&list, service_json(&running->services[i]));
	return respond_list(c, &list);
}

static enum MHD_Result do_service_get(struct MHD_Connection *c, struct api_request *req)
{
	const struct xlb_conf_service *s = xlb_conf_find_service(state_conf(D->state), &req->svc);

	if (!s)
		return respond_error(c, 404, "no such service");
	return respond_json(c, 200, service_json(s));
}

/* Adds or changes a service or its backends; answers with the service as it now runs. */
static enum MHD_Result do_service_edit(struct MHD_Connection *c, struct api_request *req)
{
	char err[XLB_CONF_ERR_MAX] = "";
	unsigned status = change(req, api_edit_conf, err, sizeof(err));

	if (status)
		return respond_error(c, status, err);
	return respond_json(c, 200,
			    service_json(xlb_conf_find_service(state_conf(D->state), &req->svc)));
}

/* Removes a service or a backend. */
static enum MHD_Result do_service_remove(struct MHD_Connection *c, struct api_request *req)
{
	char err[XLB_CONF_ERR_MAX] = "";
	unsigned status = change(req, api_edit_conf, err, sizeof(err));

	return status ? respond_error(c, status, err) : respond_ok(c);
}

static enum MHD_Result do_config_get(struct MHD_Connection *c, struct api_request *req)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	json_t *o;
	int ret;

	(void)req;
	if (!f)
		return respond_error(c, 500, "out of memory");
	ret = xlb_conf_dump(state_conf(D->state), f);
	fclose(f);
	if (ret) {
		free(text);
		return respond_error(c, 500, "cannot write the configuration");
	}
	o = json_pack("{s:s%}", "yaml", text, len);
	free(text);
	return respond_json(c, 200, o);
}

/* POST /v1/config/check and /apply: the body parsed and validated; applied when apply. */
static enum MHD_Result config_body(struct MHD_Connection *c, struct api_request *req, bool apply)
{
	char err[XLB_CONF_ERR_MAX] = "";
	struct xlb_conf conf;
	int ret;

	ret = xlb_conf_parse(req->yaml, req->yaml_len, "request", &conf, err, sizeof(err));
	if (ret)
		return respond_error(c, 400, err);
	if (apply)
		ret = reconcile_apply(&conf, "request", err, sizeof(err));
	else /* what only this machine can tell: l2 backends on an attached network */
		ret = l2mac_check(&conf, "request", err, sizeof(err));
	xlb_conf_free(&conf);
	if (ret)
		return respond_error(c, ret == -ENOSPC ? 409 : 400, err);
	return respond_ok(c);
}

static enum MHD_Result do_config_check(struct MHD_Connection *c, struct api_request *req)
{
	return config_body(c, req, false);
}

static enum MHD_Result do_config_apply(struct MHD_Connection *c, struct api_request *req)
{
	return config_body(c, req, true);
}

static enum MHD_Result do_reload(struct MHD_Connection *c, struct api_request *req)
{
	char err[XLB_CONF_ERR_MAX] = "";

	int ret;

	(void)req;
	ret = reconcile_reload(err, sizeof(err));
	if (ret)
		return respond_error(c, (unsigned)apply_status(ret), err);
	return respond_ok(c);
}

static enum MHD_Result do_stats(struct MHD_Connection *c, struct api_request *req)
{
	json_t *stats = stats_json();

	(void)req;
	if (!stats)
		return respond_error(c, 500, "out of memory");
	return respond_json(c, 200, stats);
}

/* GET /v1/health, or /v1/health/VIP/PORT/PROTO when the path names a service. */
static enum MHD_Result do_health(struct MHD_Connection *c, struct api_request *req)
{
	bool named = req->svc.vip.family != 0;
	struct json_list list;

	if (named && !xlb_conf_find_service(state_conf(D->state), &req->svc))
		return respond_error(c, 404, "no such service");
	list_open(&list, "backends");
	health_json_each(named ? &req->svc : NULL, list_add, &list);
	return respond_list(c, &list);
}

static enum MHD_Result do_table_get(struct MHD_Connection *c, struct api_request *req)
{
	return table_view(c, &req->svc);
}

static enum MHD_Result do_conns(struct MHD_Connection *c, struct api_request *req)
{
	struct dp_conns n;

	(void)req;
	if (dp_conns_count(D->dp, &n))
		return respond_error(c, 500, "cannot read the connection table");
	return respond_json(c, 200,
			    json_pack("{s:I,s:I,s:I,s:I}", "entries", (json_int_t)n.entries,
				      "capacity", (json_int_t)n.capacity, "capacity_per_cpu",
				      (json_int_t)n.per_cpu, "cpus", (json_int_t)n.cpus));
}

static enum MHD_Result do_iface_list(struct MHD_Connection *c, struct api_request *req)
{
	(void)req;
	return respond_json(c, 200, ifaces_json(state_conf(D->state)));
}

static enum MHD_Result do_iface_get(struct MHD_Connection *c, struct api_request *req)
{
	const struct xlb_conf_iface *f = xlb_conf_find_iface(state_conf(D->state), req->iface);

	if (!f)
		return respond_error(c, 404, "interface is not attached");
	return respond_json(c, 200, iface_json(f));
}

static enum MHD_Result do_iface_attach(struct MHD_Connection *c, struct api_request *req)
{
	char err[XLB_CONF_ERR_MAX] = "";
	unsigned status = change(req, edit_iface_attach, err, sizeof(err));

	if (status)
		return respond_error(c, status, err);
	return respond_json(c, 200,
			    iface_json(xlb_conf_find_iface(state_conf(D->state), req->iface)));
}

static enum MHD_Result do_iface_detach(struct MHD_Connection *c, struct api_request *req)
{
	char err[XLB_CONF_ERR_MAX] = "";
	unsigned status = change(req, edit_iface_detach, err, sizeof(err));

	return status ? respond_error(c, status, err) : respond_ok(c);
}

/* The handler of each operation apireq.c's routes give; api_start() refuses to serve with a
 * gap. */
/* A packet capture: its answer streams pcapng until the capture ends (capture.c). */
static enum MHD_Result do_capture(struct MHD_Connection *c, struct api_request *req)
{
	char err[256];
	int status = capture_start(c, &req->cap, err, sizeof(err));

	return status ? respond_error(c, (unsigned)status, err) : MHD_YES;
}

static enum MHD_Result do_capture_stop(struct MHD_Connection *c, struct api_request *req)
{
	long n = capture_end();

	(void)req;
	if (n < 0)
		return respond_error(c, 404, "no capture is running");
	return respond_json(c, 200, json_pack("{s:b,s:I}", "ok", 1, "packets", (json_int_t)n));
}

static const handler_fn handlers[API_OP_COUNT] = {
	[API_STATUS] = do_status,
	[API_SERVICE_LIST] = do_service_list,
	[API_SERVICE_GET] = do_service_get,
	[API_SERVICE_ADD] = do_service_edit,
	[API_SERVICE_SET] = do_service_edit,
	[API_SERVICE_DEL] = do_service_remove,
	[API_BACKEND_ADD] = do_service_edit,
	[API_BACKEND_SET] = do_service_edit,
	[API_BACKEND_DEL] = do_service_remove,
	[API_CONFIG_GET] = do_config_get,
	[API_CONFIG_CHECK] = do_config_check,
	[API_CONFIG_APPLY] = do_config_apply,
	[API_RELOAD] = do_reload,
	[API_STATS] = do_stats,
	[API_TABLE_GET] = do_table_get,
	[API_CONNS] = do_conns,
	[API_HEALTH] = do_health,
	[API_IFACE_LIST] = do_iface_list,
	[API_IFACE_GET] = do_iface_get,
	[API_IFACE_ATTACH] = do_iface_attach,
	[API_IFACE_DETACH] = do_iface_detach,
	[API_CAPTURE] = do_capture,
	[API_CAPTURE_STOP] = do_capture_stop,
};

/* ---- peers: root, or a member of group xlb (the socket's mode says the same) ---- */

static bool peer_allowed(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct group *g;

	if (!ci || getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return false;
	if (cred.uid == 0)
		return true;
	g = getgrnam(API_GROUP);
	if (!g)
		return false;
	if (cred.gid == g->gr_gid)
		return true;
	/* Supplementary groups are not in SO_PEERCRED: ask the account database. */
	struct passwd *pw = getpwuid(cred.uid);

	if (!pw)
		return false;
	if (pw->pw_gid == g->gr_gid)
		return true;
	for (char **m = g->gr_mem; m && *m; m++)
		if (!strcmp(*m, pw->pw_name))
			return true;
	return false;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct pending *p = *con_cls;
	struct api_request req;
	char err[XLB_CONF_ERR_MAX];
	enum MHD_Result ret;
	int status;

	(void)cls;
	(void)version;
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return MHD_NO;
		p->allowed = peer_allowed(c);
		*con_cls = p;
		return MHD_YES;
	}
	if (*upload_size) {
		if (p->len + *upload_size > API_BODY_MAX) {
			/* Answered now, before the rest of the body: libmicrohttpd sends it and
			 * closes the connection instead of reading on (an endless body ends here).
			 */
			*upload_size = 0;
			if (!p->allowed)
				return respond_error(c, 403,
						     "permission denied: root or group " API_GROUP
						     " only");
			return respond_error(c, 413, "request body too large");
		} else {
			char *grown = realloc(p->body, p->len + *upload_size + 1);

			if (!grown)
				return MHD_NO;
			p->body = grown;
			memcpy(p->body + p->len, upload, *upload_size);
			p->len += *upload_size;
			p->body[p->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (!p->allowed)
		return respond_error(c, 403, "permission denied: root or group " API_GROUP " only");
	/* libmicrohttpd takes a query string off the path before it calls us: a request with one
	 * ("DELETE ...?dry_run=1") would run without it. None of our routes takes one. */
	if (MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, NULL, NULL) > 0)
		return respond_error(c, 404, "no such resource (no query strings or escapes)");
	status = api_parse(method, url, p->body, p->len, &req, err, sizeof(err));
	if (status == 405)
		return respond_not_allowed(c, url, err);
	if (status)
		return respond_error(c, (unsigned)status, err);
	ret = handlers[req.op](c, &req);
	api_request_free(&req);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode code)
{
	struct pending *p = *con_cls;

	(void)cls;
	(void)code;
	capture_conn_done(c);
	if (p) {
		free(p->body);
		free(p);
		*con_cls = NULL;
	}
}

static int make_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	struct group *g;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	strcpy(dir, path);
	if (mkdir(dirname(dir), 0755) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create the directory of %s: %s", path,
			 strerror(errno));
		return -errno;
	}
	unlink(path); /* a stale socket of an earlier run; never a live one: the pins say so */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* Create it with no access at all, then open it up to exactly root and group xlb. */
	mode_t old = umask(0777);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));

	umask(old);
	if (rc || listen(fd, HTTPD_BACKLOG)) {
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return -EIO;
	}
	g = getgrnam(API_GROUP);
	if ((g && chown(path, 0, g->gr_gid)) || chmod(path, 0660)) {
		snprintf(err, errlen, "cannot set the owner and mode of %s: %s", path,
			 strerror(errno));
		close(fd);
		unlink(path);
		return -EIO;
	}
	return fd;
}

int api_start(const struct xlbd *x, char *err, size_t errlen)
{
	static const struct httpd_limits lim = {
		.max_conns = API_MAX_CONNECTIONS,
		.timeout_s = API_CONN_TIMEOUT_S,
		.conn_memory = 64 * 1024,
	};
	int fd, ret;

	for (int op = 0; op < API_OP_COUNT; op++) {
		if (!handlers[op]) {
			snprintf(err, errlen, "control API: operation %d has no handler", op);
			return -EINVAL;
		}
	}
	D = x;
	capture_init(x);
	fd = make_socket(x->socket_path, err, errlen);
	if (fd < 0)
		return fd;
	ret = httpd_start(&A.httpd, x->loop, fd, &lim, handle, completed, NULL);
	if (ret) {
		snprintf(err, errlen, "cannot serve the control API on %s: %s", x->socket_path,
			 strerror(-ret));
		unlink(x->socket_path);
		return ret;
	}
	strcpy(A.path, x->socket_path);
	return 0;
}

void api_stop(void)
{
	if (!A.httpd)
		return;
	capture_stop();
	httpd_stop(A.httpd);
	A.httpd = NULL;
	unlink(A.path);
}
