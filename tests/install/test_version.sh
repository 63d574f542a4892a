#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Usage: test_version.sh KBPF VERSION HEADER
# `kbpf --version` and `kbpf version` print "kbpf VERSION", where VERSION is
# CMake's project version; and that is what the KBPF_VERSION_* macros of
# the umbrella header HEADER say (the one source of truth).
set -uo pipefail
kbpf=$1 version=$2 header=$3
fail=0
for arg in --version version; do
	out=$("$kbpf" "$arg" 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && [ "$out" = "kbpf $version" ]; then
		echo "ok: kbpf $arg: $out"
	else
		echo "FAIL: kbpf $arg: exit $rc, '$out', expected 'kbpf $version'"
		fail=1
	fi
done
hv=$(for p in MAJOR MINOR PATCH; do
	sed -n "s/^#define KBPF_VERSION_$p \([0-9]*\)$/\1/p" "$header"
done | paste -sd.)
if [ "$hv" = "$version" ]; then
	echo "ok: $header says $hv"
else
	echo "FAIL: $header says '$hv', CMake's project version is $version"
	fail=1
fi
if [ "$fail" = 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $fail
