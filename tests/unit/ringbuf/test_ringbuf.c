// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_RINGBUF: Linux's golden bytes, space rules, the consumer,
 * and against the kernel: creation rules, element commands, and the bytes
 * a consumer sees after the same program emits the same records on both.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "diff.h"
#include "core/compiler.h"
#include "maps/ringbuf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "insn.h"

static struct kbpf_map *rb_new(uint32_t size)
{
	union bpf_attr a;
	struct kbpf_map *m = NULL;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_RINGBUF;
	a.max_entries = size;
	if (kbpf_map_create(kbpf_posix_host(), &a, &m))
		return NULL;
	return m;
}

/* The consumer's view: consumer page, producer page, data (mapped twice). */
static volatile uint8_t *rb_user_view(struct kbpf_map *m, size_t *nr)
{
	const struct kbpf_host *h = kbpf_posix_host();
	const uintptr_t *pages;

	if (m->ops->mmap_pages(m, &pages, nr))
		return NULL;
	return h->vmap(h, pages, *nr);
}

KBPF_TEST(
	ringbuf_golden_bytes,
	"records and positions are byte-identical to Linux's (research/kernel-semantics.md §6.2)")
{
	static const uint8_t golden[64] = {
		0x04, 0,    0,	  0,	3, 0, 0,    0, 1, 2,	3, 4,	 0,
		0,    0,    0,	  0x05, 0, 0, 0,    3, 0, 0,	0, 0x0a, 0x0b,
		0x0c, 0x0d, 0x0e, 0,	0, 0, 0x03, 0, 0, 0x40, 3, 0,	 0,
		0,    0xaa, 0xaa, 0xaa, 0, 0, 0,    0, 0, 0x00, 0, 0,	 0,
		3,    0,    0,	  0,	0, 0, 0,    0, 0, 0,	0, 0,
	};
	struct kbpf_map *m = rb_new(4096);
	volatile uint8_t *u;
	size_t nr;
	uint8_t *rec;

	T_ASSERT(m != NULL);
	T_EQ(kbpf_ringbuf_output(m, "\x01\x02\x03\x04", 4, 0), 0);
	T_EQ(kbpf_ringbuf_output(m, "\x0a\x0b\x0c\x0d\x0e", 5, 0), 0);
	rec = kbpf_ringbuf_reserve(m, 3);
	T_ASSERT(rec != NULL);
	memset(rec, 0xaa, 3);
	kbpf_ringbuf_discard(rec, 0);
	rec = kbpf_ringbuf_reserve(m, 0);
	T_ASSERT(rec != NULL);
	kbpf_ringbuf_submit(rec, 0);
	u = rb_user_view(m, &nr);
	T_ASSERT(u != NULL);
	T_EQ(nr, 1 + 1 + 2);
	T_EQ(*(volatile uint64_t *)(u + 4096), 0x38); /* producer_pos */
	T_EQ(*(volatile uint64_t *)u, 0); /* consumer_pos */
	for (int i = 0; i < 64; i++)
		if (u[8192 + i] != golden[i])
			T_FAIL("data[%d] = 0x%02x, Linux 0x%02x", i,
			       u[8192 + i], golden[i]);
	T_EQ(kbpf_ringbuf_query(m, BPF_RB_AVAIL_DATA), 0x38);
	T_EQ(kbpf_ringbuf_query(m, BPF_RB_RING_SIZE), 4096);
	T_EQ(kbpf_ringbuf_query(m, BPF_RB_PROD_POS), 0x38);
	T_EQ(kbpf_ringbuf_query(m, 9), 0);
	kbpf_posix_host()->vunmap(kbpf_posix_host(), (void *)u, nr);
	kbpf_map_put(m);
}

KBPF_TEST(
	ringbuf_space_rules,
	"a 4096-byte ring takes a 4080-byte payload but not 4081, and never more than size - 8 bytes")
{
	struct kbpf_map *m = rb_new(4096);
	void *r;
	int n = 0;

	T_ASSERT(m != NULL);
	T_ASSERT(kbpf_ringbuf_reserve(m, 4081) == NULL);
	r = kbpf_ringbuf_reserve(m, 4080);
	T_ASSERT(r != NULL);
	/* Uncommitted: nothing else fits, not even an empty record. */
	T_ASSERT(kbpf_ringbuf_reserve(m, 0) == NULL);
	kbpf_ringbuf_discard(r, 0);
	T_EQ(kbpf_ringbuf_output(m, "x", 1, 0),
	     -KBPF_EAGAIN); /* not consumed */
	T_EQ(kbpf_ringbuf_output(m, "x", 1, 4), -KBPF_EINVAL);
	kbpf_map_put(m);
	m = rb_new(4096);
	while (kbpf_ringbuf_output(m, "12345678", 8, 0) == 0)
		n++;
	T_EQ(n, 255); /* 255 * 16 = 4080 <= 4096 - 8 */
	T_ASSERT(kbpf_ringbuf_reserve(m, 1ULL << 31) == NULL);
	kbpf_map_put(m);
}

