/* SPDX-License-Identifier: MIT */
/* User entry: a0 from the kernel (nr_cpus | mode << 8); exit(main(a0)). */
	.section .text.start, "ax"
	.globl _start
_start:
	call main
	li a7, 93 /* exit */
	ecall
1:	j 1b
