// SPDX-License-Identifier: MIT
/*
 * A program's BTF: prog_btf_fd with func_info and line_info, checked as
 * Linux 6.18's verifier checks them (check_btf_info_early(),
 * check_btf_func_early(), check_btf_func(), check_btf_line() in
 * kernel/bpf/verifier.c, in behaviour), with their log lines. The early
 * part (record sizes, order, FUNC type ids) runs before the structural
 * check, as in Linux; the part that needs the subprogram layout runs
 * right after it. The program keeps the BTF and the records for
 * bpf_prog_info.
 *
 * When a record has nonzero bytes past the known fields (-E2BIG), the
 * record size Linux expects is left in the attr, and BPF_PROG_LOAD writes
 * it back to the user as Linux does (libbpf retries with it). Checks of
 * global functions' arguments belong to the verifier.
 *
 * Syscall path only; no locks.
 */
#include "btf/btf.h"
#include "core/alloc.h"
#include "core/util.h"
#include "core/vlog.h"
#include "prog_internal.h"

#define FUNCINFO_MIN 8u /* MIN_BPF_FUNCINFO_SIZE */
#define FUNCINFO_MAX 252u /* MAX_FUNCINFO_REC_SIZE */
#define LINEINFO_MIN 16u /* MIN_BPF_LINEINFO_SIZE */
#define LINEINFO_MAX 252u /* MAX_LINEINFO_REC_SIZE */

static const struct kbpf_btf *prog_btf(const struct kbpf_prog *prog)
{
	return kbpf_container_of(prog->btf, struct kbpf_btf, obj);
}

static uint32_t rec_info(const uint8_t *t)
{
	uint32_t v;

	memcpy(&v, t + 4, 4);
	return v;
}

static uint32_t rec_type(const uint8_t *t)
{
	uint32_t v;

	memcpy(&v, t + 8, 4);
	return v;
}

/* Linux's bpf_check_uarg_tail_zero() on one record, then its copy. */
static int copy_rec(const struct kbpf_host *h, void *dst, uint64_t usrc,
		    uint32_t krec, uint32_t urec)
{
	int err = kbpf_check_tail_zero(h, kbpf_u64_to_ptr(usrc), krec, urec);

	if (err)
		return err;
	if (kbpf_copy_from_user(h, dst, kbpf_u64_to_ptr(usrc),
				kbpf_min(krec, urec)))
		return -KBPF_EFAULT;
	return 0;
}

/*
 * The common case of @n records of the size kbpf keeps (@urec == @krec,
 * nothing to check in a tail): one copy of the whole array into @dst
 * instead of one per record (a user copy is a system call in the POSIX
 * host: one per line_info record was most of a real program's load
 * outside the verifier). True if @dst now holds every record. False
 * otherwise, and then the caller copies record by record (copy_rec()),
 * so that a fault in the middle of the array is reported where Linux,
 * which copies one record at a time, reports it: after the checks of
 * the records before it.
 */
static bool copy_all(const struct kbpf_host *h, void *dst, uint64_t usrc,
		     uint32_t n, uint32_t krec, uint32_t urec)
{
	return urec == krec &&
	       !kbpf_copy_from_user(h, dst, kbpf_u64_to_ptr(usrc),
				    (size_t)n * krec);
}

static int func_info_early(struct kbpf_prog *prog, const struct kbpf_host *h,
			   union bpf_attr *attr, struct kbpf_vlog *log)
{
	uint32_t n = attr->func_info_cnt, urec = attr->func_info_rec_size, i;
	uint32_t prev = 0;
	bool all;
	int err;

