// SPDX-License-Identifier: MIT
/*
 * The generic map layer: creation with Linux's generic checks in Linux's
 * order (kernel/bpf/syscall.c map_create() in behaviour), the type registry,
 * reference counting, and the program-path entry points that dispatch to a
 * type's ops or give the errno Linux gives when a type lacks the operation.
 *
 * No locks here; each type documents its own.
 */
#include "btf/btf.h"
#include "core/object.h"
#include "core/priv.h"
#include "core/util.h"
#include "map_internal.h"
#include "map_types.h"
#include "kptr.h"
#include "timer.h"

#define X(type, ops) extern const struct kbpf_map_ops ops;
KBPF_MAP_TYPES(X)
#undef X

static const struct kbpf_map_ops *const map_type_ops[] = {
#define X(type, ops) [type] = &ops,
	KBPF_MAP_TYPES(X)
#undef X
};

/* Flags no map type accepts in 6.18 (and unknown bits). */
#define MAP_CREATE_KNOWN_FLAGS                                           \
	(BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE |     \
	 BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_STACK_BUILD_ID |            \
	 BPF_F_ZERO_SEED | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG |       \
	 BPF_F_CLONE | BPF_F_MMAPABLE | BPF_F_PRESERVE_ELEMS |           \
	 BPF_F_INNER_MAP | BPF_F_LINK | BPF_F_PATH_FD |                  \
	 BPF_F_VTYPE_BTF_OBJ_FD | BPF_F_TOKEN_FD | BPF_F_SEGV_ON_FAULT | \
	 BPF_F_NO_USER_CONV)

static const struct kbpf_map_ops *map_find_ops(uint32_t type)
{
	if (type >= KBPF_ARRAY_SIZE(map_type_ops))
		return NULL;
	return map_type_ops[type];
}

bool kbpf_map_type_supported(uint32_t type)
{
	return map_find_ops(type) != NULL;
}

int kbpf_map_inner_meta(const struct kbpf_map *outer, struct kbpf_map *meta)
{
	if (!outer->ops->inner_meta)
		return -KBPF_EINVAL;
	outer->ops->inner_meta(outer, meta);
	meta->ops = map_find_ops(meta->map_type);
	return meta->ops ? 0 : -KBPF_EINVAL;
}

struct kbpf_obj *kbpf_map_obj(struct kbpf_map *map)
{
	return &map->obj;
}

struct kbpf_map *kbpf_map_from_obj(struct kbpf_obj *obj)
{
	if (kbpf_obj_type(obj) != KBPF_OBJ_MAP)
		return NULL;
	return (struct kbpf_map *)(void *)obj;
}

/*
 * An fd that should name an object kbpf does not have (a BPF token):
 * -EBADF if it is not open, else -EINVAL, as Linux answers for an fd of
 * the wrong kind.
 */
static int map_fd_is_not_kbpf_kind(const struct kbpf_host *h, int fd)
{
	struct kbpf_obj *obj;
	int err;

	if (!h->fd_get)
		return -KBPF_EBADF;
	err = h->fd_get(h, fd, &obj, NULL);
	if (err == -KBPF_EBADF)
		return err;
	if (!err)
		kbpf_obj_put(obj);
	return -KBPF_EINVAL;
}

static uint32_t map_type_priv(uint32_t type);

/*
 * The checks Linux makes before the type's own, in its order (measured:
 * research/kernel-semantics.md §1 "MAP_CREATE generic checks").
 */
