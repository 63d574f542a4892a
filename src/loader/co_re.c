// SPDX-License-Identifier: MIT
/*
 * CO-RE: relocating `.BTF.ext` core_relo records against the host's BTF
 * (libbpf's relo_core.c in behaviour: the same candidates, the same
 * matching rules, the same values, the same instruction patches and
 * poisoning), so an object compiled against one kernel's types runs on a
 * host whose types differ.
 *
 * For each record: parse the access string against the object's BTF (the
 * local spec), find the host's types whose name, up to a "___flavor"
 * suffix, is the local type's (the candidates), match the spec in each
 * (member by name through anonymous members, array indices, compatible
 * field types), compute the local and the target value, check that the
 * instruction holds the local value, and write the target value. All
 * candidates that match must agree. No match: FIELD_EXISTS, TYPE_EXISTS,
 * TYPE_SIZE, TYPE_ID_TARGET and ENUMVAL_EXISTS become 0; the others poison
 * the instruction (a call of helper 0xbad2310, which the structural check
 * accepts and which stops the program if it ever runs), as libbpf does,
 * so that guarded dead code loads.
 *
 * Both BTFs are untrusted: every id, offset and chain is checked, chains
 * are followed at most CORE_MAX_DEPTH steps, and specs hold at most
 * CORE_SPEC_MAX accessors.
 */
#include "loader_internal.h"

#define CORE_MAX_DEPTH 32
#define CORE_SPEC_MAX 64
#define BTF_REC KBPF_BTF_REC_SIZE

enum {
	FIELD_BYTE_OFFSET = 0,
	FIELD_BYTE_SIZE = 1,
	FIELD_EXISTS = 2,
	FIELD_SIGNED = 3,
	FIELD_LSHIFT_U64 = 4,
	FIELD_RSHIFT_U64 = 5,
	TYPE_ID_LOCAL = 6,
	TYPE_ID_TARGET = 7,
	TYPE_EXISTS = 8,
	TYPE_SIZE = 9,
	ENUMVAL_EXISTS = 10,
	ENUMVAL_VALUE = 11,
	TYPE_MATCHES = 12,
};

/*
 * A view of one BTF (src/btf): the object's (in the ELF's byte order) or
 * the host's (either order).
 */
#define cbtf kbpf_btf_view

/* A named host type, for the candidate search. */
struct named {
	const char *name;
	uint32_t len; /* essential length */
	uint32_t id;
};

struct kbpf_core_target {
	struct cbtf b; /* indexed */
	struct named *by_name; /* named types sorted by essential name, id */
	uint32_t nr_named;
	size_t by_name_size;
};

struct acc {
	uint32_t type_id;
	uint32_t idx;
	const char *name; /* NULL: an array index */
};

struct spec {
	const struct cbtf *b;
	uint32_t root_id;
	uint32_t kind;
	uint32_t raw[CORE_SPEC_MAX];
	uint32_t raw_len;
	struct acc a[CORE_SPEC_MAX];
	uint32_t len;
	uint64_t bit_off;
};

struct res {
	uint64_t orig, val;
	uint32_t orig_sz, new_sz;
	uint32_t orig_tid, new_tid;
	bool poison, validate, fail_memsz;
};

/* ---- BTF access: src/btf, with libbpf's view of void ---- */

/* Type @id; id 0 is void (kind UNKN, no name), as libbpf sees it. */
static const uint8_t *bt(const struct cbtf *b, uint32_t id)
{
	static const uint8_t void_type[BTF_REC];

	return id ? kbpf_btf_type(b, id) : void_type;
}

/* A string; "" if @off is outside the string area. */
static const char *b_str(const struct cbtf *b, uint32_t off)
{
	const char *s = kbpf_btf_str(b, off);

	return s ? s : "";
}

static const char *b_name(const struct cbtf *b, const uint8_t *t)
{
	return b_str(b, kbpf_btf_rd32(b, t));
}

static bool is_composite(uint32_t k)
{
	return k == BTF_KIND_STRUCT || k == BTF_KIND_UNION;
}

static bool is_enum(uint32_t k)
{
	return k == BTF_KIND_ENUM || k == BTF_KIND_ENUM64;
}

/*
 * libbpf's skip_mods_and_typedefs(); *@res_id follows. The void record for
 * a chain that ends in void, NULL for a bad id or a chain too long.
 */
static const uint8_t *skip_mods(const struct cbtf *b, uint32_t id,
				uint32_t *res_id)
{
	uint32_t r;
	const uint8_t *t = kbpf_btf_skip_mods(b, id, &r);

	if (res_id)
		*res_id = r;
	return t || r ? t : bt(b, 0);
}

