// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_PROG_ARRAY: the jump table of bpf_tail_call (the fd-array
 * part of Linux's kernel/bpf/arraymap.c in behaviour). max_entries slots,
 * each empty or holding a reference on a program.
 *
 * User space stores program fds and reads back program ids; programs only
 * tail-call through it. The first program stored in the array or loaded
 * with it fixes the array's owner (program type and expected attach
 * type); programs of another kind are refused with -EINVAL, so a tail call
 * always lands on a program that understands the caller's context.
 *
 * Cycles: a program that tail-calls through an array holds a reference on
 * the array, and the array on the programs in it, often that same program.
 * As in Linux, the array drops its entries when its last user reference
 * (creator or fd) goes (release_uref), which breaks the cycle.
 *
 * Slots, update, delete, lookup and the clearing are the fd-array base's
 * (fd_array.h); this file has the program side: fd -> program with the
 * owner check, the id lookup shows, and the tail-call read.
 *
 * Locking: slots are written with an atomic exchange (syscall path only:
 * programs may not update or delete, as in Linux) and read with an acquire
 * load on the tail-call path. A program taken out of a slot may still be
 * running on another CPU: its reference is dropped at once, and
 *  - with kbpf_host.defer_free, kbpf frees programs after every read-side
 *    section that might still run them; the tail call takes no lock;
 *  - without it, a tail call takes run_lock, loads the slot and takes a
 *    run hold on the program (kbpf_prog_run_hold()), which the run gives
 *    back when it ends; a writer, after its exchange and before it drops
 *    the old program's reference, takes and releases run_lock. So every
 *    tail call that loaded the old program has its hold counted before
 *    the reference goes, every later one loads the new slot, and the
 *    program's release waits for the holds (prog/prog.c). Chosen over a
 *    kbpf-wide grace period: no state outside the objects, nothing on the
 *    fast path of a host with defer_free, and the free stays on the
 *    syscall path where it may sleep.
 * owner_lock (syscall path only, IRQs saved) protects the owner fields.
 * run_lock (IRQs saved) is taken only on hosts without defer_free, around
 * a slot load and a counter increment; it nests inside nothing.
 */
#include "kbpf/map.h"
#include "core/spinlock.h"
#include "fd_array.h"
#include "prog_array.h"
#include "core/object.h"

extern const struct kbpf_map_ops kbpf_prog_array_map_ops;

struct kbpf_prog_array {
	struct kbpf_fd_array fda; /* slots hold struct kbpf_prog pointers */
	struct kbpf_spinlock owner_lock;
	struct kbpf_spinlock run_lock; /* without defer_free: see above */
	bool owned;
	uint32_t owner_type;
	uint32_t owner_attach_type;
};

static inline struct kbpf_prog_array *prog_array(const struct kbpf_map *map)
{
	return kbpf_container_of(map, struct kbpf_prog_array, fda.map);
}

/* Called from syscall */
static int prog_array_alloc(const struct kbpf_host *h,
			    const union bpf_attr *attr, struct kbpf_map **out)
{
	/* Always cleared with the last user reference: breaks cycles. */
	int err = kbpf_fd_array_alloc(h, attr, &kbpf_prog_array_map_ops,
				      sizeof(struct kbpf_prog_array), true,
				      out);

	if (!err) {
		kbpf_spin_init(&prog_array(*out)->owner_lock);
		kbpf_spin_init(&prog_array(*out)->run_lock);
	}
	return err;
}

bool kbpf_prog_array_compatible(struct kbpf_map *map,
				const struct kbpf_prog *prog)
{
	struct kbpf_prog_array *pa = prog_array(map);
	const struct kbpf_host *h = map->obj.host;
	unsigned long flags;
	bool ok = true;

	flags = kbpf_spin_lock_irqsave(h, &pa->owner_lock);
	if (!pa->owned) {
		pa->owned = true;
		pa->owner_type = prog->type;
		pa->owner_attach_type = prog->expected_attach_type;
	} else {
		/* 6.18 compares the expected attach type too (measured). */
		ok = pa->owner_type == prog->type &&
		     pa->owner_attach_type == prog->expected_attach_type;
	}
	kbpf_spin_unlock_irqrestore(h, &pa->owner_lock, flags);
	return ok;
}

