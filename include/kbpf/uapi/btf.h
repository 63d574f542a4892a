/* SPDX-License-Identifier: MIT */
/*
 * kbpf: the Linux BTF (BPF Type Format) encoding (as of Linux 6.18),
 * written for kbpf.  Names and values are Linux's; the definitions are
 * kbpf's own.
 *
 * Freestanding: this header includes nothing.
 *
 * Coexistence with the system's <linux/btf.h>:
 *   Same include guard as Linux (__LINUX_BTF_H__), so whichever header is
 *   included first provides the definitions and the other is a no-op.
 *   Include kbpf's header first to get the 6.18 definitions; if
 *   <linux/btf.h> came first, the system's definitions are used.
 *   KBPF_UAPI_BTF_H is defined only when kbpf's definitions are in effect.
 */

/* ---- Integer types shared by all kbpf UAPI headers ---------------------- */

#ifndef KBPF_UAPI_INT_TYPES
#define KBPF_UAPI_INT_TYPES 1

/* Same underlying types as asm-generic/int-ll64.h, so redeclaring is fine. */
typedef signed char __s8;
typedef unsigned char __u8;
typedef signed short __s16;
typedef unsigned short __u16;
typedef signed int __s32;
typedef unsigned int __u32;
__extension__ typedef signed long long __s64;
__extension__ typedef unsigned long long __u64;

#ifndef __bitwise
#ifdef __CHECKER__
#define __bitwise __attribute__((bitwise))
#else
#define __bitwise
#endif
#endif

typedef __u16 __bitwise __le16;
typedef __u16 __bitwise __be16;
typedef __u32 __bitwise __le32;
typedef __u32 __bitwise __be32;
typedef __u64 __bitwise __le64;
typedef __u64 __bitwise __be64;
typedef __u16 __bitwise __sum16;
typedef __u32 __bitwise __wsum;
typedef unsigned __bitwise __poll_t;

/* 64-bit fields that must be 8-byte aligned even on 32-bit ABIs. */
#ifndef __aligned_u64
#define __aligned_u64 __u64 __attribute__((aligned(8)))
#endif
#ifndef __aligned_s64
#define __aligned_s64 __s64 __attribute__((aligned(8)))
#endif
#ifndef __aligned_be64
#define __aligned_be64 __be64 __attribute__((aligned(8)))
#endif
#ifndef __aligned_le64
#define __aligned_le64 __le64 __attribute__((aligned(8)))
#endif

#endif /* KBPF_UAPI_INT_TYPES */

/* ---- BTF ----------------------------------------------------------------- */

#ifndef __LINUX_BTF_H__
#define __LINUX_BTF_H__

/* kbpf's definitions are the ones in effect. */
#define KBPF_UAPI_BTF_H 1

#define BTF_MAGIC 0xeB9F
#define BTF_VERSION 1

/* Start of a BTF blob; the offsets are relative to the end of the header. */
struct btf_header {
	__u16 magic; /* BTF_MAGIC, in the blob's byte order */
	__u8 version;
	__u8 flags;
	__u32 hdr_len;
	__u32 type_off; /* type section */
	__u32 type_len;
	__u32 str_off; /* string section */
	__u32 str_len;
};

/* Limits implied by the encoding. */
#define BTF_MAX_TYPE 0x000fffff
#define BTF_MAX_NAME_OFFSET 0x00ffffff
#define BTF_MAX_VLEN 0xffff

/* One type record; kind-specific data follows it. */
struct btf_type {
	__u32 name_off;
	/* info: bits 0-15 vlen, 24-28 kind, 31 kind_flag; others unused */
	__u32 info;
	union {
		__u32 size; /* INT, ENUM, STRUCT, UNION, DATASEC, ENUM64 */
		__u32 type; /* PTR, TYPEDEF, modifiers, FUNC, FUNC_PROTO,
			     * VAR, DECL_TAG, TYPE_TAG
			     */
	};
};

