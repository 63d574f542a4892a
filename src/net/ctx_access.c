// SPDX-License-Identifier: MIT
/*
 * Context accesses of packet programs (the part of Linux's verifier that
 * checks them, *_is_valid_access, and rewrites them, convert_ctx_access).
 *
 * struct __sk_buff and struct xdp_md give data, data_end and data_meta as
 * u32 fields that programs use as 64-bit packet pointers. kbpf's contexts
 * (include/kbpf/packet.h) are the UAPI struct followed by the real 64-bit
 * pointers, so a 4-byte load of such a field becomes an 8-byte load of the
 * pointer: one instruction for one, the program keeps its length and its
 * jump offsets. Other fields are read where the UAPI struct has them; a
 * few narrow loads and stores change offset or size to give Linux's
 * results (fields that are 1 or 2 bytes wide inside Linux's sk_buff).
 *
 * To know which instructions access the context, a must-dataflow over
 * the program finds the registers (and 8-byte stack slots) that hold the
 * unmodified context pointer on every path to each instruction: r1 at the
 * entry, moves, spills and fills through r10, clobbered by calls; a
 * bpf-to-bpf subprogram gets r1-r5 from all its call sites, a callback
 * nothing. Linux refuses an instruction used with the context on one path
 * and another pointer on another ("same insn cannot be used with different
 * pointers"), so for programs Linux accepts, "ctx on every path" is exactly
 * the set of context accesses. For other programs a missed access reads
 * the UAPI view (the pointer fields hold 0) and checked mode still checks
 * every address; a rewritten access is still an ordinary checked load.
 *
 * Accesses the program type does not allow are refused with Linux's log
 * line, "invalid bpf_context access off=%d size=%d", and -EACCES. Cgroup
 * device and sysctl programs go through the same pass for their rules
 * (their context needs no rewrite), and so do cgroup sock and sock_addr
 * programs, whose rules are in sock_ctx.c.
 */
#include "kbpf/packet.h"
#include "core/alloc.h"
#include "core/priv.h"
#include "net_internal.h"

struct ctx_flow {
	uint16_t regs; /* bit r: register r holds the context */
	uint64_t stack; /* bit k: the 8 bytes at r10 - 8 * (k + 1) hold it */
};

struct ctx_pass {
	struct kbpf_prog *prog;
	struct ctx_flow *in; /* state before each instruction */
	uint8_t *flags; /* CTX_REACHED, CTX_QUEUED */
	uint32_t *work;
	uint32_t nr_work;
};

#define CTX_REACHED 1
#define CTX_QUEUED 2
#define CALLER_SAVED 0x3fu /* r0-r5 */

/* Meet @s into the state before @pc (intersection) and queue it if it changed. */
static void ctx_flow_to(struct ctx_pass *p, uint32_t pc, struct ctx_flow s)
{
	struct ctx_flow *in;

	if (pc >= p->prog->len)
		return; /* the structural check refused such jumps */
	in = &p->in[pc];
	if ((p->flags[pc] & CTX_REACHED) && (in->regs & s.regs) == in->regs &&
	    (in->stack & s.stack) == in->stack)
		return;
	if (p->flags[pc] & CTX_REACHED) {
		in->regs &= s.regs;
		in->stack &= s.stack;
	} else {
		*in = s;
	}
	p->flags[pc] |= CTX_REACHED;
	if (!(p->flags[pc] & CTX_QUEUED)) {
		p->flags[pc] |= CTX_QUEUED;
		p->work[p->nr_work++] = pc;
	}
}

/* Stack slots overlapping [r10 + off, r10 + off + size). */
static uint64_t ctx_slots(int32_t off, uint32_t size)
{
	uint64_t mask = 0;
	int32_t b;

	for (b = off; b < off + (int32_t)size; b++)
		if (b < 0 && b >= -(int32_t)KBPF_STACK_SIZE)
			mask |= 1ULL << ((-b - 1) / 8);
	return mask;
}

