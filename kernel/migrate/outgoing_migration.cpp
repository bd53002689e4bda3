#include "kernel/migrate/outgoing_migration.h"

#include <cstring>

#include "kernel/console/event.h"
#include "kernel/console/log.h"
#include "kernel/vm/guests.h"

namespace godwit::migrate {

namespace {

// A record is checksummed whole before its first byte goes out. With one 128-page
// batch (526 KB) per buffer the link idled while each batch was copied and hashed
// (bench migrate: 0.51 of tcpbench on a loaded machine); 16-page batches, eight to a
// buffer, are built while the ones before them still wait for the send window, and the
// destination verifies and applies them in small steps, so its ACKs keep flowing.
// Overhead stays 16 bytes a page plus a 24-byte record header per 16 pages (0.4%).
constexpr uint32_t kBatchPages = 16;

// Copies a view into a fixed, NUL-terminated field.
template <size_t N>
const char* terminated(char (&field)[N], std::string_view text) {
  size_t n = text.size() < N - 1 ? text.size() : N - 1;
  std::memcpy(field, text.data(), n);
  field[n] = '\0';
  return field;
}

}  // namespace

Outgoing::Outgoing(vm::Vm& vm, const MigrateOptions& options, std::string_view destination,
                   std::span<const uint8_t> key, std::span<uint8_t> record, std::span<uint64_t> send_set,
                   migration::Clock& clock)
    : config_(configure(vm, options, key)),
      source_(vm),
      sender_(config_, source_, channel_, clock, record, send_set, this) {
  terminated(destination_, destination);
}

migration::SenderConfig Outgoing::configure(vm::Vm& vm, const MigrateOptions& options,
                                            std::span<const uint8_t> key) {
  migration::SenderConfig config;
  config.key = key;
  config.guest_name = terminated(name_, vm.name());
  config.command_line = terminated(command_line_, vm.command_line());
  config.backend_name = vm::backend()->name().data();  // a string literal
  config.policy.downtime_target_ns = options.downtime_ms * 1'000'000;
  config.policy.max_rounds = options.max_rounds;
  config.batch_pages = kBatchPages;
  return config;
}

void Outgoing::on_channel_open() {
  opened_ = true;
  sender_.start();
}

void Outgoing::on_channel_closed(net::TcpEnd why) {
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

void Outgoing::on_round(const migration::RoundStats& round) {
  {
    Event e("migration_round");
    migration::write_round_fields(e.json(), round);
  }
  log::info("migrate: round {}{}: {} pages ({} zero), {} dirtied meanwhile, {} KiB on the wire in {} ms",
            round.round, round.final ? " (final, guest paused)" : "", round.pages_sent, round.zero_pages,
            round.pages_dirtied, round.wire_bytes >> 10, round.duration_ns / 1'000'000);
}

}  // namespace godwit::migrate
