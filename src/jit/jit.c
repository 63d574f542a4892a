// SPDX-License-Identifier: MIT
/*
 * The JIT framework: compiles a program's interpreter image (image.h) to
 * native code with the backend of the build's architecture (jit.h is the
 * contract) and runs it, as Linux's bpf_int_jit_compile() and
 * bpf_prog_run() do for a kernel with a JIT.
 *
 * Compile (program load): decide whether the program qualifies, blind its
 * constants if the host asks (blind.c), run the backend's sizing passes
 * until the code's layout stops changing, emit into memory from
 * kbpf_host.jit_alloc and seal it (W^X). Whatever the JIT cannot do leaves
 * the program in the interpreter, silently; only kbpf's own allocations
 * fail the load (-ENOMEM), so that a host sees the same errnos with or
 * without executable memory.
 *
 * Run (kbpf_interp_run() calls jit_run() for the runs the interpreter
 * would make in fast mode): a struct kbpf_jit_state on this stack, the
 * entry stub into the main function's native code; callbacks
 * (run->call_func) enter their native function through the stub again;
 * a tail call aborts to here and continues in the next program's native
 * code, or in the interpreter if it has none. No locks: a run only reads
 * the program and its code.
 */
#include "core/alloc.h"
#include "core/priv.h"
#include "core/util.h"
#include "blind.h"
#include "spec.h"
#include "jit.h"
#include "jit_prog.h"
#include "kbpf/interp.h"

#if defined(__x86_64__)
#define JIT_BACKEND kbpf_jit_emit_x86_64
#elif defined(__aarch64__)
#define JIT_BACKEND kbpf_jit_emit_arm64
#elif defined(__riscv) && __riscv_xlen == 64
#define JIT_BACKEND kbpf_jit_emit_riscv64
#endif

typedef uint64_t (*jit_stub_fn)(const uint64_t *args, struct kbpf_jit_state *js,
				const void *fn);

bool kbpf_jit_available(void)
{
#ifdef JIT_BACKEND
	return true;
#else
	return false;
#endif
}

/* ---- runtime calls of native code (jit.h) ---- */

uint64_t kbpf_jit_ld_pkt(struct kbpf_jit_state *js, int64_t off, uint32_t size)
{
	uint64_t v;

	if (!kbpf_interp_ld_pkt(js->run, off, size, &v)) {
		js->pkt_fail = 1;
		return 0;
	}
	return v;
}

uint32_t kbpf_jit_this_cpu(struct kbpf_jit_state *js)
{
	return kbpf_run_map_cpu(js->run);
}

/* ---- running native code ---- */

static uint64_t jit_enter(const struct kbpf_jit_image *img, uint32_t pc,
			  const uint64_t *args, struct kbpf_jit_state *js)
{
	jit_stub_fn stub = (jit_stub_fn)(uintptr_t)img->code;

	return stub(args, js, img->code + img->insn_off[pc]);
}

/* A tail call the native code found but the run cannot make. */
static void jit_tail_call_drop(struct kbpf_run *run)
{
	if (!run->host->defer_free)
		kbpf_prog_run_done(run->tail_call);
	run->tail_call = NULL;
}

/*
 * run->call_func: the callback at @insn_off of the running program, in a
 * new frame (the interpreter's frame limit), through the entry stub so
 * that an abort inside it comes back here and becomes run->error for the
 * helper's caller to see.
 */
static uint64_t jit_call_func(struct kbpf_run *run, uint64_t insn_off,
			      uint64_t r1, uint64_t r2, uint64_t r3,
			      uint64_t r4, uint64_t r5)
{
	struct kbpf_jit_state *js = run->interp;
	const struct kbpf_jit_image *img = kbpf_jit_image(run->prog);
	uint64_t args[5] = { r1, r2, r3, r4, r5 };
	uint64_t r0;

	if (insn_off >= img->nr_insns || !img->is_func[insn_off]) {
		run->error = -KBPF_EINVAL;
		return 0;
	}
	if (js->depth + 1 >= KBPF_MAX_CALL_FRAMES) {
		run->error = -KBPF_ELOOP;
		return 0;
	}
	js->depth++;
	r0 = jit_enter(img, (uint32_t)insn_off, args, js);
	js->depth--;
	js->pkt_fail = 0;
	if (js->status) {
		/* Tail calls only from the main frame, as the interpreter. */
		if (js->status == KBPF_JIT_TAIL_CALL) {
			jit_tail_call_drop(run);
			js->status = -KBPF_EOPNOTSUPP;
		}
		if (!run->error)
			run->error = (int)js->status;
		js->status = 0;
		return 0;
	}
	return r0;
}

