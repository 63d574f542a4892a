// SPDX-License-Identifier: MIT
/*
 * BPF_BTF_LOAD on kbpf and on the kernel, same blobs, same run: load time
 * per object (validation included) and memory per BTF object.
 *
 * Blobs: a small one (a struct of 6 members and a function, about the BTF
 * of a small libbpf object), a generated one of 2,000 structs, and this
 * machine's vmlinux BTF (/sys/kernel/btf/vmlinux, 5 MB, loaded as a
 * standalone BTF), each loaded REPS times with the fds kept open.
 *
 * Memory: kbpf, the bytes the POSIX host has live after the loads, per
 * object. The kernel: the growth of its unreclaimable slab and vmalloc
 * memory (/proc/meminfo, machine-wide, hence many loads per figure) per
 * object, beside the blob's size; and what it charged to the loader's
 * memory cgroup (one made for the run: cgroup v1's memory.usage_in_bytes
 * or v2's memory.current): Linux reports no memlock for BTF objects
 * (bpf_btf_info has none), and a figure near zero there says it does not
 * account them to the loader either.
 *
 * Usage: bench_btf [reps]   (default 200; vmlinux: reps / 20, at least 2)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kbpf/uapi/bpf.h"
#include "kbpf/uapi/btf.h"
#include "kbpf_posix.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static long kernel_btf_load(const void *blob, uint32_t size)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)blob;
	a.btf_size = size;
	return syscall(__NR_bpf, BPF_BTF_LOAD, &a, sizeof(a));
}

static long kbpf_btf_load(const void *blob, uint32_t size)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)blob;
	a.btf_size = size;
	return kbpf_posix_bpf(BPF_BTF_LOAD, &a, sizeof(a));
}

/* ---- generated blobs ---- */

struct gen {
	uint8_t *types;
	size_t tlen, tcap;
	char *strs;
	size_t slen, scap;
	uint32_t nr;
};

static void *grow(void *p, size_t *cap, size_t need)
{
	if (need <= *cap)
		return p;
	while (*cap < need)
		*cap = *cap ? *cap * 2 : 4096;
	p = realloc(p, *cap);
	if (!p) {
		perror("realloc");
		exit(1);
	}
	return p;
}

static uint32_t gen_str(struct gen *g, const char *s)
{
	size_t n = strlen(s) + 1;
	uint32_t off = (uint32_t)g->slen;

	g->strs = grow(g->strs, &g->scap, g->slen + n);
	memcpy(g->strs + g->slen, s, n);
	g->slen += n;
	return off;
}

static void gen_put(struct gen *g, const void *p, size_t n)
{
	g->types = grow(g->types, &g->tcap, g->tlen + n);
	memcpy(g->types + g->tlen, p, n);
	g->tlen += n;
}

/* A type; returns its id. */
static uint32_t gen_type(struct gen *g, uint32_t name, uint32_t kind,
			 uint32_t vlen, uint32_t size_type)
{
	struct btf_type t = {
		.name_off = name,
		.info = (kind << 24) | vlen,
		.size = size_type,
	};

	gen_put(g, &t, sizeof(t));
	return ++g->nr;
}

