// SPDX-License-Identifier: MIT
/*
 * The verifier against the kernel's: a table of hand-written programs,
 * about half unsafe (out-of-bounds map, stack and packet accesses, stores
 * through scalars, unchecked map lookups, unbounded and infinite loops,
 * uninitialised registers and stack, leaked ring buffer records, writes to
 * read-only maps, misaligned stack accesses, pointer leaks by loaders
 * without CAP_PERFMON) and half safe (bounded loops, packet parsing with
 * bounds checks, checked lookups, helpers, bpf-to-bpf calls, bpf_loop,
 * for_each_map_elem, tail calls). Each is loaded on the kernel and on kbpf
 * with KBPF_VERIFIER_ENFORCE: both must accept or both refuse; the line
 * that says why (the last before "processed ...") must be the same where
 * the table says v0 prints Linux's line, and the count of equal lines is
 * printed for the rest. Accepted packet programs then run in checked mode
 * on kbpf without a fault (soundness spot check).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "diff.h"
#include "insn.h"
#include "kbpf/host.h"
#include "kbpf/disasm.h"
#include "kbpf/interp.h"
#include "kbpf/uapi/btf.h"
#include "core/prog.h"
#include "btf/btf.h"
#include "vmlinux_btf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "vlog_cmp.h"

#include "vcases.h"
#include "vinsn.h"

#define NR_CASES vcases_nr

/* ---- loading ---- */

static long maps[2][NR_MAPS];

/* The lock maps' BTF (vcase_lock_btf()) on @side: an fd or -errno. */
static long lock_btf(int side)
{
	union bpf_attr a;
	uint32_t size;

	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)vcase_lock_btf(&size);
	a.btf_size = size;
	return side_bpf(side, BPF_BTF_LOAD, &a);
}

static int create_maps(int side)
{
	long btf = lock_btf(side);

	if (btf < 0)
		return (int)btf;
	for (int i = 0; i < NR_MAPS; i++) {
		union bpf_attr a;

		vcase_map_attr(i, &a, (uint32_t)btf);
		if (vcase_map_inner(i) >= 0)
			a.inner_map_fd =
				(uint32_t)maps[side][vcase_map_inner(i)];
		maps[side][i] = side_bpf(side, BPF_MAP_CREATE, &a);
		if (maps[side][i] < 0) {
			side_close(side, btf);
			return (int)maps[side][i];
		}
	}
	side_close(side, btf);
	return 0;
}

/* Drop (or give back) CAP_PERFMON and CAP_SYS_ADMIN from this thread. */
static int unpriv(bool drop)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3,
						0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &hdr, d))
		return -errno;
	if (drop) {
		d[CAP_SYS_ADMIN / 32].effective &=
			~(1u << (CAP_SYS_ADMIN % 32));
		d[CAP_PERFMON / 32].effective &= ~(1u << (CAP_PERFMON % 32));
	} else {
		d[0].effective = d[0].permitted;
		d[1].effective = d[1].permitted;
	}
	return syscall(SYS_capset, &hdr, d) ? -errno : 0;
}

/*
 * Level-1 logs: the kernel needs room for the longest path's instructions
 * while it verifies (it rewinds at each path's end): 3.2 MB for the
 * table's nested_loops_200x30_branchy, else it fails with -ENOSPC.
 */
static char logs[2][4u << 20];
static uint32_t load_level = 1; /* log_level of load() */

/* This kernel's BTF, which kbpf also gets as its host BTF (tracing cases). */

/* Byte offset of @name in struct @sid, through anonymous members; -1. */
static int64_t member_off(uint32_t sid, const char *name, int depth)
{
	uint32_t id;
	const uint8_t *t = kbpf_btf_skip_mods(&vbtf, sid, &id);

	if (!t || depth > 8 ||
	    (kbpf_btf_kind(&vbtf, t) != BTF_KIND_STRUCT &&
	     kbpf_btf_kind(&vbtf, t) != BTF_KIND_UNION))
		return -1;
	for (uint32_t i = 0; i < kbpf_btf_vlen(&vbtf, t); i++) {
		const uint8_t *m = kbpf_btf_vrec(&vbtf, t, i);
		const char *mn = kbpf_btf_name(&vbtf, m);
		int64_t off = kbpf_btf_member_bit_off(&vbtf, t, i) / 8, r;

		if (mn && !strcmp(mn, name))
			return off;
		if (mn && !*mn) {
			r = member_off(kbpf_btf_rd32(&vbtf, m + 4), name,
				       depth + 1);
			if (r >= 0)
				return off + r;
		}
	}
	return -1;
}

/* vcase_btf_fields[k] in this kernel: the offset (or size), or -1. */
static int64_t field_off(int k)
{
	uint32_t sid =
		kbpf_btf_find(&vbtf, BTF_KIND_STRUCT, vcase_btf_fields[k].type);

	if (!sid)
		return -1;
	if (!vcase_btf_fields[k].member)
		return kbpf_btf_st(&vbtf, kbpf_btf_type(&vbtf, sid));
	return member_off(sid, vcase_btf_fields[k].member, 0);
}

/*
 * The attach type and id of @at ("tp:", "fentry:", "fexit:"), and @insns
 * with their BTF_F() offsets resolved; -1 if this kernel lacks one.
 */
static int resolve_attach(const char *at, struct bpf_insn *insns, uint32_t n,
			  union bpf_attr *a)
{
	char name[64];
	const char *colon = strchr(at, ':');
	const char *s = colon ? colon + 1 : at; /* "kfunc" has no ':' */

