#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build and run every kbpf test on this machine: the README's test command,
# and what .ci/run calls. Installs missing Debian packages first.
#
# Stages (each a separate build directory under build/):
#   gcc        -Wall -Wextra -Werror, all tests (unit, differential vs the
#              kernel, conformance, stress, fault injection, fuzz smoke)
#   clang      the same warnings with clang, all tests, switch-dispatch interpreter
#   asan       clang ASan+UBSan, all tests
#   tsan       clang TSan, all tests
#   fuzz       clang libFuzzer + ASan+UBSan: every fuzz target for a short run
#   aarch64    cross gcc, the core -ffreestanding plus unit tests under qemu-user
#   riscv64    the same for riscv64
#   format     clang-format check of every C file
#   port       the riscv64-virt kernel (ports/riscv64-virt/run.sh): kbpf
#              built into a small SMP kernel, booted under qemu-system with
#              OpenSBI, a user program's bpf(2) calls checked on the serial
#   rust       the Rust crate (bindings/rust) with Debian's rustc and cargo:
#              cargo test --offline against a CMake build of the core and
#              POSIX host, no_std builds for riscv64gc-unknown-none-elf
#              (bindings/rust/bare-check.sh), and the bindgen freshness check
# KBPF_STAGES="gcc asan" limits the run to some stages.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc 2>/dev/null || echo 2)
stages=${KBPF_STAGES:-"gcc clang asan tsan fuzz aarch64 riscv64 format port rust"}
total_pass=0
total_fail=0
failed_stages=()

scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

# Run ctest in build dir $1 with extra args; add its counts to the totals.
run_ctest() {
	local dir=$1 stage=$2
	shift 2
	local log=$dir/ctest.log
	(cd "$dir" && ctest --output-on-failure -j"$jobs" "$@") 2>&1 | tee "$log"
	local line
	line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n1)
	if [ -z "$line" ]; then
		if grep -q 'No tests were found' "$log"; then
			return 0
		fi
		total_fail=$((total_fail + 1))
		failed_stages+=("$stage")
		return
	fi
	local failed all
	failed=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')
	all=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/')
	total_pass=$((total_pass + all - failed))
	total_fail=$((total_fail + failed))
	[ "$failed" = 0 ] || failed_stages+=("$stage")
}

build() {
	local dir=$1 stage=$2
	shift 2
	if ! cmake -S . -B "$dir" "$@" >"$dir.configure.log" 2>&1; then
		cat "$dir.configure.log"
		echo "stage $stage: configure failed"
		total_fail=$((total_fail + 1))
		failed_stages+=("$stage")
		return 1
	fi
	if ! cmake --build "$dir" -j"$jobs" 2>&1 | tail -n 30; then
		:
	fi
	if ! cmake --build "$dir" -j"$jobs" >/dev/null 2>&1; then
		echo "stage $stage: build failed"
		total_fail=$((total_fail + 1))
		failed_stages+=("$stage")
		return 1
	fi
}

