#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Host instructions per program run, counted by valgrind's callgrind, for
# kbpf's fast, checked and unpriv (checked with the pointer rules) interpreter (and ubpf's, if bench_interp was built
# with -DKBPF_UBPF_DIR) and kbpf's JIT (a fast-mode runner's native runs; the
# last table, with the empty program's per-run cost): exact counts that a
# loaded machine cannot skew.
# Each mode runs 1 and 3 times; the difference halved is one run, without
# process start-up. Usage: bench/interp_icount.sh [BUILD_DIR]   (default build/rel)
set -euo pipefail
build=${1:-build/rel}
bin=$build/bench/bench_interp
command -v valgrind >/dev/null || { echo "interp_icount: valgrind not installed"; exit 1; }
[ -x "$bin" ] || { echo "interp_icount: build $bin first (cmake --build $build --target bench_interp)"; exit 1; }

# insns executed per run (fixed by the bytecode; research/bench-anchors.md)
declare -A bpf_insns=([sum_loop]=90002 [fnv_hash]=39527 [csum]=60134 [alu32]=104006)

count() { # program mode reps -> host instructions
	KBPF_JIT=$([ "$2" = jit ] && echo 1 || echo 0) valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		"$bin" --run "$build/bench/$1.bin" "$2" "$3" 2>&1 >/dev/null |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

per_run() { # program mode -> host instructions of one run
	local one three
	one=$(count "$1" "$2" 1) || return 1
	three=$(count "$1" "$2" 3) || return 1
	[ -n "$one" ] && [ -n "$three" ] || return 1
	echo $(((three - one) / 2))
}

ubpf=1
"$bin" --run "$build/bench/empty.bin" ubpf 1 >/dev/null 2>&1 || ubpf=0
printf "%-10s %12s %12s %12s %10s %10s %10s %12s %12s\n" program "fast Ir" "checked Ir" "unpriv Ir" "fast/insn" "chk/fast" "unp/chk" "ubpf Ir" "ubpf/fast"
for p in sum_loop fnv_hash csum alu32; do
	f=$(per_run $p fast)
	c=$(per_run $p checked)
	q=$(per_run $p unpriv)
	u=-
	r=-
	if [ $ubpf = 1 ]; then
		u=$(per_run $p ubpf)
		r=$(awk -v u="$u" -v f="$f" 'BEGIN { printf "%.2fx", u / f }')
	fi
	awk -v p=$p -v f="$f" -v c="$c" -v q="$q" -v n="${bpf_insns[$p]}" -v u="$u" -v r="$r" \
		'BEGIN { printf "%-10s %12d %12d %12d %10.1f %9.2fx %9.2fx %12s %12s\n", p, f, c, q, f / n, c / f, q / c, u, r }'
done

printf "\n%-10s %12s %10s %12s %10s   (JIT: host instructions per run, and per BPF instruction; ubpf's JIT if built with it)\n" program "jit Ir" "jit/insn" "ubpf jit Ir" "ubpf/insn"
for p in sum_loop fnv_hash csum alu32 empty; do
	j=$(per_run $p jit) || { echo "$p: no native code (no backend?)"; continue; }
	n=${bpf_insns[$p]:-2}
	u=0
	[ $ubpf = 1 ] && u=$(per_run $p ubpfjit)
	awk -v p=$p -v j="$j" -v n="$n" -v u="$u" 'BEGIN { printf "%-10s %12d %10.2f %12d %10.2f\n", p, j, j / n, u, u / n }'
done