/* libbpf's bpf_core_essential_name_len(): up to a "X___Y" flavor. */
static size_t essential_len(const char *s)
{
	size_t n = 0;
	long i;

	while (s[n])
		n++;
	for (i = (long)n - 5; i >= 0; i--)
		if (s[i] != '_' && s[i + 1] == '_' && s[i + 2] == '_' &&
		    s[i + 3] == '_' && s[i + 4] != '_')
			return (size_t)i + 1;
	return n;
}

static int ncmp(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (a[i] != b[i])
			return (unsigned char)a[i] < (unsigned char)b[i] ? -1 :
									   1;
		if (!a[i])
			return 0;
	}
	return 0;
}

/* btf_kind_core_compat(): the same kind, or both enums. */
static bool kind_compat(const struct cbtf *lb, const uint8_t *l,
			const struct cbtf *tb, const uint8_t *t)
{
	uint32_t a = kbpf_btf_kind(lb, l), k = kbpf_btf_kind(tb, t);

	return a == k || (is_enum(a) && is_enum(k));
}

/* ---- the host's BTF ---- */

/* Order by essential name, then by id (libbpf visits candidates by id). */
static int named_cmp(const struct named *a, const char *bname, uint32_t blen,
		     uint32_t bid)
{
	uint32_t n = a->len < blen ? a->len : blen;
	int r = ncmp(a->name, bname, n);

	if (r)
		return r;
	if (a->len != blen)
		return a->len < blen ? -1 : 1;
	return a->id < bid ? -1 : a->id > bid;
}

static int by_name_cmp(const void *x, const void *y)
{
	const struct named *b = y;

	return named_cmp(x, b->name, b->len, b->id);
}

void kbpf_core_target_free(const struct kbpf_host *h,
			   struct kbpf_core_target *t)
{
	if (!t)
		return;
	kbpf_btf_free(&t->b);
	if (t->by_name)
		kbpf_free(h, t->by_name, t->by_name_size);
	kbpf_free(h, t, sizeof(*t));
}

int kbpf_core_target_parse(const struct kbpf_host *h, const void *buf,
			   size_t size, struct kbpf_core_target **out)
{
	struct kbpf_core_target *t;
	struct cbtf v;
	uint32_t i;
	int err;

	*out = NULL;
	/* The host's BTF, in either byte order, indexed by id. */
	err = kbpf_btf_parse(&v, h, buf, size, 0, NULL);
	if (err)
		return err;
	t = kbpf_zalloc(h, sizeof(*t), 0);
	if (!t) {
		kbpf_btf_free(&v);
		return -KBPF_ENOMEM;
	}
	t->b = v;
	t->by_name_size = (size_t)t->b.nr_types * sizeof(*t->by_name);
	t->by_name = kbpf_malloc(h, t->by_name_size, 0);
	if (!t->by_name) {
		kbpf_core_target_free(h, t);
		return -KBPF_ENOMEM;
	}
	for (i = 1; i < t->b.nr_types; i++) {
		const char *nm = b_name(&t->b, bt(&t->b, i));

		if (nm[0]) {
			struct named *e = &t->by_name[t->nr_named++];

			e->name = nm;
			e->len = (uint32_t)essential_len(nm);
			e->id = i;
		}
	}
	kbpf_sort(t->by_name, t->nr_named, sizeof(*t->by_name), by_name_cmp);
	*out = t;
	return 0;
}

uint32_t kbpf_core_target_find(const struct kbpf_core_target *t, uint32_t kind,
			       const char *name)
{
	uint32_t lo = 0, hi = t->nr_named, len = (uint32_t)essential_len(name);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (named_cmp(&t->by_name[mid], name, len, 0) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < t->nr_named && t->by_name[lo].len == len &&
	       !ncmp(t->by_name[lo].name, name, len);
	     lo++) {
		const struct named *e = &t->by_name[lo];

		if (kbpf_ld_streq(e->name, name) &&
		    kbpf_btf_kind(&t->b, bt(&t->b, e->id)) == kind)
			return e->id;
	}
	return 0;
}

/* ---- specs ---- */

static bool is_flex_arr(const struct cbtf *b, const struct acc *acc,
			const uint8_t *arr)
{
	const uint8_t *t;

	/* Not a member's array, or not empty: not flexible. */
	if (!acc->name || kbpf_btf_rd32(b, arr + BTF_REC + 8) > 0)
		return false;
	t = bt(b, acc->type_id);
	return t && acc->idx == kbpf_btf_vlen(b, t) - 1;
}

static bool kind_field(uint32_t k)
{
	return k <= FIELD_RSHIFT_U64;
}

static bool kind_type(uint32_t k)
{
	return (k >= TYPE_ID_LOCAL && k <= TYPE_SIZE) || k == TYPE_MATCHES;
}

static bool kind_enumval(uint32_t k)
{
	return k == ENUMVAL_EXISTS || k == ENUMVAL_VALUE;
}

