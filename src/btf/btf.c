// SPDX-License-Identifier: MIT
/*
 * BTF parsing, validation, resolution and lookup (see btf.h). Written from
 * Linux's and libbpf's documented behaviour (kernel/bpf/btf.c btf_parse_hdr()
 * and btf_check_sec_info(), libbpf's btf_parse_hdr(), btf__resolve_size(),
 * btf__align_of(), btf__find_by_name_kind()); the code is kbpf's own.
 */
#include "btf/btf.h"

#include "core/alloc.h"

int64_t kbpf_btf_extra_size(uint32_t kind, uint32_t vlen)
{
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return 12;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_DATASEC:
	case BTF_KIND_ENUM64:
		return 12 * (int64_t)vlen;
	case BTF_KIND_ENUM:
	case BTF_KIND_FUNC_PROTO:
		return 8 * (int64_t)vlen;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	default:
		return -1;
	}
}

/* Size of one vlen entry of @kind, 0 if the kind has no list. */
static uint32_t vrec_size(uint32_t kind)
{
	switch (kind) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_DATASEC:
	case BTF_KIND_ENUM64:
		return 12;
	case BTF_KIND_ENUM:
	case BTF_KIND_FUNC_PROTO:
		return 8;
	default:
		return 0;
	}
}

static uint32_t rec_size(const struct kbpf_btf_view *b, const uint8_t *t)
{
	return KBPF_BTF_REC_SIZE +
	       (uint32_t)kbpf_btf_extra_size(kbpf_btf_kind(b, t),
					     kbpf_btf_vlen(b, t));
}

static bool name_ok(const struct kbpf_btf_view *b, uint32_t off)
{
	return off < b->strs_len;
}

static bool id_ok(const struct kbpf_btf_view *b, uint32_t id, uint32_t nr)
{
	(void)b;
	return id < nr;
}

/*
 * KBPF_BTF_F_STRICT on one record @t of a BTF of @nr types: names inside
 * the string area, referenced ids below @nr, vlen only where allowed.
 */
static const char *strict_rec(const struct kbpf_btf_view *b, const uint8_t *t,
			      uint32_t nr)
{
	uint32_t kind = kbpf_btf_kind(b, t), vlen = kbpf_btf_vlen(b, t), i;
	uint32_t vs = vrec_size(kind);

	if (!name_ok(b, kbpf_btf_name_off(b, t)))
		return "a type's name offset is outside the string area";
	switch (kind) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		if (vlen)
			return "a type of a kind without vlen has a vlen";
		/* fall through */
	case BTF_KIND_FUNC:
	case BTF_KIND_FUNC_PROTO:
		if (!id_ok(b, kbpf_btf_st(b, t), nr))
			return "a type refers to a type id past the last type";
		break;
	case BTF_KIND_ARRAY:
		if (vlen)
			return "a type of a kind without vlen has a vlen";
		if (!id_ok(b, kbpf_btf_data32(b, t, 0), nr) ||
		    !id_ok(b, kbpf_btf_data32(b, t, 1), nr))
			return "a type refers to a type id past the last type";
		break;
	case BTF_KIND_INT:
	case BTF_KIND_FWD:
	case BTF_KIND_FLOAT:
		if (vlen)
			return "a type of a kind without vlen has a vlen";
		break;
	default:
		break;
	}
	if (kind == BTF_KIND_FUNC && vlen > BTF_FUNC_EXTERN)
		return "a function has an unknown linkage";
	for (i = 0; vs && i < vlen; i++) {
		const uint8_t *v = t + KBPF_BTF_REC_SIZE + vs * i;

		/* DATASEC entries have no name: their first word is a type. */
		if (kind == BTF_KIND_DATASEC) {
			if (!id_ok(b, kbpf_btf_rd32(b, v), nr))
				return "a type refers to a type id past the last type";
			continue;
		}
		if (!name_ok(b, kbpf_btf_rd32(b, v)))
			return "a member's name offset is outside the string area";
		if ((kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION ||
		     kind == BTF_KIND_FUNC_PROTO) &&
		    !id_ok(b, kbpf_btf_rd32(b, v + 4), nr))
			return "a type refers to a type id past the last type";
	}
	return NULL;
}

