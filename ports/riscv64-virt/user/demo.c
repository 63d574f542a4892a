// SPDX-License-Identifier: MIT
/*
 * The demo, as a libbpf user would write it with raw instructions: a
 * per-CPU array of counts and a ring buffer, a program on the kernel's
 * timer_tick raw tracepoint that counts each tick and sends {hart, tick} to
 * the ring, which this program reads through its own mmap of it. Then a
 * bpf_printk program on sys_enter, and the cost of one bpf(2) map update.
 */
#include "loader.h"
#include "ulib.h"

#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define RING_SIZE (4 * 4096)
#define PAGE 4096
#define WAIT_TICKS 30
#define TICK (TIMEBASE_HZ / 100)

struct count {
	uint64_t events;
	uint64_t first_ns; /* bpf_ktime_get_ns() at the first event */
};

struct record {
	uint64_t hart, tick;
};

struct ring {
	volatile uint64_t *consumer, *producer;
	const uint8_t *data;
	uint64_t last[USER_NR_CPUS_MAX], records[USER_NR_CPUS_MAX];
	uint64_t out_of_order;
};

/* Read what the ring holds, as libbpf's ring_buffer__consume does. */
static void ring_consume(struct ring *r)
{
	uint64_t cons = *r->consumer;
	uint64_t prod = __atomic_load_n(r->producer, __ATOMIC_ACQUIRE);

	while (cons < prod) {
		const uint32_t *hdr =
			(const uint32_t *)(r->data + (cons & (RING_SIZE - 1)));
		uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		const struct record *rec = (const void *)(hdr + 2);

		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		if (!(len & BPF_RINGBUF_DISCARD_BIT) &&
		    rec->hart < USER_NR_CPUS_MAX) {
			if (r->records[rec->hart] &&
			    rec->tick != r->last[rec->hart] + 1)
				r->out_of_order++;
			r->last[rec->hart] = rec->tick;
			r->records[rec->hart]++;
		}
		len &= ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
		cons += (len + BPF_RINGBUF_HDR_SZ + 7) & ~7u;
		__atomic_store_n(r->consumer, cons, __ATOMIC_RELEASE);
	}
}

static uint64_t str8(const char *s)
{
	uint64_t v = 0;

	memcpy(&v, s, 8);
	return v;
}

