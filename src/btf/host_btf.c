// SPDX-License-Identifier: MIT
/*
 * The host's BTF (kbpf_host.btf, the kernel's vmlinux BTF: about 6 MB and
 * 126,000 types on this machine's Linux 6.18) parsed, validated and
 * indexed once per host instead of once per use. Every tracing program's
 * load used to parse it twice (the attach check in src/prog/attach_btf.c
 * and the verifier's typed pointers in src/verifier/btf_ptr.c), which
 * was most of the cost of loading a short tracing program. Linux parses
 * vmlinux BTF once at boot (btf_vmlinux) and keeps it; kbpf keeps its
 * view in the host's state,
 * with an index of the types by name that the verifier's lookups by name
 * (the "__safe_trusted" lists, bpf_get_current_task_btf's task_struct)
 * use instead of walking every record each time.
 *
 * Lifetime: the view is reference counted. kbpf_state.host_btf holds one
 * reference while it points to the view, and each load that uses it holds
 * one from kbpf_host_btf_get() to kbpf_host_btf_put(). Replacing the view
 * (the host's bytes changed) or kbpf_host_btf_release() unpublishes it and
 * drops the state's reference; the last load to finish frees it. So a
 * view is never freed under a load.
 *
 * Locking: kbpf_state.btf_lock, a kbpf spinlock taken with the host's
 * irq_save, guards kbpf_state.host_btf and the step from reading it to
 * taking a reference (a reference taken without the lock could race the
 * release of the last one). It is held for a few loads and stores only:
 * the parse runs unlocked, so two first loads may both parse; the first
 * to publish wins and the loser frees its own copy and takes the
 * winner's. The refcount is atomic; the decrement that reaches zero
 * (sequentially consistent) orders every earlier reader's use of the view
 * before its free.
 */
#include "btf.h"

#include "core/alloc.h"
#include "core/atomic.h"
#include "core/spinlock.h"
#include "kbpf/state.h"

static struct kbpf_spinlock *hb_lock(const struct kbpf_host *h)
{
	_Static_assert(sizeof(h->state->btf_lock) ==
			       sizeof(struct kbpf_spinlock),
		       "kbpf_state.btf_lock holds a struct kbpf_spinlock");
	return (struct kbpf_spinlock *)(void *)&h->state->btf_lock;
}

static bool hb_matches(const struct kbpf_host_btf *hb,
		       const struct kbpf_host *h)
{
	return hb && hb->data == h->btf && hb->size == h->btf_size;
}

static void hb_free(const struct kbpf_host *h, struct kbpf_host_btf *hb)
{
	if (hb->names)
		kbpf_free(h, hb->names,
			  ((size_t)hb->names_mask + 1) * sizeof(uint32_t));
	kbpf_btf_free(&hb->view);
	kbpf_free(h, hb, sizeof(*hb));
}

/* FNV-1a of a NUL-terminated name. */
static uint32_t name_hash(const char *s)
{
	uint32_t x = 2166136261u;

	while (*s)
		x = (x ^ (uint8_t)*s++) * 16777619u;
	return x;
}

static bool name_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/*
 * The name index: every named type's id in an open-addressed table
 * (linear probing, at most 2/3 full), inserted in id order. With no
 * deletions, ids of one name lie along its probe sequence in the order
 * they were inserted, so the first match of a lookup is the lowest id,
 * as kbpf_btf_find() answers.
 */
static int hb_index_names(const struct kbpf_host *h, struct kbpf_host_btf *hb)
{
	const struct kbpf_btf_view *b = &hb->view;
	uint32_t id, named = 0;
	uint64_t slots;

	for (id = 1; id < b->nr_types; id++) {
		const char *n = kbpf_btf_name(b, kbpf_btf_type(b, id));

		named += n && *n;
	}
	slots = kbpf_roundup_pow2((uint64_t)named + named / 2 + 1);
	hb->names = kbpf_zalloc(h, (size_t)slots * sizeof(uint32_t), 0);
	if (!hb->names)
		return -KBPF_ENOMEM;
	hb->names_mask = (uint32_t)(slots - 1);
	for (id = 1; id < b->nr_types; id++) {
		const char *n = kbpf_btf_name(b, kbpf_btf_type(b, id));
		uint32_t i;

		if (!n || !*n)
			continue;
		for (i = name_hash(n) & hb->names_mask; hb->names[i];
		     i = (i + 1) & hb->names_mask)
			;
		hb->names[i] = id;
	}
	return 0;
}

