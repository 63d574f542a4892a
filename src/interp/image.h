/* SPDX-License-Identifier: MIT */
/*
 * The interpreter's load-time form of a program (kbpf_prog.interp_image),
 * for src/prog/: built once when a program is loaded, read by every run.
 *
 * The image is a copy of the program's relocated instructions in which each
 * helper call carries its resolved helper (no lookup by id, no table bound
 * at run time), and each bpf_map_lookup_elem call whose map is known at
 * load time becomes the map's own lookup: an index check and an address
 * computation for ARRAY and PERCPU_ARRAY (Linux's map_gen_lookup), a direct
 * call of the type's lookup_elem for the others. The image never leaves
 * kbpf: bpf_prog_info and the tag come from kbpf_prog.insns and orig_insns,
 * which stay as they were.
 */
#ifndef KBPF_INTERP_IMAGE_H
#define KBPF_INTERP_IMAGE_H

#include "core/map.h"
#include "core/prog.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A call the image resolved at load (image.h): the helper it names, and
 * for bpf_map_lookup_elem, bpf_map_update_elem and bpf_map_delete_elem
 * sites the map r1 holds on every path to it with what the call needs:
 * the inline form of a lookup (ARRAY, PERCPU_ARRAY) or the type's own
 * lookup_elem, update_elem or delete_elem (Linux's do_misc_fixups calls
 * them directly too).
 */
struct kbpf_interp_site {
	const struct kbpf_helper *h;
	struct kbpf_map *map;
	void *(*lookup)(struct kbpf_map *map, const void *key);
	void *(*lookup_cpu)(struct kbpf_map *map, const void *key,
			    uint32_t cpu);
	long (*update)(struct kbpf_map *map, const void *key, const void *value,
		       uint64_t flags);
	long (*delete_elem)(struct kbpf_map *map, const void *key);
	uint8_t *base;
	size_t cpu_stride;
	uint32_t elem_size;
	uint32_t max_entries;
	uint32_t index_mask;
	uint32_t key_size;
};

/*
 * kbpf_prog.interp_image: @len instructions, a copy of the program's with
 * each resolved call rewritten to one of the opcodes below (imm: its site),
 * and the sites, in one allocation of @size bytes. Validated when built,
 * so checked runs do not validate it again.
 */
struct kbpf_interp_image {
	size_t size;
	const struct bpf_insn *insns;
	uint32_t len;
	uint32_t nr_sites;
	struct kbpf_interp_site sites[];
};

/*
 * Opcodes of the image only (the structural check refuses them in a
 * program, and without an image a run has no sites, so they end it as
 * unknown opcodes did): a resolved helper call, an inline ARRAY or
 * PERCPU_ARRAY lookup, a direct call of a map type's lookup, update or
 * delete. None is a jump: imm is the site, off is 0.
 */
#define KBPF_INTERP_OP_CALL (BPF_JMP | 0xf0 | BPF_K)
#define KBPF_INTERP_OP_LOOKUP_ARRAY (BPF_JMP32 | BPF_CALL)
#define KBPF_INTERP_OP_LOOKUP_PERCPU (BPF_JMP32 | BPF_EXIT)
#define KBPF_INTERP_OP_LOOKUP_CALL (BPF_JMP | 0xf0 | BPF_X)
#define KBPF_INTERP_OP_UPDATE_CALL (BPF_JMP32 | 0xf0 | BPF_K)
#define KBPF_INTERP_OP_DELETE_CALL (BPF_JMP32 | 0xf0 | BPF_X)

/* Is @code one of the image's call opcodes above? */
static inline bool kbpf_interp_is_site_op(uint8_t code)
{
	return code == KBPF_INTERP_OP_CALL ||
	       code == KBPF_INTERP_OP_LOOKUP_ARRAY ||
	       code == KBPF_INTERP_OP_LOOKUP_PERCPU ||
	       code == KBPF_INTERP_OP_LOOKUP_CALL ||
	       code == KBPF_INTERP_OP_UPDATE_CALL ||
	       code == KBPF_INTERP_OP_DELETE_CALL;
}

/*
 * The helper functions whose calls kbpf_interp_prepare() may specialise:
 * bpf_map_lookup_elem, bpf_map_update_elem and bpf_map_delete_elem as the
 * default table defines them (a host's own table may replace them: calls
 * to another function are resolved, not specialised).
 */
struct kbpf_interp_map_helpers {
	kbpf_helper_fn lookup;
	kbpf_helper_fn update;
	kbpf_helper_fn delete_elem;
};

/**
 * kbpf_interp_prepare() - build @prog's image (kbpf_prog.interp_image).
 * @prog: a program that passed kbpf_prog_check() (and the verifier, if
 *        the host runs it); its insns, maps and helpers are final.
 * @mh: the map helpers to specialise (above); NULL: none (every call
 *       resolved, none specialised).
 *
 * A call is specialised only where the map its r1 holds is the same on
 * every path to it (a BPF_PSEUDO_MAP_FD/IDX ld_imm64, moved between
 * registers but not redefined); at run time the interpreter's specialised
 * call still compares r1 with that map and makes the plain helper call if
 * it differs (native code needs no compare: src/jit/jit.h).
 * Updates and deletes are specialised only for maps a program may write
 * (not BPF_F_RDONLY_PROG, not fd maps), so the direct call gives what the
 * helper gives.
 * A program the interpreter's own validation refuses gets no image (its
 * runs refuse it as before).
 *
 * Context: syscall path (program load); may sleep.
 * Return: 0 (also when there is nothing to prepare); -ENOMEM.
 */
