/* SPDX-License-Identifier: MIT */
/*
 * The instruction loop, included three times by interp.c: with
 * INTERP_CHECKED 0 (fast mode), with INTERP_CHECKED 1 (checked mode), and
 * with INTERP_CHECKED 1 and INTERP_TAINT 1 (checked mode with the pointer
 * rules of loaders that were not perfmon_capable(), interp_taint.h), so
 * that the modes share one definition of every instruction and the fast
 * loop carries no trace of the checks, nor checked mode of the taints.
 *
 * Dispatch is threaded (computed goto on the opcode byte) under GNU C, or a
 * switch when KBPF_INTERP_SWITCH is defined. Every handler ends in NEXT.
 */

#if INTERP_TAINT
#define INTERP_FN interp_exec_unpriv
/* The access, then its address recomputed without a branch (Spectre v1). */
#define CHECK_MEM(addr, size, write)                                        \
	do {                                                                \
		if (kbpf_unlikely(                                          \
			    !taint_access(st, &(addr), (size), (write)))) { \
			err = -KBPF_EFAULT;                                 \
			goto out;                                           \
		}                                                           \
	} while (0)
/* Register kinds are tracked; a rule that fails ends the run with its errno. */
#define TAINT(stmt)   \
	do {          \
		stmt; \
	} while (0)
#define TAINT_ERR(expr)                      \
	do {                                 \
		err = (expr);                \
		if (kbpf_unlikely(err != 0)) \
			goto out;            \
	} while (0)
#else
#define TAINT(stmt) \
	do {        \
	} while (0)
#define TAINT_ERR(expr) \
	do {            \
	} while (0)
#endif

#if INTERP_CHECKED && !INTERP_TAINT
#define INTERP_FN interp_exec_checked
#endif
#if INTERP_CHECKED
#if !INTERP_TAINT
#define CHECK_MEM(addr, size, write)                                           \
	do {                                                                   \
		if (kbpf_unlikely(                                             \
			    !interp_access_ok(st, (addr), (size), (write)))) { \
			err = -KBPF_EFAULT;                                    \
			goto out;                                              \
		}                                                              \
	} while (0)
#endif
/*
 * Atomics need natural alignment (Linux's verifier requires it of every
 * atomic, on any pointer; a misaligned one faults on strict CPUs).
 */
#define CHECK_ALIGN(addr, size)                                      \
	do {                                                         \
		if (kbpf_unlikely((addr) & ((uintptr_t)(size)-1))) { \
			err = -KBPF_EFAULT;                          \
			goto out;                                    \
		}                                                    \
	} while (0)
/*
 * The straight stretch that ends at @end (forward from seg, where the
 * last backward jump, call, return or tail call landed) spends one unit
 * of budget per instruction slot in it, skipped ones included: an upper
 * bound of the instructions run, paid only when control goes backwards.
 */
#define CHARGE_TO(end)                                   \
	do {                                             \
		uint64_t c_ = (uint64_t)(end) + 1 - seg; \
		if (kbpf_unlikely(st->budget < c_)) {    \
			st->budget = 0;                  \
			err = -KBPF_ELOOP;               \
			goto out;                        \
		}                                        \
		st->budget -= c_;                        \
	} while (0)
#define SET_SEG(at) (seg = (uint32_t)(at))
#else
#define INTERP_FN interp_exec_fast
#define CHECK_MEM(addr, size, write) \
	do {                         \
		(void)(write);       \
	} while (0)
#define CHECK_ALIGN(addr, size) \
	do {                    \
		(void)(addr);   \
	} while (0)
#define CHARGE_TO(end) \
	do {           \
	} while (0)
#define SET_SEG(at) ((void)0)
#endif

/* The image's site of this call; an unknown opcode without one. */
#define SITE(s)                                                         \
	do {                                                            \
		if (kbpf_unlikely((uint32_t)insn->imm >= st->nr_sites)) \
			goto bad_insn;                                  \
		(s) = &st->sites[insn->imm];                            \
	} while (0)