int kbpf_map_prog_array_owner(struct kbpf_map *map, uint32_t *prog_type)
{
	struct kbpf_prog_array *pa;
	unsigned long flags;
	int err = -KBPF_ENOENT;

	if (map->ops != &kbpf_prog_array_map_ops)
		return -KBPF_EINVAL;
	pa = prog_array(map);
	flags = kbpf_spin_lock_irqsave(map->obj.host, &pa->owner_lock);
	if (pa->owned) {
		*prog_type = pa->owner_type;
		err = 0;
	}
	kbpf_spin_unlock_irqrestore(map->obj.host, &pa->owner_lock, flags);
	return err;
}

int kbpf_prog_array_set(struct kbpf_map *map, uint32_t index,
			struct kbpf_prog *prog)
{
	if (index >= map->max_entries)
		return -KBPF_E2BIG;
	if (!kbpf_prog_array_compatible(map, prog))
		return -KBPF_EINVAL;
	kbpf_prog_get(prog); /* the slot's reference */
	return kbpf_fd_array_replace(map, index, prog);
}

/* Called from syscall: a program fd, which must match the owner. */
static int prog_array_fd_get_ptr(struct kbpf_map *map, int fd, void **ptr)
{
	struct kbpf_prog *prog;
	struct kbpf_obj *obj;
	int err = kbpf_obj_fd_get(map->obj.host, fd, KBPF_OBJ_PROG, &obj, NULL);

	if (err)
		return err;
	prog = kbpf_container_of(obj, struct kbpf_prog, obj);
	if (!kbpf_prog_array_compatible(map, prog)) {
		kbpf_prog_put(prog);
		return -KBPF_EINVAL;
	}
	*ptr = prog; /* the fd's reference moves into the slot */
	return 0;
}

/*
 * Called from syscall, after the slot's exchange. No deferral here even
 * with @need_defer: the last put of a program frees it through
 * kbpf_host.defer_free itself or, without defer_free, waits for the run
 * holds; passing through run_lock first makes sure every tail call that
 * loaded @ptr has taken its hold (see the top of the file).
 */
static void prog_array_fd_put_ptr(struct kbpf_map *map, void *ptr,
				  bool need_defer)
{
	const struct kbpf_host *h = map->obj.host;

	if (need_defer && !h->defer_free) {
		struct kbpf_prog_array *pa = prog_array(map);
		unsigned long flags;

		flags = kbpf_spin_lock_irqsave(h, &pa->run_lock);
		kbpf_spin_unlock_irqrestore(h, &pa->run_lock, flags);
	}
	kbpf_prog_put(ptr);
}

static uint32_t prog_array_fd_sys_lookup_elem(void *ptr)
{
	return ((struct kbpf_prog *)ptr)->obj.id;
}

/* Called from a program (any context): bpf_tail_call's lookup */
struct kbpf_prog *kbpf_prog_array_get(struct kbpf_map *map, uint32_t index)
{
	const struct kbpf_host *h = map->obj.host;
	struct kbpf_prog_array *pa;
	struct kbpf_prog *prog;
	unsigned long flags;

	if (h->defer_free)
		return kbpf_fd_array_get(map, index);
	pa = prog_array(map);
	flags = kbpf_spin_lock_irqsave(h, &pa->run_lock);
	prog = kbpf_fd_array_get(map, index);
	if (prog)
		kbpf_prog_run_hold(prog);
	kbpf_spin_unlock_irqrestore(h, &pa->run_lock, flags);
	return prog;
}

const struct kbpf_map_ops kbpf_prog_array_map_ops = {
	/* syscall path; programs only tail-call (map.c refuses the rest) */
	KBPF_FD_ARRAY_OPS,
	.alloc = prog_array_alloc,
	.fd_get_ptr = prog_array_fd_get_ptr,
	.fd_put_ptr = prog_array_fd_put_ptr,
	.fd_sys_lookup_elem = prog_array_fd_sys_lookup_elem,
};
