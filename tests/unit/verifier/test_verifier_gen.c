// SPDX-License-Identifier: MIT
/*
 * The verifier against the kernel's over generated programs (issue #13's
 * evidence): a generator, deterministic by seed, builds socket filter, XDP
 * and kprobe programs out of blocks that are safe by construction (stack
 * stores and loads at fixed and variable offsets, map lookups with null
 * checks and accesses at fixed and bounded variable offsets, context and
 * packet accesses after bounds checks, forward branches over blocks,
 * bounded loops whose counter indexes map values, bpf-to-bpf calls taking
 * scalars, stack and map value pointers, get_prandom_u32,
 * probe_read_kernel, ring buffer reserve/submit/discard with the record as
 * a reference, bpf_loop and for_each_map_elem callbacks). In half of the
 * programs one block gets one of its unsafe mutations (a missing null
 * check, an offset past the object, a misaligned or out-of-frame stack
 * access, a leaked or reused ring buffer record, a loop that never ends or
 * indexes past a value, a callback that returns out of range or whose
 * effect on the caller's stack must be widened, a clobbered register read
 * after a call, ...). A quarter of the socket filters are loaded without
 * CAP_PERFMON and CAP_SYS_ADMIN.
 *
 * Each program is loaded on the kernel and on kbpf (KBPF_VERIFIER_ENFORCE):
 * the test counts the same accept/reject decision and, for refusals, the
 * same line stating the error (the last line before "processed ..."). It
 * fails on an unsound accept (kbpf accepts what the kernel refuses) and on
 * any fault when a program kbpf accepted runs in checked mode on fuzzed
 * packets, contexts and map contents (soundness). KBPF_VGEN=N sets the
 * count (default 1000, a few seconds), KBPF_TEST_SEED the seed,
 * KBPF_VGEN_FROM=k loads only programs k..N-1 of the stream (a shard of a
 * long run: its checked runs get other fuzzed inputs than in one run),
 * KBPF_VDEBUG=1 prints every disagreement,
 * KBPF_VDUMP=i loads only program i and prints both logs, KBPF_VALL=1
 * prints every program.
 *
 * verifier_generated_objs (KBPF_VGEN_OBJ programs, default 1000) adds
 * the blocks of gen_objs: bpf_spin_lock regions and bpf_timer calls on
 * map values with BTF (vcase_lock_btf()), and kfunc calls (an RCU read
 * section everywhere, bpf_task_from_pid/acquire/release in XDP), found by
 * name in /sys/kernel/btf/vmlinux, which kbpf gets as its host BTF.
 *
 * Programs with callbacks carry BTF func_info on the kernel side (Linux
 * wants it); kbpf's bpf(2) takes no func_info, so they load on kbpf as its
 * in-kernel ELF loader loads them (kbpf_prog_load with kernel pointers).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "diff.h"
#include "insn.h"
#include "kbpf/disasm.h"
#include "kbpf/uapi/btf.h"
#include "kbpf/host.h"
#include "btf/btf.h"
#include "vmlinux_btf.h"
#include "kbpf/interp.h"
#include "core/prog.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "vlog_cmp.h"

#include "vcases.h"
#include "vgen.h"

static long maps[2][NR_OBJ_MAPS];
static char logs[2][1u << 20]; /* level 2 logs whole, not rolled */
static uint32_t load_level = 1; /* log_level of load() */

/* ---- loading ---- */

/*
 * The lock and timer maps of gen_objs (vcase_map_attr() 5 and 9, with
 * vcase_lock_btf()) on @side as maps[side][M_LOCK] and [M_TIMER].
 */
static int create_obj_maps(int side)
{
	static const int vmap[] = { 5, 9 };
	union bpf_attr a;
	uint32_t size;
	long btf;

	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)vcase_lock_btf(&size);
	a.btf_size = size;
	btf = side_bpf(side, BPF_BTF_LOAD, &a);
	if (btf < 0)
		return (int)btf;
	for (int i = 0; i < 2; i++) {
		vcase_map_attr(vmap[i], &a, (uint32_t)btf);
		maps[side][NR_MAPS + i] = side_bpf(side, BPF_MAP_CREATE, &a);
		if (maps[side][NR_MAPS + i] < 0) {
			long err = maps[side][NR_MAPS + i];

			if (i)
				side_close(side, maps[side][NR_MAPS]);
			side_close(side, btf);
			return (int)err;
		}
	}
	side_close(side, btf);
	return 0;
}

/* This kernel's kfuncs' ids (vmlinux_btf.h: kbpf's host BTF for gen_objs). */
static int32_t kf_ids[NR_KF];

