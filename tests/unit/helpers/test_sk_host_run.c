// SPDX-License-Identifier: MIT
/*
 * Packet runs through the host API (kbpf_skb_run) with host-built buffers
 * and sockets, kbpf only: what BPF_PROG_TEST_RUN cannot reach, found by the
 * adversarial review of the socket and packet helpers (2026-12-08).
 *  - bpf_skb_adjust_room(BPF_ADJ_ROOM_NET) on a runt frame in a buffer
 *    without tailroom stays inside the buffer (-ENOMEM);
 *  - bpf_get_listener_sock's result on a lookup stays readable after the
 *    lookup's release until the run ends (Linux's listeners are
 *    SOCK_RCU_FREE; kbpf defers the copy's free);
 *  - an unprivileged loader's checked run cannot store __sk_buff->sk, a
 *    host address, where user space reads it (-EACCES).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/prog.h"
#include "insn.h"
#include "kbpf/errno.h"
#include "kbpf/host.h"
#include "kbpf/interp.h"
#include "kbpf/packet.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define MOV(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define CALL(f) I(BPF_JMP | BPF_CALL, 0, 0, 0, f)

/*
 * A program of @n instructions of @type loaded with @h as user space loads
 * it (the loader's privileges from h->capable), or NULL.
 */
static struct kbpf_prog *load(const struct kbpf_host *h, uint32_t type,
			      const struct bpf_insn *p, uint32_t n)
{
	struct kbpf_prog *prog = NULL;
	static char log[65536];
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	if (kbpf_prog_load(h, &a, NULL, &prog)) {
		printf("  load refused: %s\n", log);
		return NULL;
	}
	return prog;
}

KBPF_TEST(
	adjust_room_runt_no_tailroom,
	"bpf_skb_adjust_room(8, BPF_ADJ_ROOM_NET) on a 14-byte IPv4 or IPv6 frame in a host buffer with headroom and no tailroom gives -ENOMEM and leaves the packet as it was, fast and checked (it used to move and zero the network header's bytes past the buffer)")
{
	const struct bpf_insn p[] = {
		MOVK(2, 8), MOVK(3, BPF_ADJ_ROOM_NET),
		MOVK(4, 0), CALL(BPF_FUNC_skb_adjust_room),
		EXIT,
	};
	struct kbpf_prog *prog;

	prog = load(kbpf_posix_host(), BPF_PROG_TYPE_SCHED_CLS, p, 5);
	T_ASSERT(prog);
	for (int v6 = 0; v6 < 2; v6++) {
		for (int m = 0; m < 2; m++) {
			/* exactly headroom + frame: ASan sees a byte past it */
			uint8_t *buf = malloc(64 + 14), copy[78];
			struct kbpf_skb skb;
			uint64_t r0 = 0;

			T_ASSERT(buf);
			memset(buf, 0xaa, 78);
			buf[64 + 12] = v6 ? 0x86 : 0x08;
			buf[64 + 13] = v6 ? 0xdd : 0x00;
			memcpy(copy, buf, 78);
			T_EQ(kbpf_skb_init(&skb, buf, 78, 64, 14, true, 1), 0);
			T_EQ(kbpf_skb_run(prog, kbpf_posix_host(), &skb,
					  m ? KBPF_INTERP_CHECKED :
					      KBPF_INTERP_FAST,
					  0, &r0),
			     0);
			T_EQ((int64_t)r0, -KBPF_ENOMEM);
			T_EQ(skb.md.len, 14);
			T_ASSERT(!memcmp(buf, copy, 78));
			free(buf);
		}
	}
	kbpf_prog_put(prog);
}

static int fake_lookups;

/* Every lookup finds a full TCP listener (state 10). */
static int fake_lookup(const struct kbpf_host *h, const struct kbpf_sk_tuple *t,
		       struct kbpf_sk_info *out)
{
	uint32_t v;

	(void)h, (void)t;
	memset(out, 0, sizeof(*out));
	out->fullsock = true;
	v = 2;
	memcpy(out->sk + 4, &v, 4);
	v = 1;
	memcpy(out->sk + 8, &v, 4);
	v = 6;
	memcpy(out->sk + 12, &v, 4);
	v = 10;
	memcpy(out->sk + 72, &v, 4);
	out->handle = &fake_lookups;
	fake_lookups++;
	return 0;
}

static void fake_release(const struct kbpf_host *h, void *handle)
{
	(void)h;
	if (handle == &fake_lookups)
		fake_lookups--;
}

