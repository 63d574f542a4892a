/* SPDX-License-Identifier: MIT */
/*
 * The ELF object loader: turns a BPF object file, as clang emits it for
 * `-target bpf` (little-endian) or `-target bpfeb` (big-endian), held in
 * memory, into maps and programs, the way libbpf does in user space. A
 * kernel can use it to load programs at boot or from a module without a
 * user-space loader; the POSIX host's `kbpf` command uses it too.
 *
 * Two steps:
 *
 *   kbpf_elf_parse()  reads and checks the object: its sections, symbols,
 *                     programs (by libbpf's section-name conventions), maps
 *                     (BTF-defined in `.maps`, legacy `maps`, and global
 *                     data `.data*`, `.rodata*`, `.bss*`), license and
 *                     version, and relocates every program: map and global
 *                     data references, bpf-to-bpf calls (used `.text`
 *                     functions appended to each program, as libbpf does)
 *                     and callback addresses (BPF_PSEUDO_FUNC). Nothing is
 *                     created; the result can be inspected (`kbpf info`).
 *   kbpf_elf_load()   creates the maps with kbpf_map_create(), writes the
 *                     initial values of global data and freezes `.rodata*`,
 *                     then loads the programs with kbpf_prog_load(): the
 *                     attr-level paths BPF_MAP_CREATE and BPF_PROG_LOAD
 *                     use, so an object behaves as if libbpf had loaded it
 *                     through bpf(2).
 *
 * Map references in the relocated instructions are ld_imm64 with src_reg
 * BPF_PSEUDO_MAP_IDX (imm: index into kbpf_elf.maps) or
 * BPF_PSEUDO_MAP_IDX_VALUE (imm: index, next imm: offset into the value),
 * resolved by kbpf_prog_load() against the object's maps; where libbpf
 * would pass a map fd (BPF_PSEUDO_MAP_FD / _VALUE), the loader passes the
 * map itself, so it needs no fd table.
 *
 * CO-RE relocations (`.BTF.ext` core_relo records) are applied as libbpf
 * applies them when the host gives its BTF (kbpf_elf_opts.target_btf):
 * the same candidate types, matching rules, values, patches and poisoned
 * instructions; TYPE_MATCHES is not supported. Without target BTF the
 * programs that use CO-RE are refused at load.
 *
 * Kfunc calls (`extern ... __ksym` functions) are resolved against the
 * target BTF as libbpf resolves them (BPF_PSEUDO_KFUNC_CALL of the FUNC's
 * id; a weak one the target lacks: id 0, which only a dead path may hold);
 * a weak kfunc's address becomes 1 if the target has it, else 0.
 *
 * Not supported, refused with a message naming the reason: CO-RE without
 * target BTF, extern variables (`.kconfig`, `.ksyms`) where kbpf has no value, and
 * kfuncs without target BTF or absent from it: such
 * programs parse, for inspection, and are refused at load, each with its
 * reason (kbpf_elf_prog.why); map types and program types kbpf lacks
 * (refused at creation and load with the type named); objects whose byte
 * order is not the host's (these parse but do not load). `values`
 * initialisers of prog arrays are supported; map-in-map ones parse, but
 * kbpf has no map-in-map types.
 *
 * Errors: every function returns 0 or a negative errno and, when the
 * caller gave an error buffer, writes one line saying what is wrong and
 * where (section, symbol, program, map, instruction). Malformed objects
 * (truncated, offsets out of range, overlapping sections, bad indices, bad
 * BTF) give -ENOEXEC; relocations that cannot be applied -EINVAL; features
 * kbpf lacks -EOPNOTSUPP; host allocation failure -ENOMEM. No input can
 * make the loader read outside the buffer or crash.
 */
#ifndef KBPF_LOADER_H
#define KBPF_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "host.h"
#include "uapi/bpf.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kbpf_map;
struct kbpf_prog;
struct kbpf_helper;

