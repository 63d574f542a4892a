#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# preload_fds (a plain program using bpf fds as libbpf and bpftool do: dup,
# dup2, dup3, F_DUPFD, /proc/self/fd and fdinfo, mmap, ioctl, perf events,
# and statfs/mkdir/rmdir/unlink/pins in a bpffs) on the kernel and under
# LD_PRELOAD=libkbpf-preload.so: the transcripts must be equal. The kernel
# gets a bpffs mounted on a private temporary directory (unmounted after),
# the shim the same path as its private bpffs. Skips with the reason when
# the kernel's bpf(2) refuses.
# Usage: test_preload_fds.sh PRELOAD_FDS LIBKBPF_PRELOAD
set -u
prog=$1 lib=$2
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

args=()
if mount -t bpf bpf "$fs" 2>"$tmp/mount.err"; then
	mounted=1
	args=("$fs")
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
	echo "ok: preload_fds through kbpf-preload"; pass=$((pass + 1))
else
	echo "FAIL: preload_fds through kbpf-preload:"; cat "$tmp/kbpf"
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