/* libbpf's bpf_core_parse_spec(). */
static int parse_spec(const struct cbtf *b, uint32_t type_id, const char *acc,
		      uint32_t kind, struct spec *s)
{
	const uint8_t *t;
	uint32_t id, i;
	int64_t sz;

	memset(s, 0, sizeof(*s));
	s->b = b;
	s->root_id = type_id;
	s->kind = kind;
	if (!acc || !acc[0])
		return -KBPF_EINVAL;
	while (*acc) {
		uint64_t v = 0;

		if (*acc == ':')
			acc++;
		if (*acc < '0' || *acc > '9')
			return -KBPF_EINVAL;
		while (*acc >= '0' && *acc <= '9') {
			v = v * 10 + (uint32_t)(*acc++ - '0');
			if (v > 0x7fffffff)
				return -KBPF_EINVAL;
		}
		if (s->raw_len == CORE_SPEC_MAX)
			return -KBPF_E2BIG;
		s->raw[s->raw_len++] = (uint32_t)v;
	}
	if (kind_type(kind)) {
		if (s->raw_len != 1 || s->raw[0])
			return -KBPF_EINVAL;
		return 0;
	}
	t = skip_mods(b, type_id, &id);
	if (!t)
		return -KBPF_EINVAL;
	s->a[0].type_id = id;
	s->a[0].idx = s->raw[0];
	s->len = 1;
	if (kind_enumval(kind)) {
		uint32_t esz = kbpf_btf_kind(b, t) == BTF_KIND_ENUM64 ? 12 : 8;

		if (!is_enum(kbpf_btf_kind(b, t)) || s->raw_len > 1 ||
		    s->raw[0] >= kbpf_btf_vlen(b, t))
			return -KBPF_EINVAL;
		s->a[0].name = b_str(
			b, kbpf_btf_rd32(b, t + BTF_REC + esz * s->raw[0]));
		return 0;
	}
	if (!kind_field(kind))
		return -KBPF_EINVAL;
	sz = kbpf_btf_resolve_size(b, id);
	if (sz < 0)
		return (int)sz;
	s->bit_off = (uint64_t)s->raw[0] * (uint64_t)sz * 8;
	for (i = 1; i < s->raw_len; i++) {
		uint32_t ai = s->raw[i];

		t = skip_mods(b, id, &id);
		if (!t)
			return -KBPF_EINVAL;
		if (is_composite(kbpf_btf_kind(b, t))) {
			const uint8_t *m = kbpf_btf_vrec(b, t, ai);
			const char *name;

			if (!m)
				return -KBPF_EINVAL;
			s->bit_off += kbpf_btf_member_bit_off(b, t, ai);
			if (kbpf_btf_rd32(b, m)) {
				name = b_str(b, kbpf_btf_rd32(b, m));
				if (!name[0])
					return -KBPF_EINVAL;
				s->a[s->len].type_id = id;
				s->a[s->len].idx = ai;
				s->a[s->len].name = name;
				s->len++;
			}
			id = kbpf_btf_rd32(b, m + 4);
		} else if (kbpf_btf_kind(b, t) == BTF_KIND_ARRAY) {
			const uint8_t *arr = t;
			bool flex;

			t = skip_mods(b, kbpf_btf_rd32(b, arr + BTF_REC), &id);
			if (!t)
				return -KBPF_EINVAL;
			flex = is_flex_arr(b, &s->a[s->len - 1], arr);
			if (!flex && ai >= kbpf_btf_rd32(b, arr + BTF_REC + 8))
				return -KBPF_EINVAL;
			s->a[s->len].type_id = id;
			s->a[s->len].idx = ai;
			s->a[s->len].name = NULL;
			s->len++;
			sz = kbpf_btf_resolve_size(b, id);
			if (sz < 0)
				return (int)sz;
			s->bit_off += (uint64_t)ai * (uint64_t)sz * 8;
		} else {
			return -KBPF_EINVAL;
		}
	}
	return 0;
}

/* libbpf's bpf_core_fields_are_compat(). */
static int fields_compat(const struct cbtf *lb, uint32_t lid,
			 const struct cbtf *tb, uint32_t tid)
{
	int depth;

	for (depth = 0; depth < CORE_MAX_DEPTH; depth++) {
		const uint8_t *l = skip_mods(lb, lid, &lid);
		const uint8_t *t = skip_mods(tb, tid, &tid);

		if (!l || !t)
			return -KBPF_EINVAL;
		if (is_composite(kbpf_btf_kind(lb, l)) &&
		    is_composite(kbpf_btf_kind(tb, t)))
			return 1;
		if (!kind_compat(lb, l, tb, t))
			return 0;
		switch (kbpf_btf_kind(lb, l)) {
		case BTF_KIND_PTR:
		case BTF_KIND_FLOAT:
			return 1;
		case BTF_KIND_FWD:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64: {
			const char *ln = b_name(lb, l), *tn = b_name(tb, t);
			size_t ll = essential_len(ln), tl = essential_len(tn);

			return !ll || !tl || (ll == tl && !ncmp(ln, tn, ll));
		}
		case BTF_KIND_INT:
			return !((kbpf_btf_data32(lb, l, 0) >> 16) & 0xff) &&
			       !((kbpf_btf_data32(tb, t, 0) >> 16) & 0xff);
		case BTF_KIND_ARRAY:
			lid = kbpf_btf_rd32(lb, l + BTF_REC);
			tid = kbpf_btf_rd32(tb, t + BTF_REC);
			break;
		default:
			return 0;
		}
	}
	return -KBPF_EINVAL;
}

