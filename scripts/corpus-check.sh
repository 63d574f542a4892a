#!/bin/sh
# SPDX-License-Identifier: MIT
#
# corpus-check.sh DIR: run `kbpf load` over every .o under DIR and summarise
# what loaded and why the rest did not: per source (DIR's first-level
# subdirectories), per class (`kbpf load --help` lists them), per reason.
# It builds and fetches nothing: point it at objects you compiled (see
# docs/corpus.md for how the published corpus was built).
#
#   KBPF=path/to/kbpf   the kbpf command (default: build/gcc/tools/kbpf/kbpf
#                       next to this script, else `kbpf` on PATH)
#   --type TYPE         passed to `kbpf load` (sections naming no type)
#   --max-entries N     passed to `kbpf load` (maps left at max_entries 0)
#   --top N             reasons listed (default 40)
#   --raw FILE          also keep the full `kbpf load` output in FILE
#
# Exit status: 0 if the run completed (whatever loaded), 2 for bad usage or
# a missing kbpf.
set -eu

usage() {
	sed -n '3,18p' "$0" | sed 's/^# \{0,1\}//'
	exit "$1"
}

dir= top=40 raw= extra=
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage 0 ;;
	--type | --max-entries) extra="$extra $1 $2"; shift 2 ;;
	--top) top="$2"; shift 2 ;;
	--raw) raw="$2"; shift 2 ;;
	-*) echo "corpus-check: unknown option $1" >&2; usage 2 >&2 ;;
	*) [ -z "$dir" ] || usage 2 >&2; dir="$1"; shift ;;
	esac
