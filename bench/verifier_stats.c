// SPDX-License-Identifier: GPL-2.0
/* verifier_stats.c - load every program of the given BPF objects (not attached) and print the
 * verifier's statistics ("processed N insns ...") and the translated size, so that growth of
 * the data path shows up in review. Usage: verifier_stats OBJ... */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

#define LOG_SIZE (1 << 20)

/* Big maps only cost load time here; their size does not change verification. */
static void shrink_maps(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) if (bpf_map__max_entries(map) > 65536 &&
					       bpf_map__type(map) != BPF_MAP_TYPE_ARRAY_OF_MAPS)
		bpf_map__set_max_entries(map, 1024);
}

static int report(const char *path)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	char *logs[16] = { 0 };
	int n = 0, err;

	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
		return 1;
	}
	shrink_maps(obj);
	bpf_object__for_each_program(prog, obj)
	{
		if (n == 16)
			break;
		logs[n] = calloc(1, LOG_SIZE);
		if (!logs[n])
			break;
		/* Level 4 (BPF_LOG_STATS) asks only for the summary lines. */
		bpf_program__set_log_level(prog, 4);
		bpf_program__set_log_buf(prog, logs[n], LOG_SIZE);
		n++;
	}
	err = bpf_object__load(obj);
	n = 0;
	bpf_object__for_each_program(prog, obj)
	{
		const char *p = logs[n] ? strstr(logs[n], "processed ") : NULL;
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd >= 0)
			bpf_obj_get_info_by_fd(fd, &info, &len);
		printf("%-12s %-10s %.*s; xlated %u bytes, jited %u bytes\n", path,
		       bpf_program__name(prog), p ? (int)strcspn(p, "\n") : 7, p ? p : "no log",
		       info.xlated_prog_len, info.jited_prog_len);
		free(logs[n]);
		n++;
	}
	bpf_object__close(obj);
	if (err)
		fprintf(stderr, "%s: load failed: %s\n", path, strerror(-err));
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	int rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s OBJ...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		rc |= report(argv[i]);
	return rc;
}
