// SPDX-License-Identifier: MIT
/*
 * Kfunc externs (`__ksym`) for the loader's tests: calls resolved against
 * the host BTF (kbpf's loader) or the kernel's (libbpf), a weak kfunc the
 * kernel lacks, guarded by its address; the numbers iterator's loops.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* A struct, not a declaration: libbpf matches the prototype's kinds. */
struct task_struct {
	int pid;
} __attribute__((preserve_access_index));

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern struct task_struct *bpf_task_from_pid(int pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern void bpf_kbpf_not_there(void) __ksym __weak;

/* ctx: the pid to look up (BPF_PROG_TEST_RUN's ctx_in). */
SEC("syscall")
int rcu_and_task(int *ctx)
{
	struct task_struct *t;
	int found = 0;

	bpf_rcu_read_lock();
	bpf_rcu_read_unlock();
	t = bpf_task_from_pid(*ctx);
	if (t) {
		found = 1;
		bpf_task_release(t);
	}
	return found + 10;
}

/*
 * The numbers iterator, declared as this kernel's BTF has it (libbpf's
 * older headers lack it): the loops bpf_for() and bpf_repeat() expand to.
 */
struct bpf_iter_num {
	unsigned long long opaque[1];
} __attribute__((aligned(8)));

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

/* ctx: n; the sum of 0..(n & 31)-1, then 100 three times. */
SEC("syscall")
int iter_sum(int *ctx)
{
	struct bpf_iter_num it;
	int *v, sum = 0;

	bpf_iter_num_new(&it, 0, *ctx & 31);
	while ((v = bpf_iter_num_next(&it)))
		sum += *v;
	bpf_iter_num_destroy(&it);
	bpf_iter_num_new(&it, 0, 3);
	while (bpf_iter_num_next(&it))
		sum += 100;
	bpf_iter_num_destroy(&it);
	return sum;
}

SEC("syscall")
int weak_absent(void *ctx)
{
	if (bpf_kbpf_not_there) {
		bpf_kbpf_not_there();
		return 1;
	}
	return 2;
}
