/* SPDX-License-Identifier: MIT */
/*
 * The POSIX reference host: kbpf's host table implemented on Linux user
 * space, with the knobs the test suite needs (virtual CPUs, allocation
 * fault injection and leak counting, user-copy faults, the trace log).
 *
 * One process-wide host instance backs kbpf_posix_bpf(); kbpf_posix_host()
 * returns its table for code that calls the kbpf API directly.
 *
 * Thread safety: every function may be called from any thread.
 */
#ifndef KBPF_POSIX_H
#define KBPF_POSIX_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kbpf/host.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * kbpf_posix_sk_refs() - sockets bpf_sk_lookup_* found (kbpf_host.sk_lookup)
 * whose reference has not been given back yet (kbpf_host.sk_release): 0
 * when nothing leaked.
 */
long kbpf_posix_sk_refs(void);

/**
 * kbpf_posix_bpf() - drop-in for syscall(__NR_bpf, cmd, attr, size).
 *
 * Runs the command on the process-wide kbpf instance. Objects get real file
 * descriptors (eventfds), so fd numbers never collide with the process's
 * other fds, poll()/epoll work on ring buffer and perf event fds, and an fd
 * that is open but not a kbpf object gives -EINVAL as Linux does.
 *
 * Return: what the syscall would return: the result (>= 0), or -1 with
 * errno set to the positive errno.
 */
int kbpf_posix_bpf(int cmd, void *attr, unsigned int size);

/**
 * kbpf_posix_close() - close a kbpf fd, dropping its reference on the
 * object. Plain close() on a kbpf fd closes the eventfd but leaks the
 * object until kbpf_posix_reset().
 * Return: 0, or -1 with errno EBADF.
 */
int kbpf_posix_close(int fd);

/** kbpf_posix_set_cpu() - set the calling thread's virtual CPU (default 0). */
void kbpf_posix_set_cpu(unsigned int cpu);

/** kbpf_posix_get_cpu() - the calling thread's virtual CPU. */
unsigned int kbpf_posix_get_cpu(void);

/** kbpf_posix_host() - the process-wide host table. */
const struct kbpf_host *kbpf_posix_host(void);

/*
 * The POSIX host answers kbpf_host.capable from the calling thread's
 * effective capabilities (capget(2)), and unprivileged_bpf_disabled from
 * this machine's /proc/sys/kernel/unprivileged_bpf_disabled (2 if it
 * cannot be read), so that kbpf applies the policy the kernel applies.
 * kbpf_posix_set_unprivileged_bpf_disabled() overrides the sysctl with
 * @value (0, 1 or 2); -1 goes back to reading it. Thread-safe.
 */
void kbpf_posix_set_unprivileged_bpf_disabled(int value);

/*
 * kbpf_host.signal_pending of the POSIX host answers "no" until a test
 * calls kbpf_posix_interrupt_after(@n): the question after the next @n
 * answers "yes" once (a signal arrived), then "no" again; -1 cancels.
 * Thread-safe.
 */
void kbpf_posix_interrupt_after(long n);

/*
 * kbpf_posix_set_verifier() - the host's kbpf_host.verifier policy for
 * the programs loaded from now on: KBPF_VERIFIER_OFF (the POSIX host's
 * default), KBPF_VERIFIER_ENFORCE or KBPF_VERIFIER_FALLBACK. Not
 * synchronised with loads running on other threads: set it before them.
 * Tests switch it on and back off (tests/unit/verifier/). The initial
 * value comes from the environment: KBPF_VERIFIER=enforce or =fallback
 * (anything else: off), so that tools such as `kbpf load` can run under
 * either policy (scripts/corpus-check.sh).
 */
void kbpf_posix_set_verifier(uint32_t mode);

/*
 * The JIT's executable memory (kbpf_host.jit_alloc/jit_seal/jit_free,
 * host/posix/jit.c: mmap read-write, then mprotect read-execute for good,
 * munmap). On by default; KBPF_JIT=0 in the environment turns it off when
 * the host starts, KBPF_JIT_HARDEN=1 or 2 sets kbpf_host.jit_harden.
 * kbpf_posix_set_jit() switches the callbacks for programs loaded from now
 * on (programs already loaded keep their code); kbpf_posix_jit_on() says
 * whether they are set; kbpf_posix_set_jit_harden() sets jit_harden (0, 1,
 * 2) for later loads. kbpf_posix_jit_live() counts the executable mappings
 * not yet freed (leak check). Not synchronised with loads running on other
 * threads: set them before.
 */
