/* SPDX-License-Identifier: MIT */
/*
 * kbpf: a freestanding, Linux-compatible eBPF runtime for any kernel.
 * The umbrella header: includes every public kbpf header.
 */
#ifndef KBPF_KBPF_H
#define KBPF_KBPF_H

#define KBPF_VERSION_MAJOR 0
#define KBPF_VERSION_MINOR 1
#define KBPF_VERSION_PATCH 0

#include "config.h"
#include "errno.h"
#include "host.h"
#include "object.h"
#include "uapi/bpf.h"
#include "map.h"
#include "prog.h"
#include "sys.h"

#endif /* KBPF_KBPF_H */
