# lwIP 2.1.3, compiled from the source tree `tools/godwit setup` unpacks outside this
# repository (docs/decisions/0002-*.md). Nothing of lwIP is committed: this file only
# names lwIP's own file lists and builds them with the kernel's freestanding flags and
# Godwit's configuration (net/lwip/lwipopts.h, net/lwip/arch/cc.h).
#
#   godwit_lwip       object library, freestanding, linked into godwit.elf
#   godwit_lwip_host  static library for the host unit tests (same options)
#   GODWIT_LWIP_INCLUDE_DIRS  what code that calls lwIP needs on its include path
include_guard(GLOBAL)

set(GODWIT_LWIP_DIR "$ENV{HOME}/.cache/godwit/lwip-2.1.3" CACHE PATH
  "lwIP 2.1.3 source tree (fetched by tools/godwit setup)")
if(NOT EXISTS "${GODWIT_LWIP_DIR}/src/Filelists.cmake")
  message(FATAL_ERROR
    "lwIP 2.1.3 source not found in ${GODWIT_LWIP_DIR}: run tools/godwit setup "
    "(or set -DGODWIT_LWIP_DIR=<lwip-2.1.3 source tree>)")
endif()

enable_language(C)
set(LWIP_DIR ${GODWIT_LWIP_DIR})
include(${GODWIT_LWIP_DIR}/src/Filelists.cmake)
if(NOT LWIP_VERSION_STRING STREQUAL "2.1.3")
  message(FATAL_ERROR "${GODWIT_LWIP_DIR} holds lwIP ${LWIP_VERSION_STRING}, not 2.1.3: run tools/godwit setup")
endif()

# The core, IPv4 (ARP, ICMP, IP) and the Ethernet layer; no IPv6, PPP, SLIP or apps.
set(GODWIT_LWIP_SOURCES ${lwipcore_SRCS} ${lwipcore4_SRCS} ${LWIP_DIR}/src/netif/ethernet.c)
set(GODWIT_LWIP_INCLUDE_DIRS ${GODWIT_SOURCE_ROOT}/net/lwip ${GODWIT_LWIP_DIR}/src/include)

# lwIP is third-party C that we do not edit, so it gets its own warning set:
# -Wall -Wextra stay on and are errors, except
#   -Wno-unused-parameter: callbacks and stubs for disabled features keep their arguments;
#   -Wno-address-of-packed-member: lwIP takes addresses of fields in its packed wire
#     headers (ip4_addr_copy and friends); x86-64 handles the unaligned accesses.
# Godwit's -Wconversion/-Wshadow/-Wcast-align are not applied: lwIP is written to C89-era
# integer promotion rules and would need hundreds of casts.
set(GODWIT_LWIP_WARNINGS -Wall -Wextra -Werror -Wno-unused-parameter -Wno-address-of-packed-member)

# The kernel's freestanding flags without the C++-only ones.
set(GODWIT_LWIP_C_FLAGS ${GODWIT_FREESTANDING_FLAGS})
list(REMOVE_ITEM GODWIT_LWIP_C_FLAGS -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit)

if(GODWIT_BUILD_IMAGES)
  add_library(godwit_lwip OBJECT ${GODWIT_LWIP_SOURCES})
  set_target_properties(godwit_lwip PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)
  target_compile_options(godwit_lwip PRIVATE ${GODWIT_LWIP_C_FLAGS} ${GODWIT_LWIP_WARNINGS})
  target_compile_definitions(godwit_lwip PRIVATE GODWIT_FREESTANDING=1)
  target_include_directories(godwit_lwip PUBLIC ${GODWIT_LWIP_INCLUDE_DIRS})
endif()

if(GODWIT_BUILD_TESTS)
  add_library(godwit_lwip_host STATIC ${GODWIT_LWIP_SOURCES})
  set_target_properties(godwit_lwip_host PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)
  target_compile_options(godwit_lwip_host PRIVATE ${GODWIT_LWIP_WARNINGS} -g)
  target_include_directories(godwit_lwip_host PUBLIC ${GODWIT_LWIP_INCLUDE_DIRS})
endif()
