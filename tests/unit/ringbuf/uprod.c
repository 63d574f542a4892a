// SPDX-License-Identifier: MIT
/* libbpf's user_ring_buffer behind a plain interface (see uprod.h). */
#include <errno.h>
#include <stddef.h>

#include "interpose.h"
#include "uprod.h"

#ifdef KBPF_HAVE_LIBBPF
#include <bpf/libbpf.h>

int uprod_available(const char **why)
{
	(void)why;
	return 1;
}

struct uprod *uprod_new(int map_fd, int kbpf)
{
	struct user_ring_buffer *rb;

	interpose_to_kbpf = kbpf;
	rb = user_ring_buffer__new(map_fd, NULL);
	interpose_to_kbpf = 0;
	return (struct uprod *)rb;
}

void *uprod_reserve(struct uprod *p, uint32_t size)
{
	return user_ring_buffer__reserve((struct user_ring_buffer *)p, size);
}

void uprod_submit(struct uprod *p, void *sample)
{
	user_ring_buffer__submit((struct user_ring_buffer *)p, sample);
}

void uprod_discard(struct uprod *p, void *sample)
{
	user_ring_buffer__discard((struct user_ring_buffer *)p, sample);
}

void uprod_free(struct uprod *p)
{
	user_ring_buffer__free((struct user_ring_buffer *)p);
}

#else

int uprod_available(const char **why)
{
	*why = "this build does not link libbpf (libbpf-dev missing, cross or static build)";
	return 0;
}

struct uprod *uprod_new(int map_fd, int kbpf)
{
	(void)map_fd;
	(void)kbpf;
	errno = ENOSYS;
	return NULL;
}

void *uprod_reserve(struct uprod *p, uint32_t size)
{
	(void)p;
	(void)size;
	errno = ENOSYS;
	return NULL;
}

void uprod_submit(struct uprod *p, void *sample)
{
	(void)p;
	(void)sample;
}

void uprod_discard(struct uprod *p, void *sample)
{
	(void)p;
	(void)sample;
}

void uprod_free(struct uprod *p)
{
	(void)p;
}
#endif