void kbpf_posix_set_jit(bool on);
bool kbpf_posix_jit_on(void);
void kbpf_posix_set_jit_harden(uint32_t harden);
long kbpf_posix_jit_live(void);

/**
 * kbpf_posix_set_nr_cpus() - set the number of possible CPUs reported to
 * kbpf (default: the machine's possible CPUs, as /sys reports them, so
 * per-CPU value layouts match the real kernel's). Only before the first
 * object is created; returns 0 or -1/EBUSY.
 */
int kbpf_posix_set_nr_cpus(unsigned int nr);

/** kbpf_posix_possible_cpus() - the machine's possible CPU count. */
unsigned int kbpf_posix_possible_cpus(void);

/**
 * kbpf_posix_raw_tps() - the host's raw tracepoint registry
 * (kbpf_host.raw_tps), without starting the host (so it does not count as
 * the first use for kbpf_posix_set_nr_cpus()). Tests walk it to unregister
 * what a test left registered.
 */
struct kbpf_raw_tp_registry *kbpf_posix_raw_tps(void);

/**
 * kbpf_posix_set_probes() - give the host kprobe/uprobe/tracepoint PMUs
 * (kbpf_host.probes; see "probe events" in kbpf/perf.h), or NULL for none
 * (the default: perf_event_open then gives ENOENT for those types). The
 * POSIX host has no probes of its own: tests and tools supply the
 * callbacks and fire events themselves. Call it while no perf_event_open
 * runs.
 */
void kbpf_posix_set_probes(const struct kbpf_probe_pmus *pmus);

/**
 * kbpf_posix_set_btf() - the host BTF (kbpf_host.btf) tracing programs'
 * attach_btf_id refers to, @size bytes that must stay valid (NULL: none,
 * the default). The kbpf command sets the BTF it relocates CO-RE against.
 * Call it while no program loads. It drops kbpf's parsed view of the
 * previous BTF (kbpf_host_btf_release()), so the same buffer refilled
 * with other bytes is parsed again.
 */
void kbpf_posix_set_btf(const void *btf, size_t size);

/**
 * kbpf_posix_set_task_hooks() - set kbpf_host.current_task and
 * kbpf_host.stack_walk (NULL: unset, the default). A process has no
 * kernel task or kernel stack to offer, so the POSIX host leaves them to
 * tests and tools. Call it while no program runs.
 */
void kbpf_posix_set_task_hooks(
	uint64_t (*current_task)(const struct kbpf_host *h),
	int (*stack_walk)(const struct kbpf_host *h, uint32_t prog_type,
			  const void *ctx, bool user, uint64_t *ips,
			  uint32_t max));

/* ---- deferred frees (reclaim.c) ---- */

/*
 * kbpf_posix_rcu_barrier() - wait until every defer_free queued so far has
 * run. Must not be called inside a kbpf read-side section (it would wait for
 * itself). kbpf_posix_live_allocs()/live_bytes() call it first, so that
 * memory waiting for a grace period is not counted as a leak.
 */
void kbpf_posix_rcu_barrier(void);

/* ---- timers (timer.c) ---- */

/*
 * kbpf_posix_timers_live() - how many host timers kbpf holds (allocated
 * by bpf_timer_init, not yet freed by the element's or the map's end).
 * kbpf_posix_timer_thread_up() - whether the timer thread runs: it starts
 * with the first timer and exits once none is left (a test checks that
 * freeing its maps leaves none). Any thread; takes the timers' mutex.
 */
long kbpf_posix_timers_live(void);
int kbpf_posix_timer_thread_up(void);

/* ---- fault injection and accounting (memory.c) ---- */

/**
 * kbpf_posix_fail_alloc_after() - make the @n-th allocation from now (0 =
 * the next one) fail, once; -1 disables. Returns nothing. Allocations are
 * the host's alloc, alloc_pages and vmap callbacks: a page allocation or a
 * vmap fails as on a kernel out of memory.
 */