/* libbpf's __bpf_core_types_are_compat(). */
static int types_compat(const struct cbtf *lb, uint32_t lid,
			const struct cbtf *tb, uint32_t tid, int level)
{
	const uint8_t *l = bt(lb, lid), *t = bt(tb, tid);
	int depth;

	if (!l || !t || !kind_compat(lb, l, tb, t))
		return 0;
	for (depth = 0; depth < CORE_MAX_DEPTH; depth++) {
		l = skip_mods(lb, lid, &lid);
		t = skip_mods(tb, tid, &tid);
		if (!l || !t)
			return -KBPF_EINVAL;
		if (!kind_compat(lb, l, tb, t))
			return 0;
		switch (kbpf_btf_kind(lb, l)) {
		case BTF_KIND_UNKN:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_FWD:
		case BTF_KIND_ENUM64:
			return 1;
		case BTF_KIND_INT:
			return !((kbpf_btf_data32(lb, l, 0) >> 16) & 0xff) &&
			       !((kbpf_btf_data32(tb, t, 0) >> 16) & 0xff);
		case BTF_KIND_PTR:
			lid = kbpf_btf_st(lb, l);
			tid = kbpf_btf_st(tb, t);
			break;
		case BTF_KIND_ARRAY:
			lid = kbpf_btf_rd32(lb, l + BTF_REC);
			tid = kbpf_btf_rd32(tb, t + BTF_REC);
			break;
		case BTF_KIND_FUNC_PROTO: {
			uint32_t n = kbpf_btf_vlen(lb, l), i;

			if (n != kbpf_btf_vlen(tb, t))
				return 0;
			for (i = 0; i < n; i++) {
				uint32_t a, c;
				int err;

				if (level <= 0)
					return -KBPF_EINVAL;
				skip_mods(lb,
					  kbpf_btf_rd32(lb, l + BTF_REC +
								    8 * i + 4),
					  &a);
				skip_mods(tb,
					  kbpf_btf_rd32(tb, t + BTF_REC +
								    8 * i + 4),
					  &c);
				err = types_compat(lb, a, tb, c, level - 1);
				if (err <= 0)
					return err;
			}
			skip_mods(lb, kbpf_btf_st(lb, l), &lid);
			skip_mods(tb, kbpf_btf_st(tb, t), &tid);
			break;
		}
		default:
			return 0;
		}
	}
	return -KBPF_EINVAL;
}

/* libbpf's bpf_core_match_member(): by name, through anonymous members. */
static int match_member(const struct cbtf *lb, const struct acc *la,
			const struct cbtf *tb, uint32_t tid, struct spec *s,
			uint32_t *next, int depth)
{
	const uint8_t *lt = bt(lb, la->type_id), *lm, *t;
	const char *ln;
	uint32_t i, n;

	if (depth > CORE_MAX_DEPTH)
		return -KBPF_EINVAL;
	t = skip_mods(tb, tid, &tid);
	if (!t)
		return -KBPF_EINVAL;
	if (!is_composite(kbpf_btf_kind(tb, t)))
		return 0;
	lm = lt ? kbpf_btf_vrec(lb, lt, la->idx) : NULL;
	if (!lm)
		return -KBPF_EINVAL;
	ln = b_str(lb, kbpf_btf_rd32(lb, lm));
	n = kbpf_btf_vlen(tb, t);
	for (i = 0; i < n; i++) {
		const uint8_t *m = kbpf_btf_vrec(tb, t, i);
		uint32_t bo = kbpf_btf_member_bit_off(tb, t, i);
		const char *tn = b_str(tb, kbpf_btf_rd32(tb, m));
		int found;

		if (s->raw_len == CORE_SPEC_MAX)
			return -KBPF_E2BIG;
		s->bit_off += bo;
		s->raw[s->raw_len++] = i;
		if (!tn[0]) {
			found = match_member(lb, la, tb,
					     kbpf_btf_rd32(tb, m + 4), s, next,
					     depth + 1);
			if (found)
				return found;
		} else if (kbpf_ld_streq(ln, tn)) {
			struct acc *ta = &s->a[s->len++];

			ta->type_id = tid;
			ta->idx = i;
			ta->name = tn;
			*next = kbpf_btf_rd32(tb, m + 4);
			found = fields_compat(lb, kbpf_btf_rd32(lb, lm + 4), tb,
					      kbpf_btf_rd32(tb, m + 4));
			if (!found)
				s->len--;
			return found;
		}
		s->bit_off -= bo;
		s->raw_len--;
	}
	return 0;
}

