// libFuzzer target for the destination's state machine: MigrationReceiver over fake
// ports (a byte channel with a send window the input chooses, a clock the input moves,
// and a guest factory whose guests check every call the receiver makes), fed arbitrary
// bytes as the connection from the source. Besides memory safety and UB it checks what
// the receiver promises: no write outside the guest, one guest per connection, its CPUID
// installed once before any page, a guest runs only after its digest was verified and
// its state loaded, a failed migration
// discards its guest, and the connection is closed whatever the outcome.
//
// Input: byte 0 (bit 0: framed records, see framing.h; bits 1-7: delivery piece size),
// byte 1 (send window: 0 = 64 KiB, else 64 * n bytes), byte 2 (bits 0-6: clock step per
// piece in units of 500 ms; bit 7: leave the records after the first with tags of zeros
// instead of sealing them with the keys of the harness's key, its nonce and the first
// record taken as HELLO), then the stream.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "kernel/vm/devices/virtio_net_state.h"
#include "migration/migration_receiver.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/migration/framing.h"
#include "tests/fuzz/migration/receiver_setup.h"
#include "tests/unit/migration/migration_fakes.h"

using namespace godwit;
using namespace godwit::migration;
using godwit::fuzz::FuzzInput;

namespace {

class CheckedGuest final : public DestinationGuest {
 public:
  // Memory is one buffer for every run: a fresh 2-4 MiB allocation per input made the
  // sanitizers' allocator and leak scan most of the cost of a run.
  explicit CheckedGuest(uint64_t pages) : pages_(pages), memory_(guest_memory().first(pages * kPageSize)) {
    __builtin_memset(memory_.data(), 0xee, memory_.size());  // garbage until written, the same each run
  }

  Status set_cpuid(const godwit::x86::GuestCpuid&, uint64_t&) override {
    FUZZ_REQUIRE(!cpuid_set && !wrote && !loaded && !started && !discarded);  // once, before any page
    cpuid_set = true;
    return godwit::ok();
  }
  Expected<uint8_t*> page_to_write(uint64_t gfn) override {
    FUZZ_REQUIRE(gfn < pages_ && cpuid_set && !started && !discarded && !loaded);
    wrote = true;
    return &memory_[gfn * kPageSize];
  }
  Status write_zero_pages(uint64_t first, uint64_t count) override {
    FUZZ_REQUIRE(first < pages_ && count <= pages_ - first && cpuid_set && !started && !discarded && !loaded);
    wrote = true;
    __builtin_memset(&memory_[first * kPageSize], 0, count * kPageSize);
    return godwit::ok();
  }
  const uint8_t* page(uint64_t gfn) override {
    FUZZ_REQUIRE(gfn < pages_ && !discarded);
    return &memory_[gfn * kPageSize];
  }
  Status load_state(const godwit::x86::VcpuState&, const DeviceState&) override {
    FUZZ_REQUIRE(cpuid_set && !loaded && !started && !discarded);
    loaded = true;
    return godwit::ok();
  }
  // The card's device state is checked in full, as the hypervisor's destination does.
  Status load_nic(const NetDeviceRecord& nic) override {
    FUZZ_REQUIRE(loaded && !nic_loaded && !started && !discarded);
    auto state = godwit::devices::decode_virtio_net_state(nic.state);
    if (!state) return state.failure();
    nic_loaded = true;
    return godwit::ok();
  }
  void start() override {
    FUZZ_REQUIRE(loaded && !started && !discarded);
    started = true;
  }
  void discard() override {
    FUZZ_REQUIRE(!started && !discarded);
    discarded = true;
  }
  // This target's receiver has no post-copy storage (enable_postcopy): it refuses a
  // post-copy HEADER, so none of these may ever be called.
  Status enter_postcopy(const godwit::PageBitmap&) override {
    FUZZ_REQUIRE(false);
    return godwit::ok();
  }
  Status map_page(uint64_t) override {
    FUZZ_REQUIRE(false);
    return godwit::ok();
  }
  void finish_postcopy() override { FUZZ_REQUIRE(false); }
  void strand() override { FUZZ_REQUIRE(false); }
  Status rejoin() override {  // only a stranded guest rejoins, and none is without post-copy
    FUZZ_REQUIRE(false);
    return ok();
  }

  bool cpuid_set = false, wrote = false, loaded = false, nic_loaded = false, started = false,
       discarded = false;

 private:
  static std::span<uint8_t> guest_memory() {
    static std::vector<uint8_t> memory(godwit::fuzz::kFuzzMaxGuestPages * kPageSize);
    return memory;
  }

