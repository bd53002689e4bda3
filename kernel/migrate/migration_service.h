// Live migration in the running hypervisor: the glue between the pure state machines
// of migration/ (MigrationSender, MigrationReceiver), the guests of kernel/vm and TCP
// connections of net/. Every node listens on its migration port for one incoming
// guest at a time, and migrates one of its guests away at a time. Both sides are
// pumped from the main loop, so guests keep running while pages flow.
#pragma once

#include <cstdint>

#include "kernel/boot/command_line.h"
#include "kernel/migrate/migrate_options.h"
#include "kernel/vm/vm.h"
#include "lib/expected.h"
#include "migration/migration_stats.h"
#include "net/ipv4_address.h"

namespace godwit::migrate {

inline constexpr uint16_t kDefaultPort = 7100;

// Reads migrate_key= and migrate_port= from the hypervisor's command line and starts
// listening; logs why when migration is not available (no key, no memory for its
// buffers, no network, the port taken).
void init(const CommandLine& line);

// Starts migrating `vm` to address:port and returns at once; the end is reported as
// the migration_summary @event (a guest's own kMigrateSelf takes this path).
// kBusy while another outgoing migration runs; kPermission when migration is off
// (no key, no network, or it could not listen: init() logged which);
// kInvalidArgument for a guest that is not running; the connect error (e.g.
// kNotFound when no interface reaches the address) when the connection cannot start.
Status start(vm::Vm& vm, const net::Ipv4Address& address, uint16_t port, const MigrateOptions& options);

// start(), then runs the main loop (guests and the network go on) until that migration
// has ended or `wait_limit_ns` has passed. Returns its summary (outcome kInProgress
// when the wait gave up first: the migration goes on and reports as start() says), or
// start()'s error.
Expected<migration::MigrationSummary> run(vm::Vm& vm, const net::Ipv4Address& address, uint16_t port,
                                          const MigrateOptions& options, uint64_t wait_limit_ns);

// Post-copy recovery (docs/migration-stream.md, section 12.5; decision 0023). A post-copy
// or hybrid migration that split (the link stayed down past the post-switch time-out)
// keeps both halves: the source its paused copy, the destination its guest, paused, and
// the node's incoming slot, so the next connection to its migration port is taken as
// this migration's recovery. recover() (`migrate recover <id>` on the source) connects
// again to the same destination and continues the migration; it reports like run().
// kNotFound when no split migration of guest `id` waits here.
Expected<migration::MigrationSummary> recover(uint32_t id, uint64_t wait_limit_ns);
// Gives up a split (source) or stranded (destination) migration of guest `id`: its guest
// stays paused here and is let go (`kill` may free it). kNotFound when there is none.
Status abandon(uint32_t id);

}  // namespace godwit::migrate
