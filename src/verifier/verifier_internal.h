/* SPDX-License-Identifier: MIT */
/*
 * The verifier's private types, shared by its files: the abstract register
 * (a scalar, or a pointer of a type with a fixed and a variable offset),
 * the stack frame with its slot states, the verifier state (frames plus
 * held references), and the environment of one verification.
 *
 * state.c: state allocation, copies, the explored-state lists, pruning by
 * subsumption and register liveness. verifier.c: the walk over the
 * program and every instruction's rules. call.c: helper calls (argument
 * kinds), bpf-to-bpf calls and callbacks, exits.
 *
 * One verification runs on one thread (the loading task); no locks.
 */
#ifndef KBPF_VERIFIER_INTERNAL_H
#define KBPF_VERIFIER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/alloc.h"
#include "core/map.h"
#include "core/prog.h"
#include "core/vlog.h"
#include "btf/btf.h"
#include "verifier/domain.h"
#include "verifier/verifier.h"

#define V_MAX_FRAMES 8 /* Linux's MAX_CALL_FRAMES */
#define V_STACK 512 /* MAX_BPF_STACK, per frame */
#define V_SLOTS (V_STACK / 8)
#define V_MAX_REFS 32
#define V_MAX_VAR_OFF (1ll << 29) /* Linux's BPF_MAX_VAR_OFF */
#define V_MAX_STATES 1000000 /* states recorded in all; past it, no new ones */
#define V_MAX_PER_INSN 64 /* explored states kept at one instruction */
/*
 * Callback bodies are iterated exactly this many times before scalars that
 * still change are widened (kbpf has no precision marks to tell which
 * ones matter, as Linux's widen_imprecise_scalars() does).
 */
#define V_CB_EXACT 16

/* Register types (Linux's enum bpf_reg_type, the part v0 knows). */
enum vtype {
	T_NOT_INIT = 0,
	T_SCALAR,
	T_CTX,
	T_MAP_PTR,
	T_MAP_VALUE,
	T_MAP_KEY,
	T_STACK,
	T_PKT,
	T_PKT_META,
	T_PKT_END,
	T_MEM,
	T_FUNC,
	T_DYNPTR, /* CONST_PTR_TO_DYNPTR: a callback's read-only dynptr */
	T_BTF_ID, /* PTR_TO_BTF_ID: a kernel object of the host BTF (btf_ptr.c) */
	/* Sockets from the sk helpers (sock.c): PTR_TO_SOCK_COMMON, ... */
	T_SOCK_COMMON,
	T_SOCK,
	T_TCP_SOCK,
};

#define VF_NULL 0x1u /* _or_null: must be compared with 0 first */
#define VF_RINGBUF 0x2u /* T_MEM: a ring buffer record */
#define VF_RDONLY 0x4u /* T_MEM: read-only */
/* T_BTF_ID (and T_MEM walked from one): Linux's type flags. */
#define VF_TRUSTED 0x8u /* PTR_TRUSTED */
#define VF_RCU 0x10u /* MEM_RCU */
#define VF_UNTRUSTED 0x20u /* PTR_UNTRUSTED */
#define VF_USER 0x40u /* MEM_USER: a __user pointer, not to be read */
#define VF_PERCPU 0x80u /* MEM_PERCPU: a __percpu pointer, not to be read */
/*
 * T_MEM from bpf_rdonly_cast(obj, 0) (Linux's rdonly_untrusted_mem): read
 * at any offset, as probe loads (kfunc.c).
 */
#define VF_ANY_READ 0x200u
/* Spill entries of SLOT_DYNPTR slots only: */
#define VF_DYN_FIRST 0x100u /* a dynptr's first slot (dynptr.c) */

