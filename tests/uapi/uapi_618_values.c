/* SPDX-License-Identifier: MIT */
/*
 * Linux 6.18 values of the UAPI names that the 6.1 system headers (Debian
 * 12's linux-libc-dev, which the layout test compares against) lack or
 * define differently.  Checked at compile time against kbpf's headers only.
 *
 * Where the values come from
 *   Linux 6.18's include/uapi/linux/{bpf,bpf_common,perf_event,btf}.h as
 *   mirrored by libbpf (github.com/libbpf/libbpf) commit 7e9d6695503e
 *   ("sync: latest libbpf changes from kernel", 2025-10-06; kernel
 *   checkpoint de7342228b73, bpf-next checkpoint 4d920ed68439), i.e. the
 *   BPF tree as merged for 6.18-rc1.  The next sync (d65dbb41, 2025-11-07,
 *   on top of 6.18-rc) changes bpf.h only by 6.19 material
 *   (BPF_MAP_TYPE_INSN_ARRAY, BPF_F_RB_OVERWRITE, BPF_RB_OVERWRITE_POS,
 *   struct bpf_insn_array_value, helper doc text) and does not touch the
 *   other three headers, so these files are 6.18's ABI.
 *
 * How the table was made (uapi_618_table.inc)
 *   1. Configure with -DKBPF_LINUX_UAPI_DIR=DIR, DIR/linux/ holding those
 *      four 6.18 files, build, and save the output of uapi_layout_sys (the
 *      6.18 dump).  uapi_layout_identity then also passes, on all 2918
 *      names, with no known differences.
 *   2. Configure without it, build, and save uapi_layout_sys's output (the
 *      system, 6.1 dump).
 *   3. gen_618_table.py OLD NEW > uapi_618_table.inc turns every line that
 *      is new or different in the 6.18 dump into an assertion.
 *
 * The hand-picked assertions below restate the most important of them so a
 * reader need not search the generated table.
 */

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <kbpf/uapi/bpf.h>
#include <kbpf/uapi/perf_event.h>
#include <kbpf/uapi/btf.h>

#if !defined(KBPF_UAPI_BPF_H) || !defined(KBPF_UAPI_PERF_EVENT_H) || \
	!defined(KBPF_UAPI_BTF_H)
#error "the kbpf UAPI headers are not the ones in effect"
#endif

/* union bpf_attr: 168 bytes since the 6.18 signed-program fields. */
_Static_assert(sizeof(union bpf_attr) == 168, "bpf_attr size");
_Static_assert(offsetof(union bpf_attr, keyring_id) == 164, "prog load");
_Static_assert(offsetof(union bpf_attr, signature) == 152, "prog load");
_Static_assert(offsetof(union bpf_attr, fd_array_cnt) == 148, "prog load");
_Static_assert(offsetof(union bpf_attr, prog_token_fd) == 144, "prog load");
_Static_assert(offsetof(union bpf_attr, excl_prog_hash_size) == 88,
	       "map create");
_Static_assert(offsetof(union bpf_attr, map_token_fd) == 76, "map create");
_Static_assert(offsetof(union bpf_attr, path_fd) == 16, "obj pin/get");
_Static_assert(offsetof(union bpf_attr, expected_revision) == 24,
	       "prog attach");
_Static_assert(offsetof(union bpf_attr, fd_by_id_token_fd) == 12,
	       "get fd by id");
_Static_assert(offsetof(union bpf_attr, btf_token_fd) == 36, "btf load");
_Static_assert(offsetof(union bpf_attr, query.revision) == 56, "query");
_Static_assert(offsetof(union bpf_attr, raw_tracepoint.cookie) == 16, "raw tp");
_Static_assert(offsetof(union bpf_attr, link_create.uprobe_multi.pid) == 56,
	       "link create");
_Static_assert(offsetof(union bpf_attr, link_create.cgroup.expected_revision) ==
		       24,
	       "link create");
_Static_assert(offsetof(union bpf_attr, token_create.bpffs_fd) == 4,
	       "token create");
_Static_assert(offsetof(union bpf_attr, prog_stream_read.prog_fd) == 16,
	       "stream read");

/* Commands, map, program, attach and link types. */
_Static_assert(BPF_TOKEN_CREATE == 36, "cmd");
_Static_assert(BPF_PROG_STREAM_READ_BY_FD == 37, "cmd");
_Static_assert(__MAX_BPF_CMD == 38, "cmd");
_Static_assert(BPF_MAP_TYPE_USER_RINGBUF == 31, "map type");
_Static_assert(BPF_MAP_TYPE_CGRP_STORAGE == 32, "map type");
_Static_assert(BPF_MAP_TYPE_ARENA == 33, "map type");
_Static_assert(__MAX_BPF_MAP_TYPE == 34, "map type");
_Static_assert(BPF_PROG_TYPE_NETFILTER == 32, "prog type");
_Static_assert(__MAX_BPF_PROG_TYPE == 33, "prog type");
_Static_assert(BPF_TRACE_UPROBE_SESSION == 57, "attach type");
_Static_assert(__MAX_BPF_ATTACH_TYPE == 58, "attach type");
_Static_assert(BPF_LINK_TYPE_SOCKMAP == 14, "link type");
_Static_assert(__MAX_BPF_LINK_TYPE == 15, "link type");

