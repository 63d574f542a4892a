// SPDX-License-Identifier: MIT
/*
 * The object loader: metadata of clang-built objects (both byte orders),
 * runs compared with the kernel loading the same object through libbpf,
 * libbpf's section names, refusals (CO-RE, unknown sections), malformed
 * objects built by hand from a good one, and allocation failures.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btf/btf.h"
#include "kbpf/loader.h"
#include "core/map.h"
#include "core/prog.h"
#include "maps/ringbuf.h"
#include "kbpf_posix.h"
#include "kbpf/raw_tp.h"
#include "kbpf_test.h"
#include "libbpf_side.h"
#include "oracle.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

struct blob {
	uint8_t *data;
	size_t size;
};

static int blob_read(const char *name, struct blob *b)
{
	char path[512];
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", LOADER_OBJ_DIR, name);
	f = fopen(path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b->data = malloc((size_t)n);
	b->size = (size_t)n;
	if (!b->data || fread(b->data, 1, b->size, f) != b->size) {
		fclose(f);
		free(b->data);
		return -1;
	}
	fclose(f);
	return 0;
}

/* Read an object of the build, or skip the test saying why. */
#define NEED_OBJECT(name, b)                                                 \
	do {                                                                 \
		if (LOADER_NO_OBJECTS_WHY[0])                                \
			T_SKIP("no BPF objects: %s", LOADER_NO_OBJECTS_WHY); \
		if (blob_read(name, b))                                      \
			T_FAIL("cannot read %s/%s", LOADER_OBJ_DIR, name);   \
	} while (0)

static char errbuf[512];

/* Live allocations once deferred frees (the host's RCU) have run. */
static long live_allocs(void)
{
	kbpf_posix_rcu_barrier();
	return kbpf_posix_live_allocs();
}

static int parse(const struct blob *b, const char *obj_name,
		 struct kbpf_elf **out)
{
	struct kbpf_elf_opts o = { .obj_name = obj_name,
				   .errbuf = errbuf,
				   .errbuf_size = sizeof(errbuf) };

	return kbpf_elf_parse(kbpf_posix_host(), b->data, b->size, &o, out);
}

static int load(struct kbpf_elf *obj)
{
	struct kbpf_elf_opts o = { .errbuf = errbuf,
				   .errbuf_size = sizeof(errbuf) };

	return kbpf_elf_load(obj, &o);
}

/* An fd for a loaded object, as bpf(2) would have returned it. */
static int install(struct kbpf_obj *o)
{
	const struct kbpf_host *h = kbpf_posix_host();
	int fd;

	kbpf_obj_get(o);
	fd = h->fd_install(h, o, KBPF_FD_READ | KBPF_FD_WRITE);
	if (fd < 0)
		kbpf_obj_put(o);
	return fd;
}

/* ------------------------------------------------------------ metadata */

struct want_map {
	const char *name;
	const char *kname;
	enum kbpf_elf_map_kind kind;
	uint32_t type, key_size, value_size, max_entries;
};

static const struct want_map basic_maps[] = {
	{ "counts", "counts", KBPF_ELF_MAP_BTF, BPF_MAP_TYPE_ARRAY, 4, 8, 8 },
	{ "pcpu", "pcpu", KBPF_ELF_MAP_BTF, BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8,
	  2 },
	{ "events", "events", KBPF_ELF_MAP_BTF, BPF_MAP_TYPE_RINGBUF, 0, 0,
	  4096 },
	{ "fifo", "fifo", KBPF_ELF_MAP_BTF, BPF_MAP_TYPE_QUEUE, 0, 4, 16 },
	{ ".data", "basic.data", KBPF_ELF_MAP_DATA, BPF_MAP_TYPE_ARRAY, 4, 4,
	  1 },
	{ ".rodata", "basic.rodata", KBPF_ELF_MAP_RODATA, BPF_MAP_TYPE_ARRAY, 4,
	  4, 1 },
	{ ".data.custom", ".data.custom", KBPF_ELF_MAP_DATA, BPF_MAP_TYPE_ARRAY,
	  4, 8, 1 },
	{ ".rodata.custom", ".rodata.custom", KBPF_ELF_MAP_RODATA,
	  BPF_MAP_TYPE_ARRAY, 4, 4, 1 },
	{ ".bss", "basic.bss", KBPF_ELF_MAP_BSS, BPF_MAP_TYPE_ARRAY, 4, 8, 1 },
};

static void check_basic_meta(struct kbpf_elf *obj)
{
	struct kbpf_elf_prog *bump, *emit;
	size_t i;

	T_ASSERT(!strcmp(obj->license, "GPL"));
	T_EQ(obj->nr_core_relos, 0);
	/* clang may add constant pools (.rodata.cst16): read-only data maps. */
	T_ASSERT(obj->nr_maps >= N_OF(basic_maps));
	for (i = 0; i < obj->nr_maps; i++) {
		size_t k;

		for (k = 0; k < N_OF(basic_maps); k++)
			if (!strcmp(obj->maps[i].name, basic_maps[k].name))
				break;
		if (k == N_OF(basic_maps) &&
		    (obj->maps[i].kind != KBPF_ELF_MAP_RODATA ||
		     strncmp(obj->maps[i].name, ".rodata.", 8)))
			T_FAIL("unexpected map %s", obj->maps[i].name);
	}
	for (i = 0; i < N_OF(basic_maps); i++) {
		const struct want_map *w = &basic_maps[i];
		struct kbpf_elf_map *m = kbpf_elf_find_map(obj, w->name);

		if (!m)
			T_FAIL("map %s missing", w->name);
		if (strcmp(m->kname, w->kname))
			T_FAIL("map %s: kname %s, want %s", w->name, m->kname,
			       w->kname);
		T_EQ(m->kind, w->kind);
		T_EQ(m->type, w->type);
		T_EQ(m->key_size, w->key_size);
		T_EQ(m->value_size, w->value_size);
		T_EQ(m->max_entries, w->max_entries);
	}
	T_EQ(kbpf_elf_find_map(obj, ".rodata")->map_flags & BPF_F_RDONLY_PROG,
	     BPF_F_RDONLY_PROG);
	T_EQ(kbpf_elf_find_map(obj, ".data")->map_flags & BPF_F_RDONLY_PROG, 0);
	T_ASSERT(kbpf_elf_find_map(obj, ".bss")->init_data == NULL);
	T_ASSERT(!memcmp(kbpf_elf_find_map(obj, ".data.custom")->init_data,
			 "kbpf", 5));
	T_NE(kbpf_elf_find_map(obj, "counts")->btf_value_type_id, 0);
	T_EQ(obj->nr_progs, 2);
	bump = kbpf_elf_find_prog(obj, "bump");
	emit = kbpf_elf_find_prog(obj, "emit");
	T_ASSERT(bump && emit);
	T_EQ(bump->prog_type, BPF_PROG_TYPE_SYSCALL);
	T_EQ(bump->prog_flags, BPF_F_SLEEPABLE);
	T_ASSERT(!strcmp(bump->sec_name, "syscall"));
	T_EQ(emit->prog_type, BPF_PROG_TYPE_RAW_TRACEPOINT);
	T_ASSERT(!strcmp(emit->attach_target, "sys_enter"));
	/* Subprograms were appended: more instructions than the function. */
	T_ASSERT(bump->insn_cnt > bump->sec_insn_cnt);
	T_ASSERT(emit->insn_cnt > emit->sec_insn_cnt);
}

KBPF_TEST(
	basic_metadata,
	"maps, global data, programs and sections of a clang object parse as libbpf sees them")
{
	struct kbpf_elf *obj;
	struct blob b;

	NEED_OBJECT("basic.bpf.o", &b);
	T_EQ(parse(&b, "basic", &obj), 0);
	check_basic_meta(obj);
	T_EQ(obj->big_endian, 0);
	kbpf_elf_free(obj);
	free(b.data);
	T_EQ(live_allocs(), 0);
}

/* Every ld_imm64/call of @p refers to what its relocation says. */
static int count_pseudo(const struct kbpf_elf_prog *p, int src)
{
	uint32_t i;
	int n = 0;

	for (i = 0; i < p->insn_cnt; i++)
		if (p->insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
		    p->insns[i].src_reg == src)
			n++;
	return n;
}

KBPF_TEST(
	basic_relocations,
	"map, global data, callback and call relocations become MAP_IDX, MAP_IDX_VALUE, PSEUDO_FUNC and in-range calls")
{
	struct kbpf_elf_prog *bump, *emit;
	struct kbpf_elf *obj;
	struct blob b;
	uint32_t i;

	NEED_OBJECT("basic.bpf.o", &b);
	T_EQ(parse(&b, "basic", &obj), 0);
	bump = kbpf_elf_find_prog(obj, "bump");
	emit = kbpf_elf_find_prog(obj, "emit");
	T_ASSERT(count_pseudo(bump, BPF_PSEUDO_MAP_IDX) >= 1);
	T_ASSERT(count_pseudo(bump, BPF_PSEUDO_MAP_IDX_VALUE) >= 2);
	T_EQ(count_pseudo(bump, BPF_PSEUDO_FUNC), 1);
	T_EQ(count_pseudo(emit, BPF_PSEUDO_FUNC), 1);
	T_ASSERT(count_pseudo(emit, BPF_PSEUDO_MAP_IDX) >= 4);
	for (i = 0; i < bump->insn_cnt; i++) {
		const struct bpf_insn *in = &bump->insns[i];
		int64_t t = (int64_t)i + in->imm + 1;

		if ((in->code == (BPF_JMP | BPF_CALL) &&
		     in->src_reg == BPF_PSEUDO_CALL) ||
		    (in->code == (BPF_LD | BPF_IMM | BPF_DW) &&
		     in->src_reg == BPF_PSEUDO_FUNC))
			T_ASSERT(t >= (int64_t)bump->sec_insn_cnt &&
				 t < bump->insn_cnt);
		if (in->code == (BPF_LD | BPF_IMM | BPF_DW) &&
		    (in->src_reg == BPF_PSEUDO_MAP_IDX ||
		     in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE))
			T_ASSERT((uint32_t)in->imm < obj->nr_maps);
	}
	kbpf_elf_free(obj);
	free(b.data);
}

