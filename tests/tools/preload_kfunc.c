// SPDX-License-Identifier: MIT
/*
 * A libbpf application, dynamically linked with Debian's libbpf.so, whose
 * object calls kfuncs (tests/unit/loader/progs/ksyms.bpf.c: extern
 * __ksym functions, one of them weak and absent): libbpf resolves them
 * itself from the kernel's BTF and loads the programs; each is run with
 * bpf_prog_test_run_opts() and its result printed. test_preload_kfunc
 * runs it on the kernel and under LD_PRELOAD=libkbpf-preload.so (with
 * KBPF_VERIFIER=enforce: kfunc calls need kbpf's verifier) and compares
 * the transcripts.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const progs[] = { "rcu_and_task", "weak_absent" };
	struct bpf_object *obj;
	int err;

	if (argc < 2)
		return 2;
	libbpf_set_print(quiet);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		printf("open failed\n");
		return 1;
	}
	err = bpf_object__load(obj);
	printf("load: %d\n", err);
	if (err)
		return 1;
	for (int i = 0; i < 2; i++) {
		struct bpf_program *p =
			bpf_object__find_program_by_name(obj, progs[i]);
		int args[2] = { -1, (int)getpid() };

		for (int a = 0; a < 2; a++) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &args[a],
				    .ctx_size_in = sizeof(args[a]));

			err = bpf_prog_test_run_opts(bpf_program__fd(p), &o);
			printf("%s(%s): %d retval %u\n", progs[i],
			       a ? "self" : "-1", err, o.retval);
		}
	}
	bpf_object__close(obj);
	return 0;
}
