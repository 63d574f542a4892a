// SPDX-License-Identifier: MIT
/*
 * Maps whose value holds a struct bpf_spin_lock, kbpf against the kernel:
 * where BPF_MAP_CREATE finds the lock in the value's BTF (nested structs,
 * arrays, unions, two locks, misaligned or mis-sized ones) and which map
 * types and flags may have one, with the errnos; BPF_F_LOCK on lookups,
 * updates and batches (the lock word zeroed on the way out, kept on the way
 * in); and bpf_spin_lock/bpf_spin_unlock in programs: a locked counter
 * incremented from two threads gives the exact total on kbpf.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "btf_build.h"
#include "diff.h"
#include "insn.h"
#include "kbpf/host.h"
#include "kbpf_posix.h"
#include "core/compiler.h"
#include "core/map.h"
#include "core/object.h"

#include "kbpf/uapi/btf.h"

/* ---- BTF (tests/lib/btf_build.h) ---- */

/* The type ids of lock_blob(). */
enum {
	ID_INT = 1,
	ID_LOCK, /* struct bpf_spin_lock { int val; } */
	ID_V, /* struct v { int cnt; lock l; int x; }: lock at 4, size 12 */
	ID_ARR2, /* lock[2] */
	ID_VARR2, /* struct varr2 { lock l[2]; } */
	ID_ARR1, /* lock[1] */
	ID_VARR1, /* struct varr1 { int a; lock l[1]; } */
	ID_NEST, /* struct nest { int a; struct v in; }: lock at 8, size 16 */
	ID_BIGLOCK, /* struct bpf_spin_lock { long val; }: size 8 */
	ID_VBIG, /* struct vbig { int a; int b; biglock l; }: size 16 */
	ID_UNION, /* union u { lock l; int a; }: size 4 */
	ID_LONLY, /* struct lonly { lock l; }: size 4 */
	ID_LONG, /* long */
	ID_VEND, /* struct vend { long a; int b; lock l; }: lock at 12 */
	ID_TDEF, /* typedef struct v tv */
	ID_CONSTLOCK, /* const lock */
	ID_VCONST, /* struct vconst { int a; const lock l; }: lock at 4 */
	ID_DATASEC_VAR, /* var l: lock */
	ID_DATASEC, /* datasec .data { l at 0 } size 4 */
	ID_EXTRA, /* lock_blob()'s @extra struct */
};

/*
 * lock_blob()'s @extra: a struct BPF_BTF_LOAD itself refuses, since it has
 * a member of type bpf_spin_lock that is not a valid lock. (Not among
 * them: a lock beside a nested struct with another lock, which Linux
 * accepts with a WARN_ON_ONCE in the kernel log.)
 */
enum {
	EXTRA_NONE,
	EXTRA_MIS, /* struct mis { int a; lock l at byte 6; }: size 12 */
	EXTRA_TWO, /* struct two { lock a; lock b; } */
	EXTRA_BITS, /* struct bits { int a:4; lock l at bit 4; } */
	EXTRA_UNION_TWO, /* union u2 { lock a; lock b; } */
	EXTRA_OK, /* struct ok { long a; lock l; }: accepted */
};

