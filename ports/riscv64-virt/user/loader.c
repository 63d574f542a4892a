// SPDX-License-Identifier: MIT
/*
 * Loading a clang-built object from user mode, as libbpf does: kbpf's ELF
 * loader (kbpf_elf_parse, linked into this program) reads and relocates
 * it; then every map is created and every program loaded with bpf(2).
 * The relocated instructions name maps by index (BPF_PSEUDO_MAP_IDX and
 * _IDX_VALUE), so the map fds go to BPF_PROG_LOAD as its fd_array, as
 * Linux defines those instructions.
 *
 * The parser needs a kbpf host of its own in user space: memory from a
 * static arena (a bump allocator: one object is parsed, then the program
 * exits), CPU 0, and the time CSR as the clock.
 */
#include "loader.h"

static uint8_t arena[384 * 1024] __attribute__((aligned(4096)));
static size_t arena_used;

static void *u_alloc(const struct kbpf_host *h, size_t size, size_t align,
		     uint32_t flags)
{
	size_t at = (arena_used + align - 1) & ~(align - 1);

	(void)h;
	if (at + size > sizeof(arena))
		return NULL;
	arena_used = at + size;
	if (flags & KBPF_ALLOC_ZERO)
		memset(arena + at, 0, size);
	return arena + at;
}

static void u_free(const struct kbpf_host *h, void *p, size_t size)
{
	(void)h;
	(void)p;
	(void)size;
}

static uint32_t u_cpu_id(const struct kbpf_host *h)
{
	(void)h;
	return 0;
}

static uint64_t u_mono_ns(const struct kbpf_host *h)
{
	(void)h;
	return rdtime() * (1000000000ul / TIMEBASE_HZ);
}

static struct kbpf_host user_host = {
	.alloc = u_alloc,
	.free = u_free,
	.cpu_id = u_cpu_id,
	.mono_ns = u_mono_ns,
	.nr_cpus = 1,
};

static long create_map(const struct kbpf_elf_map *m)
{
	union bpf_attr a;
	uint32_t key = 0;
	long fd;

	memset(&a, 0, sizeof(a));
	a.map_type = m->type;
	a.key_size = m->key_size;
	a.value_size = m->value_size;
	a.max_entries = m->max_entries;
	a.map_flags = m->map_flags;
	memcpy(a.map_name, m->kname, sizeof(a.map_name));
	fd = bpf(BPF_MAP_CREATE, &a, sizeof(a));
	if (fd < 0 || !m->init_data)
		return fd;
	/* Global data: the initial value, and .rodata frozen, as libbpf. */
	if (map_update((int)fd, &key, m->init_data, 0))
		return -KBPF_EINVAL;
	if (m->kind == KBPF_ELF_MAP_RODATA) {
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)fd;
		if (bpf(BPF_MAP_FREEZE, &a, sizeof(a)))
			return -KBPF_EINVAL;
	}
	return fd;
}

int obj_load(const void *buf, size_t size, unsigned int nr_cpus,
	     struct user_obj *o)
{
	static char log[4096];
	union bpf_attr a;
	long err;

	memset(o, 0, sizeof(*o));
	user_host.nr_cpus = nr_cpus;
	err = kbpf_elf_parse(&user_host, buf, size, NULL, &o->elf);
	if (err)
		return (int)err;
	if (o->elf->nr_maps > OBJ_MAX || o->elf->nr_progs > OBJ_MAX)
		return -KBPF_E2BIG;
	for (uint32_t i = 0; i < o->elf->nr_maps; i++) {
		err = create_map(&o->elf->maps[i]);
		if (err < 0)
			return (int)err;
		o->map_fds[i] = (int)err;
	}
	for (uint32_t i = 0; i < o->elf->nr_progs; i++) {
		const struct kbpf_elf_prog *p = &o->elf->progs[i];

		memset(&a, 0, sizeof(a));
		a.prog_type = p->prog_type;
		a.expected_attach_type = p->expected_attach_type;
		a.prog_flags = p->prog_flags;
		a.insns = (uintptr_t)p->insns;
		a.insn_cnt = p->insn_cnt;
		a.license = (uintptr_t)o->elf->license;
		a.kern_version = o->elf->kern_version;
		a.fd_array = (uintptr_t)o->map_fds;
		a.log_buf = (uintptr_t)log;
		a.log_size = sizeof(log);
		a.log_level = 1;
		memcpy(a.prog_name, p->name,
		       strnlen(p->name, sizeof(a.prog_name) - 1));
		err = bpf(BPF_PROG_LOAD, &a, sizeof(a));
		if (err < 0) {
			uprintf("user: %s: %ld\n%s\n", p->name, err, log);
			return (int)err;
		}
		o->prog_fds[i] = (int)err;
	}
	return 0;
}

int obj_map_fd(const struct user_obj *o, const char *name)
{
	for (uint32_t i = 0; i < o->elf->nr_maps; i++)
		if (!strcmp(o->elf->maps[i].name, name) ||
		    !strcmp(o->elf->maps[i].kname, name))
			return o->map_fds[i];
	return -KBPF_ENOENT;
}

void obj_close(struct user_obj *o)
{
	for (uint32_t i = 0; o->elf && i < o->elf->nr_maps; i++)
		if (o->map_fds[i] > 0)
			sys_close(o->map_fds[i]);
	for (uint32_t i = 0; o->elf && i < o->elf->nr_progs; i++)
		if (o->prog_fds[i] > 0)
			sys_close(o->prog_fds[i]);
	kbpf_elf_free(o->elf);
	o->elf = NULL;
}
