# SPDX-License-Identifier: MIT
# The version has one source: the KBPF_VERSION_* macros of include/kbpf/kbpf.h,
# so a kernel that compiles src/ in its own build sees the same numbers as
# project(VERSION), the CMake package and kbpf.pc. Included before project().
file(STRINGS "${CMAKE_CURRENT_LIST_DIR}/../include/kbpf/kbpf.h" _kbpf_version_lines
     REGEX "^#define KBPF_VERSION_(MAJOR|MINOR|PATCH) +[0-9]+$")
foreach(_part MAJOR MINOR PATCH)
  set(KBPF_VERSION_${_part})
  foreach(_line ${_kbpf_version_lines})
    if(_line MATCHES "^#define KBPF_VERSION_${_part} +([0-9]+)$")
      set(KBPF_VERSION_${_part} ${CMAKE_MATCH_1})
    endif()
  endforeach()
  if(KBPF_VERSION_${_part} STREQUAL "")
    message(FATAL_ERROR "include/kbpf/kbpf.h: no #define KBPF_VERSION_${_part} N")
  endif()
endforeach()
set(KBPF_VERSION "${KBPF_VERSION_MAJOR}.${KBPF_VERSION_MINOR}.${KBPF_VERSION_PATCH}")
unset(_kbpf_version_lines)
unset(_part)
unset(_line)
