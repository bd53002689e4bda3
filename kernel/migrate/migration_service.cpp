#include "kernel/migrate/migration_service.h"

#include <cstring>
#include <new>

#include "net/net.h"
#include "kernel/console/event.h"
#include "kernel/console/log.h"
#include "lib/parse.h"
#include "kernel/loop/main_loop.h"
#include "kernel/memory/physical_memory.h"
#include "kernel/migrate/nonce.h"
#include "kernel/migrate/tcp_channel.h"
#include "kernel/migrate/vm_destination.h"
#include "kernel/migrate/vm_migration_source.h"
#include "kernel/time/clock.h"
#include "kernel/vm/guests.h"
#include "kernel/vm/hypercalls.h"
#include "migration/migration_receiver.h"
#include "migration/migration_sender.h"
#include "migration/stream_encoder.h"

namespace godwit::migrate {

namespace {

using migration::MigrationReceiver;
using migration::MigrationSender;

constexpr size_t kMaxKey = 64;
// The largest guest the ABI allows, for the bitmaps sized once at boot.
constexpr uint64_t kMaxGuestPages = abi::kMaxMemory / kPageSize;
constexpr size_t kBitmapWords = PageBitmap::words_for(kMaxGuestPages);
// A record is checksummed whole before its first byte goes out. With one 128-page
// batch (526 KB) per buffer the link idled while each batch was copied and hashed
// (bench migrate: 0.51 of tcpbench on a loaded machine); 16-page batches, eight to a
// buffer, are built while the ones before them still wait for the send window, and the
// destination verifies and applies them in small steps, so its ACKs keep flowing.
// Overhead stays 16 bytes a page plus a 24-byte record header per 16 pages (0.4%).
constexpr uint32_t kBatchPages = 16;
constexpr size_t kSendRecordBytes = 8 * migration::record_size(sizeof(migration::PageBatchHeader) +
                                                               kBatchPages * (sizeof(migration::PageEntry) +
                                                                              migration::kPageSize));

class KernelClock final : public migration::Clock {
 public:
  uint64_t now_ns() override { return clock::now_ns(); }
};

struct Settings {
  char key[kMaxKey] = {};
  size_t key_length = 0;
  uint16_t port = kDefaultPort;
  bool ready = false;
  std::span<const uint8_t> key_bytes() const { return {reinterpret_cast<const uint8_t*>(key), key_length}; }
};

// Buffers taken from the frame allocator once (they are large and page-sized), shared
// by the one outgoing and the one incoming migration.
struct Buffers {
  std::span<uint8_t> record;         // the sender's record under construction
  std::span<uint64_t> send_set;      // the sender's pages still to send this round
  std::span<uint8_t> body;           // the receiver's record body
  std::span<uint64_t> coverage;      // the receiver's pages received at least once
};

constinit Settings settings;
constinit Buffers buffers;
KernelClock kernel_clock;

template <class T>
Expected<std::span<T>> frames_for(size_t count) {
  size_t bytes = count * sizeof(T);
  auto first = memory::frames().allocate((bytes + kPageSize - 1) / kPageSize);
  if (!first) return first.failure();
  return std::span<T>(reinterpret_cast<T*>(*first), count);
}

void format_address(FixedString<24>& out, const net::Ipv4Address& a, uint16_t port) {
  format(out, "{}.{}.{}.{}:{}", a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3], port);
}

// --- The source side ---------------------------------------------------------------

// Copies a view into a fixed, NUL-terminated field.
template <size_t N>
const char* terminated(char (&field)[N], std::string_view text) {
  size_t n = text.size() < N - 1 ? text.size() : N - 1;
  std::memcpy(field, text.data(), n);
  field[n] = '\0';
  return field;
}

class Outgoing final : public ChannelClient, public migration::MigrationObserver {
 public:
  Outgoing(vm::Vm& vm, const MigrateOptions& options, std::string_view destination)
      : config_(configure(vm, options)),
        source_(vm),
        sender_(config_, source_, channel_, kernel_clock, buffers.record, buffers.send_set, this) {
    terminated(destination_, destination);
  }

  Status connect(const net::Ipv4Address& address, uint16_t port) { return channel_.stream().connect(address, port); }
  void pump() {
    if (opened_) sender_.pump();
  }
  bool finished() const { return sender_.finished() || connect_failed_; }
  const migration::MigrationSummary& summary() const { return sender_.summary(); }
  const char* connect_failure() const { return connect_failed_ ? connect_reason_ : nullptr; }
  VmMigrationSource& source() { return source_; }
  const char* destination() const { return destination_; }

  void on_channel_open() override {
    opened_ = true;
    sender_.start();
  }
  void on_channel_bytes(std::span<const uint8_t> bytes) override { sender_.on_receive(bytes); }
  void on_channel_closed(net::TcpEnd why) override {
    if (!opened_) {
      // Never connected: the guest was not touched.
      connect_failed_ = true;
      std::string_view text = net::describe(why);
      size_t n = text.size() < sizeof connect_reason_ - 1 ? text.size() : sizeof connect_reason_ - 1;
      std::memcpy(connect_reason_, text.data(), n);
      return;
    }
    sender_.on_channel_closed();
  }

