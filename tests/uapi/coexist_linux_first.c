/* SPDX-License-Identifier: MIT */
/*
 * The system's Linux headers first, then kbpf's: the system definitions
 * win, kbpf's headers add only their kbpf-specific extras, and nothing may
 * warn (built with -Wall -Wextra -pedantic -Werror).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <linux/btf.h>

#include <kbpf/uapi/bpf.h>
#include <kbpf/uapi/perf_event.h>
#include <kbpf/uapi/btf.h>

#include <stdio.h>

#if defined(KBPF_UAPI_BPF_H) || defined(KBPF_UAPI_PERF_EVENT_H) || \
	defined(KBPF_UAPI_BTF_H)
#error "the system headers came first, so kbpf's must have stepped aside"
#endif

/* kbpf's extras stay available. */
#define COUNT_HELPER(name, id) +1
enum { helpers = 0 KBPF_HELPER_LIST(COUNT_HELPER) };
_Static_assert(helpers == KBPF_HELPER_COUNT, "helper list");
_Static_assert(KBPF_IOW('$', 8, __u32) == PERF_EVENT_IOC_SET_BPF,
	       "kbpf ioctl encoder matches Linux");

static __u64 u64_value;
static unsigned long long *u64_check = &u64_value;

int main(void)
{
	printf("coexistence (linux first): ok %d %d\n", (int)*u64_check,
	       (int)helpers);
	printf("1 passed, 0 failed\n");
	return 0;
}
