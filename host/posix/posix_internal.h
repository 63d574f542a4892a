/* SPDX-License-Identifier: MIT */
/* Shared between the POSIX host's files; not installed. */
#ifndef KBPF_POSIX_INTERNAL_H
#define KBPF_POSIX_INTERNAL_H

#include "kbpf/errno.h"
#include "kbpf/kfunc.h"
#include "kbpf_posix.h"

void *posix_alloc(const struct kbpf_host *h, size_t size, size_t align,
		  uint32_t flags);
void posix_free(const struct kbpf_host *h, void *ptr, size_t size);
/* Count one allocation of @kind; 1 if fault injection makes it fail. */
int posix_alloc_should_fail(enum kbpf_posix_alloc_kind kind);
int posix_alloc_pages(const struct kbpf_host *h, size_t nr, uintptr_t *pages);
void posix_free_pages(const struct kbpf_host *h, const uintptr_t *pages,
		      size_t nr);
void *posix_vmap(const struct kbpf_host *h, const uintptr_t *pages, size_t nr);
void posix_vunmap(const struct kbpf_host *h, void *addr, size_t nr);
/* Map @nr pages into this process at @addr (or anywhere if NULL) with @prot. */
void *posix_map_pages(void *addr, const uintptr_t *pages, size_t nr, int prot,
		      int fixed);

int posix_copy_from_user(const struct kbpf_host *h, void *dst, const void *usrc,
			 size_t n);
int posix_copy_to_user(const struct kbpf_host *h, void *udst, const void *src,
		       size_t n);
long posix_strncpy_from_user(const struct kbpf_host *h, char *dst,
			     const char *usrc, size_t n);
int posix_probe_read(const struct kbpf_host *h, void *dst, const void *src,
		     size_t n);

int posix_fd_install(const struct kbpf_host *h, struct kbpf_obj *obj,
		     uint32_t fd_flags);
int posix_fd_get(const struct kbpf_host *h, int fd, struct kbpf_obj **obj,
		 uint32_t *fd_flags);
/* The access flags (KBPF_FD_*) of a kbpf fd: 0 or -EBADF. */
int posix_fd_flags(int fd, uint32_t *fd_flags);
/* Pins (bpffs.c): kbpf_host.pin/get_pinned; posix_unpin_all() drops all. */
int posix_pin(const struct kbpf_host *h, struct kbpf_obj *obj, const char *path,
	      int path_fd);
int posix_get_pinned(const struct kbpf_host *h, const char *path, int path_fd,
		     uint32_t fd_flags, struct kbpf_obj **obj);
void posix_unpin_all(void);
void posix_wake(const struct kbpf_host *h, struct kbpf_obj *obj);

uint32_t posix_cpu_id(const struct kbpf_host *h);
/* Executable memory (jit.c): kbpf_host.jit_alloc/jit_seal/jit_free. */
void *posix_jit_alloc(const struct kbpf_host *h, size_t size);
int posix_jit_seal(const struct kbpf_host *h, void *p, size_t size);
void posix_jit_free(const struct kbpf_host *h, void *p, size_t size);
unsigned long posix_read_lock(const struct kbpf_host *h);
void posix_read_unlock(const struct kbpf_host *h, unsigned long state);
void posix_defer_free(const struct kbpf_host *h, struct kbpf_rcu_head *head);
/* Owners of local storage (owners.c). */
int posix_owner_fd_get(const struct kbpf_host *h, int kind, int fd,
		       uint64_t *owner);
void posix_owner_put(const struct kbpf_host *h, int kind, uint64_t owner);
/* The task kfuncs (owners.c): kbpf_host.kfuncs. */
#define POSIX_NR_KFUNCS 3
extern const struct kbpf_kfunc posix_kfuncs[POSIX_NR_KFUNCS];
void **posix_owner_storage(const struct kbpf_host *h, int kind, uint64_t owner);
/* One-shot timers for bpf_timer (timer.c): kbpf_host.timer_*. */
void *posix_timer_alloc(const struct kbpf_host *h, uint32_t clockid,
			void (*fn)(void *arg), void *arg);
void posix_timer_start(const struct kbpf_host *h, void *t, uint64_t ns,
		       bool abs, uint32_t cpu);
int posix_timer_cancel(const struct kbpf_host *h, void *t);
void posix_timer_free(const struct kbpf_host *h, void *t);
void posix_trace_write(const struct kbpf_host *h, const char *msg, size_t len);

/* sklookup.c: kbpf_host.sk_lookup and sk_release from /proc/net. */
int posix_sk_lookup(const struct kbpf_host *h, const struct kbpf_sk_tuple *t,
		    struct kbpf_sk_info *out);
void posix_sk_release(const struct kbpf_host *h, void *handle);

#endif /* KBPF_POSIX_INTERNAL_H */
