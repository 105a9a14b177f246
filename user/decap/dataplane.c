// SPDX-License-Identifier: GPL-2.0
/* dataplane.c - everything xlb-decap asks of libbpf and libxdp: the pinned maps, loading and
 * attaching xlb_decap, finding where it is attached. The only file of the tool that talks to
 * them; see decap.h for the contracts. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "bpfmaps.h"
#include "decap.h"
#include "decap.skel.h"

static bool verbose;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int print_libxdp(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (!verbose || level == LIBXDP_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void dc_set_verbose(bool v)
{
	verbose = v;
	libbpf_set_print(print_libbpf);
	libxdp_set_print(print_libxdp);
}

const char *dc_pin_dir(void)
{
	const char *dir = getenv(DC_PIN_DIR_ENV);

	return dir && *dir ? dir : DC_PIN_DIR;
}

/* Whether a directory is safe to pin into or below: owned by root (or us) and not writable by
 * others unless sticky (as /sys/fs/bpf itself is). In someone else's directory the pins could
 * be replaced under us. Returns 0, -EACCES or -errno. */
static int check_dir(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return -EACCES;
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
		return -EACCES;
	return 0;
}

/* Create the pin directory and its missing parents, mode 0700 (the pinned maps decide what
 * this host decapsulates: root only), checking every level before going below it, and check
 * that it is on bpffs. Only root creates anything: /sys/fs/bpf is world-writable, and a
 * directory made by another user would be that user's. */
static int make_pin_dir(void)
{
	char path[PATH_MAX];
	struct statfs st;
	size_t n = strlen(dc_pin_dir());
	int err;

	if (geteuid() != 0)
		return -EPERM;
	if (n >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dc_pin_dir(), n + 1);
	err = check_dir(path[0] == '/' ? "/" : ".");
	for (char *p = path + 1; !err; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(path, 0700) && errno != EEXIST)
			return -errno;
		err = check_dir(path);
		*p = c;
		if (!c)
			break;
	}
	if (err)
		return err;
	if (statfs(path, &st))
		return -errno;
	return st.f_type == BPF_FS_MAGIC ? 0 : -ENOTDIR;
}

/* The pin name of map: its own, but the capture filter's section ".data.capture" is pinned
 * as xlb_capture (bpffs refuses names with a dot: EPERM). */
static const char *pin_name(const struct bpf_map *map)
{
	const char *name = bpf_map__name(map);

	return strcmp(name, ".data.capture") ? name : "xlb_capture";
}

/* Open the skeleton (not loaded) with every map's pin path set under the pin directory. */
static int open_pinned_skel(struct decap_bpf **out)
{
	struct decap_bpf *skel = decap_bpf__open();
	char path[PATH_MAX];
	struct bpf_map *map;
	int err = 0;

	if (!skel)
		return -errno;
	bpf_object__for_each_map(map, skel->obj)
	{
		int n = snprintf(path, sizeof(path), "%s/%s", dc_pin_dir(), pin_name(map));

		if (n < 0 || (size_t)n >= sizeof(path)) {
			err = -ENAMETOOLONG;
			break;
		}
		err = bpf_map__set_pin_path(map, path);
		if (err)
			break;
	}
	if (err) {
		decap_bpf__destroy(skel);
		return err;
	}
	*out = skel;
	return 0;
}

/* 0 when every map of the object is pinned, -ENOENT when one is missing, else -errno (a
 * non-root caller gets -EPERM: the directory is 0700). */
static int all_pinned(void)
{
	static const char *const names[] = { "xlb_dc_src4", "xlb_dc_src6", "xlb_dc_vips",
					     "xlb_dc_stats", "xlb_dc_config" };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dc_pin_dir(), names[i]);
		if (access(path, F_OK))
			return errno == EACCES ? -EPERM : -errno;
	}
	return 0;
}

/* Give a config entry that no xlb-decap has written yet (all zero: just created) the default
 * GUE port; an entry written before, port 0 included, stays. */
static int config_default(int fd)
{
	struct xlb_dc_config c;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, &c))
		return -errno;
	if (c.flags & XLB_DC_CFG_F_SET)
		return 0;
	c.gue_port = htons(XLB_DC_GUE_PORT_DEFAULT);
	c.flags = XLB_DC_CFG_F_SET;
	return bpf_map_update_elem(fd, &zero, &c, BPF_ANY) ? -errno : 0;
}