/*
 * Linux's header and area rules for KBPF_BTF_F_STRICT; *@err is Linux's
 * errno for the rule broken.
 */
static const char *strict_hdr(const uint8_t *d, size_t size, uint32_t hdr_len,
			      uint32_t to, uint32_t tl, uint32_t so,
			      uint32_t sl, int *err)
{
	uint32_t i;

	if (d[3]) {
		*err = -KBPF_ENOTSUPP;
		return "unsupported header flags";
	}
	for (i = KBPF_BTF_HDR_SIZE; i < hdr_len; i++) {
		if (d[i]) {
			*err = -KBPF_E2BIG;
			return "unsupported header: nonzero bytes past the known fields";
		}
	}
	if (size == hdr_len)
		return "no data after the header";
	if (sl - 1 > BTF_MAX_NAME_OFFSET)
		return "string area too large";
	/* The areas, in offset order, must tile the data after the header. */
	if (to <= so) {
		if (to || (uint64_t)tl != so ||
		    (uint64_t)so + sl != size - hdr_len)
			return "type area and string area overlap, leave a gap or leave bytes unused";
	} else {
		if (so || (uint64_t)sl != to ||
		    (uint64_t)to + tl != size - hdr_len)
			return "type area and string area overlap, leave a gap or leave bytes unused";
	}
	return NULL;
}

int kbpf_btf_parse(struct kbpf_btf_view *b, const struct kbpf_host *h,
		   const void *data, size_t size, uint32_t flags,
		   const char **why)
{
	const uint8_t *d = data;
	uint32_t hdr_len, to, tl, so, sl, n, pos;
	const char *bad = NULL;
	int err = -KBPF_EINVAL;
	uint64_t avail;

	memset(b, 0, sizeof(*b));
	if (!d || size < KBPF_BTF_HDR_SIZE) {
		bad = "too short for a header";
		goto inval;
	}
	if (d[0] == 0x9f && d[1] == 0xeb && !(flags & KBPF_BTF_F_BE)) {
		b->be = false;
	} else if (d[0] == 0xeb && d[1] == 0x9f && !(flags & KBPF_BTF_F_LE)) {
		b->be = true;
	} else {
		bad = "bad magic (or a byte order other than the one required)";
		goto inval;
	}
	if (d[2] != BTF_VERSION) {
		if (flags & KBPF_BTF_F_STRICT)
			err = -KBPF_ENOTSUPP;
		bad = "unsupported version";
		goto inval;
	}
	hdr_len = kbpf_btf_rd32(b, d + 4);
	to = kbpf_btf_rd32(b, d + 8);
	tl = kbpf_btf_rd32(b, d + 12);
	so = kbpf_btf_rd32(b, d + 16);
	sl = kbpf_btf_rd32(b, d + 20);
	if (hdr_len < KBPF_BTF_HDR_SIZE || hdr_len > size) {
		bad = "header length out of range";
		goto inval;
	}
	avail = size - hdr_len;
	if ((uint64_t)to + tl > avail || (uint64_t)so + sl > avail || to % 4) {
		bad = "type area or string area outside the data after the header, or misaligned";
		goto inval;
	}
	if (!sl || d[hdr_len + so] || d[hdr_len + so + sl - 1]) {
		bad = "string area must start and end with a NUL";
		goto inval;
	}
	if ((flags & KBPF_BTF_F_STRICT) &&
	    (bad = strict_hdr(d, size, hdr_len, to, tl, so, sl, &err)))
		goto inval;
	b->types = d + hdr_len + to;
	b->types_len = tl;
	b->strs = (const char *)d + hdr_len + so;
	b->strs_len = sl;
	/* Count and check the records; then index them if asked. */
	for (n = 1, pos = 0; pos < tl; n++) {
		const uint8_t *t = b->types + pos;
		int64_t extra;

		if (tl - pos < KBPF_BTF_REC_SIZE) {
			bad = "a type record is truncated";
			goto inval;
		}
		extra = kbpf_btf_extra_size(kbpf_btf_kind(b, t),
					    kbpf_btf_vlen(b, t));
		if (extra < 0) {
			bad = "a type has an unknown kind";
			goto inval;
		}
		if ((uint64_t)extra > tl - pos - KBPF_BTF_REC_SIZE) {
			bad = "a type record is truncated";
			goto inval;
		}
		if (n >= BTF_MAX_TYPE) {
			bad = "too many types";
			goto inval;
		}
		pos += KBPF_BTF_REC_SIZE + (uint32_t)extra;
	}
	if (flags & KBPF_BTF_F_STRICT) {
		for (pos = 0; pos < tl; pos += rec_size(b, b->types + pos))
			if ((bad = strict_rec(b, b->types + pos, n)))
				goto inval;
	}
	if (h) {
		uint32_t i;

		b->type_off = kbpf_zalloc(h, (size_t)n * sizeof(uint32_t), 0);
		if (!b->type_off) {
			memset(b, 0, sizeof(*b));
			if (why)
				*why = "out of memory";
			return -KBPF_ENOMEM;
		}
		b->h = h;
		for (i = 1, pos = 0; i < n; i++) {
			b->type_off[i] = pos;
			pos += rec_size(b, b->types + pos);
		}
	}
	b->nr_types = n;
	return 0;
inval:
	memset(b, 0, sizeof(*b));
	if (why)
		*why = bad;
	return err;
}

