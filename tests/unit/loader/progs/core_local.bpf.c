// SPDX-License-Identifier: MIT
/*
 * CO-RE against types laid out otherwise on the host (core_target.h):
 * fields moved and resized, a member found through an anonymous union, a
 * flavor, bitfields, enum values, existence checks, and a read of a field
 * the host lacks, guarded so that its poisoned instruction never runs.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct thing {
	int a;
	long long b;
	char name[8];
	unsigned int flags : 3;
	int sflags : 5;
	struct {
		int x;
		int y;
	} inner;
	int missing_field;
} __attribute__((preserve_access_index));

struct thing___v2 {
	int new_field;
} __attribute__((preserve_access_index));

struct missing_type {
	int z;
} __attribute__((preserve_access_index));

enum color { RED = 1, GREEN = 2, BLUE = 3, PURPLE = 4 };

/* The test's context: results first, so that their offset is fixed. */
struct args {
	long long out[16];
	char thing[]; /* a struct thing in the host's layout */
};

SEC("syscall")
int core_read(struct args *ctx)
{
	struct thing *t = (void *)ctx->thing;

	ctx->out[0] = t->a;
	ctx->out[1] = t->b;
	ctx->out[2] = t->name[3];
	ctx->out[3] = BPF_CORE_READ_BITFIELD(t, flags);
	ctx->out[4] = BPF_CORE_READ_BITFIELD(t, sflags);
	ctx->out[5] = t->inner.x;
	ctx->out[6] = t->inner.y;
	ctx->out[7] = bpf_core_field_exists(t->missing_field);
	if (bpf_core_field_exists(t->missing_field))
		ctx->out[8] = t->missing_field;
	else
		ctx->out[8] = -1;
	ctx->out[9] =
		bpf_core_field_exists(((struct thing___v2 *)t)->new_field);
	ctx->out[10] = ((struct thing___v2 *)t)->new_field;
	ctx->out[11] = bpf_core_type_size(struct thing);
	ctx->out[12] = bpf_core_enum_value(enum color, BLUE);
	ctx->out[13] = bpf_core_enum_value_exists(enum color, PURPLE);
	ctx->out[14] = bpf_core_type_exists(struct missing_type);
	ctx->out[15] = bpf_core_field_size(t->b);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
