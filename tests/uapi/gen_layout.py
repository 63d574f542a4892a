#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generate kbpf's UAPI layout-identity test from the system's Linux headers.

The reference headers (by default the system's <linux/bpf.h>,
<linux/bpf_common.h>, <linux/perf_event.h> and <linux/btf.h>) are run
through the C preprocessor.  From the text that belongs to each of those
files (not to what they include) this script collects

  * every object-like macro whose value is an integer constant expression,
  * every enumerator,
  * every struct and union with every member, nested members by dotted path,

and writes one C body (layout_body.inc) that prints, for each name, one
"key = value" line: macro/enum values with their size and signedness,
sizeof/alignof of each aggregate and named enum, offsetof and sizeof of each
member, and the bit mask of each bit-field.  layout_sys.c includes the
reference headers and layout_kbpf.c includes kbpf's; compare_layout.py
runs both and diffs the output.

Names are discovered, never hand-picked.  The only hand-written input is
known_differences.txt, which lists where Linux 6.18 (kbpf) legitimately
differs from older reference headers.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

DEFAULT_HEADERS = [
    "linux/bpf_common.h",
    "linux/bpf.h",
    "linux/perf_event.h",
    "linux/btf.h",
]

KBPF_HEADERS = [
    "kbpf/uapi/bpf.h",
    "kbpf/uapi/perf_event.h",
    "kbpf/uapi/btf.h",
]

TYPE_WORDS = {
    "void", "char", "short", "int", "long", "signed", "unsigned", "float",
    "double", "_Bool", "const", "volatile", "struct", "union", "enum",
    "__signed__", "__extension__",
}

TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<str>"(?:\\.|[^"\\])*")
  | (?P<chr>'(?:\\.|[^'\\])*')
  | (?P<num>\.?[0-9](?:[eEpP][+-]|[0-9A-Za-z_.])*)
  | (?P<id>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^~!?:;,.()\[\]{}<>=#])
    """,
    re.VERBOSE,
)


def tokenize(text):
    out = []
    for m in TOKEN_RE.finditer(text):
        kind = m.lastgroup
        if kind == "ws":
            continue
        out.append(m.group())
    return out


def preprocess(cc, cflags, header):
    """Return (defines, code) that the preprocessor attributes to header."""
    with tempfile.NamedTemporaryFile("w", suffix=".c", delete=False) as f:
        f.write("#include <%s>\n" % header)
        src = f.name
    try:
        res = subprocess.run(
            [cc, "-E", "-dD"] + cflags + [src],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            universal_newlines=True)
    finally:
        os.unlink(src)
    if res.returncode != 0:
        sys.exit("preprocessing %s failed:\n%s" % (header, res.stderr))
    marker = re.compile(r'^# (\d+) "([^"]*)"')
    cur = None
    target = None
    defines = []
    code = []
    for line in res.stdout.splitlines():
        m = marker.match(line)
        if m:
            cur = m.group(2)
            if target is None and cur.endswith("/" + header):
                target = cur
            continue
        if cur is None or target is None or cur != target:
            continue
        if line.startswith("#define "):
            defines.append(line[len("#define "):])
        elif line.startswith("#"):
            continue
        else:
            code.append(line)
    if target is None:
        sys.exit("could not find %s in the preprocessor output" % header)
    return defines, "\n".join(code)


def object_macros(defines):
    names = []
    for d in defines:
        m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(\(?)(.*)$", d)
        if not m or m.group(2) == "(":
            continue  # function-like
        if not m.group(3).strip():
            continue  # include guards and empty markers
        names.append(m.group(1))
    return names


def strip_attributes(toks):
    """Drop __attribute__((...)) groups and __extension__."""
    out = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t in ("__attribute__", "__attribute"):
            i += 1
            if i < len(toks) and toks[i] == "(":
                depth = 0
                while i < len(toks):
                    if toks[i] == "(":
                        depth += 1
                    elif toks[i] == ")":
                        depth -= 1
                        if depth == 0:
                            break
                    i += 1
            i += 1
            continue
        if t == "__extension__":
            i += 1
            continue
        out.append(t)
        i += 1
    return out


def match_close(toks, i):
    """toks[i] is an opener; return index of its partner."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    opener = toks[i]
    closer = pairs[opener]
    depth = 0
    for j in range(i, len(toks)):
        if toks[j] == opener:
            depth += 1
        elif toks[j] == closer:
            depth -= 1
            if depth == 0:
                return j
    raise ValueError("unbalanced %s" % opener)


def split_top(toks, sep):
    parts = []
    cur = []
    depth = 0
    for t in toks:
        if t in ("(", "[", "{"):
            depth += 1
        elif t in (")", "]", "}"):
            depth -= 1
        if t == sep and depth == 0:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        parts.append(cur)
    return parts


class Member:
    def __init__(self, path, bitfield=False, flexible=False, aggregate=False):
        self.path = path
        self.bitfield = bitfield
        self.flexible = flexible
        self.aggregate = aggregate


def declarator_name(chunk, first):
    """Return (name, is_bitfield, is_flexible) of one declarator chunk."""
    colon = None
    depth = 0
    for k, t in enumerate(chunk):
        if t in ("(", "["):
            depth += 1
        elif t in (")", "]"):
            depth -= 1
        elif t == ":" and depth == 0:
            colon = k
            break
    if colon is not None:
        before = chunk[:colon]
        ids = [t for t in before if re.match(r"[A-Za-z_]\w*$", t)]
        if first:
            # "type name : n" has a name; "type : n" does not.
            if len(before) >= 2 and before[-1] in ids and \
                    before[-1] not in TYPE_WORDS and \
                    before[-2] not in ("struct", "union", "enum"):
                return before[-1], True, False
            return None, True, False
        return (ids[-1] if ids else None), True, False
    # function pointer: ( * name ) ( ... )
    for k in range(len(chunk) - 2):
        if chunk[k] == "(" and chunk[k + 1] == "*" and \
                re.match(r"[A-Za-z_]\w*$", chunk[k + 2]):
            return chunk[k + 2], False, False
    name = None
    flexible = False
    for k, t in enumerate(chunk):
        if t == "[":
            flexible = chunk[k + 1] == "]"
            break
        if re.match(r"[A-Za-z_]\w*$", t):
            name = t
    return name, False, flexible


def parse_members(toks, prefix, members):
    """toks: tokens between an aggregate's braces."""
    toks = strip_attributes(toks)
    for decl in split_top(toks, ";"):
        if not decl:
            continue
        if "{" in decl:
            i = decl.index("{")
            j = match_close(decl, i)
            inner = decl[i + 1:j]
            after = [t for t in decl[j + 1:] if t != "*"]
            if not after:
                parse_members(inner, prefix, members)
                continue
            for chunk in split_top(after, ","):
                name, bit, flex = declarator_name(chunk, False)
                if name is None:
                    continue
                members.append(Member(prefix + name, aggregate=True,
                                      flexible=flex))
                if "[" not in chunk:
                    parse_members(inner, prefix + name + ".", members)
            continue
        chunks = split_top(decl, ",")
        for n, chunk in enumerate(chunks):
            name, bit, flex = declarator_name(chunk, n == 0)
            if name is None:
                continue
            members.append(Member(prefix + name, bitfield=bit,
                                  flexible=flex))


def parse_code(code):
    toks = strip_attributes(tokenize(code))
    aggregates = []  # (kind, name, [Member])
    enums = []  # enumerator names
    named_enums = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t in ("struct", "union") and i + 2 < len(toks) and \
                re.match(r"[A-Za-z_]\w*$", toks[i + 1]) and toks[i + 2] == "{":
            j = match_close(toks, i + 2)
            members = []
            parse_members(toks[i + 3:j], "", members)
            aggregates.append((t, toks[i + 1], members))
            # keep scanning inside for enums or nested named aggregates
            i += 3
            continue
        if t == "enum":
            k = i + 1
            name = None
            if k < len(toks) and re.match(r"[A-Za-z_]\w*$", toks[k]):
                name = toks[k]
                k += 1
            if k < len(toks) and toks[k] == "{":
                j = match_close(toks, k)
                for item in split_top(toks[k + 1:j], ","):
                    if item:
                        enums.append(item[0])
                if name:
                    named_enums.append(name)
                i = j + 1
                continue
        i += 1
    return aggregates, enums, named_enums


def probe_values(cc, cflags, includes, names):
    """Keep the names that are integer constant expressions."""
    names = list(dict.fromkeys(names))
    for _ in range(10):
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "probe.c")
            lines = ["#include <%s>" % h for h in includes]
            base = len(lines) + 1
            for n, name in enumerate(names):
                lines.append(
                    "static const unsigned long long kbpf_probe_%d = "
                    "(unsigned long long)(%s);" % (n, name))
            with open(src, "w") as f:
                f.write("\n".join(lines) + "\n")
            res = subprocess.run(
                [cc, "-fsyntax-only", "-w"] + cflags + [src],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                universal_newlines=True)
        if res.returncode == 0:
            return names
        bad = set()
        for m in re.finditer(r"probe\.c:(\d+):(?:\d+:)? (?:fatal )?error", res.stderr):
            idx = int(m.group(1)) - base
            if 0 <= idx < len(names):
                bad.add(idx)
        if not bad:
            sys.exit("probing macro values failed:\n" + res.stderr)
        names = [n for k, n in enumerate(names) if k not in bad]
    sys.exit("probing macro values did not converge")