# The Rust crate, with Debian's toolchain (rustc, cargo, rust-src from
# setup.sh), called by path: a rustup toolchain earlier on PATH is not what
# the crate promises to build with. One CMake build of libkbpf.a,
# libkbpf_posix.a and the example objects (build/rust-c) is shared by the
# cargo invocations through KBPF_LIB_DIR, so that cargo does not build the
# C library again per feature set; cargo's own output stays in
# build/rust-target. The no_std builds for bare targets are
# bindings/rust/bare-check.sh's (KBPF_RUST_BARE_TARGETS: which targets).
rust_stage() {
	local cargo=/usr/bin/cargo rustc=/usr/bin/rustc rustdoc=/usr/bin/rustdoc
	if [ ! -x "$cargo" ] || [ ! -x "$rustc" ]; then
		echo "stage rust: $cargo or $rustc missing after setup (Debian packages cargo, rustc)"
		total_fail=$((total_fail + 1)); failed_stages+=(rust)
		return
	fi
	echo "rust: $("$rustc" --version), $("$cargo" --version) (Debian's, /usr/bin)"
	local crate=$root/bindings/rust ok=1
	export CARGO_TARGET_DIR=$root/build/rust-target
	# Only the libraries and example objects: the C tests are other stages'.
	local targets="kbpf kbpf_posix"
	if ! cmake -S . -B build/rust-c -DCMAKE_BUILD_TYPE=Release -DKBPF_PIC=ON \
		>build/rust-c.configure.log 2>&1; then
		cat build/rust-c.configure.log
		echo "stage rust: configure failed"
		total_fail=$((total_fail + 1)); failed_stages+=(rust)
		return
	fi
	grep -q '^KBPF_BPF_HELPERS_DIR:PATH=/' build/rust-c/CMakeCache.txt && targets="$targets examples"
	if ! cmake --build build/rust-c -j"$jobs" --target $targets >build/rust-c.build.log 2>&1; then
		tail -n 30 build/rust-c.build.log
		echo "stage rust: build failed"
		total_fail=$((total_fail + 1)); failed_stages+=(rust)
		return
	fi
	if command -v bindgen >/dev/null 2>&1; then
		"$crate/gen-bindings.sh" --check || ok=0
	else
		echo "rust: bindgen not found: src/sys.rs freshness not checked"
	fi
	(cd "$crate" && KBPF_LIB_DIR=$root/build/rust-c RUSTC=$rustc RUSTDOC=$rustdoc \
		"$cargo" test --offline -j"$jobs" 2>&1) | tee build/rust-test.log
	[ "${PIPESTATUS[0]}" = 0 ] || ok=0
	local p f
	p=$(sed -nE 's/^test result: [a-zA-Z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\1/p' build/rust-test.log |
		awk '{s+=$1} END {print s+0}')
	f=$(sed -nE 's/^test result: [a-zA-Z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\2/p' build/rust-test.log |
		awk '{s+=$1} END {print s+0}')
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	# no_std: the crate built for bare targets against a sysroot of core
	# and alloc only (built from rust-src; about a minute of CPU per target
	# the first time, then reused from build/rust-sysroot).
	# shellcheck disable=SC2086 # a list of targets
	CARGO=$cargo RUSTC=$rustc JOBS=$jobs KBPF_BUILD=$root/build \
		"$crate/bare-check.sh" ${KBPF_RUST_BARE_TARGETS:-riscv64gc-unknown-none-elf} || ok=0
	if [ "$ok" = 1 ] && [ "$f" = 0 ]; then
		total_pass=$((total_pass + 1))
	else
		total_fail=$((total_fail + 1))
		failed_stages+=(rust)
	fi
}

mkdir -p build
stage_times=()
run_start=$SECONDS
for stage in $stages; do
	echo "==== stage $stage"
	stage_start=$SECONDS
	case $stage in
	gcc)
		build build/gcc gcc -DCMAKE_C_COMPILER=gcc && run_ctest build/gcc gcc ;;
	clang)
		# clang also covers the interpreter's portable switch dispatch.
		build build/clang clang -DCMAKE_C_COMPILER=clang -DKBPF_INTERP_SWITCH=ON &&
			run_ctest build/clang clang ;;
	asan)
		build build/asan asan -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
			-DKBPF_SANITIZE=address,undefined &&
			ASAN_OPTIONS=detect_leaks=1 run_ctest build/asan asan ;;
	tsan)
		build build/tsan tsan -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
			-DKBPF_SANITIZE=thread &&
			TSAN_OPTIONS=halt_on_error=1 run_ctest build/tsan tsan ;;
	fuzz)
		build build/fuzz fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
			-DKBPF_FUZZ=ON -DKBPF_SANITIZE=address,undefined &&
			run_ctest build/fuzz fuzz -L fuzz ;;
	aarch64 | riscv64)
		build build/$stage $stage -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-$stage.cmake \
			-DKBPF_STATIC_TESTS=ON -DCMAKE_BUILD_TYPE=Release &&
			run_ctest build/$stage $stage -L unit ;;
	format)
		files=$(git ls-files '*.c' '*.h' 2>/dev/null || find include src host tests tools bench fuzz examples -name '*.[ch]')
		bad=$(for f in $files; do clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "$f"; done)
		if [ -n "$bad" ]; then
			echo "not clang-formatted:"; echo "$bad"
			total_fail=$((total_fail + 1)); failed_stages+=(format)
		else
			echo "format: all files clean"; total_pass=$((total_pass + 1))
		fi ;;
	port)
		if ! command -v qemu-system-riscv64 >/dev/null; then
			echo "port: skipped: qemu-system-riscv64 is missing after setup"
		else
			KBPF_PORT_JOBS=$jobs ports/riscv64-virt/run.sh
			case $? in
			0) total_pass=$((total_pass + 1)) ;;
			77) ;; # skipped, with the reason printed
			*) total_fail=$((total_fail + 1)); failed_stages+=(port) ;;
			esac
		fi ;;
	rust)
		rust_stage ;;
	*) echo "unknown stage $stage"; total_fail=$((total_fail + 1)) ;;
	esac
	stage_times+=("$stage $((SECONDS - stage_start)) s")
	echo "==== stage $stage: $((SECONDS - stage_start)) s"
done

echo
echo "stage times:"
printf '  %s\n' "${stage_times[@]}"
echo "  all $((SECONDS - run_start)) s"
if [ ${#failed_stages[@]} -gt 0 ]; then
	echo "failed stages: ${failed_stages[*]}"
fi
echo "total: $total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