/**
 * struct vreg - what the verifier knows of one register (or spilled slot).
 * @type: enum vtype.
 * @flags: VF_*.
 * @frameno: T_STACK: the frame whose stack it points into.
 * @off: fixed offset from the object's start (pointers).
 * @id: null-check identity (_or_null pointers and their copies), or the
 *      identity of a packet pointer's variable part (ranges are per id).
 * @ref_obj_id: the reference (ring buffer record) this pointer is, or 0.
 * @precise: scalars of explored states: the rest of the program depended
 *           on this value (Linux's precision mark), so pruning compares
 *           its range; an imprecise scalar matches any scalar. Always
 *           false in the state being walked (only explored states get
 *           marks, from backtracking).
 * @range: T_PKT/T_PKT_META: bytes past the pointer proven in the packet;
 *         T_MEM: the memory's size.
 * @subprog: T_FUNC: the first instruction of the function; T_MEM from
 *           bpf_dynptr_data: the id of its dynptr (dies with it).
 * @map: T_MAP_PTR, T_MAP_VALUE, T_MAP_KEY: the map (for a map-in-map
 *       lookup's result, the outer map's inner-map template: venv.inner).
 * @btf_id: T_BTF_ID: the struct's type id in the host BTF.
 * @s: a scalar's value, or a pointer's variable offset.
 */
struct vreg {
	uint8_t type;
	uint16_t flags;
	uint8_t frameno;
	uint8_t precise;
	int32_t off;
	uint32_t id;
	uint32_t ref_obj_id;
	uint32_t range;
	uint32_t subprog;
	const struct kbpf_map *map;
	uint32_t btf_id;
	struct kbpf_scalar s;
};

/*
 * States of one stack byte. SLOT_DYNPTR: part of a struct bpf_dynptr a
 * helper built (dynptr.c; what is known of it is in the spill entries of
 * its two slots).
 */
enum {
	SLOT_INVALID = 0,
	SLOT_SPILL,
	SLOT_MISC,
	SLOT_ZERO,
	SLOT_DYNPTR,
	SLOT_ITER, /* part of an open-coded iterator (iter.c) */
};

/* An iterator's state (spill entries of SLOT_ITER slots: @range). */
#define ITER_ACTIVE 1u
#define ITER_DRAINED 2u

/**
 * struct vframe - one function's frame.
 * @regs: r0-r10.
 * @slot: per byte, index off + 512 for r10 + off.
 * @spill: the register spilled in each 8-byte slot (bytes SLOT_SPILL).
 * @callsite: frames above 0: the call instruction that made this frame.
 * @callback: frames above 0: the helper id whose callback this is, or 0
 *            for a bpf-to-bpf call.
 */
struct vframe {
	struct vreg regs[11];
	uint8_t slot[V_STACK];
	struct vreg spill[V_SLOTS];
	uint32_t callsite;
	uint32_t callback;
	uint32_t allocated; /* bytes below r10 ever written (Linux's allocated_stack) */
	uint32_t cb_iter; /* calls of the callback being iterated (not compared) */
};

/*
 * One entry of a path's history (Linux's jmp_history): instruction @idx
 * was reached from @prev (not the instruction before it), or accessed the
 * stack at a fixed offset (slot @spi of frame @frameno, else -1). Walking
 * back from an instruction, the previous one is the entry's @prev if the
 * newest unread entry is for it, else the one before.
 */
struct vhist {
	uint32_t idx;
	uint32_t prev;
	int8_t spi;
	uint8_t frameno;
	/*
	 * A conditional jump that refined linked scalars (Linux's
	 * linked_regs of its jump history): VH_LINKED_* below, or 0.
	 */
	uint32_t linked;
};

/*
 * vhist.linked: up to 3 registers or spilled slots sharing the compared
 * scalar's id (registers live at the jump), 10 bits each from bit 0:
 * frame (3 bits), 1 for a register (1 bit), register or slot index (6
 * bits); their count in bits 30-31 (2 or 3). A count of 1 marks a set too
 * large to record (backtracking through the jump gives up).
 */
#define VH_LINKED_CNT(l) ((l) >> 30)
#define VH_LINKED_OVER (1u << 30)

#define V_HIST 64 /* entries per segment; past it, backtracking gives up */

struct vref {
	uint32_t id;
	uint32_t insn;
};

/**
 * struct vstate - the verifier state on one path.
 * @parent: the last explored state this path went through (branch counts).
 * @branches: explored states: paths from here still being explored; the
 *            state is complete (usable for pruning) when it drops to 0.
 * @insn: explored states: the instruction they were recorded at.
 * @next: explored states: next at the same instruction.
 */
