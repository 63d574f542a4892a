// SPDX-License-Identifier: MIT
/* Core primitives: errno values, host checks, references, locks, per-CPU. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/spinlock.h"
#include "core/object.h"
#include "kbpf_posix.h"
#include "kbpf/state.h"
#include "kbpf_test.h"

KBPF_TEST(errno_values, "every KBPF_E* equals the Linux host's errno number")
{
	static const struct {
		int kbpf, libc;
	} e[] = {
		{ KBPF_EPERM, EPERM },
		{ KBPF_ENOENT, ENOENT },
		{ KBPF_ESRCH, ESRCH },
		{ KBPF_EINTR, EINTR },
		{ KBPF_EIO, EIO },
		{ KBPF_ENXIO, ENXIO },
		{ KBPF_E2BIG, E2BIG },
		{ KBPF_ENOEXEC, ENOEXEC },
		{ KBPF_EBADF, EBADF },
		{ KBPF_ECHILD, ECHILD },
		{ KBPF_EAGAIN, EAGAIN },
		{ KBPF_ENOMEM, ENOMEM },
		{ KBPF_EACCES, EACCES },
		{ KBPF_EFAULT, EFAULT },
		{ KBPF_EBUSY, EBUSY },
		{ KBPF_EEXIST, EEXIST },
		{ KBPF_EXDEV, EXDEV },
		{ KBPF_ENODEV, ENODEV },
		{ KBPF_ENOTDIR, ENOTDIR },
		{ KBPF_EISDIR, EISDIR },
		{ KBPF_EINVAL, EINVAL },
		{ KBPF_ENFILE, ENFILE },
		{ KBPF_EMFILE, EMFILE },
		{ KBPF_ENOTTY, ENOTTY },
		{ KBPF_EFBIG, EFBIG },
		{ KBPF_ENOSPC, ENOSPC },
		{ KBPF_ESPIPE, ESPIPE },
		{ KBPF_EROFS, EROFS },
		{ KBPF_EMLINK, EMLINK },
		{ KBPF_EPIPE, EPIPE },
		{ KBPF_EDOM, EDOM },
		{ KBPF_ERANGE, ERANGE },
		{ KBPF_EDEADLK, EDEADLK },
		{ KBPF_ENAMETOOLONG, ENAMETOOLONG },
		{ KBPF_ENOLCK, ENOLCK },
		{ KBPF_ENOSYS, ENOSYS },
		{ KBPF_ENOTEMPTY, ENOTEMPTY },
		{ KBPF_ELOOP, ELOOP },
		{ KBPF_ENOMSG, ENOMSG },
		{ KBPF_EIDRM, EIDRM },
		{ KBPF_ENOSTR, ENOSTR },
		{ KBPF_ENODATA, ENODATA },
		{ KBPF_ETIME, ETIME },
		{ KBPF_ENOLINK, ENOLINK },
		{ KBPF_EPROTO, EPROTO },
		{ KBPF_EBADMSG, EBADMSG },
		{ KBPF_EOVERFLOW, EOVERFLOW },
		{ KBPF_ENOTUNIQ, ENOTUNIQ },
		{ KBPF_EBADFD, EBADFD },
		{ KBPF_EILSEQ, EILSEQ },
		{ KBPF_EUSERS, EUSERS },
		{ KBPF_ENOTSOCK, ENOTSOCK },
		{ KBPF_EDESTADDRREQ, EDESTADDRREQ },
		{ KBPF_EMSGSIZE, EMSGSIZE },
		{ KBPF_EPROTOTYPE, EPROTOTYPE },
		{ KBPF_ENOPROTOOPT, ENOPROTOOPT },
		{ KBPF_EPROTONOSUPPORT, EPROTONOSUPPORT },
		{ KBPF_EOPNOTSUPP, EOPNOTSUPP },
		{ KBPF_EAFNOSUPPORT, EAFNOSUPPORT },
		{ KBPF_EADDRINUSE, EADDRINUSE },
		{ KBPF_EADDRNOTAVAIL, EADDRNOTAVAIL },
		{ KBPF_ENETDOWN, ENETDOWN },
		{ KBPF_ENETUNREACH, ENETUNREACH },
		{ KBPF_ENOBUFS, ENOBUFS },
		{ KBPF_EISCONN, EISCONN },
		{ KBPF_ENOTCONN, ENOTCONN },
		{ KBPF_ETIMEDOUT, ETIMEDOUT },
		{ KBPF_ECONNREFUSED, ECONNREFUSED },
		{ KBPF_EHOSTUNREACH, EHOSTUNREACH },
		{ KBPF_EALREADY, EALREADY },
		{ KBPF_EINPROGRESS, EINPROGRESS },
		{ KBPF_ESTALE, ESTALE },
		{ KBPF_EDQUOT, EDQUOT },
		{ KBPF_ECANCELED, ECANCELED },
		{ KBPF_EOWNERDEAD, EOWNERDEAD },
		{ KBPF_ENOTRECOVERABLE, ENOTRECOVERABLE },
	};

	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++)
		T_EQ(e[i].kbpf, e[i].libc);
	T_EQ(KBPF_ENOTSUPP, 524);
}

KBPF_TEST(host_check_mandatory,
	  "kbpf_host_check names each missing mandatory field")
{
	struct kbpf_host h = *kbpf_posix_host();
	const char *what = NULL;

	T_EQ(kbpf_host_check(&h, &what), 0);
	T_ASSERT(what == NULL);
	h.alloc = NULL;
	T_EQ(kbpf_host_check(&h, &what), -KBPF_EINVAL);
	T_ASSERT(what && !strcmp(what, "alloc"));
	h = *kbpf_posix_host();
	h.nr_cpus = 0;
	T_EQ(kbpf_host_check(&h, &what), -KBPF_EINVAL);
	T_ASSERT(!strcmp(what, "nr_cpus"));
	h.nr_cpus = KBPF_MAX_CPUS + 1;
	T_EQ(kbpf_host_check(&h, &what), -KBPF_EINVAL);
	h = *kbpf_posix_host();
	h.mono_ns = NULL;
	T_EQ(kbpf_host_check(&h, &what), -KBPF_EINVAL);
	T_ASSERT(!strcmp(what, "mono_ns"));
	h = *kbpf_posix_host();
	h.vunmap = NULL;
	T_EQ(kbpf_host_check(&h, &what), -KBPF_EINVAL);
	T_ASSERT(!strcmp(what, "vunmap"));
	T_EQ(kbpf_host_check(NULL, &what), -KBPF_EINVAL);
}

struct counted {
	struct kbpf_obj obj;
	int *released;
};

static void counted_release(struct kbpf_obj *obj)
{
	struct counted *c = kbpf_container_of(obj, struct counted, obj);

	(*c->released)++;
}

struct ref_arg {
	struct counted *c;
	int n;
};

static void *ref_thread(void *p)
{
	struct ref_arg *a = p;

	for (int i = 0; i < a->n; i++) {
		kbpf_obj_get(&a->c->obj);
		kbpf_obj_put(&a->c->obj);
	}
	return NULL;
}

KBPF_TEST(obj_refcount_release_once,
	  "the last kbpf_obj_put releases exactly once under contention")
{
	int released = 0;
	struct counted c = { .released = &released };
	pthread_t t[4];
	struct ref_arg a = { &c, 20000 };

	c.obj.host = kbpf_posix_host();
	c.obj.release = counted_release;
	atomic_init(&c.obj.refcnt, 1);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, ref_thread, &a);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	T_EQ(released, 0);
	kbpf_obj_put(&c.obj);
	T_EQ(released, 1);
}

struct lock_arg {
	struct kbpf_spinlock lock;
	long counter;
	int n;
};

static void *lock_thread(void *p)
{
	struct lock_arg *a = p;
	const struct kbpf_host *h = kbpf_posix_host();

	for (int i = 0; i < a->n; i++) {
		unsigned long fl = kbpf_spin_lock_irqsave(h, &a->lock);

		a->counter++;
		kbpf_spin_unlock_irqrestore(h, &a->lock, fl);
	}
	return NULL;
}

KBPF_TEST(spinlock_mutual_exclusion,
	  "kbpf spinlock serialises 4 threads (no lost increments)")
{
	struct lock_arg a = { .n = 50000 };
	pthread_t t[4];
	unsigned long st;

	kbpf_spin_init(&a.lock);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, lock_thread, &a);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	T_EQ(a.counter, 4L * a.n);
	T_ASSERT(kbpf_spin_trylock_irqsave(kbpf_posix_host(), &a.lock, &st));
	T_ASSERT(!kbpf_spin_trylock(&a.lock));
	kbpf_spin_unlock_irqrestore(kbpf_posix_host(), &a.lock, st);
}

KBPF_TEST(
	percpu_slots,
	"per-CPU blocks give each possible CPU its own zeroed, cache-aligned slot")
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct kbpf_percpu pc;
	long live = kbpf_posix_live_allocs();

	T_EQ(kbpf_percpu_init(&pc, h, 12, 0), 0);
	T_EQ(pc.nr, h->nr_cpus);
	T_EQ(pc.stride % KBPF_CACHE_LINE, 0);
	for (uint32_t c = 0; c < pc.nr; c++) {
		uint8_t *p = kbpf_percpu_ptr(&pc, c);

		T_EQ((uintptr_t)p % KBPF_CACHE_LINE, 0);
		for (int i = 0; i < 12; i++)
			T_EQ(p[i], 0);
		memset(p, (int)c + 1, 12);
	}
	T_EQ(((uint8_t *)kbpf_percpu_ptr(&pc, 0))[11], 1);
	kbpf_percpu_fini(&pc, h);
	T_EQ(kbpf_posix_live_allocs(), live);
	kbpf_posix_fail_alloc_after(0);
	T_EQ(kbpf_percpu_init(&pc, h, 12, 0), -KBPF_ENOMEM);
	T_EQ(kbpf_posix_live_allocs(), live);
}

KBPF_TEST(round_helpers, "rounding helpers: powers of two and multiples")
{
	T_EQ(kbpf_roundup_pow2(0), 1);
	T_EQ(kbpf_roundup_pow2(5), 8);
	T_EQ(kbpf_roundup_pow2(1ULL << 40), 1ULL << 40);
	T_EQ(kbpf_roundup_pow2((1ULL << 40) + 1), 1ULL << 41);
	T_EQ(kbpf_round_up(13, 8), 16);
	T_ASSERT(kbpf_is_pow2(4096));
	T_ASSERT(!kbpf_is_pow2(12288));
	T_ASSERT(!kbpf_is_pow2(0));
}

static void noop_release(struct kbpf_obj *obj)
{
	(void)obj;
}

static long legacy_id_alloc(const struct kbpf_host *h, struct kbpf_obj *obj)
{
	(void)h;
	(void)obj;
	return 42;
}

static void legacy_id_release(const struct kbpf_host *h, struct kbpf_obj *obj)
{
	(void)h;
	(void)obj;
}

KBPF_TEST(
	obj_ids_legacy,
	"without kbpf_host.state ids come from id_alloc, else are 0, and nothing is found by id")
{
	struct kbpf_host h = *kbpf_posix_host();
	struct kbpf_obj a, *o;
	uint32_t next;

	h.state = NULL;
	h.id_alloc = legacy_id_alloc;
	h.id_release = legacy_id_release;
	kbpf_obj_init(&a, &h, KBPF_OBJ_MAP, noop_release);
	T_EQ(kbpf_obj_id_alloc(&a), 0);
	T_EQ(a.id, 42);
	T_EQ(kbpf_obj_by_id(&h, KBPF_OBJ_MAP, 42, &o), -KBPF_ENOENT);
	T_EQ(kbpf_obj_next_id(&h, KBPF_OBJ_MAP, 0, &next), -KBPF_ENOENT);
	kbpf_obj_id_release(&a);
	T_EQ(a.id, 0);
	h.id_alloc = NULL;
	h.id_release = NULL;
	T_EQ(kbpf_obj_id_alloc(&a), 0);
	T_EQ(a.id, 0);
}

KBPF_TEST(
	obj_ids_registry,
	"the registry gives cyclic ids per kind in [1, INT_MAX), never 0, reuses freed ids only after wrapping, walks them in order and finds only live objects")
{
	static struct kbpf_state st;
	struct kbpf_host h = *kbpf_posix_host();
	struct kbpf_obj o[4], l, *got;
	uint32_t next;

	memset(&st, 0, sizeof(st));
	h.state = &st;
	for (int i = 0; i < 4; i++) {
		kbpf_obj_init(&o[i], &h, KBPF_OBJ_MAP, noop_release);
		T_EQ(kbpf_obj_id_alloc(&o[i]), 0);
		T_EQ(o[i].id, (uint32_t)i + 1);
	}
	/* Another kind counts on its own. */
	kbpf_obj_init(&l, &h, KBPF_OBJ_LINK, noop_release);
	T_EQ(kbpf_obj_id_alloc(&l), 0);
	T_EQ(l.id, 1);
	/* A freed id is not reused before the cursor wraps. */
	kbpf_obj_id_release(&o[1]);
	T_EQ(kbpf_obj_id_alloc(&o[1]), 0);
	T_EQ(o[1].id, 5);
	T_EQ(kbpf_obj_next_id(&h, KBPF_OBJ_MAP, 0, &next), 0);
	T_EQ(next, 1);
	T_EQ(kbpf_obj_next_id(&h, KBPF_OBJ_MAP, 1, &next), 0);
	T_EQ(next, 3);
	T_EQ(kbpf_obj_next_id(&h, KBPF_OBJ_MAP, 5, &next), -KBPF_ENOENT);
	T_EQ(kbpf_obj_next_id(&h, KBPF_OBJ_PROG, 0, &next), -KBPF_ENOENT);
	/* By id: a reference and a user reference while alive. */
	T_EQ(kbpf_obj_by_id(&h, KBPF_OBJ_MAP, 3, &got), 0);
	T_EQ(got, &o[2]);
	T_EQ(atomic_load(&o[2].refcnt), 2);
	T_EQ(atomic_load(&o[2].usercnt), 2);
	atomic_store(&o[2].usercnt, 1);
	kbpf_obj_put(&o[2]);
	T_EQ(kbpf_obj_by_id(&h, KBPF_OBJ_MAP, 0, &got), -KBPF_ENOENT);
	T_EQ(kbpf_obj_by_id(&h, KBPF_OBJ_MAP, 2, &got), -KBPF_ENOENT);
	T_EQ(kbpf_obj_by_id(&h, KBPF_OBJ_LINK, 3, &got), -KBPF_ENOENT);
	/* Linked but already dying: not found (get-unless-zero). */
	atomic_store(&o[3].refcnt, 0);
	T_EQ(kbpf_obj_by_id(&h, KBPF_OBJ_MAP, 4, &got), -KBPF_ENOENT);
	atomic_store(&o[3].refcnt, 1);
	/* Past INT_MAX - 1 the cursor wraps to the lowest free id, never 0. */
	kbpf_ids_set_next(&h, KBPF_OBJ_MAP, 0x7ffffffe);
	kbpf_obj_id_release(&o[0]);
	T_EQ(kbpf_obj_id_alloc(&o[0]), 0);
	T_EQ(o[0].id, 0x7ffffffe);
	kbpf_obj_id_release(&o[2]);
	T_EQ(kbpf_obj_id_alloc(&o[2]), 0);
	T_EQ(o[2].id, 1);
	kbpf_obj_id_release(&o[3]);
	T_EQ(kbpf_obj_id_alloc(&o[3]), 0);
	T_EQ(o[3].id, 2);
	T_EQ(kbpf_obj_next_id(&h, KBPF_OBJ_MAP, 2, &next), 0);
	T_EQ(next, 5);
	for (int i = 0; i < 4; i++)
		kbpf_obj_id_release(&o[i]);
	kbpf_obj_id_release(&l);
	T_EQ(kbpf_obj_next_id(&h, KBPF_OBJ_MAP, 0, &next), -KBPF_ENOENT);
}
