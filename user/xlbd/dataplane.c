// SPDX-License-Identifier: GPL-2.0
/* dataplane.c - load or adopt xlb_lb, attach it through pinned bpf_links, map access: see
 * dataplane.h. The only file of xlbd that calls libbpf. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfmaps.h"
#include "dataplane.h"
#include "log.h"
#include "maglev.h"
#include "xlb_conn.h"
#include "xlb.skel.h"

struct dp {
	char pin_dir[XLB_CONF_PATH_MAX];
	struct xlb_bpf *skel;
	bool adopted;
	int prog_fd;
	int cfg_fd, svc_fd, vips_fd, tables_fd, be_fd, conns_fd, conns_count_fd;
	__u32 conn_parts, conn_buckets; /* the connection table's shape: parts x buckets */
	int cnt_fd[3]; /* enum dp_counter_map */
	__u32 chunk_keys[XLB_TABLE_CHUNKS(XLB_MAX_TABLE_SIZE)]; /* 0, 1, ...: batch keys */
	struct pooled {
		int fd;
		__u32 id, chunks;
	} pool[DP_TABLE_POOL_MAPS]; /* oldest first */
	unsigned pool_n, pool_max;
	__u64 pool_bytes; /* chunks of the maps in pool, in bytes */
	/* The pool's fields above: dp_commit()'s build threads take maps from the pool while the
	 * loop's thread gives it the maps its swaps took out. */
	pthread_mutex_t pool_lock;
	struct ring_buffer *capture_ring; /* the reader of xlb_capture_ring, while one is open */
	dp_capture_fn capture_fn;
	void *capture_ctx;
};

static void seterr(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

static int path_join(char *buf, size_t len, const char *dir, const char *a, const char *b)
{
	int n = snprintf(buf, len, "%s/%s%s%s", dir, a, b ? "/" : "", b ? b : "");

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The pinned config map says which ABI the pinned maps follow; nothing pinned is fine. */
static int check_pinned_abi(const char *pin_dir, char *err, size_t errlen)
{
	__u32 version = 0;
	int ret = bm_pinned_abi(pin_dir, &version);

	if (ret == -ENOENT)
		return 0;
	if (!ret && version != XLB_ABI_VERSION)
		ret = -EPROTO;
	if (ret == -EPROTO)
		seterr(err, errlen,
		       "the maps pinned under %s were written by an xlbd with another ABI (this "
		       "one speaks version %d): stop it and run 'xlbd --cleanup' (drops "
		       "connection state), or run the matching xlbd",
		       pin_dir, XLB_ABI_VERSION);
	else if (ret)
		seterr(err, errlen, "cannot read %s/xlb_config: %s", pin_dir, strerror(-ret));
	return ret;
}

/* The size of the pinned connection table in buckets, 0 when there is none. */
static __u32 pinned_conns(const char *pin_dir)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), n = 0;
	char path[XLB_CONF_PATH_MAX + 32];
	int fd;

	if (path_join(path, sizeof(path), pin_dir, "xlb_conns", NULL))
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		n = info.max_entries;
	close(fd);
	return n;
}

static int mkdir_private(const char *path)
{
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	if (chmod(path, 0700))
		return -errno;
	return 0;
}

/* The pin name of map: its own, but the capture filter's section ".data.capture" is pinned
 * as xlb_capture (bpffs refuses names with a dot: EPERM). Pinned, so that an adopted xlb_lb
 * and this daemon share the filter. */
static const char *pin_name(const struct bpf_map *map)
{
	const char *name = bpf_map__name(map);

	return strcmp(name, ".data.capture") ? name : "xlb_capture";
}

/* No capture survives a start: one armed by an earlier xlbd lost its client with it. */
static void capture_disarm_stale(struct dp *dp)
{
	struct xlb_capture_filter *f = &dp->skel->data_capture->xlb_capture;

	if (__atomic_exchange_n(&f->gen, 0, __ATOMIC_SEQ_CST))
		xlog_info("stopped a packet capture left running by an earlier xlbd");
}

int dp_open(struct dp **out, const char *pin_dir, __u32 conns, char *err, size_t errlen)
{
	char path[XLB_CONF_PATH_MAX + 32];
	struct bpf_map *map;
	struct dp *dp;
	__u32 pinned, buckets;
	int ret, parts = libbpf_num_possible_cpus();

	if (strlen(pin_dir) >= sizeof(dp->pin_dir)) {
		seterr(err, errlen, "pin directory %s: name too long", pin_dir);
		return -ENAMETOOLONG;
	}
	ret = check_pinned_abi(pin_dir, err, errlen);
	if (ret)
		return ret;
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	strcpy(dp->pin_dir, pin_dir);
	dp->pool_max = DP_TABLE_POOL_MAPS;
	pthread_mutex_init(&dp->pool_lock, NULL);
	for (__u32 i = 0; i < XLB_TABLE_CHUNKS(XLB_MAX_TABLE_SIZE); i++)
		dp->chunk_keys[i] = i;

	ret = mkdir_private(pin_dir);
	if (!ret && path_join(path, sizeof(path), pin_dir, "links", NULL) == 0)
		ret = mkdir_private(path);
	if (ret) {
		seterr(err, errlen, "cannot create %s: %s (is bpffs mounted at /sys/fs/bpf?)",
		       pin_dir, strerror(-ret));
		goto err_free;
	}

	dp->skel = xlb_bpf__open();
	if (!dp->skel) {
		ret = -errno;
		seterr(err, errlen, "cannot open the xlb_lb object: %s", strerror(-ret));
		goto err_free;
	}
	/* The connection table: a part per possible CPU of whole buckets (xlb_abi.h). */
	if (parts <= 0) {
		ret = parts ? parts : -EINVAL;
		seterr(err, errlen, "cannot count the possible CPUs: %s", strerror(-ret));
		goto err_destroy;
	}
	dp->conn_parts = (__u32)parts;
	buckets = xlb_conn_buckets(conns, dp->conn_parts) * dp->conn_parts;
	pinned = pinned_conns(pin_dir);
	dp->adopted = pinned != 0;
	if (pinned && conns && pinned != buckets)
		xlog_warn("connection table keeps its pinned size %llu, not the configured %u: a "
			  "new "
			  "size takes 'xlbd --cleanup' and a restart",
			  (unsigned long long)pinned * XLB_CONN_WAYS, conns);
	if (pinned)
		buckets = pinned;
	dp->conn_buckets = buckets / dp->conn_parts;
	ret = bpf_map__set_max_entries(dp->skel->maps.xlb_conns, buckets);
	/* With a pin path set, libbpf reuses a pinned map of the same shape or pins a new one. */
	bpf_object__for_each_map(map, dp->skel->obj)
	{
		if (ret)
			break;
		if (bpf_map__is_internal(map) && strcmp(bpf_map__name(map), ".data.capture"))
			continue;
		ret = path_join(path, sizeof(path), pin_dir, pin_name(map), NULL);
		if (!ret)
			ret = bpf_map__set_pin_path(map, path);
	}
	if (!ret)
		ret = xlb_bpf__load(dp->skel);
	if (ret) {
		seterr(err, errlen, "cannot load xlb_lb%s: %s",
		       dp->adopted ? " with the pinned maps" : "", strerror(-ret));
		goto err_destroy;
	}
	capture_disarm_stale(dp);
	dp->prog_fd = bpf_program__fd(dp->skel->progs.xlb_lb);
	dp->cfg_fd = bpf_map__fd(dp->skel->maps.xlb_config);
	dp->svc_fd = bpf_map__fd(dp->skel->maps.xlb_services);
	dp->vips_fd = bpf_map__fd(dp->skel->maps.xlb_vips);
	dp->tables_fd = bpf_map__fd(dp->skel->maps.xlb_tables);
	dp->be_fd = bpf_map__fd(dp->skel->maps.xlb_backends);
	dp->conns_fd = bpf_map__fd(dp->skel->maps.xlb_conns);
	dp->conns_count_fd = bpf_map__fd(dp->skel->maps.xlb_conns_count);
	dp->cnt_fd[DP_CNT_SERVICE] = bpf_map__fd(dp->skel->maps.xlb_svc_stats);
	dp->cnt_fd[DP_CNT_BACKEND] = bpf_map__fd(dp->skel->maps.xlb_be_stats);
	dp->cnt_fd[DP_CNT_REASON] = bpf_map__fd(dp->skel->maps.xlb_reasons);
	xlog_info("connection table: %llu entries, %llu per CPU on %u CPUs (%u buckets of %d per "
		  "CPU, %llu MiB)",
		  (unsigned long long)buckets * XLB_CONN_WAYS,
		  (unsigned long long)dp->conn_buckets * XLB_CONN_WAYS, dp->conn_parts,
		  dp->conn_buckets, XLB_CONN_WAYS,
		  (unsigned long long)buckets * sizeof(struct xlb_conn_bucket) >> 20);
	*out = dp;
	return 0;

err_destroy:
	xlb_bpf__destroy(dp->skel);
err_free:
	pthread_mutex_destroy(&dp->pool_lock);
	free(dp);
	return ret;
}

