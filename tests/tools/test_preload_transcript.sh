#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A program that knows nothing of kbpf, run on the kernel and under
# LD_PRELOAD=libkbpf-preload.so: the transcripts (its stdout and stderr)
# must be equal. preload_fds uses bpf fds as libbpf and bpftool do (dup,
# dup2, dup3, F_DUPFD, /proc/self/fd and fdinfo, mmap, ioctl, perf events,
# statfs/mkdir/rmdir/unlink/pins in a bpffs, the CPU a program sees);
# preload_libbpf is a libbpf application. With BPFFS=1 the program gets a
# bpffs path as its last argument: on the kernel a bpffs mounted on a
# private temporary directory (unmounted after), for the shim the same
# path as its private bpffs. Skips with the reason when the kernel's
# bpf(2) refuses.
# Usage: test_preload_transcript.sh LIBKBPF_PRELOAD BPFFS(0|1) PROG [ARG...]
set -u
lib=$1 want_fs=$2 prog=$3
shift 3
tmp=$(mktemp -d)
fs=$tmp/bpffs
mkdir "$fs"
mounted=0
cleanup() {
	if [ "$mounted" = 1 ]; then umount "$fs" 2>/dev/null || umount -l "$fs"; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
pass=0 fail=0 skip=0

# The shim must really be under the program: equal transcripts prove
# nothing if both runs went to the kernel.
if ! LD_PRELOAD=$lib cat /proc/self/maps 2>/dev/null | grep -q "$(basename "$lib")"; then
	echo "FAIL: $lib is not preloaded:"
	LD_PRELOAD=$lib true
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

args=("$@")
if [ "$want_fs" != 1 ]; then
	: # no bpffs wanted
elif mount -t bpf bpf "$fs" 2>"$tmp/mount.err"; then
	mounted=1
	args+=("$fs")
else
	echo "skip: the bpffs part: cannot mount bpffs: $(cat "$tmp/mount.err")"
	skip=$((skip + 1))
fi
kernel_ok=1
"$prog" "${args[@]}" >"$tmp/kernel" 2>&1 || kernel_ok=0
if [ "$mounted" = 1 ]; then
	umount "$fs" && mounted=0
fi
if [ "$mounted" = 1 ]; then
	echo "FAIL: cannot unmount the kernel's bpffs at $fs"
	fail=$((fail + 1))
elif LD_PRELOAD=$lib KBPF_PRELOAD_BPFFS=$fs "$prog" "${args[@]}" >"$tmp/kbpf" 2>&1; then
	echo "ok: $(basename "$prog") through kbpf-preload"; pass=$((pass + 1))
else
	echo "FAIL: $(basename "$prog") through kbpf-preload:"; cat "$tmp/kbpf"
	fail=$((fail + 1))
fi
if [ "$kernel_ok" = 0 ]; then
	echo "skip: kernel oracle: $(head -1 "$tmp/kernel")"; skip=$((skip + 1))
elif [ -f "$tmp/kbpf" ] && diff -u "$tmp/kernel" "$tmp/kbpf"; then
	echo "ok: the same transcript as the kernel ($(wc -l <"$tmp/kernel") lines)"
	pass=$((pass + 1))
else
	echo "FAIL: transcripts differ (above: - kernel, + kbpf-preload)"
	fail=$((fail + 1))
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