int kbpf_interp_prepare(struct kbpf_prog *prog,
			const struct kbpf_interp_map_helpers *mh);

/**
 * kbpf_interp_release() - free @prog's image, if any.
 *
 * Context: when the program is freed (no run can use it any more).
 */
void kbpf_interp_release(struct kbpf_prog *prog);

/**
 * kbpf_interp_ld_pkt() - the legacy packet load (BPF_LD | BPF_ABS/IND) of
 * @size bytes (1, 2 or 4) at @off of the skb @run's context is, as
 * Linux's bpf_skb_load_helper_*: a negative @off counts from the network
 * header (SKF_NET_OFF) or the link-layer header (SKF_LL_OFF).
 *
 * Context: program path; no lock, no allocation.
 * Return: true and *@v the bytes in network order; false if @run's
 * context is not an skb program's or the bytes are not all in the packet
 * (the program then ends with r0 = 0).
 */
bool kbpf_interp_ld_pkt(const struct kbpf_run *run, int64_t off, uint32_t size,
			uint64_t *v);

/**
 * kbpf_interp_run_tail() - go on with a run in the interpreter's fast
 * mode: @run's native code (src/jit/) tail-called @run->prog, which has
 * none. Runs @run->prog from its first instruction with @r1 and the run's
 * @may_goto iterations left, sets @run->interp and @run->call_func for its
 * callbacks, and makes its own tail calls, giving back at its end the run
 * holds of the programs it entered (host without defer_free).
 *
 * Context: program path, as kbpf_interp_run().
 * Return: 0 and *@ret set, or the run's errno (as kbpf_interp_run() in
 * fast mode).
 */
int kbpf_interp_run_tail(struct kbpf_run *run, uint64_t r1, uint32_t may_goto,
			 uint64_t *ret);

/*
 * A checked run's state that native checked code (src/jit/checked.c)
 * shares with the interpreter, which owns it: the run's budget, its
 * stack frames in use and may_goto iterations left (helpers, callbacks
 * and region scans read and charge the same counters), and the frames
 * themselves (KBPF_MAX_CALL_FRAMES x KBPF_STACK_SIZE bytes at @stack).
 */
struct kbpf_interp_chk {
	uint64_t *budget;
	uint32_t *depth;
	uint32_t *may_goto;
	uint8_t *stack;
};

/*
 * kbpf_interp_checked_site()'s @val: the map value a lookup site handed
 * out, which the run may now access ([@start, @start + @size), read if
 * @read, written if @write); @size 0 for none.
 */
struct kbpf_interp_value {
	uintptr_t start;
	uint32_t size;
	bool read;
	bool write;
};

/**
 * kbpf_interp_checked_site() - what the checked interpreter does at one of
 * the image's call opcodes (@code, its site @s), for native checked code:
 * the helper's argument checks, the call, the value a lookup hands out
 * made a region of the run, run->error.
 * @run: a checked run (run->checked set by kbpf_interp_run()).
 * @regs: r0-r5; r0 is set, r1-r5 are left as they were (the checked
 *        interpreter does not clobber them).
 * @val: set as above (the value of an inline or direct lookup of a map
 *       without a bpf_spin_lock; else size 0).
 *
 * Context: program path, as a helper call.
 * Return: 0, or the errno that ends the run (-EFAULT, -EINVAL for an
 * argument the prototype refuses, -EDEADLK under a bpf_spin_lock, the
 * helper's run->error, -ENOMEM, -EOPNOTSUPP for a tail call, which native
 * checked code does not make).
 */
int kbpf_interp_checked_site(struct kbpf_run *run,
			     const struct kbpf_interp_site *s, uint8_t code,
			     uint64_t *regs, struct kbpf_interp_value *val);

/**
 * kbpf_interp_run_callback() - run the subprogram at instruction
 * @insn_off of @prog as a run of its own, with r1-r5 from @regs: an
 * asynchronous callback (a bpf_timer's), which no run of @prog is around.
 * @args: mode and CPU as kbpf_interp_run() takes them (no context, no
 * packet). A program kbpf's verifier proved runs fast whatever the mode
 * asks (interp.h); the interpreter runs it (no native entry for a
 * subprogram).
 * @setup: if not NULL, called with the new run before the first
 * instruction, to lend the callback its arguments
 * (kbpf_run_add_region(), kbpf_run_add_map_value()) and mark the run.
 *
 * Context: program path, as kbpf_interp_run(); the caller is in a
 * read-side section.
 * Return: as kbpf_interp_run().
 */
int kbpf_interp_run_callback(struct kbpf_prog *prog,
			     const struct kbpf_host *host,
			     const struct kbpf_interp_args *args,
			     uint64_t insn_off, const uint64_t *regs,
			     void (*setup)(struct kbpf_run *run, void *arg),
			     void *arg, uint64_t *ret);

/* Linux's may_goto budget per program run (BPF_MAX_LOOPS). */
#define KBPF_INTERP_MAY_GOTO_LOOPS (8u * 1024 * 1024)

#ifdef __cplusplus
}
#endif

#endif /* KBPF_INTERP_IMAGE_H */
