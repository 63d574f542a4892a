// SPDX-License-Identifier: MIT
/*
 * Kfunc externs (`__ksym`) for the loader's tests: calls resolved against
 * the host BTF (kbpf's loader) or the kernel's (libbpf), a weak kfunc the
 * kernel lacks, guarded by its address.
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

SEC("syscall")
int weak_absent(void *ctx)
{
	if (bpf_kbpf_not_there) {
		bpf_kbpf_not_there();
		return 1;
	}
	return 2;
}