/* libbpf's bpf_core_spec_match(). */
static int spec_match(const struct spec *ls, const struct cbtf *tb,
		      uint32_t tid, struct spec *ts)
{
	const struct cbtf *lb = ls->b;
	uint32_t i;

	memset(ts, 0, sizeof(*ts));
	ts->b = tb;
	ts->root_id = tid;
	ts->kind = ls->kind;
	if (kind_type(ls->kind)) {
		if (ls->kind == TYPE_MATCHES)
			return -KBPF_EOPNOTSUPP;
		return types_compat(lb, ls->root_id, tb, tid, 0x7fffffff);
	}
	if (kind_enumval(ls->kind)) {
		const uint8_t *t = skip_mods(tb, tid, &tid);
		size_t ll = essential_len(ls->a[0].name);
		uint32_t esz;

		if (!t || !is_enum(kbpf_btf_kind(tb, t)))
			return 0;
		esz = kbpf_btf_kind(tb, t) == BTF_KIND_ENUM64 ? 12 : 8;
		for (i = 0; i < kbpf_btf_vlen(tb, t); i++) {
			const char *tn = b_str(
				tb, kbpf_btf_rd32(tb, t + BTF_REC + esz * i));

			if (essential_len(tn) != ll ||
			    ncmp(ls->a[0].name, tn, ll))
				continue;
			ts->a[0].type_id = tid;
			ts->a[0].idx = i;
			ts->a[0].name = tn;
			ts->len = 1;
			ts->raw[ts->raw_len++] = i;
			return 1;
		}
		return 0;
	}
	if (!kind_field(ls->kind))
		return -KBPF_EINVAL;
	for (i = 0; i < ls->len; i++) {
		const struct acc *la = &ls->a[i];
		const uint8_t *t = skip_mods(tb, tid, &tid);

		if (!t)
			return -KBPF_EINVAL;
		if (la->name) {
			int m = match_member(lb, la, tb, tid, ts, &tid, 0);

			if (m <= 0)
				return m;
		} else {
			int64_t sz;

			if (i > 0) {
				bool flex;

				if (kbpf_btf_kind(tb, t) != BTF_KIND_ARRAY)
					return 0;
				flex = ts->len &&
				       is_flex_arr(tb, &ts->a[ts->len - 1], t);
				if (!flex &&
				    la->idx >=
					    kbpf_btf_rd32(tb, t + BTF_REC + 8))
					return 0;
				if (!skip_mods(tb,
					       kbpf_btf_rd32(tb, t + BTF_REC),
					       &tid))
					return -KBPF_EINVAL;
			}
			if (ts->raw_len == CORE_SPEC_MAX)
				return -KBPF_E2BIG;
			ts->a[ts->len].type_id = tid;
			ts->a[ts->len].idx = la->idx;
			ts->a[ts->len].name = NULL;
			ts->len++;
			ts->raw[ts->raw_len++] = la->idx;
			sz = kbpf_btf_resolve_size(tb, tid);
			if (sz < 0)
				return (int)sz;
			ts->bit_off += (uint64_t)la->idx * (uint64_t)sz * 8;
		}
	}
	return 1;
}

/* ---- values ---- */

#define EUCLEAN_POISON 1 /* internal: poison the instruction */

