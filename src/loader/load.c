// SPDX-License-Identifier: MIT
/*
 * Loading a parsed object (libbpf's bpf_object__load() in behaviour): maps
 * through kbpf_map_create(), global data written and `.rodata*` frozen,
 * then programs through kbpf_prog_load() with kernel pointers and the
 * object's maps standing in for fds. These are the functions BPF_MAP_CREATE
 * and BPF_PROG_LOAD run, so an object loads as it would through bpf(2).
 *
 * Called from syscall (or early boot) only; takes no lock of its own.
 */
#include "loader_internal.h"
#include "helpers/helpers.h"
#include "kbpf/disasm.h"
#include "maps/prog_array.h"

#define LD_LOG_SIZE 4096

static const char *ld_errno_name(int err)
{
	switch (-err) {
	case KBPF_EPERM:
		return "EPERM";
	case KBPF_ENOENT:
		return "ENOENT";
	case KBPF_ESRCH:
		return "ESRCH";
	case KBPF_E2BIG:
		return "E2BIG";
	case KBPF_ENOEXEC:
		return "ENOEXEC";
	case KBPF_EBADF:
		return "EBADF";
	case KBPF_ENOMEM:
		return "ENOMEM";
	case KBPF_EACCES:
		return "EACCES";
	case KBPF_EFAULT:
		return "EFAULT";
	case KBPF_EBUSY:
		return "EBUSY";
	case KBPF_EINVAL:
		return "EINVAL";
	case KBPF_ENOSPC:
		return "ENOSPC";
	case KBPF_ERANGE:
		return "ERANGE";
	case KBPF_EOPNOTSUPP:
		return "EOPNOTSUPP";
	case KBPF_ENOTSUPP:
		return "ENOTSUPP";
	default:
		return "error";
	}
}

#define LD_OPT(o, f, dflt) ((o) ? (o)->f : (dflt))

