#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare the outputs of layout_sys and layout_kbpf.

Usage: compare_layout.py [--known known_differences.txt]
                         --cc CC --kbpf-include DIR --gen-dir DIR SYS_EXE

SYS_EXE is the dumper built against the reference headers.  The kbpf side
(GEN_DIR/layout_kbpf.c) is compiled here, so that a name kbpf lacks shows up
as a test failure naming it rather than as a broken build: statements that
do not compile are dropped, their names reported as missing, and the rest
is still compared.

Every "key = value" line printed by the reference program must be printed
with the same value by the kbpf program, except where known_differences.txt
has "differs KEY = VALUE": then kbpf must print exactly VALUE (the Linux
6.18 value), whatever the reference headers say.  Prints the number of names
compared and one line per mismatch.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

KEY_RE = re.compile(r'^\s*KBPF_\w+\("([^"]*)"')


def build_kbpf(cc, cflags, include, gen_dir, workdir):
    """Build the kbpf dumper; return (exe, keys that failed to compile)."""
    with open(os.path.join(gen_dir, "layout_body.inc")) as f:
        body = f.read().splitlines()
    shutil.copy(os.path.join(gen_dir, "layout_kbpf.c"), workdir)
    src = os.path.join(workdir, "layout_kbpf.c")
    inc = os.path.join(workdir, "layout_body.inc")
    exe = os.path.join(workdir, "layout_kbpf")
    missing = []
    for _ in range(20):
        with open(inc, "w") as f:
            f.write("\n".join(body) + "\n")
        res = subprocess.run(
            [cc] + cflags + ["-std=c11", "-w", "-I" + include, "-o", exe, src],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            universal_newlines=True)
        if res.returncode == 0:
            return exe, missing
        bad = set()
        for m in re.finditer(r"layout_body\.inc:(\d+):(?:\d+:)? (?:fatal )?error",
                             res.stdout):
            bad.add(int(m.group(1)) - 1)
        bad = {n for n in bad if 0 <= n < len(body) and KEY_RE.match(body[n])}
        if not bad:
            sys.exit("building the kbpf layout dumper failed:\n" + res.stdout)
        for n in sorted(bad):
            missing.append(KEY_RE.match(body[n]).group(1))
            body[n] = "\t/* does not compile against kbpf */"
    sys.exit("building the kbpf layout dumper did not converge")


def run(exe):
    res = subprocess.run([exe], stdout=subprocess.PIPE,
                         universal_newlines=True)
    if res.returncode != 0:
        sys.exit("%s exited with %d" % (exe, res.returncode))
    out = {}
    for line in res.stdout.splitlines():
        key, sep, val = line.partition(" =")
        if not sep:
            continue
        out[key] = val.strip()
    return out


def load_differs(path):
    differs = {}
    if not path:
        return differs
    with open(path) as f:
        for raw in f:
            line = raw.split("#", 1)[0].strip()
            if not line.startswith("differs "):
                continue
            key, _, val = line[len("differs "):].partition(" = ")
            differs[key.strip()] = val.strip()
    return differs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--known")
    ap.add_argument("--cc", required=True)
    ap.add_argument("--cflags", default="",
                    help="flags the reference dumper was built with")
    ap.add_argument("--kbpf-include", required=True)
    ap.add_argument("--gen-dir", required=True)
    ap.add_argument("sys_exe")
    args = ap.parse_args()

    ref = run(args.sys_exe)
    workdir = tempfile.mkdtemp(prefix="kbpf_layout_")
    try:
        exe, missing = build_kbpf(args.cc, args.cflags.split(),
                                  args.kbpf_include, args.gen_dir, workdir)
        ours = run(exe)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    differs = load_differs(args.known)
    for key in missing:
        ours.pop(key, None)

    failures = []
    allowed = 0
    for key, val in ref.items():
        if key not in ours:
            failures.append("missing in kbpf: %s (reference: %s)" % (key, val))
            continue
        if ours[key] == val:
            continue
        if key in differs:
            if ours[key] == differs[key]:
                allowed += 1
                continue
            failures.append("%s: kbpf %s, known 6.18 value %s (reference %s)"
                            % (key, ours[key], differs[key], val))
            continue
        failures.append("%s: kbpf %s, reference %s" % (key, ours[key], val))

    for f in failures:
        print("MISMATCH " + f)
    print("uapi layout: compared %d names (%d differ from the reference as "
          "documented in known_differences.txt)" % (len(ref), allowed))
    passed = len(ref) - len(failures)
    print("%d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
