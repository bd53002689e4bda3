// The pure parts of the cpuid guest (guests/README.md, "cpuid"): which leaves it reads,
// the fixed-width hex it prints them in, the text of vendor and brand registers, and the
// digest over everything it printed. Header-only, unit-tested on the host.
#pragma once

#include <cstddef>
#include <cstdint>

namespace godwit::guest::cpuid {

// Leaves 0 .. min(maximum basic, 0x1F) and 0x80000000 .. min(maximum extended,
// 0x8000001F), subleaf 0: everything a model can list, bounded so a host with many leaves
// cannot flood the console.
inline constexpr uint32_t kBasicCap = 0x1F;
inline constexpr uint32_t kExtendedFirst = 0x8000'0000;
inline constexpr uint32_t kExtendedCap = 0x8000'001F;

inline uint32_t last_basic(uint32_t max_basic) { return max_basic < kBasicCap ? max_basic : kBasicCap; }
// No extended leaves at all when leaf 0x80000000 does not report that range.
inline bool has_extended(uint32_t max_extended) { return max_extended >= kExtendedFirst; }
inline uint32_t last_extended(uint32_t max_extended) {
  return max_extended < kExtendedCap ? max_extended : kExtendedCap;
}

// "0x" and exactly 8 (or 16) lower-case hex digits, NUL-terminated.
struct Hex32 {
  char text[11];
};
struct Hex64 {
  char text[19];
};
inline Hex32 hex32(uint32_t v) {
  Hex32 h{};
  h.text[0] = '0', h.text[1] = 'x';
  for (int i = 0; i < 8; ++i) h.text[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xF];
  return h;
}
inline Hex64 hex64(uint64_t v) {
  Hex64 h{};
  h.text[0] = '0', h.text[1] = 'x';
  for (int i = 0; i < 16; ++i) h.text[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xF];
  return h;
}

// The bytes of `count` registers as text (little-endian, as CPUID spells vendor and
// brand), cut at the first NUL; bytes outside printable ASCII and '"' become '.'.
// `out` holds 4 * count + 1 bytes.
inline void register_text(char* out, const uint32_t* regs, size_t count) {
  size_t n = 0;
  for (size_t r = 0; r < count; ++r) {
    for (unsigned b = 0; b < 4; ++b) {
      auto c = static_cast<char>((regs[r] >> (8 * b)) & 0xFF);
      if (c == '\0') {
        out[n] = '\0';
        return;
      }
      out[n++] = (c < ' ' || c > '~' || c == '"') ? '.' : c;
    }
  }
  out[n] = '\0';
}

// FNV-1a (64-bit) over the little-endian bytes of leaf, subleaf, EAX, EBX, ECX, EDX of
// each printed leaf in order, starting from the offset basis.
inline constexpr uint64_t kDigestStart = 0xcbf29ce484222325ull;
inline uint64_t digest_leaf(uint64_t h, const uint32_t (&words)[6]) {
  for (uint32_t w : words) {
    for (unsigned b = 0; b < 4; ++b) {
      h ^= (w >> (8 * b)) & 0xFF;
      h *= 0x100000001b3ull;
    }
  }
  return h;
}

// CPUID 0x40000001 EBX (include/godwit/abi.h) as a word.
inline const char* hypercall_name(uint32_t instruction) {
  return instruction == 1 ? "vmcall" : instruction == 2 ? "vmmcall" : "unknown";
}

}  // namespace godwit::guest::cpuid
