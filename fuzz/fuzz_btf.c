// SPDX-License-Identifier: MIT
/*
 * Fuzz src/btf: each input is a BTF blob (header first), as BPF_BTF_LOAD
 * will receive from user space. kbpf_btf_parse() must refuse it with
 * -EINVAL and a reason, or give a view on which every accessor, the
 * resolution and the lookups stay inside the blob (ASan watches) and
 * end (chains are bounded). Lenient and strict parses must agree where
 * they both succeed, the indexed view must give the same records as the
 * walked one, and nothing may leak.
 *
 * Seeds (corpus/btf/): the .BTF sections of the loader test's objects,
 * little- and big-endian.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf/btf.h"
#include "kbpf_posix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct kbpf_btf_view *v, const struct kbpf_btf_view *w)
{
	uint32_t id, i, r;
	uint64_t acc = 0;

	for (id = 0; id <= v->nr_types; id++) {
		const uint8_t *t = kbpf_btf_type(v, id), *m;
		const char *nm;

		if (w && kbpf_btf_type(w, id) != t)
			abort(); /* indexed and walked views disagree */
		acc += (uint64_t)kbpf_btf_resolve_size(v, id);
		acc += kbpf_btf_align_of(v, id);
		acc += kbpf_btf_skip_mods(v, id, &r) != NULL;
		if (!t)
			continue;
		nm = kbpf_btf_name(v, t);
		/* Lookups are O(types): only for the first few. */
		if (nm && id < 64)
			acc += kbpf_btf_find(v, kbpf_btf_kind(v, t), nm);
		for (i = 0; (m = kbpf_btf_vrec(v, t, i)); i++) {
			acc += kbpf_btf_rd32(v, m);
			if (kbpf_btf_kind(v, t) == BTF_KIND_STRUCT ||
			    kbpf_btf_kind(v, t) == BTF_KIND_UNION)
				acc += kbpf_btf_member_bit_off(v, t, i) +
				       kbpf_btf_member_bitfield_size(v, t, i);
		}
	}
	if (acc == 0x5a5a5a5a5a5a5a5aull)
		printf("%llu\n", (unsigned long long)acc); /* keep the reads */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static long baseline = -1;
	struct kbpf_btf_view v, w;
	const char *why = NULL;
	int r, s;

	if (baseline < 0)
		baseline = kbpf_posix_live_allocs();
	r = kbpf_btf_parse(&v, kbpf_posix_host(), data, size, 0, &why);
	if (r) {
		if (r != -22 || !why)
			abort(); /* malformed must be -EINVAL with a reason */
		if (!kbpf_btf_parse(&w, NULL, data, size, KBPF_BTF_F_STRICT,
				    NULL))
			abort(); /* strict accepted what lenient refused */
	} else {
		if (kbpf_btf_parse(&w, NULL, data, size, 0, NULL))
			abort();
		walk(&v, &w);
		s = kbpf_btf_parse(&w, NULL, data, size, KBPF_BTF_F_STRICT,
				   NULL);
		if (!s && w.nr_types != v.nr_types)
			abort();
		kbpf_btf_free(&v);
	}
	if (kbpf_posix_live_allocs() != baseline) {
		fprintf(stderr, "leak: %ld live allocations, baseline %ld\n",
			kbpf_posix_live_allocs(), baseline);
		abort();
	}
	return 0;
}
