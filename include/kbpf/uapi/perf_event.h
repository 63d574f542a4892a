/* SPDX-License-Identifier: MIT */
/*
 * kbpf: the Linux perf_event user-space ABI (as of Linux 6.18), written for
 * kbpf.  Names and values are Linux's; the definitions are kbpf's own.
 * kbpf needs this for perf event arrays, bpf_perf_event_output() and the
 * perf ring buffer that user space reads.
 *
 * Freestanding: this header includes nothing.
 *
 * Coexistence with the system's <linux/perf_event.h>:
 *   Same include guard as Linux (_LINUX_PERF_EVENT_H), so whichever header
 *   is included first provides the definitions and the other is a no-op.
 *   Include kbpf's header first to get the 6.18 definitions; if
 *   <linux/perf_event.h> came first, the system's definitions are used.
 *   KBPF_UAPI_PERF_EVENT_H is defined only when kbpf's definitions are in
 *   effect.  The KBPF_IOC* encoders are kbpf's own and always defined.
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

/* ---- ioctl number encoding (always available) --------------------------- */

#ifndef KBPF_UAPI_IOC
#define KBPF_UAPI_IOC 1

/*
 * Linux's generic ioctl layout (asm-generic/ioctl.h, used by x86, arm,
 * arm64, riscv and most others; not by alpha, mips, powerpc or sparc):
 * bits 0-7 number, 8-15 type, 16-29 argument size, 30-31 direction.
 */
#define KBPF_IOC_NRSHIFT 0
#define KBPF_IOC_TYPESHIFT 8
#define KBPF_IOC_SIZESHIFT 16
#define KBPF_IOC_DIRSHIFT 30

#define KBPF_IOC_NONE 0U
#define KBPF_IOC_WRITE 1U
#define KBPF_IOC_READ 2U

#define KBPF_IOC(dir, type, nr, size)                                    \
	(((dir) << KBPF_IOC_DIRSHIFT) | ((type) << KBPF_IOC_TYPESHIFT) | \
	 ((nr) << KBPF_IOC_NRSHIFT) | ((size) << KBPF_IOC_SIZESHIFT))

#define KBPF_IO(type, nr) KBPF_IOC(KBPF_IOC_NONE, (type), (nr), 0)
#define KBPF_IOR(type, nr, argtype) \
	KBPF_IOC(KBPF_IOC_READ, (type), (nr), sizeof(argtype))
#define KBPF_IOW(type, nr, argtype) \
	KBPF_IOC(KBPF_IOC_WRITE, (type), (nr), sizeof(argtype))
#define KBPF_IOWR(type, nr, argtype) \
	KBPF_IOC(KBPF_IOC_READ | KBPF_IOC_WRITE, (type), (nr), sizeof(argtype))

#endif /* KBPF_UAPI_IOC */

/* ---- perf_event ---------------------------------------------------------- */

#ifndef _LINUX_PERF_EVENT_H
#define _LINUX_PERF_EVENT_H

/* kbpf's definitions are the ones in effect. */
#define KBPF_UAPI_PERF_EVENT_H 1

/* perf_event_attr.type */
enum perf_type_id {
	PERF_TYPE_HARDWARE = 0,
	PERF_TYPE_SOFTWARE = 1,
	PERF_TYPE_TRACEPOINT = 2,
	PERF_TYPE_HW_CACHE = 3,
	PERF_TYPE_RAW = 4,
	PERF_TYPE_BREAKPOINT = 5,
	PERF_TYPE_MAX = 6, /* not ABI */
};

/* For HARDWARE and HW_CACHE events, config bits 32-63 may select a PMU
 * type; bits 0-31 are the event.
 */
#define PERF_PMU_TYPE_SHIFT 32
#define PERF_HW_EVENT_MASK 0xffffffff

/* config of PERF_TYPE_HARDWARE */
enum perf_hw_id {
	PERF_COUNT_HW_CPU_CYCLES = 0,
	PERF_COUNT_HW_INSTRUCTIONS = 1,
	PERF_COUNT_HW_CACHE_REFERENCES = 2,
	PERF_COUNT_HW_CACHE_MISSES = 3,
	PERF_COUNT_HW_BRANCH_INSTRUCTIONS = 4,
	PERF_COUNT_HW_BRANCH_MISSES = 5,
	PERF_COUNT_HW_BUS_CYCLES = 6,
	PERF_COUNT_HW_STALLED_CYCLES_FRONTEND = 7,
	PERF_COUNT_HW_STALLED_CYCLES_BACKEND = 8,
	PERF_COUNT_HW_REF_CPU_CYCLES = 9,
	PERF_COUNT_HW_MAX = 10, /* not ABI */
};

