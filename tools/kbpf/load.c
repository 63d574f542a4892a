// SPDX-License-Identifier: MIT
/*
 * kbpf load OBJ...: load every map and every program of each object on
 * kbpf, run nothing, and say for each whether it loaded or why not. A
 * refused program does not stop the others (libbpf's bpf_object__load()
 * stops at the first), so one run tells everything kbpf lacks for an
 * object. Each refusal carries a class, for scripts that count them
 * (scripts/corpus-check.sh).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf/map.h"
#include "kbpf/prog.h"
#include "kbpf_posix.h"
#include "kbpf_tool.h"

#define LOAD_LOG_SIZE (1u << 20)

static void load_help(FILE *f)
{
	fprintf(f,
		"usage: kbpf load OBJ... [--json] [--log] [--type TYPE] [--max-entries N]\n"
		"\n"
		"Load each OBJ on kbpf as libbpf would (maps created, global data\n"
		"written, .rodata frozen, prog array slots filled, every program\n"
		"relocated and checked), without running anything, and report every\n"
		"map and program: created/loaded, or refused with the reason. Unlike\n"
		"libbpf, a refused program or map does not stop the others.\n"
		"\n"
		"Each refusal has a class:\n"
		"  parse        the object itself is refused (malformed, or uses what\n"
		"               the parser refuses: static programs, iproute2 maps)\n"
		"  core         CO-RE relocations without a host BTF, or one that fails\n"
		"  kfunc        calls an extern function (kfunc)\n"
		"  extern       reads an extern variable (.kconfig, .ksyms)\n"
		"  attach       a BTF attach target kbpf cannot serve (fentry/fexit,\n"
		"               or a tp_btf tracepoint missing from the host BTF)\n"
		"  section      the section name names no program type\n"
		"  prog-type    a program type kbpf does not load\n"
		"  map-type     a map type kbpf does not implement\n"
		"  map-create   BPF_MAP_CREATE refused the map's attributes\n"
		"  map-in-map   ARRAY_OF_MAPS/HASH_OF_MAPS without an inner map\n"
		"               definition (BTF __array(values, struct inner))\n"
		"  map-missing  the program uses a map that was not created\n"
		"  helper       calls a helper kbpf does not implement\n"
		"  check        kbpf's structural check refused the program (the\n"
		"               message is the log's last line)\n"
		"  byte-order   the object's byte order is not the host's\n"
		"\n"
		"  --json    one JSON object per OBJ, one per line\n"
		"  --log     print the whole verifier log of a refused program\n"
		"  --max-entries N  give maps the object leaves at max_entries 0 (for\n"
		"            its loader to size) N entries, as that loader would\n"
		"  --type TYPE  load programs whose section names no program type\n"
		"            as TYPE (xdp, socket_filter, ...), as a loader calling\n"
		"            libbpf's bpf_program__set_type() does\n"
		"\n"
		"Exit status: 0 if every program of every OBJ loaded, 1 if any\n"
		"object, map or program was refused, 2 for bad usage.\n");
}

struct load_counts {
	unsigned progs, loaded, maps, created;
};

static const char *load_map_class(const struct kbpf_elf_map *m)
{
	if (!kbpf_map_type_supported(m->type))
		return "map-type";
	if ((m->type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
	     m->type == BPF_MAP_TYPE_HASH_OF_MAPS) &&
	    !m->inner_type)
		return "map-in-map";
	return "map-create";
}

static const char *load_prog_class(const struct kbpf_elf *obj,
				   const struct kbpf_elf_prog *p, int err,
				   const char *msg)
{
	bool host_be = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;

	if (err == -ESRCH)
		return "section";
	if (obj->big_endian != host_be)
		return "byte-order";
	if (err == -EOPNOTSUPP && p->unsupported == KBPF_ELF_UNSUP_CORE)
		return "core";
	if (err == -EOPNOTSUPP && p->unsupported == KBPF_ELF_UNSUP_KFUNC)
		return "kfunc";
	if (err == -EOPNOTSUPP && p->unsupported == KBPF_ELF_UNSUP_EXTERN)
		return "extern";
	if (err == -EOPNOTSUPP && p->unsupported == KBPF_ELF_UNSUP_ATTACH)
		return "attach";
	if (!kbpf_prog_type_supported(p->prog_type))
		return "prog-type";
	if (err == -EBADF)
		return "map-missing";
	if (strstr(msg, "a helper kbpf does not implement") ||
	    strstr(msg, "cannot use helper"))
		return "helper";
	return "check";
}

/* "prog 'x' (section 'y'): " and "map 'x': " prefixes are said already. */
static const char *load_strip(const char *msg)
{
	const char *p = msg;

	if (!strncmp(p, "prog '", 6) || !strncmp(p, "map '", 5)) {
		const char *q = strstr(p, "': ");
		const char *r = strstr(p, "'): ");

		if (r && (!q || r < q))
			return r + 4;
		if (q)
			return q + 3;
	}
	return p;
}

