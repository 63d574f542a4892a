// SPDX-License-Identifier: MIT
/*
 * What `kbpf run` needs for packet programs: the names of XDP actions and
 * tc verdicts, a hex dump with an offset column, and parsing of packet
 * bytes and map keys/values given on the command line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf/uapi/bpf.h"
#include "kbpf_tool.h"

bool tool_is_packet_prog(uint32_t type)
{
	return type == BPF_PROG_TYPE_XDP || type == BPF_PROG_TYPE_SCHED_CLS ||
	       type == BPF_PROG_TYPE_SCHED_ACT ||
	       type == BPF_PROG_TYPE_SOCKET_FILTER;
}

/* linux/pkt_cls.h: what cls_bpf in direct-action mode does with r0. */
static const char *const tc_verdicts[] = {
	"TC_ACT_OK",	 "TC_ACT_RECLASSIFY", "TC_ACT_SHOT",
	"TC_ACT_PIPE",	 "TC_ACT_STOLEN",     "TC_ACT_QUEUED",
	"TC_ACT_REPEAT", "TC_ACT_REDIRECT",   "TC_ACT_TRAP",
};

static const char *const xdp_actions[] = {
	"XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT",
};

const char *tool_verdict_name(uint32_t prog_type, uint32_t retval)
{
	switch (prog_type) {
	case BPF_PROG_TYPE_XDP:
		if (retval < sizeof(xdp_actions) / sizeof(xdp_actions[0]))
			return xdp_actions[retval];
		return NULL;
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
		if (retval == 0xffffffffu)
			return "TC_ACT_UNSPEC";
		if (retval < sizeof(tc_verdicts) / sizeof(tc_verdicts[0]))
			return tc_verdicts[retval];
		return NULL;
	default:
		return NULL;
	}
}

void tool_hexdump(FILE *f, const void *p, size_t n, const char *indent)
{
	const uint8_t *b = p;
	size_t off, i;

	for (off = 0; off < n; off += 16) {
		fprintf(f, "%s%04zx ", indent, off);
		for (i = 0; i < 16; i++) {
			if (i == 8)
				fputc(' ', f);
			if (off + i < n)
				fprintf(f, " %02x", b[off + i]);
			else
				fputs("   ", f);
		}
		fputs("  |", f);
		for (i = 0; i < 16 && off + i < n; i++) {
			uint8_t c = b[off + i];

			fputc(c >= 0x20 && c < 0x7f ? c : '.', f);
		}
		fputs("|\n", f);
	}
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

uint8_t *tool_parse_hex(const char *s, size_t *size)
{
	uint8_t *out = malloc(strlen(s) / 2 + 1);
	size_t n = 0;
	int hi = -1;

	if (!out)
		return NULL;
	for (; *s; s++) {
		int d = hex_digit(*s);

		if (d < 0) {
			/* Separators between bytes, as hex dumps and MACs have. */
			if ((*s == ' ' || *s == ':' || *s == '\n' ||
			     *s == '\t' || *s == '-') &&
			    hi < 0)
				continue;
			free(out);
			return NULL;
		}
		if (hi < 0) {
			hi = d;
		} else {
			out[n++] = (uint8_t)(hi << 4 | d);
			hi = -1;
		}
	}
	if (hi >= 0) {
		free(out);
		return NULL;
	}
	*size = n;
	return out;
}

int tool_parse_value(const char *s, void *out, size_t size)
{
	if (!strncmp(s, "hex:", 4)) {
		size_t n = 0;
		uint8_t *b = tool_parse_hex(s + 4, &n);

		if (!b || n != size) {
			free(b);
			return -1;
		}
		memcpy(out, b, size);
		free(b);
		return 0;
	}
	if (size == 1 || size == 2 || size == 4 || size == 8) {
		unsigned long long v;
		char *end;

		errno = 0;
		v = strtoull(s, &end, 0);
		if (errno || !*s || *end || *s == '-' ||
		    (size < 8 && v >> (size * 8)))
			return -1;
		/* Host byte order, as a C program's integer key would be. */
		if (size == 1) {
			uint8_t x = (uint8_t)v;
			memcpy(out, &x, 1);
		} else if (size == 2) {
			uint16_t x = (uint16_t)v;
			memcpy(out, &x, 2);
		} else if (size == 4) {
			uint32_t x = (uint32_t)v;
			memcpy(out, &x, 4);
		} else {
			uint64_t x = v;
			memcpy(out, &x, 8);
		}
		return 0;
	}
	return -1;
}
