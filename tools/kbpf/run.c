// SPDX-License-Identifier: MIT
/*
 * kbpf run OBJ: load an object on kbpf, run one program with
 * BPF_PROG_TEST_RUN semantics, then print what it did: the return value
 * (with its XDP action or tc verdict), the packet after the run for packet
 * programs, the bpf_printk output, ring buffer and perf event array
 * records, and the maps that are not empty.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "kbpf/config.h"
#include "kbpf/interp.h"
#include "kbpf/map.h"
#include "kbpf/perf.h"
#include "kbpf/prog.h"
#include "kbpf/ringbuf.h"
#include "kbpf/uapi/perf_event.h"
#include "kbpf_posix.h"
#include "kbpf_tool.h"

#define RUN_MAX_ARGS 12
#define RUN_MAX_UPDATES 16
#define RUN_ETH_HLEN 14u /* the smallest packet BPF_PROG_TEST_RUN takes */
#define RUN_OUT_GROWTH (XDP_PACKET_HEADROOM + 4096u)
#define RUN_PERF_PAGES 8 /* data pages per perf ring */
#define RUN_MAX_CPUS 256

static void run_help(FILE *f)
{
	fprintf(f,
		"usage: kbpf run OBJ [options]\n"
		"\n"
		"Load OBJ on kbpf as libbpf would (maps created, global data written,\n"
		".rodata frozen, the program relocated and checked), run one program\n"
		"once (or --repeat times) with BPF_PROG_TEST_RUN semantics, and print:\n"
		"the return value, the bpf_printk output, records from ring buffers and\n"
		"perf event arrays, and every map that is not empty afterwards.\n"
		"\n"
		"Packet programs (xdp, tc, socket filters) run on the packet given by\n"
		"--data or --data-hex, as BPF_PROG_TEST_RUN's data_in: the return value\n"
		"is shown with its name (XDP_PASS, XDP_DROP, XDP_TX, XDP_REDIRECT,\n"
		"XDP_ABORTED; TC_ACT_OK, TC_ACT_SHOT, ...), then the packet after the\n"
		"run (data_out, data_size_out bytes: what the program left, with XDP\n"
		"metadata and head/tail moves) as a hex dump.\n"
		"\n"
		"options:\n"
		"  --prog NAME    the program to run (default: the first syscall or\n"
		"                 raw tracepoint program, else the first one)\n"
		"  --ctx FILE     the context bytes (ctx_in): a syscall program's\n"
		"                 argument struct, or a raw tracepoint's u64 arguments\n"
		"  --arg N        append the u64 N to the context (raw tracepoint\n"
		"                 arguments; a syscall program's struct of u64s);\n"
		"                 decimal or 0x hex; up to 12\n"
		"  --data FILE    the packet (data_in) for packet programs: a whole\n"
		"                 Ethernet frame, at least 14 bytes\n"
		"  --data-hex HEX the packet in hex (\"02 00 00 ...\", \"020000...\";\n"
		"                 spaces or colons between bytes)\n"
		"  --out FILE     write the packet after the run (data_out) to FILE\n"
		"  --update MAP KEY VALUE\n"
		"                 before the run, set MAP[KEY] = VALUE (a packet\n"
		"                 filter's rules...): numbers (decimal or 0x hex,\n"
		"                 host byte order) for 1, 2, 4 and 8-byte keys and\n"
		"                 values, else hex:BYTES; every CPU's slot of a\n"
		"                 per-CPU map; up to 16\n"
		"  --repeat N     run N times (the state carries over); prints the\n"
		"                 last return value and the time per run\n"
		"  --cpu N        run on virtual CPU N (BPF_F_TEST_RUN_ON_CPU; packet\n"
		"                 programs run on the calling CPU, which N sets)\n"
		"  --checked      the checked interpreter: every access is bounds\n"
		"                 checked and a bad one stops the run with EFAULT\n"
		"                 (the default: kbpf has no verifier)\n"
		"  --fast         the fast interpreter, for programs a verifier has\n"
		"                 accepted (a bad access is undefined behaviour);\n"
		"                 packet programs always run checked\n"
		"  --json         one JSON object instead of text\n"
		"\n"
		"Exit status: 0 if the program ran, 1 if loading or running failed\n"
		"(the message names the file, the program or map, and the reason,\n"
		"with the verifier-log line for a refused program), 2 for bad usage.\n");
}

struct run_update {
	const char *map, *key, *value;
};

struct run_opts {
	const char *path;
	const char *prog;
	const char *ctx_file;
	const char *data_file;
	const char *data_hex;
	const char *out_file;
	struct run_update updates[RUN_MAX_UPDATES];
	int nr_updates;
	uint64_t args[RUN_MAX_ARGS];
	int nr_args;
	unsigned long repeat;
	long cpu;
	bool fast;
	bool json;
};

