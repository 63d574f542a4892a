// SPDX-License-Identifier: MIT
/*
 * The BTF side of the object loader: BTF-defined maps (libbpf's
 * parse_btf_map_def() in behaviour), the CO-RE records of `.BTF.ext`,
 * `.kconfig` externs and lookups for elf.c, over the object's `.BTF`
 * parsed and validated by src/btf (in the ELF's byte order).
 *
 * BTF comes from the object and is untrusted: src/btf checks the header
 * and every record's length; ids, name offsets and chains taken from the
 * records are checked here or by src/btf's accessors, and chains
 * (typedefs, qualifiers, arrays) are followed at most KBPF_BTF_MAX_DEPTH
 * steps, so a cycle cannot hang the loader.
 */
#include "loader_internal.h"

#define LD_BTF_TYPE_SIZE KBPF_BTF_REC_SIZE
#define LD_BTF_MAX_DEPTH KBPF_BTF_MAX_DEPTH

/* Thin names over src/btf for the object's BTF (c->btf). */
static const uint8_t *btf_type(const struct ld_ctx *c, uint32_t id)
{
	return kbpf_btf_type(&c->btf, id);
}

static uint32_t btf_info(const struct ld_ctx *c, const uint8_t *t)
{
	return kbpf_btf_info(&c->btf, t);
}

static uint32_t btf_kind(const struct ld_ctx *c, const uint8_t *t)
{
	return kbpf_btf_kind(&c->btf, t);
}

static uint32_t btf_vlen(const struct ld_ctx *c, const uint8_t *t)
{
	return kbpf_btf_vlen(&c->btf, t);
}

/* size_or_type: the third word of every record. */
static uint32_t btf_st(const struct ld_ctx *c, const uint8_t *t)
{
	return kbpf_btf_st(&c->btf, t);
}

static const char *btf_name(const struct ld_ctx *c, uint32_t off)
{
	return kbpf_btf_str(&c->btf, off);
}

int kbpf_ld_btf_parse(struct ld_ctx *c)
{
	const struct ld_sec *s = &c->secs[c->btf_idx];
	const char *why = "";
	int err;

	/* The object's BTF is in the ELF's byte order, as libbpf requires. */
	err = kbpf_btf_parse(&c->btf, c->h, s->data, s->size,
			     c->be ? KBPF_BTF_F_BE : KBPF_BTF_F_LE, &why);
	if (err == -KBPF_ENOMEM)
		return kbpf_ld_err(c, err, "out of memory");
	if (err)
		return kbpf_ld_err(c, -KBPF_ENOEXEC, "btf: .BTF: %s", why);
	return 0;
}

void kbpf_ld_btf_free(struct ld_ctx *c)
{
	kbpf_btf_free(&c->btf);
}

/* Follow typedefs and qualifiers; 0 if the chain is broken or too long. */
static uint32_t btf_skip_mods(const struct ld_ctx *c, uint32_t id)
{
	uint32_t res;

	return kbpf_btf_skip_mods(&c->btf, id, &res) ? res : 0;
}

