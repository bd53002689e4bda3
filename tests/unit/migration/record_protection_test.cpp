// The record protection of stream v3: key schedule, nonce layout, and every attack the
// design claims to stop (docs/migration-stream.md, "Record protection"), in both modes.
#include "migration/record_protection.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "tests/unit/migration/hex_bytes.h"

namespace godwit::migration {
namespace {

using testing::text_bytes;

// A record as the stream would carry it: an 8-byte header (type, length) that is the
// associated data, the body, and the tag.
struct WireRecord {
  std::vector<uint8_t> header;
  std::vector<uint8_t> body;
  Poly1305Tag tag;
  RecordEnd end = RecordEnd::kMore;
};

constexpr uint32_t kTypeHeader = 2, kTypePages = 3, kTypeEnd = 6;

std::vector<uint8_t> header_bytes(uint32_t type, uint32_t length) {
  std::vector<uint8_t> header(8);
  std::memcpy(header.data(), &type, 4);
  std::memcpy(header.data() + 4, &length, 4);
  return header;
}

struct Nonces {
  uint8_t destination[kSessionNonceSize];
  uint8_t source[kSessionNonceSize];
};

Nonces nonces(uint8_t seed) {
  Nonces n{};
  for (size_t i = 0; i < kSessionNonceSize; ++i) {
    n.destination[i] = static_cast<uint8_t>(seed * 7 + i);
    n.source[i] = static_cast<uint8_t>(seed * 13 + 100 + i);
  }
  return n;
}

const std::vector<uint8_t> kKey = text_bytes("a shared migrate_key");
const std::vector<uint8_t> kHandshake = text_bytes("CHALLENGE body || HELLO body");

SessionKeys keys_for(const Nonces& n, Protection mode, const std::vector<uint8_t>& key = kKey,
                     const std::vector<uint8_t>& handshake = kHandshake) {
  auto keys = derive_session_keys(key, n.destination, n.source, mode, handshake);
  EXPECT_TRUE(keys.ok());
  return keys.value_or(SessionKeys{});
}

// The plaintext of a small source stream: HEADER, three page records, END (the last).
std::vector<WireRecord> plain_stream() {
  std::vector<WireRecord> records;
  auto add = [&](uint32_t type, std::vector<uint8_t> body, RecordEnd end) {
    records.push_back({header_bytes(type, static_cast<uint32_t>(body.size())), std::move(body), {}, end});
  };
  add(kTypeHeader, text_bytes("guest counter, 4 MiB"), RecordEnd::kMore);
  for (uint8_t page = 0; page < 3; ++page)
    add(kTypePages, std::vector<uint8_t>(4096, static_cast<uint8_t>(0x40 + page)), RecordEnd::kMore);
  add(kTypeEnd, text_bytes("digest"), RecordEnd::kLast);
  return records;
}

std::vector<WireRecord> sealed_stream(const DirectionKeys& keys, Protection mode) {
  RecordSealer sealer(keys, mode);
  std::vector<WireRecord> records = plain_stream();
  for (WireRecord& record : records) {
    auto tag = sealer.seal(record.header, record.body, record.end);
    EXPECT_TRUE(tag.ok());
    record.tag = tag.value_or(Poly1305Tag{});
  }
  EXPECT_TRUE(sealer.closed());
  return records;
}

// Feeds `records` to an opener; returns the first fault (kNone if all opened), and the
// fault finish() reports when the stream then ends.
struct Outcome {
  RecordFault first = RecordFault::kNone;
  size_t failed_at = 0;
  RecordFault at_finish = RecordFault::kNone;
};

Outcome deliver(RecordOpener& opener, std::vector<WireRecord> records) {
  Outcome outcome;
  for (size_t i = 0; i < records.size(); ++i) {
    RecordFault fault = opener.open(records[i].header, records[i].body, records[i].tag, records[i].end);
    if (fault != RecordFault::kNone && outcome.first == RecordFault::kNone) {
      outcome.first = fault;
      outcome.failed_at = i;
    }
  }
  outcome.at_finish = opener.finish();
  return outcome;
}

class RecordProtection : public ::testing::TestWithParam<Protection> {
 protected:
  Protection mode() const { return GetParam(); }
  SessionKeys keys_ = keys_for(nonces(1), GetParam());
  RecordOpener destination_opener() const { return RecordOpener(keys_.source_to_destination, mode()); }
  std::vector<WireRecord> stream() const { return sealed_stream(keys_.source_to_destination, mode()); }
};

TEST_P(RecordProtection, AGenuineStreamOpensInOrderAndEndsCleanly) {
  std::vector<WireRecord> plain = plain_stream();
  std::vector<WireRecord> wire = stream();
  for (size_t i = 0; i < wire.size(); ++i) {
    if (mode() == Protection::kEncrypted)
      EXPECT_NE(wire[i].body, plain[i].body) << "record " << i << " must travel encrypted";
    else
      EXPECT_EQ(wire[i].body, plain[i].body) << "record " << i << " travels as it is";
  }
  RecordOpener opener = destination_opener();
  for (size_t i = 0; i < wire.size(); ++i) {
    ASSERT_EQ(opener.open(wire[i].header, wire[i].body, wire[i].tag, wire[i].end), RecordFault::kNone) << i;
    EXPECT_EQ(wire[i].body, plain[i].body);
    EXPECT_EQ(opener.sequence(), i + 1);
  }
  EXPECT_TRUE(opener.at_end());
  EXPECT_EQ(opener.finish(), RecordFault::kNone);
}

TEST_P(RecordProtection, AFlippedBitAnywhereIsRejectedAndTheStreamStaysFailed) {
  const std::vector<WireRecord> genuine = stream();
  struct Flip {
    const char* where;
    void (*apply)(WireRecord&);
  };
  const Flip flips[] = {
      {"header type", [](WireRecord& r) { r.header[0] ^= 0x01; }},
      {"header length", [](WireRecord& r) { r.header[5] ^= 0x10; }},
      {"first body byte", [](WireRecord& r) { r.body[0] ^= 0x80; }},
      {"last body byte", [](WireRecord& r) { r.body.back() ^= 0x01; }},
      {"tag", [](WireRecord& r) { r.tag.bytes[7] ^= 0x04; }},
  };
  for (const Flip& flip : flips) {
    std::vector<WireRecord> wire = genuine;
    flip.apply(wire[2]);
    const std::vector<uint8_t> arrived = wire[2].body;
    RecordOpener opener = destination_opener();
    Outcome outcome = deliver(opener, wire);
    EXPECT_EQ(outcome.first, RecordFault::kForged) << flip.where;
    EXPECT_EQ(outcome.failed_at, 2u) << flip.where;
    EXPECT_EQ(wire[2].body, arrived) << flip.where << ": a forged body is left as it arrived";
    EXPECT_EQ(opener.open(wire[3].header, wire[3].body, wire[3].tag), RecordFault::kFailedBefore);
    EXPECT_EQ(outcome.at_finish, RecordFault::kForged) << flip.where;
  }
}

TEST_P(RecordProtection, AReplayedRecordIsRejected) {
  std::vector<WireRecord> wire = stream();
  wire.insert(wire.begin() + 2, wire[1]);  // record 1 again, where record 2 belongs
  RecordOpener opener = destination_opener();
  Outcome outcome = deliver(opener, wire);
  EXPECT_EQ(outcome.first, RecordFault::kForged);
  EXPECT_EQ(outcome.failed_at, 2u);
}

TEST_P(RecordProtection, AReorderedRecordIsRejected) {
  std::vector<WireRecord> wire = stream();
  std::swap(wire[1], wire[2]);
  RecordOpener opener = destination_opener();
  Outcome outcome = deliver(opener, wire);
  EXPECT_EQ(outcome.first, RecordFault::kForged);
  EXPECT_EQ(outcome.failed_at, 1u);
}

TEST_P(RecordProtection, ADroppedRecordIsRejected) {
  std::vector<WireRecord> wire = stream();
  wire.erase(wire.begin() + 2);
  RecordOpener opener = destination_opener();
  EXPECT_EQ(deliver(opener, wire).first, RecordFault::kForged);
}

TEST_P(RecordProtection, AStreamCutBeforeItsLastRecordIsTruncated) {
  std::vector<WireRecord> wire = stream();
  wire.pop_back();  // END never arrives: every record that did is genuine
  RecordOpener opener = destination_opener();
  Outcome outcome = deliver(opener, wire);
  EXPECT_EQ(outcome.first, RecordFault::kNone);
  EXPECT_FALSE(opener.at_end());
  EXPECT_EQ(outcome.at_finish, RecordFault::kTruncated);
}

TEST_P(RecordProtection, AnOrdinaryRecordCannotPassForTheLastOne) {
  // An attacker who cuts the stream cannot make the receiver take what it has as complete.
  std::vector<WireRecord> wire = stream();
  wire.resize(3);
  wire.back().end = RecordEnd::kLast;
  RecordOpener opener = destination_opener();
  Outcome outcome = deliver(opener, wire);
  EXPECT_EQ(outcome.first, RecordFault::kForged);
  EXPECT_EQ(outcome.failed_at, 2u);
  EXPECT_EQ(outcome.at_finish, RecordFault::kForged);
}

TEST_P(RecordProtection, NothingIsAcceptedAfterTheLastRecord) {
  std::vector<WireRecord> wire = stream();
  RecordOpener opener = destination_opener();
  ASSERT_EQ(deliver(opener, wire).at_finish, RecordFault::kNone);
  EXPECT_EQ(opener.open(wire[1].header, wire[1].body, wire[1].tag), RecordFault::kAfterLast);
  RecordSealer sealer(keys_.source_to_destination, mode());
  std::vector<uint8_t> body = text_bytes("end");
  ASSERT_TRUE(sealer.seal(header_bytes(kTypeEnd, 3), body, RecordEnd::kLast).ok());
  auto more = sealer.seal(header_bytes(kTypePages, 3), body);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.error(), Error::kState);
}

TEST_P(RecordProtection, ARecordFromAnotherSessionIsRejected) {
  // Same key, other nonces: a recorded stream replayed into a new connection, or a
  // foreign stream spliced in after a genuine first record.
  SessionKeys other = keys_for(nonces(2), mode());
  std::vector<WireRecord> recorded = sealed_stream(other.source_to_destination, mode());
  RecordOpener replay = destination_opener();
  Outcome outcome = deliver(replay, recorded);
  EXPECT_EQ(outcome.first, RecordFault::kForged);
  EXPECT_EQ(outcome.failed_at, 0u);

  std::vector<WireRecord> spliced = stream();
  for (size_t i = 1; i < spliced.size(); ++i) spliced[i] = recorded[i];
  RecordOpener splice = destination_opener();
  outcome = deliver(splice, spliced);
  EXPECT_EQ(outcome.first, RecordFault::kForged);
  EXPECT_EQ(outcome.failed_at, 1u);

  // Only the destination's nonce fresh, or only the source's: each alone changes the keys.
  Nonces half = nonces(1);
  half.source[0] ^= 1;
  RecordOpener fresh_source(keys_for(half, mode()).source_to_destination, mode());
  EXPECT_EQ(deliver(fresh_source, stream()).first, RecordFault::kForged);
  half = nonces(1);
  half.destination[31] ^= 1;
  RecordOpener fresh_destination(keys_for(half, mode()).source_to_destination, mode());
  EXPECT_EQ(deliver(fresh_destination, stream()).first, RecordFault::kForged);
}

TEST_P(RecordProtection, ARecordUnderAnotherKeyIsRejected) {
  SessionKeys wrong = keys_for(nonces(1), mode(), text_bytes("not the migrate_key"));
  RecordOpener opener = destination_opener();
  EXPECT_EQ(deliver(opener, sealed_stream(wrong.source_to_destination, mode())).first, RecordFault::kForged);
}

TEST_P(RecordProtection, ARecordReflectedFromTheOtherDirectionIsRejected) {
  std::vector<WireRecord> from_destination = sealed_stream(keys_.destination_to_source, mode());
  RecordOpener opener = destination_opener();
  EXPECT_EQ(deliver(opener, from_destination).first, RecordFault::kForged);
}

TEST_P(RecordProtection, TamperedHandshakeBytesGiveOtherKeys) {
  SessionKeys tampered = keys_for(nonces(1), mode(), kKey, text_bytes("CHALLENGE body || HELLO bodz"));
  RecordOpener opener(tampered.source_to_destination, mode());
  EXPECT_EQ(deliver(opener, stream()).first, RecordFault::kForged);
}

INSTANTIATE_TEST_SUITE_P(BothModes, RecordProtection,
                         ::testing::Values(Protection::kEncrypted, Protection::kIntegrityOnly),
                         [](const auto& info) {
                           return info.param == Protection::kEncrypted ? std::string("Encrypted")
                                                                       : std::string("IntegrityOnly");
                         });

TEST(RecordProtectionModes, AStreamSealedInOneModeDoesNotOpenInTheOther) {
  // The mode is in the key derivation: a peer cannot downgrade encryption to
  // integrity-only (or the reverse) by rewriting what the handshake says.
  SessionKeys encrypted = keys_for(nonces(1), Protection::kEncrypted);
  SessionKeys integrity = keys_for(nonces(1), Protection::kIntegrityOnly);
  RecordOpener as_encrypted(encrypted.source_to_destination, Protection::kEncrypted);
  EXPECT_EQ(
      deliver(as_encrypted, sealed_stream(integrity.source_to_destination, Protection::kIntegrityOnly)).first,
      RecordFault::kForged);
  RecordOpener as_integrity(integrity.source_to_destination, Protection::kIntegrityOnly);
  EXPECT_EQ(
      deliver(as_integrity, sealed_stream(encrypted.source_to_destination, Protection::kEncrypted)).first,
      RecordFault::kForged);
}

TEST(RecordKeys, DirectionsAndModesGetDistinctKeys) {
  SessionKeys a = keys_for(nonces(1), Protection::kEncrypted);
  SessionKeys b = keys_for(nonces(1), Protection::kIntegrityOnly);
  SessionKeys again = keys_for(nonces(1), Protection::kEncrypted);
  EXPECT_NE(std::memcmp(&a.source_to_destination, &a.destination_to_source, sizeof(DirectionKeys)), 0);
  EXPECT_NE(std::memcmp(&a.source_to_destination, &b.source_to_destination, sizeof(DirectionKeys)), 0);
  EXPECT_EQ(std::memcmp(&a, &again, sizeof(SessionKeys)), 0);
}

TEST(RecordKeys, RefusesAnEmptyKeyAndAnEchoedNonce) {
  Nonces n = nonces(1);
  auto no_key = derive_session_keys({}, n.destination, n.source, Protection::kEncrypted, kHandshake);
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.error(), Error::kInvalidArgument);
  auto echoed = derive_session_keys(kKey, n.destination, n.destination, Protection::kEncrypted, kHandshake);
  ASSERT_FALSE(echoed.ok());
  EXPECT_EQ(echoed.error(), Error::kInvalidArgument);
}

TEST(RecordNonce, IvXorFlagsAndLittleEndianSequence) {
  ChachaNonce iv = testing::fixed_from_hex<ChachaNonce>("a0a1a2a3a4a5a6a7a8a9aaab");
  ChachaNonce first = record_nonce(iv, 0, RecordEnd::kMore);
  EXPECT_EQ(testing::to_hex(first.bytes, 12), "a0a1a2a3a4a5a6a7a8a9aaab");
  ChachaNonce later = record_nonce(iv, 0x0102030405060708, RecordEnd::kLast);
  EXPECT_EQ(testing::to_hex(later.bytes, 12), "a1a1a2a3aca2a0a2acaaa8aa");
}

TEST(RecordFaults, EachHasAMessage) {
  for (RecordFault fault : {RecordFault::kForged, RecordFault::kAfterLast, RecordFault::kSequenceExhausted,
                            RecordFault::kTruncated, RecordFault::kFailedBefore})
    EXPECT_STRNE(describe(fault), describe(RecordFault::kNone));
}

}  // namespace
}  // namespace godwit::migration
