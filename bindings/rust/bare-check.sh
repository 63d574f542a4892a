#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the kbpf crate for bare-metal targets with Debian's toolchain: the
# proof that it needs nothing of std.
#
#   bindings/rust/bare-check.sh [TARGET...]
#
# Default targets: riscv64gc-unknown-none-elf aarch64-unknown-none
# x86_64-unknown-none. Debian ships the standard library for the build
# machine only, so for each target the script compiles a private sysroot
# from rust-src (core, alloc) and librust-compiler-builtins-dev
# (compiler_builtins, which every no_std crate implicitly depends on) with
# RUSTC_BOOTSTRAP=1, the way Rust's own build does. The sysroot holds no
# std: the script checks that a crate naming std fails against it. Then it
# builds, on stable Rust without RUSTC_BOOTSTRAP, with --sysroot:
#   the library without features (core only),
#   the library with `alloc` and examples/kernel_glue.rs (core + alloc),
# against a libkbpf.a built for the target's architecture with the cross
# gcc (cmake -DKBPF_CORE_ONLY=ON). Nothing is linked: the results are rlibs.
#
# Environment: CARGO, RUSTC (default /usr/bin/cargo, /usr/bin/rustc),
# KBPF_BUILD (default <repository>/build), JOBS (default 2).
# Sysroots are kept under $KBPF_BUILD/rust-sysroot/ and reused while the
# rustc and the sources are the same (a stamp file records them).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cargo=${CARGO:-/usr/bin/cargo}
rustc=${RUSTC:-/usr/bin/rustc}
build=${KBPF_BUILD:-$root/build}
jobs=${JOBS:-2}
targets=("$@")
[ ${#targets[@]} -gt 0 ] ||
	targets=(riscv64gc-unknown-none-elf aarch64-unknown-none x86_64-unknown-none)

die() {
	echo "bare-check: $*" >&2
	exit 1
}

for t in "$cargo" "$rustc"; do
	[ -x "$t" ] || die "$t not found (apt-get install rustc cargo)"
done
src=$("$rustc" --print sysroot)/lib/rustlib/src/rust/library
[ -f "$src/core/src/lib.rs" ] || die "no rust-src for $("$rustc" --version) in $src (apt-get install rust-src)"
# Debian's package of the compiler_builtins crate; the newest if several.
cb=$(find /usr/share/cargo/registry -maxdepth 1 -name 'compiler_builtins-*' 2>/dev/null |
	sort -V | tail -n1)
if [ -z "$cb" ] || [ ! -f "$cb/src/lib.rs" ]; then
	die "compiler_builtins source not found (apt-get install librust-compiler-builtins-dev)"
fi

# The cmake toolchain file (or none: the build machine's cc) that builds
# libkbpf.a for a target's architecture.
c_toolchain() {
	local arch=${1%%-*}
	case $arch in
	riscv64*) echo riscv64 ;;
	aarch64) echo aarch64 ;;
	x86_64) [ "$(uname -m)" = x86_64 ] && echo host || echo none ;;
	*) echo none ;;
	esac
}

# Build core, compiler_builtins and alloc for target $1 into sysroot $2.
build_sysroot() {
	local t=$1 sysroot=$2 lib=$2/lib/rustlib/$1/lib
	local stamp=$lib/kbpf-stamp
	local want
	want="$("$rustc" -vV | tr '\n' ' ') src=$src cb=$cb"
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		echo "bare-check: $t: sysroot up to date ($sysroot)"
		return
	fi
	rm -rf "$lib"
	mkdir -p "$lib"
	echo "bare-check: $t: building core, compiler_builtins, alloc from $src"
	local common=(--crate-type rlib --target "$t" --sysroot "$sysroot" -C opt-level=1
		-C debuginfo=0 -C panic=abort -Z force-unstable-if-unmarked --out-dir "$lib")
	RUSTC_BOOTSTRAP=1 "$rustc" --crate-name core --edition 2021 "${common[@]}" \
		"$src/core/src/lib.rs"
	# What compiler_builtins' build.rs would set for a bare target.
	local cfgs=(--cfg 'feature="compiler-builtins"' --cfg 'feature="unstable"'
		--cfg 'feature="mem"')
	case $t in
	x86_64* | aarch64*) cfgs+=(--cfg 'feature="mem-unaligned"') ;;
	esac
	RUSTC_BOOTSTRAP=1 "$rustc" --crate-name compiler_builtins --edition 2015 \
		"${common[@]}" "${cfgs[@]}" "$cb/src/lib.rs"
	RUSTC_BOOTSTRAP=1 "$rustc" --crate-name alloc --edition 2021 "${common[@]}" \
		"$src/alloc/src/lib.rs"
	echo "$want" >"$stamp"
}

