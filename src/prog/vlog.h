/* SPDX-License-Identifier: MIT */
/*
 * The verifier log moved to src/core/ (core/vlog.h), where every module that
 * writes Linux's log lines (programs, packet contexts, BTF) can reach it.
 * This header only forwards, for code written before the move.
 */
#ifndef KBPF_PROG_VLOG_H
#define KBPF_PROG_VLOG_H

#include "core/vlog.h"

#endif /* KBPF_PROG_VLOG_H */
