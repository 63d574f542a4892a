// SPDX-License-Identifier: MIT
/*
 * Kfunc calls (BPF_PSEUDO_KFUNC_CALL) against the kernel: each program
 * below is loaded on this kernel and on kbpf (POSIX host, verifier
 * ENFORCE, this kernel's BTF as the host BTF, so the BTF ids are the
 * same), and both must accept or refuse it with the same errno and the
 * same last log line. Kfunc and struct ids are looked up by name in
 * /sys/kernel/btf/vmlinux at run time, so no case depends on one kernel's
 * numbering. Accepted programs that the kernel can run are run on both
 * with BPF_PROG_TEST_RUN and their results compared.
 *
 * The kfuncs: kbpf's own (bpf_rcu_read_lock/unlock, bpf_rdonly_cast) and
 * the POSIX host's (bpf_task_from_pid, bpf_task_acquire,
 * bpf_task_release, through kbpf_host.kfuncs).
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

/* Kfuncs by name: KF(k) calls kf_names[k]. */
static const char *const kf_names[] = {
	"bpf_rcu_read_lock",	    "bpf_rcu_read_unlock", "bpf_rdonly_cast",
	"bpf_task_from_pid",	    "bpf_task_acquire",	   "bpf_task_release",
	"bpf_get_current_task_btf",
};
enum { K_LOCK, K_UNLOCK, K_RDONLY, K_FROMPID, K_ACQ, K_REL, K_NOTKF };
/* Structs by name: MOV(r, TID(k)) loads the id of st_names[k]. */
static const char *const st_names[] = { "task_struct", "bpf_spin_lock" };
enum { S_TASK, S_LOCK };

#define KFM 0x7f000000
#define TIDM 0x7e000000
#define FIDM 0x7d000000 /* the FUNC id of kf_names[k], as a scalar */
#define PIDM 0x7c000000 /* this process's pid */
#define KF(k) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, KFM + (k))
#define KFRAW(off, imm) \
	I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, off, imm)
#define TID(k) (TIDM + (k))
#define FID(k) (FIDM + (k))
#define RET0 MOV(0, 0), EXIT
#define SYSC BPF_PROG_TYPE_SYSCALL
#define TP BPF_PROG_TYPE_TRACEPOINT
#define RAWTP BPF_PROG_TYPE_RAW_TRACEPOINT
#define PERF BPF_PROG_TYPE_PERF_EVENT
#define CGSKB BPF_PROG_TYPE_CGROUP_SKB

struct kcase {
	const char *name;
	uint32_t type;
	bool mit; /* license "MIT" instead of "GPL" */
	bool run; /* run it on both (SCHED_CLS, XDP, SYSCALL) */
	struct bpf_insn insns[24];
};

/* from_pid(this pid), then released: r0 = whether it was found. */
#define FROMPID_RELEASE                                               \
	MOV(1, PIDM), KF(K_FROMPID), MOV(6, 0), JI(BPF_JEQ, 0, 0, 3), \
		MOVR(1, 0), KF(K_REL), MOV(6, 1), MOVR(0, 6), EXIT