/* Where a map of an object comes from. */
enum kbpf_elf_map_kind {
	KBPF_ELF_MAP_BTF = 1, /* BTF-defined, a variable in `.maps` */
	KBPF_ELF_MAP_LEGACY, /* struct bpf_map_def in the `maps` section */
	KBPF_ELF_MAP_DATA, /* `.data` or `.data.*`: initialised variables */
	KBPF_ELF_MAP_RODATA, /* `.rodata` or `.rodata.*`: frozen after load */
	KBPF_ELF_MAP_BSS, /* `.bss` or `.bss.*`: zero-initialised */
	KBPF_ELF_MAP_KCONFIG, /* `.kconfig` externs' values: frozen after load */
};

/* libbpf's pinning values (the `pinning` field of a BTF map). */
#define KBPF_ELF_PIN_NONE 0
#define KBPF_ELF_PIN_BY_NAME 1

/**
 * struct kbpf_elf_map - one map of an object.
 * @name: the variable name (BTF and legacy maps) or the ELF section name
 *        (global data), NUL-terminated, in the object's memory.
 * @kname: the name given to BPF_MAP_CREATE, as libbpf forms it: @name
 *         truncated to 15 bytes; for `.data`/`.rodata`/`.bss` the object
 *         name's first characters then the section name
 *         ("counter.rodata"); characters the kernel refuses become '_'.
 * @kind: enum kbpf_elf_map_kind.
 * @type, @key_size, @value_size, @max_entries, @map_flags, @numa_node,
 * @map_extra: the BPF_MAP_CREATE attributes. Global data maps are ARRAYs
 *        with key_size 4, max_entries 1, value_size the section size, and
 *        BPF_F_RDONLY_PROG for `.rodata*`; BPF_F_MMAPABLE is added at load
 *        when the host provides pages, as libbpf adds it where the kernel
 *        supports it. A PERF_EVENT_ARRAY with max_entries 0 gets the host's
 *        CPU count, and a RINGBUF size is rounded up to a power-of-two
 *        multiple of the page size, as libbpf does.
 * @btf_key_type_id, @btf_value_type_id: BTF ids of `key`/`value` (0 if
 *        given by size); informational: kbpf maps carry no BTF.
 * @pinning: KBPF_ELF_PIN_*; kbpf has no BPF filesystem, so a pinned map is
 *        created private to the object (noted by `kbpf info`).
 * @init_data: initial value (value_size bytes) of DATA and RODATA maps,
 *        NULL otherwise (the map starts zeroed).
 * @map: after kbpf_elf_load(): the map; the object holds one reference,
 *        dropped by kbpf_elf_free(). Take your own with kbpf_map_get() to
 *        keep it longer.
 * @init_slots, @nr_init_slots: a PROG_ARRAY's `values` initialiser
 *        (libbpf's `__array(values, int (void *))`): slot i gets program
 *        init_slots[i] (an index into kbpf_elf.progs), or nothing if -1.
 *        The loader fills each slot once its program is loaded, as libbpf
 *        does after loading. NULL and 0 for other maps.
 * @inner_type, @inner_key_size, @inner_value_size, @inner_max_entries,
 * @inner_map_flags: ARRAY_OF_MAPS/HASH_OF_MAPS with BTF `values`
 *        (libbpf's `__array(values, struct inner)`): the inner map
 *        definition, from which the loader creates the template the outer
 *        map is made with, as libbpf does (inner_type 0 otherwise). Such a
 *        map's @init_slots index kbpf_elf.maps (the maps its slots get).
 * @values_off, @values_kind, @sec_idx, @sec_off: private: where the
 *        definition sits in the ELF, and its `values` member.
 */
