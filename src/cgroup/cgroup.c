// SPDX-License-Identifier: MIT
/*
 * Programs attached to cgroups (Linux's kernel/bpf/cgroup.c in behaviour,
 * and the cgroup part of bpf_prog_attach/detach/query in syscall.c):
 * BPF_PROG_ATTACH, BPF_PROG_DETACH and BPF_PROG_QUERY for cgroup attach
 * types, the effective program arrays, and the runners of
 * include/kbpf/cgroup.h.
 *
 * State. kbpf keeps a struct kbpf_cgroup_bpf for each host cgroup that had
 * a program attached, reached through the host's pointer in that cgroup
 * (kbpf_host.cgroup_bpf) and linked in kbpf_state.cgroups, until the host
 * releases the cgroup. Per attach type it holds what Linux's struct
 * cgroup_bpf does: the cgroup's own programs in order, each with the
 * flags it was attached with; the cgroup's flags (none, ALLOW_OVERRIDE or
 * ALLOW_MULTI, all its programs alike); the revision (1 for a new cgroup,
 * one more after each attach or detach); and the effective array, the
 * programs that run for the cgroup, computed from the cgroup and its
 * ancestors as Linux's compute_effective_progs().
 *
 * A cgroup kbpf has no state for has no programs of its own, so its
 * effective array is its parent's (Linux computes the same array for it):
 * runners walk up to the nearest cgroup with state. An attach or detach at
 * cgroup A therefore recomputes the arrays of A and of every cgroup with
 * state below A, all allocated before any is published (Linux's
 * update_effective_progs()).
 *
 * Locking: kbpf_state.cgroup_lock, a spinlock taken with the host's
 * irq_save, serialises every change and the syscall path's reads (Linux's
 * cgroup_mutex). Under it kbpf calls only the host's cgroup_parent and
 * cgroup_bpf (which do not sleep) and allocates with KBPF_ALLOC_ATOMIC;
 * fds are resolved before it is taken and user memory is written after
 * it is dropped. Runners take no lock: they load a cgroup's state and its
 * effective array with acquire loads (pairing with the release stores
 * that publish them) inside the host's read-side section; a replaced array
 * and a detached program are freed through defer_free after every section
 * that may still run them. Without defer_free they stay with the cgroup's
 * state until kbpf_cgroup_release(). A detach whose new arrays cannot be
 * allocated clears the program's slots in the current arrays instead
 * (Linux's purge_effective_progs()), so that it never fails for memory.
 */
#include "cgroup_internal.h"
#include "core/alloc.h"
#include "core/atomic.h"
#include "core/object.h"
#include "core/priv.h"
#include "core/prog.h"
#include "core/spinlock.h"
#include "kbpf/cgroup.h"
#include "kbpf/state.h"
#include "maps/cgroup_storage.h"
#include "net/net_internal.h"

#define NR_ATYPES __MAX_BPF_ATTACH_TYPE
/* Linux's BPF_CGROUP_MAX_PROGS: programs one cgroup may have per type. */
#define CG_MAX_PROGS 64

/* PROG_ATTACH flags of cgroup types (Linux's BASE | MPROG masks). */
#define CG_ATTACH_FLAGS                                             \
	(BPF_F_ALLOW_OVERRIDE | BPF_F_ALLOW_MULTI | BPF_F_REPLACE | \
	 BPF_F_PREORDER | BPF_F_BEFORE | BPF_F_AFTER | BPF_F_ID | BPF_F_LINK)
#define BASE_ATTACH_FLAGS                                           \
	(BPF_F_ALLOW_OVERRIDE | BPF_F_ALLOW_MULTI | BPF_F_REPLACE | \
	 BPF_F_PREORDER)
#define MPROG_ATTACH_FLAGS \
	(BPF_F_REPLACE | BPF_F_BEFORE | BPF_F_AFTER | BPF_F_ID | BPF_F_LINK)

struct kbpf_cgroup_link;

/*
 * One attached program (Linux's struct bpf_prog_list): by BPF_PROG_ATTACH
 * (@prog, with the attachment's reference) or through a link (@link, whose
 * program runs).
 */
struct cg_entry {
	struct kbpf_prog *prog;
	struct kbpf_cgroup_link *link;
	uint32_t flags;
	/* Its program's cgroup storages for this cgroup and type. */
	struct kbpf_cgroup_storage *stor[KBPF_CG_STORAGE_TYPES];
};

/*
 * A cgroup link (BPF_LINK_CREATE): Linux's struct bpf_cgroup_link. @prog
 * (a reference) changes under the lock (BPF_LINK_UPDATE); @cgrp is NULL
 * once the link is detached or its cgroup released. Without defer_free a
 * released link whose program runners may still hold waits in its
 * cgroup's state (@retired_next) until kbpf_cgroup_release().
 */
struct kbpf_cgroup_link {
	struct kbpf_obj obj;
	struct kbpf_prog *prog;
	void *cgrp;
	uint32_t attach_type;
	struct kbpf_cgroup_link *retired_next;
	struct kbpf_rcu_head rcu;
};

static struct kbpf_prog *cg_entry_prog(const struct cg_entry *e)
{
	return e->link ? e->link->prog : e->prog;
}

/* A cgroup's own programs of one attach type, in order. */
struct cg_list {
	uint32_t n;
	struct cg_entry e[CG_MAX_PROGS];
};

/*
 * An effective array: what runs, in order. Immutable once published, but
 * for a purge, which clears a slot (runners skip NULL). After the @n
 * programs come their entries' storages, KBPF_CG_STORAGE_TYPES per slot
 * (cg_array_stor()): Linux's bpf_prog_array_item.cgroup_storage.
 */
struct cg_array {
	struct kbpf_rcu_head rcu;
	const struct kbpf_host *h;
	struct cg_array *retired_next;
	uint32_t n;
	struct kbpf_prog *progs[];
};

static struct kbpf_cgroup_storage **cg_array_stor(const struct cg_array *arr,
						  uint32_t i)
{
	return (struct kbpf_cgroup_storage **)(void *)&arr->progs[arr->n] +
	       (size_t)i * KBPF_CG_STORAGE_TYPES;
}

/* Without defer_free: a detached program, kept until the release. */
struct cg_retired_prog {
	struct cg_retired_prog *next;
	struct kbpf_prog *prog;
};

struct kbpf_cgroup_bpf {
	struct kbpf_cgroup_bpf *next; /* kbpf_state.cgroups */
	void *cgrp;
	struct cg_list *lists[NR_ATYPES];
	uint32_t flags[NR_ATYPES];
	uint64_t revision[NR_ATYPES];
	struct cg_array *effective[NR_ATYPES]; /* runners: acquire */
	struct cg_array *inactive; /* computed, not yet published */
	struct cg_array *retired_arrays; /* without defer_free */
	struct cg_retired_prog *retired_progs; /* without defer_free */
	struct kbpf_cgroup_link *retired_links; /* without defer_free */
	/* Its cgroup storages (src/maps/cgroup_storage.h), under the lock. */
	struct kbpf_cgroup_storage *storages;
	struct kbpf_rcu_head rcu;
	const struct kbpf_host *h;
};

/* ---- attach types ---- */