static const struct kcase kcases[] = {
	/* bpf_rcu_read_lock/unlock: every type; the region's rules. */
	{ "rcu_pair_sf", SF, .insns = { KF(K_LOCK), KF(K_UNLOCK), RET0 } },
	{ "rcu_pair_kprobe", KP, .insns = { KF(K_LOCK), KF(K_UNLOCK), RET0 } },
	{ "rcu_pair_cls", CLS, .run = true,
	  .insns = { KF(K_LOCK), KF(K_UNLOCK), MOV(0, 3), EXIT } },
	{ "rcu_pair_xdp", XDP, .run = true,
	  .insns = { KF(K_LOCK), KF(K_UNLOCK), MOV(0, 2), EXIT } },
	{ "rcu_pair_tp", TP, .insns = { KF(K_LOCK), KF(K_UNLOCK), RET0 } },
	{ "rcu_pair_rawtp", RAWTP,
	  .insns = { KF(K_LOCK), KF(K_UNLOCK), RET0 } },
	{ "rcu_pair_perf", PERF, .insns = { KF(K_LOCK), KF(K_UNLOCK), RET0 } },
	{ "rcu_pair_cgskb", CGSKB,
	  .insns = { KF(K_LOCK), KF(K_UNLOCK), MOV(0, 1), EXIT } },
	{ "rcu_pair_syscall", SYSC, .run = true,
	  .insns = { KF(K_LOCK), KF(K_UNLOCK), MOV(0, 7), EXIT } },
	{ "rcu_helper_inside", CLS, .run = true,
	  .insns = { KF(K_LOCK), CALL(BPF_FUNC_ktime_get_ns), KF(K_UNLOCK),
		     RET0 } },
	{ "rcu_exit_inside", CLS, .insns = { KF(K_LOCK), RET0 } },
	{ "rcu_unmatched_unlock", CLS, .insns = { KF(K_UNLOCK), RET0 } },
	{ "rcu_nested", CLS,
	  .insns = { KF(K_LOCK), KF(K_LOCK), KF(K_UNLOCK), KF(K_UNLOCK),
		     RET0 } },
	{ "rcu_lock_one_path", CLS,
	  .insns = { CALL(BPF_FUNC_ktime_get_ns), JI(BPF_JGT, 0, 5, 1),
		     KF(K_LOCK), KF(K_UNLOCK), RET0 } },
	{ "rcu_lock_both_paths", CLS,
	  .insns = { CALL(BPF_FUNC_ktime_get_ns), MOVR(6, 0),
		     JI(BPF_JGT, 6, 5, 1), KF(K_LOCK), JI(BPF_JGT, 6, 5, 1),
		     KF(K_UNLOCK), RET0 } },
	/* bpf_rdonly_cast: an untrusted pointer, read with probe loads. */
	{ "rdonly_cast_stack_read", CLS, .run = true,
	  .insns = { MOV(1, 0x1234567), STX(BPF_DW, 10, 1, -8), MOVR(1, 10),
		     ALU(BPF_ADD, 1, -8), MOV(2, TID(S_LOCK)), KF(K_RDONLY),
		     LDX(BPF_W, 0, 0, 0), EXIT } },
	{ "rdonly_cast_task_read", CLS,
	  .insns = { MOVR(1, 1), MOV(2, TID(S_TASK)), KF(K_RDONLY),
		     LDX(BPF_W, 0, 0, 0), RET0 } },
	{ "rdonly_cast_write", CLS,
	  .insns = { MOVR(1, 1), MOV(2, TID(S_TASK)), KF(K_RDONLY),
		     ST(BPF_W, 0, 0, 0), RET0 } },
	{ "rdonly_cast_void_read", CLS,
	  .insns = { MOVR(1, 1), MOV(2, 0), KF(K_RDONLY), LDX(BPF_W, 0, 0, 0),
		     RET0 } },
	{ "rdonly_cast_unknown_id", CLS,
	  .insns = { LDX(BPF_W, 2, 1, 0), KF(K_RDONLY), RET0 } },
	{ "rdonly_cast_func_id", CLS,
	  .insns = { MOVR(1, 1), MOV(2, FID(K_RDONLY)), KF(K_RDONLY), RET0 } },
	{ "rdonly_cast_bad_type", CLS,
	  .insns = { MOVR(1, 1), MOV(2, 0x7fffff), KF(K_RDONLY), RET0 } },
	/* Task kfuncs: references, NULL checks, argument types. */
	{ "task_from_pid_cls", CLS, .run = true, .insns = { FROMPID_RELEASE } },
	{ "task_from_pid_syscall", SYSC, .run = true,
	  .insns = { FROMPID_RELEASE } },
	{ "task_from_pid_xdp", XDP, .run = true, .insns = { FROMPID_RELEASE } },
	{ "task_from_pid_tp", TP, .insns = { FROMPID_RELEASE } },
	{ "task_from_pid_sf", SF, .insns = { FROMPID_RELEASE } },
	{ "task_from_pid_kprobe", KP, .insns = { FROMPID_RELEASE } },
	{ "task_from_pid_rawtp", RAWTP, .insns = { FROMPID_RELEASE } },
	{ "task_from_pid_none", CLS, .run = true,
	  .insns = { MOV(1, -5), KF(K_FROMPID), JI(BPF_JEQ, 0, 0, 4),
		     MOVR(1, 0), KF(K_REL), MOV(0, 9), EXIT, MOV(0, 4),
		     EXIT } },
	{ "task_unreleased", CLS, .insns = { MOV(1, 1), KF(K_FROMPID), RET0 } },
	{ "task_unreleased_after_check", CLS,
	  .insns = { MOV(1, 1), KF(K_FROMPID), JI(BPF_JEQ, 0, 0, 0), RET0 } },
	{ "task_release_unchecked", CLS,
	  .insns = { MOV(1, 1), KF(K_FROMPID), MOVR(1, 0), KF(K_REL), RET0 } },
	{ "task_release_scalar", CLS, .insns = { MOV(1, 1), KF(K_REL), RET0 } },
	{ "task_release_null", CLS, .insns = { MOV(1, 0), KF(K_REL), RET0 } },
	{ "task_release_ctx", CLS, .insns = { KF(K_REL), RET0 } },
	{ "task_release_uninit", CLS,
	  .insns = { CALL(BPF_FUNC_ktime_get_ns), KF(K_REL), RET0 } },
	{ "id_zero_dead", CLS,
	  .insns = { MOV(0, 0), JI(BPF_JEQ, 0, 0, 1), KFRAW(0, 0), RET0 } },
	{ "task_from_pid_ptr_arg", CLS,
	  .insns = { MOVR(1, 10), KF(K_FROMPID), RET0 } },
	{ "task_from_pid_ctx_arg", CLS, .insns = { KF(K_FROMPID), RET0 } },
	{ "task_from_pid_uninit_arg", CLS,
	  .insns = { CALL(BPF_FUNC_ktime_get_ns), KF(K_FROMPID), RET0 } },
	{ "rdonly_cast_ptr_id", CLS,
	  .insns = { MOVR(2, 10), KF(K_RDONLY), RET0 } },
	{ "task_use_after_release", CLS,
	  .insns = { MOV(1, 1), KF(K_FROMPID), JI(BPF_JEQ, 0, 0, 4), MOVR(6, 0),
		     MOVR(1, 0), KF(K_REL), LDX(BPF_W, 0, 6, 0), RET0 } },
	{ "task_double_release", CLS,
	  .insns = { MOV(1, 1), KF(K_FROMPID), JI(BPF_JEQ, 0, 0, 4), MOVR(6, 0),
		     MOVR(1, 0), KF(K_REL), MOVR(1, 6), KF(K_REL), RET0 } },
	{ "task_release_copy", CLS, .run = true,
	  .insns = { MOV(1, PIDM), KF(K_FROMPID), JI(BPF_JEQ, 0, 0, 3),
		     MOVR(6, 0), MOVR(1, 6), KF(K_REL), MOV(0, 5), EXIT } },
	{ "task_acquire_again", CLS, .run = true,
	  .insns = { MOV(1, PIDM), KF(K_FROMPID), JI(BPF_JEQ, 0, 0, 9),
		     MOVR(6, 0), MOVR(1, 0), KF(K_ACQ), MOVR(7, 0), MOVR(1, 6),
		     KF(K_REL), JI(BPF_JEQ, 7, 0, 2), MOVR(1, 7), KF(K_REL),
		     MOV(0, 1), EXIT } },
	{ "task_acquire_leak", CLS,
	  .insns = { MOV(1, PIDM), KF(K_FROMPID), JI(BPF_JEQ, 0, 0, 4),
		     MOVR(6, 0), MOVR(1, 0), KF(K_ACQ), MOVR(1, 6), KF(K_REL),
		     RET0 } },
	{ "task_acquire_untrusted", CLS,
	  .insns = { MOVR(1, 1), MOV(2, TID(S_TASK)), KF(K_RDONLY), MOVR(1, 0),
		     KF(K_ACQ), RET0 } },
	{ "task_acquire_wrong_struct", CLS,
	  .insns = { MOVR(1, 10), ALU(BPF_ADD, 1, -8), ST(BPF_DW, 10, -8, 0),
		     MOV(2, TID(S_LOCK)), KF(K_RDONLY), MOVR(1, 0), KF(K_ACQ),
		     RET0 } },
	{ "task_release_offset", CLS,
	  .insns = { MOV(1, 1), KF(K_FROMPID), JI(BPF_JEQ, 0, 0, 3), MOVR(1, 0),
		     ALU(BPF_ADD, 1, 8), KF(K_REL), RET0 } },
	/* Resolution at load: ids, offsets, licenses, functions. */
	{ "id_not_func", CLS, .insns = { KFRAW(0, 1), RET0 } },
	{ "id_zero", CLS, .insns = { KFRAW(0, 0), RET0 } },
	{ "id_minus_one", CLS, .insns = { KFRAW(0, -1), RET0 } },
	{ "id_huge", CLS, .insns = { KFRAW(0, 0x7000000), RET0 } },
	{ "module_off_no_fd_array", CLS,
	  .insns = { KFRAW(1, KFM + K_LOCK), RET0 } },
	{ "module_off_negative", CLS,
	  .insns = { KFRAW(-1, KFM + K_LOCK), RET0 } },
	{ "not_a_kfunc", CLS, .insns = { KF(K_NOTKF), RET0 } },
	{ "not_gpl", CLS, .mit = true,
	  .insns = { KF(K_LOCK), KF(K_UNLOCK), RET0 } },
	{ "dead_path_not_allowed", CLS,
	  .insns = { MOV(0, 0), JI(BPF_JEQ, 0, 0, 1), KF(K_NOTKF), RET0 } },
};