struct kbpf_elf_map {
	const char *name;
	char kname[BPF_OBJ_NAME_LEN];
	enum kbpf_elf_map_kind kind;
	uint32_t type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	uint32_t numa_node;
	uint64_t map_extra;
	uint32_t btf_key_type_id;
	uint32_t btf_value_type_id;
	uint32_t pinning;
	const void *init_data;
	struct kbpf_map *map;
	int32_t *init_slots;
	uint32_t nr_init_slots;
	uint32_t inner_type;
	uint32_t inner_key_size;
	uint32_t inner_value_size;
	uint32_t inner_max_entries;
	uint32_t inner_map_flags;
	uint32_t values_off;
	uint32_t values_kind;
	uint32_t sec_idx;
	uint64_t sec_off;
};

/* Why a program parsed but cannot load on kbpf (kbpf_elf_prog.unsupported). */
enum kbpf_elf_unsupported {
	KBPF_ELF_UNSUP_NONE = 0,
	KBPF_ELF_UNSUP_CORE, /* CO-RE relocations, and kbpf has no target BTF */
	KBPF_ELF_UNSUP_KFUNC, /* calls an extern function the target BTF lacks */
	KBPF_ELF_UNSUP_EXTERN, /* reads an extern variable (.kconfig, .ksyms) */
	KBPF_ELF_UNSUP_ATTACH, /* a BTF attach target kbpf cannot serve */
};

/**
 * struct kbpf_elf_prog - one program of an object: a global function in an
 * executable section other than `.text`.
 * @name: the function's symbol name.
 * @sec_name: its section name ("raw_tp/sys_enter").
 * @attach_target: what follows the kind in @sec_name ("sys_enter" for
 *        "raw_tp/sys_enter", "sched/sched_switch" for
 *        "tp/sched/sched_switch"); "" if nothing follows.
 * @prog_type: enum bpf_prog_type from libbpf's section table, or
 *        BPF_PROG_TYPE_UNSPEC if the section name is not recognised (such a
 *        program does not load, as with libbpf).
 * @expected_attach_type: from the same table (BPF_XDP for "xdp", ...).
 * @prog_flags: BPF_F_SLEEPABLE for sleepable sections ("syscall",
 *        "uprobe.s/..."), BPF_F_XDP_HAS_FRAGS for "xdp.frags".
 * @sec_insn_off, @sec_insn_cnt: the function's own instructions within its
 *        section.
 * @insns: the relocated instructions in host byte order: the function,
 *        then each `.text` function it uses (directly or not), appended
 *        once, in libbpf's order; @insn_cnt of them.
 * @autoload: kbpf_elf_load() loads this program; true after parse. Clear
 *        it to skip a program (libbpf's bpf_program__set_autoload()).
 * @prog: after kbpf_elf_load(): the program, or NULL if not loaded; the
 *        object holds one reference, dropped by kbpf_elf_free().
 * @nr_core_relos: CO-RE relocation records (`.BTF.ext`) in the program's
 *        own instructions and the `.text` functions appended to it.
 * @attach_btf_id: tp_btf programs: the id of typedef btf_trace_<target> in
 *        the host BTF given at parse (kbpf_elf_opts.target_btf), passed to
 *        BPF_PROG_LOAD; 0 otherwise.
 * @unsupported: enum kbpf_elf_unsupported: a feature kbpf lacks that the
 *        parse found in this program (0: none); such a program parses (so
 *        `kbpf info` can show it) but is refused at load with -EOPNOTSUPP
 *        and @why as the message. CO-RE wins over the others; otherwise
 *        the first in instruction order is reported.
 * @why: NUL-terminated reason when @unsupported is set: what the program
 *        uses and where ("CO-RE relocation at insn 5: field byte offset of
 *        struct task_struct.real_parent"), "" otherwise.
 * @sec_idx: private: the ELF section index.
 */
