// The post-copy records' form and place in the stream (docs/migration-stream.md, section
// 12), as StreamDecoder enforces them.
#include <gtest/gtest.h>

#include "migration/postcopy_format.h"
#include "tests/unit/migration/stream_builder.h"

namespace godwit::migration {
namespace {

using testing::decode_in_pieces;
using testing::make_cpuid;
using testing::make_header;
using testing::StreamBuilder;

constexpr uint64_t kMemory = 2ull << 20;  // 512 pages
constexpr uint64_t kPages = kMemory / kPageSize;

StreamBuilder postcopy_start(bool feature = true) {
  StreamBuilder stream;
  HeaderRecord header = make_header(kMemory);
  if (feature) header.backend_features |= kFeaturePostcopy;
  stream.record(RecordType::kHeader, header);
  stream.record(RecordType::kCpuid, make_cpuid());
  return stream;
}

void add_state(StreamBuilder& stream) {
  VcpuStateRecord vcpu{};
  vcpu.state_size = sizeof(x86::VcpuState);
  stream.record(RecordType::kVcpuState, vcpu);
  stream.record(RecordType::kDeviceState, DeviceState{});
}

StreamError outcome(const StreamBuilder& stream) { return decode_in_pieces(stream.bytes, {}).fault.code; }

TEST(PostcopyStream, AWholePostcopyStreamDecodes) {
  StreamBuilder stream = postcopy_start();
  PostcopyDiscardRecord discard{};
  discard.run_count = 1;
  discard.runs[0] = {3, 2};
  stream.record(RecordType::kPostcopyDiscard, discard);
  add_state(stream);
  stream.record(RecordType::kPostcopySwitch, PostcopySwitchRecord{0, 0});
  stream.record(RecordType::kPostcopyGo, PostcopyGoRecord{kPages, 0});
  std::vector<std::pair<uint64_t, const uint8_t*>> pages;
  for (uint64_t gfn = 0; gfn < kPages; ++gfn) pages.emplace_back(gfn, nullptr);
  for (size_t at = 0; at < pages.size(); at += kMaxBatchEntries) {
    stream.batch(
        {pages.begin() + static_cast<long>(at), pages.begin() + static_cast<long>(at + kMaxBatchEntries)});
  }
  stream.record(RecordType::kEnd, EndRecord{kPages, 0});
  EXPECT_EQ(outcome(stream), StreamError::kNone);
}

TEST(PostcopyStream, PostcopyRecordsNeedTheHeaderBit) {
  StreamBuilder stream = postcopy_start(false);
  add_state(stream);
  stream.record(RecordType::kPostcopySwitch, PostcopySwitchRecord{0, 0});
  EXPECT_EQ(outcome(stream), StreamError::kUnexpectedRecord);
}

TEST(PostcopyStream, EachRecordOnlyInItsPlace) {
  StreamBuilder switch_early = postcopy_start();  // before the state
  switch_early.record(RecordType::kPostcopySwitch, PostcopySwitchRecord{0, 0});
  EXPECT_EQ(outcome(switch_early), StreamError::kUnexpectedRecord);

  StreamBuilder end_instead = postcopy_start();  // END where SWITCH must be
  add_state(end_instead);
  end_instead.record(RecordType::kEnd, EndRecord{kPages, 0});
  EXPECT_EQ(outcome(end_instead), StreamError::kUnexpectedRecord);

  StreamBuilder verify = postcopy_start();  // no paused memory left to compare
  add_state(verify);
  verify.record(RecordType::kVerify, VerifyRecord{kVerifyFullMemory, 0});
  EXPECT_EQ(outcome(verify), StreamError::kUnexpectedRecord);

  StreamBuilder discard_late = postcopy_start();  // after the state
  add_state(discard_late);
  PostcopyDiscardRecord discard{};
  discard.run_count = 1;
  discard.runs[0] = {1, 1};
  discard_late.record(RecordType::kPostcopyDiscard, discard);
  EXPECT_EQ(outcome(discard_late), StreamError::kUnexpectedRecord);

  StreamBuilder pages_before_go = postcopy_start();
  add_state(pages_before_go);
  pages_before_go.record(RecordType::kPostcopySwitch, PostcopySwitchRecord{0, 0});
  pages_before_go.batch({{0, nullptr}});
  EXPECT_EQ(outcome(pages_before_go), StreamError::kUnexpectedRecord);
}

TEST(PostcopyStream, DiscardRunsAreChecked) {
  auto with = [](PostcopyDiscardRecord discard) {
    StreamBuilder stream = postcopy_start();
    stream.record(RecordType::kPostcopyDiscard, discard);
    return outcome(stream);
  };
  PostcopyDiscardRecord none{};
  EXPECT_EQ(with(none), StreamError::kBadHeaderField);
  PostcopyDiscardRecord outside{};
  outside.run_count = 1;
  outside.runs[0] = {kPages - 1, 2};  // runs past the guest's end
  EXPECT_EQ(with(outside), StreamError::kGfnOutOfRange);
  PostcopyDiscardRecord empty_run{};
  empty_run.run_count = 1;
  empty_run.runs[0] = {5, 0};
  EXPECT_EQ(with(empty_run), StreamError::kGfnOutOfRange);
  PostcopyDiscardRecord stray{};
  stray.run_count = 1;
  stray.runs[0] = {5, 1};
  stray.runs[1] = {9, 1};  // beyond run_count
  EXPECT_EQ(with(stray), StreamError::kNonZeroReserved);
  PostcopyDiscardRecord fine{};
  fine.run_count = 2;
  fine.runs[0] = {0, 1};
  fine.runs[1] = {kPages - 1, 1};
  EXPECT_EQ(with(fine), StreamError::kTruncated);  // valid so far
}

TEST(PostcopyStream, CountsAboveTheGuestAreRefused) {
  StreamBuilder stream = postcopy_start();
  add_state(stream);
  stream.record(RecordType::kPostcopySwitch, PostcopySwitchRecord{kPages + 1, 0});
  EXPECT_EQ(outcome(stream), StreamError::kPageCountMismatch);
}

}  // namespace
}  // namespace godwit::migration