static char logs[2][1 << 16];

/* @c's instructions with the markers resolved; -1 if a name is missing. */
static int resolve(const struct kcase *c, struct bpf_insn *out, uint32_t *n)
{
	uint32_t len = 0;

	for (uint32_t i = 0; i < 24; i++)
		if (c->insns[i].code)
			len = i + 1;
	for (uint32_t i = 0; i < len; i++) {
		struct bpf_insn *in = &out[i];
		int32_t imm = c->insns[i].imm;
		uint32_t id = 0;

		*in = c->insns[i];
		if (imm >= KFM && imm < KFM + 16) {
			id = kbpf_btf_find(&vbtf, BTF_KIND_FUNC,
					   kf_names[imm - KFM]);
		} else if (imm >= TIDM && imm < TIDM + 16) {
			id = kbpf_btf_find(&vbtf, BTF_KIND_STRUCT,
					   st_names[imm - TIDM]);
		} else if (imm >= FIDM && imm < FIDM + 16) {
			id = kbpf_btf_find(&vbtf, BTF_KIND_FUNC,
					   kf_names[imm - FIDM]);
		} else if (imm == PIDM) {
			in->imm = (int32_t)getpid();
			continue;
		} else {
			continue;
		}
		if (!id)
			return -1;
		in->imm = (int32_t)id;
	}
	*n = len;
	return 0;
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

static long load(int side, const struct kcase *c, const struct bpf_insn *in,
		 uint32_t n)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = c->type;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)in;
	a.license = (uint64_t)(uintptr_t)(c->mit ? "MIT" : "GPL");
	if (c->type == SYSC)
		a.prog_flags = BPF_F_SLEEPABLE;
	a.log_level = 1;
	a.log_size = sizeof(logs[side]);
	a.log_buf = (uint64_t)(uintptr_t)logs[side];
	logs[side][0] = 0;
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