KBPF_TEST(
	big_endian,
	"a -target bpfeb object parses to the same maps and instructions, and is refused at load on a little-endian host")
{
	struct kbpf_elf *le, *be;
	struct blob bl, bb;
	uint32_t i;
	int v;

	NEED_OBJECT("basic.bpf.o", &bl);
	NEED_OBJECT("basic_eb.bpf.o", &bb);
	T_EQ(parse(&bl, "basic", &le), 0);
	if (parse(&bb, "basic", &be))
		T_FAIL("bpfeb parse: %s", errbuf);
	T_EQ(be->big_endian, 1);
	check_basic_meta(be);
	if (kbpf_test_failed())
		return;
	for (i = 0; i < le->nr_progs; i++) {
		const struct kbpf_elf_prog *a = &le->progs[i];
		const struct kbpf_elf_prog *c = kbpf_elf_find_prog(be, a->name);

		T_ASSERT(c);
		T_EQ(c->insn_cnt, a->insn_cnt);
		T_MEMEQ(c->insns, a->insns, a->insn_cnt * sizeof(*a->insns));
	}
	/* Initial values keep the object's byte order: `counter` is 5. */
	memcpy(&v, kbpf_elf_find_map(be, ".data")->init_data, 4);
	T_EQ(__builtin_bswap32((uint32_t)v), 5);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	T_EQ(load(be), -EOPNOTSUPP);
	T_ASSERT(strstr(errbuf, "big-endian"));
#endif
	kbpf_elf_free(le);
	kbpf_elf_free(be);
	free(bl.data);
	free(bb.data);
	T_EQ(live_allocs(), 0);
}

/* ------------------------------------------ runs against the kernel */

/* One side's view of the loaded basic object: fds and its bpf(2). */
struct side {
	long (*bpf)(int cmd, void *attr, unsigned int size);
	int bump, emit;
	int counts, pcpu, fifo, data, rodata, bss, data_custom;
};

static long side_run(const struct side *s, int prog, void *ctx,
		     uint32_t ctx_size, int on_cpu0, uint32_t *retval)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)prog;
	a.test.ctx_in = (uint64_t)(uintptr_t)ctx;
	a.test.ctx_size_in = ctx_size;
	if (on_cpu0)
		a.test.flags = BPF_F_TEST_RUN_ON_CPU;
	r = s->bpf(BPF_PROG_TEST_RUN, &a, sizeof(a));
	*retval = a.test.retval;
	return r;
}

static long side_lookup(const struct side *s, int fd, const void *key,
			void *value)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)value;
	return s->bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a));
}

static long side_pop(const struct side *s, int fd, void *value)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.value = (uint64_t)(uintptr_t)value;
	return s->bpf(BPF_MAP_LOOKUP_AND_DELETE_ELEM, &a, sizeof(a));
}

struct args {
	uint32_t key;
	uint32_t add;
	uint64_t out;
};

/* Everything observable after a fixed sequence of runs, for comparison. */
struct outcome {
	long run_err[8];
	uint32_t retval[8];
	struct args args[6];
	uint64_t counts[8];
	uint8_t pcpu[2][8 * 256];
	uint32_t fifo[16];
	long fifo_n;
	int32_t data;
	uint64_t bss;
	char data_custom[8];
	uint8_t rb[1024];
	size_t rb_len;
	long rb_n;
};

static void run_sequence(const struct side *s, struct outcome *o)
{
	static const struct args in[6] = { { 0, 1, 0 }, { 3, 10, 0 },
					   { 3, 5, 0 }, { 7, 100, 0 },
					   { 8, 1, 0 }, { 0, 0xffff, 0 } };
	uint64_t raw[2];
	uint32_t k, ncpu = kbpf_posix_possible_cpus();
	int i;

	for (i = 0; i < 6; i++) {
		o->args[i] = in[i];
		o->run_err[i] = side_run(s, s->bump, &o->args[i],
					 sizeof(o->args[i]), 0, &o->retval[i]);
	}
	for (i = 0; i < 2; i++) {
		raw[0] = 1000 + (uint64_t)i;
		raw[1] = 0xabcdef00u + (uint64_t)i;
		o->run_err[6 + i] = side_run(s, s->emit, raw, sizeof(raw), 1,
					     &o->retval[6 + i]);
	}
	for (k = 0; k < 8; k++)
		side_lookup(s, s->counts, &k, &o->counts[k]);
	for (k = 0; k < 2 && ncpu <= 256; k++)
		side_lookup(s, s->pcpu, &k, o->pcpu[k]);
	for (o->fifo_n = 0; o->fifo_n < 16; o->fifo_n++)
		if (side_pop(s, s->fifo, &o->fifo[o->fifo_n]))
			break;
	k = 0;
	side_lookup(s, s->data, &k, &o->data);
	side_lookup(s, s->bss, &k, &o->bss);
	side_lookup(s, s->data_custom, &k, o->data_custom);
}

static void rb_collect(void *ctx, const void *data, size_t size)
{
	struct outcome *o = ctx;

	if (o->rb_len + size <= sizeof(o->rb)) {
		memcpy(o->rb + o->rb_len, data, size);
		o->rb_len += size;
	}
}

static int kbpf_rb_cb(void *ctx, const void *data, uint32_t size)
{
	rb_collect(ctx, data, (size_t)size);
	return 0;
}

static void compare(const struct outcome *k, const struct outcome *b)
{
	int i;

	for (i = 0; i < 8; i++) {
		if (k->run_err[i] != b->run_err[i] ||
		    k->retval[i] != b->retval[i])
			T_FAIL("run %d: kernel %ld/%u, kbpf %ld/%u", i,
			       k->run_err[i], k->retval[i], b->run_err[i],
			       b->retval[i]);
	}
	T_MEMEQ(k->args, b->args, sizeof(k->args));
	T_MEMEQ(k->counts, b->counts, sizeof(k->counts));
	T_MEMEQ(k->pcpu, b->pcpu, sizeof(k->pcpu));
	T_EQ(k->fifo_n, b->fifo_n);
	T_MEMEQ(k->fifo, b->fifo, sizeof(k->fifo));
	T_EQ(k->data, b->data);
	T_EQ(k->bss, b->bss);
	T_MEMEQ(k->data_custom, b->data_custom, sizeof(k->data_custom));
	T_EQ(k->rb_n, b->rb_n);
	T_EQ(k->rb_len, b->rb_len);
	T_MEMEQ(k->rb, b->rb, k->rb_len);
}

static int map_fd_of(struct kbpf_elf *obj, const char *name)
{
	return install(&kbpf_elf_find_map(obj, name)->map->obj);
}

KBPF_TEST(
	basic_runs_like_kernel,
	"the same object loaded by kbpf and by libbpf into the kernel gives the same results, map contents and ring buffer records")
{
	static struct outcome ko, bo;
	struct kbpf_elf *obj;
	struct side ks = { 0 }, bs = { 0 };
	struct kside *kobj = NULL;
	const char *why = NULL;
	char kwhy[256], path[512];
	struct blob b;

	NEED_OBJECT("basic.bpf.o", &b);
	if (!oracle_available(&why))
		T_SKIP("%s", why);
	if (!kside_available(&why))
		T_SKIP("%s", why);
	snprintf(path, sizeof(path), "%s/basic.bpf.o", LOADER_OBJ_DIR);
	if (kside_open(path, &kobj, kwhy, sizeof(kwhy)))
		T_FAIL("kernel side: %s", kwhy);
	ks.bpf = oracle_kernel_bpf;
	ks.bump = kside_prog_fd(kobj, "bump");
	ks.emit = kside_prog_fd(kobj, "emit");
	ks.counts = kside_map_fd(kobj, "counts");
	ks.pcpu = kside_map_fd(kobj, "pcpu");
	ks.fifo = kside_map_fd(kobj, "fifo");
	ks.data = kside_map_fd(kobj, ".data");
	ks.bss = kside_map_fd(kobj, ".bss");
	ks.data_custom = kside_map_fd(kobj, ".data.custom");
	memset(&ko, 0, sizeof(ko));
	run_sequence(&ks, &ko);
	ko.rb_n = kside_ringbuf_drain(kobj, "events", rb_collect, &ko);
	kside_close(kobj);

	if (parse(&b, "basic", &obj))
		T_FAIL("parse: %s", errbuf);
	if (load(obj))
		T_FAIL("load: %s", errbuf);
	bs.bpf = oracle_kbpf_bpf;
	bs.bump = install(&kbpf_elf_find_prog(obj, "bump")->prog->obj);
	bs.emit = install(&kbpf_elf_find_prog(obj, "emit")->prog->obj);
	bs.counts = map_fd_of(obj, "counts");
	bs.pcpu = map_fd_of(obj, "pcpu");
	bs.fifo = map_fd_of(obj, "fifo");
	bs.data = map_fd_of(obj, ".data");
	bs.bss = map_fd_of(obj, ".bss");
	bs.data_custom = map_fd_of(obj, ".data.custom");
	memset(&bo, 0, sizeof(bo));
	run_sequence(&bs, &bo);
	bo.rb_n = kbpf_ringbuf_consume(kbpf_elf_find_map(obj, "events")->map,
				       kbpf_rb_cb, &bo);
	kbpf_elf_free(obj);
	kbpf_posix_reset();
	free(b.data);

	T_EQ(ko.run_err[0], 0);
	T_EQ(ko.rb_n, 2);
	compare(&ko, &bo);
	T_EQ(live_allocs(), 0);
}