static uint32_t ctx_size_of(uint8_t code)
{
	static const uint8_t sizes[4] = { 4, 2, 1, 8 }; /* W H B DW */

	return sizes[BPF_SIZE(code) >> 3];
}

/* The state after @insn at @pc, and its successors. */
static void ctx_step(struct ctx_pass *p, uint32_t pc)
{
	const struct bpf_insn *insn = &p->prog->insns[pc];
	struct ctx_flow s = p->in[pc];
	uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
	uint16_t dst = (uint16_t)(1u << insn->dst_reg);
	uint16_t src = (uint16_t)(1u << insn->src_reg);

	switch (cls) {
	case BPF_LD:
		if (insn->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			s.regs &= (uint16_t)~dst;
			if (insn->src_reg == BPF_PSEUDO_FUNC)
				ctx_flow_to(p, pc + 1 + (uint32_t)insn->imm,
					    (struct ctx_flow){ 0, 0 });
			ctx_flow_to(p, pc + 2, s);
			return;
		}
		s.regs &= (uint16_t)~CALLER_SAVED; /* LD_ABS/LD_IND */
		break;
	case BPF_ALU:
	case BPF_ALU64:
		if (insn->code == (BPF_ALU64 | BPF_MOV | BPF_X) && !insn->off)
			s.regs = (uint16_t)((s.regs & ~dst) |
					    ((s.regs & src) ? dst : 0));
		else
			s.regs &= (uint16_t)~dst;
		break;
	case BPF_LDX: {
		bool fill = insn->src_reg == BPF_REG_10 &&
			    insn->code == (BPF_LDX | BPF_MEM | BPF_DW) &&
			    !(insn->off & 7) &&
			    (s.stack & ctx_slots(insn->off, 8));

		s.regs = (uint16_t)((s.regs & ~dst) | (fill ? dst : 0));
		break;
	}
	case BPF_ST:
	case BPF_STX:
		if (BPF_MODE(insn->code) == BPF_ATOMIC) {
			if (insn->imm == BPF_LOAD_ACQ)
				s.regs &= (uint16_t)~dst;
			else if (insn->imm == BPF_CMPXCHG)
				s.regs &= (uint16_t)~1u;
			else if (insn->imm & BPF_FETCH)
				s.regs &= (uint16_t)~src;
		}
		if (insn->dst_reg == BPF_REG_10 &&
		    !(BPF_MODE(insn->code) == BPF_ATOMIC &&
		      insn->imm == BPF_LOAD_ACQ)) {
			uint64_t slots =
				ctx_slots(insn->off, ctx_size_of(insn->code));

			s.stack &= ~slots;
			/* A spill: 8 aligned bytes of a register. */
			if (insn->code == (BPF_STX | BPF_MEM | BPF_DW) &&
			    !(insn->off & 7) && (s.regs & src))
				s.stack |= slots;
		}
		break;
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_EXIT)
			return;
		if (op == BPF_CALL) {
			if (cls == BPF_JMP && insn->src_reg == BPF_PSEUDO_CALL)
				ctx_flow_to(p, pc + 1 + (uint32_t)insn->imm,
					    (struct ctx_flow){
						    (uint16_t)(s.regs & 0x3eu),
						    0 });
			s.regs &= (uint16_t)~CALLER_SAVED;
			break;
		}
		if (op == BPF_JA) {
			ctx_flow_to(p,
				    pc + 1 +
					    (uint32_t)(cls == BPF_JMP32 ?
							       insn->imm :
							       insn->off),
				    s);
			return;
		}
		ctx_flow_to(p, pc + 1 + (uint32_t)(int32_t)insn->off, s);
		break;
	default:
		break;
	}
	ctx_flow_to(p, pc + 1, s);
}

/* ---- what each program type may do with its context ---- */

#define SKB_OFF(f) ((int)offsetof(struct __sk_buff, f))
#define SKB_END(f) (SKB_OFF(f) + (int)sizeof(((struct __sk_buff *)0)->f))
#define IN(off, lo, hi) ((off) >= (lo) && (off) < (hi))