/* config of PERF_TYPE_HW_CACHE: id | (op << 8) | (result << 16) */
enum perf_hw_cache_id {
	PERF_COUNT_HW_CACHE_L1D = 0,
	PERF_COUNT_HW_CACHE_L1I = 1,
	PERF_COUNT_HW_CACHE_LL = 2,
	PERF_COUNT_HW_CACHE_DTLB = 3,
	PERF_COUNT_HW_CACHE_ITLB = 4,
	PERF_COUNT_HW_CACHE_BPU = 5,
	PERF_COUNT_HW_CACHE_NODE = 6,
	PERF_COUNT_HW_CACHE_MAX = 7, /* not ABI */
};

enum perf_hw_cache_op_id {
	PERF_COUNT_HW_CACHE_OP_READ = 0,
	PERF_COUNT_HW_CACHE_OP_WRITE = 1,
	PERF_COUNT_HW_CACHE_OP_PREFETCH = 2,
	PERF_COUNT_HW_CACHE_OP_MAX = 3, /* not ABI */
};

enum perf_hw_cache_op_result_id {
	PERF_COUNT_HW_CACHE_RESULT_ACCESS = 0,
	PERF_COUNT_HW_CACHE_RESULT_MISS = 1,
	PERF_COUNT_HW_CACHE_RESULT_MAX = 2, /* not ABI */
};

/* config of PERF_TYPE_SOFTWARE */
enum perf_sw_ids {
	PERF_COUNT_SW_CPU_CLOCK = 0,
	PERF_COUNT_SW_TASK_CLOCK = 1,
	PERF_COUNT_SW_PAGE_FAULTS = 2,
	PERF_COUNT_SW_CONTEXT_SWITCHES = 3,
	PERF_COUNT_SW_CPU_MIGRATIONS = 4,
	PERF_COUNT_SW_PAGE_FAULTS_MIN = 5,
	PERF_COUNT_SW_PAGE_FAULTS_MAJ = 6,
	PERF_COUNT_SW_ALIGNMENT_FAULTS = 7,
	PERF_COUNT_SW_EMULATION_FAULTS = 8,
	PERF_COUNT_SW_DUMMY = 9,
	PERF_COUNT_SW_BPF_OUTPUT = 10, /* target of bpf_perf_event_output */
	PERF_COUNT_SW_CGROUP_SWITCHES = 11,
	PERF_COUNT_SW_MAX = 12, /* not ABI */
};

/* perf_event_attr.sample_type: what a PERF_RECORD_SAMPLE carries */
enum perf_event_sample_format {
	PERF_SAMPLE_IP = 1U << 0,
	PERF_SAMPLE_TID = 1U << 1,
	PERF_SAMPLE_TIME = 1U << 2,
	PERF_SAMPLE_ADDR = 1U << 3,
	PERF_SAMPLE_READ = 1U << 4,
	PERF_SAMPLE_CALLCHAIN = 1U << 5,
	PERF_SAMPLE_ID = 1U << 6,
	PERF_SAMPLE_CPU = 1U << 7,
	PERF_SAMPLE_PERIOD = 1U << 8,
	PERF_SAMPLE_STREAM_ID = 1U << 9,
	PERF_SAMPLE_RAW = 1U << 10,
	PERF_SAMPLE_BRANCH_STACK = 1U << 11,
	PERF_SAMPLE_REGS_USER = 1U << 12,
	PERF_SAMPLE_STACK_USER = 1U << 13,
	PERF_SAMPLE_WEIGHT = 1U << 14,
	PERF_SAMPLE_DATA_SRC = 1U << 15,
	PERF_SAMPLE_IDENTIFIER = 1U << 16,
	PERF_SAMPLE_TRANSACTION = 1U << 17,
	PERF_SAMPLE_REGS_INTR = 1U << 18,
	PERF_SAMPLE_PHYS_ADDR = 1U << 19,
	PERF_SAMPLE_AUX = 1U << 20,
	PERF_SAMPLE_CGROUP = 1U << 21,
	PERF_SAMPLE_DATA_PAGE_SIZE = 1U << 22,
	PERF_SAMPLE_CODE_PAGE_SIZE = 1U << 23,
	PERF_SAMPLE_WEIGHT_STRUCT = 1U << 24,
	PERF_SAMPLE_MAX = 1U << 25, /* not ABI */
};

#define PERF_SAMPLE_WEIGHT_TYPE (PERF_SAMPLE_WEIGHT | PERF_SAMPLE_WEIGHT_STRUCT)

