// SPDX-License-Identifier: MIT
/* The POSIX reference host: fds, pages and double mapping, user copies, fault knobs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/object.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "sys/sys.h"

static int released;

static void dummy_release(struct kbpf_obj *obj)
{
	released++;
	kbpf_free(obj->host, obj, sizeof(*obj));
}

static struct kbpf_obj *dummy_new(void)
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct kbpf_obj *o = kbpf_zalloc(h, sizeof(*o), 0);

	o->host = h;
	o->release = dummy_release;
	o->type = KBPF_OBJ_MAP;
	atomic_init(&o->refcnt, 1);
	return o;
}

KBPF_TEST(
	fd_install_get_close,
	"fd_install gives a real fd; fd_get refs it; close releases the object")
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct kbpf_obj *o = dummy_new(), *got = NULL;
	uint32_t fl = 0;
	int fd;

	released = 0;
	fd = h->fd_install(h, o, KBPF_FD_READ);
	T_ASSERT(fd >= 0);
	T_ASSERT(fcntl(fd, F_GETFD) >= 0);
	T_EQ(h->fd_get(h, fd, &got, &fl), 0);
	T_ASSERT(got == o);
	T_EQ(fl, KBPF_FD_READ);
	kbpf_obj_put(got);
	T_EQ(kbpf_posix_close(fd), 0);
	T_EQ(released, 1);
	T_EQ(h->fd_get(h, fd, &got, &fl), -KBPF_EBADF);
	T_EQ(kbpf_posix_close(fd), -1);
}

KBPF_TEST(
	fd_get_foreign_fd,
	"an fd that is open but not kbpf's gives -EINVAL, a closed one -EBADF (as Linux)")
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct kbpf_obj *got;
	int p[2];

	T_EQ(pipe(p), 0);
	T_EQ(h->fd_get(h, p[0], &got, NULL), -KBPF_EINVAL);
	close(p[0]);
	close(p[1]);
	T_EQ(h->fd_get(h, p[0], &got, NULL), -KBPF_EBADF);
	T_EQ(h->fd_get(h, -1, &got, NULL), -KBPF_EBADF);
}

KBPF_TEST(wake_signals_fd,
	  "wake(obj) makes the object's fd readable for poll()")
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct kbpf_obj *o = dummy_new();
	int fd = h->fd_install(h, o, KBPF_FD_READ | KBPF_FD_WRITE);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	T_ASSERT(fd >= 0);
	T_EQ(poll(&pfd, 1, 0), 0);
	h->wake(h, o);
	T_EQ(poll(&pfd, 1, 0), 1);
	kbpf_posix_close(fd);
}

KBPF_TEST(vmap_double_mapping,
	  "vmap of a repeated page list maps the same bytes twice in a row")
{
	const struct kbpf_host *h = kbpf_posix_host();
	uintptr_t pages[2], list[4];
	long live = kbpf_posix_live_pages();
	/*
	 * volatile: the two copies alias behind the compiler's back, so it
	 * must not reorder a load of one past a store to the other.
	 */
	volatile char *va;

	T_EQ(h->alloc_pages(h, 2, pages), 0);
	T_EQ(kbpf_posix_live_pages(), live + 2);
	list[0] = pages[0];
	list[1] = pages[1];
	list[2] = pages[0];
	list[3] = pages[1];
	va = h->vmap(h, list, 4);
	T_ASSERT(va != NULL);
	T_EQ(va[0], 0);
	va[8190] = 'x';
	va[8191] = 'y';
	T_EQ(va[8192 + 8190], 'x');
	/* A write that crosses the end of the first copy lands at the start. */
	for (int i = 0; i < 4; i++)
		va[8190 + i] = "abcd"[i];
	T_EQ(va[0], 'c');
	T_EQ(va[8192], 'c');
	h->vunmap(h, (char *)va, 4);
	h->free_pages(h, pages, 2);
	T_EQ(kbpf_posix_live_pages(), live);
	/* Freed pages come back zeroed. */
	T_EQ(h->alloc_pages(h, 2, pages), 0);
	va = h->vmap(h, pages, 2);
	for (int i = 0; i < 8192; i++)
		if (va[i])
			T_FAIL("reused page not zeroed at %d", i);
	h->vunmap(h, (char *)va, 2);
	h->free_pages(h, pages, 2);
}

KBPF_TEST(
	user_copy_faults,
	"user copies return -EFAULT for NULL and unmapped addresses, never crash")
{
	const struct kbpf_host *h = kbpf_posix_host();
	char buf[16] = "hello", out[16];
	void *unmapped =
		mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	T_EQ(kbpf_copy_from_user(h, out, buf, 6), 0);
	T_MEMEQ(out, "hello", 6);
	T_EQ(kbpf_copy_from_user(h, out, NULL, 4), -KBPF_EFAULT);
	T_EQ(kbpf_copy_from_user(h, out, NULL, 0), 0);
	T_EQ(kbpf_copy_from_user(h, out, unmapped, 4), -KBPF_EFAULT);
	T_EQ(kbpf_copy_to_user(h, unmapped, buf, 4), -KBPF_EFAULT);
	T_EQ(kbpf_copy_to_user(h, out, "xy", 3), 0);
	T_MEMEQ(out, "xy", 3);
	T_EQ(kbpf_strncpy_from_user(h, out, "abc", 16), 3);
	T_EQ(kbpf_strncpy_from_user(h, out, "abcdef", 4), 4);
	T_EQ(kbpf_strncpy_from_user(h, out, unmapped, 4), -KBPF_EFAULT);
	T_EQ(h->probe_read_kernel(h, out, unmapped, 4), -KBPF_EFAULT);
	T_EQ(h->probe_read_user(h, out, NULL, 4), -KBPF_EFAULT);
	kbpf_posix_fail_user_copy_after(1);
	T_EQ(kbpf_copy_from_user(h, out, buf, 1), 0);
	T_EQ(kbpf_copy_from_user(h, out, buf, 1), -KBPF_EFAULT);
	T_EQ(kbpf_copy_from_user(h, out, buf, 1), 0);
	munmap(unmapped, 4096);
}

