#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build kbpf and run the demo. Installs missing Debian packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/demo -j"$(nproc)" >/dev/null
exec build/demo/examples/kbpf_demo
