// SPDX-License-Identifier: MIT
/*
 * The ELF side of the object loader (libbpf's bpf_object__open_mem() and
 * bpf_object__relocate() in behaviour): sections, symbols, programs, legacy
 * and global data maps, and the relocation of every program with the
 * `.text` functions it calls appended in libbpf's order.
 *
 * The object is untrusted. Every offset, size and index is checked against
 * the buffer before it is used; sizes are computed with overflow checks;
 * string tables must end in a NUL so every name inside them is terminated;
 * no recursion depends on the input (the subprogram walk keeps its own
 * stack, bounded by the number of functions). The loader copies the buffer
 * once and points names and initial data into its copy.
 *
 * Called from syscall (or early boot) only; no locks.
 */
#include "loader_internal.h"

#define LD_INSN_SIZE 8

/* ---- small utilities ---- */

void kbpf_ld_msg(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !size)
		return;
	va_start(ap, fmt);
	kbpf_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

int kbpf_ld_err(struct ld_ctx *c, int err, const char *fmt, ...)
{
	va_list ap;

	if (c->errbuf && c->errbuf_size) {
		va_start(ap, fmt);
		kbpf_vsnprintf(c->errbuf, c->errbuf_size, fmt, ap);
		va_end(ap);
	}
	return err;
}

uint16_t kbpf_ld_rd16(const struct ld_ctx *c, const void *p)
{
	return kbpf_rd16(p, c->be);
}

uint32_t kbpf_ld_rd32(const struct ld_ctx *c, const void *p)
{
	return kbpf_rd32(p, c->be);
}

uint64_t kbpf_ld_rd64(const struct ld_ctx *c, const void *p)
{
	return kbpf_rd64(p, c->be);
}

bool kbpf_ld_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

bool kbpf_ld_has_prefix(const char *s, const char *pfx)
{
	while (*pfx)
		if (*s++ != *pfx++)
			return false;
	return true;
}

static size_t ld_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* Is [off, off + len) inside a buffer of @size bytes? */
static bool ld_in(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static void *ld_zalloc_array(struct ld_ctx *c, size_t n, size_t sz)
{
	size_t bytes;

	if (kbpf_mul_overflow(n, sz, &bytes))
		return NULL;
	return kbpf_zalloc(c->h, bytes ? bytes : 1, 0);
}

static void ld_free_array(struct ld_ctx *c, void *p, size_t n, size_t sz)
{
	size_t bytes = n * sz;

	if (p)
		kbpf_free(c->h, p, bytes ? bytes : 1);
}

/* ---- the ELF header and the section table ---- */

struct ld_range {
	uint64_t off;
	uint64_t end;
	uint32_t idx; /* section index; 0 for the headers */
};

static int ld_range_cmp(const void *a, const void *b)
{
	const struct ld_range *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off ? 1 : 0;
}

/* Sections (with file contents), the ELF header and the section table must not overlap. */
static int ld_check_overlap(struct ld_ctx *c, uint64_t shoff)
{
	struct ld_range *r;
	uint32_t i, n = 0;
	int err = 0;

	r = ld_zalloc_array(c, (size_t)c->nr_secs + 2, sizeof(*r));
	if (!r)
		return kbpf_ld_err(c, -KBPF_ENOMEM, "out of memory");
	r[n++] = (struct ld_range){ 0, LD_EHDR_SIZE, 0 };
	r[n++] = (struct ld_range){ shoff,
				    shoff + (uint64_t)c->nr_secs * LD_SHDR_SIZE,
				    0 };
	for (i = 1; i < c->nr_secs; i++) {
		const struct ld_sec *s = &c->secs[i];

		if (s->type == LD_SHT_NOBITS || !s->type || !s->size)
			continue;
		r[n++] = (struct ld_range){ s->off, s->off + s->size, i };
	}
	kbpf_sort(r, n, sizeof(*r), ld_range_cmp);
	for (i = 1; i < n; i++) {
		if (r[i].off >= r[i - 1].end)
			continue;
		err = kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"elf: section %u overlaps %s%u (bytes 0x%llx-0x%llx)",
			r[i].idx ? r[i].idx : r[i - 1].idx,
			r[i].idx && r[i - 1].idx ? "section " :
						   "the ELF headers, section ",
			r[i].idx && r[i - 1].idx ? r[i - 1].idx : 0,
			(unsigned long long)r[i].off,
			(unsigned long long)r[i].end);
		break;
	}
	ld_free_array(c, r, (size_t)c->nr_secs + 2, sizeof(*r));
	return err;
}

/* A string table: its last byte must be NUL, so every name in it ends. */
static int ld_check_strtab(struct ld_ctx *c, uint32_t idx, const char *what)
{
	const struct ld_sec *s;

	if (!idx || idx >= c->nr_secs)
		return kbpf_ld_err(c, -KBPF_ENOEXEC,
				   "elf: %s index %u out of range", what, idx);
	s = &c->secs[idx];
	if (s->type != LD_SHT_STRTAB || !s->data || !s->size ||
	    s->data[s->size - 1])
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"elf: %s (section %u) is not a NUL-terminated string table",
			what, idx);
	return 0;
}

static int ld_parse_sections(struct ld_ctx *c)
{
	const uint8_t *e = c->img;
	uint64_t shoff, nsec;
	uint32_t i, shstrndx;
	const struct ld_sec *strs;
	int err;

	if (c->size < LD_EHDR_SIZE)
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"elf: %llu bytes is too short for an ELF header",
			(unsigned long long)c->size);
	if (e[0] != 0x7f || e[1] != 'E' || e[2] != 'L' || e[3] != 'F')
		return kbpf_ld_err(c, -KBPF_ENOEXEC, "elf: bad magic");
	if (e[4] != 2)
		return kbpf_ld_err(c, -KBPF_ENOEXEC,
				   "elf: not a 64-bit object (class %u)", e[4]);
	if (e[5] != 1 && e[5] != 2)
		return kbpf_ld_err(c, -KBPF_ENOEXEC,
				   "elf: unknown byte order %u", e[5]);
	c->be = e[5] == 2;
	if (kbpf_ld_rd16(c, e + 16) != LD_ET_REL ||
	    kbpf_ld_rd16(c, e + 18) != LD_EM_BPF)
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"elf: not a BPF relocatable object (type %u, machine %u)",
			kbpf_ld_rd16(c, e + 16), kbpf_ld_rd16(c, e + 18));
	shoff = kbpf_ld_rd64(c, e + 40);
	if (kbpf_ld_rd16(c, e + 58) != LD_SHDR_SIZE)
		return kbpf_ld_err(c, -KBPF_ENOEXEC,
				   "elf: section header size %u, expected 64",
				   kbpf_ld_rd16(c, e + 58));
	nsec = kbpf_ld_rd16(c, e + 60);
	shstrndx = kbpf_ld_rd16(c, e + 62);
	if (!ld_in(shoff, LD_SHDR_SIZE, c->size))
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"elf: section headers at 0x%llx past the end",
			(unsigned long long)shoff);
	/* Extended numbering: the real counts live in section header 0. */
	if (nsec == 0)
		nsec = kbpf_ld_rd64(c, e + shoff + 32);
	if (shstrndx == LD_SHN_XINDEX)
		shstrndx = kbpf_ld_rd32(c, e + shoff + 40);
	if (nsec == 0 || nsec > c->size / LD_SHDR_SIZE ||
	    !ld_in(shoff, nsec * LD_SHDR_SIZE, c->size))
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"elf: %llu section headers at 0x%llx do not fit in %llu bytes",
			(unsigned long long)nsec, (unsigned long long)shoff,
			(unsigned long long)c->size);
	c->nr_secs = (uint32_t)nsec;
	c->secs = ld_zalloc_array(c, c->nr_secs, sizeof(*c->secs));
	if (!c->secs)
		return kbpf_ld_err(c, -KBPF_ENOMEM, "out of memory");
	for (i = 0; i < c->nr_secs; i++) {
		const uint8_t *sh = e + shoff + (uint64_t)i * LD_SHDR_SIZE;
		struct ld_sec *s = &c->secs[i];

		s->type = kbpf_ld_rd32(c, sh + 4);
		s->flags = kbpf_ld_rd64(c, sh + 8);
		s->off = kbpf_ld_rd64(c, sh + 24);
		s->size = kbpf_ld_rd64(c, sh + 32);
		s->link = kbpf_ld_rd32(c, sh + 40);
		s->info = kbpf_ld_rd32(c, sh + 44);
		s->entsize = kbpf_ld_rd64(c, sh + 56);
		s->map_idx = -1;
		if (i == 0 || s->type == LD_SHT_NOBITS || s->type == 0)
			continue;
		if (!ld_in(s->off, s->size, c->size))
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"elf: section %u (offset 0x%llx, size %llu) past the end of the file",
				i, (unsigned long long)s->off,
				(unsigned long long)s->size);
		s->data = e + s->off;
	}
	err = ld_check_overlap(c, shoff);
	if (err)
		return err;
	err = ld_check_strtab(c, shstrndx, "section name table");
	if (err)
		return err;
	strs = &c->secs[shstrndx];
	for (i = 0; i < c->nr_secs; i++) {
		uint32_t name =
			kbpf_ld_rd32(c, e + shoff + (uint64_t)i * LD_SHDR_SIZE);

		if (name >= strs->size)
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"elf: name of section %u at %u is past the end of the name table",
				i, name);
		c->secs[i].name = (const char *)strs->data + name;
	}
	return 0;
}