struct vstate {
	struct vframe *frames[V_MAX_FRAMES];
	uint32_t curframe;
	uint32_t nr_refs;
	struct vref refs[V_MAX_REFS];
	struct vstate *parent;
	uint32_t branches;
	uint32_t insn;
	uint32_t hit_cnt, miss_cnt;
	/*
	 * Explored states: every scalar is marked precise (mark_all_precise()
	 * passed here). Marks are never taken back and the parent chain
	 * above an explored state never changes, so its ancestors are all
	 * marked too.
	 */
	bool all_precise;
	bool speculative; /* a mispredicted branch (loaders without CAP_PERFMON) */
	/*
	 * Explored states: a path below stopped against a state still being
	 * explored (a loop's fixed point), or against a state marked so:
	 * what this state's paths read is not all recorded yet, so no stack
	 * slot is dead here (Linux's incomplete read marks). Set on the
	 * whole parent chain at once, never taken back.
	 */
	bool sl_tainted;
	/*
	 * The bpf_spin_lock held (Linux's active_locks, at most one for a
	 * helper-taken lock): the map of the value and the id of the value
	 * pointer it was taken through; @lock_map NULL: none held.
	 */
	const struct kbpf_map *lock_map;
	uint32_t lock_id;
	/* Inside bpf_rcu_read_lock() (Linux's active_rcu_lock; kfunc.c). */
	bool active_rcu;
	struct vstate *next;
	/*
	 * The path since the last explored state (a segment): its first
	 * instruction, for explored states the last one before them, and
	 * the history of its jumps and stack accesses (@hist_lost: more than
	 * V_HIST of them; backtracking through it marks every scalar).
	 */
	uint32_t first_insn, last_insn;
	uint32_t seg_insns; /* instructions executed in the segment */
	uint32_t nr_hist;
	bool hist_lost;
	struct vhist hist[V_HIST];
};

struct vbranch {
	struct vstate *st;
	uint32_t insn;
	uint32_t from; /* the instruction that pushed it */
	uint64_t log_pos; /* the log's end when it was pushed */
};

/* Registers (per frame) and stack slots (per frame) being backtracked. */
struct vbt {
	uint16_t regs[V_MAX_FRAMES];
	uint64_t stack[V_MAX_FRAMES];
};

#define VI_PRUNE 0x1u /* a pruning point: states are compared here */
#define VI_FORCE 0x2u /* a state is always recorded here */
#define VI_NOSPEC 0x4u /* speculative paths stop here (Linux's nospec) */
/*
 * Speculative paths stop after this instruction (Linux's nospec_result: a
 * stack write a loader without CAP_PERFMON makes is followed by a barrier
 * against Spectre v4, so nothing after it runs speculatively).
 */
#define VI_NOSPEC_RESULT 0x8u
/* A conditional jump that refined linked scalars on some path. */
/*
 * A load through a T_BTF_ID pointer: after the proof it becomes a probe
 * load (KBPF_PROBE_MEM, core/prog.h), as Linux's BPF_PROBE_MEM.
 */
#define VI_PROBE 0x20u
/* A load of this instruction went through another kind of pointer. */
#define VI_NOT_PROBE 0x40u
/* A call of an iterator's _next kfunc (iter.c): a forced checkpoint. */
#define VI_ITER_NEXT 0x80u
/*
 * A load through a map pointer (T_MAP_PTR) of a field of Linux's struct
 * bpf_map (btf_ptr.c): after the proof it becomes a probe load of the
 * kbpf map's own field (kbpf_v_btf_mark_probes()).
 */
#define VI_MAP_FIELD 0x100u

/* Inner-map templates of the map-in-map maps a program uses (call.c). */
#define V_MAX_INNER 8

/*
 * Stack-slot liveness of one instruction (state.c; bit k: kbpf slot k,
 * r10-512 + 8k, of the instruction's own frame): the slots it may read
 * and must write on every path walked through it so far, whether it has
 * been walked (@wset: @write holds), and the slots live before it.
 */
struct vslive {
	uint64_t read;
	uint64_t write;
	uint64_t live;
	bool wset;
};