static int map_generic_check(const struct kbpf_host *h,
			     const union bpf_attr *attr, bool user)
{
	uint32_t type = attr->map_type;

	/* The BTF object itself is resolved after allocation (map_btf()). */
	if (attr->btf_vmlinux_value_type_id &&
	    (type != BPF_MAP_TYPE_STRUCT_OPS || attr->btf_key_type_id ||
	     attr->btf_value_type_id))
		return -KBPF_EINVAL;
	if (attr->btf_key_type_id && !attr->btf_value_type_id)
		return -KBPF_EINVAL;
	if (attr->map_extra && type != BPF_MAP_TYPE_BLOOM_FILTER &&
	    type != BPF_MAP_TYPE_ARENA)
		return -KBPF_EINVAL;
	if ((attr->map_flags & BPF_F_RDONLY) &&
	    (attr->map_flags & BPF_F_WRONLY))
		return -KBPF_EINVAL;
	/* kbpf reports a single NUMA node, 0 (Linux's NUMA_NO_NODE is -1). */
	if ((attr->map_flags & BPF_F_NUMA_NODE) && attr->numa_node != 0 &&
	    attr->numa_node != KBPF_NUMA_NO_NODE)
		return -KBPF_EINVAL;
	if (!map_find_ops(type)) {
		/*
		 * A type Linux 6.18 has and kbpf does not: a caller without
		 * the privilege it needs gets Linux's -EPERM, not a hint
		 * about what kbpf lacks.
		 */
		if (user && type > BPF_MAP_TYPE_UNSPEC &&
		    type < __MAX_BPF_MAP_TYPE &&
		    type != BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED &&
		    type != BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE_DEPRECATED &&
		    type != BPF_MAP_TYPE_STRUCT_OPS &&
		    (kbpf_priv_unpriv_refused(h) ||
		     !kbpf_priv_has(h, map_type_priv(type))))
			return -KBPF_EPERM;
		return -KBPF_EINVAL;
	}
	return 0;
}

/*
 * What a bpf(2) caller must hold to create a map of @type (Linux 6.18's
 * map_create()): arrays, hashes, ring buffers and the map-in-map and fd
 * arrays are open to unprivileged callers; DEVMAPs need CAP_NET_ADMIN;
 * every other type CAP_BPF.
 */
static uint32_t map_type_priv(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_PROG_ARRAY:
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
	case BPF_MAP_TYPE_CGROUP_ARRAY:
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_HASH_OF_MAPS:
	case BPF_MAP_TYPE_RINGBUF:
	case BPF_MAP_TYPE_USER_RINGBUF:
	case BPF_MAP_TYPE_CGROUP_STORAGE:
	case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		return 0;
	case BPF_MAP_TYPE_SOCKMAP:
	case BPF_MAP_TYPE_SOCKHASH:
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH:
	case BPF_MAP_TYPE_XSKMAP:
		return KBPF_PRIV_NET_ADMIN;
	default:
		return KBPF_PRIV_BPF;
	}
}

static int map_create(const struct kbpf_host *h, const union bpf_attr *attr,
		      struct kbpf_map *inner, bool user, struct kbpf_map **out);

/*
 * The type's own BTF rule, Linux's map_ops->map_check_btf (measured for
 * each type kbpf has, tests/unit/btf/test_btf_load_diff.c). @key is NULL
 * for a map created without a key type (void).
 */
/*
 * Member @i of STRUCT @t is a plain integer of @bytes bytes at byte @off
 * (Linux's btf_member_is_reg_int()).
 */
static bool map_btf_member_int(struct kbpf_btf *btf, const uint8_t *t,
			       uint32_t i, uint32_t off, uint32_t bytes)
{
	const uint8_t *m = t + KBPF_BTF_REC_SIZE + 12 * i, *mt;
	uint32_t info, id, moff, size, data, bit_off = 0, bf = 0;

	memcpy(&info, t + 4, 4);
	memcpy(&id, m + 4, 4);
	memcpy(&moff, m + 8, 4);
	bit_off = moff;
	if (BTF_INFO_KFLAG(info)) {
		bit_off = BTF_MEMBER_BIT_OFFSET(moff);
		bf = BTF_MEMBER_BITFIELD_SIZE(moff);
	}
	mt = kbpf_btf_type_id_size(btf, &id, &size);
	if (!mt)
		return false;
	memcpy(&info, mt + 4, 4);
	if (BTF_INFO_KIND(info) != BTF_KIND_INT)
		return false;
	memcpy(&data, mt + KBPF_BTF_REC_SIZE, 4);
	if (bf && bf != bytes * 8)
		return false;
	return bit_off == off * 8 && BTF_INT_BITS(data) == bytes * 8 &&
	       !BTF_INT_OFFSET(data) && size == bytes;
}