struct perf_ring {
	int fd;
	int cpu;
	void *base;
	size_t len;
};

struct run_state {
	struct run_opts o;
	struct kbpf_elf *obj;
	struct kbpf_elf_prog *prog;
	int prog_fd;
	int *map_fds;
	struct perf_ring *rings;
	int nr_rings;
	uint8_t *ctx;
	size_t ctx_size;
	uint8_t *data;
	size_t data_size;
	uint8_t *data_out; /* packet programs: the packet after the run */
	uint32_t data_out_cap;
	uint32_t data_size_out;
	bool data_truncated;
	bool first_json_item;
};

static int run_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || !*s || *end ? -1 : 0;
}

static int run_args(int argc, char **argv, struct run_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->repeat = 1;
	o->cpu = -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		uint64_t v;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			run_help(stdout);
			exit(0);
		}
		if (!strcmp(a, "--checked")) {
			o->fast = false;
			continue;
		}
		if (!strcmp(a, "--fast")) {
			o->fast = true;
			continue;
		}
		if (!strcmp(a, "--json")) {
			o->json = true;
			continue;
		}
		if (a[0] != '-') {
			if (o->path) {
				fprintf(stderr,
					"kbpf run: more than one object ('%s')\n",
					a);
				return -1;
			}
			o->path = a;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "kbpf run: %s needs a value\n", a);
			return -1;
		}
		if (!strcmp(a, "--prog")) {
			o->prog = argv[++i];
		} else if (!strcmp(a, "--ctx")) {
			o->ctx_file = argv[++i];
		} else if (!strcmp(a, "--data")) {
			o->data_file = argv[++i];
		} else if (!strcmp(a, "--data-hex")) {
			o->data_hex = argv[++i];
		} else if (!strcmp(a, "--out")) {
			o->out_file = argv[++i];
		} else if (!strcmp(a, "--update")) {
			struct run_update *u = &o->updates[o->nr_updates];

			if (o->nr_updates == RUN_MAX_UPDATES || i + 3 >= argc) {
				fprintf(stderr,
					"kbpf run: --update MAP KEY VALUE, at most %d of them\n",
					RUN_MAX_UPDATES);
				return -1;
			}
			u->map = argv[++i];
			u->key = argv[++i];
			u->value = argv[++i];
			o->nr_updates++;
		} else if (!strcmp(a, "--arg")) {
			if (o->nr_args == RUN_MAX_ARGS ||
			    run_parse_u64(argv[++i], &v)) {
				fprintf(stderr,
					"kbpf run: --arg '%s': a number, at most %d of them\n",
					argv[i], RUN_MAX_ARGS);
				return -1;
			}
			o->args[o->nr_args++] = v;
		} else if (!strcmp(a, "--repeat")) {
			if (run_parse_u64(argv[++i], &v) || !v ||
			    v > 100000000) {
				fprintf(stderr,
					"kbpf run: --repeat '%s': 1..100000000\n",
					argv[i]);
				return -1;
			}
			o->repeat = (unsigned long)v;
		} else if (!strcmp(a, "--cpu")) {
			if (run_parse_u64(argv[++i], &v) ||
			    v >= kbpf_posix_possible_cpus()) {
				fprintf(stderr, "kbpf run: --cpu '%s': 0..%u\n",
					argv[i],
					kbpf_posix_possible_cpus() - 1);
				return -1;
			}
			o->cpu = (long)v;
		} else {
			fprintf(stderr, "kbpf run: unknown option '%s'\n", a);
			return -1;
		}
	}
	if (!o->path) {
		fprintf(stderr, "kbpf run: no object file\n");
		return -1;
	}
	if (o->ctx_file && o->nr_args) {
		fprintf(stderr,
			"kbpf run: --ctx and --arg exclude each other\n");
		return -1;
	}
	if (o->data_file && o->data_hex) {
		fprintf(stderr,
			"kbpf run: --data and --data-hex exclude each other\n");
		return -1;
	}
	return 0;
}

static bool run_type_testable(uint32_t t)
{
	return t == BPF_PROG_TYPE_SYSCALL ||
	       t == BPF_PROG_TYPE_RAW_TRACEPOINT ||
	       t == BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE;
}

static struct kbpf_elf_prog *run_pick(struct run_state *s)
{
	struct kbpf_elf *obj = s->obj;
	uint32_t i;

	if (s->o.prog) {
		struct kbpf_elf_prog *p = kbpf_elf_find_prog(obj, s->o.prog);

		if (!p)
			fprintf(stderr, "kbpf: %s: no program named '%s'\n",
				s->o.path, s->o.prog);
		return p;
	}
	for (i = 0; i < obj->nr_progs; i++)
		if (run_type_testable(obj->progs[i].prog_type))
			return &obj->progs[i];
	if (!obj->nr_progs)
		fprintf(stderr, "kbpf: %s: the object has no programs\n",
			s->o.path);
	return obj->nr_progs ? &obj->progs[0] : NULL;
}