	if (!n)
		return 0;
	if (urec < FUNCINFO_MIN || urec > FUNCINFO_MAX || urec % 4) {
		kbpf_vlog_printf(log, "invalid func info rec size %u\n", urec);
		return -KBPF_EINVAL;
	}
	/* Linux's kvcalloc() refuses more than INT_MAX bytes. */
	if ((uint64_t)n * sizeof(*prog->func_info) > 0x7fffffffu)
		return -KBPF_ENOMEM;
	prog->func_info =
		kbpf_zalloc(h, (size_t)n * sizeof(*prog->func_info), 0);
	if (!prog->func_info)
		return -KBPF_ENOMEM;
	prog->nr_func_info = n;
	all = copy_all(h, prog->func_info, attr->func_info, n,
		       sizeof(*prog->func_info), urec);
	for (i = 0; i < n; i++) {
		struct bpf_func_info *r = &prog->func_info[i];
		const uint8_t *t;

		err = all ? 0 :
			    copy_rec(h, r, attr->func_info + (uint64_t)i * urec,
				     sizeof(*r), urec);
		if (err) {
			if (err == -KBPF_E2BIG) {
				kbpf_vlog_printf(
					log,
					"nonzero tailing record in func info");
				/* The size Linux expects goes back to the user. */
				attr->func_info_rec_size = sizeof(*r);
			}
			return err;
		}
		if (!i && r->insn_off) {
			kbpf_vlog_printf(
				log,
				"nonzero insn_off %u for the first func info record",
				r->insn_off);
			return -KBPF_EINVAL;
		}
		if (i && r->insn_off <= prev) {
			kbpf_vlog_printf(
				log,
				"same or smaller insn offset (%u) than previous func info record (%u)",
				r->insn_off, prev);
			return -KBPF_EINVAL;
		}
		t = kbpf_btf_obj_type(prog_btf(prog), r->type_id);
		if (!t || BTF_INFO_KIND(rec_info(t)) != BTF_KIND_FUNC) {
			kbpf_vlog_printf(log, "invalid type id %d in func info",
					 (int)r->type_id);
			return -KBPF_EINVAL;
		}
		prev = r->insn_off;
	}
	return 0;
}

int kbpf_prog_btf_info_early(struct kbpf_prog *prog, const struct kbpf_host *h,
			     union bpf_attr *attr, struct kbpf_vlog *log)
{
	struct kbpf_btf *btf;
	int err;

	if (!attr->func_info_cnt && !attr->line_info_cnt)
		return 0;
	err = kbpf_btf_fd_get(h, (int)attr->prog_btf_fd, &btf);
	if (err)
		return err;
	prog->btf = &btf->obj;
	return func_info_early(prog, h, attr, log);
}

