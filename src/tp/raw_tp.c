// SPDX-License-Identifier: MIT
/*
 * Raw tracepoints and their links: the registry the host fills, the
 * lock-free fire path, attach and detach, and the bpf(2) commands around
 * them: BPF_RAW_TRACEPOINT_OPEN, BPF_LINK_CREATE/DETACH/UPDATE for these
 * programs, and the link part of BPF_OBJ_GET_INFO_BY_FD (Linux's
 * bpf_raw_tp_link in kernel/bpf/syscall.c and bpf_probe_register in
 * kernel/trace/bpf_trace.c, in behaviour).
 *
 * Each tracepoint publishes an immutable array of (program, cookie, link)
 * entries. A fire loads it with acquire inside the host's read-side
 * section and runs the programs. Attach and detach build a new array under
 * the tracepoint's lock, publish it with release, and hand the old array
 * to defer_free; a detached link drops its program reference at once,
 * since programs themselves are freed through defer_free. If a smaller
 * array cannot be allocated on detach, the entry is cleared in place (a
 * fire skips it). A host without defer_free gets the old arrays and the
 * detached links (with their program references) parked on the
 * tracepoint and freed by kbpf_raw_tp_unregister().
 *
 * Locks (syscall path only, IRQs saved): the registry lock protects the
 * list; a tracepoint's lock protects its array pointer, link count and
 * parked memory. Order: registry, then tracepoint. Fires take no lock.
 */
#include "core/alloc.h"
#include "core/atomic.h"
#include "core/spinlock.h"
#include "kbpf/interp.h"
#include "kbpf/perf.h"
#include "kbpf/raw_tp.h"
#include "core/object.h"
#include "core/prog.h"
#include "perf/perf_internal.h"
#include "tp_internal.h"

_Static_assert(sizeof(struct kbpf_spinlock) == sizeof(atomic_uint),
	       "a raw_tp lock word is a kbpf spinlock");
#define TP_LOCK(word) ((struct kbpf_spinlock *)(void *)(word))
/* What C++ hosts see instead of the lock words (include/kbpf/raw_tp.h). */
_Static_assert(sizeof(atomic_uint) == sizeof(unsigned int) &&
		       _Alignof(atomic_uint) == _Alignof(unsigned int),
	       "C++ sees a raw_tp lock word as an unsigned int");

struct raw_tp_entry {
	struct kbpf_prog *prog; /* NULL: detached in place */
	uint64_t cookie;
	struct kbpf_raw_tp_link *link;
};

struct kbpf_raw_tp_progs {
	struct kbpf_rcu_head rcu;
	const struct kbpf_host *host;
	uint32_t n;
	struct raw_tp_entry e[];
};

struct kbpf_raw_tp_link {
	struct kbpf_obj obj;
	struct kbpf_raw_tp *tp;
	struct kbpf_prog *prog;
	uint64_t cookie;
	uint32_t attach_type;
	struct kbpf_raw_tp_link *retired_next;
};

static size_t raw_tp_name_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

static bool raw_tp_name_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* ---- the registry ---- */

void kbpf_raw_tp_registry_init(struct kbpf_raw_tp_registry *reg)
{
	atomic_init(&reg->lock, 0);
	reg->head = NULL;
}

/* Called with the registry lock held. */
static struct kbpf_raw_tp *raw_tp_find_locked(struct kbpf_raw_tp_registry *reg,
					      const char *name)
{
	struct kbpf_raw_tp *tp;

	for (tp = reg->head; tp; tp = tp->next)
		if (raw_tp_name_eq(tp->name, name))
			return tp;
	return NULL;
}

int kbpf_raw_tp_register(const struct kbpf_host *h, struct kbpf_raw_tp *tp)
{
	struct kbpf_raw_tp_registry *reg = h->raw_tps;
	unsigned long flags;
	int err = 0;

	if (!reg || !tp->name || tp->nargs > KBPF_RAW_TP_MAX_ARGS ||
	    raw_tp_name_len(tp->name, KBPF_RAW_TP_NAME_MAX) >=
		    KBPF_RAW_TP_NAME_MAX)
		return -KBPF_EINVAL;
	tp->host = h;
	tp->progs = NULL;
	tp->nr_links = 0;
	tp->retired = NULL;
	tp->retired_progs = NULL;
	atomic_init(&tp->lock, 0);
	flags = kbpf_spin_lock_irqsave(h, TP_LOCK(&reg->lock));
	if (raw_tp_find_locked(reg, tp->name)) {
		err = -KBPF_EEXIST;
	} else {
		tp->next = reg->head;
		reg->head = tp;
	}
	kbpf_spin_unlock_irqrestore(h, TP_LOCK(&reg->lock), flags);
	return err;
}