int kbpf_elf_create_map(struct kbpf_elf *obj, struct kbpf_elf_map *m,
			const struct kbpf_elf_opts *opts)
{
	const struct kbpf_host *h = obj->host;
	char *errbuf = LD_OPT(opts, errbuf, NULL);
	size_t errsz = LD_OPT(opts, errbuf_size, 0);
	union bpf_attr attr;
	uint32_t zero = 0;
	long err;

	kbpf_ld_msg(errbuf, errsz, "%s", "");
	if (m->map)
		return -KBPF_EBUSY;
	if (!kbpf_map_type_supported(m->type)) {
		kbpf_ld_msg(
			errbuf, errsz,
			"map '%s': map type %s (%u) is not supported by kbpf",
			m->name, kbpf_elf_map_type_name(m->type), m->type);
		return -KBPF_EINVAL;
	}
	if ((m->type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
	     m->type == BPF_MAP_TYPE_HASH_OF_MAPS) &&
	    !m->inner_type) {
		/* libbpf needs the inner definition too (BTF `values`). */
		kbpf_ld_msg(
			errbuf, errsz,
			"map '%s': map-in-map (%s) without an inner map definition (BTF __array(values, struct inner)): no template to create it with",
			m->name, kbpf_elf_map_type_name(m->type));
		return -KBPF_EINVAL;
	}
	memset(&attr, 0, sizeof(attr));
	attr.map_type = m->type;
	attr.key_size = m->key_size;
	attr.value_size = m->value_size;
	attr.max_entries = m->max_entries;
	attr.map_flags = m->map_flags;
	attr.numa_node = m->numa_node;
	attr.map_extra = m->map_extra;
	memcpy(attr.map_name, m->kname, sizeof(attr.map_name));
	if (m->inner_type) {
		/*
		 * Map-in-map: create the template from the inner definition,
		 * make the outer map with it, drop it (libbpf does the same,
		 * with inner_map_fd).
		 */
		union bpf_attr ia;
		struct kbpf_map *tmpl;

		memset(&ia, 0, sizeof(ia));
		ia.map_type = m->inner_type;
		ia.key_size = m->inner_key_size;
		ia.value_size = m->inner_value_size;
		ia.max_entries = m->inner_max_entries;
		ia.map_flags = m->inner_map_flags;
		err = kbpf_map_create(h, &ia, &tmpl);
		if (err) {
			kbpf_ld_msg(
				errbuf, errsz,
				"map '%s': creating its inner map template failed: %s (%d) (type %s, key_size %u, value_size %u, max_entries %u, map_flags 0x%x)",
				m->name, ld_errno_name((int)err), (int)err,
				kbpf_elf_map_type_name(m->inner_type),
				m->inner_key_size, m->inner_value_size,
				m->inner_max_entries, m->inner_map_flags);
			return (int)err;
		}
		err = kbpf_map_create_with_inner(h, &attr, tmpl, &m->map);
		kbpf_obj_uref_put(&tmpl->obj);
	} else {
		err = kbpf_map_create(h, &attr, &m->map);
	}
	if (err && !m->max_entries && m->type != BPF_MAP_TYPE_RINGBUF) {
		m->map = NULL;
		kbpf_ld_msg(
			errbuf, errsz,
			"map '%s': max_entries is 0: the object leaves the size to its loader (libbpf's bpf_map__set_max_entries()), and BPF_MAP_CREATE refuses 0: %s (%d)",
			m->name, ld_errno_name((int)err), (int)err);
		return (int)err;
	}
	if (err) {
		m->map = NULL;
		kbpf_ld_msg(
			errbuf, errsz,
			"map '%s': BPF_MAP_CREATE failed: %s (%d) (type %s, key_size %u, value_size %u, max_entries %u, map_flags 0x%x)",
			m->name, ld_errno_name((int)err), (int)err,
			kbpf_elf_map_type_name(m->type), m->key_size,
			m->value_size, m->max_entries, m->map_flags);
		return (int)err;
	}
	if (m->init_data) {
		err = kbpf_map_update_elem(m->map, &zero, m->init_data,
					   BPF_ANY);
		if (err) {
			kbpf_ld_msg(
				errbuf, errsz,
				"map '%s': writing the initial value failed: %s (%d)",
				m->name, ld_errno_name((int)err), (int)err);
			kbpf_obj_uref_put(&m->map->obj);
			m->map = NULL;
			return (int)err;
		}
	}
	/* Map-in-map `values`: each slot gets its map, created if need be. */
	if (m->values_kind == LD_VALUES_MAPS) {
		uint32_t k;

		for (k = 0; k < m->nr_init_slots; k++) {
			struct kbpf_elf_map *t;

			if (m->init_slots[k] < 0)
				continue;
			t = &obj->maps[m->init_slots[k]];
			if (t != m && !t->map) {
				err = kbpf_elf_create_map(obj, t, opts);
				if (err)
					return (int)err;
			}
			err = t->map ? kbpf_map_set_inner(m->map, &k, t->map) :
				       -KBPF_EINVAL;
			if (err) {
				kbpf_ld_msg(
					errbuf, errsz,
					"map '%s': putting map '%s' in slot %u failed: %s (%d)",
					m->name, t->name, k,
					ld_errno_name((int)err), (int)err);
				return (int)err;
			}
		}
	}
	/* As libbpf: .rodata and .kconfig are frozen once written. */
	if (m->kind == KBPF_ELF_MAP_RODATA || m->kind == KBPF_ELF_MAP_KCONFIG)
		atomic_store(&m->map->frozen, 1);
	obj->map_ptrs[m - obj->maps] = m->map;
	return 0;
}

