#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Usage: check_headers.sh CC CXX INCLUDE_DIR
#
# Every public header (INCLUDE_DIR/kbpf/**.h) compiles alone: as C11 with
# CC (-Wall -Wextra -Werror -pedantic) and as C++17 with CXX (-Wall -Wextra
# -Werror; not -pedantic: the UAPI structs have Linux's flexible arrays and
# anonymous members, as Linux's own UAPI headers do). And kbpf/kbpf.h, the
# umbrella, includes every one of them. Prints one line per header and
# language; fails naming each header that does not compile.
set -uo pipefail
cc=$1 cxx=$2 incdir=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kbpf-headers.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0 failed=0
headers=$(cd "$incdir" && find kbpf -name '*.h' | LC_ALL=C sort)
for h in $headers; do
	# A declaration of our own: a header of macros only is a valid TU too.
	printf '#include "%s"\ntypedef int kbpf_header_check;\n' "$h" >"$tmp/t.c"
	cp "$tmp/t.c" "$tmp/t.cc"
	for lang in c11 c++17; do
		if [ $lang = c11 ]; then
			cmd=("$cc" -std=c11 -pedantic -c -o "$tmp/t.o" "$tmp/t.c")
		else
			cmd=("$cxx" -std=c++17 -fsyntax-only "$tmp/t.cc")
		fi
		if "${cmd[@]}" -Wall -Wextra -Werror -I"$incdir" >"$tmp/log" 2>&1; then
			echo "ok: $h as $lang"
			pass=$((pass + 1))
		else
			echo "FAIL: $h as $lang:"
			head -5 "$tmp/log" | sed 's/^/  /'
			failed=$((failed + 1))
		fi
	done
	case $h in
	kbpf/kbpf.h) ;;
	*)
		if ! grep -q "^#include \"${h#kbpf/}\"" "$incdir/kbpf/kbpf.h"; then
			echo "FAIL: kbpf/kbpf.h does not include $h"
			failed=$((failed + 1))
		fi
		;;
	esac
done
echo "$pass passed, $failed failed"
[ $failed = 0 ]