/* ---- symbols ---- */

static int ld_parse_symbols(struct ld_ctx *c)
{
	const struct ld_sec *st = NULL, *strs;
	uint32_t i, idx = 0;
	int err;

	for (i = 1; i < c->nr_secs; i++) {
		if (c->secs[i].type != LD_SHT_SYMTAB)
			continue;
		if (st)
			return kbpf_ld_err(c, -KBPF_ENOEXEC,
					   "elf: more than one symbol table");
		st = &c->secs[i];
		idx = i;
	}
	if (!st)
		return kbpf_ld_err(c, -KBPF_ENOEXEC,
				   "elf: no symbol table (stripped object?)");
	if (st->entsize != LD_SYM_SIZE || st->size % LD_SYM_SIZE)
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"elf: symbol table (section %u) has entry size %llu and size %llu",
			idx, (unsigned long long)st->entsize,
			(unsigned long long)st->size);
	err = ld_check_strtab(c, st->link, "symbol name table");
	if (err)
		return err;
	strs = &c->secs[st->link];
	c->nr_syms = (uint32_t)(st->size / LD_SYM_SIZE);
	c->syms = ld_zalloc_array(c, c->nr_syms, sizeof(*c->syms));
	if (!c->syms)
		return kbpf_ld_err(c, -KBPF_ENOMEM, "out of memory");
	for (i = 0; i < c->nr_syms; i++) {
		const uint8_t *p = st->data + (uint64_t)i * LD_SYM_SIZE;
		struct ld_sym *s = &c->syms[i];
		uint32_t name = kbpf_ld_rd32(c, p);

		if (name >= strs->size)
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"elf: name of symbol %u is past the end of the name table",
				i);
		s->name = (const char *)strs->data + name;
		s->type = p[4] & 0xf;
		s->bind = p[4] >> 4;
		s->shndx = kbpf_ld_rd16(c, p + 6);
		s->value = kbpf_ld_rd64(c, p + 8);
		s->size = kbpf_ld_rd64(c, p + 16);
		if (s->shndx == LD_SHN_XINDEX)
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"elf: symbol '%s' uses extended section indices (not supported)",
				s->name);
		if (s->shndx >= c->nr_secs && s->shndx < LD_SHN_LORESERVE)
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"elf: symbol '%s' is in section %u of %u",
				s->name, s->shndx, c->nr_secs);
	}
	return 0;
}

/* ---- sections the loader knows ---- */

static int ld_classify(struct ld_ctx *c)
{
	struct kbpf_elf *obj = c->obj;
	uint32_t i;

	for (i = 1; i < c->nr_secs; i++) {
		struct ld_sec *s = &c->secs[i];
		const char *n = s->name;

		if (kbpf_ld_streq(n, "license") && s->data) {
			size_t k;

			for (k = 0; k < s->size &&
				    k < sizeof(obj->license) - 1 && s->data[k];
			     k++)
				obj->license[k] = (char)s->data[k];
			obj->license[k] = 0;
		} else if (kbpf_ld_streq(n, "version") && s->data) {
			if (s->size != 4)
				return kbpf_ld_err(
					c, -KBPF_ENOEXEC,
					"elf: 'version' section has %llu bytes, expected 4",
					(unsigned long long)s->size);
			obj->kern_version = kbpf_ld_rd32(c, s->data);
		} else if (kbpf_ld_streq(n, "maps")) {
			c->legacy_idx = i;
		} else if (kbpf_ld_streq(n, ".maps")) {
			c->maps_idx = i;
		} else if (kbpf_ld_streq(n, ".BTF")) {
			if (s->type != LD_SHT_PROGBITS)
				return kbpf_ld_err(c, -KBPF_ENOEXEC,
						   "elf: .BTF is not PROGBITS");
			c->btf_idx = i;
		} else if (kbpf_ld_streq(n, ".BTF.ext")) {
			if (s->type != LD_SHT_PROGBITS)
				return kbpf_ld_err(
					c, -KBPF_ENOEXEC,
					"elf: .BTF.ext is not PROGBITS");
			c->btf_ext_idx = i;
		} else if (s->type == LD_SHT_PROGBITS && s->size &&
			   (s->flags & LD_SHF_EXECINSTR)) {
			if (s->size % LD_INSN_SIZE)
				return kbpf_ld_err(
					c, -KBPF_ENOEXEC,
					"elf: code section '%s' has %llu bytes, not a multiple of 8",
					n, (unsigned long long)s->size);
			if (s->size / LD_INSN_SIZE > 0xffffffffu)
				return kbpf_ld_err(
					c, -KBPF_ENOEXEC,
					"elf: code section '%s' too big", n);
			s->kind = LD_SEC_PROG;
			s->nr_insns = (uint32_t)(s->size / LD_INSN_SIZE);
			if (kbpf_ld_streq(n, ".text")) {
				if (c->text_idx)
					return kbpf_ld_err(
						c, -KBPF_ENOEXEC,
						"elf: two .text sections");
				c->text_idx = i;
			}
		} else if (s->type == LD_SHT_PROGBITS && s->size) {
			if (kbpf_ld_streq(n, ".data") ||
			    kbpf_ld_has_prefix(n, ".data."))
				s->kind = LD_SEC_DATA;
			else if (kbpf_ld_streq(n, ".rodata") ||
				 kbpf_ld_has_prefix(n, ".rodata."))
				s->kind = LD_SEC_RODATA;
		} else if (s->type == LD_SHT_NOBITS && s->size &&
			   (kbpf_ld_streq(n, ".bss") ||
			    kbpf_ld_has_prefix(n, ".bss."))) {
			s->kind = LD_SEC_BSS;
		}
	}
	return 0;
}

/* ---- maps ---- */

int kbpf_ld_map_add(struct ld_ctx *c)
{
	struct kbpf_elf *obj = c->obj;
	struct kbpf_elf_map *m;

	if (obj->nr_maps == c->maps_cap) {
		uint32_t cap = c->maps_cap ? c->maps_cap * 2 : 8;

		if (cap > 0x100000)
			return kbpf_ld_err(c, -KBPF_ENOEXEC,
					   "elf: too many maps");
		m = ld_zalloc_array(c, cap, sizeof(*m));
		if (!m)
			return kbpf_ld_err(c, -KBPF_ENOMEM, "out of memory");
		if (obj->nr_maps)
			memcpy(m, obj->maps, obj->nr_maps * sizeof(*m));
		ld_free_array(c, obj->maps, c->maps_cap, sizeof(*m));
		obj->maps = m;
		c->maps_cap = cap;
	}
	m = &obj->maps[obj->nr_maps];
	memset(m, 0, sizeof(*m));
	return (int)obj->nr_maps++;
}

static bool ld_name_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '.';
}

