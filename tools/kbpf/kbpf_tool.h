/* SPDX-License-Identifier: MIT */
/* Shared by the kbpf command's files. */
#ifndef KBPF_TOOL_H
#define KBPF_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kbpf/loader.h"

/* Subcommands: argc/argv start at the subcommand's name. */
int kbpf_cmd_info(int argc, char **argv);
int kbpf_cmd_run(int argc, char **argv);
int kbpf_cmd_load(int argc, char **argv);

/*
 * Read @path and parse it with libbpf's object name for it (the base name
 * up to its first '.'). On failure print "kbpf: PATH: reason" and return
 * NULL.
 */
struct kbpf_elf *tool_open(const char *path);

/*
 * Read and parse @path as tool_open() does, without printing: 0, or a
 * negative errno with the reason in @err (-EIO: the file could not be
 * read, already reported on stderr).
 */
int tool_parse(const char *path, char *err, size_t errsz,
	       struct kbpf_elf **out);

/* strerror() of a negative kbpf errno (ENOTSUPP 524 reads as EOPNOTSUPP). */
const char *tool_strerror(int r);

/* Read a whole file; NULL and a message on failure. */
uint8_t *tool_read_file(const char *path, size_t *size);

const char *tool_prog_type_name(uint32_t type);
const char *tool_map_type_name(uint32_t type);
const char *tool_map_kind_name(enum kbpf_elf_map_kind kind);

/* Hex of @n bytes ("0a 00 ff"), for people. */
void tool_hex(FILE *f, const void *p, size_t n);
/* Hex of @n bytes without spaces, for JSON. */
void tool_hex_json(FILE *f, const void *p, size_t n);
/* A JSON string literal. */
void tool_json_str(FILE *f, const char *s, size_t n);

/* An fd for a loaded object (the reference is the fd's). */
int tool_install(struct kbpf_obj *obj);

/* ---- packet programs (packet.c) ---- */

/* XDP, tc (SCHED_CLS/SCHED_ACT) or socket filter: runs on data_in. */
bool tool_is_packet_prog(uint32_t type);

/*
 * The name of an XDP program's action or a tc program's verdict
 * ("XDP_PASS", "TC_ACT_SHOT", "TC_ACT_UNSPEC" for -1), or NULL when
 * @retval is none of them or @prog_type has no such names.
 */
const char *tool_verdict_name(uint32_t prog_type, uint32_t retval);

/* A hex dump, 16 bytes a line: offset, bytes, printable characters. */
void tool_hexdump(FILE *f, const void *p, size_t n, const char *indent);

/*
 * Bytes written in hex ("0a 00 ff", "0a:00:ff", "0a00ff"), separators
 * only between bytes. Returns a malloc'd buffer and its length in @size,
 * or NULL for anything else.
 */
uint8_t *tool_parse_hex(const char *s, size_t *size);

/*
 * A map key or value of @size bytes: "hex:BYTES" (exactly @size of them),
 * or a number (decimal or 0x hex) for sizes 1, 2, 4 and 8, stored in host
 * byte order. 0, or -1 if @s is neither or does not fit.
 */
int tool_parse_value(const char *s, void *out, size_t size);

#endif
