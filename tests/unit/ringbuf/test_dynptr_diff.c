// SPDX-License-Identifier: MIT
/*
 * The dynptr helpers: Linux's flag, size and failure rules called directly,
 * checked mode refusing forged dynptrs, and against the kernel: the same
 * object (progs/dynptr.bpf.c) run with the same random arguments leaves
 * the same return values, the same dynptr bytes and a byte-identical ring.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "diff.h"
#include "both.h"
#include "core/compiler.h"
#include "core/dynptr.h"
#include "helpers/helpers.h"
#include "maps/ringbuf.h"
#include "kbpf_test.h"
#include "insn.h"

static struct kbpf_map *rb_new(uint32_t type, uint32_t size)
{
	union bpf_attr a;
	struct kbpf_map *m = NULL;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.max_entries = size;
	if (kbpf_map_create(kbpf_posix_host(), &a, &m))
		return NULL;
	return m;
}

/* Call helper @id of the default table as a fast-mode program would. */
static int64_t call(uint32_t id, uint64_t r1, uint64_t r2, uint64_t r3,
		    uint64_t r4, uint64_t r5)
{
	struct kbpf_run run = { .host = kbpf_posix_host() };

	return (int64_t)kbpf_default_helpers[id].fn(&run, r1, r2, r3, r4, r5);
}

#define U(p) ((uint64_t)(uintptr_t)(p))

KBPF_TEST(
	dynptr_reserve_rules,
	"reserve_dynptr: flags give -EINVAL, sizes over DYNPTR_MAX_SIZE -E2BIG, no room -EINVAL, each with an all-zero dynptr that submit/discard then ignore")
{
	struct kbpf_map *m = rb_new(BPF_MAP_TYPE_RINGBUF, 4096);
	struct kbpf_dynptr d;
	static const uint8_t zero[16];

	T_ASSERT(m != NULL);
	memset(&d, 0xab, sizeof(d));
	T_EQ(call(BPF_FUNC_ringbuf_reserve_dynptr, U(m), 8, 1, U(&d), 0),
	     -KBPF_EINVAL);
	T_MEMEQ(&d, zero, sizeof(d));
	memset(&d, 0xab, sizeof(d));
	T_EQ(call(BPF_FUNC_ringbuf_reserve_dynptr, U(m),
		  KBPF_DYNPTR_MAX_SIZE + 1, 0, U(&d), 0),
	     -KBPF_E2BIG);
	T_MEMEQ(&d, zero, sizeof(d));
	/* Within the dynptr limit but not the ring: the reservation fails. */
	T_EQ(call(BPF_FUNC_ringbuf_reserve_dynptr, U(m), KBPF_DYNPTR_MAX_SIZE,
		  0, U(&d), 0),
	     -KBPF_EINVAL);
	T_MEMEQ(&d, zero, sizeof(d));
	/* The size is the prototype's u32: high bits are dropped. */
	T_EQ(call(BPF_FUNC_ringbuf_reserve_dynptr, U(m), (1ULL << 32) | 24, 0,
		  U(&d), 0),
	     0);
	T_ASSERT(d.data != NULL);
	T_EQ(d.size, 0x20000018);
	T_EQ(d.offset, 0);
	T_EQ(call(BPF_FUNC_ringbuf_submit_dynptr, U(&d), 0, 0, 0, 0), 0);
	T_MEMEQ(&d, zero, sizeof(d)); /* consumed */
	T_EQ(call(BPF_FUNC_ringbuf_submit_dynptr, U(&d), 0, 0, 0, 0), 0);
	T_EQ(call(BPF_FUNC_ringbuf_discard_dynptr, U(&d), 0, 0, 0, 0), 0);
	T_EQ(kbpf_ringbuf_query(m, BPF_RB_PROD_POS), 32);
	/* A local dynptr is not a record: submit leaves it alone. */
	{
		uint8_t mem[8];

		T_EQ(call(BPF_FUNC_dynptr_from_mem, U(mem), 8, 0, U(&d), 0), 0);
		T_EQ(d.size, 0x10000008);
		T_EQ(call(BPF_FUNC_ringbuf_submit_dynptr, U(&d), 0, 0, 0, 0),
		     0);
		T_ASSERT(d.data == mem);
		T_EQ(call(BPF_FUNC_dynptr_from_mem, U(mem), 8, 2, U(&d), 0),
		     -KBPF_EINVAL);
		T_MEMEQ(&d, zero, sizeof(d));
		T_EQ(call(BPF_FUNC_dynptr_from_mem, U(mem), 1u << 24, 0, U(&d),
			  0),
		     -KBPF_E2BIG);
	}
	/* Not a ring buffer map: no reservation (the verifier's job in Linux). */
	{
		union bpf_attr a;
		struct kbpf_map *arr;

		memset(&a, 0, sizeof(a));
		a.map_type = BPF_MAP_TYPE_ARRAY;
		a.key_size = 4;
		a.value_size = 8;
		a.max_entries = 1;
		T_EQ(kbpf_map_create(kbpf_posix_host(), &a, &arr), 0);
		T_EQ(call(BPF_FUNC_ringbuf_reserve_dynptr, U(arr), 8, 0, U(&d),
			  0),
		     -KBPF_EINVAL);
		kbpf_map_put(arr);
	}
	kbpf_map_put(m);
}

