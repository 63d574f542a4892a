// SPDX-License-Identifier: MIT
/* kbpf info OBJ: the programs and maps of an object, as libbpf sees them. */
#include <stdlib.h>
#include <string.h>

#include "kbpf/disasm.h"
#include "kbpf/prog.h"
#include "kbpf_posix.h"
#include "kbpf_tool.h"

static void info_help(FILE *f)
{
	fprintf(f,
		"usage: kbpf info OBJ [--json] [--disasm] [--jited]\n"
		"\n"
		"Parse OBJ (an ELF BPF object) as libbpf would and print its\n"
		"programs (name, section, type, attach target, instructions with\n"
		"the .text subprograms they call) and maps (type, key and value\n"
		"sizes, max_entries, flags, where they come from). Nothing is\n"
		"loaded. Exit status 1 if OBJ cannot be parsed, with the reason.\n"
		"\n"
		"  --json    one JSON object instead of text\n"
		"  --disasm  also list each program's instructions (after the\n"
		"            loader's relocation) in the verifier log's syntax; with\n"
		"            --json, each program gets \"code\": the instructions as\n"
		"            16 hex digits each (code, dst/src, off, imm, as bytes in\n"
		"            the host's order) and \"why\", the reason it cannot load\n"
		"  --jited   load the object into kbpf (POSIX host) and print each\n"
		"            program's native code (the JIT's, bpf_prog_info's\n"
		"            jited_prog_insns) as hex, per function with its address\n"
		"            and length; text output only\n");
}

static void info_flags(FILE *f, uint32_t flags)
{
	if (flags & BPF_F_SLEEPABLE)
		fputs(" sleepable", f);
	if (flags & BPF_F_XDP_HAS_FRAGS)
		fputs(" xdp_frags", f);
}

/* The instructions of @p, one per line; map and function references named. */
static void info_disasm(const struct kbpf_elf *obj,
			const struct kbpf_elf_prog *p)
{
	uint32_t i = 0;

	while (i < p->insn_cnt) {
		const struct bpf_insn *in = &p->insns[i];
		char text[128];
		int n = kbpf_disasm_insn(in, p->insn_cnt - i, text,
					 sizeof(text));

		printf("    %4u: %s", i, text);
		if (n == 2 &&
		    (in->src_reg == BPF_PSEUDO_MAP_IDX ||
		     in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE) &&
		    (uint32_t)in->imm < obj->nr_maps)
			printf("  ; map %s%s", obj->maps[in->imm].name,
			       in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE ?
				       " value" :
				       "");
		if (n == 2 && in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE)
			printf(" +%u", (uint32_t)in[1].imm);
		if (n == 2 && in->src_reg == BPF_PSEUDO_FUNC)
			printf("  ; function at insn %d", (int)i + in->imm + 1);
		putchar('\n');
		i += n > 0 ? (uint32_t)n : 1;
	}
}

/*
 * The native code of @fd's program (bpf_prog_info): per function, its
 * address and length and its bytes in hex, 16 a line.
 */
static void info_jited_prog(int fd)
{
	struct bpf_prog_info info;
	union bpf_attr a;
	uint8_t *code = NULL;
	uint64_t *ksyms = NULL;
	uint32_t *lens = NULL, i, off = 0;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	if (kbpf_posix_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)) ||
	    !info.jited_prog_len) {
		printf("    no native code (the interpreter runs it: KBPF_JIT=0, no backend for this architecture, or a program the JIT leaves to it)\n");
		return;
	}
	code = malloc(info.jited_prog_len);
	ksyms = calloc(info.nr_jited_ksyms + 1, sizeof(*ksyms));
	lens = calloc(info.nr_jited_func_lens + 1, sizeof(*lens));
	if (!code || !ksyms || !lens)
		goto out;
	/* Only the jited arrays this time (no room for the others). */
	{
		uint32_t len = info.jited_prog_len, nk = info.nr_jited_ksyms,
			 nl = info.nr_jited_func_lens;

		memset(&info, 0, sizeof(info));
		info.jited_prog_len = len;
		info.nr_jited_ksyms = nk;
		info.nr_jited_func_lens = nl;
	}
	info.jited_prog_insns = (uint64_t)(uintptr_t)code;
	info.jited_ksyms = (uint64_t)(uintptr_t)ksyms;
	info.jited_func_lens = (uint64_t)(uintptr_t)lens;
	if (kbpf_posix_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)) ||
	    !info.jited_prog_insns || !info.jited_ksyms) {
		printf("    native code not shown (needs CAP_PERFMON)\n");
		goto out;
	}
	printf("    native code: %u bytes, %u function%s\n",
	       info.jited_prog_len, info.nr_jited_ksyms,
	       info.nr_jited_ksyms == 1 ? "" : "s");
	for (i = 0; i < info.nr_jited_func_lens; i++) {
		printf("    function %u at 0x%llx, %u bytes:\n", i,
		       (unsigned long long)ksyms[i], lens[i]);
		if (off + lens[i] > info.jited_prog_len)
			break;
		tool_hexdump(stdout, code + off, lens[i], "      ");
		off += lens[i];
	}
