#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the sample packets the packet examples run on (kbpf run --data).

Each is a whole Ethernet frame as a NIC hands it to XDP or tc, with valid
IPv4 and L4 checksums, from host 10.0.0.1 (02:00:00:00:00:01) to host
10.0.0.2 (02:00:00:00:00:02). The .pkt files in this directory are this
script's output; rerun it after changing it:  python3 make_packets.py
"""
import os
import struct

SRC_MAC = bytes.fromhex("020000000001")
DST_MAC = bytes.fromhex("020000000002")
SRC_IP = bytes([10, 0, 0, 1])
DST_IP = bytes([10, 0, 0, 2])


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(proto, payload, ident, ttl=64, tos=0):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(payload), ident,
                      0x4000, ttl, proto, 0, SRC_IP, DST_IP)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def l4_csum(proto, seg):
    pseudo = SRC_IP + DST_IP + struct.pack("!BBH", 0, proto, len(seg))
    return csum(pseudo + seg)


def udp(sport, dport, data, with_csum=True):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    if with_csum:
        c = l4_csum(17, seg) or 0xFFFF  # 0 means "no checksum"
        seg = seg[:6] + struct.pack("!H", c) + seg[8:]
    return ipv4(17, seg, 0x1C46)


def tcp_syn(sport, dport, seq):
    # MSS 1460, SACK permitted, timestamps, NOP, window scale 7.
    opts = bytes.fromhex("020405b4" "0402" "080a" "0001e240" "00000000"
                         "01" "030307")
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, 0,
                      (5 + len(opts) // 4) << 4, 0x02, 64240, 0, 0) + opts
    seg = seg[:16] + struct.pack("!H", l4_csum(6, seg)) + seg[18:]
    return ipv4(6, seg, 0x3A51)


def icmp_echo(ident, seq, data):
    msg = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    msg = msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]
    return ipv4(1, msg, 0x7D02)


def dns_query(name):
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split("."))
    return struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + q + \
        b"\0" + struct.pack("!HH", 1, 1)


def frame(l3):
    return DST_MAC + SRC_MAC + b"\x08\x00" + l3


PACKETS = {
    # A DNS query for example.com (A): UDP 40000 -> 53.
    "udp_dns.pkt": frame(udp(40000, 53, dns_query("example.com"))),
    # The first packet of a TCP connection to port 8080.
    "tcp_syn.pkt": frame(tcp_syn(40001, 8080, 1000)),
    # ping 10.0.0.2: echo request, id 0x42, sequence 1, 32 bytes of data.
    "icmp_echo.pkt": frame(icmp_echo(0x42, 1,
                                     b"abcdefghijklmnopqrstuvwabcdefghi")),
    # A datagram to the UDP echo service (port 7).
    "udp_echo.pkt": frame(udp(40002, 7, b"hello, kbpf\n")),
    # UDP to port 8080 without a checksum (0: allowed over IPv4).
    "udp_nocsum.pkt": frame(udp(40003, 8080, b"no checksum", False)),
}

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    for name, data in PACKETS.items():
        with open(os.path.join(here, name), "wb") as f:
            f.write(data)
        print("%s: %d bytes" % (name, len(data)))