static void lock_blob(struct tbtf *b, int extra)
{
	tbtf_init(b);
	tbtf_type(b, "int", BTF_KIND_INT, 0, 4);
	tbtf_u32(b, BTF_INT_SIGNED << 24 | 32);
	tbtf_type(b, "bpf_spin_lock", BTF_KIND_STRUCT, 1, 4);
	tbtf_member(b, "val", ID_INT, 0);
	tbtf_type(b, "v", BTF_KIND_STRUCT, 3, 12);
	tbtf_member(b, "cnt", ID_INT, 0);
	tbtf_member(b, "l", ID_LOCK, 32);
	tbtf_member(b, "x", ID_INT, 64);
	tbtf_type(b, NULL, BTF_KIND_ARRAY, 0, 0);
	tbtf_u32(b, ID_LOCK);
	tbtf_u32(b, ID_INT);
	tbtf_u32(b, 2);
	tbtf_type(b, "varr2", BTF_KIND_STRUCT, 1, 8);
	tbtf_member(b, "l", ID_ARR2, 0);
	tbtf_type(b, NULL, BTF_KIND_ARRAY, 0, 0);
	tbtf_u32(b, ID_LOCK);
	tbtf_u32(b, ID_INT);
	tbtf_u32(b, 1);
	tbtf_type(b, "varr1", BTF_KIND_STRUCT, 2, 8);
	tbtf_member(b, "a", ID_INT, 0);
	tbtf_member(b, "l", ID_ARR1, 32);
	tbtf_type(b, "nest", BTF_KIND_STRUCT, 2, 16);
	tbtf_member(b, "a", ID_INT, 0);
	tbtf_member(b, "in", ID_V, 32);
	tbtf_type(b, "bpf_spin_lock", BTF_KIND_STRUCT, 1, 8);
	tbtf_member(b, "val", ID_LONG, 0);
	tbtf_type(b, "vbig", BTF_KIND_STRUCT, 3, 16);
	tbtf_member(b, "a", ID_INT, 0);
	tbtf_member(b, "b", ID_INT, 32);
	tbtf_member(b, "l", ID_BIGLOCK, 64);
	tbtf_type(b, "u", BTF_KIND_UNION, 2, 4);
	tbtf_member(b, "l", ID_LOCK, 0);
	tbtf_member(b, "a", ID_INT, 0);
	tbtf_type(b, "lonly", BTF_KIND_STRUCT, 1, 4);
	tbtf_member(b, "l", ID_LOCK, 0);
	tbtf_type(b, "long", BTF_KIND_INT, 0, 8);
	tbtf_u32(b, BTF_INT_SIGNED << 24 | 64);
	tbtf_type(b, "vend", BTF_KIND_STRUCT, 3, 16);
	tbtf_member(b, "a", ID_LONG, 0);
	tbtf_member(b, "b", ID_INT, 64);
	tbtf_member(b, "l", ID_LOCK, 96);
	tbtf_type(b, "tv", BTF_KIND_TYPEDEF, 0, ID_V);
	tbtf_type(b, NULL, BTF_KIND_CONST, 0, ID_LOCK);
	tbtf_type(b, "vconst", BTF_KIND_STRUCT, 2, 8);
	tbtf_member(b, "a", ID_INT, 0);
	tbtf_member(b, "l", ID_CONSTLOCK, 32);
	tbtf_type(b, "l", BTF_KIND_VAR, 0, ID_LOCK);
	tbtf_u32(b, 1);
	tbtf_type(b, ".data", BTF_KIND_DATASEC, 1, 4);
	tbtf_u32(b, ID_DATASEC_VAR);
	tbtf_u32(b, 0);
	tbtf_u32(b, 4);
	switch (extra) {
	case EXTRA_MIS:
		tbtf_type(b, "mis", BTF_KIND_STRUCT, 2, 12);
		tbtf_member(b, "a", ID_INT, 0);
		tbtf_member(b, "l", ID_LOCK, 48);
		break;
	case EXTRA_TWO:
		tbtf_type(b, "two", BTF_KIND_STRUCT, 2, 8);
		tbtf_member(b, "a", ID_LOCK, 0);
		tbtf_member(b, "b", ID_LOCK, 32);
		break;
	case EXTRA_BITS:
		tbtf_type(b, "bits", BTF_KIND_STRUCT, 2, 8);
		tbtf_member(b, "a", ID_INT, 0);
		tbtf_member(b, "l", ID_LOCK, 4);
		break;
	case EXTRA_UNION_TWO:
		tbtf_type(b, "u2", BTF_KIND_UNION, 2, 4);
		tbtf_member(b, "a", ID_LOCK, 0);
		tbtf_member(b, "b", ID_LOCK, 0);
		break;
	case EXTRA_OK:
		tbtf_type(b, "ok", BTF_KIND_STRUCT, 2, 16);
		tbtf_member(b, "a", ID_LONG, 0);
		tbtf_member(b, "l", ID_LOCK, 64);
		break;
	}
	tbtf_finish(b);
}

struct ccase {
	const char *what;
	uint32_t type, ks, vs, max, flags, kid, vid;
	long expect; /* the kernel's answer: 0 (created) or -errno */
};