static int map_type_check_btf(const struct kbpf_map *map, struct kbpf_btf *btf,
			      const uint8_t *key, const uint8_t *value)
{
	uint32_t kind, data, vkind;

	memcpy(&vkind, value + 4, 4);
	switch (map->map_type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		/* Keyless: a one-entry ARRAY of a DATASEC (.bss, .data). */
		if (!key) {
			if (map->map_type != BPF_MAP_TYPE_ARRAY ||
			    map->max_entries != 1 ||
			    BTF_INFO_KIND(vkind) != BTF_KIND_DATASEC)
				return -KBPF_EINVAL;
			return 0;
		}
		memcpy(&kind, key + 4, 4);
		if (BTF_INFO_KIND(kind) != BTF_KIND_INT)
			return -KBPF_EINVAL;
		memcpy(&data, key + KBPF_BTF_REC_SIZE, 4);
		if (BTF_INT_BITS(data) != 32 || BTF_INT_OFFSET(data))
			return -KBPF_EINVAL;
		return 0;
	case BPF_MAP_TYPE_LPM_TRIE:
		if (!key)
			return -KBPF_EINVAL;
		memcpy(&kind, key + 4, 4);
		return BTF_INFO_KIND(kind) == BTF_KIND_STRUCT ? 0 :
								-KBPF_EINVAL;
	case BPF_MAP_TYPE_BLOOM_FILTER:
		return key ? -KBPF_EINVAL : 0;
	case BPF_MAP_TYPE_CGROUP_STORAGE:
	case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		/*
		 * Linux's cgroup_storage_check_btf(): struct
		 * bpf_cgroup_storage_key (a u64 at 0, a u32 at 8) for the
		 * 16-byte key, a 64-bit INT for the 8-byte one.
		 */
		if (!key)
			return -KBPF_EINVAL;
		memcpy(&kind, key + 4, 4);
		if (map->key_size != sizeof(uint64_t)) {
			if (BTF_INFO_KIND(kind) != BTF_KIND_STRUCT ||
			    BTF_INFO_VLEN(kind) != 2 ||
			    !map_btf_member_int(btf, key, 0, 0, 8) ||
			    !map_btf_member_int(btf, key, 1, 8, 4))
				return -KBPF_EINVAL;
			return 0;
		}
		if (BTF_INFO_KIND(kind) != BTF_KIND_INT)
			return -KBPF_EINVAL;
		memcpy(&data, key + KBPF_BTF_REC_SIZE, 4);
		return BTF_INT_BITS(data) == 64 && !BTF_INT_OFFSET(data) ?
			       0 :
			       -KBPF_EINVAL;
	case BPF_MAP_TYPE_SK_STORAGE:
	case BPF_MAP_TYPE_INODE_STORAGE:
	case BPF_MAP_TYPE_TASK_STORAGE:
	case BPF_MAP_TYPE_CGRP_STORAGE:
		/* Linux's btf_type_is_i32(): a 4-byte, 32-bit INT key. */
		if (!key)
			return -KBPF_EINVAL;
		memcpy(&kind, key + 4, 4);
		memcpy(&data, key + 8, 4);
		if (BTF_INFO_KIND(kind) != BTF_KIND_INT || data != 4)
			return -KBPF_EINVAL;
		memcpy(&data, key + KBPF_BTF_REC_SIZE, 4);
		return BTF_INT_BITS(data) == 32 && !BTF_INT_OFFSET(data) ?
			       0 :
			       -KBPF_EINVAL;
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
	case BPF_MAP_TYPE_CGROUP_ARRAY:
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
	case BPF_MAP_TYPE_HASH_OF_MAPS:
	case BPF_MAP_TYPE_STACK_TRACE:
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH:
	case BPF_MAP_TYPE_CPUMAP:
	case BPF_MAP_TYPE_XSKMAP:
	case BPF_MAP_TYPE_RINGBUF:
	case BPF_MAP_TYPE_USER_RINGBUF:
		return -KBPF_ENOTSUPP;
	default:
		return 0;
	}
}

