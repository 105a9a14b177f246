// SPDX-License-Identifier: GPL-2.0
/* test_apireq.c - the control API request parser: routes, methods, bodies, field validation,
 * the status codes and messages of everything it refuses, and the Allow list of a 405. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "apiedit.h"
#include "apireq.h"
#include "xlb_abi.h"
#include "xt.h"

static char err[512];

static int parse(const char *method, const char *path, const char *body, struct api_request *r)
{
	return api_parse(method, path, body, body ? strlen(body) : 0, r, err, sizeof(err));
}

/* Expect a refusal with status and a message containing want. */
#define XT_REFUSED(status, want, method, path, body)                                             \
	do {                                                                                     \
		struct api_request r_;                                                           \
		int s_ = parse(method, path, body, &r_);                                         \
		XT_CHECK(s_ == (status), "%s %s: status %d (%s), expected %d", method, path, s_, \
			 err, status);                                                           \
		XT_CHECK(strstr(err, want), "%s %s: message '%s' lacks '%s'", method, path, err, \
			 want);                                                                  \
	} while (0)

static int t_read_routes(void)
{
	struct api_request r;

	XT_EQ(parse("GET", "/v1/status", NULL, &r), 0);
	XT_EQ(r.op, API_STATUS);
	XT_EQ(parse("GET", "/v1/services", NULL, &r), 0);
	XT_EQ(r.op, API_SERVICE_LIST);
	XT_EQ(parse("GET", "/v1/config", NULL, &r), 0);
	XT_EQ(r.op, API_CONFIG_GET);
	XT_EQ(parse("POST", "/v1/daemon/reload", NULL, &r), 0);
	XT_EQ(r.op, API_RELOAD);
	XT_EQ(parse("GET", "/v1/stats", NULL, &r), 0);
	XT_EQ(r.op, API_STATS);
	XT_EQ(parse("GET", "/v1/conns", NULL, &r), 0);
	XT_EQ(r.op, API_CONNS);
	XT_EQ(parse("GET", "/v1/tables/10.0.0.10/80/tcp", NULL, &r), 0);
	XT_EQ(r.op, API_TABLE_GET);
	XT_EQ(r.svc.port, 80);
	XT_EQ(parse("GET", "/v1/services/10.0.0.10/80/tcp", NULL, &r), 0);
	XT_EQ(r.op, API_SERVICE_GET);
	XT_EQ(r.svc.vip.family, XLB_AF_INET);
	XT_EQ(r.svc.vip.addr[0], htonl(0x0a00000a));
	XT_EQ(r.svc.port, 80);
	XT_EQ(r.svc.proto, IPPROTO_TCP);
	XT_EQ(parse("DELETE", "/v1/services/2001:db8::10/0/udp", NULL, &r), 0);
	XT_EQ(r.op, API_SERVICE_DEL);
	XT_EQ(r.svc.vip.family, XLB_AF_INET6);
	XT_EQ(r.svc.port, 0);
	XT_EQ(r.svc.proto, IPPROTO_UDP);
	return XT_PASS;
}

static int t_service_add(void)
{
	struct api_request r;

	XT_EQ(parse("POST", "/v1/services",
		    "{\"vip\":\"10.0.0.20\",\"port\":443,\"proto\":\"tcp\",\"name\":\"tls\","
		    "\"table_size\":251,\"icmp_echo\":false,\"backends\":[{\"address\":"
		    "\"10.1.0.1\"},{\"address\":\"2001:db8::1\",\"weight\":7,\"state\":\"drain\"}]"
		    "}",
		    &r),
	      0);
	XT_EQ(r.op, API_SERVICE_ADD);
	XT_EQ(r.svc.port, 443);
	XT_CHECK(!strcmp(r.service.name, "tls"), "name %s", r.service.name);
	XT_EQ(r.service.table_size, 251);
	XT_EQ(r.service.icmp_echo, 0);
	XT_EQ(r.service.ref.port, 443);
	XT_EQ(r.service.n_backends, 2);
	XT_EQ(r.service.backends[0].weight, 100);
	XT_EQ(r.service.backends[0].admin, XLB_ADMIN_ENABLED);
	XT_EQ(r.service.backends[1].addr.family, XLB_AF_INET6);
	XT_EQ(r.service.backends[1].weight, 7);
	XT_EQ(r.service.backends[1].admin, XLB_ADMIN_DRAIN);
	api_request_free(&r);
	/* Defaults when only the key is given. */
	XT_EQ(parse("POST", "/v1/services", "{\"vip\":\"10.0.0.20\",\"port\":0,\"proto\":\"udp\"}",
		    &r),
	      0);
	XT_EQ(r.service.table_size, 65537);
	XT_EQ(r.service.icmp_echo, 1);
	XT_EQ(r.service.n_backends, 0);
	api_request_free(&r);
	return XT_PASS;
}

