/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_DEVMAP and DEVMAP_HASH, for XDP redirects
 * (bpf_redirect_map). The host says which ifindexes exist
 * (kbpf_host.ifindex_ok) and, after an XDP_REDIRECT verdict, reads where
 * the program sent the packet from struct kbpf_xdp (include/kbpf/packet.h)
 * and transmits it itself. See src/maps/devmap.c for the rules.
 */
#ifndef KBPF_DEVMAP_H
#define KBPF_DEVMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "uapi/bpf.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kbpf_map;

/** kbpf_devmap_is() - is @map a DEVMAP or DEVMAP_HASH? Context: any. */
KBPF_API bool kbpf_devmap_is(const struct kbpf_map *map);

/**
 * kbpf_devmap_lookup() - the entry of @key (its ifindex), or NULL.
 * Context: program path or any CPU inside a read-side section (the entry
 * may be replaced meanwhile and is freed after the section); lock-free.
 */
KBPF_API const struct bpf_devmap_val *kbpf_devmap_lookup(struct kbpf_map *map,
							 uint32_t key);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_DEVMAP_H */
