/* SPDX-License-Identifier: MIT */
/*
 * kbpf's UAPI headers first, then the system's Linux headers: kbpf's
 * definitions win and the system headers must turn into no-ops without a
 * single warning (built with -Wall -Wextra -pedantic -Werror).
 */
#include <kbpf/uapi/bpf.h>
#include <kbpf/uapi/perf_event.h>
#include <kbpf/uapi/btf.h>

#include <linux/types.h>
#include <linux/bpf_common.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/perf_event.h>
#include <linux/btf.h>

#include <stdio.h>

#if !defined(KBPF_UAPI_BPF_H) || !defined(KBPF_UAPI_PERF_EVENT_H) || \
	!defined(KBPF_UAPI_BTF_H)
#error "kbpf's headers came first, so their definitions must be in effect"
#endif

/* 6.18-only names are usable: kbpf's definitions are the ones in use. */
_Static_assert(sizeof(union bpf_attr) == 168, "kbpf's bpf_attr");
_Static_assert(BPF_MAP_TYPE_ARENA == 33, "kbpf's map types");
_Static_assert(sizeof(struct perf_event_attr) == PERF_ATTR_SIZE_VER8, "attr");

/* Types from <linux/types.h> and kbpf agree (redeclaration would fail). */
static __u64 u64_value;
static unsigned long long *u64_check = &u64_value;

/* <linux/filter.h> still works on top of kbpf's bpf_common part. */
static struct sock_filter classic = BPF_STMT(BPF_RET | BPF_K, 0);

int main(void)
{
	printf("coexistence (kbpf first): ok %d %d\n", (int)*u64_check,
	       (int)classic.code);
	printf("1 passed, 0 failed\n");
	return 0;
}