/*
 * The rest of a run whose first native entry did not simply return: tail
 * calls (into native code or the interpreter), errors. Out of jit_run()
 * so that the common run sets up no more than it uses.
 */
static KBPF_NOINLINE int jit_run_slow(struct kbpf_prog *prog,
				      struct kbpf_run *run,
				      struct kbpf_jit_state *js, uint64_t *regs,
				      uint64_t r0, uint64_t *ret)
{
	const struct kbpf_host *host = run->host;
	/* Host without defer_free: the programs entered by tail calls. */
	struct kbpf_prog *held[KBPF_MAX_TAIL_CALLS];
	uint32_t nr_held = 0;
	int err = 0;

	for (;;) {
		struct kbpf_prog *next;

		if (js->status != KBPF_JIT_TAIL_CALL) {
			err = (int)js->status;
			if (!err)
				*ret = r0;
			break;
		}
		/*
		 * Only from the main frame, as the interpreter: the main
		 * function entered by a bpf-to-bpf call (depth > 0) may reach
		 * its tail call site too, and its abort skipped the calls'
		 * depth-- (which a next program must not inherit).
		 */
		if (js->depth) {
			err = -KBPF_EOPNOTSUPP;
			break;
		}
		/* The helper counted it (at most KBPF_MAX_TAIL_CALLS). */
		next = run->tail_call;
		run->tail_call = NULL;
		if (!host->defer_free && nr_held < KBPF_MAX_TAIL_CALLS)
			held[nr_held++] = next;
		run->prog = next;
		prog = next;
		regs[0] = js->tail_r1;
		regs[1] = 0;
		if (!next->jit || next->checked_only) {
			/* The interpreter's fast mode takes the rest. */
			err = kbpf_interp_run_tail(run, js->tail_r1,
						   js->may_goto, ret);
			break;
		}
		js->status = 0;
		r0 = jit_enter(kbpf_jit_image(prog), 0, regs, js);
	}
	if (!err && run->error)
		err = run->error;
	if (run->tail_call)
		jit_tail_call_drop(run);
	while (nr_held)
		kbpf_prog_run_done(held[--nr_held]);
	return err;
}

static int jit_run(struct kbpf_prog *prog, const struct kbpf_host *host,
		   const struct kbpf_interp_args *args, uint64_t *ret)
{
	struct kbpf_run run = {
		.host = host,
		.prog = prog,
		.ctx = args->ctx,
		.ctx_type = args->ctx_type,
		.cpu = args->cpu,
		.call_func = jit_call_func,
		.cookie = args->cookie,
		.cg = args->cg_run,
		.func_ip = args->func_ip,
	};
	struct kbpf_jit_state js = {
		.run = &run,
		.may_goto = KBPF_INTERP_MAY_GOTO_LOOPS,
	};
	uint64_t regs[5] = { (uint64_t)(uintptr_t)args->ctx, args->r2, 0, 0,
			     0 };
	uint64_t r0;

	run.interp = &js;
	r0 = jit_enter(kbpf_jit_image(prog), 0, regs, &js);
	if (kbpf_likely(!js.status && !run.error && !run.tail_call)) {
		*ret = r0;
		return 0;
	}
	return jit_run_slow(prog, &run, &js, regs, r0, ret);
}

/*
 * kbpf_prog.jit_chk_run: a local function, whose address needs no GOT
 * entry (a kernel has none: core_symbols).
 */
static int jit_chk_run(struct kbpf_prog *prog, struct kbpf_run *run,
		       const struct kbpf_interp_chk *chk, const uint64_t *args,
		       uint64_t *ret)
{
	return kbpf_jit_chk_run(prog, run, chk, args, ret);
}

/* ---- compiling ---- */

#ifdef JIT_BACKEND

