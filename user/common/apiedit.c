// SPDX-License-Identifier: GPL-2.0
/* apiedit.c - what a service or backend request of the control API changes in a
 * configuration: see apiedit.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiedit.h"

static struct xlb_conf_backend *find_backend(struct xlb_conf_service *s, const struct xlb_addr *a)
{
	for (size_t i = 0; i < s->n_backends; i++)
		if (s->backends[i].addr.family == a->family &&
		    !memcmp(s->backends[i].addr.addr, a->addr, sizeof(a->addr)))
			return &s->backends[i];
	return NULL;
}

unsigned api_edit_conf(struct xlb_conf *conf, struct api_request *req, char *err, size_t errlen)
{
	struct xlb_conf_service *s = xlb_conf_find_service(conf, &req->svc);
	char ref[XLB_SERVICE_STRLEN], addr[64];

	xlb_service_format(&req->svc, ref, sizeof(ref));
	xlb_addr_format(&req->backend, addr, sizeof(addr));
	if (req->op == API_SERVICE_ADD) {
		struct xlb_conf_service *grown;

		if (s) {
			snprintf(err, errlen, "service %s already exists", ref);
			return 409;
		}
		grown = realloc(conf->services, (conf->n_services + 1) * sizeof(*grown));
		if (!grown)
			return 500;
		conf->services = grown;
		grown[conf->n_services] = req->service;
		req->service.backends = NULL; /* now owned by conf */
		req->service.n_backends = 0;
		conf->n_services++;
		return 0;
	}
	if (!s) {
		snprintf(err, errlen, "no such service: %s", ref);
		return 404;
	}
	switch (req->op) {
	case API_SERVICE_SET:
		if (req->fields & API_F_NAME)
			strcpy(s->name, req->service.name);
		if (req->fields & API_F_TABLE_SIZE)
			s->table_size = req->service.table_size;
		if (req->fields & API_F_ICMP_ECHO)
			s->icmp_echo = req->service.icmp_echo;
		if (req->fields & API_F_ANNOUNCE)
			s->announce = req->service.announce;
		return 0;
	case API_SERVICE_DEL:
		free(s->backends);
		memmove(s, s + 1, (size_t)(conf->services + conf->n_services - s - 1) * sizeof(*s));
		conf->n_services--;
		return 0;
	case API_BACKEND_ADD: {
		struct xlb_conf_backend *grown;

		if (find_backend(s, &req->backend)) {
			snprintf(err, errlen, "backend %s of %s already exists", addr, ref);
			return 409;
		}
		grown = realloc(s->backends, (s->n_backends + 1) * sizeof(*grown));
		if (!grown)
			return 500;
		s->backends = grown;
		grown[s->n_backends++] = req->be;
		return 0;
	}
	case API_BACKEND_SET:
	case API_BACKEND_DEL: {
		struct xlb_conf_backend *b = find_backend(s, &req->backend);

		if (!b) {
			snprintf(err, errlen, "no such backend: %s of %s", addr, ref);
			return 404;
		}
		if (req->op == API_BACKEND_DEL) {
			memmove(b, b + 1,
				(size_t)(s->backends + s->n_backends - b - 1) * sizeof(*b));
			s->n_backends--;
			return 0;
		}
		if (req->fields & API_F_WEIGHT)
			b->weight = req->be.weight;
		if (req->fields & API_F_STATE)
			b->admin = req->be.admin;
		if (req->fields & API_F_ENCAP)
			b->encap = req->be.encap;
		return 0;
	}
	default:
		return 500;
	}
}
