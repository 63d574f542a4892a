// SPDX-License-Identifier: MIT
/*
 * Special fields of map values, found in the value's BTF as Linux 6.18's
 * btf_parse_fields() finds them (kernel/bpf/btf.c in behaviour). kbpf knows
 * two kinds so far, struct bpf_spin_lock and struct bpf_timer; kptrs, graph
 * roots and nodes, refcounts and work queues are not looked for.
 *
 * The rules, measured against the kernel (tests/unit/maps/test_spin_lock_diff.c):
 * - A field is a member (of the value struct, of a struct nested in it at
 *   any depth below 32, or a variable of a DATASEC value) whose type
 *   record, as written (no typedef or qualifier followed, arrays walked to
 *   their element), is named "bpf_spin_lock" (or "bpf_timer"). It counts
 *   only if that type is a struct of 4 bytes (16) and the member is 4-byte
 *   (8-byte) aligned; otherwise it is ignored, but still "seen". Unions
 *   are not looked into.
 * - A second one of a kind seen in the same struct (or DATASEC) is
 *   -E2BIG (a lock and a timer side by side are fine); an array
 *   of more than one is -EINVAL; a member at a bit offset that is not a
 *   whole byte is -EINVAL. Locks in different nesting levels are each
 *   found; the last of each kind by offset is the map's, and overlapping
 *   fields (of any kind) -EEXIST.
 * - At map creation an error means "no special fields" (Linux keeps the
 *   error as the record and carries on); at BPF_BTF_LOAD, every struct
 *   with a member of the first STRUCT named bpf_spin_lock is parsed and an
 *   error, or no field found at all (-EFAULT), refuses the BTF (unions
 *   are not checked).
 */
#include "btf/btf.h"
#include "core/util.h"
#include "kbpf/errno.h"

/* Linux's BTF_FIELDS_MAX and MAX_RESOLVE_DEPTH. */
#define FIELDS_MAX 11
#define FIELD_DEPTH 32
#define LOCK_NAME "bpf_spin_lock"
#define LOCK_SIZE 4u
#define TIMER_NAME "bpf_timer"
#define TIMER_SIZE 16u

/* The kinds of field, as bits of a mask (Linux's BPF_SPIN_LOCK, BPF_TIMER). */
#define F_LOCK 1u
#define F_TIMER 2u

struct found {
	uint32_t off[FIELDS_MAX];
	uint8_t kind[FIELDS_MAX];
	int n;
	uint32_t mask; /* the kinds looked for */
};

static uint32_t kind_size(uint32_t kind)
{
	return kind == F_TIMER ? TIMER_SIZE : LOCK_SIZE;
}