KBPF_TEST(
	rodata_frozen,
	".rodata is frozen after load: bpf(2) updates fail with EPERM, lookups see the initial value")
{
	struct kbpf_elf *obj;
	union bpf_attr a;
	uint32_t k = 0, v = 0, nv = 9;
	struct blob b;
	int fd;

	NEED_OBJECT("basic.bpf.o", &b);
	T_EQ(parse(&b, "basic", &obj), 0);
	if (load(obj))
		T_FAIL("load: %s", errbuf);
	fd = map_fd_of(obj, ".rodata");
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)&k;
	a.value = (uint64_t)(uintptr_t)&v;
	T_EQ(oracle_kbpf_bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)), 0);
	T_EQ(v, 3);
	a.value = (uint64_t)(uintptr_t)&nv;
	T_EQ(oracle_kbpf_bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a)), -EPERM);
	kbpf_elf_free(obj);
	kbpf_posix_reset();
	free(b.data);
}

/* ------------------------------------------------- other objects */

KBPF_TEST(
	legacy_maps,
	"a legacy `maps` section gives maps by symbol, `version` is read, and the program runs")
{
	struct kbpf_elf_map *arr, *q;
	struct kbpf_elf *obj;
	union bpf_attr a;
	struct blob b;
	int fd;

	NEED_OBJECT("legacy.bpf.o", &b);
	if (parse(&b, "legacy", &obj))
		T_FAIL("parse: %s", errbuf);
	T_EQ(obj->kern_version, 0x060c00);
	T_ASSERT(!strcmp(obj->license, "Dual MIT/GPL"));
	arr = kbpf_elf_find_map(obj, "old_array");
	q = kbpf_elf_find_map(obj, "old_queue");
	T_ASSERT(arr && q);
	T_EQ(arr->kind, KBPF_ELF_MAP_LEGACY);
	T_EQ(arr->type, BPF_MAP_TYPE_ARRAY);
	T_EQ(arr->value_size, 8);
	T_EQ(arr->max_entries, 2);
	T_EQ(q->type, BPF_MAP_TYPE_QUEUE);
	T_EQ(q->value_size, 4);
	if (load(obj))
		T_FAIL("load: %s", errbuf);
	fd = install(&obj->progs[0].prog->obj);
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	T_EQ(oracle_kbpf_bpf(BPF_PROG_TEST_RUN, &a, sizeof(a)), 0);
	T_EQ(a.test.retval, 40);
	T_EQ(oracle_kbpf_bpf(BPF_PROG_TEST_RUN, &a, sizeof(a)), 0);
	T_EQ(a.test.retval, 80);
	kbpf_elf_free(obj);
	kbpf_posix_reset();
	free(b.data);
}

KBPF_TEST(
	core_refused,
	"an object with CO-RE relocations parses but is refused at load with -EOPNOTSUPP and a message")
{
	struct kbpf_elf *obj;
	struct blob b;

	NEED_OBJECT("core.bpf.o", &b);
	T_EQ(parse(&b, "core", &obj), 0);
	T_ASSERT(obj->nr_core_relos >= 1);
	T_EQ(load(obj), -EOPNOTSUPP);
	T_ASSERT(strstr(errbuf, "CO-RE"));
	kbpf_elf_free(obj);
	free(b.data);
	T_EQ(live_allocs(), 0);
}

/* Run raw tracepoint program @fd once through @bpf with one u64 argument. */
static long run_raw_tp(long (*bpf)(int, void *, unsigned int), int fd,
		       uint32_t *retval)
{
	uint64_t args[1] = { 0 };
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.ctx_in = (uint64_t)(uintptr_t)args;
	a.test.ctx_size_in = sizeof(args);
	r = bpf(BPF_PROG_TEST_RUN, &a, sizeof(a));
	*retval = a.test.retval;
	return r;
}

KBPF_TEST(
	unsupported_per_program,
	"CO-RE (also in a called .text function), kfunc calls, weak kfunc addresses and extern variables parse; each program says why it cannot load")
{
	struct kbpf_elf *obj;
	struct kbpf_elf_prog *p;
	struct blob b;

	NEED_OBJECT("unsup.bpf.o", &b);
	if (parse(&b, "unsup", &obj))
		T_FAIL("parse: %s", errbuf);
	T_EQ(obj->nr_progs, 8);
	p = kbpf_elf_find_prog(obj, "good");
	T_ASSERT(p && !p->unsupported && !p->why[0]);
	p = kbpf_elf_find_prog(obj, "core_via_sub");
	T_ASSERT(p);
	T_EQ(p->unsupported, KBPF_ELF_UNSUP_CORE);
	T_EQ(p->nr_core_relos, 1);
	/* The relocation sits in core_sub, appended after the 3-insn caller. */
	T_ASSERT(strstr(p->why, "field byte offset of struct task_like.tgid"));
	T_ASSERT(p->insn_cnt > p->sec_insn_cnt);
	p = kbpf_elf_find_prog(obj, "kfunc_call");
	T_EQ(p->unsupported, KBPF_ELF_UNSUP_KFUNC);
	T_ASSERT(strstr(p->why, "'bpf_rcu_read_lock'"));
	p = kbpf_elf_find_prog(obj, "weak_kfunc_addr");
	T_EQ(p->unsupported, KBPF_ELF_UNSUP_KFUNC);
	T_ASSERT(
		strstr(p->why, "address of extern function 'bpf_maybe_there'"));
	p = kbpf_elf_find_prog(obj, "kconfig_var");
	T_EQ(p->unsupported, KBPF_ELF_UNSUP_EXTERN);
	T_ASSERT(strstr(p->why, "'LINUX_KERNEL_VERSION' (.kconfig)"));
	T_EQ(obj->nr_core_relos, 1);
	/* The whole object: the first program kbpf cannot load stops it. */
	T_EQ(load(obj), -EOPNOTSUPP);
	T_ASSERT(strstr(errbuf, "prog '"));
	kbpf_elf_free(obj);
	free(b.data);
	T_EQ(live_allocs(), 0);
}

KBPF_TEST(
	load_each,
	"kbpf_elf_create_map and kbpf_elf_load_prog load what they can and name the reason for the rest: map type, unset max_entries, missing map, section, CO-RE")
{
	struct kbpf_elf_opts o = { .errbuf = errbuf,
				   .errbuf_size = sizeof(errbuf) };
	struct kbpf_elf *obj;
	struct kbpf_elf_prog *p;
	struct kbpf_elf_map *m;
	struct blob b;

	NEED_OBJECT("unsup.bpf.o", &b);
	T_EQ(parse(&b, "unsup", &obj), 0);
	T_EQ(kbpf_elf_create_map(obj, kbpf_elf_find_map(obj, "ok_map"), &o), 0);
	T_EQ(kbpf_elf_create_map(obj, kbpf_elf_find_map(obj, "ok_map"), &o),
	     -EBUSY);
	T_EQ(kbpf_elf_create_map(obj, kbpf_elf_find_map(obj, "socks"), &o),
	     -EINVAL);
	T_ASSERT(strstr(errbuf, "map type sockmap (15) is not supported"));
	m = kbpf_elf_find_map(obj, "sized_later");
	T_EQ(m->max_entries, 0);
	T_EQ(kbpf_elf_create_map(obj, m, &o), -EINVAL);
	T_ASSERT(strstr(errbuf, "max_entries is 0"));

	T_EQ(kbpf_elf_load_prog(obj, kbpf_elf_find_prog(obj, "good"), &o), 0);
	T_EQ(kbpf_elf_load_prog(obj, kbpf_elf_find_prog(obj, "good"), &o),
	     -EBUSY);
	T_EQ(kbpf_elf_load_prog(obj, kbpf_elf_find_prog(obj, "uses_socks"), &o),
	     -EBADF);
	T_ASSERT(strstr(errbuf, "'socks'") && strstr(errbuf, "not created"));
	T_ASSERT(strstr(errbuf, "map type sockmap is not supported"));
	T_EQ(kbpf_elf_load_prog(obj, kbpf_elf_find_prog(obj, "core_via_sub"),
				&o),
	     -EOPNOTSUPP);
	T_ASSERT(strstr(errbuf, "CO-RE") && strstr(errbuf, "task_like.tgid"));
	/* The loader may size a map the object left at 0, as libbpf's may. */
	m->max_entries = 8;
	T_EQ(kbpf_elf_create_map(obj, m, &o), 0);
	T_EQ(kbpf_elf_load_prog(
		     obj, kbpf_elf_find_prog(obj, "uses_sized_later"), &o),
	     0);
	/* An unknown section loads once the caller sets the type. */
	p = kbpf_elf_find_prog(obj, "custom_sec");
	T_EQ(kbpf_elf_load_prog(obj, p, &o), -ESRCH);
	T_ASSERT(strstr(errbuf, "'xdp_custom'"));
	p->prog_type = BPF_PROG_TYPE_XDP;
	T_EQ(kbpf_elf_load_prog(obj, p, &o), 0);
	T_ASSERT(p->prog);
	/* Something exists now: the whole-object load refuses. */
	T_EQ(load(obj), -EBUSY);
	kbpf_elf_free(obj);
	free(b.data);
	T_EQ(live_allocs(), 0);
}

/* map_flags of a kernel map, from BPF_OBJ_GET_INFO_BY_FD; -1 on error. */
static long kernel_map_flags(int fd)
{
	struct bpf_map_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	if (oracle_kernel_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)))
		return -1;
	return info.map_flags;
}