void kbpf_posix_fail_alloc_after(long n);

/** kbpf_posix_alloc_count() - allocations made since the process started. */
unsigned long kbpf_posix_alloc_count(void);

/* What kind of allocation an observer is told about. */
enum kbpf_posix_alloc_kind {
	KBPF_POSIX_ALLOC_MEM, /* the alloc callback */
	KBPF_POSIX_ALLOC_PAGES, /* alloc_pages */
	KBPF_POSIX_ALLOC_VMAP, /* vmap */
};

/*
 * kbpf_posix_set_alloc_observer() - call @fn(@kind, @injected, @arg) on
 * every allocation, in the allocating thread, before it is made; @injected
 * is 1 when this is the one kbpf_posix_fail_alloc_after() chose to fail.
 * The fault-injection test uses it to find allocation sites (its own
 * backtrace()). NULL removes it. @fn must not allocate through kbpf.
 */
typedef void (*kbpf_posix_alloc_observer)(enum kbpf_posix_alloc_kind kind,
					  int injected, void *arg);
void kbpf_posix_set_alloc_observer(kbpf_posix_alloc_observer fn, void *arg);

/** kbpf_posix_live_allocs() - allocations not yet freed (leak check). */
long kbpf_posix_live_allocs(void);

/** kbpf_posix_live_bytes() - bytes not yet freed. */
long kbpf_posix_live_bytes(void);

/**
 * kbpf_posix_peak_bytes() - the highest count of live bytes (the alloc
 * callback's, as kbpf_posix_live_bytes()) since the last
 * kbpf_posix_reset_peak_bytes(), or since the process started.
 * kbpf_posix_reset_peak_bytes() restarts it from the bytes live now and
 * returns that count; peak minus it is what an operation in between needed
 * at most (bench/bench_verifier: a verification's peak memory). Neither
 * waits for deferred frees.
 */
long kbpf_posix_peak_bytes(void);
long kbpf_posix_reset_peak_bytes(void);

/** kbpf_posix_live_pages() - pages from alloc_pages not yet freed. */
long kbpf_posix_live_pages(void);

/**
 * kbpf_posix_fail_user_copy_after() - make the @n-th user copy from now
 * fault (-EFAULT), once; -1 disables.
 */
void kbpf_posix_fail_user_copy_after(long n);

/* ---- trace log (the bpf_trace_printk sink) ---- */

/**
 * kbpf_posix_trace_read() - move up to @size bytes of the trace log into
 * @buf, oldest first; each message is followed by '\n' as in tracefs.
 * Return the number of bytes moved.
 */
size_t kbpf_posix_trace_read(char *buf, size_t size);

/** kbpf_posix_trace_echo() - also write each trace message to stderr (0/1). */
void kbpf_posix_trace_echo(int on);

/* ---- perf events and mappings (mmap.c) ---- */

struct perf_event_attr;

/**
 * kbpf_posix_perf_event_open() - drop-in for
 * syscall(__NR_perf_event_open, attr, pid, cpu, group_fd, flags) on kbpf:
 * the event is a kbpf object with its own fd (see kbpf/perf.h for what
 * kbpf supports: PERF_TYPE_SOFTWARE, BPF output). A positive @pid must
 * name a live process or thread of this system (-1/ESRCH otherwise).
 * Return: the fd, or -1 with errno (on -1/E2BIG, attr->size holds the
 * size kbpf knows, as with Linux).
 */
int kbpf_posix_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu,
			       int group_fd, unsigned long flags);

/**
 * kbpf_posix_perf_ioctl() - ioctl(2) on a kbpf perf fd:
 * PERF_EVENT_IOC_ENABLE, _DISABLE, _RESET, _ID (@arg: a u64 *).
 * Return: 0, or -1 with errno (EBADF: not a kbpf perf fd; ENOTTY).
 */
int kbpf_posix_perf_ioctl(int fd, unsigned long cmd, unsigned long arg);