# libkbpf.a for target $1's architecture; prints its directory.
build_clib() {
	local t=$1 tc dir
	tc=$(c_toolchain "$t")
	dir=$build/rust-bare-c/$tc
	local args=(-S "$root" -B "$dir" -DKBPF_CORE_ONLY=ON -DCMAKE_BUILD_TYPE=Release)
	[ "$tc" = host ] || args+=(-DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchain-$tc.cmake")
	cmake "${args[@]}" >"$dir.configure.log" 2>&1 ||
		{ cat "$dir.configure.log" >&2; die "$t: cmake configure of libkbpf.a failed"; }
	cmake --build "$dir" -j"$jobs" --target kbpf >"$dir.build.log" 2>&1 ||
		{ tail -n 30 "$dir.build.log" >&2; die "$t: libkbpf.a build failed"; }
	echo "$dir"
}

# cargo build of the crate for target $1 with sysroot $2 and libkbpf.a in
# $3; the rest are cargo's arguments. Stable Rust: no RUSTC_BOOTSTRAP.
crate_build() {
	local t=$1 sysroot=$2 libdir=$3
	shift 3
	echo "bare-check: $t: cargo build $*"
	(cd "$here" && env -u RUSTC_BOOTSTRAP CARGO_TARGET_DIR="$build/rust-bare-target" \
		RUSTC="$rustc" RUSTFLAGS="--sysroot $sysroot" KBPF_LIB_DIR="$libdir" \
		"$cargo" build --offline -j"$jobs" --target "$t" "$@")
}

echo "bare-check: $("$rustc" --version), $("$cargo" --version)"
mkdir -p "$build/rust-bare-c"
known=$("$rustc" --print target-list)
fails=0
for t in "${targets[@]}"; do
	if ! grep -qx -- "$t" <<<"$known"; then
		die "$t: not a target of $("$rustc" --version)"
	fi
	if [ "$(c_toolchain "$t")" = none ]; then
		die "$t: no C cross compiler known for its architecture"
	fi
	start=$SECONDS
	sysroot=$build/rust-sysroot/$t
	build_sysroot "$t" "$sysroot"
	echo "bare-check: $t: sysroot $((SECONDS - start)) s"
	# The sysroot must not offer std, or the builds below prove nothing.
	probe=$(echo 'extern crate std;' | "$rustc" --crate-type rlib --crate-name nostd_probe \
		--target "$t" --sysroot "$sysroot" --emit metadata -o /dev/null - 2>&1) &&
		die "$t: the sysroot $sysroot provides std"
	case $probe in
	*"can't find crate for \`std\`"*) ;;
	*) echo "$probe" >&2; die "$t: probing the sysroot for std failed unexpectedly" ;;
	esac
	libdir=$(build_clib "$t")
	if crate_build "$t" "$sysroot" "$libdir" --lib --no-default-features &&
		crate_build "$t" "$sysroot" "$libdir" --lib --examples --features alloc; then
		echo "bare-check: $t: ok without std, $((SECONDS - start)) s" \
			"(rlibs in $build/rust-bare-target/$t/debug)"
	else
		echo "bare-check: $t: FAILED"
		fails=$((fails + 1))
	fi
done
[ "$fails" = 0 ]
