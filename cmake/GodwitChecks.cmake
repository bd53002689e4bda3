# The sanitizer builds, beside the main one (docs/decisions/0015-fuzzing-and-sanitizer-builds.md):
#
#   build/asan   the unit tests again with ASan and UBSan (GODWIT_SANITIZE=ON, no images);
#                CTest test `unit-asan`, label `asan`
#   build/fuzz   the libFuzzer targets of tests/fuzz, built with clang, and their seed
#                corpus; CTest tests `fuzz-NAME`, label `fuzz`, each fuzzing for
#                GODWIT_FUZZ_SECONDS (tools/godwit fuzz runs them longer)
#
# Both are ExternalProjects outside `all`: `tools/godwit build` stays as fast as it was,
# and `tools/godwit test` builds the target `godwit_checks` before running CTest.
include_guard(GLOBAL)
include(ExternalProject)

option(GODWIT_CHECKS "Build the unit tests with sanitizers and the fuzz targets (needs clang)" ON)
set(GODWIT_FUZZ_SECONDS 10 CACHE STRING "How long each fuzz target runs as a CTest test")

if(NOT GODWIT_CHECKS)
  return()
endif()
if(GODWIT_SANITIZE)
  message(FATAL_ERROR "GODWIT_CHECKS is for the main build: configure a sanitizer build with -DGODWIT_CHECKS=OFF")
endif()

find_program(GODWIT_CLANGXX NAMES clang++)
find_program(GODWIT_CLANG NAMES clang)  # BearSSL is C: the fuzz build instruments it too
if(NOT GODWIT_CLANGXX)
  message(FATAL_ERROR "clang++ not found: the fuzz targets need it (run tools/godwit setup, "
                      "or configure with -DGODWIT_CHECKS=OFF)")
endif()

# A change anywhere in the tree must reach the sub-builds: they are always built (make
# then finds little to do), and they see the compiler launcher (ccache) this build has.
set(check_args -DGODWIT_LWIP_DIR=${GODWIT_LWIP_DIR})
foreach(var CMAKE_CXX_COMPILER_LAUNCHER CMAKE_C_COMPILER_LAUNCHER)
  if(DEFINED ENV{${var}})
    list(APPEND check_args -D${var}=$ENV{${var}})
  endif()
endforeach()

set(GODWIT_ASAN_DIR ${CMAKE_BINARY_DIR}/asan)
ExternalProject_Add(godwit_unit_asan
  SOURCE_DIR ${CMAKE_SOURCE_DIR}
  BINARY_DIR ${GODWIT_ASAN_DIR}
  CMAKE_ARGS ${check_args} -DCMAKE_BUILD_TYPE=Debug -DGODWIT_BUILD_IMAGES=OFF -DGODWIT_CHECKS=OFF
             -DGODWIT_SANITIZE=ON
  BUILD_COMMAND $(MAKE) godwit_unit_tests
  INSTALL_COMMAND ""
  BUILD_ALWAYS ON
  EXCLUDE_FROM_ALL ON
  USES_TERMINAL_BUILD OFF)
add_test(NAME unit-asan COMMAND ${GODWIT_ASAN_DIR}/tests/unit/godwit_unit_tests --gtest_brief=1)
set_tests_properties(unit-asan PROPERTIES LABELS asan
  ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1")

set(GODWIT_FUZZ_DIR ${CMAKE_BINARY_DIR}/fuzz)
set(fuzz_args ${check_args} -DCMAKE_CXX_COMPILER=${GODWIT_CLANGXX} -DCMAKE_C_COMPILER=${GODWIT_CLANG}
  -DCMAKE_BUILD_TYPE=)
set(fuzz_depends "")
if(GODWIT_BUILD_IMAGES)
  # The guests' ELF images seed elf_image_fuzz.
  list(APPEND fuzz_args -DGODWIT_GUEST_DIR=${CMAKE_BINARY_DIR}/guests)
  set(fuzz_depends DEPENDS guests)
endif()
ExternalProject_Add(godwit_fuzz
  SOURCE_DIR ${CMAKE_SOURCE_DIR}/tests/fuzz
  BINARY_DIR ${GODWIT_FUZZ_DIR}
  CMAKE_ARGS ${fuzz_args}
  ${fuzz_depends}
  INSTALL_COMMAND ""
  BUILD_ALWAYS ON
  EXCLUDE_FROM_ALL ON)

include(${CMAKE_SOURCE_DIR}/tests/fuzz/targets.cmake)
foreach(target ${GODWIT_FUZZ_TARGETS})
  get_filename_component(name ${target} NAME)
  # A working corpus that grows across runs, then the seeds; crashes land in crashes/.
  # (the fuzz build makes those folders).
  add_test(NAME fuzz-${name}
    COMMAND ${GODWIT_FUZZ_DIR}/${name}_fuzz -max_total_time=${GODWIT_FUZZ_SECONDS} -timeout=10
            -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=${GODWIT_FUZZ_DIR}/crashes/${name}-
            ${GODWIT_FUZZ_DIR}/corpus/${name} ${GODWIT_FUZZ_DIR}/seeds/${name})
  set_tests_properties(fuzz-${name} PROPERTIES LABELS fuzz TIMEOUT 120)
endforeach()

add_custom_target(godwit_checks DEPENDS godwit_unit_asan godwit_fuzz)
