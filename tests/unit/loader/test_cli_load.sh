#!/bin/sh
# SPDX-License-Identifier: MIT
# `kbpf load` and scripts/corpus-check.sh on the loader's test objects:
# every map and program reported, each refusal with its class and reason.
# usage: test_cli_load.sh KBPF OBJDIR SCRIPTSDIR
set -u
kbpf=$1 dir=$2 scripts=$3
fails=0
# These objects' CO-RE is checked without a host BTF: the refusals below
# must not depend on the machine's /sys/kernel/btf/vmlinux.
KBPF_BTF=none
KBPF_KCONFIG=none
export KBPF_BTF KBPF_KCONFIG
check() { # description, command status, wanted status
	if [ "$2" -ne "$3" ]; then
		echo "FAIL $1 (status $2, wanted $3)"
		fails=$((fails + 1))
	else
		echo "ok   $1"
	fi
}
has() { # description, text, pattern
	if printf '%s\n' "$2" | grep -q -- "$3"; then
		echo "ok   $1"
	else
		echo "FAIL $1: no '$3' in:"
		printf '%s\n' "$2"
		fails=$((fails + 1))
	fi
}

out=$("$kbpf" load "$dir/unsup.bpf.o"); st=$?
check "a refused program makes the status 1" $st 1
has "loaded program" "$out" "prog good .* loaded (12 insns)"
has "CO-RE class and field" "$out" "refused \[core\]: 1 CO-RE relocations (first at insn [0-9]*: field byte offset of struct task_like.tgid)"
has "kfunc class" "$out" "kfunc_call .*refused \[kfunc\]: calls extern function 'bpf_rcu_read_lock'"
has "extern class" "$out" "kconfig_var .*refused \[extern\]: reads extern variable 'LINUX_KERNEL_VERSION' (.kconfig)"
has "map type class" "$out" "socks .*refused \[map-type\]: map type sockmap (15) is not supported by kbpf"
has "unset max_entries" "$out" "sized_later .*refused \[map-create\]: max_entries is 0"
has "missing map" "$out" "uses_socks .*refused \[map-missing\]: uses map 'socks' (insn [0-9]*), which was not created: map type sockmap is not supported by kbpf"
has "missing map, unsized" "$out" "uses_sized_later .*refused \[map-missing\]: .*not created: max_entries is 0"
has "unknown section" "$out" "custom_sec .*refused \[section\]: section 'xdp_custom'"
has "map-in-map from BTF values" "$out" "map  outer .*array_of_maps .*created"
has "object line" "$out" "programs 1 loaded of 8, maps 4 created of 6"

out=$("$kbpf" load --type xdp --max-entries 4 "$dir/unsup.bpf.o")
has "--type sets unknown sections" "$out" "prog custom_sec .* xdp .* loaded"
has "--max-entries sizes 0 maps" "$out" "prog uses_sized_later .* loaded"

out=$("$kbpf" load "$dir/slots.bpf.o" "$dir/legacy_gap.bpf.o"); st=$?
check "everything loads: status 0" $st 0
has "totals over several objects" "$out" "total: 2 objects, programs 5 loaded of 5, maps 6 created of 6"

out=$("$kbpf" load --json "$dir/unsup.bpf.o")
has "json loaded" "$out" '{"name":"good","section":"syscall","insns":12,"type":"syscall","loaded":true}'
has "json refused" "$out" '"loaded":false,"class":"kfunc","reason":"calls extern function'
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]
check "json: one line per object" $? 0

out=$("$kbpf" run "$dir/slots.bpf.o" --prog entry --arg 0)
has "kbpf run: tail call through a 'values' slot" "$out" "retval: 20 "

out=$("$kbpf" info --json --disasm "$dir/unsup.bpf.o")
has "info --json --disasm: the relocated code" "$out" '"name":"good",.*"insns":12,"own_insns":12,"code":\["[0-9a-f]\{16\}",'
has "info --json --disasm: why" "$out" '"why":"calls extern function .bpf_rcu_read_lock. at insn 0'

"$kbpf" load --help >/dev/null
check "--help" $? 0
"$kbpf" load >/dev/null 2>&1
check "no object is bad usage" $? 2
"$kbpf" load --type nonsense x.o >/dev/null 2>&1
check "unknown --type is bad usage" $? 2

out=$(KBPF=$kbpf "$scripts/corpus-check.sh" "$dir"); st=$?
check "corpus-check runs" $st 0
has "corpus-check totals" "$out" "total .*[0-9]"
has "corpus-check reasons" "$out" "\[prog core\] CO-RE: field byte offset of struct task_like (no target BTF)"
has "corpus-check map classes" "$out" "map-type"

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
echo "all passed"
