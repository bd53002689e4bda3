#include "kernel/shell/bench_stream.h"

#include <gtest/gtest.h>

#include <vector>

namespace godwit::shell::bench {
namespace {

// The whole stream a source produces, taken in chunks of `chunk` bytes.
std::vector<uint8_t> drain(BenchSource& source, size_t chunk) {
  std::vector<uint8_t> all, buffer(chunk);
  while (size_t n = source.next(buffer)) all.insert(all.end(), buffer.begin(), buffer.begin() + n);
  return all;
}

TEST(BenchStream, HeaderThenPatternInAnyChunking) {
  BenchSource a(1000), b(1000);
  auto whole = drain(a, 4096);
  EXPECT_EQ(whole, drain(b, 7));
  ASSERT_EQ(whole.size(), kHeaderSize + 1000);
  EXPECT_EQ(std::string(whole.begin(), whole.begin() + 8), "GWBENCH1");
  EXPECT_EQ(whole[8], 1000 % 256);
  EXPECT_EQ(whole[9], 1000 / 256);
  EXPECT_TRUE(a.done());
}

TEST(BenchStream, PatternHasNoShortPeriod) {
  std::vector<uint8_t> bytes(1 << 16);
  fill_pattern(0, bytes);
  std::vector<uint8_t> later(bytes.size());
  fill_pattern(4096, later);
  EXPECT_NE(bytes, later);  // a segment sent twice or at the wrong offset shows
  std::vector<uint8_t> shifted(100);
  fill_pattern(3, shifted);
  EXPECT_TRUE(std::equal(shifted.begin(), shifted.end(), bytes.begin() + 3));
}

TEST(BenchStream, SinkAcceptsAnIntactStream) {
  BenchSource source(100000);
  auto whole = drain(source, 1000);
  BenchSink sink;
  for (size_t i = 0; i < whole.size(); i += 333) {
    size_t n = std::min<size_t>(333, whole.size() - i);
    ASSERT_TRUE(sink.feed({whole.data() + i, n}));
    EXPECT_EQ(sink.complete(), i + n == whole.size());
  }
  EXPECT_EQ(sink.payload_received(), 100000u);
  EXPECT_EQ(sink.payload_announced(), 100000u);
}

TEST(BenchStream, SinkFindsACorruptByteAndWhere) {
  BenchSource source(5000);
  auto whole = drain(source, 5000);
  whole[kHeaderSize + 1234] ^= 0x40;
  BenchSink sink;
  EXPECT_EQ(sink.feed(whole).error(), Error::kChecksum);
  EXPECT_EQ(sink.mismatch_at(), 1234u);
  EXPECT_TRUE(sink.failed());
  EXPECT_FALSE(sink.complete());
  EXPECT_FALSE(sink.feed({whole.data(), 1}));
}

TEST(BenchStream, SinkRejectsBadMagicExtraBytesAndShortStreams) {
  BenchSource source(10);
  auto whole = drain(source, 100);
  auto bad = whole;
  bad[0] = 'X';
  BenchSink bad_magic;
  EXPECT_EQ(bad_magic.feed(bad).error(), Error::kMalformed);

  whole.push_back(0);
  BenchSink too_long;
  EXPECT_EQ(too_long.feed(whole).error(), Error::kRange);

  BenchSink short_stream;
  EXPECT_TRUE(short_stream.feed({whole.data(), whole.size() - 2}));
  EXPECT_FALSE(short_stream.complete());
}

}  // namespace
}  // namespace godwit::shell::bench