KBPF_TEST(
	dynptr_access_rules,
	"dynptr_read/write/data: -EINVAL for invalid, flags or read-only, -E2BIG outside the view (no u32 overflow), NULL data in those cases")
{
	uint8_t mem[32], out[32];
	struct kbpf_dynptr d, null;

	for (int i = 0; i < 32; i++)
		mem[i] = (uint8_t)i;
	kbpf_dynptr_set_null(&null);
	kbpf_dynptr_init(&d, mem, KBPF_DYNPTR_TYPE_LOCAL, 4, 16);
	T_EQ(call(BPF_FUNC_dynptr_read, U(out), 4, U(&null), 0, 0),
	     -KBPF_EINVAL);
	T_EQ(call(BPF_FUNC_dynptr_read, U(out), 4, U(&d), 0, 1), -KBPF_EINVAL);
	T_EQ(call(BPF_FUNC_dynptr_read, U(out), 17, U(&d), 0, 0), -KBPF_E2BIG);
	T_EQ(call(BPF_FUNC_dynptr_read, U(out), 2, U(&d), 15, 0), -KBPF_E2BIG);
	T_EQ(call(BPF_FUNC_dynptr_read, U(out), 2, U(&d), 0xffffffffu, 0),
	     -KBPF_E2BIG);
	T_EQ(call(BPF_FUNC_dynptr_read, U(out), 16, U(&d), 0, 0), 0);
	T_EQ(out[0], 4); /* the view starts at the offset */
	T_EQ(out[15], 19);
	T_EQ(call(BPF_FUNC_dynptr_read, U(out), 0, U(&d), 16, 0), 0);
	/* write: flags are checked after the range for local dynptrs. */
	T_EQ(call(BPF_FUNC_dynptr_write, U(&d), 20, U(out), 1, 1), -KBPF_E2BIG);
	T_EQ(call(BPF_FUNC_dynptr_write, U(&d), 0, U(out), 1, 1), -KBPF_EINVAL);
	T_EQ(call(BPF_FUNC_dynptr_write, U(&null), 0, U(out), 1, 0),
	     -KBPF_EINVAL);
	out[0] = 0xaa;
	T_EQ(call(BPF_FUNC_dynptr_write, U(&d), 15, U(out), 1, 0), 0);
	T_EQ(mem[19], 0xaa);
	T_EQ(call(BPF_FUNC_dynptr_data, U(&d), 8, 8, 0, 0), U(mem + 12));
	T_EQ(call(BPF_FUNC_dynptr_data, U(&d), 9, 8, 0, 0), 0);
	T_EQ(call(BPF_FUNC_dynptr_data, U(&null), 0, 0, 0, 0), 0);
	kbpf_dynptr_set_rdonly(&d);
	T_EQ(call(BPF_FUNC_dynptr_write, U(&d), 0, U(out), 1, 0), -KBPF_EINVAL);
	T_EQ(call(BPF_FUNC_dynptr_data, U(&d), 0, 1, 0, 0), 0);
	T_EQ(call(BPF_FUNC_dynptr_read, U(out), 1, U(&d), 0, 0), 0);
}

