// SPDX-License-Identifier: MIT
/*
 * kbpf_cgroup_skb_run(), the host's entry for cgroup skb programs (no
 * kernel needed): the verdict bits by attach type, cb[] restored after
 * the run, the program's mark/priority/tstamp kept, the socket helpers
 * answering from struct kbpf_skb.sk or, without one, as Linux does for a
 * socket-less packet; other program types refused.
 */
#include <string.h>

#include "core/prog.h"
#include "insn.h"
#include "kbpf/packet.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define MOV(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define CALL(f) I(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define STW(d, o, k) I(BPF_ST | BPF_MEM | BPF_W, d, 0, o, k)
#define STXW(d, s, o) I(BPF_STX | BPF_MEM | BPF_W, d, s, o, 0)
#define STXDW(d, s, o) I(BPF_STX | BPF_MEM | BPF_DW, d, s, o, 0)

static struct kbpf_prog *load(uint32_t type, uint32_t eat,
			      const struct bpf_insn *p, uint32_t n)
{
	struct kbpf_prog_load_opts opts = { .kernel_ptrs = true };
	struct kbpf_prog *prog = NULL;
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.expected_attach_type = eat;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = n;
	a.license = (uint64_t)(uintptr_t) "GPL";
	if (kbpf_prog_load(kbpf_posix_host(), &a, &opts, &prog))
		return NULL;
	return prog;
}

/* An IPv4 frame, as the host's hook would have it. */
static uint8_t frame[64] = { [12] = 0x08, [14] = 0x45 };

static void init_skb(struct kbpf_skb *skb)
{
	T_EQ(kbpf_skb_init(skb, frame, sizeof(frame), 0, sizeof(frame), false,
			   1),
	     0);
}

KBPF_TEST(
	cgroup_skb_verdicts,
	"r0 0..3 gives the pass bit, and the congestion bit only for programs loaded for BPF_CGROUP_INET_EGRESS")
{
	const struct kbpf_host *h = kbpf_posix_host();

	for (uint32_t eat = BPF_CGROUP_INET_INGRESS;
	     eat <= BPF_CGROUP_INET_EGRESS; eat++)
		for (int32_t k = 0; k < 4; k++) {
			struct bpf_insn p[] = { MOVK(0, k), EXIT };
			struct kbpf_prog *prog =
				load(BPF_PROG_TYPE_CGROUP_SKB, eat, p, 2);
			struct kbpf_skb skb;
			uint32_t v = 0xff;

			T_ASSERT(prog);
			init_skb(&skb);
			T_EQ(kbpf_cgroup_skb_run(prog, h, &skb,
						 KBPF_INTERP_CHECKED, 0, &v),
			     0);
			T_EQ(v, eat == BPF_CGROUP_INET_EGRESS ?
					(uint32_t)k :
					(uint32_t)k & KBPF_CGROUP_SKB_PASS);
			kbpf_prog_put(prog);
		}
}

KBPF_TEST(
	cgroup_skb_cb_restored,
	"cb[] writes are undone after the run (Linux saves the control block); mark and priority writes stay")
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct bpf_insn p[] = { STW(1, 48, 7), STW(1, 64, 9), STW(1, 8, 5),
				STW(1, 32, 6), MOVK(0, 1),    EXIT };
	struct kbpf_prog *prog =
		load(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, p, 6);
	struct kbpf_skb skb;
	uint32_t v;

	T_ASSERT(prog);
	init_skb(&skb);
	skb.md.cb[0] = 0x11;
	T_EQ(kbpf_cgroup_skb_run(prog, h, &skb, KBPF_INTERP_CHECKED, 0, &v), 0);
	T_EQ(v, KBPF_CGROUP_SKB_PASS);
	T_EQ(skb.md.cb[0], 0x11);
	T_EQ(skb.md.cb[4], 0);
	T_EQ(skb.md.mark, 5);
	T_EQ(skb.md.priority, 6);
	kbpf_prog_put(prog);
}

KBPF_TEST(
	cgroup_skb_socket_helpers,
	"get_socket_cookie/get_socket_uid/get_netns_cookie answer from kbpf_skb.sk, and without a socket give 0, 65534 and the host's netns cookie")
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct bpf_insn p[] = {
		MOV(6, 1),	  CALL(BPF_FUNC_get_socket_cookie),
		STXW(6, 0, 8), /* mark */
		MOV(1, 6),	  CALL(BPF_FUNC_get_socket_uid),
		STXW(6, 0, 32), /* priority */
		MOV(1, 6),	  CALL(BPF_FUNC_get_netns_cookie),
		STXDW(6, 0, 152), /* tstamp */
		MOVK(0, 1),	  EXIT,
	};
	struct kbpf_prog *prog =
		load(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, p, 11);
	struct kbpf_skb_sock sk = { .cookie = 0x1234,
				    .uid = 1000,
				    .netns_cookie = 77 };
	struct kbpf_skb skb;
	uint32_t v;

	T_ASSERT(prog);
	init_skb(&skb);
	skb.sk = &sk;
	T_EQ(kbpf_cgroup_skb_run(prog, h, &skb, KBPF_INTERP_CHECKED, 0, &v), 0);
	T_EQ(skb.md.mark, 0x1234);
	T_EQ(skb.md.priority, 1000);
	T_EQ(skb.md.tstamp, 77);
	init_skb(&skb);
	T_EQ(kbpf_cgroup_skb_run(prog, h, &skb, KBPF_INTERP_FAST, 0, &v), 0);
	T_EQ(skb.md.mark, 0);
	T_EQ(skb.md.priority, 65534);
	T_EQ(skb.md.tstamp, h->netns_cookie ? h->netns_cookie(h) : 0);
	kbpf_prog_put(prog);
}

KBPF_TEST(
	cgroup_skb_run_wrong_type,
	"kbpf_cgroup_skb_run refuses a program of another type with -EINVAL and a zero verdict; LD_ABS does not load for cgroup skb")
{
	struct bpf_insn p[] = { MOVK(0, 1), EXIT };
	struct bpf_insn ld[] = { MOV(6, 1),
				 I(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, 0),
				 MOVK(0, 1), EXIT };
	struct kbpf_prog *prog = load(BPF_PROG_TYPE_SOCKET_FILTER, 0, p, 2);
	struct kbpf_skb skb;
	uint32_t v = 5;

	T_ASSERT(prog);
	init_skb(&skb);
	T_EQ(kbpf_cgroup_skb_run(prog, kbpf_posix_host(), &skb,
				 KBPF_INTERP_CHECKED, 0, &v),
	     -KBPF_EINVAL);
	T_EQ(v, 0);
	kbpf_prog_put(prog);
	T_ASSERT(!load(BPF_PROG_TYPE_CGROUP_SKB, 0, ld, 4));
	T_ASSERT(!load(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_SOCK_CREATE, p,
		       2));
}