bool dp_adopted(const struct dp *dp)
{
	return dp->adopted;
}

void dp_close(struct dp *dp)
{
	if (!dp)
		return;
	dp_capture_close(dp);
	xlb_bpf__destroy(dp->skel);
	for (unsigned i = 0; i < dp->pool_n; i++)
		close(dp->pool[i].fd);
	pthread_mutex_destroy(&dp->pool_lock);
	free(dp);
}

static int prog_tag(int prog_fd, __u8 tag[BPF_TAG_SIZE])
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -errno;
	memcpy(tag, info.tag, BPF_TAG_SIZE);
	return 0;
}

/* The program a pinned XDP link runs: its id and tag. */
static int link_prog(int link_fd, __u32 *prog_id, __u8 tag[BPF_TAG_SIZE], int *ifindex)
{
	struct bpf_link_info info = { 0 };
	__u32 len = sizeof(info);
	int fd, ret;

	if (bpf_obj_get_info_by_fd(link_fd, &info, &len))
		return -errno;
	*ifindex = (int)info.xdp.ifindex;
	*prog_id = info.prog_id;
	fd = bpf_prog_get_fd_by_id(info.prog_id);
	if (fd < 0)
		return -errno;
	ret = prog_tag(fd, tag);
	close(fd);
	return ret;
}

static int link_create(int prog_fd, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);

	return fd < 0 ? -errno : fd;
}

static const char *mode_word(enum xlb_xdp_mode mode)
{
	const char *w = xlb_xdp_mode_name(mode);

	return w ? w : "?";
}

/* Attach the program to ifindex in mode and pin the link at path (nothing pinned there). */
static int attach_new(struct dp *dp, const char *ifname, int ifindex, enum xlb_xdp_mode mode,
		      const char *path, char *err, size_t errlen)
{
	int fd, ret;

	if (mode == XLB_XDP_GENERIC) {
		fd = link_create(dp->prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
	} else {
		fd = link_create(dp->prog_fd, ifindex, XDP_FLAGS_DRV_MODE);
		if (fd < 0 && mode == XLB_XDP_AUTO) {
			xlog_warn("%s: native XDP refused (%s), using generic mode", ifname,
				  strerror(-fd));
			fd = link_create(dp->prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
		}
	}
	if (fd < 0) {
		if (fd == -EBUSY || fd == -EEXIST)
			seterr(err, errlen,
			       "%s: another XDP program is attached (see 'ip link show %s'); "
			       "detach it first",
			       ifname, ifname);
		else
			seterr(err, errlen, "%s: cannot attach xlb_lb in %s mode: %s", ifname,
			       mode == XLB_XDP_GENERIC ? "generic" : "native", strerror(-fd));
		return fd;
	}
	if (bpf_obj_pin(fd, path)) {
		ret = -errno;
		seterr(err, errlen, "%s: cannot pin the attachment at %s: %s", ifname, path,
		       strerror(-ret));
		close(fd); /* the last reference: detaches again */
		return ret;
	}
	close(fd);
	xlog_info("%s: xlb_lb attached (%s mode)", ifname, mode_word(mode));
	return 0;
}

/* Remove the pinned link at path: detached explicitly, so that another holder of the link
 * cannot keep the program running. */
static int unpin_link(const char *path)
{
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return -errno;
	bpf_link_detach(fd);
	close(fd);
	return unlink(path) ? -errno : 0;
}

/* Whether an attachment found running in where satisfies mode. */
static bool mode_fits(enum xlb_xdp_mode mode, enum dp_xdp_where where)
{
	static const bool fits[3][4] = {
		[XLB_XDP_NATIVE] = { [DP_XDP_NATIVE] = true },
		[XLB_XDP_GENERIC] = { [DP_XDP_GENERIC] = true },
		[XLB_XDP_AUTO] = { [DP_XDP_NATIVE] = true, [DP_XDP_GENERIC] = true },
	};

	return (unsigned)mode < 3 && (unsigned)where < 4 && fits[mode][where];
}

/* Replace the attachment at path (running in where) by one in mode; on failure put one in its
 * old mode back, so that a refused change leaves the interface as it was. */
static int switch_mode(struct dp *dp, const char *ifname, int ifindex, enum xlb_xdp_mode mode,
		       enum dp_xdp_where where, const char *path, char *err, size_t errlen)
{
	enum xlb_xdp_mode old = where == DP_XDP_GENERIC ? XLB_XDP_GENERIC : XLB_XDP_NATIVE;
	char ignored[XLB_CONF_ERR_MAX];
	int ret;

	xlog_info("%s: moving xlb_lb from %s to %s mode", ifname, mode_word(old), mode_word(mode));
	ret = unpin_link(path);
	if (ret) {
		seterr(err, errlen, "%s: cannot remove the %s-mode attachment: %s", ifname,
		       mode_word(old), strerror(-ret));
		return ret;
	}
	ret = attach_new(dp, ifname, ifindex, mode, path, err, errlen);
	if (ret && attach_new(dp, ifname, ifindex, old, path, ignored, sizeof(ignored)))
		xlog_err("%s: could not restore the %s-mode attachment either: %s", ifname,
			 mode_word(old), ignored);
	return ret;
}

int dp_attach(struct dp *dp, const char *ifname, enum xlb_xdp_mode mode, char *err, size_t errlen)
{
	__u8 ours[BPF_TAG_SIZE], theirs[BPF_TAG_SIZE];
	char path[XLB_CONF_PATH_MAX + 32];
	int ifindex = (int)if_nametoindex(ifname), link_ifindex = 0, fd, ret;
	struct bpf_prog_info pi = { 0 };
	__u32 len = sizeof(pi), their_id = 0;
	struct dp_iface_info info;

	if (!ifindex) {
		seterr(err, errlen, "interface %s: does not exist", ifname);
		return -ENODEV;
	}
	if (path_join(path, sizeof(path), dp->pin_dir, "links", ifname))
		return -ENAMETOOLONG;
	if (bpf_obj_get_info_by_fd(dp->prog_fd, &pi, &len))
		return -errno;
	memcpy(ours, pi.tag, BPF_TAG_SIZE);

	fd = bpf_obj_get(path);
	if (fd < 0)
		return attach_new(dp, ifname, ifindex, mode, path, err, errlen);
	ret = link_prog(fd, &their_id, theirs, &link_ifindex);
	if (!ret && link_ifindex != ifindex) {
		/* The interface was recreated with another index: the old link is dead. */
		close(fd);
		unlink(path);
		return attach_new(dp, ifname, ifindex, mode, path, err, errlen);
	}
	if (!ret && !dp_iface_info(dp, ifname, &info) && !mode_fits(mode, info.where)) {
		close(fd);
		return switch_mode(dp, ifname, ifindex, mode, info.where, path, err, errlen);
	}
	/* Another program than this daemon's, even one with the same code (an earlier xlbd's
	 * load: the tag does not cover the maps it uses), is switched to ours, so that the link
	 * runs with exactly the maps this daemon writes and no second copy stays loaded. */
	if (!ret && their_id != pi.id) {
		if (bpf_link_update(fd, dp->prog_fd, NULL))
			ret = -errno;
		else if (memcmp(ours, theirs, BPF_TAG_SIZE))
			xlog_info("%s: replaced the running xlb_lb with this build's "
				  "(atomic link update)",
				  ifname);
	}
	close(fd);
	if (ret)
		seterr(err, errlen, "%s: cannot update the pinned attachment: %s", ifname,
		       strerror(-ret));
	return ret;
}

int dp_iface_info(struct dp *dp, const char *ifname, struct dp_iface_info *info)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_link_info li = { 0 };
	char path[XLB_CONF_PATH_MAX + 32];
	__u32 len = sizeof(li);
	int fd, ret = 0;

	memset(info, 0, sizeof(*info));
	info->ifindex = (int)if_nametoindex(ifname);
	if (path_join(path, sizeof(path), dp->pin_dir, "links", ifname))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (bpf_obj_get_info_by_fd(fd, &li, &len))
		ret = -errno;
	close(fd);
	/* A link of a vanished interface, or of an earlier one of the same name, runs nowhere. */
	if (ret || !info->ifindex || (int)li.xdp.ifindex != info->ifindex)
		return ret;
	info->link_id = li.id;
	info->prog_id = li.prog_id;
	if (bpf_xdp_query(info->ifindex, 0, &q))
		return -errno;
	if (q.drv_prog_id == li.prog_id)
		info->where = DP_XDP_NATIVE;
	else if (q.skb_prog_id == li.prog_id)
		info->where = DP_XDP_GENERIC;
	else if (q.hw_prog_id == li.prog_id)
		info->where = DP_XDP_OFFLOAD;
	return 0;
}

int dp_detach(struct dp *dp, const char *ifname)
{
	char path[XLB_CONF_PATH_MAX + 32];
	int ret;

	if (path_join(path, sizeof(path), dp->pin_dir, "links", ifname))
		return -ENAMETOOLONG;
	ret = unpin_link(path);
	if (!ret)
		xlog_info("%s: xlb_lb detached", ifname);
	return ret;
}

int dp_attached(struct dp *dp, char (*names)[XLB_CONF_IFNAMSIZ], int max)
{
	char path[XLB_CONF_PATH_MAX + 32];
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (path_join(path, sizeof(path), dp->pin_dir, "links", NULL))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= XLB_CONF_IFNAMSIZ)
			continue;
		strcpy(names[n++], de->d_name);
	}
	closedir(d);
	return n;
}

