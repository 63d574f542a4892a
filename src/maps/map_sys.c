// SPDX-License-Identifier: MIT
/*
 * The map commands of bpf(2) (kernel/bpf/syscall.c in behaviour): each
 * handler resolves the fd, applies the fd's access rules and the frozen
 * state, copies key and value from user memory into kernel scratch before
 * touching the map, calls the type's ops, and copies results back.
 *
 * Access: an fd opened read-only (BPF_F_RDONLY) cannot write, one opened
 * write-only (BPF_F_WRONLY) cannot read, and BPF_MAP_FREEZE takes write
 * access away from every fd; programs are not affected by either.
 *
 * Called from syscall only: may sleep, holds no kbpf lock across user
 * copies.
 */
#include "map_internal.h"
#include "core/object.h"

static uint32_t map_sys_perms(const struct kbpf_map *map, uint32_t fd_flags)
{
	if (atomic_load_explicit(&map->frozen, memory_order_acquire))
		fd_flags &= ~KBPF_FD_WRITE;
	return fd_flags;
}

static int map_get(const struct kbpf_host *h, int fd, struct kbpf_map **map,
		   uint32_t *perms)
{
	struct kbpf_obj *obj;
	uint32_t fl;
	int err = kbpf_obj_fd_get(h, fd, KBPF_OBJ_MAP, &obj, &fl);

	if (err)
		return err;
	*map = kbpf_container_of(obj, struct kbpf_map, obj);
	*perms = map_sys_perms(*map, fl);
	return 0;
}

/*
 * Linux's __bpf_copy_key(): a map without keys wants a NULL key pointer
 * (-EINVAL otherwise); others copy key_size bytes (-EFAULT).
 */
static int map_copy_key(const struct kbpf_host *h, struct kbpf_map *map,
			uint64_t ukey, void **key)
{
	int err;

	*key = NULL;
	if (!map->key_size)
		return ukey ? -KBPF_EINVAL : 0;
	*key = kbpf_malloc(h, map->key_size, 0);
	if (!*key)
		return -KBPF_ENOMEM;
	err = kbpf_copy_from_user(h, *key, kbpf_u64_to_ptr(ukey),
				  map->key_size);
	if (err) {
		kbpf_free(h, *key, map->key_size);
		*key = NULL;
	}
	return err;
}

static void map_free_key(const struct kbpf_host *h, struct kbpf_map *map,
			 void *key)
{
	if (key)
		kbpf_free(h, key, map->key_size);
}

/* Called from syscall */
long kbpf_sys_map_create(const struct kbpf_host *h, union bpf_attr *attr,
			 void *uattr, unsigned int size)
{
	struct kbpf_map *map;
	uint32_t fd_flags = KBPF_FD_READ | KBPF_FD_WRITE;
	int err, fd;

	err = kbpf_map_create_user(h, attr, &map);
	if (err)
		return err;
	if (attr->map_flags & BPF_F_RDONLY)
		fd_flags = KBPF_FD_READ;
	else if (attr->map_flags & BPF_F_WRONLY)
		fd_flags = KBPF_FD_WRITE;
	fd = kbpf_obj_fd_install(h, &map->obj, fd_flags);
	if (fd < 0)
		kbpf_map_put(map);
	return fd;
}

/* Copy a value out of the map into @value (sys_value_size bytes). */
static int map_lookup_value(struct kbpf_map *map, const void *key, void *value,
			    uint64_t flags)
{
	const struct kbpf_map_ops *ops = map->ops;
	void *p;

	if (ops->sys_lookup)
		return ops->sys_lookup(map, key, value, flags);
	if (ops->peek_elem && !map->key_size)
		return (int)ops->peek_elem(map, value);
	if (!ops->lookup_elem)
		return -KBPF_ENOTSUPP;
	p = ops->lookup_elem(map, key);
	if (!p)
		return -KBPF_ENOENT;
	kbpf_map_value_out(map, value, p, flags & BPF_F_LOCK);
	return 0;
}

/* Called from syscall */
long kbpf_sys_map_lookup_elem(const struct kbpf_host *h, union bpf_attr *attr,
			      void *uattr, unsigned int size)
{
	struct kbpf_map *map;
	uint32_t perms;
	void *key = NULL, *value;
	unsigned long st;
	size_t vsize;
	int err;

	if (attr->flags & ~(uint64_t)BPF_F_LOCK)
		return -KBPF_EINVAL;
	err = map_get(h, (int)attr->map_fd, &map, &perms);
	if (err)
		return err;
	if (!(perms & KBPF_FD_READ)) {
		err = -KBPF_EPERM;
		goto put;
	}
	if ((attr->flags & BPF_F_LOCK) && !kbpf_map_has_spin_lock(map)) {
		err = -KBPF_EINVAL;
		goto put;
	}
	err = map_copy_key(h, map, attr->key, &key);
	if (err)
		goto put;
	vsize = kbpf_map_sys_value_size(map);
	value = kbpf_zalloc(h, vsize, 0);
	if (!value) {
		err = -KBPF_ENOMEM;
		goto free_key;
	}
	/* A bloom filter's lookup probes the value user space passes in. */
	if (map->map_type == BPF_MAP_TYPE_BLOOM_FILTER) {
		err = kbpf_copy_from_user(h, value,
					  kbpf_u64_to_ptr(attr->value), vsize);
		if (err)
			goto free_value;
	}
	st = kbpf_map_read_lock(h);
	err = map_lookup_value(map, key, value, attr->flags);
	kbpf_map_read_unlock(h, st);
	if (!err)
		err = kbpf_copy_to_user(h, kbpf_u64_to_ptr(attr->value), value,
					vsize);
free_value:
	kbpf_free(h, value, vsize);
free_key:
	map_free_key(h, map, key);
put:
	kbpf_map_put(map);
	return err;
}

static int map_update_value(struct kbpf_map *map, const void *key,
			    const void *value, uint64_t flags)
{
	const struct kbpf_map_ops *ops = map->ops;

	if (ops->sys_update)
		return ops->sys_update(map, key, value, flags);
	if (ops->push_elem && !map->key_size)
		return (int)ops->push_elem(map, value, flags);
	if (!ops->update_elem)
		return -KBPF_ENOTSUPP;
	return (int)ops->update_elem(map, key, value, flags);
}

/* Called from syscall */
long kbpf_sys_map_update_elem(const struct kbpf_host *h, union bpf_attr *attr,
			      void *uattr, unsigned int size)
{
	struct kbpf_map *map;
	uint32_t perms;
	void *key = NULL, *value;
	size_t vsize;
	int err;

	err = map_get(h, (int)attr->map_fd, &map, &perms);
	if (err)
		return err;
	if (!(perms & KBPF_FD_WRITE)) {
		err = -KBPF_EPERM;
		goto put;
	}
	if ((attr->flags & BPF_F_LOCK) && !kbpf_map_has_spin_lock(map)) {
		err = -KBPF_EINVAL;
		goto put;
	}
	err = map_copy_key(h, map, attr->key, &key);
	if (err)
		goto put;
	vsize = kbpf_map_sys_value_size(map);
	value = kbpf_malloc(h, vsize, 0);
	if (!value) {
		err = -KBPF_ENOMEM;
		goto free_key;
	}
	err = kbpf_copy_from_user(h, value, kbpf_u64_to_ptr(attr->value),
				  vsize);
	if (!err)
		err = map_update_value(map, key, value, attr->flags);
	kbpf_free(h, value, vsize);
free_key:
	map_free_key(h, map, key);
put:
	kbpf_map_put(map);
	return err;
}

/* Called from syscall */
long kbpf_sys_map_delete_elem(const struct kbpf_host *h, union bpf_attr *attr,
			      void *uattr, unsigned int size)
{
	struct kbpf_map *map;
	uint32_t perms;
	void *key = NULL;
	int err;

	err = map_get(h, (int)attr->map_fd, &map, &perms);
	if (err)
		return err;
	if (!(perms & KBPF_FD_WRITE)) {
		err = -KBPF_EPERM;
		goto put;
	}
	err = map_copy_key(h, map, attr->key, &key);
	if (err)
		goto put;
	if (map->ops->sys_delete)
		err = map->ops->sys_delete(map, key);
	else if (map->ops->delete_elem)
		err = (int)map->ops->delete_elem(map, key);
	else
		err = -KBPF_EINVAL;
	map_free_key(h, map, key);
put:
	kbpf_map_put(map);
	return err;
}

/* Called from syscall */
long kbpf_sys_map_get_next_key(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size)
{
	struct kbpf_map *map;
	uint32_t perms;
	void *key = NULL, *next = NULL;
	int err;

	err = map_get(h, (int)attr->map_fd, &map, &perms);
	if (err)
		return err;
	if (!(perms & KBPF_FD_READ)) {
		err = -KBPF_EPERM;
		goto put;
	}
	if (attr->key) {
		err = map_copy_key(h, map, attr->key, &key);
		if (err)
			goto put;
	}
	if (map->key_size) {
		next = kbpf_malloc(h, map->key_size, 0);
		if (!next) {
			err = -KBPF_ENOMEM;
			goto free_key;
		}
	}
	if (map->ops->get_next_key) {
		unsigned long st = kbpf_map_read_lock(h);

		err = map->ops->get_next_key(map, key, next);
		kbpf_map_read_unlock(h, st);
	} else {
		err = -KBPF_EINVAL;
	}
	if (!err)
		err = kbpf_copy_to_user(h, kbpf_u64_to_ptr(attr->next_key),
					next, map->key_size);
	if (next)
		kbpf_free(h, next, map->key_size);
free_key:
	map_free_key(h, map, key);
put:
	kbpf_map_put(map);
	return err;
}

/* Called from syscall */
long kbpf_sys_map_lookup_and_delete_elem(const struct kbpf_host *h,
					 union bpf_attr *attr, void *uattr,
					 unsigned int size)
{
	struct kbpf_map *map;
	uint32_t perms;
	void *key = NULL, *value;
	size_t vsize;
	int err;

	if (attr->flags & ~(uint64_t)BPF_F_LOCK)
		return -KBPF_EINVAL;
	err = map_get(h, (int)attr->map_fd, &map, &perms);
	if (err)
		return err;
	if (!(perms & KBPF_FD_READ) || !(perms & KBPF_FD_WRITE)) {
		err = -KBPF_EPERM;
		goto put;
	}
	if (attr->flags && !map->key_size) {
		err = -KBPF_EINVAL; /* queue and stack take no flags */
		goto put;
	}
	if ((attr->flags & BPF_F_LOCK) && !kbpf_map_has_spin_lock(map)) {
		err = -KBPF_EINVAL;
		goto put;
	}
	err = map_copy_key(h, map, attr->key, &key);
	if (err)
		goto put;
	vsize = kbpf_map_sys_value_size(map);
	value = kbpf_malloc(h, vsize, 0);
	if (!value) {
		err = -KBPF_ENOMEM;
		goto free_key;
	}
	if (map->ops->sys_lookup_and_delete)
		err = map->ops->sys_lookup_and_delete(map, key, value,
						      attr->flags);
	else if (map->ops->pop_elem && !map->key_size)
		err = (int)map->ops->pop_elem(map, value);
	else
		err = -KBPF_ENOTSUPP;
	if (!err)
		err = kbpf_copy_to_user(h, kbpf_u64_to_ptr(attr->value), value,
					vsize);
	kbpf_free(h, value, vsize);
free_key:
	map_free_key(h, map, key);
put:
	kbpf_map_put(map);
	return err;
}

/* Called from syscall */
long kbpf_sys_map_freeze(const struct kbpf_host *h, union bpf_attr *attr,
			 void *uattr, unsigned int size)
{
	struct kbpf_map *map;
	uint32_t perms;
	int err;

	err = map_get(h, (int)attr->map_fd, &map, &perms);
	if (err)
		return err;
	/* A frozen map has lost write access: a second freeze is -EPERM. */
	if (!(perms & KBPF_FD_WRITE))
		err = -KBPF_EPERM;
	else if (atomic_load(&map->writecnt) > 0)
		err = -KBPF_EBUSY; /* a writable mmap exists */
	else if (atomic_exchange(&map->frozen, 1))
		err = -KBPF_EBUSY;
	else if (atomic_load(&map->writecnt) > 0) {
		/* A writable mmap came in meanwhile (kbpf_map_mmap()). */
		atomic_store(&map->frozen, 0);
		err = -KBPF_EBUSY;
	}
	kbpf_map_put(map);
	return err;
}

/* ---- batch commands (kernel/bpf/syscall.c bpf_map_do_batch in behaviour) ---- */

static int batch_put_count(const struct kbpf_host *h, union bpf_attr *uattr,
			   uint32_t count)
{
	return kbpf_copy_to_user(h, &uattr->batch.count, &count, sizeof(count));
}

/* Elem flags: only BPF_F_LOCK, and only for a value with a bpf_spin_lock. */
static int batch_elem_flags_check(const struct kbpf_map *map,
				  const union bpf_attr *attr)
{
	uint64_t f = attr->batch.elem_flags;

	if ((f & ~(uint64_t)BPF_F_LOCK) ||
	    ((f & BPF_F_LOCK) && !kbpf_map_has_spin_lock(map)))
		return -KBPF_EINVAL;
	return 0;
}

/*
 * Called from syscall. Element by element through get_next_key: in_batch
 * is a key to continue after, out_batch the last key returned.
 */
int kbpf_map_generic_lookup_batch(struct kbpf_map *map,
				  const union bpf_attr *attr,
				  union bpf_attr *uattr)
{
	const struct kbpf_host *h = map->obj.host;
	size_t ks = map->key_size, vs = kbpf_map_sys_value_size(map);
	uint64_t keys = attr->batch.keys;
	uint64_t values = attr->batch.values;
	void *prev_buf, *buf, *prev = NULL, *key, *value, *tmp;
	uint32_t max_count = attr->batch.count, cp = 0;
	int retry = 3, err;
	unsigned long st;

	err = batch_elem_flags_check(map, attr);
	if (err)
		return err;
	if (!max_count)
		return 0;
	if (batch_put_count(h, uattr, 0))
		return -KBPF_EFAULT;
	prev_buf = kbpf_malloc(h, ks, 0);
	if (!prev_buf)
		return -KBPF_ENOMEM;
	buf = kbpf_malloc(h, ks + vs, 0);
	if (!buf) {
		kbpf_free(h, prev_buf, ks);
		return -KBPF_ENOMEM;
	}
	err = -KBPF_EFAULT;
	if (attr->batch.in_batch) {
		if (kbpf_copy_from_user(h, prev_buf,
					kbpf_u64_to_ptr(attr->batch.in_batch),
					ks))
			goto out;
		prev = prev_buf;
	}
	key = buf;
	value = (uint8_t *)buf + ks;
	while (cp < max_count) {
		st = kbpf_map_read_lock(h);
		err = map->ops->get_next_key(map, prev, key);
		if (!err)
			err = map_lookup_value(map, key, value,
					       attr->batch.elem_flags);
		kbpf_map_read_unlock(h, st);
		if (err == -KBPF_ENOENT && retry) {
			/* Deleted between next-key and lookup: try again. */
			retry--;
			continue;
		}
		if (err)
			break;
		if (kbpf_copy_to_user(h, kbpf_uptr_at(keys, (uint64_t)cp * ks),
				      key, ks) ||
		    kbpf_copy_to_user(h,
				      kbpf_uptr_at(values, (uint64_t)cp * vs),
				      value, vs)) {
			err = -KBPF_EFAULT;
			goto out;
		}
		if (!prev)
			prev = prev_buf;
		tmp = prev;
		prev = key;
		key = tmp;
		retry = 3;
		cp++;
	}
	if (batch_put_count(h, uattr, cp) ||
	    (cp && kbpf_copy_to_user(h, kbpf_u64_to_ptr(attr->batch.out_batch),
				     prev, ks)))
		err = -KBPF_EFAULT;
out:
	kbpf_free(h, buf, ks + vs);
	kbpf_free(h, prev_buf, ks);
	return err;
}

/* Called from syscall. Stops at the first failing element. */
int kbpf_map_generic_update_batch(struct kbpf_map *map,
				  const union bpf_attr *attr,
				  union bpf_attr *uattr)
{
	const struct kbpf_host *h = map->obj.host;
	size_t ks = map->key_size, vs = kbpf_map_sys_value_size(map);
	uint64_t keys = attr->batch.keys;
	uint64_t values = attr->batch.values;
	uint32_t max_count = attr->batch.count, cp;
	void *key, *value;
	int err;

	err = batch_elem_flags_check(map, attr);
	if (err)
		return err;
	if (!max_count)
		return 0;
	if (batch_put_count(h, uattr, 0))
		return -KBPF_EFAULT;
	key = kbpf_malloc(h, ks, 0);
	if (!key)
		return -KBPF_ENOMEM;
	value = kbpf_malloc(h, vs, 0);
	if (!value) {
		kbpf_free(h, key, ks);
		return -KBPF_ENOMEM;
	}
	for (cp = 0; cp < max_count; cp++) {
		err = -KBPF_EFAULT;
		if (kbpf_copy_from_user(h, key,
					kbpf_uptr_at(keys, (uint64_t)cp * ks),
					ks) ||
		    kbpf_copy_from_user(h, value,
					kbpf_uptr_at(values, (uint64_t)cp * vs),
					vs))
			break;
		err = map_update_value(map, key, value, attr->batch.elem_flags);
		if (err)
			break;
	}
	if (batch_put_count(h, uattr, cp))
		err = -KBPF_EFAULT;
	kbpf_free(h, value, vs);
	kbpf_free(h, key, ks);
	return err;
}

