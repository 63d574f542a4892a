// SPDX-License-Identifier: MIT
/*
 * kptr fields of map values (Linux 6.18's btf_parse_kptr(), the kptr
 * part of map_check_btf() and bpf_obj_free_fields(), in behaviour;
 * docs/design/kptr.md): at creation each field found in the value's BTF
 * (src/btf/btf_fields.c) is resolved by its struct's name in the host BTF
 * and, for a referenced kptr (`__kptr`), given the destructor the host
 * registered for that struct (struct kbpf_kfunc.dtor_of); when a value
 * drops what it holds, referenced pointers go to that destructor.
 *
 * A field is 8 bytes a program changes only through bpf_kptr_xchg (an
 * atomic exchange) or, for an untrusted kptr, a plain 8-byte store. The
 * teardown takes the pointer out with an exchange too, so a reference is
 * released once, by whoever takes it out of the field. No lock.
 */
#include "btf/btf.h"
#include "core/alloc.h"
#include "core/atomic.h"
#include "core/map.h"
#include "kbpf/errno.h"
#include "kbpf/host.h"
#include "kptr.h"
#include "map_internal.h"

int kbpf_kptr_tab_build(const struct kbpf_host *h, const struct kbpf_btf *btf,
			const struct kbpf_btf_kptrs *found,
			struct kbpf_kptr_tab **out)
{
	size_t size = sizeof(struct kbpf_kptr_tab) +
		      found->n * sizeof(struct kbpf_kptr_field);
	struct kbpf_kptr_tab *tab;
	uint32_t i, id;
	int err = 0;

	*out = NULL;
	if (!found->n)
		return 0;
	tab = kbpf_zalloc(h, size, 0);
	if (!tab)
		return -KBPF_ENOMEM;
	tab->n = found->n;
	for (i = 0; i < found->n; i++) {
		const struct kbpf_btf_kptr *k = &found->k[i];
		struct kbpf_kptr_field *f = &tab->f[i];

		f->off = k->off;
		err = kbpf_btf_kptr_dtor(h, kbpf_btf_obj_name(btf, k->type_id),
					 &id, &f->dtor);
		if (err)
			goto fail;
		if (!id) {
			/* Linux: a type of the program's BTF, for bpf_obj_new. */
			f->kind = KBPF_KPTR_LOCAL;
			f->btf_id = k->type_id;
			f->dtor = NULL;
			continue;
		}
		f->btf_id = id;
		if (!k->ref) {
			f->kind = KBPF_KPTR_UNREF;
			f->dtor = NULL;
			continue;
		}
		f->kind = KBPF_KPTR_REF;
		/* Only structs with a destructor may be held (Linux: -ENOENT). */
		if (!f->dtor) {
			err = -KBPF_ENOENT;
			goto fail;
		}
		tab->has_ref = true;
	}
	*out = tab;
	return 0;
fail:
	kbpf_free(h, tab, size);
	return err;
}

void kbpf_kptr_free_fields(struct kbpf_map *map, void *value)
{
	const struct kbpf_kptr_tab *tab = map->kptrs;
	uint32_t i;

	for (i = 0; tab && i < tab->n; i++) {
		const struct kbpf_kptr_field *f = &tab->f[i];
		uint64_t *slot =
			(uint64_t *)(void *)((uint8_t *)value + f->off);
		uint64_t old;

		if (f->kind != KBPF_KPTR_REF) {
			kbpf_store_relaxed_u64(slot, 0);
			continue;
		}
		old = kbpf_xchg_u64(slot, 0);
		if (old)
			f->dtor(NULL, old, 0, 0, 0, 0);
	}
}

static long kp_release_one(struct kbpf_map *map, void *key, void *value,
			   void *ctx)
{
	(void)key;
	(void)ctx;
	kbpf_kptr_free_fields(map, value);
	return 0;
}

void kbpf_kptr_map_free_all(struct kbpf_map *map)
{
	struct kbpf_kptr_tab *tab = map->kptrs;

	if (!tab)
		return;
	if (tab->has_ref)
		kbpf_map_for_each(map, kp_release_one, NULL, 0);
	map->kptrs = NULL;
	kbpf_free(map->obj.host, tab,
		  sizeof(*tab) + tab->n * sizeof(tab->f[0]));
}
