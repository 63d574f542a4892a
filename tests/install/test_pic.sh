#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Usage: test_pic.sh CMAKE SOURCE_DIR CC [NONPIC_LIBKBPF NONPIC_LIBKBPF_POSIX]
#
# -DKBPF_PIC=ON: kbpf and its POSIX host link into a shared object. Builds
# libkbpf.a and libkbpf_posix.a of SOURCE_DIR with the option in a
# temporary directory, links consumer/consumer.c with them into a .so
# (-z defs: nothing left unresolved), dlopens it and runs it: a hash map
# created, updated and looked up through the POSIX host, whose per-thread
# state (the virtual CPU) is thread-local. Without the option the link fails
# (the TLS variables use the local-exec model: R_X86_64_TPOFF32); given the
# non-PIC libraries of the calling build, that is shown as a note, not
# tested, since some toolchains accept text relocations. Offline; the
# temporary directory is removed on exit.
set -uo pipefail
cmake=$1 src=$2 cc=$3
nonpic_core=${4:-} nonpic_posix=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kbpf-pic.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*"
	echo "0 passed, 1 failed"
	exit 1
}
run() {
	local log=$tmp/$1
	shift
	if "$@" >"$log" 2>&1; then return 0; fi
	cat "$log"
	return 1
}

# Debug: the quickest compile; the option, not the optimisation, matters.
run configure.log "$cmake" -S "$src" -B "$tmp/b" -DCMAKE_C_COMPILER="$cc" \
	-DCMAKE_BUILD_TYPE=Debug -DKBPF_PIC=ON ||
	fail "configure with -DKBPF_PIC=ON"
run build.log "$cmake" --build "$tmp/b" --target kbpf_posix -j2 ||
	fail "build kbpf_posix with -DKBPF_PIC=ON"
echo "ok: libkbpf.a and libkbpf_posix.a built with -DKBPF_PIC=ON"

so_flags=(-std=gnu11 -Wall -Wextra -Werror -shared -fPIC -DCONSUMER_SHARED
	-I"$src/include" -I"$src/host/posix" "$here/consumer/consumer.c"
	-Wl,-z,defs)
run link.log "$cc" "${so_flags[@]}" -o "$tmp/libconsumer.so" \
	"$tmp/b/libkbpf_posix.a" "$tmp/b/libkbpf.a" -pthread ||
	fail "link libkbpf_posix.a + libkbpf.a (KBPF_PIC=ON) into a shared object"
echo "ok: linked into libconsumer.so"
run main.log "$cc" -o "$tmp/dlopen_main" "$here/consumer/dlopen_main.c" -ldl ||
	fail "build dlopen_main"
run run.log "$tmp/dlopen_main" "$tmp/libconsumer.so" ||
	fail "dlopen libconsumer.so and run it"
echo "ok: dlopen: $(cat "$tmp/run.log")"

if [ -n "$nonpic_core" ] && [ -n "$nonpic_posix" ]; then
	if "$cc" "${so_flags[@]}" -o "$tmp/nonpic.so" "$nonpic_posix" \
		"$nonpic_core" -pthread >"$tmp/nonpic.log" 2>&1; then
		echo "note: the libraries built without KBPF_PIC link into a shared object too here"
	else
		echo "note: without KBPF_PIC the link fails, as expected:"
		grep -m2 -E 'relocation|recompile' "$tmp/nonpic.log" | sed 's/^/  /'
	fi
fi
echo "1 passed, 0 failed"
