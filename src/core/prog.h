/* SPDX-License-Identifier: MIT */
/*
 * BPF programs inside kbpf (the host's view is include/kbpf/prog.h; in
 * core/ because the interpreter and the maps below prog/ read them): the
 * loaded object, the per-run context helpers receive, and the helper table.
 *
 * A program is created by kbpf_prog_load() from BPF_PROG_LOAD attributes: the
 * instructions are copied, structurally checked, and their map references
 * relocated to kernel pointers (the preprocessor). It holds a reference on
 * every map it uses until it is freed.
 */
#ifndef KBPF_CORE_PROG_H
#define KBPF_CORE_PROG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "core/alloc.h"
#include "core/compiler.h"
#include "core/object.h"
#include "core/spinlock.h"
#include "kbpf/state.h"
#include "kbpf/kfunc.h"
#include "kbpf/prog.h"
#include "kbpf/uapi/bpf.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kbpf_map;
struct kbpf_prog;
struct kbpf_run;
struct kbpf_interp_args;
struct kbpf_interp_chk;

/* Argument kinds of a helper prototype (Linux's enum bpf_arg_type, simplified). */
enum kbpf_arg_kind {
	KBPF_ARG_NONE = 0, /* unused argument slot */
	KBPF_ARG_ANYTHING, /* any scalar */
	KBPF_ARG_CONST_MAP_PTR, /* pointer to a map the program uses */
	KBPF_ARG_PTR_TO_MAP_KEY, /* key_size readable bytes */
	KBPF_ARG_PTR_TO_MAP_VALUE, /* value_size readable bytes */
	KBPF_ARG_PTR_TO_UNINIT_MAP_VALUE, /* value_size writable bytes */
	KBPF_ARG_PTR_TO_MEM, /* readable bytes; size in the next argument */
	KBPF_ARG_PTR_TO_MEM_OR_NULL, /* as above, NULL allowed (size 0) */
	KBPF_ARG_PTR_TO_UNINIT_MEM, /* writable bytes; size in the next argument */
	KBPF_ARG_CONST_SIZE, /* size of the previous pointer argument, > 0 */
	KBPF_ARG_CONST_SIZE_OR_ZERO, /* size of the previous pointer argument */
	KBPF_ARG_PTR_TO_CTX, /* the program's context */
	KBPF_ARG_PTR_TO_FUNC, /* callback: a BPF_PSEUDO_FUNC address */
	KBPF_ARG_PTR_TO_STACK_OR_NULL, /* callback context: stack or NULL */
	KBPF_ARG_PTR_TO_RINGBUF_MEM, /* a record from bpf_ringbuf_reserve */
	KBPF_ARG_PTR_TO_DYNPTR, /* struct bpf_dynptr on the stack */
	KBPF_ARG_PTR_TO_LONG, /* 8 writable bytes */
	KBPF_ARG_CONST_STR, /* NUL-terminated read-only string */
	KBPF_ARG_UNSAFE_PTR, /* any address, read through probe callbacks */
	KBPF_ARG_PTR_TO_UNINIT_MEM_OR_NULL, /* writable bytes or NULL (size 0) */
	KBPF_ARG_PTR_TO_DYNPTR_RDONLY, /* struct bpf_dynptr the helper only reads */
	KBPF_ARG_PTR_TO_SPIN_LOCK, /* the bpf_spin_lock of a map value */
	KBPF_ARG_PTR_TO_MAP_VALUE_OR_NULL, /* value_size readable bytes, or NULL */
	KBPF_ARG_PTR_TO_TIMER, /* the struct bpf_timer of a map value */
	KBPF_ARG_KPTR_XCHG_DEST, /* a referenced kptr field of a map value */
	/* a referenced pointer of the kptr field's type, or NULL; released */
	KBPF_ARG_PTR_TO_BTF_ID_OR_NULL_RELEASE,
	/* a socket pointer (sock_common, sock, tcp_sock), not NULL */
	KBPF_ARG_PTR_TO_SOCK_COMMON,
	/* a referenced socket pointer (a lookup's result); released */
	KBPF_ARG_PTR_TO_SOCK_RELEASE,
	/*
	 * 4 initialised bytes, 4-aligned, that the helper reads and writes
	 * (Linux's ARG_PTR_TO_FIXED_SIZE_MEM | MEM_WRITE | MEM_ALIGNED, size
	 * 4: bpf_check_mtu's mtu_len)
	 */
	KBPF_ARG_PTR_TO_U32,
};

