// SPDX-License-Identifier: MIT
/*
 * BPF_OBJ_GET_INFO_BY_FD: the info structure of whatever object the fd
 * names, with Linux's info_len rules: bytes the user passes beyond the
 * structure kbpf knows must be zero (-E2BIG), at most min(info_len,
 * sizeof(info)) bytes are written, and the length written goes back into
 * attr->info.info_len.
 */
#include "core/alloc.h"
#include "core/priv.h"
#include "jit/jit_prog.h"
#include "jit/spec.h"
#include "sys.h"

static long obj_info_map(const struct kbpf_host *h, struct kbpf_map *map,
			 union bpf_attr *attr, void *uattr)
{
	struct bpf_map_info info;
	void *uinfo = kbpf_u64_to_ptr(attr->info.info);
	uint32_t len = attr->info.info_len;
	int err;

	err = kbpf_check_tail_zero(h, uinfo, sizeof(info), len);
	if (err)
		return err;
	len = (uint32_t)kbpf_min((size_t)len, sizeof(info));
	kbpf_map_get_info(map, &info);
	if (kbpf_copy_to_user(h, uinfo, &info, len) ||
	    kbpf_copy_to_user(h,
			      (void *)((uintptr_t)uattr +
				       offsetof(union bpf_attr, info.info_len)),
			      &len, sizeof(len)))
		return -KBPF_EFAULT;
	return 0;
}

static bool xl_is_pseudo_call(const struct bpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_CALL) &&
	       in->src_reg == BPF_PSEUDO_CALL;
}

/*
 * Subprograms start at instruction 0 and at every bpf-to-bpf call target
 * and BPF_PSEUDO_FUNC address (the load checked them all in range): a bit
 * per instruction in @starts.
 */
static void xl_mark_starts(const struct bpf_insn *insns, uint32_t len,
			   uint8_t *starts)
{
	for (uint32_t i = 0; i < len; i++) {
		const struct bpf_insn *in = &insns[i];
		int64_t t = (int64_t)i + in->imm + 1;

		if ((xl_is_pseudo_call(in) ||
		     (in->code == (BPF_LD | BPF_IMM | BPF_DW) &&
		      in->src_reg == BPF_PSEUDO_FUNC)) &&
		    t >= 0 && t < len)
			starts[t / 8] |= (uint8_t)(1u << (t % 8));
	}
}

/* The subprogram starting at @t: its index, main being 0. */
static int32_t xl_subprog_index(const uint8_t *starts, uint32_t t)
{
	int32_t n = 0;

	for (uint32_t j = 1; j <= t; j++)
		n += (starts[j / 8] >> (j % 8)) & 1;
	return n;
}

/*
 * The instructions bpf_prog_info.xlated_prog_insns shows, as Linux prepares
 * them for a dump: the code kbpf runs, with each map reference of an
 * ld_imm64 (kbpf keeps the map's address, or the value's) turned back into
 * src_reg BPF_PSEUDO_MAP_FD with the map's id in imm, or BPF_PSEUDO_MAP_VALUE
 * with the id and the offset in the second half's imm; each bpf-to-bpf
 * call with the callee's subprogram index in imm and its relative offset
 * in off, as Linux leaves it after splitting a program into functions
 * (measured on the kernel; the offset is truncated to 16 bits there too).
 * Helper calls keep the helper's id (Linux shows the kernel function's
 * address there); probe loads as BPF_MEM and BPF_MEMSX loads. Written an instruction (or an ld_imm64 pair) at a time:
 * the first @ulen bytes at @udst. Only a program with subprograms
 * allocates (the map of their starts); -ENOMEM then, as Linux's copy of
 * the code can fail.
 */
/*
 * A program proved for a loader without CAP_PERFMON shows rewritten against
 * speculation, as Linux's xlated code does (src/jit/spec.h): its
 * instructions into *@out (kbpf memory of *@out_size bytes, the caller
 * frees it) and, if @map_out, where each loaded instruction went (len + 1
 * entries, the caller frees them with kbpf_free()). 0; -ENOMEM; -EFAULT
 * if the rewrite cannot be written (a jump it pushes past 16 bits).
 */