/* Linux's attach_type_to_prog_type(); BPF_PROG_TYPE_UNSPEC for the others. */
static uint32_t cg_attach_prog_type(uint32_t type)
{
	switch (type) {
	case BPF_CGROUP_INET_INGRESS:
	case BPF_CGROUP_INET_EGRESS:
		return BPF_PROG_TYPE_CGROUP_SKB;
	case BPF_CGROUP_INET_SOCK_CREATE:
	case BPF_CGROUP_INET_SOCK_RELEASE:
	case BPF_CGROUP_INET4_POST_BIND:
	case BPF_CGROUP_INET6_POST_BIND:
		return BPF_PROG_TYPE_CGROUP_SOCK;
	case BPF_CGROUP_INET4_BIND:
	case BPF_CGROUP_INET6_BIND:
	case BPF_CGROUP_INET4_CONNECT:
	case BPF_CGROUP_INET6_CONNECT:
	case BPF_CGROUP_UNIX_CONNECT:
	case BPF_CGROUP_INET4_GETPEERNAME:
	case BPF_CGROUP_INET6_GETPEERNAME:
	case BPF_CGROUP_UNIX_GETPEERNAME:
	case BPF_CGROUP_INET4_GETSOCKNAME:
	case BPF_CGROUP_INET6_GETSOCKNAME:
	case BPF_CGROUP_UNIX_GETSOCKNAME:
	case BPF_CGROUP_UDP4_SENDMSG:
	case BPF_CGROUP_UDP6_SENDMSG:
	case BPF_CGROUP_UNIX_SENDMSG:
	case BPF_CGROUP_UDP4_RECVMSG:
	case BPF_CGROUP_UDP6_RECVMSG:
	case BPF_CGROUP_UNIX_RECVMSG:
		return BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
	case BPF_CGROUP_SOCK_OPS:
		return BPF_PROG_TYPE_SOCK_OPS;
	case BPF_CGROUP_DEVICE:
		return BPF_PROG_TYPE_CGROUP_DEVICE;
	case BPF_SK_MSG_VERDICT:
		return BPF_PROG_TYPE_SK_MSG;
	case BPF_SK_SKB_STREAM_PARSER:
	case BPF_SK_SKB_STREAM_VERDICT:
	case BPF_SK_SKB_VERDICT:
		return BPF_PROG_TYPE_SK_SKB;
	case BPF_LIRC_MODE2:
		return BPF_PROG_TYPE_LIRC_MODE2;
	case BPF_FLOW_DISSECTOR:
		return BPF_PROG_TYPE_FLOW_DISSECTOR;
	case BPF_CGROUP_SYSCTL:
		return BPF_PROG_TYPE_CGROUP_SYSCTL;
	case BPF_CGROUP_GETSOCKOPT:
	case BPF_CGROUP_SETSOCKOPT:
		return BPF_PROG_TYPE_CGROUP_SOCKOPT;
	case BPF_TRACE_ITER:
	case BPF_TRACE_RAW_TP:
	case BPF_TRACE_FENTRY:
	case BPF_TRACE_FEXIT:
	case BPF_MODIFY_RETURN:
		return BPF_PROG_TYPE_TRACING;
	case BPF_LSM_MAC:
	case BPF_LSM_CGROUP:
		return BPF_PROG_TYPE_LSM;
	case BPF_SK_LOOKUP:
		return BPF_PROG_TYPE_SK_LOOKUP;
	case BPF_XDP:
		return BPF_PROG_TYPE_XDP;
	case BPF_TCX_INGRESS:
	case BPF_TCX_EGRESS:
	case BPF_NETKIT_PRIMARY:
	case BPF_NETKIT_PEER:
		return BPF_PROG_TYPE_SCHED_CLS;
	default:
		return BPF_PROG_TYPE_UNSPEC;
	}
}

/* Linux's is_cgroup_prog_type(ptype, 0, false). */
static bool cg_is_cgroup_prog_type(uint32_t ptype)
{
	switch (ptype) {
	case BPF_PROG_TYPE_CGROUP_DEVICE:
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_CGROUP_SOCK:
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
	case BPF_PROG_TYPE_CGROUP_SOCKOPT:
	case BPF_PROG_TYPE_CGROUP_SYSCTL:
	case BPF_PROG_TYPE_SOCK_OPS:
	case BPF_PROG_TYPE_LSM:
		return true;
	default:
		return false;
	}
}

/* The attach types that have a cgroup program list (not BPF_LSM_CGROUP). */
static bool cg_is_cgroup_attach(uint32_t type)
{
	uint32_t ptype = cg_attach_prog_type(type);

	return type != BPF_LSM_CGROUP && ptype != BPF_PROG_TYPE_LSM &&
	       cg_is_cgroup_prog_type(ptype);
}

/* ---- host cgroups and their state ---- */

static struct kbpf_spinlock *cg_lock(const struct kbpf_host *h)
{
	_Static_assert(sizeof(h->state->cgroup_lock) ==
			       sizeof(struct kbpf_spinlock),
		       "kbpf_state.cgroup_lock holds a struct kbpf_spinlock");
	return (struct kbpf_spinlock *)(void *)&h->state->cgroup_lock;
}

/*
 * Linux's cgroup_get_from_fd(): -EBADF for an fd that is not a cgroup
 * directory, and for every fd on a host that has no cgroups for kbpf.
 */
static int cg_get(const struct kbpf_host *h, int fd, void **cgrp)
{
	if (!h->state || !h->cgroup_get || !h->cgroup_put ||
	    !h->cgroup_parent || !h->cgroup_bpf)
		return -KBPF_EBADF;
	return h->cgroup_get(h, fd, cgrp);
}

static struct kbpf_cgroup_bpf *cg_state(const struct kbpf_host *h, void *cgrp)
{
	return kbpf_load_acquire_ptr(h->cgroup_bpf(h, cgrp));
}

/* Is @c @anc or below it? */
static bool cg_below(const struct kbpf_host *h, void *c, void *anc)
{
	for (; c; c = h->cgroup_parent(h, c))
		if (c == anc)
			return true;
	return false;
}

static size_t cg_array_size(uint32_t n)
{
	return sizeof(struct cg_array) + n * sizeof(struct kbpf_prog *) +
	       (size_t)n * KBPF_CG_STORAGE_TYPES *
		       sizeof(struct kbpf_cgroup_storage *);
}

static void cg_array_free(struct cg_array *arr)
{
	if (arr)
		kbpf_free(arr->h, arr, cg_array_size(arr->n));
}

static void cg_array_free_rcu(struct kbpf_rcu_head *head)
{
	cg_array_free(kbpf_container_of(head, struct cg_array, rcu));
}

/* @arr left the state of @st: free it once no runner may hold it. */
static void cg_array_retire(struct kbpf_cgroup_bpf *st, struct cg_array *arr)
{
	const struct kbpf_host *h = st->h;

	if (!arr)
		return;
	if (h->defer_free) {
		arr->rcu.func = cg_array_free_rcu;
		h->defer_free(h, &arr->rcu);
	} else {
		arr->retired_next = st->retired_arrays;
		st->retired_arrays = arr;
	}
}

/*
 * Does level @st contribute to an effective array for type @t, with @cnt
 * programs found below it? Linux: while none was found, or when the level
 * allows multiple programs.
 */
static bool cg_level_runs(const struct kbpf_cgroup_bpf *st, uint32_t t,
			  uint32_t cnt)
{
	return st && st->lists[t] &&
	       (!cnt || (st->flags[t] & BPF_F_ALLOW_MULTI));
}

/*
 * Place the effective programs of @cgrp for type @t into @arr (NULL: only
 * count), as Linux's compute_effective_progs(): the cgroup's own programs,
 * then each ancestor's; BPF_F_PREORDER programs come first, an
 * ancestor's before a descendant's, each level's in its own order.
 * @pre: the number of preorder programs (from a counting pass).
 * Return the index of entry @tidx of level @tgt (UINT32_MAX if it does not
 * run for @cgrp); *@cnt receives the total. Called with the lock held.
 */
static uint32_t cg_place(const struct kbpf_host *h, void *cgrp, uint32_t t,
			 struct cg_array *arr, uint32_t pre, void *tgt,
			 uint32_t tidx, uint32_t *cnt)
{
	uint32_t fpos = pre, pend = pre, n = 0, at = UINT32_MAX, i;
	struct kbpf_cgroup_bpf *st;
	void *p;

	for (p = cgrp; p; p = h->cgroup_parent(h, p)) {
		const struct cg_list *l;
		uint32_t k = 0, b;

		st = cg_state(h, p);
		if (!cg_level_runs(st, t, n))
			continue;
		l = st->lists[t];
		for (i = 0; i < l->n; i++)
			k += !!(l->e[i].flags & BPF_F_PREORDER);
		b = pend - k;
		for (i = 0; i < l->n; i++, n++) {
			uint32_t pos = l->e[i].flags & BPF_F_PREORDER ? b++ :
									fpos++;

			if (arr) {
				arr->progs[pos] = cg_entry_prog(&l->e[i]);
				memcpy(cg_array_stor(arr, pos), l->e[i].stor,
				       sizeof(l->e[i].stor));
			}
			if (p == tgt && i == tidx)
				at = pos;
		}
		pend -= k;
	}
	*cnt = n;
	return at;
}

/*
 * The effective array of @cgrp for type @t in *@out (NULL when nothing
 * runs). Called with the lock held; allocates atomically.
 */
static int cg_compute(const struct kbpf_host *h, void *cgrp, uint32_t t,
		      struct cg_array **out)
{
	uint32_t cnt = 0, pre = 0, i;
	struct kbpf_cgroup_bpf *st;
	struct cg_array *arr;
	void *p;

	*out = NULL;
	for (p = cgrp; p; p = h->cgroup_parent(h, p)) {
		st = cg_state(h, p);
		if (!cg_level_runs(st, t, cnt))
			continue;
		for (i = 0; i < st->lists[t]->n; i++, cnt++)
			if (st->lists[t]->e[i].flags & BPF_F_PREORDER)
				pre++;
	}
	if (!cnt)
		return 0;
	arr = kbpf_zalloc(h, cg_array_size(cnt), KBPF_ALLOC_ATOMIC);
	if (!arr)
		return -KBPF_ENOMEM;
	arr->h = h;
	arr->n = cnt;
	cg_place(h, cgrp, t, arr, pre, NULL, 0, &cnt);
	*out = arr;
	return 0;
}