/* Result kinds of a helper prototype. */
enum kbpf_ret_kind {
	KBPF_RET_INTEGER = 0, /* scalar */
	KBPF_RET_VOID, /* nothing */
	KBPF_RET_PTR_TO_MAP_VALUE_OR_NULL, /* value_size bytes of the map argument */
	KBPF_RET_PTR_TO_MEM_OR_NULL, /* size given by the size argument (ringbuf reserve, dynptr_data) */
	KBPF_RET_PTR_TO_BTF_ID_OR_NULL, /* bpf_kptr_xchg: the field's old pointer, acquired */
	/*
	 * Sockets (struct bpf_sock, struct bpf_tcp_sock at their UAPI
	 * offsets): the lookups' results are acquired references; those of
	 * bpf_sk_fullsock and bpf_tcp_sock share their argument's.
	 */
	KBPF_RET_PTR_TO_SOCKET_OR_NULL,
	KBPF_RET_PTR_TO_SOCK_COMMON_OR_NULL,
	KBPF_RET_PTR_TO_TCP_SOCK_OR_NULL,
};

/*
 * A helper's function: five u64 arguments (r1-r5), a u64 result (r0), and
 * the run context of the calling program.
 */
typedef uint64_t (*kbpf_helper_fn)(struct kbpf_run *run, uint64_t r1,
				   uint64_t r2, uint64_t r3, uint64_t r4,
				   uint64_t r5);

/**
 * struct kbpf_helper - one entry of the helper table, indexed by Linux's
 * enum bpf_func_id.
 * @fn: the implementation; NULL means "no such helper" (refused at load).
 * @name: Linux's name without the bpf_ prefix, for the log and disassembler.
 * @ret: result kind.
 * @args: argument kinds, r1 first.
 * @gpl_only: only programs with a GPL-compatible license may call it.
 * @prog_types: bit (1ULL << prog_type) for each program type that may call
 *              it; 0 means every type.
 * @priv: KBPF_PRIV_* (core/priv.h) the program's loader must have held:
 *        Linux's tiers of base helpers (none, CAP_BPF, CAP_PERFMON).
 */
struct kbpf_helper {
	kbpf_helper_fn fn;
	const char *name;
	enum kbpf_ret_kind ret;
	enum kbpf_arg_kind args[5];
	bool gpl_only;
	uint8_t priv;
	uint64_t prog_types;
};

/**
 * struct kbpf_kfunc_desc - a kfunc a program calls (BPF_PSEUDO_KFUNC_CALL),
 * resolved at load (src/prog/kfunc.c) from the host BTF by the FUNC id in
 * the call's imm.
 * @btf_id: that id.
 * @proto_id: the FUNC's FUNC_PROTO in the host BTF.
 * @kf: the implementation's entry (the host's or kbpf's), or NULL when
 *      neither has one (the verifier refuses a path that calls it).
 * @h: what the interpreter's image calls: @kf's function and the FUNC's
 *     name; no argument kinds (KBPF_ARG_NONE: the verifier checked them).
 */
struct kbpf_kfunc_desc {
	uint32_t btf_id;
	uint32_t proto_id;
	const struct kbpf_kfunc *kf;
	struct kbpf_helper h;
};

/*
 * The helper id libbpf (and kbpf's loader) writes over an instruction whose
 * CO-RE relocation found nothing on this host. Programs guard such code so
 * that it never runs; the structural check accepts the call, and a run
 * that reaches it stops with -ENOENT (Linux's verifier refuses the program
 * instead when the call is reachable).
 */
#define KBPF_CORE_POISON_HELPER 0xbad2310