static int count_ticks(unsigned int nr_cpus)
{
	struct count counts[USER_NR_CPUS_MAX];
	struct ring r = { 0 };
	long counts_fd, ring_fd, prog, link;
	uint32_t key = 0;
	uint64_t t0, first = ~0ull, wakeups = 0;
	int fails = 0;

	counts_fd = map_create(BPF_MAP_TYPE_PERCPU_ARRAY, 4,
			       sizeof(struct count), 1, 0);
	ring_fd = map_create(BPF_MAP_TYPE_RINGBUF, 0, 0, RING_SIZE, 0);
	if (counts_fd < 0 || ring_fd < 0)
		return check("map creation",
			     counts_fd < 0 ? counts_fd : ring_fd, 0);
	/* As libbpf: the consumer page writable, the rest read-only. */
	r.consumer = sys_mmap(PAGE, PROT_READ | PROT_WRITE, (int)ring_fd, 0);
	r.producer =
		sys_mmap(PAGE + 2 * RING_SIZE, PROT_READ, (int)ring_fd, PAGE);
	if ((long)r.consumer < 0 || (long)r.producer < 0)
		return check("mmap of the ring buffer", -1, 0);
	r.data = (const uint8_t *)r.producer + PAGE;

	struct bpf_insn insns[] = {
		MOV64_REG(6, 1), /* r6 = ctx: {hart, tick} */
		ST32_IMM(10, -4, 0), /* key = 0 */
		MOV64_REG(2, 10),
		ADD64_IMM(2, -4),
		LD_MAP(1, counts_fd),
		CALL(BPF_FUNC_map_lookup_elem),
		JEQ_IMM(0, 0, 19), /* no value: exit */
		MOV64_REG(7, 0),
		LDX64(1, 7, 0),
		JNE_IMM(1, 0, 2), /* first event on this CPU: */
		CALL(BPF_FUNC_ktime_get_ns),
		STX64(7, 0, 8), /* value->first_ns = now */
		LDX64(1, 7, 0),
		ADD64_IMM(1, 1),
		STX64(7, 1, 0), /* value->events++ (per-CPU: no atomics) */
		LDX64(1, 6, 0),
		STX64(10, 1, -24),
		LDX64(1, 6, 8),
		STX64(10, 1, -16),
		LD_MAP(1, ring_fd),
		MOV64_REG(2, 10),
		ADD64_IMM(2, -24),
		MOV64_IMM(3, 16),
		MOV64_IMM(4, 0),
		CALL(BPF_FUNC_ringbuf_output), /* {hart, tick} to the ring */
		MOV64_IMM(0, 0),
		EXIT(),
	};
	prog = prog_load(insns, sizeof(insns) / sizeof(insns[0]));
	if (prog < 0)
		return check("BPF_PROG_LOAD of the tick counter", prog, 3);
	t0 = rdtime();
	link = raw_tp_open("timer_tick", (int)prog);
	if (link < 0)
		return check("BPF_RAW_TRACEPOINT_OPEN timer_tick", link, 0);
	uprintf("user: counter attached to timer_tick at %lu us; waiting "
		"%u ticks\n",
		t0 / (TIMEBASE_HZ / 1000000), WAIT_TICKS);
	while (rdtime() - t0 < WAIT_TICKS * TICK) {
		/* Sleep until the ring has data, as with poll(2). */
		wakeups += sys_wait((int)ring_fd, TICK_NS) == 1;
		ring_consume(&r);
	}
	sys_close((int)link); /* detaches: no run can start after this */
	sys_wait(
		-1,
		2 * TICK_NS); /* a run that started before may still be going */
	ring_consume(&r);
	uprintf("user: %lu wake-ups from the ring buffer\n", wakeups);

	if (map_lookup((int)counts_fd, &key, counts))
		return check("BPF_MAP_LOOKUP_ELEM of the counts", -1, 0);
	for (unsigned int cpu = 0; cpu < nr_cpus; cpu++) {
		uprintf("user: cpu %u: %lu timer events, %lu ring records, "
			"%lu out of order\n",
			cpu, counts[cpu].events, r.records[cpu],
			r.out_of_order);
		fails += counts[cpu].events == 0;
		fails += counts[cpu].events != r.records[cpu];
		if (counts[cpu].events && counts[cpu].first_ns < first)
			first = counts[cpu].first_ns;
	}
	fails += check("ring records out of order or lost",
		       (long)r.out_of_order, 0);
	uprintf("user: first program run at %lu us after reset\n",
		first / 1000);
	sys_close((int)prog);
	sys_close((int)ring_fd);
	sys_close((int)counts_fd);
	return fails;
}

/* bpf_printk from a sys_enter program: the kernel's trace sink prints it. */
static int printk(void)
{
	long prog, link;
	struct bpf_insn insns[] = {
		MOV64_REG(6, 1), /* r6 = ctx: {nr, a0, a1} */
		LDX64(1, 6, 0),
		JNE_IMM(1, 64, 11), /* write(2) only */
		LD_IMM64(1, 0, str8("write fd")),
		STX64(10, 1, -16),
		LD_IMM64(1, 0, str8("=%d\n\0\0\0")),
		STX64(10, 1, -8),
		MOV64_REG(1, 10),
		ADD64_IMM(1, -16),
		MOV64_IMM(2, 16),
		LDX64(3, 6, 8),
		CALL(BPF_FUNC_trace_printk),
		MOV64_IMM(0, 0),
		EXIT(),
	};

	prog = prog_load(insns, sizeof(insns) / sizeof(insns[0]));
	link = prog < 0 ? prog : raw_tp_open("sys_enter", (int)prog);
	if (link < 0)
		return check("bpf_printk program on sys_enter", link, 0);
	uprintf("user: this write is traced\n");
	sys_close((int)link);
	sys_close((int)prog);
	return 0;
}

extern const char syscalls_bpf_o[], syscalls_bpf_o_end[];

/* The sum over CPUs of a per-CPU u64 value, or -1 if there is none. */
static long percpu_sum(int fd, uint32_t key, unsigned int nr_cpus)
{
	uint64_t v[USER_NR_CPUS_MAX];
	long sum = 0;

	if (map_lookup(fd, &key, v))
		return -1;
	for (unsigned int cpu = 0; cpu < nr_cpus; cpu++)
		sum += (long)v[cpu];
	return sum;
}