struct venv {
	/*
	 * Precision walks Linux does not make (kbpf's extra marks) print
	 * no "mark_precise" lines at level 2 while this is set.
	 */
	bool bt_quiet;
	struct kbpf_prog *prog;
	const struct kbpf_host *h;
	struct kbpf_vlog *log;
	const struct bpf_insn *insns; /* as loaded (context offsets) */
	const struct bpf_insn *rel; /* relocated (map pointers) */
	uint32_t len;
	struct vstate *cur;
	struct vbranch *stack;
	uint32_t nr_stack, cap_stack;
	struct vstate **explored;
	uint32_t *nr_explored;
	/*
	 * States taken off a full list at their instruction while still
	 * being explored (their path's ancestors): no longer compared,
	 * freed with the rest.
	 */
	struct vstate *retired;
	uint16_t *flags; /* VI_* */
	uint16_t *live; /* registers live before each instruction */
	/*
	 * Stack-slot liveness (state.c), per instruction; @sl_wacc: the
	 * slots of its frame the instruction being checked wrote whole;
	 * @sl_dirty: a read or write set changed since the live sets were
	 * computed.
	 */
	struct vslive *sl;
	uint64_t sl_wacc;
	bool sl_dirty;
	/*
	 * Loaders without CAP_PERFMON: per instruction, the sanitation an
	 * add or sub of a register needs (Linux's insn_aux_data alu_state
	 * and alu_limit); every path must need the same.
	 */
	uint8_t *alu_state;
	uint32_t *alu_limit;
	bool explore_alu_limits; /* scalars must match exactly to prune */
	uint32_t insn_processed;
	uint32_t insn_idx; /* the instruction being checked */
	uint32_t prev_idx; /* the one checked before it on this path */
	int8_t hist_spi; /* the stack slot it accessed (history), or -1 */
	uint32_t hist_linked; /* its linked scalars (vhist.linked), or 0 */
	uint8_t hist_frameno;
	bool force_precise; /* compare every scalar by its range */
	bool skip_record; /* the instruction is already in the path's history */
	/* Linux's heuristic: record a state after 2 jumps and 8 insns */
	uint32_t jmps_processed, prev_jmps_processed, prev_insn_processed;
	uint32_t total_states, cur_states, peak_states, max_states_per_insn;
	uint32_t id_gen;
	bool allow_ptr_leaks; /* perfmon_capable(): pointer leaks allowed */
	bool no_btf_ok; /* callbacks without BTF func_info (kbpf_verify()) */
	bool bpf_capable;
	/*
	 * A load Linux's *_is_valid_access() allows but its conversion
	 * cannot rewrite (the upper half of a bpf_tcp_sock counter): the
	 * program fails after the walk, as Linux's convert_ctx_accesses().
	 */
	bool conv_fault;
	uint32_t ctx_size;
	uint32_t idmap_n;
	uint32_t fake_id; /* ids for unlinked scalars in a comparison */
	uint32_t idmap[2 * 128];
	/*
	 * The host BTF (kbpf_host.btf), parsed once per host
	 * (src/btf/host_btf.c); a reference taken when a tracing program's
	 * context or a BTF pointer first needs it (btf_ptr.c) and dropped
	 * with the environment. @hbtf_state 0: not yet, 1: held, -1: absent
	 * or invalid.
	 */
	struct kbpf_host_btf *hbtf;
	int hbtf_state;
	/*
	 * Map-in-map lookups: per outer map, a map made of its inner-map
	 * template (Linux's inner_map_meta), what the lookup's result
	 * points to (call.c). Freed with the environment.
	 */
	const struct kbpf_map *inner_outer[V_MAX_INNER];
	struct kbpf_map inner[V_MAX_INNER];
	uint32_t nr_inner;
	/*
	 * The trace at log levels 1 and 2 (log.c): registers and stack slots
	 * (by Linux's index, fp-8 is 0) touched since the last state print,
	 * a popped branch's state still to print, and where the last
	 * instruction's line starts and how long it is.
	 */
	uint16_t scratched_regs;
	uint64_t scratched_stack;
	bool print_state;
	uint64_t prev_log_pos;
	uint32_t prev_insn_print_pos;
};

#define CUR_FRAME(env) ((env)->cur->frames[(env)->cur->curframe])
#define CUR_REGS(env) (CUR_FRAME(env)->regs)