/* Load @n raw tracepoint instructions into kbpf: the fd, or -errno. */
static long load_raw(struct bpf_insn *p, uint32_t n)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return oracle_kbpf_bpf(BPF_PROG_LOAD, &a, sizeof(a));
}

static long test_run(long fd)
{
	union bpf_attr a;
	uint64_t args[1] = { 0 };

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.ctx_in = (uint64_t)(uintptr_t)args;
	a.test.ctx_size_in = sizeof(args);
	return oracle_kbpf_bpf(BPF_PROG_TEST_RUN, &a, sizeof(a));
}

KBPF_TEST(
	dynptr_forged_checked,
	"checked mode: a dynptr forged on the stack cannot read, write, address or submit memory outside the program's regions")
{
	static uint8_t secret[64];
	/* fp-16: {data, size word, offset}; fp-48: a 32-byte buffer. */
	for (int helper = 0; helper < 4; helper++) {
		struct bpf_insn p[32];
		uint32_t n = 0;
		uint64_t addr = (uint64_t)(uintptr_t)secret;
		long fd, r;

		p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, (int32_t)addr);
		p[n++] = I(0, 0, 0, 0, (int32_t)(addr >> 32));
		p[n++] = I(BPF_STX | BPF_MEM | BPF_DW, 10, 1, -16, 0);
		p[n++] = I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -8,
			   helper == 3 ? 0x20000008 : 0x10000008);
		p[n++] = I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0);
		switch (helper) {
		case 0: /* dynptr_read(fp-48, 8, fp-16, 0, 0) */
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 10, 0, 0);
			p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -48);
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 8);
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0);
			p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -16);
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0);
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 5, 0, 0, 0);
			p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
				   BPF_FUNC_dynptr_read);
			break;
		case 1: /* dynptr_write(fp-16, 0, fp-48, 8, 0) */
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 10, 0, 0);
			p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -16);
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0);
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0);
			p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -48);
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 8);
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 5, 0, 0, 0);
			p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
				   BPF_FUNC_dynptr_write);
			break;
		case 2: /* dynptr_data(fp-16, 0, 8) */
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 10, 0, 0);
			p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -16);
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0);
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 8);
			p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
				   BPF_FUNC_dynptr_data);
			break;
		case 3: /* ringbuf_submit_dynptr(fp-16, 0) */
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 10, 0, 0);
			p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -16);
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0);
			p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
				   BPF_FUNC_ringbuf_submit_dynptr);
			break;
		}
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
		p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		memset(secret, 0x5a, sizeof(secret));
		fd = load_raw(p, n);
		T_ASSERT(fd >= 0);
		r = test_run(fd);
		if (r != (helper == 3 ? -EINVAL : -EFAULT))
			T_FAIL("helper case %d: test run gave %ld", helper, r);
		T_EQ(secret[0], 0x5a);
		oracle_kbpf_close((int)fd);
	}
}

/* ---- against the kernel ---- */

struct result {
	int64_t reserve;
	int64_t write;
	int64_t read;
	int64_t read_null;
	uint64_t data_ok;
	uint64_t data_val;
	uint8_t raw[16];
	uint8_t after[16];
	uint8_t rbuf[64];
};

static long lookup_result(int side, int fd, struct result *r)
{
	uint32_t key = 0;

	memset(r, 0, sizeof(*r));
	return side_elem(side, BPF_MAP_LOOKUP_ELEM, fd, &key, r, 0);
}

