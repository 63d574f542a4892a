// SPDX-License-Identifier: MIT
/*
 * poll(2) on kbpf fds: what Linux's file operations report for each kind.
 * Maps answer through their ops (ring buffers), perf events through their
 * ring's wake-up flag; the other kinds have no poll in Linux and get the
 * VFS default.
 */
#include "kbpf/object.h"
#include "kbpf/perf.h"

#include "core/map.h"
#include "core/object.h"

/* Linux's DEFAULT_POLLMASK: a file without ->poll. */
#define DEFAULT_POLLMASK \
	(KBPF_POLLIN | KBPF_POLLOUT | KBPF_POLLRDNORM | KBPF_POLLWRNORM)

uint32_t kbpf_obj_poll(struct kbpf_obj *obj)
{
	switch (obj->type) {
	case KBPF_OBJ_MAP: {
		struct kbpf_map *map = (struct kbpf_map *)obj;

		return map->ops->poll ? map->ops->poll(map) : KBPF_POLLERR;
	}
	case KBPF_OBJ_PERF_EVENT:
		return kbpf_perf_event_poll((struct kbpf_perf_event *)obj);
	default:
		return DEFAULT_POLLMASK;
	}
}