struct kbpf_elf_prog {
	const char *name;
	const char *sec_name;
	const char *attach_target;
	uint32_t prog_type;
	uint32_t expected_attach_type;
	uint32_t prog_flags;
	uint32_t sec_insn_off;
	uint32_t sec_insn_cnt;
	struct bpf_insn *insns;
	uint32_t insn_cnt;
	bool autoload;
	struct kbpf_prog *prog;
	uint32_t nr_core_relos;
	uint32_t attach_btf_id;
	uint32_t unsupported;
	char why[192];
	uint32_t sec_idx;
};

/**
 * struct kbpf_elf - a parsed object. Read the public fields; do not change
 * them except kbpf_elf_prog.autoload, kbpf_elf_prog.prog_type and
 * .expected_attach_type (libbpf's bpf_program__set_type() and
 * set_expected_attach_type(), for sections that name no type, as loaders
 * such as libxdp's do), and kbpf_elf_map.max_entries (libbpf's
 * bpf_map__set_max_entries(), for maps the object leaves at 0), all
 * before the load.
 * @host: the host it was parsed with; all memory comes from its allocator.
 * @big_endian: the object is big-endian (`-target bpfeb`).
 * @license: the `license` section (NUL-terminated, at most 127 bytes),
 *        "" if absent.
 * @kern_version: the `version` section, 0 if absent.
 * @progs, @nr_progs: programs, in section order then offset.
 * @maps, @nr_maps: maps: BTF-defined, then legacy, then global data, each
 *        in section order.
 * @nr_core_relos: CO-RE relocation records in `.BTF.ext`; without target
 *        BTF (kbpf_elf_opts.target_btf), the programs that use them are
 *        refused at load.
 * @nr_core_applied: CO-RE relocations applied against the target BTF
 *        (counted once per program that carries them).
 * @has_btf: the object has a `.BTF` section.
 * @loaded: kbpf_elf_load() succeeded.
 * The rest is private.
 */
struct kbpf_elf {
	const struct kbpf_host *host;
	bool big_endian;
	char license[128];
	uint32_t kern_version;
	struct kbpf_elf_prog *progs;
	uint32_t nr_progs;
	struct kbpf_elf_map *maps;
	uint32_t nr_maps;
	uint32_t nr_core_relos;
	uint32_t nr_core_applied;
	bool has_btf;
	bool loaded;

	/* private */
	uint8_t *image; /* the loader's copy of the ELF file */
	size_t image_size;
	uint32_t *insn_caps; /* allocated instructions of each program */
	uint8_t *kconfig_data; /* the .kconfig map's value */
	size_t kconfig_size;
	struct kbpf_map **map_ptrs; /* nr_maps entries, for kbpf_prog_load */
	char obj_name[BPF_OBJ_NAME_LEN];
};

/**
 * struct kbpf_elf_opts - options of kbpf_elf_parse() and kbpf_elf_load();
 * zero means default for every field, and the pointer may be NULL.
 * @obj_name: the object's name for global data map names, as libbpf
 *        derives it from a file name: the base name up to its first '.'
 *        ("counter" for "/x/counter.bpf.o"); NULL: no prefix.
 * @errbuf, @errbuf_size: where the one-line reason of a failure goes
 *        (NUL-terminated, truncated to fit); NULL: not reported.
 * @log_buf, @log_size, @log_level: the verifier log of each program load
 *        (BPF_PROG_LOAD's log_buf/log_size/log_level, in kernel memory).
 *        Without one, the loader uses a 4 KiB buffer of its own at level 1
 *        and copies the last line of the log into @errbuf when a program is
 *        refused.
 * @helpers, @nr_helpers: the helper table for the programs (NULL: kbpf's
 *        default table); it must outlive the programs.
 * @target_btf, @target_btf_size: kbpf_elf_parse(): the host's BTF (raw
 *        `.BTF` bytes, as Linux exposes /sys/kernel/btf/vmlinux), against
 *        which CO-RE relocations are applied as libbpf applies them; only
 *        read during the parse. NULL: programs with CO-RE relocations are
 *        refused at load.
 * @kconfig: kbpf_elf_parse(): the values of `.kconfig` externs, as
 *        NAME=VALUE lines in Linux's .config syntax (`y`/`n`/`m`, numbers,
 *        "strings"; lines starting with '#' skipped), LINUX_KERNEL_VERSION
 *        and the other LINUX_* names libbpf computes included. The loader
 *        lays the externs out in a `.kconfig` map (frozen, read-only for
 *        programs) as libbpf does. A strong extern with no value, or with
 *        a value its type cannot hold, makes the programs that read it
 *        unsupported; a weak one reads as zero. NULL: no values.
 */