/* libbpf's bpf_core_calc_field_relo(); @s NULL: no target. */
static int calc_field(uint32_t kind, const struct spec *s, uint64_t *val,
		      uint32_t *fsz, uint32_t *tid, bool *validate)
{
	const struct cbtf *b;
	const struct acc *a;
	const uint8_t *t, *m, *mt;
	uint32_t byte_off, byte_sz, bit_off, bit_sz, ftid;
	bool bitfield;
	int64_t sz;

	*fsz = 0;
	if (kind == FIELD_EXISTS) {
		*val = s ? 1 : 0;
		return 0;
	}
	if (!s)
		return EUCLEAN_POISON;
	b = s->b;
	a = &s->a[s->len - 1];
	t = bt(b, a->type_id);
	if (!a->name) {
		if (kind != FIELD_BYTE_OFFSET && kind != FIELD_BYTE_SIZE)
			return -KBPF_EINVAL;
		sz = kbpf_btf_resolve_size(b, a->type_id);
		if (sz < 0)
			return -KBPF_EINVAL;
		if (kind == FIELD_BYTE_OFFSET) {
			*val = s->bit_off / 8;
			*fsz = (uint32_t)sz;
			*tid = a->type_id;
		} else {
			*val = (uint64_t)sz;
		}
		if (validate)
			*validate = true;
		return 0;
	}
	if (!t || !(m = kbpf_btf_vrec(b, t, a->idx)))
		return -KBPF_EINVAL;
	mt = skip_mods(b, kbpf_btf_rd32(b, m + 4), &ftid);
	if (!mt)
		return -KBPF_EINVAL;
	bit_off = (uint32_t)s->bit_off;
	bit_sz = kbpf_btf_member_bitfield_size(b, t, a->idx);
	bitfield = bit_sz > 0;
	if (bitfield) {
		byte_sz = kbpf_btf_st(b, mt);
		if (!byte_sz)
			return -KBPF_EINVAL;
		byte_off = bit_off / 8 / byte_sz * byte_sz;
		while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
			if (byte_sz >= 8)
				return -KBPF_E2BIG;
			byte_sz *= 2;
			byte_off = bit_off / 8 / byte_sz * byte_sz;
		}
	} else {
		sz = kbpf_btf_resolve_size(b, ftid);
		if (sz < 0)
			return -KBPF_EINVAL;
		byte_sz = (uint32_t)sz;
		byte_off = bit_off / 8;
		bit_sz = byte_sz * 8;
	}
	if (validate)
		*validate = !bitfield;
	switch (kind) {
	case FIELD_BYTE_OFFSET:
		*val = byte_off;
		if (!bitfield) {
			*fsz = byte_sz;
			*tid = ftid;
		}
		break;
	case FIELD_BYTE_SIZE:
		*val = byte_sz;
		break;
	case FIELD_SIGNED:
		*val = (is_enum(kbpf_btf_kind(b, mt)) &&
			kbpf_btf_kflag(b, mt)) ||
		       (kbpf_btf_kind(b, mt) == BTF_KIND_INT &&
			((kbpf_btf_data32(b, mt, 0) >> 24) & BTF_INT_SIGNED));
		if (validate)
			*validate = true;
		break;
	case FIELD_LSHIFT_U64:
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		*val = (8 - byte_sz) * 8 + (bit_off - byte_off * 8);
#else
		*val = 64 - (bit_off + bit_sz - byte_off * 8);
#endif
		break;
	case FIELD_RSHIFT_U64:
		*val = 64 - bit_sz;
		if (validate)
			*validate = true;
		break;
	default:
		return -KBPF_EOPNOTSUPP;
	}
	return 0;
}

static int calc_type(uint32_t kind, const struct spec *s, uint64_t *val)
{
	int64_t sz;

	if (!s) {
		*val = 0;
		return 0;
	}
	switch (kind) {
	case TYPE_ID_TARGET:
		*val = s->root_id;
		return 0;
	case TYPE_EXISTS:
		*val = 1;
		return 0;
	case TYPE_SIZE:
		sz = kbpf_btf_resolve_size(s->b, s->root_id);
		if (sz < 0)
			return -KBPF_EINVAL;
		*val = (uint64_t)sz;
		return 0;
	default:
		return -KBPF_EOPNOTSUPP;
	}
}

static int calc_enumval(uint32_t kind, const struct spec *s, uint64_t *val)
{
	const uint8_t *t;

	if (kind == ENUMVAL_EXISTS) {
		*val = s ? 1 : 0;
		return 0;
	}
	if (kind != ENUMVAL_VALUE)
		return -KBPF_EOPNOTSUPP;
	if (!s)
		return EUCLEAN_POISON;
	t = bt(s->b, s->a[0].type_id);
	if (!t)
		return -KBPF_EINVAL;
	if (kbpf_btf_kind(s->b, t) == BTF_KIND_ENUM) {
		int32_t v = (int32_t)kbpf_btf_rd32(
			s->b, t + BTF_REC + 8 * s->a[0].idx + 4);

		*val = (uint64_t)(int64_t)v;
	} else {
		const uint8_t *e = t + BTF_REC + 12 * s->a[0].idx;

		*val = (uint64_t)kbpf_btf_rd32(s->b, e + 8) << 32 |
		       kbpf_btf_rd32(s->b, e + 4);
	}
	return 0;
}

static bool is_ptr(const struct cbtf *b, uint32_t id)
{
	const uint8_t *t = bt(b, id);

	return t && kbpf_btf_kind(b, t) == BTF_KIND_PTR;
}

static bool is_unsigned_int(const struct cbtf *b, uint32_t id)
{
	const uint8_t *t = bt(b, id);

	return t && kbpf_btf_kind(b, t) == BTF_KIND_INT &&
	       !((kbpf_btf_data32(b, t, 0) >> 24) & BTF_INT_SIGNED);
}

/* libbpf's bpf_core_calc_relo(); @ts NULL: no target matched. */
static int calc_relo(uint32_t kind, const struct spec *ls,
		     const struct spec *ts, struct res *r)
{
	int err = 0;

	memset(r, 0, sizeof(*r));
	r->validate = true;
	if (kind_field(kind)) {
		err = calc_field(kind, ls, &r->orig, &r->orig_sz, &r->orig_tid,
				 &r->validate);
		if (!err)
			err = calc_field(kind, ts, &r->val, &r->new_sz,
					 &r->new_tid, NULL);
		if (!err && r->orig_sz != r->new_sz &&
		    !(is_ptr(ls->b, r->orig_tid) &&
		      is_ptr(ts->b, r->new_tid)) &&
		    !(is_unsigned_int(ls->b, r->orig_tid) &&
		      is_unsigned_int(ts->b, r->new_tid)))
			r->fail_memsz = true;
	} else if (kind_type(kind)) {
		err = calc_type(kind, ls, &r->orig);
		if (!err)
			err = calc_type(kind, ts, &r->val);
	} else if (kind_enumval(kind)) {
		err = calc_enumval(kind, ls, &r->orig);
		if (!err)
			err = calc_enumval(kind, ts, &r->val);
	}
	if (err == EUCLEAN_POISON) {
		r->poison = true;
		err = 0;
	}
	return err;
}

/* ---- instructions ---- */

/* libbpf's bpf_core_poison_insn(): a call of helper 0xbad2310. */
static void poison(struct bpf_insn *insn)
{
	insn->code = BPF_JMP | BPF_CALL;
	insn->dst_reg = 0;
	insn->src_reg = 0;
	insn->off = 0;
	insn->imm = KBPF_CORE_POISON_HELPER;
}

