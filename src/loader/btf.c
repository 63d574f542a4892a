// SPDX-License-Identifier: MIT
/*
 * The BTF side of the object loader: just enough of `.BTF` to read
 * BTF-defined maps (libbpf's parse_btf_map_def() in behaviour), and the
 * header of `.BTF.ext` to count CO-RE relocations, which kbpf refuses.
 *
 * BTF comes from the object and is untrusted: the header's offsets are
 * checked against the section, every type record's length against the
 * type area before it is indexed, type ids against the count, name offsets
 * against the string area (which must end in a NUL), and type chains
 * (typedefs, qualifiers, arrays) are followed at most LD_BTF_MAX_DEPTH
 * steps, so a cycle cannot hang the loader.
 */
#include "loader_internal.h"

#define LD_BTF_HDR_SIZE 24
#define LD_BTF_TYPE_SIZE 12
#define LD_BTF_MAX_DEPTH 32

static const uint8_t *btf_type(const struct ld_ctx *c, uint32_t id)
{
	if (!id || id >= c->btf.nr_types)
		return NULL;
	return c->btf.types + c->btf.type_off[id];
}

static uint32_t btf_info(const struct ld_ctx *c, const uint8_t *t)
{
	return kbpf_ld_rd32(c, t + 4);
}

static uint32_t btf_kind(const struct ld_ctx *c, const uint8_t *t)
{
	return BTF_INFO_KIND(btf_info(c, t));
}

static uint32_t btf_vlen(const struct ld_ctx *c, const uint8_t *t)
{
	return BTF_INFO_VLEN(btf_info(c, t));
}

/* size_or_type: the third word of every record. */
static uint32_t btf_st(const struct ld_ctx *c, const uint8_t *t)
{
	return kbpf_ld_rd32(c, t + 8);
}

static const char *btf_name(const struct ld_ctx *c, uint32_t off)
{
	if (off >= c->btf.strs_len)
		return NULL;
	return c->btf.strs + off;
}

/* Bytes of kind-specific data after the 12-byte record; -1 for unknown kinds. */
static int64_t btf_extra(uint32_t kind, uint32_t vlen)
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

