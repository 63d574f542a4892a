/* SPDX-License-Identifier: MIT */
/*
 * Boot entry, the trap entry, and the switch to and from user mode.
 *
 * Registers while the kernel runs: tp holds the hart id (cpu_id is one
 * move), sp a per-hart kernel stack, sscratch is 0. While a hart runs user
 * code, sscratch holds the address of the kernel context user_run saved on
 * that hart's stack; a trap from user mode swaps it into sp, so the trap
 * frame goes just below the context, and reloads tp from the context's
 * first word. A trap from supervisor mode finds sscratch 0 and stays on the
 * current stack.
 */
#define STACK_SIZE (32 * 1024)
#define MAX_HARTS 4
#define FRAME 288 /* struct trap_frame: 32 registers, sepc, sstatus, scause, stval */
#define CTX 112 /* user_run's context: tp, ra, s0-s11 */

	.section .text.entry, "ax"
	.globl _start
_start: /* OpenSBI enters here on the boot hart: a0 = hart id, a1 = DTB */
	li t0, MAX_HARTS
	bgeu a0, t0, park
	call set_stack
	call kmain_boot
	j park

	.globl _start_secondary
_start_secondary: /* SBI hart_start enters other harts here: a0 = hart id */
	li t0, MAX_HARTS
	bgeu a0, t0, park
	call set_stack
	call kmain_secondary
park:
	wfi
	j park

/* sp = top of hart a0's stack, tp = a0. Keeps a0 and a1. */
set_stack:
	mv tp, a0
	la sp, hart_stacks
	li t0, STACK_SIZE
	addi t1, a0, 1
	mul t1, t1, t0
	add sp, sp, t1
	ret

	.section .text
	.align 4
	.globl trap_entry
trap_entry:
	csrrw sp, sscratch, sp
	bnez sp, 1f
	csrr sp, sscratch /* from supervisor mode: back on the same stack */
1:	addi sp, sp, -FRAME
	sd x1, 8(sp)
	.irp n, 3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd x\n, (\n * 8)(sp)
	.endr
	csrr t0, sscratch /* the interrupted sp */
	sd t0, 16(sp)
	csrw sscratch, zero
	csrr t0, sepc
	sd t0, 256(sp)
	csrr t1, sstatus
	sd t1, 264(sp)
	csrr t2, scause
	sd t2, 272(sp)
	csrr t3, stval
	sd t3, 280(sp)
	andi t1, t1, 0x100 /* SPP: 0 if we came from user mode */
	bnez t1, 2f
	ld tp, FRAME(sp) /* the hart id, from user_run's context */
2:	mv a0, sp
	call trap_handler

	ld t0, 256(sp)
	csrw sepc, t0
	ld t1, 264(sp)
	csrw sstatus, t1
	andi t1, t1, 0x100
	bnez t1, 3f
	addi t0, sp, FRAME /* back to user mode: the next trap lands here */
	csrw sscratch, t0
3:	ld x1, 8(sp)
	.irp n, 3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld x\n, (\n * 8)(sp)
	.endr
	ld sp, 16(sp)
	sret

/*
 * long user_run(entry, user_sp, arg): save the kernel context, enter user
 * mode at entry with a0 = arg, interrupts on. Returns when the trap
 * handler calls user_leave(context, status).
 */
	.globl user_run
user_run:
	addi sp, sp, -CTX
	sd tp, 0(sp)
	sd ra, 8(sp)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	sd s\n, (16 + \n * 8)(sp)
	.endr
	csrw sepc, a0
	csrw sscratch, sp
	li t0, 0x100 /* SPP = user */
	csrc sstatus, t0
	li t0, 0x20 /* SPIE */
	csrs sstatus, t0
	mv sp, a1
	mv a0, a2
	/* Leave no kernel value in a register user code can read. */
	.irp r, ra,gp,tp,t0,t1,t2,s0,s1,a1,a2,a3,a4,a5,a6,a7,s2,s3,s4,s5,s6,s7,s8,s9,s10,s11,t3,t4,t5,t6
	li \r, 0
	.endr
	sret

/* void user_leave(void *context, long status): return from user_run. */
	.globl user_leave
user_leave:
	mv sp, a0
	ld ra, 8(sp)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	ld s\n, (16 + \n * 8)(sp)
	.endr
	addi sp, sp, CTX
	mv a0, a1
	ret

	.section .stacks, "aw", @nobits
	.align 12
	.globl hart_stacks
hart_stacks:
	.space STACK_SIZE * MAX_HARTS

	/* The user program, linked separately (user/), as a flat image. */
	.section .rodata
	.align 12
	.globl user_image, user_image_end
user_image:
	.incbin USER_BIN
user_image_end:
