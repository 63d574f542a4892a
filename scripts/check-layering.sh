#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Usage: check-layering.sh NM TABLE SRC_DIR OBJECT...
#
# Checks that the modules of the core (the directories under src/) use only
# the modules the layering table allows. TABLE is the file holding the table
# (docs/ARCHITECTURE.md): the markdown rows between the lines
# "<!-- layering:begin -->" and "<!-- layering:end -->", each
# "| module | module it may use, ... |".
#
# The actual use graph comes from the objects' symbols (nm): a module uses
# another when one of its objects has an undefined reference to a global
# symbol that an object of the other module defines. OBJECT arguments are
# the library's object files (a ';'-separated list is split too), named
# .../src/MODULE/FILE.c.o as CMake names them. Quoted includes of another
# module's private header ("MODULE/x.h") in SRC_DIR/MODULE/ are checked
# against the same table, since a static inline reaches no symbol table.
#
# The layer diagram between "<!-- layers:begin -->" and "<!-- layers:end -->"
# in TABLE must show the layers the table implies.
#
# Prints the actual module graph, then every use the table does not allow
# (file, symbol or header, and the module that provides it); exits 1 if
# there is one, or if a module is missing from the table.
set -uo pipefail
nm=$1 table=$2 srcdir=$3
shift 3