/*
 * libbpf's kernel-side name of a global data map: up to 7 (or the section
 * name's length, at most 15) characters are kept for the section name, the
 * rest of the 15 goes to the object name's start; a section name with a
 * second dot (".rodata.str1.1") gets no prefix. Characters the kernel does
 * not take become '_'.
 */
void kbpf_ld_data_map_name(struct kbpf_elf *obj, const char *sec, char *out)
{
	size_t sfx = kbpf_max((size_t)7, ld_strlen(sec)), pfx, n = 0, i;
	bool custom = false;

	if (sfx >= BPF_OBJ_NAME_LEN)
		sfx = BPF_OBJ_NAME_LEN - 1;
	for (i = 1; sec[0] && sec[i]; i++)
		if (sec[i] == '.')
			custom = true;
	pfx = custom ? 0 :
		       kbpf_min(BPF_OBJ_NAME_LEN - sfx - 1,
				ld_strlen(obj->obj_name));
	for (i = 0; i < pfx; i++)
		out[n++] = obj->obj_name[i];
	for (i = 0; i < sfx && sec[i] && n < BPF_OBJ_NAME_LEN - 1; i++)
		out[n++] = sec[i];
	out[n] = 0;
	for (i = 0; i < n; i++)
		if (!ld_name_char_ok(out[i]))
			out[i] = '_';
}

/* The name BPF_MAP_CREATE gets for a named map: the first 15 bytes. */
void kbpf_ld_map_kname(const char *name, char *out)
{
	size_t i;

	for (i = 0; i < BPF_OBJ_NAME_LEN - 1 && name[i]; i++)
		out[i] = name[i];
	out[i] = 0;
}

static int ld_data_maps(struct ld_ctx *c)
{
	uint32_t i;

	for (i = 1; i < c->nr_secs; i++) {
		struct ld_sec *s = &c->secs[i];
		struct kbpf_elf_map *m;
		int idx;

		if (s->kind != LD_SEC_DATA && s->kind != LD_SEC_RODATA &&
		    s->kind != LD_SEC_BSS)
			continue;
		if (s->size > 0xffffffffu)
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"elf: data section '%s' is larger than 4 GiB",
				s->name);
		idx = kbpf_ld_map_add(c);
		if (idx < 0)
			return idx;
		s->map_idx = idx;
		m = &c->obj->maps[idx];
		m->name = s->name;
		kbpf_ld_data_map_name(c->obj, s->name, m->kname);
		m->kind = s->kind == LD_SEC_DATA   ? KBPF_ELF_MAP_DATA :
			  s->kind == LD_SEC_RODATA ? KBPF_ELF_MAP_RODATA :
						     KBPF_ELF_MAP_BSS;
		m->type = BPF_MAP_TYPE_ARRAY;
		m->key_size = 4;
		m->value_size = (uint32_t)s->size;
		m->max_entries = 1;
		m->map_flags = s->kind == LD_SEC_RODATA ? BPF_F_RDONLY_PROG : 0;
		/*
		 * libbpf maps global data into user space where it can, and
		 * only sections with a global variable (one a skeleton would
		 * expose): string literals alone are not mapped.
		 */
		if (c->h->alloc_pages && c->h->vmap &&
		    kbpf_ld_btf_datasec_has_global(c, s->name))
			m->map_flags |= BPF_F_MMAPABLE;
		m->init_data = s->kind == LD_SEC_BSS ? NULL : s->data;
		m->sec_idx = i;
	}
	return 0;
}

/* struct bpf_map_def: type, key_size, value_size, max_entries, map_flags. */
#define LD_LEGACY_DEF_SIZE 20

static int ld_legacy_maps(struct ld_ctx *c)
{
	const struct ld_sec *s;
	uint64_t def_sz, even_sz;
	uint32_t i, nr = 0;

	if (!c->legacy_idx)
		return 0;
	s = &c->secs[c->legacy_idx];
	if (!s->data)
		return kbpf_ld_err(c, -KBPF_ENOEXEC,
				   "elf: legacy 'maps' section has no data");
	for (i = 0; i < c->nr_syms; i++)
		if (c->syms[i].shndx == c->legacy_idx &&
		    c->syms[i].type != LD_STT_SECTION)
			nr++;
	if (!nr && !s->size)
		return 0;
	if (!nr || !s->size || s->size % nr)
		return kbpf_ld_err(
			c, -KBPF_ENOEXEC,
			"elf: legacy 'maps' section: %llu bytes for %u map symbols",
			(unsigned long long)s->size, nr);
	even_sz = s->size / nr;
	for (i = 0; i < c->nr_syms; i++) {
		const struct ld_sym *sym = &c->syms[i];
		uint8_t def[LD_LEGACY_DEF_SIZE] = { 0 };
		struct kbpf_elf_map *m;
		uint64_t k;
		int idx;

		if (sym->shndx != c->legacy_idx || sym->type == LD_STT_SECTION)
			continue;
		/*
		 * A definition is its symbol's size; the section may hold
		 * padding (aligned definitions) or dead copies (weak ones
		 * kept by the BPF linker), so size / count is only the
		 * fallback for symbols without a size.
		 */
		def_sz = sym->size ? sym->size : even_sz;
		if (!ld_in(sym->value, def_sz, s->size))
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"elf: legacy map '%s' at offset %llu is past the end of 'maps'",
				sym->name, (unsigned long long)sym->value);
		memcpy(def, s->data + sym->value,
		       kbpf_min(def_sz, (uint64_t)LD_LEGACY_DEF_SIZE));
		for (k = LD_LEGACY_DEF_SIZE; k < def_sz; k++)
			if (s->data[sym->value + k])
				return kbpf_ld_err(
					c, -KBPF_EOPNOTSUPP,
					"elf: legacy map '%s': its %llu-byte definition has non-zero fields past map_flags (the field at byte %llu), as iproute2's struct bpf_elf_map (id, pinning, inner map) does; kbpf reads struct bpf_map_def only",
					sym->name, (unsigned long long)def_sz,
					(unsigned long long)(k & ~3ULL));
		idx = kbpf_ld_map_add(c);
		if (idx < 0)
			return idx;
		m = &c->obj->maps[idx];
		m->name = sym->name;
		kbpf_ld_map_kname(sym->name, m->kname);
		m->kind = KBPF_ELF_MAP_LEGACY;
		m->type = kbpf_ld_rd32(c, def);
		m->key_size = kbpf_ld_rd32(c, def + 4);
		m->value_size = kbpf_ld_rd32(c, def + 8);
		m->max_entries = kbpf_ld_rd32(c, def + 12);
		m->map_flags = kbpf_ld_rd32(c, def + 16);
		m->sec_idx = c->legacy_idx;
		m->sec_off = sym->value;
	}
	return 0;
}

/* ---- programs and .text functions ---- */

struct ld_fn_key {
	uint32_t sec;
	uint32_t start;
	uint32_t sym;
};

static int ld_fn_cmp(const void *a, const void *b)
{
	const struct ld_fn_key *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->sym < y->sym ? -1 : x->sym > y->sym;
}