	if (vmlinux_btf())
		return -1;
	if (!strcmp(at, "btf"))
		goto fields; /* not a tracing program: only BTF_F() offsets */
	if (!strcmp(at, "kfunc")) {
		/* not a tracing program: only its kfunc calls are named */
		for (uint32_t i = 0; i < n; i++) {
			int32_t imm = insns[i].imm;
			uint32_t id;

			if (insns[i].code != (BPF_JMP | BPF_CALL) ||
			    insns[i].src_reg != BPF_PSEUDO_KFUNC_CALL ||
			    imm < VCASE_KF(0) || imm >= VCASE_KF(VCASE_NR_KF))
				continue;
			id = kbpf_btf_find(&vbtf, BTF_KIND_FUNC,
					   vcase_kfuncs[imm - VCASE_KF(0)]);
			if (!id)
				return -1;
			insns[i].imm = (int32_t)id;
		}
		return 0;
	}
	if (!strncmp(at, "tp:", 3)) {
		snprintf(name, sizeof(name), "btf_trace_%s", s);
		a->expected_attach_type = BPF_TRACE_RAW_TP;
		a->attach_btf_id = kbpf_btf_find(&vbtf, BTF_KIND_TYPEDEF, name);
	} else {
		a->expected_attach_type = at[2] == 'n' ? BPF_TRACE_FENTRY :
							 BPF_TRACE_FEXIT;
		a->attach_btf_id = kbpf_btf_find(&vbtf, BTF_KIND_FUNC, s);
	}
	if (!a->attach_btf_id)
		return -1;
fields:
	for (uint32_t i = 0; i < n; i++) {
		int32_t off = insns[i].off, k;
		int64_t v;

		if (off < VCASE_BTF_F(0) - 32 ||
		    off >= VCASE_BTF_F(VCASE_NR_BTF_F) - 32)
			continue;
		k = (off - VCASE_BTF_F(0) + 32) / 64;
		v = field_off(k);
		if (v < 0 || v + (off - VCASE_BTF_F(k)) > 32767)
			return -1;
		insns[i].off = (int16_t)(v + (off - VCASE_BTF_F(k)));
	}
	return 0;
}

/*
 * Whether this kernel loads fentry programs at all (some refuse every
 * one, -EPERM with an empty log: no trampolines); a trivial one on @at.
 */
static bool kernel_loads(const char *at)
{
	struct bpf_insn p[] = { MOV(0, 0), EXIT };
	union bpf_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	if (resolve_attach(at, p, 2, &a))
		return false;
	a.prog_type = BPF_PROG_TYPE_TRACING;
	a.insn_cnt = 2;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	fd = side_bpf(SIDE_KERNEL, BPF_PROG_LOAD, &a);
	side_close(SIDE_KERNEL, fd);
	return fd >= 0;
}

static long load(int side, const struct vcase *c)
{
	struct bpf_insn insns[40];
	union bpf_attr a;
	long fd;

	uint32_t n = vcase_len(c);

	memset(&a, 0, sizeof(a));
	memcpy(insns, c->insns, n * sizeof(insns[0]));
	if (c->attach && resolve_attach(c->attach, insns, n, &a))
		return -ENOENT; /* the test skips it */
	for (uint32_t i = 0; i < n; i++)
		if (insns[i].code == (BPF_LD | BPF_DW | BPF_IMM) &&
		    insns[i].src_reg == BPF_PSEUDO_MAP_FD)
			insns[i].imm =
				(int32_t)maps[side][insns[i].imm - MAPREF];
	a.prog_type = c->type;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_level = load_level;
	a.log_size = sizeof(logs[side]);
	a.log_buf = (uint64_t)(uintptr_t)logs[side];
	logs[side][0] = 0;
	if (c->unpriv && unpriv(true))
		return -EPERM;
	fd = side_bpf(side, BPF_PROG_LOAD, &a);
	if (c->unpriv)
		unpriv(false);
	return fd;
}

