// Round trips and rejections of the source-to-destination stream (StreamDecoder over
// RecordReader and the record decoders), with every split point and random corruption.
#include <gtest/gtest.h>

#include <cstddef>
#include <map>
#include <random>

#include "migration/memory_digest.h"
#include "tests/unit/migration/stream_builder.h"

namespace godwit::migration {
namespace {

using testing::decode_in_pieces;
using testing::describe;
using testing::make_header;
using testing::StreamBuilder;

constexpr uint64_t kMemory = 2ull << 20;  // the smallest guest: 512 pages
constexpr uint64_t kPages = kMemory / kPageSize;

std::vector<uint8_t> pattern_page(uint8_t seed) {
  std::vector<uint8_t> page(kPageSize);
  for (size_t i = 0; i < page.size(); ++i) page[i] = static_cast<uint8_t>(seed + i * 13);
  return page;
}

std::vector<RecordType> full_sequence() {
  return {RecordType::kHeader,    RecordType::kCpuid,       RecordType::kPageBatch,
          RecordType::kVcpuState, RecordType::kDeviceState, RecordType::kEnd};
}

TEST(StreamCodec, ValidStreamRoundTrips) {
  auto page = pattern_page(5);
  StreamBuilder stream;
  stream.valid_stream(kMemory, page.data());
  // 512 pages: zero run, one data page, zero run: three entries, one page of data.
  EXPECT_EQ(stream.bytes.size(), record_size(344) + record_size(392) + record_size(8 + 3 * 16 + 4096) +
                                     record_size(1048) + record_size(288) + record_size(16));
  auto outcome = decode_in_pieces(stream.bytes, {});
  EXPECT_TRUE(outcome.fault.ok()) << describe(outcome.fault);
  EXPECT_EQ(outcome.records, full_sequence());
  EXPECT_EQ(outcome.pages, kPages);
}

TEST(StreamCodec, DecodedFieldsMatchWhatWasEncoded) {
  auto page = pattern_page(9);
  StreamBuilder stream;
  stream.valid_stream(kMemory, page.data());
  std::vector<uint8_t> buffer(kMaxRecordBody);
  std::vector<uint64_t> coverage(PageBitmap::words_for(kPages));
  StreamDecoder decoder(buffer, coverage);
  std::span<const uint8_t> input(stream.bytes);
  std::vector<PageRun> runs;
  std::vector<uint8_t> data_seen;
  while (!input.empty()) {
    size_t used = 0;
    StreamFault fault;
    auto step = decoder.next(input, used, fault);
    ASSERT_NE(step, StreamDecoder::Step::kFault) << describe(fault);
    input = input.subspan(used);
    if (step != StreamDecoder::Step::kRecord) continue;
    if (decoder.type() == RecordType::kHeader) {
      EXPECT_STREQ(decoder.header().guest_name, "counter");
    }
    if (decoder.type() == RecordType::kVcpuState) {
      EXPECT_EQ(decoder.vcpu().state.regs.rip, 0x100000u);
      EXPECT_EQ(decoder.vcpu().state.fpu.fxsave.xmm[15][3], 0x5A);
      EXPECT_EQ(decoder.vcpu().state.fpu.fxsave.mxcsr, 0x9FC0u);
      EXPECT_EQ(decoder.vcpu().state.fpu.xcr0, x86::kGuestXcr0);
    }
    if (decoder.type() == RecordType::kDeviceState) {
      EXPECT_EQ(decoder.device().guest_time_ns, 123456789u);
    }
    if (decoder.type() == RecordType::kPageBatch) {
      decoder.batch().for_each([&](const PageRun& run) {
        runs.push_back(run);
        if (!run.data.empty()) data_seen.assign(run.data.begin(), run.data.end());
      });
    }
  }
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].gfn, 0u);
  EXPECT_EQ(runs[0].pages, 1u);
  EXPECT_EQ(runs[1].gfn, 1u);
  EXPECT_EQ(runs[2].gfn, 2u);
  EXPECT_EQ(runs[2].pages, kPages - 2);
  EXPECT_EQ(data_seen, page);
  EXPECT_TRUE(decoder.finish().ok());
}

