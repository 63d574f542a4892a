#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Usage: check_exports.sh READELF LIBKBPF.a EXPORTS INCLUDE_DIR
#
# The porter's API is exactly what libkbpf exports. The core is compiled
# with -fvisibility=hidden and public functions are marked KBPF_API
# (include/kbpf/config.h), so the global symbols of default visibility that
# libkbpf.a defines are the public API. Fails unless:
#   - EXPORTS (cmake/kbpf.exports: one name a line, sorted, no duplicates)
#     lists exactly those symbols (readelf shows visibility; nm does not);
#   - every listed name is declared KBPF_API in a header under INCLUDE_DIR.
set -uo pipefail
readelf=$1 lib=$2 exports=$3 incdir=$4
status=0
fail() {
	echo "FAIL: $1"
	shift
	printf '  %s\n' "$@"
	status=1
}

# Symbol table rows: Num Value Size Type Bind Vis Ndx Name.
actual=$("$readelf" -s --wide "$lib" | awk '
	$5 == "GLOBAL" && $6 == "DEFAULT" && $7 != "UND" && NF >= 8 { print $8 }' |
	sort -u)
if [ -z "$actual" ]; then
	fail "$readelf read no exported symbols from $lib"
fi
listed=$(grep -v -e '^#' -e '^$' "$exports")
if [ "$listed" != "$(echo "$listed" | LC_ALL=C sort -u)" ]; then
	fail "$exports is not sorted (LC_ALL=C sort -u)"
fi
extra=$(comm -23 <(echo "$actual" | LC_ALL=C sort) <(echo "$listed" | LC_ALL=C sort))
missing=$(comm -13 <(echo "$actual" | LC_ALL=C sort) <(echo "$listed" | LC_ALL=C sort))
if [ -n "$extra" ]; then
	# shellcheck disable=SC2086
	fail "exported by $lib but not in $exports (mark it static, or KBPF_API and list it):" $extra
fi
if [ -n "$missing" ]; then
	# shellcheck disable=SC2086
	fail "listed in $exports but not exported by $lib:" $missing
fi

# Each listed name: a KBPF_API declaration in a public header (the name may
# be on the line after KBPF_API when the return type is long).
decls=$(find "$incdir" -name '*.h' -exec cat {} + | awk '
	/^KBPF_API/ { line = $0; if (line !~ /\(/) { getline nxt; line = line " " nxt }
		sub(/\(.*/, "", line); n = split(line, w, /[ *]+/); print w[n] }' |
	sort -u)
undeclared=$(comm -23 <(echo "$listed" | LC_ALL=C sort) <(echo "$decls" | LC_ALL=C sort))
if [ -n "$undeclared" ]; then
	# shellcheck disable=SC2086
	fail "listed in $exports but declared KBPF_API in no header of $incdir:" $undeclared
fi
notlisted=$(comm -13 <(echo "$listed" | LC_ALL=C sort) <(echo "$decls" | LC_ALL=C sort))
if [ -n "$notlisted" ]; then
	# shellcheck disable=SC2086
	fail "declared KBPF_API in $incdir but not in $exports:" $notlisted
fi

echo "core_exports: $(echo "$actual" | grep -c .) symbols exported, $(echo "$listed" | grep -c .) listed"
if [ $status = 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $status
