// SPDX-License-Identifier: MIT
/*
 * BPF_PROG_TYPE_CGROUP_DEVICE and BPF_PROG_TYPE_CGROUP_SYSCTL at load, kbpf
 * against the kernel: their contexts (struct bpf_cgroup_dev_ctx, struct
 * bpf_sysctl) by offset x size x load/store, the expected attach types
 * they load with, their return range (under the verifier), the helpers
 * they may call, and that they have no BPF_PROG_TEST_RUN.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diff.h"
#include "insn.h"
#include "kbpf/disasm.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"
#include "helpers/helpers.h"
#include "kbpf_test.h"

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define MOV(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define CALL(f) I(BPF_JMP | BPF_CALL, 0, 0, 0, f)

static char klog[65536], mlog[65536];

static long load(int side, uint32_t type, uint32_t eat,
		 const struct bpf_insn *insns, uint32_t n, char *log)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.expected_attach_type = eat;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = n;
	a.license = (uint64_t)(uintptr_t) "GPL";
	if (log) {
		log[0] = 0;
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = sizeof(klog);
		a.log_level = 1;
	}
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

static void ctx_access_body(uint32_t type)
{
	static const uint8_t sizes[4] = { BPF_B, BPF_H, BPF_W, BPF_DW };
	int cases = 0, ok = 0;

	for (int off = -4; off <= 16; off++)
		for (int sz = 0; sz < 4; sz++)
			for (int kind = 0; kind < 4; kind++) {
				struct bpf_insn p[3];
				long fd[2];

				/* 0: load, 1: sign-extending load, 2: store
				 * of a register, 3: store of an immediate. */
				if (kind == 0)
					p[0] = I(BPF_LDX | BPF_MEM | sizes[sz],
						 2, 1, off, 0);
				else if (kind == 1)
					p[0] = I(BPF_LDX | BPF_MEMSX |
							 sizes[sz],
						 2, 1, off, 0);
				else if (kind == 2)
					p[0] = I(BPF_STX | BPF_MEM | sizes[sz],
						 1, 1, off, 0);
				else
					p[0] = I(BPF_ST | BPF_MEM | sizes[sz],
						 1, 0, off, 7);
				if (kind == 1 && sz == 3)
					continue; /* no 64-bit sign extension */
				p[1] = MOVK(0, 1);
				p[2] = EXIT;
				for (int s = 0; s < 2; s++)
					fd[s] = load(s, type, 0, p, 3, NULL);
				cases++;
				ok += fd[0] >= 0;
				if (!same_result(fd[0], fd[1]))
					T_FAIL("type %u off %d size %d kind %d: kernel %s kbpf %s",
					       type, off, 1 << sz, kind,
					       oracle_errno_name(fd[0]),
					       oracle_errno_name(fd[1]));
				for (int s = 0; s < 2; s++)
					side_close(s, fd[s]);
			}
	printf("  type %u: %d context accesses compared, %d of them allowed\n",
	       type, cases, ok);
}

static const uint32_t types[] = { BPF_PROG_TYPE_CGROUP_DEVICE,
				  BPF_PROG_TYPE_CGROUP_SYSCTL };

KBPF_TEST(
	cgroup_types_ctx_access,
	"struct bpf_cgroup_dev_ctx and struct bpf_sysctl accesses by offset x size x load/store are allowed and refused as the kernel's, with and without kbpf's verifier")
{
	NEED_KERNEL();
	for (int t = 0; t < 2 && !kbpf_test_failed(); t++)
		ctx_access_body(types[t]);
	if (kbpf_test_failed())
		return;
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (int t = 0; t < 2 && !kbpf_test_failed(); t++)
		ctx_access_body(types[t]);
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
}

static void load_rules_body(uint32_t type)
{
	static const uint32_t eats[] = { 0,
					 BPF_CGROUP_INET_EGRESS,
					 BPF_CGROUP_DEVICE,
					 BPF_CGROUP_SYSCTL,
					 BPF_XDP,
					 __MAX_BPF_ATTACH_TYPE,
					 1000 };
	static const struct {
		const char *what;
		struct bpf_insn p[4];
		uint32_t n;
	} progs[] = {
		{ "r0 = 0", { MOVK(0, 0), EXIT }, 2 },
		{ "r0 = 1", { MOVK(0, 1), EXIT }, 2 },
		{ "r0 = 2", { MOVK(0, 2), EXIT }, 2 },
		{ "r0 = -1", { MOVK(0, -1), EXIT }, 2 },
		{ "r0 = ctx", { MOV(0, 1), EXIT }, 2 },
		{ "r0 = access_type & 1",
		  { I(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 0, 0),
		    I(BPF_ALU64 | BPF_AND | BPF_K, 0, 0, 0, 1), EXIT },
		  3 },
		{ "r0 = major",
		  { I(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 4, 0), EXIT },
		  2 },
		{ "ld_abs",
		  { I(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, 0), EXIT },
		  2 },
	};
	int cases = 0;

	for (size_t e = 0; e < sizeof(eats) / sizeof(eats[0]); e++)
		for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
			long fd[2];

			fd[0] = load(SIDE_KERNEL, type, eats[e], progs[i].p,
				     progs[i].n, klog);
			fd[1] = load(SIDE_KBPF, type, eats[e], progs[i].p,
				     progs[i].n, mlog);
			cases++;
			if (!same_result(fd[0], fd[1])) {
				printf("    kernel log: %s\n    kbpf log: %s\n",
				       klog, mlog);
				T_FAIL("type %u: %s, expected_attach_type %u: kernel %s kbpf %s",
				       type, progs[i].what, eats[e],
				       oracle_errno_name(fd[0]),
				       oracle_errno_name(fd[1]));
			}
			for (int s = 0; s < 2; s++)
				side_close(s, fd[s]);
		}
	printf("  %d loads compared\n", cases);
}