/* Remove every entry of dir; links are detached first. */
static int unpin_dir(const char *dir, bool links)
{
	char path[XLB_CONF_PATH_MAX + 300];
	struct dirent *de;
	int ret = 0;
	DIR *d = opendir(dir);

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR)
			continue;
		if (links) {
			int fd = bpf_obj_get(path);

			if (fd >= 0) {
				bpf_link_detach(fd);
				close(fd);
			}
		}
		if (unlink(path) && !ret)
			ret = -errno;
	}
	closedir(d);
	return ret;
}

int dp_cleanup(const char *pin_dir)
{
	char path[XLB_CONF_PATH_MAX + 32];
	int ret, r;

	if (path_join(path, sizeof(path), pin_dir, "links", NULL))
		return -ENAMETOOLONG;
	ret = unpin_dir(path, true);
	if (rmdir(path) && errno != ENOENT && !ret)
		ret = -errno;
	r = unpin_dir(pin_dir, false);
	if (!ret)
		ret = r;
	if (rmdir(pin_dir) && errno != ENOENT && !ret)
		ret = -errno;
	return ret;
}

/* ---- maps ---- */

static int sys(int rc)
{
	return rc ? -errno : 0;
}

int dp_config_read(struct dp *dp, struct xlb_config *cfg)
{
	__u32 zero = 0;
	int ret = sys(bpf_map_lookup_elem(dp->cfg_fd, &zero, cfg));

	/* The table's shape is dp_config_write()'s to fill, not the plan's: an adopted config
	 * then equals the planned one. */
	cfg->conn_buckets = 0;
	cfg->conn_parts = 0;
	return ret;
}

int dp_config_write(struct dp *dp, const struct xlb_config *cfg)
{
	struct xlb_config c = *cfg;
	__u32 zero = 0;

	/* The table's shape is the map's, which the plan does not know. */
	c.conn_buckets = dp->conn_buckets;
	c.conn_parts = dp->conn_parts;
	return sys(bpf_map_update_elem(dp->cfg_fd, &zero, &c, BPF_ANY));
}

int dp_service_write(struct dp *dp, const struct xlb_svc_key *key, const struct xlb_svc *svc)
{
	return sys(bpf_map_update_elem(dp->svc_fd, key, svc, BPF_ANY));
}

int dp_service_delete(struct dp *dp, const struct xlb_svc_key *key)
{
	return sys(bpf_map_delete_elem(dp->svc_fd, key));
}

int dp_service_foreach(struct dp *dp,
		       int (*fn)(const struct xlb_svc_key *, const struct xlb_svc *, void *),
		       void *ctx)
{
	struct xlb_svc_key key, next;
	struct xlb_svc val;
	void *prev = NULL;
	int ret;

	while (!bpf_map_get_next_key(dp->svc_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(dp->svc_fd, &key, &val))
			continue; /* deleted meanwhile */
		ret = fn(&key, &val, ctx);
		if (ret)
			return ret;
	}
	return errno == ENOENT ? 0 : -errno;
}

int dp_vip_read(struct dp *dp, const struct xlb_vip_key *key, struct xlb_vip *vip)
{
	return sys(bpf_map_lookup_elem(dp->vips_fd, key, vip));
}

int dp_vip_write(struct dp *dp, const struct xlb_vip_key *key, const struct xlb_vip *vip)
{
	return sys(bpf_map_update_elem(dp->vips_fd, key, vip, BPF_ANY));
}

int dp_vip_delete(struct dp *dp, const struct xlb_vip_key *key)
{
	return sys(bpf_map_delete_elem(dp->vips_fd, key));
}

int dp_vip_foreach(struct dp *dp,
		   int (*fn)(const struct xlb_vip_key *, const struct xlb_vip *, void *), void *ctx)
{
	struct xlb_vip_key key, next;
	struct xlb_vip val;
	void *prev = NULL;
	int ret;

	while (!bpf_map_get_next_key(dp->vips_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(dp->vips_fd, &key, &val))
			continue;
		ret = fn(&key, &val, ctx);
		if (ret)
			return ret;
	}
	return errno == ENOENT ? 0 : -errno;
}

