#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every repository path a document names exists.

Reads README.md, CONTRIBUTING.md and docs/**/*.md (or the files given) and
checks each inline code span (`...`, fenced blocks are examples and are
skipped) that names a repository path:

  * a token whose first component is a top-level entry of the repository
    (`src/maps/hashtab.c`, `include/kbpf/`, `tests/unit/maps/`) must exist
    there;
  * any other token with a slash or a known extension (`kbpf/host.h`,
    `design/hashtab.md`, `hashtab.c`) must be the tail of some path in the
    repository;

where a token is a word of the span made of path characters only: globs,
placeholders (`<subsystem>`, `...`), URLs, absolute paths (the target
system's: /sys/kernel/btf/vmlinux) and options are not paths. What still
looks like a path but is not one of ours (a libbpf section name, a Linux
header) is listed in ALLOW, with the reason.

Usage: check-doc-paths.py [--root DIR] [FILE.md...]
       check-doc-paths.py --self-test
Exit 0 when every path exists, 1 otherwise (each missing one printed as
file:line: `path`).
"""
import os
import re
import subprocess
import sys
import tempfile

EXTENSIONS = ('.c', '.h', '.md', '.sh', '.py', '.cmake', '.txt', '.in',
              '.inc', '.yml', '.yaml', '.json')

# Not repository paths, though they look like ones. Keep short; say why.
ALLOW = {
    # Linux's source tree (docs/design/ringbuf.md, docs/corpus.md)
    'kernel/bpf/ringbuf.c', 'kernel/bpf/helpers.c',
    'tools/testing/selftests/bpf/progs', 'tools/testing/selftests/bpf/progs/',
    # the corpus projects' trees and their build flags (docs/corpus.md)
    'testdata/', 'btf/testdata/', 'cmd/bpf2go/testdata/',
    'katran/decap/bpf/decap.bpf.c', 'katran/lib/linux_includes',
    'xdp-tools/headers', 'lib/util',
    # the compiler's and a BPF build's headers, not kbpf's
    'stdint.h', 'stddef.h', 'stdbool.h', 'stdatomic.h', 'vmlinux.h',
    # ELF section and object names (docs/corpus.md)
    'socket/tail', 'classifier/0', 'sk_lookup/', 'linked1/2',
    # a host table field pair (README.md)
    'kbpf_host.cgroup_get/put',
}

TOKEN = re.compile(r'^[A-Za-z0-9_.][A-Za-z0-9_.+/-]*$')
SKIP_DIRS = {'.git', 'build'}


def repo_paths(root):
    """Every file and directory under root, as relative paths."""
    paths = set()
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs
                   if x not in SKIP_DIRS and not x.startswith('build')]
        rel = os.path.relpath(d, root)
        if rel != '.':
            paths.add(rel.replace(os.sep, '/'))
        for f in files:
            paths.add(os.path.normpath(os.path.join(rel, f)).replace(
                os.sep, '/'))
    return paths


def candidates(text):
    """(line number, token) for each path-like token of inline code."""
    lines = []
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith('```'):
            fenced = not fenced
            line = ''
        lines.append('' if fenced else line)
    prose = '\n'.join(lines)
    # A code span may wrap onto the next line, as Markdown allows.
    for m in re.finditer(r'`([^`\n]+(?:\n[^`\n]+)?)`', prose):
        n = prose.count('\n', 0, m.start()) + 1
        for tok in m.group(1).split():
            tok = re.sub(r':[0-9]+$', '', tok).rstrip('.,;:')
            if '://' in tok or not TOKEN.match(tok):
                continue
            if tok.startswith(('-', '.')) and '/' not in tok:
                continue
            if '/' not in tok and not tok.endswith(EXTENSIONS):
                continue
            if not re.search('[a-z]', tok):  # BPF_LINK_CREATE/DETACH
                continue
            yield n, tok


def exists(tok, root, paths, top):
    path = tok.rstrip('/')
    if not path or path in ('.', '..'):
        return True
    first = path.split('/')[0]
    if first in top:
        # bench/bench_hash: a program, built from bench/bench_hash.c
        return path in paths or path + '.c' in paths
    return any(p == path or p.endswith('/' + path) for p in paths)


def check(files, root):
    paths = repo_paths(root)
    top = {p for p in paths if '/' not in p}
    missing = 0
    checked = 0
    for f in files:
        with open(f, encoding='utf-8') as fh:
            text = fh.read()
        for n, tok in candidates(text):
            if tok in ALLOW:
                continue
            checked += 1
            if not exists(tok, root, paths, top):
                name = os.path.relpath(f, root)
                if name.startswith('..'):
                    name = f
                print(f'{name}:{n}: `{tok}` does not exist')
                missing += 1
    print(f'check-doc-paths: {checked} paths in {len(files)} files, '
          f'{missing} missing')
    return missing == 0


def default_files(root):
    files = [os.path.join(root, f) for f in ('README.md', 'CONTRIBUTING.md')
             if os.path.exists(os.path.join(root, f))]
    for d, dirs, names in os.walk(os.path.join(root, 'docs')):
        files += [os.path.join(d, x) for x in sorted(names) if x.endswith('.md')]
    return files


def self_test(root):
    """A made-up path must fail, the same text with real paths must pass."""
    good = ('The hash map (`src/maps/hashtab.c`, `include/kbpf/host.h`,\n'
            '`kbpf/map.h`, `tests/unit/maps/`) reads `/sys/kernel/btf/vmlinux`,\n'
            'see `src/**/*.c` and `tests/unit/<subsystem>/`.\n'
            '```\nsrc/made/up/in_a_fence.c\n```\n')
    bad = good + 'And `src/maps/made_up_map.c`, `kbpf/made_up.h`.\n'
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for name, text, want in (('good.md', good, 0), ('bad.md', bad, 1)):
            f = os.path.join(tmp, name)
            with open(f, 'w', encoding='utf-8') as fh:
                fh.write(text)
            r = subprocess.run([sys.executable, __file__, '--root', root, f],
                               capture_output=True, text=True)
            print(f'{name}: exit {r.returncode}, expected {want}')
            print('  ' + r.stdout.strip().replace('\n', '\n  '))
            if r.returncode != want:
                ok = False
            for made_up in ('src/maps/made_up_map.c', 'kbpf/made_up.h'):
                if want and f'`{made_up}`' not in r.stdout:
                    ok = False
            if 'hashtab.c' in r.stdout or 'in_a_fence' in r.stdout:
                ok = False
    print('1 passed, 0 failed' if ok else '0 passed, 1 failed')
    return ok


def main(argv):
    root = os.path.normpath(os.path.join(os.path.dirname(
        os.path.abspath(__file__)), '..'))
    args = argv[1:]
    if args[:1] == ['--root']:
        root = os.path.abspath(args[1])
        args = args[2:]
    if args == ['--self-test']:
        return 0 if self_test(root) else 1
    files = args or default_files(root)
    return 0 if check(files, root) else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
