// libFuzzer target for the source's reply path: a MigrationSender migrating a small
// fake guest is fed arbitrary bytes as what the destination sends back (CHALLENGE, then
// VERIFIED, COMMITTED or NACK), pumped between pieces while its own stream goes nowhere.
// Besides memory safety and UB it checks the sender's promise to the guest: the
// migration ends, the connection is closed, and the guest is either released (success),
// held paused for settlement (unsettled: only after COMMIT), or running here untouched
// with dirty tracking off (failure).
//
// Input: byte 0 (bit 0: framed records, see framing.h; bits 1-7: piece size), byte 1
// (send window: 0 = 64 KiB, else 256 * n bytes), byte 2 (bits 0-6: clock step per pump
// in units of 100 ms; bit 7: leave the records after the first as given, with tags of
// zeros, instead of giving VERIFIED and COMMITTED the right page count and digest and
// sealing every record with the keys of the first record (taken as CHALLENGE) and the
// sender's HELLO), byte 3 (pumps per piece, 1 + n % 16), then the replies.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "migration/memory_digest.h"
#include "migration/migration_sender.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/migration/framing.h"
#include "tests/fuzz/migration/receiver_setup.h"
#include "tests/unit/migration/migration_fakes.h"
#include "tests/unit/migration/stream_builder.h"

using namespace godwit;
using namespace godwit::migration;
using godwit::fuzz::FuzzInput;

namespace {

constexpr uint64_t kPages = 16;

uint64_t source_digest(godwit::migration::testing::FakeSource& source) {
  MemoryDigest digest(source.page_count());
  while (digest.step([&](uint64_t gfn) { return source.page(gfn); }, 64) == MemoryDigest::Step::kMore) {
  }
  return digest.value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::vector<uint8_t> record_buffer(record_size(kMaxRecordBody));
  static std::vector<uint64_t> send_set(PageBitmap::words_for(kPages));
  static std::vector<uint64_t> digest_terms(kPages);
  FuzzInput input(data, size);
  uint8_t mode = input.take<uint8_t>();
  uint8_t window = input.take<uint8_t>();
  uint8_t timing = input.take<uint8_t>();
  int pumps = 1 + input.take<uint8_t>() % 16;
  size_t piece = 1 + size_t{static_cast<uint8_t>(mode >> 1)} * 7;
  uint64_t clock_step = uint64_t{timing & 0x7fu} * 100'000'000;
  bool sign = (timing & 0x80) == 0;

  godwit::migration::testing::FakeSource source(kPages);
  static const uint64_t kDigest = source_digest(source);
  std::vector<uint8_t> replies(input.rest().begin(), input.rest().end());
  SenderConfig config;
  for (size_t i = 0; i < kNonceSize; ++i) config.nonce[i] = static_cast<uint8_t>(i * 5 + 3);
  RecordSealer sealer;
  if ((mode & 1) != 0) {
    auto rewrite = [&](uint32_t type, std::vector<uint8_t>& body) {
      bool verdict = type == static_cast<uint32_t>(RecordType::kVerified) ||
                     type == static_cast<uint32_t>(RecordType::kCommitted);
      if (sign && verdict && body.size() == sizeof(CommitRecord)) {
        CommitRecord genuine{kPages, kDigest};
        __builtin_memcpy(body.data(), &genuine, sizeof genuine);
      }
    };
    auto keyed = [&](uint32_t type, const std::vector<uint8_t>& body) -> RecordSealer* {
      if (!sign || type != static_cast<uint32_t>(RecordType::kChallenge) ||
          body.size() != sizeof(ChallengeRecord))
        return nullptr;
      ChallengeRecord challenge;
      __builtin_memcpy(&challenge, body.data(), sizeof challenge);
      HelloRecord hello{kStreamMagic,
                        kStreamVersionMajor,
                        kStreamVersionMinor,
                        static_cast<uint8_t>(config.protection),
                        0,
                        {},
                        {}};
      __builtin_memcpy(hello.nonce, config.nonce, kNonceSize);
      uint8_t handshake[sizeof challenge + sizeof hello];
      __builtin_memcpy(handshake, &challenge, sizeof challenge);
      __builtin_memcpy(handshake + sizeof challenge, &hello, sizeof hello);
      auto keys = derive_session_keys(godwit::fuzz::kFuzzKey, challenge.nonce, config.nonce,
                                      config.protection, handshake);
      if (!keys) return nullptr;
      sealer = RecordSealer(keys->destination_to_source, config.protection);
      return &sealer;
    };
    replies = godwit::fuzz::sealed_records(input.rest(), rewrite, keyed);
  }

  config.key = godwit::fuzz::kFuzzKey;
  config.guest_name = "fuzzed";
  config.cpuid = godwit::migration::testing::make_cpuid();
  config.batch_pages = 4;
  godwit::migration::testing::FakeClock clock;
  godwit::migration::testing::FakeChannel channel;
  channel.window = window == 0 ? 64 * 1024 : size_t{window} * 256;
  MigrationSender sender(config, source, channel, clock, record_buffer, send_set, digest_terms);
  sender.start();
  std::span<const uint8_t> rest(replies);
  while (!rest.empty() && !sender.finished()) {
    std::span<const uint8_t> chunk = rest.first(piece < rest.size() ? piece : rest.size());
    rest = rest.subspan(chunk.size());
    sender.on_receive(chunk);
    for (int i = 0; i < pumps; ++i) {
      channel.refill();
      sender.pump();
      (void)channel.take();
      clock.now += clock_step;
    }
  }
  // The destination says nothing more: every wait must end in a timeout. The bound
  // leaves room for the whole stream (about 70 KiB) through the smallest window.
  for (int i = 0; i < 2000 && !sender.finished(); ++i) {
    channel.refill();
    sender.pump();
    (void)channel.take();
    clock.now += 2'000'000'000;
  }

  FUZZ_REQUIRE(sender.finished());
  if (sender.summary().outcome == MigrationOutcome::kSucceeded) {
    FUZZ_REQUIRE(source.released && !source.resumed && !source.held);
  } else if (sender.summary().outcome == MigrationOutcome::kUnsettled) {
    FUZZ_REQUIRE(source.held && source.paused && !source.released && !source.resumed);
  } else {
    FUZZ_REQUIRE(!source.released && !source.paused && !source.held && !source.tracking_on());
  }
  FUZZ_REQUIRE(channel.closed);
  return 0;
}