/* libbpf's btf__resolve_size(): bytes of type @id. */
static int btf_resolve_size(const struct ld_ctx *c, uint32_t id, uint64_t *size)
{
	int64_t sz = kbpf_btf_resolve_size(&c->btf, id);

	if (sz < 0)
		return (int)sz;
	*size = (uint64_t)sz;
	return 0;
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
	*val = kbpf_btf_rd32(&c->btf, arr + LD_BTF_TYPE_SIZE + 8);
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
		*val = kbpf_btf_rd32(&c->btf, t + LD_BTF_TYPE_SIZE + 4);
		return 0;
	}
	if (t && btf_kind(c, t) == BTF_KIND_ENUM64 && btf_vlen(c, t)) {
		*val = (uint64_t)kbpf_btf_rd32(&c->btf,
					       t + LD_BTF_TYPE_SIZE + 8)
			       << 32 |
		       kbpf_btf_rd32(&c->btf, t + LD_BTF_TYPE_SIZE + 4);
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
	uint64_t sz = 0;
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

/* A member's offset in bytes (bit offset, or bitfield encoding with kind_flag). */
static uint32_t btf_member_off(const struct ld_ctx *c, const uint8_t *def,
			       const uint8_t *mem)
{
	uint32_t off = kbpf_btf_rd32(&c->btf, mem + 8);

	if (btf_info(c, def) >> 31)
		off &= 0xffffff;
	return off / 8;
}

/*
 * `__array(values, int (void *))` (prog array slots) or `__array(values,
 * struct inner)` (map-in-map): the last member, an array of pointers to a
 * function prototype or a map definition, as libbpf requires. The slots
 * themselves come from the relocations of `.maps` (ld_map_slots()).
 */
static int btf_parse_def(struct ld_ctx *c, struct kbpf_elf_map *m,
			 const uint8_t *def);

static int btf_field_values(struct ld_ctx *c, struct kbpf_elf_map *m,
			    uint32_t type, bool last, uint32_t off)
{
	const uint8_t *t = btf_type(c, btf_skip_mods(c, type)), *ptr, *to;
	uint32_t k;

	if (!last)
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"btf: map '%s': 'values' must be the last field",
			m->name);
	if (!t || btf_kind(c, t) != BTF_KIND_ARRAY)
		return kbpf_ld_err(c, -KBPF_ENOEXEC,
				   "btf: map '%s': 'values' is not an array",
				   m->name);
	ptr = btf_type(
		c,
		btf_skip_mods(c, kbpf_btf_rd32(&c->btf, t + LD_BTF_TYPE_SIZE)));
	to = ptr && btf_kind(c, ptr) == BTF_KIND_PTR ?
		     btf_type(c, btf_skip_mods(c, btf_st(c, ptr))) :
		     NULL;
	k = to ? btf_kind(c, to) : 0;
	if (k == BTF_KIND_FUNC_PROTO && m->type == BPF_MAP_TYPE_PROG_ARRAY) {
		m->values_kind = LD_VALUES_PROGS;
	} else if (k == BTF_KIND_STRUCT &&
		   (m->type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
		    m->type == BPF_MAP_TYPE_HASH_OF_MAPS)) {
		/* The inner definition: the template libbpf creates. */
		struct kbpf_elf_map inner = { 0 };
		int err;

		inner.name = m->name;
		err = btf_parse_def(c, &inner, to);
		if (err)
			return err;
		if (!inner.type || inner.values_kind)
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"btf: map '%s': the inner map definition in 'values' %s",
				m->name,
				inner.type ? "is itself a map-in-map" :
					     "has no type");
		m->inner_type = inner.type;
		m->inner_key_size = inner.key_size;
		m->inner_value_size = inner.value_size;
		m->inner_max_entries = inner.max_entries;
		m->inner_map_flags = inner.map_flags;
		m->values_kind = LD_VALUES_MAPS;
	} else {
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"btf: map '%s': 'values' must be an array of pointers to a function prototype (prog array) or to a map definition (map-in-map)",
			m->name);
	}
	if (m->value_size && m->value_size != 4)
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"btf: map '%s': value_size %u, but 'values' holds 4-byte ids",
			m->name, m->value_size);
	m->value_size = 4;
	m->values_off = off;
	return 0;
}