/* Does @type have a rule of its own (Linux: ops->map_check_btf)? */
static bool map_type_has_check_btf(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_LPM_TRIE:
	case BPF_MAP_TYPE_BLOOM_FILTER:
	case BPF_MAP_TYPE_SK_STORAGE:
	case BPF_MAP_TYPE_INODE_STORAGE:
	case BPF_MAP_TYPE_TASK_STORAGE:
	case BPF_MAP_TYPE_CGRP_STORAGE:
	case BPF_MAP_TYPE_CGROUP_STORAGE:
	case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
	case BPF_MAP_TYPE_CGROUP_ARRAY:
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
	case BPF_MAP_TYPE_HASH_OF_MAPS:
	case BPF_MAP_TYPE_STACK_TRACE:
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH:
	case BPF_MAP_TYPE_CPUMAP:
	case BPF_MAP_TYPE_XSKMAP:
	case BPF_MAP_TYPE_RINGBUF:
	case BPF_MAP_TYPE_USER_RINGBUF:
		return true;
	default:
		return false;
	}
}

/*
 * Linux's BTF step of map_create() (after allocation and the name):
 * btf_fd must name a BTF object (-EBADF, -EINVAL); with a value type, the
 * key's and the value's sizes must be the map's (-EINVAL), then the
 * type's own rule. The map keeps a reference on the BTF.
 */
/*
 * Linux's map_check_btf() for the value's special fields (bpf_spin_lock,
 * bpf_timer and kptrs in kbpf): a record that does not parse is no record
 * (a referenced kptr to a struct without a destructor included); one
 * with a field needs CAP_BPF from user space (-EPERM), no program-side
 * access flag (-EACCES) and a type that may hold each field (-EOPNOTSUPP):
 * a lock in arrays, hashes and storage maps, a timer in ARRAY, HASH and
 * LRU_HASH only (not the per-CPU ones), kptrs in the arrays, the hashes
 * and the storage maps (kbpf: in ARRAY, HASH and LRU_HASH only, the
 * others -EOPNOTSUPP). A map with a timer cancels its timers when the
 * last user reference goes (kbpf_timer_map_init()).
 */
static bool map_kptr_type_ok(uint32_t type, bool *kbpf_has)
{
	*kbpf_has = type == BPF_MAP_TYPE_HASH ||
		    type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_ARRAY;
	switch (type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_SK_STORAGE:
	case BPF_MAP_TYPE_INODE_STORAGE:
	case BPF_MAP_TYPE_TASK_STORAGE:
	case BPF_MAP_TYPE_CGRP_STORAGE:
		return true;
	default:
		return false;
	}
}

