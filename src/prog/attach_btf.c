// SPDX-License-Identifier: MIT
/*
 * BTF-based attachment of tracing programs (BPF_PROG_TYPE_TRACING) to the
 * host's BTF (kbpf_host.btf): Linux's bpf_check_attach_target() checks for
 * tp_btf programs (expected attach type BPF_TRACE_RAW_TP), with its log
 * lines. attach_btf_id names a typedef "btf_trace_<tracepoint>" whose type
 * is a pointer to the tracepoint's prototype (void *__data, args...); the
 * program then attaches to the raw tracepoint <tracepoint> and sees its
 * arguments as a u64 array, as raw tracepoint programs do.
 *
 * fentry and fexit programs (BPF_TRACE_FENTRY/FEXIT) name a function
 * (BTF_KIND_FUNC) instead. kbpf has no trampolines; the host offers the
 * function's entry or exit as a raw tracepoint of its registry named
 * "fentry/<function>" or "fexit/<function>" that it fires with the
 * arguments (and, at exit, the return value after them), and the program
 * attaches there. fmod_ret, iterators and the other BTF attach types are
 * refused with a log line saying so.
 *
 * The host BTF is not trusted to be well formed: src/btf validates its
 * header and every record's length once, when it first parses it for the
 * host (src/btf/host_btf.c), and lookups check ids.
 */
#include "prog_internal.h"
#include "kbpf/raw_tp.h"
#include "btf/btf.h"

/* The host's BTF: parsed and indexed once per host (src/btf/host_btf.c). */
#define hbtf kbpf_btf_view

static const char *hbtf_name(const struct hbtf *b, const uint8_t *t)
{
	const char *n = kbpf_btf_name(b, t);

	return n ? n : "";
}

/* fentry/fexit: @t must be a function with a prototype. */
static int attach_func(struct kbpf_prog *prog, const struct hbtf *b,
		       const uint8_t *t, const union bpf_attr *attr,
		       struct kbpf_vlog *log)
{
	const char *kind = attr->expected_attach_type == BPF_TRACE_FENTRY ?
				   "fentry/" :
				   "fexit/";
	const uint32_t id = attr->attach_btf_id;
	const char *name = hbtf_name(b, t);
	const uint8_t *proto;
	size_t k, n;

	if (kbpf_btf_kind(b, t) != BTF_KIND_FUNC) {
		kbpf_vlog_printf(log, "attach_btf_id %u is not a function\n",
				 id);
		return -KBPF_EINVAL;
	}
	proto = kbpf_btf_type(b, kbpf_btf_st(b, t));
	if (!proto || kbpf_btf_kind(b, proto) != BTF_KIND_FUNC_PROTO) {
		kbpf_vlog_printf(log, "attach_btf_id %u is not a function\n",
				 id);
		return -KBPF_EINVAL;
	}
	if (kbpf_btf_vlen(b, proto) > KBPF_RAW_TP_MAX_ARGS - 1) {
		kbpf_vlog_printf(
			log, "The function %s has %u arguments. Too many.\n",
			name, kbpf_btf_vlen(b, proto));
		return -KBPF_E2BIG;
	}
	for (k = 0; kind[k]; k++)
		;
	for (n = 0; name[n]; n++)
		;
	if (!n || k + n >= sizeof(prog->attach_name))
		return -KBPF_EINVAL;
	memcpy(prog->attach_name, kind, k);
	memcpy(prog->attach_name + k, name, n + 1);
	prog->attach_btf_id = id;
	/* fexit programs also see the return value, after the arguments. */
	prog->attach_nargs = kbpf_btf_vlen(b, proto) +
			     (attr->expected_attach_type == BPF_TRACE_FEXIT);
	return 0;
}

/* The attach target @id of @b, a valid host BTF. */
static int attach_target(struct kbpf_prog *prog, const struct hbtf *b,
			 const union bpf_attr *attr, struct kbpf_vlog *log)
{
	static const char prefix[] = "btf_trace_";
	const uint32_t id = attr->attach_btf_id;
	const uint8_t *t;
	const char *name;
	size_t i, len;

	if (!(t = kbpf_btf_type(b, id)))
		return -KBPF_EINVAL;
	if (attr->expected_attach_type != BPF_TRACE_RAW_TP)
		return attach_func(prog, b, t, attr, log);
	if (kbpf_btf_kind(b, t) != BTF_KIND_TYPEDEF) {
		kbpf_vlog_printf(log, "attach_btf_id %u is not a typedef\n",
				 id);
		return -KBPF_EINVAL;
	}
	name = hbtf_name(b, t);
	for (i = 0; i < sizeof(prefix) - 1; i++) {
		if (name[i] != prefix[i]) {
			kbpf_vlog_printf(
				log,
				"attach_btf_id %u points to wrong type name %s\n",
				id, name);
			return -KBPF_EINVAL;
		}
	}
	name += sizeof(prefix) - 1;
	t = kbpf_btf_type(b, kbpf_btf_st(b, t));
	if (!t || kbpf_btf_kind(b, t) != BTF_KIND_PTR)
		return -KBPF_EINVAL;
	t = kbpf_btf_type(b, kbpf_btf_st(b, t));
	if (!t || kbpf_btf_kind(b, t) != BTF_KIND_FUNC_PROTO ||
	    !kbpf_btf_vlen(b, t))
		return -KBPF_EINVAL;
	for (len = 0; name[len]; len++)
		;
	if (len >= sizeof(prog->attach_name))
		return -KBPF_EINVAL;
	memcpy(prog->attach_name, name, len + 1);
	prog->attach_btf_id = id;
	/* The first parameter is the tracepoint's private data pointer. */
	prog->attach_nargs = kbpf_btf_vlen(b, t) - 1;
	return 0;
}

int kbpf_prog_attach_btf(struct kbpf_prog *prog, const struct kbpf_host *h,
			 const union bpf_attr *attr, struct kbpf_vlog *log)
{
	struct kbpf_host_btf *hb;
	int err;

	if (attr->expected_attach_type != BPF_TRACE_RAW_TP &&
	    attr->expected_attach_type != BPF_TRACE_FENTRY &&
	    attr->expected_attach_type != BPF_TRACE_FEXIT) {
		kbpf_vlog_printf(
			log,
			"kbpf: tracing programs attach as tp_btf, fentry or fexit only, not attach type %u\n",
			attr->expected_attach_type);
		return -KBPF_EINVAL;
	}
	if (!attr->attach_btf_id) {
		kbpf_vlog_printf(log, "Tracing programs must provide btf_id\n");
		return -KBPF_EINVAL;
	}
	/* No host BTF, or not valid: -EINVAL; out of memory: -ENOMEM. */
	err = kbpf_host_btf_get(h, &hb);
	if (err)
		return err;
	err = attach_target(prog, &hb->view, attr, log);
	kbpf_host_btf_put(h, hb);
	return err;
}
