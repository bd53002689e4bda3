# BearSSL 0.6, compiled from the source tree `tools/godwit setup` unpacks outside this
# repository (docs/decisions/0013-*.md). Nothing of BearSSL is committed: this file only
# names the few files Godwit uses and builds them with the kernel's freestanding flags.
# They need nothing of libc but memcpy and memset, and no heap.
#
#   godwit_bearssl       object library, freestanding, linked into godwit.elf
#   godwit_bearssl_host  static library for the host unit tests and benchmarks
#   GODWIT_BEARSSL_INCLUDE_DIRS  BearSSL's public headers (include them as <bearssl_*.h>)
include_guard(GLOBAL)

set(GODWIT_BEARSSL_DIR "$ENV{HOME}/.cache/godwit/bearssl-0.6" CACHE PATH
  "BearSSL 0.6 source tree (fetched by tools/godwit setup)")
if(NOT EXISTS "${GODWIT_BEARSSL_DIR}/src/symcipher/poly1305_ctmul.c")
  message(FATAL_ERROR
    "BearSSL 0.6 source not found in ${GODWIT_BEARSSL_DIR}: run tools/godwit setup "
    "(or set -DGODWIT_BEARSSL_DIR=<bearssl-0.6 source tree>)")
endif()

enable_language(C)

# Only what the migration's record protection (migration/record_protection.h) and the
# nonce's entropy pool (kernel/random/) need:
#   ChaCha20 (portable, constant-time; the SSE2 one cannot run in a kernel without SSE),
#   the ChaCha20-Poly1305 AEAD's two constant-time Poly1305s, ctmul (32-bit multiplies)
#   and ctmulq (64x64->128), of which each node keeps the faster on its CPU
#   (migration/chacha20_poly1305.h),
#   HKDF over HMAC over SHA-256, and the big-endian codecs SHA-256 uses.
set(GODWIT_BEARSSL_SOURCES
  ${GODWIT_BEARSSL_DIR}/src/symcipher/chacha20_ct.c
  ${GODWIT_BEARSSL_DIR}/src/symcipher/poly1305_ctmul.c
  ${GODWIT_BEARSSL_DIR}/src/symcipher/poly1305_ctmulq.c
  ${GODWIT_BEARSSL_DIR}/src/kdf/hkdf.c
  ${GODWIT_BEARSSL_DIR}/src/mac/hmac.c
  ${GODWIT_BEARSSL_DIR}/src/hash/sha2small.c
  ${GODWIT_BEARSSL_DIR}/src/codec/dec32be.c
  ${GODWIT_BEARSSL_DIR}/src/codec/enc32be.c)
set(GODWIT_BEARSSL_INCLUDE_DIRS ${GODWIT_BEARSSL_DIR}/inc)

# Third-party C we do not edit: its own warning set (Godwit's -Wconversion and friends
# would need edits), errors still fatal. -O2 in both worlds so the host benchmark
# (tools/godwit bench crypto) measures the code the kernel runs, compiled the same way.
set(GODWIT_BEARSSL_WARNINGS -Wall -Wextra -Werror)
set(GODWIT_BEARSSL_C_FLAGS ${GODWIT_FREESTANDING_FLAGS})
list(REMOVE_ITEM GODWIT_BEARSSL_C_FLAGS -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit)

if(GODWIT_BUILD_IMAGES)
  add_library(godwit_bearssl OBJECT ${GODWIT_BEARSSL_SOURCES})
  set_target_properties(godwit_bearssl PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)
  target_compile_options(godwit_bearssl PRIVATE ${GODWIT_BEARSSL_C_FLAGS} ${GODWIT_BEARSSL_WARNINGS})
  target_include_directories(godwit_bearssl PRIVATE ${GODWIT_BEARSSL_DIR}/src)
  target_include_directories(godwit_bearssl SYSTEM PUBLIC ${GODWIT_BEARSSL_INCLUDE_DIRS})
endif()

if(GODWIT_BUILD_TESTS)
  add_library(godwit_bearssl_host STATIC ${GODWIT_BEARSSL_SOURCES})
  set_target_properties(godwit_bearssl_host PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)
  target_compile_options(godwit_bearssl_host PRIVATE ${GODWIT_BEARSSL_WARNINGS} -O2 -g)
  target_include_directories(godwit_bearssl_host PRIVATE ${GODWIT_BEARSSL_DIR}/src)
  target_include_directories(godwit_bearssl_host SYSTEM PUBLIC ${GODWIT_BEARSSL_INCLUDE_DIRS})
  # Under UBSan (the asan and fuzz builds) BearSSL's 32-bit loads through unaligned
  # pointers, legal on x86 and what its own config picks there, are reported as
  # misaligned accesses: make it read byte by byte in those builds instead.
  if(GODWIT_SANITIZE OR GODWIT_FUZZ_SANITIZERS)
    target_compile_definitions(godwit_bearssl_host PRIVATE BR_LE_UNALIGNED=0 BR_BE_UNALIGNED=0)
  endif()
endif()
