/* SPDX-License-Identifier: MIT */
/* The clang-built BPF object (user/syscalls.bpf.c), embedded. */
	.section .rodata
	.balign 8
	.globl syscalls_bpf_o, syscalls_bpf_o_end
syscalls_bpf_o:
	.incbin BPF_OBJ
syscalls_bpf_o_end:
