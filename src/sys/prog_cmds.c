// SPDX-License-Identifier: MIT
/*
 * BPF_PROG_BIND_MAP and BPF_ENABLE_STATS, as Linux 6.18 answers them
 * (kernel/bpf/syscall.c).
 *
 * BIND_MAP appends a map to a program's used maps (libbpf binds .rodata so
 * that bpf_prog_info.map_ids lists it) while the program may be running on
 * other CPUs: the slot is written before nr_maps is raised with a release
 * store (readers: kbpf_prog_nr_maps(), acquire), under the program's
 * bind_lock, which only binders take (Linux's used_maps_mutex). The slots
 * are preallocated (KBPF_MAX_USED_MAPS): nothing is allocated under it.
 *
 * ENABLE_STATS gives an fd whose life turns run statistics on
 * (kbpf_state.stats_users, src/core/stats.c).
 */
#include "core/alloc.h"
#include "core/map.h"
#include "sys.h"

/* Called from syscall */
long kbpf_sys_prog_bind_map(const struct kbpf_host *h, union bpf_attr *attr,
			    void *uattr, unsigned int size)
{
	struct kbpf_obj *pobj, *mobj;
	struct kbpf_prog *prog;
	unsigned long flags;
	uint32_t i, n;
	long err = 0;

	(void)uattr;
	(void)size;
	if (attr->prog_bind_map.flags)
		return -KBPF_EINVAL;
	err = kbpf_obj_fd_get(h, (int)attr->prog_bind_map.prog_fd,
			      KBPF_OBJ_PROG, &pobj, NULL);
	if (err)
		return err;
	err = kbpf_obj_fd_get(h, (int)attr->prog_bind_map.map_fd, KBPF_OBJ_MAP,
			      &mobj, NULL);
	if (err)
		goto out_prog;
	prog = kbpf_container_of(pobj, struct kbpf_prog, obj);
	flags = kbpf_spin_lock_irqsave(h, &prog->bind_lock);
	n = prog->nr_maps;
	for (i = 0; i < n; i++)
		if (&prog->maps[i]->obj == mobj)
			break;
	if (i < n) {
		/* Already used: Linux succeeds without a second reference. */
		err = 0;
	} else if (n >= KBPF_MAX_USED_MAPS) {
		/* Linux has no limit here; kbpf's slots are preallocated. */
		err = -KBPF_E2BIG;
	} else {
		prog->maps[n] = kbpf_container_of(mobj, struct kbpf_map, obj);
		mobj = NULL; /* the program owns the reference now */
		/* Pairs with kbpf_prog_nr_maps()'s acquire. */
		kbpf_store_release_u32(&prog->nr_maps, n + 1);
	}
	kbpf_spin_unlock_irqrestore(h, &prog->bind_lock, flags);
	if (mobj)
		kbpf_obj_put(mobj);
out_prog:
	kbpf_obj_put(pobj);
	return err;
}

struct stats_fd {
	struct kbpf_obj obj;
};

static void stats_release(struct kbpf_obj *obj)
{
	const struct kbpf_host *h = obj->host;

	atomic_fetch_sub_explicit(&h->state->stats_users, 1,
				  memory_order_relaxed);
	kbpf_free(h, obj, sizeof(struct stats_fd));
}

/* Called from syscall */
long kbpf_sys_enable_stats(const struct kbpf_host *h, union bpf_attr *attr,
			   void *uattr, unsigned int size)
{
	struct stats_fd *s;
	int fd;

	(void)uattr;
	(void)size;
	if (attr->enable_stats.type != BPF_STATS_RUN_TIME)
		return -KBPF_EINVAL;
	if (!h->state)
		return -KBPF_EOPNOTSUPP;
	s = kbpf_zalloc(h, sizeof(*s), 0);
	if (!s)
		return -KBPF_ENOMEM;
	kbpf_obj_init(&s->obj, h, KBPF_OBJ_STATS, stats_release);
	/* Counted from here; the release of a failed install uncounts it. */
	atomic_fetch_add_explicit(&h->state->stats_users, 1,
				  memory_order_relaxed);
	fd = kbpf_obj_fd_install(h, &s->obj, KBPF_FD_READ | KBPF_FD_WRITE);
	if (fd < 0)
		kbpf_obj_put(&s->obj);
	return fd;
}