static void load_json_item(bool first, const char *kind, const char *name,
			   const char *type, bool ok, const char *cls,
			   const char *why, uint32_t insns, const char *sec)
{
	printf("%s{\"name\":", first ? "" : ",");
	tool_json_str(stdout, name, strlen(name));
	if (sec) {
		printf(",\"section\":");
		tool_json_str(stdout, sec, strlen(sec));
		printf(",\"insns\":%u", insns);
	}
	printf(",\"type\":\"%s\",\"%s\":%s", type, kind, ok ? "true" : "false");
	if (!ok) {
		printf(",\"class\":\"%s\",\"reason\":", cls);
		tool_json_str(stdout, why, strlen(why));
	}
	putchar('}');
}

/* The program type named @s ("xdp"), or BPF_PROG_TYPE_UNSPEC. */
static uint32_t load_type_by_name(const char *s)
{
	uint32_t t;

	for (t = 1; t < 64; t++)
		if (!strcmp(tool_prog_type_name(t), s))
			return t;
	return BPF_PROG_TYPE_UNSPEC;
}

struct load_opts {
	bool json;
	bool show_log;
	uint32_t def_type;
	uint32_t max_entries;
};

static int load_one(const char *path, const struct load_opts *lo, char *log,
		    struct load_counts *tot)
{
	bool json = lo->json, show_log = lo->show_log;
	struct kbpf_elf_opts o = { 0 };
	struct kbpf_elf *obj = NULL;
	char err[1024];
	char(*map_why)[1024] = NULL;
	char(*prog_why)[1024] = NULL;
	int *prog_err = NULL;
	unsigned loaded = 0, created = 0;
	uint32_t i;
	int r, ret = 0;