static void raw_tp_progs_free(struct kbpf_raw_tp_progs *arr)
{
	kbpf_free(arr->host, arr,
		  sizeof(*arr) + arr->n * sizeof(struct raw_tp_entry));
}

int kbpf_raw_tp_unregister(struct kbpf_raw_tp *tp)
{
	const struct kbpf_host *h = tp->host;
	struct kbpf_raw_tp_registry *reg = h ? h->raw_tps : NULL;
	struct kbpf_raw_tp **pp;
	struct kbpf_raw_tp_link *link;
	struct kbpf_raw_tp_progs *arr;
	unsigned long flags;
	int err = -KBPF_ENOENT;

	if (!reg)
		return -KBPF_ENOENT;
	flags = kbpf_spin_lock_irqsave(h, TP_LOCK(&reg->lock));
	for (pp = &reg->head; *pp; pp = &(*pp)->next) {
		if (*pp != tp)
			continue;
		/* Links only change under the registry lock too. */
		if (tp->nr_links) {
			err = -KBPF_EBUSY;
		} else {
			*pp = tp->next;
			err = 0;
		}
		break;
	}
	kbpf_spin_unlock_irqrestore(h, TP_LOCK(&reg->lock), flags);
	if (err)
		return err;
	/* No fire can run now (the host's promise): free what was parked. */
	while ((link = tp->retired)) {
		tp->retired = link->retired_next;
		kbpf_prog_put(link->prog);
		kbpf_free(h, link, sizeof(*link));
	}
	while ((arr = tp->retired_progs)) {
		tp->retired_progs = (struct kbpf_raw_tp_progs *)arr->rcu.next;
		raw_tp_progs_free(arr);
	}
	arr = tp->progs;
	tp->progs = NULL;
	if (arr)
		raw_tp_progs_free(arr);
	return 0;
}

/* ---- the fire path ---- */

int kbpf_raw_tp_fire(struct kbpf_raw_tp *tp, const uint64_t *args)
{
	const struct kbpf_host *h = tp->host;
	struct kbpf_raw_tp_progs *arr;
	unsigned long st = 0;
	int ret = 0;
	uint32_t i;

	if (!h)
		return 0; /* never registered */
	if (h->read_lock)
		st = h->read_lock(h);
	/* Pairs with the release that published the array. */
	arr = kbpf_load_acquire_ptr(&tp->progs);
	if (arr) {
		struct kbpf_interp_args a = {
			.ctx = (void *)(uintptr_t)args,
			.ctx_size = (size_t)tp->nargs * sizeof(uint64_t),
			.ctx_writable = false,
			.mode = (tp->flags & KBPF_RAW_TP_TRUSTED) ?
					KBPF_INTERP_FAST :
					KBPF_INTERP_CHECKED,
			.cpu = kbpf_this_cpu(h),
			.func_ip = tp->func_ip,
		};

		for (i = 0; i < arr->n; i++) {
			struct kbpf_prog *prog =
				kbpf_load_acquire_ptr(&arr->e[i].prog);
			uint64_t r0;
			int err;

			if (!prog)
				continue;
			a.cookie = arr->e[i].cookie;
			err = kbpf_interp_run(prog, h, &a, &r0);
			if (err && !ret)
				ret = err;
		}
	}
	if (h->read_unlock)
		h->read_unlock(h, st);
	return ret;
}

/* ---- attach and detach ---- */

/* The old array goes after every fire that may still read it. */
static void raw_tp_progs_free_rcu(struct kbpf_rcu_head *head)
{
	raw_tp_progs_free(
		kbpf_container_of(head, struct kbpf_raw_tp_progs, rcu));
}

/* Called with the tracepoint lock held. */
static void raw_tp_retire_locked(struct kbpf_raw_tp *tp,
				 struct kbpf_raw_tp_progs *old)
{
	const struct kbpf_host *h = tp->host;

