/* SPDX-License-Identifier: MIT */
/*
 * kbpf: a freestanding, Linux-compatible eBPF runtime for any kernel.
 * The umbrella header: includes every public kbpf header.
 */
#ifndef KBPF_KBPF_H
#define KBPF_KBPF_H

/*
 * The release: the one place it is written. CMake reads these three lines
 * (cmake/version.cmake) for project(VERSION), the CMake package version and
 * kbpf.pc; keep them "#define KBPF_VERSION_<PART> <decimal>".
 */
#define KBPF_VERSION_MAJOR 0
#define KBPF_VERSION_MINOR 1
#define KBPF_VERSION_PATCH 0

/* "MAJOR.MINOR.PATCH", e.g. "0.1.0". */
#define KBPF_VERSION_STRING                                        \
	KBPF_VERSION_JOIN_(KBPF_VERSION_MAJOR, KBPF_VERSION_MINOR, \
			   KBPF_VERSION_PATCH)
#define KBPF_VERSION_JOIN_(a, b, c) KBPF_VERSION_JOIN2_(a, b, c)
#define KBPF_VERSION_JOIN2_(a, b, c) #a "." #b "." #c

/* One number that compares: MAJOR * 10000 + MINOR * 100 + PATCH. */
#define KBPF_VERSION                                             \
	(KBPF_VERSION_MAJOR * 10000 + KBPF_VERSION_MINOR * 100 + \
	 KBPF_VERSION_PATCH)

/*
 * Every public header: the porter's API. What they declare is all libkbpf
 * exports (cmake/kbpf.exports); each compiles alone, as C11 and as C++.
 */
#include "config.h"
#include "errno.h"
#include "host.h"
#include "object.h"
#include "sys.h"
#include "map.h"
#include "prog.h"
#include "ringbuf.h"
#include "devmap.h"
#include "stackmap.h"
#include "state.h"
#include "perf.h"
#include "raw_tp.h"
#include "interp.h"
#include "packet.h"
#include "cgroup.h"
#include "local_storage.h"
#include "kfunc.h"
#include "loader.h"
#include "disasm.h"
#include "uapi/bpf.h"
#include "uapi/btf.h"
#include "uapi/perf_event.h"

#endif /* KBPF_KBPF_H */