TEST(StreamCodec, EverySplitPointDecodesTheSame) {
  auto page = pattern_page(1);
  StreamBuilder stream;
  stream.valid_stream(kMemory, page.data());
  for (size_t cut = 1; cut < stream.bytes.size(); ++cut) {
    auto outcome = decode_in_pieces(stream.bytes, {cut});
    ASSERT_TRUE(outcome.fault.ok()) << "cut at " << cut << ": " << describe(outcome.fault);
    ASSERT_EQ(outcome.records, full_sequence()) << "cut at " << cut;
  }
  std::vector<size_t> single_bytes(stream.bytes.size(), 1);
  EXPECT_TRUE(decode_in_pieces(stream.bytes, single_bytes).fault.ok());
}

TEST(StreamCodec, PageBatchEncoderFoldsZeroRunsAndRespectsCapacity) {
  auto page = pattern_page(3);
  std::vector<uint8_t> zero(kPageSize, 0);
  std::vector<uint8_t> out(record_size(8 + 16 + 2 * (16 + 4096)));  // a run and two pages
  PageBatchEncoder encoder(out);
  uint64_t hash = 0;
  EXPECT_TRUE(encoder.add_page(10, zero.data(), hash));
  EXPECT_EQ(hash, kZeroPageDataHash);
  EXPECT_TRUE(encoder.add_page(11, zero.data(), hash));  // same run
  EXPECT_TRUE(encoder.add_page(20, page.data(), hash));
  EXPECT_EQ(hash, page_data_hash(page.data()));  // hashed as it was copied in
  EXPECT_TRUE(encoder.add_page(21, page.data(), hash));
  EXPECT_FALSE(encoder.add_page(22, page.data(), hash));  // no room for a third data page
  EXPECT_EQ(encoder.pages(), 4u);
  EXPECT_EQ(encoder.zero_pages(), 2u);
  EXPECT_EQ(encoder.finish(), record_size(8 + 16 + 2 * (16 + 4096)));
}

TEST(StreamCodec, OversizedBodyIsNotEncoded) {
  std::vector<uint8_t> body(kMaxRecordBody + 8), out(record_size(body.size()));
  EXPECT_EQ(encode_record(out, RecordType::kPageBatch, std::span<const uint8_t>(body)), 0u);
  std::vector<uint8_t> small(8);
  EXPECT_EQ(encode_record(small, RecordType::kEnd, EndRecord{}), 0u);  // output too small
}