KBPF_TEST(
	spin_lock_create_vs_kernel,
	"BPF_MAP_CREATE with a bpf_spin_lock in the value: where it is found, which types and flags, errnos")
{
	static const struct ccase cc[] = {
		{ "array", BPF_MAP_TYPE_ARRAY, 4, 12, 4, 0, ID_INT, ID_V, 0 },
		{ "hash", BPF_MAP_TYPE_HASH, 4, 12, 4, 0, ID_INT, ID_V, 0 },
		{ "hash no prealloc", BPF_MAP_TYPE_HASH, 4, 12, 4,
		  BPF_F_NO_PREALLOC, ID_INT, ID_V, 0 },
		{ "percpu array", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 12, 4, 0,
		  ID_INT, ID_V, -EOPNOTSUPP },
		{ "percpu hash", BPF_MAP_TYPE_PERCPU_HASH, 4, 12, 4, 0, ID_INT,
		  ID_V, -EOPNOTSUPP },
		{ "lru hash", BPF_MAP_TYPE_LRU_HASH, 4, 12, 4, 0, ID_INT, ID_V,
		  -EOPNOTSUPP },
		{ "lru percpu hash", BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 12, 4, 0,
		  ID_INT, ID_V, -EOPNOTSUPP },
		{ "bloom", BPF_MAP_TYPE_BLOOM_FILTER, 0, 12, 4, 0, 0, ID_V,
		  -EOPNOTSUPP },
		{ "array rdonly prog", BPF_MAP_TYPE_ARRAY, 4, 12, 4,
		  BPF_F_RDONLY_PROG, ID_INT, ID_V, -EACCES },
		{ "hash wronly prog", BPF_MAP_TYPE_HASH, 4, 12, 4,
		  BPF_F_WRONLY_PROG, ID_INT, ID_V, -EACCES },
		{ "array rdonly (syscall side)", BPF_MAP_TYPE_ARRAY, 4, 12, 4,
		  BPF_F_RDONLY, ID_INT, ID_V, 0 },
		{ "array mmapable", BPF_MAP_TYPE_ARRAY, 4, 12, 4,
		  BPF_F_MMAPABLE, ID_INT, ID_V, 0 },
		{ "array typedef value", BPF_MAP_TYPE_ARRAY, 4, 12, 4, 0,
		  ID_INT, ID_TDEF, 0 },
		{ "array lock only", BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0, ID_INT,
		  ID_LONLY, 0 },
		{ "array lock as the value", BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0,
		  ID_INT, ID_LOCK, 0 },
		{ "array lock[2]", BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, ID_INT,
		  ID_VARR2, 0 },
		{ "percpu array lock[2]", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, 0,
		  ID_INT, ID_VARR2, 0 },
		{ "array lock[1]", BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, ID_INT,
		  ID_VARR1, 0 },
		{ "percpu array lock[1]", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, 0,
		  ID_INT, ID_VARR1, -EOPNOTSUPP },
		{ "array nested lock", BPF_MAP_TYPE_ARRAY, 4, 16, 4, 0, ID_INT,
		  ID_NEST, 0 },
		{ "percpu array nested lock", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 16,
		  4, 0, ID_INT, ID_NEST, -EOPNOTSUPP },
		{ "percpu array 8-byte bpf_spin_lock",
		  BPF_MAP_TYPE_PERCPU_ARRAY, 4, 16, 4, 0, ID_INT, ID_VBIG, 0 },
		{ "percpu array union", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 4, 0,
		  ID_INT, ID_UNION, 0 },
		{ "array union", BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0, ID_INT,
		  ID_UNION, 0 },
		{ "array lock at 12", BPF_MAP_TYPE_ARRAY, 4, 16, 4, 0, ID_INT,
		  ID_VEND, 0 },
		{ "percpu array const lock", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4,
		  0, ID_INT, ID_VCONST, 0 },
		{ "array keyless datasec lock", BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0,
		  0, ID_DATASEC, 0 },
		{ "percpu array keyless datasec lock",
		  BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 1, 0, 0, ID_DATASEC,
		  -EOPNOTSUPP },
		{ "queue", BPF_MAP_TYPE_QUEUE, 0, 12, 4, 0, 0, ID_V, -EINVAL },
	};
	struct tbtf *b;
	long bfd[2];
	int nbad = 0;

	NEED_KERNEL();
	b = calloc(1, sizeof(*b));
	T_ASSERT(b);
	lock_blob(b, EXTRA_NONE);
	for (int s = 0; s < 2; s++) {
		bfd[s] = tbtf_load(s, b);
		T_ASSERT(bfd[s] >= 0);
	}
	for (size_t i = 0; i < sizeof(cc) / sizeof(cc[0]); i++) {
		long r[2] = { 0, 0 };

		for (int s = 0; s < 2; s++) {
			r[s] = tbtf_map_create(s, bfd[s], cc[i].type, cc[i].ks,
					       cc[i].vs, cc[i].max, cc[i].flags,
					       cc[i].kid, cc[i].vid, -1);
			if (r[s] >= 0)
				side_close(s, r[s]);
		}
		if (!same_result(r[0], r[1]) ||
		    (r[0] >= 0 ? 0 : r[0]) != cc[i].expect) {
			nbad++;
			printf("MISMATCH %s: kernel %ld, kbpf %ld, expected %ld\n",
			       cc[i].what, r[0], r[1], cc[i].expect);
		}
	}
	free(b);
	T_EQ(nbad, 0);
}

KBPF_TEST(
	spin_lock_btf_load_vs_kernel,
	"BPF_BTF_LOAD refuses a struct whose bpf_spin_lock member is not a valid lock, with Linux's errno")
{
	static const struct {
		const char *what;
		int extra;
		long expect;
	} bc[] = {
		{ "misaligned lock", EXTRA_MIS, -EFAULT },
		{ "two locks", EXTRA_TWO, -E2BIG },
		{ "lock at a bit offset", EXTRA_BITS, -EINVAL },
		{ "union of two locks (unions are not looked into)",
		  EXTRA_UNION_TWO, 0 },
		{ "lock after a long", EXTRA_OK, 0 },
	};
	struct tbtf *b;
	int nbad = 0;

	NEED_KERNEL();
	b = calloc(1, sizeof(*b));
	T_ASSERT(b);
	for (size_t i = 0; i < sizeof(bc) / sizeof(bc[0]); i++) {
		long r[2] = { 0, 0 };

		lock_blob(b, bc[i].extra);
		for (int s = 0; s < 2; s++) {
			union bpf_attr a;

			memset(&a, 0, sizeof(a));
			a.btf = (uint64_t)(uintptr_t)b->out;
			a.btf_size = b->len;
			r[s] = side_bpf(s, BPF_BTF_LOAD, &a);
			if (r[s] >= 0)
				side_close(s, r[s]);
		}
		if (!same_result(r[0], r[1]) ||
		    (r[0] >= 0 ? 0 : r[0]) != bc[i].expect) {
			nbad++;
			printf("MISMATCH %s: kernel %ld, kbpf %ld, expected %ld\n",
			       bc[i].what, r[0], r[1], bc[i].expect);
		}
	}
	free(b);
	T_EQ(nbad, 0);
}