/*
 * Width of a field inside Linux's sk_buff where it is narrower than the
 * u32 of __sk_buff: a narrow load at least that wide returns the whole
 * value (Linux loads the field, then shifts only for narrower reads);
 * a store writes only that many bytes (measured on 6.18).
 */
static uint32_t skb_field_width(int base)
{
	switch (base) {
	case SKB_OFF(pkt_type):
		return 1;
	case SKB_OFF(queue_mapping):
	case SKB_OFF(protocol):
	case SKB_OFF(vlan_tci):
	case SKB_OFF(vlan_proto):
	case SKB_OFF(tc_index):
	case SKB_OFF(tc_classid):
	case SKB_OFF(gso_segs):
	case SKB_OFF(gso_size):
	case SKB_OFF(family):
	case SKB_OFF(local_port):
		return 2;
	default:
		return 4;
	}
}

/* Offset of the low @size bytes of the u32 at @base, in this host's byte order. */
static int16_t low_bytes(int base, uint32_t size)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (int16_t)(base + 4 - (int)size);
#else
	(void)size;
	return (int16_t)base;
#endif
}

static void ctx_set_size(struct bpf_insn *insn, uint32_t size)
{
	uint8_t code = size == 8 ? BPF_DW :
		       size == 4 ? BPF_W :
		       size == 2 ? BPF_H :
				   BPF_B;

	insn->code = (uint8_t)((insn->code & ~0x18) | code);
}

/*
 * Linux's cg_skb_is_valid_access (before the common skb rules): no
 * tc_classid, data_meta or wire_len; the packet pointers only for loaders
 * with CAP_BPF; writes to mark, priority and cb[], and to tstamp with
 * CAP_BPF. The socket's fields (family .. local_port) are readable: the
 * host fills them in md (kbpf_cgroup_skb_run()).
 */
static bool cg_skb_allows(const struct kbpf_prog *prog, int off, bool write)
{
	bool bpf = prog->priv & KBPF_PRIV_BPF;

	if (IN(off, SKB_OFF(tc_classid), SKB_END(tc_classid)) ||
	    IN(off, SKB_OFF(data_meta), SKB_END(data_meta)) ||
	    IN(off, SKB_OFF(wire_len), SKB_END(wire_len)))
		return false;
	if (IN(off, SKB_OFF(data), SKB_END(data_end)) && !bpf)
		return false;
	if (!write)
		return true;
	return IN(off, SKB_OFF(mark), SKB_END(mark)) ||
	       IN(off, SKB_OFF(priority), SKB_END(priority)) ||
	       IN(off, SKB_OFF(cb), SKB_END(cb)) ||
	       (IN(off, SKB_OFF(tstamp), SKB_END(tstamp)) && bpf);
}

/* Linux's sk_filter_is_valid_access / tc_cls_act_is_valid_access. */
static bool skb_type_allows(const struct kbpf_prog *prog, int off, bool write)
{
	uint32_t type = prog->type;

	if (type == BPF_PROG_TYPE_CGROUP_SKB)
		return cg_skb_allows(prog, off, write);
	if (type == BPF_PROG_TYPE_SOCKET_FILTER) {
		if (IN(off, SKB_OFF(tc_classid), SKB_END(data_end)) ||
		    IN(off, SKB_OFF(family), SKB_END(data_meta)) ||
		    IN(off, SKB_OFF(tstamp), SKB_END(wire_len)) ||
		    IN(off, SKB_OFF(hwtstamp), SKB_END(hwtstamp)))
			return false;
		return !write || IN(off, SKB_OFF(cb), SKB_END(cb));
	}
	if (IN(off, SKB_OFF(family), SKB_END(local_port)))
		return false;
	return !write || IN(off, SKB_OFF(mark), SKB_END(queue_mapping)) ||
	       IN(off, SKB_OFF(tc_index), SKB_END(cb)) ||
	       IN(off, SKB_OFF(priority), SKB_END(priority)) ||
	       IN(off, SKB_OFF(tc_classid), SKB_END(tc_classid)) ||
	       IN(off, SKB_OFF(tstamp), SKB_END(tstamp));
}

