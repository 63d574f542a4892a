#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the riscv64-virt kernel, boot it under qemu-system-riscv64 (2 harts,
# OpenSBI) with a timeout, and check its serial output: both harts counted
# timer events and every ring buffer record arrived in order, bpf_printk
# reached the trace sink, the attacker got the expected errnos, a direct
# read of kernel memory killed the program, kbpf freed everything, and the
# kernel shut down cleanly. Exits nonzero on any failure; 77 (skip) without
# the tools. KBPF_PORT_TIMEOUT (seconds, default 60) bounds each boot.
#
# A second boot, one hart under `-icount shift=0,sleep=off`, gives the
# measurements: there qemu executes one guest instruction per nanosecond
# of guest time, so rdtime/rdcycle/rdinstret count instructions exactly,
# whatever the load of the machine (the SMP boot's wall-clock numbers are
# printed too, but depend on the host).
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

mkdir -p build
if ! make -j"${KBPF_PORT_JOBS:-2}" all size >build/build.log 2>&1; then
	tail -n 40 build/build.log
	echo "port: build failed"
	exit 1
fi

boot() { # boot LOG QEMU-OPTIONS...: sets rc
	local out=$1 start=$SECONDS
	shift
	timeout "$timeout_s" qemu-system-riscv64 -machine virt -m 128M \
		-nographic -bios default -kernel build/kernel.elf -no-reboot \
		"$@" </dev/null >"$out" 2>&1
	rc=$?
	tr -d '\r' <"$out" >"$out.txt" && mv "$out.txt" "$out"
	echo "port: qemu $* ran $((SECONDS - start)) s, exit status $rc"
}

boot "$log" -smp 2
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
expect "the ring buffer woke its reader" '^user: [1-9][0-9]* wake-ups from the ring buffer'
for what in "write\\(2\\) calls counted by syscalls.bpf.o: got 5" \
	"close\\(2\\) calls counted by syscalls.bpf.o: got 1" \
	"all calls counted in its global variable: got 6"; do
	expect "clang-built object via kbpf's ELF loader: $what" "^user: ok: $what"
done
for what in "attr in kernel memory: got -14" "attr at an unmapped address: got -14" \
	"attr size above a page: got -7" "non-zero bytes past union bpf_attr: got -7" \
	"unknown map type: got -22" "lookup into kernel memory: got -14" \
	"lookup on a closed fd: got -9" "checked run of an out-of-bounds store: got -14" \
	"checked run of a store to kernel text: got -14" \
	"probe_read_kernel of the firmware \\(PMP-protected\\): got -14" \
	"probe_read_kernel of a device register: got -14" \
	"probe_read_kernel of a user address: got -34"; do
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

# The measurement boot: it must pass too (one hart this time).
mlog=build/serial-icount.log
boot "$mlog" -smp 1 -icount shift=0,sleep=off
if [ "$rc" != 0 ] || ! grep -q '^kernel: shutdown ok' "$mlog"; then
	echo "port: FAIL: the one-hart -icount boot (serial output in $PWD/$mlog)"
	fails=$((fails + 1))
fi
echo "port: measurements (one hart, -icount: 1 instruction = 1 ns):"
grep -E '^kernel: (boot hart|1 harts)|^user: (counter attached|first program|measure)' "$mlog" | sed 's/^/  /'
echo "  kernel image (text+data) without and with kbpf, and the user program:"
grep -A3 '^ *text' build/build.log | sed 's/^/  /'
echo "  user.bin (embedded in both kernels): $(stat -c %s build/user.bin) bytes"

if [ "$fails" = 0 ]; then
	echo "port: passed"
	exit 0
fi
echo "port: $fails checks failed (serial output in $PWD/$log)"
exit 1
