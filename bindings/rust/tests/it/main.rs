// SPDX-License-Identifier: MIT
//! The crate's integration tests, as one test binary (one link of
//! libkbpf.a instead of one per file): each module drives kbpf through the
//! crate with the Rust test host of `common` and, where libkbpf_posix.a is
//! linked, compares with the C POSIX host.
#![deny(unsafe_op_in_unsafe_fn)]
mod common;

mod layout;
mod loader;
mod maps;
mod packet;
mod perf;
mod prog;
mod user;
