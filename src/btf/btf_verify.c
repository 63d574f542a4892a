// SPDX-License-Identifier: MIT
/*
 * BPF_BTF_LOAD's validation: what Linux 6.18's btf_parse() (kernel/bpf/btf.c)
 * checks on BTF from user space, in its order, with its errnos and its log
 * lines, written from its observable behaviour (measured against this
 * machine's kernel by tests/unit/btf/test_btf_load_diff.c).
 *
 * The checks run in Linux's phases:
 *  1. the header: hdr_len, the bytes past the 24 known ones, magic,
 *     version, flags, then the two areas sorted by offset must tile the
 *     data after the header (gaps, overlaps, lengths);
 *  2. the string area: last in the blob, NUL-framed, at most 16 MiB;
 *  3. every record in turn ("meta" checks): its header word, its kind, its
 *     name offset, then the kind's own rules (names, vlen, kind_flag,
 *     sizes, members, enumerators, variables of a section). With a log
 *     level, each record is logged as Linux logs it ("[1] INT int size=4
 *     ...");
 *  4. every record again ("resolve"): type ids must exist, chains must end
 *     in a type with a size without loops or more than 32 steps (Linux's
 *     depth-first walk with its three modes: a pointer ends a struct's
 *     chain, a struct or array ends a pointer's), members must fit their
 *     struct, function prototypes' return and argument types must have a
 *     size;
 *  5. type tags must come before the other modifiers of a chain.
 * Linux keeps, per type, the id and size each chain resolved to; so does
 * kbpf (struct kbpf_btf.resolved_ids/sizes), for BPF_MAP_CREATE's key and
 * value checks.
 *
 * Records are read with memcpy: a header longer than 24 bytes may leave
 * them unaligned. No locks; syscall path only.
 */
#include "btf/btf.h"

#include "core/alloc.h"
#include "core/util.h"
#include "core/vlog.h"

#define MAX_RESOLVE_DEPTH 32
#define BTF_INFO_MASK 0x9f00ffffu
#define BTF_INT_MASK 0x0fffffffu
#define KSYM_NAME_LEN 512
#define LINE_SIZE 1024 /* Linux's BPF_VERIFIER_TMP_LOG_SIZE */

enum { NOT_VISITED, VISITED, RESOLVED };
enum { RESOLVE_TBD, RESOLVE_PTR, RESOLVE_STRUCT_OR_ARRAY };
enum { CHECK_META, CHECK_TYPE };

struct bv {
	struct kbpf_btf *btf;
	const uint8_t *data;
	uint32_t size;
	/* The header as Linux copies it: min(hdr_len, 24) bytes, rest 0. */
	uint8_t hdr[KBPF_BTF_HDR_SIZE];
	const uint8_t *nohdr;
	uint32_t cap; /* entries of btf->type_off */
	uint8_t *visit;
	struct {
		uint32_t id;
		uint16_t next_member;
	} stack[MAX_RESOLVE_DEPTH];
	uint32_t top;
	int mode;
	int phase;
	uint32_t log_id;
	/*
	 * The member type id Linux's member log line shows while resolving:
	 * a modifier's member is checked (and logged) with its resolved id.
	 */
	uint32_t mtid;
	struct kbpf_vlog *log;
	const struct kbpf_host *h;
	char line[LINE_SIZE];
};

/* Linux's btf_void: a record of zeros (kind 0), for id 0. */
static const uint8_t btf_void_rec[16];

static const char *const kind_str[NR_BTF_KINDS] = {
	[BTF_KIND_UNKN] = "UNKNOWN",	  [BTF_KIND_INT] = "INT",
	[BTF_KIND_PTR] = "PTR",		  [BTF_KIND_ARRAY] = "ARRAY",
	[BTF_KIND_STRUCT] = "STRUCT",	  [BTF_KIND_UNION] = "UNION",
	[BTF_KIND_ENUM] = "ENUM",	  [BTF_KIND_FWD] = "FWD",
	[BTF_KIND_TYPEDEF] = "TYPEDEF",	  [BTF_KIND_VOLATILE] = "VOLATILE",
	[BTF_KIND_CONST] = "CONST",	  [BTF_KIND_RESTRICT] = "RESTRICT",
	[BTF_KIND_FUNC] = "FUNC",	  [BTF_KIND_FUNC_PROTO] = "FUNC_PROTO",
	[BTF_KIND_VAR] = "VAR",		  [BTF_KIND_DATASEC] = "DATASEC",
	[BTF_KIND_FLOAT] = "FLOAT",	  [BTF_KIND_DECL_TAG] = "DECL_TAG",
	[BTF_KIND_TYPE_TAG] = "TYPE_TAG", [BTF_KIND_ENUM64] = "ENUM64",
};

/* ---- reading ---- */

