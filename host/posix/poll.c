// SPDX-License-Identifier: MIT
/*
 * poll(2) on kbpf fds, level-triggered as Linux's.
 *
 * Each kbpf fd of this host is an eventfd that kbpf_host.wake signals. An
 * eventfd stays readable until it is read, but readers of a ring buffer
 * never read it: they advance consumer_pos in shared memory. So before a
 * caller sleeps, kbpf_posix_poll_rearm() drains the eventfd, asks kbpf what
 * Linux's poll would report now (kbpf_obj_poll()) and signals the eventfd
 * again if that is ready. A wake-up racing with the rearm is not lost: the
 * producer publishes its data before it signals, and the rearm drains
 * before it looks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "kbpf/object.h"
#include "kbpf_posix.h"

/* The bits poll(2) reports whether asked or not. */
#define ALWAYS (KBPF_POLLERR | KBPF_POLLHUP)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int kbpf_posix_poll_rearm(int fd)
{
	struct kbpf_obj *obj = kbpf_posix_fd_obj(fd);
	eventfd_t v;
	uint32_t r;

	if (!obj) {
		errno = EBADF;
		return -1;
	}
	/* Drain first, then look: a wake-up after the look signals again. */
	while (eventfd_read(fd, &v) == 0)
		;
	r = kbpf_obj_poll(obj);
	if (r)
		eventfd_write(fd, 1);
	kbpf_obj_put(obj);
	return (int)r;
}

int kbpf_posix_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	int64_t deadline = timeout > 0 ? now_ms() + timeout : 0;
	struct pollfd *real;
	bool *ours;
	int ready, left, r;

	real = calloc(nfds ? nfds : 1, sizeof(*real) + sizeof(*ours));
	if (!real) {
		errno = ENOMEM;
		return -1;
	}
	ours = (bool *)(real + (nfds ? nfds : 1));
	for (;;) {
		ready = 0;
		for (nfds_t i = 0; i < nfds; i++) {
			int m = fds[i].fd < 0 ?
					-1 :
					kbpf_posix_poll_rearm(fds[i].fd);

			real[i] = fds[i];
			real[i].revents = 0;
			fds[i].revents = 0;
			ours[i] = m >= 0;
			if (m < 0)
				continue; /* not kbpf's: the real poll answers */
			/* A kbpf fd sleeps on its eventfd's POLLIN only. */
			real[i].events = POLLIN;
			fds[i].revents =
				(short)((uint32_t)m &
					((uint16_t)fds[i].events | ALWAYS));
			ready += fds[i].revents != 0;
		}
		left = timeout;
		if (ready)
			left = 0;
		else if (timeout > 0)
			left = (int)(deadline > now_ms() ? deadline - now_ms() :
							   0);
		r = poll(real, nfds, left);
		if (r < 0) {
			free(real);
			return -1;
		}
		ready = 0;
		for (nfds_t i = 0; i < nfds; i++) {
			if (!ours[i])
				fds[i].revents = real[i].revents;
			ready += fds[i].revents != 0;
		}
		/*
		 * Done if something is ready or the time is up; else an
		 * eventfd woke us: look at kbpf's state again.
		 */
		if (ready || left == 0 || r == 0)
			break;
	}
	free(real);
	return ready;
}
