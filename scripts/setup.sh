#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install what building and testing kbpf needs on a Debian machine, if it is
# missing. Safe to run again; installs nothing when all is present.
set -euo pipefail

need=(cmake make gcc clang llvm libclang-rt-14-dev libbpf-dev libelf-dev
      zlib1g-dev python3 gcc-aarch64-linux-gnu libc6-dev-arm64-cross
      gcc-riscv64-linux-gnu libc6-dev-riscv64-cross qemu-user clang-format
      binutils pkg-config qemu-system-misc opensbi bindgen bpftool
      rustc cargo rust-src librust-compiler-builtins-dev)
missing=()
for p in "${need[@]}"; do
	dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: all build and test dependencies present"