void kbpf_btf_free(struct kbpf_btf_view *b)
{
	if (b->type_off)
		kbpf_free(b->h, b->type_off,
			  (size_t)b->nr_types * sizeof(uint32_t));
	memset(b, 0, sizeof(*b));
}

const uint8_t *kbpf_btf_type(const struct kbpf_btf_view *b, uint32_t id)
{
	uint32_t pos, n;

	if (!id || id >= b->nr_types)
		return NULL;
	if (b->type_off)
		return b->types + b->type_off[id];
	/* Not indexed: the records were all checked by kbpf_btf_parse(). */
	for (n = 1, pos = 0; n < id; n++)
		pos += rec_size(b, b->types + pos);
	return b->types + pos;
}

const uint8_t *kbpf_btf_vrec(const struct kbpf_btf_view *b, const uint8_t *t,
			     uint32_t i)
{
	uint32_t vs = vrec_size(kbpf_btf_kind(b, t));

	if (!vs || i >= kbpf_btf_vlen(b, t))
		return NULL;
	return t + KBPF_BTF_REC_SIZE + vs * i;
}

uint32_t kbpf_btf_member_bit_off(const struct kbpf_btf_view *b,
				 const uint8_t *t, uint32_t i)
{
	uint32_t o = kbpf_btf_rd32(b, t + KBPF_BTF_REC_SIZE + 12 * i + 8);

	return kbpf_btf_kflag(b, t) ? BTF_MEMBER_BIT_OFFSET(o) : o;
}

uint32_t kbpf_btf_member_bitfield_size(const struct kbpf_btf_view *b,
				       const uint8_t *t, uint32_t i)
{
	uint32_t o = kbpf_btf_rd32(b, t + KBPF_BTF_REC_SIZE + 12 * i + 8);

	return kbpf_btf_kflag(b, t) ? BTF_MEMBER_BITFIELD_SIZE(o) : 0;
}

static bool is_mod(uint32_t kind)
{
	return kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_VOLATILE ||
	       kind == BTF_KIND_CONST || kind == BTF_KIND_RESTRICT ||
	       kind == BTF_KIND_TYPE_TAG;
}

