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

#endif
