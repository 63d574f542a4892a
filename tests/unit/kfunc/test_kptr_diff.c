// SPDX-License-Identifier: MIT
/*
 * kptrs in map values (`__kptr`, `__kptr_untrusted`, bpf_kptr_xchg),
 * kbpf against the kernel. The value BTF is built here (struct
 * task_struct named in it, resolved by both sides in this kernel's BTF,
 * which kbpf gets as its host BTF); kfunc ids are looked up by name in
 * /sys/kernel/btf/vmlinux, so no case depends on one kernel's numbering.
 *
 * - kptr_create_vs_kernel: BPF_MAP_CREATE with kptr fields: which map
 *   types may hold them, which records Linux keeps as "no fields" (a
 *   struct without a destructor, an unknown tag, a misaligned field).
 * - kptr_progs_vs_kernel: programs storing task references with
 *   bpf_kptr_xchg, loading and using kptr fields, and the unsafe ones
 *   (the xchg result not released, xchg into an offset that is no kptr or
 *   an untrusted kptr, a pointer of the wrong type, a direct store into a
 *   referenced kptr, a loaded kptr used without a NULL check...): same
 *   accept/refuse, errno and last log line; the safe ones run on both.
 * - kptr_refs_balance: kbpf only (the POSIX host counts a task's
 *   references): a task stored by a program is released by the map when
 *   its element is deleted, overwritten by an update, or the map is
 *   closed; xchg hands the old one back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "diff.h"
#include "insn.h"
#include "kbpf/host.h"
#include "kbpf/uapi/btf.h"
#include "btf/btf.h"
#include "vmlinux_btf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#include "vinsn.h"

/* ---- the value BTF ---- */

struct blob {
	uint8_t types[2048];
	uint32_t tl;
	char strs[512];
	uint32_t sl;
	uint8_t out[24 + 2048 + 512];
	uint32_t len;
	uint32_t next_id;
};

static uint32_t S(struct blob *b, const char *s)
{
	uint32_t o = b->sl;
	size_t n = strlen(s) + 1;

	memcpy(b->strs + b->sl, s, n);
	b->sl += (uint32_t)n;
	return o;
}

static void W(struct blob *b, uint32_t v)
{
	memcpy(b->types + b->tl, &v, 4);
	b->tl += 4;
}

static uint32_t T(struct blob *b, const char *name, uint32_t kind,
		  uint32_t vlen, uint32_t st)
{
	W(b, name ? S(b, name) : 0);
	W(b, kind << 24 | vlen);
	W(b, st);
	return b->next_id++;
}

static void M(struct blob *b, const char *name, uint32_t type, uint32_t bits)
{
	W(b, S(b, name));
	W(b, type);
	W(b, bits);
}

enum {
	ID_INT = 1,
	ID_TASK, /* struct task_struct {} */
	ID_TAG_REF, /* type_tag "kptr" -> task_struct */
	ID_PTR_REF,
	ID_TAG_UNREF, /* type_tag "kptr_untrusted" -> task_struct */
	ID_PTR_UNREF,
	ID_V, /* struct v { int x; task __kptr *t @8; task __kptr_untrusted *u @16 }: 24 */
	ID_LOCAL, /* struct kbpf_test_local {}: in no kernel's BTF */
	ID_TAG_LOCAL,
	ID_PTR_LOCAL,
	ID_VLOCAL, /* struct { int x; local __kptr *p @8 }: 16 */
	ID_INODE, /* struct inode {}: a kernel struct without a destructor */
	ID_TAG_INODE,
	ID_PTR_INODE,
	ID_VINODE, /* struct { int x; inode __kptr *p @8 }: 16 */
	ID_TAG_BAD, /* type_tag "kptr_foo" -> task_struct */
	ID_PTR_BAD,
	ID_VBAD, /* struct { int x; task __kptr_foo *p @8 }: 16 */
	ID_VMIS, /* struct { int x; task __kptr *p @4 }: 16, misaligned */
	ID_VUNREF, /* struct { int x; task __kptr_untrusted *u @8 }: 16 */
	ID_VARR, /* struct { task __kptr *t[2] }: 16 */
	ID_ARR,
	ID_TAG2, /* type_tag "kptr" -> type_tag "kptr" -> task */
	ID_PTR2,
	ID_VTAG2, /* struct { int x; ptr2 @8 }: 16 */
};

/*
 * The value types; @inode: struct vinode's p is a referenced kptr to a
 * kernel struct without a destructor (else an int), @mis: vmis's p is a
 * misaligned kptr (else an int). Either makes BPF_BTF_LOAD fail.
 */