static int t_service_set_and_backends(void)
{
	struct api_request r;

	XT_EQ(parse("PATCH", "/v1/services/10.0.0.10/80/tcp", "{\"table_size\":65537}", &r), 0);
	XT_EQ(r.op, API_SERVICE_SET);
	XT_EQ(r.fields, API_F_TABLE_SIZE);
	XT_EQ(parse("PATCH", "/v1/services/10.0.0.10/80/tcp", "{\"announce\":false}", &r), 0);
	XT_EQ(r.fields, API_F_ANNOUNCE);
	XT_EQ(r.service.announce, false);
	XT_EQ(parse("POST", "/v1/services/10.0.0.10/80/tcp/backends",
		    "{\"address\":\"10.1.0.9\",\"weight\":0}", &r),
	      0);
	XT_EQ(r.op, API_BACKEND_ADD);
	XT_EQ(r.backend.addr[0], htonl(0x0a010009));
	XT_EQ(r.be.weight, 0);
	XT_EQ(parse("PATCH", "/v1/services/10.0.0.10/80/tcp/backends/10.1.0.9",
		    "{\"state\":\"disabled\"}", &r),
	      0);
	XT_EQ(r.op, API_BACKEND_SET);
	XT_EQ(r.fields, API_F_STATE);
	XT_EQ(r.be.admin, XLB_ADMIN_DISABLED);
	XT_EQ(r.be.addr.addr[0], htonl(0x0a010009));
	XT_EQ(parse("DELETE", "/v1/services/10.0.0.10/80/tcp/backends/10.1.0.9", NULL, &r), 0);
	XT_EQ(r.op, API_BACKEND_DEL);
	return XT_PASS;
}

/* encap: a backend's mode on add (default ipip) and on its own in a change; the edit changes
 * that backend's mode and nothing else. */
static int t_backend_encap(void)
{
	struct xlb_conf_backend bes[2] = { 0 };
	struct xlb_conf_service svc = { 0 };
	struct xlb_conf conf = { 0 };
	struct api_request r;
	char msg[256];

	XT_EQ(parse("POST", "/v1/services/10.0.0.10/80/tcp/backends",
		    "{\"address\":\"10.1.0.9\",\"encap\":\"l2\"}", &r),
	      0);
	XT_EQ(r.fields, API_F_ENCAP);
	XT_EQ(r.be.encap, XLB_ENCAP_L2);
	XT_EQ(r.be.weight, 100);
	XT_EQ(parse("POST", "/v1/services/10.0.0.10/80/tcp/backends", "{\"address\":\"10.1.0.9\"}",
		    &r),
	      0);
	XT_EQ(r.be.encap, XLB_ENCAP_IPIP);
	XT_EQ(parse("PATCH", "/v1/services/10.0.0.10/80/tcp/backends/10.1.0.2",
		    "{\"encap\":\"gue\"}", &r),
	      0);
	XT_EQ(r.op, API_BACKEND_SET);
	XT_EQ(r.fields, API_F_ENCAP);
	XT_EQ(r.be.encap, XLB_ENCAP_GUE);

	XT_CHECK(!xlb_addr_parse("10.0.0.10", &svc.ref.vip), "vip");
	svc.ref.port = 80;
	svc.ref.proto = 6;
	XT_CHECK(!xlb_addr_parse("10.1.0.1", &bes[0].addr), "be0");
	XT_CHECK(!xlb_addr_parse("10.1.0.2", &bes[1].addr), "be1");
	bes[0].weight = bes[1].weight = 7;
	svc.backends = bes;
	svc.n_backends = 2;
	conf.services = &svc;
	conf.n_services = 1;
	XT_EQ(api_edit_conf(&conf, &r, msg, sizeof(msg)), 0);
	XT_EQ(bes[1].encap, XLB_ENCAP_GUE);
	XT_EQ(bes[1].weight, 7);
	XT_EQ(bes[1].admin, XLB_ADMIN_ENABLED);
	XT_EQ(bes[0].encap, XLB_ENCAP_IPIP);
	return XT_PASS;
}