	if (!old)
		return;
	if (h->defer_free) {
		old->rcu.func = raw_tp_progs_free_rcu;
		h->defer_free(h, &old->rcu);
	} else {
		old->rcu.next = (struct kbpf_rcu_head *)tp->retired_progs;
		tp->retired_progs = old;
	}
}

/*
 * A copy of @old's live entries, plus @add if not NULL, minus @drop if not
 * NULL, in *@out; NULL when no entry is left (nothing stays allocated for
 * a tracepoint without programs). Allocated atomically: called under the
 * tracepoint lock. Return 0 or -ENOMEM.
 */
static int raw_tp_progs_copy(const struct kbpf_host *h,
			     const struct kbpf_raw_tp_progs *old,
			     const struct raw_tp_entry *add,
			     const struct kbpf_raw_tp_link *drop,
			     struct kbpf_raw_tp_progs **out)
{
	uint32_t n = add ? 1 : 0, i, k = 0;
	struct kbpf_raw_tp_progs *arr;

	for (i = 0; old && i < old->n; i++)
		if (old->e[i].prog && old->e[i].link != drop)
			n++;
	*out = NULL;
	if (!n)
		return 0;
	arr = kbpf_zalloc(h, sizeof(*arr) + n * sizeof(arr->e[0]),
			  KBPF_ALLOC_ATOMIC);
	if (!arr)
		return -KBPF_ENOMEM;
	arr->host = h;
	arr->n = n;
	for (i = 0; old && i < old->n; i++)
		if (old->e[i].prog && old->e[i].link != drop)
			arr->e[k++] = old->e[i];
	if (add)
		arr->e[k] = *add;
	*out = arr;
	return 0;
}

/* The last reference to a link is gone: detach it. */
static void raw_tp_link_release(struct kbpf_obj *obj)
{
	struct kbpf_raw_tp_link *link =
		kbpf_container_of(obj, struct kbpf_raw_tp_link, obj);
	struct kbpf_raw_tp *tp = link->tp;
	const struct kbpf_host *h = obj->host;
	struct kbpf_raw_tp_registry *reg = h->raw_tps;
	struct kbpf_raw_tp_progs *old, *arr;
	unsigned long rflags, flags;
	bool park = !h->defer_free;
	uint32_t i;

	kbpf_obj_id_release(obj);
	rflags = kbpf_spin_lock_irqsave(h, TP_LOCK(&reg->lock));
	flags = kbpf_spin_lock_irqsave(h, TP_LOCK(&tp->lock));
	old = tp->progs;
	if (!raw_tp_progs_copy(h, old, NULL, link, &arr)) {
		kbpf_store_release_ptr(&tp->progs, arr);
		raw_tp_retire_locked(tp, old);
	} else {
		/* No memory: clear the entry where fires read it. */
		for (i = 0; old && i < old->n; i++)
			if (old->e[i].link == link)
				kbpf_store_release_ptr(&old->e[i].prog, NULL);
	}
	tp->nr_links--;
	if (park) {
		link->retired_next = tp->retired;
		tp->retired = link;
	}
	kbpf_spin_unlock_irqrestore(h, TP_LOCK(&tp->lock), flags);
	kbpf_spin_unlock_irqrestore(h, TP_LOCK(&reg->lock), rflags);
	if (park)
		return; /* kbpf_raw_tp_unregister() puts the program */
	kbpf_prog_put(link->prog);
	kbpf_free(h, link, sizeof(*link));
}

/* tp_btf: a tracing program whose attach_btf_id named a raw tracepoint. */
static bool raw_tp_prog_is_tp_btf(const struct kbpf_prog *prog)
{
	return prog->type == BPF_PROG_TYPE_TRACING && prog->attach_name[0];
}

static bool raw_tp_prog_type_ok(const struct kbpf_prog *prog)
{
	return prog->type == BPF_PROG_TYPE_RAW_TRACEPOINT ||
	       prog->type == BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE ||
	       raw_tp_prog_is_tp_btf(prog);
}

/*
 * Attach @prog to @tp (if not NULL) or to the tracepoint called @name,
 * under the registry lock, so that the tracepoint cannot be unregistered
 * meanwhile.
 */