/* One step of an element-op script: command, key, value fill, flags. */
struct step {
	int cmd;
	uint32_t key;
	uint8_t fill; /* value bytes sent (0xff in the lock word too) */
	uint64_t flags;
};

static void batch_attr(union bpf_attr *a, long fd, void *keys, void *vals,
		       uint32_t count, uint64_t elem_flags, void *out)
{
	memset(a, 0, sizeof(*a));
	a->batch.map_fd = (uint32_t)fd;
	a->batch.keys = (uint64_t)(uintptr_t)keys;
	a->batch.values = (uint64_t)(uintptr_t)vals;
	a->batch.count = count;
	a->batch.elem_flags = elem_flags;
	a->batch.out_batch = (uint64_t)(uintptr_t)out;
}

/*
 * Run @steps on a map of @type on both sides: every result and every value
 * byte a lookup returns must be the kernel's.
 */
static int run_script(long bfd[2], uint32_t type, uint32_t vid,
		      const struct step *steps, size_t n, const char *what)
{
	long fd[2];
	int nbad = 0;

	/* A fixed hash seed: batches come out in the kernel's bucket order. */
	uint32_t flags = type == BPF_MAP_TYPE_HASH ? BPF_F_ZERO_SEED : 0;

	for (int s = 0; s < 2; s++) {
		fd[s] = vid ? tbtf_map_create(s, bfd[s], type, 4, 12, 4, flags,
					      ID_INT, vid, -1) :
			      side_create(s, type, 4, 12, 4, flags, 0, NULL);
		if (fd[s] < 0) {
			printf("%s: create on side %d: %ld\n", what, s, fd[s]);
			return 1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t val[2][4 * 12];
		uint32_t keys[2][4], count[2] = { 0, 0 }, out[2];
		long r[2];

		for (int s = 0; s < 2; s++) {
			union bpf_attr a;

			memset(val[s], steps[i].fill, sizeof(val[s]));
			memset(keys[s], 0, sizeof(keys[s]));
			for (uint32_t k = 0; k < 4; k++)
				keys[s][k] = steps[i].key + k;
			switch (steps[i].cmd) {
			case BPF_MAP_LOOKUP_BATCH:
			case BPF_MAP_UPDATE_BATCH:
			case BPF_MAP_LOOKUP_AND_DELETE_BATCH:
				batch_attr(&a, fd[s], keys[s], val[s], 2,
					   steps[i].flags, &out[s]);
				r[s] = side_bpf(s, steps[i].cmd, &a);
				count[s] = a.batch.count;
				break;
			default:
				r[s] = side_elem(s, steps[i].cmd, fd[s],
						 keys[s], val[s],
						 steps[i].flags);
			}
		}
		if (r[0] != r[1] || count[0] != count[1] ||
		    memcmp(val[0], val[1], sizeof(val[0]))) {
			nbad++;
			printf("MISMATCH %s step %zu (cmd %d key %u flags %#llx):"
			       " kernel %ld count %u, kbpf %ld count %u\n",
			       what, i, steps[i].cmd, steps[i].key,
			       (unsigned long long)steps[i].flags, r[0],
			       count[0], r[1], count[1]);
			for (int s = 0; s < 2; s++) {
				printf("  side %d:", s);
				for (int k = 0; k < 24; k++)
					printf(" %02x", val[s][k]);
				printf("\n");
			}
		}
	}
	for (int s = 0; s < 2; s++)
		side_close(s, fd[s]);
	return nbad;
}

KBPF_TEST(
	spin_lock_elem_ops_vs_kernel,
	"BPF_F_LOCK on lookup, update, lookup-and-delete and batches; the lock word zeroed out, kept in")
{
	enum {
		L = BPF_MAP_LOOKUP_ELEM,
		U = BPF_MAP_UPDATE_ELEM,
		LD = BPF_MAP_LOOKUP_AND_DELETE_ELEM,
		D = BPF_MAP_DELETE_ELEM,
		LB = BPF_MAP_LOOKUP_BATCH,
		UB = BPF_MAP_UPDATE_BATCH,
		LDB = BPF_MAP_LOOKUP_AND_DELETE_BATCH
	};
	static const struct step array_steps[] = {
		{ U, 0, 0xff, 0 },
		{ L, 0, 0xaa, 0 },
		{ L, 0, 0xaa, BPF_F_LOCK },
		{ U, 1, 0x11, BPF_F_LOCK },
		{ L, 1, 0xaa, BPF_F_LOCK },
		{ U, 1, 0x22, BPF_F_LOCK | BPF_EXIST },
		{ U, 1, 0x22, BPF_F_LOCK | BPF_NOEXIST },
		{ U, 9, 0x22, BPF_F_LOCK },
		{ U, 1, 0x22, BPF_F_LOCK | 8 },
		{ L, 1, 0xaa, BPF_F_LOCK | 8 },
		{ L, 9, 0xaa, BPF_F_LOCK },
		{ LD, 1, 0xaa, BPF_F_LOCK },
		{ D, 1, 0xaa, 0 },
		{ LB, 0, 0xaa, BPF_F_LOCK },
		{ LB, 0, 0xaa, 0 },
		{ LB, 0, 0xaa, 2 },
		{ UB, 2, 0x33, BPF_F_LOCK },
		{ UB, 2, 0x33, BPF_F_LOCK | BPF_ANY | 1 },
		{ LB, 0, 0xaa, BPF_F_LOCK },
	};
	static const struct step hash_steps[] = {
		{ U, 0, 0xff, 0 },
		{ L, 0, 0xaa, 0 },
		{ L, 0, 0xaa, BPF_F_LOCK },
		{ U, 1, 0x11, BPF_F_LOCK },
		{ L, 1, 0xaa, BPF_F_LOCK },
		{ U, 1, 0x22, BPF_F_LOCK | BPF_EXIST },
		{ U, 1, 0x33, BPF_F_LOCK | BPF_NOEXIST },
		{ U, 7, 0x44, BPF_F_LOCK | BPF_EXIST },
		{ U, 7, 0x44, BPF_F_LOCK | BPF_NOEXIST },
		{ L, 7, 0xaa, 0 },
		{ U, 1, 0x22, BPF_F_LOCK | 8 },
		{ L, 1, 0xaa, BPF_F_LOCK | 8 },
		{ L, 9, 0xaa, BPF_F_LOCK },
		{ LD, 1, 0xaa, BPF_F_LOCK },
		{ LD, 1, 0xaa, BPF_F_LOCK },
		{ LD, 7, 0xaa, 0 },
		{ U, 2, 0x55, 0 },
		{ LB, 0, 0xaa, BPF_F_LOCK },
		{ LB, 0, 0xaa, 2 },
		{ UB, 4, 0x66, BPF_F_LOCK },
		{ UB, 4, 0x66, 1 },
		{ LB, 0, 0xaa, 0 },
		{ LDB, 0, 0xaa, BPF_F_LOCK },
	};
	struct tbtf *b;
	long bfd[2];
	int nbad = 0;

	NEED_KERNEL();
	b = calloc(1, sizeof(*b));
	T_ASSERT(b);
	lock_blob(b, EXTRA_NONE);
	for (int s = 0; s < 2; s++) {
		bfd[s] = tbtf_load(s, b);
		T_ASSERT(bfd[s] >= 0);
	}
	nbad += run_script(bfd, BPF_MAP_TYPE_ARRAY, ID_V, array_steps,
			   sizeof(array_steps) / sizeof(array_steps[0]),
			   "array with lock");
	nbad += run_script(bfd, BPF_MAP_TYPE_ARRAY, 0, array_steps,
			   sizeof(array_steps) / sizeof(array_steps[0]),
			   "array without BTF");
	nbad += run_script(bfd, BPF_MAP_TYPE_HASH, ID_V, hash_steps,
			   sizeof(hash_steps) / sizeof(hash_steps[0]),
			   "hash with lock");
	nbad += run_script(bfd, BPF_MAP_TYPE_HASH, 0, hash_steps,
			   sizeof(hash_steps) / sizeof(hash_steps[0]),
			   "hash without BTF");
	free(b);
	T_EQ(nbad, 0);
}

/* ---- programs ---- */

#define MOV(d, i) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOVR(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADDI(d, i) I(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define LDXW(d, s, o) I(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define STXW(d, s, o) I(BPF_STX | BPF_MEM | BPF_W, d, s, o, 0)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define JNE0(d, o) I(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, 0)
#define LDMAP(d, fd)                                               \
	I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), \
		I(0, 0, 0, 0, 0)
