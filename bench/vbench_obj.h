/* SPDX-License-Identifier: MIT */
/* See vbench_obj.c: libbpf opening and loading objects for bench_verifier. */
#ifndef KBPF_VBENCH_OBJ_H
#define KBPF_VBENCH_OBJ_H

#define VOBJ_NAME 64

/* Silences libbpf's messages. */
void vobj_init(void);

/* The names of @path's programs (at most @max): their count, or -errno. */
int vobj_programs(const char *path, char names[][VOBJ_NAME], int max);

/*
 * Opens @path and loads its program number @idx alone (the others not
 * autoloaded) on the kernel or on kbpf; *obj is the open object (NULL if
 * it did not open), for vobj_close(). Returns libbpf's result (0 or
 * -errno).
 */
int vobj_load(const char *path, int idx, int to_kbpf, void **obj);

/* Closes an object of vobj_load() (on the side it was loaded on). */
void vobj_close(void *obj, int to_kbpf);

#endif
