#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus of fuzz_sys_bpf.c (one file per command shape).

Layout of an input: byte 0 = number of commands - 1; 3 bytes per command
(cmd, size lo, size hi); then the arena, with command i's attr at i * 256.
"""
import os
import struct

d = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'sys_bpf')
os.makedirs(d, exist_ok=True)


def attr(fields, size=256):
    b = bytearray(size)
    for off, fmt, val in fields:
        struct.pack_into(fmt, b, off, val)
    return b


def write(name, cmds, arena):
    hdr = bytes([len(cmds) - 1]) + b''.join(bytes([c, s & 0xff, s >> 8]) for c, s in cmds)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(hdr + bytes(arena))


array = attr([(0, '<I', 2), (4, '<I', 4), (8, '<I', 8), (12, '<I', 4)])
write('map_create_array', [(0, 168)], array)
update = attr([(0, '<I', 3), (8, '<Q', 1024), (16, '<Q', 1032)])
write('create_update_lookup', [(0, 168), (2, 168), (1, 168)], array + update + bytearray(2048))
write('map_create_hash', [(0, 168)], attr([(0, '<I', 1), (4, '<I', 4), (8, '<I', 4), (12, '<I', 16)]))
write('map_create_ringbuf', [(0, 168)], attr([(0, '<I', 27), (12, '<I', 4096)]))
write('map_create_queue', [(0, 168)], attr([(0, '<I', 22), (8, '<I', 8), (12, '<I', 4)]))
prog = attr([(0, '<I', 1), (4, '<I', 2), (8, '<Q', 1024), (16, '<Q', 1100)]) + bytearray(2048)
struct.pack_into('<QQ', prog, 1024, 0xb7, 0x95)  # r0 = 0; exit
prog[1100:1104] = b'GPL\0'
write('prog_load_min', [(5, 168)], prog)
write('attr_too_big', [(0, 4200)], bytearray(200))
write('unknown_cmd', [(60, 168)], bytearray(200))

# Hash family: create, update, the four batch commands (fd 3 is the map).
def batch(map_fd, count, in_b=0, out_b=1500, keys=1600, vals=1700):
    return attr([(0, '<Q', in_b), (8, '<Q', out_b), (16, '<Q', keys),
                 (24, '<Q', vals), (32, '<I', count), (36, '<I', map_fd)])


for name, mtype, flags in (('hash', 1, 0), ('hash_noprealloc', 1, 1),
                           ('percpu_hash', 5, 0), ('lru_hash', 9, 0),
                           ('lru_percpu_nocommon', 10, 2)):
    create = attr([(0, '<I', mtype), (4, '<I', 4), (8, '<I', 8),
                   (12, '<I', 8), (16, '<I', flags)])
    upd = attr([(0, '<I', 3), (8, '<Q', 1024), (16, '<Q', 1032)])
    arena = create + upd + batch(3, 4, keys=1100, vals=1200) + \
        batch(3, 8) + batch(3, 2, in_b=1500) + batch(3, 4, keys=1100)
    arena += bytearray(2048)
    struct.pack_into('<IIII', arena, 1100, 1, 2, 3, 4)
    write('seq_' + name, [(0, 168), (2, 168), (26, 168), (24, 168),
                          (25, 168), (27, 168)], arena)
