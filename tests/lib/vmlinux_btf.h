/* SPDX-License-Identifier: MIT */
/*
 * This machine's kernel BTF (/sys/kernel/btf/vmlinux), for the tests that
 * give kbpf the kernel's own types as its host BTF or look kfuncs and
 * structs up in it: read and parsed once per test program. Include it in
 * one test file (its state is static); the test targets have src/ on
 * their include path for btf/btf.h.
 */
#ifndef KBPF_TEST_VMLINUX_BTF_H
#define KBPF_TEST_VMLINUX_BTF_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "btf/btf.h"

/* The bytes, their size and their parsed view, once vmlinux_btf() is 0. */
static uint8_t *vmlinux;
static size_t vmlinux_size;
static struct kbpf_btf_view vbtf;

/* Read and parse it the first time; 0, or -1 if the machine has none. */
static inline int vmlinux_btf(void)
{
	static int state;
	FILE *f;
	size_t cap = 1 << 22;

	if (state)
		return state > 0 ? 0 : -1;
	state = -1;
	f = fopen("/sys/kernel/btf/vmlinux", "rb");
	if (!f)
		return -1;
	vmlinux = malloc(cap);
	for (size_t n; vmlinux && (n = fread(vmlinux + vmlinux_size, 1,
					     cap - vmlinux_size, f)) > 0;) {
		vmlinux_size += n;
		if (vmlinux_size == cap)
			vmlinux = realloc(vmlinux, cap *= 2);
	}
	fclose(f);
	if (vmlinux && !kbpf_btf_parse(&vbtf, NULL, vmlinux, vmlinux_size,
				       KBPF_BTF_F_NATIVE, NULL))
		state = 1;
	return state > 0 ? 0 : -1;
}

#endif /* KBPF_TEST_VMLINUX_BTF_H */