static int btf_parse_def(struct ld_ctx *c, struct kbpf_elf_map *m,
			 const uint8_t *def)
{
	uint32_t i, vlen = btf_vlen(c, def), v;
	int err = 0;

	for (i = 0; i < vlen && !err; i++) {
		const uint8_t *mem = def + LD_BTF_TYPE_SIZE + 12 * i;
		const char *f = btf_name(c, kbpf_btf_rd32(&c->btf, mem));
		uint32_t type = kbpf_btf_rd32(&c->btf, mem + 4);

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
			err = btf_field_values(c, m, type, i == vlen - 1,
					       btf_member_off(c, def, mem));
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
	const uint8_t *ds;
	uint32_t i;
	int err;

	if (!c->btf_idx)
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"btf: the object has a .maps section but no .BTF to describe it");
	ds = btf_type(c, kbpf_btf_find(&c->btf, BTF_KIND_DATASEC, ".maps"));
	if (!ds)
		return kbpf_ld_err(c, -KBPF_ENOEXEC,
				   "btf: no DATASEC '.maps' in .BTF");
	for (i = 0; i < btf_vlen(c, ds); i++) {
		const uint8_t *vsi = ds + LD_BTF_TYPE_SIZE + 12 * i;
		const uint8_t *var = btf_type(c, kbpf_btf_rd32(&c->btf, vsi)),
			      *def;
		struct kbpf_elf_map *m;
		const char *name;
		uint64_t off;
		int idx;

		if (!var || btf_kind(c, var) != BTF_KIND_VAR)
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"btf: entry %u of DATASEC '.maps' is not a variable",
				i);
		name = btf_name(c, kbpf_btf_rd32(&c->btf, var));
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

/* The program section named @name (a BTF string), or 0. */
static uint32_t btf_ext_sec(const struct ld_ctx *c, const char *name)
{
	uint32_t i;

	for (i = 1; i < c->nr_secs; i++)
		if (c->secs[i].kind == LD_SEC_PROG &&
		    kbpf_ld_streq(c->secs[i].name, name))
			return i;
	return 0;
}

static int btf_core_cmp(const void *a, const void *b)
{
	const struct ld_core *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

/*
 * The CO-RE area of .BTF.ext: rec_size, then groups of (section name,
 * count, records). Walked twice: to check and count, then to collect.
 */
static int btf_ext_core_walk(struct ld_ctx *c, const uint8_t *d, uint32_t len,
			     uint32_t rec, bool collect)
{
	uint32_t pos, n = 0;

	for (pos = 4; pos < len;) {
		uint32_t cnt, sec = 0, k;
		const char *name;

		if (len - pos < 8)
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"btf: .BTF.ext CO-RE area truncated");
		name = btf_name(c, kbpf_ld_rd32(c, d + pos));
		cnt = kbpf_ld_rd32(c, d + pos + 4);
		pos += 8;
		if ((uint64_t)cnt * rec > len - pos)
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"btf: .BTF.ext CO-RE area truncated");
		if (cnt &&
		    (!c->btf_idx || !name || !(sec = btf_ext_sec(c, name))))
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"btf: .BTF.ext has CO-RE relocations for '%s', which is not a code section",
				name ? name : "?");
		for (k = 0; k < cnt; k++, pos += rec) {
			uint32_t off = kbpf_ld_rd32(c, d + pos);
			struct ld_core *r;

			if (off % 8 || off / 8 >= c->secs[sec].nr_insns)
				return kbpf_ld_err(
					c, -KBPF_ENOEXEC,
					"btf: .BTF.ext CO-RE relocation at byte %u of '%s' is misaligned or past its end",
					off, name);
			if (!collect) {
				n++;
				continue;
			}
			r = &c->cores[c->nr_cores++];
			r->sec = sec;
			r->insn = off / 8;
			r->type_id = kbpf_ld_rd32(c, d + pos + 4);
			r->access_off = kbpf_ld_rd32(c, d + pos + 8);
			r->kind = kbpf_ld_rd32(c, d + pos + 12);
		}
	}
	if (!collect)
		c->obj->nr_core_relos = n;
	return 0;
}

int kbpf_ld_btf_ext_parse(struct ld_ctx *c)
{
	const struct ld_sec *s = &c->secs[c->btf_ext_idx];
	const uint8_t *d = s->data;
	uint32_t hdr_len, off, len, rec;
	int err;

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
	err = btf_ext_core_walk(c, d, len, rec, false);
	if (err || !c->obj->nr_core_relos)
		return err;
	c->cores =
		kbpf_zalloc(c->h, c->obj->nr_core_relos * sizeof(*c->cores), 0);
	if (!c->cores)
		return kbpf_ld_err(c, -KBPF_ENOMEM, "out of memory");
	err = btf_ext_core_walk(c, d, len, rec, true);
	if (err)
		return err;
	kbpf_sort(c->cores, c->nr_cores, sizeof(*c->cores), btf_core_cmp);
	return 0;
}

void kbpf_ld_btf_ext_free(struct ld_ctx *c)
{
	if (c->cores)
		kbpf_free(c->h, c->cores,
			  c->obj->nr_core_relos * sizeof(*c->cores));
	c->cores = NULL;
}

/* ---- descriptions for messages ---- */

struct btf_out {
	char *buf;
	size_t size;
	size_t n;
};

static void btf_put(struct btf_out *o, const char *s)
{
	while (*s && o->n + 1 < o->size)
		o->buf[o->n++] = *s++;
	if (o->size)
		o->buf[o->n < o->size ? o->n : o->size - 1] = 0;
}

static void btf_put_u(struct btf_out *o, uint64_t v)
{
	char tmp[24];
	int i = (int)sizeof(tmp) - 1;

	tmp[i] = 0;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i);
	btf_put(o, tmp + i);
}