/* Helpers: ids 0..211. */
_Static_assert(BPF_FUNC_cgrp_storage_get == 210, "helper");
_Static_assert(BPF_FUNC_cgrp_storage_delete == 211, "helper");
_Static_assert(__BPF_FUNC_MAX_ID == 212, "helper");
_Static_assert(KBPF_HELPER_COUNT == __BPF_FUNC_MAX_ID, "helper list");

/* Flags and ISA additions. */
_Static_assert(BPF_F_PATH_FD == (1U << 14), "map flag");
_Static_assert(BPF_F_VTYPE_BTF_OBJ_FD == (1U << 15), "map flag");
_Static_assert(BPF_F_TOKEN_FD == (1U << 16), "map flag");
_Static_assert(BPF_F_SEGV_ON_FAULT == (1U << 17), "map flag");
_Static_assert(BPF_F_NO_USER_CONV == (1U << 18), "map flag");
_Static_assert(BPF_F_PREORDER == (1U << 6), "attach flag");
_Static_assert(BPF_F_TEST_REG_INVARIANTS == (1U << 7), "prog flag");
_Static_assert(BPF_MEMSX == 0x80 && BPF_JCOND == 0xe0, "isa v4");
_Static_assert(BPF_LOAD_ACQ == 0x100 && BPF_STORE_REL == 0x110, "isa");
_Static_assert(BPF_MAY_GOTO == 0 && BPF_ADDR_SPACE_CAST == 1, "isa");

/* Opaque objects that grew. */
_Static_assert(sizeof(struct bpf_list_node) == 24, "list node");
_Static_assert(sizeof(struct bpf_rb_node) == 32, "rb node");
_Static_assert(sizeof(struct bpf_task_work) == 8, "task work");
_Static_assert(sizeof(struct bpf_map_info) == 104, "map info");
_Static_assert(sizeof(struct bpf_token_info) == 32, "token info");

/* perf and BTF. */
_Static_assert(sizeof(struct perf_event_attr) == PERF_ATTR_SIZE_VER8, "attr");
_Static_assert(offsetof(struct perf_event_mmap_page, data_head) == 1024,
	       "mmap page");
_Static_assert(offsetof(struct perf_event_mmap_page, data_tail) == 1032,
	       "mmap page");
_Static_assert(offsetof(struct perf_event_mmap_page, data_offset) == 1040,
	       "mmap page");
_Static_assert(offsetof(struct perf_event_mmap_page, data_size) == 1048,
	       "mmap page");
_Static_assert(PERF_SAMPLE_BRANCH_COUNTERS == (1U << 19), "branch");
_Static_assert(BTF_KIND_ENUM64 == 19 && NR_BTF_KINDS == 20, "btf kinds");

/* Runtime check of which bits a bit-field occupies, as "byte:mask ...". */
#define KBPF_CHECK_BITS(key, type, member, expect)                           \
	do {                                                                 \
		type kbpf_obj;                                               \
		volatile unsigned long long kbpf_ones = ~0ULL;               \
		memset(&kbpf_obj, 0, sizeof(kbpf_obj));                      \
		kbpf_obj.member = kbpf_ones;                                 \
		failed += kbpf_bits_differ(key, &kbpf_obj, sizeof(kbpf_obj), \
					   expect);                          \
	} while (0)

static int kbpf_bits_differ(const char *key, const void *obj, size_t n,
			    const char *expect)
{
	const unsigned char *p = obj;
	char buf[256];
	size_t len = 0, i;

	buf[0] = '\0';
	for (i = 0; i < n && len < sizeof(buf) - 16; i++)
		if (p[i])
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"%s%zu:%02x", len ? " " : "", i,
						p[i]);
	if (strcmp(buf, expect) == 0)
		return 0;
	printf("MISMATCH %s: kbpf %s, Linux 6.18 %s\n", key, buf, expect);
	return 1;
}

#include "uapi_618_table.inc"

int main(void)
{
	int failed = kbpf_618_check_bits();
	int total = KBPF_618_STATIC_NAMES + KBPF_618_BITFIELD_NAMES;

	printf("uapi 6.18 table: %d names checked at compile time, "
	       "%d bit-fields at run time\n",
	       KBPF_618_STATIC_NAMES, KBPF_618_BITFIELD_NAMES);
	printf("%d passed, %d failed\n", total - failed, failed);
	return failed ? 1 : 0;
}
