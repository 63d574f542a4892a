/* SPDX-License-Identifier: MIT */
/*
 * One reader of BTF (the BPF Type Format) for all of kbpf: the object
 * loader's `.BTF`, CO-RE's local and target BTF, tracing programs'
 * attach_btf_id against the host's BTF, and the BTF objects of
 * BPF_BTF_LOAD (whose Linux checks are btf_verify.c).
 *
 * kbpf_btf_parse() validates a blob once: the header, the type and string
 * areas against the blob, every type record's length against the type
 * area (all kinds Linux 6.18 knows), the string area's NULs, and with
 * KBPF_BTF_F_STRICT the rest of Linux's structural rules. After it
 * succeeds, every record of ids 1..nr_types-1 lies whole inside the type
 * area, so the accessors below read records without further checks; ids,
 * string offsets and type chains that come from the records themselves are
 * still checked by the functions that follow them (kbpf_btf_type(),
 * kbpf_btf_str(), kbpf_btf_skip_mods(), ...), so unvalidated references
 * cannot read out of bounds and cycles cannot hang.
 *
 * The view does not copy the blob: the caller keeps the bytes alive and
 * unchanged while the view is used. It depends on src/core only.
 */
#ifndef KBPF_BTF_BTF_H
#define KBPF_BTF_BTF_H

#include "core/compiler.h"
#include "core/object.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf/uapi/btf.h"

struct kbpf_host;
struct kbpf_vlog;

#define KBPF_BTF_HDR_SIZE 24 /* struct btf_header */
#define KBPF_BTF_REC_SIZE 12 /* struct btf_type */
/* Longest typedef/qualifier/array chain followed before giving up. */
#define KBPF_BTF_MAX_DEPTH 32

/* kbpf_btf_parse() flags. */
#define KBPF_BTF_F_LE 0x1 /* the blob must be little-endian */
#define KBPF_BTF_F_BE 0x2 /* the blob must be big-endian */
/*
 * Linux's rules for BTF from user space (BPF_BTF_LOAD), on top of the
 * ones always applied: header flags 0 and any header bytes past the 24
 * known ones zero; the two areas neither overlap nor leave gaps nor
 * leave bytes unused; at most BTF_MAX_NAME_OFFSET bytes of strings; every
 * name offset (types, members, enumerators, parameters) inside the string
 * area; every type id a record refers to below nr_types; kinds without a
 * vlen have vlen 0.
 */
#define KBPF_BTF_F_STRICT 0x4
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define KBPF_BTF_F_NATIVE KBPF_BTF_F_BE
#else
#define KBPF_BTF_F_NATIVE KBPF_BTF_F_LE
#endif

/* A parsed, read-only view of one BTF blob. Zeroed: no BTF. */
struct kbpf_btf_view {
	const uint8_t *types; /* the type area */
	uint32_t types_len;
	const char *strs; /* the string area; strs[strs_len - 1] == 0 */
	uint32_t strs_len;
	uint32_t nr_types; /* ids 1..nr_types-1 are types; 0 is void; 0: none */
	bool be; /* the blob is big-endian */
	uint32_t *type_off; /* per id, its record's offset; NULL: not indexed */
	const struct kbpf_host *h; /* allocated type_off; NULL if not indexed */
};

/*
 * Parse and validate the @size bytes at @data (header first) into @b.
 * @flags: KBPF_BTF_F_LE or KBPF_BTF_F_BE to require a byte order (neither:
 * either order, told by the magic), KBPF_BTF_F_STRICT for Linux's rules.
 * @h: allocate an index of the records (4 bytes per type) from this host,
 * so kbpf_btf_type() is O(1); NULL: no allocation, kbpf_btf_type() walks
 * the type area (O(types) per call).
 * @why: if not NULL, receives on failure a static one-line reason
 * ("bad magic ...", "... type area ...", "... NUL ...").
 * Returns 0; -EINVAL if the bytes are not valid BTF (NULL @data, short
 * header, magic or order, version, header length, areas out of bounds or
 * misaligned, string area not NUL-framed, a record overrunning the type
 * area or of an unknown kind, too many types, and the strict rules);
 * -ENOMEM if the index cannot be allocated. With KBPF_BTF_F_STRICT, Linux's
 * errnos where they are not -EINVAL: -ENOTSUPP (524, kernel-internal, as
 * BPF_BTF_LOAD returns it) for a version other than 1 or nonzero header
 * flags, -E2BIG for nonzero header bytes past the known ones. When several
 * rules are broken, which one is reported may differ from Linux's choice.
 * On failure @b is zeroed and
 * owns nothing. The view borrows @data; free it with kbpf_btf_free().
 */