const uint8_t *kbpf_btf_skip_mods(const struct kbpf_btf_view *b, uint32_t id,
				  uint32_t *res_id)
{
	const uint8_t *t = NULL;
	int depth;

	for (depth = 0; depth <= KBPF_BTF_MAX_DEPTH; depth++) {
		t = kbpf_btf_type(b, id);
		if (!t || !is_mod(kbpf_btf_kind(b, t)))
			break;
		if (depth == KBPF_BTF_MAX_DEPTH) {
			t = NULL;
			break;
		}
		id = kbpf_btf_st(b, t);
	}
	if (res_id)
		*res_id = id;
	return t;
}

int64_t kbpf_btf_resolve_size(const struct kbpf_btf_view *b, uint32_t id)
{
	uint64_t nelems = 1, sz;
	int depth;

	for (depth = 0; depth < KBPF_BTF_MAX_DEPTH; depth++) {
		const uint8_t *t = kbpf_btf_type(b, id);
		uint32_t n;

		if (!t)
			return -KBPF_EINVAL;
		switch (kbpf_btf_kind(b, t)) {
		case BTF_KIND_INT:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_DATASEC:
		case BTF_KIND_FLOAT:
			sz = kbpf_btf_st(b, t);
			goto done;
		case BTF_KIND_PTR:
			sz = 8;
			goto done;
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_VAR:
		case BTF_KIND_DECL_TAG:
		case BTF_KIND_TYPE_TAG:
			id = kbpf_btf_st(b, t);
			break;
		case BTF_KIND_ARRAY:
			n = kbpf_btf_data32(b, t, 2);
			if (nelems && n > 0xffffffffu / nelems)
				return -KBPF_E2BIG;
			nelems *= n;
			id = kbpf_btf_data32(b, t, 0);
			break;
		default:
			return -KBPF_EINVAL;
		}
	}
	return -KBPF_EINVAL;
done:
	if (nelems && sz > 0xffffffffu / nelems)
		return -KBPF_E2BIG;
	return (int64_t)(nelems * sz);
}

static uint32_t align_of(const struct kbpf_btf_view *b, uint32_t id, int depth)
{
	const uint8_t *t;
	uint32_t i, vlen, a, max_a = 1;

	if (depth > KBPF_BTF_MAX_DEPTH)
		return 0;
	t = kbpf_btf_skip_mods(b, id, &id);
	if (!t)
		return 0;
	switch (kbpf_btf_kind(b, t)) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FLOAT:
		return kbpf_min(kbpf_btf_st(b, t), 8u);
	case BTF_KIND_PTR:
		return 8;
	case BTF_KIND_ARRAY:
		return align_of(b, kbpf_btf_data32(b, t, 0), depth + 1);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		vlen = kbpf_btf_vlen(b, t);
		for (i = 0; i < vlen; i++) {
			const uint8_t *m = kbpf_btf_vrec(b, t, i);

			a = align_of(b, kbpf_btf_rd32(b, m + 4), depth + 1);
			if (!a)
				return 0;
			max_a = kbpf_max(max_a, a);
			/* A member off its type's alignment: packed. */
			if (!kbpf_btf_member_bitfield_size(b, t, i) &&
			    kbpf_btf_member_bit_off(b, t, i) % (8 * a))
				return 1;
		}
		if (kbpf_btf_st(b, t) % max_a)
			return 1;
		return max_a;
	default:
		return 0;
	}
}

uint32_t kbpf_btf_align_of(const struct kbpf_btf_view *b, uint32_t id)
{
	return align_of(b, id, 0);
}

static bool str_eq(const char *a, const char *s)
{
	while (*a && *a == *s) {
		a++;
		s++;
	}
	return *a == *s;
}

uint32_t kbpf_btf_find(const struct kbpf_btf_view *b, uint32_t kind,
		       const char *name)
{
	uint32_t id, pos;

	/* Walk the records in order: the same cost indexed or not. */
	for (id = 1, pos = 0; id < b->nr_types; id++) {
		const uint8_t *t = b->types + pos;
		const char *n;

		pos += rec_size(b, t);
		if (kbpf_btf_kind(b, t) != kind)
			continue;
		n = kbpf_btf_name(b, t);
		if (n && str_eq(n, name))
			return id;
	}
	return 0;
}
