// SPDX-License-Identifier: MIT
/*
 * Debian's libbpf, unmodified, loading the examples' objects into kbpf
 * (tests/lib/interpose.c) and into the kernel: now that BPF_BTF_LOAD
 * works, libbpf hands kbpf the objects' BTF, creates maps with BTF type
 * ids and loads programs with func_info and line_info. Every object the
 * kernel loads must load into kbpf too, and kbpf's programs must carry
 * their BTF (btf_id, func_info) as the kernel's do.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "diff.h"
#include "kbpf_posix.h"

extern int interpose_to_kbpf;

static int quiet(enum libbpf_print_level l, const char *f, va_list ap)
{
	(void)l;
	(void)f;
	(void)ap;
	return 0;
}

/* Load @path on one side; 0, or libbpf's error. Checks the programs' BTF. */
static int load(const char *path, int to_kbpf, int *nprogs, int *with_btf)
{
	struct bpf_object *o;
	struct bpf_program *p;
	int err;

	interpose_to_kbpf = to_kbpf;
	o = bpf_object__open_file(path, NULL);
	if (!o) {
		interpose_to_kbpf = 0;
		return -errno;
	}
	err = bpf_object__load(o);
	*nprogs = *with_btf = 0;
	bpf_object__for_each_program(p, o)
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(p);

		if (err || fd < 0)
			continue;
		(*nprogs)++;
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.btf_id &&
		    info.nr_func_info)
			(*with_btf)++;
	}
	bpf_object__close(o);
	interpose_to_kbpf = 0;
	return err;
}

KBPF_TEST(
	btf_libbpf_examples,
	"libbpf loads every example the kernel loads into kbpf too, with BTF maps and programs carrying func_info")
{
	DIR *d;
	struct dirent *e;
	int objects = 0, bad = 0;

	NEED_KERNEL();
	libbpf_set_print(quiet);
	d = opendir(EXAMPLES_DIR);
	if (!d)
		T_SKIP("no example objects: %s", EXAMPLES_NO_OBJECTS_WHY);
	while ((e = readdir(d))) {
		char path[512];
		size_t n = strlen(e->d_name);
		int rk, rm, pk, pm, bk, bm;

		if (n < 6 || strcmp(e->d_name + n - 6, ".bpf.o"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", EXAMPLES_DIR, e->d_name);
		rk = load(path, 0, &pk, &bk);
		if (rk)
			continue; /* not for this kernel: nothing to compare */
		objects++;
		rm = load(path, 1, &pm, &bm);
		if (rm || pm != pk || bm != bk) {
			bad++;
			printf("MISMATCH %s: kernel %d (%d programs, %d with BTF), kbpf %d (%d programs, %d with BTF)\n",
			       e->d_name, rk, pk, bk, rm, pm, bm);
		}
	}
	closedir(d);
	printf("%d objects loaded by the kernel, %d mismatches\n", objects,
	       bad);
	if (!objects)
		T_SKIP("the kernel loaded none of the examples");
	T_EQ(bad, 0);
}

KBPF_TEST(
	btf_libbpf_callbacks_enforce,
	"under KBPF_VERIFIER_ENFORCE kbpf loads the examples with callbacks (bpf_loop, for_each_map_elem) that libbpf hands it with func_info, as the kernel does")
{
	static const char *const objs[] = { "calls.bpf.o", "queue.bpf.o" };
	uint32_t mode = kbpf_posix_host()->verifier;
	int loaded = 0, bad = 0;

	NEED_KERNEL();
	libbpf_set_print(quiet);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		char path[512];
		int rk, rm, pk, pm, bk, bm;

		snprintf(path, sizeof(path), "%s/%s", EXAMPLES_DIR, objs[i]);
		rk = load(path, 0, &pk, &bk);
		if (rk) {
			printf("%s: the kernel does not load it (%d)\n",
			       objs[i], rk);
			continue;
		}
		loaded++;
		rm = load(path, 1, &pm, &bm);
		printf("%s: kernel %d (%d programs, %d with BTF), kbpf %d (%d "
		       "programs, %d with BTF)\n",
		       objs[i], rk, pk, bk, rm, pm, bm);
		bad += rm || pm != pk || bm != bk;
	}
	kbpf_posix_set_verifier(mode);
	if (!loaded)
		T_SKIP("the kernel loaded none of the objects");
	T_EQ(bad, 0);
}