int kbpf_ld_btf_parse(struct ld_ctx *c)
{
	const struct ld_sec *s = &c->secs[c->btf_idx];
	const uint8_t *d = s->data;
	uint32_t hdr_len, type_off, type_len, str_off, str_len, n, pos;
	uint64_t avail;

	if (s->size < LD_BTF_HDR_SIZE)
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"btf: .BTF has %llu bytes, no room for a header",
			(unsigned long long)s->size);
	if (kbpf_ld_rd16(c, d) != BTF_MAGIC)
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"btf: bad magic 0x%04x (or byte order unlike the ELF's)",
			kbpf_ld_rd16(c, d));
	if (d[2] != BTF_VERSION)
		return kbpf_ld_err(c, -KBPF_ENOEXEC,
				   "btf: unsupported version %u", d[2]);
	hdr_len = kbpf_ld_rd32(c, d + 4);
	type_off = kbpf_ld_rd32(c, d + 8);
	type_len = kbpf_ld_rd32(c, d + 12);
	str_off = kbpf_ld_rd32(c, d + 16);
	str_len = kbpf_ld_rd32(c, d + 20);
	if (hdr_len < LD_BTF_HDR_SIZE || hdr_len > s->size)
		return kbpf_ld_err(c, -KBPF_ENOEXEC,
				   "btf: header length %u out of range",
				   hdr_len);
	avail = s->size - hdr_len;
	if ((uint64_t)type_off + type_len > avail ||
	    (uint64_t)str_off + str_len > avail || type_off % 4)
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"btf: type area %u+%u or string area %u+%u outside the %llu bytes after the header",
			type_off, type_len, str_off, str_len,
			(unsigned long long)avail);
	if (!str_len || d[hdr_len + str_off] ||
	    d[hdr_len + str_off + str_len - 1])
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"btf: string area must start and end with a NUL");
	c->btf.types = d + hdr_len + type_off;
	c->btf.types_len = type_len;
	c->btf.strs = (const char *)d + hdr_len + str_off;
	c->btf.strs_len = str_len;
	/* Two passes: count and check the records, then index them. */
	for (n = 1, pos = 0; pos < type_len; n++) {
		int64_t extra;

		if (type_len - pos < LD_BTF_TYPE_SIZE)
			return kbpf_ld_err(c, -KBPF_ENOEXEC,
					   "btf: type %u is truncated", n);
		extra = btf_extra(btf_kind(c, c->btf.types + pos),
				  btf_vlen(c, c->btf.types + pos));
		if (extra < 0)
			return kbpf_ld_err(c, -KBPF_ENOEXEC,
					   "btf: type %u has unknown kind %u",
					   n, btf_kind(c, c->btf.types + pos));
		if ((uint64_t)extra > type_len - pos - LD_BTF_TYPE_SIZE)
			return kbpf_ld_err(c, -KBPF_ENOEXEC,
					   "btf: type %u is truncated", n);
		if (n >= BTF_MAX_TYPE)
			return kbpf_ld_err(c, -KBPF_ENOEXEC,
					   "btf: too many types");
		pos += LD_BTF_TYPE_SIZE + (uint32_t)extra;
	}
	c->btf.nr_types = n;
	c->btf.type_off = kbpf_zalloc(c->h, n * sizeof(uint32_t), 0);
	if (!c->btf.type_off)
		return kbpf_ld_err(c, -KBPF_ENOMEM, "out of memory");
	for (n = 1, pos = 0; pos < type_len; n++) {
		c->btf.type_off[n] = pos;
		pos += LD_BTF_TYPE_SIZE +
		       (uint32_t)btf_extra(btf_kind(c, c->btf.types + pos),
					   btf_vlen(c, c->btf.types + pos));
	}
	return 0;
}

void kbpf_ld_btf_free(struct ld_ctx *c)
{
	if (c->btf.type_off)
		kbpf_free(c->h, c->btf.type_off,
			  c->btf.nr_types * sizeof(uint32_t));
	c->btf.type_off = NULL;
}

/* Follow typedefs and qualifiers; 0 if the chain is broken or too long. */
static uint32_t btf_skip_mods(const struct ld_ctx *c, uint32_t id)
{
	int depth;

	for (depth = 0; depth < LD_BTF_MAX_DEPTH; depth++) {
		const uint8_t *t = btf_type(c, id);

		if (!t)
			return 0;
		switch (btf_kind(c, t)) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = btf_st(c, t);
			break;
		default:
			return id;
		}
	}
	return 0;
}

/* libbpf's btf__resolve_size(): bytes of type @id. */
static int btf_resolve_size(const struct ld_ctx *c, uint32_t id, uint64_t *size)
{
	uint64_t nelems = 1;
	int depth;

	for (depth = 0; depth < LD_BTF_MAX_DEPTH; depth++) {
		const uint8_t *t = btf_type(c, id);

		if (!t)
			return -KBPF_ENOEXEC;
		switch (btf_kind(c, t)) {
		case BTF_KIND_INT:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_DATASEC:
		case BTF_KIND_FLOAT:
			*size = nelems * btf_st(c, t);
			return *size > 0xffffffffu ? -KBPF_E2BIG : 0;
		case BTF_KIND_PTR:
			*size = nelems * 8;
			return *size > 0xffffffffu ? -KBPF_E2BIG : 0;
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_VAR:
		case BTF_KIND_DECL_TAG:
		case BTF_KIND_TYPE_TAG:
			id = btf_st(c, t);
			break;
		case BTF_KIND_ARRAY:
			nelems *= kbpf_ld_rd32(c, t + LD_BTF_TYPE_SIZE + 8);
			if (nelems > 0xffffffffu)
				return -KBPF_E2BIG;
			id = kbpf_ld_rd32(c, t + LD_BTF_TYPE_SIZE);
			break;
		default:
			return -KBPF_ENOEXEC;
		}
	}
	return -KBPF_ENOEXEC;
}

