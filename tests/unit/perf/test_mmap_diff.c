// SPDX-License-Identifier: MIT
/*
 * mmap(2) of map fds through kbpf_posix_mmap() against the kernel's mmap
 * of the same kind of map: ring buffer page permissions and ranges,
 * mmapable arrays (size, MAP_PRIVATE, freeze), maps that cannot be mapped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "diff.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define PAGE 4096

static int side_map_errno(int side, long fd, size_t len, int prot, int flags,
			  off_t off)
{
	void *p;
	int err;

	if (side == SIDE_KERNEL)
		p = mmap(NULL, len, prot, flags, (int)fd, off);
	else
		p = kbpf_posix_mmap(NULL, len, prot, flags, (int)fd, off);
	if (p == MAP_FAILED)
		return errno;
	err = 0;
	if (side == SIDE_KERNEL)
		munmap(p, len);
	else
		kbpf_posix_munmap(p, len);
	return err;
}

#define RW (PROT_READ | PROT_WRITE)

KBPF_TEST(
	mmap_map_rules_vs_kernel,
	"ring buffer and array mappings are allowed and refused as the kernel allows them (attr_probe.out)")
{
	static const struct {
		const char *what;
		int kind; /* 0 ringbuf 4096, 1 mmapable array, 2 plain array, 3 queue */
		size_t len;
		int prot, flags;
		off_t off;
	} cases[] = {
		{ "rb consumer page RW", 0, PAGE, RW, MAP_SHARED, 0 },
		{ "rb consumer page RO", 0, PAGE, PROT_READ, MAP_SHARED, 0 },
		{ "rb 2 pages RW", 0, 2 * PAGE, RW, MAP_SHARED, 0 },
		{ "rb 2 pages RO", 0, 2 * PAGE, PROT_READ, MAP_SHARED, 0 },
		{ "rb producer+2x data RO", 0, 3 * PAGE, PROT_READ, MAP_SHARED,
		  PAGE },
		{ "rb producer page RW", 0, PAGE, RW, MAP_SHARED, PAGE },
		{ "rb too long", 0, 4 * PAGE, PROT_READ, MAP_SHARED, PAGE },
		{ "rb whole RO", 0, 4 * PAGE, PROT_READ, MAP_SHARED, 0 },
		{ "rb private", 0, PAGE, PROT_READ, MAP_PRIVATE, 0 },
		{ "array 1 page RW", 1, PAGE, RW, MAP_SHARED, 0 },
		{ "array 2 pages", 1, 2 * PAGE, RW, MAP_SHARED, 0 },
		{ "array private", 1, PAGE, RW, MAP_PRIVATE, 0 },
		{ "array offset 1 page", 1, PAGE, PROT_READ, MAP_SHARED, PAGE },
		{ "array without MMAPABLE", 2, PAGE, PROT_READ, MAP_SHARED, 0 },
		{ "queue", 3, PAGE, PROT_READ, MAP_SHARED, 0 },
	};

	{
		const char *why;

		if (!oracle_available(&why))
			T_SKIP("kernel oracle: %s", why);
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int e[2];

		for (int s = 0; s < 2; s++) {
			long fd;

			switch (cases[i].kind) {
			case 0:
				fd = side_create(s, BPF_MAP_TYPE_RINGBUF, 0, 0,
						 PAGE, 0, 0, NULL);
				break;
			case 1:
			case 2:
				fd = side_create(
					s, BPF_MAP_TYPE_ARRAY, 4, 12, 3,
					cases[i].kind == 1 ? BPF_F_MMAPABLE : 0,
					0, NULL);
				break;
			default:
				fd = side_create(s, BPF_MAP_TYPE_QUEUE, 0, 4, 4,
						 0, 0, NULL);
				break;
			}
			T_ASSERT(fd >= 0);
			e[s] = side_map_errno(s, fd, cases[i].len,
					      cases[i].prot, cases[i].flags,
					      cases[i].off);
			side_close(s, fd);
		}
		if (e[0] != e[1])
			T_FAIL("%s: kernel errno %d, kbpf %d", cases[i].what,
			       e[0], e[1]);
	}
}

KBPF_TEST(
	mmap_array_freeze_vs_kernel,
	"a writable mapping blocks FREEZE (EBUSY); a frozen array maps read-only only")
{
	long fd[2], r[2];
	void *p[2];

	{
		const char *why;

		if (!oracle_available(&why))
			T_SKIP("kernel oracle: %s", why);
	}
	for (int s = 0; s < 2; s++) {
		fd[s] = side_create(s, BPF_MAP_TYPE_ARRAY, 4, 12, 3,
				    BPF_F_MMAPABLE, 0, NULL);
		T_ASSERT(fd[s] >= 0);
		p[s] = s ? kbpf_posix_mmap(NULL, PAGE, RW, MAP_SHARED,
					   (int)fd[s], 0) :
			   mmap(NULL, PAGE, RW, MAP_SHARED, (int)fd[s], 0);
		T_ASSERT(p[s] != MAP_FAILED);
		/* Element 1 is at byte 16 (stride round_up(12, 8)). */
		((uint8_t *)p[s])[16] = 0x5a;
		r[s] = side_freeze(s, fd[s]);
	}
	T_EQ(r[1], r[0]);
	for (int s = 0; s < 2; s++) {
		uint32_t key = 1;
		uint8_t v[12];

		T_EQ(side_elem(s, BPF_MAP_LOOKUP_ELEM, fd[s], &key, v, 0), 0);
		T_EQ(v[0], 0x5a);
		if (s)
			kbpf_posix_munmap(p[s], PAGE);
		else
			munmap(p[s], PAGE);
		r[s] = side_freeze(s, fd[s]);
	}
	T_EQ(r[1], r[0]);
	for (int s = 0; s < 2; s++) {
		r[s] = side_map_errno(s, fd[s], PAGE, RW, MAP_SHARED, 0);
		T_EQ(r[s], EPERM);
		r[s] = side_map_errno(s, fd[s], PAGE, PROT_READ, MAP_SHARED, 0);
		T_EQ(r[s], 0);
		side_close(s, fd[s]);
	}
}