/* Find the kfuncs once; 0, or -1 if the machine lacks them. */
static int vmlinux_kfuncs(void)
{
	static const char *const names[NR_KF] = {
		"bpf_rcu_read_lock", "bpf_rcu_read_unlock", "bpf_task_from_pid",
		"bpf_task_acquire", "bpf_task_release"
	};
	static int state;

	if (state)
		return state > 0 ? 0 : -1;
	state = -1;
	if (vmlinux_btf())
		return -1;
	state = 1;
	for (int k = 0; k < NR_KF; k++) {
		kf_ids[k] =
			(int32_t)kbpf_btf_find(&vbtf, BTF_KIND_FUNC, names[k]);
		if (!kf_ids[k])
			state = -1;
	}
	return state > 0 ? 0 : -1;
}

static int create_maps(int side)
{
	static const struct {
		uint32_t t, ks, vs, max;
	} spec[NR_MAPS] = {
		{ BPF_MAP_TYPE_ARRAY, 4, VAL_SIZE, 4 },
		{ BPF_MAP_TYPE_HASH, 8, VAL_SIZE, 16 },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, 4096 },
	};

	for (int i = 0; i < NR_MAPS; i++) {
		maps[side][i] = side_create(side, spec[i].t, spec[i].ks,
					    spec[i].vs, spec[i].max, 0, 0,
					    NULL);
		if (maps[side][i] < 0)
			return (int)maps[side][i];
	}
	return 0;
}

/* The kernel's BTF for @nr functions (gen_func_btf()): an fd or -errno. */
static long kernel_btf(uint32_t nr)
{
	union bpf_attr a;
	uint32_t size;

	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)gen_func_btf(nr, &size);
	a.btf_size = size;
	return side_bpf(SIDE_KERNEL, BPF_BTF_LOAD, &a);
}

/*
 * Load @g on @side; *@prog receives kbpf's program (NULL on the kernel).
 * Returns an fd or -errno, the log in logs[side].
 */
static long load(int side, const struct gen *g, bool up,
		 struct kbpf_prog **prog)
{
	static struct bpf_insn insns[MAX_INSNS];
	struct bpf_func_info fi[MAX_SUBS + 1];
	long fd, btf = -1;
	union bpf_attr a;

	*prog = NULL;
	memcpy(insns, g->p, g->n * sizeof(insns[0]));
	for (uint32_t i = 0; i < g->n; i++) {
		if (insns[i].code == (BPF_LD | BPF_DW | BPF_IMM) &&
		    insns[i].src_reg == BPF_PSEUDO_MAP_FD)
			insns[i].imm =
				(int32_t)maps[side][insns[i].imm - MAPREF];
		if (insns[i].code == (BPF_JMP | BPF_CALL) &&
		    insns[i].src_reg == BPF_PSEUDO_KFUNC_CALL &&
		    insns[i].imm >= KFREF && insns[i].imm < KFREF + NR_KF)
			insns[i].imm = kf_ids[insns[i].imm - KFREF];
	}
	memset(&a, 0, sizeof(a));
	a.prog_type = g->type;
	a.insn_cnt = g->n;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_level = getenv("KBPF_VLEVEL") ?
			      (uint32_t)atoi(getenv("KBPF_VLEVEL")) :
			      load_level;
	a.log_size = sizeof(logs[side]);
	a.log_buf = (uint64_t)(uintptr_t)logs[side];
	logs[side][0] = 0;
	if (g->has_cb && side == SIDE_KERNEL) {
		btf = kernel_btf(g->nr_funcs);
		if (btf < 0)
			return btf;
		fi[0] = (struct bpf_func_info){ .insn_off = 0, .type_id = 3 };
		for (uint32_t i = 0; i < g->nr_subs; i++)
			fi[i + 1] = (struct bpf_func_info){
				.insn_off = g->sub_start[i], .type_id = 4 + i
			};
		a.prog_btf_fd = (uint32_t)btf;
		a.func_info = (uint64_t)(uintptr_t)fi;
		a.func_info_cnt = g->nr_funcs;
		a.func_info_rec_size = sizeof(fi[0]);
	}
	if (g->has_cb && side == SIDE_KBPF) {
		const struct kbpf_host *h = kbpf_posix_host();
		struct kbpf_prog_load_opts opts = { .kernel_ptrs = true };
		int err = kbpf_prog_load(h, &a, &opts, prog);

		if (err)
			return err;
		fd = h->fd_install(h, &(*prog)->obj,
				   KBPF_FD_READ | KBPF_FD_WRITE);
		if (fd < 0)
			kbpf_prog_put(*prog);
		return fd;
	}
	if (up && gen_unpriv(true))
		return -EPERM;
	fd = side_bpf(side, BPF_PROG_LOAD, &a);
	if (up)
		gen_unpriv(false);
	side_close(side, btf);
	if (fd >= 0 && side == SIDE_KBPF) {
		const struct kbpf_host *h = kbpf_posix_host();
		struct kbpf_obj *obj;
		uint32_t flags;

		if (!h->fd_get(h, (int)fd, &obj, &flags)) {
			*prog = (struct kbpf_prog *)obj;
			kbpf_obj_put(obj); /* the fd keeps it */
		}
	}
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

/* N of the log's "processed N insns" line, or -1. */
static long processed_of(const char *log)
{
	const char *p = strstr(log, "processed ");

	return p ? strtol(p + 10, NULL, 10) : -1;
}

/* Fresh random map contents on kbpf: every array value, some hash keys. */
static void fuzz_maps(uint64_t *st)
{
	uint8_t val[VAL_SIZE];

	for (uint32_t k = 0; k < 4; k++) {
		for (int i = 0; i < VAL_SIZE; i++)
			val[i] = (uint8_t)kbpf_test_rand(st);
		side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM,
			  maps[SIDE_KBPF][M_ARR], &k, val, 0);
	}
	for (uint64_t k = 0; k < 4; k++) {
		for (int i = 0; i < VAL_SIZE; i++)
			val[i] = (uint8_t)kbpf_test_rand(st);
		if (rn(st, 2))
			side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM,
				  maps[SIDE_KBPF][M_HASH], &k, val, 0);
		else
			side_elem(SIDE_KBPF, BPF_MAP_DELETE_ELEM,
				  maps[SIDE_KBPF][M_HASH], &k, NULL, 0);
	}
}

