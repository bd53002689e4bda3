#include "net/lwip_port.h"

#include <cstdarg>

#include "lib/format.h"
#include "lwip/arch.h"
#include "lwip/sys.h"

namespace godwit::net {

namespace {

const LwipPort* installed = nullptr;

struct PrintfSpec {
  bool left = false, zero = false;
  unsigned width = 0;
  int longs = 0;  // -2 hh, -1 h, 0 int, 1 l, 2 ll, 3 z
};

void pad_to(Sink& out, std::string_view text, const PrintfSpec& spec) {
  size_t pad = spec.width > text.size() ? spec.width - text.size() : 0;
  if (spec.left) out.write(text);
  for (size_t i = 0; i < pad; ++i) out.write(spec.zero && !spec.left ? "0" : " ");
  if (!spec.left) out.write(text);
}

uint64_t unsigned_arg(va_list& args, int longs) {
  if (longs >= 1) return va_arg(args, unsigned long);
  unsigned value = va_arg(args, unsigned);
  if (longs == -1) return static_cast<uint16_t>(value);
  if (longs == -2) return static_cast<uint8_t>(value);
  return value;
}

int64_t signed_arg(va_list& args, int longs) {
  if (longs >= 1) return va_arg(args, long);
  int value = va_arg(args, int);
  if (longs == -1) return static_cast<int16_t>(value);
  if (longs == -2) return static_cast<int8_t>(value);
  return value;
}

// Formats one conversion; returns the pointer past it.
const char* convert(Sink& out, const char* p, va_list& args) {
  PrintfSpec spec;
  for (;; ++p) {
    if (*p == '-')
      spec.left = true;
    else if (*p == '0')
      spec.zero = true;
    else
      break;
  }
  for (; *p >= '0' && *p <= '9'; ++p) spec.width = spec.width * 10 + static_cast<unsigned>(*p - '0');
  for (; *p == 'h'; ++p) --spec.longs;
  for (; *p == 'l'; ++p) ++spec.longs;
  if (*p == 'z') {
    spec.longs = 3;
    ++p;
  }
  FixedString<32> text;
  switch (*p) {
    case 'd':
    case 'i': format(text, "{}", signed_arg(args, spec.longs)); break;
    case 'u': format(text, "{}", unsigned_arg(args, spec.longs)); break;
    case 'x': format(text, "{:x}", unsigned_arg(args, spec.longs)); break;
    case 'X': format(text, "{:X}", unsigned_arg(args, spec.longs)); break;
    case 'p': format(text, "{}", va_arg(args, const void*)); break;
    case 'c': format(text, "{}", static_cast<char>(va_arg(args, int))); break;
    case 's': {
      const char* s = va_arg(args, const char*);
      pad_to(out, s != nullptr ? std::string_view(s) : std::string_view("(null)"), spec);
      return p + 1;
    }
    case '%': out.write("%"); return p + 1;
    default: out.write("%"); return p;  // not understood: print it as it stands
  }
  pad_to(out, text.view(), spec);
  return p + 1;
}

}  // namespace

void install_lwip_port(const LwipPort& port) { installed = &port; }

uint64_t lwip_now_ns() { return installed ? installed->now_ns() : 0; }

void format_printf(Sink& out, const char* fmt, va_list args) {
  va_list own;
  va_copy(own, args);
  for (const char* p = fmt; *p != '\0';) {
    if (*p != '%') {
      const char* start = p;
      while (*p != '\0' && *p != '%') ++p;
      out.write(std::string_view(start, static_cast<size_t>(p - start)));
      continue;
    }
    p = convert(out, p + 1, own);
  }
  va_end(own);
}

}  // namespace godwit::net

using godwit::net::installed;

extern "C" {

// Wraps after 49 days; lwIP compares times by difference, so wrapping is harmless.
u32_t sys_now(void) { return static_cast<u32_t>(godwit::net::lwip_now_ns() / 1'000'000); }

uint32_t godwit_lwip_random(void) { return installed ? installed->random() : 0x2545f491; }

void godwit_lwip_diag(const char* fmt, ...) {
  godwit::FixedString<160> line;
  va_list args;
  va_start(args, fmt);
  godwit::net::format_printf(line.sink(), fmt, args);
  va_end(args);
  std::string_view text = line.view();
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (installed) installed->diag(text);
}

void godwit_lwip_assert(const char* message, const char* file, int line) {
  if (installed) installed->fatal(message, file, line);
  __builtin_trap();
}

}  // extern "C"