static void kptr_blob(struct blob *b, bool inode, bool mis)
{
	uint32_t h[6];

	memset(b, 0, sizeof(*b));
	b->sl = 1;
	b->next_id = 1;
	T(b, "int", BTF_KIND_INT, 0, 4);
	W(b, BTF_INT_SIGNED << 24 | 32);
	T(b, "task_struct", BTF_KIND_STRUCT, 0, 0);
	T(b, "kptr", BTF_KIND_TYPE_TAG, 0, ID_TASK);
	T(b, NULL, BTF_KIND_PTR, 0, ID_TAG_REF);
	T(b, "kptr_untrusted", BTF_KIND_TYPE_TAG, 0, ID_TASK);
	T(b, NULL, BTF_KIND_PTR, 0, ID_TAG_UNREF);
	T(b, "v", BTF_KIND_STRUCT, 3, 24);
	M(b, "x", ID_INT, 0);
	M(b, "t", ID_PTR_REF, 64);
	M(b, "u", ID_PTR_UNREF, 128);
	T(b, "kbpf_test_local", BTF_KIND_STRUCT, 0, 0);
	T(b, "kptr", BTF_KIND_TYPE_TAG, 0, ID_LOCAL);
	T(b, NULL, BTF_KIND_PTR, 0, ID_TAG_LOCAL);
	T(b, "vlocal", BTF_KIND_STRUCT, 2, 16);
	M(b, "x", ID_INT, 0);
	M(b, "p", ID_PTR_LOCAL, 64);
	T(b, getenv("KPTR_NOINODE") ? "task_struct" : "inode", BTF_KIND_STRUCT,
	  0, 0);
	T(b, "kptr", BTF_KIND_TYPE_TAG, 0, ID_INODE);
	T(b, NULL, BTF_KIND_PTR, 0, ID_TAG_INODE);
	T(b, "vinode", BTF_KIND_STRUCT, 2, 16);
	M(b, "x", ID_INT, 0);
	M(b, "p", inode ? ID_PTR_INODE : ID_INT, 64);
	T(b, "kptr_foo", BTF_KIND_TYPE_TAG, 0, ID_TASK);
	T(b, NULL, BTF_KIND_PTR, 0, ID_TAG_BAD);
	T(b, "vbad", BTF_KIND_STRUCT, 2, 16);
	M(b, "x", ID_INT, 0);
	M(b, "p", ID_PTR_BAD, 64);
	T(b, "vmis", BTF_KIND_STRUCT, 2, 16);
	M(b, "x", ID_INT, 0);
	M(b, "p", mis ? ID_PTR_REF : ID_INT, 32);
	T(b, "vunref", BTF_KIND_STRUCT, 2, 16);
	M(b, "x", ID_INT, 0);
	M(b, "u", ID_PTR_UNREF, 64);
	T(b, "varr", BTF_KIND_STRUCT, 1, 16);
	M(b, "t", ID_ARR, 0);
	T(b, NULL, BTF_KIND_ARRAY, 0, 0);
	W(b, ID_PTR_REF);
	W(b, ID_INT);
	W(b, 2);
	T(b, "kptr", BTF_KIND_TYPE_TAG, 0, ID_TAG_REF);
	T(b, NULL, BTF_KIND_PTR, 0, ID_TAG2);
	T(b, "vtag2", BTF_KIND_STRUCT, 2, 16);
	M(b, "x", ID_INT, 0);
	M(b, "p", ID_PTR2, 64);
	h[0] = 0x0001eb9f;
	h[1] = 24;
	h[2] = 0;
	h[3] = b->tl;
	h[4] = b->tl;
	h[5] = b->sl;
	memcpy(b->out, h, 24);
	memcpy(b->out + 24, b->types, b->tl);
	memcpy(b->out + 24 + b->tl, b->strs, b->sl);
	b->len = 24 + b->tl + b->sl;
}

static long load_btf(int side, struct blob *b, bool show)
{
	static char log[4096];
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)b->out;
	a.btf_size = b->len;
	a.btf_log_buf = (uint64_t)(uintptr_t)log;
	a.btf_log_size = sizeof(log);
	a.btf_log_level = 1;
	log[0] = 0;
	r = side_bpf(side, BPF_BTF_LOAD, &a);
	if (r < 0 && show)
		printf("  side %d: BTF_LOAD %ld\n", side, r);
	return r;
}

static long create_map(int side, long btf, uint32_t type, uint32_t ks,
		       uint32_t vs, uint32_t max, uint32_t flags, uint32_t vid)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = max;
	a.map_flags = flags;
	if (vid) {
		a.btf_fd = (uint32_t)btf;
		a.btf_key_type_id = ID_INT;
		a.btf_value_type_id = vid;
	}
	memcpy(a.map_name, "kp", 3);
	return side_bpf(side, BPF_MAP_CREATE, &a);
}

/* ---- the host BTF: this kernel's ---- */

static void host_on(void)
{
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	kbpf_posix_set_btf(vmlinux, vmlinux_size);
}

