/* lwIP's port header for Godwit (see lwIP's doc/ and src/include/lwip/arch.h): types,
 * byte order, structure packing, and the three things lwIP asks of the platform:
 * randomness, diagnostics and assertion failure. Those are C functions implemented in
 * net/lwip_port.cpp, which forwards them to the kernel (or, in the unit tests,
 * to the host). Compiled as C (lwIP) and C++ (the glue). */
#ifndef GODWIT_LWIP_ARCH_CC_H
#define GODWIT_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

uint32_t godwit_lwip_random(void);
void godwit_lwip_diag(const char* format, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void godwit_lwip_assert(const char* message, const char* file, int line);

#ifdef __cplusplus
}
#endif

/* x86-64 only. */
#define BYTE_ORDER LITTLE_ENDIAN
#define lwip_htons(x) __builtin_bswap16((uint16_t)(x))
#define lwip_htonl(x) __builtin_bswap32((uint32_t)(x))

/* No libc headers beyond what a freestanding compiler provides itself. */
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_LIMITS_H 1
#define LWIP_NO_UNISTD_H 1
#define LWIP_NO_CTYPE_H 1
#define X8_F "02x"
#define U16_F "hu"
#define S16_F "hd"
#define X16_F "hx"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"
/* arch.h needs ssize_t and SSIZE_MAX; the host's <limits.h> may define it first. */
#ifndef SSIZE_MAX
#define SSIZE_MAX __PTRDIFF_MAX__
#endif
typedef ptrdiff_t ssize_t;
#define LWIP_PROVIDE_ERRNO 1

/* lwIP's on-wire headers are packed structures. */
#define PACK_STRUCT_STRUCT __attribute__((packed))
#define PACK_STRUCT_BEGIN
#define PACK_STRUCT_END
#define PACK_STRUCT_FIELD(x) x

/* Initial sequence numbers and ephemeral ports: from the TSC (see lwip_port.cpp). */
#define LWIP_RAND() godwit_lwip_random()

/* LWIP_PLATFORM_DIAG((fmt, args...)): one log line. */
#define LWIP_PLATFORM_DIAG(x) \
  do {                        \
    godwit_lwip_diag x;       \
  } while (0)
/* A broken lwIP invariant is a broken hypervisor invariant: the kernel's panic, naming
 * the lwIP source line. */
#define LWIP_PLATFORM_ASSERT(x) godwit_lwip_assert((x), __FILE__, __LINE__)

#endif /* GODWIT_LWIP_ARCH_CC_H */