/* Its alignment: Linux's __alignof__ of struct bpf_spin_lock / bpf_timer. */
static uint32_t kind_align(uint32_t kind)
{
	return kind == F_TIMER ? 8u : LOCK_SIZE;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint32_t kind_of(const uint8_t *t)
{
	return BTF_INFO_KIND(rd32(t + 4));
}

static uint32_t vlen_of(const uint8_t *t)
{
	return BTF_INFO_VLEN(rd32(t + 4));
}

/* Linux looks into structs only: a lock in a union is no field (measured). */
static bool is_struct(const uint8_t *t)
{
	return t && kind_of(t) == BTF_KIND_STRUCT;
}

static bool name_is(const struct kbpf_btf *btf, const uint8_t *t,
		    const char *name)
{
	uint32_t off = rd32(t), i;
	const char *s;

	if (off >= btf->str_len)
		return false;
	s = (const char *)btf->data + btf->str_start + off;
	for (i = 0; name[i]; i++)
		if (off + i >= btf->str_len || s[i] != name[i])
			return false;
	return off + i < btf->str_len && !s[i];
}

static int find_in_struct(const struct kbpf_btf *btf, const uint8_t *t,
			  uint32_t base, uint32_t level, struct found *f);

/*
 * One member or variable of type @id at byte @off (Linux's
 * btf_find_field_one). @expected: the variable's size in a DATASEC, else 0.
 */
static int find_one(const struct kbpf_btf *btf, uint32_t id, uint32_t off,
		    uint32_t expected, uint32_t *seen, uint32_t level,
		    struct found *f)
{
	const uint8_t *t = kbpf_btf_obj_type(btf, id);
	uint64_t nelems = 1;
	uint32_t i, first, kind = 0, size;
	int err;

	for (i = 0; i < FIELD_DEPTH && t && kind_of(t) == BTF_KIND_ARRAY; i++) {
		nelems *= rd32(t + KBPF_BTF_REC_SIZE + 8);
		if (nelems > UINT32_MAX)
			nelems = UINT32_MAX;
		t = kbpf_btf_obj_type(btf, rd32(t + KBPF_BTF_REC_SIZE));
	}
	if (i == FIELD_DEPTH)
		return -KBPF_E2BIG;
	if (!nelems || !t)
		return 0;
	if ((f->mask & F_LOCK) && name_is(btf, t, LOCK_NAME))
		kind = F_LOCK;
	else if ((f->mask & F_TIMER) && name_is(btf, t, TIMER_NAME))
		kind = F_TIMER;
	if (!kind) {
		if (!is_struct(t))
			return 0;
		if (expected && expected != (uint64_t)rd32(t + 8) * nelems)
			return 0;
		if (level + 1 >= FIELD_DEPTH)
			return -KBPF_E2BIG;
		first = (uint32_t)f->n;
		err = find_in_struct(btf, t, off, level + 1, f);
		if (err)
			return err;
		/* Linux repeats only kptrs and graph roots over an array. */
		return (uint32_t)f->n > first && nelems > 1 ? -KBPF_EINVAL : 0;
	}
	if (*seen & kind)
		return -KBPF_E2BIG;
	*seen |= kind;
	size = kind_size(kind);
	if (expected && expected != size * nelems)
		return 0;
	if (off % kind_align(kind) || !is_struct(t) || rd32(t + 8) != size)
		return 0;
	if (nelems > FIELDS_MAX - (uint32_t)f->n)
		return -KBPF_E2BIG;
	if (nelems > 1)
		return -KBPF_EINVAL;
	f->kind[f->n] = (uint8_t)kind;
	f->off[f->n++] = off;
	return 0;
}

/* Linux's btf_find_struct_field: the members of @t, @base bytes in. */
static int find_in_struct(const struct kbpf_btf *btf, const uint8_t *t,
			  uint32_t base, uint32_t level, struct found *f)
{
	bool kflag = BTF_INFO_KFLAG(rd32(t + 4));
	uint32_t i, n = vlen_of(t), bits, seen = 0;
	const uint8_t *m;
	int err;

	for (i = 0; i < n; i++) {
		m = t + KBPF_BTF_REC_SIZE + 12 * i;
		bits = rd32(m + 8);
		if (kflag)
			bits = BTF_MEMBER_BIT_OFFSET(bits);
		if (bits % 8)
			return -KBPF_EINVAL;
		err = find_one(btf, rd32(m + 4), base + bits / 8, 0, &seen,
			       level, f);
		if (err)
			return err;
	}
	return 0;
}

/* Linux's btf_find_datasec_var: each variable with its section size. */
static int find_in_datasec(const struct kbpf_btf *btf, const uint8_t *t,
			   struct found *f)
{
	uint32_t i, n = vlen_of(t), seen = 0;
	const uint8_t *v, *var;
	int err;

	for (i = 0; i < n; i++) {
		v = t + KBPF_BTF_REC_SIZE + 12 * i;
		var = kbpf_btf_obj_type(btf, rd32(v));
		if (!var)
			return -KBPF_EINVAL;
		err = find_one(btf, rd32(var + 8), rd32(v + 4), rd32(v + 8),
			       &seen, 0, f);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Linux's btf_parse_fields() on record @t for the kinds in @mask: 0 with
 * *@lock and *@timer the offsets of the bpf_spin_lock and bpf_timer, or
 * -1 where there is none; -errno for a broken rule.
 */
static int parse_fields(const struct kbpf_btf *btf, const uint8_t *t,
			uint32_t size, uint32_t mask, int32_t *lock,
			int32_t *timer)
{
	struct found f = { .n = 0, .mask = mask };
	uint32_t a;
	uint8_t k;
	int i, j, err;

	*lock = -1;
	*timer = -1;
	if (is_struct(t))
		err = find_in_struct(btf, t, 0, 0, &f);
	else if (kind_of(t) == BTF_KIND_DATASEC)
		err = find_in_datasec(btf, t, &f);
	else
		err = 0;
	if (err)
		return err;
	/* Sorted by offset; overlapping fields are refused. */
	for (i = 1; i < f.n; i++)
		for (j = i; j > 0 && f.off[j - 1] > f.off[j]; j--) {
			a = f.off[j];
			f.off[j] = f.off[j - 1];
			f.off[j - 1] = a;
			k = f.kind[j];
			f.kind[j] = f.kind[j - 1];
			f.kind[j - 1] = k;
		}
	for (i = 0; i < f.n; i++) {
		if (i && f.off[i] < f.off[i - 1] + kind_size(f.kind[i - 1]))
			return -KBPF_EEXIST;
		if ((uint64_t)f.off[i] + kind_size(f.kind[i]) > size)
			return -KBPF_EFAULT;
	}
	for (i = 0; i < f.n; i++) {
		if (f.kind[i] == F_LOCK)
			*lock = (int32_t)f.off[i];
		else
			*timer = (int32_t)f.off[i];
	}
	return 0;
}

int kbpf_btf_spin_lock_off(const struct kbpf_btf *btf, const uint8_t *value,
			   uint32_t value_size, int32_t *off)
{
	int32_t timer;

	return parse_fields(btf, value, value_size, F_LOCK, off, &timer);
}

int kbpf_btf_value_fields(const struct kbpf_btf *btf, const uint8_t *value,
			  uint32_t value_size, int32_t *lock_off,
			  int32_t *timer_off)
{
	return parse_fields(btf, value, value_size, F_LOCK | F_TIMER, lock_off,
			    timer_off);
}

int kbpf_btf_check_struct_metas(const struct kbpf_btf *btf)
{
	uint32_t lock_id = 0, id, i, n;
	const uint8_t *t;
	int32_t off;
	int err;

	for (id = 1; id < btf->nr_types && !lock_id; id++) {
		t = kbpf_btf_obj_type(btf, id);
		if (kind_of(t) == BTF_KIND_STRUCT && name_is(btf, t, LOCK_NAME))
			lock_id = id;
	}
	if (!lock_id)
		return 0;
	for (id = 1; id < btf->nr_types; id++) {
		t = kbpf_btf_obj_type(btf, id);
		if (!is_struct(t))
			continue;
		n = vlen_of(t);
		for (i = 0; i < n; i++)
			if (rd32(t + KBPF_BTF_REC_SIZE + 12 * i + 4) == lock_id)
				break;
		if (i == n)
			continue;
		err = kbpf_btf_spin_lock_off(btf, t, rd32(t + 8), &off);
		if (err)
			return err;
		if (off < 0)
			return -KBPF_EFAULT; /* Linux: no record is an error here */
	}
	return 0;
}