/* Bit numbers of perf_event_attr.branch_sample_type ... */
enum perf_branch_sample_type_shift {
	PERF_SAMPLE_BRANCH_USER_SHIFT = 0,
	PERF_SAMPLE_BRANCH_KERNEL_SHIFT = 1,
	PERF_SAMPLE_BRANCH_HV_SHIFT = 2,
	PERF_SAMPLE_BRANCH_ANY_SHIFT = 3,
	PERF_SAMPLE_BRANCH_ANY_CALL_SHIFT = 4,
	PERF_SAMPLE_BRANCH_ANY_RETURN_SHIFT = 5,
	PERF_SAMPLE_BRANCH_IND_CALL_SHIFT = 6,
	PERF_SAMPLE_BRANCH_ABORT_TX_SHIFT = 7,
	PERF_SAMPLE_BRANCH_IN_TX_SHIFT = 8,
	PERF_SAMPLE_BRANCH_NO_TX_SHIFT = 9,
	PERF_SAMPLE_BRANCH_COND_SHIFT = 10,
	PERF_SAMPLE_BRANCH_CALL_STACK_SHIFT = 11,
	PERF_SAMPLE_BRANCH_IND_JUMP_SHIFT = 12,
	PERF_SAMPLE_BRANCH_CALL_SHIFT = 13,
	PERF_SAMPLE_BRANCH_NO_FLAGS_SHIFT = 14,
	PERF_SAMPLE_BRANCH_NO_CYCLES_SHIFT = 15,
	PERF_SAMPLE_BRANCH_TYPE_SAVE_SHIFT = 16,
	PERF_SAMPLE_BRANCH_HW_INDEX_SHIFT = 17,
	PERF_SAMPLE_BRANCH_PRIV_SAVE_SHIFT = 18,
	PERF_SAMPLE_BRANCH_COUNTERS_SHIFT = 19,
	PERF_SAMPLE_BRANCH_MAX_SHIFT = 20 /* not ABI */
};

/* ... and the bits themselves. */
enum perf_branch_sample_type {
	PERF_SAMPLE_BRANCH_USER = 1U << PERF_SAMPLE_BRANCH_USER_SHIFT,
	PERF_SAMPLE_BRANCH_KERNEL = 1U << PERF_SAMPLE_BRANCH_KERNEL_SHIFT,
	PERF_SAMPLE_BRANCH_HV = 1U << PERF_SAMPLE_BRANCH_HV_SHIFT,
	PERF_SAMPLE_BRANCH_ANY = 1U << PERF_SAMPLE_BRANCH_ANY_SHIFT,
	PERF_SAMPLE_BRANCH_ANY_CALL = 1U << PERF_SAMPLE_BRANCH_ANY_CALL_SHIFT,
	PERF_SAMPLE_BRANCH_ANY_RETURN = 1U
					<< PERF_SAMPLE_BRANCH_ANY_RETURN_SHIFT,
	PERF_SAMPLE_BRANCH_IND_CALL = 1U << PERF_SAMPLE_BRANCH_IND_CALL_SHIFT,
	PERF_SAMPLE_BRANCH_ABORT_TX = 1U << PERF_SAMPLE_BRANCH_ABORT_TX_SHIFT,
	PERF_SAMPLE_BRANCH_IN_TX = 1U << PERF_SAMPLE_BRANCH_IN_TX_SHIFT,
	PERF_SAMPLE_BRANCH_NO_TX = 1U << PERF_SAMPLE_BRANCH_NO_TX_SHIFT,
	PERF_SAMPLE_BRANCH_COND = 1U << PERF_SAMPLE_BRANCH_COND_SHIFT,
	PERF_SAMPLE_BRANCH_CALL_STACK = 1U
					<< PERF_SAMPLE_BRANCH_CALL_STACK_SHIFT,
	PERF_SAMPLE_BRANCH_IND_JUMP = 1U << PERF_SAMPLE_BRANCH_IND_JUMP_SHIFT,
	PERF_SAMPLE_BRANCH_CALL = 1U << PERF_SAMPLE_BRANCH_CALL_SHIFT,
	PERF_SAMPLE_BRANCH_NO_FLAGS = 1U << PERF_SAMPLE_BRANCH_NO_FLAGS_SHIFT,
	PERF_SAMPLE_BRANCH_NO_CYCLES = 1U << PERF_SAMPLE_BRANCH_NO_CYCLES_SHIFT,
	PERF_SAMPLE_BRANCH_TYPE_SAVE = 1U << PERF_SAMPLE_BRANCH_TYPE_SAVE_SHIFT,
	PERF_SAMPLE_BRANCH_HW_INDEX = 1U << PERF_SAMPLE_BRANCH_HW_INDEX_SHIFT,
	PERF_SAMPLE_BRANCH_PRIV_SAVE = 1U << PERF_SAMPLE_BRANCH_PRIV_SAVE_SHIFT,
	PERF_SAMPLE_BRANCH_COUNTERS = 1U << PERF_SAMPLE_BRANCH_COUNTERS_SHIFT,
	PERF_SAMPLE_BRANCH_MAX = 1U
				 << PERF_SAMPLE_BRANCH_MAX_SHIFT, /* not ABI */
};