/* `__uint(name, value)` is `int (*name)[value]`: a pointer to an array. */
static int btf_field_int(struct ld_ctx *c, const char *map, const char *field,
			 uint32_t type, uint32_t *val)
{
	const uint8_t *t = btf_type(c, btf_skip_mods(c, type)), *arr;

	if (!t || btf_kind(c, t) != BTF_KIND_PTR)
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"btf: map '%s': field '%s' is not a pointer to an array",
			map, field);
	arr = btf_type(c, btf_st(c, t));
	if (!arr || btf_kind(c, arr) != BTF_KIND_ARRAY)
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"btf: map '%s': field '%s' is not a pointer to an array",
			map, field);
	*val = kbpf_ld_rd32(c, arr + LD_BTF_TYPE_SIZE + 8);
	return 0;
}

/* `__ulong(name, value)`: an enum with one value, or the __uint form. */
static int btf_field_long(struct ld_ctx *c, const char *map, const char *field,
			  uint32_t type, uint64_t *val)
{
	const uint8_t *t = btf_type(c, btf_skip_mods(c, type));
	uint32_t v32;
	int err;

	if (t && btf_kind(c, t) == BTF_KIND_ENUM && btf_vlen(c, t)) {
		*val = kbpf_ld_rd32(c, t + LD_BTF_TYPE_SIZE + 4);
		return 0;
	}
	if (t && btf_kind(c, t) == BTF_KIND_ENUM64 && btf_vlen(c, t)) {
		*val = (uint64_t)kbpf_ld_rd32(c, t + LD_BTF_TYPE_SIZE + 8)
			       << 32 |
		       kbpf_ld_rd32(c, t + LD_BTF_TYPE_SIZE + 4);
		return 0;
	}
	err = btf_field_int(c, map, field, type, &v32);
	*val = v32;
	return err;
}

/* `__type(name, T)` is `T *name`: the pointee's id and size. */
static int btf_field_type(struct ld_ctx *c, const char *map, const char *field,
			  uint32_t type, uint32_t *id, uint32_t *size)
{
	const uint8_t *t = btf_type(c, btf_skip_mods(c, type));
	uint64_t sz;
	int err;

	if (!t || btf_kind(c, t) != BTF_KIND_PTR)
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"btf: map '%s': field '%s' is not a pointer to a type",
			map, field);
	err = btf_resolve_size(c, btf_st(c, t), &sz);
	if (err)
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"btf: map '%s': can't size the type of field '%s'", map,
			field);
	if (*size && *size != sz)
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"btf: map '%s': conflicting %s size %u and %llu", map,
			field, *size, (unsigned long long)sz);
	*id = btf_st(c, t);
	*size = (uint32_t)sz;
	return 0;
}