/*
 * One checked-mode run of an accepted program on fuzzed input: a random
 * packet (socket filter, XDP) or random registers (kprobe). Returns the
 * run's result (-EFAULT: the checked interpreter stopped a bad access).
 */
static long run_checked_as(uint64_t *st, long fd, struct kbpf_prog *prog,
			   uint32_t type)
{
	uint8_t pkt[256], out[512];
	uint32_t len = 14 + rn(st, 200);
	union bpf_attr a;

	for (uint32_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)kbpf_test_rand(st);
	if (type == KP) {
		struct kbpf_interp_args args = { .ctx = pkt,
						 .ctx_size = 168,
						 .mode = KBPF_INTERP_CHECKED };
		uint64_t r0;

		return kbpf_interp_run(prog, kbpf_posix_host(), &args, &r0);
	}
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = len;
	a.test.data_out = (uint64_t)(uintptr_t)out;
	a.test.data_size_out = sizeof(out);
	a.test.repeat = 1;
	return side_bpf(SIDE_KBPF, BPF_PROG_TEST_RUN, &a);
}

/*
 * Stop every host timer a program armed: overwriting the elements of the
 * timer map cancels and frees their timers, and the POSIX host's timer
 * thread exits once the last one is freed (after a callback that was
 * running returns). Only gen_objs programs arm timers. Aborts if the thread
 * is still up after 5 s: the flag flips below would then race with it.
 */
static void quiesce_timers(void)
{
	uint8_t zero[24] = { 0 };

	if (gen_objs)
		for (uint32_t k = 0; k < 4; k++)
			side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM,
				  maps[SIDE_KBPF][M_TIMER], &k, zero, BPF_ANY);
	for (int ms = 0; kbpf_posix_timer_thread_up(); ms++) {
		if (ms == 5000) {
			fprintf(stderr, "the host timer thread did not stop\n");
			abort();
		}
		usleep(1000);
	}
}

/*
 * A program kbpf's verifier proved runs fast whatever its runner asks
 * (interp.h): these runs want the checks, so they see it as unproved.
 * A timer callback a run armed reads the flag on the host's timer thread,
 * so no timer is left running while the flag changes (TSan found the race).
 */
static long run_checked(uint64_t *st, long fd, struct kbpf_prog *prog,
			uint32_t type)
{
	bool proved = prog->verified;
	long r;

	quiesce_timers();
	prog->verified = false;
	r = run_checked_as(st, fd, prog, type);
	quiesce_timers();
	prog->verified = proved;
	return r;
}

static void print_prog(const struct gen *g)
{
	char text[128];

	for (uint32_t j = 0; j < g->n; j++) {
		int m = kbpf_disasm_insn(&g->p[j], g->n - j, text,
					 sizeof(text));

		printf("      %u: %s\n", j, text);
		if (m > 1)
			j += (uint32_t)m - 1;
	}
}

/*
 * The differential run of verifier_generated (and, with gen_objs,
 * verifier_generated_objs): @total programs of the seed's stream loaded on
 * both sides, the counts printed; *@unsound and *@faults for the caller
 * to assert. Returns 0, or -1 if the maps could not be created.
 */