/*
 * Linux's update_effective_progs(): recompute type @t for @cgrp and every
 * cgroup with state below it; all or nothing. Called with the lock held.
 */
static int cg_update(const struct kbpf_host *h, void *cgrp, uint32_t t)
{
	struct kbpf_cgroup_bpf *st;
	int err = 0;

	for (st = h->state->cgroups; st; st = st->next) {
		if (!cg_below(h, st->cgrp, cgrp))
			continue;
		err = cg_compute(h, st->cgrp, t, &st->inactive);
		if (err)
			break;
	}
	for (st = h->state->cgroups; st; st = st->next) {
		struct cg_array *old;

		if (!cg_below(h, st->cgrp, cgrp))
			continue;
		if (err) {
			cg_array_free(st->inactive);
		} else {
			old = st->effective[t];
			/* Pairs with the runners' acquire in cg_effective(). */
			kbpf_store_release_ptr(&st->effective[t], st->inactive);
			cg_array_retire(st, old);
		}
		st->inactive = NULL;
	}
	return err;
}

/*
 * Linux's purge_effective_progs(): entry @idx of @cgrp's list for @t is
 * being detached and the new arrays could not be allocated; clear its
 * slot in the current arrays of @cgrp and below (runners skip it). Called
 * with the lock held, the entry still in the list.
 */
static void cg_purge(const struct kbpf_host *h, void *cgrp, uint32_t t,
		     uint32_t idx)
{
	struct kbpf_cgroup_bpf *st;

	for (st = h->state->cgroups; st; st = st->next) {
		struct cg_array *arr = st->effective[t];
		uint32_t cnt, pre = 0, i, pos;
		void *p;

		if (!arr || !cg_below(h, st->cgrp, cgrp))
			continue;
		for (p = st->cgrp, cnt = 0; p; p = h->cgroup_parent(h, p)) {
			struct kbpf_cgroup_bpf *lst = cg_state(h, p);

			if (!cg_level_runs(lst, t, cnt))
				continue;
			for (i = 0; i < lst->lists[t]->n; i++, cnt++)
				pre += !!(lst->lists[t]->e[i].flags &
					  BPF_F_PREORDER);
		}
		pos = cg_place(h, st->cgrp, t, NULL, pre, cgrp, idx, &cnt);
		if (pos < arr->n)
			kbpf_store_release_ptr(&arr->progs[pos], NULL);
	}
}

/* A detached program's reference: dropped now, or kept until the release. */
static void cg_prog_retire(struct kbpf_cgroup_bpf *st, struct kbpf_prog *prog,
			   struct cg_retired_prog *slot)
{
	if (!slot) {
		/* Programs are freed through defer_free (src/prog/prog.c). */
		kbpf_prog_put(prog);
		return;
	}
	slot->prog = prog;
	slot->next = st->retired_progs;
	st->retired_progs = slot;
}

/*
 * The state of @cgrp, created if it has none: Linux's cgroup_bpf_inherit(),
 * every type's effective array computed from the ancestors. Called with the
 * lock held.
 */
static int cg_state_get(const struct kbpf_host *h, void *cgrp,
			struct kbpf_cgroup_bpf **out)
{
	struct kbpf_cgroup_bpf *st = cg_state(h, cgrp);
	uint32_t t;
	int err;

	if (st) {
		*out = st;
		return 0;
	}
	st = kbpf_zalloc(h, sizeof(*st), KBPF_ALLOC_ATOMIC);
	if (!st)
		return -KBPF_ENOMEM;
	st->h = h;
	st->cgrp = cgrp;
	for (t = 0; t < NR_ATYPES; t++) {
		if (!cg_is_cgroup_attach(t))
			continue;
		err = cg_compute(h, cgrp, t, &st->effective[t]);
		if (err) {
			while (t--)
				cg_array_free(st->effective[t]);
			kbpf_free(h, st, sizeof(*st));
			return err;
		}
	}
	st->next = h->state->cgroups;
	h->state->cgroups = st;
	/* Pairs with the runners' acquire in cg_state(). */
	kbpf_store_release_ptr(h->cgroup_bpf(h, cgrp), st);
	*out = st;
	return 0;
}

static void cg_state_free(struct kbpf_rcu_head *head)
{
	struct kbpf_cgroup_bpf *st =
		kbpf_container_of(head, struct kbpf_cgroup_bpf, rcu);

	kbpf_free(st->h, st, sizeof(*st));
}

static void cg_link_free(struct kbpf_cgroup_link *link);

void kbpf_cgroup_release(const struct kbpf_host *h, void *cgrp)
{
	struct kbpf_cgroup_bpf *st, **pp;
	struct kbpf_cgroup_storage *stor = NULL;
	struct kbpf_cgroup_link *link;
	struct cg_retired_prog *rp;
	struct cg_array *arr;
	unsigned long flags;
	uint32_t t, i;

	if (!h->state || !h->cgroup_bpf)
		return;
	flags = kbpf_spin_lock_irqsave(h, cg_lock(h));
	st = cg_state(h, cgrp);
	if (st) {
		for (pp = &h->state->cgroups; *pp != st; pp = &(*pp)->next)
			;
		*pp = st->next;
		kbpf_store_release_ptr(h->cgroup_bpf(h, cgrp), NULL);
		/* Links auto-detach: they live on, defunct (Linux). */
		for (t = 0; t < NR_ATYPES; t++)
			for (i = 0; st->lists[t] && i < st->lists[t]->n; i++)
				if (st->lists[t]->e[i].link)
					st->lists[t]->e[i].link->cgrp = NULL;
		/* Linux's cgroup_bpf_release(): the storages go too. */
		stor = kbpf_cgroup_storage_unlink_all(&st->storages);
	}
	kbpf_spin_unlock_irqrestore(h, cg_lock(h), flags);
	if (!st)
		return;
	kbpf_cgroup_storage_free_chain(h, stor);
	/*
	 * Nothing reaches @st any more but runs already inside it (the host
	 * gives released cgroups to no runner, and descendants go first).
	 */
	for (t = 0; t < NR_ATYPES; t++) {
		cg_array_retire(st, st->effective[t]);
		if (!st->lists[t])
			continue;
		for (i = 0; i < st->lists[t]->n; i++)
			if (!st->lists[t]->e[i].link)
				kbpf_prog_put(st->lists[t]->e[i].prog);
		kbpf_free(h, st->lists[t], sizeof(*st->lists[t]));
	}
	while ((arr = st->retired_arrays)) {
		st->retired_arrays = arr->retired_next;
		cg_array_free(arr);
	}
	while ((rp = st->retired_progs)) {
		st->retired_progs = rp->next;
		kbpf_prog_put(rp->prog);
		kbpf_free(h, rp, sizeof(*rp));
	}
	while ((link = st->retired_links)) {
		st->retired_links = link->retired_next;
		cg_link_free(link);
	}
	if (h->defer_free) {
		st->rcu.func = cg_state_free;
		h->defer_free(h, &st->rcu);
	} else {
		kbpf_free(h, st, sizeof(*st));
	}
}

/* ---- BPF_PROG_ATTACH ---- */

/*
 * Linux's bpf_prog_get_type(): the program behind @fd, of type @ptype.
 * -EBADF for an fd that is not open, -EINVAL for one that is no program
 * or a program of another type.
 */
static int cg_prog_get(const struct kbpf_host *h, uint32_t fd, uint32_t ptype,
		       struct kbpf_prog **out)
{
	struct kbpf_obj *obj;
	int err = kbpf_obj_fd_get(h, (int)fd, KBPF_OBJ_PROG, &obj, NULL);

	if (err)
		return err;
	*out = kbpf_container_of(obj, struct kbpf_prog, obj);
	if (ptype != BPF_PROG_TYPE_UNSPEC && (*out)->type != ptype) {
		kbpf_prog_put(*out);
		return -KBPF_EINVAL;
	}
	return 0;
}

/* Linux's bpf_prog_attach_check_attach_type() for cgroup programs. */
static int cg_check_attach_type(const struct kbpf_host *h,
				const struct kbpf_prog *prog, uint32_t type)
{
	switch (prog->type) {
	case BPF_PROG_TYPE_CGROUP_SOCK:
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
	case BPF_PROG_TYPE_CGROUP_SOCKOPT:
		return type == prog->expected_attach_type ? 0 : -KBPF_EINVAL;
	case BPF_PROG_TYPE_CGROUP_SKB:
		/* Loaded by anyone, attached with CAP_NET_ADMIN only. */
		if (!kbpf_priv_has(h, KBPF_PRIV_NET_ADMIN))
			return -KBPF_EPERM;
		return prog->enforce_expected_attach_type &&
				       prog->expected_attach_type != type ?
			       -KBPF_EINVAL :
			       0;
	default:
		return cg_attach_prog_type(type) == prog->type ? 0 :
								 -KBPF_EINVAL;
	}
}