static int raw_tp_attach(const struct kbpf_host *h, struct kbpf_raw_tp *tp,
			 const char *name, struct kbpf_prog *prog,
			 uint64_t cookie, struct kbpf_obj **out)
{
	struct kbpf_raw_tp_registry *reg = h->raw_tps;
	struct kbpf_raw_tp_link *link;
	struct kbpf_raw_tp_progs *old, *arr;
	struct raw_tp_entry e;
	unsigned long rflags, flags;
	int err;

	if (!reg)
		return -KBPF_ENOENT;
	link = kbpf_zalloc(h, sizeof(*link), 0);
	if (!link)
		return -KBPF_ENOMEM;
	kbpf_obj_init(&link->obj, h, KBPF_OBJ_LINK, raw_tp_link_release);
	link->prog = prog;
	link->cookie = cookie;
	link->attach_type = prog->expected_attach_type;
	err = kbpf_obj_id_alloc(&link->obj);
	if (err)
		goto free_link;
	e = (struct raw_tp_entry){ .prog = prog,
				   .cookie = cookie,
				   .link = link };
	rflags = kbpf_spin_lock_irqsave(h, TP_LOCK(&reg->lock));
	if (!tp)
		tp = raw_tp_find_locked(reg, name);
	else if (tp->host != h)
		tp = NULL;
	if (!tp) {
		err = -KBPF_ENOENT;
		goto unlock_reg;
	}
	flags = kbpf_spin_lock_irqsave(h, TP_LOCK(&tp->lock));
	old = tp->progs;
	err = raw_tp_progs_copy(h, old, &e, NULL, &arr);
	if (!err) {
		link->tp = tp;
		kbpf_prog_get(prog);
		kbpf_store_release_ptr(&tp->progs, arr);
		raw_tp_retire_locked(tp, old);
		tp->nr_links++;
	}
	kbpf_spin_unlock_irqrestore(h, TP_LOCK(&tp->lock), flags);
unlock_reg:
	kbpf_spin_unlock_irqrestore(h, TP_LOCK(&reg->lock), rflags);
	if (err)
		goto release_id;
	*out = &link->obj;
	return 0;

release_id:
	kbpf_obj_id_release(&link->obj);
free_link:
	kbpf_free(h, link, sizeof(*link));
	return err;
}

int kbpf_raw_tp_attach(struct kbpf_raw_tp *tp, struct kbpf_prog *prog,
		       uint64_t cookie, struct kbpf_obj **link)
{
	if (!tp->host)
		return -KBPF_ENOENT;
	if (!raw_tp_prog_type_ok(prog))
		return -KBPF_EINVAL;
	return raw_tp_attach(tp->host, tp, NULL, prog, cookie, link);
}

/* ---- bpf(2) ---- */

/* Called from syscall */
long kbpf_sys_raw_tracepoint_open(const struct kbpf_host *h,
				  union bpf_attr *attr, void *uattr,
				  unsigned int size)
{
	char name[KBPF_RAW_TP_NAME_MAX];
	struct kbpf_obj *obj, *link;
	struct kbpf_prog *prog;
	long n, ret;

	(void)uattr;
	(void)size;
	ret = kbpf_obj_fd_get(h, (int)attr->raw_tracepoint.prog_fd,
			      KBPF_OBJ_PROG, &obj, NULL);
	if (ret)
		return ret;
	prog = kbpf_container_of(obj, struct kbpf_prog, obj);
	/* Linux checks the program type before it reads the name. */
	if (!raw_tp_prog_type_ok(prog)) {
		ret = -KBPF_EINVAL;
		goto put;
	}
	if (raw_tp_prog_is_tp_btf(prog)) {
		/* Its tracepoint was named by attach_btf_id at load. */
		if (attr->raw_tracepoint.name) {
			ret = -KBPF_EINVAL;
			goto put;
		}
		memcpy(name, prog->attach_name, sizeof(prog->attach_name));
	} else {
		n = kbpf_strncpy_from_user(
			h, name, kbpf_u64_to_ptr(attr->raw_tracepoint.name),
			sizeof(name) - 1);
		if (n < 0) {
			ret = -KBPF_EFAULT;
			goto put;
		}
		name[kbpf_min((size_t)n, sizeof(name) - 1)] = 0;
	}
	ret = raw_tp_attach(h, NULL, name, prog, attr->raw_tracepoint.cookie,
			    &link);
	if (ret)
		goto put;
	ret = kbpf_obj_fd_install(h, link, KBPF_FD_READ | KBPF_FD_WRITE);
	if (ret < 0)
		kbpf_obj_put(link); /* detaches */
put:
	kbpf_prog_put(prog);
	return ret;
}