static int gen_diff(int total, int *unsound_out, int *faults_out)
{
	uint64_t st = kbpf_test_seed() * 1000003;
	/* inputs have their own stream: the programs depend on the seed only */
	uint64_t fz = kbpf_test_seed() * 7777777;
	int agree = 0, unsound = 0, strict = 0, same = 0, refused = 0;
	int shown = 0, faults = 0, runs = 0, accepted = 0, k_accepted = 0;
	int mutated = 0, other_err = 0, same_proc = 0, both_acc = 0;
	int with_obj = 0;
	long proc[2] = { 0, 0 };
	int limit = getenv("KBPF_VDEBUG") ? 100000 : 8;
	int nmaps = gen_objs ? NR_OBJ_MAPS : NR_MAPS;
	/* programs before this one are generated, not loaded (a shard) */
	int from = getenv("KBPF_VGEN_FROM") ? atoi(getenv("KBPF_VGEN_FROM")) :
					      0;
	struct gen *g = malloc(sizeof(*g));

	if (!g)
		return -1;
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < NR_OBJ_MAPS; m++)
			maps[s][m] = -1;
	for (int s = 0; s < 2; s++) {
		if (create_maps(s) || (gen_objs && create_obj_maps(s))) {
			for (int t = 0; t < 2; t++)
				for (int m = 0; m < NR_OBJ_MAPS; m++)
					side_close(t, maps[t][m]);
			free(g);
			return -1;
		}
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (int i = 0; i < total; i++) {
		uint32_t r = rn(&st, 10);
		uint32_t type = r < 4 ? SF : r < 7 ? XDP : KP;
		bool unsafe = rn(&st, 2);
		bool up;
		struct kbpf_prog *prog, *kprog;
		char kl[256], bl[256];
		long k, b;

		gen_prog(&st, g, type, unsafe);
		up = type == SF && !g->has_cb && !rn(&st, 4);
		if (i < from)
			continue; /* another shard's (KBPF_VGEN_FROM) */
		mutated += unsafe;
		with_obj += g->has_obj;
		if (getenv("KBPF_VDUMP") && atoi(getenv("KBPF_VDUMP")) != i)
			continue; /* the same programs, only one loaded */
		k = load(SIDE_KERNEL, g, up, &kprog);
		b = load(SIDE_KBPF, g, up, &prog);
		why_line(logs[0], kl, sizeof(kl));
		why_line(logs[1], bl, sizeof(bl));
		k_accepted += k >= 0;
		if ((k >= 0) == (b >= 0))
			agree++;
		else if (b >= 0)
			unsound++;
		else
			strict++;
		if (k < 0) {
			refused++;
			same += !strcmp(kl, bl);
		} else if (b >= 0) {
			/* the work each verifier did, for programs both accept */
			long pk = processed_of(logs[0]),
			     pb = processed_of(logs[1]);

			both_acc++;
			same_proc += pk == pb;
			/* KBPF_VPROC: which programs cost kbpf more, or less */
			if (pk != pb && getenv("KBPF_VPROC"))
				printf("#%d processed: kernel %ld, kbpf %ld%s\n",
				       i, pk, pb,
				       g->has_cb ? " (callbacks)" : "");
			proc[0] += pk;
			proc[1] += pb;
		}
		if ((((k >= 0) != (b >= 0) || (k < 0 && strcmp(kl, bl))) &&
		     shown < limit) ||
		    getenv("KBPF_VALL")) {
			shown++;
			printf("#%d type %u%s%s kernel %ld [%s]\n   kbpf   %ld "
			       "[%s]\n",
			       i, type, up ? " (no CAP_PERFMON)" : "",
			       g->has_cb ? " (callbacks)" : "", k, kl, b, bl);
			print_prog(g);
		}
		if (getenv("KBPF_VDUMP") && atoi(getenv("KBPF_VDUMP")) == i)
			printf("---- kernel log ----\n%s\n---- kbpf log ----\n%s\n",
			       logs[0], logs[1]);
		if (b >= 0 && prog) {
			accepted++;
			for (int run = 0; run < 4; run++) {
				long rr;

				fuzz_maps(&fz);
				rr = run_checked(&fz, b, prog, type);
				runs++;
				if (rr == -EFAULT) {
					faults++;
					if (shown < limit) {
						shown++;
						printf("#%d faulted in checked "
						       "mode\n",
						       i);
						print_prog(g);
					}
				} else if (rr < 0) {
					other_err++;
				}
			}
		}
		side_close(SIDE_KERNEL, k);
		side_close(SIDE_KBPF, b);
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	printf("processed instructions of the %d programs both accept: kernel "
	       "%ld, kbpf %ld; the same count for %d\n",
	       both_acc, proc[0], proc[1], same_proc);
	if (gen_objs)
		printf("with a lock, timer or kfunc block: %d\n", with_obj);
	printf("generated: %d programs (%d mutated, kernel accepted %d), "
	       "accept/reject agree %d (%.3f%%), kbpf accepts what the kernel "
	       "refuses %d, refuses what it accepts %d; same error line %d of "
	       "%d refusals (%.2f%%); soundness: %d accepted, %d checked runs, "
	       "%d faults (%d other errors)\n",
	       total - from, mutated, k_accepted, agree,
	       total > from ? 100.0 * agree / (total - from) : 0.0, unsound,
	       strict, same, refused, refused ? 100.0 * same / refused : 0.0,
	       accepted, runs, faults, other_err);
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < nmaps; m++)
			side_close(s, maps[s][m]);
	free(g);
	*unsound_out = unsound;
	*faults_out = faults;
	return 0;
}