KBPF_TEST(
	prog_array_values,
	"a prog array's `values` slots are filled after load, and a tail call through them gives the kernel's result (libbpf); global data is mmapable only with a global variable, as libbpf creates it")
{
	struct kbpf_elf *obj;
	struct kbpf_elf_map *m;
	struct kside *kobj = NULL;
	const char *why = NULL;
	char kwhy[256], path[512];
	uint32_t kret = 0, ret = 0, id = 0, k;
	union bpf_attr a;
	struct blob b;
	int fd, mfd;

	NEED_OBJECT("slots.bpf.o", &b);
	T_EQ(parse(&b, "slots", &obj), 0);
	m = kbpf_elf_find_map(obj, "jmp");
	T_ASSERT(m);
	T_EQ(m->value_size, 4);
	T_EQ(m->nr_init_slots, 3);
	T_EQ(m->init_slots[0],
	     (int32_t)(kbpf_elf_find_prog(obj, "tail_a") - obj->progs));
	T_EQ(m->init_slots[1], -1);
	T_EQ(m->init_slots[2],
	     (int32_t)(kbpf_elf_find_prog(obj, "tail_b") - obj->progs));
	/* libbpf maps (BPF_F_MMAPABLE) only sections with a global variable. */
	T_ASSERT(kbpf_elf_find_map(obj, ".data")->map_flags & BPF_F_MMAPABLE);
	T_EQ(kbpf_elf_find_map(obj, ".rodata")->map_flags, BPF_F_RDONLY_PROG);
	/* As libbpf: a slot naming a program that is not loaded fails. */
	kbpf_elf_find_prog(obj, "tail_b")->autoload = false;
	T_EQ(load(obj), -EBADF);
	T_ASSERT(strstr(errbuf, "slot 2") && strstr(errbuf, "'tail_b'"));
	kbpf_elf_find_prog(obj, "tail_b")->autoload = true;
	if (load(obj))
		T_FAIL("load: %s", errbuf);
	fd = install(&kbpf_elf_find_prog(obj, "entry")->prog->obj);
	T_EQ(run_raw_tp(oracle_kbpf_bpf, fd, &ret), 0);
	T_EQ(ret, 20);
	/* Slot 1 is empty, slot 0 holds tail_a: ids out, as bpf(2) gives. */
	mfd = map_fd_of(obj, "jmp");
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)mfd;
	a.key = (uint64_t)(uintptr_t)&k;
	a.value = (uint64_t)(uintptr_t)&id;
	k = 1;
	T_EQ(oracle_kbpf_bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)), -ENOENT);
	k = 0;
	T_EQ(oracle_kbpf_bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)), 0);
	T_EQ(id, kbpf_elf_find_prog(obj, "tail_a")->prog->obj.id);
	kbpf_elf_free(obj);
	kbpf_posix_reset();
	T_EQ(live_allocs(), 0);

	if (!oracle_available(&why) || !kside_available(&why)) {
		free(b.data);
		T_SKIP("kernel side: %s", why);
	}
	snprintf(path, sizeof(path), "%s/slots.bpf.o", LOADER_OBJ_DIR);
	if (kside_open(path, &kobj, kwhy, sizeof(kwhy)))
		T_FAIL("kernel side: %s", kwhy);
	T_EQ(run_raw_tp(oracle_kernel_bpf, kside_prog_fd(kobj, "entry"), &kret),
	     0);
	T_EQ(kernel_map_flags(kside_map_fd(kobj, ".data")), BPF_F_MMAPABLE);
	T_EQ(kernel_map_flags(kside_map_fd(kobj, ".rodata")),
	     BPF_F_RDONLY_PROG);
	kside_close(kobj);
	T_EQ(kret, ret);
	free(b.data);
}

KBPF_TEST(
	legacy_maps_padded,
	"legacy map definitions are read at their symbols' sizes, so padding between them (an aligned definition) is not mistaken for fields; a static map's reference (section symbol plus offset) reaches that map")
{
	struct kbpf_elf *obj;
	struct kbpf_elf_map *first, *second;
	struct blob b;
	uint32_t ret = 0;
	union bpf_attr a;
	int fd;

	NEED_OBJECT("legacy_gap.bpf.o", &b);
	if (parse(&b, "legacy_gap", &obj))
		T_FAIL("parse: %s", errbuf);
	first = kbpf_elf_find_map(obj, "first");
	second = kbpf_elf_find_map(obj, "second");
	T_ASSERT(first && second);
	T_EQ(first->value_size, 8);
	T_EQ(first->max_entries, 3);
	T_EQ(second->value_size, 4);
	T_EQ(second->max_entries, 5);
	T_EQ(second->sec_off, 32);
	T_EQ(kbpf_elf_find_map(obj, "third")->max_entries, 7);
	if (load(obj))
		T_FAIL("load: %s", errbuf);
	fd = install(&kbpf_elf_find_prog(obj, "use_both")->prog->obj);
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	T_EQ(oracle_kbpf_bpf(BPF_PROG_TEST_RUN, &a, sizeof(a)), 0);
	ret = a.test.retval;
	T_EQ(ret, 7);
	/* The static map, referenced as `maps` + 52: not the map at 0. */
	fd = install(&kbpf_elf_find_prog(obj, "use_static")->prog->obj);
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	T_EQ(oracle_kbpf_bpf(BPF_PROG_TEST_RUN, &a, sizeof(a)), 0);
	T_EQ(a.test.retval, 11);
	kbpf_elf_free(obj);
	kbpf_posix_reset();
	free(b.data);
	T_EQ(live_allocs(), 0);
}

struct want_sec {
	const char *prog;
	uint32_t type, attach, flags;
	const char *target;
};

static const struct want_sec want_secs[] = {
	{ "p_socket", BPF_PROG_TYPE_SOCKET_FILTER, 0, 0, "" },
	{ "p_kprobe", BPF_PROG_TYPE_KPROBE, 0, 0, "do_sys_open" },
	{ "p_kretprobe", BPF_PROG_TYPE_KPROBE, 0, 0, "do_sys_open" },
	{ "p_uprobe_s", BPF_PROG_TYPE_KPROBE, 0, BPF_F_SLEEPABLE,
	  "/bin/sh:main" },
	{ "p_tp", BPF_PROG_TYPE_TRACEPOINT, 0, 0, "sched/sched_switch" },
	{ "p_tracepoint", BPF_PROG_TYPE_TRACEPOINT, 0, 0,
	  "syscalls/sys_enter_openat" },
	{ "p_raw_tp", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, "sys_enter" },
	{ "p_raw_tracepoint", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, "sys_exit" },
	{ "p_raw_tp_w", BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, 0,
	  "bpf_test_finish" },
	{ "p_xdp", BPF_PROG_TYPE_XDP, BPF_XDP, 0, "" },
	{ "p_xdp_frags", BPF_PROG_TYPE_XDP, BPF_XDP, BPF_F_XDP_HAS_FRAGS, "" },
	{ "p_xdp_devmap", BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP, 0, "" },
	{ "p_tc", BPF_PROG_TYPE_SCHED_CLS, 0, 0, "" },
	{ "p_tcx", BPF_PROG_TYPE_SCHED_CLS, BPF_TCX_INGRESS, 0, "" },
	{ "p_perf", BPF_PROG_TYPE_PERF_EVENT, 0, 0, "" },
	{ "p_syscall", BPF_PROG_TYPE_SYSCALL, 0, BPF_F_SLEEPABLE, "" },
	{ "p_fentry", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, 0,
	  "do_unlinkat" },
	{ "p_cgroup_skb", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, 0,
	  "" },
	{ "p_sk_msg", BPF_PROG_TYPE_SK_MSG, BPF_SK_MSG_VERDICT, 0, "" },
	{ "p_unknown", BPF_PROG_TYPE_UNSPEC, 0, 0, "" },
	{ "p_kprobe_bad", BPF_PROG_TYPE_UNSPEC, 0, 0, "" },
};

KBPF_TEST(
	section_names,
	"libbpf's section names give the program type, expected attach type, flags and target; unknown names refuse the load")
{
	struct kbpf_elf *obj;
	struct blob b;
	size_t i;

	NEED_OBJECT("sections.bpf.o", &b);
	T_EQ(parse(&b, "sections", &obj), 0);
	T_EQ(obj->nr_progs, N_OF(want_secs));
	for (i = 0; i < N_OF(want_secs); i++) {
		const struct want_sec *w = &want_secs[i];
		struct kbpf_elf_prog *p = kbpf_elf_find_prog(obj, w->prog);

		if (!p)
			T_FAIL("program %s missing", w->prog);
		if (p->prog_type != w->type ||
		    p->expected_attach_type != w->attach ||
		    p->prog_flags != w->flags ||
		    strcmp(p->attach_target, w->target))
			T_FAIL("%s (%s): type %u attach %u flags 0x%x target '%s'",
			       w->prog, p->sec_name, p->prog_type,
			       p->expected_attach_type, p->prog_flags,
			       p->attach_target);
	}
	/* fentry is refused at parse (no trampolines): leave it out here. */
	kbpf_elf_find_prog(obj, "p_fentry")->autoload = false;
	T_EQ(load(obj), -ESRCH);
	T_ASSERT(strstr(errbuf, "p_unknown"));
	/* Without the unknown and the types kbpf lacks, the rest loads. */
	kbpf_elf_find_prog(obj, "p_unknown")->autoload = false;
	kbpf_elf_find_prog(obj, "p_kprobe_bad")->autoload = false;
	kbpf_elf_find_prog(obj, "p_sk_msg")->autoload = false;
	kbpf_elf_find_prog(obj, "p_uprobe_s")->autoload = false;
	if (load(obj))
		T_FAIL("load: %s", errbuf);
	T_ASSERT(kbpf_elf_find_prog(obj, "p_xdp")->prog);
	T_ASSERT(!kbpf_elf_find_prog(obj, "p_fentry")->prog);
	T_EQ(load(obj), -EBUSY);
	kbpf_elf_free(obj);
	free(b.data);
	T_EQ(live_allocs(), 0);
}

KBPF_TEST(
	unsupported_type_message,
	"a program type kbpf does not run is refused with the program and section named")
{
	struct kbpf_elf *obj;
	struct blob b;
	uint32_t i;

	NEED_OBJECT("sections.bpf.o", &b);
	T_EQ(parse(&b, "sections", &obj), 0);
	for (i = 0; i < obj->nr_progs; i++)
		obj->progs[i].autoload =
			!strcmp(obj->progs[i].name, "p_sk_msg");
	T_EQ(load(obj), -EINVAL);
	T_ASSERT(strstr(errbuf, "p_sk_msg") && strstr(errbuf, "sk_msg"));
	/* fentry without a host BTF: its function cannot be found. */
	for (i = 0; i < obj->nr_progs; i++)
		obj->progs[i].autoload =
			!strcmp(obj->progs[i].name, "p_fentry");
	T_EQ(load(obj), -EOPNOTSUPP);
	T_ASSERT(strstr(errbuf, "p_fentry") && strstr(errbuf, "host BTF"));
	kbpf_elf_free(obj);
	free(b.data);
}