static int xl_spec(const struct kbpf_host *h, const struct kbpf_prog *prog,
		   struct bpf_insn **out, size_t *out_size, uint32_t **map_out)
{
	size_t map_size = ((size_t)prog->len + 1) * sizeof(uint32_t);
	uint32_t *map = kbpf_malloc(h, map_size, 0);
	int err;

	*out_size =
		(size_t)kbpf_jit_spec_len(prog->insns, prog->len, prog->spec) *
		sizeof(**out);
	*out = kbpf_malloc(h, *out_size, 0);
	if (!map || !*out) {
		kbpf_free(h, map, map_size);
		kbpf_free(h, *out, *out_size);
		*out = NULL;
		return -KBPF_ENOMEM;
	}
	err = kbpf_jit_spec_rewrite(prog->insns, prog->len, prog->spec, *out,
				    map);
	if (err) {
		kbpf_free(h, map, map_size);
		kbpf_free(h, *out, *out_size);
		*out = NULL;
		return -KBPF_EFAULT;
	}
	if (map_out)
		*map_out = map;
	else
		kbpf_free(h, map, map_size);
	return 0;
}

static int prog_xlated_dump(const struct kbpf_host *h, struct kbpf_prog *prog,
			    void *udst, uint32_t ulen)
{
	uint32_t i, m, n, nr_maps = kbpf_prog_nr_maps(prog);
	const struct bpf_insn *insns = prog->insns;
	uint32_t len = prog->len;
	size_t done = 0, bytes, spec_size = 0;
	struct bpf_insn *spec = NULL;
	uint8_t *starts = NULL;
	int err = 0;

	if (prog->spec) {
		err = xl_spec(h, prog, &spec, &spec_size, NULL);
		if (err)
			return err;
		insns = spec;
		len = (uint32_t)(spec_size / sizeof(*spec));
	}
	bytes = len / 8 + 1;

	for (i = 0; i < len && !starts; i++) {
		if (!xl_is_pseudo_call(&insns[i]))
			continue;
		starts = kbpf_zalloc(h, bytes, 0);
		if (!starts) {
			kbpf_free(h, spec, spec_size);
			return -KBPF_ENOMEM;
		}
		xl_mark_starts(insns, len, starts);
	}
	for (i = 0; i < len && done < ulen; i += n) {
		struct bpf_insn insn[2];
		uint64_t addr = 0, base;

		n = 1;
		insn[0] = insns[i];
		/* Probe loads show as the loads they were, as in Linux. */
		if (BPF_CLASS(insn[0].code) == BPF_LDX &&
		    (BPF_MODE(insn[0].code) == KBPF_PROBE_MEM ||
		     BPF_MODE(insn[0].code) == KBPF_PROBE_MEMSX))
			insn[0].code =
				(uint8_t)(BPF_LDX | BPF_SIZE(insn[0].code) |
					  (BPF_MODE(insn[0].code) ==
							   KBPF_PROBE_MEM ?
						   BPF_MEM :
						   BPF_MEMSX));
		if (starts && xl_is_pseudo_call(insn)) {
			int32_t rel = insn[0].imm;

			insn[0].imm = xl_subprog_index(
				starts, (uint32_t)((int64_t)i + rel + 1));
			insn[0].off = (int16_t)rel; /* truncated, as Linux's */
		}
		if (insn[0].code == (BPF_LD | BPF_IMM | BPF_DW) &&
		    i + 1 < len) {
			n = 2;
			insn[1] = insns[i + 1];
			addr = (uint32_t)insn[0].imm |
			       (uint64_t)(uint32_t)insn[1].imm << 32;
		}
		for (m = 0; n == 2 && m < nr_maps; m++) {
			struct kbpf_map *map = prog->maps[m];

			if (insn->src_reg == BPF_PSEUDO_MAP_FD ||
			    insn->src_reg == BPF_PSEUDO_MAP_IDX) {
				if (addr != (uint64_t)(uintptr_t)map)
					continue;
				insn[0].src_reg = BPF_PSEUDO_MAP_FD;
				insn[0].imm = (int32_t)map->obj.id;
				insn[1].imm = 0;
				break;
			}
			if ((insn->src_reg == BPF_PSEUDO_MAP_VALUE ||
			     insn->src_reg == BPF_PSEUDO_MAP_IDX_VALUE) &&
			    map->ops->direct_value_addr &&
			    !map->ops->direct_value_addr(map, &base, 0) &&
			    addr >= base && addr - base < map->value_size) {
				insn[0].src_reg = BPF_PSEUDO_MAP_VALUE;
				insn[0].imm = (int32_t)map->obj.id;
				insn[1].imm = (int32_t)(addr - base);
				break;
			}
		}
		/* As an integer: @udst may be NULL (then -EFAULT). */
		if (kbpf_copy_to_user(h, (void *)((uintptr_t)udst + done), insn,
				      kbpf_min(n * sizeof(insn[0]),
					       (size_t)ulen - done))) {
			err = -KBPF_EFAULT;
			break;
		}
		done += n * sizeof(insn[0]);
	}
	if (starts)
		kbpf_free(h, starts, bytes);
	kbpf_free(h, spec, spec_size);
	return err;
}