static const char *btf_kind_word(uint32_t kind)
{
	switch (kind) {
	case BTF_KIND_STRUCT:
		return "struct ";
	case BTF_KIND_UNION:
		return "union ";
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return "enum ";
	case BTF_KIND_FWD:
		return "fwd ";
	case BTF_KIND_TYPEDEF:
		return "typedef ";
	default:
		return "";
	}
}

static void btf_put_type(const struct ld_ctx *c, struct btf_out *o, uint32_t id)
{
	const uint8_t *t = btf_type(c, id);
	const char *n;

	if (!t) {
		btf_put(o, "type #");
		btf_put_u(o, id);
		return;
	}
	n = btf_name(c, kbpf_btf_rd32(&c->btf, t));
	btf_put(o, btf_kind_word(btf_kind(c, t)));
	btf_put(o, n && n[0] ? n : "(anon)");
}

static const char *const core_kinds[] = {
	"field byte offset", "field byte size",	     "field existence",
	"field signedness",  "field left shift",     "field right shift",
	"local type id",     "target type id",	     "type existence",
	"type size",	     "enum value existence", "enum value",
	"type match",
};

/* The next number of an access string at *@s; false at its end. */
static bool btf_access_next(const char **s, uint32_t *v)
{
	const char *p = *s;
	uint64_t x = 0;

	if (!p || !*p)
		return false;
	if (*p == ':')
		p++;
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9' && x < 0xffffffffu)
		x = x * 10 + (uint32_t)(*p++ - '0');
	*v = (uint32_t)x;
	*s = p;
	return true;
}

void kbpf_ld_core_desc(const struct ld_ctx *c, const struct ld_core *r,
		       char *buf, size_t size)
{
	struct btf_out o = { buf, size, 0 };
	const char *acc = btf_name(c, r->access_off);
	uint32_t id = r->type_id, v;
	int steps;

	if (size)
		buf[0] = 0;
	if (r->kind < KBPF_ARRAY_SIZE(core_kinds)) {
		btf_put(&o, core_kinds[r->kind]);
	} else {
		btf_put(&o, "kind ");
		btf_put_u(&o, r->kind);
	}
	btf_put(&o, " of ");
	btf_put_type(c, &o, id);
	if (!acc || !btf_access_next(&acc, &v))
		return;
	if (r->kind <= 5) {
		/* Fields: [array index] then member or element indices. */
		if (v) {
			btf_put(&o, "[");
			btf_put_u(&o, v);
			btf_put(&o, "]");
		}
		for (steps = 0;
		     steps < LD_BTF_MAX_DEPTH && btf_access_next(&acc, &v);
		     steps++) {
			const uint8_t *t = btf_type(c, btf_skip_mods(c, id));
			uint32_t k = t ? btf_kind(c, t) : 0;

			if ((k == BTF_KIND_STRUCT || k == BTF_KIND_UNION) &&
			    v < btf_vlen(c, t)) {
				const uint8_t *m =
					t + LD_BTF_TYPE_SIZE + 12 * v;
				const char *mn =
					btf_name(c, kbpf_btf_rd32(&c->btf, m));

				btf_put(&o, ".");
				if (mn && mn[0]) {
					btf_put(&o, mn);
				} else {
					btf_put(&o, "(anon #");
					btf_put_u(&o, v);
					btf_put(&o, ")");
				}
				id = kbpf_btf_rd32(&c->btf, m + 4);
			} else if (k == BTF_KIND_ARRAY) {
				btf_put(&o, "[");
				btf_put_u(&o, v);
				btf_put(&o, "]");
				id = kbpf_btf_rd32(&c->btf,
						   t + LD_BTF_TYPE_SIZE);
			} else {
				btf_put(&o, " (bad access string)");
				return;
			}
		}
	} else if (r->kind == 10 || r->kind == 11) {
		const uint8_t *t = btf_type(c, btf_skip_mods(c, id));
		uint32_t k = t ? btf_kind(c, t) : 0;
		uint32_t esz = k == BTF_KIND_ENUM64 ? 12 : 8;

		if ((k == BTF_KIND_ENUM || k == BTF_KIND_ENUM64) &&
		    v < btf_vlen(c, t)) {
			const char *en = btf_name(
				c, kbpf_btf_rd32(&c->btf, t + LD_BTF_TYPE_SIZE +
								  esz * v));

			btf_put(&o, "::");
			btf_put(&o, en ? en : "?");
		}
	}
}