/**
 * kbpf_posix_perf_readable() - what poll(2) would say of a kbpf perf fd:
 * 1 if its ring holds unread records, 0 if not, -1/EBADF. (Wake-ups also
 * signal the fd itself: poll() on it sees POLLIN after one.)
 */
int kbpf_posix_perf_readable(int fd);

/**
 * kbpf_posix_poll_rearm() - make kbpf fd @fd's eventfd say what Linux's
 * poll says now (kbpf_obj_poll()): drain it, look, and signal it again if
 * the object is ready. Call it before sleeping on @fd with poll(2),
 * select(2) or epoll_wait(2) (kbpf_posix_poll() does), so that a ring
 * buffer whose records were consumed through shared memory is no longer
 * readable. A wake-up racing with it is kept. For a perf fd it takes the
 * pending wake-up, as Linux's poll does.
 * Return: the KBPF_POLL* bits (include/kbpf/object.h), or -1 with errno
 * EBADF if @fd is not a kbpf fd. Thread-safe; never sleeps.
 */
int kbpf_posix_poll_rearm(int fd);

/**
 * kbpf_posix_poll() - drop-in for poll(2): kbpf fds report what Linux's
 * poll reports for them (kbpf_obj_poll(): level-triggered for ring
 * buffers, POLLERR for other maps, POLLHUP for a perf fd without a ring),
 * other fds what poll(2) says. It sleeps until one is ready or @timeout
 * (ms; -1: forever) passes; a kbpf fd wakes it through kbpf_host.wake.
 * Return: the number of fds with non-zero revents, or -1 with errno
 * (ENOMEM, or poll(2)'s: EINTR...). May sleep.
 */
int kbpf_posix_poll(struct pollfd *fds, nfds_t nfds, int timeout);

/**
 * kbpf_posix_mmap() - drop-in for mmap(2). On a kbpf fd it maps, as Linux
 * does for the same fd: a perf event's ring (offset 0, 1 + 2^n pages), a
 * ring buffer map (consumer page writable, the rest read-only), or a
 * BPF_F_MMAPABLE array's values; MAP_SHARED only. Other fds go to mmap(2).
 * Return: the address, or MAP_FAILED with errno (EINVAL, EPERM, EACCES,
 * ENOTSUPP 524, ENOMEM) as Linux gives it.
 */
void *kbpf_posix_mmap(void *addr, size_t len, int prot, int flags, int fd,
		      off_t off);

/**
 * kbpf_posix_munmap() - drop-in for munmap(2); a mapping from
 * kbpf_posix_mmap() must be unmapped whole, at the address it returned.
 * Return: 0, or -1 with errno.
 */
int kbpf_posix_munmap(void *addr, size_t len);

/**
 * kbpf_posix_trace_prefix() - with 1, each message is logged as tracefs's
 * trace file shows it: "<comm>-<tid> [<cpu>] ..... <secs>.<usecs>:
 * bpf_trace_printk: <message>" (the flags column is not modelled); with 0
 * (the default), the bare message.
 */
void kbpf_posix_trace_prefix(int on);

/* ---- objects ---- */

/**
 * kbpf_posix_fd_obj() - the object behind a kbpf fd, with a reference the
 * caller drops with kbpf_obj_put(); NULL if @fd is not a kbpf fd.
 */
struct kbpf_obj *kbpf_posix_fd_obj(int fd);

/**
 * kbpf_posix_set_next_id() - make the next object of kind @type (enum
 * kbpf_obj_type) get id @id (> 0), then @id + 1... (tests that compare
 * records carrying ids with the kernel's use it).
 */
void kbpf_posix_set_next_id(unsigned int type, uint32_t id);

/**
 * kbpf_posix_unpin() - remove the pin at @path (as unlink(2) on bpffs),
 * dropping its reference. Pins (BPF_OBJ_PIN) live in a private table of
 * this process under /sys/fs/bpf (host/posix/bpffs.c), not on disk.
 * Return: 0, -ENOENT if nothing is pinned there, -EISDIR for a directory
 * of kbpf_posix_bpffs_mkdir(), or -ENOMEM.
 */
int kbpf_posix_unpin(const char *path);

