// SPDX-License-Identifier: MIT
/* What the kbpf command's subcommands share: files, names, output. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "kbpf/object.h"
#include "kbpf_posix.h"
#include "kbpf_tool.h"

uint8_t *tool_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f) {
		fprintf(stderr, "kbpf: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t r;

		if (n == cap) {
			uint8_t *nb = realloc(buf, cap ? cap * 2 : 65536);

			if (!nb) {
				fprintf(stderr, "kbpf: %s: out of memory\n",
					path);
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap = cap ? cap * 2 : 65536;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "kbpf: %s: read error\n", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*size = n;
	return buf;
}

/*
 * The host BTF CO-RE relocations are applied against: $KBPF_BTF ("none":
 * none), else /sys/kernel/btf/vmlinux when readable, as libbpf looks for
 * it. Read once.
 */
static const uint8_t *tool_target_btf(size_t *size)
{
	static uint8_t *btf;
	static size_t btf_size;
	static int done;
	const char *path = getenv("KBPF_BTF");

	if (!done) {
		done = 1;
		if (!path)
			path = "/sys/kernel/btf/vmlinux";
		if (strcmp(path, "none")) {
			FILE *f = fopen(path, "rb");

			if (f) {
				fclose(f);
				btf = tool_read_file(path, &btf_size);
			} else if (getenv("KBPF_BTF")) {
				fprintf(stderr, "kbpf: %s: %s\n", path,
					strerror(errno));
			}
		}
	}
	*size = btf_size;
	/* Tracing programs' attach_btf_id refers to the same BTF. */
	if (btf && kbpf_posix_host()->btf != btf)
		kbpf_posix_set_btf(btf, btf_size);
	return btf;
}

/*
 * Values for `.kconfig` externs: the file in $KBPF_KCONFIG ("none": none),
 * else what libbpf would find on this machine: LINUX_KERNEL_VERSION from
 * uname, LINUX_HAS_BPF_COOKIE and LINUX_HAS_SYSCALL_WRAPPER (both true of
 * kbpf's POSIX host on Linux), then the kernel's config (/proc/config.gz,
 * or /boot/config-<release>). Built once.
 */
static const char *tool_kconfig(void)
{
	static char *text;
	static int done;
	const char *env = getenv("KBPF_KCONFIG");
	struct utsname u;
	unsigned int a = 0, b = 0, c = 0;
	size_t len = 0, cap = 1 << 16;
	char cmd[300];
	FILE *f;

	if (done)
		return text;
	done = 1;
	if (env && !strcmp(env, "none"))
		return NULL;
	if (env) {
		size_t n;

		text = (char *)tool_read_file(env, &n);
		if (text) {
			char *t = realloc(text, n + 1);

			if (t)
				t[n] = 0;
			text = t;
		}
		return text;
	}
	text = malloc(cap);
	if (!text)
		return NULL;
	if (uname(&u) == 0)
		sscanf(u.release, "%u.%u.%u", &a, &b, &c);
	len = (size_t)snprintf(text, cap,
			       "LINUX_KERNEL_VERSION=%u\n"
			       "LINUX_HAS_BPF_COOKIE=y\n"
			       "LINUX_HAS_SYSCALL_WRAPPER=y\n",
			       (a << 16) + (b << 8) + (c > 255 ? 255 : c));
	snprintf(
		cmd, sizeof(cmd),
		"zcat /proc/config.gz 2>/dev/null || cat /boot/config-%s 2>/dev/null",
		u.release);
	f = popen(cmd, "r");
	if (f) {
		size_t r;

		while ((r = fread(text + len, 1, cap - len - 1, f)) > 0) {
			len += r;
			if (len + 1 == cap) {
				char *t = realloc(text, cap * 2);

				if (!t)
					break;
				text = t;
				cap *= 2;
			}
		}
		pclose(f);
	}
	text[len] = 0;
	return text;
}

int tool_parse(const char *path, char *err, size_t errsz, struct kbpf_elf **out)
{
	const char *base = strrchr(path, '/');
	char name[BPF_OBJ_NAME_LEN];
	struct kbpf_elf_opts o = { .obj_name = name,
				   .errbuf = err,
				   .errbuf_size = errsz };
	uint8_t *buf;
	size_t size, i;
	int r;

	/* libbpf's object name: the base name up to its first '.'. */
	base = base ? base + 1 : path;
	for (i = 0; i < sizeof(name) - 1 && base[i] && base[i] != '.'; i++)
		name[i] = base[i];
	name[i] = 0;
	buf = tool_read_file(path, &size);
	if (!buf) {
		snprintf(err, errsz, "cannot read the file");
		return -EIO;
	}
	o.target_btf = tool_target_btf(&o.target_btf_size);
	o.kconfig = tool_kconfig();
	r = kbpf_elf_parse(kbpf_posix_host(), buf, size, &o, out);
	free(buf);
	return r;
}

const char *tool_strerror(int r)
{
	return strerror(r == -524 ? EOPNOTSUPP : -r);
}

struct kbpf_elf *tool_open(const char *path)
{
	struct kbpf_elf *obj;
	char err[512];
	int r = tool_parse(path, err, sizeof(err), &obj);

	if (r) {
		if (r != -EIO)
			fprintf(stderr, "kbpf: %s: %s (%s)\n", path, err,
				tool_strerror(r));
		return NULL;
	}
	return obj;
}

const char *tool_prog_type_name(uint32_t type)
{
	return kbpf_elf_prog_type_name(type);
}

const char *tool_map_type_name(uint32_t type)
{
	return kbpf_elf_map_type_name(type);
}

const char *tool_map_kind_name(enum kbpf_elf_map_kind kind)
{
	switch (kind) {
	case KBPF_ELF_MAP_BTF:
		return "btf";
	case KBPF_ELF_MAP_LEGACY:
		return "legacy";
	case KBPF_ELF_MAP_DATA:
		return "data";
	case KBPF_ELF_MAP_RODATA:
		return "rodata";
	case KBPF_ELF_MAP_BSS:
		return "bss";
	case KBPF_ELF_MAP_KCONFIG:
		return "kconfig";
	}
	return "?";
}

void tool_hex(FILE *f, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%s%02x", i ? " " : "", b[i]);
}

void tool_hex_json(FILE *f, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	fputc('"', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
	fputc('"', f);
}

void tool_json_str(FILE *f, const char *s, size_t n)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

int tool_install(struct kbpf_obj *obj)
{
	const struct kbpf_host *h = kbpf_posix_host();
	int fd;

	/* An fd holds a user reference: closing it drops one (uref_put). */
	kbpf_obj_uref_get(obj);
	fd = h->fd_install(h, obj, KBPF_FD_READ | KBPF_FD_WRITE);
	if (fd < 0)
		kbpf_obj_uref_put(obj);
	return fd;
}