KBPF_TEST(
	verifier_generated,
	"generated socket filter, XDP and kprobe programs (pointers to stack, map values, context and packet; lookups with null checks; branches; bounded loops; bpf-to-bpf calls; get_prandom_u32, probe_read_kernel, ring buffer records; bpf_loop and for_each_map_elem callbacks), half with one unsafe mutation, a quarter of the socket filters without CAP_PERFMON (KBPF_VGEN programs, default 1000): kbpf never accepts what the kernel refuses; decision and error-line agreement printed; every accepted program runs in checked mode on 4 fuzzed inputs without a fault")
{
	const char *env = getenv("KBPF_VGEN");
	int total = env ? atoi(env) : 1000;
	int unsound = 0, faults = 0;

	NEED_KERNEL();
	gen_objs = false;
	if (gen_diff(total, &unsound, &faults))
		T_FAIL("creating the maps");
	T_EQ(unsound, 0);
	T_EQ(faults, 0);
}

KBPF_TEST(
	verifier_generated_objs,
	"the generator with spin lock regions, bpf_timer init/set_callback/start/cancel and kfunc calls (an RCU read section; bpf_task_from_pid, bpf_task_acquire and bpf_task_release in XDP programs) besides its other blocks, half the programs with one mutation (no null check, a missing unlock or release, a call under a lock, the lock or timer at a wrong offset, a second lock or release, a timer callback returning 1 or reading past the value...) (KBPF_VGEN_OBJ programs, default 1000): kbpf never accepts what the kernel refuses; decision and error-line agreement printed; accepted programs run in checked mode on 4 fuzzed inputs without a fault")
{
	const char *env = getenv("KBPF_VGEN_OBJ");
	int total = env ? atoi(env) : 1000;
	int unsound = 0, faults = 0, err;

	NEED_KERNEL();
	if (vmlinux_kfuncs())
		T_SKIP("no /sys/kernel/btf/vmlinux with the kfuncs");
	kbpf_posix_set_btf(vmlinux, vmlinux_size);
	gen_objs = true;
	err = gen_diff(total, &unsound, &faults);
	gen_objs = false;
	kbpf_posix_set_btf(NULL, 0);
	if (err)
		T_FAIL("creating the maps");
	T_EQ(unsound, 0);
	T_EQ(faults, 0);
}

KBPF_TEST(
	verifier_generated_dynptr,
	"the generator with dynptr blocks (KBPF_VGEN_DYN programs, default 300): ring buffer dynptrs reserved, sliced, submitted or discarded and local dynptrs over map values read, half the programs with one mutation (no release, a store over it, a use after release, a slice past its length or unchecked, a misaligned dynptr, a load of its bytes): the kernel's decision for every program, kbpf never accepts what it refuses, error-line agreement printed; accepted programs run in checked mode without a fault")
{
	const char *env = getenv("KBPF_VGEN_DYN");
	int total = env ? atoi(env) : 300;
	uint64_t st = kbpf_test_seed() * 4099;
	uint64_t fz = kbpf_test_seed() * 31337;
	int agree = 0, unsound = 0, refused = 0, same = 0, faults = 0;
	int with_dyn = 0, shown = 0;
	struct gen *g = malloc(sizeof(*g));

	NEED_KERNEL();
	T_ASSERT(g);
	for (int s = 0; s < 2; s++)
		if (create_maps(s))
			T_FAIL("creating maps on side %d", s);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	gen_dynptr = true;
	for (int i = 0; i < total; i++) {
		uint32_t r = rn(&st, 10);
		uint32_t type = r < 4 ? SF : r < 7 ? XDP : KP;
		bool unsafe = rn(&st, 2), up;
		struct kbpf_prog *prog, *kprog;
		char kl[256], bl[256];
		long k, b;

		gen_prog(&st, g, type, unsafe);
		up = type == SF && !g->has_cb && !rn(&st, 4);
		for (uint32_t n = 0; n < g->n; n++)
			if (g->p[n].code == (BPF_JMP | BPF_CALL) &&
			    !g->p[n].src_reg &&
			    (g->p[n].imm == BPF_FUNC_dynptr_from_mem ||
			     g->p[n].imm == BPF_FUNC_ringbuf_reserve_dynptr)) {
				with_dyn++;
				break;
			}
		k = load(SIDE_KERNEL, g, up, &kprog);
		b = load(SIDE_KBPF, g, up, &prog);
		why_line(logs[0], kl, sizeof(kl));
		why_line(logs[1], bl, sizeof(bl));
		agree += (k >= 0) == (b >= 0);
		unsound += k < 0 && b >= 0;
		if (k < 0 && b < 0) {
			refused++;
			same += !strcmp(kl, bl);
		}
		if (((k >= 0) != (b >= 0) ||
		     (k < 0 && b < 0 && strcmp(kl, bl))) &&
		    shown++ < (getenv("KBPF_VDEBUG") ? 100000 : 8)) {
			printf("#%d kernel %ld [%s]\n   kbpf   %ld [%s]\n", i,
			       k, kl, b, bl);
			print_prog(g);
		}
		if (b >= 0 && prog)
			for (int run = 0; run < 2; run++) {
				fuzz_maps(&fz);
				faults += run_checked(&fz, b, prog, type) ==
					  -EFAULT;
			}
		side_close(SIDE_KERNEL, k);
		side_close(SIDE_KBPF, b);
	}
	gen_dynptr = false;
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	printf("generated with dynptrs: %d programs (%d with a dynptr), "
	       "accept/reject agree %d, kbpf accepts what the kernel refuses "
	       "%d; same error line %d of %d refusals; %d checked-mode "
	       "faults\n",
	       total, with_dyn, agree, unsound, same, refused, faults);
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < NR_MAPS; m++)
			side_close(s, maps[s][m]);
	free(g);
	T_EQ(unsound, 0);
	T_EQ(agree, total);
	T_EQ(faults, 0);
}