static int map_btf_fields(const struct kbpf_host *h, struct kbpf_map *map,
			  const struct kbpf_btf *btf, const uint8_t *value,
			  bool user)
{
	struct kbpf_btf_kptrs found;
	struct kbpf_kptr_tab *tab = NULL;
	int32_t off, timer;
	bool kbpf_has;
	int err;

	if (kbpf_btf_value_record(btf, value, map->value_size, &off, &timer,
				  &found))
		return 0;
	err = kbpf_kptr_tab_build(h, btf, &found, &tab);
	if (err == -KBPF_ENOMEM)
		return err;
	if (err) /* Linux keeps the error as the record: no fields at all. */
		return 0;
	if (off < 0 && timer < 0 && !tab)
		return 0;
	err = -KBPF_EPERM;
	if (user && !kbpf_priv_has(h, KBPF_PRIV_BPF))
		goto out;
	err = -KBPF_EACCES;
	if (map->map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG))
		goto out;
	err = -KBPF_EOPNOTSUPP;
	if (off >= 0) {
		switch (map->map_type) {
		case BPF_MAP_TYPE_HASH:
		case BPF_MAP_TYPE_ARRAY:
		case BPF_MAP_TYPE_CGROUP_STORAGE:
		case BPF_MAP_TYPE_SK_STORAGE:
		case BPF_MAP_TYPE_INODE_STORAGE:
		case BPF_MAP_TYPE_TASK_STORAGE:
		case BPF_MAP_TYPE_CGRP_STORAGE:
			break;
		default:
			goto out;
		}
	}
	if (timer >= 0) {
		switch (map->map_type) {
		case BPF_MAP_TYPE_HASH:
		case BPF_MAP_TYPE_LRU_HASH:
		case BPF_MAP_TYPE_ARRAY:
			break;
		default:
			goto out;
		}
	}
	if (tab && (!map_kptr_type_ok(map->map_type, &kbpf_has) || !kbpf_has))
		goto out;
	map->spin_lock_off = off;
	map->timer_off = timer;
	map->kptrs = tab;
	if (timer >= 0)
		kbpf_timer_map_init(map);
	return 0;
out:
	if (tab)
		kbpf_free(h, tab, sizeof(*tab) + tab->n * sizeof(tab->f[0]));
	return err;
}

static int map_btf(const struct kbpf_host *h, struct kbpf_map *map,
		   const union bpf_attr *attr, bool user)
{
	const uint8_t *key = NULL, *value;
	struct kbpf_btf *btf;
	uint32_t id, size;
	int err;

	if (!attr->btf_key_type_id && !attr->btf_value_type_id &&
	    !attr->btf_vmlinux_value_type_id)
		return 0;
	err = kbpf_btf_fd_get(h, (int)attr->btf_fd, &btf);
	if (err)
		return err;
	map->btf = &btf->obj;
	if (attr->btf_value_type_id) {
		if (attr->btf_key_type_id) {
			id = attr->btf_key_type_id;
			key = kbpf_btf_type_id_size(btf, &id, &size);
			if (!key || size != map->key_size)
				return -KBPF_EINVAL;
		} else if (!map_type_has_check_btf(map->map_type)) {
			/* Only types with a rule of their own may omit the key. */
			return -KBPF_EINVAL;
		}
		id = attr->btf_value_type_id;
		value = kbpf_btf_type_id_size(btf, &id, &size);
		if (!value || size != map->value_size)
			return -KBPF_EINVAL;
		err = map_btf_fields(h, map, btf, value, user);
		if (err)
			return err;
		err = map_type_check_btf(map, btf, key, value);
		if (err)
			return err;
	}
	map->btf_key_type_id = attr->btf_key_type_id;
	map->btf_value_type_id = attr->btf_value_type_id;
	return 0;
}

int kbpf_map_create(const struct kbpf_host *h, const union bpf_attr *attr,
		    struct kbpf_map **out)
{
	return map_create(h, attr, NULL, false, out);
}

int kbpf_map_create_user(const struct kbpf_host *h, const union bpf_attr *attr,
			 struct kbpf_map **out)
{
	return map_create(h, attr, NULL, true, out);
}

int kbpf_map_create_with_inner(const struct kbpf_host *h,
			       const union bpf_attr *attr,
			       struct kbpf_map *inner, struct kbpf_map **out)
{
	return map_create(h, attr, inner, false, out);
}

