// SPDX-License-Identifier: MIT
/*
 * Loads a shared object built from consumer.c (CONSUMER_SHARED), libkbpf.a
 * and libkbpf_posix.a with KBPF_PIC=ON, and runs its consumer_run().
 */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	int (*run)(void);
	void *so;

	if (argc != 2) {
		fprintf(stderr, "usage: dlopen_main LIB.so\n");
		return 2;
	}
	so = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!so) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	*(void **)&run = dlsym(so, "consumer_run");
	if (!run) {
		fprintf(stderr, "dlsym consumer_run: %s\n", dlerror());
		return 1;
	}
	/* The host's threads and fds live until exit: no dlclose. */
	return run();
}
