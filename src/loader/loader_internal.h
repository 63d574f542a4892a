/* SPDX-License-Identifier: MIT */
/* Shared by the object loader's files; not public. */
#ifndef KBPF_LOADER_INTERNAL_H
#define KBPF_LOADER_INTERNAL_H

#include <stdarg.h>

#include "btf/btf.h"
#include "core/alloc.h"
#include "core/compiler.h"
#include "core/util.h"
#include "kbpf/loader.h"
#include "core/map.h"
#include "core/prog.h"
#include "kbpf/uapi/btf.h"

/* ELF constants the loader needs (the ELF specification's values). */
#define LD_EM_BPF 247
#define LD_ET_REL 1
#define LD_SHT_PROGBITS 1
#define LD_SHT_SYMTAB 2
#define LD_SHT_STRTAB 3
#define LD_SHT_REL 9
#define LD_SHT_NOBITS 8
#define LD_SHF_EXECINSTR 0x4
#define LD_SHN_UNDEF 0
#define LD_SHN_LORESERVE 0xff00
#define LD_SHN_XINDEX 0xffff
#define LD_STT_OBJECT 1
#define LD_STT_FUNC 2
#define LD_STT_SECTION 3
#define LD_STB_LOCAL 0
#define LD_STB_WEAK 2
#define LD_R_BPF_64_64 1
#define LD_R_BPF_64_ABS64 2
#define LD_R_BPF_64_32 10
#define LD_EHDR_SIZE 64
#define LD_SHDR_SIZE 64
#define LD_SYM_SIZE 24
#define LD_REL_SIZE 16

/* What a section is to the loader. */
enum ld_sec_kind {
	LD_SEC_OTHER = 0,
	LD_SEC_PROG, /* executable: programs, or .text subprograms */
	LD_SEC_DATA,
	LD_SEC_RODATA,
	LD_SEC_BSS,
};

struct ld_sec {
	const char *name;
	uint32_t type;
	uint32_t link;
	uint32_t info;
	uint64_t flags;
	uint64_t off;
	uint64_t size;
	uint64_t entsize;
	const uint8_t *data; /* NULL for SHT_NOBITS */
	enum ld_sec_kind kind;
	int32_t map_idx; /* global data map of this section, or -1 */
	int32_t *relo; /* LD_SEC_PROG: per instruction, index into rels or -1 */
	int32_t *core; /* LD_SEC_PROG: per instruction, first index into cores or -1 */
	uint32_t nr_insns;
};

/* A CO-RE relocation record of .BTF.ext (struct bpf_core_relo). */
struct ld_core {
	uint32_t sec; /* ELF section index */
	uint32_t insn; /* instruction index in the section */
	uint32_t type_id;
	uint32_t access_off; /* BTF string: "0:1:2" */
	uint32_t kind; /* enum bpf_core_relo_kind */
};

/* kbpf_elf_map.values_kind: what a BTF map's `values` member holds. */
#define LD_VALUES_PROGS 1
#define LD_VALUES_MAPS 2

struct ld_sym {
	const char *name;
	uint64_t value;
	uint64_t size;
	uint32_t shndx;
	uint8_t type;
	uint8_t bind;
};

struct ld_rel {
	uint32_t sym;
	uint32_t type;
};

/* A function in .text: a subprogram programs may call. */
struct ld_func {
	uint32_t start; /* first instruction, in .text */
	uint32_t cnt;
	const char *name;
};

struct ld_ctx {
	const struct kbpf_host *h;
	struct kbpf_elf *obj;
	char *errbuf;
	size_t errbuf_size;
	const uint8_t *img;
	size_t size;
	bool be;
	struct ld_sec *secs;
	uint32_t nr_secs;
	struct ld_sym *syms;
	uint32_t nr_syms;
	struct ld_rel *rels;
	uint32_t nr_rels;
	uint32_t rels_cap;
	struct ld_func *funcs;
	uint32_t nr_funcs;
	uint32_t funcs_cap;
	uint32_t text_idx; /* 0 if none */
	uint32_t maps_idx; /* .maps */
	uint32_t legacy_idx; /* maps */
	uint32_t btf_idx;
	uint32_t btf_ext_idx;
	struct kbpf_btf_view btf; /* .BTF (src/btf); zeroed without one */
	uint32_t maps_cap;
	struct ld_core *cores; /* sorted by section, then instruction */
	uint32_t nr_cores;
	struct kbpf_core_target *target; /* the host's BTF, for CO-RE */
	struct kcfg_ext *kcfg; /* .kconfig externs, in map layout order */
	uint32_t nr_kcfg;
	int32_t kconfig_map; /* index of the .kconfig map, or -1 */
};

