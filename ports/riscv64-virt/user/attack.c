// SPDX-License-Identifier: MIT
/*
 * The attacker: bad pointers, bad attributes, bad fds and hostile programs.
 * Each must come back as the errno Linux gives, with the kernel unharmed.
 */
#include "ulib.h"

#define KERNEL_ADDR 0x80200000ul /* the kernel's first instruction */
#define UNMAPPED_ADDR 0x48000000ul /* user range, nothing mapped */
#define IMAGE_END 0x40100000ul /* the user image ends here */

static int bad_pointers(void)
{
	union bpf_attr a;
	int fails = 0;

	memset(&a, 0, sizeof(a));
	fails += check("attr in kernel memory",
		       bpf(BPF_MAP_CREATE, (void *)KERNEL_ADDR, sizeof(a)),
		       -KBPF_EFAULT);
	fails += check("attr at an unmapped address",
		       bpf(BPF_MAP_CREATE, (void *)UNMAPPED_ADDR, sizeof(a)),
		       -KBPF_EFAULT);
	fails += check("attr running off the end of the user image",
		       bpf(BPF_MAP_CREATE, (void *)(IMAGE_END - 16), sizeof(a)),
		       -KBPF_EFAULT);
	fails += check("attr in the device region",
		       bpf(BPF_MAP_CREATE, (void *)0x10000000ul, sizeof(a)),
		       -KBPF_EFAULT);
	return fails;
}

static int bad_attrs(void)
{
	static uint8_t big[512];
	union bpf_attr a;
	int fails = 0;

	memset(&a, 0, sizeof(a));
	fails += check("attr size above a page", bpf(BPF_MAP_CREATE, &a, 8192),
		       -KBPF_E2BIG);
	big[sizeof(union bpf_attr) + 8] = 1;
	fails += check("non-zero bytes past union bpf_attr",
		       bpf(BPF_MAP_CREATE, (union bpf_attr *)big, sizeof(big)),
		       -KBPF_E2BIG);
	fails +=
		check("unknown command", bpf(999, &a, sizeof(a)), -KBPF_EINVAL);
	fails += check("unknown map type", map_create(9999, 4, 8, 1, 0),
		       -KBPF_EINVAL);
	fails += check("array with value_size 0",
		       map_create(BPF_MAP_TYPE_ARRAY, 4, 0, 1, 0),
		       -KBPF_EINVAL);
	fails += check("hash with max_entries 0",
		       map_create(BPF_MAP_TYPE_HASH, 4, 8, 0, 0), -KBPF_EINVAL);
	a.map_fd = 3;
	a.key = 1; /* past BPF_MAP_FREEZE's last field */
	fails += check("field past the command's last",
		       bpf(BPF_MAP_FREEZE, &a, sizeof(a)), -KBPF_EINVAL);
	return fails;
}

static int bad_fds_and_buffers(void)
{
	uint32_t key = 0;
	uint64_t val = 1;
	long fd = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
	int fails = 0;

	fails += check("lookup into kernel memory",
		       map_lookup((int)fd, &key, (void *)KERNEL_ADDR),
		       -KBPF_EFAULT);
	fails += check("update with the key in kernel memory",
		       map_update((int)fd, (void *)KERNEL_ADDR, &val, 0),
		       -KBPF_EFAULT);
	fails += check("lookup into unmapped memory",
		       map_lookup((int)fd, &key, (void *)UNMAPPED_ADDR),
		       -KBPF_EFAULT);
	fails += check("lookup on a closed fd", map_lookup(42, &key, &val),
		       -KBPF_EBADF);
	fails += check("lookup on the console fd", map_lookup(1, &key, &val),
		       -KBPF_EINVAL);
	fails += check("close of a closed fd", sys_close(42), -KBPF_EBADF);
	sys_close((int)fd);
	return fails;
}

/*
 * Load @insns and run it with BPF_PROG_TEST_RUN; return the run's result,
 * and the program's in *@retval if it ran.
 */