/* A perf ring on every CPU slot of each perf event array, as perf_buffer does. */
static int run_perf_setup(struct run_state *s)
{
	uint32_t i, ncpu = kbpf_posix_possible_cpus();
	long page = KBPF_PAGE_SIZE;

	for (i = 0; i < s->obj->nr_maps; i++) {
		const struct kbpf_elf_map *m = &s->obj->maps[i];
		uint32_t cpu;

		if (m->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
			continue;
		for (cpu = 0;
		     cpu < m->max_entries && cpu < ncpu && cpu < RUN_MAX_CPUS;
		     cpu++) {
			struct perf_event_attr pa;
			struct perf_ring *r;
			union bpf_attr a;
			int fd;

			memset(&pa, 0, sizeof(pa));
			pa.size = sizeof(pa);
			pa.type = PERF_TYPE_SOFTWARE;
			pa.config = PERF_COUNT_SW_BPF_OUTPUT;
			pa.sample_type = PERF_SAMPLE_RAW;
			pa.sample_period = 1;
			pa.wakeup_events = 1;
			fd = kbpf_posix_perf_event_open(&pa, -1, (int)cpu, -1,
							0);
			if (fd < 0) {
				fprintf(stderr,
					"kbpf: map '%s': perf_event_open on CPU %u: %s\n",
					m->name, cpu, strerror(errno));
				return -1;
			}
			r = realloc(s->rings,
				    (size_t)(s->nr_rings + 1) * sizeof(*r));
			if (!r)
				return -1;
			s->rings = r;
			r = &s->rings[s->nr_rings++];
			r->fd = fd;
			r->cpu = (int)cpu;
			r->len = (size_t)(1 + RUN_PERF_PAGES) * (size_t)page;
			r->base = kbpf_posix_mmap(NULL, r->len,
						  PROT_READ | PROT_WRITE,
						  MAP_SHARED, fd, 0);
			if (r->base == MAP_FAILED) {
				r->base = NULL;
				fprintf(stderr,
					"kbpf: map '%s': mmap of the perf ring: %s\n",
					m->name, strerror(errno));
				return -1;
			}
			memset(&a, 0, sizeof(a));
			a.map_fd = (uint32_t)s->map_fds[i];
			a.key = (uint64_t)(uintptr_t)&cpu;
			a.value = (uint64_t)(uintptr_t)&fd;
			if (kbpf_posix_bpf(BPF_MAP_UPDATE_ELEM, &a,
					   sizeof(a))) {
				fprintf(stderr,
					"kbpf: map '%s': setting CPU %u's perf event: %s\n",
					m->name, cpu, strerror(errno));
				return -1;
			}
		}
	}
	return 0;
}

static bool run_is_percpu(uint32_t t);

/* --update: MAP[KEY] = VALUE through bpf(2), before the run. */
static int run_updates(struct run_state *s)
{
	uint32_t ncpu = kbpf_posix_possible_cpus();
	int i;

	for (i = 0; i < s->o.nr_updates; i++) {
		const struct run_update *u = &s->o.updates[i];
		const struct kbpf_elf_map *m = NULL;
		size_t stride, vsize;
		uint8_t *key, *val;
		union bpf_attr a;
		uint32_t idx, c;
		int err = 0;

		for (idx = 0; idx < s->obj->nr_maps; idx++)
			if (!strcmp(s->obj->maps[idx].name, u->map)) {
				m = &s->obj->maps[idx];
				break;
			}
		if (!m) {
			fprintf(stderr,
				"kbpf: %s: --update: no map named '%s'\n",
				s->o.path, u->map);
			return -1;
		}
		stride = ((size_t)m->value_size + 7) & ~(size_t)7;
		vsize = run_is_percpu(m->type) ? stride * ncpu : m->value_size;
		key = calloc(1, m->key_size + 1);
		val = calloc(1, vsize + 1);
		if (!key || !val) {
			err = -1;
		} else if (tool_parse_value(u->key, key, m->key_size)) {
			fprintf(stderr,
				"kbpf: --update %s: key '%s' is not %u bytes (a number, or hex:BYTES)\n",
				u->map, u->key, m->key_size);
			err = -1;
		} else if (tool_parse_value(u->value, val, m->value_size)) {
			fprintf(stderr,
				"kbpf: --update %s: value '%s' is not %u bytes (a number, or hex:BYTES)\n",
				u->map, u->value, m->value_size);
			err = -1;
		}
		/* A per-CPU map takes one value per possible CPU. */
		for (c = 1; !err && vsize > m->value_size && c < ncpu; c++)
			memcpy(val + c * stride, val, m->value_size);
		if (!err) {
			memset(&a, 0, sizeof(a));
			a.map_fd = (uint32_t)s->map_fds[idx];
			a.key = (uint64_t)(uintptr_t)key;
			a.value = (uint64_t)(uintptr_t)val;
			if (kbpf_posix_bpf(BPF_MAP_UPDATE_ELEM, &a,
					   sizeof(a))) {
				fprintf(stderr, "kbpf: --update %s %s %s: %s\n",
					u->map, u->key, u->value,
					strerror(errno));
				err = -1;
			}
		}
		free(key);
		free(val);
		if (err)
			return -1;
	}
	return 0;
}

static int run_load(struct run_state *s)
{
	char err[1024];
	struct kbpf_elf_opts lo = { .errbuf = err, .errbuf_size = sizeof(err) };
	uint32_t i;
	int r;

	s->obj = tool_open(s->o.path);
	if (!s->obj)
		return -1;
	s->prog = run_pick(s);
	if (!s->prog)
		return -1;
	/*
	 * Only the program to run is loaded, and those prog array slots name
	 * (its tail calls may reach them): others may be types kbpf lacks.
	 */
	for (i = 0; i < s->obj->nr_progs; i++)
		s->obj->progs[i].autoload = &s->obj->progs[i] == s->prog;
	for (i = 0; i < s->obj->nr_maps; i++) {
		const struct kbpf_elf_map *m = &s->obj->maps[i];
		uint32_t k;

		for (k = 0; k < m->nr_init_slots; k++)
			if (m->init_slots[k] >= 0)
				s->obj->progs[m->init_slots[k]].autoload = true;
	}
	r = kbpf_elf_load(s->obj, &lo);
	if (r) {
		fprintf(stderr, "kbpf: %s: %s\n", s->o.path, err);
		return -1;
	}
	s->map_fds = calloc(s->obj->nr_maps + 1, sizeof(int));
	if (!s->map_fds)
		return -1;
	for (i = 0; i < s->obj->nr_maps; i++) {
		s->map_fds[i] = tool_install(kbpf_map_obj(s->obj->maps[i].map));
		if (s->map_fds[i] < 0) {
			fprintf(stderr, "kbpf: map '%s': no fd: %s\n",
				s->obj->maps[i].name, strerror(-s->map_fds[i]));
			return -1;
		}
	}
	s->prog_fd = tool_install(kbpf_prog_obj(s->prog->prog));
	if (s->prog_fd < 0)
		return -1;
	if (tool_is_packet_prog(s->prog->prog_type) &&
	    (!s->data || s->data_size < RUN_ETH_HLEN)) {
		fprintf(stderr,
			"kbpf: %s: prog '%s' (%s) runs on a packet: give it one of at least %u bytes (an Ethernet frame) with --data FILE or --data-hex HEX\n",
			s->o.path, s->prog->name,
			tool_prog_type_name(s->prog->prog_type), RUN_ETH_HLEN);
		return -1;
	}
	if (run_updates(s))
		return -1;
	return run_perf_setup(s);
}

static int run_inputs(struct run_state *s)
{
	if (s->o.ctx_file) {
		s->ctx = tool_read_file(s->o.ctx_file, &s->ctx_size);
		if (!s->ctx)
			return -1;
	} else if (s->o.nr_args) {
		s->ctx_size = (size_t)s->o.nr_args * sizeof(uint64_t);
		s->ctx = malloc(s->ctx_size);
		if (!s->ctx)
			return -1;
		memcpy(s->ctx, s->o.args, s->ctx_size);
	}
	if (s->o.data_file) {
		s->data = tool_read_file(s->o.data_file, &s->data_size);
		if (!s->data)
			return -1;
	} else if (s->o.data_hex) {
		s->data = tool_parse_hex(s->o.data_hex, &s->data_size);
		if (!s->data) {
			fprintf(stderr,
				"kbpf run: --data-hex: not hex bytes ('0a 1b', '0a1b')\n");
			return -1;
		}
	}
	if (s->data && s->data_size > UINT32_MAX - RUN_OUT_GROWTH) {
		fprintf(stderr, "kbpf run: the packet is too large\n");
		return -1;
	}
	/*
	 * data_out: the packet can grow by what XDP's adjust_head/adjust_meta
	 * reach into the headroom (less than XDP_PACKET_HEADROOM) and by what
	 * adjust_tail adds in the last 4096-byte page: a buffer that much
	 * larger never gets Linux's -ENOSPC.
	 */
	if (s->data) {
		s->data_out_cap = (uint32_t)s->data_size + RUN_OUT_GROWTH;
		s->data_out = malloc(s->data_out_cap);
		if (!s->data_out)
			return -1;
	}
	return 0;
}

static uint64_t run_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One run: BPF_PROG_TEST_RUN, or the fast interpreter with its semantics. */
static int run_once(struct run_state *s, uint32_t *retval)
{
	union bpf_attr a;

	if (s->o.fast && run_type_testable(s->prog->prog_type)) {
		const struct kbpf_host *h = kbpf_posix_host();
		struct kbpf_interp_args ia = {
			.ctx = s->ctx,
			.ctx_size = s->ctx_size,
			.ctx_writable = s->prog->prog_type ==
					BPF_PROG_TYPE_SYSCALL,
			.mode = KBPF_INTERP_FAST,
			.cpu = s->o.cpu >= 0 ? (uint32_t)s->o.cpu :
					       kbpf_posix_get_cpu(),
		};
		unsigned long st = h->read_lock ? h->read_lock(h) : 0;
		uint64_t r0 = 0;
		int err = kbpf_interp_run(s->prog->prog, h, &ia, &r0);

		if (h->read_unlock)
			h->read_unlock(h, st);
		*retval = (uint32_t)r0;
		return err;
	}
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)s->prog_fd;
	a.test.ctx_in = (uint64_t)(uintptr_t)s->ctx;
	a.test.ctx_size_in = (uint32_t)s->ctx_size;
	a.test.data_in = (uint64_t)(uintptr_t)s->data;
	a.test.data_size_in = (uint32_t)s->data_size;
	if (s->data_out) {
		a.test.data_out = (uint64_t)(uintptr_t)s->data_out;
		a.test.data_size_out = s->data_out_cap;
	}
	/* Packet programs refuse the flag: they run on the caller's CPU. */
	if (s->o.cpu >= 0 && s->prog->prog_type != BPF_PROG_TYPE_SYSCALL &&
	    !tool_is_packet_prog(s->prog->prog_type)) {
		a.test.flags = BPF_F_TEST_RUN_ON_CPU;
		a.test.cpu = (uint32_t)s->o.cpu;
	}
	s->data_truncated = false;
	if (kbpf_posix_bpf(BPF_PROG_TEST_RUN, &a, sizeof(a))) {
		/*
		 * As in Linux, -ENOSPC still reports the run: data_out holds
		 * its first data_size_out bytes, data_size_out the full size.
		 */
		if (errno != ENOSPC || !s->data_out ||
		    a.test.data_size_out <= s->data_out_cap)
			return -errno;
		s->data_truncated = true;
	}
	*retval = a.test.retval;
	s->data_size_out = a.test.data_size_out;
	return 0;
}

