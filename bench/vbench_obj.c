// SPDX-License-Identifier: MIT
/*
 * bench_verifier_obj's libbpf side (kept apart from bench_verifier.c, whose
 * kbpf UAPI headers and libbpf's <linux/bpf.h> do not mix): open an object
 * with Debian's libbpf and load one of its programs, on the kernel or on
 * kbpf (tests/lib/interpose.c's interpose_to_kbpf), the object kept open
 * so that its maps and BTF outlive the load.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "interpose.h"
#include "vbench_obj.h"

static int quiet(enum libbpf_print_level l, const char *f, va_list ap)
{
	(void)l;
	(void)f;
	(void)ap;
	return 0;
}

void vobj_init(void)
{
	libbpf_set_print(quiet);
}

int vobj_programs(const char *path, char names[][VOBJ_NAME], int max)
{
	struct bpf_object *o = bpf_object__open_file(path, NULL);
	struct bpf_program *p;
	int n = 0;

	if (!o)
		return -errno;
	bpf_object__for_each_program(p, o)
	{
		if (n < max)
			snprintf(names[n], VOBJ_NAME, "%s",
				 bpf_program__name(p));
		n++;
	}
	bpf_object__close(o);
	return n < max ? n : max;
}

int vobj_load(const char *path, int idx, int to_kbpf, void **obj)
{
	struct bpf_object *o;
	struct bpf_program *p;
	int i = 0, err;

	*obj = NULL;
	interpose_to_kbpf = to_kbpf;
	o = bpf_object__open_file(path, NULL);
	if (!o) {
		err = -errno;
		interpose_to_kbpf = 0;
		return err;
	}
	bpf_object__for_each_program(p, o)
		bpf_program__set_autoload(p, i++ == idx);
	err = bpf_object__load(o);
	interpose_to_kbpf = 0;
	*obj = o;
	return err;
}

void vobj_close(void *obj, int to_kbpf)
{
	interpose_to_kbpf = to_kbpf;
	bpf_object__close(obj);
	interpose_to_kbpf = 0;
}