const char *kbpf_ld_btf_var_sec(const struct ld_ctx *c, const char *name)
{
	uint32_t id, i;

	if (!c->btf.nr_types)
		return NULL;
	for (id = 1; id < c->btf.nr_types; id++) {
		const uint8_t *t = btf_type(c, id);

		if (btf_kind(c, t) != BTF_KIND_DATASEC)
			continue;
		for (i = 0; i < btf_vlen(c, t); i++) {
			const uint8_t *var = btf_type(
				c, kbpf_btf_rd32(&c->btf, t + LD_BTF_TYPE_SIZE +
								  12 * i));
			const char *vn;

			if (!var || btf_kind(c, var) != BTF_KIND_VAR)
				continue;
			vn = btf_name(c, kbpf_btf_rd32(&c->btf, var));
			if (vn && kbpf_ld_streq(vn, name))
				return btf_name(c, kbpf_btf_rd32(&c->btf, t));
		}
	}
	return NULL;
}

bool kbpf_ld_btf_is_func(const struct ld_ctx *c, const char *name)
{
	return kbpf_btf_find(&c->btf, BTF_KIND_FUNC, name) != 0;
}

bool kbpf_ld_btf_datasec_has_global(const struct ld_ctx *c, const char *sec)
{
	const uint8_t *t =
		btf_type(c, kbpf_btf_find(&c->btf, BTF_KIND_DATASEC, sec));
	uint32_t i;

	if (t) {
		for (i = 0; i < btf_vlen(c, t); i++) {
			const uint8_t *var = btf_type(
				c, kbpf_btf_rd32(&c->btf, t + LD_BTF_TYPE_SIZE +
								  12 * i));

			/* struct btf_var: linkage, after the record. */
			if (var && btf_kind(c, var) == BTF_KIND_VAR &&
			    kbpf_btf_rd32(&c->btf, var + LD_BTF_TYPE_SIZE) !=
				    BTF_VAR_STATIC)
				return true;
		}
	}
	return false;
}

/* ---- .kconfig externs (libbpf's kcfg externs) ---- */

enum kcfg_type {
	KCFG_UNKNOWN,
	KCFG_CHAR,
	KCFG_BOOL,
	KCFG_INT,
	KCFG_TRISTATE,
	KCFG_CHAR_ARR,
};

struct kcfg_ext {
	const char *name;
	uint32_t size, align, off;
	enum kcfg_type type;
	bool is_signed, weak, set;
};

/* libbpf's find_kcfg_type(). */
static enum kcfg_type btf_kcfg_type(const struct ld_ctx *c, uint32_t id,
				    bool *is_signed, int depth)
{
	const uint8_t *t = btf_type(c, btf_skip_mods(c, id));
	const char *name;
	uint32_t enc, sz;

	if (!t || depth > LD_BTF_MAX_DEPTH)
		return KCFG_UNKNOWN;
	sz = btf_st(c, t);
	switch (btf_kind(c, t)) {
	case BTF_KIND_INT:
		enc = kbpf_btf_rd32(&c->btf, t + LD_BTF_TYPE_SIZE) >> 24;
		if (enc & BTF_INT_BOOL)
			return sz == 1 ? KCFG_BOOL : KCFG_UNKNOWN;
		if (is_signed)
			*is_signed = enc & BTF_INT_SIGNED;
		if (sz == 1)
			return KCFG_CHAR;
		if (sz < 1 || sz > 8 || (sz & (sz - 1)))
			return KCFG_UNKNOWN;
		return KCFG_INT;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		name = btf_name(c, kbpf_btf_rd32(&c->btf, t));
		if ((btf_kind(c, t) == BTF_KIND_ENUM && sz != 4) || !name ||
		    !kbpf_ld_streq(name, "libbpf_tristate"))
			return KCFG_UNKNOWN;
		return KCFG_TRISTATE;
	case BTF_KIND_ARRAY:
		if (!kbpf_btf_rd32(&c->btf, t + LD_BTF_TYPE_SIZE + 8))
			return KCFG_UNKNOWN;
		if (btf_kcfg_type(c,
				  kbpf_btf_rd32(&c->btf, t + LD_BTF_TYPE_SIZE),
				  NULL, depth + 1) != KCFG_CHAR)
			return KCFG_UNKNOWN;
		return KCFG_CHAR_ARR;
	default:
		return KCFG_UNKNOWN;
	}
}