/* ------------------------------------------------ malformed objects */

static Elf64_Shdr *shdr(struct blob *b, int i)
{
	Elf64_Ehdr *e = (Elf64_Ehdr *)b->data;

	return (Elf64_Shdr *)(b->data + e->e_shoff) + i;
}

static int sec_by_name(struct blob *b, const char *name)
{
	Elf64_Ehdr *e = (Elf64_Ehdr *)b->data;
	const char *strs =
		(const char *)b->data + shdr(b, e->e_shstrndx)->sh_offset;
	int i;

	for (i = 0; i < e->e_shnum; i++)
		if (!strcmp(strs + shdr(b, i)->sh_name, name))
			return i;
	return -1;
}

static struct blob blob_dup(const struct blob *b)
{
	struct blob c = { malloc(b->size), b->size };

	memcpy(c.data, b->data, b->size);
	return c;
}

/* Parse @b expecting @err and a message containing @needle. */
static int expect_bad(struct blob *b, int err, const char *needle)
{
	struct kbpf_elf *obj = NULL;
	int r = parse(b, "x", &obj);

	if (!r)
		kbpf_elf_free(obj);
	if (r != err || (needle && !strstr(errbuf, needle))) {
		fprintf(stderr, "  got %d '%s', want %d '%s'\n", r, errbuf, err,
			needle ? needle : "");
		return 0;
	}
	return 1;
}

KBPF_TEST(
	malformed_truncated,
	"every truncation of a good object is refused with -ENOEXEC and a message, and leaks nothing")
{
	struct kbpf_elf *obj;
	struct blob b;
	size_t n;

	NEED_OBJECT("basic.bpf.o", &b);
	for (n = 0; n < b.size; n++) {
		int r = kbpf_elf_parse(kbpf_posix_host(), b.data, n,
				       &(struct kbpf_elf_opts){
					       .errbuf = errbuf,
					       .errbuf_size = sizeof(errbuf) },
				       &obj);

		if (!r)
			T_FAIL("truncated to %zu bytes: parsed", n);
		if (r != -ENOEXEC || !errbuf[0])
			T_FAIL("truncated to %zu: %d '%s'", n, r, errbuf);
	}
	free(b.data);
	T_EQ(live_allocs(), 0);
}

KBPF_TEST(
	malformed_headers,
	"bad magic, class, machine, byte order, section table and string tables give -ENOEXEC naming the problem")
{
	struct blob b, c;
	Elf64_Ehdr *e;
	int text, data, i;

	NEED_OBJECT("basic.bpf.o", &b);
	c = blob_dup(&b);
	c.data[0] = 0x7e;
	T_ASSERT(expect_bad(&c, -ENOEXEC, "magic"));
	memcpy(c.data, b.data, b.size);
	c.data[EI_CLASS] = ELFCLASS32;
	T_ASSERT(expect_bad(&c, -ENOEXEC, "64-bit"));
	memcpy(c.data, b.data, b.size);
	c.data[EI_DATA] = 7;
	T_ASSERT(expect_bad(&c, -ENOEXEC, "byte order"));
	memcpy(c.data, b.data, b.size);
	((Elf64_Ehdr *)c.data)->e_machine = EM_X86_64;
	T_ASSERT(expect_bad(&c, -ENOEXEC, "not a BPF"));
	memcpy(c.data, b.data, b.size);
	((Elf64_Ehdr *)c.data)->e_shoff = c.size - 10;
	T_ASSERT(expect_bad(&c, -ENOEXEC, "section headers"));
	memcpy(c.data, b.data, b.size);
	((Elf64_Ehdr *)c.data)->e_shentsize = 40;
	T_ASSERT(expect_bad(&c, -ENOEXEC, "header size"));
	/* A section past the end of the file. */
	memcpy(c.data, b.data, b.size);
	text = sec_by_name(&c, "syscall");
	shdr(&c, text)->sh_offset = c.size - 8;
	T_ASSERT(expect_bad(&c, -ENOEXEC, "past the end"));
	/* Two sections on the same bytes. */
	memcpy(c.data, b.data, b.size);
	data = sec_by_name(&c, ".data");
	shdr(&c, data)->sh_offset = shdr(&c, text)->sh_offset;
	T_ASSERT(expect_bad(&c, -ENOEXEC, "overlaps"));
	/* A section over the ELF header. */
	memcpy(c.data, b.data, b.size);
	shdr(&c, data)->sh_offset = 8;
	T_ASSERT(expect_bad(&c, -ENOEXEC, "overlaps"));
	/* The section name table without its final NUL. */
	memcpy(c.data, b.data, b.size);
	e = (Elf64_Ehdr *)c.data;
	c.data[shdr(&c, e->e_shstrndx)->sh_offset +
	       shdr(&c, e->e_shstrndx)->sh_size - 1] = 'x';
	T_ASSERT(expect_bad(&c, -ENOEXEC, "string table"));
	/* A section name offset out of range. */
	memcpy(c.data, b.data, b.size);
	shdr(&c, text)->sh_name = 0x7fffffff;
	T_ASSERT(expect_bad(&c, -ENOEXEC, "name of section"));
	/* A code section whose size is not whole instructions. */
	memcpy(c.data, b.data, b.size);
	shdr(&c, text)->sh_size -= 4;
	T_ASSERT(expect_bad(&c, -ENOEXEC, "multiple of 8"));
	/* No symbol table. */
	memcpy(c.data, b.data, b.size);
	e = (Elf64_Ehdr *)c.data;
	for (i = 0; i < e->e_shnum; i++)
		if (shdr(&c, i)->sh_type == SHT_SYMTAB)
			shdr(&c, i)->sh_type = SHT_PROGBITS;
	T_ASSERT(expect_bad(&c, -ENOEXEC, "symbol table"));
	free(c.data);
	free(b.data);
	T_EQ(live_allocs(), 0);
}

/* The symbol table of @b and its entry count. */
static Elf64_Sym *symtab(struct blob *b, int *n)
{
	Elf64_Ehdr *e = (Elf64_Ehdr *)b->data;
	int i;

	for (i = 0; i < e->e_shnum; i++)
		if (shdr(b, i)->sh_type == SHT_SYMTAB) {
			*n = (int)(shdr(b, i)->sh_size / sizeof(Elf64_Sym));
			return (Elf64_Sym *)(b->data + shdr(b, i)->sh_offset);
		}
	return NULL;
}

static Elf64_Sym *sym_by_name(struct blob *b, const char *name)
{
	Elf64_Ehdr *e = (Elf64_Ehdr *)b->data;
	int n = 0, i, st = -1;
	Elf64_Sym *s = symtab(b, &n);
	const char *strs;

	for (i = 0; i < e->e_shnum; i++)
		if (shdr(b, i)->sh_type == SHT_SYMTAB)
			st = i;
	strs = (const char *)b->data + shdr(b, shdr(b, st)->sh_link)->sh_offset;
	for (i = 0; i < n; i++)
		if (!strcmp(strs + s[i].st_name, name))
			return &s[i];
	return NULL;
}

KBPF_TEST(
	malformed_symbols_relocs,
	"bad symbols and relocations are refused: section index, misaligned program, relocation symbol, relocation at a plain instruction, call into a function's middle")
{
	struct blob b, c;
	Elf64_Rel *rel;
	int relsec, n = 0, i;

	NEED_OBJECT("basic.bpf.o", &b);
	c = blob_dup(&b);
	sym_by_name(&c, "bump")->st_shndx = 200;
	T_ASSERT(expect_bad(&c, -ENOEXEC, "'bump' is in section"));
	memcpy(c.data, b.data, b.size);
	sym_by_name(&c, "bump")->st_size = 12;
	T_ASSERT(expect_bad(&c, -ENOEXEC, "misaligned"));
	memcpy(c.data, b.data, b.size);
	sym_by_name(&c, "bump")->st_info = ELF64_ST_INFO(STB_LOCAL, STT_FUNC);
	T_ASSERT(expect_bad(&c, -EOPNOTSUPP, "static"));
	/* Relocations of the syscall section. */
	memcpy(c.data, b.data, b.size);
	relsec = sec_by_name(&c, ".relsyscall");
	T_ASSERT(relsec > 0);
	rel = (Elf64_Rel *)(c.data + shdr(&c, relsec)->sh_offset);
	n = (int)(shdr(&c, relsec)->sh_size / sizeof(*rel));
	T_ASSERT(n > 1);
	rel[0].r_info = ELF64_R_INFO(100000, ELF64_R_TYPE(rel[0].r_info));
	T_ASSERT(expect_bad(&c, -ENOEXEC, "names symbol"));
	memcpy(c.data, b.data, b.size);
	rel[0].r_offset = 3;
	T_ASSERT(expect_bad(&c, -ENOEXEC, "misaligned"));
	memcpy(c.data, b.data, b.size);
	rel[1].r_offset = rel[0].r_offset;
	T_ASSERT(expect_bad(&c, -ENOEXEC, "two relocations"));
	/* A relocation moved onto instruction 0 (`r1 = ...`, not ld_imm64). */
	memcpy(c.data, b.data, b.size);
	rel[0].r_offset = 0;
	T_ASSERT(expect_bad(&c, -EINVAL, "neither ld_imm64 nor call"));
	/* A call whose target lands inside a function. */
	memcpy(c.data, b.data, b.size);
	for (i = 0; i < n; i++) {
		uint8_t *insn =
			c.data +
			shdr(&c, sec_by_name(&c, "syscall"))->sh_offset +
			rel[i].r_offset;

		if (insn[0] == (BPF_JMP | BPF_CALL)) {
			int32_t imm;

			memcpy(&imm, insn + 4, 4);
			imm += 1;
			memcpy(insn + 4, &imm, 4);
			break;
		}
	}
	T_ASSERT(i < n);
	T_ASSERT(expect_bad(&c, -EINVAL, "not the start of a function"));
	free(c.data);
	free(b.data);
	T_EQ(live_allocs(), 0);
}

