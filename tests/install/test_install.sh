#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Usage: test_install.sh CMAKE BUILD_DIR CC VERSION LIBDIR INCLUDEDIR BINDIR
#
# kbpf as a dependency: `cmake --install BUILD_DIR` into a temporary prefix
# (never the system's; DESTDIR ignored), then a small program
# (consumer/consumer.c: a hash map created, updated and looked up through
# the POSIX host) built against the installed tree both ways a user would:
#   1. pkg-config (kbpf-posix.pc, and kbpf.pc alone for the core), with
#      PKG_CONFIG_LIBDIR set to the prefix only
#   2. a CMake project with find_package(kbpf VERSION COMPONENTS posix cli),
#      which must find this prefix's package; a request for a later minor
#      version must fail
# and run. The installed `kbpf --version` must report VERSION. Offline; the
# prefix and every build are removed on exit.
set -uo pipefail
cmake=$1 build=$2 cc=$3 version=$4 libdir=$5 includedir=$6 bindir=$7
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kbpf-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
pass=0
fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
}
# run LOG CMD...: run CMD with its output in $tmp/LOG, shown on failure.
run() {
	local log=$tmp/$1
	shift
	if "$@" >"$log" 2>&1; then return 0; fi
	cat "$log"
	return 1
}

unset DESTDIR
if run install.log "$cmake" --install "$build" --prefix "$prefix"; then
	ok "cmake --install $build --prefix <tmp>"
else
	bad "cmake --install"
	finish
fi

missing=
for f in "$includedir/kbpf/kbpf.h" "$includedir/kbpf/host.h" \
	"$includedir/kbpf/uapi/bpf.h" "$includedir/kbpf/uapi/btf.h" \
	"$includedir/kbpf_posix.h" "$libdir/libkbpf.a" "$libdir/libkbpf_posix.a" \
	"$bindir/kbpf" "$libdir/pkgconfig/kbpf.pc" \
	"$libdir/pkgconfig/kbpf-posix.pc" "$libdir/cmake/kbpf/kbpfConfig.cmake" \
	"$libdir/cmake/kbpf/kbpfConfigVersion.cmake" \
	"$libdir/cmake/kbpf/kbpfTargets.cmake"; do
	[ -e "$prefix/$f" ] || missing="$missing $f"
done
# Every public header of the source tree is installed.
src_include=$(cd "$here/../../include" && find kbpf -name '*.h' | sort)
for h in $src_include; do
	[ -e "$prefix/$includedir/$h" ] || missing="$missing $includedir/$h"
done
if [ -z "$missing" ]; then
	ok "installed: headers ($(echo "$src_include" | wc -l)), libkbpf.a, libkbpf_posix.a, kbpf, kbpf.pc, kbpf-posix.pc, CMake package"
else
	bad "not installed:$missing"
fi
# Nothing of the build or source tree leaks into the installed files.
if grep -rl -e "$build" -e "$here" "$prefix/$libdir/pkgconfig" "$prefix/$libdir/cmake" >"$tmp/leak" 2>/dev/null; then
	bad "installed files name the build or source tree: $(cat "$tmp/leak")"
else
	ok "pkg-config and CMake files name only the prefix"
fi

out=$("$prefix/$bindir/kbpf" --version 2>&1)
if [ "$out" = "kbpf $version" ]; then
	ok "installed kbpf --version: $out"
else
	bad "installed kbpf --version: '$out', expected 'kbpf $version'"
fi

# ---- 1. pkg-config -----------------------------------------------------------
export PKG_CONFIG_LIBDIR=$prefix/$libdir/pkgconfig
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
pcv=$(pkg-config --modversion kbpf-posix 2>&1)
if [ "$pcv" = "$version" ]; then
	ok "pkg-config --modversion kbpf-posix: $pcv"
else
	bad "pkg-config --modversion kbpf-posix: '$pcv', expected $version"
fi
if run pc-build.log "$cc" -std=gnu11 -Wall -Wextra -Werror \
	-DEXPECT_VERSION="\"$version\"" -o "$tmp/consumer_pc" \
	"$here/consumer/consumer.c" $(pkg-config --cflags --libs kbpf-posix) &&
	run pc-run.log "$tmp/consumer_pc"; then
	ok "pkg-config kbpf-posix: $(cat "$tmp/pc-run.log")"
else
	bad "consumer built with pkg-config kbpf-posix"
fi
if run pc-core.log "$cc" -std=gnu11 -Wall -Wextra -Werror \
	-o "$tmp/core_pc" "$here/consumer/core_only.c" \
	$(pkg-config --cflags --libs kbpf) &&
	run pc-core-run.log "$tmp/core_pc"; then
	ok "pkg-config kbpf: $(cat "$tmp/pc-core-run.log")"
else
	bad "core_only built with pkg-config kbpf"
fi
unset PKG_CONFIG_LIBDIR

# ---- 2. CMake find_package ---------------------------------------------------
cfg=(-DCMAKE_C_COMPILER="$cc" -DCMAKE_PREFIX_PATH="$prefix"
	-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
	-DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
	-DKBPF_EXPECT_DIR="$prefix/$libdir/cmake/kbpf")
major_minor=${version%.*}
if run cm-configure.log "$cmake" -S "$here/consumer" -B "$tmp/cm" "${cfg[@]}" \
	-DKBPF_REQUEST_VERSION="$major_minor" &&
	run cm-build.log "$cmake" --build "$tmp/cm" &&
	run cm-run.log "$tmp/cm/consumer" &&
	run cm-core.log "$tmp/cm/core_only"; then
	ok "find_package(kbpf $major_minor COMPONENTS posix cli): $(cat "$tmp/cm-run.log")"
	grep -q "kbpf $version" "$tmp/cm-build.log" &&
		ok "kbpf::cli runs in the consumer's build" ||
		bad "kbpf::cli --version not in the consumer's build output"
else
	bad "consumer built with find_package(kbpf)"
fi
next=${version%%.*}.$((${major_minor#*.} + 1))
if "$cmake" -S "$here/consumer" -B "$tmp/cm-next" "${cfg[@]}" \
	-DKBPF_REQUEST_VERSION="$next" >"$tmp/cm-next.log" 2>&1; then
	bad "find_package(kbpf $next) accepted version $version"
else
	ok "find_package(kbpf $next) refuses $version (0.x: same minor version)"
fi
finish