def load_known(path):
    skip = {}
    differs = {}
    if not path:
        return skip, differs
    with open(path) as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            kind, rest = line.split(None, 1)
            if kind == "skip":
                skip[rest.strip()] = lineno
            elif kind == "differs":
                key, _, val = rest.partition(" = ")
                differs[key.strip()] = val.strip()
            else:
                sys.exit("%s:%d: unknown entry kind %r" % (path, lineno, kind))
    return skip, differs


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    ap.add_argument("--ref-include", action="append", default=[],
                    help="extra -I for the reference (system) headers")
    ap.add_argument("--kbpf-include", required=True,
                    help="kbpf's include directory")
    ap.add_argument("--header", action="append", default=[],
                    help="reference header (default: the four Linux ones)")
    ap.add_argument("--known", help="known_differences.txt")
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args()

    headers = args.header or DEFAULT_HEADERS
    ref_flags = ["-I" + d for d in args.ref_include]
    kbpf_flags = ["-I" + args.kbpf_include]
    skip, _ = load_known(args.known)

    macro_names = []
    enum_names = []
    named_enums = []
    aggregates = []
    for h in headers:
        defines, code = preprocess(args.cc, ref_flags, h)
        macro_names += object_macros(defines)
        aggs, enums, nenums = parse_code(code)
        aggregates += aggs
        enum_names += enums
        named_enums += nenums

    macro_names = probe_values(args.cc, ref_flags, headers, macro_names)

    entries = []  # (key, C statement)

    def add(key, stmt):
        if key in skip:
            return
        entries.append((key, stmt))

    seen = set()
    for name in macro_names + enum_names:
        if name in seen:
            continue
        seen.add(name)
        kind = "macro" if name in macro_names else "enum"
        add("%s %s" % (kind, name),
            "KBPF_VAL(%s, %s);" % (c_str("%s %s" % (kind, name)), name))
    for name in dict.fromkeys(named_enums):
        key = "sizeof enum %s" % name
        add(key, "KBPF_NUM(%s, sizeof(enum %s));" % (c_str(key), name))

    done_aggs = set()
    for kind, name, members in aggregates:
        tname = "%s %s" % (kind, name)
        if tname in done_aggs:
            continue
        done_aggs.add(tname)
        add("sizeof " + tname,
            "KBPF_NUM(%s, sizeof(%s));" % (c_str("sizeof " + tname), tname))
        add("alignof " + tname,
            "KBPF_NUM(%s, _Alignof(%s));" % (c_str("alignof " + tname), tname))
        paths = set()
        for mem in members:
            if mem.path in paths:
                continue
            paths.add(mem.path)
            base = "%s %s" % (tname, mem.path)
            if mem.bitfield:
                add("bits " + base,
                    "KBPF_BITS(%s, %s, %s);" % (c_str("bits " + base),
                                               tname, mem.path))
                continue
            add("offsetof " + base,
                "KBPF_NUM(%s, offsetof(%s, %s));" % (
                    c_str("offsetof " + base), tname, mem.path))
            if not mem.flexible:
                add("sizeof " + base,
                    "KBPF_NUM(%s, sizeof(((%s *)0)->%s));" % (
                        c_str("sizeof " + base), tname, mem.path))

    os.makedirs(args.out_dir, exist_ok=True)
    body = os.path.join(args.out_dir, "layout_body.inc")
    with open(body, "w") as f:
        f.write("/* Generated by tests/uapi/gen_layout.py; do not edit. */\n")
        f.write("/* %d names */\n" % len(entries))
        f.write("static void kbpf_layout_dump(void)\n{\n")
        for _, stmt in entries:
            f.write("\t%s\n" % stmt)
        f.write("}\n")

    common = r'''
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* value, size and signedness of an integer constant */
#define KBPF_VAL(key, v) \
	printf("%s = 0x%llx size=%u signed=%d\n", key, \
	       (unsigned long long)(v), (unsigned)sizeof(v), \
	       (((v) * 0 - 1) > 0 ? 0 : 1))
#define KBPF_NUM(key, v) printf("%s = %llu\n", key, (unsigned long long)(v))
/* which bits of the object a bit-field occupies */
#define KBPF_BITS(key, type, member) do { \
	type kbpf_obj; \
	volatile unsigned long long kbpf_ones = ~0ULL; \
	memset(&kbpf_obj, 0, sizeof(kbpf_obj)); \
	kbpf_obj.member = kbpf_ones; \
	kbpf_print_bits(key, &kbpf_obj, sizeof(kbpf_obj)); \
} while (0)

static void kbpf_print_bits(const char *key, const void *obj, size_t n)
{
	const unsigned char *p = obj;
	size_t i;

	printf("%s =", key);
	for (i = 0; i < n; i++)
		if (p[i])
			printf(" %zu:%02x", i, p[i]);
	printf("\n");
}
'''
    main_fn = r'''
#include "layout_body.inc"

int main(void)
{
	kbpf_layout_dump();
	return 0;
}
'''
    with open(os.path.join(args.out_dir, "layout_sys.c"), "w") as f:
        f.write("/* Generated by tests/uapi/gen_layout.py; do not edit. */\n")
        f.write("/* Reference side: the system's (or given) Linux headers. */\n")
        for h in headers:
            f.write("#include <%s>\n" % h)
        f.write(common + main_fn)
    with open(os.path.join(args.out_dir, "layout_kbpf.c"), "w") as f:
        f.write("/* Generated by tests/uapi/gen_layout.py; do not edit. */\n")
        f.write("/* kbpf side: kbpf's headers only, included first. */\n")
        for h in KBPF_HEADERS:
            f.write("#include <%s>\n" % h)
        f.write("#if !defined(KBPF_UAPI_BPF_H) || "
                "!defined(KBPF_UAPI_PERF_EVENT_H) || !defined(KBPF_UAPI_BTF_H)\n"
                "#error \"the kbpf UAPI headers are not the ones in effect\"\n"
                "#endif\n")
        f.write(common + main_fn)
    print("gen_layout: %d names from %s" % (len(entries), ", ".join(headers)))


if __name__ == "__main__":
    main()
