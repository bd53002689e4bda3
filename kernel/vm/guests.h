// The guest table and each guest's life: create (from an image, or empty for an
// incoming migration), end (with a reason, freeing everything), and look-ups.
// At most kMaxGuests guests exist at once; an ended guest keeps its slot (so `guests`
// can say how it ended) until the slot is needed again.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include <optional>

#include "arch/x86/backend/backend.h"
#include "drivers/nic/nic.h"
#include "kernel/vm/cpu_model.h"
#include "kernel/vm/vm.h"
#include "lib/expected.h"
#include "net/ipv4_address.h"

namespace godwit::vm {

inline constexpr size_t kMaxGuests = 16;
inline constexpr uint64_t kDefaultMemory = 16ull << 20;

// Called once at boot with the backend select_backend() chose.
void init(x86::Backend& backend);

// How this node tracks dirty pages (docs/decisions/0022-pml-dirty-tracking.md): with
// the backend's hardware log where it has one (VT-x PML), else by write protection.
// `dirty_tracking=write-protect` on the boot command line, or the shell's `tracking
// write-protect`, forces write protection on a PML node, for comparisons (`tools/godwit
// bench tracking`); it applies to trackers started from then on. Logs the choice.
void init_dirty_tracking(std::string_view option);
// kInvalidArgument for a name other than "pml" and "write-protect"; kUnsupported for
// "pml" where the backend has no hardware log.
Status set_dirty_tracking(std::string_view mechanism);
// "pml" or "write-protect": what a tracker started now uses.
const char* dirty_tracking();
// Whether the backend could log in hardware (then both choices are open).
bool hardware_dirty_log();
// The backend, or nullptr when this CPU has none (then no guest can be created).
x86::Backend* backend();

// Every slot of the guest table, free ones included (id 0): for walking all guests.
std::span<Vm> slots();
Vm* find(uint32_t id);  // a live or ended guest with this id; nullptr otherwise

// A guest's network card: its address (for the switch's spoofing checks; the guest is
// told through its command line) and its MAC (derived from the node and guest id if none).
struct NicSpec {
  net::Ipv4Interface address;
  std::optional<net::MacAddress> mac;
};

struct GuestSpec {
  std::string_view name;           // the image's name, e.g. "counter"
  std::span<const uint8_t> image;  // the ELF64 image (a Multiboot2 module)
  uint64_t memory_bytes = kDefaultMemory;
  std::string_view command_line;  // handed to the guest in its boot info
  const NicSpec* nic = nullptr;   // a virtio-net device, or none
};

// Loads the image into fresh RAM and makes the guest runnable. Every failure (bad
// image, no memory, too many guests) frees whatever was taken and says why.
Expected<Vm*> create_guest(const GuestSpec& spec);

// Whether this node can show a guest `model` (checked against this CPU's CPUID).
CpuModelProblem presentable_here(const x86::GuestCpuid& model);

// A guest with zeroed RAM, mapped, and a vCPU, but stopped and without state: the
// destination of an incoming migration fills it in, then starts it.
Expected<Vm*> create_empty_guest(std::string_view name, uint64_t memory_bytes, std::string_view command_line);

// Announces a guest that starts running (@event guest_start); create_guest() does it
// itself; for an incoming migration's guest the scheduler does, after its first slice
// (Vm::announce_pending).
void announce_guest(const Vm& vm, bool migrated);

// Frees a guest that never ran (an incoming migration that failed), without events.
void discard_guest(Vm& vm);

// Ends a live guest: emits @event guest_exit, flushes its console, frees its vCPU,
// space and RAM. `detail` is a human sentence ("wrote to port 0x80").
void end_guest(Vm& vm, EndReason reason, uint64_t status, std::string_view detail);

// Dirty tracking has one tracker per guest, shared (issue 17): the dirty-rate logger
// starts it when the guest starts running here (new, or arrived by migration) and reads
// and clears it once a second; a migration or `dirtylog` borrows it meanwhile.

// Starts the logger's tracking of a guest that has just started running here: all of its
// RAM armed (write-protected, or its dirty flags cleared under PML), a bitmap from the
// frame allocator. Without memory for the bitmap
// the guest runs unlogged (said in the log); a borrower then starts its own tracker.
void start_dirty_rate_logging(Vm& vm);
// Once a second per logged guest not borrowed: the pages dirtied since the last time
// (DirtyTracker::clear) go into vm.rate and out as a `dirtyrate` event. A main-loop
// poller; true when it sampled a guest.
bool log_dirty_rates();

// Ends the logger's tracking (all of RAM writable again, the bitmap freed), so the guest
// runs without write-protect faults, as a benchmark's baseline needs. kBusy while a
// migration or dirtylog borrows the tracker; nothing happens when it is not logged.
Status stop_dirty_rate_logging(Vm& vm);

// Borrows the guest's tracker with an empty log (a migration, `dirtylog`), starting one
// if the logger has none. kBusy when it is already borrowed.
Status start_dirty_tracking(Vm& vm);
// Gives it back: to the logger, with an empty log and a fresh rate history (the pages the
// borrower saw are not the logger's), or, without one, stops it (all of RAM writable
// again, the bitmap's frames freed). Does nothing when not borrowed.
void stop_dirty_tracking(Vm& vm);

}  // namespace godwit::vm