/* The last non-empty line of @log, for the error message. */
static const char *ld_last_line(char *log, size_t size)
{
	size_t n = 0, start;

	while (n < size && log[n])
		n++;
	while (n && (log[n - 1] == '\n' || log[n - 1] == ' '))
		log[--n] = 0;
	start = n;
	while (start && log[start - 1] != '\n')
		start--;
	/*
	 * A verifier's log (Linux's, or kbpf's with kbpf_host.verifier on)
	 * ends with its "processed N insns ..." statistics: the reason is
	 * the line before.
	 */
	if (start && n - start >= 10 &&
	    !memcmp(log + start, "processed ", 10)) {
		n = start - 1;
		log[n] = 0;
		start = n;
		while (start && log[start - 1] != '\n')
			start--;
	}
	return log + start;
}

/*
 * Linux's log says "program of this type cannot use helper bpf_<name>#<id>"
 * for a helper it has no proto for here, and so does kbpf's for one it
 * lacks (kbpf_log_no_helper()): the message says which case it is when
 * kbpf's own table has no such helper at all.
 */
static bool ld_helper_missing(const char *line)
{
	static const char pfx[] = "program of this type cannot use helper bpf_";
	int64_t v = 0;
	size_t i;

	for (i = 0; pfx[i]; i++)
		if (line[i] != pfx[i])
			return false;
	while (line[i] && line[i] != '#')
		i++;
	if (line[i] != '#' || line[i + 1] < '0' || line[i + 1] > '9')
		return false;
	for (i++; line[i] >= '0' && line[i] <= '9' && v < 0x7fffffff; i++)
		v = v * 10 + (line[i] - '0');
	return v < KBPF_HELPER_COUNT && !kbpf_default_helpers[v].fn;
}

static const char *ld_helper_note(const char *line)
{
	return ld_helper_missing(line) ? " (a helper kbpf does not implement)" :
					 "";
}

/*
 * Why @p cannot be loaded before BPF_PROG_LOAD is tried, or 0: the checks
 * libbpf makes at load (section, maps) and what kbpf lacks, each with a
 * message naming the program and the reason.
 */