uint32_t kbpf_host_btf_find(const struct kbpf_host_btf *hb, uint32_t kind,
			    const char *name)
{
	const struct kbpf_btf_view *b = &hb->view;
	uint32_t i, id;

	if (!*name)
		return kbpf_btf_find(b, kind, name);
	for (i = name_hash(name) & hb->names_mask; (id = hb->names[i]);
	     i = (i + 1) & hb->names_mask) {
		const uint8_t *t = kbpf_btf_type(b, id);

		if (kbpf_btf_kind(b, t) == kind &&
		    name_eq(kbpf_btf_name(b, t), name))
			return id;
	}
	return 0;
}

void kbpf_host_btf_put(const struct kbpf_host *h, struct kbpf_host_btf *hb)
{
	if (hb && kbpf_fetch_add_u32(&hb->refs, (uint32_t)-1) == 1)
		hb_free(h, hb);
}

/* The published view if it is of the host's current bytes, referenced. */
static struct kbpf_host_btf *hb_lookup(const struct kbpf_host *h)
{
	struct kbpf_host_btf *hb;
	unsigned long fl;

	fl = kbpf_spin_lock_irqsave(h, hb_lock(h));
	hb = h->state->host_btf;
	if (hb_matches(hb, h))
		kbpf_fetch_add_u32(&hb->refs, 1);
	else
		hb = NULL;
	kbpf_spin_unlock_irqrestore(h, hb_lock(h), fl);
	return hb;
}

/*
 * Publish @mine (one reference, the caller's) unless another load
 * published a view of the same bytes first; return the view the caller
 * uses, referenced.
 */
static struct kbpf_host_btf *hb_publish(const struct kbpf_host *h,
					struct kbpf_host_btf *mine)
{
	struct kbpf_host_btf *cur, *stale = NULL;
	unsigned long fl;

	fl = kbpf_spin_lock_irqsave(h, hb_lock(h));
	cur = h->state->host_btf;
	if (hb_matches(cur, h)) {
		kbpf_fetch_add_u32(&cur->refs, 1);
	} else {
		/* The state's reference, and the caller's. */
		kbpf_store_relaxed_u32(&mine->refs, 2);
		stale = cur;
		h->state->host_btf = mine;
		cur = mine;
		mine = NULL;
	}
	kbpf_spin_unlock_irqrestore(h, hb_lock(h), fl);
	if (mine)
		hb_free(h, mine); /* lost the race: never published */
	kbpf_host_btf_put(h, stale); /* the state's reference to the old */
	return cur;
}

int kbpf_host_btf_get(const struct kbpf_host *h, struct kbpf_host_btf **out)
{
	const uint8_t *d = h->btf;
	struct kbpf_host_btf *hb;
	int err;

	*out = NULL;
	/* The header's flags byte: Linux's vmlinux BTF has none. */
	if (!d || h->btf_size < 4 || d[3])
		return -KBPF_EINVAL;
	if (h->state && (*out = hb_lookup(h)))
		return 0;
	hb = kbpf_zalloc(h, sizeof(*hb), 0);
	if (!hb)
		return -KBPF_ENOMEM;
	if (h->state)
		kbpf_fetch_add_u32(&h->state->btf_parses, 1);
	err = kbpf_btf_parse(&hb->view, h, d, h->btf_size, KBPF_BTF_F_NATIVE,
			     NULL);
	if (!err && (err = hb_index_names(h, hb)))
		kbpf_btf_free(&hb->view);
	if (err) {
		kbpf_free(h, hb, sizeof(*hb));
		return err;
	}
	hb->data = d;
	hb->size = h->btf_size;
	hb->refs = 1;
	*out = h->state ? hb_publish(h, hb) : hb;
	return 0;
}

void kbpf_host_btf_release(const struct kbpf_host *h)
{
	struct kbpf_host_btf *hb;
	unsigned long fl;

	if (!h || !h->state)
		return;
	fl = kbpf_spin_lock_irqsave(h, hb_lock(h));
	hb = h->state->host_btf;
	h->state->host_btf = NULL;
	kbpf_spin_unlock_irqrestore(h, hb_lock(h), fl);
	kbpf_host_btf_put(h, hb);
}

uint32_t kbpf_host_btf_parses(const struct kbpf_host *h)
{
	return h->state ? kbpf_load_relaxed_u32(&h->state->btf_parses) : 0;
}