allowed=$(awk '
	/<!-- layering:begin -->/ { on = 1; next }
	/<!-- layering:end -->/ { on = 0 }
	on && /^\|/ {
		n = split($0, f, "|")
		mod = f[2]; gsub(/[ `]/, "", mod)
		if (mod == "" || mod == "module" || mod ~ /^-+$/) next
		uses = f[3]; gsub(/[`,]/, " ", uses)
		printf "%s:", mod
		k = split(uses, u, " ")
		for (i = 1; i <= k; i++) if (u[i] != "-") printf " %s", u[i]
		printf "\n"
	}' "$table")
if [ -z "$allowed" ]; then
	echo "FAIL: no layering table in $table"
	echo "0 passed, 1 failed"
	exit 1
fi

# One line per symbol: "D module file symbol" (defined global) or
# "U module file symbol" (undefined reference).
objs=()
for arg in "$@"; do
	IFS=';' read -r -a parts <<<"$arg"
	objs+=("${parts[@]}")
done
syms=$(for o in "${objs[@]}"; do
	[ -n "$o" ] || continue
	rel=${o##*/src/}
	rel=${rel%.o}
	mod=${rel%%/*}
	"$nm" -P "$o" | awk -v f="$rel" -v m="$mod" '
		$2 == "U" { print "U", m, f, $1; next }
		$2 ~ /^[A-TV-Z]$/ { print "D", m, f, $1 }'
done)

if ! grep -q '^D ' <<<"$syms"; then
	echo "FAIL: $nm read no global symbols from the objects given (${#objs[@]})"
	echo "0 passed, 1 failed"
	exit 1
fi

# Use edges: "from to file symbol defining-file", one per reference.
edges=$(echo "$syms" | awk '
	$1 == "D" { dmod[$4] = $2; dfile[$4] = $3; next }
	$1 == "U" { u[++n] = $0 }
	END {
		for (i = 1; i <= n; i++) {
			split(u[i], a, " ")
			if ((a[4] in dmod) && dmod[a[4]] != a[2])
				print a[2], dmod[a[4]], a[3], a[4], dfile[a[4]]
		}
	}' | sort -u)

# Include edges: "from to file header".
incs=$(cd "$srcdir" && for d in */; do
	mod=${d%/}
	grep -HoE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[a-z_]+/[^"]+"' \
		"$mod"/*.[ch] 2>/dev/null |
		sed -E 's/^([^:]+):.*"([^"]+)".*/\1 \2/' |
		awk -v m="$mod" '{ split($2, p, "/"); if (p[1] != m && p[1] != "kbpf") print m, p[1], $1, $2 }'
done | sort -u)

echo "module graph (from object symbols; module -> modules it uses, references):"
modules=$(cd "$srcdir" && for d in */; do echo "${d%/}"; done)
for m in $modules; do
	line=$(echo "$edges" | awk -v m="$m" '$1 == m { c[$2]++ }
		END { for (k in c) print k "(" c[k] ")" }' | sort | tr '\n' ' ' | sed 's/ $//')
	printf '  %-8s -> %s\n' "$m" "${line:--}"
done

status=0
# The table itself: every module it names has a row, and it has no cycle.
# A module's layer is one more than the highest layer it may use.
layers=$(echo "$allowed" | awk '
	{ split($0, kv, ":"); m[++n] = kv[1]; u[kv[1]] = kv[2]; row[kv[1]] = 1 }
	END {
		for (i = 1; i <= n; i++) {
			k = split(u[m[i]], us, " ")
			for (j = 1; j <= k; j++)
				if (!(us[j] in row))
					print "FAIL: table: " m[i] " may use " us[j] ", which has no row"
			L[m[i]] = 0
		}
		for (it = 0; it <= n; it++) {
			changed = 0
			for (i = 1; i <= n; i++) {
				k = split(u[m[i]], us, " ")
				for (j = 1; j <= k; j++)
					if ((us[j] in row) && L[us[j]] + 1 > L[m[i]]) {
						L[m[i]] = L[us[j]] + 1
						changed = 1
					}
			}
			if (!changed)
				break
		}
		if (changed) {
			print "FAIL: table: the layering has a cycle"
			exit
		}
		for (l = 0; l <= n; l++) {
			line = ""
			for (i = 1; i <= n; i++)
				if (L[m[i]] == l)
					line = line " " m[i]
			if (line != "")
				printf "  %d %s\n", l, line
		}
	}')
echo "layers of the table (a module may use only modules of lower layers):"
echo "$layers" | grep -v '^FAIL' || true
if grep -q '^FAIL' <<<"$layers"; then
	echo "$layers" | grep '^FAIL'
	status=1
fi
# The diagram between "<!-- layers:begin -->" and "<!-- layers:end -->":
# a line " N   src/m/" starts layer N, a line " |  src/m/" continues it.
drawn=$(awk '
	/<!-- layers:begin -->/ { on = 1; next }
	/<!-- layers:end -->/ { on = 0 }
	on && match($0, /^ *[0-9]+ +src\/[a-z_]+\//) {
		split(substr($0, RSTART, RLENGTH), f, " ")
		l = f[1]; sub(/^src\//, "", f[2]); sub(/\/$/, "", f[2])
		print l, f[2]; next
	}
	on && match($0, /^ *\| +src\/[a-z_]+\//) {
		split(substr($0, RSTART, RLENGTH), f, " ")
		sub(/^src\//, "", f[2]); sub(/\/$/, "", f[2])
		print l, f[2]
	}' "$table" | sort)
want=$(echo "$layers" | awk '!/^FAIL/ { for (i = 2; i <= NF; i++) print $1, $i }' | sort)
if [ "$drawn" != "$want" ]; then
	echo "FAIL: the layer diagram of $table does not match the table:"
	diff <(echo "$want") <(echo "$drawn") | sed -n 's/^</  table:  /p; s/^>/  drawn:  /p'
	status=1
fi
for m in $modules; do
	if ! grep -q "^$m:" <<<"$allowed"; then
		echo "FAIL: module src/$m/ is not in the layering table of $table"
		status=1
	fi
done
bad=$( (echo "$edges" | sed 's/^/S /'; echo "$incs" | sed 's/^/I /') |
	awk -v allowed="$allowed" '
	BEGIN {
		n = split(allowed, lines, "\n")
		for (i = 1; i <= n; i++) {
			split(lines[i], kv, ":")
			k = split(kv[2], us, " ")
			ok[kv[1] " " kv[1]] = 1
			for (j = 1; j <= k; j++) ok[kv[1] " " us[j]] = 1
			known[kv[1]] = 1
		}
	}
	NF >= 5 && !(($2 " " $3) in ok) {
		if ($1 == "S")
			printf "FAIL: src/%s uses %s (defined in src/%s, module %s): %s may not use %s\n",
				$4, $5, $6, $3, $2, $3
		else
			printf "FAIL: src/%s includes \"%s\": %s may not use %s\n",
				$4, $5, $2, $3
	}')
if [ -n "$bad" ]; then
	echo "$bad"
	status=1
fi
if [ $status = 0 ]; then
	echo "layering: every module uses only what the table in $table allows"
	echo "1 passed, 0 failed"
else
	echo "layering: failed, see above (table: $table)"
	echo "0 passed, 1 failed"
fi
exit $status