/* Check one __sk_buff access and rewrite it: 0, -EACCES, or -EINVAL (kbpf lacks it). */
static int ctx_skb(const struct kbpf_prog *prog, struct bpf_insn *insn,
		   struct kbpf_vlog *log)
{
	uint8_t cls = BPF_CLASS(insn->code);
	bool write = cls == BPF_ST || cls == BPF_STX;
	bool ldsx = BPF_MODE(insn->code) == BPF_MEMSX;
	uint32_t size = ctx_size_of(insn->code), width;
	int off = insn->off, base = off & ~3;

	if (off < 0 || off >= (int)sizeof(struct __sk_buff) ||
	    off % (int)size || !skb_type_allows(prog, off, write))
		return -KBPF_EACCES;
	if (IN(off, SKB_OFF(cb), SKB_END(cb)))
		return off + (int)size > SKB_END(cb) ? -KBPF_EACCES : 0;
	if (IN(off, SKB_OFF(data), SKB_END(data_end)) ||
	    IN(off, SKB_OFF(data_meta), SKB_END(data_meta))) {
		if (ldsx || size != 4 || write)
			return -KBPF_EACCES;
		insn->off = (int16_t)(off == SKB_OFF(data) ?
					      KBPF_SKB_DATA_OFF :
				      off == SKB_OFF(data_end) ?
					      KBPF_SKB_DATA_END_OFF :
					      KBPF_SKB_DATA_META_OFF);
		ctx_set_size(insn, 8);
		return 0;
	}
	/* tc reads tstamp_type as a byte (kbpf's is always 0: realtime). */
	if (off == SKB_OFF(tstamp_type) &&
	    prog->type != BPF_PROG_TYPE_SOCKET_FILTER &&
	    prog->type != BPF_PROG_TYPE_CGROUP_SKB && !write && size == 1)
		return 0;
	/* The socket's addresses: whole u32 loads only (measured). */
	if (IN(off, SKB_OFF(remote_ip4), SKB_END(local_ip6)) && size != 4)
		return -KBPF_EACCES;
	if ((IN(off, SKB_OFF(family), SKB_END(local_port)) &&
	     prog->type != BPF_PROG_TYPE_CGROUP_SKB) ||
	    IN(off, SKB_OFF(flow_keys), SKB_OFF(flow_keys) + 8) ||
	    IN(off, SKB_OFF(gso_size) + 4, SKB_OFF(hwtstamp)))
		return -KBPF_EACCES; /* never for these types; tstamp_type; padding */
	if (IN(off, SKB_OFF(hwtstamp), SKB_END(hwtstamp)))
		return write || size != 8 ? -KBPF_EACCES : 0;
	if (IN(off, SKB_OFF(tstamp), SKB_END(tstamp)))
		return size != 8 ? -KBPF_EACCES : 0;
	/*
	 * The packet's socket: a whole load of the pointer kbpf_skb_run()
	 * puts in md.sk (the host's struct kbpf_skb_sock view, or NULL).
	 */
	if (off == SKB_OFF(sk))
		return write || size != 8 || ldsx ? -KBPF_EACCES : 0;
	if (IN(off, SKB_OFF(sk), SKB_OFF(sk) + 8))
		return -KBPF_EACCES;
	/* A u32 field: whole stores, narrow aligned loads. */
	if (write ? size != 4 : (off & 3) + (int)size > 4)
		return -KBPF_EACCES;
	width = skb_field_width(base);
	if (write && width < 4) {
		/* Linux stores the 16-bit field; queue_mapping >= 0xffff is dropped. */
		if (base == SKB_OFF(queue_mapping) && cls == BPF_ST &&
		    insn->imm >= 0xffff) {
			*insn = (struct bpf_insn){ .code = BPF_JMP | BPF_JA };
			return 0;
		}
		insn->off = low_bytes(base, width);
		ctx_set_size(insn, width);
	} else if (!write && size < 4 && size >= width) {
		insn->off = low_bytes(base, size);
	}
	return 0;
}