int dc_maps_open(struct dc_maps *m, bool create)
{
	struct decap_bpf *skel;
	int err;

	m->src4 = m->src6 = m->vips = m->stats = m->config = -1;
	err = create ? make_pin_dir() : all_pinned();
	if (err)
		return err;
	err = open_pinned_skel(&skel);
	if (err)
		return err;
	/* Loading without the program creates (and pins) the missing maps and reuses the pinned
	 * ones, after libbpf has checked that their type, sizes and flags match. */
	bpf_program__set_autoload(skel->progs.xlb_decap, false);
	err = decap_bpf__load(skel);
	if (!err) {
		m->src4 = dup(bpf_map__fd(skel->maps.xlb_dc_src4));
		m->src6 = dup(bpf_map__fd(skel->maps.xlb_dc_src6));
		m->vips = dup(bpf_map__fd(skel->maps.xlb_dc_vips));
		m->stats = dup(bpf_map__fd(skel->maps.xlb_dc_stats));
		m->config = dup(bpf_map__fd(skel->maps.xlb_dc_config));
		if (m->src4 < 0 || m->src6 < 0 || m->vips < 0 || m->stats < 0 || m->config < 0)
			err = -EMFILE;
		else if (create)
			err = config_default(m->config);
		if (err)
			dc_maps_close(m);
	}
	decap_bpf__destroy(skel);
	return err;
}

void dc_maps_close(struct dc_maps *m)
{
	int *fds[] = { &m->src4, &m->src6, &m->vips, &m->stats, &m->config };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* Add or delete one key; a full map is -ENOSPC whatever its type says (LPM: ENOSPC,
 * hash: E2BIG). */
static int update_key(int fd, const void *key, const void *value, bool add)
{
	int err = add ? bpf_map_update_elem(fd, key, value, BPF_ANY) : bpf_map_delete_elem(fd, key);

	if (!err)
		return 0;
	err = -errno;
	return err == -E2BIG ? -ENOSPC : err;
}

int dc_allow_update(const struct dc_maps *m, const struct dc_prefix *p, bool add)
{
	__u8 one = 1;

	if (p->addr.family == XLB_AF_INET) {
		struct xlb_dc_prefix4 k = { .prefixlen = p->len, .addr = p->addr.addr[0] };

		return update_key(m->src4, &k, &one, add);
	}
	struct xlb_dc_prefix6 k6 = { .prefixlen = p->len };

	memcpy(k6.addr, p->addr.addr, sizeof(k6.addr));
	return update_key(m->src6, &k6, &one, add);
}

int dc_vip_update(const struct dc_maps *m, const struct xlb_addr *a, bool add)
{
	struct xlb_vip v = { .flags = 0 };
	struct xlb_vip_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.addr, a->addr, sizeof(k.addr));
	k.family = a->family;
	return update_key(m->vips, &k, &v, add);
}

int dc_gue_port_get(const struct dc_maps *m, __u16 *port)
{
	struct xlb_dc_config c;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(m->config, &zero, &c))
		return -errno;
	*port = ntohs(c.gue_port);
	return 0;
}

int dc_gue_port_set(const struct dc_maps *m, __u16 port)
{
	struct xlb_dc_config c = { .gue_port = htons(port), .flags = XLB_DC_CFG_F_SET };
	__u32 zero = 0;

	return bpf_map_update_elem(m->config, &zero, &c, BPF_ANY) ? -errno : 0;
}

