# Compiler settings shared by every Godwit target, and the helpers that declare code
# once and compile it for the two worlds it lives in (see docs/decisions/0001-*.md).

set(GODWIT_WARNINGS
  -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wconversion -Wno-sign-conversion -Wnull-dereference -Wimplicit-fallthrough)

# Freestanding code runs without libc, exceptions, RTTI, a red zone (interrupts would
# clobber it) or SSE state (the hypervisor never saves it on entry).
set(GODWIT_FREESTANDING_FLAGS
  -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit
  -fno-stack-protector -fno-pic -fno-pie -fno-asynchronous-unwind-tables -fno-unwind-tables
  -mno-red-zone -mgeneral-regs-only -mcmodel=small -fno-omit-frame-pointer -O2 -g)

set(GODWIT_SOURCE_ROOT ${CMAKE_SOURCE_DIR})

# godwit_pure_library(NAME SOURCES ...)
#   Code that needs no hardware. Produces NAME (freestanding objects for the images) and
#   NAME_host (a native static library the unit tests link against).
function(godwit_pure_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} OBJECT ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${GODWIT_FREESTANDING_FLAGS} ${GODWIT_WARNINGS})
  target_include_directories(${name} PUBLIC ${GODWIT_SOURCE_ROOT} ${GODWIT_SOURCE_ROOT}/include)
  target_compile_definitions(${name} PUBLIC GODWIT_FREESTANDING=1)
  if(GODWIT_BUILD_TESTS)
    add_library(${name}_host STATIC ${ARG_SOURCES})
    target_compile_options(${name}_host PRIVATE ${GODWIT_WARNINGS} -g)
    target_include_directories(${name}_host PUBLIC ${GODWIT_SOURCE_ROOT} ${GODWIT_SOURCE_ROOT}/include)
    foreach(dep ${ARG_DEPS})
      target_link_libraries(${name}_host PUBLIC ${dep}_host)
    endforeach()
  endif()
endfunction()

# godwit_kernel_library(NAME SOURCES ...)
#   Hardware-facing code that only exists in the hypervisor image.
function(godwit_kernel_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  add_library(${name} OBJECT ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:${GODWIT_FREESTANDING_FLAGS} ${GODWIT_WARNINGS}>)
  target_include_directories(${name} PUBLIC ${GODWIT_SOURCE_ROOT} ${GODWIT_SOURCE_ROOT}/include)
  target_compile_definitions(${name} PUBLIC GODWIT_FREESTANDING=1)
endfunction()

# godwit_pure_sources(NAME SOURCES...)
#   Adds sources from a subfolder to a pure library in both worlds.
function(godwit_pure_sources name)
  target_sources(${name} PRIVATE ${ARGN})
  if(GODWIT_BUILD_TESTS)
    target_sources(${name}_host PRIVATE ${ARGN})
  endif()
endfunction()
