// Post-copy recovery's pure parts (docs/migration-stream.md, section 12.5; decision 0023):
// the missing set both ways (RECOVER_MISSING chunks and their checks), RECOVER's decoder,
// HELLO's recovery flag, the migration's identity, and the decoder's place for RECOVER.
#include <gtest/gtest.h>

#include <vector>

#include "migration/record_decode.h"
#include "migration/recovery.h"
#include "migration/stream_decoder.h"
#include "tests/unit/migration/stream_builder.h"

namespace godwit::migration {
namespace {

template <class T>
RawRecord raw_of(RecordType type, const T& body) {
  return RawRecord{static_cast<uint32_t>(type), {reinterpret_cast<const uint8_t*>(&body), sizeof body}, 64};
}

struct Bitmap {
  explicit Bitmap(uint64_t pages) : words(PageBitmap::words_for(pages)), map(words, pages) {}
  std::vector<uint64_t> words;
  PageBitmap map;
};

constexpr uint64_t kGuest = 2 * kRecoverChunkPages + 100;  // three chunks, the last short

TEST(Recovery, TheMissingSetTravelsInChunksAndBecomesTheSendSet) {
  Bitmap present(kGuest), send_set(kGuest);
  present.map.mark_all();
  for (uint64_t gfn : {uint64_t{0}, uint64_t{7}, uint64_t{4095}, uint64_t{4096}, uint64_t{8191}, kGuest - 1})
    present.map.unmark(gfn);
  // The source sent everything but 7 and kGuest - 1 (still in its send set); 0, 4095, 4096
  // and 8191 went but never arrived (lost with the connection).
  (void)send_set.map.mark(7);
  (void)send_set.map.mark(kGuest - 1);
  MissingSetReader reader(kGuest);
  for (uint64_t first = 0; first < kGuest; first += kRecoverChunkPages) {
    RecoverMissingRecord chunk = fill_missing_chunk(present.map, first);
    EXPECT_EQ(chunk.pages, first + kRecoverChunkPages <= kGuest ? kRecoverChunkPages : kGuest - first);
    ASSERT_TRUE(reader.accept(raw_of(RecordType::kRecoverMissing, chunk), send_set.map).ok());
    EXPECT_EQ(reader.complete(), first + kRecoverChunkPages >= kGuest);
  }
  EXPECT_EQ(send_set.map.count(), 6u);
  for (uint64_t gfn : {uint64_t{0}, uint64_t{7}, uint64_t{4095}, uint64_t{4096}, uint64_t{8191}, kGuest - 1})
    EXPECT_TRUE(send_set.map.test(gfn));
  EXPECT_EQ(reader.missing(), 4u);  // newly marked: the lost ones
}

TEST(Recovery, AChunkOutOfPlaceOrOfTheWrongSizeIsRefused) {
  Bitmap present(kGuest), send_set(kGuest);
  MissingSetReader reader(kGuest);
  RecoverMissingRecord second = fill_missing_chunk(present.map, kRecoverChunkPages);
  EXPECT_EQ(reader.accept(raw_of(RecordType::kRecoverMissing, second), send_set.map).code,
            StreamError::kUnexpectedRecord);
  RecoverMissingRecord first = fill_missing_chunk(present.map, 0);
  first.pages = 100;
  EXPECT_EQ(reader.accept(raw_of(RecordType::kRecoverMissing, first), send_set.map).code,
            StreamError::kPageCountMismatch);
  EXPECT_EQ(send_set.map.count(), 0u);  // nothing applied from a refused chunk
  EXPECT_EQ(reader.next(), 0u);
}

TEST(Recovery, SpareBitsAndReservedFieldsMustBeZero) {
  Bitmap present(100), send_set(100);
  present.map.mark_all();
  MissingSetReader reader(100);
  RecoverMissingRecord chunk = fill_missing_chunk(present.map, 0);
  ASSERT_EQ(chunk.pages, 100u);
  chunk.missing[100 / 8] |= 1u << (100 % 8);  // page 100: past the guest
  EXPECT_EQ(reader.accept(raw_of(RecordType::kRecoverMissing, chunk), send_set.map).code,
            StreamError::kNonZeroReserved);
  chunk = fill_missing_chunk(present.map, 0);
  chunk.reserved = 1;
  EXPECT_EQ(reader.accept(raw_of(RecordType::kRecoverMissing, chunk), send_set.map).code,
            StreamError::kNonZeroReserved);
  EXPECT_EQ(send_set.map.count(), 0u);
}

TEST(Recovery, ADestinationCannotClaimAPageThatWasNeverSent) {
  Bitmap present(100), send_set(100);
  present.map.mark_all();       // "I have every page"
  (void)send_set.map.mark(42);  // but 42 never left the source
  MissingSetReader reader(100);
  RecoverMissingRecord chunk = fill_missing_chunk(present.map, 0);
  StreamFault fault = reader.accept(raw_of(RecordType::kRecoverMissing, chunk), send_set.map);
  EXPECT_EQ(fault.code, StreamError::kWrongMigration);
  EXPECT_EQ(fault.value, 42u);
  EXPECT_FALSE(reader.complete());
}

TEST(Recovery, NothingAfterTheLastChunk) {
  Bitmap present(10), send_set(10);
  MissingSetReader reader(10);
  RecoverMissingRecord chunk = fill_missing_chunk(present.map, 0);
  ASSERT_TRUE(reader.accept(raw_of(RecordType::kRecoverMissing, chunk), send_set.map).ok());
  EXPECT_TRUE(reader.complete());
  EXPECT_EQ(send_set.map.count(), 10u);
  chunk.first = 10;
  chunk.pages = 0;
  EXPECT_EQ(reader.accept(raw_of(RecordType::kRecoverMissing, chunk), send_set.map).code,
            StreamError::kUnexpectedRecord);
}

TEST(Recovery, RecoverIsCheckedAgainstTheLargestGuest) {
  RecoverRecord recover{};
  recover.pages = 512;
  RecoverRecord out{};
  EXPECT_TRUE(decode_recover(raw_of(RecordType::kRecover, recover), 512, out).ok());
  recover.pages = 0;
  EXPECT_EQ(decode_recover(raw_of(RecordType::kRecover, recover), 512, out).code,
            StreamError::kBadHeaderField);
  recover.pages = 513;
  EXPECT_EQ(decode_recover(raw_of(RecordType::kRecover, recover), 512, out).code,
            StreamError::kBadHeaderField);
  recover.pages = 512;
  recover.reserved = 1;
  EXPECT_EQ(decode_recover(raw_of(RecordType::kRecover, recover), 512, out).code,
            StreamError::kNonZeroReserved);
}

TEST(Recovery, HelloKnowsOnlyTheRecoveryFlag) {
  HelloRecord hello{kStreamMagic, kStreamVersionMajor, kStreamVersionMinor, 2, kHelloRecovery, {}, {}};
  HelloRecord out{};
  EXPECT_TRUE(decode_hello(raw_of(RecordType::kHello, hello), out).ok());
  EXPECT_EQ(out.flags, kHelloRecovery);
  hello.flags = 2;
  EXPECT_EQ(decode_hello(raw_of(RecordType::kHello, hello), out).code, StreamError::kNonZeroReserved);
  hello.flags = 0;
  hello.reserved[1] = 1;
  EXPECT_EQ(decode_hello(raw_of(RecordType::kHello, hello), out).code, StreamError::kNonZeroReserved);
}

TEST(Recovery, TheIdentityDependsOnBothNonces) {
  ChallengeRecord challenge{kStreamMagic, kStreamVersionMajor, kStreamVersionMinor, 0, {}};
  HelloRecord hello{kStreamMagic, kStreamVersionMajor, kStreamVersionMinor, 2, 0, {}, {}};
  SessionId a = session_id(challenge, hello);
  EXPECT_TRUE(same_session(a, a.bytes));
  challenge.nonce[31] = 1;
  SessionId b = session_id(challenge, hello);
  EXPECT_FALSE(same_session(a, b.bytes));
  hello.nonce[0] = 1;
  SessionId c = session_id(challenge, hello);
  EXPECT_FALSE(same_session(b, c.bytes));
}

// After resume() the decoder takes RECOVER first and nothing else, then one more
// post-copy pass: pages, END, COMMIT.
TEST(Recovery, AResumedDecoderWantsRecoverFirstThenOnePass) {
  constexpr uint64_t kMemory = 2ull << 20;
  constexpr uint64_t kPages = kMemory / kPageSize;
  std::vector<uint8_t> body(kMaxRecordBody);
  std::vector<uint64_t> coverage(PageBitmap::words_for(kPages));
  StreamDecoder decoder(body, coverage);
  testing::StreamBuilder first;
  HeaderRecord header = testing::make_header(kMemory);
  header.backend_features |= kFeaturePostcopy;
  first.record(RecordType::kHeader, header);
  size_t used = 0;
  StreamFault fault;
  ASSERT_EQ(decoder.next(first.bytes, used, fault), StreamDecoder::Step::kRecord);

  decoder.resume();
  testing::StreamBuilder wrong;
  wrong.record(RecordType::kHeader, header);
  ASSERT_EQ(decoder.next(wrong.bytes, used, fault), StreamDecoder::Step::kFault);
  EXPECT_EQ(fault.code, StreamError::kUnexpectedRecord);

  decoder.resume();  // a later connection starts clean
  testing::StreamBuilder recovery;
  RecoverRecord recover{};
  recover.pages = kPages;
  recovery.record(RecordType::kRecover, recover);
  std::vector<std::pair<uint64_t, const uint8_t*>> all;
  for (uint64_t gfn = 0; gfn < kPages; ++gfn) all.push_back({gfn, nullptr});
  recovery.batch(all);             // the whole pass (zero runs)
  recovery.batch({{0, nullptr}});  // one page more than one pass
  std::span<const uint8_t> bytes = recovery.bytes;
  ASSERT_EQ(decoder.next(bytes, used, fault), StreamDecoder::Step::kRecord);
  EXPECT_EQ(decoder.type(), RecordType::kRecover);
  bytes = bytes.subspan(used);
  ASSERT_EQ(decoder.next(bytes, used, fault), StreamDecoder::Step::kRecord);
  EXPECT_TRUE(decoder.after_go());
  bytes = bytes.subspan(used);
  ASSERT_EQ(decoder.next(bytes, used, fault), StreamDecoder::Step::kFault);
  EXPECT_EQ(fault.code, StreamError::kOverBudget);
}

}  // namespace
}  // namespace godwit::migration