/* Called from syscall */
/*
 * Linux's bpf_prog_attach_check_attach_type() for the program types whose
 * links go on perf events: 0 for a perf link, 1 for a multi-probe link
 * kbpf lacks, or -EINVAL.
 */
static int link_perf_attach_type(const struct kbpf_prog *prog, uint32_t at)
{
	static const uint32_t multi[] = { BPF_TRACE_KPROBE_MULTI,
					  BPF_TRACE_KPROBE_SESSION,
					  BPF_TRACE_UPROBE_MULTI,
					  BPF_TRACE_UPROBE_SESSION };
	size_t i;

	if (prog->type != BPF_PROG_TYPE_KPROBE)
		return at == BPF_PERF_EVENT ? 0 : -KBPF_EINVAL;
	for (i = 0; i < KBPF_ARRAY_SIZE(multi); i++)
		if (prog->expected_attach_type == multi[i] && at != multi[i])
			return -KBPF_EINVAL;
	if (at == BPF_PERF_EVENT)
		return 0;
	for (i = 0; i < KBPF_ARRAY_SIZE(multi); i++)
		if (at == multi[i])
			return 1;
	return -KBPF_EINVAL;
}

/* Linux's bpf_perf_link_attach(). */
static long link_create_perf(const struct kbpf_host *h, union bpf_attr *attr,
			     struct kbpf_prog *prog)
{
	struct kbpf_perf_event *ev;
	struct kbpf_obj *target, *link;
	long ret;

	if (attr->link_create.flags)
		return -KBPF_EINVAL;
	/* Linux's perf_event_get(): anything but a perf fd is -EBADF. */
	if (!h->fd_get ||
	    h->fd_get(h, (int)attr->link_create.target_fd, &target, NULL))
		return -KBPF_EBADF;
	ev = kbpf_perf_event_from_obj(target);
	if (!ev) {
		kbpf_obj_put(target);
		return -KBPF_EBADF;
	}
	ret = kbpf_perf_link_attach(
		ev, prog, attr->link_create.perf_event.bpf_cookie, &link);
	kbpf_obj_put(target);
	if (ret)
		return ret;
	ret = kbpf_obj_fd_install(h, link, KBPF_FD_READ | KBPF_FD_WRITE);
	if (ret < 0)
		kbpf_obj_put(link);
	return ret;
}

long kbpf_sys_link_create(const struct kbpf_host *h, union bpf_attr *attr,
			  void *uattr, unsigned int size)
{
	struct kbpf_obj *obj, *link;
	struct kbpf_prog *prog;
	long ret;

	(void)uattr;
	(void)size;
	ret = kbpf_obj_fd_get(h, (int)attr->link_create.prog_fd, KBPF_OBJ_PROG,
			      &obj, NULL);
	if (ret)
		return ret;
	prog = kbpf_container_of(obj, struct kbpf_prog, obj);
	switch (prog->type) {
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
	case BPF_PROG_TYPE_SOCKET_FILTER:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_SYSCALL:
		/* Linux has no link for these: raw tracepoints use RAW_TRACEPOINT_OPEN. */
		ret = -KBPF_EINVAL;
		break;
	case BPF_PROG_TYPE_TRACING:
		/* tp_btf, fentry, fexit: its hook point, the link's cookie. */
		if (!raw_tp_prog_is_tp_btf(prog) ||
		    attr->link_create.attach_type !=
			    prog->expected_attach_type) {
			ret = -KBPF_EINVAL;
			break;
		}
		ret = raw_tp_attach(h, NULL, prog->attach_name, prog,
				    attr->link_create.tracing.cookie, &link);
		if (ret)
			break;
		ret = kbpf_obj_fd_install(h, link,
					  KBPF_FD_READ | KBPF_FD_WRITE);
		if (ret < 0)
			kbpf_obj_put(link);
		break;
	case BPF_PROG_TYPE_KPROBE:
	case BPF_PROG_TYPE_TRACEPOINT:
	case BPF_PROG_TYPE_PERF_EVENT:
		ret = link_perf_attach_type(prog,
					    attr->link_create.attach_type);
		if (!ret)
			ret = link_create_perf(h, attr, prog);
		else if (ret > 0)
			ret = -KBPF_EOPNOTSUPP; /* kprobe/uprobe multi links */
		break;
	default:
		/* XDP, tc and the other links: kbpf has no such attach points. */
		ret = -KBPF_EOPNOTSUPP;
		break;
	}
	kbpf_obj_put(obj);
	return ret;
}