static bool is_ldimm64(const struct bpf_insn *i)
{
	return i->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static int bytes_size(uint32_t n)
{
	switch (n) {
	case 1:
		return BPF_B;
	case 2:
		return BPF_H;
	case 4:
		return BPF_W;
	case 8:
		return BPF_DW;
	default:
		return -1;
	}
}

/* libbpf's bpf_core_patch_insn(); @room: instructions at @insn. */
static int patch(struct ld_ctx *c, const char *pn, uint32_t at,
		 struct bpf_insn *insn, uint32_t room, const struct res *r)
{
	uint64_t orig = r->orig, val = r->val;

	if (r->poison)
		goto poison;
	switch (BPF_CLASS(insn->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		if (BPF_SRC(insn->code) != BPF_K)
			return kbpf_ld_err(
				c, -KBPF_EINVAL,
				"prog '%s': CO-RE relocation of insn %u: an ALU instruction with a register source",
				pn, at);
		if (r->validate && (uint64_t)(int64_t)insn->imm != orig)
			goto unexpected;
		insn->imm = (int32_t)val;
		return 0;
	case BPF_LDX:
	case BPF_ST:
	case BPF_STX:
		if (r->validate && (uint64_t)(int64_t)insn->off != orig)
			goto unexpected;
		if (val > 0x7fff)
			return kbpf_ld_err(
				c, -KBPF_ERANGE,
				"prog '%s': CO-RE relocation of insn %u: offset %llu too big",
				pn, at, (unsigned long long)val);
		if (r->fail_memsz)
			goto poison;
		insn->off = (int16_t)val;
		if (r->new_sz != r->orig_sz) {
			int sz = bytes_size(r->new_sz);

			if (kbpf_insn_size_bytes(insn->code) != r->orig_sz ||
			    sz < 0)
				return kbpf_ld_err(
					c, -KBPF_EINVAL,
					"prog '%s': CO-RE relocation of insn %u: memory size %d, expected %u, new %u",
					pn, at,
					kbpf_insn_size_bytes(insn->code),
					r->orig_sz, r->new_sz);
			insn->code = (uint8_t)(BPF_MODE(insn->code) | sz |
					       BPF_CLASS(insn->code));
		}
		return 0;
	case BPF_LD: {
		uint64_t imm;

		if (!is_ldimm64(insn) || room < 2 || insn[0].src_reg ||
		    insn[0].off || insn[1].code || insn[1].dst_reg ||
		    insn[1].src_reg || insn[1].off)
			return kbpf_ld_err(
				c, -KBPF_EINVAL,
				"prog '%s': CO-RE relocation of insn %u: ld_imm64 of an unexpected form",
				pn, at);
		imm = (uint32_t)insn[0].imm | (uint64_t)(uint32_t)insn[1].imm
						      << 32;
		if (r->validate && imm != orig)
			goto unexpected;
		insn[0].imm = (int32_t)(uint32_t)val;
		insn[1].imm = (int32_t)(uint32_t)(val >> 32);
		return 0;
	}
	default:
		return kbpf_ld_err(
			c, -KBPF_EINVAL,
			"prog '%s': CO-RE relocation of insn %u: instruction 0x%02x cannot be relocated",
			pn, at, insn->code);
	}
poison:
	if (is_ldimm64(insn) && room >= 2)
		poison(insn + 1);
	poison(insn);
	return 0;
unexpected:
	return kbpf_ld_err(
		c, -KBPF_EINVAL,
		"prog '%s': CO-RE relocation of insn %u: it holds a value other than the local BTF gives (%llu)",
		pn, at, (unsigned long long)orig);
}

/* ---- one relocation ---- */

int kbpf_ld_core_apply(struct ld_ctx *c, const struct ld_core *rec,
		       const char *pn, uint32_t at, struct bpf_insn *insn,
		       uint32_t room)
{
	const struct kbpf_core_target *tg = c->target;
	const struct cbtf lb = c->btf; /* a copy of the view, not the owner */
	struct spec *ls, *cs, *ts;
	const uint8_t *lt;
	const char *lname, *acc;
	struct res r, cr;
	size_t ll;
	uint32_t lo, hi, j = 0;

	int err;

	lt = bt(&lb, rec->type_id);
	acc = rec->access_off < lb.strs_len ? lb.strs + rec->access_off : NULL;
	if (!lt || !acc)
		return kbpf_ld_err(
			c, -KBPF_EINVAL,
			"prog '%s': CO-RE relocation of insn %u: bad type id %u or access string",
			pn, at, rec->type_id);
	ls = kbpf_malloc(c->h, 3 * sizeof(*ls), 0);
	if (!ls)
		return kbpf_ld_err(c, -KBPF_ENOMEM, "out of memory");
	cs = ls + 1;
	ts = ls + 2;
	err = parse_spec(&lb, rec->type_id, acc, rec->kind, ls);
	if (err) {
		err = kbpf_ld_err(
			c, -KBPF_EINVAL,
			"prog '%s': CO-RE relocation of insn %u: access string '%s' does not fit type %u",
			pn, at, acc, rec->type_id);
		goto out;
	}
	if (rec->kind == TYPE_ID_LOCAL) {
		memset(&r, 0, sizeof(r));
		r.orig = r.val = ls->root_id;
		goto apply;
	}
	if (rec->kind > TYPE_MATCHES || rec->kind == TYPE_MATCHES) {
		err = kbpf_ld_err(
			c, -KBPF_EOPNOTSUPP,
			"prog '%s': CO-RE relocation of insn %u: kind %u is not supported",
			pn, at, rec->kind);
		goto out;
	}
	lname = b_name(&lb, lt);
	if (!lname[0]) {
		err = kbpf_ld_err(
			c, -KBPF_EOPNOTSUPP,
			"prog '%s': CO-RE relocation of insn %u: the local type %u has no name",
			pn, at, rec->type_id);
		goto out;
	}
	ll = essential_len(lname);
	/* Candidates: host types of the same essential name, in id order. */
	lo = 0;
	hi = tg->nr_named;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (named_cmp(&tg->by_name[mid], lname, (uint32_t)ll, 0) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < tg->nr_named && tg->by_name[lo].len == ll &&
	       !ncmp(tg->by_name[lo].name, lname, ll);
	     lo++) {
		uint32_t id = tg->by_name[lo].id;
		const uint8_t *t = bt(&tg->b, id);
		int m;

		if (!kind_compat(&lb, lt, &tg->b, t))
			continue;
		m = spec_match(ls, &tg->b, id, cs);
		if (m < 0) {
			err = kbpf_ld_err(
				c, m,
				"prog '%s': CO-RE relocation of insn %u: matching host type %u failed",
				pn, at, id);
			goto out;
		}
		if (!m)
			continue;
		err = calc_relo(rec->kind, ls, cs, &cr);
		if (err) {
			err = kbpf_ld_err(
				c, err,
				"prog '%s': CO-RE relocation of insn %u: cannot compute the value",
				pn, at);
			goto out;
		}
		if (!j) {
			r = cr;
			*ts = *cs;
		} else if (cs->bit_off != ts->bit_off ||
			   cr.poison != r.poison || cr.val != r.val) {
			err = kbpf_ld_err(
				c, -KBPF_EINVAL,
				"prog '%s': CO-RE relocation of insn %u: host types %u and %u disagree",
				pn, at, ts->root_id, id);
			goto out;
		}
		j++;
	}
	if (!j) {
		err = calc_relo(rec->kind, ls, NULL, &r);
		if (err) {
			err = kbpf_ld_err(
				c, err,
				"prog '%s': CO-RE relocation of insn %u: cannot compute the value",
				pn, at);
			goto out;
		}
	}
apply:
	err = patch(c, pn, at, insn, room, &r);
	if (!err)
		c->obj->nr_core_applied++;
out:
	kbpf_free(c->h, ls, 3 * sizeof(*ls));
	return err;
}
