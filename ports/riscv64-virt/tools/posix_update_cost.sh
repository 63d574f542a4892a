#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Instructions of one bpf(2) hash map update through the POSIX host on this
# machine (x86-64 here), counted by valgrind's callgrind, to set beside the
# port's count under qemu -icount (run.sh). kbpf and the POSIX host are
# compiled as CMake's default RelWithDebInfo does (-O2). Runs 1000 and 3000
# updates; the difference over 2000 is one update, without start-up.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "posix_update_cost: valgrind not installed"; exit 77; }
root=../..
out=build/posix
mkdir -p "$out"
cflags=(-std=gnu11 -O2 -I"$PWD/$root/include" -I"$PWD/$root/src" -I"$PWD/$root/host/posix")
if [ ! -f "$out/libposix.a" ]; then
	srcs=$(find "$PWD/$root/src" "$PWD/$root/host/posix" -name '*.c' | sort)
	# One object per source, named by its path: src/ has btf.c twice.
	for f in $srcs; do
		echo "$f"
	done | xargs -P2 -I{} sh -c 'o=$(echo "{}" | tr / _); gcc '"${cflags[*]}"' -c "{}" -o "'"$out"'/$o.o"'
	ar rcs "$out/libposix.a" "$out"/*.o
fi
gcc "${cflags[@]}" tools/posix_update.c "$out/libposix.a" -lpthread -o "$out/posix_update"
count() {
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$out/posix_update" "$1" 2>&1 |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
one=$(count 1000)
three=$(count 3000)
echo "posix host: bpf(BPF_MAP_UPDATE_ELEM) on a hash map: $(((three - one) / 2000)) instructions each (x86-64, callgrind)"