/* Is @name exactly the @n bytes at @s? */
static int ncmp_name(const char *name, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (name[i] != s[i])
			return 1;
	return name[n] != 0;
}

static bool c_big_endian(void)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return true;
#else
	return false;
#endif
}

/* libbpf's cmp_externs() for kcfg externs: alignment down, size up, name. */
static int kcfg_cmp(const void *x, const void *y)
{
	const struct kcfg_ext *a = x, *b = y;
	const char *p = a->name, *q = b->name;

	if (a->align != b->align)
		return a->align > b->align ? -1 : 1;
	if (a->size != b->size)
		return a->size < b->size ? -1 : 1;
	while (*p && *p == *q) {
		p++;
		q++;
	}
	return (unsigned char)*p - (unsigned char)*q;
}

/* libbpf's bpf_object__process_kconfig_line() for one NAME=VALUE line. */
static void kcfg_line(struct kcfg_ext *e, uint32_t n, uint8_t *data,
		      const char *line, size_t len)
{
	const char *eq = NULL, *v;
	size_t nl, vl, i;
	uint64_t num = 0;
	uint8_t *val;

	for (i = 0; i < len; i++)
		if (line[i] == '=') {
			eq = line + i;
			break;
		}
	if (!eq || eq == line || eq + 1 == line + len)
		return;
	nl = (size_t)(eq - line);
	v = eq + 1;
	vl = len - nl - 1;
	for (i = 0; i < n; i++)
		if (!e[i].set && !ncmp_name(e[i].name, line, nl))
			break;
	if (i == n)
		return;
	e += i;
	val = data + e->off;
	switch (v[0]) {
	case 'y':
	case 'n':
	case 'm':
		if (e->type == KCFG_BOOL && v[0] != 'm')
			val[0] = v[0] == 'y';
		else if (e->type == KCFG_TRISTATE)
			val[0] = v[0] == 'y' ? 1 : v[0] == 'm' ? 2 : 0;
		else if (e->type == KCFG_CHAR)
			val[0] = (uint8_t)v[0];
		else
			return;
		break;
	case '"':
		if (e->type != KCFG_CHAR_ARR || vl < 2 || v[vl - 1] != '"')
			return;
		vl -= 2;
		if (vl >= e->size)
			vl = e->size - 1;
		memcpy(val, v + 1, vl);
		val[vl] = 0;
		break;
	default: {
		/* strtoull(value, NULL, 0): decimal, 0x hex or 0 octal,
		 * a leading '-' negating. */
		uint32_t base = 10;
		bool neg = v[0] == '-';

		if (neg) {
			v++;
			vl--;
		}
		i = 0;
		if (vl > 1 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
			base = 16;
			i = 2;
		} else if (v[0] == '0') {
			base = 8;
		}
		if (i == vl)
			return;
		for (; i < vl; i++) {
			uint32_t d;

			if (v[i] >= '0' && v[i] <= '9')
				d = (uint32_t)(v[i] - '0');
			else if (v[i] >= 'a' && v[i] <= 'f')
				d = (uint32_t)(v[i] - 'a' + 10);
			else if (v[i] >= 'A' && v[i] <= 'F')
				d = (uint32_t)(v[i] - 'A' + 10);
			else
				return;
			if (d >= base)
				return;
			num = num * base + d;
		}
		if (neg)
			num = 0 - num;
		if (e->type != KCFG_INT && e->type != KCFG_CHAR)
			return;
		if (e->type == KCFG_INT && e->size < 8 &&
		    (e->is_signed ? num + (1ull << (e->size * 8 - 1)) >=
					    (1ull << (e->size * 8)) :
				    (num >> (e->size * 8)) != 0))
			return;
		for (i = 0; i < e->size; i++) /* the host's byte order */
			val[i] =
				(uint8_t)(num >> (8 * (c_big_endian() ?
							       e->size - 1 - i :
							       i)));
		break;
	}
	}
	e->set = true;
}