static void host_off(void)
{
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	kbpf_posix_set_btf(NULL, 0);
}

/* ---- map creation ---- */

KBPF_TEST(
	kptr_create_vs_kernel,
	"BPF_MAP_CREATE with kptr fields in the value: the map types that may hold them and the records Linux takes as no fields, same result and errno as the kernel")
{
	static const struct {
		const char *what;
		uint32_t type, vs, flags, vid;
		bool kbpf_refuses; /* kbpf: -EOPNOTSUPP (docs/design/kptr.md) */
	} cc[] = {
		{ "array", BPF_MAP_TYPE_ARRAY, 24, 0, ID_V, false },
		{ "hash", BPF_MAP_TYPE_HASH, 24, 0, ID_V, false },
		{ "hash no prealloc", BPF_MAP_TYPE_HASH, 24, BPF_F_NO_PREALLOC,
		  ID_V, false },
		{ "lru hash", BPF_MAP_TYPE_LRU_HASH, 24, 0, ID_V, false },
		{ "percpu array", BPF_MAP_TYPE_PERCPU_ARRAY, 24, 0, ID_V,
		  true },
		{ "percpu hash", BPF_MAP_TYPE_PERCPU_HASH, 24, 0, ID_V, true },
		{ "lru percpu hash", BPF_MAP_TYPE_LRU_PERCPU_HASH, 24, 0, ID_V,
		  true },
		{ "queue", BPF_MAP_TYPE_QUEUE, 24, 0, ID_V, false },
		{ "percpu array untrusted", BPF_MAP_TYPE_PERCPU_ARRAY, 16, 0,
		  ID_VUNREF, true },
		{ "array rdonly prog", BPF_MAP_TYPE_ARRAY, 24,
		  BPF_F_RDONLY_PROG, ID_V, false },
		{ "array wronly prog", BPF_MAP_TYPE_ARRAY, 24,
		  BPF_F_WRONLY_PROG, ID_V, false },
		{ "array mmapable", BPF_MAP_TYPE_ARRAY, 24, BPF_F_MMAPABLE,
		  ID_V, false },
		{ "array untrusted only", BPF_MAP_TYPE_ARRAY, 16, 0, ID_VUNREF,
		  false },
		{ "hash untrusted only", BPF_MAP_TYPE_HASH, 16, 0, ID_VUNREF,
		  false },
		{ "array local type", BPF_MAP_TYPE_ARRAY, 16, 0, ID_VLOCAL,
		  false },
		{ "array bad tag", BPF_MAP_TYPE_ARRAY, 16, 0, ID_VBAD, false },
		{ "array of two", BPF_MAP_TYPE_ARRAY, 16, 0, ID_VARR, false },
		{ "array two tags", BPF_MAP_TYPE_ARRAY, 16, 0, ID_VTAG2,
		  false },
	};
	unsigned diverge = 0;
	struct blob b;
	long btf[2];
	int fails = 0;

	NEED_KERNEL();
	if (vmlinux_btf())
		T_SKIP("no /sys/kernel/btf/vmlinux");
	host_on();
	kptr_blob(&b, false, false);
	for (int s = 0; s < 2; s++)
		btf[s] = load_btf(s, &b, true);
	T_ASSERT(btf[0] >= 0 && btf[1] >= 0);
	for (size_t i = 0; i < sizeof(cc) / sizeof(cc[0]); i++) {
		long r[2] = { 0, 0 };

		for (int s = 0; s < 2; s++) {
			r[s] = create_map(s, btf[s], cc[i].type, 4, cc[i].vs, 2,
					  cc[i].flags, cc[i].vid);
			side_close(s, r[s]);
		}
		if (cc[i].kbpf_refuses && r[0] >= 0 &&
		    r[1] == -KBPF_EOPNOTSUPP) {
			diverge++;
			continue;
		}
		if ((r[0] >= 0) != (r[1] >= 0) || (r[0] < 0 && r[0] != r[1])) {
			printf("  %s: kernel %ld, kbpf %ld\n", cc[i].what,
			       r[0] < 0 ? r[0] : 0, r[1] < 0 ? r[1] : 0);
			fails++;
		}
	}
	host_off();
	printf("  %zu cases, %u where kbpf refuses on purpose\n",
	       sizeof(cc) / sizeof(cc[0]), diverge);
	T_EQ(fails, 0);
}

