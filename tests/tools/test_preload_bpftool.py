#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Debian's unmodified bpftool through kbpf-preload, against the kernel.

The same `bpftool batch file` (maps: create with a pin, update, lookup,
dump, getnext, delete, freeze, pin by name, push, peek, pop, show, list, a
prog array before and after a program goes in; programs: load of
an XDP object, loadall into a directory (libbpf mkdir()s it), load again
reusing a pinned map (libbpf's bpf_map__reuse_fd dup3()s the fd), show,
list, dump xlated, run; BTF: the object's, dumped by program and by map
and listed) runs
once with LD_PRELOAD=libkbpf-preload.so (kbpf, private bpffs) and once on
the kernel (a bpffs mounted on a private temporary directory, unmounted
afterwards). The outputs must be equal once what legitimately differs is
normalised:

  - object ids (numbered in order of appearance, per kind: maps,
    programs, BTF objects), and the list commands filtered to the objects
    this run made (the kernel lists the whole machine's, vmlinux's BTF
    among them);
  - the btf_id "map list" shows for a map made without BTF (see ours());
  - load times, "jited NB" / "not jited" and a prog array's "owner jited"
    (kbpf interprets), memlock (kbpf
    does not charge memory per object), the run's average duration, and
    the number after a call's helper name in dump xlated (the kernel
    shows its function's address there, kbpf the helper id).

Then the cgroup commands (prog loadall of a device and a cgroup skb
program, cgroup attach with and without multi, show, show effective,
detach) run on a cgroup the test makes in a cgroup2 mount of its own, once
each way (ids normalised; the kernel's programs go when the cgroup is
removed). Then `bpftool feature probe` runs through the shim; it must succeed and
find the program and map types kbpf has; its differences from the
kernel's probe are printed, not compared.

Usage: test_preload_bpftool.py LIBKBPF_PRELOAD OBJECT|- [BPFTOOL]
Prints "N passed, N failed, N skipped"; exit status 1 on a failure.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

passed = failed = skipped = 0


def ok(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok: {name}")
    else:
        failed += 1
        print(f"FAIL: {name}\n{detail}")


def skip(name, why):
    global skipped
    skipped += 1
    print(f"skip: {name}: {why}")


def finish():
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    sys.exit(1 if failed else 0)


# The batch file. ROOT: the bpffs directory; OBJ: the object; PKT: a
# frame; T: this run's tag in object names.
MAP_BATCH = """\
map create ROOT/hash type hash key 4 value 8 entries 16 name T_hash flags 0x40
map update pinned ROOT/hash key 1 0 0 0 value 1 2 3 4 5 6 7 8
map update pinned ROOT/hash key 2 0 0 0 value 9 9 9 9 9 9 9 9 noexist
map update pinned ROOT/hash key 3 0 0 0 value 3 3 3 3 3 3 3 3 any
map update pinned ROOT/hash key 2 0 0 0 value 7 7 7 7 7 7 7 7 exist
map lookup pinned ROOT/hash key 2 0 0 0
map dump pinned ROOT/hash
map getnext pinned ROOT/hash
map getnext pinned ROOT/hash key 1 0 0 0
map delete pinned ROOT/hash key 1 0 0 0
map dump pinned ROOT/hash
map show pinned ROOT/hash
map create ROOT/arr type array key 4 value 4 entries 4 name T_arr
map update pinned ROOT/arr key 3 0 0 0 value 7 0 0 0
map lookup pinned ROOT/arr key 3 0 0 0
map dump pinned ROOT/arr
map freeze pinned ROOT/arr
map show pinned ROOT/arr
map pin name T_arr ROOT/arr2
map show pinned ROOT/arr2
map create ROOT/q type queue key 0 value 4 entries 4 name T_queue
map push pinned ROOT/q value 1 0 0 0
map push pinned ROOT/q value 2 0 0 0
map peek pinned ROOT/q
map pop pinned ROOT/q
map show pinned ROOT/q
map list
"""
PROG_BATCH = """\
prog load OBJ ROOT/prog
prog show pinned ROOT/prog
prog dump xlated pinned ROOT/prog
btf dump prog pinned ROOT/prog
prog run pinned ROOT/prog data_in PKT data_out - repeat 3
map pin name T.bss ROOT/bss
prog load OBJ ROOT/prog2 map name T.bss pinned ROOT/bss
prog show pinned ROOT/prog2
map create ROOT/jmp type prog_array key 4 value 4 entries 4 name T_jmp
map show pinned ROOT/jmp
map update pinned ROOT/jmp key 1 0 0 0 value pinned ROOT/prog
map show pinned ROOT/jmp
prog run pinned ROOT/prog2 data_in PKT
map dump pinned ROOT/bss
btf dump map pinned ROOT/bss
prog loadall OBJ ROOT/all
prog show pinned ROOT/all/kbpf_pl_xdp
prog list
map list
btf list
"""


def batch_text(root, obj, pkt, tag):
    text = MAP_BATCH + (PROG_BATCH if obj else "")
    return (text.replace("ROOT", root).replace("OBJ", obj or "")
            .replace("PKT", pkt).replace("T_", tag + "_")
            .replace("T.", tag + "."))


def run_bpftool(bpftool, args, env=None, timeout=120):
    p = subprocess.run([bpftool] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, env=env, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace")


def blocks(text):
    """Lines grouped: a "N: ..." header with its indented lines."""
    out = []
    for line in text.splitlines():
        if out and line[:1] in ("\t", " ") and out[-1][0] is not None:
            out[-1][1].append(line)
        elif re.match(r"^\d+: ", line):
            out.append([line, [line]])
        else:
            out.append([None, [line]])
    return out


def ours(text, tag):
    """Keep the show/list blocks of this run's objects: maps named with
    the tag, programs whose maps are all this run's."""
    bl = blocks(text)
    map_ids = set()
    for head, _ in bl:
        if head and re.search(r"  name %s[._]" % tag, head) and \
                "  flags " in head:
            map_ids.add(head.split(":")[0])
    kept = []
    for head, lines in bl:
        if head is None:
            kept += lines
            continue
        body = "\n".join(lines)
        if "  flags " in head:  # a map
            if head.split(":")[0] not in map_ids:
                continue
            if re.search(r"  name %s_" % tag, head):
                # Made by "map create", without BTF: a btf_id bpftool's
                # "map list" prints for it is the previous map's. bpftool
                # reuses one struct bpf_map_info along the list, and this
                # kernel leaves the BTF fields of a map without BTF
                # unwritten (measured: they keep the caller's bytes),
                # where kbpf zeroes them as Linux's source does. The
                # previous map may be any of the machine's.
                # A frozen map prints it on the "frozen" line.
                lines = [re.sub(r"^\tbtf_id \d+  frozen$", "\tfrozen", l)
                         for l in lines
                         if not re.match(r"^\tbtf_id \d+$", l)]
            kept += lines
            continue
        m = re.search(r"map_ids ([\d,]+)", body)
        if ("  tag " in head or re.search(r"  size \d+B", head)) and m \
                and set(m.group(1).split(",")) <= map_ids:
            kept += lines  # a program, or a BTF object, of this run
        # anything else (other programs, BTF, links) is the machine's
    return "\n".join(kept)


def normalise(text):
    ids = {}

    def idn(kind, n):
        key = (kind, n)
        if key not in ids:
            ids[key] = "%s%d" % (kind, sum(1 for k in ids if k[0] == kind))
        return "<%s>" % ids[key]

    out = []
    for line in text.splitlines():
        m = re.match(r"^(\d+): ", line)
        if m:
            kind = "prog" if "  tag " in line else \
                "map" if "  flags " in line else "btf"
            line = idn(kind, m.group(1)) + line[m.end() - 2:]
        # The order of an id list is bpftool's hash table order (btf
        # list builds one from map id to BTF id), not the objects': seen
        # to differ between two runs of the same batch. Sorted by id.
        for kind in ("map", "prog"):
            line = re.sub(kind + r"_ids ([\d,]+)", lambda m, k=kind: k +
                          "_ids " + ",".join(
                              idn(k, x) for x in
                              sorted(m.group(1).split(","), key=int)),
                          line)
        line = re.sub(r"btf_id (\d+)",
                      lambda m: "btf_id " + idn("btf", m.group(1)), line)
        line = re.sub(r"map\[id:(\d+)\]",
                      lambda m: "map[id:%s]" % idn("map", m.group(1)), line)
        line = re.sub(r"loaded_at \S+", "loaded_at <time>", line)
        line = re.sub(r"(not jited|jited \d+B)", "<jit>", line)
        line = re.sub(r"owner (not )?jited", "owner <jit>", line)
        line = re.sub(r"memlock \d+B", "memlock <n>B", line)
        line = re.sub(r"duration( \(average\))?: \d+ns",
                      r"duration\1: <n>ns", line)
        line = re.sub(r"(call [A-Za-z_0-9]+)#-?\d+", r"\1#<addr>", line)
        out.append(line)
    return "\n".join(out) + "\n"


CGROUP_BATCH = """\
prog loadall COBJ ROOT/cg
cgroup attach CG device pinned ROOT/cg/kbpf_pl_dev multi
cgroup attach CG ingress pinned ROOT/cg/kbpf_pl_skb
cgroup show CG
cgroup show CG effective
cgroup detach CG device pinned ROOT/cg/kbpf_pl_dev
cgroup show CG
cgroup detach CG ingress pinned ROOT/cg/kbpf_pl_skb
cgroup show CG
cgroup attach CG ingress pinned ROOT/cg/kbpf_pl_skb override
cgroup attach CG ingress pinned ROOT/cg/kbpf_pl_dev multi
"""


def cgroup_normalise(text):
    """Program ids at the start of cgroup show lines, in order (bpftool
    pads them to their width); errors keep their text. The batch ends
    with a command that fails, as bpftool's batch stops there."""
    ids = {}
    out = []
    for line in text.splitlines():
        m = re.match(r"^(\d+)\s+", line)
        if m:
            n = ids.setdefault(m.group(1), "<prog%d>" % len(ids))
            line = n + " " + line[m.end():]
        out.append(line)
    return "\n".join(out) + "\n"


def cgroup_commands(bpftool, lib, tmp, pfs, kfs, kernel_ok, cobj, tag):
    """The cgroup batch on both sides, on a cgroup of a private cgroup2
    mount; compared normalised."""
    mnt = os.path.join(tmp, "cgroup2")
    os.mkdir(mnt)
    m = subprocess.run(["mount", "-t", "cgroup2", "none", mnt],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if m.returncode:
        skip("cgroup commands", "cannot mount cgroup2: " +
             m.stdout.decode(errors="replace").strip())
        return
    cg = os.path.join(mnt, "kbpf-" + tag)
    try:
        os.mkdir(cg)
        outs = []
        for side, root in (("kbpf", pfs), ("kernel", kfs)):
            if side == "kernel" and not kernel_ok:
                skip("cgroup commands on the kernel", "no kernel run")
                break
            path = os.path.join(tmp, "cgroup." + side)
            with open(path, "w") as f:
                f.write(CGROUP_BATCH.replace("COBJ", cobj)
                        .replace("ROOT", root).replace("CG", cg))
            env = dict(os.environ, LD_PRELOAD=lib,
                       KBPF_PRELOAD_BPFFS=pfs) if side == "kbpf" else None
            rc, out = run_bpftool(bpftool, ["-n", "batch", "file", path],
                                  env)
            print("---- cgroup commands, %s ----\n%s" % (side, out))
            outs.append(cgroup_normalise(out))
        if len(outs) == 2:
            ok("same bpftool cgroup output as the kernel (normalised)",
               outs[0] == outs[1], diff(outs[1], outs[0]))
    finally:
        if os.path.isdir(cg):
            os.rmdir(cg)  # the kernel detaches what is left
        if subprocess.run(["umount", mnt]).returncode:
            subprocess.run(["umount", "-l", mnt])


def diff(a, b):
    import difflib
    return "".join(difflib.unified_diff(a.splitlines(True),
                                        b.splitlines(True), "kernel",
                                        "kbpf-preload"))


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    lib = os.path.abspath(sys.argv[1])
    obj = None if sys.argv[2] == "-" else os.path.abspath(sys.argv[2])
    bpftool = sys.argv[3] if len(sys.argv) > 3 else shutil.which(
        "bpftool") or shutil.which("bpftool", path="/usr/sbin:/sbin")
    if not bpftool:
        skip("bpftool", "bpftool not installed (apt-get install bpftool)")
        finish()
    if not obj:
        skip("prog commands", "no BPF object (clang or libbpf-dev missing)")

    tmp = tempfile.mkdtemp(prefix="kbpf-preload-")
    tag = "pl%04x" % (os.getpid() & 0xffff)
    kfs = os.path.join(tmp, "kernel-bpffs")
    pfs = os.path.join(tmp, "kbpf-bpffs")
    pkt = os.path.join(tmp, "frame.bin")
    mounted = False
    try:
        with open(pkt, "wb") as f:
            f.write(bytes(range(0x40, 0x40 + 64)))
        tobj = None
        if obj:
            tobj = os.path.join(tmp, tag + ".o")  # map names carry the tag
            shutil.copy(obj, tobj)
        env = dict(os.environ, LD_PRELOAD=lib, KBPF_PRELOAD_BPFFS=pfs)
        # The shim must really be under the program: equal outputs prove
        # nothing if both runs went to the kernel.
        maps = subprocess.run(["cat", "/proc/self/maps"], env=env,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL).stdout.decode()
        if os.path.basename(lib) not in maps:
            ok("kbpf-preload is preloaded", False, maps[-2000:])
            finish()

        # Through the shim: must succeed whether or not the kernel can.
        pbatch = os.path.join(tmp, "batch.kbpf")
        with open(pbatch, "w") as f:
            f.write(batch_text(pfs, tobj, pkt, tag))
        # -n: bpftool never mounts anything (it would mount a bpffs where
        # a pin path is not on one).
        rc, pout = run_bpftool(bpftool, ["-n", "batch", "file", pbatch], env)
        if "ld.so" in pout and "cannot be preloaded" in pout:
            ok("kbpf-preload loads", False, pout)
            finish()
        print("---- bpftool batch through kbpf-preload ----\n" + pout)
        ok("bpftool batch through kbpf-preload exits 0", rc == 0,
           "exit status %d" % rc)

        # The kernel: a private bpffs.
        os.mkdir(kfs)
        m = subprocess.run(["mount", "-t", "bpf", "bpf", kfs],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        mounted = m.returncode == 0
        kout = None
        if not mounted:
            skip("kernel comparison", "cannot mount bpffs: " +
                 m.stdout.decode(errors="replace").strip())
        else:
            kbatch = os.path.join(tmp, "batch.kernel")
            with open(kbatch, "w") as f:
                f.write(batch_text(kfs, tobj, pkt, tag))
            krc, kout = run_bpftool(bpftool, ["-n", "batch", "file", kbatch])
            if krc != 0 and "Operation not permitted" in kout:
                skip("kernel comparison", "bpf(2) not permitted: " +
                     kout.strip().splitlines()[-1])
                kout = None
            else:
                ok("bpftool batch on the kernel exits 0", krc == 0,
                   kout)
        if kout is not None:
            k = normalise(ours(kout, tag))
            p = normalise(ours(pout, tag))
            ok("same bpftool output as the kernel (normalised)", k == p,
               diff(k, p))

        cobj = obj and os.path.join(os.path.dirname(obj),
                                    "preload_cgroup.bpf.o")
        if cobj and os.path.exists(cobj):
            cgroup_commands(bpftool, lib, tmp, pfs, kfs, kout is not None,
                            cobj, tag)
        else:
            skip("cgroup commands", "no cgroup BPF object")

        # feature probe: recorded, not compared.
        rc, fout = run_bpftool(bpftool, ["-n", "feature", "probe"], env)
        ok("feature probe through kbpf-preload exits 0", rc == 0, fout)
        want = ["bpf() syscall is available",
                "eBPF program_type xdp is available",
                "eBPF program_type socket_filter is available",
                "eBPF program_type cgroup_sock is available",
                "eBPF program_type cgroup_sock_addr is available",
                "eBPF program_type cgroup_sockopt is available",
                "eBPF map_type hash is available",
                "eBPF map_type ringbuf is available",
                "eBPF map_type sk_storage is available",
                "eBPF map_type inode_storage is available",
                "eBPF map_type task_storage is available"]
        missing = [w for w in want if w not in fout]
        ok("feature probe finds kbpf's program and map types", not missing,
           "missing: %s" % missing)
        krc, kfout = run_bpftool(bpftool, ["-n", "feature", "probe"])
        if krc == 0 and kout is not None:
            ks, ps = set(kfout.splitlines()), set(fout.splitlines())
            only_k = [l for l in kfout.splitlines() if l not in ps]
            only_p = [l for l in fout.splitlines() if l not in ks]
            print("feature probe: %d lines on the kernel, %d through "
                  "kbpf-preload; %d only on the kernel, %d only through "
                  "kbpf-preload" % (len(kfout.splitlines()),
                                    len(fout.splitlines()), len(only_k),
                                    len(only_p)))
            for l in [l for l in only_k if "is available" in l or
                      "is NOT available" in l][:200]:
                print("  kernel only: " + l.strip())
            for l in only_p[:200]:
                print("  kbpf only:   " + l.strip())
    finally:
        if mounted:
            if subprocess.run(["umount", kfs]).returncode:
                subprocess.run(["umount", "-l", kfs])
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
