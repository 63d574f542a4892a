#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the riscv64-virt kernel, boot it under qemu-system-riscv64 (2 harts,
# OpenSBI) with a timeout, and check its serial output: both harts counted
# timer events and every ring buffer record arrived in order, bpf_printk
# reached the trace sink, the attacker got the expected errnos, a direct
# read of kernel memory killed the program, kbpf freed everything, and the
# kernel shut down cleanly. Exits nonzero on any failure; 77 (skip) without
# the tools. KBPF_PORT_TIMEOUT (seconds, default 60) bounds the boot.
set -uo pipefail
cd "$(dirname "$0")"
timeout_s=${KBPF_PORT_TIMEOUT:-60}
log=build/serial.log

for tool in qemu-system-riscv64 riscv64-linux-gnu-gcc; do
	if ! command -v $tool >/dev/null; then
		echo "port: skipped: $tool not installed (scripts/setup.sh installs it)"
		exit 77
	fi
done

if ! make -j"${KBPF_PORT_JOBS:-2}" all size >build.log 2>&1; then
	tail -n 40 build.log
	echo "port: build failed"
	exit 1
fi
mv build.log build/build.log
grep -A3 '^ *text' build/build.log

start=$SECONDS
timeout "$timeout_s" qemu-system-riscv64 -machine virt -smp 2 -m 128M \
	-nographic -bios default -kernel build/kernel.elf -no-reboot \
	</dev/null >"$log" 2>&1
rc=$?
tr -d '\r' <"$log" >"$log.txt" && mv "$log.txt" "$log"
echo "port: qemu ran $((SECONDS - start)) s, exit status $rc"
grep -E '^(kernel|user|bpf_trace):' "$log"

fails=0
expect() { # expect DESCRIPTION EXTENDED-REGEX
	if grep -Eq "$2" "$log"; then
		echo "port: ok: $1"
	else
		echo "port: FAIL: $1 (no line matching /$2/)"
		fails=$((fails + 1))
	fi
}

[ "$rc" = 0 ] || { echo "port: FAIL: qemu exit status $rc (124: timeout)"; fails=$((fails + 1)); }
expect "two harts up" '^kernel: 2 harts'
for cpu in 0 1; do
	expect "hart $cpu counted timer events, each one in the ring" \
		"^user: cpu $cpu: ([1-9][0-9]*) timer events, \\1 ring records, 0 out of order"
done
expect "ring records in order, none lost" '^user: ok: ring records out of order or lost'
expect "bpf_printk through the trace sink" '^bpf_trace: write fd=1'
for what in "attr in kernel memory: got -14" "attr at an unmapped address: got -14" \
	"attr size above a page: got -7" "non-zero bytes past union bpf_attr: got -7" \
	"unknown map type: got -22" "lookup into kernel memory: got -14" \
	"lookup on a closed fd: got -9" "checked run of an out-of-bounds store: got -14" \
	"checked run of a store to kernel text: got -14"; do
	expect "attacker: $what" "^user: ok: $what"
done
expect "hostile program on the timer failed, kernel carried on" 'a timer_tick program failed with -14; the kernel carries on'
expect "attacker saw only expected answers" '^user: attacker done, 0 unexpected answers'
expect "user program succeeded" '^kernel: user program exited with status 0'
expect "reading kernel memory from U-mode killed the program" '^kernel: second run ended with status 139'
expect "kbpf freed all its memory" '^kernel: kbpf memory after the program: 0 bytes'
expect "clean shutdown" '^kernel: shutdown ok'
if grep -q 'FAIL\|PANIC' "$log"; then
	echo "port: FAIL: failure lines in the serial output"
	fails=$((fails + 1))
fi

if [ "$fails" = 0 ]; then
	echo "port: passed"
	exit 0
fi
echo "port: $fails checks failed (serial output in $PWD/$log)"
exit 1