/* verifier.c */
const char *kbpf_v_type_str(const struct vreg *r, char *buf, unsigned long n);
void kbpf_v_mark_unknown(struct vreg *r);
void kbpf_v_mark_not_init(struct vreg *r);
void kbpf_v_mark_const(struct vreg *r, uint64_t v);
bool kbpf_v_is_ptr(const struct vreg *r);
int kbpf_v_check_read(struct venv *env, uint32_t regno);
int kbpf_v_push_branch(struct venv *env, uint32_t insn);
/* Memory: check an access of @size bytes at @reg + @off (helper: indirect). */
int kbpf_v_check_mem(struct venv *env, uint32_t regno, int32_t off,
		     uint32_t size, bool write, int value_regno,
		     struct vreg *out, bool helper, bool zero_size_ok);

/*
 * Precision (state.c, Linux's mark_chain_precision()): the values of the
 * registers and stack slots in @bt, as they are before the instruction
 * being checked, decide something; mark them precise in every explored
 * state of this path back to where they were made, following the
 * instructions that computed them. Where that cannot be followed (calls,
 * exits, callbacks, atomics, linked scalars, a lost history) every scalar
 * of every explored state of the path is marked instead. No allocation.
 */
void kbpf_v_mark_precise(struct venv *env, struct vbt *bt);
void kbpf_v_mark_reg_precise(struct venv *env, uint32_t regno);
/*
 * Add the instruction being checked (env->insn_idx, reached from
 * env->prev_idx) to @st's history, as executed on @st's path.
 */
void kbpf_v_hist_push(struct venv *env, struct vstate *st);

/* state.c */
struct vstate *kbpf_v_state_new(struct venv *env);
struct vstate *kbpf_v_state_copy(struct venv *env, const struct vstate *src);
void kbpf_v_state_free(struct venv *env, struct vstate *st);
void kbpf_v_frame_free(struct venv *env, struct vframe *f);
/*
 * At a pruning point @insn: 1 if the current state is covered by a
 * complete explored state (stop this path), 0 to go on (a new explored
 * state may have been recorded), or -errno with the log line ("infinite
 * loop detected at insn %d").
 */
int kbpf_v_is_state_visited(struct venv *env, uint32_t insn);
/* This path ended: drop the branch counts of its explored ancestors. */
void kbpf_v_path_done(struct venv *env, struct vstate *st);
int kbpf_v_compute_liveness(struct venv *env);
/*
 * Stack-slot liveness, recorded as the walk goes (Linux 6.18's
 * liveness.c, in behaviour): the instruction being checked reads bytes
 * [@lo, @hi) (offsets from r10) of frame @frameno, or writes all 8 bytes
 * of the slot at @lo of it. A read of a caller's frame is the read of the
 * call instruction in that frame; writes count only in the current frame.
 * No allocation; no-ops without env->sl.
 */
void kbpf_v_stack_read(struct venv *env, uint32_t frameno, int64_t lo,
		       int64_t hi);
void kbpf_v_stack_write(struct venv *env, uint32_t frameno, int64_t lo);
/* The instruction at @insn was checked on this path: commit its writes. */
void kbpf_v_stack_insn_done(struct venv *env, uint32_t insn);
void kbpf_v_free_explored(struct venv *env);
/*
 * Back at callback call @insn after an iteration: every scalar (register
 * or spilled slot) of @st that differs from the last explored state at
 * @insn on @st's path becomes unknown, so the iteration converges.
 */
void kbpf_v_widen(struct venv *env, struct vstate *st, uint32_t insn);
/*
 * Linux's widen_imprecise_scalars(): every scalar of @st (registers and
 * spilled slots) that differs from @old's and is precise in neither
 * becomes unknown.
 */
void kbpf_v_widen_from(struct venv *env, const struct vstate *old,
		       struct vstate *st);

/* btf_ptr.c: PTR_TO_BTF_ID (Linux's btf_ctx_access, btf_struct_access). */
/*
 * A load of @size bytes at @off of a tracing program's context (tp_btf,
 * fentry, fexit): the argument typed from the attach target's prototype
 * in the host BTF (a scalar, or a T_BTF_ID to a struct). 1 if the program
 * has no BTF prototype (the caller's generic rules apply), 0 with *@out,
 * or -errno with Linux's line.
 */
