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
 * The host BTF is trusted to be well formed only as far as each record is
 * checked before use: lookups walk the type area with bounds checks.
 */
#include "prog_internal.h"
#include "kbpf/raw_tp.h"
#include "kbpf/uapi/btf.h"

#define BTF_HDR 24
#define BTF_REC 12

struct hbtf {
	const uint8_t *types;
	uint32_t types_len;
	const char *strs;
	uint32_t strs_len;
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static int64_t rec_extra(uint32_t kind, uint32_t vlen)
{
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return 12;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_DATASEC:
	case BTF_KIND_ENUM64:
		return 12LL * vlen;
	case BTF_KIND_ENUM:
	case BTF_KIND_FUNC_PROTO:
		return 8LL * vlen;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	default:
		return -1;
	}
}

/* The host BTF's areas (native byte order), or -EINVAL. */
static int hbtf_open(const struct kbpf_host *h, struct hbtf *b)
{
	const uint8_t *d = h->btf;
	uint32_t hdr, to, tl, so, sl;

	if (!d || h->btf_size < BTF_HDR || rd32(d) != (BTF_MAGIC | 1u << 16))
		return -KBPF_EINVAL;
	hdr = rd32(d + 4);
	to = rd32(d + 8);
	tl = rd32(d + 12);
	so = rd32(d + 16);
	sl = rd32(d + 20);
	if (hdr < BTF_HDR || hdr > h->btf_size ||
	    (uint64_t)to + tl > h->btf_size - hdr ||
	    (uint64_t)so + sl > h->btf_size - hdr || !sl ||
	    d[hdr + so + sl - 1])
		return -KBPF_EINVAL;
	b->types = d + hdr + to;
	b->types_len = tl;
	b->strs = (const char *)d + hdr + so;
	b->strs_len = sl;
	return 0;
}

/* The record of type @id, or NULL (id 0, past the end, or malformed). */
static const uint8_t *hbtf_type(const struct hbtf *b, uint32_t id)
{
	uint32_t pos = 0, n;

	if (!id)
		return NULL;
	for (n = 1; pos + BTF_REC <= b->types_len; n++) {
		uint32_t info = rd32(b->types + pos + 4);
		int64_t extra =
			rec_extra(BTF_INFO_KIND(info), BTF_INFO_VLEN(info));

		if (extra < 0 || (uint64_t)extra > b->types_len - pos - BTF_REC)
			return NULL;
		if (n == id)
			return b->types + pos;
		pos += BTF_REC + (uint32_t)extra;
	}
	return NULL;
}

static const char *hbtf_name(const struct hbtf *b, const uint8_t *t)
{
	uint32_t off = rd32(t);

	return off < b->strs_len ? b->strs + off : "";
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

	if (BTF_INFO_KIND(rd32(t + 4)) != BTF_KIND_FUNC) {
		kbpf_vlog_printf(log, "attach_btf_id %u is not a function\n",
				 id);
		return -KBPF_EINVAL;
	}
	proto = hbtf_type(b, rd32(t + 8));
	if (!proto || BTF_INFO_KIND(rd32(proto + 4)) != BTF_KIND_FUNC_PROTO) {
		kbpf_vlog_printf(log, "attach_btf_id %u is not a function\n",
				 id);
		return -KBPF_EINVAL;
	}
	if (BTF_INFO_VLEN(rd32(proto + 4)) > KBPF_RAW_TP_MAX_ARGS - 1) {
		kbpf_vlog_printf(
			log, "The function %s has %u arguments. Too many.\n",
			name, BTF_INFO_VLEN(rd32(proto + 4)));
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
	prog->attach_nargs = BTF_INFO_VLEN(rd32(proto + 4)) +
			     (attr->expected_attach_type == BPF_TRACE_FEXIT);
	return 0;
}

int kbpf_prog_attach_btf(struct kbpf_prog *prog, const struct kbpf_host *h,
			 const union bpf_attr *attr, struct kbpf_vlog *log)
{
	static const char prefix[] = "btf_trace_";
	const uint32_t id = attr->attach_btf_id;
	const uint8_t *t;
	const char *name;
	struct hbtf b;
	size_t i, len;

	if (attr->expected_attach_type != BPF_TRACE_RAW_TP &&
	    attr->expected_attach_type != BPF_TRACE_FENTRY &&
	    attr->expected_attach_type != BPF_TRACE_FEXIT) {
		kbpf_vlog_printf(
			log,
			"kbpf: tracing programs attach as tp_btf, fentry or fexit only, not attach type %u\n",
			attr->expected_attach_type);
		return -KBPF_EINVAL;
	}
	if (!id) {
		kbpf_vlog_printf(log, "Tracing programs must provide btf_id\n");
		return -KBPF_EINVAL;
	}
	if (hbtf_open(h, &b) || !(t = hbtf_type(&b, id)))
		return -KBPF_EINVAL;
	if (attr->expected_attach_type != BPF_TRACE_RAW_TP)
		return attach_func(prog, &b, t, attr, log);
	if (BTF_INFO_KIND(rd32(t + 4)) != BTF_KIND_TYPEDEF) {
		kbpf_vlog_printf(log, "attach_btf_id %u is not a typedef\n",
				 id);
		return -KBPF_EINVAL;
	}
	name = hbtf_name(&b, t);
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
	t = hbtf_type(&b, rd32(t + 8));
	if (!t || BTF_INFO_KIND(rd32(t + 4)) != BTF_KIND_PTR)
		return -KBPF_EINVAL;
	t = hbtf_type(&b, rd32(t + 8));
	if (!t || BTF_INFO_KIND(rd32(t + 4)) != BTF_KIND_FUNC_PROTO ||
	    !BTF_INFO_VLEN(rd32(t + 4)))
		return -KBPF_EINVAL;
	for (len = 0; name[len]; len++)
		;
	if (len >= sizeof(prog->attach_name))
		return -KBPF_EINVAL;
	memcpy(prog->attach_name, name, len + 1);
	prog->attach_btf_id = id;
	/* The first parameter is the tracepoint's private data pointer. */
	prog->attach_nargs = BTF_INFO_VLEN(rd32(t + 4)) - 1;
	return 0;
}