/**
 * struct kbpf_run - the state of one program run, handed to every helper.
 * Lives on the runner's stack for the duration of the run.
 * @host: the host table.
 * @prog: the running program (changes on a tail call).
 * @ctx: the context pointer given to the program (r1 at entry).
 * @cpu: the CPU the run is on.
 * @checked: non-NULL in checked mode: the interpreter's region tracker.
 * @interp: the interpreter's private state, for callbacks.
 * @call_func: runs the BPF subprogram at instruction @insn_off of @run->prog
 *             with r1-r5 and returns its r0 (bpf_loop, for_each_map_elem).
 * @tail_call: set by the tail_call helper: the program to continue with.
 * @tail_call_cnt: tail calls made so far in this run.
 * @cookie: the attach cookie of the attachment being run (what
 *          bpf_get_attach_cookie returns); 0 for runs without one.
 * @error: set by a helper or the checked interpreter to stop the program
 *         with that negative errno (reported by the runner).
 * @spin_lock: the bpf_spin_lock word the program holds, NULL if none;
 *             @spin_irq: the host's interrupt state saved when it was taken.
 * @timer: in a run of a bpf_timer's callback, that timer (a struct
 *         kbpf_timer, src/maps/timer.h): bpf_timer_cancel of it answers
 *         -EDEADLK, as Linux's per-CPU hrtimer_running does; else NULL.
 * @map_cpu1: 1 + the CPU whose slots the run's per-CPU map lookups use,
 *            0 until the first such lookup reads it (kbpf_run_map_cpu()):
 *            zero-initialised runs need nothing more.
 */
struct kbpf_run {
	const struct kbpf_host *host;
	struct kbpf_prog *prog;
	void *ctx;
	uint32_t ctx_type; /* kbpf_interp_args.ctx_type */
	uint32_t cpu;
	void *checked;
	void *interp;
	uint64_t (*call_func)(struct kbpf_run *run, uint64_t insn_off,
			      uint64_t r1, uint64_t r2, uint64_t r3,
			      uint64_t r4, uint64_t r5);
	struct kbpf_prog *tail_call;
	uint32_t tail_call_cnt;
	int error;
	uint64_t cookie;
	uint64_t func_ip; /* kbpf_interp_args.func_ip */
	void *spin_lock;
	unsigned long spin_irq;
	void *timer;
	struct kbpf_cg_run_ctx *cg; /* kbpf_interp_args.cg_run */
	uint32_t map_cpu1;
};

/**
 * struct kbpf_cg_run_ctx - what a run of a cgroup's programs (src/cgroup/)
 * gives each program, Linux's struct bpf_cg_run_ctx: reached by
 * bpf_get_local_storage() and bpf_get_retval()/bpf_set_retval() through
 * kbpf_run.cg (NULL outside the cgroup runners and BPF_PROG_TEST_RUN).
 * @storage: the running entry's storages, per storage type
 *           (struct kbpf_cgroup_storage of src/maps/cgroup_storage.h),
 *           NULL where its program has no such map.
 * @retval: the run's return value so far (0, -EPERM after a refusal, or
 *          what a program set); programs of one run share it.
 */
struct kbpf_cg_run_ctx {
	void *storage[2];
	int32_t *retval;
};

/**
 * kbpf_run_map_cpu() - the CPU whose per-CPU map slots @run's lookups use
 * (PERCPU_ARRAY, PERCPU_HASH, LRU_PERCPU_HASH values): the host's cpu_id,
 * read once per run, at the first such lookup, and kept for the rest of
 * the run (tail calls and callbacks included), where Linux reads the
 * running CPU's per-CPU offset at each access of a run that cannot
 * migrate. A host that migrates a running program gets consistent slots
 * (every lookup of the run sees the same CPU's value, as on Linux), not
 * the new CPU's; kbpf's own per-CPU state (locks, free lists) keeps
 * asking the host each time.
 *
 * Context: program path; never sleeps, no lock.
 * Return: a CPU < @run->host->nr_cpus.
 */
static inline uint32_t kbpf_run_map_cpu(struct kbpf_run *run)
{
	if (kbpf_unlikely(!run->map_cpu1))
		run->map_cpu1 = kbpf_this_cpu(run->host) + 1;
	return run->map_cpu1 - 1;
}