/* The line that says why: the last one before "processed ...". */
static void why_line(const char *log, char *out, size_t n)
{
	const char *p = log, *best = "", *end;
	size_t len = 0;

	while (*p) {
		end = strchr(p, '\n');
		if (!end)
			end = p + strlen(p);
		if (strncmp(p, "processed ", 10) &&
		    strncmp(p, "cur state:", 10) &&
		    strncmp(p, "old state:", 10)) {
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

/* Run an accepted packet program on kbpf in checked mode: no fault. */
static long run_checked(long fd, uint32_t type)
{
	uint8_t pkt[64], out[128];
	union bpf_attr a;

	if (type != XDP && type != SF && type != CLS)
		return 0;
	for (unsigned i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(i * 7);
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = sizeof(pkt);
	a.test.data_out = (uint64_t)(uintptr_t)out;
	a.test.data_size_out = sizeof(out);
	a.test.repeat = 1;
	return side_bpf(SIDE_KBPF, BPF_PROG_TEST_RUN, &a);
}

KBPF_TEST(
	verifier_table,
	"every program of the table: kbpf's verifier (ENFORCE) accepts what the kernel accepts and refuses what it refuses, with Linux's line where v0 has it; accepted packet programs run in checked mode without a fault")
{
	unsigned agree = 0, same = 0, refused = 0, same_refused = 0;
	unsigned nsafe = 0, nunsafe = 0, errno_same = 0, ran = 0;
	unsigned skipped = 0;
	int fails = 0;

	NEED_KERNEL();
	/*
	 * kbpf's host BTF is this kernel's (tracing cases; the kptr map
	 * resolves its task_struct in it when created).
	 */
	if (!vmlinux_btf())
		kbpf_posix_set_btf(vmlinux, vmlinux_size);
	for (int s = 0; s < 2; s++)
		if (create_maps(s))
			T_FAIL("creating maps on side %d", s);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (size_t i = 0; i < NR_CASES; i++) {
		const struct vcase *c = &vcases[i];
		char kl[256], bl[256];
		struct bpf_insn tmp[40];
		union bpf_attr ta;

		memset(&ta, 0, sizeof(ta));
		memcpy(tmp, c->insns, sizeof(tmp));
		if (c->attach && resolve_attach(c->attach, tmp, 40, &ta)) {
			printf("%-28s skipped: no %s or one of its fields in "
			       "this kernel's BTF\n",
			       c->name, c->attach);
			skipped++;
			continue;
		}
		if (c->attach && strncmp(c->attach, "tp:", 3) &&
		    strcmp(c->attach, "kfunc") && strcmp(c->attach, "btf") &&
		    !kernel_loads(c->attach)) {
			printf("%-28s skipped: this kernel loads no %s program "
			       "(not even one returning 0)\n",
			       c->name, c->attach);
			skipped++;
			continue;
		}
		long k = load(SIDE_KERNEL, c), b = load(SIDE_KBPF, c);
		bool ok = (k >= 0) == (b >= 0);

		if (c->safe)
			nsafe++;
		else
			nunsafe++;
		why_line(logs[0], kl, sizeof(kl));
		why_line(logs[1], bl, sizeof(bl));
		agree += ok;
		if (k < 0) {
			refused++;
			same_refused += !strcmp(kl, bl);
		}
		same += !strcmp(kl, bl);
		errno_same += (k < 0 ? k == b : b >= 0);
		if (!ok || (k >= 0) != c->safe ||
		    (c->same_line && strcmp(kl, bl)) || getenv("KBPF_VDEBUG"))
			printf("%-28s kernel %ld [%s]\n%-28s kbpf   %ld [%s]\n",
			       c->name, k, kl, "", b, bl);
		if (!ok || (c->same_line && strcmp(kl, bl)))
			fails++;
		if (b >= 0) {
			long r = run_checked(b, c->type);

			if (r < 0) {
				printf("%s: checked run failed: %ld\n", c->name,
				       r);
				fails++;
			}
			ran++;
		}
		side_close(SIDE_KERNEL, k);
		side_close(SIDE_KBPF, b);
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	kbpf_posix_set_btf(NULL, 0);
	printf("verifier table: %zu programs (%u safe, %u unsafe by design, "
	       "%u skipped): accept/reject agree %u; same errno %u; same last "
	       "line %u of %zu (%u of %u refusals); %u accepted ran checked\n",
	       NR_CASES - skipped, nsafe, nunsafe, skipped, agree, errno_same,
	       same, NR_CASES - skipped, same_refused, refused, ran);
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < NR_MAPS; m++)
			side_close(s, maps[s][m]);
	T_EQ(fails, 0);
}

/* "processed N insns" of a level-1 log, or 0. */
static unsigned long processed_of(const char *log)
{
	const char *p = strstr(log, "processed ");

	return p ? strtoul(p + 10, NULL, 10) : 0;
}

KBPF_TEST(
	verifier_bench_loops,
	"the benches' 64-call loops (bench_hash, bench_array, bench_stream shapes in the table): both the kernel and kbpf (ENFORCE) accept them, kbpf marks them verified, and kbpf processes at most twice the kernel's instructions (a success count made precise keeps every iteration's states apart: 2^64 paths, the 1M-instruction limit)")
{
	static const char *const names[] = {
		"bench_hash_lookup_loop",
		"bench_hash_update_loop",
		"bench_array_lookup_loop",
		"bench_ringbuf_reserve_loop",
	};
	int fails = 0;

	NEED_KERNEL();
	for (int s = 0; s < 2; s++)
		if (create_maps(s))
			T_FAIL("creating maps on side %d", s);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct vcase *c = NULL;
		unsigned long kp, bp;
		struct kbpf_obj *obj;
		uint32_t flags;
		bool verified = false;
		long k, b;

		for (size_t j = 0; j < NR_CASES; j++)
			if (!strcmp(vcases[j].name, names[i]))
				c = &vcases[j];
		T_ASSERT(c);
		k = load(SIDE_KERNEL, c);
		b = load(SIDE_KBPF, c);
		kp = processed_of(logs[0]);
		bp = processed_of(logs[1]);
		if (b >= 0 &&
		    !kbpf_posix_host()->fd_get(kbpf_posix_host(), (int)b, &obj,
					       &flags)) {
			verified = ((struct kbpf_prog *)obj)->verified;
			kbpf_obj_put(obj);
		}
		printf("%-28s kernel %ld, %lu insns; kbpf %ld, %lu insns (%.2fx)\n",
		       c->name, k, kp, b, bp, kp ? (double)bp / kp : 0.0);
		if (k < 0 || b < 0 || !verified || !kp || !bp || bp > 2 * kp)
			fails++;
		side_close(SIDE_KERNEL, k);
		side_close(SIDE_KBPF, b);
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < NR_MAPS; m++)
			side_close(s, maps[s][m]);
	T_EQ(fails, 0);
}

KBPF_TEST(
	verifier_stack_liveness,
	"the table's live_* cases (two paths storing different things in a stack slot, joined): where nothing after the join reads the slot before writing it (live_dead_*), kbpf stops the second path at the join and processes exactly the kernel's instruction count; where a load, a callee or a helper reads it (live_slot_*), the slot is compared, kbpf decides as the kernel, and refuses the unsafe second paths")
{
	int fails = 0, n = 0;

	NEED_KERNEL();
	for (int s = 0; s < 2; s++)
		if (create_maps(s))
			T_FAIL("creating maps on side %d", s);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (size_t j = 0; j < NR_CASES; j++) {
		const struct vcase *c = &vcases[j];
		unsigned long kp, bp;
		long k, b;

		if (strncmp(c->name, "live_", 5))
			continue;
		n++;
		k = load(SIDE_KERNEL, c);
		b = load(SIDE_KBPF, c);
		kp = processed_of(logs[0]);
		bp = processed_of(logs[1]);
		printf("%-34s kernel %ld, %lu insns; kbpf %ld, %lu insns\n",
		       c->name, k, kp, b, bp);
		/* the decision is the kernel's, and the case's */
		if ((k >= 0) != (b >= 0) || (k >= 0) != c->safe)
			fails++;
		/* an accepted program: the same pruning, to the instruction */
		if (k >= 0 && (!kp || kp != bp))
			fails++;
		side_close(SIDE_KERNEL, k);
		side_close(SIDE_KBPF, b);
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < NR_MAPS; m++)
			side_close(s, maps[s][m]);
	T_EQ(n, 6);
	T_EQ(fails, 0);
}

KBPF_TEST(
	verifier_tp_btf_args,
	"every pointer argument of every raw tracepoint in this kernel's BTF, dereferenced by a tp_btf program without a null check: kbpf (this BTF as its host BTF) decides as the kernel, with its line (arguments Linux knows may be NULL or an error pointer, struct walks at offset 0)")
{
	struct kbpf_btf_view v;
	unsigned n = 0, agree = 0, same = 0, maybe_null = 0, refused = 0;
	int fails = 0;

	NEED_KERNEL();
	if (vmlinux_btf())
		T_SKIP("no /sys/kernel/btf/vmlinux");
	T_EQ(kbpf_btf_parse(&v, kbpf_posix_host(), vmlinux, vmlinux_size,
			    KBPF_BTF_F_NATIVE, NULL),
	     0);
	kbpf_posix_set_btf(vmlinux, vmlinux_size);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (uint32_t id = 1; id < v.nr_types; id++) {
		const uint8_t *t = kbpf_btf_type(&v, id), *fp;
		const char *tn = kbpf_btf_name(&v, t);

		if (kbpf_btf_kind(&v, t) != BTF_KIND_TYPEDEF || !tn ||
		    strncmp(tn, "btf_trace_", 10))
			continue;
		fp = kbpf_btf_type(&v, kbpf_btf_st(&v, t));
		fp = fp ? kbpf_btf_type(&v, kbpf_btf_st(&v, fp)) : NULL;
		if (!fp || kbpf_btf_kind(&v, fp) != BTF_KIND_FUNC_PROTO)
			continue;
		for (uint32_t i = 1; i < kbpf_btf_vlen(&v, fp) && i <= 12;
		     i++) {
			const uint8_t *a = kbpf_btf_skip_mods(
				&v,
				kbpf_btf_rd32(&v, kbpf_btf_vrec(&v, fp, i) + 4),
				NULL);
			struct bpf_insn p[] = {
				LDX(BPF_DW, 6, 1, (int16_t)(8 * (i - 1))),
				LDX(BPF_B, 0, 6, 0),
				MOV(0, 0),
				EXIT,
			};
			union bpf_attr at;
			char kl[256], bl[256];
			long r[2] = { 0, 0 };

			if (!a || kbpf_btf_kind(&v, a) != BTF_KIND_PTR)
				continue;
			for (int s = 0; s < 2; s++) {
				memset(&at, 0, sizeof(at));
				at.prog_type = BPF_PROG_TYPE_TRACING;
				at.expected_attach_type = BPF_TRACE_RAW_TP;
				at.attach_btf_id = id;
				at.insn_cnt = 4;
				at.insns = (uint64_t)(uintptr_t)p;
				at.license = (uint64_t)(uintptr_t) "GPL";
				at.log_level = 1;
				at.log_size = sizeof(logs[s]);
				at.log_buf = (uint64_t)(uintptr_t)logs[s];
				logs[s][0] = 0;
				r[s] = side_bpf(s, BPF_PROG_LOAD, &at);
				side_close(s, r[s]);
			}
			why_line(logs[0], kl, sizeof(kl));
			why_line(logs[1], bl, sizeof(bl));
			n++;
			refused += r[0] < 0;
			maybe_null += strstr(kl, "or_null_") != NULL;
			agree += (r[0] >= 0) == (r[1] >= 0);
			same += !strcmp(kl, bl);
			if ((r[0] >= 0) != (r[1] >= 0) || strcmp(kl, bl)) {
				if (fails++ < 20)
					printf("%s arg%u: kernel %ld [%s]\n"
					       "%*s kbpf   %ld [%s]\n",
					       tn + 10, i - 1, r[0], kl,
					       (int)strlen(tn + 10) + 5, "",
					       r[1], bl);
			}
		}
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	kbpf_posix_set_btf(NULL, 0);
	kbpf_btf_free(&v);
	printf("tracepoint arguments: %u programs (%u refused by the kernel, "
	       "%u of them as maybe NULL): same decision %u, same line %u\n",
	       n, refused, maybe_null, agree, same);
	T_ASSERT(n > 0);
	T_EQ(fails, 0);
}

KBPF_TEST(
	verifier_log_levels,
	"the table's programs loaded at log levels 1 and 2 on the kernel and on kbpf: the instruction lines of the trace (the failing path at level 1, every path at level 2) are the kernel's, line for line, for every program at level 1; identical instruction lines, whole logs, state parts and level 2's precision lines are counted at both levels, level 2's asserted not below what was measured (KBPF_VLOG_SHOW=1 prints the logs that differ, KBPF_VLOG_CASE=name one case)")
{
	const char *show = getenv("KBPF_VLOG_SHOW");
	const char *only = getenv("KBPF_VLOG_CASE");
	struct vlc_stats st[2];
	int fails = 0;

	NEED_KERNEL();
	memset(st, 0, sizeof(st));
	for (int s = 0; s < 2; s++)
		if (create_maps(s))
			T_FAIL("creating maps on side %d", s);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (uint32_t lvl = 1; lvl <= 2; lvl++) {
		load_level = lvl;
		for (size_t i = 0; i < NR_CASES; i++) {
			const struct vcase *c = &vcases[i];
			long k, b;
			bool same;

			if (only && strcmp(only, c->name))
				continue;
			/*
			 * Tracing cases: their logs name kernel structs and
			 * need the kernel's BTF as kbpf's host BTF; the table
			 * test compares their decisions and lines.
			 */
			if (c->attach)
				continue;
			k = load(SIDE_KERNEL, c);
			b = load(SIDE_KBPF, c);
			same = vlc_compare(&st[lvl - 1], logs[0], logs[1],
					   show || only, c->name);
			if (lvl == 1 && !same) {
				printf("%s: level 1 instruction lines differ\n",
				       c->name);
				fails++;
			}
			side_close(SIDE_KERNEL, k);
			side_close(SIDE_KBPF, b);
		}
	}
	load_level = 1;
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	vlc_print(&st[0], "verifier log level 1");
	vlc_print(&st[1], "verifier log level 2");
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < NR_MAPS; m++)
			side_close(s, maps[s][m]);
	T_EQ(fails, 0);
	/*
	 * Level 2, the whole table (measured on Linux 6.18): instruction
	 * lines identical for 202 of its 210 programs (200 before the
	 * precision lines), and the precision lines ("mark_precise: ...",
	 * "frame N: propagating ...") all the kernel's for 201 (the rest:
	 * the loops' states, precision Linux finds elsewhere).
	 */
	if (!only) {
		T_ASSERT(st[1].insn_same >= 202);
		T_ASSERT(st[1].prec_same >= 201);
	}
}

/*
 * Callbacks need BTF func_info on a bpf(2) load (both sides refuse the
 * table's callback programs with "missing btf func_info"); kbpf's ELF
 * loader drops func_info and loads through kbpf_prog_load() with kernel
 * pointers, where the verifier checks the callback bodies instead.
 */
static const struct {
	const char *name;
	const char *why; /* NULL: accepted */
} cb_cases[] = {
	{ "bpf_loop", NULL },
	{ "bpf_loop_ctx_stack", NULL },
	{ "for_each_map_elem", NULL },
	/* Linux's verbose_invalid_scalar() line for "callback return" */
	{ "loop_cb_bad_ret",
	  "At callback return the register R0 has smin=5 smax=5 should have been in [0, 1]" },
};

KBPF_TEST(
	verifier_callbacks,
	"callbacks loaded as kbpf's ELF loader loads them: bpf_loop and for_each_map_elem bodies are verified with their argument types until the caller's state converges, r0 must be in [0, 1]; accepted ones run in checked mode without a fault")
{
	const struct kbpf_host *h = kbpf_posix_host();

	if (create_maps(SIDE_KBPF))
		T_FAIL("creating maps");
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (size_t i = 0; i < sizeof(cb_cases) / sizeof(cb_cases[0]); i++) {
		const struct vcase *c = NULL;
		struct kbpf_prog_load_opts opts = { .kernel_ptrs = true };
		struct bpf_insn insns[40];
		struct kbpf_prog *prog = NULL;
		union bpf_attr a;
		char why[256];
		uint32_t n;
		int err;

		for (size_t j = 0; j < NR_CASES; j++)
			if (!strcmp(vcases[j].name, cb_cases[i].name))
				c = &vcases[j];
		T_ASSERT(c);
		n = vcase_len(c);
		memcpy(insns, c->insns, n * sizeof(insns[0]));
		for (uint32_t k = 0; k < n; k++)
			if (insns[k].code == (BPF_LD | BPF_DW | BPF_IMM) &&
			    insns[k].src_reg == BPF_PSEUDO_MAP_FD)
				insns[k].imm = (int32_t)
					maps[SIDE_KBPF][insns[k].imm - MAPREF];
		memset(&a, 0, sizeof(a));
		a.prog_type = c->type;
		a.insn_cnt = n;
		a.insns = (uint64_t)(uintptr_t)insns;
		a.license = (uint64_t)(uintptr_t) "GPL";
		a.log_level = 1;
		a.log_size = sizeof(logs[1]);
		a.log_buf = (uint64_t)(uintptr_t)logs[1];
		logs[1][0] = 0;
		err = kbpf_prog_load(h, &a, &opts, &prog);
		why_line(logs[1], why, sizeof(why));
		printf("%-20s %d [%s]\n", c->name, err, why);
		if (!cb_cases[i].why) {
			int fd;

			T_EQ(err, 0);
			T_ASSERT(prog->verified);
			fd = h->fd_install(h, &prog->obj,
					   KBPF_FD_READ | KBPF_FD_WRITE);
			T_ASSERT(fd >= 0);
			T_EQ(run_checked(fd, c->type), 0);
			side_close(SIDE_KBPF, fd);
		} else {
			T_ASSERT(err < 0);
			if (strcmp(why, cb_cases[i].why))
				T_FAIL("%s: [%s], expected [%s]", c->name, why,
				       cb_cases[i].why);
		}
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	for (int m = 0; m < NR_MAPS; m++)
		side_close(SIDE_KBPF, maps[SIDE_KBPF][m]);
}

/* Load case @name on kbpf under @policy; the program, or NULL and *err. */
static struct kbpf_prog *load_policy(const char *name, uint32_t policy,
				     int *err, long *fd)
{
	const struct vcase *c = NULL;
	struct kbpf_obj *obj;
	uint32_t flags;

	for (size_t j = 0; j < NR_CASES; j++)
		if (!strcmp(vcases[j].name, name))
			c = &vcases[j];
	if (!c)
		return NULL;
	kbpf_posix_set_verifier(policy);
	*fd = load(SIDE_KBPF, c);
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	*err = *fd < 0 ? (int)*fd : 0;
	if (*fd < 0)
		return NULL;
	if (kbpf_posix_host()->fd_get(kbpf_posix_host(), (int)*fd, &obj,
				      &flags))
		return NULL;
	kbpf_obj_put(obj); /* the fd keeps it */
	return (struct kbpf_prog *)obj;
}

KBPF_TEST(
	verifier_policy,
	"OFF loads unproven programs as before; ENFORCE refuses a write below the stack; FALLBACK loads it marked checked-only, and its run then stops on the access (checked mode) instead of writing below the stack; proven programs are marked verified with verified_insns")
{
	struct kbpf_prog *p;
	int err;
	long fd;

	if (create_maps(SIDE_KBPF))
		T_FAIL("creating maps");
	p = load_policy("stack_oob_write", KBPF_VERIFIER_OFF, &err, &fd);
	T_ASSERT(p);
	T_ASSERT(!p->verified && !p->checked_only);
	side_close(SIDE_KBPF, fd);
	p = load_policy("stack_oob_write", KBPF_VERIFIER_ENFORCE, &err, &fd);
	T_ASSERT(!p);
	T_EQ(err, -EACCES);
	p = load_policy("stack_oob_write", KBPF_VERIFIER_FALLBACK, &err, &fd);
	T_ASSERT(p);
	T_ASSERT(!p->verified && p->checked_only);
	T_EQ(run_checked(fd, SF), -EFAULT);
	side_close(SIDE_KBPF, fd);
	/*
	 * A runner asking for fast mode still gets checked mode: a read just
	 * above the frame (harmless memory in fast mode) stops with -EFAULT.
	 */
	p = load_policy("stack_oob_read_above", KBPF_VERIFIER_FALLBACK, &err,
			&fd);
	T_ASSERT(p && p->checked_only);
	{
		uint8_t ctx[64] = { 0 };
		struct kbpf_interp_args args = { .ctx = ctx,
						 .ctx_size = sizeof(ctx),
						 .mode = KBPF_INTERP_FAST };
		uint64_t r0 = 0;

		T_EQ(kbpf_interp_run(p, kbpf_posix_host(), &args, &r0),
		     -EFAULT);
	}
	side_close(SIDE_KBPF, fd);
	p = load_policy("map_index_checked", KBPF_VERIFIER_FALLBACK, &err, &fd);
	T_ASSERT(p);
	T_ASSERT(p->verified && !p->checked_only);
	T_ASSERT(p->verified_insns > 0);
	side_close(SIDE_KBPF, fd);
	for (int m = 0; m < NR_MAPS; m++)
		side_close(SIDE_KBPF, maps[SIDE_KBPF][m]);
}

/* ---- random programs ---- */

/* A unit: 1-8 instructions; a jump skips @skip units forward. */
struct unit {
	struct bpf_insn insn[8];
	int n;
	int skip; /* > 0: insn[n - 1] is a jump over this many units */
};

static uint32_t rn(uint64_t *st, uint32_t n)
{
	return (uint32_t)(kbpf_test_rand(st) % n);
}

static int rreg(uint64_t *st)
{
	static const int r[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9 };

	return r[rn(st, 9)];
}

static int32_t rimm(uint64_t *st)
{
	static const int32_t v[] = { 0,	 1,   2,  3,  4,	 7,  8,
				     12, 15,  16, 24, 31,	 32, 63,
				     64, 255, -1, -8, 0x7fffffff };

	return v[rn(st, sizeof(v) / sizeof(v[0]))];
}

static void gen_unit(uint64_t *st, struct unit *u, int left)
{
	static const uint8_t alu[] = { BPF_ADD,	 BPF_SUB, BPF_MUL, BPF_AND,
				       BPF_OR,	 BPF_XOR, BPF_LSH, BPF_RSH,
				       BPF_ARSH, BPF_NEG };
	static const uint8_t jop[] = { BPF_JEQ,	 BPF_JNE,  BPF_JGT,  BPF_JGE,
				       BPF_JLT,	 BPF_JLE,  BPF_JSGT, BPF_JSGE,
				       BPF_JSLT, BPF_JSLE, BPF_JSET };
	static const uint8_t sz[] = { BPF_B, BPF_H, BPF_W, BPF_DW };
	static const int16_t soff[] = { -8, -16,  -4,	-12, -24,
					-2, -512, -520, 0,   -1 };
	static const int16_t voff[] = { 0, 4, 8, 12, 15, 16, -4 };
	int d = rreg(st), s = rreg(st);
	uint8_t op;

	memset(u, 0, sizeof(*u));
	switch (rn(st, 12)) {
	case 0:
		u->insn[u->n++] = MOV(d, rimm(st));
		break;
	case 1:
	case 2:
		op = alu[rn(st, sizeof(alu))];
		if (op == BPF_NEG) {
			u->insn[u->n++] =
				I((rn(st, 2) ? BPF_ALU64 : BPF_ALU) | BPF_NEG,
				  d, 0, 0, 0);
		} else if (rn(st, 2)) {
			int32_t k = rimm(st);

			if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)
				k &= 31;
			u->insn[u->n++] = I((rn(st, 2) ? BPF_ALU64 : BPF_ALU) |
						    op | BPF_K,
					    d, 0, 0, k);
		} else {
			u->insn[u->n++] = I((rn(st, 2) ? BPF_ALU64 : BPF_ALU) |
						    op | BPF_X,
					    d, s, 0, 0);
		}
		break;
	case 3:
		u->insn[u->n++] = STX(sz[rn(st, 4)], 10, s,
				      soff[rn(st, sizeof(soff) / 2)]);
		break;
	case 4:
		u->insn[u->n++] = LDX(sz[rn(st, 4)], d, 10,
				      soff[rn(st, sizeof(soff) / 2)]);
		break;
	case 5: {
		/* lookup with a key at r10-4 (4 bytes) or r10-8 (8) */
		bool hash = rn(st, 2);
		int k = hash ? -8 : -4;

		if (rn(st, 4))
			u->insn[u->n++] = ST(hash ? BPF_DW : BPF_W, 10, k,
					     (int32_t)rn(st, 6));
		u->insn[u->n++] = MOVR(2, 10);
		u->insn[u->n++] = ALU(BPF_ADD, 2, k);
		u->insn[u->n++] = (struct bpf_insn)I(
			BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0,
			MAPREF + (hash ? M_HASH : M_ARR));
		u->insn[u->n++] = I(0, 0, 0, 0, 0);
		u->insn[u->n++] = CALL(BPF_FUNC_map_lookup_elem);
		break;
	}
	case 6:
		if (left > 1) {
			u->insn[u->n++] =
				JI(rn(st, 2) ? BPF_JEQ : BPF_JNE, 0, 0, 0);
			u->skip = 1 + (int)rn(st, (uint32_t)(left - 1 < 3 ?
								     left - 1 :
								     3));
		} else {
			u->insn[u->n++] = MOV(0, 0);
		}
		break;
	case 7:
		if (rn(st, 2))
			u->insn[u->n++] = LDX(sz[rn(st, 4)], d, 0,
					      voff[rn(st, sizeof(voff) / 2)]);
		else
			u->insn[u->n++] = STX(sz[rn(st, 4)], 0, s,
					      voff[rn(st, sizeof(voff) / 2)]);
		break;
	case 8:
		if (left > 1) {
			op = jop[rn(st, sizeof(jop))];
			u->insn[u->n++] =
				rn(st, 2) ?
					I((rn(st, 3) ? BPF_JMP : BPF_JMP32) |
						  op | BPF_K,
					  d, 0, 0, rimm(st)) :
					I((rn(st, 3) ? BPF_JMP : BPF_JMP32) |
						  op | BPF_X,
					  d, s, 0, 0);
			u->skip = 1 + (int)rn(st, (uint32_t)(left - 1 < 4 ?
								     left - 1 :
								     4));
		} else {
			u->insn[u->n++] = MOV(d, 1);
		}
		break;
	case 9:
		u->insn[u->n++] = rn(st, 2) ? ALUR(BPF_ADD, 0, s) :
					      ALU(BPF_ADD, 0, rimm(st));
		break;
	case 10:
		u->insn[u->n++] = CALL(BPF_FUNC_get_prandom_u32);
		/* usually give r1-r5 values again */
		for (int r = 1; r <= 5 && rn(st, 4); r++)
			u->insn[u->n++] = MOV(r, rimm(st));
		break;
	default:
		u->insn[u->n++] = MOVR(d, s);
		break;
	}
}

/* A random program of @nunits units plus an exit; returns its length. */
static uint32_t gen_prog(uint64_t *st, struct bpf_insn *out, int nunits)
{
	struct unit u[24];
	int starts[25];
	uint32_t n = 0;

	out[n++] = MOVR(6, 1);
	/* Most programs start with every register set (r6 keeps ctx). */
	if (rn(st, 10)) {
		static const int r[] = { 0, 2, 3, 4, 5, 7, 8, 9 };

		for (int i = 0; i < 8; i++)
			out[n++] = MOV(r[i], rimm(st));
		if (rn(st, 2))
			out[n++] = MOVR(1, 10);
	}
	for (int i = 0; i < nunits; i++)
		gen_unit(st, &u[i], nunits - i);
	for (int i = 0; i < nunits; i++) {
		starts[i] = (int)n;
		for (int k = 0; k < u[i].n; k++)
			out[n++] = u[i].insn[k];
	}
	starts[nunits] = (int)n;
	for (int i = 0; i < nunits; i++) {
		int to = i + 1 + u[i].skip;

		if (!u[i].skip)
			continue;
		if (to > nunits)
			to = nunits;
		out[starts[i] + u[i].n - 1].off =
			(int16_t)(starts[to] - (starts[i] + u[i].n));
	}
	if (rn(st, 8))
		out[n++] = MOV(0, (int32_t)rn(st, 3));
	out[n++] = EXIT;
	return n;
}

static long load_raw(int side, const struct bpf_insn *p, uint32_t n, bool up)
{
	long fd;

	struct bpf_insn insns[200];
	union bpf_attr a;

	memcpy(insns, p, n * sizeof(*p));
	for (uint32_t i = 0; i < n; i++)
		if (insns[i].code == (BPF_LD | BPF_DW | BPF_IMM) &&
		    insns[i].src_reg == BPF_PSEUDO_MAP_FD)
			insns[i].imm =
				(int32_t)maps[side][insns[i].imm - MAPREF];
	memset(&a, 0, sizeof(a));
	a.prog_type = SF;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_level = 1;
	a.log_size = sizeof(logs[side]);
	a.log_buf = (uint64_t)(uintptr_t)logs[side];
	logs[side][0] = 0;
	if (up && unpriv(true))
		return -EPERM;
	fd = side_bpf(side, BPF_PROG_LOAD, &a);
	if (up)
		unpriv(false);
	return fd;
}

KBPF_TEST(
	verifier_random,
	"random socket filters with map lookups, null checks, stack and map value accesses, pointer arithmetic, branches and helper calls, a quarter loaded without CAP_PERFMON (KBPF_VRANDOM programs, default 3000): kbpf never accepts what the kernel refuses; agreement and same-line counts printed; accepted programs run in checked mode without a fault")
{
	const char *env = getenv("KBPF_VRANDOM");
	int total = env ? atoi(env) : 3000;
	uint64_t st = kbpf_test_seed() * 7919;
	int agree = 0, unsound = 0, strict = 0, same = 0, refused = 0;
	int shown = 0, faults = 0;

	NEED_KERNEL();
	for (int s = 0; s < 2; s++)
		if (create_maps(s))
			T_FAIL("creating maps on side %d", s);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (int i = 0; i < total; i++) {
		struct bpf_insn p[200];
		uint32_t n = gen_prog(&st, p, 4 + (int)rn(&st, 16));
		/* a quarter without CAP_PERFMON: Linux's pointer-leak rules */
		bool up = !rn(&st, 4);
		long k = load_raw(SIDE_KERNEL, p, n, up),
		     b = load_raw(SIDE_KBPF, p, n, up);
		char kl[256], bl[256];

		why_line(logs[0], kl, sizeof(kl));
		why_line(logs[1], bl, sizeof(bl));
		if ((k >= 0) == (b >= 0))
			agree++;
		else if (b >= 0)
			unsound++;
		else
			strict++;
		if (k < 0) {
			refused++;
			same += !strcmp(kl, bl);
		}
		if (((k >= 0) != (b >= 0) || (k < 0 && strcmp(kl, bl))) &&
		    shown < (getenv("KBPF_VDEBUG") ? 1000 : 8)) {
			char text[128];

			shown++;
			printf("#%d%s kernel %ld [%s]\n   kbpf   %ld [%s]\n", i,
			       up ? " (no CAP_PERFMON)" : "", k, kl, b, bl);
			for (uint32_t j = 0; j < n; j++) {
				int m = kbpf_disasm_insn(&p[j], n - j, text,
							 sizeof(text));

				printf("      %u: %s\n", j, text);
				if (m > 1)
					j += (uint32_t)m - 1;
			}
		}
		if (b >= 0 && run_checked(b, SF) < 0)
			faults++;
		side_close(SIDE_KERNEL, k);
		side_close(SIDE_KBPF, b);
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	printf("random: %d programs, agree %d (%.2f%%), kbpf accepts what the "
	       "kernel refuses %d, kbpf refuses what the kernel accepts %d; "
	       "same line %d of %d refusals (%.1f%%); checked-mode faults %d\n",
	       total, agree, 100.0 * agree / total, unsound, strict, same,
	       refused, refused ? 100.0 * same / refused : 0.0, faults);
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < NR_MAPS; m++)
			side_close(s, maps[s][m]);
	T_EQ(unsound, 0);
	T_EQ(faults, 0);
}

/* ---- random packet programs ---- */

/* r2 = data, r3 = data_end stay; r4/r5/r7 work on copies. */
static void gen_pkt_unit(uint64_t *st, struct unit *u, int left)
{
	static const uint8_t sz[] = { BPF_B, BPF_H, BPF_W, BPF_DW };
	static const uint8_t jop[] = { BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE };
	int k = (int)rn(st, 42) - 1;

	memset(u, 0, sizeof(*u));
	switch (rn(st, 8)) {
	case 0:
	case 1:
		/* a bounds check: r4 = r2 + k; if r4 op r3 (either order) */
		u->insn[u->n++] = MOVR(4, rn(st, 4) ? 2 : 7);
		u->insn[u->n++] = ALU(BPF_ADD, 4, k);
		if (left > 1) {
			uint8_t op = jop[rn(st, 4)];

			u->insn[u->n++] = rn(st, 2) ? JR(op, 4, 3, 0) :
						      JR(op, 3, 4, 0);
			u->skip = 1 + (int)rn(st, (uint32_t)(left - 1 < 3 ?
								     left - 1 :
								     3));
		}
		break;
	case 2:
	case 3:
		u->insn[u->n++] = LDX(sz[rn(st, 4)], 0, rn(st, 3) ? 2 : 7,
				      (int16_t)((int)rn(st, 40) - 1));
		break;
	case 4:
		u->insn[u->n++] = STX(sz[rn(st, 4)], rn(st, 3) ? 2 : 7, 0,
				      (int16_t)((int)rn(st, 40) - 1));
		break;
	case 5:
		/* a variable offset: r7 = r2 + (r0 & mask) */
		u->insn[u->n++] = MOVR(7, 2);
		u->insn[u->n++] = ALU(BPF_AND, 0, (int32_t)rn(st, 32));
		u->insn[u->n++] = ALUR(BPF_ADD, 7, 0);
		break;
	case 6:
		/* a 4-byte context field both types have (0..16) */
		u->insn[u->n++] =
			LDX(BPF_W, 0, 1, (int16_t)(4 * (int)rn(st, 5)));
		break;
	default:
		u->insn[u->n++] = MOV(0, (int32_t)rn(st, 64));
		break;
	}
}

KBPF_TEST(
	verifier_random_packets,
	"random XDP and tc programs checking data + N against data_end in every order and reading and writing the packet at fixed and variable offsets (KBPF_VRANDOM/3): the same decision as the kernel; accepted ones run in checked mode on a 64-byte packet without a fault")
{
	const char *env = getenv("KBPF_VRANDOM");
	int total = (env ? atoi(env) : 3000) / 3;
	uint64_t st = kbpf_test_seed() * 104729;
	int agree = 0, unsound = 0, strict = 0, same = 0, refused = 0;
	int shown = 0, faults = 0, accepted = 0;

	NEED_KERNEL();
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (int i = 0; i < total; i++) {
		struct bpf_insn p[200];
		struct unit u[24];
		int starts[25], nunits = 3 + (int)rn(&st, 12);
		uint32_t n = 0, type = rn(&st, 2) ? XDP : CLS;
		union bpf_attr a;
		long k, b;
		char kl[256], bl[256];

		if (type == XDP) {
			p[n++] = LDX(BPF_W, 2, 1, 0);
			p[n++] = LDX(BPF_W, 3, 1, 4);
		} else {
			p[n++] = LDX(BPF_W, 2, 1, 76);
			p[n++] = LDX(BPF_W, 3, 1, 80);
		}
		p[n++] = MOVR(7, 2);
		p[n++] = MOV(0, 0);
		for (int j = 0; j < nunits; j++)
			gen_pkt_unit(&st, &u[j], nunits - j);
		for (int j = 0; j < nunits; j++) {
			starts[j] = (int)n;
			for (int m = 0; m < u[j].n; m++)
				p[n++] = u[j].insn[m];
		}
		starts[nunits] = (int)n;
		for (int j = 0; j < nunits; j++)
			if (u[j].skip) {
				int to = j + 1 + u[j].skip;

				if (to > nunits)
					to = nunits;
				p[starts[j] + u[j].n - 1].off =
					(int16_t)(starts[to] -
						  (starts[j] + u[j].n));
			}
		p[n++] = MOV(0, 2);
		p[n++] = EXIT;
		for (int side = 0; side < 2; side++) {
			memset(&a, 0, sizeof(a));
			a.prog_type = type;
			a.insn_cnt = n;
			a.insns = (uint64_t)(uintptr_t)p;
			a.license = (uint64_t)(uintptr_t) "GPL";
			a.log_level = 1;
			a.log_size = sizeof(logs[side]);
			a.log_buf = (uint64_t)(uintptr_t)logs[side];
			logs[side][0] = 0;
			if (side == SIDE_KERNEL)
				k = side_bpf(side, BPF_PROG_LOAD, &a);
			else
				b = side_bpf(side, BPF_PROG_LOAD, &a);
		}
		why_line(logs[0], kl, sizeof(kl));
		why_line(logs[1], bl, sizeof(bl));
		if ((k >= 0) == (b >= 0))
			agree++;
		else if (b >= 0)
			unsound++;
		else
			strict++;
		if (k < 0) {
			refused++;
			same += !strcmp(kl, bl);
		}
		if (((k >= 0) != (b >= 0) || (k < 0 && strcmp(kl, bl))) &&
		    shown < (getenv("KBPF_VDEBUG") ? 1000 : 8)) {
			char text[128];

			shown++;
			printf("#%d kernel %ld [%s]\n   kbpf   %ld [%s]\n", i,
			       k, kl, b, bl);
			for (uint32_t j = 0; j < n; j++) {
				kbpf_disasm_insn(&p[j], n - j, text,
						 sizeof(text));
				printf("      %u: %s\n", j, text);
			}
		}
		if (b >= 0) {
			accepted++;
			if (run_checked(b, type) < 0)
				faults++;
		}
		side_close(SIDE_KERNEL, k);
		side_close(SIDE_KBPF, b);
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	printf("random packets: %d programs (%d accepted by kbpf), agree %d, "
	       "kbpf accepts what the kernel refuses %d, refuses what it "
	       "accepts %d; same line %d of %d refusals; checked-mode faults "
	       "%d\n",
	       total, accepted, agree, unsound, strict, same, refused, faults);
	T_EQ(unsound, 0);
	T_EQ(faults, 0);
}

KBPF_TEST(
	verifier_no_leaks,
	"verifying every program of the table, accepted or refused (every path of the walk, pruning and state eviction on the 1M-instruction loop), frees all it allocated, with the sizes it allocated")
{
	long live;

	if (create_maps(SIDE_KBPF))
		T_FAIL("creating maps");
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	live = kbpf_posix_live_allocs();
	for (size_t i = 0; i < NR_CASES; i++)
		side_close(SIDE_KBPF, load(SIDE_KBPF, &vcases[i]));
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	T_EQ(kbpf_posix_live_allocs(), live);
	for (int m = 0; m < NR_MAPS; m++)
		side_close(SIDE_KBPF, maps[SIDE_KBPF][m]);
}