/*
 * The program's BTF in bpf_prog_info, as Linux fills it: record sizes the
 * user names must be Linux's (-EINVAL), then as many func_info and
 * line_info records as the user has room for; kbpf has no JIT, so no
 * jited line info.
 */
static int obj_info_prog_btf(const struct kbpf_host *h,
			     const struct kbpf_prog *prog,
			     const struct bpf_prog_info *uin,
			     struct bpf_prog_info *info)
{
	uint32_t n;

	if ((uin->nr_func_info || uin->func_info_rec_size) &&
	    uin->func_info_rec_size != sizeof(struct bpf_func_info))
		return -KBPF_EINVAL;
	if ((uin->nr_line_info || uin->line_info_rec_size) &&
	    uin->line_info_rec_size != sizeof(struct bpf_line_info))
		return -KBPF_EINVAL;
	if ((uin->nr_jited_line_info || uin->jited_line_info_rec_size) &&
	    uin->jited_line_info_rec_size != sizeof(uint64_t))
		return -KBPF_EINVAL;
	info->btf_id = prog->btf ? prog->btf->id : 0;
	info->func_info_rec_size = sizeof(struct bpf_func_info);
	info->line_info_rec_size = sizeof(struct bpf_line_info);
	info->jited_line_info_rec_size = sizeof(uint64_t);
	info->func_info = uin->func_info;
	info->line_info = uin->line_info;
	info->jited_line_info = uin->jited_line_info;
	info->nr_func_info = prog->nr_func_info;
	n = kbpf_min(uin->nr_func_info, prog->nr_func_info);
	if (n && kbpf_copy_to_user(h, kbpf_u64_to_ptr(uin->func_info),
				   prog->func_info,
				   (size_t)n * sizeof(*prog->func_info)))
		return -KBPF_EFAULT;
	info->nr_line_info = prog->nr_line_info;
	n = kbpf_min(uin->nr_line_info, prog->nr_line_info);
	if (n && kbpf_copy_to_user(h, kbpf_u64_to_ptr(uin->line_info),
				   prog->line_info,
				   (size_t)n * sizeof(*prog->line_info)))
		return -KBPF_EFAULT;
	return 0;
}

/*
 * The native code in bpf_prog_info, by Linux's rules: jited_prog_len is
 * the functions' code (kbpf's entry stub and abort path, shared by the
 * functions, are not counted), nr_jited_ksyms and nr_jited_func_lens one
 * per function; as many bytes, addresses and lengths as the user has room
 * for, and only for a caller Linux's bpf_dump_raw_ok() would let see
 * kernel addresses (kbpf: perfmon_capable()); for others the counts stay
 * and the pointers come back 0. A caller without bpf_capable() gets no
 * counts at all. Programs without native code report none (kbpf's
 * interpreter has no kernel symbol to show).
 */