static long test_run(const struct bpf_insn *insns, size_t n, long *prog,
		     int32_t *retval)
{
	long err;
	uint64_t ctx[2] = { 0, 0 };
	union bpf_attr a;

	*prog = prog_load(insns, n);
	if (*prog < 0)
		return *prog;
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)*prog;
	a.test.ctx_in = (uintptr_t)ctx;
	a.test.ctx_size_in = sizeof(ctx);
	err = bpf(BPF_PROG_TEST_RUN, &a, sizeof(a));
	*retval = (int32_t)a.test.retval;
	return err;
}

/* What bpf_probe_read_kernel() answers for @addr. */
static long probe_kernel(uint64_t addr)
{
	struct bpf_insn insns[] = {
		MOV64_REG(1, 10),
		ADD64_IMM(1, -8),
		MOV64_IMM(2, 8),
		LD_IMM64(3, 0, addr),
		CALL(BPF_FUNC_probe_read_kernel),
		EXIT(),
	};
	int32_t retval = 1;
	long prog, err;

	err = test_run(insns, sizeof(insns) / sizeof(insns[0]), &prog, &retval);
	if (prog >= 0)
		sys_close((int)prog);
	return err ? err : retval;
}

static int probes(void)
{
	int fails = 0;

	fails += check("probe_read_kernel of kernel text",
		       probe_kernel(KERNEL_ADDR), 0);
	fails += check("probe_read_kernel of the firmware (PMP-protected)",
		       probe_kernel(0x80000000ul), -KBPF_EFAULT);
	fails += check("probe_read_kernel of a device register",
		       probe_kernel(0x10000000ul), -KBPF_EFAULT);
	fails += check("probe_read_kernel of a user address",
		       probe_kernel(0x40000000ul), -KBPF_ERANGE);
	return fails;
}

static int hostile_programs(void)
{
	long fd = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
	long prog, link, err;
	int32_t retval;
	int fails = 0;
	/* Store 8 bytes past the end of an 8-byte map value. */
	struct bpf_insn oob[] = {
		ST32_IMM(10, -4, 0),
		MOV64_REG(2, 10),
		ADD64_IMM(2, -4),
		LD_MAP(1, fd),
		CALL(BPF_FUNC_map_lookup_elem),
		JEQ_IMM(0, 0, 2),
		MOV64_IMM(1, -1),
		STX64(0, 1, 8), /* value + 8: out of bounds */
		MOV64_IMM(0, 0),
		EXIT(),
	};
	/* Overwrite the kernel's first instruction. */
	struct bpf_insn wild[] = {
		LD_IMM64(1, 0, KERNEL_ADDR),
		MOV64_IMM(2, 0),
		STX64(1, 2, 0),
		MOV64_IMM(0, 0),
		EXIT(),
	};

	err = test_run(oob, sizeof(oob) / sizeof(oob[0]), &prog, &retval);
	fails += check("checked run of an out-of-bounds store", err,
		       -KBPF_EFAULT);
	/* The same program on the timer, on every hart, for a few ticks. */
	link = raw_tp_open("timer_tick", (int)prog);
	fails += check("attach of the hostile program", link < 0 ? link : 0, 0);
	sys_wait(-1, 5 * TICK_NS);
	sys_close((int)link);
	sys_close((int)prog);
	err = test_run(wild, sizeof(wild) / sizeof(wild[0]), &prog, &retval);
	fails += check("checked run of a store to kernel text", err,
		       -KBPF_EFAULT);
	if (prog >= 0)
		sys_close((int)prog);
	sys_close((int)fd);
	return fails;
}

int attack(unsigned int nr_cpus)
{
	int fails = 0;

	(void)nr_cpus;
	uprintf("user: attacker starts\n");
	fails += bad_pointers();
	fails += bad_attrs();
	fails += bad_fds_and_buffers();
	fails += hostile_programs();
	fails += probes();
	uprintf("user: attacker done, %d unexpected answers\n", fails);
	return fails;
}