int dp_backend_read(struct dp *dp, __u32 id, struct xlb_backend *be)
{
	return sys(bpf_map_lookup_elem(dp->be_fd, &id, be));
}

int dp_backend_write(struct dp *dp, __u32 id, const struct xlb_backend *be)
{
	return sys(bpf_map_update_elem(dp->be_fd, &id, be, BPF_ANY));
}

static int map_id(int fd, __u32 *id)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	return 0;
}

/* ---- tables ---- */

/* Take pool entry i out of the pool (its descriptor is the caller's now). The caller holds
 * pool_lock. */
static int pool_remove(struct dp *dp, unsigned i)
{
	int fd = dp->pool[i].fd;

	dp->pool_bytes -= (__u64)dp->pool[i].chunks * sizeof(struct xlb_table_chunk);
	memmove(&dp->pool[i], &dp->pool[i + 1], sizeof(dp->pool[0]) * (dp->pool_n - i - 1));
	dp->pool_n--;
	return fd;
}

/* A map of the pool with the given chunks, the most recently pooled (its pages are the most
 * likely to be warm), or -1 when there is none. */
static int pool_take(struct dp *dp, __u32 chunks)
{
	int fd = -1;

	pthread_mutex_lock(&dp->pool_lock);
	for (unsigned i = dp->pool_n; i-- > 0;)
		if (dp->pool[i].chunks == chunks) {
			fd = pool_remove(dp, i);
			break;
		}
	pthread_mutex_unlock(&dp->pool_lock);
	return fd;
}

/* Give fd (a table map no longer in xlb_tables, or -1) to the pool, or close it when it is not
 * a table of chunks or the pool is off. The oldest maps are closed to keep the bound. */
static void pool_put(struct dp *dp, int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	__u64 bytes;

	if (fd < 0)
		return;
	if (!dp->pool_max || bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    info.type != BPF_MAP_TYPE_ARRAY || info.value_size != sizeof(struct xlb_table_chunk) ||
	    info.map_flags != XLB_TABLE_MAP_FLAGS) {
		close(fd);
		return;
	}
	bytes = (__u64)info.max_entries * sizeof(struct xlb_table_chunk);
	if (bytes > DP_TABLE_POOL_BYTES) {
		close(fd);
		return;
	}
	pthread_mutex_lock(&dp->pool_lock);
	while (dp->pool_n &&
	       (dp->pool_n >= dp->pool_max || dp->pool_bytes + bytes > DP_TABLE_POOL_BYTES))
		close(pool_remove(dp, 0));
	if (dp->pool_max) { /* dp_table_pool_set() may have turned it off since the check */
		dp->pool[dp->pool_n++] =
			(struct pooled){ .fd = fd, .id = info.id, .chunks = info.max_entries };
		dp->pool_bytes += bytes;
		fd = -1;
	}
	pthread_mutex_unlock(&dp->pool_lock);
	if (fd >= 0)
		close(fd);
}

int dp_table_pool_set(struct dp *dp, unsigned max_maps)
{
	if (max_maps > DP_TABLE_POOL_MAPS)
		return -EINVAL;
	pthread_mutex_lock(&dp->pool_lock);
	dp->pool_max = max_maps;
	while (dp->pool_n > max_maps)
		close(pool_remove(dp, 0));
	pthread_mutex_unlock(&dp->pool_lock);
	return 0;
}

unsigned dp_table_pool(struct dp *dp, __u64 *bytes, __u32 *ids, unsigned max)
{
	unsigned n;

	pthread_mutex_lock(&dp->pool_lock);
	for (unsigned i = 0; ids && i < dp->pool_n && i < max; i++)
		ids[i] = dp->pool[i].id;
	if (bytes)
		*bytes = dp->pool_bytes;
	n = dp->pool_n;
	pthread_mutex_unlock(&dp->pool_lock);
	return n;
}

/* The map in xlb_tables[svc_id] now, as a descriptor of the caller's, or -errno: -ENOENT when
 * there is none. */
static int table_now(struct dp *dp, __u32 svc_id)
{
	__u32 id;
	int fd;

	/* From userspace, an array of maps yields the inner map's id. */
	if (bpf_map_lookup_elem(dp->tables_fd, &svc_id, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	return fd < 0 ? -errno : fd;
}

/* Write all chunks of a table of m slots into fd: the whole chunks straight from ids with one
 * BPF_MAP_UPDATE_BATCH, the last one (padded with XLB_BACKEND_NONE) with one update. */
static int table_fill(struct dp *dp, int fd, const __u32 *ids, __u32 m)
{
	__u32 whole = m / XLB_TABLE_CHUNK_SLOTS, rest = m % XLB_TABLE_CHUNK_SLOTS, count = whole;
	struct xlb_table_chunk last = { 0 };

	if (whole && bpf_map_update_batch(fd, dp->chunk_keys, ids, &count, NULL))
		return -errno;
	if (count != whole)
		return -EIO;
	if (!rest)
		return 0;
	memcpy(last.id, ids + (size_t)whole * XLB_TABLE_CHUNK_SLOTS, sizeof(__u32) * rest);
	return sys(bpf_map_update_elem(fd, &whole, &last, BPF_ANY));
}

/* A map holding the table of m slots in ids, not in xlb_tables: one of the pool's with that
 * many chunks, else a new one, every chunk written. Returns its descriptor or -errno. Safe on
 * any thread (dp_commit()'s build threads call it). */
static int table_make(struct dp *dp, const __u32 *ids, __u32 m)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = XLB_TABLE_MAP_FLAGS);
	__u32 chunks = XLB_TABLE_CHUNKS(m);
	int fd, ret;

	fd = pool_take(dp, chunks);
	if (fd < 0)
		fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xlb_table", sizeof(__u32),
				    sizeof(struct xlb_table_chunk), chunks, &opts);
	if (fd < 0)
		return -errno;
	ret = table_fill(dp, fd, ids, m);
	if (ret) {
		/* Never in xlb_tables: reusable as it is (a reuse rewrites every chunk). */
		pool_put(dp, fd);
		return ret;
	}
	return fd;
}

/* Swap fd (from table_make()) into xlb_tables[svc_id] in one update; the descriptor is taken
 * either way. The table it replaces joins the pool. Returns 0 or -errno (the old table stays). */
static int table_publish(struct dp *dp, __u32 svc_id, int fd)
{
	/* The table this one replaces (none: -ENOENT), to reuse once the swap is done. */
	int old_fd = table_now(dp, svc_id);

	if (bpf_map_update_elem(dp->tables_fd, &svc_id, &fd, BPF_ANY)) {
		int ret = -errno;

		pool_put(dp, fd);
		if (old_fd >= 0)
			close(old_fd);
		return ret;
	}
	/* The kernel returned from the update of the array of maps only after every program
	 * that might still use the old table finished (synchronize_rcu() in
	 * maybe_wait_bpf_programs(), kernel/bpf/syscall.c): from now on nothing reads it, and it
	 * may be rewritten. */
	close(fd);
	pool_put(dp, old_fd);
	return 0;
}

int dp_table_swap(struct dp *dp, __u32 svc_id, const __u32 *ids, __u32 m, __u32 *inner_id)
{
	int fd, ret = 0;

	if (m < XLB_MIN_TABLE_SIZE || m > XLB_MAX_TABLE_SIZE || svc_id >= XLB_MAX_SERVICES)
		return -EINVAL;
	/* Filled completely before it becomes visible, then one outer update. */
	fd = table_make(dp, ids, m);
	if (fd < 0)
		return fd;
	if (inner_id)
		ret = map_id(fd, inner_id);
	if (ret) {
		pool_put(dp, fd);
		return ret;
	}
	return table_publish(dp, svc_id, fd);
}