/**
 * kbpf_run_spin_release() - at the end of a run: release the bpf_spin_lock
 * the program still holds (@run->spin_lock), which only a program no
 * verifier proved can do.
 *
 * Context: program path (the runner, after the program returned).
 * Return: 0 if none was held; -EINVAL after releasing one (the run failed).
 */
static inline int kbpf_run_spin_release(struct kbpf_run *run)
{
	void *word = run->spin_lock;

	if (kbpf_likely(!word))
		return 0;
	run->spin_lock = NULL;
	kbpf_value_unlock_irqrestore(run->host, word, run->spin_irq);
	return -KBPF_EINVAL;
}

/**
 * kbpf_run_add_region() - tell the checked interpreter that the program may
 * now access [@ptr, @ptr + @size) (a map value or ring buffer record a
 * helper handed out). A no-op in fast mode (@run->checked is NULL).
 * @writable: whether the program may store to it.
 *
 * Context: program path.
 */
void kbpf_run_add_region(struct kbpf_run *run, void *ptr, size_t size,
			 bool writable);

/**
 * kbpf_run_add_dynptr() - as kbpf_run_add_region() for a dynptr of @size
 * bytes at @ptr that a helper lends a callback (off the run's stack): the
 * callback may pass it to helpers that take a read-only dynptr, but not
 * load or store through it, as Linux's verifier refuses ("invalid mem
 * access 'dynptr_ptr'"): its bytes hold a kernel address. Given back with
 * kbpf_run_del_region().
 *
 * Context: program path.
 */
void kbpf_run_add_dynptr(struct kbpf_run *run, void *ptr, size_t size);

/**
 * kbpf_run_add_map_value() - as kbpf_run_add_region() for @value, a value
 * of @map that lookup_elem() or for_each handed out, with the map's
 * program-side permissions: no stores if @map is BPF_F_RDONLY_PROG, no
 * loads if it is BPF_F_WRONLY_PROG (Linux's verifier refuses both). When
 * the map describes where all its values live (kbpf_map_ops.value_area),
 * one region covers every value of @map, however many the program looks
 * up; otherwise @value's value_size bytes are a region of their own.
 *
 * Context: program path.
 */
void kbpf_run_add_map_value(struct kbpf_run *run, struct kbpf_map *map,
			    void *value);

/**
 * kbpf_run_regions_mark() - the checked run's region count, for
 * kbpf_run_regions_release(); 0 in fast mode.
 * kbpf_run_regions_release() - drop the regions added since @mark (a
 * helper lent them to a callback that has returned), except ring buffer
 * records the program still holds. A no-op in fast mode.
 *
 * Context: program path.
 */
uint64_t kbpf_run_regions_mark(struct kbpf_run *run);
void kbpf_run_regions_release(struct kbpf_run *run, uint64_t mark);

/**
 * kbpf_run_add_map() - tell the checked interpreter that @map, an inner map
 * a map-in-map lookup handed out, may be passed to map helpers for the rest
 * of the run. A no-op in fast mode. Stops the program with -E2BIG if it
 * uses more than KBPF_INTERP_MAX_INNER_MAPS distinct inner maps in one run.
 *
 * Context: program path.
 */
void kbpf_run_add_map(struct kbpf_run *run, struct kbpf_map *map);

/**
 * kbpf_run_del_region() - the region [@ptr, @ptr + @size) added with
 * kbpf_run_add_region() is no longer the program's (a helper handed it to
 * a callback only for the callback's duration). A no-op in fast mode, and
 * if no such region exists.
 *
 * Context: program path.
 */
void kbpf_run_del_region(struct kbpf_run *run, void *ptr, size_t size);

/**
 * kbpf_run_access_ok() - whether the program may access [@ptr, @ptr +
 * @size) (@write: store to it): inside its stack frames or a region. Always
 * true in fast mode. Helpers that reach memory through a pointer the
 * program could have forged (a struct bpf_dynptr on its stack) check with
 * it in checked mode.
 *
 * Context: program path.
 */
bool kbpf_run_access_ok(struct kbpf_run *run, const void *ptr, size_t size,
			bool write);