/* ---- output ---- */

static void out_section(struct run_state *s, const char *json_key,
			const char *title)
{
	if (s->o.json)
		printf(",\"%s\":[", json_key);
	else
		printf("%s\n", title);
	s->first_json_item = true;
}

static void out_section_end(struct run_state *s)
{
	if (s->o.json)
		printf("]");
}

static void out_item_sep(struct run_state *s)
{
	if (s->o.json && !s->first_json_item)
		putchar(',');
	s->first_json_item = false;
}

/* 1, 2, 4 and 8-byte values also as numbers (host byte order). */
static void out_num(const void *p, size_t n)
{
	uint64_t v = 0;

	if (n != 1 && n != 2 && n != 4 && n != 8)
		return;
	memcpy(&v, p, n); /* little-endian hosts; good enough for display */
	printf("%llu ", (unsigned long long)v);
}

static void out_bytes(struct run_state *s, const void *p, size_t n)
{
	if (s->o.json) {
		tool_hex_json(stdout, p, n);
		return;
	}
	out_num(p, n);
	putchar('(');
	tool_hex(stdout, p, n);
	putchar(')');
}

/* How much of data_out holds the packet. */
static uint32_t run_out_len(const struct run_state *s)
{
	return s->data_size_out < s->data_out_cap ? s->data_size_out :
						    s->data_out_cap;
}

