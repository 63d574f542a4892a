// SPDX-License-Identifier: MIT
/*
 * Run statistics of programs (Linux's bpf_prog_stats behind
 * bpf_stats_enabled_key): while a BPF_ENABLE_STATS fd is open, every run a
 * runner starts through kbpf_interp_run() adds one to its CPU's run count
 * and its duration (kbpf_host.mono_ns) to its CPU's time; tail calls and
 * callbacks are part of the run that made them, as in Linux.
 * bpf_prog_info.run_cnt/run_time_ns/recursion_misses are the sums.
 *
 * No locks: each slot is written by runs on its CPU with relaxed atomic
 * adds; readers sum relaxed loads, which may miss a run in progress, as
 * Linux's u64_stats readers may.
 */
#include "prog.h"

void kbpf_prog_stats_add(struct kbpf_prog *prog, uint32_t cpu, uint64_t ns)
{
	struct kbpf_prog_stats *st;

	if (!prog->stats.base)
		return;
	if (cpu >= prog->stats.nr)
		cpu = 0;
	st = kbpf_percpu_ptr(&prog->stats, cpu);
	atomic_fetch_add_explicit(&st->cnt, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&st->nsecs, ns, memory_order_relaxed);
}

void kbpf_prog_stats_read(const struct kbpf_prog *prog, uint64_t *cnt,
			  uint64_t *nsecs, uint64_t *misses)
{
	uint32_t cpu;

	*cnt = *nsecs = *misses = 0;
	if (!prog->stats.base)
		return;
	for (cpu = 0; cpu < prog->stats.nr; cpu++) {
		struct kbpf_prog_stats *st = kbpf_percpu_ptr(&prog->stats, cpu);

		*cnt += atomic_load_explicit(&st->cnt, memory_order_relaxed);
		*nsecs +=
			atomic_load_explicit(&st->nsecs, memory_order_relaxed);
		*misses +=
			atomic_load_explicit(&st->misses, memory_order_relaxed);
	}
}