/**
 * kbpf_run_add_record() - as kbpf_run_add_region() for a ring buffer record
 * of @size bytes at @ptr, which the program may submit or discard once: a
 * reference the program acquired and must release. @release(@ptr) gives
 * the record back (discards it) if the run ends, or tail-calls, while the
 * program still holds it; such a checked run then fails with -EINVAL
 * (Linux's verifier refuses a program that leaks a reference). A no-op in
 * fast mode: there the host's verifier must have proven that every
 * reservation is released.
 * kbpf_run_take_record() - the record at @ptr is being submitted or
 * discarded: true if it was one the program holds that was added with
 * @release (always true in fast mode), and the program may no longer touch
 * it. Matching @release keeps one kind of record (a socket) from being
 * given back as another (a ring buffer record).
 *
 * Context: program path.
 */
void kbpf_run_add_record(struct kbpf_run *run, void *ptr, size_t size,
			 void (*release)(void *ptr));
bool kbpf_run_take_record(struct kbpf_run *run, void *ptr,
			  void (*release)(void *ptr));
/*
 * kbpf_run_has_record() - whether the program holds a record at @ptr that
 * kbpf_run_add_record() added with @release (always true in fast mode):
 * for helpers that take back what they handed out (a socket) and must
 * not trust an unproven program's pointer. Context: program path.
 */
bool kbpf_run_has_record(struct kbpf_run *run, const void *ptr,
			 void (*release)(void *ptr));

/**
 * kbpf_run_set_packet() - tell the checked interpreter the packet moved:
 * the program may now access [@start, @start + @size) as packet bytes
 * (replacing the previous packet region). A no-op in fast mode. For
 * helpers that move a packet's bounds (adjust_head and the like).
 *
 * Context: program path.
 */
void kbpf_run_set_packet(struct kbpf_run *run, void *start, size_t size);

/*
 * Instruction modes kbpf's verifier writes into kbpf_prog.insns (never
 * accepted from a loader: the structural check refuses BPF_LDX with
 * these modes, which are BPF_ABS and BPF_IND). A load through a pointer
 * to a kernel object (the verifier's PTR_TO_BTF_ID), as Linux's
 * BPF_PROBE_MEM and BPF_PROBE_MEMSX: it runs through
 * kbpf_host.probe_read_kernel, a failed read giving 0.
 * bpf_prog_info shows them as BPF_MEM and BPF_MEMSX, as Linux does.
 */
#define KBPF_PROBE_MEM 0x20
#define KBPF_PROBE_MEMSX 0x40

/*
 * Linux's speculation barrier, BPF_ST | BPF_NOSPEC (0xc2): an instruction
 * only kbpf writes (the structural check refuses BPF_ST with any mode but
 * BPF_MEM), into the rewritten form of a program a loader without
 * CAP_PERFMON loaded (src/jit/spec.h). No effect on registers or memory.
 */
#define KBPF_NOSPEC (BPF_ST | 0xc0)

/*
 * What the verifier found one instruction of a program proved for a loader
 * without CAP_PERFMON needs against speculative execution (Linux's
 * insn_aux_data alu_state, alu_limit, nospec, nospec_result; applied by
 * src/jit/spec.c, docs/design/verifier.md "Speculation rewrites").
 * @alu_state: for a 64-bit add or sub of a register to a pointer,
 *             KBPF_SPEC_ALU_* (0: none): the offset is masked to
 *             @alu_limit bytes first.
 * @flags: KBPF_SPEC_NOSPEC, a barrier before it; KBPF_SPEC_NOSPEC_RESULT,
 *         a barrier after it (a stack store).
 */
struct kbpf_spec_aux {
	uint32_t alu_limit;
	uint8_t alu_state;
	uint8_t flags;
};

#define KBPF_SPEC_ALU_SRC 0x01u /* the pointer is dst, the offset src */
#define KBPF_SPEC_ALU_DST 0x02u /* the pointer is src, the offset dst */
#define KBPF_SPEC_ALU_NEG 0x04u /* the offset is negative */
#define KBPF_SPEC_ALU_IMM 0x10u /* the offset is a known constant */
#define KBPF_SPEC_NOSPEC 0x1u
#define KBPF_SPEC_NOSPEC_RESULT 0x2u