/* perf_branch_entry.type */
enum {
	PERF_BR_UNKNOWN = 0,
	PERF_BR_COND = 1,
	PERF_BR_UNCOND = 2,
	PERF_BR_IND = 3,
	PERF_BR_CALL = 4,
	PERF_BR_IND_CALL = 5,
	PERF_BR_RET = 6,
	PERF_BR_SYSCALL = 7,
	PERF_BR_SYSRET = 8,
	PERF_BR_COND_CALL = 9,
	PERF_BR_COND_RET = 10,
	PERF_BR_ERET = 11,
	PERF_BR_IRQ = 12,
	PERF_BR_SERROR = 13,
	PERF_BR_NO_TX = 14,
	PERF_BR_EXTEND_ABI = 15, /* see new_type */
	PERF_BR_MAX = 16,
};

/* perf_branch_entry.spec */
enum {
	PERF_BR_SPEC_NA = 0,
	PERF_BR_SPEC_WRONG_PATH = 1,
	PERF_BR_NON_SPEC_CORRECT_PATH = 2,
	PERF_BR_SPEC_CORRECT_PATH = 3,
	PERF_BR_SPEC_MAX = 4,
};

/* perf_branch_entry.new_type, when type is PERF_BR_EXTEND_ABI */
enum {
	PERF_BR_NEW_FAULT_ALGN = 0,
	PERF_BR_NEW_FAULT_DATA = 1,
	PERF_BR_NEW_FAULT_INST = 2,
	PERF_BR_NEW_ARCH_1 = 3,
	PERF_BR_NEW_ARCH_2 = 4,
	PERF_BR_NEW_ARCH_3 = 5,
	PERF_BR_NEW_ARCH_4 = 6,
	PERF_BR_NEW_ARCH_5 = 7,
	PERF_BR_NEW_MAX = 8,
};

/* perf_branch_entry.priv */
enum {
	PERF_BR_PRIV_UNKNOWN = 0,
	PERF_BR_PRIV_USER = 1,
	PERF_BR_PRIV_KERNEL = 2,
	PERF_BR_PRIV_HV = 3,
};

/* arm64 meanings of the architecture-specific new_type values */
#define PERF_BR_ARM64_FIQ PERF_BR_NEW_ARCH_1
#define PERF_BR_ARM64_DEBUG_HALT PERF_BR_NEW_ARCH_2
#define PERF_BR_ARM64_DEBUG_EXIT PERF_BR_NEW_ARCH_3
#define PERF_BR_ARM64_DEBUG_INST PERF_BR_NEW_ARCH_4
#define PERF_BR_ARM64_DEBUG_DATA PERF_BR_NEW_ARCH_5

#define PERF_SAMPLE_BRANCH_PLM_ALL                             \
	(PERF_SAMPLE_BRANCH_USER | PERF_SAMPLE_BRANCH_KERNEL | \
	 PERF_SAMPLE_BRANCH_HV)

/* ABI of a register dump in a sample */
enum perf_sample_regs_abi {
	PERF_SAMPLE_REGS_ABI_NONE = 0,
	PERF_SAMPLE_REGS_ABI_32 = 1,
	PERF_SAMPLE_REGS_ABI_64 = 2,
};

/* PERF_SAMPLE_TRANSACTION bits; the abort code sits in bits 32-63. */
__extension__ enum {
	PERF_TXN_ELISION = (1 << 0),
	PERF_TXN_TRANSACTION = (1 << 1),
	PERF_TXN_SYNC = (1 << 2),
	PERF_TXN_ASYNC = (1 << 3),
	PERF_TXN_RETRY = (1 << 4),
	PERF_TXN_CONFLICT = (1 << 5),
	PERF_TXN_CAPACITY_WRITE = (1 << 6),
	PERF_TXN_CAPACITY_READ = (1 << 7),
	PERF_TXN_MAX = (1 << 8), /* not ABI */
	PERF_TXN_ABORT_MASK = (0xffffffffULL << 32),
	PERF_TXN_ABORT_SHIFT = 32,
};

/* perf_event_attr.read_format */
enum perf_event_read_format {
	PERF_FORMAT_TOTAL_TIME_ENABLED = 1U << 0,
	PERF_FORMAT_TOTAL_TIME_RUNNING = 1U << 1,
	PERF_FORMAT_ID = 1U << 2,
	PERF_FORMAT_GROUP = 1U << 3,
	PERF_FORMAT_LOST = 1U << 4,
	PERF_FORMAT_MAX = 1U << 5, /* not ABI */
};