static int t_config_bodies(void)
{
	struct api_request r;
	const char *yaml = "interfaces: [eth0]\nservices: []\n";

	XT_EQ(parse("POST", "/v1/config/check", yaml, &r), 0);
	XT_EQ(r.op, API_CONFIG_CHECK);
	XT_EQ(r.yaml_len, strlen(yaml));
	XT_EQ(parse("POST", "/v1/config/apply", yaml, &r), 0);
	XT_EQ(r.op, API_CONFIG_APPLY);
	XT_REFUSED(400, "must be a configuration", "POST", "/v1/config/apply", NULL);
	return XT_PASS;
}

static int t_refused_paths_and_methods(void)
{
	XT_REFUSED(404, "under /v1/", "GET", "/", NULL);
	XT_REFUSED(404, "under /v1/", "GET", "/v2/status", NULL);
	XT_REFUSED(404, "no such resource", "GET", "status", NULL);
	XT_REFUSED(404, "/v1/nope", "GET", "/v1/nope", NULL);
	XT_REFUSED(405, "GET only", "POST", "/v1/status", NULL);
	XT_REFUSED(405, "GET or POST", "DELETE", "/v1/services", NULL);
	XT_REFUSED(405, "POST only", "GET", "/v1/daemon/reload", NULL);
	XT_REFUSED(405, "GET only", "DELETE", "/v1/stats", NULL);
	XT_REFUSED(404, "/v1/tables/VIP/PORT/PROTO", "GET", "/v1/tables", NULL);
	XT_REFUSED(405, "GET only", "POST", "/v1/tables/10.0.0.10/80/tcp", NULL);
	XT_REFUSED(404, "no such service", "GET", "/v1/services/10.0.0.10/80/sctp", NULL);
	XT_REFUSED(404, "no such service", "GET", "/v1/services/10.0.0.10/80x/tcp", NULL);
	XT_REFUSED(404, "no such service", "GET", "/v1/services/10.0.0.999/80/tcp", NULL);
	XT_REFUSED(404, "VIP/PORT/PROTO", "GET", "/v1/services/10.0.0.10/80", NULL);
	XT_REFUSED(404, "no such backend", "DELETE", "/v1/services/10.0.0.10/80/tcp/backends/x",
		   NULL);
	XT_REFUSED(404, "no such resource: bogus", "GET", "/v1/services/10.0.0.10/80/tcp/bogus",
		   NULL);
	XT_REFUSED(404, "no query strings", "GET", "/v1/status?x=1", NULL);
	XT_REFUSED(404, "no query strings", "GET", "/v1/services/10.0.0.10%2F80", NULL);
	XT_REFUSED(404, "no such resource", "GET", "/v1/a/b/c/d/e/f/g/h/i", NULL);
	return XT_PASS;
}

/* Every path's 405 message, and the order of the checks: a wrong method on a path whose
 * service is malformed is 404 under /v1/services but 405 under /v1/tables and /v1/health (and
 * for interface names), as the first API answered. */
