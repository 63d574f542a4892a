# SPDX-License-Identifier: MIT
# cmake --install: what a project that uses kbpf as a dependency needs.
#
#   include/kbpf/**            the public headers (uapi/ included)
#   include/kbpf_posix.h       the POSIX host's header (as in the build tree:
#                              #include "kbpf_posix.h")
#   lib/libkbpf.a              the freestanding core
#   lib/libkbpf_posix.a        the POSIX reference host
#   bin/kbpf                   the kbpf command
#   lib/libkbpf-preload.so     kbpf-preload (tools/preload/CMakeLists.txt
#                              installs it; KBPF_PRELOAD_OK builds only)
#   lib/pkgconfig/kbpf.pc      the core alone (a kernel links only this)
#   lib/pkgconfig/kbpf-posix.pc  the POSIX host; Requires: kbpf
#   lib/cmake/kbpf/            find_package(kbpf): kbpf::kbpf (core),
#                              kbpf::posix (host), kbpf::cli (the command),
#                              version file (0.x: same minor version)
#
# With KBPF_CORE_ONLY only the core, its headers, kbpf.pc and kbpf::kbpf are
# installed. Included at the end of CMakeLists.txt, once the targets exist.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(KBPF_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/kbpf" CACHE STRING
    "Where find_package(kbpf)'s files go, relative to the prefix")
set(KBPF_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig" CACHE STRING
    "Where kbpf.pc and kbpf-posix.pc go, relative to the prefix")

# ---- headers and libraries ------------------------------------------------
install(DIRECTORY "${KBPF_SOURCE_DIR}/include/kbpf"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        FILES_MATCHING PATTERN "*.h")

# The same names for a project that adds kbpf with add_subdirectory().
add_library(kbpf::kbpf ALIAS kbpf)
install(TARGETS kbpf EXPORT kbpfTargets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
set(KBPF_PC_FILES kbpf)

if(TARGET kbpf_posix)
  set_target_properties(kbpf_posix PROPERTIES EXPORT_NAME posix)
  add_library(kbpf::posix ALIAS kbpf_posix)
  install(TARGETS kbpf_posix EXPORT kbpfTargets
          ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
          INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
  install(FILES "${KBPF_SOURCE_DIR}/host/posix/kbpf_posix.h"
          DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
  list(APPEND KBPF_PC_FILES kbpf-posix)
endif()

if(TARGET kbpf_cli)
  set_target_properties(kbpf_cli PROPERTIES EXPORT_NAME cli)
  install(TARGETS kbpf_cli EXPORT kbpfTargets
          RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
endif()

# ---- find_package(kbpf) -----------------------------------------------------
install(EXPORT kbpfTargets NAMESPACE kbpf::
        DESTINATION "${KBPF_INSTALL_CMAKEDIR}")
configure_package_config_file("${KBPF_SOURCE_DIR}/cmake/kbpfConfig.cmake.in"
  "${CMAKE_CURRENT_BINARY_DIR}/kbpfConfig.cmake"
  INSTALL_DESTINATION "${KBPF_INSTALL_CMAKEDIR}")
# 0.x: a minor release may change the API, so 0.1 accepts 0.1.* only.
write_basic_package_version_file(
  "${CMAKE_CURRENT_BINARY_DIR}/kbpfConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/kbpfConfig.cmake"
              "${CMAKE_CURRENT_BINARY_DIR}/kbpfConfigVersion.cmake"
        DESTINATION "${KBPF_INSTALL_CMAKEDIR}")

# ---- pkg-config -------------------------------------------------------------
# The prefix is the one given at install time (cmake --install --prefix P),
# so the files are configured twice: now with everything but the prefix,
# then by the install script with it.
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(KBPF_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(KBPF_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
set(KBPF_PC_PREFIX "@KBPF_PC_PREFIX@") # kept for the second pass
foreach(pc ${KBPF_PC_FILES})
  configure_file("${KBPF_SOURCE_DIR}/cmake/${pc}.pc.in"
                 "${CMAKE_CURRENT_BINARY_DIR}/pkgconfig/${pc}.pc.in" @ONLY)
  install(CODE "set(KBPF_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
    configure_file(\"${CMAKE_CURRENT_BINARY_DIR}/pkgconfig/${pc}.pc.in\"
                   \"${CMAKE_CURRENT_BINARY_DIR}/pkgconfig/${pc}.pc\" @ONLY)")
  install(FILES "${CMAKE_CURRENT_BINARY_DIR}/pkgconfig/${pc}.pc"
          DESTINATION "${KBPF_INSTALL_PKGCONFIGDIR}")
endforeach()