/* Arguments for one run of dyn(): mostly valid, with every error mixed in. */
static void dyn_args(uint64_t *seed, uint64_t a[11])
{
	uint64_t x = kbpf_test_rand(seed);
	uint32_t size;

	switch (x % 20) {
	case 0:
		size = 0;
		break;
	case 1:
		size = KBPF_DYNPTR_MAX_SIZE + (uint32_t)(x >> 8) % 3 - 1;
		break;
	case 2:
	case 3:
		size = 3000 + (uint32_t)(x >> 8) % 2000;
		break;
	default:
		size = (uint32_t)(x >> 8) % 200;
	}
	a[0] = size;
	a[1] = kbpf_test_rand(seed) % 16 == 0 ? 1 + (x >> 40) % 4 : 0;
	a[2] = kbpf_test_rand(seed) % (size % 256 + 16);
	a[3] = kbpf_test_rand(seed) % 64;
	a[4] = kbpf_test_rand(seed) % 16 == 0 ? 1 : 0;
	a[5] = kbpf_test_rand(seed) % (size % 256 + 16);
	if (kbpf_test_rand(seed) % 32 == 0)
		a[5] = 0xfffffff0u; /* u32 overflow of offset + len */
	a[6] = kbpf_test_rand(seed) % 64;
	a[7] = kbpf_test_rand(seed) % 16 == 0 ? 2 : 0;
	a[8] = kbpf_test_rand(seed) % (size % 256 + 16);
	a[9] = kbpf_test_rand(seed) % 8; /* discard bit, wake-up flags */
	a[10] = kbpf_test_rand(seed) & 0xff;
}

static const char *dynptr_obj(void)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s/dynptr.bpf.o", RINGBUF_OBJ_DIR);
	return path;
}

/* The consumer's view of a kbpf ring: consumer, producer, data twice. */
static volatile uint8_t *rb_user_view(struct kbpf_map *m, size_t *nr)
{
	const struct kbpf_host *h = kbpf_posix_host();
	const uintptr_t *pages;

	if (m->ops->mmap_pages(m, &pages, nr))
		return NULL;
	return h->vmap(h, pages, *nr);
}

KBPF_TEST(
	dynptr_ringbuf_vs_kernel,
	"the same dynptr program with the same random arguments: same return values, dynptr bytes (size word, offset, NULL after commit or failure) and byte-identical rings")
{
	const uint32_t size = 4096;
	uint64_t seed = kbpf_test_seed() + 11;
	int pfd[2], mfd[2], rfd[2], runs = 0, fails = 0, discards = 0;
	volatile uint8_t *kview, *mview;
	void *cons, *rest;
	const char *why = NULL;
	struct both b;
	size_t nr;

	if (RINGBUF_NO_OBJECTS_WHY[0])
		T_SKIP("no BPF objects: %s", RINGBUF_NO_OBJECTS_WHY);
	if (!oracle_available(&why) || !kside_available(&why))
		T_SKIP("%s", why);
	if (both_open(&b, dynptr_obj()))
		T_FAIL("%s", b.why);
	for (int s = 0; s < 2; s++) {
		pfd[s] = both_prog_fd(&b, s, "dyn");
		mfd[s] = both_map_fd(&b, s, "rb");
		rfd[s] = both_map_fd(&b, s, "results");
		T_ASSERT(pfd[s] >= 0 && mfd[s] >= 0 && rfd[s] >= 0);
	}
	cons = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd[0], 0);
	rest = mmap(NULL, 4096 + 2 * size, PROT_READ, MAP_SHARED, mfd[0], 4096);
	T_ASSERT(cons != MAP_FAILED && rest != MAP_FAILED);
	kview = rest;
	mview = rb_user_view(both_kbpf_map(&b, "rb"), &nr);
	T_ASSERT(mview != NULL);
	for (int i = 0; i < 1500; i++) {
		uint64_t args[11];
		struct result res[2];
		uint32_t ret[2];

		dyn_args(&seed, args);
		for (int s = 0; s < 2; s++) {
			union bpf_attr a;

			memset(&a, 0, sizeof(a));
			a.test.prog_fd = (uint32_t)pfd[s];
			a.test.ctx_in = (uint64_t)(uintptr_t)args;
			a.test.ctx_size_in = sizeof(args);
			T_EQ(side_bpf(s, BPF_PROG_TEST_RUN, &a), 0);
			ret[s] = a.test.retval;
			T_EQ(lookup_result(s, rfd[s], &res[s]), 0);
		}
		runs++;
		T_EQ(ret[1], ret[0]);
		/* The data pointer differs; whether it is NULL does not. */
		T_EQ(!!*(uint64_t *)res[1].raw, !!*(uint64_t *)res[0].raw);
		memset(res[0].raw, 0, 8);
		memset(res[1].raw, 0, 8);
		if (memcmp(&res[0], &res[1], sizeof(res[0]))) {
			T_FAIL("run %d (size %llu flags %llu): kernel reserve %lld write %lld read %lld data %llu, kbpf %lld %lld %lld %llu; size word kernel 0x%08x kbpf 0x%08x",
			       i, (unsigned long long)args[0],
			       (unsigned long long)args[1],
			       (long long)res[0].reserve,
			       (long long)res[0].write, (long long)res[0].read,
			       (unsigned long long)res[0].data_ok,
			       (long long)res[1].reserve,
			       (long long)res[1].write, (long long)res[1].read,
			       (unsigned long long)res[1].data_ok,
			       *(uint32_t *)(res[0].raw + 8),
			       *(uint32_t *)(res[1].raw + 8));
		}
		if (res[0].reserve)
			fails++;
		else if (args[9] & 1)
			discards++;
		/* Consume every 40 runs: the ring overflows in between. */
		if (i % 40 == 39) {
			uint64_t prod = *(volatile uint64_t *)kview;

			T_EQ(*(volatile uint64_t *)(mview + 4096), prod);
			for (uint64_t off = 0; off < size; off++)
				if (kview[4096 + off] != mview[8192 + off])
					T_FAIL("data byte %llu differs after run %d",
					       (unsigned long long)off, i);
			*(volatile uint64_t *)cons = prod;
			*(volatile uint64_t *)mview = prod;
		}
	}
	munmap(cons, 4096);
	munmap(rest, 4096 + 2 * size);
	kbpf_posix_host()->vunmap(kbpf_posix_host(), (void *)mview, nr);
	printf("  %d runs: %d reservations refused (flags, size, room), %d discarded, all equal to the kernel's\n",
	       runs, fails, discards);
	T_ASSERT(fails > 0 && discards > 0);
	both_close(&b);
}

