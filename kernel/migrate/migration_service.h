// Live migration in the running hypervisor: the glue between the pure state machines
// of migration/ (MigrationSender, MigrationReceiver), the guests of kernel/vm and TCP
// connections of drivers/net. Every node listens on its migration port for one
// incoming guest at a time, and migrates one of its guests away at a time. Both sides
// are pumped from the main loop, so guests keep running while pages flow.
#pragma once

#include <cstdint>

#include "net/ipv4_address.h"
#include "kernel/boot/command_line.h"
#include "lib/expected.h"
#include "kernel/vm/vm.h"
#include "migration/migration_stats.h"

namespace godwit::migrate {

inline constexpr uint16_t kDefaultPort = 7100;

struct MigrateOptions {
  uint64_t downtime_ms = 300;
  uint32_t max_rounds = 30;
};

// Reads migrate_key= and migrate_port= from the hypervisor's command line and starts
// listening; logs why when migration is not available (no network, no key).
void init(const CommandLine& line);

// Starts migrating `vm` to address:port. kBusy while another outgoing migration runs,
// kPermission without a key, kState when the network is down, kInvalidArgument for a
// guest that is not running. Progress and the outcome are reported as @events.
Status start(vm::Vm& vm, const net::Ipv4Address& address, uint16_t port, const MigrateOptions& options);
bool outgoing_active();
// The summary of the last outgoing migration that finished (outcome kInProgress when
// none has).
const migration::MigrationSummary& last_summary();

}  // namespace godwit::migrate