/* The return value's meaning for a packet program, in words. */
static void run_print_verdict(struct run_state *s, uint32_t retval)
{
	uint32_t t = s->prog->prog_type;
	const char *name = tool_verdict_name(t, retval);

	if (s->o.json) {
		printf(",\"verdict\":");
		if (name)
			tool_json_str(stdout, name, strlen(name));
		else
			printf("null");
		return;
	}
	printf("retval: %u", retval);
	if (name)
		printf(" (%s)\n", name);
	else if (t == BPF_PROG_TYPE_XDP)
		printf(" (not an XDP action: the driver drops the packet)\n");
	else if (t == BPF_PROG_TYPE_SOCKET_FILTER && !retval)
		printf(" (drop the packet)\n");
	else if (t == BPF_PROG_TYPE_SOCKET_FILTER)
		printf(" (keep at most %u bytes)\n", retval);
	else
		printf(" (as int %d: not a tc verdict, taken as TC_ACT_UNSPEC)\n",
		       (int)retval);
}

static void run_print_packet(struct run_state *s)
{
	uint32_t n = run_out_len(s);

	if (s->o.json) {
		printf(",\"data_size_out\":%u,\"data_out\":", s->data_size_out);
		tool_hex_json(stdout, s->data_out, n);
		if (s->data_truncated)
			printf(",\"data_out_truncated\":true");
		return;
	}
	printf("packet after the run (data_out, %u bytes%s):\n",
	       s->data_size_out,
	       s->data_size_out == s->data_size ? "" : ", size changed");
	if (s->data_truncated)
		printf("  (only the first %u bytes: -ENOSPC)\n", n);
	tool_hexdump(stdout, s->data_out, n, "  ");
}

