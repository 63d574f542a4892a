// SPDX-License-Identifier: MIT
/*
 * kbpf's entry points as stubs, linked instead of libkbpf.a by `make size`
 * only: the kernel-nokbpf.elf it gives is this kernel without kbpf (its
 * bpf(2) returns -ENOSYS), to measure what kbpf adds to an image. Never
 * booted.
 */
#include "kbpf/map.h"
#include "kbpf/object.h"
#include "kbpf/raw_tp.h"
#include "kbpf/sys.h"

int kbpf_host_check(const struct kbpf_host *h, const char **what)
{
	return 0;
}

long kbpf_sys_bpf(const struct kbpf_host *host, int cmd, void *uattr,
		  unsigned int size)
{
	return -38; /* ENOSYS */
}

void kbpf_raw_tp_registry_init(struct kbpf_raw_tp_registry *reg)
{
}

int kbpf_raw_tp_register(const struct kbpf_host *h, struct kbpf_raw_tp *tp)
{
	return 0;
}

int kbpf_raw_tp_fire(struct kbpf_raw_tp *tp, const uint64_t *args)
{
	return 0;
}

struct kbpf_map *kbpf_map_from_obj(struct kbpf_obj *obj)
{
	return 0;
}

int kbpf_map_mmap(struct kbpf_map *map, uint64_t pgoff, size_t nr,
		  bool writable, const uintptr_t **pages)
{
	return -38;
}

void kbpf_map_munmap(struct kbpf_map *map, bool writable)
{
}

uint32_t kbpf_obj_type(const struct kbpf_obj *obj)
{
	return 0;
}

void kbpf_obj_get(struct kbpf_obj *obj)
{
}

void kbpf_obj_put(struct kbpf_obj *obj)
{
}

void kbpf_obj_uref_put(struct kbpf_obj *obj)
{
}