/* Linux's xdp_is_valid_access: aligned u32 reads, egress_ifindex for devmap programs. */
static int ctx_xdp(const struct kbpf_prog *prog, struct bpf_insn *insn)
{
	uint8_t cls = BPF_CLASS(insn->code);
	int off = insn->off;

	if (off == (int)offsetof(struct xdp_md, egress_ifindex) &&
	    prog->expected_attach_type != BPF_XDP_DEVMAP)
		return -KBPF_EACCES;
	if (cls == BPF_ST || cls == BPF_STX)
		return -KBPF_EACCES;
	if (off < 0 || off >= (int)sizeof(struct xdp_md) ||
	    ctx_size_of(insn->code) != 4 || off % 4)
		return -KBPF_EACCES;
	if (off > (int)offsetof(struct xdp_md, data_meta))
		return 0;
	if (BPF_MODE(insn->code) == BPF_MEMSX)
		return -KBPF_EACCES;
	insn->off = (int16_t)(off == 0 ? KBPF_XDP_DATA_OFF :
			      off == 4 ? KBPF_XDP_DATA_END_OFF :
					 KBPF_XDP_DATA_META_OFF);
	ctx_set_size(insn, 8);
	return 0;
}

/*
 * Linux's cgroup_dev_is_valid_access: struct bpf_cgroup_dev_ctx is
 * read-only; access_type may be read in aligned narrow loads, major and
 * minor only whole. kbpf's context is the UAPI struct: nothing to rewrite.
 */
static int ctx_dev(const struct bpf_insn *insn)
{
	uint8_t cls = BPF_CLASS(insn->code);
	uint32_t size = ctx_size_of(insn->code);
	int off = insn->off;

	if (cls == BPF_ST || cls == BPF_STX)
		return -KBPF_EACCES;
	if (off < 0 || off + size > sizeof(struct bpf_cgroup_dev_ctx) ||
	    off % (int)size)
		return -KBPF_EACCES;
	if (off < (int)sizeof(uint32_t))
		return size <= 4 ? 0 : -KBPF_EACCES;
	return size == 4 ? 0 : -KBPF_EACCES;
}

/*
 * Linux's sysctl_is_valid_access: struct bpf_sysctl; write is read-only,
 * file_pos readable (narrow aligned loads) and writable as a whole u32.
 * kbpf's context starts with the UAPI struct: nothing to rewrite.
 */
static int ctx_sysctl(const struct bpf_insn *insn)
{
	uint8_t cls = BPF_CLASS(insn->code);
	uint32_t size = ctx_size_of(insn->code);
	int off = insn->off;

	if (off < 0 || off + size > sizeof(struct bpf_sysctl) ||
	    off % (int)size)
		return -KBPF_EACCES;
	if (cls == BPF_ST || cls == BPF_STX)
		return off == (int)offsetof(struct bpf_sysctl, file_pos) &&
				       size == 4 ?
			       0 :
			       -KBPF_EACCES;
	return size <= 4 ? 0 : -KBPF_EACCES;
}

/* One context access of @prog's type: 0, -EACCES, or -EINVAL (kbpf lacks it). */
static int ctx_check(const struct kbpf_prog *prog, struct bpf_insn *insn,
		     struct kbpf_vlog *log)
{
	switch (prog->type) {
	case BPF_PROG_TYPE_XDP:
		return ctx_xdp(prog, insn);
	case BPF_PROG_TYPE_CGROUP_DEVICE:
		return ctx_dev(insn);
	case BPF_PROG_TYPE_CGROUP_SYSCTL:
		return ctx_sysctl(insn);
	case BPF_PROG_TYPE_CGROUP_SOCK:
		return kbpf_ctx_sock(prog, insn);
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
		return kbpf_ctx_sock_addr(prog, insn, log);
	case BPF_PROG_TYPE_CGROUP_SOCKOPT:
		return kbpf_ctx_sockopt(prog, insn, log);
	default:
		return ctx_skb(prog, insn, log);
	}
}

