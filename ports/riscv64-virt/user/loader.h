/* SPDX-License-Identifier: MIT */
/* A BPF object loaded from user mode through bpf(2) (user/loader.c). */
#ifndef PORT_LOADER_H
#define PORT_LOADER_H

#include "kbpf/loader.h"
#include "ulib.h"

#define OBJ_MAX 8

struct user_obj {
	struct kbpf_elf *elf;
	int map_fds[OBJ_MAX]; /* by kbpf_elf.maps index: the fd_array */
	int prog_fds[OBJ_MAX]; /* by kbpf_elf.progs index */
};

/* Parse, create the maps, load the programs. 0 or a negative errno. */
int obj_load(const void *buf, size_t size, unsigned int nr_cpus,
	     struct user_obj *o);
/* The fd of the map called @name (its variable or its kernel name). */
int obj_map_fd(const struct user_obj *o, const char *name);
/* Close every fd and free the parsed object. */
void obj_close(struct user_obj *o);

#endif /* PORT_LOADER_H */