/* r6 = lookup(map, key 0), or return 1 if there is none */
#define LOOKUP0(fd)                                                          \
	MOV(1, 0), STXW(10, 1, -4), MOVR(2, 10), ADDI(2, -4), LDMAP(1, fd),  \
		CALL(BPF_FUNC_map_lookup_elem), JNE0(0, 2), MOV(0, 1), EXIT, \
		MOVR(6, 0)

static long load_prog(int side, const struct bpf_insn *insns, uint32_t n)
{
	static char log[8192];
	union bpf_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = n;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	log[0] = 0;
	fd = side_bpf(side, BPF_PROG_LOAD, &a);
	if (fd < 0)
		printf("side %d: load %ld: %s\n", side, fd, log);
	return fd;
}

struct runner {
	int side;
	long prog;
	uint32_t repeat;
	unsigned int cpu;
	long ret;
	uint32_t retval;
};

static void *run_thread(void *arg)
{
	struct runner *r = arg;
	uint8_t pkt[64] = { 0 };
	union bpf_attr a;

	if (r->side == SIDE_KBPF)
		kbpf_posix_set_cpu(r->cpu);
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)r->prog;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = sizeof(pkt);
	a.test.repeat = r->repeat;
	r->ret = side_bpf(r->side, BPF_PROG_TEST_RUN, &a);
	r->retval = a.test.retval;
	return NULL;
}