/*
 * The revision of @st's list of type @t: Linux's start at 1 for a new
 * cgroup and count every attach and detach; kept as the count of changes.
 */
static uint64_t cg_revision(const struct kbpf_cgroup_bpf *st, uint32_t t)
{
	return 1 + (st ? st->revision[t] : 0);
}

/* Linux's hierarchy_allows_attach(). Called with the lock held. */
static bool cg_hierarchy_allows(const struct kbpf_host *h, void *cgrp,
				uint32_t t)
{
	void *p;

	for (p = h->cgroup_parent(h, cgrp); p; p = h->cgroup_parent(h, p)) {
		struct kbpf_cgroup_bpf *st = cg_state(h, p);

		if (!st)
			continue;
		if (st->flags[t] & BPF_F_ALLOW_MULTI)
			return true;
		if (st->lists[t] && st->lists[t]->n)
			return !!(st->flags[t] & BPF_F_ALLOW_OVERRIDE);
	}
	return true;
}

/*
 * The anchor of an mprog-style insertion (BPF_F_BEFORE/AFTER with
 * relative_fd or BPF_F_ID with relative_id), resolved before the lock is
 * taken; its error is reported where Linux's get_prog_list() finds it.
 */
struct cg_anchor {
	struct kbpf_obj *obj; /* with a reference (an id: a user one too) */
	bool by_id;
	int err;
};

static void cg_anchor_get(const struct kbpf_host *h, uint32_t flags,
			  uint32_t id_or_fd, struct cg_anchor *a)
{
	uint32_t type = flags & BPF_F_LINK ? KBPF_OBJ_LINK : KBPF_OBJ_PROG;

	a->obj = NULL;
	a->err = 0;
	a->by_id = flags & BPF_F_ID;
	if (a->by_id)
		a->err = kbpf_obj_by_id(h, type, id_or_fd, &a->obj);
	else if (id_or_fd)
		a->err = kbpf_obj_fd_get(h, (int)id_or_fd, type, &a->obj, NULL);
	else if (flags & BPF_F_LINK)
		a->err = -KBPF_EINVAL; /* Linux: no link to look up */
}

static void cg_anchor_put(struct cg_anchor *a)
{
	if (!a->obj)
		return;
	if (a->by_id)
		kbpf_obj_uref_put(a->obj);
	else
		kbpf_obj_put(a->obj);
}

/*
 * Linux's get_prog_list() and insert_pl_to_hlist(): where a new entry goes
 * in @l (an index to insert at), or a negative errno. @is_link: the new
 * entry is a link's. Called with the lock held.
 */
static long cg_insert_pos(const struct cg_list *l, uint32_t flags,
			  uint32_t id_or_fd, bool is_link_entry,
			  const struct cg_anchor *a)
{
	bool before = flags & BPF_F_BEFORE, after = flags & BPF_F_AFTER;
	bool is_link = flags & BPF_F_LINK, is_id = flags & BPF_F_ID;
	uint32_t n = l ? l->n : 0, i;

	if (is_link || is_id || id_or_fd) {
		if (before == after || is_link != is_link_entry)
			return -KBPF_EINVAL;
	} else if (n && before && after) {
		return -KBPF_EINVAL;
	}
	if (is_link || is_id || id_or_fd) {
		if (a->err)
			return a->err;
		/* A program anchor names a program attached by PROG_ATTACH. */
		for (i = 0; i < n; i++) {
			struct kbpf_obj *o =
				is_link ? (l->e[i].link ? &l->e[i].link->obj :
							  NULL) :
					  (l->e[i].prog ? &l->e[i].prog->obj :
							  NULL);

			if (o != a->obj)
				continue;
			if (!!(l->e[i].flags & BPF_F_PREORDER) !=
			    !!(flags & BPF_F_PREORDER))
				return -KBPF_EINVAL;
			return before ? i : i + 1;
		}
		return -KBPF_ENOENT;
	}
	/* No anchor: first with BPF_F_BEFORE, else last (or the head). */
	return before || !n ? 0 : n;
}

/* ---- cgroup storage (src/maps/cgroup_storage.c) ---- */

/*
 * Storages for @prog's cgroup storage maps, allocated before the lock is
 * taken (Linux's bpf_cgroup_storages_alloc() without the reuse, which
 * cg_storage_pick() does under the lock). Storages are found by cgroup id:
 * a host without cgroup_id would give every cgroup id 0 and one cgroup's
 * storage to all. Return 0, -EOPNOTSUPP (such a host) or -ENOMEM.
 */
static int cg_storage_prealloc(const struct kbpf_host *h,
			       struct kbpf_prog *prog,
			       struct kbpf_cgroup_storage **fresh)
{
	uint32_t k;
	int err;

	for (k = 0; k < KBPF_CG_STORAGE_TYPES; k++) {
		fresh[k] = NULL;
		if (!prog->cg_storage[k])
			continue;
		if (!h->cgroup_id) {
			while (k--)
				kbpf_cgroup_storage_free(fresh[k]);
			return -KBPF_EOPNOTSUPP;
		}
		err = kbpf_cgroup_storage_alloc(prog->cg_storage[k], &fresh[k]);
		if (err) {
			while (k--)
				kbpf_cgroup_storage_free(fresh[k]);
			return err;
		}
	}
	return 0;
}

static void cg_storage_free_fresh(struct kbpf_cgroup_storage **fresh)
{
	for (uint32_t k = 0; k < KBPF_CG_STORAGE_TYPES; k++)
		kbpf_cgroup_storage_free(fresh[k]);
}

static uint64_t cg_id(const struct kbpf_host *h, void *cgrp)
{
	return h->cgroup_id ? h->cgroup_id(h, cgrp) : 0;
}

/*
 * The storages an entry of @prog at @cgrp for @t uses: the map's existing
 * one for the key, else the fresh one. Called with the lock held.
 */
static void cg_storage_pick(const struct kbpf_host *h, void *cgrp, uint32_t t,
			    struct kbpf_prog *prog,
			    struct kbpf_cgroup_storage **fresh,
			    struct kbpf_cgroup_storage **out)
{
	for (uint32_t k = 0; k < KBPF_CG_STORAGE_TYPES; k++) {
		out[k] = NULL;
		if (!prog->cg_storage[k])
			continue;
		out[k] = kbpf_cgroup_storage_find(prog->cg_storage[k],
						  cg_id(h, cgrp), t);
		if (!out[k])
			out[k] = fresh[k];
	}
}

/* The attach succeeded: link the fresh storages it uses (taken). */
static void cg_storage_commit(const struct kbpf_host *h, void *cgrp, uint32_t t,
			      struct kbpf_cgroup_bpf *st,
			      struct kbpf_cgroup_storage **fresh,
			      struct kbpf_cgroup_storage *const *used)
{
	for (uint32_t k = 0; k < KBPF_CG_STORAGE_TYPES; k++) {
		if (!fresh[k] || used[k] != fresh[k])
			continue;
		kbpf_cgroup_storage_link(fresh[k], cg_id(h, cgrp), t,
					 &st->storages);
		fresh[k] = NULL;
	}
}

/*
 * Linux's __cgroup_bpf_attach(). Called with the lock held. @spare: an
 * empty list for the type's first program (taken if used). A program the
 * attachment replaces goes to *@old (its reference, for the caller to drop
 * after the unlock), or to @rslot without defer_free.
 */
static int
cg_attach_locked(const struct kbpf_host *h, void *cgrp, struct kbpf_prog *prog,
		 struct kbpf_prog *replace, struct kbpf_cgroup_link *link,
		 uint32_t t, uint32_t flags, uint32_t id_or_fd,
		 uint64_t revision, const struct cg_anchor *a,
		 struct cg_list **spare, struct cg_retired_prog **rslot,
		 struct kbpf_prog **old, struct kbpf_cgroup_storage **fresh)
{
	uint32_t saved = flags & (BPF_F_ALLOW_OVERRIDE | BPF_F_ALLOW_MULTI);
	struct kbpf_cgroup_storage *stor[KBPF_CG_STORAGE_TYPES];
	struct kbpf_cgroup_bpf *st = cg_state(h, cgrp);
	struct cg_list *l = st ? st->lists[t] : NULL;
	uint32_t n = l ? l->n : 0, i;
	struct cg_entry prev;
	long pos = -1, at;
	int err;