/**
 * struct kbpf_prog - a loaded program.
 * @obj: common object header (type KBPF_OBJ_PROG).
 * @type: enum bpf_prog_type.
 * @expected_attach_type: enum bpf_attach_type from the load attributes.
 * @insns: the relocated instructions (ld_imm64 map references hold kernel
 *         pointers); @len instructions.
 * @orig_insns: the instructions as loaded, for bpf_prog_info and the tag.
 * @maps: maps the program uses (one reference each), @nr_maps of them.
 * @helpers: the helper table used at load time; indexed by helper id.
 * @nr_helpers: entries in @helpers.
 * @gpl_compatible: the license allows GPL-only helpers.
 * @name: the program name (BPF_OBJ_NAME_LEN bytes, NUL-terminated).
 * @tag: Linux's 8-byte program tag.
 * @stack_depth: largest stack use of any frame, bytes.
 * @interp_image: the interpreter's pre-decoded form, or NULL.
 * @load_time_ns: mono_ns at load.
 * @attach_name: BPF_PROG_TYPE_TRACING: the raw tracepoint of the host's
 *        registry the program attaches to: "sched_switch" for a tp_btf
 *        program on btf_trace_sched_switch, "fentry/<function>" or
 *        "fexit/<function>" for fentry/fexit; "" for other types.
 * @attach_btf_id: the load's attach_btf_id (tracing programs), else 0.
 * @attach_nargs: the tracepoint's argument count from its BTF prototype.
 * @rcu: deferred free (kbpf_host.defer_free) once the last reference goes.
 * @runs: on a host without defer_free, the runs that entered the program by
 *        a tail call and have not ended (kbpf_prog_run_hold()); its release
 *        waits for 0. Unused (always 0) with defer_free.
 * @stats: per-CPU struct kbpf_prog_stats (BPF_ENABLE_STATS).
 * @bind_lock: serialises BPF_PROG_BIND_MAP's appends to @maps.
 *
 * @maps grows while the program runs (BPF_PROG_BIND_MAP): the slot is
 * written before @nr_maps is raised with a release store, and readers that
 * may run concurrently read it with kbpf_prog_nr_maps() (acquire).
 */