static int t_not_allowed_and_order(void)
{
	struct api_request r;

	XT_REFUSED(405, "a service: GET, PATCH or DELETE", "POST", "/v1/services/10.0.0.10/80/tcp",
		   NULL);
	XT_REFUSED(405, "backends of a service: POST to add one", "GET",
		   "/v1/services/10.0.0.10/80/tcp/backends", NULL);
	XT_REFUSED(405, "a backend: PATCH or DELETE", "GET",
		   "/v1/services/10.0.0.10/80/tcp/backends/10.1.0.1", NULL);
	XT_REFUSED(405, "/v1/conns: GET only", "POST", "/v1/conns", NULL);
	XT_REFUSED(405, "health: GET only", "POST", "/v1/health", NULL);
	XT_REFUSED(405, "config: GET /v1/config, POST", "POST", "/v1/config", NULL);
	XT_REFUSED(405, "config: GET /v1/config, POST", "GET", "/v1/config/apply", NULL);
	XT_REFUSED(405, "config: GET /v1/config, POST", "POST", "/v1/config/other", NULL);
	XT_REFUSED(404, "config: GET /v1/config, POST", "POST", "/v1/config/check/x", NULL);
	XT_REFUSED(404, "no such service: 10.0.0.999/80/tcp", "PUT",
		   "/v1/services/10.0.0.999/80/tcp", NULL);
	XT_REFUSED(404, "no such service: 10.0.0.999/80/tcp", "GET",
		   "/v1/services/10.0.0.999/80/tcp/bogus", NULL);
	XT_REFUSED(404, "no such backend: x (not an address)", "GET",
		   "/v1/services/10.0.0.10/80/tcp/backends/x", NULL);
	XT_REFUSED(404, "no such resource (services are VIP/PORT/PROTO)", "GET",
		   "/v1/services/10.0.0.10/80/tcp/backends/10.1.0.1/x", NULL);
	XT_REFUSED(405, "a table: GET only", "POST", "/v1/tables/10.0.0.999/80/tcp", NULL);
	XT_REFUSED(404, "no such service: 10.0.0.999/80/tcp", "GET", "/v1/tables/10.0.0.999/80/tcp",
		   NULL);
	XT_REFUSED(405, "health: GET only", "DELETE", "/v1/health/10.0.0.999/80/tcp", NULL);
	XT_REFUSED(404, "health is /v1/health or", "GET", "/v1/health/10.0.0.10", NULL);
	XT_REFUSED(405, "an interface: GET or DELETE", "PATCH", "/v1/interfaces/..", NULL);
	XT_REFUSED(404, "no such resource: /v1/status", "GET", "/v1/status/x", NULL);
	XT_REFUSED(404, "no such resource: /v1/daemon", "POST", "/v1/daemon", NULL);
	XT_REFUSED(404, "under /v1/", "GET", "/v1", NULL);
	/* GET /v1/health names no service; /v1/health/SERVICE does. */
	XT_EQ(parse("GET", "/v1/health", NULL, &r), 0);
	XT_EQ(r.op, API_HEALTH);
	XT_EQ(r.svc.vip.family, 0);
	XT_EQ(parse("GET", "/v1/health/10.0.0.10/80/udp", NULL, &r), 0);
	XT_EQ(r.op, API_HEALTH);
	XT_EQ(r.svc.vip.family, XLB_AF_INET);
	XT_EQ(r.svc.proto, IPPROTO_UDP);
	return XT_PASS;
}

/* The Allow header of a 405: the methods of the path's routes, in the table's order. */
#define XT_ALLOW(path, want)                                                                  \
	do {                                                                                  \
		char a_[64];                                                                  \
		api_allowed(path, a_, sizeof(a_));                                            \
		XT_CHECK(!strcmp(a_, want), "%s: Allow '%s', expected '%s'", path, a_, want); \
	} while (0)

static int t_allowed(void)
{
	char tiny[8];

	XT_ALLOW("/v1/status", "GET");
	XT_ALLOW("/v1/services", "GET, POST");
	XT_ALLOW("/v1/services/10.0.0.10/80/tcp", "GET, PATCH, DELETE");
	XT_ALLOW("/v1/services/10.0.0.10/80/tcp/backends", "POST");
	XT_ALLOW("/v1/services/10.0.0.10/80/tcp/backends/10.1.0.1", "PATCH, DELETE");
	XT_ALLOW("/v1/config", "GET");
	XT_ALLOW("/v1/config/check", "POST");
	XT_ALLOW("/v1/daemon/reload", "POST");
	XT_ALLOW("/v1/health/10.0.0.10/80/tcp", "GET");
	XT_ALLOW("/v1/interfaces", "GET, POST");
	XT_ALLOW("/v1/interfaces/eth0", "GET, DELETE");
	XT_ALLOW("/v1/config/other", "");
	XT_ALLOW("/v1/nope", "");
	XT_ALLOW("/v1/a/b/c/d/e/f/g/h/i", "");
	XT_ALLOW("v1/status", "");
	api_allowed("/v1/services/10.0.0.10/80/tcp", tiny, sizeof(tiny));
	XT_CHECK(!strcmp(tiny, "GET, PA"), "truncated Allow '%s'", tiny);
	return XT_PASS;
}