  void on_round(const migration::RoundStats& round) override {
    {
      Event e("migration_round");
      migration::write_round_fields(e.json(), round);
    }
    log::info("migrate: round {}{}: {} pages ({} zero), {} dirtied meanwhile, {} KiB on the wire in {} ms",
              round.round, round.final ? " (final, guest paused)" : "", round.pages_sent, round.zero_pages,
              round.pages_dirtied, round.wire_bytes >> 10, round.duration_ns / 1'000'000);
  }
  void on_finished(const migration::MigrationSummary&) override {}

 private:
  migration::SenderConfig configure(vm::Vm& vm, const MigrateOptions& options) {
    migration::SenderConfig config;
    config.key = settings.key_bytes();
    config.guest_name = terminated(name_, vm.name());
    config.command_line = terminated(command_line_, vm.command_line());
    config.backend_name = vm::backend()->name().data();  // a string literal
    config.cpuid = vm.cpuid;
    config.policy.downtime_target_ns = options.downtime_ms * 1'000'000;
    config.policy.max_rounds = options.max_rounds;
    config.batch_pages = kBatchPages;
    return config;
  }

  char name_[vm::Vm::kMaxName + 1] = {};
  char command_line_[vm::Vm::kMaxCommandLine + 1] = {};
  migration::SenderConfig config_;
  TcpChannel channel_{*this};
  VmMigrationSource source_;
  MigrationSender sender_;
  char destination_[24] = {};
  bool opened_ = false;
  bool connect_failed_ = false;
  char connect_reason_[48] = {};
};

// --- The destination side ------------------------------------------------------------

class Incoming final : public ChannelClient {
 public:
  explicit Incoming(const migration::ReceiverConfig& config)
      : receiver_(config, destination_, channel_, kernel_clock, buffers.body, buffers.coverage) {}

  net::TcpStream& stream() { return channel_.stream(); }
  void pump() {
    // The stream is open only once on_accept has returned it: start then.
    if (!started_ && channel_.stream().open()) {
      started_ = true;
      receiver_.start();
    }
    if (started_) receiver_.pump();
  }
  MigrationReceiver& receiver() { return receiver_; }
  VmDestination& destination() { return destination_; }

  void on_channel_open() override {}
  void on_channel_bytes(std::span<const uint8_t> bytes) override { receiver_.on_receive(bytes); }
  void on_channel_closed(net::TcpEnd) override { receiver_.on_channel_closed(); }

