/* SPDX-License-Identifier: MIT */
/*
 * The bpf(2) entry point. A host wires its bpf syscall to kbpf_sys_bpf() and
 * gets Linux's command semantics, attribute rules and errnos.
 */
#ifndef KBPF_SYS_H
#define KBPF_SYS_H

#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * kbpf_sys_bpf() - run one bpf(2) command.
 * @host: the host table.
 * @cmd: enum bpf_cmd.
 * @uattr: the user's union bpf_attr (a user pointer: every access goes
 *         through host->copy_from_user / copy_to_user).
 * @size: the size the user passed.
 *
 * Attribute rules, as Linux's: @size > KBPF_ATTR_MAX_SIZE (4096) gives
 * -E2BIG; bytes past sizeof(union bpf_attr) must be zero, else -E2BIG;
 * min(@size, sizeof(union bpf_attr)) bytes are copied and the rest read as
 * zero; a fault while reading gives -EFAULT; then an unknown @cmd gives
 * -EINVAL; then any non-zero byte after the command's last field gives
 * -EINVAL. Commands Linux has but kbpf does not implement yet give
 * -EOPNOTSUPP.
 *
 * Context: syscall path; may sleep; takes the locks of the objects the
 * command touches (never more than one at a time unless the command says).
 * Return: the command's result (an fd, 0, or a count) or a negative errno.
 */
KBPF_API long kbpf_sys_bpf(const struct kbpf_host *host, int cmd, void *uattr,
			   unsigned int size);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_SYS_H */
