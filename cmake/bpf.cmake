# SPDX-License-Identifier: MIT
# Compiling BPF C programs with clang at build time.
#
# KBPF_BPF_OK is ON when clang and libbpf's bpf/bpf_helpers.h (libbpf-dev)
# are there; otherwise KBPF_BPF_WHY says what is missing and callers skip.
#
# kbpf_bpf_object(OUT SRC [TARGET bpf|bpfeb] [FLAGS ...]): a custom command
# that builds OUT from SRC with `clang -O2 -g -target TARGET`.
find_program(KBPF_BPF_CLANG NAMES clang clang-14 clang-15 clang-16)
find_path(KBPF_BPF_HELPERS_DIR bpf/bpf_helpers.h)
set(KBPF_BPF_OK OFF)
if(NOT KBPF_BPF_CLANG)
  set(KBPF_BPF_WHY "clang not found (apt-get install clang)")
elseif(NOT KBPF_BPF_HELPERS_DIR)
  set(KBPF_BPF_WHY "bpf/bpf_helpers.h not found (apt-get install libbpf-dev)")
else()
  set(KBPF_BPF_OK ON)
  set(KBPF_BPF_WHY "")
endif()

# <linux/types.h> needs <asm/types.h>, which lives in the multiarch directory.
if(NOT KBPF_BPF_MULTIARCH)
  execute_process(COMMAND gcc -print-multiarch OUTPUT_VARIABLE _ma
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT _ma AND CMAKE_LIBRARY_ARCHITECTURE)
    set(_ma ${CMAKE_LIBRARY_ARCHITECTURE})
  endif()
  set(KBPF_BPF_MULTIARCH "${_ma}" CACHE STRING "multiarch include dir for asm/types.h")
endif()

function(kbpf_bpf_object out src)
  cmake_parse_arguments(B "" "TARGET" "FLAGS" ${ARGN})
  if(NOT B_TARGET)
    set(B_TARGET bpf)
  endif()
  set(inc)
  if(KBPF_BPF_MULTIARCH)
    list(APPEND inc -I/usr/include/${KBPF_BPF_MULTIARCH})
  endif()
  add_custom_command(OUTPUT ${out}
    COMMAND ${KBPF_BPF_CLANG} -O2 -g -target ${B_TARGET} ${inc} ${B_FLAGS}
            -Wall -Werror -c ${src} -o ${out}
    DEPENDS ${src}
    COMMENT "BPF ${B_TARGET} ${out}")
endfunction()
