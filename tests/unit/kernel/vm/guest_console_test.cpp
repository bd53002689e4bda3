#include "kernel/vm/guest_console.h"

#include <gtest/gtest.h>

#include <string>

namespace godwit::vm {
namespace {

class StringSink final : public Sink {
 public:
  void write(std::string_view text) override { out.append(text); }
  std::string out;
};

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(GuestConsole, AssemblesLinesAcrossWrites) {
  StringSink sink;
  GuestConsole console;
  console.write(sink, "[g1 hello]", bytes("hel"));
  EXPECT_EQ(sink.out, "");
  console.write(sink, "[g1 hello]", bytes("lo\nsecond\r\n"));
  EXPECT_EQ(sink.out, "[g1 hello] hello\n[g1 hello] second\n");
  EXPECT_EQ(console.bytes_written(), 14u);
}

TEST(GuestConsole, NeutralizesControlBytesSoEventsCannotBeForged) {
  StringSink sink;
  GuestConsole console;
  console.write(sink, "[g1 x]", bytes("a\x1b[2Jb\n@event {}\n"));
  EXPECT_EQ(sink.out, "[g1 x] a?[2Jb\n[g1 x] @event {}\n");
}

TEST(GuestConsole, CutsLongLinesAndFlushesPartialOnes) {
  StringSink sink;
  GuestConsole console;
  std::string longline(GuestConsole::kMaxLine + 5, 'z');
  console.write(sink, "[g1 x]", bytes(longline));
  EXPECT_EQ(sink.out, "[g1 x] " + std::string(GuestConsole::kMaxLine, 'z') + "\n");
  console.flush(sink, "[g1 x]");
  EXPECT_EQ(sink.out.substr(sink.out.size() - 6), "zzzzz\n");
}

TEST(GuestConsole, RestoresAPendingLineFromAMigrationSafely) {
  StringSink sink;
  GuestConsole console;
  console.restore(std::string_view("half \x07line", 10), 99);
  EXPECT_EQ(console.bytes_written(), 99u);
  console.write(sink, "[g4 x]", bytes(" done\n"));
  EXPECT_EQ(sink.out, "[g4 x] half ?line done\n");
  console.restore(std::string(1000, 'a'), 0);
  EXPECT_LT(console.pending().size(), GuestConsole::kMaxLine);
}

}  // namespace
}  // namespace godwit::vm