/**
 * kbpf_posix_set_bpffs() - move the private bpffs of the pins from
 * /sys/fs/bpf to @root, an absolute path (normalised as text; it need not
 * exist). Only while nothing is pinned.
 * Return: 0; -EINVAL for a relative path, -ENAMETOOLONG, -EBUSY if pins
 * exist, -ENOMEM.
 */
int kbpf_posix_set_bpffs(const char *root);

/**
 * kbpf_posix_bpffs_mkdir() - make the directory @path (absolute, or from
 * the working directory) in the private bpffs, as mkdir(2) does on bpffs:
 * pins and directories may then be made in it. It exists only in this
 * process's table, as pins do.
 * Return: 0; -EEXIST if something is there already (or @path is the
 * root); -ENOENT or -ENOTDIR for a missing or non-directory parent;
 * -EPERM if @path is outside the private bpffs; -ENOMEM.
 */
int kbpf_posix_bpffs_mkdir(const char *path);

/**
 * kbpf_posix_bpffs_rmdir() - remove an empty directory made by
 * kbpf_posix_bpffs_mkdir(), as rmdir(2).
 * Return: 0; -ENOENT (no such directory), -ENOTDIR (a pin), -ENOTEMPTY,
 * -EPERM (outside the private bpffs), -ENOMEM.
 */
int kbpf_posix_bpffs_rmdir(const char *path);

/**
 * kbpf_posix_in_bpffs() - what @path (relative paths from @dirfd, or the
 * working directory for AT_FDCWD) is in the private bpffs: 1 for its root
 * or a directory in it, 2 for a pin, -1 for a path below the root where
 * nothing is, 0 for a path outside it (or one that cannot be resolved).
 * kbpf-preload answers statfs(2) with BPF_FS_MAGIC for 1 and 2, ENOENT for
 * -1. The answer may be stale as soon as it is given.
 */
int kbpf_posix_in_bpffs(const char *path, int dirfd);

/**
 * kbpf_posix_dupfd() - drop-in for fcntl(@fd, F_DUPFD or F_DUPFD_CLOEXEC
 * (@cloexec), @minfd): the new fd names the same kbpf object as @fd, with
 * the same access, and holds its own user reference (closed with
 * kbpf_posix_close()); other fds are duplicated as by fcntl(2).
 * Return: the new fd, or -1 with fcntl(2)'s errno (EBADF, EINVAL, EMFILE).
 */
int kbpf_posix_dupfd(int fd, int minfd, int cloexec);

/**
 * kbpf_posix_dup3() - drop-in for dup3(@oldfd, @newfd, @flags) (@flags:
 * 0 or O_CLOEXEC), and for dup2() with @flags -1 (then @oldfd == @newfd
 * returns @newfd if it is open). If @newfd was a kbpf fd, its object's
 * reference is dropped as by a close; if @oldfd is one, @newfd then names
 * the same object.
 * Return: @newfd, or -1 with dup3(2)'s errno.
 */
int kbpf_posix_dup3(int oldfd, int newfd, int flags);

/**
 * kbpf_posix_fd_link() - what readlink(2) of /proc/self/fd/@fd gives on
 * Linux for a kbpf fd ("anon_inode:bpf-map", "anon_inode:bpf-prog",
 * "anon_inode:bpf_link", "anon_inode:[perf_event]", "anon_inode:btf",
 * "anon_inode:bpf-stats"), NUL-terminated into @buf of @size bytes.
 * Return: the length, or -1/EBADF if @fd is not a kbpf fd, -1/ERANGE if
 * @buf is too small.
 */
int kbpf_posix_fd_link(int fd, char *buf, size_t size);

/**
 * kbpf_posix_fdinfo() - the text Linux's /proc/self/fdinfo/@fd shows for a
 * kbpf fd, NUL-terminated into @buf of @size bytes: "pos", "flags"
 * (octal open flags: the access of the fd, O_CLOEXEC), "mnt_id" and "ino"
 * (those of the eventfd backing it), then the object's lines in Linux
 * 6.18's order: for a map map_type, key_size, value_size, max_entries,
 * map_flags, map_extra, memlock, map_id, frozen (and owner_prog_type,
 * owner_jited 0 for a prog array once it has an owner); for a program
 * prog_type, prog_jited (0: kbpf interprets), prog_tag, memlock, prog_id,
 * run_time_ns, run_cnt, recursion_misses, verified_insns; for a link
 * link_type, link_id, prog_tag, prog_id (and tp_name, cookie for a raw
 * tracepoint link). "memlock" is an estimate: kbpf does
 * not charge memory per object (keys and values rounded up to 8 bytes
 * times max_entries, plus a page, for a map; the instructions plus a page,
 * rounded up to pages, for a program).
 * Return: the length, or -1 with errno EBADF (not a kbpf fd) or ERANGE
 * (@buf too small).
 */
