#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Usage: check_symbols.sh NM LIBKBPF.a
# Fails if the core needs any symbol but memcpy/memset/memmove/memcmp, or
# exports a symbol that does not start with kbpf_.
nm=$1 lib=$2
# Undefined in some member and defined in none: what the host must provide.
defined=$("$nm" --defined-only "$lib" | awk 'NF==3 {print $3}' | sort -u)
needed=$("$nm" -u "$lib" | awk 'NF {print $NF}' | grep -v ':$' | sort -u |
	comm -23 - <(echo "$defined"))
undef=$(echo "$needed" | grep -v -E '^(memcpy|memset|memmove|memcmp)?$')
exported=$("$nm" -g --defined-only "$lib" | awk 'NF==3 {print $3}' | sort -u |
	grep -v '^kbpf_')
n_undef=$(echo "$needed" | grep -c .)
n_exp=$("$nm" -g --defined-only "$lib" | awk 'NF==3 {print $3}' | sort -u | wc -l)
status=0
if [ -n "$undef" ]; then
	echo "FAIL: libkbpf.a needs symbols a kernel does not provide:"
	echo "$undef"
	status=1
fi
if [ -n "$exported" ]; then
	echo "FAIL: libkbpf.a exports symbols without the kbpf_ prefix:"
	echo "$exported"
	status=1
fi
echo "core_symbols: $n_undef undefined (mem* only allowed), $n_exp exported (kbpf_* only)"
if [ $status = 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $status