KBPF_TEST(
	malformed_btf,
	"broken .BTF (magic, type area, string area, truncated type) gives -ENOEXEC")
{
	struct blob b, c;
	uint8_t *btf;
	uint32_t v;
	int s;

	NEED_OBJECT("basic.bpf.o", &b);
	c = blob_dup(&b);
	s = sec_by_name(&c, ".BTF");
	btf = c.data + shdr(&c, s)->sh_offset;
	btf[0] ^= 0xff;
	T_ASSERT(expect_bad(&c, -ENOEXEC, "magic"));
	memcpy(c.data, b.data, b.size);
	v = 0x7ffffff0;
	memcpy(btf + 12, &v, 4); /* type_len */
	T_ASSERT(expect_bad(&c, -ENOEXEC, "type area"));
	memcpy(c.data, b.data, b.size);
	memcpy(&v, btf + 12, 4);
	v -= 2; /* the last type record loses bytes */
	memcpy(btf + 12, &v, 4);
	T_ASSERT(expect_bad(&c, -ENOEXEC, "btf:"));
	memcpy(c.data, b.data, b.size);
	memcpy(&v, btf + 20, 4);
	v -= 1; /* string area without its final NUL */
	memcpy(btf + 20, &v, 4);
	T_ASSERT(expect_bad(&c, -ENOEXEC, "NUL"));
	free(c.data);
	free(b.data);
	T_EQ(live_allocs(), 0);
}

KBPF_TEST(
	kconfig_zero_align,
	".kconfig extern whose type has size 0 (alignment 0, as libbpf's btf__align_of gives) is refused with -EINVAL, not divided by (fuzz_loader SIGFPE)")
{
	struct kbpf_btf_view v;
	struct blob b, c;
	const uint8_t *t;
	uint32_t id, zero = 0;
	int s;

	NEED_OBJECT("kconfig.bpf.o", &b);
	c = blob_dup(&b);
	s = sec_by_name(&c, ".BTF");
	T_ASSERT(s > 0);
	T_EQ(kbpf_btf_parse(&v, NULL, c.data + shdr(&c, s)->sh_offset,
			    shdr(&c, s)->sh_size, 0, NULL),
	     0);
	/* CONFIG_BIG's type, used by no other extern or map. */
	id = kbpf_btf_find(&v, BTF_KIND_INT, "unsigned short");
	T_ASSERT(id && (t = kbpf_btf_type(&v, id)));
	memcpy((uint8_t *)t + 8, &zero, 4);
	T_ASSERT(expect_bad(&c, -EINVAL, "alignment"));
	T_ASSERT(strstr(errbuf, "CONFIG_BIG"));
	kbpf_btf_free(&v);
	free(c.data);
	free(b.data);
	T_EQ(live_allocs(), 0);
}

KBPF_TEST(
	malformed_random,
	"2000 objects with random byte corruptions never crash the parser and leak nothing")
{
	uint64_t st = kbpf_test_seed();
	struct blob b, c;
	int i, ok = 0;

	NEED_OBJECT("basic.bpf.o", &b);
	c = blob_dup(&b);
	for (i = 0; i < 2000; i++) {
		struct kbpf_elf *obj;
		int k, nflip = 1 + (int)(kbpf_test_rand(&st) % 8);

		memcpy(c.data, b.data, b.size);
		for (k = 0; k < nflip; k++)
			c.data[kbpf_test_rand(&st) % c.size] ^=
				(uint8_t)(1u << (kbpf_test_rand(&st) % 8));
		if (!parse(&c, "x", &obj)) {
			ok++;
			/* Loading may succeed or fail; it must not crash. */
			load(obj);
			kbpf_elf_free(obj);
		}
	}
	kbpf_posix_reset();
	printf("  malformed_random: %d of 2000 corrupted objects still parsed\n",
	       ok);
	free(c.data);
	free(b.data);
	T_EQ(live_allocs(), 0);
}

KBPF_TEST(
	alloc_failures,
	"failing each allocation of parse and load in turn gives -ENOMEM and leaks nothing")
{
	struct blob b;
	long n;
	int r = -1;

	NEED_OBJECT("basic.bpf.o", &b);
	for (n = 0; n < 10000 && r; n++) {
		struct kbpf_elf *obj = NULL;

		kbpf_posix_fail_alloc_after(n);
		r = parse(&b, "basic", &obj);
		if (!r) {
			r = load(obj);
			kbpf_elf_free(obj);
		}
		kbpf_posix_fail_alloc_after(-1);
		if (r && r != -ENOMEM)
			T_FAIL("failing allocation %ld: %d (%s)", n, r, errbuf);
		T_EQ(live_allocs(), 0);
	}
	T_EQ(r, 0);
	printf("  alloc_failures: %ld allocation points\n", n - 1);
	free(b.data);
}

static long run_args(long (*bpf)(int, void *, unsigned int), int fd,
		     uint64_t a0, uint64_t a1, uint64_t a2, uint32_t *retval)
{
	uint64_t args[3] = { a0, a1, a2 };
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.ctx_in = (uint64_t)(uintptr_t)args;
	a.test.ctx_size_in = sizeof(args);
	r = bpf(BPF_PROG_TEST_RUN, &a, sizeof(a));
	*retval = a.test.retval;
	return r;
}

KBPF_TEST(
	map_in_map_values,
	"ARRAY_OF_MAPS and HASH_OF_MAPS from `__array(values, struct inner)`: template from the inner definition, slots filled with the named maps; a program through them gives the kernel's results (libbpf)")
{
	static const uint64_t runs[][3] = {
		{ 0, 0, 5 }, { 0, 3, 7 }, { 0, 1, 1 },
		{ 0, 9, 1 }, { 1, 1, 2 }, { 1, 2, 3 },
		{ 1, 5, 1 }, { 0, 0, 4 }, { 1, 2, 10 },
	};
	uint32_t ret[sizeof(runs) / sizeof(runs[0])], kret;
	struct kside *kobj = NULL;
	struct kbpf_elf *obj;
	struct kbpf_elf_map *m;
	const char *why = NULL;
	char kwhy[256], path[512];
	struct blob b;
	int fd;

	NEED_OBJECT("mim.bpf.o", &b);
	T_EQ(parse(&b, "mim", &obj), 0);
	m = kbpf_elf_find_map(obj, "outer_arr");
	T_ASSERT(m);
	T_EQ(m->inner_type, BPF_MAP_TYPE_ARRAY);
	T_EQ(m->inner_value_size, 4);
	T_EQ(m->nr_init_slots, 4);
	T_EQ(m->init_slots[0],
	     (int32_t)(kbpf_elf_find_map(obj, "a1") - obj->maps));
	T_EQ(m->init_slots[1], -1);
	if (load(obj))
		T_FAIL("load: %s", errbuf);
	fd = install(&kbpf_elf_find_prog(obj, "mim")->prog->obj);
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
		T_EQ(run_args(oracle_kbpf_bpf, fd, runs[i][0], runs[i][1],
			      runs[i][2], &ret[i]),
		     0);
	/* a1 got 5 and 4 through the array and 3 and 10 through the hash. */
	T_EQ(ret[0], 5);
	T_EQ(ret[8], 22);
	T_EQ(ret[2], 1000);
	kbpf_elf_free(obj);
	kbpf_posix_reset();
	T_EQ(live_allocs(), 0);

	if (!oracle_available(&why) || !kside_available(&why)) {
		free(b.data);
		T_SKIP("kernel side: %s", why);
	}
	snprintf(path, sizeof(path), "%s/mim.bpf.o", LOADER_OBJ_DIR);
	if (kside_open(path, &kobj, kwhy, sizeof(kwhy)))
		T_FAIL("kernel side: %s", kwhy);
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		T_EQ(run_args(oracle_kernel_bpf, kside_prog_fd(kobj, "mim"),
			      runs[i][0], runs[i][1], runs[i][2], &kret),
		     0);
		if (kret != ret[i])
			T_FAIL("run %zu: kernel %u kbpf %u", i, kret, ret[i]);
	}
	kside_close(kobj);
	free(b.data);
}

/* ------------------------------------------------------------ CO-RE */

#include "progs/core_target.h"

/* The bytes of section @name of a little- or big-endian ELF64 file. */
static const uint8_t *elf_section(const struct blob *b, const char *name,
				  size_t *size)
{
	const uint8_t *d = b->data;
	uint64_t shoff;
	uint16_t shentsize, shnum, shstrndx, i;
	const uint8_t *strs;

	if (b->size < 64 || d[4] != 2 || d[5] != 1)
		return NULL; /* the test objects are ELF64 LSB */
	memcpy(&shoff, d + 0x28, 8);
	memcpy(&shentsize, d + 0x3a, 2);
	memcpy(&shnum, d + 0x3c, 2);
	memcpy(&shstrndx, d + 0x3e, 2);
	if (shoff + (uint64_t)shnum * shentsize > b->size || shstrndx >= shnum)
		return NULL;
	{
		uint64_t o;

		memcpy(&o, d + shoff + (uint64_t)shstrndx * shentsize + 0x18,
		       8);
		strs = d + o;
	}
	for (i = 0; i < shnum; i++) {
		const uint8_t *sh = d + shoff + (uint64_t)i * shentsize;
		uint32_t nm;
		uint64_t off, sz;

		memcpy(&nm, sh, 4);
		memcpy(&off, sh + 0x18, 8);
		memcpy(&sz, sh + 0x20, 8);
		if (!strcmp((const char *)strs + nm, name) &&
		    off + sz <= b->size) {
			*size = (size_t)sz;
			return d + off;
		}
	}
	return NULL;
}

