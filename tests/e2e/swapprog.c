// SPDX-License-Identifier: GPL-2.0
/* swapprog.c - test support: load a build of xlb_lb from OBJ with the maps pinned under PIN
 * (shared, not copied) and switch the pinned attachment PIN/links/IFNAME to it atomically,
 * the way an upgrade swaps programs. Used to prove that a program replacement under load
 * loses nothing and that xlbd replaces a foreign build with its own.
 * Usage: swapprog OBJ PIN IFNAME. Prints the old and new program ids. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	struct bpf_link_info info = { 0 };
	__u32 len = sizeof(info), old_id;
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_map *map;
	char path[512];
	int link_fd, err;

	if (argc != 4) {
		fprintf(stderr, "usage: swapprog OBJ PIN IFNAME\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "swapprog: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_map(map, obj)
	{
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", argv[2], bpf_map__name(map));
		if (access(path, F_OK)) {
			fprintf(stderr, "swapprog: %s is not pinned\n", path);
			return 1;
		}
		bpf_map__set_pin_path(map, path);
	}
	/* Reusing a pinned map needs the same size: take the pinned connection table's. */
	snprintf(path, sizeof(path), "%s/xlb_conns", argv[2]);
	int conns = bpf_obj_get(path);
	struct bpf_map_info mi = { 0 };
	__u32 mlen = sizeof(mi);

	if (conns < 0 || bpf_obj_get_info_by_fd(conns, &mi, &mlen)) {
		fprintf(stderr, "swapprog: %s: %s\n", path, strerror(errno));
		return 1;
	}
	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "xlb_conns"), mi.max_entries);
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "swapprog: load: %s\n", strerror(-err));
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, "xlb_lb");
	snprintf(path, sizeof(path), "%s/links/%s", argv[2], argv[3]);
	link_fd = bpf_obj_get(path);
	if (!prog || link_fd < 0 || bpf_obj_get_info_by_fd(link_fd, &info, &len)) {
		fprintf(stderr, "swapprog: %s: %s\n", path, strerror(errno));
		return 1;
	}
	old_id = info.prog_id;
	if (bpf_link_update(link_fd, bpf_program__fd(prog), NULL)) {
		fprintf(stderr, "swapprog: link update: %s\n", strerror(errno));
		return 1;
	}
	len = sizeof(info);
	bpf_obj_get_info_by_fd(link_fd, &info, &len);
	printf("program %u -> %u\n", old_id, info.prog_id);
	bpf_object__close(obj); /* the link holds the new program */
	return 0;
}
