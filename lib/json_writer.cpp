#include "lib/json_writer.h"

namespace godwit {

JsonWriter::JsonWriter(Sink& sink) : sink_(sink) { open('{'); }

void JsonWriter::open(char bracket) {
  sink_.write({&bracket, 1});
  if (depth_ < kMaxDepth) {
    closers_[depth_] = bracket == '{' ? '}' : ']';
    first_[depth_] = true;
    ++depth_;
  }
}

void JsonWriter::separator() {
  if (depth_ == 0) return;
  if (!first_[depth_ - 1]) sink_.write(",");
  first_[depth_ - 1] = false;
}

void JsonWriter::string(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  sink_.write("\"");
  size_t run = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x7f) continue;
    sink_.write(text.substr(run, i - run));
    run = i + 1;
    if (c == '"')
      sink_.write("\\\"");
    else if (c == '\\')
      sink_.write("\\\\");
    else if (c == '\n')
      sink_.write("\\n");
    else {
      char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      sink_.write({escape, sizeof escape});
    }
  }
  sink_.write(text.substr(run));
  sink_.write("\"");
}

void JsonWriter::key(std::string_view name) {
  separator();
  string(name);
  sink_.write(":");
}

JsonWriter& JsonWriter::field(std::string_view name, std::string_view value) {
  key(name);
  string(value);
  return *this;
}

JsonWriter& JsonWriter::field(std::string_view name, bool value) {
  key(name);
  sink_.write(value ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::fixed(std::string_view name, int64_t value, unsigned decimals) {
  key(name);
  if (decimals > 18) decimals = 18;
  uint64_t scale = 1;
  for (unsigned i = 0; i < decimals; ++i) scale *= 10;
  uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  if (value < 0) sink_.write("-");
  format(sink_, "{}", magnitude / scale);
  if (decimals > 0) {
    FixedString<24> digits;
    format(digits,
           "{:0"
           "20}",
           magnitude % scale);  // zero padded, then keep the tail
    sink_.write(".");
    sink_.write(digits.view().substr(20 - decimals));
  }
  return *this;
}

JsonWriter& JsonWriter::begin_object(std::string_view name) {
  key(name);
  open('{');
  return *this;
}

JsonWriter& JsonWriter::end_object() { return end_array(); }

JsonWriter& JsonWriter::begin_array(std::string_view name) {
  key(name);
  open('[');
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view element) {
  separator();
  string(element);
  return *this;
}

JsonWriter& JsonWriter::value(int64_t element) {
  separator();
  format(sink_, "{}", element);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  if (depth_ > 1) {
    --depth_;
    sink_.write({&closers_[depth_], 1});
  }
  return *this;
}

void JsonWriter::end() {
  while (depth_ > 0) {
    --depth_;
    sink_.write({&closers_[depth_], 1});
  }
}

}  // namespace godwit