KBPF_TEST(
	spin_lock_counter_two_threads,
	"a program incrementing a counter under bpf_spin_lock, run from two threads at once, counts every run (kbpf, and the kernel alike), verified under ENFORCE")
{
	enum { REPEAT = 200000 };
	struct tbtf *b;
	int nbad = 0;

	NEED_KERNEL();
	b = calloc(1, sizeof(*b));
	T_ASSERT(b);
	lock_blob(b, EXTRA_NONE);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (int s = 0; s < 2; s++) {
		long bfd = tbtf_load(s, b), map, prog;
		struct runner r[2];
		pthread_t t[2];
		uint8_t val[12];
		uint32_t key = 0, cnt;

		T_ASSERT(bfd >= 0);
		map = tbtf_map_create(s, bfd, BPF_MAP_TYPE_ARRAY, 4, 12, 1, 0,
				      ID_INT, ID_V, -1);
		T_ASSERT(map >= 0);
		{
			const struct bpf_insn insns[] = {
				LOOKUP0((int32_t)map),
				MOVR(1, 6),
				ADDI(1, 4),
				CALL(BPF_FUNC_spin_lock),
				LDXW(1, 6, 0),
				ADDI(1, 1),
				STXW(6, 1, 0),
				LDXW(1, 6, 8),
				ADDI(1, 2),
				STXW(6, 1, 8),
				MOVR(1, 6),
				ADDI(1, 4),
				CALL(BPF_FUNC_spin_unlock),
				MOV(0, 0),
				EXIT,
			};

			prog = load_prog(s, insns,
					 sizeof(insns) / sizeof(insns[0]));
		}
		T_ASSERT(prog >= 0);
		for (int i = 0; i < 2; i++) {
			r[i] = (struct runner){ .side = s,
						.prog = prog,
						.repeat = REPEAT,
						.cpu = (unsigned int)i };
			T_EQ(pthread_create(&t[i], NULL, run_thread, &r[i]), 0);
		}
		for (int i = 0; i < 2; i++) {
			pthread_join(t[i], NULL);
			T_EQ(r[i].ret, 0);
			T_EQ(r[i].retval, 0);
		}
		memset(val, 0xee, sizeof(val));
		T_EQ(side_elem(s, BPF_MAP_LOOKUP_ELEM, map, &key, val,
			       BPF_F_LOCK),
		     0);
		memcpy(&cnt, val, 4);
		printf("  %s: counter %u of %u runs, x %u\n",
		       s == SIDE_KERNEL ? "kernel" : "kbpf", cnt, 2 * REPEAT,
		       *(uint32_t *)(val + 8));
		nbad += cnt != 2u * REPEAT;
		nbad += *(uint32_t *)(val + 8) != 4u * REPEAT;
		nbad += *(uint32_t *)(val + 4) != 0; /* the lock word, zeroed */
		side_close(s, prog);
		side_close(s, map);
		side_close(s, bfd);
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	free(b);
	T_EQ(nbad, 0);
}

/* The value of @key in kbpf map @fd, as a program sees it. */
static uint8_t *kbpf_value_of(long fd, uint32_t key)
{
	struct kbpf_obj *obj;
	uint8_t *v;

	if (kbpf_obj_fd_get(kbpf_posix_host(), (int)fd, KBPF_OBJ_MAP, &obj,
			    NULL))
		return NULL;
	v = kbpf_map_lookup_elem(kbpf_container_of(obj, struct kbpf_map, obj),
				 &key);
	kbpf_obj_put(obj);
	return v;
}

KBPF_TEST(
	spin_lock_word_kept_on_update,
	"kbpf: an ARRAY update from user space leaves the lock word as it was, a HASH update makes an element with a free lock, a lookup shows the word as 0")
{
	static const uint32_t types[2] = { BPF_MAP_TYPE_ARRAY,
					   BPF_MAP_TYPE_HASH };
	struct tbtf *b;
	long bfd;

	b = calloc(1, sizeof(*b));
	T_ASSERT(b);
	lock_blob(b, EXTRA_NONE);
	bfd = tbtf_load(SIDE_KBPF, b);
	free(b);
	T_ASSERT(bfd >= 0);
	for (int t = 0; t < 2; t++) {
		uint8_t val[12], *p;
		uint32_t key = 0, word = 0x5a5a5a5a, got;
		long map;

		map = tbtf_map_create(SIDE_KBPF, bfd, types[t], 4, 12, 4, 0,
				      ID_INT, ID_V, -1);
		T_ASSERT(map >= 0);
		memset(val, 0x11, sizeof(val));
		T_EQ(side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM, map, &key, val,
			       0),
		     0);
		/* A word no lock would hold: the test's own mark. */
		p = kbpf_value_of(map, key);
		T_ASSERT(p);
		memcpy(p + 4, &word, 4);
		memset(val, 0x22, sizeof(val));
		T_EQ(side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM, map, &key, val,
			       0),
		     0);
		p = kbpf_value_of(map, key);
		T_ASSERT(p);
		memcpy(&got, p + 4, 4);
		T_EQ(got, types[t] == BPF_MAP_TYPE_ARRAY ? word : 0);
		memcpy(p + 4, &word, 4);
		memset(val, 0xee, sizeof(val));
		T_EQ(side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM, map, &key, val,
			       0),
		     0);
		T_EQ(*(uint32_t *)(val + 4), 0);
		T_EQ(*(uint32_t *)val, 0x22222222);
		T_EQ(*(uint32_t *)(val + 8), 0x22222222);
		memcpy(&got, p + 4, 4);
		T_EQ(got, word);
		memset(p + 4, 0, 4);
		side_close(SIDE_KBPF, map);
	}
	side_close(SIDE_KBPF, bfd);
}