int kbpf_posix_fdinfo(int fd, char *buf, size_t size);

/**
 * kbpf_posix_follow_cpu() - with 1, the CPU kbpf_host.cpu_id reports is
 * the one the calling thread runs on (sched_getcpu(3), modulo the possible
 * CPUs) instead of its virtual CPU (kbpf_posix_set_cpu()); 0 goes back.
 * kbpf-preload turns it on. A thread may migrate or be preempted during a
 * run: per-CPU data is then shared as it is between threads on one
 * virtual CPU.
 */
void kbpf_posix_follow_cpu(int on);

/**
 * kbpf_posix_cgroups_release() - release every cgroup kbpf keeps programs
 * for, descendants first (kbpf_cgroup_release(): their programs detached,
 * their links defunct), as an rmdir of each would. kbpf_posix_reset()
 * does it too.
 */
void kbpf_posix_cgroups_release(void);

/**
 * Owners of local storage (owners.c): tasks are threads named by pidfds,
 * sockets and inodes those of the process's fds, cgroups cgroup2
 * directories; each is a record of the host whose address is the owner
 * programs pass to the storage helpers.
 * kbpf_posix_task_self() - the calling thread as a task owner (a
 * kbpf_host.current_task for kbpf_posix_set_task_hooks(), so that
 * bpf_get_current_task_btf gives what bpf_task_storage_get takes); the
 * thread's storage is freed when it exits. 0 if out of memory.
 * kbpf_posix_owner_of() - the owner of KBPF_OWNER_* @kind that @fd names
 * (the record stays until it dies), or 0 if @fd names none.
 * kbpf_posix_owner_kill() - the owner @fd names dies now (a socket being
 * destroyed): kbpf_local_storage_owner_free() frees its storage. 0,
 * -ENOENT if the host never met it, or owner_fd_get's errno.
 * kbpf_posix_owner_clone() - the owner @newfd names is made as a copy of
 * the one @fd names (a socket accepted from a listener: Linux copies the
 * listener's values of BPF_F_CLONE maps): kbpf_local_storage_owner_clone().
 * 0, owner_fd_get's errno, or the clone's -ENOMEM/-E2BIG, after which the
 * new owner is dead.
 * kbpf_posix_owners_release() - every owner dies (kbpf_posix_reset() too).
 */
uint64_t kbpf_posix_task_self(const struct kbpf_host *h);
/*
 * kbpf_posix_task_of() - the task record of thread @tid if the host has met
 * it (bpf_task_from_pid made it), else 0; no reference taken.
 * kbpf_posix_task_refs() - the references held on task record @task (what
 * bpf_task_from_pid and bpf_task_acquire took and bpf_task_release gave
 * back, kptrs of map values included), -1 if it is no live record.
 */
uint64_t kbpf_posix_task_of(int tid);
long kbpf_posix_task_refs(uint64_t task);
uint64_t kbpf_posix_owner_of(int kind, int fd);
int kbpf_posix_owner_kill(int kind, int fd);
int kbpf_posix_owner_clone(int kind, int fd, int newfd);
void kbpf_posix_owners_release(void);

/**
 * kbpf_posix_reset() - remove every pin, release every cgroup kbpf keeps
 * programs for (detaching them, as an rmdir would: kbpf_cgroup_release()),
 * let every owner of local storage die (kbpf_posix_owners_release()),
 * drop kbpf's parsed host BTF (kbpf_host_btf_release()) and close every
 * kbpf fd still open (for tests between cases). Objects then die when
 * their last reference goes.
 */
void kbpf_posix_reset(void);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_POSIX_H */
