// SPDX-License-Identifier: GPL-2.0
/* mapdump.c - test support: print what xlb_lb's pinned maps hold, decoded and sorted, one
 * line per object, so that shell tests can compare states and check contents:
 *   config abi=4 flags=1 seed=... src4=... src6=... gw=... rss=0/0 mtu=1500 idle_ticks=28
 *   vip ADDR flags=N
 *   service VIP:PORT/PROTO id=N m=M table=INNER_ID slots=ADDR:COUNT,...
 *   backend ID svc=N ADDR gen=G state=up|drain|down weight=W
 * Usage: mapdump PIN_DIR. Free backend ids (generation 0 or no service) are not listed. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "addr.h"
#include "xlb_abi.h"

static int open_map(const char *dir, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fprintf(stderr, "mapdump: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static const char *fmt_addr(const __u32 *addr, __u8 family, char *buf, size_t len)
{
	struct xlb_addr a = { .family = family };

	memcpy(a.addr, addr, sizeof(a.addr));
	if (xlb_addr_format(&a, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *lines[XLB_MAX_BACKENDS + 2 * XLB_MAX_SERVICES + 8];
static int nlines;

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void emit(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		exit(1);
	va_end(ap);
	lines[nlines++] = s;
}

int main(int argc, char **argv)
{
	static struct xlb_backend bes[XLB_MAX_BACKENDS];
	int cfg_fd, svc_fd, vip_fd, tab_fd, be_fd;
	struct xlb_svc_key sk, next;
	struct xlb_vip_key vk, vnext;
	struct xlb_config cfg;
	char a[64], b[64];
	__u32 zero = 0;
	void *prev;

	if (argc != 2) {
		fprintf(stderr, "usage: mapdump PIN_DIR\n");
		return 2;
	}
	cfg_fd = open_map(argv[1], "xlb_config");
	svc_fd = open_map(argv[1], "xlb_services");
	vip_fd = open_map(argv[1], "xlb_vips");
	tab_fd = open_map(argv[1], "xlb_tables");
	be_fd = open_map(argv[1], "xlb_backends");

	if (!bpf_map_lookup_elem(cfg_fd, &zero, &cfg))
		emit("config abi=%u flags=%u seed=%u src4=%s src6=%s "
		     "gw=%02x:%02x:%02x:%02x:%02x:%02x rss=%u/%u mtu=%u idle_ticks=%u",
		     cfg.abi_version, cfg.flags, cfg.hash_seed, fmt_addr(&cfg.src_v4, 2, a, 64),
		     fmt_addr(cfg.src_v6, 10, b, 64), cfg.gw_mac[0], cfg.gw_mac[1], cfg.gw_mac[2],
		     cfg.gw_mac[3], cfg.gw_mac[4], cfg.gw_mac[5], cfg.rss_bits_v4, cfg.rss_bits_v6,
		     cfg.mtu, cfg.udp_idle_ticks);
	for (__u32 id = 1; id < XLB_MAX_BACKENDS; id++)
		bpf_map_lookup_elem(be_fd, &id, &bes[id]);

	prev = NULL;
	while (!bpf_map_get_next_key(vip_fd, prev, &vnext)) {
		struct xlb_vip v;

		vk = vnext;
		prev = &vk;
		if (!bpf_map_lookup_elem(vip_fd, &vk, &v))
			emit("vip %s flags=%u", fmt_addr(vk.addr, vk.family, a, 64), v.flags);
	}

	prev = NULL;
	while (!bpf_map_get_next_key(svc_fd, prev, &next)) {
		struct xlb_service_ref ref = { .port = ntohs(next.port), .proto = next.proto };
		char name[XLB_SERVICE_STRLEN], slots[4096] = "";
		__u32 inner = 0, *ids, count, batch, *keys, chunks;
		struct xlb_svc v;
		int fd;

		sk = next;
		prev = &sk;
		if (bpf_map_lookup_elem(svc_fd, &sk, &v))
			continue;
		ref.vip.family = sk.family;
		memcpy(ref.vip.addr, sk.addr, sizeof(sk.addr));
		xlb_service_format(&ref, name, sizeof(name));
		if (!bpf_map_lookup_elem(tab_fd, &v.id, &inner) &&
		    (fd = bpf_map_get_fd_by_id(inner)) >= 0) {
			unsigned *per = calloc(XLB_MAX_BACKENDS, sizeof(*per));

			/* The table's chunks side by side are its slots in order, then the
			 * padding of the last chunk, which is not counted. */
			chunks = XLB_TABLE_CHUNKS(v.table_size);
			ids = calloc(chunks, sizeof(struct xlb_table_chunk));
			keys = calloc(chunks, sizeof(*keys));
			count = chunks;
			if (per && ids && keys &&
			    (!bpf_map_lookup_batch(fd, NULL, &batch, keys, ids, &count, NULL) ||
			     errno == ENOENT)) {
				count *= XLB_TABLE_CHUNK_SLOTS;
				if (count > v.table_size)
					count = v.table_size;
				for (__u32 i = 0; i < count; i++)
					per[ids[i] < XLB_MAX_BACKENDS ? ids[i] : 0]++;
				for (__u32 id = 0; id < XLB_MAX_BACKENDS; id++) {
					size_t l = strlen(slots);

					if (!per[id])
						continue;
					snprintf(slots + l, sizeof(slots) - l, "%s%s:%u",
						 l ? "," : "",
						 id ? fmt_addr(bes[id].addr, bes[id].family, a, 64)
						    : "empty",
						 per[id]);
				}
			}
			free(per);
			free(ids);
			free(keys);
			close(fd);
		}
		emit("service %s id=%u m=%u table=%u slots=%s", name, v.id, v.table_size, inner,
		     slots);
	}

	for (__u32 id = 1; id < XLB_MAX_BACKENDS; id++) {
		const struct xlb_backend *be = &bes[id];
		static const char *const states[] = { "down", "up", "drain" };

		if (!be->generation || be->svc_id >= XLB_MAX_SERVICES)
			continue;
		emit("backend %u svc=%u %s gen=%u state=%s weight=%u", id, be->svc_id,
		     fmt_addr(be->addr, be->family, a, 64), be->generation,
		     be->state < 3 ? states[be->state] : "?", be->weight);
	}
	qsort(lines, (size_t)nlines, sizeof(lines[0]), cmp_lines);
	for (int i = 0; i < nlines; i++)
		printf("%s\n", lines[i]);
	return 0;
}
