// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_ARRAY_OF_MAPS (Linux's map_in_map.c and the fd-array part of
 * arraymap.c in behaviour): an array whose slots hold references to other
 * maps, all alike.
 *
 * Creation takes a template, attr->inner_map_fd: the slots will only take
 * maps with the template's type, key and value sizes and flags (and, for
 * array types, its max_entries unless the template has BPF_F_INNER_MAP).
 * User space stores map fds and reads back map ids; a program's lookup
 * returns the inner map itself, which the program passes to the map
 * helpers (checked mode accepts it for the rest of the run).
 *
 * Locking: a slot points to a small entry holding the reference (struct
 * kbpf_fd_entry); slots are swapped with atomic exchanges (syscall path)
 * and read with acquire loads (program path), lock-free. A replaced or
 * deleted entry may still be in use by a running program: its reference
 * is dropped through kbpf_host.defer_free or, without it, when the outer
 * map dies. The slots, update, delete and free are the fd-array base's
 * (fd_array.h); creation flags are its too (BPF_F_INNER_MAP is refused on
 * the outer map: measured).
 */
#include "map_in_map.h"
#include "core/object.h"

extern const struct kbpf_map_ops kbpf_array_of_maps_map_ops;

struct kbpf_array_of_maps {
	struct kbpf_fd_array fda; /* slots hold struct kbpf_fd_entry */
	struct kbpf_mim_template tmpl;
};

static inline struct kbpf_array_of_maps *aom(const struct kbpf_map *map)
{
	return kbpf_container_of(map, struct kbpf_array_of_maps, fda.map);
}

/* ---- the shared part (map_in_map.h) ---- */

/* Types Linux refuses as inner maps (no map_meta_equal op): -ENOTSUPP. */
static bool inner_type_ok(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_PROG_ARRAY: /* measured; PERF_EVENT_ARRAY is fine */
		return false;
	default:
		return true;
	}
}