	if (((flags & BPF_F_ALLOW_OVERRIDE) && (flags & BPF_F_ALLOW_MULTI)) ||
	    ((flags & BPF_F_REPLACE) && !(flags & BPF_F_ALLOW_MULTI)))
		return -KBPF_EINVAL;
	if ((flags & BPF_F_REPLACE) && (flags & (BPF_F_BEFORE | BPF_F_AFTER)))
		return -KBPF_EINVAL;
	if (revision && revision != cg_revision(st, t))
		return -KBPF_ESTALE;
	if (!cg_hierarchy_allows(h, cgrp, t))
		return -KBPF_EPERM;
	if (n && st->flags[t] != saved)
		return -KBPF_EPERM;
	if (n >= CG_MAX_PROGS)
		return -KBPF_E2BIG;
	/* Linux's find_attach_entry(): the entry to reuse, if any. */
	if (!(flags & BPF_F_ALLOW_MULTI)) {
		if (n)
			pos = 0;
	} else {
		for (i = 0; i < n; i++)
			if (prog && l->e[i].prog == prog && prog != replace)
				return -KBPF_EINVAL;
		if (replace) {
			for (i = 0; i < n && l->e[i].prog != replace; i++)
				;
			if (i == n)
				return -KBPF_ENOENT;
			pos = i;
		}
	}
	cg_storage_pick(h, cgrp, t, link ? link->prog : prog, fresh, stor);
	if (pos >= 0) {
		prev = l->e[pos];
		l->e[pos] = (struct cg_entry){ prog, NULL, flags, { 0 } };
		memcpy(l->e[pos].stor, stor, sizeof(stor));
		st->flags[t] = saved;
		err = cg_update(h, cgrp, t);
		if (err) {
			l->e[pos] = prev;
			return err;
		}
		if (h->defer_free) {
			*old = prev.prog;
		} else {
			cg_prog_retire(st, prev.prog, *rslot);
			*rslot = NULL;
		}
	} else {
		at = cg_insert_pos(l, flags, id_or_fd, link != NULL, a);
		if (at < 0)
			return (int)at;
		err = cg_state_get(h, cgrp, &st);
		if (err)
			return err;
		if (!st->lists[t]) {
			st->lists[t] = *spare;
			*spare = NULL;
		}
		l = st->lists[t];
		for (i = l->n; i > (uint32_t)at; i--)
			l->e[i] = l->e[i - 1];
		l->e[at] = (struct cg_entry){ prog, link, flags, { 0 } };
		memcpy(l->e[at].stor, stor, sizeof(stor));
		l->n++;
		st->flags[t] = saved;
		err = cg_update(h, cgrp, t);
		if (err) {
			for (i = (uint32_t)at; i + 1 < l->n; i++)
				l->e[i] = l->e[i + 1];
			l->n--;
			return err;
		}
	}
	st->revision[t]++;
	cg_storage_commit(h, cgrp, t, st, fresh, stor);
	if (link)
		link->cgrp = cgrp;
	else
		kbpf_prog_get(prog); /* the attachment's reference */
	return 0;
}

/* Linux's cgroup_bpf_prog_attach(), after bpf_prog_attach()'s checks. */
static long cg_prog_attach(const struct kbpf_host *h,
			   const union bpf_attr *attr, struct kbpf_prog *prog)
{
	struct kbpf_prog *replace = NULL, *old = NULL;
	struct kbpf_cgroup_storage *fresh[KBPF_CG_STORAGE_TYPES];
	struct cg_retired_prog *rslot = NULL;
	struct cg_list *spare;
	struct cg_anchor a;
	unsigned long irq;
	void *cgrp;
	long err;

	err = cg_get(h, (int)attr->target_fd, &cgrp);
	if (err)
		return err;
	if ((attr->attach_flags & BPF_F_ALLOW_MULTI) &&
	    (attr->attach_flags & BPF_F_REPLACE)) {
		err = cg_prog_get(h, attr->replace_bpf_fd, prog->type,
				  &replace);
		if (err) {
			h->cgroup_put(h, cgrp);
			return err;
		}
	}
	cg_anchor_get(h, attr->attach_flags, attr->relative_fd, &a);
	spare = kbpf_zalloc(h, sizeof(*spare), 0);
	if (!h->defer_free)
		rslot = kbpf_zalloc(h, sizeof(*rslot), 0);
	if (!spare || (!h->defer_free && !rslot)) {
		err = -KBPF_ENOMEM;
	} else if ((err = cg_storage_prealloc(h, prog, fresh))) {
		/* -ENOMEM (Linux allocates after its attach checks) */
	} else {
		irq = kbpf_spin_lock_irqsave(h, cg_lock(h));
		err = cg_attach_locked(h, cgrp, prog, replace, NULL,
				       attr->attach_type, attr->attach_flags,
				       attr->relative_fd,
				       attr->expected_revision, &a, &spare,
				       &rslot, &old, fresh);
		kbpf_spin_unlock_irqrestore(h, cg_lock(h), irq);
		cg_storage_free_fresh(fresh);
	}
	if (old)
		kbpf_prog_put(old);
	kbpf_free(h, spare, sizeof(*spare));
	kbpf_free(h, rslot, sizeof(*rslot));
	cg_anchor_put(&a);
	if (replace)
		kbpf_prog_put(replace);
	h->cgroup_put(h, cgrp);
	return err;
}

long kbpf_sys_prog_attach(const struct kbpf_host *h, union bpf_attr *attr,
			  void *uattr, unsigned int size)
{
	struct kbpf_prog *prog;
	uint32_t ptype;
	long err;

	(void)uattr;
	(void)size;
	ptype = cg_attach_prog_type(attr->attach_type);
	if (ptype == BPF_PROG_TYPE_UNSPEC)
		return -KBPF_EINVAL;
	if (ptype == BPF_PROG_TYPE_SCHED_CLS) {
		if (attr->attach_flags & ~MPROG_ATTACH_FLAGS)
			return -KBPF_EINVAL;
	} else if (cg_is_cgroup_prog_type(ptype)) {
		if (attr->attach_flags & ~CG_ATTACH_FLAGS)
			return -KBPF_EINVAL;
	} else if ((attr->attach_flags & ~BASE_ATTACH_FLAGS) ||
		   attr->relative_fd || attr->expected_revision) {
		return -KBPF_EINVAL;
	}
	err = cg_prog_get(h, attr->attach_bpf_fd, ptype, &prog);
	if (err)
		return err;
	if (cg_is_cgroup_attach(attr->attach_type)) {
		/* Linux answers any mismatch here with -EINVAL. */
		err = cg_check_attach_type(h, prog, attr->attach_type) ?
			      -KBPF_EINVAL :
			      cg_prog_attach(h, attr, prog);
	} else if (ptype == BPF_PROG_TYPE_SCHED_CLS) {
		/* tcx and netkit: kbpf has no such devices. */
		err = -KBPF_EOPNOTSUPP;
	} else {
		/* XDP and tracing programs attach otherwise (Linux: -EINVAL). */
		err = -KBPF_EINVAL;
	}
	kbpf_prog_put(prog);
	return err;
}

/* ---- BPF_PROG_DETACH ---- */

/*
 * Linux's __cgroup_bpf_detach(). Called with the lock held. The detached
 * program goes to *@old (for the caller to drop after the unlock), or to
 * @rslot without defer_free.
 */
static int cg_detach_locked(const struct kbpf_host *h, void *cgrp,
			    struct kbpf_prog *prog,
			    struct kbpf_cgroup_link *link, uint32_t t,
			    uint64_t revision, struct cg_retired_prog **rslot,
			    struct kbpf_prog **old)
{
	struct kbpf_cgroup_bpf *st = cg_state(h, cgrp);
	struct cg_list *l = st ? st->lists[t] : NULL;
	uint32_t n = l ? l->n : 0, i;
	struct cg_entry gone;

	if (revision && revision != cg_revision(st, t))
		return -KBPF_ESTALE;
	/* Linux's find_detach_entry(). */
	if (!(st && (st->flags[t] & BPF_F_ALLOW_MULTI))) {
		/* Without MULTI the one program goes, whatever fd was given. */
		if (!n)
			return -KBPF_ENOENT;
		i = 0;
	} else {
		if (!prog && !link)
			return -KBPF_EINVAL;
		for (i = 0; i < n; i++)
			if (l->e[i].prog == prog && l->e[i].link == link)
				break;
		if (i == n)
			return -KBPF_ENOENT;
	}
	gone = l->e[i];
	for (uint32_t j = i; j + 1 < n; j++)
		l->e[j] = l->e[j + 1];
	l->n--;
	if (cg_update(h, cgrp, t)) {
		/* Put it back, clear its slots instead, take it out again. */
		for (uint32_t j = n - 1; j > i; j--)
			l->e[j] = l->e[j - 1];
		l->e[i] = gone;
		l->n++;
		cg_purge(h, cgrp, t, i);
		for (uint32_t j = i; j + 1 < n; j++)
			l->e[j] = l->e[j + 1];
		l->n--;
	}
	st->revision[t]++;
	if (!l->n)
		st->flags[t] = 0; /* the last one went: flags reset */
	if (gone.link) {
		gone.link->cgrp = NULL; /* its program stays the link's */
	} else if (h->defer_free) {
		*old = gone.prog;
	} else {
		cg_prog_retire(st, gone.prog, *rslot);
		*rslot = NULL;
	}
	return 0;
}

