#!/bin/sh
# SPDX-License-Identifier: MIT
# `kbpf run` on packet programs: the packet examples on the sample frames
# of examples/packets (verdict names, the hex dump of data_out, --out,
# --data-hex, --update, --json), and the test object's programs for the
# cases the examples do not reach (a packet that grows, a return value
# that is no XDP action, a socket filter).
# usage: test_cli_run.sh KBPF EXAMPLESDIR PACKETSDIR PACKETOBJ
set -u
kbpf=$1 ex=$2 pk=$3 pobj=$4
tmp=${TMPDIR:-/tmp}/kbpf_cli_run.$$
fails=0
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

out=$("$kbpf" run "$ex/xdp_filter.bpf.o" --data "$pk/udp_dns.pkt" \
	--update blocked_ports 53 0 --update blocked_ports 0x7b 5 --cpu 1); st=$?
check "xdp_filter on a DNS query: status 0" $st 0
has "XDP action by name" "$out" "^retval: 1 (XDP_DROP)$"
has "data_out size" "$out" "^packet after the run (data_out, 71 bytes):$"
has "hex dump with offsets" "$out" \
	"^  0000  02 00 00 00 00 02 02 00  00 00 00 01 08 00 45 00  |..............E.|$"
has "hex dump, last line" "$out" "^  0040  6f 6d 00 00 01 00 01  *|om.....|$"
has "--update set the port, the program counted the drop" "$out" \
	"key 53 (35 00) -> 1 (01 00 00 00 00 00 00 00)"
has "--update with a 0x number" "$out" "key 123 (7b 00) -> 5 "
has "per-CPU stats on --cpu 1" "$out" \
	"key 17 (11 00 00 00) -> cpu1 (01 00 00 00 00 00 00 00 47 00"

"$kbpf" run "$ex/xdp_filter.bpf.o" --data "$pk/tcp_syn.pkt" \
	--out "$tmp.pass" >/dev/null
check "--out" $? 0
cmp -s "$tmp.pass" "$pk/tcp_syn.pkt"
check "XDP_PASS: --out holds the packet unchanged" $? 0

out=$("$kbpf" run "$ex/xdp_reflect.bpf.o" --data "$pk/icmp_echo.pkt" \
	--out "$tmp.tx")
has "XDP_TX" "$out" "^retval: 3 (XDP_TX)$"
has "MAC addresses swapped" "$out" "^  0000  02 00 00 00 00 01 02 00  00 00 00 02 08 00 45 00"
has "TTL, IP checksum, addresses swapped" "$out" \
	"^  0010  00 3c 7d 02 40 00 40 01  a9 bc 0a 00 00 02 0a 00"
has "echo reply, ICMP checksum" "$out" "^  0020  00 01 00 00 55 19 00 42"
[ "$(wc -c <"$tmp.tx")" -eq 74 ]
check "--out: data_size_out bytes" $? 0

out=$("$kbpf" run "$ex/tc_portmap.bpf.o" --data "$pk/tcp_syn.pkt" \
	--update port_map 8080 hex:5000)
has "tc verdict by name" "$out" "^retval: 0 (TC_ACT_OK)$"
has "DSCP AF41 in the TOS byte" "$out" "^  0000 .* 08 00 45 88  "
has "IP checksum fixed" "$out" "^  0010  00 3c 3a 51 40 00 40 06  eb e0 "
has "port 8080 -> 80" "$out" "^  0020  00 02 9c 41 00 50 00 00"
has "TCP checksum fixed" "$out" "^  0030  fa f0 b6 51 "
has "--update hex:BYTES" "$out" "key 8080 (90 1f) -> 80 (50 00)"

out=$("$kbpf" run "$ex/xdp_reflect.bpf.o" --data "$pk/udp_echo.pkt" --json)
has "--json: verdict and data_out" "$out" \
	'"retval":3,"verdict":"XDP_TX","data_size_out":54,"data_out":"0200000000010200000000020800450000281c46400040110a7d0a0000020a00000100079c42'
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]
check "--json: one line" $? 0