int dp_table_delete(struct dp *dp, __u32 svc_id)
{
	int old_fd = table_now(dp, svc_id), ret;

	ret = sys(bpf_map_delete_elem(dp->tables_fd, &svc_id));
	/* As after a swap: once the delete returned, no running program uses the table. */
	if (!ret)
		pool_put(dp, old_fd);
	else if (old_fd >= 0)
		close(old_fd);
	return ret;
}

/* Read all chunks of a table map with batch lookups. */
static int read_chunks(int fd, struct xlb_table_chunk *c, __u32 chunks)
{
	__u32 keys[XLB_TABLE_CHUNKS(XLB_MAX_TABLE_SIZE)], done = 0, batch = 0;

	while (done < chunks) {
		__u32 count = chunks - done;
		int rc = bpf_map_lookup_batch(fd, done ? &batch : NULL, &batch, keys + done,
					      c + done, &count, NULL);

		done += count;
		if (rc) {
			if (errno != ENOENT)
				return -errno;
			break;
		}
	}
	return done == chunks ? 0 : -EIO;
}

int dp_table_read(struct dp *dp, __u32 svc_id, __u32 m, __u32 *ids, __u32 *inner_id)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), chunks = XLB_TABLE_CHUNKS(m);
	struct xlb_table_chunk *c = NULL;
	int fd, ret = 0;

	fd = table_now(dp, svc_id);
	if (fd < 0)
		return fd;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		ret = -errno;
	else if (info.value_size != sizeof(*c))
		ret = -EPROTO;
	else if (info.max_entries != chunks || m > XLB_MAX_TABLE_SIZE)
		ret = -EINVAL;
	else if (ids && !(c = malloc(sizeof(*c) * chunks)))
		ret = -ENOMEM;
	else if (ids && !(ret = read_chunks(fd, c, chunks)))
		/* The chunks side by side are the slots in order. */
		memcpy(ids, c, sizeof(__u32) * m);
	if (!ret && inner_id)
		*inner_id = info.id;
	free(c);
	close(fd);
	return ret;
}

/* ---- a plan ---- */

static __u64 now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (__u64)t.tv_sec * 1000000000ULL + (__u64)t.tv_nsec;
}

static int ignore_enoent(int ret)
{
	return ret == -ENOENT ? 0 : ret;
}

/* Tables are built ahead of their swap, in parallel, a batch at a time: at most this many
 * tables, and at most this much memory for them (one table of 655,373 slots is 2.5 MiB). Two
 * batches take turns: while this thread swaps in one (and writes the entries that waited for
 * it), one build thread per CPU builds the next; once this thread has nothing else to do it
 * builds too, rather than sleep until the batch is done. With one build thread fewer, a CPU
 * built nothing while this thread swapped and wrote entries (about a sixth of its CPU time in
 * a 4,096 x 16 apply, perf). */
#define DP_BATCH_TABLES 64
#define DP_BATCH_BYTES (32u << 20)
#define DP_BUILD_THREADS 8

/* Backend entries written with one BPF_MAP_UPDATE_BATCH of xlb_backends, at most this many: an
 * apply of 4,096 x 16 writes 65,536 of them, one system call each before. */
#define DP_BE_BATCH 1024

/* A delete from an array of maps returns only after a grace period (synchronize_rcu() in
 * maybe_wait_bpf_programs(), kernel/bpf/syscall.c): 7-15 ms each on an idle VM of this kind,
 * and arrays have no batch delete (BPF_MAP_DELETE_BATCH: -ENOTSUPP). Waits that overlap end
 * with the same grace period, so the table deletes staged in a commit run on up to this many
 * threads at once: 4,096 of them took 0.33 s on 256 threads, 45 s one after another. */
#define DP_DELETE_THREADS 256
#define DP_DELETE_STACK (128u << 10)

/* Threads running one worker function over a list of items beside the caller, who runs it too
 * (crew_finish()): the worker takes items by an atomic index until none is left, so a thread
 * that could not start only leaves more to the others. */
struct crew {
	pthread_t tid[DP_DELETE_THREADS]; /* the largest crew: the deletes' */
	size_t started; /* not joined yet */
};

/* Start up to `threads` threads (at most DP_DELETE_THREADS) of fn(arg), with stacks of `stack`
 * bytes (0: the default). */
static void crew_start(struct crew *c, size_t threads, size_t stack, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	bool sized = stack && !pthread_attr_init(&attr);

	if (sized)
		pthread_attr_setstacksize(&attr, stack);
	threads = threads < DP_DELETE_THREADS ? threads : DP_DELETE_THREADS;
	while (c->started < threads &&
	       !pthread_create(&c->tid[c->started], sized ? &attr : NULL, fn, arg))
		c->started++;
	if (sized)
		pthread_attr_destroy(&attr);
}

/* Run fn(arg) on this thread too, then wait for the crew's threads. */
static void crew_finish(struct crew *c, void *(*fn)(void *), void *arg)
{
	fn(arg);
	for (size_t i = 0; i < c->started; i++)
		pthread_join(c->tid[i], NULL);
	c->started = 0;
}

/* One table built ahead of its swap: its slots, and the map that holds them (table_make()),
 * ready to be swapped in. Its buffer is kept from batch to batch: on this VM kind the first
 * touch of fresh memory costs more than the Maglev build itself. */
struct prebuilt {
	const struct plan_op *op;
	__u32 *table;
	__u32 cap; /* slots table has room for */
	int ret;
	int fd; /* the filled map, until it is swapped in; -1 after */
	__u64 fp; /* maglev_fingerprint() of the table */
	__u64 ns; /* the build's duration, fingerprint included */
};

/* The tables of the operations from one index on, built by several threads. */
struct batch {
	struct dp *dp;
	const struct plan *p;
	struct prebuilt item[DP_BATCH_TABLES];
	size_t n, used; /* built; swapped so far */
	size_t next; /* the next item a worker takes (atomic) */
	size_t end; /* the index of the operation after the batch's last table */
	struct crew crew; /* the threads building it */
};

/* The two batches of one commit: cur is being swapped in, the other one built. Tables taken
 * from cur are staged, and swapped in together with one update of xlb_tables (one wait for the
 * readers of the old tables instead of one per table); table deletes are staged too, and done
 * at the same time on threads of their own (struct deletes). The operations that must follow a
 * staged table or delete (those of its service, a backend freed, or an operation on a backend
 * such an operation names) are deferred until then, in their order, while the operations of
 * other services go on. */
struct builder {
	struct dp *dp;
	struct batch bat[2];
	int cur;
	bool ahead; /* the other batch holds (or is building) the tables after cur's */
	dp_swapped_fn swapped;
	void *ctx;
	struct prebuilt *staged[DP_BATCH_TABLES]; /* items of cur, in the plan's order */
	size_t n_staged;
	const struct plan_op **deleting; /* table deletes staged, in the plan's order (room for
					    one per service id) */
	size_t n_deleting;
	const struct plan_op **deferred; /* room for every operation of the plan */
	size_t n_deferred;
	bool svc_write_deferred; /* a service entry write among them */
	__u64 svc_pending[XLB_MAX_SERVICES / 64]; /* services with a staged or deferred op */
	__u64 be_pending[(XLB_MAX_BACKENDS + 63) / 64]; /* backends with a deferred op */
	size_t done; /* operations carried out */
	const struct plan_op *failed; /* the operation that failed */
	/* Backend writes queued, written together (be_write_out()) before anything after them in
	 * the plan reaches a map, so the maps still see the plan's order. */
	const struct plan_op *be_op[DP_BE_BATCH];
	__u32 be_key[DP_BE_BATCH];
	struct xlb_backend be_val[DP_BE_BATCH];
	size_t n_be;
};