int dc_allow_list(const struct dc_maps *m, struct dc_prefix **out, size_t *n)
{
	size_t cap = 2 * XLB_DC_MAX_PREFIXES, cnt = 0;
	struct dc_prefix *v = calloc(cap, sizeof(*v));
	struct xlb_dc_prefix4 k4, *prev4 = NULL;
	struct xlb_dc_prefix6 k6, *prev6 = NULL;

	if (!v)
		return -ENOMEM;
	while (cnt < cap && !bpf_map_get_next_key(m->src4, prev4, &k4)) {
		v[cnt].addr.family = XLB_AF_INET;
		v[cnt].addr.addr[0] = k4.addr;
		v[cnt++].len = k4.prefixlen;
		prev4 = &k4;
	}
	while (cnt < cap && !bpf_map_get_next_key(m->src6, prev6, &k6)) {
		v[cnt].addr.family = XLB_AF_INET6;
		memcpy(v[cnt].addr.addr, k6.addr, sizeof(k6.addr));
		v[cnt++].len = k6.prefixlen;
		prev6 = &k6;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int dc_vip_list(const struct dc_maps *m, struct xlb_addr **out, size_t *n)
{
	struct xlb_addr *v = calloc(XLB_DC_MAX_VIPS, sizeof(*v));
	struct xlb_vip_key k, *prev = NULL;
	size_t cnt = 0;

	if (!v)
		return -ENOMEM;
	while (cnt < XLB_DC_MAX_VIPS && !bpf_map_get_next_key(m->vips, prev, &k)) {
		memcpy(v[cnt].addr, k.addr, sizeof(k.addr));
		v[cnt++].family = k.family;
		prev = &k;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int dc_counters(const struct dc_maps *m, struct xlb_counter sums[XLB_DC_MAX])
{
	int err = 0;

	for (__u32 r = 0; r < XLB_DC_MAX; r++)
		if (!err)
			err = bm_counter_sum(m->stats, r, &sums[r]);
		else
			memset(&sums[r], 0, sizeof(sums[r]));
	return err;
}

/* xlb_decap among the programs on an interface (alone, or in libxdp's dispatcher). */
static struct xdp_program *find_decap(const struct xdp_multiprog *mp)
{
	struct xdp_program *prog;

	if (xdp_multiprog__is_legacy(mp)) {
		prog = xdp_multiprog__main_prog(mp);
		return prog && !strcmp(xdp_program__name(prog), DC_PROG_NAME) ? prog : NULL;
	}
	for (prog = xdp_multiprog__next_prog(NULL, mp); prog;
	     prog = xdp_multiprog__next_prog(prog, mp))
		if (!strcmp(xdp_program__name(prog), DC_PROG_NAME))
			return prog;
	return NULL;
}

/* The programs on ifindex: a multiprog, NULL when there is none, or an error in *err. */
static struct xdp_multiprog *get_multiprog(int ifindex, int *err)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	long e = mp ? libxdp_get_error(mp) : -errno;

	*err = 0;
	if (!e)
		return mp;
	if (e != -ENOENT)
		*err = (int)e;
	return NULL;
}

int dc_attached(int ifindex, const char **mode)
{
	struct xdp_multiprog *mp;
	int err, found;

	mp = get_multiprog(ifindex, &err);
	if (!mp)
		return err;
	found = find_decap(mp) != NULL;
	switch (xdp_multiprog__attach_mode(mp)) {
	case XDP_MODE_SKB:
		*mode = "generic";
		break;
	case XDP_MODE_HW:
		*mode = "offload";
		break;
	default:
		*mode = "native";
		break;
	}
	xdp_multiprog__close(mp);
	return found;
}

int dc_attach(int ifindex, enum dc_mode mode)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, opts, .prog_name = DC_PROG_NAME);
	struct xdp_program *prog;
	struct decap_bpf *skel;
	struct dc_maps m;
	const char *cur;
	int err;

	err = dc_attached(ifindex, &cur);
	if (err)
		return err > 0 ? -EEXIST : err;
	/* The maps first, so that the program never runs without its GUE port. */
	err = dc_maps_open(&m, true);
	if (err)
		return err;
	dc_maps_close(&m);
	err = open_pinned_skel(&skel);
	if (err)
		return err;
	/* libxdp loads the object (creating or reusing the pinned maps) and attaches it, through
	 * its dispatcher when the kernel allows, else on its own. */
	opts.obj = skel->obj;
	prog = xdp_program__create(&opts);
	err = prog ? (int)libxdp_get_error(prog) : -errno;
	if (err)
		goto out_skel;
	err = xdp_program__attach(prog, ifindex,
				  mode == DC_MODE_NATIVE ? XDP_MODE_NATIVE : XDP_MODE_SKB, 0);
	xdp_program__close(prog);
out_skel:
	decap_bpf__destroy(skel);
	return err;
}

int dc_detach(int ifindex)
{
	struct xdp_program *prog;
	struct xdp_multiprog *mp;
	int err;

	mp = get_multiprog(ifindex, &err);
	if (!mp)
		return err ? err : -ENOENT;
	prog = find_decap(mp);
	if (!prog)
		err = -ENOENT;
	else
		err = xdp_program__detach(prog, ifindex, xdp_multiprog__attach_mode(mp), 0);
	xdp_multiprog__close(mp);
	return err;
}

/* ---- packet capture ---- */

struct dc_capture {
	int dir_fd; /* the pin directory, flock()ed while the capture runs */
	int filter_fd;
	struct xlb_capture_filter *filter; /* the pinned xlb_capture, mapped */
	size_t filter_len;
	struct ring_buffer *ring;
	dc_capture_fn fn;
	void *ctx;
};

/* libbpf's per-record callback: a record that is not one of this ABI is skipped. */
static int capture_record(void *ctx, void *data, size_t size)
{
	struct dc_capture *c = ctx;
	const struct xlb_capture_rec *r = bm_capture_rec(data, size);

	return r ? c->fn(c->ctx, r, r + 1) : 0;
}

static int pinned_fd(const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dc_pin_dir(), name);
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

int dc_capture_open(struct dc_capture **out, dc_capture_fn fn, void *ctx, bool *stale)
{
	struct dc_capture *c = calloc(1, sizeof(*c));
	long page = sysconf(_SC_PAGESIZE);
	int ring_fd = -1, err;

	*stale = false;
	if (!c)
		return -ENOMEM;
	c->filter_fd = -1;
	c->fn = fn;
	c->ctx = ctx;
	c->dir_fd = open(dc_pin_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dir_fd < 0) {
		err = errno == ENOENT ? -ENOENT : errno == EACCES ? -EPERM : -errno;
		goto err_free;
	}
	/* One capture per pin directory; the kernel drops the lock with its process. */
	if (flock(c->dir_fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto err_dir;
	}
	c->filter_fd = pinned_fd("xlb_capture");
	if (c->filter_fd < 0) {
		err = c->filter_fd;
		goto err_dir;
	}
	c->filter_len = ((sizeof(*c->filter) + (size_t)page - 1) / (size_t)page) * (size_t)page;
	c->filter = mmap(NULL, c->filter_len, PROT_READ | PROT_WRITE, MAP_SHARED, c->filter_fd, 0);
	if (c->filter == MAP_FAILED) {
		err = -errno;
		goto err_filter;
	}
	/* Armed, yet nobody holds the lock: a capture whose tool died without disarming. */
	if (__atomic_exchange_n(&c->filter->gen, 0, __ATOMIC_SEQ_CST))
		*stale = true;
	ring_fd = pinned_fd("xlb_capture_ring");
	if (ring_fd < 0) {
		err = ring_fd;
		goto err_map;
	}
	c->ring = ring_buffer__new(ring_fd, capture_record, c, NULL);
	err = c->ring ? 0 : -errno;
	close(ring_fd); /* the ring buffer keeps its own reference */
	if (err)
		goto err_map;
	*out = c;
	return 0;
err_map:
	munmap(c->filter, c->filter_len);
err_filter:
	close(c->filter_fd);
err_dir:
	close(c->dir_fd);
err_free:
	free(c);
	return err;
}

void dc_capture_arm(struct dc_capture *c, const struct xlb_capture_filter *f)
{
	bm_capture_arm(c->filter, f);
}

__u32 dc_capture_lost(const struct dc_capture *c)
{
	return __atomic_load_n(&c->filter->lost, __ATOMIC_SEQ_CST);
}

int dc_capture_poll(struct dc_capture *c, int timeout_ms)
{
	return ring_buffer__poll(c->ring, timeout_ms);
}

void dc_capture_disarm(struct dc_capture *c)
{
	__atomic_store_n(&c->filter->gen, 0, __ATOMIC_SEQ_CST);
	ring_buffer__consume(c->ring);
}

void dc_capture_close(struct dc_capture *c)
{
	if (!c)
		return;
	__atomic_store_n(&c->filter->gen, 0, __ATOMIC_SEQ_CST);
	ring_buffer__free(c->ring);
	munmap(c->filter, c->filter_len);
	close(c->filter_fd);
	close(c->dir_fd); /* the lock with it */
	free(c);
}