static int map_create(const struct kbpf_host *h, const union bpf_attr *attr,
		      struct kbpf_map *inner, bool user, struct kbpf_map **out)
{
	const struct kbpf_map_ops *ops;
	union bpf_attr untoken;
	struct kbpf_map *map;
	int err;

	/*
	 * The type's checks see the flags without BPF_F_TOKEN_FD, and a size
	 * error wins over the token (measured: an ARRAY with value_size 2^31
	 * and the flag gives -E2BIG). kbpf keeps no BPF tokens, so the token
	 * fd is then refused as an fd of the wrong kind.
	 */
	if (attr->map_flags & BPF_F_TOKEN_FD) {
		untoken = *attr;
		untoken.map_flags &= ~(uint32_t)BPF_F_TOKEN_FD;
		err = map_generic_check(h, &untoken, user);
		ops = err ? NULL : map_find_ops(untoken.map_type);
		if (!err && ops->alloc_check)
			err = ops->alloc_check(h, &untoken);
		if (!err && (untoken.map_flags & ~MAP_CREATE_KNOWN_FLAGS))
			err = -KBPF_EINVAL;
		return err ? err :
			     map_fd_is_not_kbpf_kind(h,
						     (int)attr->map_token_fd);
	}
	err = map_generic_check(h, attr, user);
	if (err)
		return err;
	ops = map_find_ops(attr->map_type);
	/* Types check their own flags; a size error wins (measured). */
	err = ops->alloc_check ? ops->alloc_check(h, attr) : 0;
	if (err)
		return err;
	/*
	 * Privilege after the type's map_alloc_check, before allocation
	 * (Linux); types Linux checks only when allocating do so in alloc.
	 */
	if (user && (kbpf_priv_unpriv_refused(h) ||
		     !kbpf_priv_has(h, map_type_priv(attr->map_type))))
		return -KBPF_EPERM;
	if (attr->map_flags & ~MAP_CREATE_KNOWN_FLAGS)
		return -KBPF_EINVAL;
	if (attr->map_ifindex)
		return attr->map_type == BPF_MAP_TYPE_HASH ||
				       attr->map_type == BPF_MAP_TYPE_ARRAY ?
			       -KBPF_EOPNOTSUPP :
			       -KBPF_EINVAL;
	if (inner && !ops->alloc_with_inner)
		return -KBPF_EINVAL;
	err = inner ? ops->alloc_with_inner(h, attr, inner, &map) :
		      ops->alloc(h, attr, &map);
	if (err)
		return err;
	/* Linux checks the name after allocating: an allocation error wins. */
	err = kbpf_obj_name_copy(NULL, attr->map_name);
	if (!err)
		err = map_btf(h, map, attr, user);
	if (!err)
		err = kbpf_obj_id_alloc(&map->obj);
	if (err) {
		if (map->btf)
			kbpf_obj_put(map->btf);
		map->ops->free(map);
		return err;
	}
	*out = map;
	return 0;
}

int kbpf_map_set_inner(struct kbpf_map *outer, const void *key,
		       struct kbpf_map *inner)
{
	if (!outer->ops->set_inner)
		return -KBPF_EINVAL;
	return outer->ops->set_inner(outer, key, inner);
}

static void map_release(struct kbpf_obj *obj)
{
	struct kbpf_map *map = kbpf_container_of(obj, struct kbpf_map, obj);

	kbpf_obj_id_release(obj);
	if (map->btf)
		kbpf_obj_put(map->btf);
	map->ops->free(map);
}