/* Array types compare max_entries too (Linux's array_map_meta_equal). */
static bool inner_is_array(uint32_t type)
{
	return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

int kbpf_mim_template_from_map(struct kbpf_mim_template *t,
			       const struct kbpf_map *inner)
{
	if (kbpf_map_is_map_in_map(inner))
		return -KBPF_EINVAL; /* one level only */
	if (!inner_type_ok(inner->map_type))
		return -KBPF_ENOTSUPP;
	t->type = inner->map_type;
	t->key_size = inner->key_size;
	t->value_size = inner->value_size;
	t->max_entries = inner->max_entries;
	t->flags = inner->map_flags;
	t->spin_lock_off = inner->spin_lock_off;
	t->timer_off = inner->timer_off;
	return 0;
}

void kbpf_mim_template_meta(const struct kbpf_mim_template *t,
			    struct kbpf_map *meta)
{
	meta->map_type = t->type;
	meta->key_size = t->key_size;
	meta->value_size = t->value_size;
	meta->max_entries = t->max_entries;
	meta->map_flags = t->flags;
	meta->spin_lock_off = t->spin_lock_off;
	meta->timer_off = t->timer_off;
}

/* Any context. */
static void aom_inner_meta(const struct kbpf_map *map, struct kbpf_map *meta)
{
	kbpf_mim_template_meta(&aom(map)->tmpl, meta);
}

int kbpf_mim_template_take(struct kbpf_mim_template *t,
			   const struct kbpf_host *h, int fd)
{
	struct kbpf_obj *obj;
	struct kbpf_map *inner;
	int err = kbpf_obj_fd_get(h, fd, KBPF_OBJ_MAP, &obj, NULL);

	if (err)
		return err;
	inner = kbpf_container_of(obj, struct kbpf_map, obj);
	err = kbpf_mim_template_from_map(t, inner);
	kbpf_map_put(inner);
	return err;
}

/* Linux's map_meta_equal for the template's type. */
static bool mim_meta_equal(const struct kbpf_mim_template *t,
			   const struct kbpf_map *m)
{
	/* Linux's btf_record_equal(): the same special fields, or none. */
	if (m->map_type != t->type || m->key_size != t->key_size ||
	    m->value_size != t->value_size || m->map_flags != t->flags ||
	    m->spin_lock_off != t->spin_lock_off ||
	    m->timer_off != t->timer_off)
		return false;
	if (inner_is_array(t->type) && !(t->flags & BPF_F_INNER_MAP))
		return m->max_entries == t->max_entries;
	return true;
}

/* Any context (a defer_free callback): an entry's reference goes. */
static void mim_map_put(const struct kbpf_host *h, void *inner)
{
	(void)h;
	kbpf_map_put(inner);
}

int kbpf_mim_entry_from_map(const struct kbpf_mim_template *t,
			    struct kbpf_fd_retired *r,
			    const struct kbpf_host *h, struct kbpf_map *inner,
			    struct kbpf_fd_entry **out)
{
	struct kbpf_fd_entry *e;

	if (!mim_meta_equal(t, inner))
		return -KBPF_EINVAL;
	e = kbpf_fd_entry_new(h, inner, mim_map_put, r);
	if (!e)
		return -KBPF_ENOMEM;
	kbpf_map_get(inner);
	*out = e;
	return 0;
}

int kbpf_mim_fd_get_ptr(const struct kbpf_mim_template *t,
			struct kbpf_fd_retired *r, struct kbpf_map *outer,
			int fd, void **ptr)
{
	const struct kbpf_host *h = outer->obj.host;
	struct kbpf_fd_entry *e;
	struct kbpf_map *inner;
	struct kbpf_obj *obj;
	int err = kbpf_obj_fd_get(h, fd, KBPF_OBJ_MAP, &obj, NULL);

	if (err)
		return err;
	inner = kbpf_container_of(obj, struct kbpf_map, obj);
	err = kbpf_mim_entry_from_map(t, r, h, inner, &e);
	kbpf_map_put(inner); /* the entry took its own reference */
	if (!err)
		*ptr = e;
	return err;
}

uint32_t kbpf_mim_fd_sys_lookup_elem(void *ptr)
{
	return kbpf_mim_entry_map(ptr)->obj.id;
}

/* ---- ARRAY_OF_MAPS ---- */

/* Called from syscall: the template from @inner, or else the attr's fd. */
static int aom_alloc_common(const struct kbpf_host *h,
			    const union bpf_attr *attr,
			    const struct kbpf_map *inner, struct kbpf_map **out)
{
	struct kbpf_mim_template t;
	int err;

	err = inner ? kbpf_mim_template_from_map(&t, inner) :
		      kbpf_mim_template_take(&t, h, (int)attr->inner_map_fd);
	if (err)
		return err;
	err = kbpf_fd_array_alloc(h, attr, &kbpf_array_of_maps_map_ops,
				  sizeof(struct kbpf_array_of_maps), false,
				  out);
	if (!err)
		aom(*out)->tmpl = t;
	return err;
}

static int aom_alloc(const struct kbpf_host *h, const union bpf_attr *attr,
		     struct kbpf_map **out)
{
	return aom_alloc_common(h, attr, NULL, out);
}

static int aom_alloc_with_inner(const struct kbpf_host *h,
				const union bpf_attr *attr,
				const struct kbpf_map *inner,
				struct kbpf_map **out)
{
	return aom_alloc_common(h, attr, inner, out);
}

/* Called from a program (any context): the inner map, or NULL. */
static void *aom_lookup_elem(struct kbpf_map *map, const void *key)
{
	struct kbpf_fd_entry *e;
	uint32_t idx;

	kbpf_memcpy(&idx, key, sizeof(idx));
	e = kbpf_fd_array_get(map, idx);
	return e ? e->obj : NULL;
}

/* Called from syscall: @fd is a map fd like the template. */
static int aom_fd_get_ptr(struct kbpf_map *map, int fd, void **ptr)
{
	return kbpf_mim_fd_get_ptr(&aom(map)->tmpl, &aom(map)->fda.retired, map,
				   fd, ptr);
}

/* Called from syscall: kbpf_map_set_inner(). */
static int aom_set_inner(struct kbpf_map *map, const void *key,
			 struct kbpf_map *inner)
{
	struct kbpf_fd_entry *e;
	uint32_t idx;
	int err;

	kbpf_memcpy(&idx, key, sizeof(idx));
	if (idx >= map->max_entries)
		return -KBPF_E2BIG;
	err = kbpf_mim_entry_from_map(&aom(map)->tmpl, &aom(map)->fda.retired,
				      map->obj.host, inner, &e);
	if (err)
		return err;
	return kbpf_fd_array_replace(map, idx, e);
}

const struct kbpf_map_ops kbpf_array_of_maps_map_ops = {
	KBPF_FD_ARRAY_OPS,
	.alloc = aom_alloc,
	.alloc_with_inner = aom_alloc_with_inner,
	.set_inner = aom_set_inner,
	.inner_meta = aom_inner_meta,
	.lookup_elem = aom_lookup_elem,
	.fd_get_ptr = aom_fd_get_ptr,
	.fd_put_ptr = kbpf_fd_entry_put_ptr,
	.fd_sys_lookup_elem = kbpf_mim_fd_sys_lookup_elem,
	/* Linux's array_of_maps_map_ops: lookup and update batches only. */
	.lookup_batch = kbpf_map_generic_lookup_batch,
	.update_batch = kbpf_map_generic_update_batch,
};