KBPF_TEST(
	core_relocated_against_host_btf,
	"CO-RE against a host BTF laid out otherwise: moved fields, anonymous union, flavor, bitfields, enums, existence, guarded poison")
{
	struct {
		long long out[16];
		struct thing t;
	} args;
	struct kbpf_elf_opts o = { .obj_name = "core_local",
				   .errbuf = errbuf,
				   .errbuf_size = sizeof(errbuf) };
	struct blob lb, tb;
	struct kbpf_elf *obj;
	struct kbpf_elf_prog *p;
	union bpf_attr a;
	size_t n;
	int fd, i;

	NEED_OBJECT("core_local.bpf.o", &lb);
	NEED_OBJECT("core_target.bpf.o", &tb);
	o.target_btf = elf_section(&tb, ".BTF", &n);
	o.target_btf_size = n;
	T_ASSERT(o.target_btf);
	if (kbpf_elf_parse(kbpf_posix_host(), lb.data, lb.size, &o, &obj))
		T_FAIL("parse: %s", errbuf);
	p = kbpf_elf_find_prog(obj, "core_read");
	T_ASSERT(p);
	T_EQ(p->unsupported, 0);
	T_ASSERT(p->nr_core_relos >= 16);
	T_EQ(obj->nr_core_applied, p->nr_core_relos);
	if (load(obj))
		T_FAIL("load: %s", errbuf);

	memset(&args, 0, sizeof(args));
	args.t.a = -1234;
	args.t.b = 0x1122334455667788ll;
	memcpy(args.t.name, "abcdefg", 8);
	args.t.pad_bits = 0x55;
	args.t.flags = 5;
	args.t.sflags = -3;
	args.t.inner.x = 77;
	args.t.inner.y = 88;
	args.t.new_field = 4242;
	fd = install(&p->prog->obj);
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.ctx_in = (uint64_t)(uintptr_t)&args;
	a.test.ctx_size_in = sizeof(args);
	T_EQ(oracle_kbpf_bpf(BPF_PROG_TEST_RUN, &a, sizeof(a)), 0);
	T_EQ(a.test.retval, 0);
	{
		const long long want[16] = {
			-1234,
			0x1122334455667788ll,
			'd',
			5,
			-3,
			77,
			88,
			0 /* no missing_field on the host */,
			-1 /* and its guarded read did not run */,
			1,
			4242,
			(long long)sizeof(struct thing),
			BLUE,
			0 /* no PURPLE */,
			0 /* no struct missing_type */,
			8,
		};

		for (i = 0; i < 16; i++)
			if (args.out[i] != want[i])
				T_FAIL("out[%d] = %lld, want %lld", i,
				       args.out[i], want[i]);
	}
	/* The guarded read is a poisoned call that the run never reached. */
	{
		uint32_t k, poisoned = 0;

		for (k = 0; k < p->insn_cnt; k++)
			poisoned += p->insns[k].code == (BPF_JMP | BPF_CALL) &&
				    p->insns[k].imm == KBPF_CORE_POISON_HELPER;
		T_EQ(poisoned, 1);
	}
	kbpf_elf_free(obj);
	kbpf_posix_reset();
	free(lb.data);
	free(tb.data);
}

KBPF_TEST(
	core_target_btf_checked,
	"malformed host BTF gives -EINVAL; without it the CO-RE program is refused as before")
{
	static uint8_t junk[64];
	struct kbpf_elf_opts o = { .errbuf = errbuf,
				   .errbuf_size = sizeof(errbuf) };
	struct blob lb, tb;
	struct kbpf_elf *obj;
	const uint8_t *btf;
	size_t n, cut;

	NEED_OBJECT("core_local.bpf.o", &lb);
	NEED_OBJECT("core_target.bpf.o", &tb);
	btf = elf_section(&tb, ".BTF", &n);
	T_ASSERT(btf);
	o.target_btf = junk;
	o.target_btf_size = sizeof(junk);
	T_EQ(kbpf_elf_parse(kbpf_posix_host(), lb.data, lb.size, &o, &obj),
	     -KBPF_EINVAL);
	/* Every truncation of the real BTF is refused or parses: no crash. */
	for (cut = 0; cut < n; cut += 7) {
		o.target_btf = btf;
		o.target_btf_size = cut;
		if (!kbpf_elf_parse(kbpf_posix_host(), lb.data, lb.size, &o,
				    &obj))
			kbpf_elf_free(obj);
	}
	o.target_btf = NULL;
	T_EQ(kbpf_elf_parse(kbpf_posix_host(), lb.data, lb.size, &o, &obj), 0);
	T_EQ(kbpf_elf_find_prog(obj, "core_read")->unsupported,
	     KBPF_ELF_UNSUP_CORE);
	kbpf_elf_free(obj);
	T_EQ(live_allocs(), 0);
	free(lb.data);
	free(tb.data);
}

KBPF_TEST(
	tp_btf_from_object,
	"a tp_btf section finds its tracepoint's typedef in the host BTF, loads, and runs on that raw tracepoint; fentry and unknown tracepoints are refused with the reason")
{
	static struct kbpf_raw_tp tp = { .name = "kbpf_test", .nargs = 2 };
	struct kbpf_elf_opts o = { .obj_name = "tpbtf",
				   .errbuf = errbuf,
				   .errbuf_size = sizeof(errbuf) };
	uint64_t args[2] = { 7, 0x55 };
	struct blob lb, tb;
	struct kbpf_elf *obj;
	struct kbpf_elf_prog *p;
	struct kbpf_elf_map *bss;
	union bpf_attr a;
	uint64_t v[2] = { 0, 0 };
	uint32_t key = 0;
	size_t n;
	int fd, lfd, mfd;

	NEED_OBJECT("tpbtf.bpf.o", &lb);
	NEED_OBJECT("core_target.bpf.o", &tb);
	o.target_btf = elf_section(&tb, ".BTF", &n);
	o.target_btf_size = n;
	T_ASSERT(o.target_btf);
	if (kbpf_elf_parse(kbpf_posix_host(), lb.data, lb.size, &o, &obj))
		T_FAIL("parse: %s", errbuf);
	p = kbpf_elf_find_prog(obj, "on_ret");
	T_EQ(p->unsupported, KBPF_ELF_UNSUP_ATTACH);
	T_ASSERT(strstr(p->why, "trampolines"));
	p = kbpf_elf_find_prog(obj, "on_fn");
	T_EQ(p->unsupported, 0);
	T_ASSERT(p->attach_btf_id > 0);
	p = kbpf_elf_find_prog(obj, "on_missing");
	T_EQ(p->unsupported, KBPF_ELF_UNSUP_ATTACH);
	T_ASSERT(strstr(p->why, "btf_trace_no_such_tracepoint"));
	p = kbpf_elf_find_prog(obj, "on_test");
	T_EQ(p->unsupported, 0);
	T_ASSERT(p->attach_btf_id > 0);
	kbpf_posix_set_btf(o.target_btf, o.target_btf_size);
	bss = kbpf_elf_find_map(obj, ".bss");
	T_ASSERT(bss);
	T_EQ(kbpf_elf_create_map(obj, bss, &o), 0);
	if (kbpf_elf_load_prog(obj, p, &o))
		T_FAIL("load: %s", errbuf);
	T_EQ(kbpf_raw_tp_register(kbpf_posix_host(), &tp), 0);
	fd = install(&p->prog->obj);
	memset(&a, 0, sizeof(a));
	a.raw_tracepoint.prog_fd = (uint32_t)fd;
	lfd = oracle_kbpf_bpf(BPF_RAW_TRACEPOINT_OPEN, &a, sizeof(a));
	T_ASSERT(lfd >= 0);
	T_EQ(kbpf_raw_tp_fire(&tp, args), 0);
	/* fentry/kbpf_fn: the host's hook point at that function's entry. */
	{
		static struct kbpf_raw_tp entry = { .name = "fentry/kbpf_fn",
						    .nargs = 1 };
		uint64_t arg[1] = { 123 };
		struct kbpf_elf_prog *fp = kbpf_elf_find_prog(obj, "on_fn");
		int ffd, flfd;

		if (kbpf_elf_load_prog(obj, fp, &o))
			T_FAIL("load fentry: %s", errbuf);
		T_EQ(kbpf_raw_tp_register(kbpf_posix_host(), &entry), 0);
		ffd = install(&fp->prog->obj);
		memset(&a, 0, sizeof(a));
		a.raw_tracepoint.prog_fd = (uint32_t)ffd;
		flfd = oracle_kbpf_bpf(BPF_RAW_TRACEPOINT_OPEN, &a, sizeof(a));
		T_ASSERT(flfd >= 0);
		T_EQ(kbpf_raw_tp_fire(&entry, arg), 0);
		oracle_kbpf_close(flfd);
		kbpf_posix_rcu_barrier();
		T_EQ(kbpf_raw_tp_unregister(&entry), 0);
	}
	mfd = install(&bss->map->obj);
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)mfd;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)v;
	T_EQ(oracle_kbpf_bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)), 0);
	T_EQ(v[0], 0x55);
	T_EQ(v[1], 123);
	oracle_kbpf_close(lfd);
	kbpf_posix_set_btf(NULL, 0);
	kbpf_elf_free(obj);
	kbpf_posix_reset();
	kbpf_posix_rcu_barrier();
	T_EQ(kbpf_raw_tp_unregister(&tp), 0);
	free(lb.data);
	free(tb.data);
}

