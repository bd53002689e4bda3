#include "lib/format.h"

namespace godwit {

void BufferSink::write(std::string_view text) {
  for (char c : text) {
    if (size_ == capacity_) {
      overflowed_ = true;
      return;
    }
    buffer_[size_++] = c;
  }
}

namespace {

struct Spec {
  bool left = false;
  bool zero = false;
  bool prefix = false;  // '#'
  unsigned width = 0;
  char type = 0;
};

// Parses the text between ':' and '}'. Returns false on a spec it does not understand.
bool parse_spec(std::string_view text, Spec& spec) {
  size_t i = 0;
  if (i < text.size() && (text[i] == '<' || text[i] == '>')) spec.left = text[i++] == '<';
  if (i < text.size() && text[i] == '#') {
    spec.prefix = true;
    ++i;
  }
  if (i < text.size() && text[i] == '0') {
    spec.zero = true;
    ++i;
  }
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    spec.width = spec.width * 10 + static_cast<unsigned>(text[i++] - '0');
    if (spec.width > 64) return false;
  }
  if (i < text.size()) spec.type = text[i++];
  return i == text.size();
}

void pad(Sink& sink, char fill, size_t count) {
  char chunk[16];
  for (char& c : chunk) c = fill;
  while (count > 0) {
    size_t n = count < sizeof chunk ? count : sizeof chunk;
    sink.write({chunk, n});
    count -= n;
  }
}

void emit(Sink& sink, const Spec& spec, std::string_view prefix, std::string_view body) {
  size_t len = prefix.size() + body.size();
  size_t fill = spec.width > len ? spec.width - len : 0;
  if (spec.zero && !spec.left) {
    sink.write(prefix);
    pad(sink, '0', fill);
    sink.write(body);
    return;
  }
  if (!spec.left) pad(sink, ' ', fill);
  sink.write(prefix);
  sink.write(body);
  if (spec.left) pad(sink, ' ', fill);
}

void emit_number(Sink& sink, const Spec& spec, uint64_t magnitude, bool negative) {
  unsigned base = 10;
  const char* digits = "0123456789abcdef";
  std::string_view prefix = negative ? "-" : "";
  if (spec.type == 'x' || spec.type == 'X' || spec.type == 'p') {
    base = 16;
    if (spec.type == 'X') digits = "0123456789ABCDEF";
    if (spec.prefix || spec.type == 'p') prefix = "0x";
  } else if (spec.type == 'b') {
    base = 2;
    if (spec.prefix) prefix = "0b";
  }
  char text[64];
  size_t pos = sizeof text;
  do {
    text[--pos] = digits[magnitude % base];
    magnitude /= base;
  } while (magnitude != 0);
  emit(sink, spec, prefix, {text + pos, sizeof text - pos});
}

void emit_arg(Sink& sink, const Spec& spec, const FormatArg& arg) {
  switch (arg.kind) {
    case FormatArg::Kind::kSigned: {
      bool negative = arg.i < 0 && spec.type != 'x' && spec.type != 'X' && spec.type != 'b';
      uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(arg.i) : static_cast<uint64_t>(arg.i);
      emit_number(sink, spec, magnitude, negative);
      return;
    }
    case FormatArg::Kind::kUnsigned:
      if (spec.type == 'c') {
        char c = static_cast<char>(arg.u);
        emit(sink, spec, "", {&c, 1});
        return;
      }
      emit_number(sink, spec, arg.u, false);
      return;
    case FormatArg::Kind::kBool: emit(sink, spec, "", arg.b ? "true" : "false"); return;
    case FormatArg::Kind::kChar: emit(sink, spec, "", {&arg.c, 1}); return;
    case FormatArg::Kind::kString: emit(sink, spec, "", arg.s); return;
    case FormatArg::Kind::kPointer: {
      Spec hex = spec;
      hex.type = 'p';
      emit_number(sink, hex, reinterpret_cast<uintptr_t>(arg.p), false);
      return;
    }
  }
}

}  // namespace

void vformat(Sink& sink, std::string_view fmt, const FormatArg* args, size_t count) {
  size_t next = 0;
  size_t literal = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c != '{' && c != '}') continue;
    sink.write(fmt.substr(literal, i - literal));
    if (i + 1 < fmt.size() && fmt[i + 1] == c) {  // "{{" or "}}"
      sink.write({&fmt[i], 1});
      literal = ++i + 1;
      continue;
    }
    size_t close = fmt.find('}', i);
    if (c == '}' || close == std::string_view::npos) {
      sink.write({&fmt[i], 1});
      literal = i + 1;
      continue;
    }
    std::string_view inside = fmt.substr(i + 1, close - i - 1);
    Spec spec;
    bool valid = inside.empty() || (inside[0] == ':' && parse_spec(inside.substr(1), spec));
    if (valid && next < count)
      emit_arg(sink, spec, args[next]);
    else
      sink.write("{?}");
    ++next;
    i = close;
    literal = close + 1;
  }
  sink.write(fmt.substr(literal));
}

}  // namespace godwit