static int obj_info_prog_jited(const struct kbpf_host *h,
			       const struct kbpf_prog *prog,
			       const struct bpf_prog_info *uin,
			       struct bpf_prog_info *info)
{
	const struct kbpf_jit_image *img = kbpf_jit_image(prog);
	bool raw_ok = kbpf_priv_has(h, KBPF_PRIV_PERFMON);
	uint32_t i, n, start;

	info->jited_prog_insns = uin->jited_prog_insns;
	info->jited_ksyms = uin->jited_ksyms;
	info->jited_func_lens = uin->jited_func_lens;
	if (!img || !kbpf_priv_has(h, KBPF_PRIV_BPF)) {
		info->jited_prog_len = 0;
		info->nr_jited_ksyms = 0;
		info->nr_jited_func_lens = 0;
		return 0;
	}
	start = img->insn_off[img->func_pc[0]];
	info->jited_prog_len = img->insn_off[img->nr_insns] - start;
	info->nr_jited_ksyms = img->nr_funcs;
	info->nr_jited_func_lens = img->nr_funcs;
	if (info->jited_prog_len && uin->jited_prog_len) {
		if (!raw_ok)
			info->jited_prog_insns = 0;
		else if (kbpf_copy_to_user(
				 h, kbpf_u64_to_ptr(uin->jited_prog_insns),
				 img->code + start,
				 kbpf_min(info->jited_prog_len,
					  uin->jited_prog_len)))
			return -KBPF_EFAULT;
	}
	if (uin->nr_jited_ksyms) {
		if (!raw_ok)
			info->jited_ksyms = 0;
		n = kbpf_min(img->nr_funcs, uin->nr_jited_ksyms);
		for (i = 0; raw_ok && i < n; i++) {
			uint64_t a =
				(uint64_t)(uintptr_t)(img->code +
						      img->insn_off
							      [img->func_pc[i]]);

			if (kbpf_copy_to_user(h,
					      (uint64_t *)kbpf_u64_to_ptr(
						      uin->jited_ksyms) +
						      i,
					      &a, sizeof(a)))
				return -KBPF_EFAULT;
		}
	}
	if (uin->nr_jited_func_lens) {
		if (!raw_ok)
			info->jited_func_lens = 0;
		n = kbpf_min(img->nr_funcs, uin->nr_jited_func_lens);
		for (i = 0; raw_ok && i < n; i++) {
			uint32_t l = kbpf_jit_func_len(img, i);

			if (kbpf_copy_to_user(h,
					      (uint32_t *)kbpf_u64_to_ptr(
						      uin->jited_func_lens) +
						      i,
					      &l, sizeof(l)))
				return -KBPF_EFAULT;
		}
	}
	return 0;
}

static long obj_info_prog(const struct kbpf_host *h, struct kbpf_prog *prog,
			  union bpf_attr *attr, void *uattr)
{
	struct bpf_prog_info info, uin;
	void *uinfo = kbpf_u64_to_ptr(attr->info.info);
	uint32_t len = attr->info.info_len, i, n, nr_maps;
	uint64_t cnt, nsecs, misses;
	int err;