struct kbpf_prog {
	struct kbpf_obj obj;
	uint32_t type;
	uint32_t expected_attach_type;
	uint32_t len;
	struct bpf_insn *insns;
	struct bpf_insn *orig_insns;
	struct kbpf_map **maps;
	uint32_t nr_maps;
	/*
	 * Its CGROUP_STORAGE and PERCPU_CGROUP_STORAGE maps, at most one of
	 * each (Linux's aux->cgroup_storage, indexed by storage type; held
	 * through @maps). Attaching it to a cgroup gives it their storage
	 * for that cgroup (src/cgroup/cgroup.c). Set once at load.
	 */
	struct kbpf_map *cg_storage[2];
	const struct kbpf_helper *helpers;
	uint32_t nr_helpers;
	/* The kfuncs its calls name (struct kbpf_kfunc_desc), owned. */
	struct kbpf_kfunc_desc *kfuncs;
	uint32_t nr_kfuncs, kfuncs_cap;
	bool gpl_compatible;
	char name[16];
	uint8_t tag[8];
	uint32_t stack_depth;
	void *interp_image;
	uint64_t load_time_ns;
	char attach_name[128];
	uint32_t attach_btf_id;
	uint32_t attach_nargs;
	/*
	 * What its loader held (KBPF_PRIV_*, core/priv.h): the helpers it
	 * may call and the pointer rules of its checked runs follow it.
	 * KBPF_PRIV_ALL for programs an in-kernel loader made.
	 */
	uint32_t priv;
	/*
	 * The verifier's answer (kbpf_host.verifier not OFF): @verified, it
	 * proved the program safe; @checked_only, it could not and the host's
	 * policy (KBPF_VERIFIER_FALLBACK) loaded it anyway: the interpreter
	 * runs it in checked mode whatever its runner asks. @verified_insns:
	 * instructions it processed (bpf_prog_info.verified_insns).
	 */
	bool verified;
	bool checked_only;
	uint32_t verified_insns;
	/*
	 * Loaders without CAP_PERFMON: @spec_done, the verifier proved the
	 * program and recorded its speculation rewrites; @spec, one entry
	 * per instruction of @insns (@len), or NULL when no instruction
	 * needs one. The JIT compiles the rewritten program (src/jit/spec.h)
	 * and bpf_prog_info shows it; set once at load.
	 */
	bool spec_done;
	struct kbpf_spec_aux *spec;
	/*
	 * @jit: the program's native code (src/jit/jit_prog.h), or NULL.
	 * @jit_run: runs it; kbpf_interp_run() calls it for the runs the
	 * interpreter would make in fast mode (a pointer, so that the
	 * interpreter does not depend on the JIT module above it). Both set
	 * once at load, before the program is published; freed with it.
	 */
	void *jit;
	int (*jit_run)(struct kbpf_prog *prog, const struct kbpf_host *host,
		       const struct kbpf_interp_args *args, uint64_t *ret);
	/*
	 * @jit_chk: native code with checked mode's guarantees (src/jit/
	 * checked.c), for the checked runs of a program no proof exempts
	 * from them, or NULL. @jit_chk_run: the interpreter calls it with
	 * the checked run it set up (regions, budget, stack: @chk) instead
	 * of its checked loop. Set once at load, freed with the program.
	 */
	void *jit_chk;
	int (*jit_chk_run)(struct kbpf_prog *prog, struct kbpf_run *run,
			   const struct kbpf_interp_chk *chk,
			   const uint64_t *args, uint64_t *ret);
	/*
	 * Linux's enforce_expected_attach_type: set by the verifier when a
	 * cgroup skb egress program may return 2 or 3 (congestion
	 * notification); such a program attaches to egress only.
	 */
	bool enforce_expected_attach_type;
	/*
	 * prog_btf_fd's BTF object (KBPF_OBJ_BTF) when the program came with
	 * func_info or line_info, with a reference; the records as checked
	 * (src/prog/btf_info.c), reported by bpf_prog_info.
	 */
	struct kbpf_obj *btf;
	struct bpf_func_info *func_info;
	uint32_t nr_func_info;
	struct bpf_line_info *line_info;
	uint32_t nr_line_info;
	struct kbpf_rcu_head rcu;
	atomic_uint runs;
	struct kbpf_percpu stats;
	struct kbpf_spinlock bind_lock;
};

/* The descriptor of @prog's calls of kfunc @btf_id, or NULL. Context: any. */
static inline const struct kbpf_kfunc_desc *
kbpf_prog_kfunc_desc(const struct kbpf_prog *prog, uint32_t btf_id)
{
	for (uint32_t i = 0; i < prog->nr_kfuncs; i++)
		if (prog->kfuncs[i].btf_id == btf_id)
			return &prog->kfuncs[i];
	return NULL;
}

/*
 * Run statistics of one program on one CPU (Linux's struct bpf_prog_stats).
 * Written only by runs on that CPU; atomics because a host's "CPU" may be
 * shared by threads (the POSIX host) and the syscall path sums them.
 */
struct kbpf_prog_stats {
	_Atomic uint64_t cnt;
	_Atomic uint64_t nsecs;
	_Atomic uint64_t misses;
};

/**
 * kbpf_prog_nr_maps() - @prog->nr_maps read with acquire: the slots below
 * it are initialised (pairs with BPF_PROG_BIND_MAP's release store).
 *
 * Context: any.
 */
static inline uint32_t kbpf_prog_nr_maps(const struct kbpf_prog *prog)
{
	return atomic_load_explicit(
		(_Atomic uint32_t *)(uintptr_t)&prog->nr_maps,
		memory_order_acquire);
}

/**
 * kbpf_stats_enabled() - whether runs record statistics now (an open
 * BPF_ENABLE_STATS fd on @h). The only cost of statistics when they are
 * off: one test on the run path.
 *
 * Context: any; lock-free.
 */
static inline bool kbpf_stats_enabled(const struct kbpf_host *h)
{
	return kbpf_unlikely(h->state &&
			     atomic_load_explicit(&h->state->stats_users,
						  memory_order_relaxed));
}