done
[ -n "$dir" ] || usage 2 >&2
[ -d "$dir" ] || { echo "corpus-check: $dir: not a directory" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${KBPF:-}" ]; then
	if [ -x "$here/../build/gcc/tools/kbpf/kbpf" ]; then
		KBPF="$here/../build/gcc/tools/kbpf/kbpf"
	else
		KBPF=kbpf
	fi
fi
command -v "$KBPF" >/dev/null 2>&1 || {
	echo "corpus-check: no kbpf command ($KBPF); build kbpf or set KBPF" >&2
	exit 2
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
dir=${dir%/}
# One object per `kbpf load` line group; the source is DIR's subdirectory.
find "$dir" -name '*.o' -type f | LC_ALL=C sort | while read -r obj; do
	rel=${obj#"$dir"/}
	case "$rel" in */*) src=${rel%%/*} ;; *) src=. ;; esac
	echo "@source $src"
	# shellcheck disable=SC2086 # $extra is option words, split on purpose
	"$KBPF" load $extra "$obj" || true
done >"$out" 2>&1
[ -z "$raw" ] || cp "$out" "$raw"

# Reasons are grouped with names of programs, maps and instructions
# dropped; what names the missing feature (helper, kfunc, type) is kept.
LC_ALL=C awk -v top="$top" '
function norm(r) {
	sub(/^[0-9]+ CO-RE relocations \(first at insn [0-9]+: /, "CO-RE: ", r)
	if (r ~ /^CO-RE: /) {
		sub(/\): kbpf has no target BTF$/, "", r)
		sub(/\..*$/, "", r)
		sub(/\[[0-9]+\]$/, "", r)
		return r " (no target BTF)"
	}
	if (r ~ /^uses map /) {
		sub(/^uses map .*, which was not created/, "uses a map that was not created", r)
		return r
	}
	if (r ~ /cannot use helper .*\(a helper kbpf does not implement\)/) {
		sub(/.*cannot use helper /, "", r); sub(/#.*/, "", r)
		return "helper " r " not implemented by kbpf"
	}
	if (r ~ /cannot use helper/) {
		sub(/.*cannot use helper /, "", r); sub(/#.*/, "", r)
		return "helper " r " not allowed by kbpf for this program type"
	}
	gsub(/ at insn [0-9]+/, "", r)
	if (r ~ /^calls extern function |^takes the address of extern function /) {
		sub(/ \(a kfunc.*/, "", r)
		return "kfunc: " r
	}
	if (r ~ /^reads extern variable /) { sub(/: kbpf resolves.*/, "", r); return "extern: " r }
	if (r ~ /^max_entries is 0/) return "max_entries 0: left to the loader to set"
	if (r ~ /names no program type/) return "section names no program type (libbpf convention)"
	if (r ~ /^elf: program .* is static/) return "static program (refused by libbpf too)"
	if (r ~ /^elf: legacy map .*non-zero fields past map_flags/) return "legacy map definition with non-zero fields past map_flags (iproute2 layout)"
	gsub(/'\''[^'\'']*'\''/, "X", r)
	return r
}
/^@source / { src = $2; if (!(src in seen)) { seen[src] = 1; order[++nsrc] = src } next }
/: programs [0-9]+ loaded of [0-9]+, maps [0-9]+ created of [0-9]+$/ {
	objs[src]++; parsed[src]++; next
}
/: refused \[parse\]: / {
	objs[src]++
	r = $0; sub(/^.*: refused \[parse\]: /, "", r); sub(/ \([A-Za-z ]+\)$/, "", r)
	k = "parse\t" norm(r); reason[k]++; oclass["parse"]++; next
}
/^  prog / {
	progs[src]++; tprogs++
	if ($0 ~ / loaded \(/) { loaded[src]++; tloaded++; next }
	c = $0; sub(/.* refused \[/, "", c); sub(/\].*/, "", c)
	r = $0; sub(/.* refused \[[a-z-]+\]: /, "", r)
	pclass[c]++; reason["prog " c "\t" norm(r)]++; next
}
/^  map / {
	maps[src]++; tmaps++
	if ($0 ~ / created$/) { created[src]++; tcreated++; next }
	c = $0; sub(/.* refused \[/, "", c); sub(/\].*/, "", c)
	r = $0; sub(/.* refused \[[a-z-]+\]: /, "", r)
	mclass[c]++; reason["map " c "\t" norm(r)]++; next
}
END {
	printf "per source:\n"
	printf "  %-16s %8s %8s %9s %8s %8s %8s %8s\n", "source", "objects", "parsed", "programs", "loaded", "refused", "maps", "created"
	for (i = 1; i <= nsrc; i++) {
		s = order[i]; to += objs[s]; tp += parsed[s]
		printf "  %-16s %8d %8d %9d %8d %8d %8d %8d\n", s, objs[s], parsed[s], progs[s], loaded[s], progs[s] - loaded[s], maps[s], created[s]
	}
	printf "  %-16s %8d %8d %9d %8d %8d %8d %8d\n", "total", to, tp, tprogs, tloaded, tprogs - tloaded, tmaps, tcreated
	printf "\nrefused programs by class:\n"
	n = 0; for (c in pclass) line[++n] = sprintf("%8d  %s", pclass[c], c)
	srt(line, n); for (i = 1; i <= n; i++) print line[i]; delete line
	printf "\nrefused maps by class:\n"
	n = 0; for (c in mclass) line[++n] = sprintf("%8d  %s", mclass[c], c)
	srt(line, n); for (i = 1; i <= n; i++) print line[i]; delete line
	if (oclass["parse"]) printf "\nobjects refused at parse: %d\n", oclass["parse"]
	printf "\nreasons (what, class, count):\n"
	n = 0; for (k in reason) { split(k, kk, "\t"); line[++n] = sprintf("%8d  [%s] %s", reason[k], kk[1], kk[2]) }
	srt(line, n); for (i = 1; i <= n && i <= top; i++) print line[i]
	if (n > top) printf "  ... %d more (--top N)\n", n - top
}
# Descending by the leading count, then by text: insertion sort (small n).
function srt(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) {
		t = a[i]
		for (j = i - 1; j >= 1 && less(a[j], t); j--) a[j + 1] = a[j]
		a[j + 1] = t
	}
}
function less(x, y) { return (x + 0 < y + 0) || (x + 0 == y + 0 && x > y) }
' "$out"