static int btf_parse_def(struct ld_ctx *c, struct kbpf_elf_map *m,
			 const uint8_t *def)
{
	uint32_t i, vlen = btf_vlen(c, def), v;
	int err = 0;

	for (i = 0; i < vlen && !err; i++) {
		const uint8_t *mem = def + LD_BTF_TYPE_SIZE + 12 * i;
		const char *f = btf_name(c, kbpf_ld_rd32(c, mem));
		uint32_t type = kbpf_ld_rd32(c, mem + 4);

		if (!f)
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"btf: map '%s': field %u has no name", m->name,
				i);
		if (kbpf_ld_streq(f, "type")) {
			err = btf_field_int(c, m->name, f, type, &m->type);
		} else if (kbpf_ld_streq(f, "max_entries")) {
			err = btf_field_int(c, m->name, f, type,
					    &m->max_entries);
		} else if (kbpf_ld_streq(f, "map_flags")) {
			err = btf_field_int(c, m->name, f, type, &m->map_flags);
		} else if (kbpf_ld_streq(f, "numa_node")) {
			err = btf_field_int(c, m->name, f, type, &m->numa_node);
		} else if (kbpf_ld_streq(f, "pinning")) {
			err = btf_field_int(c, m->name, f, type, &m->pinning);
			if (!err && m->pinning != KBPF_ELF_PIN_NONE &&
			    m->pinning != KBPF_ELF_PIN_BY_NAME)
				err = kbpf_ld_err(
					c, -KBPF_EINVAL,
					"btf: map '%s': unknown pinning %u",
					m->name, m->pinning);
		} else if (kbpf_ld_streq(f, "map_extra")) {
			err = btf_field_long(c, m->name, f, type,
					     &m->map_extra);
		} else if (kbpf_ld_streq(f, "key_size") ||
			   kbpf_ld_streq(f, "value_size")) {
			uint32_t *sz = f[0] == 'k' ? &m->key_size :
						     &m->value_size;

			err = btf_field_int(c, m->name, f, type, &v);
			if (!err && *sz && *sz != v)
				err = kbpf_ld_err(
					c, -KBPF_ENOEXEC,
					"btf: map '%s': conflicting %s %u and %u",
					m->name, f, *sz, v);
			*sz = v;
		} else if (kbpf_ld_streq(f, "key")) {
			err = btf_field_type(c, m->name, f, type,
					     &m->btf_key_type_id, &m->key_size);
		} else if (kbpf_ld_streq(f, "value")) {
			err = btf_field_type(c, m->name, f, type,
					     &m->btf_value_type_id,
					     &m->value_size);
		} else if (kbpf_ld_streq(f, "values")) {
			err = kbpf_ld_err(
				c, -KBPF_EOPNOTSUPP,
				"btf: map '%s': 'values' (prog array or map-in-map slots) is not supported by kbpf",
				m->name);
		} else {
			err = kbpf_ld_err(c, -KBPF_EOPNOTSUPP,
					  "btf: map '%s': unknown field '%s'",
					  m->name, f);
		}
	}
	return err;
}

/* The symbol of the `.maps` variable @name: its offset in the section. */
static int btf_map_sym(const struct ld_ctx *c, const char *name, uint64_t *off)
{
	uint32_t i;

	for (i = 0; i < c->nr_syms; i++) {
		const struct ld_sym *s = &c->syms[i];

		if (s->shndx == c->maps_idx && s->type != LD_STT_SECTION &&
		    kbpf_ld_streq(s->name, name)) {
			*off = s->value;
			return 0;
		}
	}
	return -KBPF_ENOENT;
}

/* libbpf's adjust_ringbuf_sz(): a power-of-two multiple of the page size. */
static uint32_t btf_ringbuf_size(uint32_t sz)
{
	uint64_t mul;

	if (!sz ||
	    (sz % KBPF_PAGE_SIZE == 0 && kbpf_is_pow2(sz / KBPF_PAGE_SIZE)))
		return sz;
	for (mul = 1; mul * KBPF_PAGE_SIZE <= 0xffffffffu; mul <<= 1)
		if (mul * KBPF_PAGE_SIZE > sz)
			return (uint32_t)(mul * KBPF_PAGE_SIZE);
	return sz;
}