KBPF_TEST(
	listener_after_release,
	"a verified tc program: sk = bpf_sk_lookup_tcp(); l = bpf_get_listener_sock(sk); bpf_sk_release(sk); then reads l->state (Linux accepts it: listeners are SOCK_RCU_FREE): the run reads 10, the host's socket is given back, and the copy is freed after the run (no leak); it used to read freed memory")
{
	static struct kbpf_host host;
	const struct bpf_insn p[] = {
		I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -16, 0),
		I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0),
		MOV(2, 10),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -16),
		MOVK(3, 12),
		MOVK(4, -1),
		MOVK(5, 0),
		CALL(BPF_FUNC_sk_lookup_tcp),
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 9, 0),
		MOV(7, 0),
		MOV(1, 0),
		CALL(BPF_FUNC_get_listener_sock),
		MOV(8, 0),
		MOV(1, 7),
		CALL(BPF_FUNC_sk_release),
		I(BPF_JMP | BPF_JEQ | BPF_K, 8, 0, 2, 0),
		I(BPF_LDX | BPF_MEM | BPF_W, 0, 8, 72, 0),
		EXIT,
		MOVK(0, 0),
		EXIT,
	};
	struct kbpf_prog *prog;
	long live = kbpf_posix_live_allocs();

	host = *kbpf_posix_host();
	host.sk_lookup = fake_lookup;
	host.sk_release = fake_release;
	host.verifier = KBPF_VERIFIER_ENFORCE;
	prog = load(&host, BPF_PROG_TYPE_SCHED_CLS, p,
		    sizeof(p) / sizeof(p[0]));
	T_ASSERT(prog);
	for (int i = 0; i < 3; i++) {
		uint8_t buf[256] = { 0 };
		struct kbpf_skb skb;
		uint64_t r0 = 0;

		buf[64 + 12] = 8;
		T_EQ(kbpf_skb_init(&skb, buf, sizeof(buf), 64, 60, true, 1), 0);
		T_EQ(kbpf_skb_run(prog, &host, &skb, KBPF_INTERP_FAST, 0, &r0),
		     0);
		T_EQ(r0, 10);
		T_EQ(fake_lookups, 0);
	}
	kbpf_prog_put(prog);
	kbpf_posix_rcu_barrier();
	T_EQ(kbpf_posix_live_allocs(), live);
}

static bool no_perfmon(const struct kbpf_host *h, int cap)
{
	(void)h;
	return cap != KBPF_CAP_PERFMON && cap != KBPF_CAP_SYS_ADMIN;
}

KBPF_TEST(
	sk_ptr_unpriv_no_leak,
	"a socket filter loaded without CAP_PERFMON: its checked run that stores __sk_buff->sk (a host address) into cb[] stops with -EACCES and cb[] keeps no address; the same program from a privileged loader runs; a 4-byte load of the field is refused at load")
{
	static struct kbpf_host host;
	const int sk = offsetof(struct __sk_buff, sk);
	const int cb = offsetof(struct __sk_buff, cb);
	const struct bpf_insn whole[] = {
		I(BPF_LDX | BPF_MEM | BPF_DW, 2, 1, sk, 0),
		I(BPF_STX | BPF_MEM | BPF_DW, 1, 2, cb, 0),
		MOVK(0, 0),
		EXIT,
	};
	const struct bpf_insn half[] = {
		I(BPF_LDX | BPF_MEM | BPF_W, 2, 1, sk, 0),
		I(BPF_STX | BPF_MEM | BPF_W, 1, 2, cb, 0),
		MOVK(0, 0),
		EXIT,
	};

	for (int unpriv = 0; unpriv < 2; unpriv++) {
		host = *kbpf_posix_host();
		if (unpriv)
			host.capable = no_perfmon;
		T_ASSERT(!load(&host, BPF_PROG_TYPE_SOCKET_FILTER, half, 4));
		{
			struct kbpf_prog *prog = load(
				&host, BPF_PROG_TYPE_SOCKET_FILTER, whole, 4);
			uint8_t buf[256] = { 0 };
			struct kbpf_skb skb;
			struct kbpf_skb_sock s;
			uint64_t r0 = 0, got;
			int err;

			T_ASSERT(prog);
			memset(&s, 0, sizeof(s));
			s.in_ctx = true;
			s.fullsock = true;
			buf[64 + 12] = 8;
			T_EQ(kbpf_skb_init(&skb, buf, sizeof(buf), 64, 60,
					   false, 1),
			     0);
			skb.sk = &s;
			err = kbpf_skb_run(prog, &host, &skb,
					   KBPF_INTERP_CHECKED, 0, &r0);
			memcpy(&got, skb.md.cb, 8);
			if (unpriv) {
				T_EQ(err, -KBPF_EACCES);
				T_EQ(got, 0);
			} else {
				T_EQ(err, 0);
				T_ASSERT(got != 0);
			}
			kbpf_prog_put(prog);
			kbpf_posix_rcu_barrier();
		}
	}
}
