#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus of fuzz_interp_checked.c: small valid programs."""
import os
import struct

d = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'interp_checked')
os.makedirs(d, exist_ok=True)


def I(code, dst=0, src=0, off=0, imm=0):
    return struct.pack('<BBhi', code, (src << 4) | dst, off, imm)


progs = {
    'ret0': I(0xb7) + I(0x95),
    'ctx_load_store': I(0x79, 2, 1, 8) + I(0x7b, 1, 2, 16) + I(0xbf, 0, 2) + I(0x95),
    'stack': I(0x7a, 10, 0, -8, 7) + I(0x79, 0, 10, -8) + I(0x95),
    'map_lookup': I(0x62, 10, 0, -4, 1) + I(0x18, 1, 1) + I(0) + I(0xbf, 2, 10) +
                  I(0x07, 2, 0, 0, -4) + I(0x85, 0, 0, 0, 1) + I(0x15, 0, 0, 2, 0) +
                  I(0x7a, 0, 0, 0, 5) + I(0x79, 0, 0, 0) + I(0x95),
    'ringbuf_reserve_submit': I(0x18, 1, 1, 0, 1) + I(0) + I(0xb7, 2, 0, 0, 16) +
                              I(0xb7, 3) + I(0x85, 0, 0, 0, 131) + I(0x15, 0, 0, 4, 0) +
                              I(0x7a, 0, 0, 0, 1) + I(0xbf, 1, 0) + I(0xb7, 2) +
                              I(0x85, 0, 0, 0, 132) + I(0xb7) + I(0x95),
    'loop': I(0xb7) + I(0x07, 0, 0, 0, 1) + I(0xa5, 0, 0, -2, 100) + I(0x95),
    'call_local': I(0x85, 0, 1, 0, 1) + I(0x95) + I(0xb7, 0, 0, 0, 3) + I(0x95),
}
for name, code in progs.items():
    with open(os.path.join(d, name), 'wb') as f:
        f.write(code)