static int ld_functions(struct ld_ctx *c)
{
	struct kbpf_elf *obj = c->obj;
	struct ld_fn_key *keys;
	uint32_t i, n = 0, nkeys, nprog = 0, ntext = 0;
	int err = 0;

	for (i = 0; i < c->nr_syms; i++) {
		const struct ld_sym *s = &c->syms[i];

		if (s->type == LD_STT_FUNC && s->shndx &&
		    s->shndx < c->nr_secs &&
		    c->secs[s->shndx].kind == LD_SEC_PROG)
			n++;
	}
	nkeys = n;
	keys = ld_zalloc_array(c, nkeys, sizeof(*keys));
	if (!keys)
		return kbpf_ld_err(c, -KBPF_ENOMEM, "out of memory");
	n = 0;
	for (i = 0; i < c->nr_syms; i++) {
		const struct ld_sym *s = &c->syms[i];
		const struct ld_sec *sec;

		if (s->type != LD_STT_FUNC || !s->shndx ||
		    s->shndx >= c->nr_secs)
			continue;
		sec = &c->secs[s->shndx];
		if (sec->kind != LD_SEC_PROG)
			continue;
		if (s->value % LD_INSN_SIZE || s->size % LD_INSN_SIZE ||
		    !s->size || !ld_in(s->value, s->size, sec->size)) {
			err = kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"elf: function '%s' (offset %llu, size %llu) is misaligned, empty or crosses the end of section '%s'",
				s->name, (unsigned long long)s->value,
				(unsigned long long)s->size, sec->name);
			goto out;
		}
		if (s->shndx != c->text_idx && s->bind == LD_STB_LOCAL) {
			err = kbpf_ld_err(
				c, -KBPF_EOPNOTSUPP,
				"elf: program '%s' in section '%s' is static, which is not supported (as in libbpf)",
				s->name, sec->name);
			goto out;
		}
		keys[n++] = (struct ld_fn_key){
			s->shndx, (uint32_t)(s->value / LD_INSN_SIZE), i
		};
		if (s->shndx == c->text_idx)
			ntext++;
		else
			nprog++;
	}
	kbpf_sort(keys, n, sizeof(*keys), ld_fn_cmp);
	obj->progs = ld_zalloc_array(c, nprog, sizeof(*obj->progs));
	obj->insn_caps = ld_zalloc_array(c, nprog, sizeof(*obj->insn_caps));
	c->funcs = ld_zalloc_array(c, ntext, sizeof(*c->funcs));
	c->funcs_cap = ntext;
	if (!obj->progs || !obj->insn_caps || !c->funcs) {
		/* Free here: the object frees by count, and the count is 0. */
		ld_free_array(c, obj->progs, nprog, sizeof(*obj->progs));
		ld_free_array(c, obj->insn_caps, nprog,
			      sizeof(*obj->insn_caps));
		obj->progs = NULL;
		obj->insn_caps = NULL;
		err = kbpf_ld_err(c, -KBPF_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct ld_sym *s = &c->syms[keys[i].sym];
		struct kbpf_elf_prog *p;

		if (keys[i].sec == c->text_idx) {
			/* Two symbols for one function: keep the first. */
			if (c->nr_funcs &&
			    c->funcs[c->nr_funcs - 1].start == keys[i].start)
				continue;
			c->funcs[c->nr_funcs++] = (struct ld_func){
				keys[i].start,
				(uint32_t)(s->size / LD_INSN_SIZE), s->name
			};
			continue;
		}
		p = &obj->progs[obj->nr_progs++];
		p->name = s->name;
		p->sec_name = c->secs[keys[i].sec].name;
		p->sec_idx = keys[i].sec;
		p->sec_insn_off = keys[i].start;
		p->sec_insn_cnt = (uint32_t)(s->size / LD_INSN_SIZE);
		p->autoload = true;
		kbpf_elf_sec_def(p->sec_name, &p->prog_type,
				 &p->expected_attach_type, &p->prog_flags,
				 &p->attach_target);
	}
out:
	ld_free_array(c, keys, nkeys, sizeof(*keys));
	return err;
}

/* ---- prog array slots (`values`) ---- */

/* The BTF map whose definition holds byte @off of `.maps`, or -1. */
static int ld_map_at(const struct ld_ctx *c, uint64_t off)
{
	const struct kbpf_elf *obj = c->obj;
	int best = -1;
	uint32_t i;

	for (i = 0; i < obj->nr_maps; i++) {
		const struct kbpf_elf_map *m = &obj->maps[i];

		if (m->kind == KBPF_ELF_MAP_BTF && m->sec_off <= off &&
		    (best < 0 || m->sec_off > obj->maps[best].sec_off))
			best = (int)i;
	}
	return best;
}

static int ld_set_slot(struct ld_ctx *c, struct kbpf_elf_map *m, uint64_t slot,
		       int32_t prog)
{
	uint32_t n = m->nr_init_slots, i;
	int32_t *a;

	if (slot >= 0x100000)
		return kbpf_ld_err(
			c, -KBPF_E2BIG,
			"elf: map '%s': 'values' slot %llu too large", m->name,
			(unsigned long long)slot);
	if (slot >= n) {
		a = ld_zalloc_array(c, (size_t)slot + 1, sizeof(*a));
		if (!a)
			return kbpf_ld_err(c, -KBPF_ENOMEM, "out of memory");
		for (i = 0; i <= slot; i++)
			a[i] = i < n ? m->init_slots[i] : -1;
		ld_free_array(c, m->init_slots, n, sizeof(*a));
		m->init_slots = a;
		m->nr_init_slots = (uint32_t)slot + 1;
	}
	m->init_slots[slot] = prog;
	return 0;
}

/*
 * The relocations of `.maps` (libbpf's bpf_object__collect_map_relos()):
 * each names what slot N of a map's `values` array holds, a program for a
 * prog array, an inner map for map-in-map (kbpf has no map-in-map types,
 * so those are checked but not kept: the outer map cannot be created).
 */
static int ld_map_slots(struct ld_ctx *c)
{
	struct kbpf_elf *obj = c->obj;
	uint32_t i, k;

	for (i = 1; i < c->nr_secs; i++) {
		const struct ld_sec *s = &c->secs[i];
		uint64_t j;

		if (s->type != LD_SHT_REL || !c->maps_idx ||
		    s->info != c->maps_idx)
			continue;
		if (s->entsize != LD_REL_SIZE || s->size % LD_REL_SIZE)
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"elf: relocation section '%s' has entry size %llu",
				s->name, (unsigned long long)s->entsize);
		for (j = 0; j < s->size / LD_REL_SIZE; j++) {
			const uint8_t *r = s->data + j * LD_REL_SIZE;
			uint64_t off = kbpf_ld_rd64(c, r);
			uint64_t info = kbpf_ld_rd64(c, r + 8);
			uint32_t symi = (uint32_t)(info >> 32),
				 type = (uint32_t)info;
			const struct ld_sym *sym;
			struct kbpf_elf_map *m;
			uint64_t moff;
			int mi = ld_map_at(c, off);
			int32_t prog = -1;

			if (mi < 0 || !symi || symi >= c->nr_syms ||
			    (type != LD_R_BPF_64_64 &&
			     type != LD_R_BPF_64_ABS64))
				return kbpf_ld_err(
					c, -KBPF_ENOEXEC,
					"elf: relocation %llu of .maps (offset %llu, type %u, symbol %u) names no map's 'values'",
					(unsigned long long)j,
					(unsigned long long)off, type, symi);
			m = &obj->maps[mi];
			sym = &c->syms[symi];
			moff = off - m->sec_off;
			if (!m->values_kind || moff < m->values_off ||
			    (moff - m->values_off) % 8)
				return kbpf_ld_err(
					c, -KBPF_ENOEXEC,
					"elf: map '%s': relocation against '%s' at byte %llu of its definition is not a 'values' slot",
					m->name, sym->name,
					(unsigned long long)moff);
			if (m->values_kind == LD_VALUES_MAPS) {
				int32_t target = -1;

				for (k = 0; sym->shndx == c->maps_idx &&
					    k < obj->nr_maps;
				     k++)
					if (obj->maps[k].sec_idx ==
						    c->maps_idx &&
					    obj->maps[k].sec_off == sym->value)
						target = (int32_t)k;
				if (target < 0)
					return kbpf_ld_err(
						c, -KBPF_ENOEXEC,
						"elf: map '%s': 'values' slot names '%s', which is not a map",
						m->name, sym->name);
				int err = ld_set_slot(
					c, m, (moff - m->values_off) / 8,
					target);

				if (err)
					return err;
				continue;
			}
			for (k = 0; k < obj->nr_progs; k++)
				if (obj->progs[k].sec_idx == sym->shndx &&
				    (uint64_t)obj->progs[k].sec_insn_off * 8 ==
					    sym->value)
					prog = (int32_t)k;
			if (prog < 0 || sym->type != LD_STT_FUNC)
				return kbpf_ld_err(
					c, -KBPF_ENOEXEC,
					"elf: map '%s': 'values' slot names '%s', which is not a program",
					m->name, sym->name);
			{
				int err = ld_set_slot(
					c, m, (moff - m->values_off) / 8, prog);

				if (err)
					return err;
			}
		}
	}
	return 0;
}

