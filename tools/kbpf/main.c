// SPDX-License-Identifier: MIT
/*
 * kbpf: load and run clang-built BPF objects on kbpf (the POSIX host), as
 * libbpf and BPF_PROG_TEST_RUN would on Linux.
 */
#include <stdio.h>
#include <string.h>

#include "kbpf/kbpf.h"
#include "kbpf_tool.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kbpf COMMAND [ARGS]\n"
		"\n"
		"Load and run BPF object files (clang -O2 -g -target bpf) on kbpf,\n"
		"a Linux-compatible eBPF runtime, here in user space.\n"
		"\n"
		"commands:\n"
		"  info OBJ [--json]        programs and maps of an object\n"
		"  load OBJ... [--json]     load every map and program, run nothing;\n"
		"                           report each, with the reason if refused\n"
		"  run OBJ [options]        load, run one program, print results\n"
		"  help [COMMAND]           this text, or a command's\n"
		"  version                  kbpf's version (also --version)\n"
		"\n"
		"`kbpf COMMAND --help` describes each command.\n"
		"\n"
		"CO-RE relocations are applied against the BTF in $KBPF_BTF, else\n"
		"/sys/kernel/btf/vmlinux when readable (KBPF_BTF=none: no BTF).\n"
		".kconfig externs get the values in the file $KBPF_KCONFIG, else\n"
		"this machine's (uname, /proc/config.gz; KBPF_KCONFIG=none: none).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "info"))
		return kbpf_cmd_info(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return kbpf_cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "load"))
		return kbpf_cmd_load(argc - 1, argv + 1);
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version") ||
	    !strcmp(argv[1], "-V")) {
		printf("kbpf %s\n", KBPF_VERSION_STRING);
		return 0;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		if (argc > 2 && !strcmp(argv[2], "info")) {
			char *a[] = { "info", "--help", NULL };

			return kbpf_cmd_info(2, a);
		}
		if (argc > 2 && !strcmp(argv[2], "load")) {
			char *a[] = { "load", "--help", NULL };

			return kbpf_cmd_load(2, a);
		}
		if (argc > 2 && !strcmp(argv[2], "run")) {
			char *a[] = { "run", "--help", NULL };

			return kbpf_cmd_run(2, a);
		}
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "kbpf: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