/* Subprogram starts (insn 0, call and BPF_PSEUDO_FUNC targets), sorted. */
static uint32_t subprog_starts(const struct kbpf_prog *prog, uint8_t *map)
{
	const struct bpf_insn *in = prog->orig_insns;
	uint32_t i, n = 0;

	map[0] |= 1;
	for (i = 0; i < prog->len; i++) {
		int64_t t = (int64_t)i + in[i].imm + 1;
		bool call = in[i].code == (BPF_JMP | BPF_CALL) &&
			    in[i].src_reg == BPF_PSEUDO_CALL;
		bool func = in[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
			    in[i].src_reg == BPF_PSEUDO_FUNC;

		if ((call || func) && t >= 0 && t < prog->len)
			map[t / 8] |= (uint8_t)(1u << (t % 8));
	}
	for (i = 0; i < prog->len; i++)
		n += (map[i / 8] >> (i % 8)) & 1;
	return n;
}

static bool is_start(const uint8_t *map, uint32_t i)
{
	return (map[i / 8] >> (i % 8)) & 1;
}

/* The @k-th subprogram's start (k < the count). */
static uint32_t nth_start(const struct kbpf_prog *prog, const uint8_t *map,
			  uint32_t k)
{
	uint32_t i;

	for (i = 0; i < prog->len; i++)
		if (is_start(map, i) && !k--)
			return i;
	return prog->len;
}

/* Linux's btf_type_is_small_int() || btf_is_any_enum() after modifiers. */
static bool scalar_return(const struct kbpf_btf *btf, uint32_t proto_id)
{
	const uint8_t *t = kbpf_btf_obj_type(btf, proto_id);
	uint32_t id, kind, depth;

	if (!t)
		return false;
	id = rec_type(t);
	for (depth = 0; depth < 64; depth++) {
		t = kbpf_btf_obj_type(btf, id);
		if (!t)
			return false;
		kind = BTF_INFO_KIND(rec_info(t));
		if (kind != BTF_KIND_TYPEDEF && kind != BTF_KIND_VOLATILE &&
		    kind != BTF_KIND_CONST && kind != BTF_KIND_RESTRICT &&
		    kind != BTF_KIND_TYPE_TAG)
			break;
		id = rec_type(t);
	}
	return (kind == BTF_KIND_INT && rec_type(t) <= 8) ||
	       kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64;
}

/* LD_ABS/LD_IND, tail calls in [@from, @to). */
static void scan_subprog(const struct kbpf_prog *prog, uint32_t from,
			 uint32_t to, bool *ld_abs, bool *tail_call)
{
	const struct bpf_insn *in = prog->orig_insns;
	uint32_t i;

	*ld_abs = *tail_call = false;
	for (i = from; i < to; i++) {
		uint8_t c = in[i].code;

		if (c == (BPF_LD | BPF_ABS | BPF_B) ||
		    c == (BPF_LD | BPF_ABS | BPF_H) ||
		    c == (BPF_LD | BPF_ABS | BPF_W) ||
		    c == (BPF_LD | BPF_IND | BPF_B) ||
		    c == (BPF_LD | BPF_IND | BPF_H) ||
		    c == (BPF_LD | BPF_IND | BPF_W))
			*ld_abs = true;
		if (c == (BPF_JMP | BPF_CALL) && !in[i].src_reg &&
		    in[i].imm == BPF_FUNC_tail_call)
			*tail_call = true;
	}
}

static int func_info_late(struct kbpf_prog *prog, const uint8_t *map,
			  uint32_t nsub, struct kbpf_vlog *log)
{
	const struct kbpf_btf *btf = prog_btf(prog);
	uint32_t i;

	if (!prog->nr_func_info)
		return 0;
	if (prog->nr_func_info != nsub) {
		kbpf_vlog_printf(
			log,
			"number of funcs in func_info doesn't match number of subprogs\n");
		return -KBPF_EINVAL;
	}
	for (i = 0; i < nsub; i++) {
		uint32_t start = nth_start(prog, map, i);
		uint32_t end = i + 1 < nsub ? nth_start(prog, map, i + 1) :
					      prog->len;
		const uint8_t *f;
		bool ld_abs, tail_call, scalar;

		if (start != prog->func_info[i].insn_off) {
			kbpf_vlog_printf(
				log,
				"func_info BTF section doesn't match subprog layout in BPF program\n");
			return -KBPF_EINVAL;
		}
		f = kbpf_btf_obj_type(btf, prog->func_info[i].type_id);
		scalar = scalar_return(btf, rec_type(f));
		scan_subprog(prog, start, end, &ld_abs, &tail_call);
		if (i && !scalar && ld_abs) {
			kbpf_vlog_printf(
				log,
				"LD_ABS is only allowed in functions that return 'int'.\n");
			return -KBPF_EINVAL;
		}
		if (i && !scalar && tail_call) {
			kbpf_vlog_printf(
				log,
				"Tail call is only allowed in functions that return 'int'.\n");
			return -KBPF_EINVAL;
		}
	}
	return 0;
}

static int line_info(struct kbpf_prog *prog, const struct kbpf_host *h,
		     union bpf_attr *attr, const uint8_t *map, uint32_t nsub,
		     struct kbpf_vlog *log)
{
	uint32_t n = attr->line_info_cnt, urec = attr->line_info_rec_size;
	uint32_t i, s = 0, prev = 0;
	const struct kbpf_btf *btf = prog_btf(prog);
	bool all;
	int err;

	if (!n)
		return 0;
	if (n > 0x7fffffffu / sizeof(struct bpf_line_info))
		return -KBPF_EINVAL;
	if (urec < LINEINFO_MIN || urec > LINEINFO_MAX || urec % 4)
		return -KBPF_EINVAL;
	prog->line_info =
		kbpf_zalloc(h, (size_t)n * sizeof(*prog->line_info), 0);
	if (!prog->line_info)
		return -KBPF_ENOMEM;
	prog->nr_line_info = n;
	all = copy_all(h, prog->line_info, attr->line_info, n,
		       sizeof(*prog->line_info), urec);
	for (i = 0; i < n; i++) {
		struct bpf_line_info *l = &prog->line_info[i];
		uint32_t sub;

		err = all ? 0 :
			    copy_rec(h, l, attr->line_info + (uint64_t)i * urec,
				     sizeof(*l), urec);
		if (err) {
			if (err == -KBPF_E2BIG) {
				kbpf_vlog_printf(
					log,
					"nonzero tailing record in line_info");
				attr->line_info_rec_size = sizeof(*l);
			}
			return err;
		}
		if ((i && l->insn_off <= prev) || l->insn_off >= prog->len) {
			kbpf_vlog_printf(
				log,
				"Invalid line_info[%u].insn_off:%u (prev_offset:%u prog->len:%u)\n",
				i, l->insn_off, prev, prog->len);
			return -KBPF_EINVAL;
		}
		if (!prog->orig_insns[l->insn_off].code) {
			kbpf_vlog_printf(
				log,
				"Invalid insn code at line_info[%u].insn_off\n",
				i);
			return -KBPF_EINVAL;
		}
		if (l->line_off >= btf->str_len ||
		    l->file_name_off >= btf->str_len) {
			kbpf_vlog_printf(
				log,
				"Invalid line_info[%u].line_off or .file_name_off\n",
				i);
			return -KBPF_EINVAL;
		}
		if (s != nsub) {
			sub = nth_start(prog, map, s);
			if (l->insn_off == sub) {
				s++;
			} else if (sub < l->insn_off) {
				kbpf_vlog_printf(
					log,
					"missing bpf_line_info for func#%u\n",
					s);
				return -KBPF_EINVAL;
			}
		}
		prev = l->insn_off;
	}
	if (s != nsub) {
		kbpf_vlog_printf(
			log,
			"missing bpf_line_info for %u funcs starting from func#%u\n",
			nsub - s, s);
		return -KBPF_EINVAL;
	}
	return 0;
}

int kbpf_prog_btf_info_late(struct kbpf_prog *prog, const struct kbpf_host *h,
			    union bpf_attr *attr, struct kbpf_vlog *log)
{
	size_t bytes = ((size_t)prog->len + 8) / 8;
	uint8_t *map;
	uint32_t nsub;
	int err;

	if (!prog->btf)
		return 0;
	map = kbpf_zalloc(h, bytes, 0);
	if (!map)
		return -KBPF_ENOMEM;
	nsub = subprog_starts(prog, map);
	err = func_info_late(prog, map, nsub, log);
	if (!err)
		err = line_info(prog, h, attr, map, nsub, log);
	kbpf_free(h, map, bytes);
	return err;
}

void kbpf_prog_btf_info_free(struct kbpf_prog *prog)
{
	const struct kbpf_host *h = prog->obj.host;

	kbpf_free(h, prog->func_info,
		  (size_t)prog->nr_func_info * sizeof(*prog->func_info));
	kbpf_free(h, prog->line_info,
		  (size_t)prog->nr_line_info * sizeof(*prog->line_info));
	if (prog->btf)
		kbpf_obj_put(prog->btf);
	prog->func_info = NULL;
	prog->line_info = NULL;
	prog->btf = NULL;
}
