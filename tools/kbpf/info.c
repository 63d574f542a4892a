// SPDX-License-Identifier: MIT
/* kbpf info OBJ: the programs and maps of an object, as libbpf sees them. */
#include <stdlib.h>
#include <string.h>

#include "kbpf/disasm.h"
#include "kbpf_tool.h"

static void info_help(FILE *f)
{
	fprintf(f,
		"usage: kbpf info OBJ [--json] [--disasm]\n"
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
		"            the host's order) and \"why\", the reason it cannot load\n");
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
	bool json = false, disasm = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			info_help(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--disasm")) {
			disasm = true;
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
	if (!path) {
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
	kbpf_elf_free(obj);
	return 0;
}