KBPF_TEST(
	spin_lock_inner_maps_and_mmap_vs_kernel,
	"a map with a lock as an inner map (template and entries must agree on the lock, as Linux's btf_record_equal) and mmap of an mmapable array with a lock: the kernel's answers")
{
	struct tbtf *b;
	long r[2][8];
	int nbad = 0;

	NEED_KERNEL();
	b = calloc(1, sizeof(*b));
	T_ASSERT(b);
	lock_blob(b, EXTRA_NONE);
	for (int s = 0; s < 2; s++) {
		long bfd = tbtf_load(s, b), locked, plain, outer, outer2, mm;
		uint32_t key = 0;
		void *p;

		T_ASSERT(bfd >= 0);
		locked = tbtf_map_create(s, bfd, BPF_MAP_TYPE_ARRAY, 4, 12, 4,
					 0, ID_INT, ID_V, -1);
		plain = side_create(s, BPF_MAP_TYPE_ARRAY, 4, 12, 4, 0, 0,
				    NULL);
		T_ASSERT(locked >= 0 && plain >= 0);
		/* Outer maps with each template. */
		outer = tbtf_map_create(s, -1, BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4,
					2, 0, 0, 0, locked);
		outer2 = tbtf_map_create(s, -1, BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4,
					 2, 0, 0, 0, plain);
		r[s][0] = outer < 0 ? outer : 0;
		r[s][1] = outer2 < 0 ? outer2 : 0;
		r[s][2] = outer < 0 ? -1000 :
				      side_elem(s, BPF_MAP_UPDATE_ELEM, outer,
						&key, &locked, 0);
		r[s][3] = outer < 0 ? -1000 :
				      side_elem(s, BPF_MAP_UPDATE_ELEM, outer,
						&key, &plain, 0);
		r[s][4] = outer2 < 0 ? -1000 :
				       side_elem(s, BPF_MAP_UPDATE_ELEM, outer2,
						 &key, &locked, 0);
		r[s][5] = outer2 < 0 ? -1000 :
				       side_elem(s, BPF_MAP_UPDATE_ELEM, outer2,
						 &key, &plain, 0);
		/* mmap of an mmapable array whose value has a lock. */
		mm = tbtf_map_create(s, bfd, BPF_MAP_TYPE_ARRAY, 4, 12, 4,
				     BPF_F_MMAPABLE, ID_INT, ID_V, -1);
		T_ASSERT(mm >= 0);
		p = s == SIDE_KERNEL ? mmap(NULL, 4096, PROT_READ, MAP_SHARED,
					    (int)mm, 0) :
				       kbpf_posix_mmap(NULL, 4096, PROT_READ,
						       MAP_SHARED, (int)mm, 0);
		r[s][6] = p == MAP_FAILED ? -errno : 0;
		if (p != MAP_FAILED) {
			if (s == SIDE_KERNEL)
				munmap(p, 4096);
			else
				kbpf_posix_munmap(p, 4096);
		}
		r[s][7] = 0;
		side_close(s, mm);
		side_close(s, outer);
		side_close(s, outer2);
		side_close(s, locked);
		side_close(s, plain);
		side_close(s, bfd);
	}
	for (int i = 0; i < 8; i++)
		if (r[0][i] != r[1][i]) {
			nbad++;
			printf("MISMATCH step %d: kernel %ld, kbpf %ld\n", i,
			       r[0][i], r[1][i]);
		} else if (getenv("KBPF_VDEBUG")) {
			printf("step %d: %ld\n", i, r[0][i]);
		}
	free(b);
	T_EQ(nbad, 0);
}