/* Sizes of the successive perf_event_attr revisions. */
#define PERF_ATTR_SIZE_VER0 64 /* first published */
#define PERF_ATTR_SIZE_VER1 72 /* + config2 */
#define PERF_ATTR_SIZE_VER2 80 /* + branch_sample_type */
#define PERF_ATTR_SIZE_VER3 96 /* + sample_regs_user, sample_stack_user */
#define PERF_ATTR_SIZE_VER4 104 /* + sample_regs_intr */
#define PERF_ATTR_SIZE_VER5 112 /* + aux_watermark */
#define PERF_ATTR_SIZE_VER6 120 /* + aux_sample_size */
#define PERF_ATTR_SIZE_VER7 128 /* + sig_data */
#define PERF_ATTR_SIZE_VER8 136 /* + config3 */

/* Argument of perf_event_open(2). */
struct perf_event_attr {
	__u32 type; /* enum perf_type_id */
	__u32 size; /* sizeof(struct perf_event_attr) of the caller */
	__u64 config;
	union {
		__u64 sample_period;
		__u64 sample_freq; /* with freq = 1 */
	};
	__u64 sample_type; /* PERF_SAMPLE_* */
	__u64 read_format; /* PERF_FORMAT_* */

	__u64 disabled : 1, inherit : 1, pinned : 1, exclusive : 1,
		exclude_user : 1, exclude_kernel : 1, exclude_hv : 1,
		exclude_idle : 1, mmap : 1, comm : 1, freq : 1,
		inherit_stat : 1, enable_on_exec : 1, task : 1, watermark : 1,
		precise_ip : 2, mmap_data : 1, sample_id_all : 1,
		exclude_host : 1, exclude_guest : 1,
		exclude_callchain_kernel : 1, exclude_callchain_user : 1,
		mmap2 : 1, comm_exec : 1, use_clockid : 1, context_switch : 1,
		write_backward : 1, namespaces : 1, ksymbol : 1, bpf_event : 1,
		aux_output : 1, cgroup : 1, text_poke : 1, build_id : 1,
		inherit_thread : 1, remove_on_exec : 1, sigtrap : 1,
		__reserved_1 : 26;

	union {
		__u32 wakeup_events;
		__u32 wakeup_watermark; /* with watermark = 1 */
	};

	__u32 bp_type;
	union {
		__u64 bp_addr;
		__u64 kprobe_func;
		__u64 uprobe_path;
		__u64 config1;
	};
	union {
		__u64 bp_len;
		__u64 kprobe_addr;
		__u64 probe_offset;
		__u64 config2;
	};
	__u64 branch_sample_type; /* PERF_SAMPLE_BRANCH_* */
	__u64 sample_regs_user;
	__u32 sample_stack_user;
	__s32 clockid;
	__u64 sample_regs_intr;
	__u32 aux_watermark;
	__u16 sample_max_stack;
	__u16 __reserved_2;
	__u32 aux_sample_size;
	union {
		__u32 aux_action;
		struct {
			__u32 aux_start_paused : 1, aux_pause : 1,
				aux_resume : 1, __reserved_3 : 29;
		};
	};
	__u64 sig_data;
	__u64 config3;
};

/* Argument of PERF_EVENT_IOC_QUERY_BPF. */
struct perf_event_query_bpf {
	__u32 ids_len; /* in: room in ids[] */
	__u32 prog_cnt; /* out: number of attached programs */
	__u32 ids[]; /* out */
};

/* ioctls on a perf event fd (generic ioctl encoding) */
#define PERF_EVENT_IOC_ENABLE KBPF_IO('$', 0)
#define PERF_EVENT_IOC_DISABLE KBPF_IO('$', 1)
#define PERF_EVENT_IOC_REFRESH KBPF_IO('$', 2)
#define PERF_EVENT_IOC_RESET KBPF_IO('$', 3)
#define PERF_EVENT_IOC_PERIOD KBPF_IOW('$', 4, __u64)
#define PERF_EVENT_IOC_SET_OUTPUT KBPF_IO('$', 5)
#define PERF_EVENT_IOC_SET_FILTER KBPF_IOW('$', 6, char *)
#define PERF_EVENT_IOC_ID KBPF_IOR('$', 7, __u64 *)
#define PERF_EVENT_IOC_SET_BPF KBPF_IOW('$', 8, __u32)
#define PERF_EVENT_IOC_PAUSE_OUTPUT KBPF_IOW('$', 9, __u32)
#define PERF_EVENT_IOC_QUERY_BPF \
	KBPF_IOWR('$', 10, struct perf_event_query_bpf *)
#define PERF_EVENT_IOC_MODIFY_ATTRIBUTES \
	KBPF_IOW('$', 11, struct perf_event_attr *)

enum perf_event_ioc_flags {
	PERF_IOC_FLAG_GROUP = 1U << 0,
};