long kbpf_sys_prog_detach(const struct kbpf_host *h, union bpf_attr *attr,
			  void *uattr, unsigned int size)
{
	struct cg_retired_prog *rslot = NULL;
	struct kbpf_prog *prog = NULL, *old = NULL;
	unsigned long irq;
	uint32_t ptype;
	void *cgrp;
	long err;

	(void)uattr;
	(void)size;
	ptype = cg_attach_prog_type(attr->attach_type);
	if (ptype == BPF_PROG_TYPE_SCHED_CLS) {
		if (attr->attach_flags & ~MPROG_ATTACH_FLAGS)
			return -KBPF_EINVAL;
		return -KBPF_EOPNOTSUPP; /* tcx and netkit */
	}
	if (cg_is_cgroup_prog_type(ptype)) {
		if (attr->attach_flags || attr->relative_fd)
			return -KBPF_EINVAL;
	} else if (attr->attach_flags || attr->relative_fd ||
		   attr->expected_revision) {
		return -KBPF_EINVAL;
	}
	if (!cg_is_cgroup_attach(attr->attach_type))
		/* sockmap, lirc, flow dissector: no such attach points */
		return ptype == BPF_PROG_TYPE_SK_SKB ||
				       ptype == BPF_PROG_TYPE_SK_MSG ||
				       ptype == BPF_PROG_TYPE_LIRC_MODE2 ||
				       ptype == BPF_PROG_TYPE_FLOW_DISSECTOR ?
			       -KBPF_EOPNOTSUPP :
			       -KBPF_EINVAL;
	err = cg_get(h, (int)attr->target_fd, &cgrp);
	if (err)
		return err;
	/* Linux detaches by fd only with MULTI; a bad fd is no program. */
	if (cg_prog_get(h, attr->attach_bpf_fd, ptype, &prog))
		prog = NULL;
	if (!h->defer_free)
		rslot = kbpf_zalloc(h, sizeof(*rslot), 0);
	if (!h->defer_free && !rslot) {
		err = -KBPF_ENOMEM;
	} else {
		irq = kbpf_spin_lock_irqsave(h, cg_lock(h));
		err = cg_detach_locked(h, cgrp, prog, NULL, attr->attach_type,
				       attr->expected_revision, &rslot, &old);
		kbpf_spin_unlock_irqrestore(h, cg_lock(h), irq);
	}
	if (old)
		kbpf_prog_put(old);
	kbpf_free(h, rslot, sizeof(*rslot));
	if (prog)
		kbpf_prog_put(prog);
	h->cgroup_put(h, cgrp);
	return err;
}

/* ---- BPF_PROG_QUERY ---- */

static int cg_write(const struct kbpf_host *h, void *uattr, unsigned int size,
		    size_t off, const void *src, size_t len)
{
	if (off + len > size)
		return 0;
	return kbpf_copy_to_user(h, (uint8_t *)uattr + off, src, len);
}

#define QUERY_OFF(f) offsetof(union bpf_attr, query.f)

/* Linux's __cgroup_bpf_query(), with what it copies out gathered under the lock. */
static long cg_query(const struct kbpf_host *h, const union bpf_attr *attr,
		     void *uattr, unsigned int size, void *cgrp)
{
	bool effective = attr->query.query_flags & BPF_F_QUERY_EFFECTIVE;
	uint32_t t = attr->query.attach_type, total = 0, flags = 0, i, cnt;
	void *ids_u = kbpf_u64_to_ptr(attr->query.prog_ids);
	void *aflags_u = kbpf_u64_to_ptr(attr->query.prog_attach_flags);
	uint32_t ids[CG_MAX_PROGS];
	uint32_t *eff_ids = NULL;
	size_t eff_size = 0;
	uint64_t revision = 0;
	unsigned long irq;
	long ret = 0;
	int err;

	if (effective && aflags_u)
		return -KBPF_EINVAL;
	if (t == BPF_LSM_CGROUP) {
		/* kbpf has no LSM programs: every LSM type's list is empty. */
		if (!effective && attr->query.prog_cnt && ids_u && !aflags_u)
			return -KBPF_EINVAL;
		effective = true; /* no revision: a range of types */
	}
	irq = kbpf_spin_lock_irqsave(h, cg_lock(h));
	if (t != BPF_LSM_CGROUP && effective) {
		struct cg_array *arr = NULL;
		void *p;

		for (p = cgrp; p && !cg_state(h, p); p = h->cgroup_parent(h, p))
			;
		if (p)
			arr = cg_state(h, p)->effective[t];
		for (i = 0; arr && i < arr->n; i++)
			total += arr->progs[i] != NULL;
		if (total) {
			eff_size = total * sizeof(uint32_t);
			eff_ids = kbpf_malloc(h, eff_size, KBPF_ALLOC_ATOMIC);
			for (i = 0, cnt = 0; eff_ids && i < arr->n; i++)
				if (arr->progs[i])
					eff_ids[cnt++] = arr->progs[i]->obj.id;
		}
	} else if (t != BPF_LSM_CGROUP) {
		struct kbpf_cgroup_bpf *st = cg_state(h, cgrp);

		revision = cg_revision(st, t);
		if (st) {
			flags = st->flags[t];
			total = st->lists[t] ? st->lists[t]->n : 0;
			for (i = 0; i < total; i++)
				ids[i] = cg_entry_prog(&st->lists[t]->e[i])
						 ->obj.id;
		}
	}
	kbpf_spin_unlock_irqrestore(h, cg_lock(h), irq);
	if (total && effective && !eff_ids)
		return -KBPF_ENOMEM;
	err = cg_write(h, uattr, size, QUERY_OFF(attach_flags), &flags,
		       sizeof(flags));
	if (!err)
		err = cg_write(h, uattr, size, QUERY_OFF(prog_cnt), &total,
			       sizeof(total));
	if (!err)
		err = cg_write(h, uattr, size, QUERY_OFF(revision), &revision,
			       sizeof(revision));
	if (err) {
		ret = err;
		goto out;
	}
	if (!attr->query.prog_cnt || !ids_u || !total)
		goto out;
	cnt = total;
	if (attr->query.prog_cnt < total) {
		cnt = attr->query.prog_cnt;
		ret = -KBPF_ENOSPC;
	}
	if (kbpf_copy_to_user(h, ids_u, effective ? eff_ids : ids,
			      cnt * sizeof(uint32_t))) {
		ret = -KBPF_EFAULT;
		goto out;
	}
	if (!effective && aflags_u) {
		for (i = 0; i < cnt; i++)
			ids[i] = flags;
		if (kbpf_copy_to_user(h, aflags_u, ids, cnt * sizeof(uint32_t)))
			ret = -KBPF_EFAULT;
	}
out:
	kbpf_free(h, eff_ids, eff_size);
	return ret;
}

/* Is @fd open at all (a kbpf object or not)? */
static bool cg_fd_open(const struct kbpf_host *h, uint32_t fd)
{
	struct kbpf_obj *obj;
	int err;

	if (!h->fd_get)
		return false;
	err = h->fd_get(h, (int)fd, &obj, NULL);
	if (!err)
		kbpf_obj_put(obj);
	return err != -KBPF_EBADF;
}

/*
 * BPF_PROG_QUERY of the attach points kbpf has none of, as Linux answers
 * where no such object exists (measured): sockmap, flow dissector and
 * sk_lookup targets are fds (-EBADF if not open, else -EINVAL: not a
 * sockmap, not a network namespace kbpf attaches to); lirc -EINVAL; tcx an
 * ifindex (-ENODEV, else no programs: flags, count and revision 0, after
 * Linux's flag check); netkit -EINVAL (no netkit device).
 */
static long cg_query_other(const struct kbpf_host *h,
			   const union bpf_attr *attr, void *uattr,
			   unsigned int size)
{
	uint32_t zero = 0;
	uint64_t rev = 0;

	switch (attr->query.attach_type) {
	case BPF_SK_SKB_STREAM_PARSER:
	case BPF_SK_SKB_STREAM_VERDICT:
	case BPF_SK_MSG_VERDICT:
	case BPF_SK_SKB_VERDICT:
	case BPF_FLOW_DISSECTOR:
	case BPF_SK_LOOKUP:
		return cg_fd_open(h, attr->query.target_fd) ? -KBPF_EINVAL :
							      -KBPF_EBADF;
	case BPF_TCX_INGRESS:
	case BPF_TCX_EGRESS:
		if (!h->ifindex_ok ||
		    !h->ifindex_ok(h, attr->query.target_ifindex))
			return -KBPF_ENODEV;
		if (attr->query.query_flags || attr->query.attach_flags)
			return -KBPF_EINVAL;
		if (cg_write(h, uattr, size, QUERY_OFF(attach_flags), &zero,
			     sizeof(zero)) ||
		    cg_write(h, uattr, size, QUERY_OFF(revision), &rev,
			     sizeof(rev)) ||
		    cg_write(h, uattr, size, QUERY_OFF(prog_cnt), &zero,
			     sizeof(zero)))
			return -KBPF_EFAULT;
		return 0;
	case BPF_LIRC_MODE2:
	case BPF_NETKIT_PRIMARY:
	case BPF_NETKIT_PEER:
		return -KBPF_EINVAL;
	default:
		return -KBPF_EINVAL;
	}
}