int kbpf_v_btf_ctx_access(struct venv *env, int32_t off, uint32_t size,
			  bool write, struct vreg *out);
/*
 * An access of @size bytes at @off through T_BTF_ID register @regno
 * (Linux's check_ptr_to_btf_access()): reads of scalar members give
 * scalars, of pointer members T_BTF_ID or read-only T_MEM of size 0;
 * writes, negative, variable and out-of-struct offsets are refused.
 */
int kbpf_v_btf_access(struct venv *env, uint32_t regno, int32_t off,
		      uint32_t size, bool write, struct vreg *out);
/* A T_BTF_ID register to the struct named @name (0 if none in the BTF). */
int kbpf_v_btf_ptr_named(struct venv *env, const char *name, uint8_t flags,
			 struct vreg *out);
/* The instruction's type name of a T_BTF_ID: "trusted_ptr_", ... */
const char *kbpf_v_btf_prefix(const struct vreg *r);
/*
 * kbpf_v_btf_type_name() - the name of type @btf_id of the host BTF, "" if
 * it has none (or there is no host BTF). Context: program load.
 */
const char *kbpf_v_btf_type_name(struct venv *env, uint32_t btf_id);
/*
 * A load through the map pointer in @regno at @off (Linux's
 * check_ptr_to_map_access()): the map type's struct of the host BTF
 * (bpf_array, bpf_htab...) is walked read-only as a PTR_TO_BTF_ID would
 * be, with Linux's lines and errnos; then kbpf accepts only the fields of
 * struct bpf_map it keeps itself (btf_ptr.c lists them) and refuses the
 * others with -ENOTSUPP. Sets *@out to the scalar read; marks the
 * instruction VI_MAP_FIELD.
 */
int kbpf_v_map_ptr_access(struct venv *env, uint32_t regno, int32_t off,
			  uint32_t size, bool write, struct vreg *out);
void kbpf_v_btf_release(struct venv *env);

/*
 * spec.c: after a proof for a loader without CAP_PERFMON, keep the
 * speculation rewrites the walk found with the program (kbpf_prog.spec,
 * spec_done). 0, or -ENOMEM.
 */
int kbpf_v_spec_record(struct venv *env);
/*
 * After a proof: loads through BTF pointers become probe loads in
 * prog->insns (KBPF_PROBE_MEM, KBPF_PROBE_MEMSX); loads of map fields
 * (VI_MAP_FIELD) become probe loads of the kbpf map's field.
 */
void kbpf_v_btf_mark_probes(struct venv *env);
/* log.c: the trace of the walk at log levels 1 and 2 (Linux's format) */
bool kbpf_v_log_on(const struct venv *env);
/* Before instruction @pc: the state it left if touched, then its line. */
void kbpf_v_log_insn(struct venv *env, uint32_t pc);
/* After instruction @insn was checked: the registers it touched. */
void kbpf_v_log_insn_done(struct venv *env, const struct bpf_insn *insn);
/* The state touched since the last print, after line @pc or as "pc:". */
void kbpf_v_log_insn_state(struct venv *env, uint32_t pc);
/* Frame @frameno of @st: every register and slot (@all) or those touched. */
void kbpf_v_log_frame(struct venv *env, const struct vstate *st,
		      uint32_t frameno, bool all);
void kbpf_v_log_state(struct venv *env, const struct vstate *st, bool all);
/*
 * A bpf-to-bpf call (@ret false: "caller:", "callee:" and their frames,
 * the callee's frame current) or a return from a callee to instruction
 * @to (@ret true: "returning from callee:", "to caller at @to:", the
 * callee's frame still current).
 */
void kbpf_v_log_call(struct venv *env, bool ret, uint32_t to);
/* Level 2: the registers live before each instruction (Linux's table). */
void kbpf_v_log_live(struct venv *env);
/* A path stopped at @pc by an explored state. */
void kbpf_v_log_safe(struct venv *env, uint32_t pc);
/*
 * Level 2's precision lines (Linux's "mark_precise: ..." and "frame N:
 * propagating ..."); kbpf_v_log_bt_on(): level 2 is on. An index
 * UINT32_MAX prints as -1.
 */