int kbpf_ld_kconfig(struct ld_ctx *c, const char *text)
{
	const uint8_t *ds;
	struct kcfg_ext *e;
	struct kbpf_elf_map *m;
	uint32_t i, n, off = 0;
	int idx;

	c->kconfig_map = -1;
	ds = btf_type(c, kbpf_btf_find(&c->btf, BTF_KIND_DATASEC, ".kconfig"));
	if (!ds || !(n = btf_vlen(c, ds)))
		return 0;
	e = kbpf_zalloc(c->h, n * sizeof(*e), 0);
	if (!e)
		return kbpf_ld_err(c, -KBPF_ENOMEM, "out of memory");
	c->kcfg = e;
	c->nr_kcfg = n;
	for (i = 0; i < n; i++) {
		const uint8_t *var = btf_type(
			c,
			kbpf_btf_rd32(&c->btf, ds + LD_BTF_TYPE_SIZE + 12 * i));
		uint64_t sz = 0;
		uint32_t k;

		if (!var || btf_kind(c, var) != BTF_KIND_VAR)
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"btf: .kconfig entry %u is not a variable", i);
		e[i].name = btf_name(c, kbpf_btf_rd32(&c->btf, var));
		if (!e[i].name)
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"btf: .kconfig variable %u has no name", i);
		if (btf_resolve_size(c, btf_st(c, var), &sz) || !sz ||
		    sz > 0xffff)
			sz = 1;
		e[i].size = (uint32_t)sz;
		/*
		 * libbpf: btf__align_of() of the type; 0 (a zero-sized
		 * scalar, a kind without alignment) is an error, not a
		 * divisor.
		 */
		e[i].align = kbpf_btf_align_of(&c->btf, btf_st(c, var));
		if (!e[i].align)
			return kbpf_ld_err(
				c, -KBPF_EINVAL,
				"btf: .kconfig extern '%s': cannot determine its alignment",
				e[i].name);
		e[i].type =
			btf_kcfg_type(c, btf_st(c, var), &e[i].is_signed, 0);
		for (k = 1; k < c->nr_syms; k++)
			if (c->syms[k].shndx == LD_SHN_UNDEF &&
			    kbpf_ld_streq(c->syms[k].name, e[i].name))
				e[i].weak = c->syms[k].bind == LD_STB_WEAK;
	}
	kbpf_sort(e, n, sizeof(*e), kcfg_cmp);
	for (i = 0; i < n; i++) {
		off = (off + e[i].align - 1) / e[i].align * e[i].align;
		e[i].off = off;
		off += e[i].size;
	}
	idx = kbpf_ld_map_add(c);
	if (idx < 0)
		return idx;
	c->kconfig_map = idx;
	c->obj->kconfig_data = kbpf_zalloc(c->h, off, 0);
	if (!c->obj->kconfig_data)
		return kbpf_ld_err(c, -KBPF_ENOMEM, "out of memory");
	c->obj->kconfig_size = off;
	/* The host's values, one NAME=VALUE per line; the first one wins. */
	while (text && *text) {
		size_t len = 0;

		while (text[len] && text[len] != '\n')
			len++;
		if (len && text[0] != '#')
			kcfg_line(e, n, c->obj->kconfig_data, text, len);
		text += len + (text[len] == '\n');
	}
	m = &c->obj->maps[idx];
	m->name = ".kconfig";
	kbpf_ld_data_map_name(c->obj, ".kconfig", m->kname);
	m->kind = KBPF_ELF_MAP_KCONFIG;
	m->type = BPF_MAP_TYPE_ARRAY;
	m->key_size = 4;
	m->value_size = off;
	m->max_entries = 1;
	m->map_flags = BPF_F_RDONLY_PROG;
	if (c->h->alloc_pages && c->h->vmap)
		m->map_flags |= BPF_F_MMAPABLE;
	m->init_data = c->obj->kconfig_data;
	return 0;
}

int kbpf_ld_kconfig_ref(const struct ld_ctx *c, const char *name, uint32_t *off,
			const char **why)
{
	const struct kcfg_ext *e = c->kcfg;
	uint32_t i;

	for (i = 0; i < c->nr_kcfg; i++) {
		if (!kbpf_ld_streq(e[i].name, name))
			continue;
		if (e[i].type == KCFG_UNKNOWN) {
			*why = "a type libbpf does not support for .kconfig";
			return -1;
		}
		if (!e[i].set && !e[i].weak) {
			*why = "no value from the host (kbpf_elf_opts.kconfig)";
			return -1;
		}
		*off = e[i].off;
		return c->kconfig_map;
	}
	*why = "not in the .kconfig section";
	return -1;
}

void kbpf_ld_kconfig_free(struct ld_ctx *c)
{
	if (c->kcfg)
		kbpf_free(c->h, c->kcfg, c->nr_kcfg * sizeof(struct kcfg_ext));
	c->kcfg = NULL;
}