 private:
  TcpChannel channel_{*this};
  VmDestination destination_;
  MigrationReceiver receiver_;
  bool started_ = false;
};

constinit Outgoing* outgoing = nullptr;
constinit Incoming* incoming = nullptr;
migration::MigrationSummary finished_summary;

void finish_outgoing() {
  const migration::MigrationSummary& s = outgoing->summary();
  bool succeeded = s.outcome == migration::MigrationOutcome::kSucceeded;
  {
    Event e("migration_summary");
    e->field("id", outgoing->source().id()).field("to", outgoing->destination());
    if (const char* why = outgoing->connect_failure()) {
      e->field("outcome", "failed").field("reason", why);
    } else {
      migration::write_summary_fields(e.json(), s);
    }
  }
  if (succeeded) {
    log::info("migrate: guest {} moved to {}: {} ms in all, {} ms paused, {} rounds, {} KiB on the wire",
              outgoing->source().id(), outgoing->destination(), s.total_ns / 1'000'000, s.downtime_ns / 1'000'000,
              s.rounds, s.wire_bytes >> 10);
  } else {
    FixedString<200> reason;
    if (const char* why = outgoing->connect_failure()) {
      format(reason, "cannot connect: {}", why);
    } else {
      migration::write_fault(reason.sink(), s.failure);
    }
    log::warn("migrate: guest {} stays here, the migration to {} failed: {}", outgoing->source().id(),
              outgoing->destination(), reason.view());
  }
  finished_summary = s;
  if (outgoing->connect_failure()) finished_summary.outcome = migration::MigrationOutcome::kFailed;
  delete outgoing;
  outgoing = nullptr;
}

void finish_incoming() {
  MigrationReceiver& r = incoming->receiver();
  bool running = r.outcome() == MigrationReceiver::Outcome::kRunning;
  vm::Vm* guest = incoming->destination().guest();
  {
    Event e("migration_received");
    e->field("outcome", running ? "running" : "failed");
    if (!running) {
      FixedString<200> reason;
      migration::write_fault(reason.sink(), r.failure());
      e->field("reason", reason.view());
    }
    if (running && guest != nullptr) e->field("guest_id", guest->id).field("name", guest->name());
    e->field("pages", r.stats().pages_received)
        .field("bytes", r.stats().bytes_received)
        .field("rounds", r.stats().rounds)
        .field("digest_verified", r.stats().digest_verified);
  }
  if (running) incoming->destination().forget();
  delete incoming;
  incoming = nullptr;
}

class MigrationAcceptor final : public net::TcpAcceptor {
 public:
  net::TcpStream* on_accept(const net::Ipv4Address& peer, uint16_t) override {
    if (incoming != nullptr) {
      log::warn("migrate: refused a second incoming migration from {}.{}.{}.{}", peer.bytes[0], peer.bytes[1],
                peer.bytes[2], peer.bytes[3]);
      return nullptr;
    }
    migration::ReceiverConfig config;
    config.key = settings.key_bytes();
    fill_nonce(config.nonce);
    incoming = new Incoming(config);
    Event e("migration_incoming");
    FixedString<24> from;
    format(from, "{}.{}.{}.{}", peer.bytes[0], peer.bytes[1], peer.bytes[2], peer.bytes[3]);
    e->field("from", from.view());
    return &incoming->stream();
  }
};

MigrationAcceptor acceptor;
net::TcpListener listener;

// Both sides count as busy while a migration runs, so the loop never halts meanwhile.
// Halting would be kinder to an emulator's network thread, but Bochs fast-forwards its
// clock while a node halts: the destination's emulated time then races ahead of the
// source's and its idle timeout fires while the source is still sending.
bool poll() {
  bool busy = false;
  if (outgoing != nullptr) {
    outgoing->pump();
    busy = true;
    if (outgoing->finished()) finish_outgoing();
  }
  if (incoming != nullptr) {
    incoming->pump();
    busy = true;
    if (incoming->receiver().outcome() != MigrationReceiver::Outcome::kInProgress) finish_incoming();
  }
  return busy;
}

abi::Status migrate_self(vm::Vm& vm, uint32_t ipv4, uint16_t port) {
  Status status = start(vm, net::Ipv4Address::from_host_order(ipv4), port, MigrateOptions{});
  if (status) return abi::Status::kOk;
  return status.error() == Error::kBusy ? abi::Status::kBusy : abi::Status::kUnsupported;
}

}  // namespace

void init(const CommandLine& line) {
  if (auto port = line.get("migrate_port")) {
    auto parsed = parse_u64(*port);
    if (!parsed || *parsed == 0 || *parsed > 0xFFFF) {
      log::error("migrate_port={} is not a TCP port; using {}", *port, kDefaultPort);
    } else {
      settings.port = static_cast<uint16_t>(*parsed);
    }
  }
  auto key = line.get("migrate_key");
  if (!key || key->empty() || key->size() > kMaxKey) {
    log::warn("live migration is off: give both nodes the same migrate_key=<secret> (1 to {} characters)", kMaxKey);
    return;
  }
  std::memcpy(settings.key, key->data(), key->size());
  settings.key_length = key->size();
  auto record = frames_for<uint8_t>(kSendRecordBytes);
  auto send_set = frames_for<uint64_t>(kBitmapWords);
  auto body = frames_for<uint8_t>(migration::kMaxRecordBody);
  auto coverage = frames_for<uint64_t>(kBitmapWords);
  if (!record || !send_set || !body || !coverage) {
    log::error("live migration is off: no memory for its buffers");
    return;
  }
  buffers = {*record, *send_set, *body, *coverage};
  main_loop::add_poller(poll);
  vm::set_self_migration_handler(migrate_self);
  if (net::interface() == nullptr) {
    log::warn("live migration is off: the network is not up");
    return;
  }
  if (auto status = listener.listen(settings.port, acceptor); !status) {
    log::error("live migration is off: cannot listen on port {}: {}", settings.port, status.error());
    return;
  }
  settings.ready = true;
  log::info("migrate: listening on port {}", settings.port);
}

Status start(vm::Vm& vm, const net::Ipv4Address& address, uint16_t port, const MigrateOptions& options) {
  if (outgoing != nullptr) return fail(Error::kBusy);
  if (!settings.ready) return fail(Error::kPermission);
  if (!vm.live() || vm.state == vm::VmState::kStopped) return fail(Error::kInvalidArgument);
  FixedString<24> destination;
  format_address(destination, address, port);
  outgoing = new Outgoing(vm, options, destination.view());
  if (auto status = outgoing->connect(address, port); !status) {
    delete outgoing;
    outgoing = nullptr;
    return status;
  }
  Event e("migration_start");
  e->field("id", vm.id).field("name", vm.name()).field("to", destination.view()).field("mem_mib",
                                                                                        vm.memory.size_bytes() >> 20);
  return ok();
}

bool outgoing_active() { return outgoing != nullptr; }
const migration::MigrationSummary& last_summary() { return finished_summary; }

}  // namespace godwit::migrate