/* First page of a perf mmap area; the data ring follows it. */
struct perf_event_mmap_page {
	__u32 version;
	__u32 compat_version;
	__u32 lock; /* seqcount for the self-monitoring fields */
	__u32 index; /* hardware counter + 1, 0 if none */
	__s64 offset;
	__u64 time_enabled;
	__u64 time_running;
	union {
		__u64 capabilities;
		struct {
			__u64 cap_bit0 : 1, cap_bit0_is_deprecated : 1,
				cap_user_rdpmc : 1, cap_user_time : 1,
				cap_user_time_zero : 1, cap_user_time_short : 1,
				cap_____res : 58;
		};
	};
	__u16 pmc_width;
	__u16 time_shift;
	__u32 time_mult;
	__u64 time_offset;
	__u64 time_zero;
	__u32 size; /* bytes of header before __reserved */
	__u32 __reserved_1;
	__u64 time_cycles;
	__u64 time_mask;

	/* Pad so that the ring control words start at byte 1024. */
	__u8 __reserved[116 * 8];

	/* Data ring: the kernel writes data_head, the reader data_tail. */
	__u64 data_head;
	__u64 data_tail;
	__u64 data_offset;
	__u64 data_size;

	/* AUX ring, same protocol. */
	__u64 aux_head;
	__u64 aux_tail;
	__u64 aux_offset;
	__u64 aux_size;
};

/* perf_event_header.misc */
#define PERF_RECORD_MISC_CPUMODE_MASK (7 << 0)
#define PERF_RECORD_MISC_CPUMODE_UNKNOWN (0 << 0)
#define PERF_RECORD_MISC_KERNEL (1 << 0)
#define PERF_RECORD_MISC_USER (2 << 0)
#define PERF_RECORD_MISC_HYPERVISOR (3 << 0)
#define PERF_RECORD_MISC_GUEST_KERNEL (4 << 0)
#define PERF_RECORD_MISC_GUEST_USER (5 << 0)
#define PERF_RECORD_MISC_PROC_MAP_PARSE_TIMEOUT (1 << 12)
/* bit 13, meaning depends on the record type */
#define PERF_RECORD_MISC_MMAP_DATA (1 << 13)
#define PERF_RECORD_MISC_COMM_EXEC (1 << 13)
#define PERF_RECORD_MISC_FORK_EXEC (1 << 13)
#define PERF_RECORD_MISC_SWITCH_OUT (1 << 13)
/* bit 14, meaning depends on the record type */
#define PERF_RECORD_MISC_EXACT_IP (1 << 14)
#define PERF_RECORD_MISC_SWITCH_OUT_PREEMPT (1 << 14)
#define PERF_RECORD_MISC_MMAP_BUILD_ID (1 << 14)
#define PERF_RECORD_MISC_EXT_RESERVED (1 << 15)

/* Start of every record in the ring. */
struct perf_event_header {
	__u32 type; /* enum perf_event_type */
	__u16 misc; /* PERF_RECORD_MISC_* */
	__u16 size; /* whole record, header included */
};

struct perf_ns_link_info {
	__u64 dev;
	__u64 ino;
};

/* Order of namespaces in PERF_RECORD_NAMESPACES */
enum {
	NET_NS_INDEX = 0,
	UTS_NS_INDEX = 1,
	IPC_NS_INDEX = 2,
	PID_NS_INDEX = 3,
	USER_NS_INDEX = 4,
	MNT_NS_INDEX = 5,
	CGROUP_NS_INDEX = 6,
	NR_NAMESPACES = 7, /* number of entries */
};

/* perf_event_header.type */
enum perf_event_type {
	PERF_RECORD_MMAP = 1,
	PERF_RECORD_LOST = 2,
	PERF_RECORD_COMM = 3,
	PERF_RECORD_EXIT = 4,
	PERF_RECORD_THROTTLE = 5,
	PERF_RECORD_UNTHROTTLE = 6,
	PERF_RECORD_FORK = 7,
	PERF_RECORD_READ = 8,
	PERF_RECORD_SAMPLE = 9, /* what bpf_perf_event_output emits */
	PERF_RECORD_MMAP2 = 10,
	PERF_RECORD_AUX = 11,
	PERF_RECORD_ITRACE_START = 12,
	PERF_RECORD_LOST_SAMPLES = 13,
	PERF_RECORD_SWITCH = 14,
	PERF_RECORD_SWITCH_CPU_WIDE = 15,
	PERF_RECORD_NAMESPACES = 16,
	PERF_RECORD_KSYMBOL = 17,
	PERF_RECORD_BPF_EVENT = 18,
	PERF_RECORD_CGROUP = 19,
	PERF_RECORD_TEXT_POKE = 20,
	PERF_RECORD_AUX_OUTPUT_HW_ID = 21,
	PERF_RECORD_MAX = 22, /* not ABI */
};