	r = tool_parse(path, err, sizeof(err), &obj);
	if (r) {
		if (json) {
			printf("{\"file\":");
			tool_json_str(stdout, path, strlen(path));
			printf(",\"parsed\":false,\"class\":\"parse\",\"reason\":");
			tool_json_str(stdout, err, strlen(err));
			printf("}\n");
		} else {
			printf("%s: refused [parse]: %s (%s)\n", path, err,
			       tool_strerror(r));
		}
		return 1;
	}
	map_why = calloc(obj->nr_maps + 1, sizeof(*map_why));
	prog_why = calloc(obj->nr_progs + 1, sizeof(*prog_why));
	prog_err = calloc(obj->nr_progs + 1, sizeof(*prog_err));
	if (!map_why || !prog_why || !prog_err) {
		fprintf(stderr, "kbpf: out of memory\n");
		ret = 1;
		goto out;
	}
	o.errbuf = err;
	o.errbuf_size = sizeof(err);
	for (i = 0; i < obj->nr_progs && lo->def_type; i++)
		if (obj->progs[i].prog_type == BPF_PROG_TYPE_UNSPEC)
			obj->progs[i].prog_type = lo->def_type;
	for (i = 0; i < obj->nr_maps && lo->max_entries; i++)
		if (!obj->maps[i].max_entries &&
		    obj->maps[i].type != BPF_MAP_TYPE_RINGBUF)
			obj->maps[i].max_entries = lo->max_entries;
	for (i = 0; i < obj->nr_maps; i++) {
		if (kbpf_elf_create_map(obj, &obj->maps[i], &o))
			snprintf(map_why[i], sizeof(map_why[i]), "%s", err);
		else
			created++;
	}
	o.log_buf = log;
	o.log_size = LOAD_LOG_SIZE;
	o.log_level = 1;
	for (i = 0; i < obj->nr_progs; i++) {
		struct kbpf_elf_prog *p = &obj->progs[i];

		log[0] = 0;
		prog_err[i] = kbpf_elf_load_prog(obj, p, &o);
		if (!prog_err[i] || p->prog) {
			loaded++;
			if (prog_err[i]) /* loaded, but a slot failed */
				snprintf(prog_why[i], sizeof(prog_why[i]), "%s",
					 err);
			continue;
		}
		snprintf(prog_why[i], sizeof(prog_why[i]), "%s", err);
		if (show_log && log[0] && !json)
			printf("%s: prog '%s': verifier log:\n%s\n", path,
			       p->name, log);
	}
	if (json) {
		printf("{\"file\":");
		tool_json_str(stdout, path, strlen(path));
		printf(",\"parsed\":true,\"maps\":[");
		for (i = 0; i < obj->nr_maps; i++) {
			const struct kbpf_elf_map *m = &obj->maps[i];

			load_json_item(!i, "created", m->name,
				       tool_map_type_name(m->type), m->map,
				       load_map_class(m),
				       load_strip(map_why[i]), 0, NULL);
		}
		printf("],\"programs\":[");
		for (i = 0; i < obj->nr_progs; i++) {
			const struct kbpf_elf_prog *p = &obj->progs[i];

			load_json_item(!i, "loaded", p->name,
				       tool_prog_type_name(p->prog_type),
				       p->prog,
				       load_prog_class(obj, p, prog_err[i],
						       prog_why[i]),
				       load_strip(prog_why[i]), p->insn_cnt,
				       p->sec_name);
		}
		printf("]}\n");
	} else {
		printf("%s: programs %u loaded of %u, maps %u created of %u\n",
		       path, loaded, obj->nr_progs, created, obj->nr_maps);
		for (i = 0; i < obj->nr_maps; i++) {
			const struct kbpf_elf_map *m = &obj->maps[i];

			printf("  map  %-24s %-16s ", m->name,
			       tool_map_type_name(m->type));
			if (m->map)
				printf("created\n");
			else
				printf("refused [%s]: %s\n", load_map_class(m),
				       load_strip(map_why[i]));
		}
		for (i = 0; i < obj->nr_progs; i++) {
			const struct kbpf_elf_prog *p = &obj->progs[i];

			printf("  prog %-24s %-16s ", p->name,
			       tool_prog_type_name(p->prog_type));
			if (p->prog)
				printf("loaded (%u insns)%s%s\n", p->insn_cnt,
				       prog_why[i][0] ? "; " : "", prog_why[i]);
			else
				printf("refused [%s]: %s\n",
				       load_prog_class(obj, p, prog_err[i],
						       prog_why[i]),
				       load_strip(prog_why[i]));
		}
	}
	if (loaded != obj->nr_progs || created != obj->nr_maps)
		ret = 1;
	tot->progs += obj->nr_progs;
	tot->loaded += loaded;
	tot->maps += obj->nr_maps;
	tot->created += created;
out:
	free(map_why);
	free(prog_why);
	free(prog_err);
	kbpf_elf_free(obj);
	return ret;
}

int kbpf_cmd_load(int argc, char **argv)
{
	struct load_counts tot = { 0 };
	struct load_opts lo = { 0 };
	int i, nfiles = 0, ret = 0;
	char *log;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			load_help(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			lo.json = true;
		} else if (!strcmp(argv[i], "--log")) {
			lo.show_log = true;
		} else if (!strcmp(argv[i], "--max-entries") && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 0);

			if (!*argv[i] || *end || !v || v > 0xffffffffUL) {
				fprintf(stderr,
					"kbpf load: bad --max-entries '%s'\n",
					argv[i]);
				return 2;
			}
			lo.max_entries = (uint32_t)v;
			argv[i] = "-"; /* not a file */
		} else if (!strcmp(argv[i], "--type") && i + 1 < argc) {
			lo.def_type = load_type_by_name(argv[++i]);
			if (!lo.def_type) {
				fprintf(stderr,
					"kbpf load: unknown program type '%s'\n",
					argv[i]);
				return 2;
			}
			argv[i] = "-"; /* not a file */
		} else if (argv[i][0] == '-') {
			fprintf(stderr,
				"kbpf load: unexpected argument '%s'\n\n",
				argv[i]);
			load_help(stderr);
			return 2;
		} else {
			nfiles++;
		}
	}
	if (!nfiles) {
		load_help(stderr);
		return 2;
	}
	log = malloc(LOAD_LOG_SIZE);
	if (!log) {
		fprintf(stderr, "kbpf: out of memory\n");
		return 1;
	}
	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		ret |= load_one(argv[i], &lo, log, &tot);
		/* Objects are independent: drop every fd and map between. */
		kbpf_posix_reset();
	}
	if (nfiles > 1 && !lo.json)
		printf("total: %d objects, programs %u loaded of %u, maps %u created of %u\n",
		       nfiles, tot.loaded, tot.progs, tot.created, tot.maps);
	free(log);
	return ret;
}
