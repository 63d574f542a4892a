/* SPDX-License-Identifier: MIT */
/*
 * I(code, dst, src, off, imm): one struct bpf_insn, for the programs tests
 * write by hand. Needs struct bpf_insn in scope; no header is included here
 * so that tests built against Linux's UAPI (libbpf's) can use it too.
 */
#ifndef KBPF_TEST_INSN_H
#define KBPF_TEST_INSN_H

#define I(c, d, s, o, i)                    \
	((struct bpf_insn){ .code = (c),    \
			    .dst_reg = (d), \
			    .src_reg = (s), \
			    .off = (o),     \
			    .imm = (i) })

#endif /* KBPF_TEST_INSN_H */