out:
	free(code);
	free(ksyms);
	free(lens);
}

/* Load @obj's maps and programs and show each program's native code. */
static void info_jited(struct kbpf_elf *obj)
{
	struct kbpf_elf_opts o = { 0 };
	char err[256];
	uint32_t i;

	o.errbuf = err;
	o.errbuf_size = sizeof(err);
	for (i = 0; i < obj->nr_maps; i++)
		kbpf_elf_create_map(obj, &obj->maps[i], &o);
	printf("native code (%s):\n",
	       kbpf_posix_jit_on() ? "JIT on" : "KBPF_JIT=0");
	for (i = 0; i < obj->nr_progs; i++) {
		struct kbpf_elf_prog *p = &obj->progs[i];
		int fd;

		printf("  %s:\n", p->name);
		err[0] = 0;
		if (kbpf_elf_load_prog(obj, p, &o) && !p->prog) {
			printf("    not loaded: %s\n", err);
			continue;
		}
		fd = tool_install(kbpf_prog_obj(p->prog));
		if (fd < 0) {
			printf("    no fd: %s\n", tool_strerror(fd));
			continue;
		}
		info_jited_prog(fd);
		kbpf_posix_close(fd);
	}
}

static void info_text(const char *path, struct kbpf_elf *obj, bool disasm)
{
	uint32_t i;

	printf("%s: %s-endian BPF object, license \"%s\", version 0x%x%s\n",
	       path, obj->big_endian ? "big" : "little", obj->license,
	       obj->kern_version, obj->has_btf ? ", BTF" : "");
	if (obj->nr_core_relos && obj->nr_core_applied)
		printf("  %u CO-RE relocations, applied against the host BTF\n",
		       obj->nr_core_relos);
	else if (obj->nr_core_relos)
		printf("  %u CO-RE relocations: its programs cannot load without a host BTF (KBPF_BTF)\n",
		       obj->nr_core_relos);
	printf("programs (%u):\n", obj->nr_progs);
	for (i = 0; i < obj->nr_progs; i++) {
		const struct kbpf_elf_prog *p = &obj->progs[i];

		printf("  %-20s %-16s section %-24s %u insns", p->name,
		       tool_prog_type_name(p->prog_type), p->sec_name,
		       p->insn_cnt);
		if (p->insn_cnt != p->sec_insn_cnt)
			printf(" (%u own + subprograms)", p->sec_insn_cnt);
		if (p->attach_target[0])
			printf(" target %s", p->attach_target);
		info_flags(stdout, p->prog_flags);
		putchar('\n');
		if (disasm)
			info_disasm(obj, p);
	}
	printf("maps (%u):\n", obj->nr_maps);
	for (i = 0; i < obj->nr_maps; i++) {
		const struct kbpf_elf_map *m = &obj->maps[i];

		printf("  %-20s %-16s key %-4u value %-6u max_entries %-7u flags 0x%x (%s%s%s)\n",
		       m->name, tool_map_type_name(m->type), m->key_size,
		       m->value_size, m->max_entries, m->map_flags,
		       tool_map_kind_name(m->kind),
		       strcmp(m->name, m->kname) ? ", created as " : "",
		       strcmp(m->name, m->kname) ? m->kname : "");
		if (m->pinning)
			printf("    pinning by name requested: kbpf has no BPF filesystem, the map stays private\n");
	}
}