TEST(StreamCodec, UnknownOptionalRecordIsSkipped) {
  StreamBuilder stream;
  stream.begin(kMemory);
  stream.raw(static_cast<RecordType>(0x8000'0777), std::vector<uint8_t>(13, 0xab));
  stream.record(RecordType::kRound, RoundRecord{0, 0, kPages});
  auto outcome = decode_in_pieces(stream.bytes, {});
  EXPECT_EQ(outcome.records,
            (std::vector<RecordType>{RecordType::kHeader, RecordType::kCpuid, RecordType::kRound}));
  EXPECT_EQ(outcome.fault.code, StreamError::kTruncated);  // closed before END
}

TEST(StreamCodec, RejectsBadMagicAndUnknownMajorVersion) {
  auto header = make_header(kMemory);
  header.magic ^= 1;
  StreamBuilder bad_magic;
  bad_magic.record(RecordType::kHeader, header);
  EXPECT_EQ(decode_in_pieces(bad_magic.bytes, {}).fault.code, StreamError::kBadMagic);
  header = make_header(kMemory);
  header.version_major = 4;
  StreamBuilder bad_version;
  bad_version.record(RecordType::kHeader, header);
  auto outcome = decode_in_pieces(bad_version.bytes, {});
  EXPECT_EQ(outcome.fault.code, StreamError::kUnsupportedVersion);
  EXPECT_EQ(outcome.fault.value, 4u);
  EXPECT_EQ(describe(outcome.fault),
            "unsupported stream version (HEADER record 0x2 at byte 0; value 0x4, limit 0x3)");
  // Version 2 streams authenticate only HEADER and ACK: a version-3 node refuses them.
  header.version_major = 2;
  StreamBuilder version2;
  version2.record(RecordType::kHeader, header);
  EXPECT_EQ(decode_in_pieces(version2.bytes, {}).fault.code, StreamError::kUnsupportedVersion);
  // Version 1 streams carry no CPU model: their guests could not keep their CPUID here.
  header.version_major = 1;
  StreamBuilder version1;
  version1.record(RecordType::kHeader, header);
  EXPECT_EQ(decode_in_pieces(version1.bytes, {}).fault.code, StreamError::kUnsupportedVersion);
  header.version_major = kStreamVersionMajor;
  header.version_minor = 7;  // a newer minor only adds optional things
  StreamBuilder newer_minor;
  newer_minor.record(RecordType::kHeader, header);
  EXPECT_EQ(decode_in_pieces(newer_minor.bytes, {}).fault.code, StreamError::kTruncated);
}

TEST(StreamCodec, RejectsBadHeaderFields) {
  auto check = [](auto mutate) {
    auto header = make_header(kMemory);
    mutate(header);
    StreamBuilder stream;
    stream.record(RecordType::kHeader, header);
    return decode_in_pieces(stream.bytes, {}).fault.code;
  };
  EXPECT_EQ(check([](HeaderRecord& h) { h.page_size = 8192; }), StreamError::kBadHeaderField);
  EXPECT_EQ(check([](HeaderRecord& h) { h.memory_bytes = 4ull << 30; }), StreamError::kBadHeaderField);
  EXPECT_EQ(check([](HeaderRecord& h) { h.memory_bytes = kMemory + 100; }), StreamError::kBadHeaderField);
  EXPECT_EQ(check([](HeaderRecord& h) { h.vcpu_count = 0; }), StreamError::kBadHeaderField);
  EXPECT_EQ(check([](HeaderRecord& h) { h.vcpu_state_size = 600; }), StreamError::kBadHeaderField);
  EXPECT_EQ(check([](HeaderRecord& h) { std::memset(h.guest_name, 'x', sizeof(h.guest_name)); }),
            StreamError::kBadHeaderField);
}

TEST(StreamCodec, RejectsUnknownMandatoryTypeTooLongAndBadLengths) {
  StreamBuilder unknown;
  unknown.raw(static_cast<RecordType>(0x0042), std::vector<uint8_t>(8));
  EXPECT_EQ(decode_in_pieces(unknown.bytes, {}).fault.code, StreamError::kUnknownRecordType);

  RecordHeader too_long{static_cast<uint32_t>(RecordType::kPageBatch), kMaxRecordBody + 8, 0};
  std::vector<uint8_t> bytes(sizeof(too_long));
  std::memcpy(bytes.data(), &too_long, sizeof(too_long));
  EXPECT_EQ(decode_in_pieces(bytes, {}).fault.code, StreamError::kRecordTooLong);  // before any body

  StreamBuilder short_header;
  short_header.raw(RecordType::kHeader, std::vector<uint8_t>(100));
  EXPECT_EQ(decode_in_pieces(short_header.bytes, {}).fault.code, StreamError::kBadRecordLength);
}

TEST(StreamCodec, RejectsChecksumMismatchAndNonZeroPadding) {
  StreamBuilder stream;
  stream.begin(kMemory);
  stream.bytes[sizeof(RecordHeader) + 60] ^= 0x10;  // inside guest_name
  auto outcome = decode_in_pieces(stream.bytes, {});
  EXPECT_EQ(outcome.fault.code, StreamError::kChecksumMismatch);
  EXPECT_EQ(outcome.fault.record_type, static_cast<uint32_t>(RecordType::kHeader));

  // A 13-byte optional body with a non-zero pad byte, checksummed as sent.
  std::vector<uint8_t> record(16 + 16, 0);
  record[16 + 15] = 1;
  RecordHeader header{0x8000'0777, 13, 0};
  header.checksum = record_checksum(header.type, 13, std::span<const uint8_t>(record).subspan(16));
  std::memcpy(record.data(), &header, sizeof(header));
  EXPECT_EQ(decode_in_pieces(record, {}).fault.code, StreamError::kNonZeroReserved);
}

TEST(StreamCodec, RejectsPagesOutsideTheGuestAndBadEntries) {
  auto page = pattern_page(2);
  StreamBuilder outside;
  outside.begin(kMemory);
  outside.batch({{kPages, page.data()}});
  auto outcome = decode_in_pieces(outside.bytes, {});
  EXPECT_EQ(outcome.fault.code, StreamError::kGfnOutOfRange);
  EXPECT_EQ(outcome.fault.value, kPages);

  auto batch_with = [&](PageEntry entry, uint32_t declared_pages, size_t data_bytes) {
    std::vector<uint8_t> body(sizeof(PageBatchHeader) + sizeof(PageEntry) + data_bytes);
    PageBatchHeader batch{1, declared_pages};
    std::memcpy(body.data(), &batch, sizeof(batch));
    std::memcpy(body.data() + sizeof(batch), &entry, sizeof(entry));
    StreamBuilder stream;
    stream.begin(kMemory);
    stream.raw(RecordType::kPageBatch, body);
    return decode_in_pieces(stream.bytes, {}).fault.code;
  };
  // A zero run that starts inside the guest but runs past its end (and would wrap).
  EXPECT_EQ(batch_with({kPages - 2, kPageZero, 3}, 3, 0), StreamError::kGfnOutOfRange);
  EXPECT_EQ(batch_with({~0ull, kPageZero, 2}, 2, 0), StreamError::kGfnOutOfRange);
  EXPECT_EQ(batch_with({0, 0x4, 1}, 1, kPageSize), StreamError::kBadPageFlags);
  EXPECT_EQ(batch_with({0, 0, 2}, 2, kPageSize), StreamError::kBadPageFlags);
  EXPECT_EQ(batch_with({0, kPageZero, 0}, 0, 0), StreamError::kBadPageFlags);
  EXPECT_EQ(batch_with({0, 0, 1}, 1, 100), StreamError::kBadRecordLength);         // data cut short
  EXPECT_EQ(batch_with({0, kPageZero, 1}, 1, 16), StreamError::kBadRecordLength);  // bytes left over
  EXPECT_EQ(batch_with({0, kPageZero, 4}, 5, 0), StreamError::kPageCountMismatch);
}

TEST(StreamCodec, RejectsRecordsOutOfOrder) {
  auto page = pattern_page(2);
  StreamBuilder batch_first;
  batch_first.batch({{0, page.data()}});
  EXPECT_EQ(decode_in_pieces(batch_first.bytes, {}).fault.code, StreamError::kUnexpectedRecord);

  StreamBuilder end_early;
  end_early.begin(kMemory);
  end_early.record(RecordType::kEnd, EndRecord{kPages, 0});
  EXPECT_EQ(decode_in_pieces(end_early.bytes, {}).fault.code, StreamError::kUnexpectedRecord);

  StreamBuilder after_end;
  after_end.valid_stream(kMemory, page.data());
  after_end.record(RecordType::kRound, RoundRecord{});
  EXPECT_EQ(decode_in_pieces(after_end.bytes, {}).fault.code, StreamError::kUnexpectedRecord);

  StreamBuilder ack_from_source;
  ack_from_source.record(RecordType::kVerified, CommitRecord{});
  EXPECT_EQ(decode_in_pieces(ack_from_source.bytes, {}).fault.code, StreamError::kUnexpectedRecord);
}

TEST(StreamCodec, RejectsEndBeforeEveryPageAndWrongPageCount) {
  auto page = pattern_page(4);
  auto tail = [](StreamBuilder& stream, uint64_t end_pages) {
    VcpuStateRecord vcpu{};
    vcpu.state_size = sizeof(x86::VcpuState);
    stream.record(RecordType::kVcpuState, vcpu);
    stream.record(RecordType::kDeviceState, DeviceState{});
    stream.record(RecordType::kEnd, EndRecord{end_pages, 0});
  };
  StreamBuilder missing;
  missing.begin(kMemory);
  missing.batch({{0, page.data()}, {7, nullptr}});
  tail(missing, kPages);
  auto outcome = decode_in_pieces(missing.bytes, {});
  EXPECT_EQ(outcome.fault.code, StreamError::kMissingPages);
  EXPECT_EQ(outcome.fault.value, 2u);

  StreamBuilder wrong_count;
  wrong_count.valid_stream(kMemory, page.data());
  wrong_count.bytes.resize(wrong_count.bytes.size() - record_size(sizeof(EndRecord)));
  wrong_count.record(RecordType::kEnd, EndRecord{kPages + 1, 0});
  EXPECT_EQ(decode_in_pieces(wrong_count.bytes, {}).fault.code, StreamError::kPageCountMismatch);
}

// Issue 17: the FPU part of VCPU_STATE (section 3). A value FXRSTOR would fault on, or
// state components this version does not carry, end the stream with a fault (a NACK).
StreamFault decode_vcpu_with(void (*spoil)(x86::FpuState&)) {
  auto page = pattern_page(4);
  StreamBuilder stream;
  stream.begin(kMemory);
  std::vector<std::pair<uint64_t, const uint8_t*>> pages;
  for (uint64_t gfn = 0; gfn < kPages; ++gfn) pages.push_back({gfn, nullptr});
  stream.batch(pages);
  VcpuStateRecord vcpu{};
  vcpu.state_size = sizeof(x86::VcpuState);
  spoil(vcpu.state.fpu);
  stream.record(RecordType::kVcpuState, vcpu);
  return decode_in_pieces(stream.bytes, {}).fault;
}

TEST(StreamCodec, ChecksTheFpuStateOfVcpuState) {
  EXPECT_EQ(decode_vcpu_with([](x86::FpuState&) {}).code, StreamError::kTruncated);  // fine, then cut
  StreamFault mxcsr = decode_vcpu_with([](x86::FpuState& f) { f.fxsave.mxcsr = 0x1'1F80; });
  EXPECT_EQ(mxcsr.code, StreamError::kBadHeaderField);
  EXPECT_EQ(mxcsr.value, 0x1'1F80u);
  StreamFault avx = decode_vcpu_with([](x86::FpuState& f) { f.xcr0 = 7; });
  EXPECT_EQ(avx.code, StreamError::kBadHeaderField);
  EXPECT_EQ(avx.value, 7u);
  EXPECT_EQ(decode_vcpu_with([](x86::FpuState& f) { f.xcr0 = 0; }).code, StreamError::kBadHeaderField);
  EXPECT_EQ(decode_vcpu_with([](x86::FpuState& f) { f.reserved = 1; }).code, StreamError::kNonZeroReserved);
}

TEST(StreamCodec, A22HeaderWithoutFpuStateIsRefused) {
  auto header = make_header(kMemory);
  header.vcpu_state_size = 512;  // a 2.2 source: its VCPU_STATE would lack the FPU state
  StreamBuilder stream;
  stream.record(RecordType::kHeader, header);
  EXPECT_EQ(decode_in_pieces(stream.bytes, {}).fault.code, StreamError::kBadHeaderField);
}

// --- HEADER.backend_features and CPUID (docs/decisions/0011-guest-cpu-model.md) ---

StreamFault decode_header_with_features(uint32_t features) {
  auto header = make_header(kMemory);
  header.backend_features = features;
  StreamBuilder stream;
  stream.record(RecordType::kHeader, header);
  stream.record(RecordType::kCpuid, testing::make_cpuid());
  return decode_in_pieces(stream.bytes, {}).fault;
}

TEST(StreamCodec, AFeatureThisNodeDoesNotKnowIsRefusedByName) {
  StreamFault fault = decode_header_with_features(kFeatureGuestCpuid | (1u << 5));
  EXPECT_EQ(fault.code, StreamError::kUnsupportedFeature);
  EXPECT_EQ(fault.value, 1u << 5);
  EXPECT_EQ(describe(fault),
            "the guest needs a feature this node does not know (HEADER record 0x2 at byte 0; value 0x20, "
            "limit 0x7)");
  // A version-2 guest always has a fixed CPU model.
  EXPECT_EQ(decode_header_with_features(0).code, StreamError::kBadHeaderField);
  EXPECT_EQ(decode_header_with_features(kFeatureGuestCpuid).code, StreamError::kTruncated);  // fine so far
}

TEST(StreamCodec, CpuidComesRightAfterHeaderExactlyOnce) {
  StreamBuilder pages_first;
  pages_first.record(RecordType::kHeader, make_header(kMemory));
  pages_first.record(RecordType::kRound, RoundRecord{0, 0, kPages});
  EXPECT_EQ(decode_in_pieces(pages_first.bytes, {}).fault.code, StreamError::kUnexpectedRecord);

  StreamBuilder twice;
  twice.begin(kMemory);
  twice.record(RecordType::kCpuid, testing::make_cpuid());
  auto outcome = decode_in_pieces(twice.bytes, {});
  EXPECT_EQ(outcome.fault.code, StreamError::kUnexpectedRecord);
  EXPECT_EQ(outcome.fault.record_type, static_cast<uint32_t>(RecordType::kCpuid));

  StreamBuilder before_header;
  before_header.record(RecordType::kCpuid, testing::make_cpuid());
  EXPECT_EQ(decode_in_pieces(before_header.bytes, {}).fault.code, StreamError::kUnexpectedRecord);
}

TEST(StreamCodec, CpuidValuesArriveAsSent) {
  CpuidRecord sent = testing::make_cpuid();
  StreamBuilder stream;
  stream.begin(kMemory);
  std::vector<uint8_t> buffer(kMaxRecordBody);
  std::vector<uint64_t> coverage(PageBitmap::words_for(kPages));
  StreamDecoder decoder(buffer, coverage);
  std::span<const uint8_t> input(stream.bytes);
  bool seen = false;
  while (!input.empty()) {
    size_t used = 0;
    StreamFault fault;
    auto step = decoder.next(input, used, fault);
    ASSERT_NE(step, StreamDecoder::Step::kFault) << describe(fault);
    input = input.subspan(used);
    if (step == StreamDecoder::Step::kRecord && decoder.type() == RecordType::kCpuid) {
      EXPECT_EQ(std::memcmp(&decoder.cpuid(), &sent, sizeof sent), 0);
      seen = true;
    }
  }
  EXPECT_TRUE(seen);
}

StreamFault decode_cpuid_record(const CpuidRecord& cpuid) {
  StreamBuilder stream;
  stream.record(RecordType::kHeader, make_header(kMemory));
  stream.record(RecordType::kCpuid, cpuid);
  return decode_in_pieces(stream.bytes, {}).fault;
}

TEST(StreamCodec, RejectsCpuidRecordsOfTheWrongForm) {
  auto with = [](auto mutate) {
    CpuidRecord cpuid = testing::make_cpuid();
    mutate(cpuid);
    return decode_cpuid_record(cpuid);
  };
  EXPECT_EQ(with([](CpuidRecord& c) { c.model = 0; }).code, StreamError::kBadHeaderField);
  EXPECT_EQ(with([](CpuidRecord& c) { c.count = 0; }).code, StreamError::kBadHeaderField);
  EXPECT_EQ(with([](CpuidRecord& c) { c.count = x86::kMaxCpuidEntries + 1; }).code,
            StreamError::kBadHeaderField);
  // Out of order, and the same leaf twice.
  EXPECT_EQ(with([](CpuidRecord& c) { std::swap(c.entries[0], c.entries[1]); }).code,
            StreamError::kBadHeaderField);
  EXPECT_EQ(with([](CpuidRecord& c) { c.entries[1] = c.entries[0]; }).code, StreamError::kBadHeaderField);
  // Godwit's own leaves are the node's to answer.
  StreamFault hypervisor = with([](CpuidRecord& c) { c.entries[1].leaf = 0x40000001; });
  EXPECT_EQ(hypervisor.code, StreamError::kBadHeaderField);
  EXPECT_EQ(hypervisor.value, 0x40000001u);
  // An unused entry must be zero.
  StreamFault unused = with([](CpuidRecord& c) { c.entries[5].edx = 1; });
  EXPECT_EQ(unused.code, StreamError::kNonZeroReserved);
  EXPECT_EQ(unused.value, 5u);
  // Subleaves order after their leaf.
  EXPECT_EQ(with([](CpuidRecord& c) { c.entries[1] = {0, 1, 0, 0, 0, 0}; }).code, StreamError::kTruncated);

  StreamBuilder wrong_length;
  wrong_length.record(RecordType::kHeader, make_header(kMemory));
  wrong_length.raw(RecordType::kCpuid, std::vector<uint8_t>(8 + 2 * 24));
  EXPECT_EQ(decode_in_pieces(wrong_length.bytes, {}).fault.code, StreamError::kBadRecordLength);
}

TEST(StreamCodec, EveryTruncationIsReported) {
  auto page = pattern_page(6);
  StreamBuilder stream;
  stream.valid_stream(kMemory, page.data());
  for (size_t length = 0; length < stream.bytes.size(); ++length) {
    std::vector<uint8_t> prefix(stream.bytes.begin(), stream.bytes.begin() + static_cast<long>(length));
    ASSERT_EQ(decode_in_pieces(prefix, {}).fault.code, StreamError::kTruncated) << "length " << length;
  }
}

// Fixed-seed fuzzing: random byte corruptions of a valid stream must be rejected (the
// checksum or a field check catches them) and never crash or read out of bounds.
TEST(StreamCodec, RandomCorruptionIsRejected) {
  auto page = pattern_page(8);
  StreamBuilder stream;
  stream.valid_stream(kMemory, page.data());
  std::mt19937_64 random(20261201);
  for (int trial = 0; trial < 3000; ++trial) {
    auto bytes = stream.bytes;
    int flips = 1 + static_cast<int>(random() % 4);
    for (int i = 0; i < flips; ++i) {
      bytes[random() % bytes.size()] ^= static_cast<uint8_t>(1 + random() % 255);
    }
    size_t cut = 1 + random() % bytes.size();
    auto outcome = decode_in_pieces(bytes, {cut});
    ASSERT_FALSE(outcome.fault.ok()) << "trial " << trial;
  }
}

// The test above mostly exercises the checksum (and, in version 3, the tag does the
// same): a flip dies there before any field is read. Here the corruption happens before
// framing, as in a sender with a bug or an attacker with the key, so the record is
// well-framed and only the decoders' field checks stand between it and the guest. Every
// flip lands in a field the decoder validates, and every one must be refused by field
// validation, not by the checksum.
TEST(StreamCodec, CorruptionBeforeFramingIsCaughtByFieldValidation) {
  auto page = pattern_page(9);
  struct Body {
    RecordType type;
    std::vector<uint8_t> bytes;
    std::vector<std::pair<size_t, size_t>> checked;  // [from, to) byte ranges the decoder validates
  };
  auto body_of = [](const auto& value) {
    std::vector<uint8_t> bytes(sizeof(value));
    std::memcpy(bytes.data(), &value, sizeof(value));
    return bytes;
  };
  std::vector<Body> records;
  records.push_back({RecordType::kHeader, body_of(make_header(kMemory)), {{0, 10}, {12, 40}}});
  records.push_back({RecordType::kCpuid, body_of(testing::make_cpuid()), {}});
  {
    std::vector<uint8_t> out(record_size(kMaxRecordBody));
    PageBatchEncoder encoder(out);
    for (uint64_t gfn = 0; gfn < kPages; ++gfn) {
      uint64_t hash = 0;
      static const uint8_t kZero[kPageSize] = {};
      ASSERT_TRUE(encoder.add_page(gfn, gfn == 1 ? page.data() : kZero, hash));
    }
    size_t size = encoder.finish();
    std::vector<uint8_t> body(out.begin() + sizeof(RecordHeader), out.begin() + static_cast<long>(size));
    records.push_back({RecordType::kPageBatch, body, {{0, 8 + 2 * 16}}});  // batch header, two entries
  }
  VcpuStateRecord vcpu{};
  vcpu.state_size = sizeof(x86::VcpuState);
  records.push_back({RecordType::kVcpuState, body_of(vcpu), {{0, 8}}});
  records.push_back({RecordType::kDeviceState,
                     body_of(DeviceState{}),
                     {{offsetof(DeviceState, flags), offsetof(DeviceState, flags) + 4}}});
  records.push_back({RecordType::kEnd, body_of(EndRecord{kPages, 0}), {{0, 8}}});
  auto encode = [](const std::vector<Body>& bodies) {
    StreamBuilder stream;
    for (const Body& b : bodies) stream.raw(b.type, b.bytes);
    return stream.bytes;
  };
  ASSERT_TRUE(decode_in_pieces(encode(records), {}).fault.ok());

  std::mt19937_64 random(20261205);
  std::map<StreamError, int> seen;
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<Body> corrupted = records;
    Body* target = nullptr;
    while (target == nullptr || target->checked.empty()) target = &corrupted[random() % corrupted.size()];
    auto [from, to] = target->checked[random() % target->checked.size()];
    size_t at = from + random() % (to - from);
    target->bytes[at] ^= static_cast<uint8_t>(1 + random() % 255);
    auto outcome = decode_in_pieces(encode(corrupted), {static_cast<size_t>(1 + random() % 5000)});
    ASSERT_FALSE(outcome.fault.ok()) << "trial " << trial << ": " << to_string(target->type) << " byte "
                                     << at;
    ASSERT_NE(outcome.fault.code, StreamError::kChecksumMismatch) << "trial " << trial;
    ++seen[outcome.fault.code];
  }
  // The field checks themselves did the work, several kinds of them.
  EXPECT_GT(seen[StreamError::kBadHeaderField], 0);
  EXPECT_GT(seen[StreamError::kBadMagic], 0);
  EXPECT_GT(seen[StreamError::kUnsupportedVersion], 0);
  EXPECT_GT(seen[StreamError::kPageCountMismatch] + seen[StreamError::kBadRecordLength], 0);
  EXPECT_GT(seen[StreamError::kNonZeroReserved], 0);
}

}  // namespace
}  // namespace godwit::migration