int kbpf_ld_btf_maps(struct ld_ctx *c)
{
	const uint8_t *ds = NULL;
	uint32_t id, i;
	int err;

	if (!c->btf_idx)
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"btf: the object has a .maps section but no .BTF to describe it");
	for (id = 1; id < c->btf.nr_types; id++) {
		const uint8_t *t = btf_type(c, id);
		const char *n = btf_name(c, kbpf_ld_rd32(c, t));

		if (btf_kind(c, t) == BTF_KIND_DATASEC && n &&
		    kbpf_ld_streq(n, ".maps")) {
			ds = t;
			break;
		}
	}
	if (!ds)
		return kbpf_ld_err(c, -KBPF_ENOEXEC,
				   "btf: no DATASEC '.maps' in .BTF");
	for (i = 0; i < btf_vlen(c, ds); i++) {
		const uint8_t *vsi = ds + LD_BTF_TYPE_SIZE + 12 * i;
		const uint8_t *var = btf_type(c, kbpf_ld_rd32(c, vsi)), *def;
		struct kbpf_elf_map *m;
		const char *name;
		uint64_t off;
		int idx;

		if (!var || btf_kind(c, var) != BTF_KIND_VAR)
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"btf: entry %u of DATASEC '.maps' is not a variable",
				i);
		name = btf_name(c, kbpf_ld_rd32(c, var));
		if (!name || !name[0])
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"btf: entry %u of DATASEC '.maps' has no name",
				i);
		def = btf_type(c, btf_skip_mods(c, btf_st(c, var)));
		if (!def || btf_kind(c, def) != BTF_KIND_STRUCT)
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"btf: map '%s': definition is not a struct",
				name);
		if (btf_map_sym(c, name, &off))
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"elf: map '%s': no symbol in section .maps",
				name);
		idx = kbpf_ld_map_add(c);
		if (idx < 0)
			return idx;
		m = &c->obj->maps[idx];
		m->name = name;
		kbpf_ld_map_kname(name, m->kname);
		m->kind = KBPF_ELF_MAP_BTF;
		m->sec_idx = c->maps_idx;
		m->sec_off = off;
		err = btf_parse_def(c, m, def);
		if (err)
			return err;
		if (m->type == BPF_MAP_TYPE_RINGBUF ||
		    m->type == BPF_MAP_TYPE_USER_RINGBUF)
			m->max_entries = btf_ringbuf_size(m->max_entries);
		if (m->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY && !m->max_entries)
			m->max_entries = c->h->nr_cpus;
	}
	return 0;
}

/* struct btf_ext_header: magic, version, flags, hdr_len, then offsets. */
#define LD_BTF_EXT_MIN_HDR 8
#define LD_BTF_EXT_CORE_HDR 32
#define LD_CORE_RELO_SIZE 16

int kbpf_ld_btf_ext_parse(struct ld_ctx *c)
{
	const struct ld_sec *s = &c->secs[c->btf_ext_idx];
	const uint8_t *d = s->data;
	uint32_t hdr_len, off, len, rec, pos;
	uint64_t total = 0;

	if (s->size < LD_BTF_EXT_MIN_HDR || kbpf_ld_rd16(c, d) != BTF_MAGIC)
		return kbpf_ld_err(c, -KBPF_ENOEXEC,
				   "btf: .BTF.ext has a bad header");
	hdr_len = kbpf_ld_rd32(c, d + 4);
	if (hdr_len > s->size)
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"btf: .BTF.ext header length %u out of range", hdr_len);
	if (hdr_len < LD_BTF_EXT_CORE_HDR)
		return 0; /* func_info/line_info only: not used by kbpf */
	off = kbpf_ld_rd32(c, d + 24);
	len = kbpf_ld_rd32(c, d + 28);
	if (!len)
		return 0;
	if ((uint64_t)hdr_len + off + len > s->size || len < 4)
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"btf: .BTF.ext CO-RE area %u+%u outside the section",
			off, len);
	d += hdr_len + off;
	rec = kbpf_ld_rd32(c, d);
	if (rec < LD_CORE_RELO_SIZE)
		return kbpf_ld_err(c, -KBPF_ENOEXEC,
				   "btf: .BTF.ext CO-RE record size %u", rec);
	for (pos = 4; pos < len;) {
		uint32_t n;

		if (len - pos < 8)
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"btf: .BTF.ext CO-RE area truncated");
		n = kbpf_ld_rd32(c, d + pos + 4);
		pos += 8;
		if ((uint64_t)n * rec > len - pos)
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"btf: .BTF.ext CO-RE area truncated");
		pos += n * rec;
		total += n;
	}
	c->obj->nr_core_relos = total > 0xffffffffu ? 0xffffffffu :
						      (uint32_t)total;
	return 0;
}