/* A program's relocated instructions, as the bytes BPF_PROG_LOAD gets. */
static void info_json_insns(const struct kbpf_elf_prog *p)
{
	uint32_t i;

	printf(",\"code\":[");
	for (i = 0; i < p->insn_cnt; i++) {
		printf("%s", i ? "," : "");
		tool_hex_json(stdout, &p->insns[i], sizeof(p->insns[i]));
	}
	printf("],\"why\":");
	tool_json_str(stdout, p->why, strlen(p->why));
}

static void info_json(const char *path, struct kbpf_elf *obj, bool insns)
{
	uint32_t i;

	printf("{\"file\":");
	tool_json_str(stdout, path, strlen(path));
	printf(",\"endian\":\"%s\",\"license\":",
	       obj->big_endian ? "big" : "little");
	tool_json_str(stdout, obj->license, strlen(obj->license));
	printf(",\"version\":%u,\"btf\":%s,\"core_relocations\":%u,\"programs\":[",
	       obj->kern_version, obj->has_btf ? "true" : "false",
	       obj->nr_core_relos);
	for (i = 0; i < obj->nr_progs; i++) {
		const struct kbpf_elf_prog *p = &obj->progs[i];

		printf("%s{\"name\":", i ? "," : "");
		tool_json_str(stdout, p->name, strlen(p->name));
		printf(",\"section\":");
		tool_json_str(stdout, p->sec_name, strlen(p->sec_name));
		printf(",\"type\":\"%s\",\"type_id\":%u,\"expected_attach_type\":%u,\"attach_target\":",
		       tool_prog_type_name(p->prog_type), p->prog_type,
		       p->expected_attach_type);
		tool_json_str(stdout, p->attach_target,
			      strlen(p->attach_target));
		printf(",\"prog_flags\":%u,\"insns\":%u,\"own_insns\":%u",
		       p->prog_flags, p->insn_cnt, p->sec_insn_cnt);
		if (insns)
			info_json_insns(p);
		putchar('}');
	}
	printf("],\"maps\":[");
	for (i = 0; i < obj->nr_maps; i++) {
		const struct kbpf_elf_map *m = &obj->maps[i];

		printf("%s{\"name\":", i ? "," : "");
		tool_json_str(stdout, m->name, strlen(m->name));
		printf(",\"kernel_name\":");
		tool_json_str(stdout, m->kname, strlen(m->kname));
		printf(",\"kind\":\"%s\",\"type\":\"%s\",\"type_id\":%u,\"key_size\":%u,\"value_size\":%u,\"max_entries\":%u,\"map_flags\":%u,\"pinning\":%u}",
		       tool_map_kind_name(m->kind), tool_map_type_name(m->type),
		       m->type, m->key_size, m->value_size, m->max_entries,
		       m->map_flags, m->pinning);
	}
	printf("]}\n");
}

int kbpf_cmd_info(int argc, char **argv)
{
	const char *path = NULL;
	struct kbpf_elf *obj;
	bool json = false, disasm = false, jited = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			info_help(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--disasm")) {
			disasm = true;
		} else if (!strcmp(argv[i], "--jited")) {
			jited = true;
		} else if (argv[i][0] == '-' || path) {
			fprintf(stderr,
				"kbpf info: unexpected argument '%s'\n\n",
				argv[i]);
			info_help(stderr);
			return 2;
		} else {
			path = argv[i];
		}
	}
	if (!path || (jited && json)) {
		info_help(stderr);
		return 2;
	}
	obj = tool_open(path);
	if (!obj)
		return 1;
	if (json)
		info_json(path, obj, disasm);
	else
		info_text(path, obj, disasm);
	if (jited)
		info_jited(obj);
	kbpf_elf_free(obj);
	return 0;
}
