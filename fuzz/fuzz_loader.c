// SPDX-License-Identifier: MIT
/*
 * Fuzz the object loader: each input is an ELF file. kbpf_elf_parse() must
 * refuse it with an errno and a message, or parse it; a parsed object is
 * then loaded (maps created, programs through the structural check) and
 * freed: as a whole (kbpf_elf_load) for inputs of odd size, map by map and
 * program by program (kbpf_elf_create_map, kbpf_elf_load_prog) otherwise. Nothing may crash, and the live allocation count must be back
 * where it started after every input: a leak aborts.
 *
 * Seeds (corpus/loader/) are clang-built objects: the loader test's and
 * the examples', little- and big-endian.
 *
 * Half of the inputs also give the loader a host BTF for CO-RE: the first
 * BTF header found in the input itself (its own .BTF, so that CO-RE
 * relocations resolve against types that match, or against what the
 * mutation made of them).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf/loader.h"
#include "kbpf_posix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static long baseline = -1;
	struct kbpf_elf *obj;
	char err[256];
	struct kbpf_elf_opts o = {
		.obj_name = "fuzz",
		.errbuf = err,
		.errbuf_size = sizeof(err),
		/* Values for .kconfig externs, some of them unfit on purpose. */
		.kconfig = "LINUX_KERNEL_VERSION=394752\nCONFIG_BPF=y\n"
			   "CONFIG_MOD=m\nCONFIG_NUM=-5\nCONFIG_STR=\"hi\"\n"
			   "CONFIG_BIG=0x10000\nCONFIG_BAD=\"x\nNOVALUE=\n=y\n"
	};
	int r;

	if (baseline < 0)
		baseline = kbpf_posix_live_allocs();
	if (size % 4 >= 2) {
		size_t i;

		for (i = 0; i + 24 <= size; i += 4)
			if (data[i] == 0x9f && data[i + 1] == 0xeb &&
			    data[i + 2] == 1) {
				o.target_btf = data + i;
				o.target_btf_size = size - i;
				break;
			}
	}
	r = kbpf_elf_parse(kbpf_posix_host(), data, size, &o, &obj);
	if (r) {
		/* Every refusal says why. */
		if (r >= 0 || !err[0]) {
			fprintf(stderr, "parse returned %d with message '%s'\n",
				r, err);
			abort();
		}
	} else if (size & 1) {
		kbpf_elf_load(obj, &o);
		kbpf_elf_free(obj);
	} else {
		/* As `kbpf load`: every map, then every program, each alone. */
		uint32_t i;

		for (i = 0; i < obj->nr_maps; i++)
			kbpf_elf_create_map(obj, &obj->maps[i], &o);
		for (i = 0; i < obj->nr_progs; i++)
			if (kbpf_elf_load_prog(obj, &obj->progs[i], &o) &&
			    !err[0]) {
				fprintf(stderr, "prog %u refused silently\n",
					i);
				abort();
			}
		kbpf_elf_free(obj);
	}
	kbpf_posix_reset();
	kbpf_posix_rcu_barrier();
	if (kbpf_posix_live_allocs() != baseline) {
		fprintf(stderr,
			"leak: %ld allocations live after the input (baseline %ld)\n",
			kbpf_posix_live_allocs(), baseline);
		abort();
	}
	return 0;
}