struct consumed {
	int n;
	uint32_t total;
	uint8_t last;
};

static int consume_cb(void *ctx, const void *data, uint32_t size)
{
	struct consumed *c = ctx;

	c->n++;
	c->total += size;
	if (size)
		c->last = ((const uint8_t *)data)[size - 1];
	return 0;
}

KBPF_TEST(
	ringbuf_consume_wraps,
	"the consumer reads committed records in order across wrap-around, skipping discarded ones")
{
	struct kbpf_map *m = rb_new(4096);
	struct consumed c = { 0 };
	uint8_t buf[200];

	T_ASSERT(m != NULL);
	for (int round = 0; round < 100; round++) {
		void *r;

		memset(buf, round, sizeof(buf));
		T_EQ(kbpf_ringbuf_output(m, buf, 100 + (unsigned)round, 0), 0);
		r = kbpf_ringbuf_reserve(m, 7);
		T_ASSERT(r != NULL);
		kbpf_ringbuf_discard(r, 0);
		c.n = 0;
		c.total = 0;
		T_EQ(kbpf_ringbuf_consume(m, consume_cb, &c), 1);
		T_EQ(c.total, 100 + (unsigned)round);
		T_EQ(c.last, round);
	}
	T_EQ(kbpf_ringbuf_query(m, BPF_RB_AVAIL_DATA), 0);
	T_ASSERT(kbpf_ringbuf_query(m, BPF_RB_CONS_POS) > 4096 * 3);
	kbpf_map_put(m);
}

KBPF_TEST(
	ringbuf_create_and_commands,
	"ring buffer creation rules and element commands give the kernel's errno")
{
	static const uint32_t cfg[][4] = {
		/* key, value, max, flags */
		{ 0, 0, 4096, 0 },
		{ 0, 0, 0, 0 },
		{ 0, 0, 4095, 0 },
		{ 0, 0, 4097, 0 },
		{ 0, 0, 12288, 0 },
		{ 0, 0, 8192, 0 },
		{ 4, 0, 4096, 0 },
		{ 0, 4, 4096, 0 },
		{ 0, 0, 4096, BPF_F_NUMA_NODE },
		{ 0, 0, 4096, BPF_F_RDONLY },
		{ 0, 0, 4096, BPF_F_WRONLY },
		{ 0, 0, 4096, BPF_F_RDONLY_PROG },
		{ 0, 0, 4096, BPF_F_MMAPABLE },
		{ 0, 0, 4096, BPF_F_NO_PREALLOC },
	};
	long fd[2], r[2];
	uint64_t v[2];
	uint32_t key = 0;

	NEED_KERNEL();
	for (size_t i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++) {
		for (int s = 0; s < 2; s++)
			r[s] = side_create(s, BPF_MAP_TYPE_RINGBUF, cfg[i][0],
					   cfg[i][1], cfg[i][2], cfg[i][3], 0,
					   NULL);
		if (!same_result(r[0], r[1]))
			T_FAIL("create case %zu: kernel %s kbpf %s", i,
			       oracle_errno_name(r[0]),
			       oracle_errno_name(r[1]));
		for (int s = 0; s < 2; s++)
			side_close(s, r[s]);
	}
	for (int s = 0; s < 2; s++)
		fd[s] = side_create(s, BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 0,
				    NULL);
#define BOTH(expr)                                             \
	do {                                                   \
		for (int s = 0; s < 2; s++)                    \
			r[s] = (expr);                         \
		if (r[0] != r[1])                              \
			T_FAIL("%s: kernel %s kbpf %s", #expr, \
			       oracle_errno_name(r[0]),        \
			       oracle_errno_name(r[1]));       \
	} while (0)
	BOTH(side_elem(s, BPF_MAP_LOOKUP_ELEM, fd[s], NULL, &v[s], 0));
	BOTH(side_elem(s, BPF_MAP_LOOKUP_ELEM, fd[s], &key, &v[s], 0));
	BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, fd[s], NULL, &v[s], 0));
	BOTH(side_elem(s, BPF_MAP_DELETE_ELEM, fd[s], NULL, NULL, 0));
	BOTH(side_next_key(s, fd[s], NULL, &v[s]));
	BOTH(side_elem(s, BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd[s], NULL, &v[s],
		       0));
	BOTH(side_freeze(s, fd[s]));
#undef BOTH
	for (int s = 0; s < 2; s++)
		side_close(s, fd[s]);
}

