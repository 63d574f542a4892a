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

static int ld_load_map(struct kbpf_elf *obj, struct kbpf_elf_map *m,
		       const struct kbpf_elf_opts *opts)
{
	const struct kbpf_host *h = obj->host;
	union bpf_attr attr;
	uint32_t zero = 0;
	long err;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = m->type;
	attr.key_size = m->key_size;
	attr.value_size = m->value_size;
	attr.max_entries = m->max_entries;
	attr.map_flags = m->map_flags;
	attr.numa_node = m->numa_node;
	attr.map_extra = m->map_extra;
	memcpy(attr.map_name, m->kname, sizeof(attr.map_name));
	err = kbpf_map_create(h, &attr, &m->map);
	if (err) {
		m->map = NULL;
		kbpf_ld_msg(
			opts ? opts->errbuf : NULL,
			opts ? opts->errbuf_size : 0,
			"map '%s': BPF_MAP_CREATE failed: %s (%d) (type %u, key_size %u, value_size %u, max_entries %u, map_flags 0x%x)",
			m->name, ld_errno_name((int)err), (int)err, m->type,
			m->key_size, m->value_size, m->max_entries,
			m->map_flags);
		return (int)err;
	}
	if (m->init_data) {
		err = kbpf_map_update_elem(m->map, &zero, m->init_data,
					   BPF_ANY);
		if (err) {
			kbpf_ld_msg(
				opts ? opts->errbuf : NULL,
				opts ? opts->errbuf_size : 0,
				"map '%s': writing the initial value failed: %s (%d)",
				m->name, ld_errno_name((int)err), (int)err);
			return (int)err;
		}
	}
	/* As libbpf: .rodata is frozen once written (BPF_MAP_FREEZE). */
	if (m->kind == KBPF_ELF_MAP_RODATA)
		atomic_store(&m->map->frozen, 1);
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
	return log + start;
}

static int ld_load_prog(struct kbpf_elf *obj, struct kbpf_elf_prog *p,
			const struct kbpf_elf_opts *opts, char *own_log)
{
	struct kbpf_prog_load_opts lo = {
		.kernel_ptrs = true,
		.maps = obj->map_ptrs,
		.nr_maps = obj->nr_maps,
		.helpers = opts ? opts->helpers : NULL,
		.nr_helpers = opts ? opts->nr_helpers : 0,
	};
	char *log = opts && opts->log_buf ? opts->log_buf : own_log;
	uint32_t log_size = opts && opts->log_buf ? opts->log_size :
						    (own_log ? LD_LOG_SIZE : 0);
	union bpf_attr attr;
	size_t i;
	int err;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = p->prog_type;
	attr.expected_attach_type = p->expected_attach_type;
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
		p->prog = NULL;
		kbpf_ld_msg(
			opts ? opts->errbuf : NULL,
			opts ? opts->errbuf_size : 0,
			"prog '%s' (section '%s'): BPF_PROG_LOAD failed: %s (%d)%s%s",
			p->name, p->sec_name, ld_errno_name(err), err,
			log && log_size && log[0] ? ": " : "",
			log && log_size ? ld_last_line(log, log_size) : "");
	}
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
			kbpf_map_put(obj->maps[i].map);
			obj->maps[i].map = NULL;
			obj->map_ptrs[i] = NULL;
		}
}

int kbpf_elf_load(struct kbpf_elf *obj, const struct kbpf_elf_opts *opts)
{
	const struct kbpf_host *h = obj->host;
	char *errbuf = opts ? opts->errbuf : NULL;
	size_t errsz = opts ? opts->errbuf_size : 0;
	bool host_be = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
	char *own_log = NULL;
	uint32_t i;
	int err = 0;

	kbpf_ld_msg(errbuf, errsz, "%s", "");
	if (obj->loaded)
		return -KBPF_EBUSY;
	if (obj->nr_core_relos) {
		kbpf_ld_msg(
			errbuf, errsz,
			"the object has %u CO-RE relocations (.BTF.ext); kbpf has no target BTF to resolve them",
			obj->nr_core_relos);
		return -KBPF_EOPNOTSUPP;
	}
	if (obj->big_endian != host_be) {
		kbpf_ld_msg(errbuf, errsz,
			    "the object is %s-endian, the host is not",
			    obj->big_endian ? "big" : "little");
		return -KBPF_EOPNOTSUPP;
	}
	for (i = 0; i < obj->nr_progs; i++) {
		const struct kbpf_elf_prog *p = &obj->progs[i];

		if (p->autoload && p->prog_type == BPF_PROG_TYPE_UNSPEC) {
			kbpf_ld_msg(
				errbuf, errsz,
				"prog '%s': section '%s' names no program type (libbpf's SEC() conventions)",
				p->name, p->sec_name);
			return -KBPF_ESRCH;
		}
	}
	for (i = 0; i < obj->nr_maps && !err; i++) {
		err = ld_load_map(obj, &obj->maps[i], opts);
		obj->map_ptrs[i] = obj->maps[i].map;
	}
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
