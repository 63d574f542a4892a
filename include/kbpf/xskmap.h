/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_XSKMAP, for XDP redirects to AF_XDP sockets
 * (bpf_redirect_map). Its entries are the host's sockets, named from user
 * space by fd through kbpf_host.owner_fd_get with KBPF_OWNER_XSK. After an
 * XDP_REDIRECT verdict whose kbpf_xdp.redirect_map is an XSKMAP
 * (include/kbpf/packet.h), the host finds the socket of
 * kbpf_xdp.redirect_key with kbpf_xskmap_lookup() and delivers the frame
 * to it. See src/maps/xskmap.c for the rules.
 */
#ifndef KBPF_XSKMAP_H
#define KBPF_XSKMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kbpf_map;

/** kbpf_xskmap_is() - is @map an XSKMAP? Context: any. */
KBPF_API bool kbpf_xskmap_is(const struct kbpf_map *map);

/**
 * kbpf_xskmap_lookup() - the socket at index @key of @map.
 * @map: an XSKMAP (another map answers false).
 * @key: the index, as bpf_redirect_map's key.
 * @sock: if not NULL and there is an entry, the socket as the host's
 *        owner_fd_get gave it (KBPF_OWNER_XSK). The entry's reference
 *        keeps it valid until the end of the caller's read-side section.
 *
 * Return: true if @key has an entry.
 * Context: program path or any CPU inside a read-side section (the entry
 * may be replaced meanwhile and is freed after the section); lock-free.
 */
KBPF_API bool kbpf_xskmap_lookup(struct kbpf_map *map, uint32_t key,
				 uint64_t *sock);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_XSKMAP_H */