/* BPF_PROG_TEST_RUN of @fd: its retval, or -errno of the command. */
static long run(int side, long fd, uint32_t type)
{
	uint8_t pkt[64], out[128];
	union bpf_attr a;
	long err;

	memset(pkt, 0, sizeof(pkt));
	pkt[12] = 0x08; /* IPv4 ethertype */
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	if (type != SYSC) {
		a.test.data_in = (uint64_t)(uintptr_t)pkt;
		a.test.data_size_in = sizeof(pkt);
		a.test.data_out = (uint64_t)(uintptr_t)out;
		a.test.data_size_out = sizeof(out);
		a.test.repeat = 1;
	}
	err = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	return err < 0 ? err : (long)a.test.retval;
}

KBPF_TEST(
	kfunc_table,
	"every kfunc program of the table: kbpf (verifier ENFORCE, the kernel's BTF) accepts what the kernel accepts, refuses what it refuses with the same errno and last log line, and runs to the same result")
{
	unsigned agree = 0, runs = 0;
	int fails = 0;

	NEED_KERNEL();
	if (vmlinux_btf())
		T_SKIP("no /sys/kernel/btf/vmlinux");
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	kbpf_posix_set_btf(vmlinux, vmlinux_size);
	for (size_t i = 0; i < sizeof(kcases) / sizeof(kcases[0]); i++) {
		const struct kcase *c = &kcases[i];
		struct bpf_insn in[24];
		char why[2][256];
		long fd[2];
		uint32_t n;

		if (resolve(c, in, &n)) {
			printf("  %s: this kernel lacks a name it uses\n",
			       c->name);
			continue;
		}
		for (int s = 0; s < 2; s++) {
			fd[s] = load(s, c, in, n);
			why_line(logs[s], why[s], sizeof(why[s]));
		}
		if ((fd[0] >= 0) != (fd[1] >= 0) ||
		    (fd[0] < 0 && fd[0] != fd[1]) || strcmp(why[0], why[1])) {
			printf("  %s: kernel %ld '%s', kbpf %ld '%s'\n",
			       c->name, fd[0] < 0 ? fd[0] : 0, why[0],
			       fd[1] < 0 ? fd[1] : 0, why[1]);
			fails++;
		} else {
			agree++;
		}
		if (c->run && fd[0] >= 0 && fd[1] >= 0) {
			long r0 = run(SIDE_KERNEL, fd[0], c->type);
			long r1 = run(SIDE_KBPF, fd[1], c->type);

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
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	kbpf_posix_set_btf(NULL, 0);
	printf("  %u of %zu cases agree, %u run on both\n", agree,
	       sizeof(kcases) / sizeof(kcases[0]), runs);
	T_EQ(fails, 0);
}

/* bpf_prog_info.jited_prog_len of kbpf program @fd. */
static uint32_t jited_len(long fd)
{
	struct bpf_prog_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	if (side_bpf(SIDE_KBPF, BPF_OBJ_GET_INFO_BY_FD, &a))
		return 0;
	return info.jited_prog_len;
}

KBPF_TEST(
	kfunc_native,
	"programs calling kfuncs (kbpf's and the host's) are compiled by the JIT, which calls them directly, wherever a program without kfuncs is, and run natively to the interpreter's results")
{
	static const char *const names[] = { "rcu_pair_cls",
					     "rdonly_cast_stack_read",
					     "task_from_pid_cls",
					     "task_acquire_again" };
	struct kcase pc = { "plain", CLS, .insns = { MOV(0, 3), EXIT } };
	struct bpf_insn in[24];
	long fd;
	uint32_t n;

	if (vmlinux_btf())
		T_SKIP("no /sys/kernel/btf/vmlinux");
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	kbpf_posix_set_btf(vmlinux, vmlinux_size);
	T_EQ(resolve(&pc, in, &n), 0);
	fd = load(SIDE_KBPF, &pc, in, n);
	T_ASSERT(fd >= 0);
	if (!jited_len(fd)) {
		kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
		kbpf_posix_set_btf(NULL, 0);
		T_SKIP("this host does not compile programs (no JIT here)");
	}
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		const struct kcase *c = NULL;
		long native, interp;

		for (size_t i = 0; i < sizeof(kcases) / sizeof(kcases[0]); i++)
			if (!strcmp(kcases[i].name, names[k]))
				c = &kcases[i];
		T_ASSERT(c && !resolve(c, in, &n));
		fd = load(SIDE_KBPF, c, in, n);
		T_ASSERT(fd >= 0);
		T_ASSERT(jited_len(fd) > 0);
		native = run(SIDE_KBPF, fd, c->type);
		kbpf_posix_set_jit(false);
		fd = load(SIDE_KBPF, c, in, n);
		kbpf_posix_set_jit(true);
		T_ASSERT(fd >= 0);
		T_EQ(jited_len(fd), 0);
		interp = run(SIDE_KBPF, fd, c->type);
		printf("  %s: native %ld, interpreted %ld\n", c->name, native,
		       interp);
		T_EQ(native, interp);
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	kbpf_posix_set_btf(NULL, 0);
}