static void *build_worker(void *arg)
{
	struct batch *b = arg;

	for (;;) {
		size_t i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED);
		struct prebuilt *it;
		__u64 t0;

		if (i >= b->n)
			return NULL;
		it = &b->item[i];
		t0 = now_ns();
		it->ret = maglev_build(b->p->mb + it->op->table.first, it->op->table.n, it->table,
				       it->op->table.m);
		if (!it->ret)
			it->fp = maglev_fingerprint(it->table, it->op->table.m,
						    b->p->mb + it->op->table.first,
						    it->op->table.n);
		/* The map too, created or taken from the pool and filled here, so that the loop's
		 * thread is left with the swaps. */
		if (!it->ret) {
			it->fd = table_make(b->dp, it->table, it->op->table.m);
			it->ret = it->fd < 0 ? it->fd : 0;
		}
		it->ns = now_ns() - t0;
	}
}

/* Build b's remaining tables on this thread too, then wait for its threads. */
static void batch_finish(struct batch *b)
{
	crew_finish(&b->crew, build_worker, b);
}

/* Give the pool the maps of b's tables that were built but not swapped in (a commit that
 * stopped at a failure): they were never visible. b's threads are joined. */
static void batch_drop(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->item[i].fd >= 0) {
			pool_put(b->dp, b->item[i].fd);
			b->item[i].fd = -1;
		}
}

static void batch_free(struct batch *b)
{
	batch_finish(b);
	batch_drop(b);
	for (size_t i = 0; i < DP_BATCH_TABLES; i++)
		free(b->item[i].table);
	memset(b->item, 0, sizeof(b->item));
	b->n = b->used = 0;
}

/* Take the table swaps among p's operations from index first on into b, up to the batch's
 * limits, and start building them on up to `threads` threads (fewer when there are fewer
 * tables). Returns 0 or -ENOMEM (nothing started). */
static int batch_start(struct batch *b, size_t first, size_t threads)
{
	size_t bytes = 0, i;

	batch_drop(b);
	b->n = b->used = b->next = 0;
	for (i = first; i < b->p->n_ops && b->n < DP_BATCH_TABLES; i++) {
		const struct plan_op *op = &b->p->ops[i];
		struct prebuilt *it = &b->item[b->n];
		size_t size = sizeof(__u32) * op->table.m;

		if (op->kind != PLAN_TABLE_SWAP)
			continue;
		if (b->n && bytes + size > DP_BATCH_BYTES)
			break;
		if (it->cap < op->table.m) {
			free(it->table);
			it->cap = 0;
			it->table = malloc(size);
			if (!it->table)
				return -ENOMEM;
			it->cap = op->table.m;
		}
		it->op = op;
		it->ret = 0;
		it->fd = -1;
		b->n++;
		bytes += size;
	}
	b->end = i;
	threads = threads < b->n ? threads : b->n;
	threads = threads < DP_BUILD_THREADS ? threads : DP_BUILD_THREADS;
	crew_start(&b->crew, threads, 0, build_worker, b);
	return 0;
}

static bool bit_test(const __u64 *bits, __u32 i)
{
	return bits[i / 64] >> (i % 64) & 1;
}

static void bit_set(__u64 *bits, __u32 i)
{
	bits[i / 64] |= 1ULL << (i % 64);
}

/* Every operation but a table swap, carried out now. */
static int commit_op(struct dp *dp, const struct plan_op *op)
{
	switch (op->kind) {
	case PLAN_CONFIG_WRITE:
		return dp_config_write(dp, &op->cfg);
	case PLAN_SERVICE_WRITE:
		return dp_service_write(dp, &op->svc.key, &op->svc.val);
	case PLAN_SERVICE_DELETE:
		return ignore_enoent(dp_service_delete(dp, &op->svc.key));
	case PLAN_VIP_WRITE:
		return dp_vip_write(dp, &op->vip.key, &op->vip.val);
	case PLAN_VIP_DELETE:
		return ignore_enoent(dp_vip_delete(dp, &op->vip.key));
	case PLAN_BACKEND_WRITE:
		return dp_backend_write(dp, op->id, &op->be);
	case PLAN_SERVICE_COUNTERS_RESET:
		return dp_counter_reset(dp, DP_CNT_SERVICE, op->id);
	case PLAN_BACKEND_COUNTERS_RESET:
		return dp_counter_reset(dp, DP_CNT_BACKEND, op->id);
	case PLAN_TABLE_DELETE:
		return ignore_enoent(dp_table_delete(dp, op->id));
	case PLAN_TABLE_SWAP:
		break;
	}
	return -EINVAL;
}

/* Write the queued backend entries with one batch update. On a failure the kernel has written
 * the entries before the one that failed, and reports how many. */
static int be_write_out(struct builder *bl)
{
	__u32 count = (__u32)bl->n_be;
	int ret = 0;

	if (count && bpf_map_update_batch(bl->dp->be_fd, bl->be_key, bl->be_val, &count, NULL)) {
		ret = -errno;
		count = count < bl->n_be ? count : 0;
		bl->failed = bl->be_op[count];
	}
	bl->done += count;
	bl->n_be = 0;
	return ret;
}

/* Carry out op now; a backend write is queued, and anything else first writes out the queue. */
static int run_op(struct builder *bl, const struct plan_op *op)
{
	int ret;

	if (op->kind == PLAN_BACKEND_WRITE) {
		ret = bl->n_be == DP_BE_BATCH ? be_write_out(bl) : 0;
		if (!ret) {
			bl->be_op[bl->n_be] = op;
			bl->be_key[bl->n_be] = op->id;
			bl->be_val[bl->n_be++] = op->be;
		}
		return ret;
	}
	ret = be_write_out(bl);
	if (ret)
		return ret;
	ret = commit_op(bl->dp, op);
	if (ret)
		bl->failed = op;
	else
		bl->done++;
	return ret;
}

/* The table deletes of one flush, shared by the threads that carry them out. */
struct deletes {
	struct dp *dp;
	const struct plan_op **ops;
	int *ret; /* per operation: 0 or -errno */
	size_t n, next; /* next: the next operation a thread takes (atomic) */
	struct crew crew;
};

static void *delete_worker(void *arg)
{
	struct deletes *d = arg;

	for (;;) {
		size_t i = __atomic_fetch_add(&d->next, 1, __ATOMIC_RELAXED);

		if (i >= d->n)
			return NULL;
		d->ret[i] = ignore_enoent(dp_table_delete(d->dp, d->ops[i]->id));
	}
}

/* Start the staged deletes on threads of their own (struct deletes), one per delete up to
 * DP_DELETE_THREADS; those that do not start are left to deletes_finish(). Returns 0 or
 * -ENOMEM (nothing started). */
static int deletes_start(struct builder *bl, struct deletes *d)
{
	*d = (struct deletes){ .dp = bl->dp, .ops = bl->deleting, .n = bl->n_deleting };
	if (!d->n)
		return 0;
	d->ret = calloc(d->n, sizeof(*d->ret));
	if (!d->ret)
		return -ENOMEM;
	/* This thread deletes too (deletes_finish()), so one fewer is started. */
	crew_start(&d->crew, d->n - 1, DP_DELETE_STACK, delete_worker, d);
	return 0;
}