struct kbpf_elf_opts {
	const char *obj_name;
	char *errbuf;
	size_t errbuf_size;
	char *log_buf;
	uint32_t log_size;
	uint32_t log_level;
	const struct kbpf_helper *helpers;
	uint32_t nr_helpers;
	const void *target_btf;
	size_t target_btf_size;
	const char *kconfig;
};

/**
 * kbpf_elf_parse() - parse and relocate an ELF64 BPF object.
 * @h: host table (checked by the caller with kbpf_host_check()).
 * @buf: the object file's bytes; copied, so the caller may free @buf
 *       once this returns.
 * @size: bytes at @buf.
 * @opts: may be NULL.
 * @out: receives the object, to be freed with kbpf_elf_free().
 *
 * Context: syscall path or early boot; may sleep (allocates with the
 * host's sleeping allocator); takes no lock.
 * Return: 0; -ENOEXEC for a malformed object (not ELF64, not EM_BPF,
 * truncated, section/symbol/string offsets or indices out of range,
 * overlapping sections, misaligned programs, bad BTF or map definitions);
 * -EINVAL for a relocation that cannot be applied (against an unknown
 * symbol or section, at an instruction that is neither ld_imm64 nor a
 * call, a call into the middle of a function); -EOPNOTSUPP for
 * legacy map definitions longer than libbpf's with non-zero extra bytes,
 * static programs; -ENOMEM. Programs using what kbpf lacks parse (see
 * kbpf_elf_prog.unsupported).
 */
KBPF_API int kbpf_elf_parse(const struct kbpf_host *h, const void *buf,
			    size_t size, const struct kbpf_elf_opts *opts,
			    struct kbpf_elf **out);

/**
 * kbpf_elf_load() - create the maps and load the programs of @obj.
 * @obj: a parsed object, not yet loaded.
 * @opts: may be NULL; obj_name is not used here.
 *
 * Maps first, in @obj->maps order, through kbpf_map_create() with the
 * attributes shown in struct kbpf_elf_map; DATA and RODATA maps then get
 * their initial value (an update of key 0) and RODATA maps are frozen, as
 * libbpf freezes them. Then every program with autoload set, in order,
 * through kbpf_prog_load() with kernel pointers, the object's license and
 * version, its section's flags and expected attach type, and the name
 * truncated to 15 bytes. On failure everything created so far is released
 * and the object can be freed (not loaded again).
 *
 * Context: syscall path or early boot; may sleep.
 * Programs are checked before any map is created: a program to load that
 * kbpf cannot load (CO-RE, kfuncs, externs: kbpf_elf_prog.unsupported; an
 * unknown section; the other byte order) fails the load first. After each
 * program loads, the prog array slots that name it (`values`) are filled.
 *
 * Return: 0; -EBUSY if already loaded (or a map or program of it was
 * created with the functions below); -EOPNOTSUPP for a program using what
 * kbpf lacks (the message is the program's why) or an object whose byte
 * order differs from the host's; -ESRCH for a program whose section name
 * names no program type; -EBADF if a prog array's `values` slot names a
 * program whose autoload is off (libbpf fails such a load too); otherwise
 * the error of kbpf_elf_create_map() or
 * kbpf_elf_load_prog() (the message names the map or program and, for a
 * refused program, the log's last line).
 */