KBPF_TEST(
	kptr_btf_load_vs_kernel,
	"BPF_BTF_LOAD parses structs with kptr members as the kernel does: a referenced kptr to a kernel struct without a destructor (-ENOENT) and a struct whose only kptr is misaligned (-EFAULT) are refused, the rest loads")
{
	static const struct {
		const char *what;
		bool inode, mis;
	} cc[] = { { "valid", false, false },
		   { "no destructor", true, false },
		   { "misaligned", false, true } };
	int fails = 0;

	NEED_KERNEL();
	if (vmlinux_btf())
		T_SKIP("no /sys/kernel/btf/vmlinux");
	host_on();
	for (size_t i = 0; i < sizeof(cc) / sizeof(cc[0]); i++) {
		struct blob b;
		long r[2] = { 0, 0 };

		kptr_blob(&b, cc[i].inode, cc[i].mis);
		for (int s = 0; s < 2; s++) {
			r[s] = load_btf(s, &b, false);
			side_close(s, r[s]);
		}
		if ((r[0] >= 0) != (r[1] >= 0) || (r[0] < 0 && r[0] != r[1])) {
			printf("  %s: kernel %ld, kbpf %ld\n", cc[i].what,
			       r[0] < 0 ? r[0] : 0, r[1] < 0 ? r[1] : 0);
			fails++;
		}
	}
	host_off();
	T_EQ(fails, 0);
}

/* ---- programs ---- */

static const char *const kf_names[] = { "bpf_task_from_pid", "bpf_task_acquire",
					"bpf_task_release" };
enum { K_FROMPID, K_ACQ, K_REL };
#define KFM 0x7f000000
#define PIDM 0x7c000000
#define KF(k) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, KFM + (k))
#define RET0 MOV(0, 0), EXIT
#define CLS BPF_PROG_TYPE_SCHED_CLS
/* Maps of the programs: LDMAP(r, k). */
enum { P_ARR, P_HASH, P_PLAIN, P_UNREF, P_INODE, P_NR };

/* r6 = lookup(map k, key 0 at r10-4); exit 0 if NULL. */
#define LK(k)                                                               \
	MOV(1, 0), STX(BPF_W, 10, 1, -4), MOVR(2, 10), ALU(BPF_ADD, 2, -4), \
		LDMAP(1, k), CALL(BPF_FUNC_map_lookup_elem),                \
		JI(BPF_JNE, 0, 0, 2), RET0, MOVR(6, 0)
/* r0 = bpf_task_from_pid(own pid); exit 0 if NULL; r7 = r0 */
#define TASK MOV(1, PIDM), KF(K_FROMPID), JI(BPF_JNE, 0, 0, 2), RET0, MOVR(7, 0)
/* r0 = kptr_xchg(r6 + off, r7) */
#define XCHG(off) \
	MOVR(1, 6), ALU(BPF_ADD, 1, off), MOVR(2, 7), CALL(BPF_FUNC_kptr_xchg)
/* release r0 if not NULL */
#define REL0 JI(BPF_JEQ, 0, 0, 2), MOVR(1, 0), KF(K_REL)

struct pcase {
	const char *name;
	bool run;
	struct bpf_insn insns[40];
};

