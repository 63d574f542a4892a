#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus of fuzz_prog_load.c.

Layout of an input: byte 0 program type (index), byte 1 log level and
flag bits, byte 2 license (bit 0: GPL) and attach type (bit 1), byte 3 log
size / 16 and prog array slot; then 8-byte instructions. ld_imm64 map
references with imm 0, 1, 2 name the array, prog array and ring buffer.
"""
import os
import struct

d = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'prog_load')
os.makedirs(d, exist_ok=True)


def insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack('<BBhi', code, dst | (src << 4), off, imm)


def ld64(dst, src, imm, hi=0):
    return insn(0x18, dst, src, 0, imm) + insn(0, 0, 0, 0, hi)


EXIT = insn(0x95)


def mov(dst, imm):
    return insn(0xb7, dst, 0, 0, imm)


def movx(dst, src):
    return insn(0xbf, dst, src)


def write(name, hdr, body):
    with open(os.path.join(d, name), 'wb') as f:
        f.write(bytes(hdr) + body)


write('ret0_raw_tp', [0, 0, 1, 0], mov(0, 0) + EXIT)
write('ret0_log', [0, 1, 1, 0], mov(0, 0) + EXIT)
write('bad_jump_log_small', [0, 1, 1, 1], insn(0x05, off=5) + mov(0, 0) + EXIT)
write('syscall_sleepable', [1, 8, 1, 0], mov(0, 7) + EXIT)
# args[0] + args[3] into r0
write('read_ctx', [0, 0, 1, 0],
      insn(0x79, 2, 1, 0) + insn(0x79, 3, 1, 24) + movx(0, 2) + insn(0x0f, 0, 3) + EXIT)
# a lookup in the array (map 0) and an atomic add
write('map_lookup', [0, 0, 1, 0],
      insn(0x62, 10, 0, -4, 0) + ld64(1, 1, 0) + movx(2, 10) + insn(0x07, 2, 0, 0, -4) +
      insn(0x85, imm=1) + insn(0x15, 0, 0, 2, 0) + mov(1, 1) + insn(0xdb, 0, 1, 0, 0) +
      mov(0, 0) + EXIT)
# tail call through the prog array (map 1), slot 0: the program itself
write('tail_call_self', [0, 0, 1, 0],
      movx(6, 1) + ld64(2, 1, 1) + mov(3, 0) + insn(0x85, imm=12) + mov(0, 3) + EXIT)
# trace_printk("x=%d\n", 9) with the format on the stack
fmt = b'x=%d\n\0\0\0'
write('trace_printk', [0, 0, 1, 0],
      ld64(1, 0, struct.unpack('<i', fmt[:4])[0], struct.unpack('<i', fmt[4:])[0]) +
      insn(0x7b, 10, 1, -8) + movx(1, 10) + insn(0x07, 1, 0, 0, -8) + mov(2, 8) + mov(3, 9) +
      insn(0x85, imm=6) + mov(0, 0) + EXIT)
# ring buffer output from the stack (map 2)
write('ringbuf_output', [0, 0, 1, 0],
      insn(0x7a, 10, 0, -8, 5) + ld64(1, 1, 2) + movx(2, 10) + insn(0x07, 2, 0, 0, -8) +
      mov(3, 8) + mov(4, 0) + insn(0x85, imm=130) + mov(0, 0) + EXIT)
# bpf_loop with a callback
write('loop_callback', [0, 0, 1, 0],
      mov(1, 5) + ld64(2, 4, 3) + mov(3, 0) + mov(4, 0) + insn(0x85, imm=181) + EXIT +
      mov(0, 0) + EXIT)
write('non_gpl_probe_read', [3, 1, 0, 0],
      mov(1, 0) + mov(2, 0) + mov(3, 0) + insn(0x85, imm=113) + mov(0, 0) + EXIT)
