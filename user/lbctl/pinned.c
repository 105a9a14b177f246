// SPDX-License-Identifier: GPL-2.0
/* pinned.c - read-only access to the maps xlbd pinned (docs/xlbd.md: PIN/<map name>), for the
 * commands that work without the daemon. Before any map is used, the ABI version in the pinned
 * xlb_config and the key and value sizes of the map are checked against include/xlb_abi.h, so
 * that nothing is decoded with the wrong layout. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lbctl.h"

/* The layouts lbctl decodes. */
static const struct {
	const char *name;
	__u32 key_size, value_size;
} layouts[] = {
	{ "xlb_config", sizeof(__u32), sizeof(struct xlb_config) },
	{ "xlb_services", sizeof(struct xlb_svc_key), sizeof(struct xlb_svc) },
	{ "xlb_vips", sizeof(struct xlb_vip_key), sizeof(struct xlb_vip) },
	{ "xlb_tables", sizeof(__u32), sizeof(__u32) },
	{ "xlb_backends", sizeof(__u32), sizeof(struct xlb_backend) },
	{ "xlb_conns", sizeof(struct xlb_conn_key), sizeof(struct xlb_conn) },
	{ "xlb_frags", sizeof(struct xlb_frag_key), sizeof(struct xlb_frag) },
	{ "xlb_svc_stats", sizeof(__u32), sizeof(struct xlb_counter) },
	{ "xlb_be_stats", sizeof(__u32), sizeof(struct xlb_counter) },
	{ "xlb_reasons", sizeof(__u32), sizeof(struct xlb_counter) },
};

#define CACHE_MAX 16

static struct {
	const char *name;
	int fd;
} cache[CACHE_MAX];
static int ncache;
static bool abi_ok;

static int open_pin(const char *name)
{
	char path[512];
	int fd, e;

	snprintf(path, sizeof(path), "%s/%s", opts.pin_dir, name);
	fd = bpf_obj_get(path);
	if (fd >= 0)
		return fd;
	e = errno;
	if (e == ENOENT)
		fail("nothing pinned at %s (is xlbd running or was it ever? see --pin-dir)", path);
	else if (e == EACCES || e == EPERM)
		fail("cannot open %s: permission denied (root only)", path);
	else
		fail("cannot open %s: %s", path, strerror(e));
	return -1;
}

static int check_abi(void)
{
	struct xlb_config cfg;
	__u32 zero = 0;
	int fd;

	fd = open_pin("xlb_config");
	if (fd < 0)
		return -1;
	if (bpf_map_lookup_elem(fd, &zero, &cfg)) {
		fail("cannot read %s/xlb_config: %s", opts.pin_dir, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (cfg.abi_version != XLB_ABI_VERSION) {
		fail("the maps under %s follow ABI version %u, this lbctl reads version %u: use "
		     "the "
		     "lbctl of the running xlbd",
		     opts.pin_dir, cfg.abi_version, XLB_ABI_VERSION);
		return -1;
	}
	abi_ok = true;
	return 0;
}

static int check_layout(const char *name, int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return fail("cannot inspect %s/%s: %s", opts.pin_dir, name, strerror(errno));
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		if (strcmp(layouts[i].name, name))
			continue;
		if (info.key_size != layouts[i].key_size ||
		    info.value_size != layouts[i].value_size)
			return fail("%s/%s has %u-byte keys and %u-byte values, ABI %u says %u and "
				    "%u",
				    opts.pin_dir, name, info.key_size, info.value_size,
				    XLB_ABI_VERSION, layouts[i].key_size, layouts[i].value_size);
	}
	return 0;
}

int pinned_map(const char *name)
{
	int fd;

	for (int i = 0; i < ncache; i++)
		if (!strcmp(cache[i].name, name))
			return cache[i].fd;
	if (!abi_ok && check_abi())
		return -1;
	fd = open_pin(name);
	if (fd < 0)
		return -1;
	if (check_layout(name, fd)) {
		close(fd);
		return -1;
	}
	if (ncache < CACHE_MAX) {
		cache[ncache].name = strdup(name);
		cache[ncache++].fd = fd;
	}
	return fd;
}

int pinned_config(struct xlb_config *cfg)
{
	int fd = pinned_map("xlb_config");
	__u32 zero = 0;

	if (fd < 0)
		return LBCTL_FAIL;
	if (bpf_map_lookup_elem(fd, &zero, cfg))
		return fail("cannot read %s/xlb_config: %s", opts.pin_dir, strerror(errno));
	return 0;
}

int pinned_counter(int fd, __u32 key, struct xlb_counter *sum)
{
	static struct xlb_counter *per;
	static int ncpu;

	if (!per) {
		ncpu = libbpf_num_possible_cpus();
		if (ncpu <= 0)
			return ncpu ? ncpu : -EINVAL;
		per = calloc((size_t)ncpu, sizeof(*per));
		if (!per)
			return -ENOMEM;
	}
	if (bpf_map_lookup_elem(fd, &key, per))
		return -errno;
	memset(sum, 0, sizeof(*sum));
	for (int i = 0; i < ncpu; i++) {
		sum->packets += per[i].packets;
		sum->bytes += per[i].bytes;
	}
	return 0;
}

int pinned_service_refs(struct xlb_service_ref *refs)
{
	int fd = pinned_map("xlb_services");
	struct xlb_svc_key key, next;
	struct xlb_svc v;
	void *prev = NULL;

	if (fd < 0)
		return LBCTL_FAIL;
	memset(refs, 0, XLB_MAX_SERVICES * sizeof(*refs));
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v) || v.id >= XLB_MAX_SERVICES)
			continue;
		memcpy(refs[v.id].vip.addr, key.addr, sizeof(key.addr));
		refs[v.id].vip.family = key.family;
		refs[v.id].port = ntohs(key.port);
		refs[v.id].proto = key.proto;
	}
	return 0;
}

int pinned_service(const struct xlb_service_ref *ref, struct xlb_svc *svc)
{
	int fd = pinned_map("xlb_services");
	struct xlb_svc_key key;

	if (fd < 0)
		return -1;
	memset(&key, 0, sizeof(key));
	memcpy(key.addr, ref->vip.addr, sizeof(key.addr));
	key.port = htons(ref->port);
	key.proto = ref->proto;
	key.family = ref->vip.family;
	if (bpf_map_lookup_elem(fd, &key, svc))
		return errno == ENOENT
			       ? 1
			       : (fail("cannot read xlb_services: %s", strerror(errno)), -1);
	return 0;
}