KBPF_TEST(
	verifier_generated_logs,
	"the generator's programs (KBPF_VGEN_LOG programs, default 300, the same stream as verifier_generated) loaded at log levels 1 and 2 on the kernel and on kbpf: where both refuse with the same line after the same number of processed instructions, the level-1 instruction lines (the failing path) are the kernel's, line for line; identical instruction lines, whole logs, state parts and level 2's precision lines are counted for every program at both levels, level 2's asserted not below what was measured for the default stream (KBPF_VLOG_SHOW=1 prints the logs that differ)")
{
	const char *env = getenv("KBPF_VGEN_LOG");
	int total = env ? atoi(env) : 300;
	uint64_t st = kbpf_test_seed() * 1000003;
	struct vlc_stats vs[2], same_path;
	unsigned fails = 0;
	struct gen *g = malloc(sizeof(*g));

	NEED_KERNEL();
	T_ASSERT(g);
	memset(vs, 0, sizeof(vs));
	memset(&same_path, 0, sizeof(same_path));
	for (int s = 0; s < 2; s++)
		if (create_maps(s))
			T_FAIL("creating maps on side %d", s);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (int i = 0; i < total; i++) {
		uint32_t r = rn(&st, 10);
		uint32_t type = r < 4 ? SF : r < 7 ? XDP : KP;
		bool unsafe = rn(&st, 2);
		bool up;

		gen_prog(&st, g, type, unsafe);
		up = type == SF && !g->has_cb && !rn(&st, 4);
		for (uint32_t lvl = 1; lvl <= 2; lvl++) {
			struct kbpf_prog *prog, *kprog;
			char kl[256], bl[256], name[32];
			long k, b;
			bool same;

			load_level = lvl;
			k = load(SIDE_KERNEL, g, up, &kprog);
			b = load(SIDE_KBPF, g, up, &prog);
			snprintf(name, sizeof(name), "#%d level %u", i, lvl);
			same = vlc_compare(&vs[lvl - 1], logs[0], logs[1],
					   getenv("KBPF_VLOG_SHOW"), name);
			why_line(logs[0], kl, sizeof(kl));
			why_line(logs[1], bl, sizeof(bl));
			if (lvl == 1 && k < 0 && b < 0 && !strcmp(kl, bl) &&
			    processed_of(logs[0]) == processed_of(logs[1])) {
				same_path.logs++;
				same_path.insn_same += same;
				if (!same) {
					fails++;
					printf("#%d: same refusal and count, "
					       "level 1 instruction lines "
					       "differ\n",
					       i);
				}
			}
			side_close(SIDE_KERNEL, k);
			side_close(SIDE_KBPF, b);
		}
	}
	load_level = 1;
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	vlc_print(&vs[0], "generated, log level 1");
	vlc_print(&vs[1], "generated, log level 2");
	printf("generated, refused by both with the same line and count: %u, "
	       "level 1 instruction lines identical in %u\n",
	       same_path.logs, same_path.insn_same);
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < NR_MAPS; m++)
			side_close(s, maps[s][m]);
	free(g);
	T_EQ(fails, 0);
	/*
	 * Level 2 of the default stream (300 programs, seed 1; measured on
	 * Linux 6.18): instruction lines identical for 259 (258 before the
	 * precision lines and linked scalars), the precision lines all the
	 * kernel's for 180 (51 before: those where it prints none).
	 */
	if (!env && !getenv("KBPF_TEST_SEED")) {
		T_ASSERT(vs[1].insn_same >= 259);
		T_ASSERT(vs[1].prec_same >= 180);
	}
}

/*
 * Soundness without the kernel: a program kbpf's verifier accepts may run
 * without runtime checks (fast mode, the JIT), so on every input it must
 * behave in checked mode, where every access is checked at run time; a
 * checked-mode fault (-EFAULT) means the proof was wrong. The generator's
 * programs (their own seed stream) are loaded on kbpf only, and every
 * accepted one runs KBPF_VSOUND_RUNS times (default 2) on fresh random
 * packets of random length, random kprobe registers and random map
 * contents. KBPF_VSOUND=N programs (default 3000, a few seconds).
 */