bool kbpf_v_log_bt_on(const struct venv *env);
/* The start of the walk through one state: its instructions' range. */
void kbpf_v_log_bt_head(struct venv *env, uint32_t frame, uint32_t last,
			uint32_t first, uint32_t subseq);
/* Instruction @idx about to be undone, with what is still wanted. */
void kbpf_v_log_bt_insn(struct venv *env, uint32_t frame, uint16_t regs,
			uint64_t stack, uint32_t idx);
/* Frame @frame of parent state @st after its marks: what is still wanted. */
void kbpf_v_log_bt_parent(struct venv *env, const struct vstate *st,
			  uint32_t frame, uint16_t regs, uint64_t stack);
/* The walk gave up: every scalar of the path is marked. */
void kbpf_v_log_bt_all(struct venv *env, uint32_t frame);
/* A pruned path takes over the old state's precise values of @frame. */
void kbpf_v_log_bt_propagate(struct venv *env, uint32_t frame, uint16_t regs,
			     uint64_t stack);
void kbpf_v_log_scratch_all(struct venv *env);
/* The stack bytes [@lo, @hi) below r10 were accessed. */
void kbpf_v_log_scratch_stack(struct venv *env, int64_t lo, int64_t hi);

/* dynptr.c: struct bpf_dynptr stack slots and their references */
struct vdyn_meta {
	int slot; /* the dynptr's first slot, or -1: none */
	uint8_t frameno;
	bool release; /* the helper releases it */
	uint32_t id; /* the dynptr's id (its slices carry it) */
	uint32_t ref; /* its reference, or 0 */
};
/*
 * Helper argument @regno of kind ARG_PTR_TO_DYNPTR (@rdonly: the helper
 * does not change the dynptr) of helper @helper_id: Linux's checks; a
 * helper that builds one (from_mem, ringbuf_reserve_dynptr) builds it
 * here, taking a reference for a ring buffer dynptr. @dm receives the
 * dynptr used (release and slices). 0 or -errno with Linux's line.
 */
int kbpf_v_dynptr_arg(struct venv *env, uint32_t regno, uint32_t helper_id,
		      bool rdonly, struct vdyn_meta *dm);
/* After the arguments: release the dynptr @dm names, and its slices. */
void kbpf_v_dynptr_release(struct venv *env, const struct vdyn_meta *dm);
/*
 * The stack bytes [@lo, @hi) below r10 of @f are about to be written by
 * an instruction (a dynptr there is destroyed, or "cannot overwrite
 * referenced dynptr") or by a helper (refused over a dynptr).
 */
int kbpf_v_dynptr_stack_write(struct venv *env, struct vframe *f, int64_t lo,
			      int64_t hi, bool helper);

/* iter.c: open-coded iterators on the stack */
struct viter_meta {
	uint8_t frameno; /* _next, _destroy: the iterator's frame */
	uint32_t slot; /* its first slot (kbpf's index, spill[]) */
	uint32_t nr_slots;
	uint32_t ref; /* its reference */
};
/* "num" for struct bpf_iter_num (Linux's iter_type_str()). */
const char *kbpf_v_iter_type_str(const struct kbpf_btf_view *b,
				 uint32_t btf_id);
/*
 * Kfunc argument @argno (an iterator: the first argument of a
 * KBPF_KF_ITER_* kfunc) of prototype @proto: Linux's process_iter_arg().
 * _NEW builds the iterator and takes its reference (at @call_pc),
 * _DESTROY releases it; @im receives the iterator used. 0 or -errno with
 * Linux's line.
 */
int kbpf_v_iter_arg(struct venv *env, const struct kbpf_btf_view *b,
		    const uint8_t *proto, uint32_t argno, uint32_t kf_flags,
		    uint32_t call_pc, struct viter_meta *im);
/*
 * After a _NEXT call's result is set (r0, NULL-able): Linux's
 * process_iter_next_call(), above. 0 or -errno.
 */
int kbpf_v_iter_next(struct venv *env, uint32_t call_pc,
		     const struct viter_meta *im);
/* At a _NEXT call: does @st's r1 point at an ACTIVE iterator? */
bool kbpf_v_iter_active_r1(const struct venv *env, const struct vstate *st);
/*
 * The stack bytes [@lo, @hi) below r10 of @f are about to be written:
 * iterator slots among them become data (the reference stays held).
 */
