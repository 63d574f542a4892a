#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build kbpf and run the demo: the bpf(2) side-by-side demo, then every
# example BPF program (examples/*.bpf.c, compiled with clang against
# libbpf's bpf_helpers.h) loaded and run by `kbpf run`.
# Installs missing Debian packages first (clang, libbpf-dev, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/demo -j"$(nproc)" >/dev/null
build/demo/examples/kbpf_demo

K=build/demo/tools/kbpf/kbpf
E=build/demo/examples
step() {
	echo
	echo "=== $1"
	echo "\$ kbpf ${*:2}"
	"$K" "${@:2}"
}
printf '\x05\0\0\0\x0a\0\0\0\0\0\0\0\0\0\0\0' > build/demo/calls_in.bin

step "What is in an object: programs, maps, global data" \
	info "$E/calls.bpf.o"
step "A per-key counter in a hash map (3 events for key 59)" \
	run "$E/counter.bpf.o" --arg 59 --repeat 3
step "A per-CPU counter (5 events on CPU 1)" \
	run "$E/percpu.bpf.o" --arg 10 --cpu 1 --repeat 5
step "An LRU flow table (2 packets of 1500 bytes, 10.0.0.1:8080 -> 10.0.0.2:80)" \
	run "$E/lru_flow.bpf.o" --arg 0x0a000001 --arg 0x0a000002 \
	--arg 0x1f900050 --arg 1500 --repeat 2
step "Events through a ring buffer" \
	run "$E/ringbuf_events.bpf.o" --arg 42 --arg 7 --repeat 2
step "Events through a perf event array" \
	run "$E/perf_emit.bpf.o" --arg 1234 --cpu 0
step "A queue producer using bpf_loop" \
	run "$E/queue.bpf.o" --arg 3
step "A raw tracepoint handler using bpf_printk" \
	run "$E/printk.bpf.o" --arg 59 --arg 3
step "bpf-to-bpf calls, bpf_loop and global variables (syscall program)" \
	run "$E/calls.bpf.o" --ctx build/demo/calls_in.bin
step "The same, as JSON for scripts" \
	run "$E/counter.bpf.o" --arg 7 --json
echo
echo "demo: done. Try: $K run --help"
