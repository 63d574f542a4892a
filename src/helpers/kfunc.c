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

static const struct kbpf_kfunc kbpf_kfuncs[] = {
	{ .name = "bpf_rcu_read_lock", .fn = kf_nop },
	{ .name = "bpf_rcu_read_unlock", .fn = kf_nop },
	{ .name = "bpf_rdonly_cast", .fn = kf_rdonly_cast },
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