#if INTERP_CHECKED
/* The value a lookup handed out is the program's (kbpf_run_add_map_value). */
#define LOOKUP_KEEP(s, v)                                      \
	do {                                                   \
		err = interp_add_map_value(st, (s)->map, (v)); \
		if (kbpf_unlikely(err))                        \
			goto out;                              \
	} while (0)
#else
#define LOOKUP_KEEP(s, v) ((void)0)
#endif

#define DST regs[insn->dst_reg]
#define SRC regs[insn->src_reg]
#define IMM ((int64_t)insn->imm)

#ifdef KBPF_INTERP_SWITCH
#define HANDLER(name) case name##_code:
#define DISPATCH() goto next_insn
#else
#define HANDLER(name) \
name:
#define DISPATCH()                        \
	do {                              \
		insn = &insns[pc];        \
		goto *labels[insn->code]; \
	} while (0)
#endif
#define NEXT                \
	do {                \
		pc++;       \
		DISPATCH(); \
	} while (0)

/* A taken jump: backward jumps spend budget in checked mode. */
#define JUMP(delta)                                    \
	do {                                           \
		int64_t d_ = (delta);                  \
		if (d_ < 0) {                          \
			CHARGE_TO(pc);                 \
			SET_SEG(pc + d_ + 1);          \
		}                                      \
		pc = (uint32_t)((int64_t)pc + d_ + 1); \
		DISPATCH();                            \
	} while (0)