  uint64_t pages_;
  std::span<uint8_t> memory_;
};

class CheckedFactory final : public DestinationGuestFactory {
 public:
  Expected<DestinationGuest*> create(const HeaderRecord& header) override {
    FUZZ_REQUIRE(guest == nullptr);  // one HEADER, one guest per connection
    // This node has memory for guests up to kFuzzMaxGuestPages (the decoder's coverage
    // bitmap already refuses larger ones).
    FUZZ_REQUIRE(header.memory_bytes / kPageSize <= godwit::fuzz::kFuzzMaxGuestPages);
    guest = std::make_unique<CheckedGuest>(header.memory_bytes / kPageSize);
    return static_cast<DestinationGuest*>(guest.get());
  }
  std::unique_ptr<CheckedGuest> guest;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::vector<uint8_t> body_buffer(kMaxRecordBody);
  static std::vector<uint64_t> coverage(PageBitmap::words_for(godwit::fuzz::kFuzzMaxGuestPages));
  static std::vector<uint64_t> digest_terms(godwit::fuzz::kFuzzMaxGuestPages);
  FuzzInput input(data, size);
  uint8_t mode = input.take<uint8_t>();
  uint8_t window = input.take<uint8_t>();
  uint8_t timing = input.take<uint8_t>();
  size_t piece = 1 + size_t{static_cast<uint8_t>(mode >> 1)} * 97;
  uint64_t clock_step = uint64_t{timing & 0x7fu} * 500'000'000;
  bool sign = (timing & 0x80) == 0;

  ReceiverConfig config = godwit::fuzz::fuzz_receiver_config();
  std::vector<uint8_t> bytes(input.rest().begin(), input.rest().end());
  RecordSealer sealer;
  if ((mode & 1) != 0) {
    auto keyed = [&](uint32_t type, const std::vector<uint8_t>& body) -> RecordSealer* {
      if (!sign || type != static_cast<uint32_t>(RecordType::kHello) || body.size() != sizeof(HelloRecord))
        return nullptr;
      HelloRecord hello;
      __builtin_memcpy(&hello, body.data(), sizeof hello);
      ChallengeRecord challenge{kStreamMagic, kStreamVersionMajor, kStreamVersionMinor, 0, {}};
      __builtin_memcpy(challenge.nonce, config.nonce, kNonceSize);
      uint8_t handshake[sizeof challenge + sizeof hello];
      __builtin_memcpy(handshake, &challenge, sizeof challenge);
      __builtin_memcpy(handshake + sizeof challenge, &hello, sizeof hello);
      auto mode_byte = static_cast<Protection>(hello.protection);
      auto keys = derive_session_keys(config.key, config.nonce, hello.nonce, mode_byte, handshake);
      if (!keys) return nullptr;
      sealer = RecordSealer(keys->source_to_destination, mode_byte);
      return &sealer;
    };
    bytes = godwit::fuzz::sealed_records(
        input.rest(), [](uint32_t, std::vector<uint8_t>&) {}, keyed);
  }

  godwit::migration::testing::FakeClock clock;
  godwit::migration::testing::FakeChannel channel;
  channel.window = window == 0 ? 64 * 1024 : size_t{window} * 64;
  channel.refill();
  CheckedFactory factory;
  MigrationReceiver receiver(config, factory, channel, clock, body_buffer, coverage, digest_terms);
  receiver.start();
  std::span<const uint8_t> rest(bytes);
  while (!rest.empty()) {
    std::span<const uint8_t> chunk = rest.first(piece < rest.size() ? piece : rest.size());
    rest = rest.subspan(chunk.size());
    receiver.on_receive(chunk);
    channel.refill();
    receiver.pump();
    clock.now += clock_step;
  }
  // The source has sent all it will: let the digest and VERIFIED finish, then close.
  for (int i = 0; i < 8 && receiver.outcome() == MigrationReceiver::Outcome::kInProgress; ++i) {
    channel.refill();
    receiver.pump();
  }
  receiver.on_channel_closed();

  FUZZ_REQUIRE(receiver.outcome() != MigrationReceiver::Outcome::kInProgress);
  FUZZ_REQUIRE(channel.closed);
  CheckedGuest* guest = factory.guest.get();
  if (receiver.outcome() == MigrationReceiver::Outcome::kRunning) {
    FUZZ_REQUIRE(guest != nullptr && guest->started && receiver.stats().digest_verified &&
                 receiver.authenticated());
  } else {
    FUZZ_REQUIRE(guest == nullptr || (guest->discarded && !guest->started));
  }
  return 0;
}