static int run_write_out(struct run_state *s)
{
	uint32_t n = run_out_len(s);
	FILE *f = fopen(s->o.out_file, "wb");

	if (!f || fwrite(s->data_out, 1, n, f) != n) {
		fprintf(stderr, "kbpf: --out %s: %s\n", s->o.out_file,
			strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (fclose(f)) {
		fprintf(stderr, "kbpf: --out %s: %s\n", s->o.out_file,
			strerror(errno));
		return -1;
	}
	return 0;
}

static void run_print_trace(struct run_state *s)
{
	char buf[65536];
	size_t n = kbpf_posix_trace_read(buf, sizeof(buf)), i, start = 0;

	if (!n)
		return;
	out_section(s, "trace", "trace output (bpf_printk):");
	for (i = 0; i < n; i++) {
		if (buf[i] != '\n')
			continue;
		out_item_sep(s);
		if (s->o.json)
			tool_json_str(stdout, buf + start, i - start);
		else
			printf("  %.*s\n", (int)(i - start), buf + start);
		start = i + 1;
	}
	out_section_end(s);
}

struct rb_print {
	struct run_state *s;
	const char *map;
	long n;
};

static int run_rb_record(void *ctx, const void *data, uint32_t size)
{
	struct rb_print *rp = ctx;
	struct run_state *s = rp->s;

	out_item_sep(s);
	if (s->o.json) {
		printf("{\"map\":");
		tool_json_str(stdout, rp->map, strlen(rp->map));
		printf(",\"data\":");
		tool_hex_json(stdout, data, size);
		printf("}");
	} else {
		printf("  %s #%ld (%u bytes): ", rp->map, rp->n, size);
		tool_hex(stdout, data, size);
		putchar('\n');
	}
	rp->n++;
	return 0;
}

static void run_print_ringbufs(struct run_state *s)
{
	bool any = false;
	uint32_t i;

	for (i = 0; i < s->obj->nr_maps; i++) {
		struct kbpf_elf_map *m = &s->obj->maps[i];
		struct rb_print rp = { s, m->name, 0 };

		if (m->type != BPF_MAP_TYPE_RINGBUF ||
		    !kbpf_ringbuf_query(m->map, BPF_RB_AVAIL_DATA))
			continue;
		if (!any)
			out_section(s, "ringbuf", "ring buffer records:");
		any = true;
		kbpf_ringbuf_consume(m->map, run_rb_record, &rp);
	}
	if (any)
		out_section_end(s);
}

struct perf_print {
	struct run_state *s;
	int cpu;
};

static int run_perf_record(void *ctx, const struct perf_event_header *hdr)
{
	struct perf_print *pp = ctx;
	struct run_state *s = pp->s;

	out_item_sep(s);
	if (hdr->type == PERF_RECORD_SAMPLE && hdr->size >= sizeof(*hdr) + 4) {
		const uint8_t *p = (const uint8_t *)(hdr + 1);
		uint32_t size;

		memcpy(&size, p, 4);
		if (size > hdr->size - sizeof(*hdr) - 4)
			size = (uint32_t)(hdr->size - sizeof(*hdr) - 4);
		if (s->o.json) {
			printf("{\"cpu\":%d,\"data\":", pp->cpu);
			tool_hex_json(stdout, p + 4, size);
			printf("}");
		} else {
			printf("  cpu %d sample (%u bytes): ", pp->cpu, size);
			tool_hex(stdout, p + 4, size);
			putchar('\n');
		}
	} else if (hdr->type == PERF_RECORD_LOST) {
		uint64_t lost[2] = { 0, 0 };

		memcpy(lost, hdr + 1, sizeof(lost));
		if (s->o.json)
			printf("{\"cpu\":%d,\"lost\":%llu}", pp->cpu,
			       (unsigned long long)lost[1]);
		else
			printf("  cpu %d: %llu records lost\n", pp->cpu,
			       (unsigned long long)lost[1]);
	} else if (s->o.json) {
		printf("{\"cpu\":%d,\"record_type\":%u}", pp->cpu, hdr->type);
	} else {
		printf("  cpu %d: record type %u\n", pp->cpu, hdr->type);
	}
	return 0;
}

static void run_print_perf(struct run_state *s)
{
	static uint8_t scratch[65536];
	bool any = false;
	int i;

	for (i = 0; i < s->nr_rings; i++) {
		struct perf_ring *r = &s->rings[i];
		struct perf_print pp = { s, r->cpu };
		struct perf_event_mmap_page *pg = r->base;

		if (!pg || pg->data_head == pg->data_tail)
			continue;
		if (!any)
			out_section(s, "perf", "perf event array records:");
		any = true;
		kbpf_perf_ring_read(pg, scratch, sizeof(scratch),
				    run_perf_record, &pp);
	}
	if (any)
		out_section_end(s);
}

static bool run_all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static bool run_is_percpu(uint32_t t)
{
	return t == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static void run_print_value(struct run_state *s, const struct kbpf_elf_map *m,
			    const uint8_t *v)
{
	uint32_t ncpu = kbpf_posix_possible_cpus(), c;
	size_t stride = ((size_t)m->value_size + 7) & ~(size_t)7;
	bool first = true;

	if (!run_is_percpu(m->type)) {
		out_bytes(s, v, m->value_size);
		return;
	}
	if (s->o.json)
		putchar('{');
	for (c = 0; c < ncpu; c++) {
		const uint8_t *pv = v + c * stride;

		if (run_all_zero(pv, m->value_size))
			continue;
		if (s->o.json)
			printf("%s\"%u\":", first ? "" : ",", c);
		else
			printf("%scpu%u ", first ? "" : ", ", c);
		first = false;
		out_bytes(s, pv, m->value_size);
	}
	if (s->o.json)
		putchar('}');
	else if (first)
		printf("zero on every CPU");
}

/* One map's entries; prints the map's header before its first entry. */
static void run_print_map(struct run_state *s, uint32_t idx, bool *any)
{
	const struct kbpf_elf_map *m = &s->obj->maps[idx];
	uint32_t ncpu = kbpf_posix_possible_cpus();
	size_t vsize =
		run_is_percpu(m->type) ?
			(((size_t)m->value_size + 7) & ~(size_t)7) * ncpu :
			m->value_size;
	uint8_t *key = calloc(1, m->key_size + 1),
		*next = calloc(1, m->key_size + 1), *val = calloc(1, vsize + 1);
	bool have_key = false, header = false, queue;
	unsigned long n = 0;
	union bpf_attr a;

	queue = m->type == BPF_MAP_TYPE_QUEUE || m->type == BPF_MAP_TYPE_STACK;
	while (key && next && val && n < 100000) {
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)s->map_fds[idx];
		if (queue) {
			/* Pop: the run is over, so reading may empty it. */
			a.value = (uint64_t)(uintptr_t)val;
			if (kbpf_posix_bpf(BPF_MAP_LOOKUP_AND_DELETE_ELEM, &a,
					   sizeof(a)))
				break;
		} else {
			a.key = have_key ? (uint64_t)(uintptr_t)key : 0;
			a.next_key = (uint64_t)(uintptr_t)next;
			if (kbpf_posix_bpf(BPF_MAP_GET_NEXT_KEY, &a, sizeof(a)))
				break;
			memcpy(key, next, m->key_size);
			have_key = true;
			memset(&a, 0, sizeof(a));
			a.map_fd = (uint32_t)s->map_fds[idx];
			a.key = (uint64_t)(uintptr_t)key;
			a.value = (uint64_t)(uintptr_t)val;
			if (kbpf_posix_bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)))
				continue;
			/* Arrays always have every key: show what was set. */
			if ((m->type == BPF_MAP_TYPE_ARRAY ||
			     m->type == BPF_MAP_TYPE_PERCPU_ARRAY) &&
			    run_all_zero(val, vsize))
				continue;
		}
		if (!header) {
			if (!*any)
				out_section(s, "maps",
					    "maps (non-empty, after the run):");
			*any = true;
			out_item_sep(s);
			if (s->o.json) {
				printf("{\"name\":");
				tool_json_str(stdout, m->name, strlen(m->name));
				printf(",\"type\":\"%s\",\"entries\":[",
				       tool_map_type_name(m->type));
			} else {
				printf("  %s (%s, key %u, value %u):\n",
				       m->name, tool_map_type_name(m->type),
				       m->key_size, m->value_size);
			}
			header = true;
		}
		if (s->o.json) {
			printf("%s{", n ? "," : "");
			if (!queue) {
				printf("\"key\":");
				out_bytes(s, key, m->key_size);
				putchar(',');
			}
			printf("\"value\":");
			run_print_value(s, m, val);
			putchar('}');
		} else {
			printf("    ");
			if (!queue) {
				printf("key ");
				out_bytes(s, key, m->key_size);
				printf(" -> ");
			} else {
				printf("#%lu: ", n);
			}
			run_print_value(s, m, val);
			putchar('\n');
		}
		n++;
	}
	if (header && s->o.json)
		printf("]}");
	free(key);
	free(next);
	free(val);
}