static const struct pcase pcases[] = {
	{ "xchg_in_release_old",
	  true,
	  { LK(P_ARR), TASK, XCHG(8), REL0, MOV(0, 1), EXIT } },
	{ "xchg_in_hash",
	  true,
	  { LK(P_HASH), TASK, XCHG(8), REL0, MOV(0, 1), EXIT } },
	{ "xchg_out_null",
	  true,
	  { LK(P_ARR), MOVR(1, 6), ALU(BPF_ADD, 1, 8), MOV(2, 0),
	    CALL(BPF_FUNC_kptr_xchg), REL0, MOV(0, 2), EXIT } },
	{ "xchg_old_leaked", false, { LK(P_ARR), TASK, XCHG(8), RET0 } },
	{ "xchg_old_unchecked_release",
	  false,
	  { LK(P_ARR), TASK, XCHG(8), MOVR(1, 0), KF(K_REL), RET0 } },
	{ "xchg_not_kptr_offset",
	  false,
	  { LK(P_ARR), TASK, XCHG(0), REL0, RET0 } },
	{ "xchg_other_offset",
	  false,
	  { LK(P_ARR), TASK, XCHG(12), REL0, RET0 } },
	{ "xchg_untrusted_kptr",
	  false,
	  { LK(P_ARR), TASK, XCHG(16), REL0, RET0 } },
	{ "xchg_wrong_type",
	  false,
	  { LK(P_ARR), MOVR(1, 6), ALU(BPF_ADD, 1, 8), MOVR(2, 10),
	    ALU(BPF_ADD, 2, -8), CALL(BPF_FUNC_kptr_xchg), RET0 } },
	{ "xchg_unreferenced_ptr",
	  false,
	  { LK(P_ARR), MOVR(1, 6), ALU(BPF_ADD, 1, 16), LDX(BPF_DW, 2, 1, 0),
	    JI(BPF_JEQ, 2, 0, 4), MOVR(1, 6), ALU(BPF_ADD, 1, 8),
	    CALL(BPF_FUNC_kptr_xchg), REL0, RET0 } },
	{ "xchg_scalar",
	  false,
	  { LK(P_ARR), MOVR(1, 6), ALU(BPF_ADD, 1, 8), MOV(2, 5),
	    CALL(BPF_FUNC_kptr_xchg), RET0 } },
	{ "xchg_value_unchecked",
	  false,
	  { MOV(1, 0), STX(BPF_W, 10, 1, -4), MOVR(2, 10), ALU(BPF_ADD, 2, -4),
	    LDMAP(1, P_HASH), CALL(BPF_FUNC_map_lookup_elem), MOVR(1, 0),
	    ALU(BPF_ADD, 1, 8), MOV(2, 0), CALL(BPF_FUNC_kptr_xchg), REL0,
	    RET0 } },
	{ "xchg_stack",
	  false,
	  { MOVR(1, 10), ALU(BPF_ADD, 1, -8), MOV(2, 0),
	    CALL(BPF_FUNC_kptr_xchg), RET0 } },
	{ "xchg_map_without_btf",
	  false,
	  { LK(P_PLAIN), MOVR(1, 6), ALU(BPF_ADD, 1, 8), MOV(2, 0),
	    CALL(BPF_FUNC_kptr_xchg), REL0, RET0 } },
	{ "xchg_map_untrusted_only",
	  false,
	  { LK(P_UNREF), MOVR(1, 6), ALU(BPF_ADD, 1, 8), MOV(2, 0),
	    CALL(BPF_FUNC_kptr_xchg), REL0, RET0 } },
	{ "xchg_map_local_type",
	  false,
	  { LK(P_INODE), MOVR(1, 6), ALU(BPF_ADD, 1, 8), MOV(2, 0),
	    CALL(BPF_FUNC_kptr_xchg), REL0, RET0 } },
	{ "xchg_var_off",
	  false,
	  { LK(P_ARR), CALL(BPF_FUNC_ktime_get_ns), ALU(BPF_AND, 0, 8),
	    MOVR(1, 6), ALUR(BPF_ADD, 1, 0), MOV(2, 0),
	    CALL(BPF_FUNC_kptr_xchg), REL0, RET0 } },
	{ "xchg_released_twice",
	  false,
	  { LK(P_ARR), TASK, XCHG(8), REL0, MOVR(1, 7), KF(K_REL), RET0 } },
	{ "xchg_use_after_in",
	  false,
	  { LK(P_ARR), TASK, XCHG(8), REL0, LDX(BPF_W, 0, 7, 0), RET0 } },
	{ "store_referenced",
	  false,
	  { LK(P_ARR), TASK, STX(BPF_DW, 6, 7, 8), MOVR(1, 7), KF(K_REL),
	    RET0 } },
	{ "store_zero_referenced",
	  false,
	  { LK(P_ARR), ST(BPF_DW, 6, 8, 0), RET0 } },
	{ "store_untrusted_task",
	  true,
	  { LK(P_ARR), TASK, STX(BPF_DW, 6, 7, 16), MOVR(1, 7), KF(K_REL),
	    MOV(0, 3), EXIT } },
	{ "store_untrusted_zero",
	  true,
	  { LK(P_ARR), ST(BPF_DW, 6, 16, 0), MOV(0, 4), EXIT } },
	{ "store_untrusted_imm",
	  false,
	  { LK(P_ARR), ST(BPF_DW, 6, 16, 1), RET0 } },
	{ "store_untrusted_scalar",
	  false,
	  { LK(P_ARR), MOV(1, 7), STX(BPF_DW, 6, 1, 16), RET0 } },
	{ "store_untrusted_value_ptr",
	  false,
	  { LK(P_ARR), STX(BPF_DW, 6, 6, 16), RET0 } },
	{ "load_use_unchecked",
	  false,
	  { LK(P_ARR), LDX(BPF_DW, 1, 6, 8), KF(K_ACQ), REL0, RET0 } },
	{ "load_checked_acquire",
	  true,
	  { LK(P_ARR), LDX(BPF_DW, 1, 6, 8), JI(BPF_JEQ, 1, 0, 4), KF(K_ACQ),
	    REL0, MOV(0, 5), EXIT } },
	{ "load_read_field",
	  true,
	  { LK(P_ARR), LDX(BPF_DW, 1, 6, 8), JI(BPF_JEQ, 1, 0, 1),
	    LDX(BPF_W, 0, 1, 0), MOV(0, 6), EXIT } },
	{ "load_untrusted_acquire",
	  false,
	  { LK(P_ARR), LDX(BPF_DW, 1, 6, 16), JI(BPF_JEQ, 1, 0, 4), KF(K_ACQ),
	    REL0, RET0 } },
	{ "load_untrusted_read",
	  true,
	  { LK(P_ARR), LDX(BPF_DW, 1, 6, 16), JI(BPF_JEQ, 1, 0, 1),
	    LDX(BPF_W, 0, 1, 0), MOV(0, 7), EXIT } },
	{ "load_unchecked_read",
	  false,
	  { LK(P_ARR), LDX(BPF_DW, 1, 6, 8), LDX(BPF_W, 0, 1, 0), RET0 } },
	{ "load_word", false, { LK(P_ARR), LDX(BPF_W, 0, 6, 8), RET0 } },
	{ "load_misaligned", false, { LK(P_ARR), LDX(BPF_W, 0, 6, 12), RET0 } },
	{ "load_straddle", false, { LK(P_ARR), LDX(BPF_DW, 0, 6, 4), RET0 } },
	{ "load_var_off",
	  false,
	  { LK(P_ARR), CALL(BPF_FUNC_ktime_get_ns), ALU(BPF_AND, 0, 8),
	    ALUR(BPF_ADD, 6, 0), LDX(BPF_DW, 0, 6, 8), RET0 } },
	{ "load_x_field",
	  true,
	  { LK(P_ARR), LDX(BPF_W, 0, 6, 0), MOV(0, 8), EXIT } },
	{ "value_to_helper",
	  false,
	  { LK(P_ARR), MOVR(3, 6), MOVR(2, 10), ALU(BPF_ADD, 2, -4),
	    LDMAP(1, P_ARR), MOV(4, 0), CALL(BPF_FUNC_map_update_elem),
	    RET0 } },
	{ "atomic_on_kptr",
	  false,
	  { LK(P_ARR), MOV(1, 1), ATOMIC_ADD(BPF_DW, 6, 1, 8), RET0 } },
	{ "store_kptr_load_into_other",
	  true,
	  { LK(P_ARR), LDX(BPF_DW, 1, 6, 8), STX(BPF_DW, 6, 1, 16), RET0 } },
};

