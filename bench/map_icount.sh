#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Host instructions per map lookup or update made by a BPF program in kbpf's
# interpreter (fast, checked, and checked with the pointer rules of loaders
# without CAP_PERFMON) and natively (jit: the JIT's code run by a fast-mode
# runner; "fast" runs with KBPF_JIT=0), counted by valgrind's callgrind:
# exact counts that a loaded machine cannot skew. The programs are bench_array's and
# bench_hash's (64 map calls per run, 1024 entries, 4-byte keys). Each
# program runs 1 and 9 times; the difference divided by 8 is one run (the
# set-up varies by a few dozen instructions between processes), without
# process start-up; the same program without the map call is subtracted,
# and the rest divided by 64.
# Usage: bench/map_icount.sh [BUILD_DIR]   (default build/rel)
set -euo pipefail
build=${1:-build/rel}
command -v valgrind >/dev/null || { echo "map_icount: valgrind not installed"; exit 1; }
for b in bench_array bench_hash; do
	[ -x "$build/bench/$b" ] || { echo "map_icount: build $build/bench/$b first"; exit 1; }
done

count() { # bench type op mode reps -> host instructions
	local jit=1
	[ "$4" = jit ] || jit=0
	KBPF_JIT=$jit valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		"$build/bench/$1" --run "$2" "$3" "$4" "$5" 2>&1 >/dev/null |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

per_run() { # bench type op mode -> host instructions of one run
	local one nine
	one=$(count "$1" "$2" "$3" "$4" 1) || return 1
	nine=$(count "$1" "$2" "$3" "$4" 9) || return 1
	[ -n "$one" ] && [ -n "$nine" ] || return 1
	echo $(((nine - one) / 8))
}

printf "%-14s %-7s %10s %10s %10s %10s   (host instructions per map call)\n" map op jit fast checked unpriv
for row in "bench_array array lookup" "bench_array array update" \
	"bench_array percpu_array lookup" "bench_array percpu_array update" \
	"bench_hash hash lookup" "bench_hash hash update" \
	"bench_hash lru_hash lookup" "bench_hash percpu_hash lookup"; do
	# shellcheck disable=SC2086 # a row is words, split on purpose
	set -- $row
	line=$(printf "%-14s %-7s" "$2" "$3")
	for mode in jit fast checked unpriv; do
		with=$(per_run "$1" "$2" "$3" $mode) || { line="$line $(printf '%10s' fail)"; continue; }
		without=$(per_run "$1" "$2" none $mode) || { line="$line $(printf '%10s' fail)"; continue; }
		line="$line $(awk -v w="$with" -v o="$without" 'BEGIN { printf "%10.1f", (w - o) / 64 }')"
	done
	echo "$line"
done
