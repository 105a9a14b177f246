// SPDX-License-Identifier: GPL-2.0
/* pinned.c - access to the maps xlbd pinned (docs/xlbd.md: PIN/<map name>), for the commands
 * that work without the daemon: read-only, except the connection table that `conns flush`
 * empties. Before any map is used, the ABI version in the pinned
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

#include "bpfmaps.h"
#include "lbctl.h"

#define CACHE_MAX 16

static struct {
	const char *name;
	int fd;
} cache[CACHE_MAX];
static int ncache;
static bool abi_ok;

/* Why path cannot be opened, as lbctl says it. Returns LBCTL_FAIL. */
static int open_failed(const char *path, int e)
{
	if (e == ENOENT)
		return fail("nothing pinned at %s (is xlbd running or was it ever? see --pin-dir)",
			    path);
	if (e == EACCES || e == EPERM)
		return fail("cannot open %s: permission denied (root only)", path);
	return fail("cannot open %s: %s", path, strerror(e));
}

static int open_pin(const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", opts.pin_dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		open_failed(path, errno);
	return fd;
}

static int check_abi(void)
{
	char path[512];
	__u32 version = 0;
	int ret = bm_pinned_abi(opts.pin_dir, &version);

	snprintf(path, sizeof(path), "%s/xlb_config", opts.pin_dir);
	if (ret == -ENOENT || ret == -EACCES || ret == -EPERM)
		return open_failed(path, -ret);
	if (ret == -EPROTO)
		return fail("%s is not the xlb_config of ABI %u (another size)", path,
			    XLB_ABI_VERSION);
	if (ret)
		return fail("cannot read %s: %s", path, strerror(-ret));
	if (version != XLB_ABI_VERSION)
		return fail("the maps under %s follow ABI version %u, this lbctl reads version %u: "
			    "use the lbctl of the running xlbd",
			    opts.pin_dir, version, XLB_ABI_VERSION);
	abi_ok = true;
	return 0;
}

static int check_layout(const char *name, int fd)
{
	char why[160];
	int ret = bm_check_layout(fd, name, why, sizeof(why));

	if (ret == -EPROTO)
		return fail("%s/%s has %s", opts.pin_dir, name, why);
	if (ret)
		return fail("cannot inspect %s/%s: %s", opts.pin_dir, name, strerror(-ret));
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
	return bm_counter_sum(fd, key, sum);
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

int pinned_conns(struct bm_conns *t)
{
	int fd = pinned_map("xlb_conns"), ret;

	if (fd < 0)
		return LBCTL_FAIL;
	ret = bm_conns_map(fd, t);
	if (ret == -EPROTO)
		return fail("%s/xlb_conns is not a connection table of ABI %u (buckets per CPU)",
			    opts.pin_dir, XLB_ABI_VERSION);
	if (ret)
		return fail("cannot map %s/xlb_conns: %s", opts.pin_dir, strerror(-ret));
	return 0;
}