static void run_print_maps(struct run_state *s)
{
	bool any = false;
	uint32_t i;

	for (i = 0; i < s->obj->nr_maps; i++) {
		uint32_t t = s->obj->maps[i].type;

		/* Read-only data cannot have changed: not shown. */
		if (t == BPF_MAP_TYPE_RINGBUF ||
		    t == BPF_MAP_TYPE_PERF_EVENT_ARRAY ||
		    t == BPF_MAP_TYPE_PROG_ARRAY ||
		    s->obj->maps[i].kind == KBPF_ELF_MAP_RODATA ||
		    s->obj->maps[i].kind == KBPF_ELF_MAP_KCONFIG)
			continue;
		run_print_map(s, i, &any);
	}
	if (any)
		out_section_end(s);
}

static void run_cleanup(struct run_state *s)
{
	int i;

	for (i = 0; i < s->nr_rings; i++)
		if (s->rings[i].base)
			kbpf_posix_munmap(s->rings[i].base, s->rings[i].len);
	free(s->rings);
	free(s->map_fds);
	free(s->ctx);
	free(s->data);
	free(s->data_out);
	kbpf_elf_free(s->obj);
	kbpf_posix_reset();
}

int kbpf_cmd_run(int argc, char **argv)
{
	struct run_state s;
	uint64_t t0, t1;
	uint32_t retval = 0;
	unsigned long i;
	int err = 0;

	memset(&s, 0, sizeof(s));
	if (run_args(argc, argv, &s.o)) {
		fputc('\n', stderr);
		run_help(stderr);
		return 2;
	}
	if (s.o.cpu >= 0)
		kbpf_posix_set_cpu((unsigned int)s.o.cpu);
	if (run_inputs(&s) || run_load(&s)) {
		run_cleanup(&s);
		return 1;
	}
	t0 = run_now_ns();
	for (i = 0; i < s.o.repeat && !err; i++)
		err = run_once(&s, &retval);
	t1 = run_now_ns();
	if (err) {
		fprintf(stderr,
			"kbpf: %s: prog '%s': run %lu failed: %s (%d)\n",
			s.o.path, s.prog->name, i,
			strerror(-err == 524 ? EOPNOTSUPP : -err), err);
		run_cleanup(&s);
		return 1;
	}
	if (s.o.json) {
		printf("{\"file\":");
		tool_json_str(stdout, s.o.path, strlen(s.o.path));
		printf(",\"program\":");
		tool_json_str(stdout, s.prog->name, strlen(s.prog->name));
		printf(",\"type\":\"%s\",\"runs\":%lu,\"ns_per_run\":%llu,\"retval\":%u",
		       tool_prog_type_name(s.prog->prog_type), s.o.repeat,
		       (unsigned long long)((t1 - t0) / s.o.repeat), retval);
		if (s.ctx && s.prog->prog_type == BPF_PROG_TYPE_SYSCALL) {
			printf(",\"ctx_out\":");
			tool_hex_json(stdout, s.ctx, s.ctx_size);
		}
		if (s.data_out) {
			run_print_verdict(&s, retval);
			run_print_packet(&s);
		}
	} else {
		printf("%s: prog %s (%s, section %s)\n", s.o.path, s.prog->name,
		       tool_prog_type_name(s.prog->prog_type),
		       s.prog->sec_name);
		if (s.data_out)
			run_print_verdict(&s, retval);
		else
			printf("retval: %u (0x%x, as int %d)\n", retval, retval,
			       (int)retval);
		if (s.o.repeat > 1)
			printf("runs: %lu, %llu ns per run (%s interpreter)\n",
			       s.o.repeat,
			       (unsigned long long)((t1 - t0) / s.o.repeat),
			       s.o.fast ? "fast" : "checked");
		if (s.ctx && s.prog->prog_type == BPF_PROG_TYPE_SYSCALL) {
			printf("ctx after the run: ");
			tool_hex(stdout, s.ctx, s.ctx_size);
			putchar('\n');
		}
		if (s.data_out)
			run_print_packet(&s);
	}
	run_print_trace(&s);
	run_print_ringbufs(&s);
	run_print_perf(&s);
	run_print_maps(&s);
	if (s.o.json)
		printf("}\n");
	if (s.data_out && s.o.out_file && run_write_out(&s))
		err = -1;
	run_cleanup(&s);
	return err ? 1 : 0;
}