/*
 * A clang-built object through kbpf's ELF loader, linked into this
 * program: count system calls by number on sys_enter.
 */
static int object(unsigned int nr_cpus)
{
	size_t size = (size_t)(syscalls_bpf_o_end - syscalls_bpf_o);
	struct user_obj o;
	uint64_t total = 7;
	uint32_t key = 0;
	long link, err;
	int fails = 0;

	err = obj_load(syscalls_bpf_o, size, nr_cpus, &o);
	if (err) {
		obj_close(&o);
		return check("loading syscalls.bpf.o", err, 0);
	}
	uprintf("user: syscalls.bpf.o: %u maps, program %s in %s\n",
		o.elf->nr_maps, o.elf->progs[0].name, o.elf->progs[0].sec_name);
	link = raw_tp_open(o.elf->progs[0].attach_target, o.prog_fds[0]);
	for (int i = 0; i < 5; i++)
		uprintf("user: counted write %d\n", i);
	sys_close((int)link);
	fails += check("write(2) calls counted by syscalls.bpf.o",
		       percpu_sum(obj_map_fd(&o, "counts"), 64, nr_cpus), 5);
	fails += check("close(2) calls counted by syscalls.bpf.o",
		       percpu_sum(obj_map_fd(&o, "counts"), 57, nr_cpus), 1);
	map_lookup(obj_map_fd(&o, ".bss"), &key, &total);
	fails += check("all calls counted in its global variable", (long)total,
		       6);
	obj_close(&o);
	return fails;
}

/* The cost of one bpf(2) map update from user mode, and of a bare ecall. */
static int measure(void)
{
	enum { N = 1000 };
	uint64_t c0, c1, t0, t1, i0, i1, val = 7;
	long fd = map_create(BPF_MAP_TYPE_HASH, 4, 8, 1024, 0);
	long err = 0;

	if (fd < 0)
		return check("hash map creation", fd, 3);
	for (uint32_t k = 0; k < N; k++) /* populate: updates replace */
		err |= map_update((int)fd, &k, &val, BPF_ANY);
	c0 = rdcycle();
	t0 = rdtime();
	i0 = rdinstret();
	for (uint32_t k = 0; k < N; k++)
		err |= map_update((int)fd, &k, &val, BPF_ANY);
	i1 = rdinstret();
	c1 = rdcycle();
	t1 = rdtime();
	uprintf("user: measure: bpf(BPF_MAP_UPDATE_ELEM) on a hash map: "
		"%lu instructions, %lu cycles, %lu ns each (%u calls)\n",
		(i1 - i0) / N, (c1 - c0) / N, (t1 - t0) * 100 / N, N);
	c0 = rdcycle();
	t0 = rdtime();
	i0 = rdinstret();
	for (int i = 0; i < N; i++)
		sys_close(-1);
	i1 = rdinstret();
	c1 = rdcycle();
	t1 = rdtime();
	uprintf("user: measure: empty system call (close(-1)): "
		"%lu instructions, %lu cycles, %lu ns each\n",
		(i1 - i0) / N, (c1 - c0) / N, (t1 - t0) * 100 / N);
	sys_close((int)fd);
	return check("map updates", err, 0);
}

int demo(unsigned int nr_cpus)
{
	int fails = 0;

	uprintf("user: hello from U-mode, %u cpus\n", nr_cpus);
	fails += count_ticks(nr_cpus);
	fails += printk();
	fails += object(nr_cpus);
	fails += measure();
	return fails;
}

int main(unsigned long arg)
{
	unsigned int nr_cpus = arg & 0xff;
	int fails;

	if (arg >> 8) {
		/* Second run: touch kernel memory directly; the kernel kills us. */
		uprintf("user: reading kernel memory from U-mode\n");
		return (int)*(volatile uint64_t *)0x80200000ul;
	}
	if (nr_cpus > USER_NR_CPUS_MAX)
		nr_cpus = USER_NR_CPUS_MAX;
	fails = demo(nr_cpus);
	fails += attack(nr_cpus);
	uprintf("user: %s (%d failures)\n", fails ? "FAILED" : "all done",
		fails);
	return fails ? 1 : 0;
}