#define BTF_INFO_KIND(info) (((info) >> 24) & 0x1f)
#define BTF_INFO_VLEN(info) ((info)&0xffff)
#define BTF_INFO_KFLAG(info) ((info) >> 31)

/* Type kinds. */
enum {
	BTF_KIND_UNKN = 0,
	BTF_KIND_INT = 1,
	BTF_KIND_PTR = 2,
	BTF_KIND_ARRAY = 3,
	BTF_KIND_STRUCT = 4,
	BTF_KIND_UNION = 5,
	BTF_KIND_ENUM = 6, /* up to 32-bit values */
	BTF_KIND_FWD = 7,
	BTF_KIND_TYPEDEF = 8,
	BTF_KIND_VOLATILE = 9,
	BTF_KIND_CONST = 10,
	BTF_KIND_RESTRICT = 11,
	BTF_KIND_FUNC = 12,
	BTF_KIND_FUNC_PROTO = 13,
	BTF_KIND_VAR = 14,
	BTF_KIND_DATASEC = 15,
	BTF_KIND_FLOAT = 16,
	BTF_KIND_DECL_TAG = 17,
	BTF_KIND_TYPE_TAG = 18,
	BTF_KIND_ENUM64 = 19, /* up to 64-bit values */

	NR_BTF_KINDS = 20,
	BTF_KIND_MAX = NR_BTF_KINDS - 1,
};

/* The __u32 that follows a BTF_KIND_INT record. */
#define BTF_INT_ENCODING(VAL) (((VAL)&0x0f000000) >> 24)
#define BTF_INT_OFFSET(VAL) (((VAL)&0x00ff0000) >> 16)
#define BTF_INT_BITS(VAL) ((VAL)&0x000000ff)

/* BTF_INT_ENCODING values */
#define BTF_INT_SIGNED (1 << 0)
#define BTF_INT_CHAR (1 << 1)
#define BTF_INT_BOOL (1 << 2)

/* vlen of these follow a BTF_KIND_ENUM record. */
struct btf_enum {
	__u32 name_off;
	__s32 val;
};

/* Follows a BTF_KIND_ARRAY record. */
struct btf_array {
	__u32 type; /* element type */
	__u32 index_type;
	__u32 nelems;
};

/* vlen of these follow a BTF_KIND_STRUCT or BTF_KIND_UNION record. */
struct btf_member {
	__u32 name_off;
	__u32 type;
	/* bit offset; with kind_flag set: bit-field size << 24 | bit offset */
	__u32 offset;
};

#define BTF_MEMBER_BITFIELD_SIZE(val) ((val) >> 24)
#define BTF_MEMBER_BIT_OFFSET(val) ((val)&0xffffff)

/* vlen of these follow a BTF_KIND_FUNC_PROTO record. */
struct btf_param {
	__u32 name_off;
	__u32 type;
};

/* btf_var.linkage */
enum {
	BTF_VAR_STATIC = 0,
	BTF_VAR_GLOBAL_ALLOCATED = 1,
	BTF_VAR_GLOBAL_EXTERN = 2,
};

/* vlen of a BTF_KIND_FUNC record */
enum btf_func_linkage {
	BTF_FUNC_STATIC = 0,
	BTF_FUNC_GLOBAL = 1,
	BTF_FUNC_EXTERN = 2,
};

/* Follows a BTF_KIND_VAR record. */
struct btf_var {
	__u32 linkage;
};

/* vlen of these follow a BTF_KIND_DATASEC record. */
struct btf_var_secinfo {
	__u32 type;
	__u32 offset;
	__u32 size;
};

/* Follows a BTF_KIND_DECL_TAG record; -1 tags the type itself, otherwise
 * the member or parameter of that index.
 */
struct btf_decl_tag {
	__s32 component_idx;
};

/* vlen of these follow a BTF_KIND_ENUM64 record. */
struct btf_enum64 {
	__u32 name_off;
	__u32 val_lo32;
	__u32 val_hi32;
};

#endif /* __LINUX_BTF_H__ */