static char logs[2][1 << 16];

/*
 * kbpf refuses with the same errno and its own line: a kptr to a
 * program's own type (bpf_obj_new objects, which kbpf lacks).
 */
static bool own_line(const struct pcase *c)
{
	return strstr(c->name, "local_type") != NULL;
}

/* The last line of @log that is not "processed ...". */
static void why_line(const char *log, char *out, size_t n)
{
	const char *p = log, *best = "", *end;
	size_t len = 0;

	while (*p) {
		end = strchr(p, '\n');
		if (!end)
			end = p + strlen(p);
		if (strncmp(p, "processed ", 10)) {
			best = p;
			len = (size_t)(end - p);
		}
		p = *end ? end + 1 : end;
	}
	if (len >= n)
		len = n - 1;
	memcpy(out, best, len);
	out[len] = 0;
}

/* @c's instructions with maps, kfuncs and the pid resolved. */
static int resolve(const struct pcase *c, const long *maps,
		   struct bpf_insn *out, uint32_t *n)
{
	uint32_t len = 0;

	for (uint32_t i = 0; i < 40; i++)
		if (c->insns[i].code)
			len = i + 1;
	for (uint32_t i = 0; i < len; i++) {
		int32_t imm = c->insns[i].imm;
		uint32_t id;

		out[i] = c->insns[i];
		if (c->insns[i].code == (BPF_LD | BPF_DW | BPF_IMM) &&
		    imm >= MAPREF && imm < MAPREF + P_NR) {
			out[i].imm = (int32_t)maps[imm - MAPREF];
		} else if (imm >= KFM && imm < KFM + 3) {
			id = kbpf_btf_find(&vbtf, BTF_KIND_FUNC,
					   kf_names[imm - KFM]);
			if (!id)
				return -1;
			out[i].imm = (int32_t)id;
		} else if (imm == PIDM) {
			out[i].imm = (int32_t)getpid();
		}
	}
	*n = len;
	return 0;
}

static long load(int side, const struct bpf_insn *in, uint32_t n)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = CLS;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)in;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_level = 1;
	a.log_size = sizeof(logs[side]);
	a.log_buf = (uint64_t)(uintptr_t)logs[side];
	logs[side][0] = 0;
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

static long run(int side, long fd)
{
	uint8_t pkt[64], out[128];
	union bpf_attr a;
	long err;

	memset(pkt, 0, sizeof(pkt));
	pkt[12] = 0x08;
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = sizeof(pkt);
	a.test.data_out = (uint64_t)(uintptr_t)out;
	a.test.data_size_out = sizeof(out);
	a.test.repeat = 1;
	err = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	return err < 0 ? err : (long)a.test.retval;
}