bool kbpf_prog_type_has_ctx_rules(uint32_t type)
{
	return kbpf_prog_type_is_packet(type) ||
	       type == BPF_PROG_TYPE_CGROUP_SOCK ||
	       type == BPF_PROG_TYPE_CGROUP_SOCK_ADDR ||
	       type == BPF_PROG_TYPE_CGROUP_SOCKOPT ||
	       type == BPF_PROG_TYPE_CGROUP_DEVICE ||
	       type == BPF_PROG_TYPE_CGROUP_SYSCTL;
}

/* The base register of a memory instruction, or -1. */
static int ctx_base_reg(const struct bpf_insn *insn)
{
	switch (BPF_CLASS(insn->code)) {
	case BPF_LDX:
		return insn->src_reg;
	case BPF_ST:
		return insn->dst_reg;
	case BPF_STX:
		if (BPF_MODE(insn->code) == BPF_ATOMIC &&
		    insn->imm == BPF_LOAD_ACQ)
			return insn->src_reg;
		return insn->dst_reg;
	default:
		return -1;
	}
}

bool kbpf_prog_ctx_access_ok(const struct kbpf_prog *prog,
			     const struct bpf_insn *insn)
{
	struct kbpf_vlog quiet = { 0 }; /* level 0: prints nothing */
	struct bpf_insn copy = *insn;

	if (BPF_MODE(insn->code) == BPF_ATOMIC)
		return false;
	return ctx_check(prog, &copy, &quiet) != -KBPF_EACCES;
}

static int ctx_rewrite(struct ctx_pass *p, const struct kbpf_host *h,
		       struct kbpf_vlog *log)
{
	struct kbpf_prog *prog = p->prog;
	uint32_t pc;

	for (pc = 0; pc < prog->len; pc++) {
		struct bpf_insn *insn = &prog->insns[pc];
		struct bpf_insn orig = *insn;
		int reg = ctx_base_reg(insn), err;

		if (reg < 0 || !(p->flags[pc] & CTX_REACHED) ||
		    !(p->in[pc].regs & (1u << reg)))
			continue;
		if (BPF_MODE(insn->code) == BPF_ATOMIC) {
			kbpf_vlog_printf(
				log,
				"BPF_ATOMIC stores into R%d ctx is not allowed\n",
				reg);
			return -KBPF_EACCES;
		}
		err = ctx_check(prog, insn, log);
		if (err == -KBPF_EACCES &&
		    h->verifier == KBPF_VERIFIER_ENFORCE) {
			/* the verifier refuses it if a path reaches it */
			*insn = orig;
			continue;
		}
		if (err == -KBPF_EACCES)
			kbpf_vlog_printf(
				log,
				"invalid bpf_context access off=%d size=%u\n",
				orig.off, ctx_size_of(orig.code));
		if (err)
			return err;
	}
	return 0;
}

int kbpf_prog_ctx_access(struct kbpf_prog *prog, const struct kbpf_host *h,
			 struct kbpf_vlog *log)
{
	struct ctx_pass p = { .prog = prog };
	size_t n = prog->len;
	int err = -KBPF_ENOMEM;

	if (!kbpf_prog_type_has_ctx_rules(prog->type))
		return 0;
	p.in = kbpf_malloc(h, n * sizeof(*p.in), 0);
	p.flags = kbpf_zalloc(h, n, 0);
	p.work = kbpf_malloc(h, n * sizeof(*p.work), 0);
	if (!p.in || !p.flags || !p.work)
		goto out;
	ctx_flow_to(&p, 0, (struct ctx_flow){ 1u << BPF_REG_1, 0 });
	while (p.nr_work) {
		uint32_t pc = p.work[--p.nr_work];

		p.flags[pc] &= (uint8_t)~CTX_QUEUED;
		ctx_step(&p, pc);
	}
	err = ctx_rewrite(&p, h, log);
out:
	kbpf_free(h, p.work, n * sizeof(*p.work));
	kbpf_free(h, p.flags, n);
	kbpf_free(h, p.in, n * sizeof(*p.in));
	return err;
}