/* Carry out what is left of d's deletes on this thread, wait for its threads, and count the
 * deletes done until the first that failed (bl->failed, unless the swaps beside them failed
 * first). Returns 0 or that delete's -errno. The deletes after a failed one may have been done
 * as well. */
static int deletes_finish(struct builder *bl, struct deletes *d)
{
	int ret = 0;

	crew_finish(&d->crew, delete_worker, d);
	for (size_t i = 0; i < d->n && !ret; i++) {
		ret = d->ret[i];
		if (!ret)
			bl->done++;
		else if (!bl->failed)
			bl->failed = d->ops[i];
	}
	free(d->ret);
	bl->n_deleting = 0;
	return ret;
}

/* Swap the staged tables into xlb_tables with one batch update while the staged table deletes
 * run beside it, then carry out the deferred operations in their order. The kernel returns from
 * the update once no program can still use the tables it took out (one synchronize_rcu() for
 * the whole batch, Linux 6.8 and later: maybe_wait_bpf_programs() in bpf_map_do_batch()), and
 * from each delete likewise, so those tables join the pool. */
static int flush(struct builder *bl)
{
	__u32 keys[DP_BATCH_TABLES], count = (__u32)bl->n_staged;
	int fds[DP_BATCH_TABLES], old[DP_BATCH_TABLES], ret, del_ret;
	struct deletes del;
	__u64 t0 = now_ns(), ns;

	/* The backends the staged tables name are written before the tables appear. */
	ret = be_write_out(bl);
	if (ret)
		return ret;
	ret = deletes_start(bl, &del);
	if (ret) {
		bl->failed = bl->deleting[0];
		return ret;
	}
	for (__u32 i = 0; i < count; i++) {
		keys[i] = bl->staged[i]->op->id;
		fds[i] = bl->staged[i]->fd;
		old[i] = table_now(bl->dp, keys[i]);
	}
	if (count && bpf_map_update_batch(bl->dp->tables_fd, keys, fds, &count, NULL)) {
		ret = -errno;
		bl->failed = bl->staged[count < bl->n_staged ? count : 0]->op;
	}
	ns = now_ns() - t0;
	/* Before the swaps are reported: the update and the deletes are done together. */
	del_ret = deletes_finish(bl, &del);
	for (__u32 i = 0; i < bl->n_staged; i++) {
		struct prebuilt *it = bl->staged[i];

		it->fd = -1;
		if (i >= count) {
			pool_put(bl->dp, fds[i]); /* never in xlb_tables */
			if (old[i] >= 0)
				close(old[i]);
			continue;
		}
		close(fds[i]);
		/* After a partial update, whether the kernel waited is not promised: the tables
		 * it took out are not reused. */
		if (ret) {
			if (old[i] >= 0)
				close(old[i]);
		} else {
			pool_put(bl->dp, old[i]);
		}
		bl->done++;
		if (bl->swapped)
			bl->swapped(bl->ctx, it->op, it->fp, it->ns + ns);
	}
	bl->n_staged = 0;
	ret = ret ? ret : del_ret;
	for (size_t i = 0; i < bl->n_deferred && !ret; i++)
		ret = run_op(bl, bl->deferred[i]);
	bl->n_deferred = 0;
	bl->svc_write_deferred = false;
	memset(bl->svc_pending, 0, sizeof(bl->svc_pending));
	memset(bl->be_pending, 0, sizeof(bl->be_pending));
	return ret;
}

/* Stage the table of op, built ahead (the next one in the current batch's order). When the
 * batch is used up, the staged tables are swapped in first, then the other batch becomes
 * current, and the one after it starts building. */
static int stage_table(struct builder *bl, const struct plan_op *op)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t threads = cpus > 1 ? (size_t)cpus : 1;
	struct batch *b = &bl->bat[bl->cur];
	struct prebuilt *it;
	int ret;

	if (b->used == b->n) {
		size_t first = (size_t)(op - b->p->ops);

		ret = flush(bl); /* the staged items are b's */
		if (ret)
			return ret;
		if (!bl->ahead || bl->bat[!bl->cur].n == 0 || bl->bat[!bl->cur].item[0].op != op) {
			/* Nothing ahead (the first table): build this batch now, on every CPU. */
			batch_finish(&bl->bat[!bl->cur]);
			ret = batch_start(b, first, threads);
			if (ret)
				goto fail;
		} else {
			bl->cur = !bl->cur;
			b = &bl->bat[bl->cur];
		}
		batch_finish(b);
		/* The next batch builds on every CPU while this one is swapped in. */
		bl->ahead = batch_start(&bl->bat[!bl->cur], b->end, threads) == 0;
	}
	it = &b->item[b->used++];
	ret = it->op != op ? -EINVAL /* not reached: batches follow the plan's order */ : it->ret;
	if (ret)
		goto fail;
	bl->staged[bl->n_staged++] = it;
	return 0;
fail:
	bl->failed = op;
	return ret;
}

/* Put op after the staged tables, and mark what it names as waiting for them. */
static void defer(struct builder *bl, const struct plan_op *op, __u32 svc, __u32 be)
{
	bl->deferred[bl->n_deferred++] = op;
	bl->svc_write_deferred |= op->kind == PLAN_SERVICE_WRITE;
	if (svc < XLB_MAX_SERVICES)
		bit_set(bl->svc_pending, svc);
	if (be < XLB_MAX_BACKENDS)
		bit_set(bl->be_pending, be);
}

/* Carry out op now, stage it, or defer it until the staged tables are in (struct builder). */
static int commit_one(struct builder *bl, const struct plan_op *op)
{
	__u32 svc = op->id, be = op->id;
	int ret;

	switch (op->kind) {
	case PLAN_TABLE_SWAP:
		/* A second table of a service waiting (or its backend's write: a reused id
		 * waiting for its free), or an id past the map: what is staged goes first. */
		if (svc >= XLB_MAX_SERVICES || bit_test(bl->svc_pending, svc)) {
			ret = flush(bl);
			if (ret)
				return ret;
		}
		ret = stage_table(bl, op);
		if (ret || svc >= XLB_MAX_SERVICES)
			return ret ? ret : flush(bl);
		bit_set(bl->svc_pending, svc);
		return 0;
	case PLAN_TABLE_DELETE:
		/* Staged, carried out with the next flush on threads of their own (struct
		 * deletes); what follows it in its service waits for it. It waits for its
		 * service's operations, and for any service entry write: that may be the one that
		 * stops naming this service (a service moved to a new id). */
		if (svc >= XLB_MAX_SERVICES)
			break;
		if (bit_test(bl->svc_pending, svc) || bl->svc_write_deferred) {
			ret = flush(bl);
			if (ret)
				return ret;
		}
		bl->deleting[bl->n_deleting++] = op;
		bit_set(bl->svc_pending, svc);
		return 0;
	case PLAN_SERVICE_WRITE:
	case PLAN_SERVICE_DELETE:
	case PLAN_SERVICE_COUNTERS_RESET:
		if (svc < XLB_MAX_SERVICES && bit_test(bl->svc_pending, svc)) {
			defer(bl, op, svc, UINT32_MAX);
			return 0;
		}
		return run_op(bl, op);
	case PLAN_BACKEND_WRITE:
		svc = op->be.svc_id;
		if (be >= XLB_MAX_BACKENDS)
			break;
		/* A backend freed (its service is not named) waits for every staged table and
		 * table delete: one of them may name it. */
		if (svc >= XLB_MAX_SERVICES) {
			if (!bl->n_staged && !bl->n_deleting && !bl->n_deferred)
				return run_op(bl, op);
			defer(bl, op, UINT32_MAX, be);
			return 0;
		}
		if (bit_test(bl->svc_pending, svc) || bit_test(bl->be_pending, be)) {
			defer(bl, op, svc, be);
			return 0;
		}
		return run_op(bl, op);
	case PLAN_BACKEND_COUNTERS_RESET:
		if (be < XLB_MAX_BACKENDS && bit_test(bl->be_pending, be)) {
			defer(bl, op, UINT32_MAX, be);
			return 0;
		}
		return run_op(bl, op);
	default:
		break;
	}
	/* Configuration, VIPs, ids past the maps: after everything before them. */
	ret = flush(bl);
	return ret ? ret : run_op(bl, op);
}

