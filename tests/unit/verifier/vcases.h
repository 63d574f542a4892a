/* SPDX-License-Identifier: MIT */
/*
 * The verifier's table of hand-written programs (vcases.c), shared by
 * test_verifier_diff.c (kbpf against the kernel) and bench/bench_verifier.c
 * (verification cost). Programs name their maps as ld_imm64
 * BPF_PSEUDO_MAP_FD with imm VCASE_MAPREF + i, i < VCASE_NR_MAPS; a loader
 * creates map i from vcase_map_attr() and replaces the imm with its fd.
 */
#ifndef KBPF_TEST_VCASES_H
#define KBPF_TEST_VCASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbpf/uapi/bpf.h"

#define VCASE_MAPREF 0x7ead0000
#define VCASE_NR_MAPS 12

struct vcase {
	const char *name;
	/*
	 * Tracing programs: "tp:<tracepoint>" (tp_btf), "fentry:<function>"
	 * or "fexit:<function>", their attach_btf_id from this kernel's BTF,
	 * which kbpf gets as its host BTF; "kfunc": a program of type @type
	 * whose kfunc calls name vcase_kfuncs[k] with imm VCASE_KF(k),
	 * resolved by name in this kernel's BTF; "btf": a program of type
	 * @type whose offsets only name BTF fields; NULL otherwise. Offsets
	 * VCASE_BTF_F(k) in their instructions name field k of
	 * vcase_btf_fields[], resolved by the loader in the running kernel's
	 * BTF (so that no case depends on one kernel's layout).
	 */
	const char *attach;
	uint32_t type;
	bool unpriv; /* loader without CAP_PERFMON / CAP_SYS_ADMIN */
	bool safe; /* what the case is about (the kernel decides) */
	bool same_line; /* v0 prints Linux's line: assert it */
	struct bpf_insn insns[40];
};

extern const struct vcase vcases[];

/* A kfunc call's imm naming vcase_kfuncs[k] ("kfunc" cases). */
#define VCASE_KF(k) (0x7f000000 + (k))
#define VCASE_NR_KF 4
extern const char *const vcase_kfuncs[VCASE_NR_KF];

/* An instruction offset naming field k of vcase_btf_fields[] (+ a rest). */
#define VCASE_BTF_F(k) (-30000 + 64 * (k))
#define VCASE_NR_BTF_F 16
struct vcase_btf_field {
	const char *type, *member; /* member NULL: the struct's size */
};
extern const struct vcase_btf_field vcase_btf_fields[VCASE_NR_BTF_F];
extern const size_t vcases_nr;

/* vcase_len() - instructions of @c: up to its last non-empty one. */
uint32_t vcase_len(const struct vcase *c);

/*
 * vcase_lock_btf() - the BTF blob of the lock maps (static; its size in
 * *@size): [1] int, [2] struct bpf_spin_lock, [3] the value struct.
 */
const void *vcase_lock_btf(uint32_t *size);

/*
 * vcase_map_attr() - fill @a to create map @i (< VCASE_NR_MAPS); maps with
 * a BTF value take @btf_fd, the loaded vcase_lock_btf().
 */
void vcase_map_attr(int i, union bpf_attr *a, uint32_t btf_fd);

/*
 * vcase_map_inner() - the map whose fd map @i takes as its inner_map_fd
 * (a map-in-map: create that one first), or -1.
 */
int vcase_map_inner(int i);

#endif /* KBPF_TEST_VCASES_H */