static int t_refused_bodies(void)
{
	const char *svc = "/v1/services/10.0.0.10/80/tcp";
	const char *be = "/v1/services/10.0.0.10/80/tcp/backends/10.1.0.1";

	XT_REFUSED(400, "JSON body is required", "PATCH", be, NULL);
	XT_REFUSED(400, "not valid JSON", "PATCH", be, "{\"weight\": ");
	XT_REFUSED(400, "not valid JSON", "PATCH", be, "{\"weight\":1,\"weight\":2}");
	XT_REFUSED(400, "must be a JSON object", "PATCH", be, "[1]");
	XT_REFUSED(400, "weight: must be 0..65535, got 70000", "PATCH", be, "{\"weight\":70000}");
	XT_REFUSED(400, "weight: must be 0..65535, got -1", "PATCH", be, "{\"weight\":-1}");
	XT_REFUSED(400, "weight: must be an integer", "PATCH", be, "{\"weight\":\"80\"}");
	XT_REFUSED(400, "weight: must be an integer", "PATCH", be, "{\"weight\":1.5}");
	XT_REFUSED(400, "state: must be enabled, drain or disabled, got up", "PATCH", be,
		   "{\"state\":\"up\"}");
	XT_REFUSED(400, "unknown key: address", "PATCH", be, "{\"address\":\"10.1.0.2\"}");
	XT_REFUSED(400, "nothing to change: give weight, state and/or encap", "PATCH", be, "{}");
	XT_REFUSED(400, "encap: must be ipip, gue or l2, got vxlan", "PATCH", be,
		   "{\"encap\":\"vxlan\"}");
	XT_REFUSED(400, "encap: must be a string", "PATCH", be, "{\"encap\":2}");
	XT_REFUSED(400, "unknown key: colour", "PATCH", svc, "{\"colour\":\"red\"}");
	XT_REFUSED(400, "unknown key: vip", "PATCH", svc, "{\"vip\":\"10.0.0.11\"}");
	XT_REFUSED(400, "table_size: must be prime, got 65536", "PATCH", svc,
		   "{\"table_size\":65536}");
	XT_REFUSED(400, "table_size: must be 7..655373", "PATCH", svc, "{\"table_size\":3}");
	XT_REFUSED(400, "icmp_echo: must be true or false", "PATCH", svc, "{\"icmp_echo\":1}");
	XT_REFUSED(400, "announce: must be true or false", "PATCH", svc, "{\"announce\":\"off\"}");
	XT_REFUSED(400, "name: 1..31", "PATCH", svc, "{\"name\":\"has space\"}");
	XT_REFUSED(400, "name: 1..31", "PATCH", svc, "{\"name\":\"\"}");
	XT_REFUSED(400, "needs vip, port and proto", "POST", "/v1/services",
		   "{\"vip\":\"10.0.0.1\"}");
	XT_REFUSED(400, "proto: must be tcp or udp, got icmp", "POST", "/v1/services",
		   "{\"vip\":\"10.0.0.1\",\"port\":1,\"proto\":\"icmp\"}");
	XT_REFUSED(400, "vip: not an IPv4 or IPv6 address: 10.0.0", "POST", "/v1/services",
		   "{\"vip\":\"10.0.0\",\"port\":1,\"proto\":\"tcp\"}");
	XT_REFUSED(400, "port: must be 0..65535, got 65536", "POST", "/v1/services",
		   "{\"vip\":\"10.0.0.1\",\"port\":65536,\"proto\":\"tcp\"}");
	XT_REFUSED(400, "backends: must be a list", "POST", "/v1/services",
		   "{\"vip\":\"10.0.0.1\",\"port\":1,\"proto\":\"tcp\",\"backends\":{}}");
	XT_REFUSED(400, "address: missing", "POST", "/v1/services",
		   "{\"vip\":\"10.0.0.1\",\"port\":1,\"proto\":\"tcp\",\"backends\":[{}]}");
	XT_REFUSED(400, "address: missing", "POST", "/v1/services/10.0.0.10/80/tcp/backends",
		   "{\"weight\":1}");
	return XT_PASS;
}

