/* SPDX-License-Identifier: MIT */
/*
 * The "host" types of the CO-RE test: the layout core_local.bpf.c was not
 * compiled against. Included by core_target.bpf.c (whose BTF plays the
 * host's BTF) and by the test (which fills memory in this layout).
 */
#ifndef CORE_TARGET_H
#define CORE_TARGET_H

struct thing {
	long long pad0;
	char name[8];
	int new_field;
	long long b;
	union {
		struct {
			int y;
			int x;
		} inner;
		long long both;
	};
	unsigned int pad_bits : 7, flags : 3;
	int sflags : 5;
	int a;
};

enum color { BLUE = 7, RED = 9, GREEN = 11 };

#endif