KBPF_TEST(
	kconfig_externs,
	".kconfig externs get the host's values in libbpf's layout: bool, tristate, char, int, string, weak missing or unfit as zero, strong missing refused")
{
	static const char kconfig[] = "# a comment\n"
				      "LINUX_KERNEL_VERSION=394752\n"
				      "CONFIG_BPF=y\n"
				      "CONFIG_MOD=m\n"
				      "CONFIG_CH=n\n"
				      "CONFIG_NUM=-5\n"
				      "CONFIG_STR=\"hello\"\n"
				      "CONFIG_BIG=0x10000\n"
				      "# CONFIG_MISSING is not set\n";
	struct kbpf_elf_opts o = { .obj_name = "kconfig",
				   .errbuf = errbuf,
				   .errbuf_size = sizeof(errbuf),
				   .kconfig = kconfig };
	const long want[8] = { 394752, 1, 2, 'n', -5, 'e', 0, 0 };
	struct kbpf_elf *obj;
	struct kbpf_elf_prog *p;
	struct kbpf_elf_map *bss, *kc;
	long out[8];
	union bpf_attr a;
	uint32_t key = 0;
	struct blob b;
	int fd, mfd, i;

	NEED_OBJECT("kconfig.bpf.o", &b);
	if (kbpf_elf_parse(kbpf_posix_host(), b.data, b.size, &o, &obj))
		T_FAIL("parse: %s", errbuf);
	p = kbpf_elf_find_prog(obj, "strong");
	T_EQ(p->unsupported, KBPF_ELF_UNSUP_EXTERN);
	T_ASSERT(strstr(p->why, "CONFIG_STRONG_MISSING") &&
		 strstr(p->why, "no value"));
	kc = kbpf_elf_find_map(obj, ".kconfig");
	T_ASSERT(kc && kc->kind == KBPF_ELF_MAP_KCONFIG);
	T_EQ(kc->map_flags & BPF_F_RDONLY_PROG, BPF_F_RDONLY_PROG);
	p = kbpf_elf_find_prog(obj, "read_all");
	T_EQ(p->unsupported, 0);
	for (i = 0; i < (int)obj->nr_maps; i++)
		T_EQ(kbpf_elf_create_map(obj, &obj->maps[i], &o), 0);
	if (kbpf_elf_load_prog(obj, p, &o))
		T_FAIL("load: %s", errbuf);
	fd = install(&p->prog->obj);
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	T_EQ(oracle_kbpf_bpf(BPF_PROG_TEST_RUN, &a, sizeof(a)), 0);
	bss = kbpf_elf_find_map(obj, ".bss");
	mfd = install(&bss->map->obj);
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)mfd;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)out;
	T_EQ(oracle_kbpf_bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)), 0);
	for (i = 0; i < 8; i++)
		if (out[i] != want[i])
			T_FAIL("out[%d] = %ld, want %ld", i, out[i], want[i]);
	/* The map is frozen: user space cannot change the values. */
	mfd = install(&kc->map->obj);
	memset(out, 0, sizeof(out));
	a.map_fd = (uint32_t)mfd;
	T_EQ(oracle_kbpf_bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a)), -EPERM);
	kbpf_elf_free(obj);
	kbpf_posix_reset();
	free(b.data);
	T_EQ(live_allocs(), 0);
}

/* /sys/kernel/btf/vmlinux, or NULL. */
static uint8_t *read_vmlinux_btf(size_t *size)
{
	struct blob b = { 0 };
	FILE *f = fopen("/sys/kernel/btf/vmlinux", "rb");
	size_t cap = 1 << 22, n;

	if (!f)
		return NULL;
	b.data = malloc(cap);
	while (b.data && (n = fread(b.data + b.size, 1, cap - b.size, f)) > 0) {
		b.size += n;
		if (b.size == cap)
			b.data = realloc(b.data, cap *= 2);
	}
	fclose(f);
	*size = b.size;
	return b.data;
}

KBPF_TEST(
	core_vs_libbpf,
	"CO-RE against this kernel's BTF: kbpf's relocated instructions equal libbpf's (fields, a nested read, existence, offset, size, enum value)")
{
	struct kbpf_elf_opts o = { .obj_name = "core_kernel",
				   .errbuf = errbuf,
				   .errbuf_size = sizeof(errbuf) };
	struct kside *k = NULL;
	const struct bpf_insn *want;
	struct kbpf_elf_prog *p;
	struct kbpf_elf *obj;
	const char *why;
	char kwhy[256];
	struct blob b;
	uint8_t *btf;
	size_t n;
	long cnt;
	uint32_t i;

	if (!kside_available(&why))
		T_SKIP("%s", why);
	if (!oracle_available(&why))
		T_SKIP("kernel oracle: %s", why);
	NEED_OBJECT("core_kernel.bpf.o", &b);
	btf = read_vmlinux_btf(&n);
	if (!btf)
		T_SKIP("no /sys/kernel/btf/vmlinux");
	if (kside_open(LOADER_OBJ_DIR "/core_kernel.bpf.o", &k, kwhy,
		       sizeof(kwhy)))
		T_SKIP("%s", kwhy);
	cnt = kside_prog_insns(k, "on_switch", (const void **)&want);
	T_ASSERT(cnt > 0);
	o.target_btf = btf;
	o.target_btf_size = n;
	if (kbpf_elf_parse(kbpf_posix_host(), b.data, b.size, &o, &obj))
		T_FAIL("parse: %s", errbuf);
	p = kbpf_elf_find_prog(obj, "on_switch");
	T_ASSERT(p && !p->unsupported);
	T_ASSERT(p->nr_core_relos >= 8);
	T_EQ(p->insn_cnt, (uint32_t)cnt);
	for (i = 0; i < p->insn_cnt; i++) {
		const struct bpf_insn *a = &want[i], *c = &p->insns[i];

		/* Map references: an fd in libbpf's, an index in kbpf's. */
		if (a->code == (BPF_LD | BPF_IMM | BPF_DW) && a->src_reg) {
			T_EQ(a[1].imm, c[1].imm);
			i++;
			continue;
		}
		if (memcmp(a, c, sizeof(*a)))
			T_FAIL("insn %u: libbpf %02x %x %x %d %d, kbpf %02x %x %x %d %d",
			       i, a->code, a->dst_reg, a->src_reg, a->off,
			       a->imm, c->code, c->dst_reg, c->src_reg, c->off,
			       c->imm);
	}
	printf("  %u instructions, %u CO-RE relocations, equal to libbpf's\n",
	       p->insn_cnt, p->nr_core_relos);
	kbpf_elf_free(obj);
	kside_close(k);
	free(btf);
	free(b.data);
}

/* Run syscall program @fd once with an int context @arg; its retval or -errno. */
static long run_syscall(long (*bpf)(int, void *, unsigned int), int fd, int arg)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.ctx_in = (uint64_t)(uintptr_t)&arg;
	a.test.ctx_size_in = sizeof(arg);
	r = bpf(BPF_PROG_TEST_RUN, &a, sizeof(a));
	return r < 0 ? r : (long)a.test.retval;
}

static long kbpf_bpf3(int cmd, void *a, unsigned int n)
{
	return oracle_kbpf_bpf(cmd, a, n);
}

static long kernel_bpf3(int cmd, void *a, unsigned int n)
{
	return oracle_kernel_bpf(cmd, a, n);
}

KBPF_TEST(
	ksyms_vs_libbpf,
	"kfunc externs (__ksym) against this kernel's BTF: kbpf's kfunc calls equal libbpf's (a weak absent one too), and both objects load and run to the same results (rcu lock/unlock, task_from_pid/release)")
{
	struct kbpf_elf_opts o = { .obj_name = "ksyms",
				   .errbuf = errbuf,
				   .errbuf_size = sizeof(errbuf) };
	static const char *const progs[] = { "rcu_and_task", "weak_absent" };
	struct kside *k = NULL;
	struct kbpf_elf *obj;
	const char *why;
	char kwhy[256];
	struct blob b;
	uint8_t *btf;
	unsigned calls = 0;
	size_t n;

	if (!kside_available(&why))
		T_SKIP("%s", why);
	if (!oracle_available(&why))
		T_SKIP("kernel oracle: %s", why);
	NEED_OBJECT("ksyms.bpf.o", &b);
	btf = read_vmlinux_btf(&n);
	if (!btf)
		T_SKIP("no /sys/kernel/btf/vmlinux");
	if (kside_open(LOADER_OBJ_DIR "/ksyms.bpf.o", &k, kwhy, sizeof(kwhy)))
		T_FAIL("libbpf: %s", kwhy);
	o.target_btf = btf;
	o.target_btf_size = n;
	if (kbpf_elf_parse(kbpf_posix_host(), b.data, b.size, &o, &obj))
		T_FAIL("parse: %s", errbuf);
	for (size_t i = 0; i < 2; i++) {
		struct kbpf_elf_prog *p = kbpf_elf_find_prog(obj, progs[i]);
		const struct bpf_insn *want;
		long cnt = kside_prog_insns(k, progs[i], (const void **)&want);

		T_ASSERT(p && !p->unsupported);
		T_EQ(p->insn_cnt, (uint32_t)cnt);
		for (uint32_t j = 0; j < p->insn_cnt; j++) {
			if (want[j].code != (BPF_JMP | BPF_CALL) ||
			    want[j].src_reg != BPF_PSEUDO_KFUNC_CALL)
				continue;
			T_EQ(memcmp(&want[j], &p->insns[j], sizeof(want[j])),
			     0);
			calls++;
		}
	}
	T_EQ(calls, 5);
	kbpf_posix_set_btf(btf, n);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	if (load(obj)) {
		kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
		kbpf_posix_set_btf(NULL, 0);
		T_FAIL("load: %s", errbuf);
	}
	for (size_t i = 0; i < 2; i++) {
		int fd = install(&kbpf_elf_find_prog(obj, progs[i])->prog->obj);
		int kfd = kside_prog_fd(k, progs[i]);

		for (int arg = -1; arg <= (int)getpid();
		     arg += (int)getpid() + 1) {
			long kr = run_syscall(kernel_bpf3, kfd, arg);
			long r = run_syscall(kbpf_bpf3, fd, arg);

			printf("  %s(%d): kernel %ld, kbpf %ld\n", progs[i],
			       arg, kr, r);
			T_EQ(r, kr);
		}
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	kbpf_posix_set_btf(NULL, 0);
	kbpf_elf_free(obj);
	kside_close(k);
	kbpf_posix_reset();
	free(btf);
	free(b.data);
}