/* Called from syscall: raw tracepoint links cannot be detached but by close. */
long kbpf_sys_link_detach(const struct kbpf_host *h, union bpf_attr *attr,
			  void *uattr, unsigned int size)
{
	struct kbpf_obj *obj;
	long ret;

	(void)uattr;
	(void)size;
	ret = kbpf_obj_fd_get(h, (int)attr->link_detach.link_fd, KBPF_OBJ_LINK,
			      &obj, NULL);
	if (ret)
		return ret;
	kbpf_obj_put(obj);
	return -KBPF_EOPNOTSUPP;
}

/* Called from syscall: nor can their program be replaced (Linux: -EINVAL). */
long kbpf_sys_link_update(const struct kbpf_host *h, union bpf_attr *attr,
			  void *uattr, unsigned int size)
{
	struct kbpf_obj *link, *prog, *old = NULL;
	long ret;

	(void)uattr;
	(void)size;
	if (attr->link_update.flags & ~(uint32_t)BPF_F_REPLACE)
		return -KBPF_EINVAL;
	ret = kbpf_obj_fd_get(h, (int)attr->link_update.link_fd, KBPF_OBJ_LINK,
			      &link, NULL);
	if (ret)
		return ret;
	ret = kbpf_obj_fd_get(h, (int)attr->link_update.new_prog_fd,
			      KBPF_OBJ_PROG, &prog, NULL);
	if (ret)
		goto put_link;
	if (attr->link_update.flags & BPF_F_REPLACE) {
		ret = kbpf_obj_fd_get(h, (int)attr->link_update.old_prog_fd,
				      KBPF_OBJ_PROG, &old, NULL);
		if (ret)
			goto put_prog;
	} else if (attr->link_update.old_prog_fd) {
		ret = -KBPF_EINVAL;
		goto put_prog;
	}
	ret = -KBPF_EINVAL;
	kbpf_obj_put(old);
put_prog:
	kbpf_obj_put(prog);
put_link:
	kbpf_obj_put(link);
	return ret;
}

int kbpf_link_task_query(struct kbpf_obj *obj, uint32_t *prog_id,
			 const char **name)
{
	struct kbpf_raw_tp_link *link =
		kbpf_container_of(obj, struct kbpf_raw_tp_link, obj);

	if (kbpf_perf_link_is(obj))
		return -KBPF_ENOTSUPP;
	*prog_id = link->prog->obj.id;
	*name = link->tp->name;
	return 0;
}

int kbpf_link_fill_info(const struct kbpf_host *h, struct kbpf_obj *obj,
			struct bpf_link_info *info)
{
	struct kbpf_raw_tp_link *link =
		kbpf_container_of(obj, struct kbpf_raw_tp_link, obj);
	void *ubuf = kbpf_u64_to_ptr(info->raw_tracepoint.tp_name);
	uint32_t ulen = info->raw_tracepoint.tp_name_len;
	const char *name;
	size_t len;
	const char nul = 0;

	if (kbpf_perf_link_is(obj))
		return kbpf_perf_link_fill_info(h, obj, info);
	name = link->tp->name;
	len = raw_tp_name_len(name, KBPF_RAW_TP_NAME_MAX);

	info->type = BPF_LINK_TYPE_RAW_TRACEPOINT;
	info->id = obj->id;
	info->prog_id = link->prog->obj.id;
	info->raw_tracepoint.cookie = link->cookie;
	if (!ubuf && ulen)
		return -KBPF_EINVAL;
	info->raw_tracepoint.tp_name_len = (uint32_t)len + 1;
	if (!ubuf)
		return 0;
	if (ulen >= len + 1)
		return kbpf_copy_to_user(h, ubuf, name, len + 1) ?
			       -KBPF_EFAULT :
			       0;
	/* Too short: as much as fits, NUL-terminated, and -ENOSPC. */
	if (ulen) {
		if (kbpf_copy_to_user(h, ubuf, name, ulen - 1) ||
		    kbpf_copy_to_user(h, (char *)ubuf + ulen - 1, &nul, 1))
			return -KBPF_EFAULT;
	}
	return -KBPF_ENOSPC;
}