/**
 * kbpf_prog_stats_add() - count one run of @prog on @cpu that took @ns.
 * kbpf_prog_stats_read() - the sums over every CPU.
 *
 * Context: add: program path; read: any.
 */
void kbpf_prog_stats_add(struct kbpf_prog *prog, uint32_t cpu, uint64_t ns);
void kbpf_prog_stats_read(const struct kbpf_prog *prog, uint64_t *cnt,
			  uint64_t *nsecs, uint64_t *misses);

/**
 * struct kbpf_prog_load_opts - how kbpf_prog_load() reads its attributes.
 * @kernel_ptrs: the pointers in the attributes (insns, license, log_buf,
 *               fd_array) are kernel addresses (an in-kernel loader), not
 *               user addresses to copy through the host.
 * @maps: with @kernel_ptrs, BPF_PSEUDO_MAP_IDX and BPF_PSEUDO_MAP_IDX_VALUE
 *        index this array instead of fd_array; @nr_maps entries.
 * @helpers: the helper table for the program (NULL: kbpf_default_helpers),
 *           @nr_helpers entries; the table must outlive the program.
 */
struct kbpf_prog_load_opts {
	bool kernel_ptrs;
	struct kbpf_map *const *maps;
	uint32_t nr_maps;
	const struct kbpf_helper *helpers;
	uint32_t nr_helpers;
};

/**
 * kbpf_prog_load() - create a program from BPF_PROG_LOAD attributes.
 * @h: host table.
 * @attr: the attributes (a kernel copy); log_true_size is written back here.
 * @opts: may be NULL (user pointers, fd_array, the default helpers).
 * @out: receives the program with one reference held by the caller.
 *
 * Checks the attributes as Linux does, copies the instructions, resolves
 * map references (the program takes a reference on each map), runs the
 * structural check, writes the verifier log, and computes the tag. The
 * structural check is not a verifier: it refuses what cannot be run
 * (unknown opcodes, reserved fields set, jumps out of range, writes to r10,
 * unknown helpers...), not unsafe memory accesses; run unverified programs
 * in the interpreter's checked mode.
 *
 * Context: syscall path; may sleep.
 * Return: 0; -EINVAL for bad attributes or a refused program (the log says
 * why); -E2BIG for insn_cnt 0 or over KBPF_MAX_INSNS, or too many maps;
 * -EACCES for a write to r10; -EFAULT for unreadable user memory; -EBADF for
 * an fd that is not open; -ENOSPC if the log was too small; -ENOMEM.
 */
int kbpf_prog_load(const struct kbpf_host *h, union bpf_attr *attr,
		   const struct kbpf_prog_load_opts *opts,
		   struct kbpf_prog **out);

static inline void kbpf_prog_get(struct kbpf_prog *prog)
{
	kbpf_obj_get(&prog->obj);
}

static inline void kbpf_prog_put(struct kbpf_prog *prog)
{
	kbpf_obj_put(&prog->obj);
}

/**
 * kbpf_prog_run_hold() - a run entered @prog by a tail call on a host
 * without kbpf_host.defer_free: @prog's release (the last kbpf_prog_put())
 * waits until kbpf_prog_run_done(). The caller must know @prog is still
 * alive: the prog array calls it under the lock its slot writers pass
 * through before they drop the slot's reference (maps/prog_array.c).
 *
 * Context: program path; lock-free (an atomic increment).
 */
static inline void kbpf_prog_run_hold(struct kbpf_prog *prog)
{
	atomic_fetch_add_explicit(&prog->runs, 1, memory_order_relaxed);
}

/**
 * kbpf_prog_run_done() - the run that held @prog (kbpf_prog_run_hold()) has
 * ended; @prog may be freed from now on. Release: the run's last accesses
 * to @prog and its maps come before the free (pairs with the acquire of
 * the waiting release in prog/prog.c).
 *
 * Context: program path; lock-free.
 */
static inline void kbpf_prog_run_done(struct kbpf_prog *prog)
{
	atomic_fetch_sub_explicit(&prog->runs, 1, memory_order_release);
}

#ifdef __cplusplus
}
#endif

#endif /* KBPF_CORE_PROG_H */