	err = kbpf_check_tail_zero(h, uinfo, sizeof(info), len);
	if (err)
		return err;
	len = (uint32_t)kbpf_min((size_t)len, sizeof(info));
	memset(&uin, 0, sizeof(uin));
	if (kbpf_copy_from_user(h, &uin, uinfo, len))
		return -KBPF_EFAULT;
	kbpf_prog_get_info(prog, &info);
	/* BPF_PROG_BIND_MAP may be adding maps: one consistent count. */
	nr_maps = kbpf_prog_nr_maps(prog);
	info.nr_map_ids = nr_maps;
	kbpf_prog_stats_read(prog, &cnt, &nsecs, &misses);
	info.run_cnt = cnt;
	info.run_time_ns = nsecs;
	info.recursion_misses = misses;
	/* map_ids: as many as the user has room for. */
	n = kbpf_min(uin.nr_map_ids, nr_maps);
	for (i = 0; i < n; i++) {
		uint32_t id = prog->maps[i]->obj.id;

		if (kbpf_copy_to_user(
			    h, (uint32_t *)kbpf_u64_to_ptr(uin.map_ids) + i,
			    &id, sizeof(id)))
			return -KBPF_EFAULT;
	}
	info.map_ids = uin.map_ids;
	err = obj_info_prog_btf(h, prog, &uin, &info);
	if (err)
		return err;
	/* Linux shows the code's size only to a bpf_capable() caller. */
	if (!kbpf_priv_has(h, KBPF_PRIV_BPF))
		info.xlated_prog_len = 0;
	/* The code itself, as much as the user has room for. */
	info.xlated_prog_insns = uin.xlated_prog_insns;
	if (info.xlated_prog_len && uin.xlated_prog_len) {
		err = prog_xlated_dump(
			h, prog, kbpf_u64_to_ptr(uin.xlated_prog_insns),
			kbpf_min(info.xlated_prog_len, uin.xlated_prog_len));
		if (err)
			return err;
	}
	err = obj_info_prog_jited(h, prog, &uin, &info);
	if (err)
		return err;
	if (kbpf_copy_to_user(h, uinfo, &info, len) ||
	    kbpf_copy_to_user(h,
			      (void *)((uintptr_t)uattr +
				       offsetof(union bpf_attr, info.info_len)),
			      &len, sizeof(len)))
		return -KBPF_EFAULT;
	return 0;
}

static long obj_info_link(const struct kbpf_host *h, struct kbpf_obj *link,
			  union bpf_attr *attr, void *uattr)
{
	struct bpf_link_info info;
	void *uinfo = kbpf_u64_to_ptr(attr->info.info);
	uint32_t len = attr->info.info_len;
	long err;

	err = kbpf_check_tail_zero(h, uinfo, sizeof(info), len);
	if (err)
		return err;
	len = (uint32_t)kbpf_min((size_t)len, sizeof(info));
	memset(&info, 0, sizeof(info));
	if (kbpf_copy_from_user(h, &info, uinfo, len))
		return -KBPF_EFAULT;
	/* On error nothing is written back, as Linux does. */
	err = kbpf_cgroup_link_is(link) ?
		      kbpf_cgroup_link_fill_info(h, link, &info) :
		      kbpf_link_fill_info(h, link, &info);
	if (err)
		return err;
	if (kbpf_copy_to_user(h, uinfo, &info, len) ||
	    kbpf_copy_to_user(h,
			      (void *)((uintptr_t)uattr +
				       offsetof(union bpf_attr, info.info_len)),
			      &len, sizeof(len)))
		return -KBPF_EFAULT;
	return 0;
}

/* Called from syscall */
long kbpf_sys_obj_get_info_by_fd(const struct kbpf_host *h,
				 union bpf_attr *attr, void *uattr,
				 unsigned int size)
{
	struct kbpf_obj *obj;
	long err;

	/* Linux 6.18 answers an fd that is not open with EBADFD here. */
	if (!h->fd_get)
		return -KBPF_EBADFD;
	err = h->fd_get(h, (int)attr->info.bpf_fd, &obj, NULL);
	if (err == -KBPF_EBADF)
		return -KBPF_EBADFD;
	if (err)
		return err;
	switch (obj->type) {
	case KBPF_OBJ_MAP:
		err = obj_info_map(h,
				   kbpf_container_of(obj, struct kbpf_map, obj),
				   attr, uattr);
		break;
	case KBPF_OBJ_PROG:
		err = obj_info_prog(
			h, kbpf_container_of(obj, struct kbpf_prog, obj), attr,
			uattr);
		break;
	case KBPF_OBJ_LINK:
		err = obj_info_link(h, obj, attr, uattr);
		break;
	case KBPF_OBJ_BTF:
		err = kbpf_btf_get_info(
			h, kbpf_container_of(obj, struct kbpf_btf, obj), attr,
			uattr);
		break;
	default:
		err = -KBPF_EINVAL;
		break;
	}
	kbpf_obj_put(obj);
	return err;
}