/* ---- relocations ---- */

static int ld_collect_relocs(struct ld_ctx *c)
{
	uint32_t i, total = 0, k;

	for (i = 1; i < c->nr_secs; i++) {
		const struct ld_sec *s = &c->secs[i];

		if (s->type != LD_SHT_REL || s->info >= c->nr_secs ||
		    c->secs[s->info].kind != LD_SEC_PROG)
			continue;
		if (s->entsize != LD_REL_SIZE || s->size % LD_REL_SIZE)
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"elf: relocation section '%s' has entry size %llu",
				s->name, (unsigned long long)s->entsize);
		if (s->size / LD_REL_SIZE > 0xffffffffu - total)
			return kbpf_ld_err(c, -KBPF_ENOEXEC,
					   "elf: too many relocations");
		total += (uint32_t)(s->size / LD_REL_SIZE);
	}
	c->rels = ld_zalloc_array(c, total, sizeof(*c->rels));
	c->rels_cap = total;
	if (!c->rels)
		return kbpf_ld_err(c, -KBPF_ENOMEM, "out of memory");
	for (i = 1; i < c->nr_secs; i++) {
		struct ld_sec *t = &c->secs[i];

		if (t->kind != LD_SEC_PROG)
			continue;
		t->relo = ld_zalloc_array(c, t->nr_insns, sizeof(*t->relo));
		t->core = ld_zalloc_array(c, t->nr_insns, sizeof(*t->core));
		if (!t->relo || !t->core)
			return kbpf_ld_err(c, -KBPF_ENOMEM, "out of memory");
		for (k = 0; k < t->nr_insns; k++) {
			t->relo[k] = -1;
			t->core[k] = -1;
		}
	}
	/* CO-RE records are sorted: mark the first of each instruction. */
	for (k = c->nr_cores; k-- > 0;)
		c->secs[c->cores[k].sec].core[c->cores[k].insn] = (int32_t)k;
	for (i = 1; i < c->nr_secs; i++) {
		const struct ld_sec *s = &c->secs[i];
		struct ld_sec *t;
		uint64_t j;

		if (s->type != LD_SHT_REL || s->info >= c->nr_secs ||
		    c->secs[s->info].kind != LD_SEC_PROG)
			continue;
		t = &c->secs[s->info];
		for (j = 0; j < s->size / LD_REL_SIZE; j++) {
			const uint8_t *r = s->data + j * LD_REL_SIZE;
			uint64_t off = kbpf_ld_rd64(c, r);
			uint64_t info = kbpf_ld_rd64(c, r + 8);
			uint32_t sym = (uint32_t)(info >> 32);

			if (off % LD_INSN_SIZE || off >= t->size)
				return kbpf_ld_err(
					c, -KBPF_ENOEXEC,
					"elf: relocation %llu of '%s' at offset %llu is misaligned or past the end of '%s'",
					(unsigned long long)j, s->name,
					(unsigned long long)off, t->name);
			if (!sym || sym >= c->nr_syms)
				return kbpf_ld_err(
					c, -KBPF_ENOEXEC,
					"elf: relocation %llu of '%s' names symbol %llu of %u",
					(unsigned long long)j, s->name,
					(unsigned long long)(info >> 32),
					c->nr_syms);
			if (t->relo[off / LD_INSN_SIZE] >= 0)
				return kbpf_ld_err(
					c, -KBPF_ENOEXEC,
					"elf: two relocations for instruction %llu of '%s'",
					(unsigned long long)(off /
							     LD_INSN_SIZE),
					t->name);
			t->relo[off / LD_INSN_SIZE] = (int32_t)c->nr_rels;
			c->rels[c->nr_rels].sym = sym;
			c->rels[c->nr_rels].type = (uint32_t)info;
			c->nr_rels++;
		}
	}
	return 0;
}

/* Decode one instruction of the object into the host's struct bpf_insn. */
static void ld_insn(const struct ld_ctx *c, const uint8_t *p,
		    struct bpf_insn *insn)
{
	insn->code = p[0];
	if (c->be) {
		insn->dst_reg = p[1] >> 4;
		insn->src_reg = p[1] & 0xf;
	} else {
		insn->dst_reg = p[1] & 0xf;
		insn->src_reg = p[1] >> 4;
	}
	insn->off = (int16_t)kbpf_ld_rd16(c, p + 2);
	insn->imm = (int32_t)kbpf_ld_rd32(c, p + 4);
}

static void ld_copy_insns(const struct ld_ctx *c, const struct ld_sec *s,
			  uint32_t start, uint32_t cnt, struct bpf_insn *out)
{
	uint32_t i;

	for (i = 0; i < cnt; i++)
		ld_insn(c, s->data + ((uint64_t)start + i) * LD_INSN_SIZE,
			&out[i]);
}