enum perf_record_ksymbol_type {
	PERF_RECORD_KSYMBOL_TYPE_UNKNOWN = 0,
	PERF_RECORD_KSYMBOL_TYPE_BPF = 1,
	PERF_RECORD_KSYMBOL_TYPE_OOL = 2, /* out-of-line code */
	PERF_RECORD_KSYMBOL_TYPE_MAX = 3 /* not ABI */
};

#define PERF_RECORD_KSYMBOL_FLAGS_UNREGISTER (1 << 0)

enum perf_bpf_event_type {
	PERF_BPF_EVENT_UNKNOWN = 0,
	PERF_BPF_EVENT_PROG_LOAD = 1,
	PERF_BPF_EVENT_PROG_UNLOAD = 2,
	PERF_BPF_EVENT_MAX = 3, /* not ABI */
};

#define PERF_MAX_STACK_DEPTH 127
#define PERF_MAX_CONTEXTS_PER_STACK 8

/* Markers inside a callchain; they are 64-bit, hence __extension__. */
__extension__ enum perf_callchain_context {
	PERF_CONTEXT_HV = (__u64)-32,
	PERF_CONTEXT_KERNEL = (__u64)-128,
	PERF_CONTEXT_USER = (__u64)-512,
	PERF_CONTEXT_GUEST = (__u64)-2048,
	PERF_CONTEXT_GUEST_KERNEL = (__u64)-2176,
	PERF_CONTEXT_GUEST_USER = (__u64)-2560,
	PERF_CONTEXT_MAX = (__u64)-4095,
};

/* PERF_RECORD_AUX flags */
#define PERF_AUX_FLAG_TRUNCATED 0x0001
#define PERF_AUX_FLAG_OVERWRITE 0x0002
#define PERF_AUX_FLAG_PARTIAL 0x0004
#define PERF_AUX_FLAG_COLLISION 0x0008
#define PERF_AUX_FLAG_PMU_FORMAT_TYPE_MASK 0xff00
#define PERF_AUX_FLAG_CORESIGHT_FORMAT_CORESIGHT 0x0000
#define PERF_AUX_FLAG_CORESIGHT_FORMAT_RAW 0x0100

/* flags argument of perf_event_open(2) */
#define PERF_FLAG_FD_NO_GROUP (1UL << 0)
#define PERF_FLAG_FD_OUTPUT (1UL << 1)
#define PERF_FLAG_PID_CGROUP (1UL << 2) /* pid is a cgroup fd */
#define PERF_FLAG_FD_CLOEXEC (1UL << 3)

/* PERF_SAMPLE_DATA_SRC: bit-fields listed from bit 0 upwards on LE and
 * from bit 63 downwards on BE, so the same bits mean the same on both.
 */
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && \
	__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
union perf_mem_data_src {
	__u64 val;
	struct {
		__u64 mem_rsvd : 18, mem_hops : 3, mem_blk : 3, mem_snoopx : 2,
			mem_remote : 1, mem_lvl_num : 4, mem_dtlb : 7,
			mem_lock : 2, mem_snoop : 5, mem_lvl : 14, mem_op : 5;
	};
};
#else
union perf_mem_data_src {
	__u64 val;
	struct {
		__u64 mem_op : 5, /* bits 0-4 */
			mem_lvl : 14, /* bits 5-18 */
			mem_snoop : 5, /* bits 19-23 */
			mem_lock : 2, /* bits 24-25 */
			mem_dtlb : 7, /* bits 26-32 */
			mem_lvl_num : 4, /* bits 33-36 */
			mem_remote : 1, /* bit 37 */
			mem_snoopx : 2, /* bits 38-39 */
			mem_blk : 3, /* bits 40-42 */
			mem_hops : 3, /* bits 43-45 */
			mem_rsvd : 18; /* bits 46-63 */
	};
};
#endif

/* memory operation */
#define PERF_MEM_OP_NA 0x0001
#define PERF_MEM_OP_LOAD 0x0002
#define PERF_MEM_OP_STORE 0x0004
#define PERF_MEM_OP_PFETCH 0x0008
#define PERF_MEM_OP_EXEC 0x0010
#define PERF_MEM_OP_SHIFT 0