KBPF_TEST(
	strncpy_from_user_page_edge,
	"strncpy_from_user copies by runs up to page boundaries: a string whose NUL is the last byte before an unreadable page gives its length, one without a NUL there -EFAULT, one crossing a readable boundary its length; bytes are never read past the NUL's page")
{
	const struct kbpf_host *h = kbpf_posix_host();
	long page = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, (size_t)page * 3, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *edge, out[8192];

	T_ASSERT(m != MAP_FAILED);
	T_EQ(mprotect(m + 2 * page, (size_t)page, PROT_NONE), 0);
	edge = m + 2 * page; /* the first unreadable byte */
	memcpy(edge - 4, "GPL", 4);
	T_EQ(kbpf_strncpy_from_user(h, out, edge - 4, 128), 3);
	T_EQ(strcmp(out, "GPL"), 0);
	/* no NUL before the unreadable page: n if n stops there */
	memcpy(edge - 4, "GPLX", 4);
	T_EQ(kbpf_strncpy_from_user(h, out, edge - 4, 4), 4);
	T_EQ(kbpf_strncpy_from_user(h, out, edge - 4, 128), -KBPF_EFAULT);
	/* a string crossing from one readable page into the next */
	memset(m, 'a', (size_t)page * 2);
	m[page + 10] = 0;
	T_EQ(kbpf_strncpy_from_user(h, out, m + page - 20, 128), 30);
	T_EQ(kbpf_strncpy_from_user(h, out, m + 5, sizeof(out)),
	     (long)page + 5);
	T_EQ(out[page + 5], 0);
	munmap(m, (size_t)page * 3);
}

KBPF_TEST(alloc_fault_and_accounting,
	  "the Nth allocation fails once; live counts return to zero")
{
	const struct kbpf_host *h = kbpf_posix_host();
	long live = kbpf_posix_live_allocs(), bytes = kbpf_posix_live_bytes();
	void *a, *b, *c;

	kbpf_posix_fail_alloc_after(1);
	a = kbpf_malloc(h, 10, 0);
	b = kbpf_malloc(h, 10, 0);
	c = kbpf_malloc_aligned(h, 100, 4096, KBPF_ALLOC_ZERO);
	T_ASSERT(a && !b && c);
	T_EQ((uintptr_t)c % 4096, 0);
	T_EQ(((char *)c)[99], 0);
	T_EQ(kbpf_posix_live_allocs(), live + 2);
	T_EQ(kbpf_posix_live_bytes(), bytes + 110);
	kbpf_free(h, a, 10);
	kbpf_free(h, c, 100);
	T_EQ(kbpf_posix_live_allocs(), live);
}

KBPF_TEST(
	virtual_cpus,
	"each thread has its own virtual CPU id; nr_cpus is the machine's possible count")
{
	const struct kbpf_host *h = kbpf_posix_host();

	T_EQ(h->cpu_id(h), 0);
	kbpf_posix_set_cpu(1);
	T_EQ(h->cpu_id(h), 1);
	T_EQ(kbpf_posix_get_cpu(), 1);
	kbpf_posix_set_cpu(0);
	T_EQ(h->nr_cpus, kbpf_posix_possible_cpus());
	T_ASSERT(h->nr_cpus >= 1);
	T_EQ(kbpf_posix_set_nr_cpus(4), -1);
	T_EQ(errno, EBUSY);
}

KBPF_TEST(trace_log,
	  "trace_write messages come back from the log with a newline each")
{
	const struct kbpf_host *h = kbpf_posix_host();
	char buf[64];
	size_t n;

	h->trace_write(h, "hello", 5);
	h->trace_write(h, "a=1", 3);
	n = kbpf_posix_trace_read(buf, sizeof(buf));
	T_EQ(n, 10);
	T_MEMEQ(buf, "hello\na=1\n", 10);
	T_EQ(kbpf_posix_trace_read(buf, sizeof(buf)), 0);
}

KBPF_TEST(
	sys_fd_get_type,
	"kbpf_obj_fd_get refuses an object of another type with -EINVAL and drops the reference")
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct kbpf_obj *o = dummy_new(), *got = NULL;
	uint32_t fl = 0;
	int fd = kbpf_obj_fd_install(h, o, KBPF_FD_READ);

	released = 0;
	T_ASSERT(fd >= 0);
	T_EQ(kbpf_obj_fd_get(h, fd, KBPF_OBJ_PROG, &got, &fl), -KBPF_EINVAL);
	T_EQ(atomic_load(&o->refcnt), 1);
	T_EQ(kbpf_obj_fd_get(h, fd, KBPF_OBJ_MAP, &got, &fl), 0);
	T_ASSERT(got == o);
	kbpf_obj_put(got);
	kbpf_posix_close(fd);
	T_EQ(released, 1);
}