KBPF_TEST(
	soundness_of_proofs,
	"generated programs kbpf's verifier accepts (KBPF_VSOUND programs, default 3000, seed-fixed) each run twice (KBPF_VSOUND_RUNS) in checked mode on fuzzed packets, kprobe registers and map contents: not one checked-mode fault")
{
	const char *env = getenv("KBPF_VSOUND");
	const char *renv = getenv("KBPF_VSOUND_RUNS");
	int total = env ? atoi(env) : 3000;
	int nruns = renv ? atoi(renv) : 2;
	uint64_t st = kbpf_test_seed() * 2000003 + 11;
	uint64_t fz = kbpf_test_seed() * 5555555 + 3;
	int accepted = 0, runs = 0, faults = 0, other = 0, shown = 0;
	struct gen *g = malloc(sizeof(*g));

	T_ASSERT(g);
	if (create_maps(SIDE_KBPF))
		T_FAIL("creating maps on kbpf");
	/* KBPF_VSOUND_DUMP=i: program i, and the kernel's answer to it. */
	if (getenv("KBPF_VSOUND_DUMP") && create_maps(SIDE_KERNEL))
		T_FAIL("creating maps on the kernel");
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (int i = 0; i < total; i++) {
		uint32_t r = rn(&st, 10);
		uint32_t type = r < 4 ? SF : r < 7 ? XDP : KP;
		bool unsafe = rn(&st, 2), up;
		struct kbpf_prog *prog;
		long b;

		gen_prog(&st, g, type, unsafe);
		up = type == SF && !g->has_cb && !rn(&st, 4);
		b = load(SIDE_KBPF, g, up, &prog);
		if (b < 0 || !prog) {
			side_close(SIDE_KBPF, b);
			continue;
		}
		accepted++;
		if (getenv("KBPF_VSOUND_DUMP") &&
		    atoi(getenv("KBPF_VSOUND_DUMP")) == i) {
			char kl[256], bl[256];
			struct kbpf_prog *kp;
			long k = load(SIDE_KERNEL, g, up, &kp);

			why_line(logs[0], kl, sizeof(kl));
			why_line(logs[1], bl, sizeof(bl));
			printf("#%d (type %u%s): kernel %ld [%s], kbpf [%s]\n",
			       i, type, up ? ", no CAP_PERFMON" : "", k, kl,
			       bl);
			side_close(SIDE_KERNEL, k);
			print_prog(g);
		}
		for (int run = 0; run < nruns; run++) {
			long rr;

			fuzz_maps(&fz);
			rr = run_checked(&fz, b, prog, type);
			runs++;
			if (rr == -EFAULT) {
				faults++;
				if (shown++ < 8) {
					printf("#%d (type %u%s) faulted in "
					       "checked mode, run %d\n",
					       i, type,
					       up ? ", no CAP_PERFMON" : "",
					       run);
					print_prog(g);
				}
			} else if (rr < 0) {
				other++;
			}
		}
		side_close(SIDE_KBPF, b);
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	printf("soundness: %d programs, %d accepted, %d checked runs, %d "
	       "faults (%d runs ended with another error)\n",
	       total, accepted, runs, faults, other);
	for (int m = 0; m < NR_MAPS; m++)
		side_close(SIDE_KBPF, maps[SIDE_KBPF][m]);
	free(g);
	T_ASSERT(accepted > total / 4); /* the generator still makes proofs */
	T_EQ(faults, 0);
}

/*
 * Callbacks whose effect on the caller's stack grows with each call: Linux
 * verifies the body until the states converge, so what the caller reads
 * back is every value a number of calls can leave.
 */
static const struct {
	const char *name;
	uint32_t n;
	struct bpf_insn p[40];
	uint32_t sub; /* the callback's first instruction */
} cb_progs[] = {
	/* *ctx counts to at most 4, the caller reads value[*ctx * 4] */
	{ "count_to_4_read_at_4x",
	  27,
	  {
		  ST(BPF_DW, 10, -8, 0),
		  MOV(1, 10),
		  I(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_FUNC, 0, 18),
		  I(0, 0, 0, 0, 0),
		  MOVR(3, 10),
		  ALU(BPF_ADD, 3, -8),
		  MOV(4, 0),
		  CALL(BPF_FUNC_loop),
		  ST(BPF_W, 10, -12, 0),
		  MOVR(2, 10),
		  ALU(BPF_ADD, 2, -12),
		  I(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0,
		    MAPREF + M_ARR),
		  I(0, 0, 0, 0, 0),
		  CALL(BPF_FUNC_map_lookup_elem),
		  JI(BPF_JEQ, 0, 0, 4),
		  LDX(BPF_DW, 1, 10, -8),
		  ALU(BPF_LSH, 1, 2),
		  ALUR(BPF_ADD, 0, 1),
		  LDX(BPF_W, 0, 0, 0),
		  MOV(0, 0),
		  EXIT,
		  /* 21: callback(idx, ctx) */
		  LDX(BPF_DW, 0, 2, 0),
		  JI(BPF_JGT, 0, 3, 2),
		  ALU(BPF_ADD, 0, 1),
		  STX(BPF_DW, 2, 0, 0),
		  MOV(0, 0),
		  EXIT,
	  },
	  21 },
	/* *ctx = 5 each call: the caller reads value[*ctx] (0 or 5) */
	{ "store_5_read_at",
	  24,
	  {
		  ST(BPF_DW, 10, -8, 0),
		  MOV(1, 10),
		  I(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_FUNC, 0, 17),
		  I(0, 0, 0, 0, 0),
		  MOVR(3, 10),
		  ALU(BPF_ADD, 3, -8),
		  MOV(4, 0),
		  CALL(BPF_FUNC_loop),
		  ST(BPF_W, 10, -12, 0),
		  MOVR(2, 10),
		  ALU(BPF_ADD, 2, -12),
		  I(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0,
		    MAPREF + M_ARR),
		  I(0, 0, 0, 0, 0),
		  CALL(BPF_FUNC_map_lookup_elem),
		  JI(BPF_JEQ, 0, 0, 3),
		  LDX(BPF_DW, 1, 10, -8),
		  ALUR(BPF_ADD, 0, 1),
		  LDX(BPF_B, 0, 0, 0),
		  MOV(0, 0),
		  EXIT,
		  /* 20: callback(idx, ctx) */
		  MOV(0, 5),
		  STX(BPF_DW, 2, 0, 0),
		  MOV(0, 0),
		  EXIT,
	  },
	  20 },
	/* *ctx += 1 each call, without bound: the caller masks it */
	{ "count_masked",
	  26,
	  {
		  ST(BPF_DW, 10, -8, 0),
		  MOV(1, 100),
		  I(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_FUNC, 0, 18),
		  I(0, 0, 0, 0, 0),
		  MOVR(3, 10),
		  ALU(BPF_ADD, 3, -8),
		  MOV(4, 0),
		  CALL(BPF_FUNC_loop),
		  ST(BPF_W, 10, -12, 0),
		  MOVR(2, 10),
		  ALU(BPF_ADD, 2, -12),
		  I(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0,
		    MAPREF + M_ARR),
		  I(0, 0, 0, 0, 0),
		  CALL(BPF_FUNC_map_lookup_elem),
		  JI(BPF_JEQ, 0, 0, 4),
		  LDX(BPF_DW, 1, 10, -8),
		  ALU(BPF_AND, 1, 15),
		  ALUR(BPF_ADD, 0, 1),
		  LDX(BPF_B, 0, 0, 0),
		  MOV(0, 0),
		  EXIT,
		  /* 21: callback(idx, ctx) */
		  LDX(BPF_DW, 0, 2, 0),
		  ALU(BPF_ADD, 0, 1),
		  STX(BPF_DW, 2, 0, 0),
		  MOV(0, 0),
		  EXIT,
	  },
	  21 },
};

KBPF_TEST(
	verifier_callback_growth,
	"a bpf_loop callback that grows a counter on the caller's stack: kbpf decides as the kernel does (Linux iterates the body to a fixed point); if kbpf accepts, 4 checked runs on fuzzed map values do not fault")
{
	static struct gen g;

	NEED_KERNEL();
	for (int s = 0; s < 2; s++)
		if (create_maps(s))
			T_FAIL("creating maps on side %d", s);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (size_t i = 0; i < sizeof(cb_progs) / sizeof(cb_progs[0]); i++) {
		struct kbpf_prog *prog, *kp;
		char kl[256], bl[256];
		long k, b;

		memset(&g, 0, sizeof(g));
		g.type = SF;
		g.n = cb_progs[i].n;
		memcpy(g.p, cb_progs[i].p, g.n * sizeof(g.p[0]));
		g.has_cb = true;
		g.nr_subs = 1;
		g.sub_start[0] = cb_progs[i].sub;
		g.nr_funcs = 2;
		k = load(SIDE_KERNEL, &g, false, &kp);
		b = load(SIDE_KBPF, &g, false, &prog);
		why_line(logs[0], kl, sizeof(kl));
		why_line(logs[1], bl, sizeof(bl));
		printf("%-24s kernel %ld [%s]\n%-24s kbpf   %ld [%s]\n",
		       cb_progs[i].name, k, kl, "", b, bl);
		if ((k >= 0) != (b >= 0))
			T_FAIL("%s: kernel %ld, kbpf %ld", cb_progs[i].name, k,
			       b);
		for (int run = 0; b >= 0 && prog && run < 4; run++) {
			uint64_t fz = 99 + (uint64_t)run;

			fuzz_maps(&fz);
			T_ASSERT(run_checked(&fz, b, prog, SF) != -EFAULT);
		}
		side_close(SIDE_KERNEL, k);
		side_close(SIDE_KBPF, b);
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < NR_MAPS; m++)
			side_close(s, maps[s][m]);
}
