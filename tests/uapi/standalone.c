/* SPDX-License-Identifier: MIT */
/*
 * One kbpf UAPI header alone, freestanding, with strict warnings: proves
 * each header is self-contained.  KBPF_UAPI_HEADER names the header.
 */
#include KBPF_UAPI_HEADER

/* ISO C forbids an empty translation unit. */
typedef int kbpf_uapi_standalone_dummy;