/* The maps P_*, created on @side with the value BTF @btf. */
static int make_maps(int side, long btf, long *maps)
{
	uint32_t key = 0;
	uint8_t val[24];
	union bpf_attr a;

	maps[P_ARR] =
		create_map(side, btf, BPF_MAP_TYPE_ARRAY, 4, 24, 1, 0, ID_V);
	maps[P_HASH] =
		create_map(side, btf, BPF_MAP_TYPE_HASH, 4, 24, 1, 0, ID_V);
	maps[P_PLAIN] =
		create_map(side, btf, BPF_MAP_TYPE_ARRAY, 4, 24, 1, 0, 0);
	maps[P_UNREF] = create_map(side, btf, BPF_MAP_TYPE_ARRAY, 4, 16, 1, 0,
				   ID_VUNREF);
	maps[P_INODE] = create_map(side, btf, BPF_MAP_TYPE_ARRAY, 4, 16, 1, 0,
				   ID_VLOCAL);
	for (int i = 0; i < P_NR; i++)
		if (maps[i] < 0) {
			printf("  side %d: map %d: %ld\n", side, i, maps[i]);
			return -1;
		}
	/* The hash's key 0 exists. */
	memset(val, 0, sizeof(val));
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)maps[P_HASH];
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)val;
	return side_bpf(side, BPF_MAP_UPDATE_ELEM, &a) ? -1 : 0;
}

KBPF_TEST(
	kptr_progs_vs_kernel,
	"programs with kptr fields (xchg of task references, loads, stores, the unsafe ones): kbpf accepts what the kernel accepts, refuses what it refuses with the same errno and last log line, and runs the safe ones to the same results")
{
	size_t nc = sizeof(pcases) / sizeof(pcases[0]);
	unsigned agree = 0, runs = 0;
	long maps[2][P_NR], btf[2];
	struct blob b;
	int fails = 0;

	NEED_KERNEL();
	if (vmlinux_btf())
		T_SKIP("no /sys/kernel/btf/vmlinux");
	host_on();
	kptr_blob(&b, false, false);
	for (int s = 0; s < 2; s++) {
		btf[s] = load_btf(s, &b, true);
		T_ASSERT(btf[s] >= 0);
		T_EQ(make_maps(s, btf[s], maps[s]), 0);
	}
	for (size_t i = 0; i < nc; i++) {
		const struct pcase *c = &pcases[i];
		struct bpf_insn in[2][40];
		char why[2][256];
		long fd[2];
		uint32_t n;

		for (int s = 0; s < 2; s++) {
			if (resolve(c, maps[s], in[s], &n))
				T_SKIP("this kernel lacks the task kfuncs");
			fd[s] = load(s, in[s], n);
			why_line(logs[s], why[s], sizeof(why[s]));
		}
		if ((fd[0] >= 0) != (fd[1] >= 0) ||
		    (fd[0] < 0 && fd[0] != fd[1]) ||
		    (strcmp(why[0], why[1]) && !own_line(c))) {
			printf("  %s: kernel %ld '%s', kbpf %ld '%s'\n",
			       c->name, fd[0] < 0 ? fd[0] : 0, why[0],
			       fd[1] < 0 ? fd[1] : 0, why[1]);
			fails++;
		} else {
			agree++;
		}
		if (c->run != (fd[0] >= 0)) {
			printf("  %s: the kernel %s it: '%s'\n", c->name,
			       fd[0] >= 0 ? "accepts" : "refuses", why[0]);
			fails++;
		}
		if (c->run && fd[0] >= 0 && fd[1] >= 0) {
			long r0 = run(SIDE_KERNEL, fd[0]);
			long r1 = run(SIDE_KBPF, fd[1]);

			if (r0 != r1) {
				printf("  %s: run: kernel %ld, kbpf %ld\n",
				       c->name, r0, r1);
				fails++;
			}
			runs++;
		}
		side_close(SIDE_KERNEL, fd[0]);
		side_close(SIDE_KBPF, fd[1]);
	}
	for (int s = 0; s < 2; s++) {
		for (int m = 0; m < P_NR; m++)
			side_close(s, maps[s][m]);
		side_close(s, btf[s]);
	}
	host_off();
	printf("  %u of %zu programs agree, %u run on both\n", agree, nc, runs);
	T_EQ(fails, 0);
}

/* ---- kbpf only: the references a map holds ---- */

/* A kbpf program: bpf_kptr_xchg of this thread's task into map @fd's key 0. */
static long xchg_prog(long fd)
{
	const struct pcase c = {
		"xchg", true, { LK(0), TASK, XCHG(8), REL0, MOV(0, 1), EXIT }
	};
	struct bpf_insn in[40];
	long maps[P_NR] = { fd };
	uint32_t n;

	if (resolve(&c, maps, in, &n))
		return -1;
	return load(SIDE_KBPF, in, n);
}