static uint32_t rd(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint32_t t_name(const uint8_t *t)
{
	return rd(t);
}

static uint32_t t_info(const uint8_t *t)
{
	return rd(t + 4);
}

static uint32_t t_kind(const uint8_t *t)
{
	return BTF_INFO_KIND(t_info(t));
}

static uint32_t t_vlen(const uint8_t *t)
{
	return BTF_INFO_VLEN(t_info(t));
}

static bool t_kflag(const uint8_t *t)
{
	return BTF_INFO_KFLAG(t_info(t));
}

static uint32_t t_st(const uint8_t *t)
{
	return rd(t + 8);
}

/* Word @w of the kind-specific data. */
static uint32_t t_w(const uint8_t *t, uint32_t w)
{
	return rd(t + KBPF_BTF_REC_SIZE + 4 * w);
}

static uint32_t hdr32(const struct bv *e, uint32_t off)
{
	return rd(e->hdr + off);
}

#define H_HDR_LEN 4
#define H_TYPE_OFF 8
#define H_TYPE_LEN 12
#define H_STR_OFF 16
#define H_STR_LEN 20

static const uint8_t *obj_by_id(const struct kbpf_btf *b, uint32_t id)
{
	if (id >= b->nr_types)
		return NULL;
	if (!id)
		return btf_void_rec;
	return b->data + b->type_off[id];
}

static const uint8_t *by_id(const struct bv *e, uint32_t id)
{
	return obj_by_id(e->btf, id);
}

const uint8_t *kbpf_btf_obj_type(const struct kbpf_btf *btf, uint32_t id)
{
	return id ? obj_by_id(btf, id) : NULL;
}

static bool is_void(const uint8_t *t)
{
	return t == btf_void_rec;
}

static bool is_modifier(const uint8_t *t)
{
	switch (t_kind(t)) {
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return true;
	}
	return false;
}

static bool is_k(const uint8_t *t, uint32_t kind)
{
	return t_kind(t) == kind;
}

static bool is_struct(const uint8_t *t)
{
	return is_k(t, BTF_KIND_STRUCT) || is_k(t, BTF_KIND_UNION);
}

static bool nosize(const uint8_t *t)
{
	return is_void(t) || is_k(t, BTF_KIND_FWD) || is_k(t, BTF_KIND_FUNC) ||
	       is_k(t, BTF_KIND_FUNC_PROTO);
}

static bool nosize_or_null(const uint8_t *t)
{
	return !t || nosize(t);
}

static bool source_only(const uint8_t *t)
{
	return is_k(t, BTF_KIND_VAR) || is_k(t, BTF_KIND_DECL_TAG) ||
	       is_k(t, BTF_KIND_DATASEC);
}

static bool needs_resolve(const uint8_t *t)
{
	return is_modifier(t) || is_k(t, BTF_KIND_PTR) || is_struct(t) ||
	       is_k(t, BTF_KIND_ARRAY) || is_k(t, BTF_KIND_VAR) ||
	       is_k(t, BTF_KIND_FUNC) || is_k(t, BTF_KIND_DECL_TAG) ||
	       is_k(t, BTF_KIND_DATASEC);
}

static bool has_size(const uint8_t *t)
{
	switch (t_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_DATASEC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_ENUM64:
		return !is_void(t);
	}
	return false;
}

static int __attribute__((format(printf, 3, 4)))
btf_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kbpf_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* ---- strings and names ---- */

static bool name_offset_valid(const struct bv *e, uint32_t off)
{
	return off <= BTF_MAX_NAME_OFFSET && off < e->btf->str_len;
}

static const char *str_by_offset(const struct bv *e, uint32_t off)
{
	if (off < e->btf->str_len)
		return (const char *)e->btf->data + e->btf->str_start + off;
	return NULL;
}

static const char *name_for_log(const struct bv *e, uint32_t off)
{
	const char *s;

	if (!off)
		return "(anon)";
	s = str_by_offset(e, off);
	return s ? s : "(invalid-name-offset)";
}

/*
 * Linux's <linux/ctype.h> classes for bytes 128..255 (Latin-1): letters
 * 192-214, 216-246, 248-255; printable 160-255.
 */
static bool ct_alpha(uint8_t c)
{
	if (c < 128)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
	return c >= 192 && c != 215 && c != 247;
}

static bool ct_alnum(uint8_t c)
{
	return ct_alpha(c) || (c >= '0' && c <= '9');
}

static bool ct_print(uint8_t c)
{
	return (c >= 32 && c < 127) || c >= 160;
}

static bool name_char_ok(uint8_t c, bool first)
{
	return (first ? ct_alpha(c) : ct_alnum(c)) || c == '_' || c == '.';
}

/* C-style identifier (dots allowed), at most KSYM_NAME_LEN bytes. */
static bool name_valid_identifier(const struct bv *e, uint32_t off)
{
	const char *s = str_by_offset(e, off);
	uint32_t i;

	if (!s || !name_char_ok((uint8_t)s[0], true))
		return false;
	for (i = 1; s[i] && i < KSYM_NAME_LEN; i++)
		if (!name_char_ok((uint8_t)s[i], false))
			return false;
	return !s[i];
}

/* Any printable bytes, not empty, at most KSYM_NAME_LEN bytes. */
static bool name_valid_section(const struct bv *e, uint32_t off)
{
	const char *s = str_by_offset(e, off);
	uint32_t i;

	if (!s || !s[0])
		return false;
	for (i = 0; s[i] && i < KSYM_NAME_LEN; i++)
		if (!ct_print((uint8_t)s[i]))
			return false;
	return !s[i];
}

/* ---- the log ---- */

static bool log_needed(const struct bv *e)
{
	return e->log && (e->log->level || e->log->counting);
}

/* One call of Linux's bpf_verifier_vlog(): formatted, cut at 1023 bytes. */
static void __attribute__((format(printf, 2, 3)))
vlog(struct bv *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!log_needed(e))
		return;
	va_start(ap, fmt);
	n = kbpf_vsnprintf(e->line, sizeof(e->line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(e->line) - 1)
		n = (int)sizeof(e->line) - 1;
	kbpf_vlog_write(e->log, e->line, (size_t)n);
}

static void log_details(struct bv *e, const uint8_t *t)
{
	uint32_t v, i, n, kind = t_kind(t);

	switch (kind) {
	case BTF_KIND_INT:
		v = t_w(t, 0);
		vlog(e, "size=%u bits_offset=%u nr_bits=%u encoding=%s",
		     t_st(t), BTF_INT_OFFSET(v), BTF_INT_BITS(v),
		     BTF_INT_ENCODING(v) == 0		   ? "(none)" :
		     BTF_INT_ENCODING(v) == BTF_INT_SIGNED ? "SIGNED" :
		     BTF_INT_ENCODING(v) == BTF_INT_CHAR   ? "CHAR" :
		     BTF_INT_ENCODING(v) == BTF_INT_BOOL   ? "BOOL" :
							     "UNKN");
		break;
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_FUNC:
		vlog(e, "type_id=%u", t_st(t));
		break;
	case BTF_KIND_ARRAY:
		vlog(e, "type_id=%u index_type_id=%u nr_elems=%u", t_w(t, 0),
		     t_w(t, 1), t_w(t, 2));
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_DATASEC:
		vlog(e, "size=%u vlen=%u", t_st(t), t_vlen(t));
		break;
	case BTF_KIND_FWD:
		vlog(e, "%s", t_kflag(t) ? "union" : "struct");
		break;
	case BTF_KIND_FUNC_PROTO:
		n = t_vlen(t);
		vlog(e, "return=%u args=(", t_st(t));
		if (!n) {
			vlog(e, "void");
		} else if (n == 1 && !t_w(t, 1)) {
			vlog(e, "vararg");
		} else {
			vlog(e, "%u %s", t_w(t, 1), name_for_log(e, t_w(t, 0)));
			for (i = 1; i < n - 1; i++)
				vlog(e, ", %u %s", t_w(t, 2 * i + 1),
				     name_for_log(e, t_w(t, 2 * i)));
			if (n > 1) {
				if (t_w(t, 2 * (n - 1) + 1))
					vlog(e, ", %u %s",
					     t_w(t, 2 * (n - 1) + 1),
					     name_for_log(e,
							  t_w(t, 2 * (n - 1))));
				else
					vlog(e, ", vararg");
			}
		}
		vlog(e, ")");
		break;
	case BTF_KIND_VAR:
		vlog(e, "type_id=%u linkage=%u", t_st(t), t_w(t, 0));
		break;
	case BTF_KIND_FLOAT:
		vlog(e, "size=%u", t_st(t));
		break;
	case BTF_KIND_DECL_TAG:
		vlog(e, "type=%u component_idx=%d", t_st(t),
		     (int32_t)t_w(t, 0));
		break;
	default:
		break;
	}
}

/*
 * Linux's __btf_verifier_log_type(): "[id] KIND name[ details][ msg]\n".
 * @msg NULL: the record's plain line.
 */
static void log_type_x(struct bv *e, const uint8_t *t, bool details,
		       const char *msg)
{
	if (!log_needed(e))
		return;
	vlog(e, "[%u] %s %s%s", e->log_id, kind_str[t_kind(t)],
	     name_for_log(e, t_name(t)), details ? " " : "");
	if (details)
		log_details(e, t);
	if (msg && *msg) {
		vlog(e, " ");
		vlog(e, "%s", msg);
	}
	vlog(e, "\n");
}

static void log_type(struct bv *e, const uint8_t *t, const char *msg)
{
	log_type_x(e, t, true, msg);
}

static void log_basic(struct bv *e, const uint8_t *t, const char *msg)
{
	log_type_x(e, t, false, msg);
}

static void log_member(struct bv *e, const uint8_t *st, const uint8_t *m,
		       const char *msg)
{
	uint32_t off = rd(m + 8), tid = rd(m + 4);

	if (!log_needed(e))
		return;
	if (e->phase != CHECK_META) {
		log_type(e, st, NULL);
		tid = e->mtid;
	}
	if (t_kflag(st))
		vlog(e, "\t%s type_id=%u bitfield_size=%u bits_offset=%u",
		     name_for_log(e, rd(m)), tid, BTF_MEMBER_BITFIELD_SIZE(off),
		     BTF_MEMBER_BIT_OFFSET(off));
	else
		vlog(e, "\t%s type_id=%u bits_offset=%u",
		     name_for_log(e, rd(m)), tid, off);
	if (msg && *msg) {
		vlog(e, " ");
		vlog(e, "%s", msg);
	}
	vlog(e, "\n");
}

static void log_vsi(struct bv *e, const uint8_t *ds, const uint8_t *v,
		    const char *msg)
{
	if (!log_needed(e))
		return;
	if (e->phase != CHECK_META)
		log_type(e, ds, NULL);
	vlog(e, "\t type_id=%u offset=%u size=%u", rd(v), rd(v + 4), rd(v + 8));
	if (msg && *msg) {
		vlog(e, " ");
		vlog(e, "%s", msg);
	}
	vlog(e, "\n");
}

static void log_meta_left(struct bv *e, const uint8_t *t, uint32_t left,
			  uint32_t needed)
{
	char msg[64];

	btf_snprintf(msg, sizeof(msg), "meta_left:%u meta_needed:%u", left,
		     needed);
	log_basic(e, t, msg);
}

/* ---- phase 1: the header and the string area ---- */

static int parse_hdr(struct bv *e)
{
	uint32_t hdr_len, i, total, expected;
	struct {
		uint32_t off, len;
	} secs[2], tmp;

	if (e->size < 8) {
		vlog(e, "hdr_len not found");
		return -KBPF_EINVAL;
	}
	hdr_len = rd(e->data + 4);
	if (e->size < hdr_len) {
		vlog(e, "btf_header not found");
		return -KBPF_EINVAL;
	}
	for (i = KBPF_BTF_HDR_SIZE; i < hdr_len; i++) {
		if (e->data[i]) {
			vlog(e, "Unsupported btf_header");
			return -KBPF_E2BIG;
		}
	}
	memset(e->hdr, 0, sizeof(e->hdr));
	memcpy(e->hdr, e->data, kbpf_min(hdr_len, (uint32_t)sizeof(e->hdr)));
	if (log_needed(e)) {
		uint16_t magic;

		memcpy(&magic, e->hdr, 2);
		vlog(e, "magic: 0x%x\n", magic);
		vlog(e, "version: %u\n", e->hdr[2]);
		vlog(e, "flags: 0x%x\n", e->hdr[3]);
		vlog(e, "hdr_len: %u\n", hdr32(e, H_HDR_LEN));
		vlog(e, "type_off: %u\n", hdr32(e, H_TYPE_OFF));
		vlog(e, "type_len: %u\n", hdr32(e, H_TYPE_LEN));
		vlog(e, "str_off: %u\n", hdr32(e, H_STR_OFF));
		vlog(e, "str_len: %u\n", hdr32(e, H_STR_LEN));
		vlog(e, "btf_total_size: %u\n", e->size);
	}
	if (e->hdr[0] != (BTF_MAGIC & 0xff) || e->hdr[1] != (BTF_MAGIC >> 8)) {
		vlog(e, "Invalid magic");
		return -KBPF_EINVAL;
	}
	if (e->hdr[2] != BTF_VERSION) {
		vlog(e, "Unsupported version");
		return -KBPF_ENOTSUPP;
	}
	if (e->hdr[3]) {
		vlog(e, "Unsupported flags");
		return -KBPF_ENOTSUPP;
	}
	if (e->size == hdr32(e, H_HDR_LEN)) {
		vlog(e, "No data");
		return -KBPF_EINVAL;
	}
	/*
	 * The areas sorted by offset, then length (Linux compares the
	 * differences as ints, and its heap sort of two keeps them in order
	 * only when the first compares below the second).
	 */
	secs[0].off = hdr32(e, H_TYPE_OFF);
	secs[0].len = hdr32(e, H_TYPE_LEN);
	secs[1].off = hdr32(e, H_STR_OFF);
	secs[1].len = hdr32(e, H_STR_LEN);
	{
		int32_t c = (int32_t)(secs[0].off - secs[1].off);

		if (!c)
			c = (int32_t)(secs[0].len - secs[1].len);
		if (c >= 0) {
			tmp = secs[0];
			secs[0] = secs[1];
			secs[1] = tmp;
		}
	}
	total = 0;
	expected = e->size - hdr32(e, H_HDR_LEN);
	for (i = 0; i < 2; i++) {
		if (expected < secs[i].off) {
			vlog(e, "Invalid section offset");
			return -KBPF_EINVAL;
		}
		if (total < secs[i].off) {
			vlog(e, "Unsupported section found");
			return -KBPF_EINVAL;
		}
		if (total > secs[i].off) {
			vlog(e, "Section overlap found");
			return -KBPF_EINVAL;
		}
		if (expected - total < secs[i].len) {
			vlog(e, "Total section length too long");
			return -KBPF_EINVAL;
		}
		total += secs[i].len;
	}
	if (expected != total) {
		vlog(e, "Unsupported section found");
		return -KBPF_EINVAL;
	}
	return 0;
}

static int parse_str_sec(struct bv *e)
{
	uint32_t off = hdr32(e, H_STR_OFF), len = hdr32(e, H_STR_LEN);
	uint64_t start = (uint64_t)hdr32(e, H_HDR_LEN) + off;

	if (start + len != e->size) {
		vlog(e, "String section is not at the end");
		return -KBPF_EINVAL;
	}
	e->btf->str_start = (uint32_t)start;
	e->btf->str_len = len;
	if (!len || len - 1 > BTF_MAX_NAME_OFFSET || e->data[start + len - 1]) {
		vlog(e, "Invalid string section");
		return -KBPF_EINVAL;
	}
	if (e->data[start]) {
		vlog(e, "Invalid string section");
		return -KBPF_EINVAL;
	}
	return 0;
}

/* ---- phase 2: each record's own rules ---- */

static int32_t int_meta(struct bv *e, const uint8_t *t, uint32_t left)
{
	uint32_t v, nr_bits, enc;

	if (left < 4) {
		log_meta_left(e, t, left, 4);
		return -KBPF_EINVAL;
	}
	if (t_vlen(t)) {
		log_type(e, t, "vlen != 0");
		return -KBPF_EINVAL;
	}
	if (t_kflag(t)) {
		log_type(e, t, "Invalid btf_info kind_flag");
		return -KBPF_EINVAL;
	}
	v = t_w(t, 0);
	if (v & ~BTF_INT_MASK) {
		char msg[32];

		btf_snprintf(msg, sizeof(msg), "Invalid int_data:%x", v);
		log_basic(e, t, msg);
		return -KBPF_EINVAL;
	}
	nr_bits = BTF_INT_BITS(v) + BTF_INT_OFFSET(v);
	if (nr_bits > 128) {
		log_type(e, t, "nr_bits exceeds 128");
		return -KBPF_EINVAL;
	}
	if (((nr_bits + 7) >> 3) > t_st(t)) {
		log_type(e, t, "nr_bits exceeds type_size");
		return -KBPF_EINVAL;
	}
	enc = BTF_INT_ENCODING(v);
	if (enc && enc != BTF_INT_SIGNED && enc != BTF_INT_CHAR &&
	    enc != BTF_INT_BOOL) {
		log_type(e, t, "Unsupported encoding");
		return -KBPF_ENOTSUPP;
	}
	log_type(e, t, NULL);
	return 4;
}

/* PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG. */
static int32_t ref_meta(struct bv *e, const uint8_t *t)
{
	uint32_t kind = t_kind(t);
	const char *v;

	if (t_vlen(t)) {
		log_type(e, t, "vlen != 0");
		return -KBPF_EINVAL;
	}
	if (t_kflag(t) && kind != BTF_KIND_TYPE_TAG) {
		log_type(e, t, "Invalid btf_info kind_flag");
		return -KBPF_EINVAL;
	}
	if (t_st(t) > BTF_MAX_TYPE) {
		log_type(e, t, "Invalid type_id");
		return -KBPF_EINVAL;
	}
	if (kind == BTF_KIND_TYPEDEF) {
		if (!t_name(t) || !name_valid_identifier(e, t_name(t))) {
			log_type(e, t, "Invalid name");
			return -KBPF_EINVAL;
		}
	} else if (kind == BTF_KIND_TYPE_TAG) {
		v = str_by_offset(e, t_name(t));
		if (!v || !v[0]) {
			log_type(e, t, "Invalid name");
			return -KBPF_EINVAL;
		}
	} else if (t_name(t)) {
		log_type(e, t, "Invalid name");
		return -KBPF_EINVAL;
	}
	log_type(e, t, NULL);
	return 0;
}

static int32_t fwd_meta(struct bv *e, const uint8_t *t)
{
	if (t_vlen(t)) {
		log_type(e, t, "vlen != 0");
		return -KBPF_EINVAL;
	}
	if (t_st(t)) {
		log_type(e, t, "type != 0");
		return -KBPF_EINVAL;
	}
	if (!t_name(t) || !name_valid_identifier(e, t_name(t))) {
		log_type(e, t, "Invalid name");
		return -KBPF_EINVAL;
	}
	log_type(e, t, NULL);
	return 0;
}

static int32_t array_meta(struct bv *e, const uint8_t *t, uint32_t left)
{
	if (left < 12) {
		log_meta_left(e, t, left, 12);
		return -KBPF_EINVAL;
	}
	if (t_name(t)) {
		log_type(e, t, "Invalid name");
		return -KBPF_EINVAL;
	}
	if (t_vlen(t)) {
		log_type(e, t, "vlen != 0");
		return -KBPF_EINVAL;
	}
	if (t_kflag(t)) {
		log_type(e, t, "Invalid btf_info kind_flag");
		return -KBPF_EINVAL;
	}
	if (t_st(t)) {
		log_type(e, t, "size != 0");
		return -KBPF_EINVAL;
	}
	if (!t_w(t, 0) || t_w(t, 0) > BTF_MAX_TYPE) {
		log_type(e, t, "Invalid elem");
		return -KBPF_EINVAL;
	}
	if (!t_w(t, 1) || t_w(t, 1) > BTF_MAX_TYPE) {
		log_type(e, t, "Invalid index");
		return -KBPF_EINVAL;
	}
	log_type(e, t, NULL);
	return 12;
}

static uint32_t member_bit_off(const uint8_t *st, const uint8_t *m)
{
	uint32_t off = rd(m + 8);

	return t_kflag(st) ? BTF_MEMBER_BIT_OFFSET(off) : off;
}

static int32_t struct_meta(struct bv *e, const uint8_t *t, uint32_t left)
{
	bool is_union = t_kind(t) == BTF_KIND_UNION;
	uint32_t need = t_vlen(t) * 12, last = 0, i, off;

	if (left < need) {
		log_meta_left(e, t, left, need);
		return -KBPF_EINVAL;
	}
	if (t_name(t) && !name_valid_identifier(e, t_name(t))) {
		log_type(e, t, "Invalid name");
		return -KBPF_EINVAL;
	}
	log_type(e, t, NULL);
	for (i = 0; i < t_vlen(t); i++) {
		const uint8_t *m = t + KBPF_BTF_REC_SIZE + 12 * i;

		if (!name_offset_valid(e, rd(m))) {
			char msg[48];

			btf_snprintf(msg, sizeof(msg),
				     "Invalid member name_offset:%u", rd(m));
			log_member(e, t, m, msg);
			return -KBPF_EINVAL;
		}
		if (rd(m) && !name_valid_identifier(e, rd(m))) {
			log_member(e, t, m, "Invalid name");
			return -KBPF_EINVAL;
		}
		if (!rd(m + 4) || rd(m + 4) > BTF_MAX_TYPE) {
			log_member(e, t, m, "Invalid type_id");
			return -KBPF_EINVAL;
		}
		off = member_bit_off(t, m);
		if (is_union && off) {
			log_member(e, t, m, "Invalid member bits_offset");
			return -KBPF_EINVAL;
		}
		if (last > off) {
			log_member(e, t, m, "Invalid member bits_offset");
			return -KBPF_EINVAL;
		}
		if (((off >> 3) + !!(off & 7)) > t_st(t)) {
			log_member(
				e, t, m,
				"Member bits_offset exceeds its struct size");
			return -KBPF_EINVAL;
		}
		log_member(e, t, m, NULL);
		last = off;
	}
	return (int32_t)need;
}

static int32_t enum_meta(struct bv *e, const uint8_t *t, uint32_t left)
{
	bool is64 = t_kind(t) == BTF_KIND_ENUM64;
	uint32_t es = is64 ? 12 : 8, need = t_vlen(t) * es, i, sz = t_st(t);

	if (left < need) {
		log_meta_left(e, t, left, need);
		return -KBPF_EINVAL;
	}
	if (sz > 8 || !sz || (sz & (sz - 1))) {
		log_type(e, t, "Unexpected size");
		return -KBPF_EINVAL;
	}
	if (t_name(t) && !name_valid_identifier(e, t_name(t))) {
		log_type(e, t, "Invalid name");
		return -KBPF_EINVAL;
	}
	log_type(e, t, NULL);
	for (i = 0; i < t_vlen(t); i++) {
		const uint8_t *v = t + KBPF_BTF_REC_SIZE + es * i;

		if (!name_offset_valid(e, rd(v))) {
			vlog(e, "\tInvalid name_offset:%u", rd(v));
			return -KBPF_EINVAL;
		}
		if (!rd(v) || !name_valid_identifier(e, rd(v))) {
			log_type(e, t, "Invalid name");
			return -KBPF_EINVAL;
		}
		if (is64) {
			uint64_t val = (uint64_t)rd(v + 8) << 32 | rd(v + 4);

			if (t_kflag(t))
				vlog(e, "\t%s val=%lld\n",
				     name_for_log(e, rd(v)), (long long)val);
			else
				vlog(e, "\t%s val=%llu\n",
				     name_for_log(e, rd(v)),
				     (unsigned long long)val);
		} else if (t_kflag(t)) {
			vlog(e, "\t%s val=%d\n", name_for_log(e, rd(v)),
			     (int32_t)rd(v + 4));
		} else {
			vlog(e, "\t%s val=%u\n", name_for_log(e, rd(v)),
			     rd(v + 4));
		}
	}
	return (int32_t)need;
}

static int32_t func_proto_meta(struct bv *e, const uint8_t *t, uint32_t left)
{
	uint32_t need = t_vlen(t) * 8;

	if (left < need) {
		log_meta_left(e, t, left, need);
		return -KBPF_EINVAL;
	}
	if (t_name(t)) {
		log_type(e, t, "Invalid name");
		return -KBPF_EINVAL;
	}
	if (t_kflag(t)) {
		log_type(e, t, "Invalid btf_info kind_flag");
		return -KBPF_EINVAL;
	}
	log_type(e, t, NULL);
	return (int32_t)need;
}

static int32_t func_meta(struct bv *e, const uint8_t *t)
{
	if (!t_name(t) || !name_valid_identifier(e, t_name(t))) {
		log_type(e, t, "Invalid name");
		return -KBPF_EINVAL;
	}
	if (t_vlen(t) > BTF_FUNC_GLOBAL) {
		log_type(e, t, "Invalid func linkage");
		return -KBPF_EINVAL;
	}
	if (t_kflag(t)) {
		log_type(e, t, "Invalid btf_info kind_flag");
		return -KBPF_EINVAL;
	}
	log_type(e, t, NULL);
	return 0;
}

static int32_t var_meta(struct bv *e, const uint8_t *t, uint32_t left)
{
	if (left < 4) {
		log_meta_left(e, t, left, 4);
		return -KBPF_EINVAL;
	}
	if (t_vlen(t)) {
		log_type(e, t, "vlen != 0");
		return -KBPF_EINVAL;
	}
	if (t_kflag(t)) {
		log_type(e, t, "Invalid btf_info kind_flag");
		return -KBPF_EINVAL;
	}
	if (!t_name(t) || !name_valid_identifier(e, t_name(t))) {
		log_type(e, t, "Invalid name");
		return -KBPF_EINVAL;
	}
	if (!t_st(t) || t_st(t) > BTF_MAX_TYPE) {
		log_type(e, t, "Invalid type_id");
		return -KBPF_EINVAL;
	}
	if (t_w(t, 0) != BTF_VAR_STATIC &&
	    t_w(t, 0) != BTF_VAR_GLOBAL_ALLOCATED) {
		log_type(e, t, "Linkage not supported");
		return -KBPF_EINVAL;
	}
	log_type(e, t, NULL);
	return 4;
}

static int32_t datasec_meta(struct bv *e, const uint8_t *t, uint32_t left)
{
	uint32_t need = t_vlen(t) * 12, i, sz = t_st(t);
	uint64_t last_end = 0, sum = 0;

	if (left < need) {
		log_meta_left(e, t, left, need);
		return -KBPF_EINVAL;
	}
	if (!sz) {
		log_type(e, t, "size == 0");
		return -KBPF_EINVAL;
	}
	if (t_kflag(t)) {
		log_type(e, t, "Invalid btf_info kind_flag");
		return -KBPF_EINVAL;
	}
	if (!t_name(t) || !name_valid_section(e, t_name(t))) {
		log_type(e, t, "Invalid name");
		return -KBPF_EINVAL;
	}
	log_type(e, t, NULL);
	for (i = 0; i < t_vlen(t); i++) {
		const uint8_t *v = t + KBPF_BTF_REC_SIZE + 12 * i;
		uint32_t vt = rd(v), vo = rd(v + 4), vs = rd(v + 8);

		if (!vt || vt > BTF_MAX_TYPE) {
			log_vsi(e, t, v, "Invalid type_id");
			return -KBPF_EINVAL;
		}
		if (vo < last_end || vo >= sz) {
			log_vsi(e, t, v, "Invalid offset");
			return -KBPF_EINVAL;
		}
		if (!vs || vs > sz) {
			log_vsi(e, t, v, "Invalid size");
			return -KBPF_EINVAL;
		}
		last_end = (uint64_t)vo + vs;
		if (last_end > sz) {
			log_vsi(e, t, v, "Invalid offset+size");
			return -KBPF_EINVAL;
		}
		log_vsi(e, t, v, NULL);
		sum += vs;
	}
	if (sz < sum) {
		log_type(e, t, "Invalid btf_info size");
		return -KBPF_EINVAL;
	}
	return (int32_t)need;
}

static int32_t float_meta(struct bv *e, const uint8_t *t)
{
	uint32_t sz = t_st(t);

	if (t_vlen(t)) {
		log_type(e, t, "vlen != 0");
		return -KBPF_EINVAL;
	}
	if (t_kflag(t)) {
		log_type(e, t, "Invalid btf_info kind_flag");
		return -KBPF_EINVAL;
	}
	if (sz != 2 && sz != 4 && sz != 8 && sz != 12 && sz != 16) {
		log_type(e, t, "Invalid type_size");
		return -KBPF_EINVAL;
	}
	log_type(e, t, NULL);
	return 0;
}

static int32_t decl_tag_meta(struct bv *e, const uint8_t *t, uint32_t left)
{
	const char *v;

	if (left < 4) {
		log_meta_left(e, t, left, 4);
		return -KBPF_EINVAL;
	}
	v = str_by_offset(e, t_name(t));
	if (!v || !v[0]) {
		log_type(e, t, "Invalid value");
		return -KBPF_EINVAL;
	}
	if (t_vlen(t)) {
		log_type(e, t, "vlen != 0");
		return -KBPF_EINVAL;
	}
	if ((int32_t)t_w(t, 0) < -1) {
		log_type(e, t, "Invalid component_idx");
		return -KBPF_EINVAL;
	}
	log_type(e, t, NULL);
	return 4;
}

/* Linux's btf_check_meta(): the bytes this record takes, or an errno. */
static int64_t check_meta(struct bv *e, const uint8_t *t, uint32_t left)
{
	int32_t extra;

	if (left < KBPF_BTF_REC_SIZE) {
		vlog(e, "[%u] meta_left:%u meta_needed:%u", e->log_id, left,
		     (uint32_t)KBPF_BTF_REC_SIZE);
		return -KBPF_EINVAL;
	}
	left -= KBPF_BTF_REC_SIZE;
	if (t_info(t) & ~BTF_INFO_MASK) {
		vlog(e, "[%u] Invalid btf_info:%x", e->log_id, t_info(t));
		return -KBPF_EINVAL;
	}
	if (t_kind(t) > BTF_KIND_MAX || t_kind(t) == BTF_KIND_UNKN) {
		vlog(e, "[%u] Invalid kind:%u", e->log_id, t_kind(t));
		return -KBPF_EINVAL;
	}
	if (!name_offset_valid(e, t_name(t))) {
		vlog(e, "[%u] Invalid name_offset:%u", e->log_id, t_name(t));
		return -KBPF_EINVAL;
	}
	switch (t_kind(t)) {
	case BTF_KIND_INT:
		extra = int_meta(e, t, left);
		break;
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		extra = ref_meta(e, t);
		break;
	case BTF_KIND_ARRAY:
		extra = array_meta(e, t, left);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		extra = struct_meta(e, t, left);
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		extra = enum_meta(e, t, left);
		break;
	case BTF_KIND_FWD:
		extra = fwd_meta(e, t);
		break;
	case BTF_KIND_FUNC:
		extra = func_meta(e, t);
		break;
	case BTF_KIND_FUNC_PROTO:
		extra = func_proto_meta(e, t, left);
		break;
	case BTF_KIND_VAR:
		extra = var_meta(e, t, left);
		break;
	case BTF_KIND_DATASEC:
		extra = datasec_meta(e, t, left);
		break;
	case BTF_KIND_FLOAT:
		extra = float_meta(e, t);
		break;
	default: /* BTF_KIND_DECL_TAG */
		extra = decl_tag_meta(e, t, left);
		break;
	}
	if (extra < 0)
		return extra;
	return KBPF_BTF_REC_SIZE + (int64_t)extra;
}

/* Linux's btf_add_type(): a table growing by a quarter, at most 2^20. */
static int add_type(struct bv *e, uint32_t off)
{
	struct kbpf_btf *b = e->btf;

	if (b->nr_types == e->cap) {
		uint32_t grow, ncap, *n;

		if (e->cap == BTF_MAX_TYPE) {
			vlog(e, "Exceeded max num of types");
			return -KBPF_E2BIG;
		}
		grow = kbpf_max(e->cap >> 2, 16u);
		ncap = kbpf_min(e->cap + grow, (uint32_t)BTF_MAX_TYPE);
		n = kbpf_zalloc(e->h, (size_t)ncap * sizeof(*n), 0);
		if (!n)
			return -KBPF_ENOMEM;
		if (b->nr_types)
			memcpy(n, b->type_off, b->nr_types * sizeof(*n));
		else
			b->nr_types = 1; /* void */
		kbpf_free(e->h, b->type_off, (size_t)e->cap * sizeof(*n));
		b->type_off = n;
		e->cap = ncap;
	}
	b->type_off[b->nr_types++] = off;
	return 0;
}

static int check_all_metas(struct bv *e)
{
	uint32_t start = hdr32(e, H_HDR_LEN) + hdr32(e, H_TYPE_OFF);
	uint32_t cur = start, end = start + hdr32(e, H_TYPE_LEN);
	int err;

	e->log_id = 1;
	while (cur < end) {
		int64_t n = check_meta(e, e->data + cur, end - cur);

		if (n < 0)
			return (int)n;
		/*
		 * Past 2^20 - 1 types Linux logs "Exceeded max num of types"
		 * and goes on without adding the type (measured: 1.3 million
		 * types load, the later ones dropped). It also ignores a failed
		 * allocation there; kbpf does not: -ENOMEM.
		 */
		err = add_type(e, cur);
		if (err == -KBPF_ENOMEM)
			return err;
		cur += (uint32_t)n;
		e->log_id++;
	}
	return 0;
}

/* ---- phase 3: resolution ---- */

static bool is_resolve_sink(const struct bv *e, const uint8_t *next)
{
	switch (e->mode) {
	case RESOLVE_TBD:
		return !needs_resolve(next);
	case RESOLVE_PTR:
		return !is_modifier(next) && !is_k(next, BTF_KIND_PTR);
	default:
		return !is_modifier(next) && !is_k(next, BTF_KIND_ARRAY) &&
		       !is_struct(next);
	}
}

static bool is_resolved(const struct bv *e, uint32_t id)
{
	return e->visit[id] == RESOLVED;
}

static int push(struct bv *e, const uint8_t *t, uint32_t id)
{
	if (e->top == MAX_RESOLVE_DEPTH)
		return -KBPF_E2BIG;
	if (e->visit[id] != NOT_VISITED)
		return -KBPF_EEXIST;
	e->visit[id] = VISITED;
	e->stack[e->top].id = id;
	e->stack[e->top].next_member = 0;
	e->top++;
	if (e->mode == RESOLVE_TBD) {
		if (is_k(t, BTF_KIND_PTR))
			e->mode = RESOLVE_PTR;
		else if (is_struct(t) || is_k(t, BTF_KIND_ARRAY))
			e->mode = RESOLVE_STRUCT_OR_ARRAY;
	}
	return 0;
}

static void pop_resolved(struct bv *e, uint32_t rid, uint32_t rsize)
{
	uint32_t id = e->stack[--e->top].id;

	e->btf->resolved_sizes[id] = rsize;
	e->btf->resolved_ids[id] = rid;
	e->visit[id] = RESOLVED;
}

/* Linux's btf_type_id_size(): NULL if the type has no size. */
const uint8_t *kbpf_btf_type_id_size(const struct kbpf_btf *b, uint32_t *id,
				     uint32_t *size)
{
	uint32_t sid = *id, sz;
	const uint8_t *st = obj_by_id(b, sid);

	if (nosize_or_null(st))
		return NULL;
	if (has_size(st)) {
		sz = t_st(st);
	} else if (is_k(st, BTF_KIND_ARRAY)) {
		sz = b->resolved_sizes[sid];
	} else if (is_k(st, BTF_KIND_PTR)) {
		sz = 8;
	} else {
		if (!is_modifier(st) && !is_k(st, BTF_KIND_VAR))
			return NULL;
		sid = b->resolved_ids[sid];
		st = obj_by_id(b, sid);
		if (nosize_or_null(st))
			return NULL;
		if (has_size(st))
			sz = t_st(st);
		else if (is_k(st, BTF_KIND_ARRAY))
			sz = b->resolved_sizes[sid];
		else if (is_k(st, BTF_KIND_PTR))
			sz = 8;
		else
			return NULL;
	}
	*id = sid;
	if (size)
		*size = sz;
	return st;
}

static const uint8_t *type_id_size(const struct bv *e, uint32_t *id,
				   uint32_t *size)
{
	return kbpf_btf_type_id_size(e->btf, id, size);
}

static const uint8_t *id_resolve(const struct bv *e, uint32_t *id)
{
	*id = e->btf->resolved_ids[*id];
	return by_id(e, *id);
}

static bool int_is_regular(const uint8_t *t)
{
	uint32_t v = t_w(t, 0), bits = BTF_INT_BITS(v), bytes;

	bytes = (bits + 7) >> 3;
	return !(bits & 7) && !BTF_INT_OFFSET(v) &&
	       (bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8 ||
		bytes == 16);
}

/* Modifiers and pointers: Linux's btf_modifier_resolve/btf_ptr_resolve. */
static int ref_resolve(struct bv *e, uint32_t vid, const uint8_t *t,
		       bool follow_ptr)
{
	uint32_t nid = t_st(t);
	const uint8_t *next = by_id(e, nid);

	(void)vid;
	if (!next || source_only(next)) {
		log_type(e, t, "Invalid type_id");
		return -KBPF_EINVAL;
	}
	if (!is_resolve_sink(e, next) && !is_resolved(e, nid))
		return push(e, next, nid);
	if (follow_ptr && is_modifier(next)) {
		uint32_t rid = nid;
		const uint8_t *rt = id_resolve(e, &rid);

		if (is_k(rt, BTF_KIND_PTR) && !is_resolve_sink(e, rt) &&
		    !is_resolved(e, rid))
			return push(e, rt, rid);
	}
	if (!type_id_size(e, &nid, NULL)) {
		if (is_resolved(e, nid))
			next = id_resolve(e, &nid);
		if (!is_void(next) && !is_k(next, BTF_KIND_FWD) &&
		    !is_k(next, BTF_KIND_FUNC_PROTO)) {
			log_type(e, t, "Invalid type_id");
			return -KBPF_EINVAL;
		}
	}
	pop_resolved(e, nid, 0);
	return 0;
}

static int var_resolve(struct bv *e, const uint8_t *t)
{
	uint32_t nid = t_st(t);
	const uint8_t *next = by_id(e, nid);

	if (!next || source_only(next)) {
		log_type(e, t, "Invalid type_id");
		return -KBPF_EINVAL;
	}
	if (!is_resolve_sink(e, next) && !is_resolved(e, nid))
		return push(e, next, nid);
	if (is_modifier(next)) {
		uint32_t rid = nid;
		const uint8_t *rt = id_resolve(e, &rid);

		if (is_k(rt, BTF_KIND_PTR) && !is_resolve_sink(e, rt) &&
		    !is_resolved(e, rid))
			return push(e, rt, rid);
	}
	if (!type_id_size(e, &nid, NULL)) {
		log_type(e, t, "Invalid type_id");
		return -KBPF_EINVAL;
	}
	pop_resolved(e, nid, 0);
	return 0;
}

static int array_resolve(struct bv *e, const uint8_t *t)
{
	uint32_t iid = t_w(t, 1), eid = t_w(t, 0), nelems = t_w(t, 2), esz;
	const uint8_t *it = by_id(e, iid), *et;

	if (nosize_or_null(it) || source_only(it)) {
		log_type(e, t, "Invalid index");
		return -KBPF_EINVAL;
	}
	if (!is_resolve_sink(e, it) && !is_resolved(e, iid))
		return push(e, it, iid);
	it = type_id_size(e, &iid, NULL);
	if (!it || !is_k(it, BTF_KIND_INT) || !int_is_regular(it)) {
		log_type(e, t, "Invalid index");
		return -KBPF_EINVAL;
	}
	et = by_id(e, eid);
	if (nosize_or_null(et) || source_only(et)) {
		log_type(e, t, "Invalid elem");
		return -KBPF_EINVAL;
	}
	if (!is_resolve_sink(e, et) && !is_resolved(e, eid))
		return push(e, et, eid);
	et = type_id_size(e, &eid, &esz);
	if (!et) {
		log_type(e, t, "Invalid elem");
		return -KBPF_EINVAL;
	}
	if (is_k(et, BTF_KIND_INT) && !int_is_regular(et)) {
		log_type(e, t, "Invalid array of int");
		return -KBPF_EINVAL;
	}
	if (nelems && esz > 0xffffffffu / nelems) {
		log_type(e, t, "Array size overflows U32_MAX");
		return -KBPF_EINVAL;
	}
	pop_resolved(e, eid, esz * nelems);
	return 0;
}

/* ---- members: Linux's check_member / check_kflag_member by kind ---- */

static int check_member(struct bv *e, const uint8_t *st, const uint8_t *m,
			uint32_t mtype, const uint8_t *mt, bool kflag);

static int int_member(struct bv *e, const uint8_t *st, const uint8_t *m,
		      const uint8_t *mt)
{
	uint32_t v = t_w(mt, 0), off = rd(m + 8), ssz = t_st(st), bytes, copy;

	if (0xffffffffu - off < BTF_INT_OFFSET(v)) {
		log_member(e, st, m, "bits_offset exceeds U32_MAX");
		return -KBPF_EINVAL;
	}
	off += BTF_INT_OFFSET(v);
	bytes = off >> 3;
	copy = BTF_INT_BITS(v) + (off & 7);
	if (copy > 128) {
		log_member(e, st, m, "nr_copy_bits exceeds 128");
		return -KBPF_EINVAL;
	}
	if (ssz < bytes || ssz - bytes < ((copy + 7) >> 3)) {
		log_member(e, st, m, "Member exceeds struct_size");
		return -KBPF_EINVAL;
	}
	return 0;
}

static int int_kflag_member(struct bv *e, const uint8_t *st, const uint8_t *m,
			    const uint8_t *mt)
{
	uint32_t v = t_w(mt, 0), raw = rd(m + 8), ssz = t_st(st);
	uint32_t nr_bits = BTF_MEMBER_BITFIELD_SIZE(raw);
	uint32_t off = BTF_MEMBER_BIT_OFFSET(raw), bytes, copy;

	if (!int_is_regular(mt)) {
		log_member(e, st, m, "Invalid member base type");
		return -KBPF_EINVAL;
	}
	if (!nr_bits) {
		if (off & 7) {
			log_member(e, st, m, "Invalid member offset");
			return -KBPF_EINVAL;
		}
		nr_bits = BTF_INT_BITS(v);
	} else if (nr_bits > BTF_INT_BITS(v)) {
		log_member(e, st, m, "Invalid member bitfield_size");
		return -KBPF_EINVAL;
	}
	bytes = off >> 3;
	copy = nr_bits + (off & 7);
	if (copy > 128) {
		log_member(e, st, m, "nr_copy_bits exceeds 128");
		return -KBPF_EINVAL;
	}
	if (ssz < bytes || ssz - bytes < ((copy + 7) >> 3)) {
		log_member(e, st, m, "Member exceeds struct_size");
		return -KBPF_EINVAL;
	}
	return 0;
}

/* PTR, STRUCT/UNION, ENUM/ENUM64 and ARRAY members: aligned and inside. */
static int sized_member(struct bv *e, const uint8_t *st, const uint8_t *m,
			uint32_t msize)
{
	uint32_t off = rd(m + 8);

	if (off & 7) {
		log_member(e, st, m, "Member is not byte aligned");
		return -KBPF_EINVAL;
	}
	if (t_st(st) - (off >> 3) < msize) {
		log_member(e, st, m, "Member exceeds struct_size");
		return -KBPF_EINVAL;
	}
	return 0;
}

static int enum_kflag_member(struct bv *e, const uint8_t *st, const uint8_t *m)
{
	uint32_t raw = rd(m + 8), off = BTF_MEMBER_BIT_OFFSET(raw);
	uint32_t nr_bits = BTF_MEMBER_BITFIELD_SIZE(raw), end;

	if (!nr_bits) {
		if (off & 7) {
			log_member(e, st, m, "Member is not byte aligned");
			return -KBPF_EINVAL;
		}
		nr_bits = 32;
	} else if (nr_bits > 32) {
		log_member(e, st, m, "Invalid member bitfield_size");
		return -KBPF_EINVAL;
	}
	end = (off + nr_bits + 7) >> 3;
	if (t_st(st) < end) {
		log_member(e, st, m, "Member exceeds struct_size");
		return -KBPF_EINVAL;
	}
	return 0;
}

static int float_member(struct bv *e, const uint8_t *st, const uint8_t *m,
			const uint8_t *mt)
{
	uint64_t off = rd(m + 8), align = kbpf_min(8u, t_st(mt)) * 8ull;

	/* Linux divides by the alignment: a zero-sized float is refused at meta. */
	if (align && off % align) {
		log_member(e, st, m, "Member is not properly aligned");
		return -KBPF_EINVAL;
	}
	if (off / 8 + t_st(mt) > t_st(st)) {
		log_member(e, st, m, "Member exceeds struct_size");
		return -KBPF_EINVAL;
	}
	return 0;
}

static int check_member(struct bv *e, const uint8_t *st, const uint8_t *m,
			uint32_t mtype, const uint8_t *mt, bool kflag)
{
	uint32_t kind = t_kind(mt), sz;

	if (is_modifier(mt)) {
		uint32_t rid = mtype;
		const uint8_t *rt = type_id_size(e, &rid, NULL);

		if (!rt) {
			log_member(e, st, m, "Invalid member");
			return -KBPF_EINVAL;
		}
		e->mtid = rid;
		return check_member(e, st, m, rid, rt, kflag);
	}
	switch (kind) {
	case BTF_KIND_INT:
		return kflag ? int_kflag_member(e, st, m, mt) :
			       int_member(e, st, m, mt);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return kflag ? enum_kflag_member(e, st, m) :
			       sized_member(e, st, m, t_st(mt));
	case BTF_KIND_PTR:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ARRAY:
	case BTF_KIND_FLOAT:
		if (kflag && BTF_MEMBER_BITFIELD_SIZE(rd(m + 8))) {
			log_member(e, st, m, "Invalid member bitfield_size");
			return -KBPF_EINVAL;
		}
		if (kind == BTF_KIND_FLOAT)
			return float_member(e, st, m, mt);
		if (kind == BTF_KIND_PTR)
			sz = 8;
		else if (kind == BTF_KIND_ARRAY)
			sz = e->btf->resolved_sizes[mtype];
		else
			sz = t_st(mt);
		return sized_member(e, st, m, sz);
	default:
		log_basic(e, st,
			  kflag ? "Unsupported check_kflag_member" :
				  "Unsupported check_member");
		return -KBPF_EINVAL;
	}
}

static int struct_resolve(struct bv *e, uint32_t vi)
{
	uint32_t vid = e->stack[vi].id, i, n;
	const uint8_t *t = by_id(e, vid);
	uint16_t next = e->stack[vi].next_member;
	int err;

	n = t_vlen(t);
	if (next) {
		const uint8_t *lm = t + KBPF_BTF_REC_SIZE + 12 * (next - 1);
		/* Linux keeps the last member's type id in 16 bits here. */
		uint16_t lid = (uint16_t)rd(lm + 4);

		if (lid >= e->btf->nr_types || !is_resolved(e, lid))
			return -KBPF_EINVAL;
		e->mtid = rd(lm + 4);
		err = check_member(e, t, lm, lid, by_id(e, lid), t_kflag(t));
		if (err)
			return err;
	}
	for (i = next; i < n; i++) {
		const uint8_t *m = t + KBPF_BTF_REC_SIZE + 12 * i;
		uint32_t mid = rd(m + 4);
		const uint8_t *mt = by_id(e, mid);

		e->mtid = mid;
		if (nosize_or_null(mt) || source_only(mt)) {
			log_member(e, t, m, "Invalid member");
			return -KBPF_EINVAL;
		}
		if (!is_resolve_sink(e, mt) && !is_resolved(e, mid)) {
			e->stack[e->top - 1].next_member = (uint16_t)(i + 1);
			return push(e, mt, mid);
		}
		err = check_member(e, t, m, mid, mt, t_kflag(t));
		if (err)
			return err;
	}
	pop_resolved(e, 0, 0);
	return 0;
}

static int func_check(struct bv *e, const uint8_t *t)
{
	const uint8_t *p = by_id(e, t_st(t));
	uint32_t i, n;
	char msg[24];

	if (!p || !is_k(p, BTF_KIND_FUNC_PROTO)) {
		log_type(e, t, "Invalid type_id");
		return -KBPF_EINVAL;
	}
	n = t_vlen(p);
	for (i = 0; i < n; i++) {
		if (!t_w(p, 2 * i) && t_w(p, 2 * i + 1)) {
			btf_snprintf(msg, sizeof(msg), "Invalid arg#%u", i + 1);
			log_type(e, t, msg);
			return -KBPF_EINVAL;
		}
	}
	return 0;
}

static bool is_decl_tag_target(const uint8_t *t)
{
	return is_k(t, BTF_KIND_FUNC) || is_struct(t) ||
	       is_k(t, BTF_KIND_VAR) || is_k(t, BTF_KIND_TYPEDEF);
}

static int decl_tag_resolve(struct bv *e, const uint8_t *t)
{
	uint32_t nid = t_st(t), vlen;
	const uint8_t *next = by_id(e, nid);
	int32_t idx = (int32_t)t_w(t, 0);

	if (!next || !is_decl_tag_target(next)) {
		log_type(e, t, "Invalid type_id");
		return -KBPF_EINVAL;
	}
	if (!is_resolve_sink(e, next) && !is_resolved(e, nid))
		return push(e, next, nid);
	if (idx != -1) {
		if (is_k(next, BTF_KIND_VAR) || is_k(next, BTF_KIND_TYPEDEF)) {
			log_type(e, t, "Invalid component_idx");
			return -KBPF_EINVAL;
		}
		if (is_struct(next)) {
			vlen = t_vlen(next);
		} else {
			const uint8_t *p = by_id(e, t_st(next));

			vlen = p ? t_vlen(p) : 0;
		}
		if ((uint32_t)idx >= vlen) {
			log_type(e, t, "Invalid component_idx");
			return -KBPF_EINVAL;
		}
	}
	pop_resolved(e, nid, 0);
	return 0;
}

static int datasec_resolve(struct bv *e, uint32_t vi)
{
	uint32_t vid = e->stack[vi].id, i;
	const uint8_t *t = by_id(e, vid);

	for (i = e->stack[vi].next_member; i < t_vlen(t); i++) {
		const uint8_t *v = t + KBPF_BTF_REC_SIZE + 12 * i;
		uint32_t vtid = rd(v), tid, tsz = 0;
		const uint8_t *vt = by_id(e, vtid);

		if (!vt || !is_k(vt, BTF_KIND_VAR)) {
			log_vsi(e, t, v, "Not a VAR kind member");
			return -KBPF_EINVAL;
		}
		if (!is_resolve_sink(e, vt) && !is_resolved(e, vtid)) {
			e->stack[e->top - 1].next_member = (uint16_t)(i + 1);
			return push(e, vt, vtid);
		}
		tid = t_st(vt);
		if (!type_id_size(e, &tid, &tsz)) {
			log_vsi(e, t, v, "Invalid type");
			return -KBPF_EINVAL;
		}
		if (rd(v + 8) < tsz) {
			log_vsi(e, t, v, "Invalid size");
			return -KBPF_EINVAL;
		}
	}
	pop_resolved(e, 0, 0);
	return 0;
}

static int resolve_one(struct bv *e, uint32_t vi)
{
	const uint8_t *t = by_id(e, e->stack[vi].id);
	int err;

	switch (t_kind(t)) {
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return ref_resolve(e, e->stack[vi].id, t, false);
	case BTF_KIND_PTR:
		return ref_resolve(e, e->stack[vi].id, t, true);
	case BTF_KIND_VAR:
		return var_resolve(e, t);
	case BTF_KIND_ARRAY:
		return array_resolve(e, t);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return struct_resolve(e, vi);
	case BTF_KIND_FUNC:
		err = func_check(e, t);
		if (!err)
			pop_resolved(e, t_st(t), 0);
		return err;
	case BTF_KIND_DECL_TAG:
		return decl_tag_resolve(e, t);
	case BTF_KIND_DATASEC:
		return datasec_resolve(e, vi);
	default:
		log_basic(e, t, "Unsupported resolve");
		return -KBPF_EINVAL;
	}
}

static bool resolve_valid(struct bv *e, const uint8_t *t, uint32_t id)
{
	const struct kbpf_btf *b = e->btf;

	if (!is_resolved(e, id))
		return false;
	if (is_struct(t) || is_k(t, BTF_KIND_DATASEC))
		return !b->resolved_ids[id] && !b->resolved_sizes[id];
	if (is_k(t, BTF_KIND_DECL_TAG) || is_k(t, BTF_KIND_FUNC))
		return b->resolved_ids[id] && !b->resolved_sizes[id];
	if (is_modifier(t) || is_k(t, BTF_KIND_PTR) || is_k(t, BTF_KIND_VAR)) {
		uint32_t rid = id;
		const uint8_t *rt = id_resolve(e, &rid);

		return rt && !is_modifier(rt) && !is_k(rt, BTF_KIND_VAR) &&
		       !is_k(rt, BTF_KIND_DATASEC);
	}
	if (is_k(t, BTF_KIND_ARRAY)) {
		uint32_t eid = t_w(t, 0), esz = 0;
		const uint8_t *et = type_id_size(e, &eid, &esz);

		return et && !is_modifier(et) &&
		       t_w(t, 2) * esz == b->resolved_sizes[id];
	}
	return false;
}

static int btf_resolve(struct bv *e, const uint8_t *t, uint32_t id)
{
	uint32_t saved = e->log_id;
	int err = 0;

	e->mode = RESOLVE_TBD;
	push(e, t, id);
	while (!err && e->top) {
		e->log_id = e->stack[e->top - 1].id;
		err = resolve_one(e, e->top - 1);
	}
	e->log_id = id;
	if (err == -KBPF_E2BIG) {
		char msg[48];

		btf_snprintf(msg, sizeof(msg),
			     "Exceeded max resolving depth:%u",
			     MAX_RESOLVE_DEPTH);
		log_type(e, t, msg);
	} else if (err == -KBPF_EEXIST) {
		log_type(e, t, "Loop detected");
	}
	if (!err && !resolve_valid(e, t, id)) {
		log_type(e, t, "Invalid resolve state");
		err = -KBPF_EINVAL;
	}
	e->log_id = saved;
	return err;
}

static int func_proto_check(struct bv *e, const uint8_t *t)
{
	uint32_t n = t_vlen(t), i;
	char msg[24];
	int err;

	if (t_st(t)) {
		uint32_t rid = t_st(t);
		const uint8_t *rt = by_id(e, rid);

		/* VAR, DATASEC and DECL_TAG are no return types (measured). */
		if (!rt || source_only(rt)) {
			log_type(e, t, "Invalid return type");
			return -KBPF_EINVAL;
		}
		if (needs_resolve(rt) && !is_resolved(e, rid)) {
			err = btf_resolve(e, rt, rid);
			if (err)
				return err;
		}
		if (!type_id_size(e, &rid, NULL)) {
			log_type(e, t, "Invalid return type");
			return -KBPF_EINVAL;
		}
	}
	if (!n)
		return 0;
	if (!t_w(t, 2 * (n - 1) + 1)) {
		if (t_w(t, 2 * (n - 1))) {
			btf_snprintf(msg, sizeof(msg), "Invalid arg#%u", n);
			log_type(e, t, msg);
			return -KBPF_EINVAL;
		}
		n--;
	}
	for (i = 0; i < n; i++) {
		uint32_t aid = t_w(t, 2 * i + 1), an = t_w(t, 2 * i);
		const uint8_t *at = by_id(e, aid);

		btf_snprintf(msg, sizeof(msg), "Invalid arg#%u", i + 1);
		if (!at || source_only(at)) {
			log_type(e, t, msg);
			return -KBPF_EINVAL;
		}
		if (an && (!name_offset_valid(e, an) ||
			   !name_valid_identifier(e, an))) {
			log_type(e, t, msg);
			return -KBPF_EINVAL;
		}
		if (needs_resolve(at) && !is_resolved(e, aid)) {
			err = btf_resolve(e, at, aid);
			if (err)
				return err;
		}
		if (!type_id_size(e, &aid, NULL)) {
			log_type(e, t, msg);
			return -KBPF_EINVAL;
		}
	}
	return 0;
}

static int check_all_types(struct bv *e)
{
	struct kbpf_btf *b = e->btf;
	size_t n = b->nr_types;
	uint32_t id;
	int err;

	b->resolved_sizes = kbpf_zalloc(e->h, n * sizeof(uint32_t), 0);
	b->resolved_ids = kbpf_zalloc(e->h, n * sizeof(uint32_t), 0);
	e->visit = kbpf_zalloc(e->h, n, 0);
	if (!b->resolved_sizes || !b->resolved_ids || !e->visit)
		return -KBPF_ENOMEM;
	e->phase = CHECK_TYPE;
	for (id = 1; id < b->nr_types; id++) {
		const uint8_t *t = by_id(e, id);

		e->log_id = id;
		if (needs_resolve(t) && !is_resolved(e, id)) {
			err = btf_resolve(e, t, id);
			if (err)
				return err;
		}
		if (is_k(t, BTF_KIND_FUNC_PROTO)) {
			err = func_proto_check(e, t);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Linux's btf_check_type_tags(): tags first in every modifier chain. */
static int check_type_tags(struct bv *e)
{
	uint32_t n = e->btf->nr_types, i, cur;
	int64_t good = 0;

	for (i = 1; i < n; i++) {
		const uint8_t *t = by_id(e, i);
		int limit = 32;
		bool in_tags;

		if (!is_modifier(t))
			continue;
		in_tags = is_k(t, BTF_KIND_TYPE_TAG);
		cur = i;
		while (is_modifier(t)) {
			if (!limit--) {
				vlog(e, "Max chain length or cycle detected");
				return -KBPF_ELOOP;
			}
			if (is_k(t, BTF_KIND_TYPE_TAG)) {
				if (!in_tags) {
					vlog(e,
					     "Type tags don't precede modifiers");
					return -KBPF_EINVAL;
				}
			} else if (in_tags) {
				in_tags = false;
			}
			if ((int64_t)cur <= good)
				break;
			cur = t_st(t);
			t = by_id(e, cur);
			if (!t)
				return -KBPF_EINVAL;
		}
		good = i;
	}
	return 0;
}

static int parse_type_sec(struct bv *e)
{
	int err;

	if (hdr32(e, H_TYPE_OFF) & 3) {
		vlog(e, "Unaligned type_off");
		return -KBPF_EINVAL;
	}
	if (!hdr32(e, H_TYPE_LEN)) {
		vlog(e, "No type found");
		return -KBPF_EINVAL;
	}
	err = check_all_metas(e);
	if (err)
		return err;
	return check_all_types(e);
}

int kbpf_btf_verify(const struct kbpf_host *h, struct kbpf_btf *btf,
		    struct kbpf_vlog *log)
{
	struct bv *e;
	int err;

	e = kbpf_zalloc(h, sizeof(*e), 0);
	if (!e)
		return -KBPF_ENOMEM;
	e->btf = btf;
	e->data = btf->data;
	e->size = btf->data_size;
	e->log = log;
	e->h = h;
	e->phase = CHECK_META;
	err = parse_hdr(e);
	if (!err) {
		btf->hdr_len = hdr32(e, H_HDR_LEN);
		err = parse_str_sec(e);
	}
	if (!err)
		err = parse_type_sec(e);
	if (!err)
		err = check_type_tags(e);
	if (!err)
		err = kbpf_btf_check_struct_metas(h, btf);
	btf->types_cap = e->cap;
	if (e->visit)
		kbpf_free(h, e->visit, btf->nr_types);
	kbpf_free(h, e, sizeof(*e));
	return err;
}