/* Close the oldest maps of the pool beyond keep. */
static void pool_trim(struct dp *dp, unsigned keep)
{
	pthread_mutex_lock(&dp->pool_lock);
	while (dp->pool_n > keep)
		close(pool_remove(dp, 0));
	pthread_mutex_unlock(&dp->pool_lock);
}

int dp_commit(struct dp *dp, const struct plan *p, size_t *done, dp_swapped_fn swapped, void *ctx)
{
	struct builder *bl = calloc(1, sizeof(*bl));
	unsigned keep = dp_table_pool(dp, NULL, NULL, 0);
	int ret = 0;

	if (!bl)
		return -ENOMEM;
	bl->deferred = calloc(p->n_ops ? p->n_ops : 1, sizeof(*bl->deferred));
	bl->deleting = calloc(XLB_MAX_SERVICES, sizeof(*bl->deleting));
	if (!bl->deferred || !bl->deleting) {
		free(bl->deferred);
		free(bl->deleting);
		free(bl);
		return -ENOMEM;
	}
	bl->dp = dp;
	bl->swapped = swapped;
	bl->ctx = ctx;
	bl->bat[0].p = bl->bat[1].p = p;
	bl->bat[0].dp = bl->bat[1].dp = dp;
	for (size_t i = 0; i < p->n_ops && !ret; i++)
		ret = commit_one(bl, &p->ops[i]);
	if (!ret)
		ret = flush(bl);
	if (!ret)
		ret = be_write_out(bl); /* those the last flush's deferred operations queued */
	if (ret && bl->failed)
		xlog_err("map write failed at operation %zu of %zu (%s, id %u): %s",
			 (size_t)(bl->failed - p->ops) + 1, p->n_ops,
			 plan_op_name(bl->failed->kind), bl->failed->id, strerror(-ret));
	batch_free(&bl->bat[0]);
	batch_free(&bl->bat[1]);
	/* The builds took maps from the pool before the swaps gave back the ones they replaced,
	 * so a commit of k tables leaves up to k - 1 more than one table at a time would: what
	 * is over the pool's size before the commit (plus the tables it deleted, plus one for a
	 * first replacement) is closed, and xlbd's descriptors do not creep up with the size of
	 * its commits. */
	for (size_t i = 0; i < p->n_ops; i++)
		keep += p->ops[i].kind == PLAN_TABLE_DELETE;
	pool_trim(dp, keep ? keep : 1);
	if (done)
		*done = bl->done;
	free(bl->deferred);
	free(bl->deleting);
	free(bl);
	return ret;
}

int dp_counter(struct dp *dp, enum dp_counter_map which, __u32 idx, struct xlb_counter *sum)
{
	return bm_counter_sum(dp->cnt_fd[which], idx, sum);
}

int dp_conns_count(struct dp *dp, struct dp_conns *out)
{
	out->capacity = (__u64)dp->conn_parts * dp->conn_buckets * XLB_CONN_WAYS;
	out->per_cpu = (__u64)dp->conn_buckets * XLB_CONN_WAYS;
	out->cpus = dp->conn_parts;
	return bm_conns_used(dp->conns_count_fd, &out->entries, NULL);
}

__u64 dp_table_pool_memory(struct dp *dp, unsigned *maps)
{
	__u64 sum = 0, bytes;

	pthread_mutex_lock(&dp->pool_lock);
	for (unsigned i = 0; i < dp->pool_n; i++)
		if (!bm_map_memory(dp->pool[i].fd, &bytes))
			sum += bytes;
	if (maps)
		*maps = dp->pool_n;
	pthread_mutex_unlock(&dp->pool_lock);
	return sum;
}

void dp_map_memory(struct dp *dp, void (*fn)(const char *name, __u64 bytes, void *ctx), void *ctx)
{
	struct bpf_map *map;
	__u64 bytes;

	bpf_object__for_each_map(map, dp->skel->obj)
	{
		if (bpf_map__is_internal(map) || bm_map_memory(bpf_map__fd(map), &bytes))
			continue;
		fn(bpf_map__name(map), bytes, ctx);
	}
	fn(DP_TABLE_POOL_NAME, dp_table_pool_memory(dp, NULL), ctx);
}

int dp_counter_reset(struct dp *dp, enum dp_counter_map which, __u32 idx)
{
	return bm_counter_zero(dp->cnt_fd[which], idx);
}

const char *dp_libbpf_version(void)
{
	static char v[24];

	if (!v[0])
		snprintf(v, sizeof(v), "%u.%u", libbpf_major_version(), libbpf_minor_version());
	return v;
}

/* ---- packet capture ---- */

void dp_capture_arm(struct dp *dp, const struct xlb_capture_filter *f)
{
	bm_capture_arm(&dp->skel->data_capture->xlb_capture, f);
}

__u32 dp_capture_disarm(struct dp *dp)
{
	return __atomic_exchange_n(&dp->skel->data_capture->xlb_capture.gen, 0, __ATOMIC_SEQ_CST);
}

void dp_capture_counts(struct dp *dp, __u32 *gen, __u32 *used, __u32 *lost)
{
	struct xlb_capture_filter *live = &dp->skel->data_capture->xlb_capture;

	*gen = __atomic_load_n(&live->gen, __ATOMIC_SEQ_CST);
	*used = __atomic_load_n(&live->used, __ATOMIC_SEQ_CST);
	*lost = __atomic_load_n(&live->lost, __ATOMIC_SEQ_CST);
}

/* libbpf's per-record callback: a record that is not one of this ABI is skipped. */
static int capture_record(void *ctx, void *data, size_t size)
{
	struct dp *dp = ctx;
	const struct xlb_capture_rec *r = bm_capture_rec(data, size);

	return r ? dp->capture_fn(dp->capture_ctx, r, r + 1) : 0;
}

int dp_capture_open(struct dp *dp, dp_capture_fn fn, void *ctx)
{
	if (dp->capture_ring)
		return -EBUSY;
	dp->capture_fn = fn;
	dp->capture_ctx = ctx;
	dp->capture_ring = ring_buffer__new(bpf_map__fd(dp->skel->maps.xlb_capture_ring),
					    capture_record, dp, NULL);
	if (!dp->capture_ring)
		return -errno;
	return ring_buffer__epoll_fd(dp->capture_ring);
}

int dp_capture_consume(struct dp *dp)
{
	if (!dp->capture_ring)
		return -ENOENT;
	return ring_buffer__consume(dp->capture_ring);
}

void dp_capture_close(struct dp *dp)
{
	ring_buffer__free(dp->capture_ring);
	dp->capture_ring = NULL;
}
