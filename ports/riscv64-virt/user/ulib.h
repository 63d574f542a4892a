/* SPDX-License-Identifier: MIT */
/*
 * The user program's whole C library: system calls by ecall (Linux's
 * riscv64 numbers and registers), printing, and the time and cycle
 * counters (the kernel lets user mode read them through scounteren).
 */
#ifndef PORT_ULIB_H
#define PORT_ULIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt.h"
#include "kbpf/errno.h"
#include "kbpf/uapi/bpf.h"

#define USER_NR_CPUS_MAX 4
#define TIMEBASE_HZ 10000000ul
#define TICK_NS 10000000ul /* the kernel's timer tick, 10 ms */

long sys_call(long nr, long a0, long a1, long a2, long a3);
long bpf(int cmd, union bpf_attr *attr, unsigned int size);
long sys_close(int fd);
void *sys_mmap(size_t len, int prot, int fd, uint64_t off);
/* Sleep @ns, or less if @fd (a ring buffer...) gets data; 1 if it did. */
long sys_wait(int fd, uint64_t ns);
void uprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int check(const char *what, long got, long want);

static inline uint64_t rdtime(void)
{
	uint64_t v;

	__asm__ volatile("rdtime %0" : "=r"(v));
	return v;
}

static inline uint64_t rdcycle(void)
{
	uint64_t v;

	__asm__ volatile("rdcycle %0" : "=r"(v));
	return v;
}

static inline uint64_t rdinstret(void)
{
	uint64_t v;

	__asm__ volatile("rdinstret %0" : "=r"(v));
	return v;
}

/* The two parts of the program (user/demo.c, user/attack.c). */
int demo(unsigned int nr_cpus);
int attack(unsigned int nr_cpus);
/* Called by user/start.S: @arg is nr_cpus | mode << 8. */
int main(unsigned long arg);

/* Instruction builders, as Linux's filter.h macros (our own text). */
#define INSN(c, d, s, o, i)                 \
	((struct bpf_insn){ .code = (c),    \
			    .dst_reg = (d), \
			    .src_reg = (s), \
			    .off = (o),     \
			    .imm = (i) })
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADD64_IMM(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define LDX64(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define STX64(d, s, o) INSN(BPF_STX | BPF_MEM | BPF_DW, d, s, o, 0)
#define ST32_IMM(d, o, i) INSN(BPF_ST | BPF_MEM | BPF_W, d, 0, o, i)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define JNE_IMM(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define CALL(f) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
/* Two instructions: a 64-bit immediate, or (src BPF_PSEUDO_MAP_FD) a map. */
#define LD_IMM64(d, s, v)                                       \
	INSN(BPF_LD | BPF_DW | BPF_IMM, d, s, 0, (int32_t)(v)), \
		INSN(0, 0, 0, 0, (int32_t)((uint64_t)(v) >> 32))
#define LD_MAP(d, fd) LD_IMM64(d, BPF_PSEUDO_MAP_FD, fd)

long map_create(uint32_t type, uint32_t key, uint32_t value, uint32_t max,
		uint32_t flags);
long prog_load(const struct bpf_insn *insns, size_t n);
long map_update(int fd, const void *key, const void *value, uint64_t flags);
long map_lookup(int fd, const void *key, void *value);
long raw_tp_open(const char *name, int prog_fd);

#endif /* PORT_ULIB_H */