/*
 * A raw tracepoint program: copy its 8 u64 arguments to the stack, then
 * bpf_ringbuf_output(map, stack, args[0] & 63, args[1]).
 */
static uint32_t output_prog(struct bpf_insn *p, int map_fd)
{
	uint32_t n = 0;

	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
	for (int i = 0; i < 8; i++) {
		p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 2, 6, (int16_t)(8 * i),
			   0);
		p[n++] = I(BPF_STX | BPF_MEM | BPF_DW, 10, 2,
			   (int16_t)(-64 + 8 * i), 0);
	}
	p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, map_fd);
	p[n++] = I(0, 0, 0, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -64);
	p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 3, 6, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_AND | BPF_K, 3, 0, 0, 63);
	p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 4, 6, 8, 0);
	p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_output);
	p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return n;
}

KBPF_TEST(
	ringbuf_vs_kernel,
	"the same program emitting the same records leaves byte-identical rings (kernel mmap vs kbpf pages), wrapping and overflowing")
{
	const uint32_t size = 4096;
	long mfd[2], pfd[2];
	volatile uint8_t *kview, *mview;
	size_t nr;
	uint64_t seed = kbpf_test_seed() + 5;
	int fails[2] = { 0, 0 }, runs = 0;
	struct bpf_insn p[64];

	NEED_KERNEL();
	for (int s = 0; s < 2; s++) {
		union bpf_attr a;
		uint32_t n;

		mfd[s] = side_create(s, BPF_MAP_TYPE_RINGBUF, 0, 0, size, 0, 0,
				     NULL);
		T_ASSERT(mfd[s] >= 0);
		n = output_prog(p, (int)mfd[s]);
		memset(&a, 0, sizeof(a));
		a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
		a.insn_cnt = n;
		a.insns = (uint64_t)(uintptr_t)p;
		a.license = (uint64_t)(uintptr_t) "GPL";
		pfd[s] = side_bpf(s, BPF_PROG_LOAD, &a);
		T_ASSERT(pfd[s] >= 0);
	}
	/* The kernel's ring, as a consumer maps it: consumer page RW, rest RO. */
	{
		void *cons = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_SHARED, (int)mfd[0], 0);
		void *rest = mmap(NULL, 4096 + 2 * size, PROT_READ, MAP_SHARED,
				  (int)mfd[0], 4096);

		T_ASSERT(cons != MAP_FAILED && rest != MAP_FAILED);
		kview = rest; /* producer page, then data */
		{
			struct kbpf_obj *obj = kbpf_posix_fd_obj((int)mfd[1]);

			T_ASSERT(obj != NULL);
			mview = rb_user_view(
				kbpf_container_of(obj, struct kbpf_map, obj),
				&nr);
			kbpf_obj_put(obj); /* the fd keeps the map alive */
		}
		T_ASSERT(mview != NULL);
		for (int i = 0; i < 600; i++) {
			uint64_t args[8];
			uint32_t ret[2];

			for (int k = 0; k < 8; k++)
				args[k] = kbpf_test_rand(&seed);
			args[1] = 0;
			for (int s = 0; s < 2; s++) {
				union bpf_attr a;

				memset(&a, 0, sizeof(a));
				a.test.prog_fd = (uint32_t)pfd[s];
				a.test.ctx_in = (uint64_t)(uintptr_t)args;
				a.test.ctx_size_in = sizeof(args);
				T_EQ(side_bpf(s, BPF_PROG_TEST_RUN, &a), 0);
				ret[s] = a.test.retval;
				if (ret[s])
					fails[s]++;
			}
			runs++;
			T_EQ(ret[1], ret[0]);
			/* Consume every 150 runs: the ring overflows in between. */
			if (i % 150 == 149) {
				uint64_t prod = *(volatile uint64_t *)kview;

				T_EQ(*(volatile uint64_t *)(mview + 4096),
				     prod);
				for (uint64_t off = 0; off < size; off++)
					if (kview[4096 + off] !=
					    mview[8192 + off])
						T_FAIL("data byte %llu differs after run %d",
						       (unsigned long long)off,
						       i);
				*(volatile uint64_t *)cons = prod;
				*(volatile uint64_t *)mview = prod;
			}
		}
		munmap(cons, 4096);
		munmap(rest, 4096 + 2 * size);
		kbpf_posix_host()->vunmap(kbpf_posix_host(), (void *)mview, nr);
	}
	for (int s = 0; s < 2; s++) {
		side_close(s, pfd[s]);
		side_close(s, mfd[s]);
	}
	printf("  %d runs, %d outputs refused for lack of room on both sides\n",
	       runs, fails[0]);
	T_EQ(fails[0], fails[1]);
	T_ASSERT(fails[0] > 0); /* the overflow case was exercised */
}
