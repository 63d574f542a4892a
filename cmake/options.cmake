# SPDX-License-Identifier: MIT
# Build options: one per instrumented build.
option(KBPF_WERROR "Treat warnings as errors" ON)
option(KBPF_CORE_ONLY "Build only the freestanding core (cross-compile check)" OFF)
set(KBPF_SANITIZE "" CACHE STRING "Sanitizers: address,undefined | thread | empty")
option(KBPF_FUZZ "Build libFuzzer targets (clang)" OFF)
option(KBPF_COVERAGE "Build with coverage instrumentation" OFF)
option(KBPF_INTERP_SWITCH "Interpreter: portable switch dispatch instead of computed goto" OFF)
# x86-64 JIT: checked runs of unproven programs as checked native code
# (docs/design/jit.md); OFF leaves them to the checked interpreter.
option(KBPF_JIT_CHECKED "x86-64 JIT: checked native code for checked runs" ON)
# Position-independent code (-fPIC), so libkbpf.a and libkbpf_posix.a link
# into a shared object; CMAKE_POSITION_INDEPENDENT_CODE=ON does the same.
# Off by default: static code keeps the POSIX host's thread-locals in the
# local-exec TLS model, the fastest.
option(KBPF_PIC "Position-independent libraries, to link into a shared object" OFF)
if(KBPF_PIC)
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
endif()
option(KBPF_STATIC_TESTS "Link test programs statically (qemu-user runs)" OFF)

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

# True when the core carries instrumentation, so nm shows runtime symbols.
set(KBPF_INSTRUMENTED OFF)
if(KBPF_SANITIZE OR KBPF_FUZZ OR KBPF_COVERAGE)
  set(KBPF_INSTRUMENTED ON)
endif()

# kbpf-preload (tools/preload/) is built, and its test run, on native Linux
# builds without instrumentation: a sanitizer runtime cannot be preloaded
# into an uninstrumented program such as bpftool.
set(KBPF_PRELOAD_OK OFF)
if(NOT KBPF_INSTRUMENTED AND NOT KBPF_STATIC_TESTS AND NOT CMAKE_CROSSCOMPILING
   AND CMAKE_SYSTEM_NAME STREQUAL "Linux")
  set(KBPF_PRELOAD_OK ON)
endif()

function(kbpf_instrument target)
  if(KBPF_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${KBPF_SANITIZE}
                           -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(${target} PUBLIC -fsanitize=${KBPF_SANITIZE})
  endif()
  if(KBPF_FUZZ)
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
  if(KBPF_COVERAGE)
    target_compile_options(${target} PRIVATE --coverage)
    target_link_options(${target} PUBLIC --coverage)
  endif()
endfunction()