static bool jit_is_ldimm64(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

/* The function (index into @fpc, @nr sorted starts) holding @pc. */
static uint32_t jit_func_of(const uint32_t *fpc, uint32_t nr, uint32_t pc)
{
	uint32_t lo = 0, hi = nr;

	while (hi - lo > 1) {
		uint32_t mid = (lo + hi) / 2;

		if (fpc[mid] <= pc)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Is @t a place a function may start (not an ld_imm64's second half)? */
static bool jit_target_ok(uint32_t len, const uint8_t *second, int64_t t)
{
	return t >= 0 && t < len && !second[t];
}

/*
 * Mark the functions of @insns (@len) in @is_func and list their starts in
 * @fpc (room for @len), and the tail call sites in @site_flags. Return
 * the number of functions, or 0 if the program does not qualify (jit.h).
 */
static uint32_t jit_scan(const struct kbpf_prog *prog,
			 const struct bpf_insn *insns, uint32_t len,
			 const struct kbpf_interp_site *sites,
			 uint32_t nr_sites, uint8_t *is_func, uint8_t *second,
			 uint32_t *fpc, uint8_t *site_flags)
{
	uint32_t pc, nr = 0, f;
	bool ld_pkt = false, calls = false;

	for (pc = 0; pc < len; pc++)
		if (jit_is_ldimm64(&insns[pc]) && pc + 1 < len)
			second[++pc] = 1;
	is_func[0] = 1;
	for (pc = 0; pc < len; pc++) {
		const struct bpf_insn *insn = &insns[pc];
		int64_t t = (int64_t)pc + 1 + insn->imm;

		if (second[pc])
			continue;
		if (insn->code == (BPF_JMP | BPF_CALL)) {
			/* Unresolved helper calls and kfuncs: interpreter. */
			if (insn->src_reg != BPF_PSEUDO_CALL ||
			    !jit_target_ok(len, second, t))
				return 0;
			is_func[t] = 1;
			calls = true;
		} else if (insn->code == (BPF_JMP | BPF_CALL | BPF_X)) {
			return 0;
		} else if (jit_is_ldimm64(insn) &&
			   insn->src_reg == BPF_PSEUDO_FUNC) {
			if (!jit_target_ok(len, second, t))
				return 0;
			is_func[t] = 1;
		} else if (BPF_CLASS(insn->code) == BPF_LD &&
			   (BPF_MODE(insn->code) == BPF_ABS ||
			    BPF_MODE(insn->code) == BPF_IND)) {
			ld_pkt = true;
		}
	}
	for (pc = 0; pc < len; pc++)
		if (is_func[pc])
			fpc[nr++] = pc;
	/*
	 * LD_ABS/LD_IND only without bpf-to-bpf calls (jit.h): a load past
	 * the packet ends the run, which native code does by returning from
	 * the main function, and only at depth 0 is that the end. A call of
	 * instruction 0 (recursion into the main function) adds no function
	 * but is a call all the same.
	 */
	if (ld_pkt && (nr > 1 || calls))
		return 0;
	for (pc = 0; pc < len; pc++) {
		const struct bpf_insn *insn = &insns[pc];
		uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
		int64_t t;

		if (second[pc])
			continue;
		f = jit_func_of(fpc, nr, pc);
		/* A function must end, not fall into the next one. */
		if (pc + 1 + (jit_is_ldimm64(insn) ? 1u : 0u) ==
			    (f + 1 < nr ? fpc[f + 1] : len) &&
		    insn->code != (BPF_JMP | BPF_EXIT) &&
		    insn->code != (BPF_JMP | BPF_JA) &&
		    insn->code != (BPF_JMP32 | BPF_JA))
			return 0;
		if (cls != BPF_JMP && cls != BPF_JMP32)
			continue;
		if (op == BPF_JA)
			t = (int64_t)pc + 1 +
			    (cls == BPF_JMP32 ? insn->imm : insn->off);
		else if (op != BPF_EXIT && op != BPF_CALL &&
			 !kbpf_interp_is_site_op(insn->code))
			t = (int64_t)pc + 1 + insn->off;
		else
			t = -1;
		/* Jumps stay inside their function. */
		if (t != -1 && (t < 0 || t >= len || second[t] ||
				jit_func_of(fpc, nr, (uint32_t)t) != f))
			return 0;
		if (kbpf_interp_is_site_op(insn->code)) {
			const struct kbpf_helper *h;

			if ((uint32_t)insn->imm >= nr_sites)
				return 0;
			h = sites[insn->imm].h;
			if (h >= prog->helpers &&
			    h < prog->helpers + prog->nr_helpers &&
			    h - prog->helpers == BPF_FUNC_tail_call) {
				if (f != 0)
					return 0;
				site_flags[insn->imm] |=
					KBPF_JIT_SITE_TAIL_CALL;
			}
		}
	}
	return nr;
}

/*
 * The backend's passes (jit.h): sizing until the layout is stable, then
 * the code into executable memory, sealed. 0 and @img's code set, 1 if
 * the backend or the host declined (interpreter), -ENOMEM.
 */
static int jit_emit(const struct kbpf_host *h, const struct kbpf_jit_in *in,
		    struct kbpf_jit_image *img)
{
	size_t bytes = ((size_t)in->len + 1) * sizeof(uint32_t);
	uint32_t *prev = kbpf_malloc(h, bytes, 0);
	struct kbpf_jit_out out;
	size_t len = 0;
	bool stable = false;
	uint8_t *code;
	int pass, err;

	if (!prev)
		return -KBPF_ENOMEM;
	memset(img->insn_off, 0, bytes);
	for (pass = 0; pass < KBPF_JIT_MAX_PASSES && !stable; pass++) {
		memcpy(prev, img->insn_off, bytes);
		out = (struct kbpf_jit_out){ .insn_off = img->insn_off };
		err = JIT_BACKEND(in, &out);
		if (err)
			break;
		stable = pass > 0 && out.len == len &&
			 !memcmp(prev, img->insn_off, bytes);
		len = out.len;
	}
	kbpf_free(h, prev, bytes);
	if (!stable || !len)
		return 1;
	code = h->jit_alloc(h, len);
	if (!code)
		return 1;
	out = (struct kbpf_jit_out){ .buf = code,
				     .cap = len,
				     .insn_off = img->insn_off };
	err = JIT_BACKEND(in, &out);
	if (err || out.len != len) {
		kbpf_warn(h, __FILE__, __LINE__, "jit: final pass size");
		h->jit_free(h, code, len);
		return 1;
	}
	if (h->jit_seal(h, code, len)) {
		h->jit_free(h, code, len);
		return 1;
	}
	img->code = code;
	img->code_size = len;
	img->jit_free = h->jit_free;
	img->abort_off = out.abort_off;
	img->entry_off = out.entry_off;
	return 0;
}

/*
 * Constant blinding (blind.c) per kbpf_host.jit_harden, as Linux's
 * bpf_jit_harden: 1 for loaders without CAP_BPF, 2 for all. Into *@out
 * (kbpf memory of *@out_size bytes, the caller frees it): 0 and the
 * blinded instructions, 1 to leave the program in the interpreter (a jump
 * the rewrite cannot encode; Linux falls back too), -ENOMEM.
 */
static int jit_blind(const struct kbpf_host *h, const struct bpf_insn *insns,
		     uint32_t len, struct bpf_insn **out, size_t *out_size,
		     uint32_t *out_len)
{
	size_t map_size = ((size_t)len + 1) * sizeof(uint32_t);
	uint32_t *map = kbpf_malloc(h, map_size, 0);
	int err;

	*out_size = (size_t)len * 4 * sizeof(**out);
	*out = kbpf_malloc(h, *out_size, 0);
	if (!map || !*out) {
		kbpf_free(h, map, map_size);
		kbpf_free(h, *out, *out_size);
		*out = NULL;
		return -KBPF_ENOMEM;
	}
	err = kbpf_jit_blind(h, insns, len, *out, out_len, map);
	kbpf_free(h, map, map_size);
	if (err) {
		kbpf_free(h, *out, *out_size);
		*out = NULL;
		return 1;
	}
	return 0;
}

/*
 * The speculation rewrites of a program proved for a loader without
 * CAP_PERFMON (spec.c), into *@out as jit_blind() does: 0, 1 to leave the
 * program in the interpreter, -ENOMEM.
 */
static int jit_spec(const struct kbpf_host *h, const struct kbpf_prog *prog,
		    const struct bpf_insn *insns, uint32_t len,
		    struct bpf_insn **out, size_t *out_size, uint32_t *out_len)
{
	size_t map_size = ((size_t)len + 1) * sizeof(uint32_t);
	uint32_t *map;
	int err;

	*out_len = kbpf_jit_spec_len(insns, len, prog->spec);
	*out_size = (size_t)*out_len * sizeof(**out);
	map = kbpf_malloc(h, map_size, 0);
	*out = kbpf_malloc(h, *out_size, 0);
	if (!map || !*out) {
		kbpf_free(h, map, map_size);
		kbpf_free(h, *out, *out_size);
		*out = NULL;
		return -KBPF_ENOMEM;
	}
	err = kbpf_jit_spec_rewrite(insns, len, prog->spec, *out, map);
	kbpf_free(h, map, map_size);
	if (err) {
		kbpf_free(h, *out, *out_size);
		*out = NULL;
		return 1;
	}
	return 0;
}

/*
 * Native code for @prog: fast-mode code (kbpf_prog.jit), or with @checked
 * checked code (kbpf_prog.jit_chk, checked.c).
 */
static int jit_compile(struct kbpf_prog *prog, bool checked)
{
	const struct kbpf_host *h = prog->obj.host;
	const struct kbpf_interp_image *ii = prog->interp_image;
	const struct bpf_insn *insns = ii->insns;
	uint32_t len = ii->len, nr;
	struct kbpf_jit_image *img;
	struct kbpf_jit_in in;
	size_t scratch_size, meta, blinded_size = 0, spec_size = 0;
	struct bpf_insn *blinded = NULL, *spec = NULL;
	uint8_t *scratch, *second, *site_flags;
	int err;

	if (prog->spec) {
		/*
		 * The rewrites renumber the instructions and use register 11
		 * (AX), which holds checked code's budget; and a checked run
		 * of such a program runs its proven fast code instead
		 * (interp_proof_replaces_checks()): no checked code for it.
		 */
		if (checked)
			return 0;
		err = jit_spec(h, prog, insns, len, &spec, &spec_size, &len);
		if (err)
			return err < 0 ? err : 0;
		insns = spec;
	}
	if (h->random_u32 &&
	    (h->jit_harden == 2 ||
	     (h->jit_harden == 1 && !(prog->priv & KBPF_PRIV_BPF)))) {
		/*
		 * Blinding renumbers the instructions, and checked code
		 * charges the budget by the interpreter's numbering: such
		 * programs keep the checked interpreter.
		 */
		if (checked)
			return 0;
		err = jit_blind(h, insns, len, &blinded, &blinded_size, &len);
		if (err) {
			kbpf_free(h, spec, spec_size);
			return err < 0 ? err : 0;
		}
		insns = blinded;
	}

	/* Scratch: which are ld_imm64 second halves, the site flags. */
	scratch_size = (size_t)len + ii->nr_sites + 1;
	meta = sizeof(*img) + ((size_t)len + 1) * sizeof(uint32_t) +
	       (size_t)len * sizeof(uint32_t) + len;
	scratch = kbpf_zalloc(h, scratch_size, 0);
	img = kbpf_zalloc(h, meta, 0);
	if (!scratch || !img) {
		kbpf_free(h, scratch, scratch_size);
		kbpf_free(h, img, meta);
		kbpf_free(h, blinded, blinded_size);
		kbpf_free(h, spec, spec_size);
		return -KBPF_ENOMEM;
	}
	img->blinded = blinded != NULL;
	img->meta_size = meta;
	img->insn_off = (uint32_t *)(img + 1);
	img->func_pc = img->insn_off + len + 1;
	img->is_func = (uint8_t *)(img->func_pc + len);
	img->nr_insns = len;
	second = scratch;
	site_flags = scratch + len;
	nr = jit_scan(prog, insns, len, ii->sites, ii->nr_sites, img->is_func,
		      second, img->func_pc, site_flags);
	err = 1;
	if (nr) {
		img->nr_funcs = nr;
		in = (struct kbpf_jit_in){ .insns = insns,
					   .len = len,
					   .sites = ii->sites,
					   .site_flags = site_flags,
					   .nr_sites = ii->nr_sites,
					   .is_func = img->is_func,
					   .checked = checked };
		err = jit_emit(h, &in, img);
	}
	kbpf_free(h, scratch, scratch_size);
	kbpf_free(h, blinded, blinded_size);
	kbpf_free(h, spec, spec_size);
	if (err) {
		kbpf_free(h, img, meta);
		return err < 0 ? err : 0;
	}
	if (checked) {
		prog->jit_chk = img;
		prog->jit_chk_run = jit_chk_run;
	} else {
		prog->jit = img;
		prog->jit_run = jit_run;
	}
	return 0;
}

#endif /* JIT_BACKEND */

int kbpf_jit_compile(struct kbpf_prog *prog)
{
#ifdef JIT_BACKEND
	const struct kbpf_host *h = prog->obj.host;

	int err;

	if (!h->jit_alloc || !prog->interp_image || !prog->len)
		return 0;
	if (!prog->checked_only) {
		err = jit_compile(prog, false);
		if (err)
			return err;
	}
	if (kbpf_jit_wants_checked(prog))
		return jit_compile(prog, true);
	return 0;
#else
	(void)prog;
	(void)jit_run;
	(void)jit_chk_run;
	return 0;
#endif
}

static void jit_image_free(const struct kbpf_host *h,
			   struct kbpf_jit_image *img)
{
	if (!img)
		return;
	img->jit_free(h, img->code, img->code_size);
	kbpf_free(h, img, img->meta_size);
}

void kbpf_jit_release(struct kbpf_prog *prog)
{
	const struct kbpf_host *h = prog->obj.host;

	jit_image_free(h, prog->jit);
	jit_image_free(h, prog->jit_chk);
	prog->jit = NULL;
	prog->jit_run = NULL;
	prog->jit_chk = NULL;
	prog->jit_chk_run = NULL;
}
