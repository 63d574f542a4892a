// SPDX-License-Identifier: MIT
/*
 * The kfuncs kbpf implements itself, and the lookup by name that joins
 * them with the host's own (kbpf_host.kfuncs, include/kbpf/kfunc.h).
 * Programs name a kfunc by the BTF id of a FUNC in the host BTF; the load
 * (src/prog/kfunc.c) takes the FUNC's name from there and asks
 * kbpf_kfunc_find() for the implementation.
 *
 * kbpf's own are those whose meaning needs nothing from the host:
 * - bpf_rcu_read_lock/unlock: every program run already is a read-side
 *   section of kbpf's deferred frees (kbpf_host.defer_free waits for
 *   runs), so at run time they do nothing; the verifier applies Linux's
 *   rules of the region (src/verifier/kfunc.c).
 * - bpf_rdonly_cast: the pointer unchanged; the verifier types the result
 *   as an untrusted pointer whose loads are probe loads.
 * - bpf_iter_num_new/next/destroy: the numbers iterator of bpf_for() and
 *   bpf_repeat() (Linux's kernel/bpf/bpf_iter.c, in behaviour): an 8-byte
 *   struct bpf_iter_num on the program's stack holds the current value
 *   and the end (exclusive); _new refuses start > end (-EINVAL) and more
 *   than BPF_MAX_LOOPS (8 Mi) values (-E2BIG), both leaving an empty
 *   iterator; _next returns a pointer to the next value, or NULL once
 *   exhausted (and from then on: the iterator is zeroed); _destroy zeroes
 *   it. The verifier proves the loops (src/verifier/iter.c).
 * Every program type may call them (Linux registers them for all types:
 * measured, a caller of each type kbpf has loads on this kernel).
 *
 * Called at program load only; no state.
 */
#include "helpers/helpers.h"

static int kf_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

/* bpf_rcu_read_lock, bpf_rcu_read_unlock: see above. */
static uint64_t kf_nop(struct kbpf_run *run, uint64_t r1, uint64_t r2,
		       uint64_t r3, uint64_t r4, uint64_t r5)
{
	(void)run;
	(void)r1;
	(void)r2;
	(void)r3;
	(void)r4;
	(void)r5;
	return 0;
}

/* bpf_rdonly_cast(obj, btf_id): obj, typed by the verifier. */
static uint64_t kf_rdonly_cast(struct kbpf_run *run, uint64_t r1, uint64_t r2,
			       uint64_t r3, uint64_t r4, uint64_t r5)
{
	(void)run;
	(void)r2;
	(void)r3;
	(void)r4;
	(void)r5;
	return r1;
}

/* Linux's BPF_MAX_LOOPS: the most values one numbers iterator gives. */
#define KF_MAX_LOOPS (8 * 1024 * 1024)

/* struct bpf_iter_num as the kfuncs see it (Linux's layout: 8 bytes). */
struct kf_iter_num {
	int32_t cur; /* the value last returned (start - 1 before the first) */
	int32_t end; /* exclusive */
};

/* bpf_iter_num_new(it, start, end): 0, -EINVAL or -E2BIG (see above). */
static uint64_t kf_iter_num_new(struct kbpf_run *run, uint64_t r1, uint64_t r2,
				uint64_t r3, uint64_t r4, uint64_t r5)
{
	struct kf_iter_num *s = (struct kf_iter_num *)(uintptr_t)r1;
	int32_t start = (int32_t)(uint32_t)r2, end = (int32_t)(uint32_t)r3;

	(void)run;
	(void)r4;
	(void)r5;
	if (start > end) {
		s->cur = s->end = 0;
		return (uint64_t)(int64_t)-KBPF_EINVAL;
	}
	if ((int64_t)end - (int64_t)start > KF_MAX_LOOPS) {
		s->cur = s->end = 0;
		return (uint64_t)(int64_t)-KBPF_E2BIG;
	}
	/* the first _next gives start (start - 1 wraps for INT_MIN, harmlessly) */
	s->cur = (int32_t)((uint32_t)start - 1);
	s->end = end;
	return 0;
}

/* bpf_iter_num_next(it): &it->cur after a step, or NULL (then zeroed). */
static uint64_t kf_iter_num_next(struct kbpf_run *run, uint64_t r1, uint64_t r2,
				 uint64_t r3, uint64_t r4, uint64_t r5)
{
	struct kf_iter_num *s = (struct kf_iter_num *)(uintptr_t)r1;

	(void)run;
	(void)r2;
	(void)r3;
	(void)r4;
	(void)r5;
	/* cur + 1 in 32 bits, as Linux computes it, then compared in 64 */
	if ((int64_t)(int32_t)((uint32_t)s->cur + 1) >= (int64_t)s->end) {
		s->cur = s->end = 0;
		return 0;
	}
	s->cur++;
	return (uint64_t)(uintptr_t)&s->cur;
}

/* bpf_iter_num_destroy(it) */
static uint64_t kf_iter_num_destroy(struct kbpf_run *run, uint64_t r1,
				    uint64_t r2, uint64_t r3, uint64_t r4,
				    uint64_t r5)
{
	struct kf_iter_num *s = (struct kf_iter_num *)(uintptr_t)r1;

	(void)run;
	(void)r2;
	(void)r3;
	(void)r4;
	(void)r5;
	s->cur = s->end = 0;
	return 0;
}

static const struct kbpf_kfunc kbpf_kfuncs[] = {
	{ .name = "bpf_rcu_read_lock", .fn = kf_nop },
	{ .name = "bpf_rcu_read_unlock", .fn = kf_nop },
	{ .name = "bpf_rdonly_cast", .fn = kf_rdonly_cast },
	{ .name = "bpf_iter_num_new",
	  .fn = kf_iter_num_new,
	  .flags = KBPF_KF_ITER_NEW },
	{ .name = "bpf_iter_num_next",
	  .fn = kf_iter_num_next,
	  .flags = KBPF_KF_ITER_NEXT | KBPF_KF_RET_NULL },
	{ .name = "bpf_iter_num_destroy",
	  .fn = kf_iter_num_destroy,
	  .flags = KBPF_KF_ITER_DESTROY },
};

const struct kbpf_kfunc *kbpf_kfunc_find(const struct kbpf_host *h,
					 const char *name)
{
	uint32_t i;

	for (i = 0; h->kfuncs && i < h->nr_kfuncs; i++)
		if (h->kfuncs[i].name && h->kfuncs[i].fn &&
		    !kf_strcmp(h->kfuncs[i].name, name))
			return &h->kfuncs[i];
	for (i = 0; i < sizeof(kbpf_kfuncs) / sizeof(kbpf_kfuncs[0]); i++)
		if (!kf_strcmp(kbpf_kfuncs[i].name, name))
			return &kbpf_kfuncs[i];
	return NULL;
}