void kbpf_v_iter_stack_write(struct vframe *f, int64_t lo, int64_t hi);

/* kfunc.c: a BPF_PSEUDO_KFUNC_CALL (Linux's check_kfunc_call()). */
int kbpf_v_check_kfunc_call(struct venv *env, uint32_t *pc);
/* btf_ptr.c: the host BTF of this verification (NULL: none), or -ENOMEM. */
int kbpf_v_hbtf(struct venv *env, const struct kbpf_btf_view **out);
/* timer.c: the bpf_timer rules */
/*
 * Helper argument @regno of kind ARG_PTR_TO_TIMER: the struct bpf_timer
 * of a map value, at its offset; *@timer_map receives the value's map.
 * 0 or -errno with Linux's line.
 */
/* kptr.c: kptr fields of map values and bpf_kptr_xchg. */
/* check_map_access()'s rules for an access overlapping the kptr at @field_off. */
int kbpf_v_kptr_field_access(struct venv *env, const struct vreg *r,
			     int32_t off, uint32_t size, uint32_t field_off,
			     bool helper);
/* check_map_kptr_access(): the load or store of the instruction at insn_idx. */
int kbpf_v_kptr_access(struct venv *env, const struct kbpf_kptr_field *f,
		       int value_regno, struct vreg *out);
/* bpf_kptr_xchg's arguments and result. */
int kbpf_v_kptr_xchg_dest(struct venv *env, uint32_t regno,
			  const struct kbpf_kptr_field **out);
int kbpf_v_kptr_xchg_src(struct venv *env, uint32_t regno,
			 const struct kbpf_kptr_field *f,
			 uint32_t *release_ref);
int kbpf_v_kptr_xchg_ret(struct venv *env, const struct kbpf_kptr_field *f,
			 uint32_t call_pc, struct vreg *r0);

int kbpf_v_timer_arg(struct venv *env, uint32_t regno,
		     const struct kbpf_map **timer_map);
/* bpf_timer_init's map argument @map in @regno must be @timer_map. */
int kbpf_v_timer_map_arg(struct venv *env, uint32_t regno,
			 const struct kbpf_map *timer_map,
			 const struct kbpf_map *map);
/* The callback frame @f of bpf_timer_set_callback: (map, key, value). */
void kbpf_v_timer_cb_state(struct venv *env, struct vframe *f,
			   const struct kbpf_map *map);
/*
 * The exit of a timer callback (Linux's async callback): R0 must be 0.
 * 1: fine, the path ends there; -errno with Linux's line.
 */
int kbpf_v_timer_cb_exit(struct venv *env, const struct vreg *r0);

/* sock.c: socket pointers (Linux's check_sock_access()). */
static inline bool kbpf_v_is_sock(const struct vreg *r)
{
	return r->type == T_SOCK_COMMON || r->type == T_SOCK ||
	       r->type == T_TCP_SOCK;
}
/*
 * A load (@write false) or store of @size bytes at @off through the socket
 * pointer in @regno; @out, for a load, becomes the value read. 0 or
 * -errno with Linux's line.
 */
int kbpf_v_sock_access(struct venv *env, uint32_t regno, int32_t off,
		       uint32_t size, bool write, struct vreg *out);

/* call.c */
/*
 * Reference @ref is released: it leaves the state's list and every
 * register or spilled slot that holds it dies.
 */
void kbpf_v_release_ref(struct venv *env, uint32_t ref);
/*
 * What a lookup in map-in-map @outer gives once null-checked: a map made
 * of its inner-map template (Linux's inner_map_meta), one per outer map
 * and verification; NULL past V_MAX_INNER outer maps.
 */
const struct kbpf_map *kbpf_v_inner_meta(struct venv *env,
					 const struct kbpf_map *outer);
int kbpf_v_check_helper_call(struct venv *env, uint32_t *pc);
int kbpf_v_check_pseudo_call(struct venv *env, uint32_t *pc);
/* BPF_EXIT: 1 if the program's path ended, 0 if it returned to a caller. */
int kbpf_v_check_exit(struct venv *env, uint32_t *pc);

#endif /* KBPF_VERIFIER_INTERNAL_H */
