/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_PROG_ARRAY for the program side: the tail-call lookup and
 * the owner check a program makes at load. Not public.
 */
#ifndef KBPF_MAPS_PROG_ARRAY_H
#define KBPF_MAPS_PROG_ARRAY_H

#include "core/map.h"
#include "core/prog.h"

/*
 * The program in slot @index of prog array @map, or NULL (empty or out of
 * range), for bpf_tail_call. No reference is taken. With
 * kbpf_host.defer_free the caller runs inside a read-side section, and a
 * program replaced or deleted meanwhile is freed only after it. Without
 * defer_free the program comes with a run hold (kbpf_prog_run_hold()):
 * its release waits until the caller gives it back with
 * kbpf_prog_run_done() when the run ends (the interpreter does).
 * Context: program path, any CPU. Lock-free with defer_free; else takes
 * the array's run lock (IRQs saved) for a load and an increment.
 */
struct kbpf_prog *kbpf_prog_array_get(struct kbpf_map *map, uint32_t index);

/*
 * Linux's bpf_prog_map_compatible(): the first program stored in or loaded
 * with @map sets its owner (program type, expected attach type); later
 * ones must match. Return true if @prog may be used with @map.
 * Context: syscall path; takes the map's owner lock.
 */
bool kbpf_prog_array_compatible(struct kbpf_map *map,
				const struct kbpf_prog *prog);

/*
 * Store @prog in slot @index of prog array @map, as BPF_MAP_UPDATE_ELEM
 * with the program's fd does: the slot takes a new reference on @prog and
 * drops the one on the program it replaces. Used by the object loader for
 * `values` initialisers.
 * Context: syscall path; takes the map's owner lock.
 * Return: 0; -E2BIG if @index >= max_entries; -EINVAL if @prog does not
 * match the map's owner (kbpf_prog_array_compatible()).
 */
int kbpf_prog_array_set(struct kbpf_map *map, uint32_t index,
			struct kbpf_prog *prog);

#endif /* KBPF_MAPS_PROG_ARRAY_H */