static int t_interfaces(void)
{
	struct api_request r;

	XT_EQ(parse("GET", "/v1/interfaces", NULL, &r), 0);
	XT_EQ(r.op, API_IFACE_LIST);
	XT_EQ(parse("GET", "/v1/interfaces/eth0", NULL, &r), 0);
	XT_EQ(r.op, API_IFACE_GET);
	XT_CHECK(!strcmp(r.iface, "eth0"), "iface '%s'", r.iface);
	XT_EQ(parse("DELETE", "/v1/interfaces/veth1", NULL, &r), 0);
	XT_EQ(r.op, API_IFACE_DETACH);
	XT_CHECK(!strcmp(r.iface, "veth1"), "iface '%s'", r.iface);
	XT_EQ(parse("POST", "/v1/interfaces", "{\"name\": \"eth1\", \"mode\": \"generic\"}", &r),
	      0);
	XT_EQ(r.op, API_IFACE_ATTACH);
	XT_CHECK(!strcmp(r.iface, "eth1"), "iface '%s'", r.iface);
	XT_EQ(r.fields, API_F_MODE);
	XT_EQ(r.mode, XLB_XDP_GENERIC);
	XT_EQ(parse("POST", "/v1/interfaces", "{\"name\": \"eth0123456789ab\"}", &r), 0);
	XT_EQ(r.fields, 0);

	XT_REFUSED(400, "mode: must be native or generic, got fast", "POST", "/v1/interfaces",
		   "{\"name\": \"eth1\", \"mode\": \"fast\"}");
	XT_REFUSED(400, "mode: must be native or generic, got auto", "POST", "/v1/interfaces",
		   "{\"name\": \"eth1\", \"mode\": \"auto\"}");
	XT_REFUSED(400, "mode: must be a string", "POST", "/v1/interfaces",
		   "{\"name\": \"eth1\", \"mode\": 1}");
	XT_REFUSED(400, "name: missing", "POST", "/v1/interfaces", "{\"mode\": \"native\"}");
	XT_REFUSED(400,
		   "name: not a valid interface name (must be 1..15 characters): "
		   "eth0123456789abc",
		   "POST", "/v1/interfaces", "{\"name\": \"eth0123456789abc\"}");
	XT_REFUSED(400, "'/' and ':' are not allowed", "POST", "/v1/interfaces",
		   "{\"name\": \"eth0:1\"}");
	XT_REFUSED(400, "unknown key: speed", "POST", "/v1/interfaces",
		   "{\"name\": \"eth1\", \"speed\": 10}");
	XT_REFUSED(400, "a JSON body is required", "POST", "/v1/interfaces", NULL);
	XT_REFUSED(404, "no such interface: ..", "DELETE", "/v1/interfaces/..", NULL);
	XT_REFUSED(404, "interfaces are /v1/interfaces/NAME", "GET", "/v1/interfaces/a/b", NULL);
	XT_REFUSED(405, "an interface: GET or DELETE", "PATCH", "/v1/interfaces/eth0", "{}");
	XT_REFUSED(405, "/v1/interfaces: GET or POST", "DELETE", "/v1/interfaces", NULL);
	return XT_PASS;
}

static int t_body_too_large(void)
{
	struct api_request r;
	int s = api_parse("POST", "/v1/config/apply", "x", API_BODY_MAX + 1, &r, err, sizeof(err));

	XT_EQ(s, 413);
	XT_CHECK(strstr(err, "larger than"), "%s", err);
	return XT_PASS;
}

