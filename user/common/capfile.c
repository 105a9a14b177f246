// SPDX-License-Identifier: GPL-2.0
/* capfile.c - capture records as pcapng blocks: see capfile.h. */
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "capdesc.h"
#include "capfile.h"

size_t capfile_begin(struct capfile *f, void *out, size_t cap, const char *appl, uint32_t snaplen,
		     uint64_t epoch_ns)
{
	memset(f, 0, sizeof(*f));
	f->snaplen = snaplen;
	f->epoch_ns = epoch_ns;
	return pcapng_shb(out, cap, appl);
}

/* The if_id of ifindex in f, or -1 when it has none yet. */
static int if_id_of(const struct capfile *f, int ifindex)
{
	for (int i = 0; i < f->n_ifaces; i++)
		if (f->ifindex[i] == ifindex)
			return i;
	return -1;
}

size_t capfile_record(struct capfile *f, void *out, size_t cap, const struct xlb_capture_rec *r,
		      const void *frame, const char *svc, const char *backend)
{
	char comment[256], name[IF_NAMESIZE + 16];
	struct pcapng_packet p;
	int if_id = if_id_of(f, (int)r->ifindex);
	size_t n = 0, epb;

	if (cap < CAPFILE_RECORD_MAX(r->cap_len))
		return 0;
	if (if_id < 0) {
		if (f->n_ifaces == CAPFILE_MAX_IFACES)
			return 0;
		if (!if_indextoname(r->ifindex, name))
			snprintf(name, sizeof(name), "ifindex%u", r->ifindex);
		n = pcapng_idb(out, cap, name, f->snaplen);
		if (!n)
			return 0;
		if_id = f->n_ifaces;
	}
	capdesc_line(comment, sizeof(comment), r, svc, backend);
	p = (struct pcapng_packet){
		.if_id = (uint32_t)if_id,
		.ts_ns = r->ts_ns + f->epoch_ns,
		.data = frame,
		.cap_len = r->cap_len,
		.orig_len = r->orig_len,
		.comment = comment,
	};
	epb = pcapng_epb((char *)out + n, cap - n, &p);
	if (!epb)
		return 0;
	if (if_id == f->n_ifaces)
		f->ifindex[f->n_ifaces++] = (int)r->ifindex;
	return n + epb;
}