static long elem(long fd, int cmd, uint32_t key)
{
	uint8_t val[24];
	union bpf_attr a;

	memset(val, 0x5a, sizeof(val));
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)&key;
	if (cmd != BPF_MAP_DELETE_ELEM)
		a.value = (uint64_t)(uintptr_t)val;
	return side_bpf(SIDE_KBPF, cmd, &a);
}

/* This thread's task record's references now (-1: no record). */
static long task_refs(void)
{
	kbpf_posix_rcu_barrier();
	return kbpf_posix_task_refs(kbpf_posix_task_of((int)getpid()));
}

KBPF_TEST(
	kptr_refs_balance,
	"a task stored with bpf_kptr_xchg is released by the map exactly once: when xchg hands it back, when its ARRAY slot is overwritten, its HASH element deleted or replaced, and when the map goes; a user lookup reads the field as 0")
{
	long btf, map, prog, base;
	uint8_t out[24];
	union bpf_attr a;
	uint32_t key = 0;
	struct blob b;

	if (vmlinux_btf())
		T_SKIP("no /sys/kernel/btf/vmlinux");
	host_on();
	kptr_blob(&b, false, false);
	btf = load_btf(SIDE_KBPF, &b, true);
	T_ASSERT(btf >= 0);
	for (int type = 0; type < 2; type++) {
		map = create_map(SIDE_KBPF, btf,
				 type ? BPF_MAP_TYPE_HASH : BPF_MAP_TYPE_ARRAY,
				 4, 24, 1, 0, ID_V);
		T_ASSERT(map >= 0);
		prog = xchg_prog(map);
		T_ASSERT(prog >= 0);
		if (type)
			T_EQ(elem(map, BPF_MAP_UPDATE_ELEM, 0), 0);
		T_EQ(run(SIDE_KBPF, prog), 1);
		base = task_refs();
		T_ASSERT(base >= 1);
		/* Again: the new reference in, the old one released. */
		T_EQ(run(SIDE_KBPF, prog), 1);
		T_EQ(task_refs(), base);
		/* User space never sees the pointer. */
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)map;
		a.key = (uint64_t)(uintptr_t)&key;
		a.value = (uint64_t)(uintptr_t)out;
		T_EQ(side_bpf(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM, &a), 0);
		for (int i = 8; i < 16; i++)
			T_EQ(out[i], 0);
		/* An update from user space drops what the value held. */
		T_EQ(elem(map, BPF_MAP_UPDATE_ELEM, 0), 0);
		T_EQ(task_refs(), base - 1);
		if (type) {
			T_EQ(run(SIDE_KBPF, prog), 1);
			T_EQ(task_refs(), base);
			T_EQ(elem(map, BPF_MAP_DELETE_ELEM, 0), 0);
			T_EQ(task_refs(), base - 1);
			T_EQ(elem(map, BPF_MAP_UPDATE_ELEM, 0), 0);
		}
		/* The map's free releases what is left. */
		T_EQ(run(SIDE_KBPF, prog), 1);
		T_EQ(task_refs(), base);
		side_close(SIDE_KBPF, prog);
		side_close(SIDE_KBPF, map);
		T_EQ(task_refs(), base - 1);
	}
	side_close(SIDE_KBPF, btf);
	host_off();
}

KBPF_TEST(
	kptr_create_fault,
	"BPF_MAP_CREATE of a map with kptrs with its Nth allocation failed, for every N: -ENOMEM and nothing left allocated")
{
	long btf, r;
	struct blob b;
	long live;
	int n;

	if (vmlinux_btf())
		T_SKIP("no /sys/kernel/btf/vmlinux");
	host_on();
	kptr_blob(&b, false, false);
	btf = load_btf(SIDE_KBPF, &b, true);
	T_ASSERT(btf >= 0);
	/* The host BTF is parsed once, on first use: not a leak. */
	r = create_map(SIDE_KBPF, btf, BPF_MAP_TYPE_HASH, 4, 24, 1, 0, ID_V);
	T_ASSERT(r >= 0);
	side_close(SIDE_KBPF, r);
	live = kbpf_posix_live_allocs();
	for (int type = 0; type < 2; type++)
		for (n = 0;; n++) {
			kbpf_posix_fail_alloc_after(n);
			r = create_map(SIDE_KBPF, btf,
				       type ? BPF_MAP_TYPE_HASH :
					      BPF_MAP_TYPE_ARRAY,
				       4, 24, 1, 0, ID_V);
			kbpf_posix_fail_alloc_after(-1);
			if (r >= 0) {
				side_close(SIDE_KBPF, r);
				break;
			}
			T_EQ(r, -KBPF_ENOMEM);
			T_EQ(kbpf_posix_live_allocs(), live);
		}
	T_EQ(kbpf_posix_live_allocs(), live);
	side_close(SIDE_KBPF, btf);
	host_off();
}