int kbpf_btf_parse(struct kbpf_btf_view *b, const struct kbpf_host *h,
		   const void *data, size_t size, uint32_t flags,
		   const char **why);

/* Release what kbpf_btf_parse() allocated and zero @b; zeroed @b is a no-op. */
void kbpf_btf_free(struct kbpf_btf_view *b);

/*
 * Bytes of kind-specific data after the 12-byte record of @kind with
 * @vlen entries; -1 for a kind Linux does not define.
 */
int64_t kbpf_btf_extra_size(uint32_t kind, uint32_t vlen);

/* A 32-bit word of the blob at @p, in the blob's byte order. */
static inline uint32_t kbpf_btf_rd32(const struct kbpf_btf_view *b,
				     const void *p)
{
	const uint8_t *q = p;

	if (b->be)
		return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
		       (uint32_t)q[2] << 8 | q[3];
	return (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 |
	       (uint32_t)q[1] << 8 | q[0];
}

/*
 * The record of type @id, or NULL for id 0 (void), ids >= nr_types, or a
 * view that holds no BTF.
 */
const uint8_t *kbpf_btf_type(const struct kbpf_btf_view *b, uint32_t id);

/* Fields of a record @t returned by kbpf_btf_type(). */
static inline uint32_t kbpf_btf_name_off(const struct kbpf_btf_view *b,
					 const uint8_t *t)
{
	return kbpf_btf_rd32(b, t);
}

static inline uint32_t kbpf_btf_info(const struct kbpf_btf_view *b,
				     const uint8_t *t)
{
	return kbpf_btf_rd32(b, t + 4);
}

static inline uint32_t kbpf_btf_kind(const struct kbpf_btf_view *b,
				     const uint8_t *t)
{
	return BTF_INFO_KIND(kbpf_btf_info(b, t));
}

static inline uint32_t kbpf_btf_vlen(const struct kbpf_btf_view *b,
				     const uint8_t *t)
{
	return BTF_INFO_VLEN(kbpf_btf_info(b, t));
}

static inline bool kbpf_btf_kflag(const struct kbpf_btf_view *b,
				  const uint8_t *t)
{
	return BTF_INFO_KFLAG(kbpf_btf_info(b, t));
}

/* size_or_type: a size (INT, composites, enums, DATASEC, FLOAT) or a type id. */
static inline uint32_t kbpf_btf_st(const struct kbpf_btf_view *b,
				   const uint8_t *t)
{
	return kbpf_btf_rd32(b, t + 8);
}

/*
 * The word @w (0-based) of @t's kind-specific data: INT's encoding word
 * (0); ARRAY's element type (0), index type (1), nelems (2); VAR's linkage
 * (0); DECL_TAG's component index (0). Only for those kinds.
 */
static inline uint32_t kbpf_btf_data32(const struct kbpf_btf_view *b,
				       const uint8_t *t, uint32_t w)
{
	return kbpf_btf_rd32(b, t + KBPF_BTF_REC_SIZE + 4 * w);
}

/*
 * Entry @i of @t's vlen list: a member (STRUCT, UNION: name, type,
 * offset), an enumerator (ENUM: name, value; ENUM64: name, lo32, hi32), a
 * parameter (FUNC_PROTO: name, type) or a variable (DATASEC: type, offset,
 * size). NULL if @i >= vlen or @t's kind has no list.
 */
const uint8_t *kbpf_btf_vrec(const struct kbpf_btf_view *b, const uint8_t *t,
			     uint32_t i);

/* Member @i (< vlen) of composite @t: its offset in bits (kind_flag aware). */
uint32_t kbpf_btf_member_bit_off(const struct kbpf_btf_view *b,
				 const uint8_t *t, uint32_t i);
/* ... and its bitfield size in bits, 0 if it is not a bitfield. */
uint32_t kbpf_btf_member_bitfield_size(const struct kbpf_btf_view *b,
				       const uint8_t *t, uint32_t i);

/*
 * The NUL-terminated string at offset @off of the string area, or NULL if
 * @off is outside it (the area ends in a NUL, so the string does too).
 */
static inline const char *kbpf_btf_str(const struct kbpf_btf_view *b,
				       uint32_t off)
{
	return off < b->strs_len ? b->strs + off : NULL;
}

/* The name of record @t: a string, "" for anonymous, NULL if out of range. */
static inline const char *kbpf_btf_name(const struct kbpf_btf_view *b,
					const uint8_t *t)
{
	return kbpf_btf_str(b, kbpf_btf_name_off(b, t));
}

/*
 * libbpf's skip_mods_and_typedefs(): follow TYPEDEF, VOLATILE, CONST,
 * RESTRICT and TYPE_TAG from @id. Returns the first other record, or NULL
 * if the chain reaches void, a bad id, or is longer than
 * KBPF_BTF_MAX_DEPTH. @res_id (may be NULL) receives the id reached: 0
 * exactly when the chain ends in void.
 */
const uint8_t *kbpf_btf_skip_mods(const struct kbpf_btf_view *b, uint32_t id,
				  uint32_t *res_id);

/*
 * libbpf's btf__resolve_size(): the size in bytes of type @id, through
 * modifiers, typedefs, VAR, DECL_TAG and arrays (pointers are 8 bytes).
 * Returns the size (>= 0); -EINVAL for void, bad ids, kinds without a
 * size (FWD, FUNC, FUNC_PROTO) or chains longer than KBPF_BTF_MAX_DEPTH;
 * -E2BIG if the size does not fit in 32 bits.
 */
int64_t kbpf_btf_resolve_size(const struct kbpf_btf_view *b, uint32_t id);

/*
 * libbpf's btf__align_of(): the alignment of type @id (INT, ENUM, ENUM64,
 * FLOAT: min(size, 8); PTR: 8; arrays: their element's; composites: their
 * members' largest, or 1 if packed). Returns it, or 0 if it cannot be
 * determined (bad ids, other kinds, too deep, a zero-sized scalar).
 */
uint32_t kbpf_btf_align_of(const struct kbpf_btf_view *b, uint32_t id);

/*
 * libbpf's btf__find_by_name_kind(): the lowest id of a type of @kind
 * named exactly @name, or 0 if there is none. O(types).
 */
uint32_t kbpf_btf_find(const struct kbpf_btf_view *b, uint32_t kind,
		       const char *name);

/* ---- the host's BTF (kbpf_host.btf), src/btf/host_btf.c ---- */

/**
 * struct kbpf_host_btf - kbpf_host.btf parsed and indexed once, shared by
 * every load of a host (kbpf_state.host_btf) and freed with its last
 * reference.
 * @view: the indexed view of the bytes; read-only once published.
 * @data, @size: the kbpf_host.btf and btf_size it was parsed from: a load
 *               that finds others parses them and replaces the view.
 * @refs: one for kbpf_state.host_btf while it points here, one per load
 *        holding it (atomic).
 * @names, @names_mask: the ids of the named types by a hash of the name
 *        (open addressing, @names_mask + 1 slots, 0: empty), for
 *        kbpf_host_btf_find().
 */
struct kbpf_host_btf {
	struct kbpf_btf_view view;
	const void *data;
	size_t size;
	uint32_t refs;
	uint32_t names_mask;
	uint32_t *names;
};

/**
 * kbpf_host_btf_get() - the parsed host BTF, with a reference.
 * @h: the host; with kbpf_host.state the view is parsed once and shared
 *     (parsed again only after kbpf_host_btf_release() or when
 *     kbpf_host.btf or btf_size changed), without it each call parses.
 * @out: receives the view; NULL on failure.
 *
 * Two loads that find no view parse at once, without a lock held; the
 * first to publish wins and the other frees its own and takes the
 * winner's.
 *
 * Context: syscall path; may sleep (allocates); takes
 * kbpf_state.btf_lock briefly, never across the parse.
 * Return: 0; -EINVAL if the host has no BTF, its header flags are not 0,
 * or it is not valid BTF in the host's byte order (not cached: the next
 * call parses again); -ENOMEM if the view or its index cannot be
 * allocated (nothing kept: the next call retries). The caller drops the
 * reference with kbpf_host_btf_put().
 */
int kbpf_host_btf_get(const struct kbpf_host *h, struct kbpf_host_btf **out);

/*
 * Drop a reference from kbpf_host_btf_get(); the last one frees the view.
 * NULL is ignored. Any context that may free memory.
 */
void kbpf_host_btf_put(const struct kbpf_host *h, struct kbpf_host_btf *hb);

/*
 * kbpf_btf_find() on the host BTF through its name index: the lowest id
 * of a type of @kind named exactly @name, or 0. O(1) expected. Reads
 * @hb only (any context).
 */
uint32_t kbpf_host_btf_find(const struct kbpf_host_btf *hb, uint32_t kind,
			    const char *name);

/* kbpf_state.btf_parses of @h (0 without kbpf_host.state). For tests. */
uint32_t kbpf_host_btf_parses(const struct kbpf_host *h);

/* ---- BTF objects (BPF_BTF_LOAD), src/btf/btf_obj.c and btf_verify.c ---- */

/* Linux's BTF_MAX_SIZE: BPF_BTF_LOAD refuses larger blobs with -E2BIG. */
#define KBPF_BTF_MAX_SIZE (16u * 1024 * 1024)

/**
 * struct kbpf_btf - a BTF object: what BPF_BTF_LOAD creates and an fd or an
 * id names; maps created with its type ids hold a reference.
 * @obj: the common header (type KBPF_OBJ_BTF).
 * @data: the blob as loaded (its own copy), @data_size bytes.
 * @hdr_len: the header's length; @str_start: offset of the string area in
 *           @data; @str_len: its length.
 * @nr_types: types including void (id 0); 0 until the first is checked.
 * @types_cap: entries allocated in @type_off.
 * @type_off: per id, the offset of its record in @data.
 * @resolved_ids, @resolved_sizes: per id (@nr_types entries), the id and
 *           size its chain resolved to, as Linux keeps them.
 * Immutable once loaded; freed by the last kbpf_obj_put().
 */
struct kbpf_btf {
	struct kbpf_obj obj;
	uint8_t *data;
	uint32_t data_size;
	uint32_t hdr_len;
	uint32_t str_start;
	uint32_t str_len;
	uint32_t nr_types;
	uint32_t types_cap;
	uint32_t *type_off;
	uint32_t *resolved_ids;
	uint32_t *resolved_sizes;
};

/**
 * kbpf_btf_verify() - Linux 6.18's checks of BTF from user space
 * (btf_parse()) on @btf->data, filling @btf's type table and resolution.
 * @h: the host (allocations).
 * @btf: data and data_size set, the rest zero; on failure what was
 *       allocated stays in @btf for its release to free.
 * @log: Linux's log lines go here (header, one line per type, the error);
 *       may be NULL.
 *
 * Context: syscall path; may sleep (allocates).
 * Return: 0; -EINVAL for a broken rule; -ENOTSUPP (524) for a version other
 * than 1, nonzero header flags or an unknown INT encoding; -E2BIG for
 * nonzero header bytes past the 24 known ones or more than 2^20 - 1
 * types; -ELOOP for a modifier chain longer than 32; -ENOMEM.
 */
int kbpf_btf_verify(const struct kbpf_host *h, struct kbpf_btf *btf,
		    struct kbpf_vlog *log);

/**
 * kbpf_sys_btf_load() - BPF_BTF_LOAD: btf_flags (only BPF_F_TOKEN_FD;
 * kbpf keeps no tokens, so a token fd is -EBADF if not open, else
 * -EINVAL), CAP_BPF (-EPERM), btf_size at most KBPF_BTF_MAX_SIZE (-E2BIG),
 * the log attributes (-EINVAL), the copy (-EFAULT), kbpf_btf_verify();
 * btf_log_true_size is written back when the attr reaches it. A log that
 * did not fit turns any result into -ENOSPC, as in Linux. Returns the new
 * fd (read-only), or the errno.
 *
 * Context: syscall path; may sleep.
 */
long kbpf_sys_btf_load(const struct kbpf_host *h, union bpf_attr *attr,
		       void *uattr, unsigned int size);

/**
 * kbpf_btf_get_info() - BPF_OBJ_GET_INFO_BY_FD for @btf: struct
 * bpf_btf_info with Linux's rules (bytes past the structure must be zero:
 * -E2BIG; the blob copied up to btf_size, the full size reported; name and
 * name_len both set or both zero: -EINVAL; a name buffer too short gets
 * what fits, NUL-terminated, and -ENOSPC). kbpf's BTF objects all come
 * from user space: the name is "" and kernel_btf 0.
 *
 * Context: syscall path; may sleep.
 * Return: 0 or the errno above; -EFAULT for unwritable user memory.
 */
long kbpf_btf_get_info(const struct kbpf_host *h, struct kbpf_btf *btf,
		       union bpf_attr *attr, void *uattr);

/**
 * kbpf_btf_fd_get() - the BTF object of @fd, with a reference the caller
 * drops with kbpf_obj_put(&btf->obj).
 *
 * Context: syscall path.
 * Return: 0; -EBADF if @fd is not open; -EINVAL if it is not a BTF object.
 */
int kbpf_btf_fd_get(const struct kbpf_host *h, int fd, struct kbpf_btf **btf);

/**
 * kbpf_btf_type_id_size() - Linux's btf_type_id_size() on a loaded @btf:
 * follow @id through modifiers and variables to a type with a size.
 * Returns that type's record and sets *@id to its id and *@size (if not
 * NULL) to its size; NULL for void, FWD, FUNC, FUNC_PROTO, a bad id or a
 * chain without a size.
 */
const uint8_t *kbpf_btf_type_id_size(const struct kbpf_btf *btf, uint32_t *id,
				     uint32_t *size);

/* The record of @id in loaded @btf; NULL for id 0 or past the last. */
const uint8_t *kbpf_btf_obj_type(const struct kbpf_btf *btf, uint32_t id);

/**
 * kbpf_btf_spin_lock_off() - where the bpf_spin_lock of a map value is, as
 * Linux 6.18's btf_parse_fields() finds it (src/btf/btf_fields.c has the
 * rules): @value is the value's type record in @btf, as
 * kbpf_btf_type_id_size() returned it, of @value_size bytes.
 *
 * Context: any; reads @btf only.
 * Return: 0 with *@off the lock's byte offset, or -1 when the value has
 * none; -E2BIG (two in one struct, nesting too deep), -EINVAL (an array of
 * locks, a member off a byte boundary), -EEXIST (overlapping locks) or
 * -EFAULT (a lock past @value_size): the errors of Linux's record, which
 * map creation ignores as Linux does (the map then has no lock).
 */
int kbpf_btf_spin_lock_off(const struct kbpf_btf *btf, const uint8_t *value,
			   uint32_t value_size, int32_t *off);

/**
 * kbpf_btf_value_fields() - as kbpf_btf_spin_lock_off() for the special
 * fields map creation looks for: the bpf_spin_lock (*@lock_off) and the
 * struct bpf_timer (*@timer_off, 16 bytes, 8-byte aligned), each -1 when
 * absent. One record: a broken rule for either kind (two timers in one
 * struct: -E2BIG; a timer overlapping the lock: -EEXIST) is the error of
 * both, which map creation ignores as Linux does.
 *
 * Context: any; reads @btf only.
 * Return: 0, or the errors of kbpf_btf_spin_lock_off().
 */
int kbpf_btf_value_fields(const struct kbpf_btf *btf, const uint8_t *value,
			  uint32_t value_size, int32_t *lock_off,
			  int32_t *timer_off);

/**
 * kbpf_btf_check_struct_metas() - BPF_BTF_LOAD's last check, Linux's
 * btf_parse_struct_metas() for bpf_spin_lock: every struct or union with a
 * member whose type is the first STRUCT named bpf_spin_lock must have a
 * lock kbpf_btf_spin_lock_off() accepts.
 *
 * Context: syscall path; reads a verified @btf only.
 * Return: 0; the errno of kbpf_btf_spin_lock_off() for such a struct;
 * -EFAULT when it finds no lock in it (a misaligned or mis-sized one).
 */
int kbpf_btf_check_struct_metas(const struct kbpf_btf *btf);

#endif /* KBPF_BTF_BTF_H */