void kbpf_map_init(struct kbpf_map *map, const struct kbpf_host *h,
		   const union bpf_attr *attr, const struct kbpf_map_ops *ops)
{
	size_t n;

	kbpf_obj_init(&map->obj, h, KBPF_OBJ_MAP, map_release);
	map->ops = ops;
	map->map_type = attr->map_type;
	map->key_size = attr->key_size;
	map->value_size = attr->value_size;
	map->max_entries = attr->max_entries;
	/* Linux keeps the fd-only access flags off the map (bpf_map_info). */
	map->map_flags = attr->map_flags &
			 ~(uint32_t)(BPF_F_RDONLY | BPF_F_WRONLY);
	map->numa_node = (attr->map_flags & BPF_F_NUMA_NODE) ?
				 attr->numa_node :
				 KBPF_NUMA_NO_NODE;
	map->map_extra = attr->map_extra;
	/* Set with the BTF object by map_btf(), once it is checked. */
	map->btf_key_type_id = 0;
	map->btf_value_type_id = 0;
	map->btf_vmlinux_value_type_id = 0;
	map->btf = NULL;
	map->spin_lock_off = -1;
	map->timer_off = -1;
	map->kptrs = NULL;
	/* Bytes after the name's NUL are ignored, as Linux ignores them. */
	for (n = 0; n < sizeof(map->name) - 1 && attr->map_name[n]; n++)
		map->name[n] = attr->map_name[n];
	for (; n < sizeof(map->name); n++)
		map->name[n] = 0;
	atomic_init(&map->frozen, 0);
	atomic_init(&map->writecnt, 0);
}

/* ---- program path: the helpers' semantics ---- */

void *kbpf_map_lookup_elem(struct kbpf_map *map, const void *key)
{
	if (!map->ops->lookup_elem)
		return NULL;
	return map->ops->lookup_elem(map, key);
}

/*
 * Maps whose stored objects a program reaches only through their own
 * helpers (tail call, perf output, cgroup test, inner-map lookup). Linux's
 * verifier refuses bpf_map_update_elem and bpf_map_delete_elem on them at
 * load ("cannot pass map_type 3 into func bpf_map_delete_elem#3"). kbpf's
 * structural check does not know which map a helper call gets, so the
 * helpers refuse here, at run time, with the -EINVAL they give for any map
 * type that has no program-side write. Besides matching Linux, this keeps
 * a program from emptying the PROG_ARRAY slot of a program that is running
 * (possibly itself), which a host without defer_free would free at once.
 */
static bool prog_may_write(const struct kbpf_map *map)
{
	return !map->ops->fd_get_ptr;
}

long kbpf_map_update_elem(struct kbpf_map *map, const void *key,
			  const void *value, uint64_t flags)
{
	if (!map->ops->update_elem || !prog_may_write(map))
		return -KBPF_EINVAL;
	return map->ops->update_elem(map, key, value, flags);
}

long kbpf_map_delete_elem(struct kbpf_map *map, const void *key)
{
	if (!map->ops->delete_elem || !prog_may_write(map))
		return -KBPF_EINVAL;
	return map->ops->delete_elem(map, key);
}

long kbpf_map_push_elem(struct kbpf_map *map, const void *value, uint64_t flags)
{
	if (!map->ops->push_elem)
		return -KBPF_EINVAL;
	return map->ops->push_elem(map, value, flags);
}

long kbpf_map_pop_elem(struct kbpf_map *map, void *value)
{
	if (!map->ops->pop_elem)
		return -KBPF_EINVAL;
	return map->ops->pop_elem(map, value);
}

long kbpf_map_peek_elem(struct kbpf_map *map, void *value)
{
	if (!map->ops->peek_elem)
		return -KBPF_EINVAL;
	return map->ops->peek_elem(map, value);
}

long kbpf_map_for_each(struct kbpf_map *map, kbpf_map_elem_fn fn, void *ctx,
		       uint64_t flags)
{
	if (flags)
		return -KBPF_EINVAL;
	if (!map->ops->for_each)
		return -KBPF_EINVAL;
	return map->ops->for_each(map, fn, ctx, flags);
}

void *kbpf_map_lookup_percpu_elem(struct kbpf_map *map, const void *key,
				  uint32_t cpu)
{
	if (!map->ops->lookup_percpu_elem)
		return NULL;
	return map->ops->lookup_percpu_elem(map, key, cpu);
}
