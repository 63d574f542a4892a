#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# preload_fds (a plain program using bpf fds as libbpf and bpftool do: dup,
# dup2, dup3, F_DUPFD, /proc/self/fd and fdinfo, mmap, ioctl, perf events)
# on the kernel and under LD_PRELOAD=libkbpf-preload.so: the transcripts
# must be equal. Skips with the reason when the kernel's bpf(2) refuses.
# Usage: test_preload_fds.sh PRELOAD_FDS LIBKBPF_PRELOAD
set -u
prog=$1 lib=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 skip=0

if LD_PRELOAD=$lib "$prog" >"$tmp/kbpf" 2>&1; then
	echo "ok: preload_fds through kbpf-preload"; pass=$((pass + 1))
else
	echo "FAIL: preload_fds through kbpf-preload:"; cat "$tmp/kbpf"
	fail=$((fail + 1))
fi
if ! "$prog" >"$tmp/kernel" 2>&1; then
	echo "skip: kernel oracle: $(head -1 "$tmp/kernel")"; skip=$((skip + 1))
elif diff -u "$tmp/kernel" "$tmp/kbpf"; then
	echo "ok: the same transcript as the kernel ($(wc -l <"$tmp/kernel") lines)"
	pass=$((pass + 1))
else
	echo "FAIL: transcripts differ (above: - kernel, + kbpf-preload)"
	fail=$((fail + 1))
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