KBPF_TEST(
	cgroup_types_load_rules,
	"cgroup device and sysctl programs load with any expected_attach_type; their return range (0..1, a scalar), LD_ABS and context reads are judged as the kernel does under kbpf's verifier")
{
	NEED_KERNEL();
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (int t = 0; t < 2 && !kbpf_test_failed(); t++)
		load_rules_body(types[t]);
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
}

KBPF_TEST(
	cgroup_types_no_test_run,
	"BPF_PROG_TEST_RUN of a cgroup device or sysctl program gives the kernel's -ENOTSUPP")
{
	static const struct bpf_insn p[] = { MOVK(0, 1), EXIT };
	uint8_t data[64] = { 0 };

	NEED_KERNEL();
	for (int t = 0; t < 2; t++) {
		long fd[2], r[2] = { 0, 0 };

		for (int s = 0; s < 2; s++) {
			union bpf_attr a;

			fd[s] = load(s, types[t], 0, p, 2, NULL);
			memset(&a, 0, sizeof(a));
			a.test.prog_fd = (uint32_t)fd[s];
			a.test.data_in = (uint64_t)(uintptr_t)data;
			a.test.data_size_in = sizeof(data);
			r[s] = side_bpf(s, BPF_PROG_TEST_RUN, &a);
			side_close(s, fd[s]);
		}
		if (r[0] != r[1])
			T_FAIL("type %u: kernel %s kbpf %s", types[t],
			       oracle_errno_name(r[0]),
			       oracle_errno_name(r[1]));
	}
}

/* What a load that calls one helper says of it. */
enum avail { AVAIL, NOT_FOR_TYPE, UNKNOWN };

static enum avail helper_avail(long fd, const char *log)
{
	if (fd >= 0)
		return AVAIL;
	if (strstr(log, "program of this type cannot use") ||
	    strstr(log, "unknown func"))
		return NOT_FOR_TYPE;
	if (strstr(log, "invalid func"))
		return UNKNOWN;
	return AVAIL; /* refused for its arguments: the helper is there */
}

static void helpers_body(uint32_t type, uint32_t eat)
{
	int avail = 0, lacks = 0, differ = 0;

	for (int id = 1; id < __BPF_FUNC_MAX_ID; id++) {
		struct bpf_insn p[] = { MOVK(1, 0), MOVK(2, 0), MOVK(3, 0),
					MOVK(4, 0), MOVK(5, 0), CALL(id),
					MOVK(0, 1), EXIT };
		enum avail k, m;
		long fd[2];

		fd[0] = load(SIDE_KERNEL, type, eat, p, 8, klog);
		fd[1] = load(SIDE_KBPF, type, eat, p, 8, mlog);
		k = helper_avail(fd[0], klog);
		m = helper_avail(fd[1], mlog);
		avail += k == AVAIL;
		/*
		 * A helper kbpf has not written at all: its log says what
		 * Linux says for a helper without a proto here, so ask the
		 * table.
		 */
		if (k == AVAIL && m != AVAIL &&
		    (m == UNKNOWN || !kbpf_default_helpers[id].fn)) {
			printf("%s%s", lacks ? " " : "  kbpf lacks:",
			       kbpf_helper_name((uint32_t)id));
			lacks++;
		} else if ((k == AVAIL) != (m == AVAIL)) {
			printf("    helper %d: kernel %s, kbpf %s\n", id,
			       k == AVAIL ? "allows" : "refuses",
			       m == AVAIL ? "allows" : "refuses");
			differ++;
		}
		for (int s = 0; s < 2; s++)
			side_close(s, fd[s]);
	}
	printf("\n  type %u, expected attach type %u: %d helpers available on the kernel; kbpf lacks %d of them; %d differ\n",
	       type, eat, avail, lacks, differ);
	T_EQ(differ, 0);
}

KBPF_TEST(
	cgroup_types_helpers,
	"the helpers cgroup device and sysctl programs may call are the kernel's: none the kernel refuses them, none refused for their type that the kernel allows (helpers kbpf lacks altogether are counted)")
{
	NEED_KERNEL();
	/* 0 is BPF_CGROUP_INET_INGRESS, for which Linux offers no
	 * get_retval/set_retval; the type's own hook offers them. */
	static const uint32_t own[] = { BPF_CGROUP_DEVICE, BPF_CGROUP_SYSCTL };

	for (int t = 0; t < 2 && !kbpf_test_failed(); t++) {
		helpers_body(types[t], 0);
		if (!kbpf_test_failed())
			helpers_body(types[t], own[t]);
	}
}