/*
 * Report @err with a one-line message (the printf subset of kbpf_vsnprintf)
 * into the caller's error buffer; returns @err.
 */
int kbpf_ld_err(struct ld_ctx *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void kbpf_ld_msg(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

uint16_t kbpf_ld_rd16(const struct ld_ctx *c, const void *p);
uint32_t kbpf_ld_rd32(const struct ld_ctx *c, const void *p);
uint64_t kbpf_ld_rd64(const struct ld_ctx *c, const void *p);

bool kbpf_ld_streq(const char *a, const char *b);
bool kbpf_ld_has_prefix(const char *s, const char *pfx);

/* BTF (btf.c). */
int kbpf_ld_btf_parse(struct ld_ctx *c);
void kbpf_ld_btf_free(struct ld_ctx *c);
int kbpf_ld_btf_maps(struct ld_ctx *c);
int kbpf_ld_btf_ext_parse(struct ld_ctx *c);
void kbpf_ld_btf_ext_free(struct ld_ctx *c);
/*
 * "field byte offset of struct task_struct.real_parent" for CO-RE record
 * @r, into @buf (NUL-terminated, truncated to fit).
 */
void kbpf_ld_core_desc(const struct ld_ctx *c, const struct ld_core *r,
		       char *buf, size_t size);
/*
 * Does the DATASEC named @sec hold a variable that is not static (libbpf's
 * map_is_mmapable())? False without BTF or without that DATASEC.
 */
bool kbpf_ld_btf_datasec_has_global(const struct ld_ctx *c, const char *sec);
/* Is @name a FUNC in the object's BTF (an extern function, a kfunc)? */
bool kbpf_ld_btf_is_func(const struct ld_ctx *c, const char *name);
/* The DATASEC (".kconfig", ".ksyms") declaring variable @name, or NULL. */
const char *kbpf_ld_btf_var_sec(const struct ld_ctx *c, const char *name);

/* CO-RE against the host's BTF (co_re.c). */
struct kbpf_core_target;
/*
 * Parse the host's BTF (@size bytes at @buf, either byte order; borrowed,
 * it must outlive the target) and index its named types. 0 and *@out, or
 * -EINVAL (malformed, src/btf's rules) or -ENOMEM with *@out NULL.
 */
int kbpf_core_target_parse(const struct kbpf_host *h, const void *buf,
			   size_t size, struct kbpf_core_target **out);
/* Free a target from kbpf_core_target_parse(); NULL is a no-op. */
void kbpf_core_target_free(const struct kbpf_host *h,
			   struct kbpf_core_target *t);
/* The id of the host type of @kind named exactly @name, or 0. */
uint32_t kbpf_core_target_find(const struct kbpf_core_target *t, uint32_t kind,
			       const char *name);
/*
 * Apply CO-RE record @rec to @insn (output instruction @at of program
 * @pn, @room instructions from @insn to the end of the buffer). 0, or a
 * negative errno with the reason in the error buffer.
 */
int kbpf_ld_core_apply(struct ld_ctx *c, const struct ld_core *rec,
		       const char *pn, uint32_t at, struct bpf_insn *insn,
		       uint32_t room);

/*
 * .kconfig externs (btf.c): lay them out as libbpf does, fill their values
 * from @text (NAME=VALUE lines, .config style) and add the .kconfig map;
 * -EINVAL for an extern whose alignment is 0 (libbpf's btf__align_of()
 * failing), -ENOEXEC for other malformed BTF, -ENOMEM.
 * kbpf_ld_kconfig_ref(): the map index and offset of extern @name, or -1
 * with the reason in *@why.
 */
int kbpf_ld_kconfig(struct ld_ctx *c, const char *text);
int kbpf_ld_kconfig_ref(const struct ld_ctx *c, const char *name, uint32_t *off,
			const char **why);
void kbpf_ld_kconfig_free(struct ld_ctx *c);
void kbpf_ld_data_map_name(struct kbpf_elf *obj, const char *sec, char *out);

/* The first 15 bytes of @name, NUL-terminated, into @out (16 bytes). */
void kbpf_ld_map_kname(const char *name, char *out);

/* Append a map (zeroed) to the object; returns its index or -ENOMEM. */
int kbpf_ld_map_add(struct ld_ctx *c);

#endif /* KBPF_LOADER_INTERNAL_H */