/* Called from syscall. Stops at the first failing element. */
int kbpf_map_generic_delete_batch(struct kbpf_map *map,
				  const union bpf_attr *attr,
				  union bpf_attr *uattr)
{
	const struct kbpf_host *h = map->obj.host;
	size_t ks = map->key_size;
	uint64_t keys = attr->batch.keys;
	uint32_t max_count = attr->batch.count, cp;
	void *key;
	int err;

	err = batch_elem_flags_check(map, attr);
	if (err)
		return err;
	if (!max_count)
		return 0;
	if (batch_put_count(h, uattr, 0))
		return -KBPF_EFAULT;
	key = kbpf_malloc(h, ks, 0);
	if (!key)
		return -KBPF_ENOMEM;
	for (cp = 0; cp < max_count; cp++) {
		err = -KBPF_EFAULT;
		if (kbpf_copy_from_user(
			    h, key, kbpf_uptr_at(keys, (uint64_t)cp * ks), ks))
			break;
		err = (int)map->ops->delete_elem(map, key);
		if (err)
			break;
	}
	if (batch_put_count(h, uattr, cp))
		err = -KBPF_EFAULT;
	kbpf_free(h, key, ks);
	return err;
}

/* The four batch commands: access rules, then the type's operation. */
static long map_sys_batch(const struct kbpf_host *h, union bpf_attr *attr,
			  void *uattr, int cmd)
{
	bool has_read = cmd == BPF_MAP_LOOKUP_BATCH ||
			cmd == BPF_MAP_LOOKUP_AND_DELETE_BATCH;
	bool has_write = cmd != BPF_MAP_LOOKUP_BATCH;
	int (*fn)(struct kbpf_map *, const union bpf_attr *, union bpf_attr *);
	struct kbpf_map *map;
	uint32_t perms;
	int err;

	err = map_get(h, (int)attr->batch.map_fd, &map, &perms);
	if (err)
		return err;
	if ((has_read && !(perms & KBPF_FD_READ)) ||
	    (has_write && !(perms & KBPF_FD_WRITE))) {
		err = -KBPF_EPERM;
		goto put;
	}
	switch (cmd) {
	case BPF_MAP_LOOKUP_BATCH:
		fn = map->ops->lookup_batch;
		break;
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH:
		fn = map->ops->lookup_and_delete_batch;
		break;
	case BPF_MAP_UPDATE_BATCH:
		fn = map->ops->update_batch;
		break;
	default:
		fn = map->ops->delete_batch;
		break;
	}
	err = fn ? fn(map, attr, uattr) : -KBPF_ENOTSUPP;
put:
	kbpf_map_put(map);
	return err;
}

/* Called from syscall */
long kbpf_sys_map_lookup_batch(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size)
{
	return map_sys_batch(h, attr, uattr, BPF_MAP_LOOKUP_BATCH);
}

/* Called from syscall */
long kbpf_sys_map_lookup_and_delete_batch(const struct kbpf_host *h,
					  union bpf_attr *attr, void *uattr,
					  unsigned int size)
{
	return map_sys_batch(h, attr, uattr, BPF_MAP_LOOKUP_AND_DELETE_BATCH);
}

/* Called from syscall */
long kbpf_sys_map_update_batch(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size)
{
	return map_sys_batch(h, attr, uattr, BPF_MAP_UPDATE_BATCH);
}

/* Called from syscall */
long kbpf_sys_map_delete_batch(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size)
{
	return map_sys_batch(h, attr, uattr, BPF_MAP_DELETE_BATCH);
}

/* BPF_OBJ_GET_INFO_BY_FD for a map: struct bpf_map_info. */
int kbpf_map_get_info(struct kbpf_map *map, struct bpf_map_info *info)
{
	memset(info, 0, sizeof(*info));
	info->type = map->map_type;
	info->id = map->obj.id;
	info->key_size = map->key_size;
	info->value_size = map->value_size;
	info->max_entries = map->max_entries;
	/* Access flags belong to fds, not the map: Linux does not report them. */
	info->map_flags = map->map_flags &
			  ~(uint32_t)(BPF_F_RDONLY | BPF_F_WRONLY);
	memcpy(info->name, map->name, sizeof(info->name));
	info->btf_id = map->btf ? map->btf->id : 0;
	info->btf_key_type_id = map->btf_key_type_id;
	info->btf_value_type_id = map->btf_value_type_id;
	info->map_extra = map->map_extra;
	return 0;
}
