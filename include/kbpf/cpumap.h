/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_CPUMAP, for XDP redirects to another CPU
 * (bpf_redirect_map). After an XDP_REDIRECT verdict whose
 * kbpf_xdp.redirect_map is a CPUMAP (include/kbpf/packet.h), the host
 * queues the frame for CPU kbpf_xdp.redirect_key and, on that CPU, runs
 * the entry's program, if any, with kbpf_xdp_run() before passing the
 * frame on (Linux's cpumap kthread). See src/maps/cpumap.c for the rules.
 */
#ifndef KBPF_CPUMAP_H
#define KBPF_CPUMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kbpf_map;
struct kbpf_prog;

/** kbpf_cpumap_is() - is @map a CPUMAP? Context: any. */
KBPF_API bool kbpf_cpumap_is(const struct kbpf_map *map);

/**
 * kbpf_cpumap_lookup() - the entry of CPU @cpu in @map.
 * @map: a CPUMAP (another map answers false).
 * @cpu: the index, as bpf_redirect_map's key.
 * @qsize: if not NULL and there is an entry, its queue size (1..16384).
 * @prog: if not NULL and there is an entry, its XDP program (expected
 *        attach type BPF_XDP_CPUMAP) or NULL; no reference is taken: it
 *        stays valid until the end of the caller's read-side section.
 *
 * Return: true if @cpu has an entry.
 * Context: program path or any CPU inside a read-side section (the entry
 * may be replaced meanwhile and is freed after the section); lock-free.
 */
KBPF_API bool kbpf_cpumap_lookup(struct kbpf_map *map, uint32_t cpu,
				 uint32_t *qsize, struct kbpf_prog **prog);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_CPUMAP_H */
