// SPDX-License-Identifier: MIT
/* System calls, output, and thin wrappers over bpf(2), as libbpf's bpf.c. */
#include "ulib.h"

#define SYS_CLOSE 57
#define SYS_WRITE 64
#define SYS_MMAP 222
#define SYS_BPF 280
#define SYS_WAIT 1000 /* this kernel's: see kernel/kernel.h */

long sys_call(long nr, long a0, long a1, long a2, long a3)
{
	register long r0 __asm__("a0") = a0;
	register long r1 __asm__("a1") = a1;
	register long r2 __asm__("a2") = a2;
	register long r3 __asm__("a3") = a3;
	register long r7 __asm__("a7") = nr;

	__asm__ volatile("ecall"
			 : "+r"(r0)
			 : "r"(r1), "r"(r2), "r"(r3), "r"(r7)
			 : "memory");
	return r0;
}

long bpf(int cmd, union bpf_attr *attr, unsigned int size)
{
	return sys_call(SYS_BPF, cmd, (long)attr, size, 0);
}

long sys_close(int fd)
{
	return sys_call(SYS_CLOSE, fd, 0, 0, 0);
}

/* Our mmap takes (len, prot, fd, offset): there is no address hint. */
void *sys_mmap(size_t len, int prot, int fd, uint64_t off)
{
	return (void *)sys_call(SYS_MMAP, (long)len, prot, fd, (long)off);
}

long sys_wait(int fd, uint64_t ns)
{
	return sys_call(SYS_WAIT, fd, (long)ns, 0, 0);
}

void uprintf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	sys_call(SYS_WRITE, 1, (long)buf, n, 0);
}

/* Print one expectation and whether it held; return 1 if it did not. */
int check(const char *what, long got, long want)
{
	bool ok = got == want;

	uprintf("user: %s: %s: got %ld, want %ld\n", ok ? "ok" : "FAIL", what,
		got, want);
	return !ok;
}

long map_create(uint32_t type, uint32_t key, uint32_t value, uint32_t max,
		uint32_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = key;
	a.value_size = value;
	a.max_entries = max;
	a.map_flags = flags;
	return bpf(BPF_MAP_CREATE, &a, sizeof(a));
}

long prog_load(const struct bpf_insn *insns, size_t n)
{
	static char log[4096];
	union bpf_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	a.license = (uintptr_t) "GPL";
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	fd = bpf(BPF_PROG_LOAD, &a, sizeof(a));
	if (fd < 0)
		uprintf("user: BPF_PROG_LOAD: %ld\n%s\n", fd, log);
	return fd;
}

long map_update(int fd, const void *key, const void *value, uint64_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uintptr_t)key;
	a.value = (uintptr_t)value;
	a.flags = flags;
	return bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a));
}

long map_lookup(int fd, const void *key, void *value)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uintptr_t)key;
	a.value = (uintptr_t)value;
	return bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a));
}

long raw_tp_open(const char *name, int prog_fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.raw_tracepoint.name = (uintptr_t)name;
	a.raw_tracepoint.prog_fd = (uint32_t)prog_fd;
	return bpf(BPF_RAW_TRACEPOINT_OPEN, &a, sizeof(a));
}
