// SPDX-License-Identifier: MIT
//! Links the C library.
//!
//! Two ways, no crates involved (std::process::Command only):
//!
//! * `KBPF_LIB_DIR=/path` names a directory holding a prebuilt `libkbpf.a`
//!   (a kernel's cross build: `cmake -DKBPF_CORE_ONLY=ON
//!   -DCMAKE_TOOLCHAIN_FILE=...`). If `libkbpf_posix.a` sits beside it and
//!   the target is the build machine, the POSIX reference host is linked too
//!   (the crate's tests compare against it).
//! * Otherwise, for the build machine's own target only, build.rs runs
//!   CMake on the repository (`<OUT_DIR>/kbpf-build`): the core, the POSIX
//!   host and, when clang and libbpf-dev are there, the example BPF objects
//!   the loader tests read (their directory is passed to the tests as
//!   `KBPF_EXAMPLES_DIR`).
//!
//! `KBPF_CMAKE_ARGS` adds arguments to the CMake configure step.
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &mut Command, what: &str) {
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("kbpf build: cannot start {what}: {e}"));
    if !status.success() {
        panic!("kbpf build: {what} failed ({status})");
    }
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.join("../..").canonicalize().expect("repository root");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let target = env::var("TARGET").unwrap();
    let host = env::var("HOST").unwrap();
    let native = target == host && target.contains("linux");

    // core::ffi's C types and CStr are stable from Rust 1.64; before, the
    // crate defines its own (src/ffi.rs).
    let minor = rustc_minor();
    if minor < 64 {
        println!("cargo:rustc-cfg=kbpf_own_ffi");
    }
    // Declared cfgs (Rust 1.80 checks them); the single-colon form, which
    // cargo accepts for a package whose rust-version is below 1.77.
    if minor >= 80 {
        println!("cargo:rustc-check-cfg=cfg(kbpf_posix)");
        println!("cargo:rustc-check-cfg=cfg(kbpf_own_ffi)");
    }
    println!("cargo:rerun-if-env-changed=KBPF_LIB_DIR");
    println!("cargo:rerun-if-env-changed=KBPF_CMAKE_ARGS");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=layout/layout.c");

    let lib_dir = match env::var_os("KBPF_LIB_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            if !native {
                panic!(
                    "kbpf build: cross builds need KBPF_LIB_DIR: build libkbpf.a with \
                     cmake -DKBPF_CORE_ONLY=ON -DCMAKE_TOOLCHAIN_FILE=... and point \
                     KBPF_LIB_DIR at it"
                );
            }
            cmake_build(&root, &out)
        }
    };
    if !lib_dir.join("libkbpf.a").exists() {
        panic!("kbpf build: no libkbpf.a in {}", lib_dir.display());
    }
    println!("cargo:rustc-link-search=native={}", lib_dir.display());
    println!("cargo:rustc-link-lib=static=kbpf");
    if native && lib_dir.join("libkbpf_posix.a").exists() {
        println!("cargo:rustc-link-lib=static=kbpf_posix");
        println!("cargo:rustc-link-lib=dylib=pthread");
        println!("cargo:rustc-cfg=kbpf_posix");
        layout_lib(&root, &manifest, &out);
    }
    let examples = lib_dir.join("examples");
    if examples.join("counter.bpf.o").exists() {
        println!("cargo:rustc-env=KBPF_EXAMPLES_DIR={}", examples.display());
    }
}

/// The minor version of the rustc cargo builds with (`rustc 1.63.0 ...`):
/// 63 for Debian bookworm's. Panics if it cannot be read.
fn rustc_minor() -> u32 {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(&rustc)
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("kbpf build: cannot run {:?} --version: {e}", rustc));
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .nth(1)
        .and_then(|v| v.split('.').nth(1))
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("kbpf build: cannot read the rustc version from {text:?}"))
}

/// Configure and build the core, the POSIX host and the examples; return
/// the directory holding the libraries.
fn cmake_build(root: &Path, out: &Path) -> PathBuf {
    for dir in ["src", "include", "host/posix", "examples", "cmake", "CMakeLists.txt"] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    let build = out.join("kbpf-build");
    let mut cfg = Command::new("cmake");
    cfg.arg("-S")
        .arg(root)
        .arg("-B")
        .arg(&build)
        .arg("-DCMAKE_BUILD_TYPE=Release")
        .arg("-DKBPF_PIC=ON");
    if let Ok(extra) = env::var("KBPF_CMAKE_ARGS") {
        cfg.args(extra.split_whitespace());
    }
    run(cfg.stdout(std::process::Stdio::null()), "cmake configure");
    let jobs = env::var("NUM_JOBS").unwrap_or_else(|_| "2".into());
    let mut targets = vec!["kbpf", "kbpf_posix"];
    // The examples target exists only when clang and libbpf-dev were found.
    let cache = std::fs::read_to_string(build.join("CMakeCache.txt")).unwrap_or_default();
    if cache.contains("KBPF_BPF_HELPERS_DIR:PATH=/") {
        targets.push("examples");
    }
    let mut b = Command::new("cmake");
    b.arg("--build").arg(&build).arg("-j").arg(&jobs).arg("--target").args(&targets);
    run(b.stdout(std::process::Stdio::null()), "cmake --build");
    build
}

/// Compile layout/layout.c (offsetof and sizeof of the public structs, as
/// the C compiler sees them) into a static library for tests/it/layout.rs.
fn layout_lib(root: &Path, manifest: &Path, out: &Path) {
    let cc = env::var("CC").unwrap_or_else(|_| "cc".into());
    let obj = out.join("kbpf_rs_layout.o");
    run(
        Command::new(&cc)
            .args(["-std=gnu11", "-O2", "-fPIC", "-c"])
            .arg("-I")
            .arg(root.join("include"))
            .arg(manifest.join("layout/layout.c"))
            .arg("-o")
            .arg(&obj),
        "cc layout.c",
    );
    let lib = out.join("libkbpf_rs_layout.a");
    let _ = std::fs::remove_file(&lib);
    run(Command::new("ar").arg("crs").arg(&lib).arg(&obj), "ar");
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=kbpf_rs_layout");
}
