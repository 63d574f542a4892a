/* SPDX-License-Identifier: MIT */
/*
 * The privilege of one bpf(2) caller, as Linux 6.18 tests it.
 *
 * Linux never asks "is the caller root"; it asks capable() for one of four
 * capabilities, each time combined the same way (kernel/bpf/token.c,
 * include/linux/capability.h):
 *
 *   bpf_capable()      CAP_BPF or CAP_SYS_ADMIN         KBPF_PRIV_BPF
 *   perfmon_capable()  CAP_PERFMON or CAP_SYS_ADMIN     KBPF_PRIV_PERFMON
 *   bpf_net_capable()  CAP_NET_ADMIN or CAP_SYS_ADMIN   KBPF_PRIV_NET_ADMIN
 *   capable(CAP_SYS_ADMIN)                              KBPF_PRIV_SYS_ADMIN
 *
 * kbpf asks the host (kbpf_host.capable) in those combinations, in the
 * syscall path only. The rules that use the answers live beside what they
 * govern: commands in src/sys/sys.c's table, map types in src/maps/map_sys.c,
 * program types and helpers in src/prog/ (docs/design/privilege.md lists them all).
 *
 * A program remembers what its loader held (kbpf_prog.priv): the helpers it
 * may call and the pointer rules of its runs follow its loader, not
 * whoever runs it, as in Linux (prog->aux->token and the verifier's env).
 *
 * No locks; syscall path.
 */
#ifndef KBPF_CORE_PRIV_H
#define KBPF_CORE_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "kbpf/host.h"

#define KBPF_PRIV_BPF 0x1u /* bpf_capable() */
#define KBPF_PRIV_PERFMON 0x2u /* perfmon_capable() */
#define KBPF_PRIV_NET_ADMIN 0x4u /* bpf_net_capable() */
#define KBPF_PRIV_SYS_ADMIN 0x8u /* capable(CAP_SYS_ADMIN) */
#define KBPF_PRIV_ALL 0xfu

/**
 * kbpf_priv_has() - does the calling task hold every privilege in @need
 * (KBPF_PRIV_* bits)? Asks kbpf_host.capable only for what @need names,
 * CAP_SYS_ADMIN last (Linux's order); true for every @need if the host
 * has no capable callback, and for @need 0.
 *
 * Context: syscall path; may sleep (the host's callback may).
 */
bool kbpf_priv_has(const struct kbpf_host *h, uint32_t need);

/**
 * kbpf_priv_current() - every KBPF_PRIV_* bit the calling task holds (what
 * a program it loads keeps). KBPF_PRIV_ALL without a capable callback.
 *
 * Context: syscall path; may sleep.
 */
uint32_t kbpf_priv_current(const struct kbpf_host *h);

/**
 * kbpf_priv_unpriv_refused() - Linux's "sysctl_unprivileged_bpf_disabled &&
 * !bpf_capable()": true when the host's unprivileged_bpf_disabled setting
 * is not 0 and the caller lacks KBPF_PRIV_BPF. BPF_MAP_CREATE and
 * BPF_PROG_LOAD then fail with -EPERM. Asks the capability first, and
 * the setting only of a caller without it (Linux asks the other way
 * round; the answer is the same, and the common privileged call then
 * costs the host one question).
 *
 * Context: syscall path; may sleep.
 */
bool kbpf_priv_unpriv_refused(const struct kbpf_host *h);

#endif /* KBPF_CORE_PRIV_H */
