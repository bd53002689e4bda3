#include "kernel/migrate/migration_service.h"

#include <cstring>

#include "kernel/console/event.h"
#include "kernel/console/log.h"
#include "kernel/loop/main_loop.h"
#include "kernel/memory/physical_memory.h"
#include "kernel/migrate/incoming_migration.h"
#include "kernel/migrate/nonce.h"
#include "kernel/migrate/outgoing_migration.h"
#include "kernel/migrate/tag_speed.h"
#include "kernel/time/clock.h"
#include "kernel/vm/guests.h"
#include "kernel/vm/hypercalls.h"
#include "lib/parse.h"
#include "migration/migration_receiver.h"
#include "migration/migration_sender.h"
#include "migration/stream_encoder.h"
#include "net/net.h"

namespace godwit::migrate {

namespace {

constexpr size_t kMaxKey = 64;
// The largest guest the ABI allows, for the bitmaps sized once at boot.
constexpr uint64_t kMaxGuestPages = abi::kMaxMemory / kPageSize;
constexpr size_t kBitmapWords = PageBitmap::words_for(kMaxGuestPages);
// Eight batches of the sender's default size: the next ones are built while earlier
// ones wait for the send window (SenderConfig::batch_pages).
constexpr size_t kSendRecordBytes = 8 * migration::batch_record_size(migration::SenderConfig{}.batch_pages);
// An automatic recovery's connection must open within this, or the try is given up (its
// SYNs would otherwise go on for minutes while the link is down, and a link that comes
// back meanwhile would wait for lwIP's next SYN back-off).
constexpr uint64_t kRecoveryConnectLimitNs = 3'000'000'000;

struct Settings {
  char key[kMaxKey] = {};
  size_t key_length = 0;
  uint16_t port = kDefaultPort;
  bool encrypt = false;  // migrate_protect=encrypted: send encrypted, accept only encrypted
  // migrate_postcopy_timeout=<s>: how long either side waits for a broken link after a
  // post-copy switch before it declares the split (then only a recovery continues it).
  uint64_t postcopy_timeout_ns = migration::SenderConfig{}.postcopy_stall_timeout_ns;
  // migrate_recover_every=<s>: how often the source of a split migration tries, on its
  // own, to reconnect and continue it (0: only `migrate recover`). Each try waits
  // kRecoveryConnectLimitNs for the connection.
  uint64_t recover_every_ns = 5'000'000'000;
  bool ready = false;
  std::span<const uint8_t> key_bytes() const { return {reinterpret_cast<const uint8_t*>(key), key_length}; }
};

// Buffers taken from the frame allocator once (they are large and page-sized), shared
// by the one outgoing and the one incoming migration.
struct Buffers {
  std::span<uint8_t> record;       // the sender's record under construction
  std::span<uint64_t> send_set;    // the sender's pages still to send this round
  std::span<uint8_t> body;         // the receiver's record body
  std::span<uint64_t> coverage;    // the receiver's pages received at least once
  std::span<uint64_t> holds_data;  // the arriving guest's pages written with data (VmDestination)
  // One memory-digest term per page (2 MiB each for a 1 GiB guest), for each side.
  std::span<uint64_t> sent_terms;
  std::span<uint64_t> received_terms;
  // The receiver's post-copy presence map: pages here, pages asked for.
  std::span<uint64_t> present;
  std::span<uint64_t> requested;
};

constinit Settings settings;
constinit Buffers buffers;

template <class T>
Expected<std::span<T>> frames_for(size_t count) {
  size_t bytes = count * sizeof(T);
  auto first = memory::frames().allocate((bytes + kPageSize - 1) / kPageSize);
  if (!first) return first.failure();
  return std::span<T>(reinterpret_cast<T*>(*first), count);
}

void format_address(FixedString<24>& out, const net::Ipv4Address& a, uint16_t port) {
  net::format_ipv4(out.sink(), a);
  format(out, ":{}", port);
}

constinit OutgoingMigration* outgoing = nullptr;
constinit IncomingMigration* incoming = nullptr;
// How the last migrations into this node ended, for recoveries that find nothing here.
migration::RecentOutcomes outcomes;

class MigrationAcceptor final : public net::TcpAcceptor {
 public:
  net::TcpStream* on_accept(const net::Ipv4Address& peer, uint16_t) override {
    if (incoming != nullptr && incoming->parked()) {  // only its recovery gets anything
      Event e("migration_incoming");
      FixedString<24> from;
      net::format_ipv4(from.sink(), peer);
      e->field("from", from.view()).field("recovery", true);
      return &incoming->take_recovery_connection();
    }
    if (incoming != nullptr) {
      FixedString<16> from;
      net::format_ipv4(from.sink(), peer);
      log::warn("migrate: refused a second incoming migration from {}", from.view());
      return nullptr;
    }
    migration::ReceiverConfig config;
    config.key = settings.key_bytes();
    config.require_encryption = settings.encrypt;
    config.postcopy_idle_timeout_ns = settings.postcopy_timeout_ns;
    config.outcomes = &outcomes;
    fill_nonce(config.nonce);
    incoming =
        new IncomingMigration(config, buffers.body, buffers.coverage, buffers.received_terms,
                              buffers.holds_data, buffers.present, buffers.requested, clock::monotonic());
    Event e("migration_incoming");
    FixedString<24> from;
    net::format_ipv4(from.sink(), peer);
    e->field("from", from.view());
    return &incoming->stream();
  }
};

MigrationAcceptor acceptor;
net::TcpListener listener;

// The automatic recovery of a split outgoing migration: when the next try is due (0:
// not scheduled), and when the current try's connection must have opened.
constinit uint64_t next_recovery_ns = 0;
constinit uint64_t recovery_connect_deadline_ns = 0;
constinit uint32_t automatic_tries = 0;  // of the current outgoing migration
constinit uint32_t refused_tries = 0;    // ... whose connection opened, and yet it stayed split

// Starts a recovery of the split `outgoing` migration: a new connection to its destination.
Status begin_recovery(bool automatic) {
  uint32_t id = outgoing->guest_id();
  if (auto status = outgoing->recover(automatic); !status) {
    if (!automatic) {
      log::warn("migrate: cannot recover guest {}'s migration to {}: {}", id, outgoing->destination(),
                status.error());
    }
    return status;
  }
  recovery_connect_deadline_ns = clock::now_ns() + kRecoveryConnectLimitNs;
  // The automatic tries say so once: one every few seconds while a link is down for
  // hours would bury the console.
  if (automatic && ++automatic_tries > 1) return ok();
  Event e("migration_recover");
  e->field("id", id).field("to", outgoing->destination()).field("automatic", automatic);
  if (automatic) e->field("every_s", settings.recover_every_ns / 1'000'000'000);
  return ok();
}

// A split migration tries to continue every settings.recover_every_ns; a try whose
// connection does not open in time is given up (quietly: the split was reported). Tries
// that connect and still fail (a destination that abandoned its half refuses each one,
// and each reports) come at twice the interval each time, up to 128 times it.
void retry_recovery() {
  if (outgoing == nullptr) {
    next_recovery_ns = 0;
    automatic_tries = refused_tries = 0;
    return;
  }
  uint64_t now = clock::now_ns();
  if (outgoing->recovery_connecting() && now >= recovery_connect_deadline_ns) outgoing->give_up_connecting();
  if (!outgoing->awaiting_recovery() || settings.recover_every_ns == 0) {
    next_recovery_ns = 0;
    return;
  }
  if (next_recovery_ns == 0) {
    if (outgoing->recovery_failed_connected() && refused_tries < 7) ++refused_tries;
    next_recovery_ns = now + (settings.recover_every_ns << refused_tries);
  } else if (now >= next_recovery_ns) {
    next_recovery_ns = 0;
    (void)begin_recovery(true);
  }
}

// Both sides count as busy while a migration runs, so the loop never halts meanwhile.
// Halting would be kinder to an emulator's network thread, but Bochs fast-forwards its
// clock while a node halts: the destination's emulated time then races ahead of the
// source's and its idle timeout fires while the source is still sending.
bool poll() {
  bool busy = false;
  if (outgoing != nullptr && !outgoing->finished()) {
    outgoing->pump();
    busy = true;
  }
  retry_recovery();
  // It has reported its end; a split one waits for its recovery or `migrate abandon`.
  if (outgoing != nullptr && outgoing->finished() && !outgoing->awaiting_recovery()) {
    delete outgoing;
    outgoing = nullptr;
  }
  if (incoming != nullptr && !incoming->parked()) {
    incoming->pump();
    busy = true;
    if (incoming->finished()) {
      incoming->report();
      incoming->remember_outcome(outcomes);
      if (incoming->awaiting_recovery()) {
        incoming->park();
      } else {
        delete incoming;
        incoming = nullptr;
      }
    }
  }
  // A parked migration whose guest was killed meanwhile has nothing left to recover.
  if (incoming != nullptr && incoming->parked() && !incoming->awaiting_recovery()) {
    incoming->remember_outcome(outcomes, true);
    delete incoming;
    incoming = nullptr;
  }
  return busy;
}

migration::MigrationMode to_mode(abi::MigrateMode mode) {
  switch (mode) {
    case abi::MigrateMode::kStopAndCopy: return migration::MigrationMode::kStopAndCopy;
    case abi::MigrateMode::kPostcopy: return migration::MigrationMode::kPostcopy;
    case abi::MigrateMode::kHybrid: return migration::MigrationMode::kHybrid;
    case abi::MigrateMode::kPrecopy: break;
  }
  return migration::MigrationMode::kPrecopy;
}

abi::Status migrate_self(vm::Vm& vm, uint32_t ipv4, uint16_t port, abi::MigrateMode mode) {
  MigrateOptions options;  // the defaults, but for the mode
  options.mode = to_mode(mode);
  Status status = start(vm, net::Ipv4Address::from_host_order(ipv4), port, options);
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
  if (auto protect = line.get("migrate_protect")) {
    if (*protect == "encrypted") {
      settings.encrypt = true;
    } else if (*protect != "integrity") {
      log::error("migrate_protect={} is neither 'integrity' nor 'encrypted'; using integrity", *protect);
    }
  }
  if (auto every = line.get("migrate_recover_every")) {
    auto parsed = parse_u64(*every);
    if (!parsed || *parsed > 3600) {
      log::error("migrate_recover_every={} is not 0..3600 seconds; using {}", *every,
                 settings.recover_every_ns / 1'000'000'000);
    } else {
      settings.recover_every_ns = *parsed * 1'000'000'000;
    }
  }
  if (auto timeout = line.get("migrate_postcopy_timeout")) {
    auto parsed = parse_u64(*timeout);
    if (!parsed || *parsed == 0 || *parsed > 3600) {
      log::error("migrate_postcopy_timeout={} is not 1..3600 seconds; using {}", *timeout,
                 settings.postcopy_timeout_ns / 1'000'000'000);
    } else {
      settings.postcopy_timeout_ns = *parsed * 1'000'000'000;
    }
  }
  auto key = line.get("migrate_key");
  if (!key || key->empty() || key->size() > kMaxKey) {
    log::warn("live migration is off: give both nodes the same migrate_key=<secret> (1 to {} characters)",
              kMaxKey);
    return;
  }
  std::memcpy(settings.key, key->data(), key->size());
  settings.key_length = key->size();
  auto record = frames_for<uint8_t>(kSendRecordBytes);
  auto send_set = frames_for<uint64_t>(kBitmapWords);
  auto body = frames_for<uint8_t>(migration::kMaxRecordBody);
  auto coverage = frames_for<uint64_t>(kBitmapWords);
  auto holds_data = frames_for<uint64_t>(kBitmapWords);
  auto sent_terms = frames_for<uint64_t>(kMaxGuestPages);
  auto received_terms = frames_for<uint64_t>(kMaxGuestPages);
  auto present = frames_for<uint64_t>(kBitmapWords);
  auto requested = frames_for<uint64_t>(kBitmapWords);
  if (!record || !send_set || !body || !coverage || !holds_data || !sent_terms || !received_terms ||
      !present || !requested) {
    log::error("live migration is off: no memory for its buffers");
    return;
  }
  choose_poly1305(*record);  // before any record is tagged; the buffer is still unused
  buffers = {*record,     *send_set,       *body,    *coverage, *holds_data,
             *sent_terms, *received_terms, *present, *requested};
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

namespace {

// A migration that cannot start still reports its end, like every other: the tools wait
// for migration_summary, and "cannot start: out of memory" with no event left them
// waiting for their timeout (issue 15, finding 11).
Status cannot_start(const vm::Vm& vm, std::string_view destination, Error error) {
  const char* why = error == Error::kBusy ? "another migration is running"
                    : error == Error::kPermission
                        ? "migration is off (no migrate_key=, or no network: see the boot log)"
                    : error == Error::kInvalidArgument ? "the guest is not running"
                                                       : to_string(error);
  {
    Event e("migration_summary");
    FixedString<120> reason;
    format(reason, "cannot start: {}", why);
    e->field("id", vm.id).field("to", destination).field("outcome", "failed").field("reason", reason.view());
  }
  log::warn("migrate: guest {} stays here, the migration to {} cannot start: {}", vm.id, destination, why);
  return fail(error);
}

}  // namespace

Status start(vm::Vm& vm, const net::Ipv4Address& address, uint16_t port, const MigrateOptions& options) {
  FixedString<24> destination;
  format_address(destination, address, port);
  if (outgoing != nullptr)
    return cannot_start(vm, destination.view(), Error::kBusy);  // or split, awaiting recovery
  if (!settings.ready) return cannot_start(vm, destination.view(), Error::kPermission);
  if (!vm.live() || vm.state == vm::VmState::kStopped) {
    return cannot_start(vm, destination.view(), Error::kInvalidArgument);
  }
  MigrateOptions chosen = options;
  if (settings.encrypt) chosen.protection = migration::Protection::kEncrypted;
  if (chosen.postcopy_timeout_ns == 0) chosen.postcopy_timeout_ns = settings.postcopy_timeout_ns;
  outgoing = new OutgoingMigration(vm, chosen, destination.view(), settings.key_bytes(), buffers.record,
                                   buffers.send_set, buffers.sent_terms, clock::monotonic());
  if (auto status = outgoing->connect(address, port); !status) {
    delete outgoing;  // its VmMigrationSource lets the guest go
    outgoing = nullptr;
    return cannot_start(vm, destination.view(), status.error());
  }
  Event e("migration_start");
  e->field("id", vm.id)
      .field("name", vm.name())
      .field("to", destination.view())
      .field("mem_mib", vm.memory.size_bytes() >> 20)
      .field("mode", migration::to_string(options.mode));
  return ok();
}

Expected<migration::MigrationSummary> run(vm::Vm& vm, const net::Ipv4Address& address, uint16_t port,
                                          const MigrateOptions& options, uint64_t wait_limit_ns) {
  if (auto status = start(vm, address, port, options); !status) return status.failure();
  migration::MigrationSummary summary;  // kInProgress until the migration reports into it
  outgoing->report_to(&summary);
  main_loop::run_until([&] { return summary.outcome != migration::MigrationOutcome::kInProgress; },
                       wait_limit_ns);
  if (summary.outcome == migration::MigrationOutcome::kInProgress && outgoing != nullptr) {
    outgoing->report_to(nullptr);  // `summary` goes out of scope; the migration goes on
  }
  return summary;
}

Expected<migration::MigrationSummary> recover(uint32_t id, uint64_t wait_limit_ns) {
  if (outgoing == nullptr || outgoing->guest_id() != id) return fail(Error::kNotFound);
  if (outgoing->awaiting_recovery()) {
    if (auto status = begin_recovery(false); !status) return status.failure();
    log::info("migrate: recovering guest {}'s migration to {}", id, outgoing->destination());
  } else if (!outgoing->recovery_in_flight()) {
    return fail(Error::kNotFound);  // a migration of that guest, but not a split one
  }
  // else the automatic retry is under way: wait for it, which also makes it report.
  migration::MigrationSummary summary;  // kInProgress until the migration reports into it
  outgoing->report_to(&summary);
  main_loop::run_until([&] { return summary.outcome != migration::MigrationOutcome::kInProgress; },
                       wait_limit_ns);
  if (summary.outcome == migration::MigrationOutcome::kInProgress && outgoing != nullptr) {
    outgoing->report_to(nullptr);
  }
  return summary;
}

Status abandon(uint32_t id) {
  const char* side = nullptr;
  if (outgoing != nullptr && outgoing->awaiting_recovery() && outgoing->guest_id() == id) {
    outgoing->abandon();
    delete outgoing;
    outgoing = nullptr;
    side = "source";
  } else if (incoming != nullptr && incoming->parked() && incoming->guest_id() == id) {
    incoming->remember_outcome(outcomes, true);
    incoming->abandon();
    delete incoming;
    incoming = nullptr;
    side = "destination";
  } else {
    return fail(Error::kNotFound);
  }
  {
    Event e("migration_abandoned");
    e->field("id", id).field("side", side);
  }
  log::warn("migrate: the split migration of guest {} is given up; it stays paused here and cannot continue",
            id);
  return ok();
}

}  // namespace godwit::migrate