/* POST /v1/capture: the body's keys become capspec's words, checked by capspec_parse(). */
static int t_capture(void)
{
	struct api_request r;

	XT_EQ(parse("POST", "/v1/capture", "{}", &r), 0);
	XT_EQ(r.op, API_CAPTURE);
	XT_CHECK(!r.cap.has_service && !r.cap.has_backend && !r.cap.has_reason, "empty filter");
	XT_EQ(r.cap.snaplen, CAPSPEC_DEFAULT_SNAPLEN);
	XT_EQ(parse("POST", "/v1/capture",
		    "{\"count\": 100, \"service\": \"10.0.0.10:80/tcp\", \"sample\": 10, "
		    "\"backend\": \"10.1.0.11\", \"client\": \"198.51.100.0/24\", "
		    "\"reason\": \"tx_new_flow\", \"duration\": 5, \"snaplen\": 128}",
		    &r),
	      0);
	XT_CHECK(r.cap.has_service && r.cap.has_backend && r.cap.has_client && r.cap.has_reason,
		 "all conditions");
	XT_EQ(r.cap.service.port, 80);
	XT_EQ(r.cap.backend.addr[0], htonl(0x0a01000b));
	XT_EQ(r.cap.client.addr[0], htonl(0xc6336400));
	XT_EQ(r.cap.client_len, 24);
	XT_EQ(r.cap.sample, 10);
	XT_EQ(r.cap.count, 100);
	XT_EQ(r.cap.duration, 5);
	XT_EQ(r.cap.snaplen, 128);
	XT_EQ(parse("POST", "/v1/capture", "{\"verdict\": \"drop\"}", &r), 0);
	XT_CHECK(r.cap.has_verdict && r.cap.verdict == 1, "verdict drop");

	XT_EQ(parse("DELETE", "/v1/capture", NULL, &r), 0);
	XT_EQ(r.op, API_CAPTURE_STOP);
	XT_REFUSED(405, "/v1/capture: POST or DELETE", "GET", "/v1/capture", NULL);
	XT_REFUSED(400, "a JSON body is required", "POST", "/v1/capture", NULL);
	XT_REFUSED(400, "unknown key: port", "POST", "/v1/capture", "{\"port\": 80}");
	XT_REFUSED(400, "count: must be an integer", "POST", "/v1/capture", "{\"count\": \"5\"}");
	XT_REFUSED(400, "reason: must be a string", "POST", "/v1/capture", "{\"reason\": 5}");
	XT_REFUSED(400, "count 0: must be a number 1..", "POST", "/v1/capture", "{\"count\": 0}");
	XT_REFUSED(400, "count -3: must be a number", "POST", "/v1/capture", "{\"count\": -3}");
	XT_REFUSED(400, "snaplen 5000: must be a number 1..4096", "POST", "/v1/capture",
		   "{\"snaplen\": 5000}");
	XT_REFUSED(400, "reason tx_bogus: xlb_lb has no such reason", "POST", "/v1/capture",
		   "{\"reason\": \"tx_bogus\"}");
	XT_REFUSED(400, "reason and verdict cannot be combined", "POST", "/v1/capture",
		   "{\"reason\": \"tx_new_flow\", \"verdict\": \"tx\"}");
	XT_REFUSED(400, "10.0.0.10:99999/tcp: neither a service", "POST", "/v1/capture",
		   "{\"service\": \"10.0.0.10:99999/tcp\"}");
	XT_REFUSED(400, "client 10.1.2.3/8: host bits set", "POST", "/v1/capture",
		   "{\"client\": \"10.1.2.3/8\"}");
	XT_REFUSED(400, "the body must be a JSON object", "POST", "/v1/capture", "[1]");
	return XT_PASS;
}

static const struct xt_case cases[] = {
	{ "read_routes", t_read_routes },
	{ "service_add", t_service_add },
	{ "service_set_and_backends", t_service_set_and_backends },
	{ "backend_encap", t_backend_encap },
	{ "config_bodies", t_config_bodies },
	{ "refused_paths_and_methods", t_refused_paths_and_methods },
	{ "not_allowed_and_order", t_not_allowed_and_order },
	{ "allowed", t_allowed },
	{ "refused_bodies", t_refused_bodies },
	{ "body_too_large", t_body_too_large },
	{ "interfaces", t_interfaces },
	{ "capture", t_capture },
};

int main(int argc, char **argv)
{
	return xt_run("unit/apireq", cases, sizeof(cases) / sizeof(cases[0]),
		      argc > 1 ? argv[1] : NULL);
}