arp="ff ff ff ff ff ff 02:00:00:00:00:01 08 06 00 01 08 00 06 04 00 01
02 00 00 00 00 01 0a 00 00 01 00 00 00 00 00 00 0a 00 00 02"
out=$("$kbpf" run "$ex/xdp_filter.bpf.o" --data-hex "$arp"); st=$?
check "--data-hex" $st 0
has "--data-hex: ARP passes" "$out" "^retval: 2 (XDP_PASS)$"
has "--data-hex: 42 bytes" "$out" "^  0020  00 00 00 00 00 00 0a 00  00 02  "

if [ -f "$pobj" ]; then
	out=$("$kbpf" run "$pobj" --prog xdp_encap --data "$pk/udp_dns.pkt")
	has "a packet that grew (adjust_head, metadata)" "$out" \
		"^packet after the run (data_out, 103 bytes, size changed):$"
	out=$("$kbpf" run "$pobj" --prog xdp_meta_trim --data "$pk/udp_dns.pkt")
	has "no XDP action" "$out" "^retval: 65607 (not an XDP action: the driver drops the packet)$"
	out=$("$kbpf" run "$pobj" --prog sock_filter --data "$pk/udp_dns.pkt")
	has "socket filter" "$out" "^retval: 57 (keep at most 57 bytes)$"
	has "socket filter: Ethernet header zeroed in data_out" "$out" \
		"^  0000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 45 00"
else
	echo "skip the test object's programs: no $pobj"
fi

err=$("$kbpf" run "$ex/xdp_filter.bpf.o" 2>&1 >/dev/null); st=$?
check "a packet program without a packet: status 1" $st 1
has "... says how to give one" "$err" "runs on a packet: give it one of at least 14 bytes"
err=$("$kbpf" run "$ex/xdp_filter.bpf.o" --data-hex "0a 1" 2>&1 >/dev/null); st=$?
check "bad --data-hex: status 1" $st 1
has "... says why" "$err" "not hex bytes"
"$kbpf" run "$ex/xdp_filter.bpf.o" --data "$pk/udp_dns.pkt" --data-hex 00 \
	>/dev/null 2>&1
check "--data and --data-hex: usage (2)" $? 2
err=$("$kbpf" run "$ex/xdp_filter.bpf.o" --data "$pk/udp_dns.pkt" \
	--update blocked_ports 70000 0 2>&1 >/dev/null); st=$?
check "--update key too wide: status 1" $st 1
has "... says the size" "$err" "key '70000' is not 2 bytes"
err=$("$kbpf" run "$ex/xdp_filter.bpf.o" --data "$pk/udp_dns.pkt" \
	--update nosuch 1 1 2>&1 >/dev/null); st=$?
check "--update unknown map: status 1" $st 1
has "... names it" "$err" "no map named 'nosuch'"
"$kbpf" run "$ex/xdp_filter.bpf.o" --update blocked_ports 1 >/dev/null 2>&1
check "--update with two values: usage (2)" $? 2
out=$("$kbpf" run --help)
has "--help: --data-hex" "$out" "--data-hex HEX"
has "--help: --out" "$out" "--out FILE"
has "--help: --update" "$out" "--update MAP KEY VALUE"

# kbpf info --jited: the JIT's code per function where the build has a
# backend, the interpreter's note where not, and always with KBPF_JIT=0.
out=$("$kbpf" info "$ex/calls.bpf.o" --jited); st=$?
check "info --jited: status 0" $st 0
if printf '%s\n' "$out" | grep -q "native code: "; then
	has "info --jited: four functions" "$out" "native code: [0-9]* bytes, 4 functions"
	has "info --jited: address and length" "$out" "function 3 at 0x[0-9a-f]*, [0-9]* bytes:"
	has "info --jited: hex lines" "$out" "^      0000  [0-9a-f][0-9a-f] "
else
	has "info --jited: interpreter" "$out" "no native code"
fi
out=$(KBPF_JIT=0 "$kbpf" info "$ex/calls.bpf.o" --jited)
has "info --jited with KBPF_JIT=0" "$out" "no native code (the interpreter runs it"
"$kbpf" info "$ex/calls.bpf.o" --jited --json >/dev/null 2>&1
check "info --jited --json is refused" $? 2

rm -f "$tmp.pass" "$tmp.tx"
[ $fails -eq 0 ] && echo "test_cli_run: all passed" && exit 0
echo "test_cli_run: $fails failed"
exit 1