long kbpf_sys_prog_query(const struct kbpf_host *h, union bpf_attr *attr,
			 void *uattr, unsigned int size)
{
	uint32_t t = attr->query.attach_type;
	void *cgrp;
	long err;

	if (attr->query.query_flags & ~(uint32_t)BPF_F_QUERY_EFFECTIVE)
		return -KBPF_EINVAL;
	if (!cg_is_cgroup_attach(t) && t != BPF_LSM_CGROUP)
		return cg_query_other(h, attr, uattr, size);
	err = cg_get(h, (int)attr->query.target_fd, &cgrp);
	if (err)
		return err;
	err = cg_query(h, attr, uattr, size, cgrp);
	h->cgroup_put(h, cgrp);
	return err;
}

/* ---- cgroup links (BPF_LINK_CREATE, _DETACH, _UPDATE) ---- */

static void cg_link_release(struct kbpf_obj *obj);

bool kbpf_cgroup_link_is(const struct kbpf_obj *obj)
{
	return obj->type == KBPF_OBJ_LINK && obj->release == cg_link_release;
}

static void cg_link_free(struct kbpf_cgroup_link *link)
{
	kbpf_prog_put(link->prog);
	kbpf_free(link->obj.host, link, sizeof(*link));
}

/*
 * Linux's bpf_cgroup_link_release(): take @link out of its cgroup if it is
 * still in one. @releasing: its last reference is gone; without
 * defer_free the link itself then waits in the cgroup's state (return 1),
 * else a reference on its program does (in @rslot). Called from syscall.
 */
static int cg_link_detach(struct kbpf_cgroup_link *link, bool releasing,
			  struct cg_retired_prog **rslot)
{
	const struct kbpf_host *h = link->obj.host;
	struct cg_retired_prog *none = NULL;
	struct kbpf_prog *old = NULL;
	struct kbpf_cgroup_bpf *st;
	unsigned long irq;
	int parked = 0;
	void *cgrp;

	irq = kbpf_spin_lock_irqsave(h, cg_lock(h));
	cgrp = link->cgrp;
	if (cgrp) {
		st = cg_state(h, cgrp);
		/* Cannot fail: the entry is there, a detach never lacks memory. */
		cg_detach_locked(h, cgrp, NULL, link, link->attach_type, 0,
				 &none, &old);
		if (!h->defer_free && releasing) {
			link->retired_next = st->retired_links;
			st->retired_links = link;
			parked = 1;
		} else if (!h->defer_free) {
			kbpf_prog_get(link->prog);
			cg_prog_retire(st, link->prog, *rslot);
			*rslot = NULL;
		}
	}
	kbpf_spin_unlock_irqrestore(h, cg_lock(h), irq);
	return parked;
}

/* The last reference: detach, then free (programs through defer_free). */
static void cg_link_release(struct kbpf_obj *obj)
{
	struct kbpf_cgroup_link *link =
		kbpf_container_of(obj, struct kbpf_cgroup_link, obj);
	struct cg_retired_prog *none = NULL;

	kbpf_obj_id_release(obj);
	if (!cg_link_detach(link, true, &none))
		cg_link_free(link);
}

long kbpf_cgroup_link_create(const struct kbpf_host *h,
			     const union bpf_attr *attr, struct kbpf_prog *prog)
{
	uint32_t flags = attr->link_create.flags,
		 t = attr->link_create.attach_type;
	struct kbpf_cgroup_storage *fresh[KBPF_CG_STORAGE_TYPES];
	struct kbpf_cgroup_link *link;
	struct kbpf_prog *old = NULL;
	struct cg_retired_prog *none = NULL;
	struct cg_list *spare = NULL;
	struct cg_anchor a = { 0 };
	unsigned long irq;
	void *cgrp;
	long err;

	/* Linux's link_create(): the attach check's own errno. */
	if (cg_attach_prog_type(t) != prog->type || !cg_is_cgroup_attach(t))
		return -KBPF_EINVAL;
	err = cg_check_attach_type(h, prog, t);
	if (err)
		return err;
	/* cgroup_bpf_link_attach() */
	if (flags & ~(uint32_t)(BPF_F_ID | BPF_F_BEFORE | BPF_F_AFTER |
				BPF_F_PREORDER | BPF_F_LINK))
		return -KBPF_EINVAL;
	err = cg_get(h, (int)attr->link_create.target_fd, &cgrp);
	if (err)
		return err;
	link = kbpf_zalloc(h, sizeof(*link), 0);
	if (!link) {
		err = -KBPF_ENOMEM;
		goto put_cgrp;
	}
	kbpf_obj_init(&link->obj, h, KBPF_OBJ_LINK, cg_link_release);
	link->attach_type = t;
	kbpf_prog_get(prog);
	link->prog = prog;
	err = kbpf_obj_id_alloc(&link->obj);
	if (err)
		goto free_link;
	cg_anchor_get(h, flags, attr->link_create.cgroup.relative_fd, &a);
	spare = kbpf_zalloc(h, sizeof(*spare), 0);
	if (!spare) {
		err = -KBPF_ENOMEM;
	} else if ((err = cg_storage_prealloc(h, prog, fresh))) {
		/* -ENOMEM (Linux allocates after its attach checks) */
	} else {
		irq = kbpf_spin_lock_irqsave(h, cg_lock(h));
		err = cg_attach_locked(
			h, cgrp, NULL, NULL, link, t, BPF_F_ALLOW_MULTI | flags,
			attr->link_create.cgroup.relative_fd,
			attr->link_create.cgroup.expected_revision, &a, &spare,
			&none, &old, fresh);
		kbpf_spin_unlock_irqrestore(h, cg_lock(h), irq);
		cg_storage_free_fresh(fresh);
	}
	kbpf_free(h, spare, sizeof(*spare));
	cg_anchor_put(&a);
	if (err)
		goto release_id;
	h->cgroup_put(h, cgrp);
	err = kbpf_obj_fd_install(h, &link->obj, KBPF_FD_READ | KBPF_FD_WRITE);
	if (err < 0)
		kbpf_obj_put(&link->obj); /* detaches it again */
	return err;

release_id:
	kbpf_obj_id_release(&link->obj);
free_link:
	cg_link_free(link);
put_cgrp:
	h->cgroup_put(h, cgrp);
	return err;
}

long kbpf_cgroup_link_detach(struct kbpf_obj *obj)
{
	struct kbpf_cgroup_link *link =
		kbpf_container_of(obj, struct kbpf_cgroup_link, obj);
	const struct kbpf_host *h = obj->host;
	struct cg_retired_prog *rslot = NULL;

	if (!h->defer_free) {
		rslot = kbpf_zalloc(h, sizeof(*rslot), 0);
		if (!rslot)
			return -KBPF_ENOMEM;
	}
	cg_link_detach(link, false, &rslot);
	kbpf_free(h, rslot, sizeof(*rslot));
	return 0;
}

/*
 * Linux's cgroup_bpf_replace(): @link runs @prog from now on; the slots of
 * the old program in the effective arrays of its cgroup and below change
 * in place (a replace cannot fail for memory).
 */
long kbpf_cgroup_link_update(struct kbpf_obj *obj, struct kbpf_prog *prog,
			     struct kbpf_prog *expect)
{
	struct kbpf_cgroup_link *link =
		kbpf_container_of(obj, struct kbpf_cgroup_link, obj);
	const struct kbpf_host *h = obj->host;
	struct cg_retired_prog *rslot = NULL;
	struct kbpf_prog *old = NULL;
	struct kbpf_cgroup_bpf *st, *lst;
	unsigned long irq;
	uint32_t t = link->attach_type, idx, cnt, pre, i, pos;
	long err = 0;
	void *cgrp, *p;

