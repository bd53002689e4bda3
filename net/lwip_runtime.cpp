// The C library functions lwIP's core calls that the kernel's runtime
// (kernel/runtime/libc.cpp) does not provide: strncmp (lwip_strnstr), and atoi
// (netif_find parsing "en0"), which glibc's <stdlib.h> inlines into strtol when
// optimizing. Image only: the host has its libc.
#include <cstddef>

extern "C" {

int strncmp(const char* a, const char* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i] || a[i] == '\0') {
      return static_cast<unsigned char>(a[i]) - static_cast<unsigned char>(b[i]);
    }
  }
  return 0;
}

// Leading spaces, an optional sign, then digits of `base` (2..36, or 0: decimal, 0x hex,
// leading 0 octal). No errno (the kernel has none): on overflow the value wraps, which
// lwIP never meets (it parses interface numbers of one or two digits).
long strtol(const char* text, char** end, int base) {
  const char* p = text;
  while (*p == ' ' || *p == '\t' || *p == '\n') ++p;
  bool negative = *p == '-';
  if (*p == '-' || *p == '+') ++p;
  if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    p += 2;
    base = 16;
  } else if (base == 0) {
    base = *p == '0' ? 8 : 10;
  }
  unsigned long value = 0;
  const char* digits_start = p;
  for (;; ++p) {
    int digit = *p >= '0' && *p <= '9'   ? *p - '0'
                : *p >= 'a' && *p <= 'z' ? *p - 'a' + 10
                : *p >= 'A' && *p <= 'Z' ? *p - 'A' + 10
                                         : 99;
    if (digit >= base) break;
    value = value * static_cast<unsigned long>(base) + static_cast<unsigned long>(digit);
  }
  if (end != nullptr) *end = const_cast<char*>(p == digits_start ? text : p);
  long result = static_cast<long>(value);
  return negative ? -result : result;
}

int atoi(const char* text) { return static_cast<int>(strtol(text, nullptr, 10)); }

}  // extern "C"