#define ALU64(name, expr)                            \
	HANDLER(alu64_##name##_k)                    \
	{                                            \
		uint64_t a = DST, b = (uint64_t)IMM; \
		TAINT_ERR(taint_alu(rk, insn));      \
		(void)b;                             \
		DST = (expr);                        \
		NEXT;                                \
	}                                            \
	HANDLER(alu64_##name##_x)                    \
	{                                            \
		uint64_t a = DST, b = SRC;           \
		TAINT_ERR(taint_alu(rk, insn));      \
		(void)b;                             \
		DST = (expr);                        \
		NEXT;                                \
	}

#define ALU32(name, expr)                                            \
	HANDLER(alu32_##name##_k)                                    \
	{                                                            \
		uint32_t a = (uint32_t)DST, b = (uint32_t)insn->imm; \
		(void)b;                                             \
		TAINT_ERR(taint_alu(rk, insn));                      \
		DST = (uint32_t)(expr);                              \
		NEXT;                                                \
	}                                                            \
	HANDLER(alu32_##name##_x)                                    \
	{                                                            \
		uint32_t a = (uint32_t)DST, b = (uint32_t)SRC;       \
		(void)b;                                             \
		TAINT_ERR(taint_alu(rk, insn));                      \
		DST = (uint32_t)(expr);                              \
		NEXT;                                                \
	}

/*
 * A pointer taint_jmp() lets the program compare with 0 is not NULL (a NULL
 * helper result is a scalar): the branch goes by that, as Linux decides it
 * at load, not by the value, which could be a pointer plus any scalar and
 * would tell whether that scalar is minus the address.
 */
#define JMP64(name, cond)                            \
	HANDLER(jmp_##name##_k)                      \
	{                                            \
		uint64_t a = DST, b = (uint64_t)IMM; \
		TAINT_ERR(taint_jmp(rk, insn));      \
		TAINT(if (rk[insn->dst_reg]) a = 1); \
		if (cond)                            \
			JUMP(insn->off);             \
		NEXT;                                \
	}                                            \
	HANDLER(jmp_##name##_x)                      \
	{                                            \
		uint64_t a = DST, b = SRC;           \
		TAINT_ERR(taint_jmp(rk, insn));      \
		if (cond)                            \
			JUMP(insn->off);             \
		NEXT;                                \
	}

#define JMP32(name, cond)                                            \
	HANDLER(jmp32_##name##_k)                                    \
	{                                                            \
		uint32_t a = (uint32_t)DST, b = (uint32_t)insn->imm; \
		TAINT_ERR(taint_jmp(rk, insn));                      \
		if (cond)                                            \
			JUMP(insn->off);                             \
		NEXT;                                                \
	}                                                            \
	HANDLER(jmp32_##name##_x)                                    \
	{                                                            \
		uint32_t a = (uint32_t)DST, b = (uint32_t)SRC;       \
		TAINT_ERR(taint_jmp(rk, insn));                      \
		if (cond)                                            \
			JUMP(insn->off);                             \
		NEXT;                                                \
	}

#define LDX(name, type, ext)                                              \
	HANDLER(name)                                                     \
	{                                                                 \
		uintptr_t addr_ = (uintptr_t)(SRC + insn->off);           \
		type v_;                                                  \
		CHECK_MEM(addr_, sizeof(type), false);                    \
		TAINT_ERR(taint_load(st, rk, insn, addr_, sizeof(type))); \
		kbpf_memcpy(&v_, (const void *)addr_, sizeof(type));      \
		DST = (ext)v_;                                            \
		NEXT;                                                     \
	}

/*
 * A probe load (KBPF_PROBE_MEM, core/prog.h): the verifier proved only
 * that the address is a kernel object's, which may be gone; the read goes
 * through the host's fault-safe probe and gives 0 if it fails (Linux's
 * BPF_PROBE_MEM). No checked-mode region check: any address is safe.
 */
#define PLDX(name, type, ext)                                           \
	HANDLER(name)                                                   \
	{                                                               \
		type v_ = 0;                                            \
		if (interp_probe_read(st->run->host, &v_, sizeof(type), \
				      (uintptr_t)(SRC + insn->off)))    \
			v_ = 0;                                         \
		TAINT(rk[insn->dst_reg] = TK_SCALAR);                   \
		DST = (ext)v_;                                          \
		NEXT;                                                   \
	}

#define STX(name, type)                                         \
	HANDLER(name)                                           \
	{                                                       \
		uintptr_t addr_ = (uintptr_t)(DST + insn->off); \
		type v_ = (type)SRC;                            \
		CHECK_MEM(addr_, sizeof(type), true);           \
		TAINT_ERR(taint_store(st, addr_, sizeof(type),  \
				      rk[insn->src_reg]));      \
		kbpf_memcpy((void *)addr_, &v_, sizeof(type));  \
		NEXT;                                           \
	}

#define ST(name, type)                                              \
	HANDLER(name)                                               \
	{                                                           \
		uintptr_t addr_ = (uintptr_t)(DST + insn->off);     \
		type v_ = (type)insn->imm;                          \
		CHECK_MEM(addr_, sizeof(type), true);               \
		TAINT_ERR(taint_store(st, addr_, sizeof(type), 0)); \
		kbpf_memcpy((void *)addr_, &v_, sizeof(type));      \
		NEXT;                                               \
	}

static int INTERP_FN(struct interp_state *st, uint32_t pc, const uint64_t *args,
		     uint64_t *r0)
{
#ifndef KBPF_INTERP_SWITCH
	static const void *const labels[256] = { [0 ... 255] = &&bad_insn,
#define INTERP_LABEL(code, name) [code] = &&name,
						 INTERP_OPS(INTERP_LABEL)
#undef INTERP_LABEL
	};
#endif
	const struct bpf_insn *insns = st->insns;
	const struct bpf_insn *insn;
	uint64_t regs[11];
	/* r6-r9, the frame pointer and the return address of each call. */
	struct {
		uint64_t saved[4];
		uint32_t ret_pc;
#if INTERP_TAINT
		uint8_t saved_rk[4];
#endif
	} frames[KBPF_MAX_CALL_FRAMES];
	uint32_t depth = 0;
	int err = 0;
#if INTERP_CHECKED
	uint32_t seg = pc; /* where the current straight stretch began */
#endif
#if INTERP_TAINT
	/* Register kinds; the run's outer frame keeps its own. */
	uint8_t rk[11];
	uint8_t *outer_rk = st->rk;
	bool top = st->depth == 0;
#endif

	if (st->depth >= KBPF_MAX_CALL_FRAMES)
		return -KBPF_ELOOP;
	memset(regs, 0, sizeof(regs));
#if INTERP_TAINT
	/* No @args: the run continues from a tail call of the checked loop. */
	if (!args)
		memcpy(regs, st->resume_regs, sizeof(regs));
	else
#endif
		memcpy(&regs[1], args, 5 * sizeof(uint64_t));
	regs[10] =
		(uint64_t)(uintptr_t)(st->stack[st->depth] + KBPF_STACK_SIZE);
#if INTERP_TAINT
	/*
	 * The program's r1 is its context; a callback's, what it was handed;
	 * after a tail call from the checked loop, what each register looks
	 * like (r1, the context; kbpf_interp_run() zeroed the others).
	 */
	memset(rk, TK_SCALAR, sizeof(rk));
	for (int i_ = args ? 1 : 0; i_ <= (args ? 5 : 9); i_++)
		rk[i_] = top && args ?
				 (i_ == 1 && regs[1] ? TK_PTR : TK_SCALAR) :
				 taint_guess(st, regs[i_]);
	rk[10] = TK_PTR;
	st->rk = rk;
	/* A callback's frame starts uninitialised (the program's is). */
	if (!top)
		taint_frame_reset(st, st->depth);
#endif
	st->depth++;

#ifdef KBPF_INTERP_SWITCH
next_insn:
	insn = &insns[pc];
	{
		switch (insn->code) {
#else
	DISPATCH();
	{
		{
#endif
			ALU64(add, a + b)
			ALU64(sub, a - b)
			ALU64(mul, a * b)
			ALU64(or, a | b)
			ALU64(and, a & b)
			ALU64(xor, a ^ b)
			ALU64(lsh, a << (b & 63))
			ALU64(rsh, a >> (b & 63))
			ALU64(arsh, (uint64_t)((int64_t)a >> (b & 63)))
			ALU64(neg, (uint64_t)0 - a)
			ALU32(add, a + b)
			ALU32(sub, a - b)
			ALU32(mul, a * b)
			ALU32(or, a | b)
			ALU32(and, a & b)
			ALU32(xor, a ^ b)
			ALU32(lsh, a << (b & 31))
			ALU32(rsh, a >> (b & 31))
			ALU32(arsh, (uint32_t)((int32_t)a >> (b & 31)))
			ALU32(neg, (uint32_t)0 - a)

			/* div/mod: off 1 means signed (v4); by 0: div 0, mod keeps dst. */
			ALU64(div, interp_div64(a, b, insn->off))
			ALU64(mod, interp_mod64(a, b, insn->off))
			ALU32(div, interp_div32(a, b, insn->off))
			ALU32(mod, interp_mod32(a, b, insn->off))

			/* mov, and movsx (off 8/16/32) for the register form. */
			HANDLER(alu64_mov_k)
			{
				TAINT_ERR(taint_alu(rk, insn));
				DST = (uint64_t)IMM;
				NEXT;
			}
			HANDLER(alu64_mov_x)
			{
				uint64_t v = SRC;

				TAINT_ERR(taint_alu(rk, insn));

				if (insn->off == 8)
					v = (uint64_t)(int64_t)(int8_t)v;
				else if (insn->off == 16)
					v = (uint64_t)(int64_t)(int16_t)v;
				else if (insn->off == 32)
					v = (uint64_t)(int64_t)(int32_t)v;
				DST = v;
				NEXT;
			}
			HANDLER(alu32_mov_k)
			{
				TAINT_ERR(taint_alu(rk, insn));
				DST = (uint32_t)insn->imm;
				NEXT;
			}
			HANDLER(alu32_mov_x)
			{
				uint32_t v = (uint32_t)SRC;

				TAINT_ERR(taint_alu(rk, insn));

				if (insn->off == 8)
					v = (uint32_t)(int32_t)(int8_t)v;
				else if (insn->off == 16)
					v = (uint32_t)(int32_t)(int16_t)v;
				DST = v;
				NEXT;
			}

			/* Byte order: to_le/to_be on ALU, unconditional bswap on ALU64. */
			HANDLER(alu32_end_le)
			{
				TAINT_ERR(taint_alu(rk, insn));
				DST = interp_to_le(DST, insn->imm);
				NEXT;
			}
			HANDLER(alu32_end_be)
			{
				TAINT_ERR(taint_alu(rk, insn));
				DST = interp_to_be(DST, insn->imm);
				NEXT;
			}
			HANDLER(alu64_bswap)
			{
				TAINT_ERR(taint_alu(rk, insn));
				DST = interp_bswap(DST, insn->imm);
				NEXT;
			}

			/* Legacy packet loads: out of the packet, r0 = 0 and exit. */
#define LD_PKT(name, size, offexpr)                               \
	HANDLER(name)                                             \
	{                                                         \
		uint64_t v_;                                      \
                                                                  \
		TAINT(rk[0] = TK_SCALAR);                         \
		if (!interp_ld_pkt(st, (offexpr), (size), &v_)) { \
			*r0 = 0;                                  \
			goto out;                                 \
		}                                                 \
		regs[0] = v_;                                     \
		NEXT;                                             \
	}
			LD_PKT(ld_abs_b, 1, (int64_t)IMM)
			LD_PKT(ld_abs_h, 2, (int64_t)IMM)
			LD_PKT(ld_abs_w, 4, (int64_t)IMM)
#define LD_IND_OFF ((int64_t)(int32_t)((uint32_t)SRC + (uint32_t)insn->imm))
			LD_PKT(ld_ind_b, 1, LD_IND_OFF)
			LD_PKT(ld_ind_h, 2, LD_IND_OFF)
			LD_PKT(ld_ind_w, 4, LD_IND_OFF)
#undef LD_IND_OFF
#undef LD_PKT

			HANDLER(ld_imm64)
			{
				const struct bpf_insn *next = insn + 1;

				/* Map values; maps, functions, kernel symbols */
				TAINT(rk[insn->dst_reg] =
					      insn->src_reg == BPF_PSEUDO_MAP_VALUE ||
							      insn->src_reg ==
								      BPF_PSEUDO_MAP_IDX_VALUE ?
						      TK_MEM :
					      insn->src_reg ? TK_PTR :
							      TK_SCALAR);

				if (insn->src_reg == BPF_PSEUDO_FUNC)
					DST = (uint64_t)((int64_t)pc + 1 +
							 insn->imm);
				else
					DST = (uint64_t)(uint32_t)insn->imm |
					      (uint64_t)(uint32_t)next->imm
						      << 32;
				pc += 2;
				DISPATCH();
			}

			LDX(ldx_b, uint8_t, uint64_t)
			LDX(ldx_h, uint16_t, uint64_t)
			LDX(ldx_w, uint32_t, uint64_t)
			LDX(ldx_dw, uint64_t, uint64_t)
			LDX(ldsx_b, int8_t, int64_t)
			LDX(ldsx_h, int16_t, int64_t)
			LDX(ldsx_w, int32_t, int64_t)
			PLDX(pldx_b, uint8_t, uint64_t)
			PLDX(pldx_h, uint16_t, uint64_t)
			PLDX(pldx_w, uint32_t, uint64_t)
			PLDX(pldx_dw, uint64_t, uint64_t)
			PLDX(pldsx_b, int8_t, int64_t)
			PLDX(pldsx_h, int16_t, int64_t)
			PLDX(pldsx_w, int32_t, int64_t)
			STX(stx_b, uint8_t)
			STX(stx_h, uint16_t)
			STX(stx_w, uint32_t)
			STX(stx_dw, uint64_t)
			ST(st_b, uint8_t)
			ST(st_h, uint16_t)
			ST(st_w, uint32_t)
			ST(st_dw, uint64_t)

			HANDLER(atomic_w)
			HANDLER(atomic_dw)
			HANDLER(atomic_b)
			HANDLER(atomic_h)
			{
				unsigned int size =
					kbpf_insn_size_bytes(insn->code);
				uintptr_t addr_ = (uintptr_t)(DST + insn->off);
				bool write = insn->imm != BPF_LOAD_ACQ;

				if (insn->imm == BPF_LOAD_ACQ)
					addr_ = (uintptr_t)(SRC + insn->off);
				CHECK_MEM(addr_, size, write);
				CHECK_ALIGN(addr_, size);
				TAINT_ERR(taint_atomic(st, rk, insn, addr_,
						       size));
				err = interp_atomic(insn, regs, (void *)addr_,
						    size);
				if (err)
					goto out;
				NEXT;
			}

			HANDLER(ja)
			{
				JUMP(insn->off);
			}
			HANDLER(ja32)
			{
				/* gotol: the offset is in imm. */
				JUMP(insn->imm);
			}
			JMP64(jeq, a == b)
			JMP64(jne, a != b)
			JMP64(jgt, a > b)
			JMP64(jge, a >= b)
			JMP64(jlt, a < b)
			JMP64(jle, a <= b)
			JMP64(jset, a & b)
			JMP64(jsgt, (int64_t)a > (int64_t)b)
			JMP64(jsge, (int64_t)a >= (int64_t)b)
			JMP64(jslt, (int64_t)a < (int64_t)b)
			JMP64(jsle, (int64_t)a <= (int64_t)b)
			JMP32(jeq, a == b)
			JMP32(jne, a != b)
			JMP32(jgt, a > b)
			JMP32(jge, a >= b)
			JMP32(jlt, a < b)
			JMP32(jle, a <= b)
			JMP32(jset, a & b)
			JMP32(jsgt, (int32_t)a > (int32_t)b)
			JMP32(jsge, (int32_t)a >= (int32_t)b)
			JMP32(jslt, (int32_t)a < (int32_t)b)
			JMP32(jsle, (int32_t)a <= (int32_t)b)

			HANDLER(jcond)
			{
				/* may_goto: taken once the loop budget is spent. */
				if (st->may_goto == 0)
					JUMP(insn->off);
				st->may_goto--;
				NEXT;
			}

			HANDLER(call)
			{
				if (insn->src_reg == BPF_PSEUDO_CALL) {
					uint32_t target =
						(uint32_t)((int64_t)pc + 1 +
							   insn->imm);

					CHARGE_TO(pc);
					if (depth + 1 >= KBPF_MAX_CALL_FRAMES ||
					    st->depth >= KBPF_MAX_CALL_FRAMES) {
						err = -KBPF_ELOOP;
						goto out;
					}
					memcpy(frames[depth].saved, &regs[6],
					       4 * sizeof(uint64_t));
					TAINT(memcpy(frames[depth].saved_rk,
						     &rk[6], 4));
					TAINT(taint_frame_reset(st, st->depth));
					frames[depth].ret_pc = pc + 1;
					depth++;
					regs[10] =
						(uint64_t)(uintptr_t)(st->stack[st->depth] +
								      KBPF_STACK_SIZE);
					st->depth++;
					pc = target;
					SET_SEG(pc);
					DISPATCH();
				}
				if (insn->src_reg != 0) {
					err = -KBPF_EINVAL;
					goto out;
				}
				err = interp_call_helper(st,
							 (uint32_t)insn->imm,
							 regs, INTERP_CHECKED);
				/* A helper call's end, whichever form it took. */
call_done:
				if (err)
					goto out;
				if (kbpf_unlikely(st->run->tail_call != NULL)) {
					/*
					 * Only from the main frame of the run, not from
					 * a subprogram or callback (Linux's interpreter
					 * refuses such programs at load).
					 */
					if (depth || st->depth != 1) {
						interp_tail_call_drop(st);
						err = -KBPF_EOPNOTSUPP;
						goto out;
					}
					CHARGE_TO(pc);
					err = interp_tail_call(st, &pc, regs);
					SET_SEG(pc);
					if (err)
						goto out;
					regs[10] =
						(uint64_t)(uintptr_t)(st->stack
									      [st->depth -
									       1] +
								      KBPF_STACK_SIZE);
					insns = st->insns;
					DISPATCH();
				}
				NEXT;
			}
			/*
			 * The image's calls (image.h): imm is the call's site,
			 * checked against the sites of the image running (none
			 * without one: the opcode is then unknown, as before).
			 */
			HANDLER(call_site)
			{
				const struct kbpf_interp_site *s_;

				SITE(s_);
				err = interp_call_resolved(st, s_->h, regs,
							   INTERP_CHECKED);
				goto call_done;
			}

			/*
			 * bpf_map_lookup_elem of the map r1 holds on every path
			 * here: an index check and an address (ARRAY, PERCPU_ARRAY:
			 * array_map_lookup_elem's), or the type's lookup called
			 * directly. If r1 is not that map after all (a callback
			 * entered mid-program), the helper as any call. Checked
			 * mode checks the key as the helper's prototype has it
			 * checked and keeps the value as the helper would; the
			 * pointer rules of unprivileged runs keep the helper.
			 */
#if INTERP_TAINT
			HANDLER(lookup_array)
			HANDLER(lookup_percpu)
			HANDLER(lookup_call)
			{
				const struct kbpf_interp_site *s_;

				SITE(s_);
				err = interp_call_resolved(st, s_->h, regs,
							   true);
				goto call_done;
			}
#else
#define LOOKUP_ARRAY(name, percpu)                                            \
	HANDLER(name)                                                         \
	{                                                                     \
		const struct kbpf_interp_site *s_;                            \
		uint32_t idx_;                                                \
		uint8_t *v_;                                                  \
                                                                              \
		SITE(s_);                                                     \
		if (kbpf_unlikely(regs[1] != (uint64_t)(uintptr_t)s_->map)) { \
			err = interp_call_resolved(st, s_->h, regs,           \
						   INTERP_CHECKED);           \
			goto call_done;                                       \
		}                                                             \
		CHECK_MEM((uintptr_t)regs[2], sizeof(idx_), false);           \
		kbpf_memcpy(&idx_, (const void *)(uintptr_t)regs[2],          \
			    sizeof(idx_));                                    \
		if (idx_ >= s_->max_entries) {                                \
			regs[0] = 0;                                          \
			NEXT;                                                 \
		}                                                             \
		v_ = s_->base +                                               \
		     (size_t)s_->elem_size * (idx_ & s_->index_mask);         \
		if (percpu)                                                   \
			v_ += s_->cpu_stride * kbpf_run_map_cpu(st->run);     \
		LOOKUP_KEEP(s_, v_);                                          \
		regs[0] = (uint64_t)(uintptr_t)v_;                            \
		NEXT;                                                         \
	}
			LOOKUP_ARRAY(lookup_array, false)
			LOOKUP_ARRAY(lookup_percpu, true)
#undef LOOKUP_ARRAY
			HANDLER(lookup_call)
			{
				const struct kbpf_interp_site *s_;
				void *v_;

				SITE(s_);
				if (kbpf_unlikely(
					    regs[1] !=
					    (uint64_t)(uintptr_t)s_->map)) {
					err = interp_call_resolved(
						st, s_->h, regs,
						INTERP_CHECKED);
					goto call_done;
				}
				CHECK_MEM((uintptr_t)regs[2], s_->key_size,
					  false);
				v_ = s_->lookup_cpu ?
					     s_->lookup_cpu(
						     s_->map,
						     (const void *)(uintptr_t)
							     regs[2],
						     kbpf_run_map_cpu(
							     st->run)) :
					     s_->lookup(
						     s_->map,
						     (const void *)(uintptr_t)
							     regs[2]);
				if (v_)
					LOOKUP_KEEP(s_, v_);
				regs[0] = (uint64_t)(uintptr_t)v_;
				NEXT;
			}
#endif

			/*
			 * bpf_map_update_elem and bpf_map_delete_elem of the map
			 * r1 holds on every path here: the type's op called
			 * directly in fast mode, as the helper would have passed
			 * the call on (image.h). Checked runs make the helper call,
			 * which checks the key and value as its prototype says;
			 * so do a call whose r1 is another map and one under a
			 * bpf_spin_lock (interp_call_resolved() refuses it).
			 */
			HANDLER(update_call)
			HANDLER(delete_call)
			{
				const struct kbpf_interp_site *s_;

				SITE(s_);
				if (INTERP_CHECKED ||
				    kbpf_unlikely(regs[1] !=
							  (uint64_t)(uintptr_t)
								  s_->map ||
						  st->run->spin_lock)) {
					err = interp_call_resolved(
						st, s_->h, regs,
						INTERP_CHECKED);
					goto call_done;
				}
				if (s_->update)
					regs[0] = (uint64_t)s_->update(
						s_->map,
						(const void *)(uintptr_t)regs[2],
						(const void *)(uintptr_t)regs[3],
						regs[4]);
				else
					regs[0] = (uint64_t)s_->delete_elem(
						s_->map,
						(const void *)(uintptr_t)
							regs[2]);
				NEXT;
			}

			HANDLER(callx)
			{
				TAINT_ERR(rk[insn->dst_reg] ? -KBPF_EACCES : 0);
				/* Not in Linux; the conformance suite's call-by-register. */
				err = interp_call_helper(st, (uint32_t)DST,
							 regs, INTERP_CHECKED);
				if (err)
					goto out;
				NEXT;
			}

			HANDLER(exit)
			{
				CHARGE_TO(pc);
				if (depth == 0) {
					/* "R0 leaks addr as return value" */
					TAINT_ERR(rk[0] ? -KBPF_EACCES : 0);
					*r0 = regs[0];
					goto out;
				}
				depth--;
				st->depth--;
				memcpy(&regs[6], frames[depth].saved,
				       4 * sizeof(uint64_t));
				TAINT(memcpy(&rk[6], frames[depth].saved_rk,
					     4));
				regs[10] =
					(uint64_t)(uintptr_t)(st->stack[st->depth -
									1] +
							      KBPF_STACK_SIZE);
				pc = frames[depth].ret_pc;
				SET_SEG(pc);
				DISPATCH();
			}

#ifdef KBPF_INTERP_SWITCH
		default:
			goto bad_insn;
		}
	}
#else
		}
	}
#endif
bad_insn:
	err = -KBPF_EINVAL;
out:
	st->depth -= depth + 1;
	TAINT(st->rk = outer_rk);
	return err;
}

#undef INTERP_FN
#undef TAINT
#undef TAINT_ERR
#undef CHECK_MEM
#undef CHECK_ALIGN
#undef CHARGE_TO
#undef SET_SEG
#undef SITE
#undef LOOKUP_KEEP
#undef DST
#undef SRC
#undef IMM
#undef HANDLER
#undef DISPATCH
#undef NEXT
#undef JUMP
#undef ALU64
#undef ALU32
#undef JMP64
#undef JMP32
#undef LDX
#undef PLDX
#undef STX
#undef ST