/* int, then @nstructs structs of @members int members, then a function. */
static uint8_t *gen_blob(uint32_t nstructs, uint32_t members, uint32_t *size)
{
	struct gen g = { 0 };
	struct btf_header h = { .magic = BTF_MAGIC,
				.version = BTF_VERSION,
				.hdr_len = sizeof(h) };
	uint32_t int_id, s, m, proto;
	uint32_t enc = BTF_INT_SIGNED << 24 | 32;
	char name[32];
	uint8_t *blob;

	gen_str(&g, "");
	int_id = gen_type(&g, gen_str(&g, "int"), BTF_KIND_INT, 0, 4);
	gen_put(&g, &enc, sizeof(enc));
	for (s = 0; s < nstructs; s++) {
		snprintf(name, sizeof(name), "s%u", s);
		gen_type(&g, gen_str(&g, name), BTF_KIND_STRUCT, members,
			 4 * members);
		for (m = 0; m < members; m++) {
			struct btf_member mb = { .type = int_id,
						 .offset = 32 * m };

			snprintf(name, sizeof(name), "m%u", m);
			mb.name_off = gen_str(&g, name);
			gen_put(&g, &mb, sizeof(mb));
		}
	}
	proto = gen_type(&g, 0, BTF_KIND_FUNC_PROTO, 0, int_id);
	gen_type(&g, gen_str(&g, "f"), BTF_KIND_FUNC, 0, proto);
	h.type_off = 0;
	h.type_len = (uint32_t)g.tlen;
	h.str_off = (uint32_t)g.tlen;
	h.str_len = (uint32_t)g.slen;
	*size = (uint32_t)(sizeof(h) + g.tlen + g.slen);
	blob = malloc(*size);
	if (!blob) {
		perror("malloc");
		exit(1);
	}
	memcpy(blob, &h, sizeof(h));
	memcpy(blob + sizeof(h), g.types, g.tlen);
	memcpy(blob + sizeof(h) + g.tlen, g.strs, g.slen);
	free(g.types);
	free(g.strs);
	return blob;
}

static uint8_t *read_file(const char *path, uint32_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, len = 0, n;

	if (!f)
		return NULL;
	for (;;) {
		buf = grow(buf, &cap, len + 65536);
		n = fread(buf + len, 1, 65536, f);
		len += n;
		if (n < 65536)
			break;
	}
	fclose(f);
	*size = (uint32_t)len;
	return buf;
}

/* ---- the kernel's memory cgroup ---- */

static char cg_dir[256];
static char cg_orig[512];
static const char *cg_counter;

static long cg_read_long(const char *file)
{
	char path[512];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cg_dir, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static long cg_memory(void)
{
	return cg_read_long(cg_counter);
}

static int write_pid(const char *dir)
{
	char path[600];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ok = fprintf(f, "%d\n", getpid()) > 0;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

/*
 * The process's cgroup in the hierarchy at @base: the path after "0::" (v2)
 * or after ":memory:" (v1) in /proc/self/cgroup.
 */
static int cg_own(const char *base, const char *tag)
{
	char line[512];
	FILE *f = fopen("/proc/self/cgroup", "r");
	int found = -1;

	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, tag);

		if (!p || (tag[0] == '0' && p != line))
			continue;
		line[strcspn(line, "\n")] = 0;
		if (snprintf(cg_orig, sizeof(cg_orig), "%s%s", base,
			     p + strlen(tag)) < (int)sizeof(cg_orig))
			found = 0;
	}
	fclose(f);
	return found;
}

/*
 * Make a memory cgroup for the run and move in: cgroup v1's memory
 * controller, or a v2 hierarchy with memory enabled. 0 or -1 (then the
 * kernel has no figure).
 */
static int cg_enter(void)
{
	static const struct {
		const char *base, *counter, *tag;
	} c[] = {
		{ "/sys/fs/cgroup/memory", "memory.usage_in_bytes",
		  ":memory:" },
		{ "/sys/fs/cgroup", "memory.current", "0::" },
		{ "/sys/fs/cgroup/unified", "memory.current", "0::" },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (cg_own(c[i].base, c[i].tag))
			continue;
		snprintf(cg_dir, sizeof(cg_dir), "%s/kbpf-bench-btf-%d",
			 c[i].base, getpid());
		if (mkdir(cg_dir, 0755) && errno != EEXIST)
			continue;
		cg_counter = c[i].counter;
		if (cg_memory() >= 0 && !write_pid(cg_dir))
			return 0;
		rmdir(cg_dir);
	}
	return -1;
}

static void cg_leave(void)
{
	write_pid(cg_orig);
	rmdir(cg_dir);
}

/*
 * The kernel's own memory: unreclaimable slab plus vmalloc, from
 * /proc/meminfo, in bytes (machine-wide, so noisy: many loads per figure).
 */
