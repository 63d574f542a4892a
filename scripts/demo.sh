#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build kbpf and run the demo: the bpf(2) side-by-side demo, then every
# example BPF program (examples/*.bpf.c, compiled with clang against
# libbpf's bpf_helpers.h) loaded and run by `kbpf run`, ending with the
# packet programs (XDP and tc) run on the sample frames of examples/packets.
# Installs missing Debian packages first (clang, libbpf-dev, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/demo -j"$(nproc)" >/dev/null
build/demo/examples/kbpf_demo

K=build/demo/tools/kbpf/kbpf
E=build/demo/examples
P=examples/packets
step() {
	echo
	echo "=== $1"
	echo "\$ kbpf ${*:2}"
	"$K" "${@:2}"
}
# What to look at in the output above.
note() {
	sed 's/^/--> /'
}
printf '\x05\0\0\0\x0a\0\0\0\0\0\0\0\0\0\0\0' > build/demo/calls_in.bin

step "What is in an object: programs, maps, global data" \
	info "$E/calls.bpf.o"
step "A per-key counter in a hash map (3 events for key 59)" \
	run "$E/counter.bpf.o" --arg 59 --repeat 3
step "A per-CPU counter (5 events on CPU 1)" \
	run "$E/percpu.bpf.o" --arg 10 --cpu 1 --repeat 5
step "An LRU flow table (2 packets of 1500 bytes, 10.0.0.1:8080 -> 10.0.0.2:80)" \
	run "$E/lru_flow.bpf.o" --arg 0x0a000001 --arg 0x0a000002 \
	--arg 0x1f900050 --arg 1500 --repeat 2
step "Events through a ring buffer" \
	run "$E/ringbuf_events.bpf.o" --arg 42 --arg 7 --repeat 2
step "Events through a perf event array" \
	run "$E/perf_emit.bpf.o" --arg 1234 --cpu 0
step "A queue producer using bpf_loop" \
	run "$E/queue.bpf.o" --arg 3
step "A raw tracepoint handler using bpf_printk" \
	run "$E/printk.bpf.o" --arg 59 --arg 3
step "bpf-to-bpf calls, bpf_loop and global variables (syscall program)" \
	run "$E/calls.bpf.o" --ctx build/demo/calls_in.bin
step "The same, as JSON for scripts" \
	run "$E/counter.bpf.o" --arg 7 --json

echo
echo "==== Packet programs: BPF_PROG_TEST_RUN on sample frames (10.0.0.1 -> 10.0.0.2)"
step "XDP firewall: a DNS query (UDP port 53) with port 53 blocked" \
	run "$E/xdp_filter.bpf.o" --data "$P/udp_dns.pkt" \
	--update blocked_ports 53 0
note <<'EOF'
retval 1 is XDP_DROP: the driver would free the frame. data_out is the
frame as the program left it (unchanged). blocked_ports counted one drop
for port 53; proto_stats counted one UDP packet (17) of 71 bytes on CPU 0.
EOF
step "The same firewall on a TCP SYN to port 8080, running on CPU 1" \
	run "$E/xdp_filter.bpf.o" --data "$P/tcp_syn.pkt" \
	--update blocked_ports 53 0 --cpu 1
note <<'EOF'
XDP_PASS: the frame goes on to the network stack. The TCP counter (6) is
in CPU 1's slot of the per-CPU array; port 53's drop count stays 0.
EOF
step "XDP echo responder: a ping (ICMP echo request) turned around" \
	run "$E/xdp_reflect.bpf.o" --data "$P/icmp_echo.pkt"
note <<'EOF'
XDP_TX: the frame leaves by the interface it came in on. The MAC and IP
addresses are swapped, TTL 64 (0x40) with the IP checksum recomputed
(a9 bc), ICMP type 0 (echo reply) with its checksum updated (55 19).
EOF
step "The responder on a UDP echo datagram (port 7), as JSON" \
	run "$E/xdp_reflect.bpf.o" --data "$P/udp_echo.pkt" --json
note <<'EOF'
"verdict":"XDP_TX"; data_out is the reply in hex: ports 7 and 40002
swapped. udp_replies in .bss counted it.
EOF
step "tc port forwarder: the SYN to 8080 rewritten to port 80, DSCP AF41" \
	run "$E/tc_portmap.bpf.o" --data "$P/tcp_syn.pkt" \
	--update port_map 8080 80 --out build/demo/forwarded.pkt
note <<'EOF'
TC_ACT_OK: the packet continues. bpf_skb_store_bytes wrote port 80
(00 50 at 0x24) and TOS 0x88 (DSCP 34, at 0x0f); bpf_l4_csum_replace
fixed the TCP checksum (b6 51) and bpf_l3_csum_replace the IP one
(eb e0). --out wrote the packet to build/demo/forwarded.pkt.
EOF
arp="ff ff ff ff ff ff 02 00 00 00 00 01 08 06 00 01 08 00 06 04 00 01"
arp="$arp 02 00 00 00 00 01 0a 00 00 01 00 00 00 00 00 00 0a 00 00 02"
step "A frame typed in hex (--data-hex): an ARP request passes the firewall" \
	run "$E/xdp_filter.bpf.o" --data-hex "$arp"
note <<'EOF'
Not IPv4: XDP_PASS, and no counter moved (no map is shown).
EOF
echo
echo "Each example gives the kernel's return values, packets and maps:"
echo "tests/unit/loader/test_examples_diff.c runs them through libbpf and"
echo "the kernel's BPF_PROG_TEST_RUN too and compares."
echo
echo "demo: done. Try: $K run --help"
