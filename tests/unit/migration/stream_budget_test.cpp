// Issue 15, finding 6: the work one record, and one stream, can ask of the destination is
// bounded by the guest's size, and a decoder that failed stays failed.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "godwit/abi.h"
#include "tests/unit/migration/stream_builder.h"

namespace godwit::migration {
namespace {

using testing::decode_in_pieces;
using testing::StreamBuilder;

constexpr uint64_t kLargest = abi::kMaxMemory;  // 1 GiB: 262144 pages
constexpr uint64_t kLargestPages = kLargest / kPageSize;
constexpr uint64_t kSmall = 2ull << 20;  // 512 pages
constexpr uint64_t kSmallPages = kSmall / kPageSize;

// A PAGE_BATCH body of zero runs, each {gfn, pages}.
std::vector<uint8_t> zero_runs(const std::vector<std::pair<uint64_t, uint32_t>>& runs) {
  std::vector<uint8_t> body(sizeof(PageBatchHeader) + runs.size() * sizeof(PageEntry));
  PageBatchHeader header{static_cast<uint32_t>(runs.size()), 0};
  size_t at = sizeof(header);
  for (auto [gfn, pages] : runs) {
    PageEntry entry{gfn, kPageZero, pages};
    std::memcpy(body.data() + at, &entry, sizeof(entry));
    at += sizeof(entry);
    header.page_count += pages;
  }
  std::memcpy(body.data(), &header, sizeof(header));
  return body;
}

// The finding's record: 2 KiB holding 128 zero runs of the whole largest guest, which
// asked for 128 GiB of memset and 33 million coverage marks.
TEST(StreamBudget, OneBatchOfWholeGuestZeroRunsIsRefusedBeforeAnyPageIsTouched) {
  StreamBuilder stream;
  stream.begin(kLargest);
  stream.record(RecordType::kRound, RoundRecord{0, 0, kLargestPages});
  std::vector<std::pair<uint64_t, uint32_t>> runs(kMaxBatchEntries,
                                                  {0, static_cast<uint32_t>(kLargestPages)});
  stream.raw(RecordType::kPageBatch, zero_runs(runs));
  auto outcome = decode_in_pieces(stream.bytes, {});
  EXPECT_EQ(outcome.fault.code, StreamError::kOverBudget) << testing::describe(outcome.fault);
  EXPECT_EQ(outcome.fault.value, kMaxBatchEntries * kLargestPages);
  EXPECT_EQ(outcome.fault.limit, kLargestPages);
  EXPECT_EQ(outcome.pages, 0u);  // the batch never reached the receiver
}

// Without ROUND records (the stream's first pass) the budget is one pass as well.
TEST(StreamBudget, TheFirstPassCoversTheGuestOnceAtMost) {
  StreamBuilder once;
  once.begin(kSmall);
  once.raw(RecordType::kPageBatch, zero_runs({{0, static_cast<uint32_t>(kSmallPages)}}));
  EXPECT_TRUE(decode_in_pieces(once.bytes, {}).fault.code == StreamError::kTruncated);  // no END: fine so far

  StreamBuilder twice = once;
  twice.raw(RecordType::kPageBatch, zero_runs({{0, 1}}));
  EXPECT_EQ(decode_in_pieces(twice.bytes, {}).fault.code, StreamError::kOverBudget);
}

TEST(StreamBudget, EachRoundCoversAtMostWhatItsRoundRecordAnnounced) {
  StreamBuilder stream;
  stream.begin(kSmall);
  stream.record(RecordType::kRound, RoundRecord{0, 0, kSmallPages});
  stream.raw(RecordType::kPageBatch, zero_runs({{0, static_cast<uint32_t>(kSmallPages)}}));
  stream.record(RecordType::kRound, RoundRecord{1, 0, 3});
  stream.raw(RecordType::kPageBatch, zero_runs({{10, 2}}));
  StreamBuilder within = stream;
  within.raw(RecordType::kPageBatch, zero_runs({{40, 1}}));
  auto fine = decode_in_pieces(within.bytes, {});
  EXPECT_EQ(fine.fault.code, StreamError::kTruncated) << testing::describe(fine.fault);
  EXPECT_EQ(fine.pages, kSmallPages + 3);

  StreamBuilder beyond = stream;
  beyond.raw(RecordType::kPageBatch, zero_runs({{40, 2}}));
  auto outcome = decode_in_pieces(beyond.bytes, {});
  EXPECT_EQ(outcome.fault.code, StreamError::kOverBudget);
  EXPECT_EQ(outcome.fault.value, 2u);
  EXPECT_EQ(outcome.fault.limit, 1u);
}

TEST(StreamBudget, RoundsAreNumberedInOrderAnnounceAtMostTheGuestAndAreBounded) {
  StreamBuilder skipped;
  skipped.begin(kSmall);
  skipped.record(RecordType::kRound, RoundRecord{0, 0, 1});
  skipped.record(RecordType::kRound, RoundRecord{2, 0, 1});
  EXPECT_EQ(decode_in_pieces(skipped.bytes, {}).fault.code, StreamError::kUnexpectedRecord);

  StreamBuilder too_big;
  too_big.begin(kSmall);
  too_big.record(RecordType::kRound, RoundRecord{0, 0, kSmallPages + 1});
  EXPECT_EQ(decode_in_pieces(too_big.bytes, {}).fault.code, StreamError::kOverBudget);

  StreamBuilder endless;
  endless.begin(kSmall);
  for (uint32_t round = 0; round <= kMaxRounds; ++round)
    endless.record(RecordType::kRound, RoundRecord{round, 0, 0});
  auto outcome = decode_in_pieces(endless.bytes, {});
  EXPECT_EQ(outcome.fault.code, StreamError::kOverBudget);
  EXPECT_EQ(outcome.fault.value, kMaxRounds + 1u);
}

TEST(StreamBudget, TheStreamLengthLimitCoversEveryRoundItAllowsAndNoMore) {
  // kMaxRounds passes of every page in one-page batches fit; the limit grows with the
  // guest and stays finite for the largest one.
  uint64_t per_pass =
      kSmallPages * (sizeof(RecordHeader) + sizeof(PageBatchHeader) + sizeof(PageEntry) + kPageSize);
  EXPECT_GE(StreamDecoder::max_stream_bytes(kSmallPages), kMaxRounds * per_pass);
  EXPECT_LT(StreamDecoder::max_stream_bytes(kSmallPages), kMaxRounds * per_pass * 2);
  EXPECT_LT(StreamDecoder::max_stream_bytes(kSmallPages), StreamDecoder::max_stream_bytes(kLargestPages));
  EXPECT_LT(StreamDecoder::max_stream_bytes(kLargestPages), uint64_t{1} << 41);
}

TEST(StreamBudget, ADecoderThatFailedStaysFailed) {
  std::vector<uint8_t> body(kMaxRecordBody);
  std::vector<uint64_t> coverage(PageBitmap::words_for(kLargestPages));
  StreamDecoder decoder(body, coverage);
  StreamBuilder bad;
  bad.record(RecordType::kCpuid, testing::make_cpuid());  // CPUID before HEADER
  size_t used = 0;
  StreamFault fault;
  ASSERT_EQ(decoder.next(bad.bytes, used, fault), StreamDecoder::Step::kFault);
  EXPECT_EQ(fault.code, StreamError::kUnexpectedRecord);

  // A perfectly good HEADER afterwards is not even read.
  StreamBuilder good;
  good.record(RecordType::kHeader, testing::make_header(kSmall));
  StreamFault again;
  EXPECT_EQ(decoder.next(good.bytes, used, again), StreamDecoder::Step::kFault);
  EXPECT_EQ(used, 0u);
  EXPECT_EQ(again.code, StreamError::kUnexpectedRecord);
  EXPECT_EQ(again.offset, fault.offset);
  EXPECT_EQ(decoder.guest_pages(), 0u);
}

}  // namespace
}  // namespace godwit::migration