/* memory level (older encoding) */
#define PERF_MEM_LVL_NA 0x0001
#define PERF_MEM_LVL_HIT 0x0002
#define PERF_MEM_LVL_MISS 0x0004
#define PERF_MEM_LVL_L1 0x0008
#define PERF_MEM_LVL_LFB 0x0010
#define PERF_MEM_LVL_L2 0x0020
#define PERF_MEM_LVL_L3 0x0040
#define PERF_MEM_LVL_LOC_RAM 0x0080
#define PERF_MEM_LVL_REM_RAM1 0x0100
#define PERF_MEM_LVL_REM_RAM2 0x0200
#define PERF_MEM_LVL_REM_CCE1 0x0400
#define PERF_MEM_LVL_REM_CCE2 0x0800
#define PERF_MEM_LVL_IO 0x1000
#define PERF_MEM_LVL_UNC 0x2000
#define PERF_MEM_LVL_SHIFT 5

#define PERF_MEM_REMOTE_REMOTE 0x0001
#define PERF_MEM_REMOTE_SHIFT 37

/* memory level number */
#define PERF_MEM_LVLNUM_L1 0x0001
#define PERF_MEM_LVLNUM_L2 0x0002
#define PERF_MEM_LVLNUM_L3 0x0003
#define PERF_MEM_LVLNUM_L4 0x0004
#define PERF_MEM_LVLNUM_L2_MHB 0x0005
#define PERF_MEM_LVLNUM_MSC 0x0006
#define PERF_MEM_LVLNUM_UNC 0x0008
#define PERF_MEM_LVLNUM_CXL 0x0009
#define PERF_MEM_LVLNUM_IO 0x000a
#define PERF_MEM_LVLNUM_ANY_CACHE 0x000b
#define PERF_MEM_LVLNUM_LFB 0x000c
#define PERF_MEM_LVLNUM_RAM 0x000d
#define PERF_MEM_LVLNUM_PMEM 0x000e
#define PERF_MEM_LVLNUM_NA 0x000f
#define PERF_MEM_LVLNUM_SHIFT 33

/* snoop */
#define PERF_MEM_SNOOP_NA 0x0001
#define PERF_MEM_SNOOP_NONE 0x0002
#define PERF_MEM_SNOOP_HIT 0x0004
#define PERF_MEM_SNOOP_MISS 0x0008
#define PERF_MEM_SNOOP_HITM 0x0010
#define PERF_MEM_SNOOP_SHIFT 19

#define PERF_MEM_SNOOPX_FWD 0x0001
#define PERF_MEM_SNOOPX_PEER 0x0002
#define PERF_MEM_SNOOPX_SHIFT 38

/* locked instruction */
#define PERF_MEM_LOCK_NA 0x0001
#define PERF_MEM_LOCK_LOCKED 0x0002
#define PERF_MEM_LOCK_SHIFT 24

/* TLB access */
#define PERF_MEM_TLB_NA 0x0001
#define PERF_MEM_TLB_HIT 0x0002
#define PERF_MEM_TLB_MISS 0x0004
#define PERF_MEM_TLB_L1 0x0008
#define PERF_MEM_TLB_L2 0x0010
#define PERF_MEM_TLB_WK 0x0020
#define PERF_MEM_TLB_OS 0x0040
#define PERF_MEM_TLB_SHIFT 26

/* access blocked */
#define PERF_MEM_BLK_NA 0x0001
#define PERF_MEM_BLK_DATA 0x0002
#define PERF_MEM_BLK_ADDR 0x0004
#define PERF_MEM_BLK_SHIFT 40

/* hop level */
#define PERF_MEM_HOPS_0 0x0001
#define PERF_MEM_HOPS_1 0x0002
#define PERF_MEM_HOPS_2 0x0003
#define PERF_MEM_HOPS_3 0x0004
#define PERF_MEM_HOPS_SHIFT 43

/* PERF_MEM_S(LVL, HIT): a field value shifted into place */
#define PERF_MEM_S(a, s) (((__u64)PERF_MEM_##a##_##s) << PERF_MEM_##a##_SHIFT)

/* One branch record of PERF_SAMPLE_BRANCH_STACK. */
struct perf_branch_entry {
	__u64 from;
	__u64 to;
	__u64 mispred : 1, predicted : 1, in_tx : 1, abort : 1, cycles : 16,
		type : 4, /* PERF_BR_* */
		spec : 2, /* PERF_BR_SPEC_* */
		new_type : 4, /* PERF_BR_NEW_* */
		priv : 3, /* PERF_BR_PRIV_* */
		reserved : 31;
};

#define PERF_BRANCH_ENTRY_INFO_BITS_MAX 33

/* PERF_SAMPLE_WEIGHT_STRUCT: var1 is always the low 32 bits of full. */
union perf_sample_weight {
	__u64 full;
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && \
	__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	struct {
		__u16 var3_w;
		__u16 var2_w;
		__u32 var1_dw;
	};
#else
	struct {
		__u32 var1_dw;
		__u16 var2_w;
		__u16 var3_w;
	};
#endif
};

#endif /* _LINUX_PERF_EVENT_H */