static bool ld_is_ldimm64(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static bool ld_is_call(const struct bpf_insn *insn)
{
	return insn->code == (BPF_JMP | BPF_CALL);
}

/* A function being relocated: its place in the section and in the output. */
struct ld_frame {
	uint32_t sec;
	uint32_t start;
	uint32_t cnt;
	uint32_t out_off;
	uint32_t pos;
};

struct ld_reloc_state {
	struct kbpf_elf_prog *p;
	struct bpf_insn *out;
	uint32_t out_cnt;
	uint32_t cap;
	uint32_t *sub_off; /* per .text function: where appended, 0 = not yet */
	struct ld_frame *stack;
	uint32_t depth;
	int32_t core_first; /* first CO-RE record met, or -1 */
	uint32_t core_at; /* its output instruction */
};

/*
 * Program @p uses a feature kbpf lacks: note the first reason (the
 * program still relocates, for `kbpf info`, and is refused at load).
 */
static void ld_prog_unsupported(struct kbpf_elf_prog *p, uint32_t why,
				const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void ld_prog_unsupported(struct kbpf_elf_prog *p, uint32_t why,
				const char *fmt, ...)
{
	va_list ap;

	if (p->unsupported)
		return;
	p->unsupported = why;
	va_start(ap, fmt);
	kbpf_vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
}

static int ld_find_func(const struct ld_ctx *c, int64_t insn)
{
	uint32_t lo = 0, hi = c->nr_funcs;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (c->funcs[mid].start == insn)
			return (int)mid;
		if (c->funcs[mid].start < insn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/*
 * Point the call or BPF_PSEUDO_FUNC at output index @at to .text
 * instruction @target, appending that function (and queueing it for
 * relocation) if this program does not have it yet.
 */
static int ld_link_sub(struct ld_ctx *c, struct ld_reloc_state *st, uint32_t at,
		       int64_t target)
{
	struct kbpf_elf_prog *p = st->p;
	const struct ld_func *fn;
	int j = -1;

	if (c->text_idx && target >= 0 &&
	    target < c->secs[c->text_idx].nr_insns)
		j = ld_find_func(c, target);
	if (j < 0)
		return kbpf_ld_err(
			c, -KBPF_EINVAL,
			"prog '%s': instruction %u calls .text instruction %lld, which is not the start of a function",
			p->name, at, (long long)target);
	fn = &c->funcs[j];
	if (!st->sub_off[j]) {
		if (fn->cnt > st->cap - st->out_cnt)
			return kbpf_ld_err(c, -KBPF_ENOEXEC,
					   "prog '%s': subprograms overflow",
					   p->name);
		ld_copy_insns(c, &c->secs[c->text_idx], fn->start, fn->cnt,
			      st->out + st->out_cnt);
		st->sub_off[j] = st->out_cnt;
		st->out_cnt += fn->cnt;
		st->stack[st->depth++] = (struct ld_frame){ c->text_idx,
							    fn->start, fn->cnt,
							    st->sub_off[j], 0 };
	}
	st->out[at].imm = (int32_t)((int64_t)st->sub_off[j] - at - 1);
	return 0;
}

/* The map defined at byte @off of section @shndx, or -1. */
static int ld_map_at_off(const struct ld_ctx *c, uint32_t shndx, uint64_t off)
{
	const struct kbpf_elf *obj = c->obj;
	uint32_t i;

	for (i = 0; i < obj->nr_maps; i++) {
		const struct kbpf_elf_map *m = &obj->maps[i];

		if ((m->kind == KBPF_ELF_MAP_BTF ||
		     m->kind == KBPF_ELF_MAP_LEGACY) &&
		    m->sec_idx == shndx && m->sec_off == off)
			return (int)i;
	}
	return -1;
}

/* Apply relocation @r to the ld_imm64 at output index @at. */
static int ld_reloc_ldimm64(struct ld_ctx *c, struct ld_reloc_state *st,
			    uint32_t at, const struct ld_rel *r)
{
	const struct ld_sym *sym = &c->syms[r->sym];
	struct bpf_insn *insn = &st->out[at];
	const char *pn = st->p->name;
	int idx;

	if (r->type != LD_R_BPF_64_64)
		return kbpf_ld_err(
			c, -KBPF_EINVAL,
			"prog '%s': ld_imm64 at instruction %u has relocation type %u, expected R_BPF_64_64",
			pn, at, r->type);
	if (sym->shndx == LD_SHN_UNDEF) {
		const char *sec = kbpf_ld_btf_var_sec(c, sym->name);

		if (sec && kbpf_ld_streq(sec, ".kconfig")) {
			const char *why = NULL;
			uint32_t off = 0;

			idx = kbpf_ld_kconfig_ref(c, sym->name, &off, &why);
			if (idx < 0) {
				ld_prog_unsupported(
					st->p, KBPF_ELF_UNSUP_EXTERN,
					"reads extern variable '%s' (.kconfig) at insn %u: %s",
					sym->name, at, why);
				return 0;
			}
			insn->src_reg = BPF_PSEUDO_MAP_IDX_VALUE;
			insn->imm = idx;
			insn[1].imm = (int32_t)off;
			return 0;
		}
		if (!sec && (sym->type == LD_STT_FUNC ||
			     kbpf_ld_btf_is_func(c, sym->name))) {
			/*
			 * `if (bpf_some_kfunc)`: a weak kfunc's address. Only
			 * whether it is there matters: 1 if the host BTF has
			 * it, else 0, as libbpf leaves an absent weak one
			 * (libbpf gives a BPF_PSEUDO_BTF_ID load instead of
			 * the 1, which kbpf does not take).
			 */
			if (c->target) {
				insn->src_reg = 0;
				insn->imm = kbpf_core_target_find(c->target,
								  BTF_KIND_FUNC,
								  sym->name) ?
						    1 :
						    0;
				insn[1].imm = 0;
				if (insn->imm || sym->bind == LD_STB_WEAK)
					return 0;
			}
			ld_prog_unsupported(
				st->p, KBPF_ELF_UNSUP_KFUNC,
				"takes the address of extern function '%s' at insn %u (a kfunc): %s",
				sym->name, at,
				c->target ?
					"not a function of the host BTF" :
					"no host BTF to find it in (kbpf_elf_opts.target_btf)");
			return 0;
		}
		ld_prog_unsupported(
			st->p, KBPF_ELF_UNSUP_EXTERN,
			"reads extern variable '%s' (%s) at insn %u: kbpf resolves no externs",
			sym->name, sec ? sec : "not in BTF", at);
		return 0;
	}
	if (sym->shndx >= LD_SHN_LORESERVE)
		return kbpf_ld_err(
			c, -KBPF_EINVAL,
			"prog '%s': relocation against '%s' in special section 0x%x (uninitialised global?)",
			pn, sym->name, sym->shndx);
	if (sym->shndx == c->text_idx &&
	    (sym->type == LD_STT_FUNC || sym->type == LD_STT_SECTION)) {
		/* A callback's address (bpf_loop, for_each_map_elem...). */
		if (sym->value % LD_INSN_SIZE || insn->imm % LD_INSN_SIZE)
			return kbpf_ld_err(
				c, -KBPF_EINVAL,
				"prog '%s': misaligned function address relocation against '%s'",
				pn, sym->name);
		insn->src_reg = BPF_PSEUDO_FUNC;
		insn[1].imm = 0;
		return ld_link_sub(c, st, at,
				   ((int64_t)sym->value + insn->imm) /
					   LD_INSN_SIZE);
	}
	if (sym->shndx == c->maps_idx || sym->shndx == c->legacy_idx) {
		/*
		 * A static map is referenced through the section's symbol,
		 * its offset in the ld_imm64's imm (the addend); a named
		 * map's reference has imm 0.
		 */
		uint64_t off = sym->value;

		if (sym->type == LD_STT_SECTION)
			off += (uint32_t)insn->imm;
		else if (insn->imm)
			return kbpf_ld_err(
				c, -KBPF_EINVAL,
				"prog '%s': reference to map '%s' plus %d at instruction %u",
				pn, sym->name, insn->imm, at);
		idx = ld_map_at_off(c, sym->shndx, off);
		if (idx < 0)
			return kbpf_ld_err(
				c, -KBPF_EINVAL,
				"prog '%s': no map at offset %llu of '%s' (symbol '%s')",
				pn, (unsigned long long)off,
				c->secs[sym->shndx].name, sym->name);
		insn->src_reg = BPF_PSEUDO_MAP_IDX;
		insn->imm = idx;
		return 0;
	}
	idx = c->secs[sym->shndx].map_idx;
	if (idx < 0)
		return kbpf_ld_err(
			c, -KBPF_EINVAL,
			"prog '%s': relocation against '%s' in section '%s', which is neither a map nor global data",
			pn, sym->name, c->secs[sym->shndx].name);
	/* Global data: the value offset is the symbol's plus the addend in imm. */
	insn[1].imm = (int32_t)((uint32_t)insn->imm + (uint32_t)sym->value);
	insn->src_reg = BPF_PSEUDO_MAP_IDX_VALUE;
	insn->imm = idx;
	return 0;
}

/*
 * Apply one CO-RE record at output instruction @at. A relocation libbpf
 * would fail makes the program unsupported with that reason (other
 * programs of the object still load); only -ENOMEM fails the parse.
 */
static int ld_core_one(struct ld_ctx *c, struct ld_reloc_state *st,
		       const struct ld_core *rec, uint32_t at)
{
	char msg[160], *save = c->errbuf;
	size_t save_size = c->errbuf_size;
	int err;

	msg[0] = 0;
	c->errbuf = msg;
	c->errbuf_size = sizeof(msg);
	err = kbpf_ld_core_apply(c, rec, st->p->name, at, &st->out[at],
				 st->cap - at);
	c->errbuf = save;
	c->errbuf_size = save_size;
	if (err == -KBPF_ENOMEM)
		return kbpf_ld_err(c, err, "out of memory");
	if (err)
		ld_prog_unsupported(st->p, KBPF_ELF_UNSUP_CORE, "%s", msg);
	return 0;
}

/* Relocate one instruction of frame @f (the top of the stack). */
static int ld_reloc_one(struct ld_ctx *c, struct ld_reloc_state *st,
			struct ld_frame *f)
{
	const struct ld_sec *sec = &c->secs[f->sec];
	uint32_t i = f->pos++, at = f->out_off + i;
	struct bpf_insn *insn = &st->out[at];
	int32_t ri = sec->relo[f->start + i];
	int err = 0;

	if (ld_is_ldimm64(insn)) {
		if (f->pos >= f->cnt)
			return kbpf_ld_err(
				c, -KBPF_ENOEXEC,
				"prog '%s': ld_imm64 at instruction %u is cut by the function's end",
				st->p->name, at);
		f->pos++;
	}
	if (sec->core[f->start + i] >= 0) {
		int32_t k = sec->core[f->start + i];

		if (st->core_first < 0) {
			st->core_first = k;
			st->core_at = at;
		}
		while ((uint32_t)k < c->nr_cores && c->cores[k].sec == f->sec &&
		       c->cores[k].insn == f->start + i) {
			st->p->nr_core_relos++;
			if (c->target && !st->p->unsupported) {
				err = ld_core_one(c, st, &c->cores[k], at);
				if (err)
					return err;
			}
			k++;
		}
	}
	if (ri >= 0) {
		const struct ld_rel *r = &c->rels[ri];
		const struct ld_sym *sym = &c->syms[r->sym];

		if (ld_is_ldimm64(insn))
			return ld_reloc_ldimm64(c, st, at, r);
		if (!ld_is_call(insn))
			return kbpf_ld_err(
				c, -KBPF_EINVAL,
				"prog '%s': relocation against '%s' at instruction %u (code 0x%02x), which is neither ld_imm64 nor call",
				st->p->name, sym->name, at, insn->code);
		if (insn->src_reg != BPF_PSEUDO_CALL)
			return kbpf_ld_err(
				c, -KBPF_EINVAL,
				"prog '%s': relocation against '%s' at a helper call (instruction %u)",
				st->p->name, sym->name, at);
		if (sym->shndx == LD_SHN_UNDEF) {
			const char *ks = kbpf_ld_btf_var_sec(c, sym->name);
			uint32_t id = 0;

			/*
			 * A kfunc (`extern ... __ksym`): libbpf's call of the
			 * FUNC of that name in the kernel's BTF (off 0:
			 * vmlinux); a weak one the host lacks becomes a call
			 * of id 0, which only a dead path may hold.
			 */
			if (c->target && (kbpf_ld_btf_is_func(c, sym->name) ||
					  (ks && kbpf_ld_streq(ks, ".ksyms"))))
				id = kbpf_core_target_find(
					c->target, BTF_KIND_FUNC, sym->name);
			if (id || (c->target && sym->bind == LD_STB_WEAK &&
				   kbpf_ld_btf_is_func(c, sym->name))) {
				insn->src_reg = BPF_PSEUDO_KFUNC_CALL;
				insn->off = 0;
				insn->imm = (int32_t)id;
				return 0;
			}
			ld_prog_unsupported(
				st->p, KBPF_ELF_UNSUP_KFUNC,
				"calls extern function '%s' at insn %u (a kfunc, or a function of another object): %s",
				sym->name, at,
				c->target ?
					"not a function of the host BTF" :
					"no host BTF to find it in (kbpf_elf_opts.target_btf)");
			return 0;
		}
		if (!c->text_idx || sym->shndx != c->text_idx ||
		    sym->value % LD_INSN_SIZE)
			return kbpf_ld_err(
				c, -KBPF_EINVAL,
				"prog '%s': call relocation against '%s', which is not a .text function",
				st->p->name, sym->name);
		return ld_link_sub(c, st, at,
				   (int64_t)(sym->value / LD_INSN_SIZE) +
					   insn->imm + 1);
	}
	if (ld_is_call(insn) && insn->src_reg == BPF_PSEUDO_CALL) {
		/* A static call inside .text needs no relocation. */
		if (f->sec != c->text_idx)
			return kbpf_ld_err(
				c, -KBPF_EINVAL,
				"prog '%s': bpf-to-bpf call at instruction %u has no relocation",
				st->p->name, at);
		return ld_link_sub(c, st, at,
				   (int64_t)f->start + i + insn->imm + 1);
	}
	if (ld_is_ldimm64(insn) && insn->src_reg == BPF_PSEUDO_FUNC)
		err = kbpf_ld_err(
			c, -KBPF_EINVAL,
			"prog '%s': function address at instruction %u has no relocation",
			st->p->name, at);
	return err;
}

static int ld_relocate_prog(struct ld_ctx *c, uint32_t pi, uint32_t *sub_off,
			    struct ld_frame *stack)
{
	struct kbpf_elf *obj = c->obj;
	struct kbpf_elf_prog *p = &obj->progs[pi];
	uint32_t text = c->text_idx ? c->secs[c->text_idx].nr_insns : 0;
	const struct ld_sec *sec = &c->secs[p->sec_idx];
	struct ld_reloc_state st = { 0 };
	uint32_t i;
	int err = 0;

	if (p->sec_insn_cnt > 0xffffffffu - text)
		return kbpf_ld_err(c, -KBPF_ENOEXEC, "prog '%s': too big",
				   p->name);
	st.p = p;
	st.core_first = -1;
	st.cap = p->sec_insn_cnt + text;
	st.out = ld_zalloc_array(c, st.cap, sizeof(*st.out));
	if (!st.out)
		return kbpf_ld_err(c, -KBPF_ENOMEM, "out of memory");
	obj->insn_caps[pi] = st.cap;
	p->insns = st.out;
	st.sub_off = sub_off;
	st.stack = stack;
	for (i = 0; i < c->nr_funcs; i++)
		sub_off[i] = 0;
	ld_copy_insns(c, sec, p->sec_insn_off, p->sec_insn_cnt, st.out);
	st.out_cnt = p->sec_insn_cnt;
	stack[0] = (struct ld_frame){ p->sec_idx, p->sec_insn_off,
				      p->sec_insn_cnt, 0, 0 };
	st.depth = 1;
	/*
	 * Depth first, as libbpf's recursion: a function appended while
	 * relocating another is relocated before the rest of the caller.
	 */
	while (st.depth && !err) {
		struct ld_frame *f = &stack[st.depth - 1];

		if (f->pos >= f->cnt) {
			st.depth--;
			continue;
		}
		err = ld_reloc_one(c, &st, f);
	}
	p->insn_cnt = st.out_cnt;
	if (!err && st.core_first >= 0 && !c->target) {
		char desc[112];

		kbpf_ld_core_desc(c, &c->cores[st.core_first], desc,
				  sizeof(desc));
		/* CO-RE is the reason that matters: it replaces any other. */
		p->unsupported = 0;
		ld_prog_unsupported(
			p, KBPF_ELF_UNSUP_CORE,
			"%u CO-RE relocations (first at insn %u: %s): kbpf has no target BTF",
			p->nr_core_relos, st.core_at, desc);
	}
	return err;
}

/*
 * Tracing programs: a tp_btf program gets the id of its tracepoint's
 * typedef in the host BTF, as libbpf finds it (btf_trace_<name>), and an
 * fentry/fexit program the id of its function; kbpf has no trampolines
 * for the other BTF attach types.
 */
static void ld_attach_btf(struct ld_ctx *c)
{
	uint32_t i;

	for (i = 0; i < c->obj->nr_progs; i++) {
		struct kbpf_elf_prog *p = &c->obj->progs[i];
		char name[160];

		if (p->prog_type != BPF_PROG_TYPE_TRACING)
			continue;
		if (p->expected_attach_type != BPF_TRACE_RAW_TP &&
		    p->expected_attach_type != BPF_TRACE_FENTRY &&
		    p->expected_attach_type != BPF_TRACE_FEXIT) {
			ld_prog_unsupported(
				p, KBPF_ELF_UNSUP_ATTACH,
				"attaches as fmod_ret, iter or another BTF attach type: kbpf has no trampolines");
			continue;
		}
		if (!c->target) {
			ld_prog_unsupported(p, KBPF_ELF_UNSUP_ATTACH,
					    "finding '%s' needs the host BTF",
					    p->attach_target);
			continue;
		}
		if (p->expected_attach_type == BPF_TRACE_RAW_TP) {
			kbpf_ld_msg(name, sizeof(name), "btf_trace_%s",
				    p->attach_target);
			p->attach_btf_id = kbpf_core_target_find(
				c->target, BTF_KIND_TYPEDEF, name);
		} else {
			kbpf_ld_msg(name, sizeof(name), "%s", p->attach_target);
			p->attach_btf_id = kbpf_core_target_find(
				c->target, BTF_KIND_FUNC, name);
		}
		if (!p->attach_btf_id)
			ld_prog_unsupported(p, KBPF_ELF_UNSUP_ATTACH,
					    "the host BTF has no %s '%s'",
					    p->expected_attach_type ==
							    BPF_TRACE_RAW_TP ?
						    "tracepoint typedef" :
						    "function",
					    name);
	}
}

static int ld_relocate(struct ld_ctx *c)
{
	uint32_t *sub_off;
	struct ld_frame *stack;
	uint32_t i;
	int err = 0;

	sub_off = ld_zalloc_array(c, c->nr_funcs, sizeof(*sub_off));
	stack = ld_zalloc_array(c, (size_t)c->nr_funcs + 1, sizeof(*stack));
	if (!sub_off || !stack) {
		err = kbpf_ld_err(c, -KBPF_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < c->obj->nr_progs && !err; i++)
		err = ld_relocate_prog(c, i, sub_off, stack);
out:
	ld_free_array(c, sub_off, c->nr_funcs, sizeof(*sub_off));
	ld_free_array(c, stack, (size_t)c->nr_funcs + 1, sizeof(*stack));
	return err;
}

/* ---- the entry points ---- */

static void ld_ctx_fini(struct ld_ctx *c)
{
	uint32_t i;

	kbpf_core_target_free(c->h, c->target);
	c->target = NULL;
	kbpf_ld_kconfig_free(c);
	kbpf_ld_btf_ext_free(c);
	kbpf_ld_btf_free(c);
	if (c->secs)
		for (i = 0; i < c->nr_secs; i++) {
			ld_free_array(c, c->secs[i].relo, c->secs[i].nr_insns,
				      sizeof(int32_t));
			ld_free_array(c, c->secs[i].core, c->secs[i].nr_insns,
				      sizeof(int32_t));
		}
	ld_free_array(c, c->secs, c->nr_secs, sizeof(*c->secs));
	ld_free_array(c, c->syms, c->nr_syms, sizeof(*c->syms));
	ld_free_array(c, c->rels, c->rels_cap, sizeof(*c->rels));
	ld_free_array(c, c->funcs, c->funcs_cap, sizeof(*c->funcs));
}

/* Free a block from ld_zalloc_array() or kbpf_malloc(size ? size : 1). */
static void ld_free_sized(const struct kbpf_host *h, void *p, size_t size)
{
	if (p)
		kbpf_free(h, p, size ? size : 1);
}

/* Frees what kbpf_elf_parse allocated; also used after a failed parse. */
static void ld_obj_free(struct kbpf_elf *obj, uint32_t maps_cap)
{
	const struct kbpf_host *h = obj->host;
	uint32_t i;

	for (i = 0; i < obj->nr_progs; i++)
		if (obj->progs[i].insns)
			ld_free_sized(h, obj->progs[i].insns,
				      (size_t)obj->insn_caps[i] *
					      sizeof(struct bpf_insn));
	for (i = 0; i < obj->nr_maps; i++)
		ld_free_sized(h, obj->maps[i].init_slots,
			      obj->maps[i].nr_init_slots * sizeof(int32_t));
	ld_free_sized(h, obj->progs, obj->nr_progs * sizeof(*obj->progs));
	ld_free_sized(h, obj->insn_caps,
		      obj->nr_progs * sizeof(*obj->insn_caps));
	ld_free_sized(h, obj->maps, maps_cap * sizeof(*obj->maps));
	ld_free_sized(h, obj->map_ptrs, obj->nr_maps * sizeof(*obj->map_ptrs));
	ld_free_sized(h, obj->image, obj->image_size);
	ld_free_sized(h, obj->kconfig_data, obj->kconfig_size);
	kbpf_free(h, obj, sizeof(*obj));
}

int kbpf_elf_parse(const struct kbpf_host *h, const void *buf, size_t size,
		   const struct kbpf_elf_opts *opts, struct kbpf_elf **out)
{
	struct ld_ctx c = { 0 };
	struct kbpf_elf *obj;
	uint32_t i;
	int err;

	c.h = h;
	c.errbuf = opts ? opts->errbuf : NULL;
	c.errbuf_size = opts ? opts->errbuf_size : 0;
	if (c.errbuf && c.errbuf_size)
		c.errbuf[0] = 0;
	if (!buf && size)
		return kbpf_ld_err(&c, -KBPF_EINVAL, "no object");
	obj = kbpf_zalloc(h, sizeof(*obj), 0);
	if (!obj)
		return kbpf_ld_err(&c, -KBPF_ENOMEM, "out of memory");
	obj->host = h;
	c.obj = obj;
	obj->image = kbpf_malloc(h, size ? size : 1, 0);
	if (!obj->image) {
		err = kbpf_ld_err(&c, -KBPF_ENOMEM, "out of memory");
		goto fail;
	}
	obj->image_size = size;
	if (size)
		memcpy(obj->image, buf, size);
	c.img = obj->image;
	c.size = size;
	if (opts && opts->obj_name)
		for (i = 0; i < BPF_OBJ_NAME_LEN - 1 && opts->obj_name[i]; i++)
			obj->obj_name[i] = opts->obj_name[i];
	err = ld_parse_sections(&c);
	if (!err)
		err = ld_parse_symbols(&c);
	if (!err)
		err = ld_classify(&c);
	obj->big_endian = c.be;
	if (!err && c.btf_idx)
		err = kbpf_ld_btf_parse(&c);
	if (!err && c.maps_idx)
		err = kbpf_ld_btf_maps(&c);
	if (!err)
		err = ld_legacy_maps(&c);
	if (!err)
		err = ld_data_maps(&c);
	if (!err)
		err = kbpf_ld_kconfig(&c, opts ? opts->kconfig : NULL);
	if (!err && c.btf_ext_idx)
		err = kbpf_ld_btf_ext_parse(&c);
	if (!err && opts && opts->target_btf) {
		err = kbpf_core_target_parse(h, opts->target_btf,
					     opts->target_btf_size, &c.target);
		if (err == -KBPF_EINVAL)
			err = kbpf_ld_err(&c, -KBPF_EINVAL,
					  "target BTF: malformed");
		else if (err)
			err = kbpf_ld_err(&c, err, "out of memory");
	}
	if (!err)
		err = ld_functions(&c);
	if (!err)
		err = ld_map_slots(&c);
	if (!err)
		err = ld_collect_relocs(&c);
	if (!err)
		err = ld_relocate(&c);
	if (!err)
		ld_attach_btf(&c);
	if (!err && obj->nr_maps) {
		obj->map_ptrs = ld_zalloc_array(&c, obj->nr_maps,
						sizeof(*obj->map_ptrs));
		if (!obj->map_ptrs)
			err = kbpf_ld_err(&c, -KBPF_ENOMEM, "out of memory");
	}
	obj->has_btf = c.btf_idx != 0;
	ld_ctx_fini(&c);
	if (err)
		goto fail;
	/* Shrink the map array's bookkeeping to its length for the free. */
	if (c.maps_cap != obj->nr_maps && obj->nr_maps) {
		struct kbpf_elf_map *m =
			kbpf_malloc(h, obj->nr_maps * sizeof(*m), 0);

		if (!m) {
			err = kbpf_ld_err(&c, -KBPF_ENOMEM, "out of memory");
			goto fail;
		}
		memcpy(m, obj->maps, obj->nr_maps * sizeof(*m));
		kbpf_free(h, obj->maps, c.maps_cap * sizeof(*m));
		obj->maps = m;
		c.maps_cap = obj->nr_maps;
	}
	*out = obj;
	return 0;
fail:
	ld_obj_free(obj, c.maps_cap);
	return err;
}

void kbpf_elf_free(struct kbpf_elf *obj)
{
	uint32_t i;

	if (!obj)
		return;
	for (i = 0; i < obj->nr_progs; i++)
		if (obj->progs[i].prog)
			kbpf_prog_put(obj->progs[i].prog);
	for (i = 0; i < obj->nr_maps; i++)
		if (obj->maps[i].map) /* the creator's: a user reference */
			kbpf_obj_uref_put(&obj->maps[i].map->obj);
	ld_obj_free(obj, obj->nr_maps);
}

struct kbpf_elf_prog *kbpf_elf_find_prog(struct kbpf_elf *obj, const char *name)
{
	uint32_t i;

	for (i = 0; i < obj->nr_progs; i++)
		if (kbpf_ld_streq(obj->progs[i].name, name))
			return &obj->progs[i];
	return NULL;
}

struct kbpf_elf_map *kbpf_elf_find_map(struct kbpf_elf *obj, const char *name)
{
	uint32_t i;

	for (i = 0; i < obj->nr_maps; i++)
		if (kbpf_ld_streq(obj->maps[i].name, name) ||
		    kbpf_ld_streq(obj->maps[i].kname, name))
			return &obj->maps[i];
	return NULL;
}