static int ld_prog_precheck(struct kbpf_elf *obj, struct kbpf_elf_prog *p,
			    char *errbuf, size_t errsz)
{
	bool host_be = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
	uint32_t i;

	if (obj->big_endian != host_be) {
		kbpf_ld_msg(errbuf, errsz,
			    "the object is %s-endian, the host is not",
			    obj->big_endian ? "big" : "little");
		return -KBPF_EOPNOTSUPP;
	}
	if (p->prog_type == BPF_PROG_TYPE_UNSPEC) {
		kbpf_ld_msg(
			errbuf, errsz,
			"prog '%s': section '%s' names no program type (libbpf's SEC() conventions)",
			p->name, p->sec_name);
		return -KBPF_ESRCH;
	}
	if (p->unsupported) {
		kbpf_ld_msg(errbuf, errsz, "prog '%s': %s", p->name, p->why);
		return -KBPF_EOPNOTSUPP;
	}
	if (!kbpf_prog_type_supported(p->prog_type)) {
		kbpf_ld_msg(
			errbuf, errsz,
			"prog '%s' (section '%s'): program type %s is not supported by kbpf",
			p->name, p->sec_name,
			kbpf_elf_prog_type_name(p->prog_type));
		return -KBPF_EINVAL;
	}
	for (i = 0; i < p->insn_cnt; i++) {
		const struct bpf_insn *in = &p->insns[i];

		if (in->code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		if ((in->src_reg == BPF_PSEUDO_MAP_IDX ||
		     in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE) &&
		    (uint32_t)in->imm < obj->nr_maps &&
		    !obj->map_ptrs[in->imm]) {
			const struct kbpf_elf_map *m = &obj->maps[in->imm];
			bool known = kbpf_map_type_supported(m->type);
			bool mim = (m->type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
				    m->type == BPF_MAP_TYPE_HASH_OF_MAPS) &&
				   !m->inner_type;

			kbpf_ld_msg(
				errbuf, errsz,
				"prog '%s': uses map '%s' (insn %u), which was not created%s%s%s",
				p->name, m->name, i,
				!known		? ": map type " :
				mim		? ": map-in-map (" :
				!m->max_entries ? ": max_entries is 0" :
						  "",
				!known || mim ?
					kbpf_elf_map_type_name(m->type) :
					"",
				!known ? " is not supported by kbpf" :
				mim    ? ") has no inner map definition" :
					 "");
			return -KBPF_EBADF;
		}
		i++;
	}
	return 0;
}

/* Fill the prog array slots (`values`) that name program @p. */
static int ld_fill_slots(struct kbpf_elf *obj, struct kbpf_elf_prog *p,
			 char *errbuf, size_t errsz)
{
	int32_t pi = (int32_t)(p - obj->progs);
	uint32_t i, k;
	int err;

	for (i = 0; i < obj->nr_maps; i++) {
		struct kbpf_elf_map *m = &obj->maps[i];

		if (!m->map || m->map->map_type != BPF_MAP_TYPE_PROG_ARRAY)
			continue;
		for (k = 0; k < m->nr_init_slots; k++) {
			if (m->init_slots[k] != pi)
				continue;
			err = kbpf_prog_array_set(m->map, k, p->prog);
			if (err) {
				kbpf_ld_msg(
					errbuf, errsz,
					"map '%s': putting prog '%s' in slot %u failed: %s (%d)",
					m->name, p->name, k, ld_errno_name(err),
					err);
				return err;
			}
		}
	}
	return 0;
}

static int ld_load_prog(struct kbpf_elf *obj, struct kbpf_elf_prog *p,
			const struct kbpf_elf_opts *opts, char *own_log)
{
	struct kbpf_prog_load_opts lo = {
		.kernel_ptrs = true,
		.maps = obj->map_ptrs,
		.nr_maps = obj->nr_maps,
		.helpers = LD_OPT(opts, helpers, NULL),
		.nr_helpers = LD_OPT(opts, nr_helpers, 0),
	};
	char *errbuf = LD_OPT(opts, errbuf, NULL);
	size_t errsz = LD_OPT(opts, errbuf_size, 0);
	char *log = opts && opts->log_buf ? opts->log_buf : own_log;
	uint32_t log_size = opts && opts->log_buf ? opts->log_size :
						    (own_log ? LD_LOG_SIZE : 0);
	union bpf_attr attr;
	size_t i;
	int err;

	kbpf_ld_msg(errbuf, errsz, "%s", "");
	if (p->prog)
		return -KBPF_EBUSY;
	err = ld_prog_precheck(obj, p, errbuf, errsz);
	if (err)
		return err;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = p->prog_type;
	attr.expected_attach_type = p->expected_attach_type;
	attr.attach_btf_id = p->attach_btf_id;
	attr.insn_cnt = p->insn_cnt;
	attr.insns = (uint64_t)(uintptr_t)p->insns;
	attr.license = (uint64_t)(uintptr_t)obj->license;
	attr.kern_version = obj->kern_version;
	attr.prog_flags = p->prog_flags;
	for (i = 0; i < BPF_OBJ_NAME_LEN - 1 && p->name[i]; i++)
		attr.prog_name[i] = p->name[i];
	if (log && log_size) {
		log[0] = 0;
		attr.log_buf = (uint64_t)(uintptr_t)log;
		attr.log_size = log_size;
		attr.log_level = opts && opts->log_buf && opts->log_level ?
					 opts->log_level :
					 1;
	}
	err = kbpf_prog_load(obj->host, &attr, &lo, &p->prog);
	if (err) {
		const char *last =
			log && log_size ? ld_last_line(log, log_size) : "";

		p->prog = NULL;
		kbpf_ld_msg(
			errbuf, errsz,
			"prog '%s' (section '%s'): BPF_PROG_LOAD failed: %s (%d)%s%s%s",
			p->name, p->sec_name, ld_errno_name(err), err,
			last[0] ? ": " : "", last, ld_helper_note(last));
		return err;
	}
	return ld_fill_slots(obj, p, errbuf, errsz);
}

int kbpf_elf_load_prog(struct kbpf_elf *obj, struct kbpf_elf_prog *p,
		       const struct kbpf_elf_opts *opts)
{
	char *own_log = NULL;
	int err;

	if (!(opts && opts->log_buf))
		own_log = kbpf_malloc(obj->host, LD_LOG_SIZE, 0);
	err = ld_load_prog(obj, p, opts, own_log);
	if (own_log)
		kbpf_free(obj->host, own_log, LD_LOG_SIZE);
	return err;
}

static void ld_unload(struct kbpf_elf *obj)
{
	uint32_t i;

	for (i = 0; i < obj->nr_progs; i++)
		if (obj->progs[i].prog) {
			kbpf_prog_put(obj->progs[i].prog);
			obj->progs[i].prog = NULL;
		}
	for (i = 0; i < obj->nr_maps; i++)
		if (obj->maps[i].map) {
			/* The creator's reference is a user reference. */
			kbpf_obj_uref_put(&obj->maps[i].map->obj);
			obj->maps[i].map = NULL;
			obj->map_ptrs[i] = NULL;
		}
}

int kbpf_elf_load(struct kbpf_elf *obj, const struct kbpf_elf_opts *opts)
{
	const struct kbpf_host *h = obj->host;
	char *errbuf = LD_OPT(opts, errbuf, NULL);
	size_t errsz = LD_OPT(opts, errbuf_size, 0);
	char *own_log = NULL;
	uint32_t i;
	int err = 0;

	kbpf_ld_msg(errbuf, errsz, "%s", "");
	if (obj->loaded)
		return -KBPF_EBUSY;
	for (i = 0; i < obj->nr_maps; i++)
		if (obj->maps[i].map)
			return -KBPF_EBUSY;
	for (i = 0; i < obj->nr_progs; i++)
		if (obj->progs[i].prog)
			return -KBPF_EBUSY;
	/*
	 * What can be known without creating anything is checked first, as
	 * libbpf refuses such an object before touching the kernel.
	 */
	for (i = 0; i < obj->nr_progs; i++) {
		struct kbpf_elf_prog *p = &obj->progs[i];

		if (!p->autoload)
			continue;
		if (p->prog_type == BPF_PROG_TYPE_UNSPEC || p->unsupported ||
		    obj->big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__))
			return ld_prog_precheck(obj, p, errbuf, errsz);
	}
	/* libbpf fails the load when a slot's program is not loaded. */
	for (i = 0; i < obj->nr_maps; i++) {
		const struct kbpf_elf_map *m = &obj->maps[i];
		uint32_t k;

		if (m->values_kind != LD_VALUES_PROGS)
			continue;
		for (k = 0; k < m->nr_init_slots; k++) {
			const struct kbpf_elf_prog *sp;

			if (m->init_slots[k] < 0)
				continue;
			sp = &obj->progs[m->init_slots[k]];
			if (sp->autoload)
				continue;
			kbpf_ld_msg(
				errbuf, errsz,
				"map '%s': slot %u of 'values' names prog '%s', which is not loaded (autoload is off)",
				m->name, k, sp->name);
			return -KBPF_EBADF;
		}
	}
	for (i = 0; i < obj->nr_maps && !err; i++)
		err = kbpf_elf_create_map(obj, &obj->maps[i], opts);
	if (!(opts && opts->log_buf))
		own_log = kbpf_malloc(h, LD_LOG_SIZE, 0);
	for (i = 0; i < obj->nr_progs && !err; i++)
		if (obj->progs[i].autoload)
			err = ld_load_prog(obj, &obj->progs[i], opts, own_log);
	if (own_log)
		kbpf_free(h, own_log, LD_LOG_SIZE);
	if (err) {
		ld_unload(obj);
		return err;
	}
	obj->loaded = true;
	return 0;
}