KBPF_API int kbpf_elf_load(struct kbpf_elf *obj,
			   const struct kbpf_elf_opts *opts);

/**
 * kbpf_elf_create_map() - create one map of @obj, as kbpf_elf_load() does
 * (initial value written, `.rodata*` frozen), for loaders that report on
 * each map and program separately (`kbpf load`).
 * @obj: a parsed object; @m: one of its maps, not yet created.
 * @opts: may be NULL; errbuf gets the reason of a failure.
 *
 * Context: syscall path or early boot; may sleep.
 * Return: 0; -EBUSY if @m exists; -EINVAL with "map type X is not
 * supported by kbpf" for a type kbpf lacks; -EOPNOTSUPP for map-in-map
 * (ARRAY_OF_MAPS, HASH_OF_MAPS: the loader builds no inner map template
 * yet); else kbpf_map_create()'s error.
 */
KBPF_API int kbpf_elf_create_map(struct kbpf_elf *obj, struct kbpf_elf_map *m,
				 const struct kbpf_elf_opts *opts);

/**
 * kbpf_elf_load_prog() - load one program of @obj with the maps created so
 * far (kbpf_elf_create_map()), then fill the prog array slots that name it.
 * @obj: a parsed object; @p: one of its programs, not yet loaded (autoload
 *       is not consulted).
 * @opts: as kbpf_elf_load()'s.
 *
 * Context: syscall path or early boot; may sleep.
 * Return: 0; -EBUSY if @p is loaded; -EOPNOTSUPP for an object of the
 * other byte order or a program using what kbpf lacks (@p->why); -ESRCH
 * for a section that names no program type; -EINVAL for a program type
 * kbpf does not load; -EBADF if a map it uses was not created; otherwise
 * kbpf_prog_load()'s error (the message carries the log's last line). The
 * message names the program and the reason.
 */
KBPF_API int kbpf_elf_load_prog(struct kbpf_elf *obj, struct kbpf_elf_prog *p,
				const struct kbpf_elf_opts *opts);

/**
 * kbpf_elf_free() - drop the object's references on its maps and programs
 * and free it. NULL is fine.
 *
 * Context: syscall path; does not sleep unless the host's free does.
 */
KBPF_API void kbpf_elf_free(struct kbpf_elf *obj);

/**
 * kbpf_elf_find_prog() - the program named @name (a symbol name), or NULL.
 * kbpf_elf_find_map() - the map whose name or kname is @name, or NULL.
 *
 * Context: any; no allocation.
 */
KBPF_API struct kbpf_elf_prog *kbpf_elf_find_prog(struct kbpf_elf *obj,
						  const char *name);
KBPF_API struct kbpf_elf_map *kbpf_elf_find_map(struct kbpf_elf *obj,
						const char *name);

/**
 * kbpf_elf_sec_def() - libbpf's section-name convention: the program type,
 * expected attach type and flags a section named @sec_name gives.
 * @attach: receives a pointer into @sec_name to the attach target ("" if
 *          none); may be NULL.
 *
 * Context: any. Return: 0, or -ESRCH if no convention matches (then the
 * outputs are zero).
 */
KBPF_API int kbpf_elf_sec_def(const char *sec_name, uint32_t *prog_type,
			      uint32_t *expected_attach_type,
			      uint32_t *prog_flags, const char **attach);

/**
 * kbpf_elf_prog_type_name() - "xdp" for BPF_PROG_TYPE_XDP ... (bpftool's
 * names); "?" for an unknown type.
 * kbpf_elf_map_type_name() - "hash" for BPF_MAP_TYPE_HASH ...; "?" for an
 * unknown type.
 *
 * Context: any. Return: a static string.
 */
KBPF_API const char *kbpf_elf_prog_type_name(uint32_t type);
KBPF_API const char *kbpf_elf_map_type_name(uint32_t type);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_LOADER_H */
