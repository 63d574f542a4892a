// SPDX-License-Identifier: MIT
/*
 * Kfunc calls at load (BPF_PSEUDO_KFUNC_CALL): Linux 6.18's
 * add_kfunc_call(), which runs over the instructions before the CFG
 * check. Each distinct callee (the imm, a FUNC id of the host BTF; off 0:
 * vmlinux, off > 0: a module BTF of fd_array, which kbpf does not have)
 * gets one struct kbpf_kfunc_desc in prog->kfuncs: its prototype's id and
 * the implementation found by its name (kbpf_kfunc_find()). Whether a
 * program may call it, and with what, is the verifier's
 * (src/verifier/kfunc.c), when a path reaches the call, as in Linux.
 *
 * The host BTF is parsed without an index (no allocation): finding one
 * id walks the type area, once per distinct callee.
 */
#include "prog_internal.h"
#include "btf/btf.h"

/* Linux's MAX_KFUNC_DESCS: distinct kfuncs one program may call. */
#define KF_MAX_DESCS 256

static uint32_t kf_count_calls(const struct kbpf_prog *prog)
{
	uint32_t i, n = 0;

	for (i = 0; i < prog->len; i++)
		if (prog->insns[i].code == (BPF_JMP | BPF_CALL) &&
		    prog->insns[i].src_reg == BPF_PSEUDO_KFUNC_CALL)
			n++;
	return n;
}

int kbpf_prog_kfunc_add(struct kbpf_prog *prog, const struct kbpf_host *h,
			const union bpf_attr *attr, const struct bpf_insn *insn,
			struct kbpf_vlog *log)
{
	uint32_t id = (uint32_t)insn->imm, i, cap;
	struct kbpf_kfunc_desc *d;
	struct kbpf_btf_view b;
	const uint8_t *t, *proto;
	const char *name;
	int err;

	/* Linux: imm 0 is left for its dead-code pass (the verifier's). */
	if (!id && !insn->off)
		return 0;
	if (!prog->gpl_compatible) {
		kbpf_vlog_printf(
			log,
			"cannot call kernel function from non-GPL compatible program\n");
		return -KBPF_EINVAL;
	}
	if (insn->off < 0) {
		kbpf_vlog_printf(
			log,
			"negative offset disallowed for kernel module function call\n");
		kbpf_vlog_printf(log,
				 "failed to find BTF for kernel function\n");
		return -KBPF_EINVAL;
	}
	if (insn->off > 0) {
		/* Linux reads fd_array[off]: a module's BTF, which kbpf has not. */
		if (!attr->fd_array) {
			kbpf_vlog_printf(
				log,
				"kfunc offset > 0 without fd_array is invalid\n");
			kbpf_vlog_printf(
				log,
				"failed to find BTF for kernel function\n");
			return -KBPF_EPROTO;
		}
		kbpf_vlog_printf(
			log,
			"kbpf: kfuncs of module BTF (fd_array) are not supported\n");
		kbpf_vlog_printf(log,
				 "failed to find BTF for kernel function\n");
		return -KBPF_EINVAL;
	}
	if (!h->btf || h->btf_size < 4 || ((const uint8_t *)h->btf)[3]) {
		kbpf_vlog_printf(
			log,
			"calling kernel function is not supported without CONFIG_DEBUG_INFO_BTF\n");
		return -KBPF_ENOTSUPP;
	}
	for (i = 0; i < prog->nr_kfuncs; i++)
		if (prog->kfuncs[i].btf_id == id)
			return 0;
	if (prog->nr_kfuncs == KF_MAX_DESCS) {
		kbpf_vlog_printf(log,
				 "too many different kernel function calls\n");
		return -KBPF_E2BIG;
	}
	if (!prog->kfuncs) {
		cap = kf_count_calls(prog);
		if (cap > KF_MAX_DESCS)
			cap = KF_MAX_DESCS;
		prog->kfuncs = kbpf_zalloc(h, cap * sizeof(*prog->kfuncs), 0);
		if (!prog->kfuncs)
			return -KBPF_ENOMEM;
		prog->kfuncs_cap = cap;
	}
	err = kbpf_btf_parse(&b, NULL, h->btf, h->btf_size, KBPF_BTF_F_NATIVE,
			     NULL);
	if (err) {
		kbpf_vlog_printf(
			log,
			"calling kernel function is not supported without CONFIG_DEBUG_INFO_BTF\n");
		return -KBPF_ENOTSUPP;
	}
	t = id ? kbpf_btf_type(&b, id) : NULL;
	if (!t || kbpf_btf_kind(&b, t) != BTF_KIND_FUNC) {
		kbpf_vlog_printf(log, "kernel btf_id %u is not a function\n",
				 id);
		return -KBPF_EINVAL;
	}
	name = kbpf_btf_name(&b, t);
	if (!name)
		name = "";
	proto = kbpf_btf_type(&b, kbpf_btf_st(&b, t));
	if (!proto || kbpf_btf_kind(&b, proto) != BTF_KIND_FUNC_PROTO) {
		kbpf_vlog_printf(
			log,
			"kernel function %s does not have a valid func_proto\n",
			name);
		return -KBPF_EINVAL;
	}
	d = &prog->kfuncs[prog->nr_kfuncs++];
	d->btf_id = id;
	d->proto_id = kbpf_btf_st(&b, t);
	/* The host BTF outlives every program: its names can be kept. */
	d->h.name = name;
	d->kf = kbpf_kfunc_find(h, name);
	d->h.fn = d->kf ? d->kf->fn : NULL;
	d->h.ret = KBPF_RET_INTEGER;
	return 0;
}

void kbpf_prog_kfunc_free(struct kbpf_prog *prog)
{
	kbpf_free(prog->obj.host, prog->kfuncs,
		  prog->kfuncs_cap * sizeof(*prog->kfuncs));
	prog->kfuncs = NULL;
	prog->nr_kfuncs = prog->kfuncs_cap = 0;
}