	if (!h->defer_free) {
		rslot = kbpf_zalloc(h, sizeof(*rslot), 0);
		if (!rslot)
			return -KBPF_ENOMEM;
	}
	irq = kbpf_spin_lock_irqsave(h, cg_lock(h));
	cgrp = link->cgrp;
	st = cgrp ? cg_state(h, cgrp) : NULL;
	if (!cgrp) {
		err = -KBPF_ENOLINK; /* detached or its cgroup gone */
		goto unlock;
	}
	if (expect && link->prog != expect) {
		err = -KBPF_EPERM;
		goto unlock;
	}
	if (link->prog->type != prog->type) {
		err = -KBPF_EINVAL;
		goto unlock;
	}
	/*
	 * The entry keeps its storages (as Linux's replace): a program with
	 * other cgroup storage maps would find none of its own, which Linux
	 * does not check; kbpf refuses it.
	 */
	if (memcmp(link->prog->cg_storage, prog->cg_storage,
		   sizeof(prog->cg_storage))) {
		err = -KBPF_EINVAL;
		goto unlock;
	}
	for (idx = 0; st->lists[t] && idx < st->lists[t]->n; idx++)
		if (st->lists[t]->e[idx].link == link)
			break;
	if (!st->lists[t] || idx == st->lists[t]->n) {
		err = -KBPF_ENOENT;
		goto unlock;
	}
	st->revision[t]++;
	old = link->prog;
	kbpf_prog_get(prog);
	link->prog = prog;
	/* Linux's replace_effective_prog(): the same slots, the new program. */
	for (lst = h->state->cgroups; lst; lst = lst->next) {
		struct cg_array *arr = lst->effective[t];

		if (!arr || !cg_below(h, lst->cgrp, cgrp))
			continue;
		for (p = lst->cgrp, cnt = 0, pre = 0; p;
		     p = h->cgroup_parent(h, p)) {
			struct kbpf_cgroup_bpf *x = cg_state(h, p);

			if (!cg_level_runs(x, t, cnt))
				continue;
			for (i = 0; i < x->lists[t]->n; i++, cnt++)
				pre += !!(x->lists[t]->e[i].flags &
					  BPF_F_PREORDER);
		}
		pos = cg_place(h, lst->cgrp, t, NULL, pre, cgrp, idx, &cnt);
		if (pos < arr->n && arr->progs[pos])
			kbpf_store_release_ptr(&arr->progs[pos], prog);
	}
	if (!h->defer_free) {
		cg_prog_retire(st, old, rslot);
		rslot = NULL;
		old = NULL;
	}
unlock:
	kbpf_spin_unlock_irqrestore(h, cg_lock(h), irq);
	if (old)
		kbpf_prog_put(old);
	kbpf_free(h, rslot, sizeof(*rslot));
	return err;
}

int kbpf_cgroup_link_fill_info(const struct kbpf_host *h, struct kbpf_obj *obj,
			       struct bpf_link_info *info)
{
	struct kbpf_cgroup_link *link =
		kbpf_container_of(obj, struct kbpf_cgroup_link, obj);
	unsigned long irq;
	void *cgrp;

	irq = kbpf_spin_lock_irqsave(h, cg_lock(h));
	cgrp = link->cgrp;
	info->prog_id = link->prog->obj.id;
	/* The host's id of a live cgroup: its reference is the state's. */
	info->cgroup.cgroup_id = cgrp && h->cgroup_id ? h->cgroup_id(h, cgrp) :
							0;
	kbpf_spin_unlock_irqrestore(h, cg_lock(h), irq);
	info->type = BPF_LINK_TYPE_CGROUP;
	info->id = obj->id;
	info->cgroup.attach_type = link->attach_type;
	return 0;
}

/* ---- runners ---- */

/* The effective array of @cgrp for @t: its nearest state's. Program path. */
static const struct cg_array *cg_effective(const struct kbpf_host *h,
					   void *cgrp, uint32_t t)
{
	struct kbpf_cgroup_bpf *st;
	void *p;

	if (!h->state || !h->cgroup_parent || !h->cgroup_bpf)
		return NULL;
	for (p = cgrp; p; p = h->cgroup_parent(h, p)) {
		st = cg_state(h, p);
		if (st)
			/* Pairs with the release in cg_update(). */
			return kbpf_load_acquire_ptr(&st->effective[t]);
	}
	return NULL;
}

bool kbpf_cgroup_has_progs(const struct kbpf_host *h, void *cgrp, uint32_t t)
{
	const struct cg_array *arr = cg_effective(h, cgrp, t);

	return arr && arr->n;
}

int kbpf_cgroup_run_array(const struct kbpf_host *h, void *cgrp, uint32_t t,
			  const struct kbpf_interp_args *args, uint32_t *flags,
			  int32_t *retval)
{
	const struct cg_array *arr = cg_effective(h, cgrp, t);
	int32_t local = 0, *rv = retval ? retval : &local;
	struct kbpf_cg_run_ctx cg = { .retval = rv };
	struct kbpf_interp_args a = *args;
	uint32_t i, r;
	uint64_t r0;
	int err, ret = 0;

	a.cg_run = &cg;
	for (i = 0; arr && i < arr->n; i++) {
		struct kbpf_prog *prog = kbpf_load_acquire_ptr(&arr->progs[i]);

		if (!prog)
			continue; /* purged */
		memcpy(cg.storage, cg_array_stor(arr, i), sizeof(cg.storage));
		r0 = 0;
		err = kbpf_interp_run(prog, h, &a, &r0);
		if (err) {
			if (!ret)
				ret = err;
			continue;
		}
		/* Linux runs programs as returning u32. */
		r = (uint32_t)r0;
		if (flags) {
			*flags |= r >> 1;
			r &= 1;
		}
		/* A refusal keeps an errno already set (Linux's
		 * IS_ERR_VALUE check). */
		if (!r && !(*rv < 0 && *rv >= -4095))
			*rv = -KBPF_EPERM;
	}
	return ret ? ret : *rv;
}

int kbpf_cgroup_run_skb(const struct kbpf_host *h, void *cgrp,
			uint32_t attach_type, struct kbpf_skb *skb,
			enum kbpf_interp_mode mode, uint32_t cpu,
			uint32_t *verdict)
{
	const struct cg_array *arr;
	bool pass = true, cn = false;
	int32_t rv = 0;
	struct kbpf_cg_run_ctx cg = { .retval = &rv };
	uint32_t i, v;
	int err, ret = 0;

	*verdict = KBPF_CGROUP_SKB_PASS;
	if (attach_type != BPF_CGROUP_INET_INGRESS &&
	    attach_type != BPF_CGROUP_INET_EGRESS)
		return -KBPF_EINVAL;
	arr = cg_effective(h, cgrp, attach_type);
	for (i = 0; arr && i < arr->n; i++) {
		struct kbpf_prog *prog = kbpf_load_acquire_ptr(&arr->progs[i]);

		if (!prog)
			continue; /* purged */
		memcpy(cg.storage, cg_array_stor(arr, i), sizeof(cg.storage));
		err = kbpf_cgroup_skb_run_cg(prog, h, skb, mode, cpu, &v, &cg);
		if (err) {
			if (!ret)
				ret = err;
			pass = false;
			continue;
		}
		pass = pass && (v & KBPF_CGROUP_SKB_PASS);
		cn = cn || (v & KBPF_CGROUP_SKB_CN);
	}
	*verdict = (pass ? KBPF_CGROUP_SKB_PASS : 0) |
		   (attach_type == BPF_CGROUP_INET_EGRESS && cn ?
			    KBPF_CGROUP_SKB_CN :
			    0);
	return ret;
}

int kbpf_cgroup_run_dev(const struct kbpf_host *h, void *cgrp,
			uint32_t dev_type, uint32_t access, uint32_t major,
			uint32_t minor, enum kbpf_interp_mode mode,
			uint32_t cpu)
{
	struct bpf_cgroup_dev_ctx ctx = {
		.access_type = access << 16 | dev_type,
		.major = major,
		.minor = minor,
	};
	struct kbpf_interp_args args = {
		.ctx = &ctx,
		.ctx_size = sizeof(ctx),
		.ctx_writable = false,
		.mode = mode,
		.cpu = cpu,
	};

	/* Linux: the run's retval (0, -EPERM, or what bpf_set_retval set). */
	return kbpf_cgroup_run_array(h, cgrp, BPF_CGROUP_DEVICE, &args, NULL,
				     NULL);
}

int kbpf_cgroup_run_sysctl(const struct kbpf_host *h, void *cgrp,
			   struct kbpf_sysctl *ctx, enum kbpf_interp_mode mode,
			   uint32_t cpu)
{
	struct kbpf_interp_args args = {
		.ctx = ctx,
		/* The UAPI view: file_pos is the program's to change. */
		.ctx_size = sizeof(ctx->md),
		.ctx_writable = true,
		.ctx_type = BPF_PROG_TYPE_CGROUP_SYSCTL,
		.mode = mode,
		.cpu = cpu,
	};

	/* Linux: the run's retval (0, -EPERM, or what bpf_set_retval set). */
	return kbpf_cgroup_run_array(h, cgrp, BPF_CGROUP_SYSCTL, &args, NULL,
				     NULL);
}