static long kernel_mem(void)
{
	char line[256];
	long v, sum = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SUnreclaim: %ld kB", &v) == 1 ||
		    sscanf(line, "VmallocUsed: %ld kB", &v) == 1)
			sum += v * 1024;
	fclose(f);
	return sum;
}

/* ---- one blob ---- */

static void bench_blob(const char *what, const uint8_t *blob, uint32_t size,
		       int reps, int have_cg)
{
	long *kfd = calloc((size_t)reps, sizeof(long));
	long *pfd = calloc((size_t)reps, sizeof(long));
	long live0, mem0 = 0, mem1 = 0, km0, km1;
	uint64_t t0, kns = 0, pns;
	int i, kok = 0, pok = 0;

	if (!kfd || !pfd) {
		perror("calloc");
		exit(1);
	}
	/* kbpf */
	live0 = kbpf_posix_live_bytes();
	t0 = now_ns();
	for (i = 0; i < reps; i++) {
		pfd[i] = kbpf_btf_load(blob, size);
		pok += pfd[i] >= 0;
	}
	pns = now_ns() - t0;
	long pbytes = kbpf_posix_live_bytes() - live0;
	if (pok != reps)
		printf("  kbpf refused the blob: %ld\n", pfd[0]);
	/* the kernel */
	if (have_cg)
		mem0 = cg_memory();
	km0 = kernel_mem();
	t0 = now_ns();
	for (i = 0; i < reps; i++) {
		kfd[i] = kernel_btf_load(blob, size);
		kok += kfd[i] >= 0;
	}
	kns = now_ns() - t0;
	km1 = kernel_mem();
	if (have_cg)
		mem1 = cg_memory();
	if (kok != reps)
		printf("  the kernel refused the blob: %s\n",
		       kok ? "some loads" : strerror(errno));
	printf("%-28s %8u B  load: kbpf %9.1f us, kernel %9.1f us (%.2fx)\n",
	       what, size, pns / 1e3 / reps, kns / 1e3 / (reps ? reps : 1),
	       kns ? (double)pns / (double)kns : 0.0);
	printf("%-28s             memory per object: kbpf %.0f B (%.2fx the blob)",
	       "", (double)pbytes / reps, (double)pbytes / reps / size);
	if (kok == reps && km0 >= 0)
		printf(", kernel %.0f B (unreclaimable slab + vmalloc growth, %.2fx the blob)",
		       (double)(km1 - km0) / reps,
		       (double)(km1 - km0) / reps / size);
	if (have_cg && kok == reps)
		printf("; charged to the loader's memory cgroup: %.0f B\n",
		       (double)(mem1 - mem0) / reps);
	else
		printf("; memory cgroup: no figure (%s)\n",
		       have_cg ? "loads refused" :
				 "no memory cgroup to measure in");
	for (i = 0; i < reps; i++) {
		if (pfd[i] >= 0)
			kbpf_posix_close((int)pfd[i]);
		if (kfd[i] >= 0)
			close((int)kfd[i]);
	}
	free(kfd);
	free(pfd);
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 200;
	int have_cg;
	uint32_t size;
	uint8_t *blob;

	if (reps < 1)
		reps = 1;
	have_cg = cg_enter() == 0;
	printf("BPF_BTF_LOAD, %d loads per blob, fds kept open (kbpf: POSIX host; kernel: bpf(2))\n",
	       reps);
	blob = gen_blob(1, 6, &size);
	bench_blob("small (1 struct, 6 members)", blob, size, reps, have_cg);
	free(blob);
	blob = gen_blob(2000, 8, &size);
	bench_blob("2000 structs of 8 members", blob, size, reps, have_cg);
	free(blob);
	blob = read_file("/sys/kernel/btf/vmlinux", &size);
	if (blob) {
		int r = reps / 20 < 2 ? 2 : reps / 20;

		bench_blob("vmlinux BTF (standalone)", blob, size, r, have_cg);
		free(blob);
	} else {
		printf("vmlinux BTF: /sys/kernel/btf/vmlinux unreadable, skipped\n");
	}
	if (have_cg)
		cg_leave();
	return 0;
}