KBPF_TEST(
	dynptr_from_mem_vs_kernel,
	"bpf_dynptr_from_mem over a map value: same results and dynptr bytes as the kernel for sizes, offsets and flags")
{
	uint64_t seed = kbpf_test_seed() + 12;
	const char *why = NULL;
	int pfd[2], rfd[2];
	struct both b;

	if (RINGBUF_NO_OBJECTS_WHY[0])
		T_SKIP("no BPF objects: %s", RINGBUF_NO_OBJECTS_WHY);
	if (!oracle_available(&why) || !kside_available(&why))
		T_SKIP("%s", why);
	if (both_open(&b, dynptr_obj()))
		T_FAIL("%s", b.why);
	for (int s = 0; s < 2; s++) {
		pfd[s] = both_prog_fd(&b, s, "from_mem");
		rfd[s] = both_map_fd(&b, s, "results");
		T_ASSERT(pfd[s] >= 0 && rfd[s] >= 0);
	}
	for (int i = 0; i < 300; i++) {
		uint64_t args[4] = { kbpf_test_rand(&seed) % 64,
				     kbpf_test_rand(&seed) % 72,
				     kbpf_test_rand(&seed) % 8 == 0,
				     kbpf_test_rand(&seed) % 8 == 0 };
		struct result res[2];

		for (int s = 0; s < 2; s++) {
			union bpf_attr a;

			memset(&a, 0, sizeof(a));
			a.test.prog_fd = (uint32_t)pfd[s];
			a.test.ctx_in = (uint64_t)(uintptr_t)args;
			a.test.ctx_size_in = sizeof(args);
			T_EQ(side_bpf(s, BPF_PROG_TEST_RUN, &a), 0);
			T_EQ(lookup_result(s, rfd[s], &res[s]), 0);
		}
		T_EQ(!!*(uint64_t *)res[1].raw, !!*(uint64_t *)res[0].raw);
		memset(res[0].raw, 0, 8);
		memset(res[1].raw, 0, 8);
		if (memcmp(&res[0], &res[1], sizeof(res[0])))
			T_FAIL("run %d: kernel %lld/%lld/%lld kbpf %lld/%lld/%lld",
			       i, (long long)res[0].reserve,
			       (long long)res[0].read, (long long)res[0].write,
			       (long long)res[1].reserve,
			       (long long)res[1].read, (long long)res[1].write);
	}
	both_close(&b);
}