KBPF_TEST(
	spin_lock_unproven_programs,
	"kbpf, verifier off (BPF_PROG_TEST_RUN runs checked): a program that calls a helper while holding a lock, locks twice or exits holding stops with an error instead of hanging, the lock is free after it; a store to the lock word and a lock on the stack are refused")
{
	struct tbtf *b;
	long bfd, map;
	uint8_t val[12];
	uint32_t key = 0;
	int nbad = 0;

	b = calloc(1, sizeof(*b));
	T_ASSERT(b);
	lock_blob(b, EXTRA_NONE);
	bfd = tbtf_load(SIDE_KBPF, b);
	free(b);
	T_ASSERT(bfd >= 0);
	map = tbtf_map_create(SIDE_KBPF, bfd, BPF_MAP_TYPE_ARRAY, 4, 12, 4, 0,
			      ID_INT, ID_V, -1);
	T_ASSERT(map >= 0);
	{
		/* r6 = value; lock; update the same value with BPF_F_LOCK. */
		const struct bpf_insn update_held[] = {
			LOOKUP0((int32_t)map),
			MOVR(1, 6),
			ADDI(1, 4),
			CALL(BPF_FUNC_spin_lock),
			LDMAP(1, (int32_t)map),
			MOVR(2, 10),
			ADDI(2, -4),
			MOVR(3, 6),
			MOV(4, BPF_F_LOCK),
			CALL(BPF_FUNC_map_update_elem),
			MOVR(1, 6),
			ADDI(1, 4),
			CALL(BPF_FUNC_spin_unlock),
			MOV(0, 0),
			EXIT,
		};
		const struct bpf_insn time_held[] = {
			LOOKUP0((int32_t)map),
			MOVR(1, 6),
			ADDI(1, 4),
			CALL(BPF_FUNC_spin_lock),
			CALL(BPF_FUNC_ktime_get_ns),
			MOVR(1, 6),
			ADDI(1, 4),
			CALL(BPF_FUNC_spin_unlock),
			MOV(0, 0),
			EXIT,
		};
		const struct bpf_insn lock_twice[] = {
			LOOKUP0((int32_t)map),	  MOVR(1, 6), ADDI(1, 4),
			CALL(BPF_FUNC_spin_lock), MOVR(1, 6), ADDI(1, 4),
			CALL(BPF_FUNC_spin_lock), MOV(0, 0),  EXIT,
		};
		const struct bpf_insn exit_held[] = {
			LOOKUP0((int32_t)map),	  MOVR(1, 6), ADDI(1, 4),
			CALL(BPF_FUNC_spin_lock), MOV(0, 0),  EXIT,
		};
		const struct bpf_insn store_word[] = {
			LOOKUP0((int32_t)map),
			I(BPF_ST | BPF_MEM | BPF_W, 6, 0, 4, 1),
			MOV(0, 0),
			EXIT,
		};
		const struct bpf_insn lock_stack[] = {
			MOVR(1, 10),
			ADDI(1, -8),
			I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0),
			CALL(BPF_FUNC_spin_lock),
			MOV(0, 0),
			EXIT,
		};
		const struct {
			const char *what;
			const struct bpf_insn *insns;
			uint32_t n;
		} pc[] = {
			{ "helper while holding", update_held,
			  sizeof(update_held) / sizeof(update_held[0]) },
			{ "another helper while holding", time_held,
			  sizeof(time_held) / sizeof(time_held[0]) },
			{ "lock twice", lock_twice,
			  sizeof(lock_twice) / sizeof(lock_twice[0]) },
			{ "exit holding", exit_held,
			  sizeof(exit_held) / sizeof(exit_held[0]) },
			{ "store to the word", store_word,
			  sizeof(store_word) / sizeof(store_word[0]) },
			{ "lock on the stack", lock_stack,
			  sizeof(lock_stack) / sizeof(lock_stack[0]) },
		};

		for (size_t i = 0; i < sizeof(pc) / sizeof(pc[0]); i++) {
			struct runner r = { .side = SIDE_KBPF, .repeat = 1 };
			long prog = load_prog(SIDE_KBPF, pc[i].insns, pc[i].n);

			T_ASSERT(prog >= 0);
			r.prog = prog;
			run_thread(&r);
			side_close(SIDE_KBPF, prog);
			/* The lock is free again: a locked lookup returns. */
			memset(val, 0xee, sizeof(val));
			if (side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM, map, &key,
				      val, BPF_F_LOCK))
				nbad++;
			printf("  %s: run %ld\n", pc[i].what, r.ret);
			if (r.ret >= 0) {
				nbad++;
				printf("  ^ the run should have failed\n");
			}
		}
	}
	side_close(SIDE_KBPF, map);
	side_close(SIDE_KBPF, bfd);
	T_EQ(nbad, 0);
}
