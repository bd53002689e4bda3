// One guest as the hypervisor keeps it: its RAM, second-level space and vCPU from the
// backend, its clock, console and statistics, and where it is in its life.
//
//   created -> runnable <-> blocked (kBlockUntil, HLT)
//                  |  ^
//                  v  |  stop / start (shell), migration pause / resume
//               stopped
//   any of them -> ended (exit hypercall, killed, or migrated away); resources freed
#pragma once

#include <cstdint>
#include <string_view>

#include "arch/x86/backend/backend.h"
#include "kernel/vm/dirty_rate.h"
#include "kernel/vm/dirty_tracker.h"
#include "kernel/vm/guest_console.h"
#include "kernel/vm/guest_memory.h"
#include "lib/format.h"

namespace godwit::vm {

class GuestNic;     // kernel/vm/guest_nic.h
class AbsentPages;  // kernel/vm/absent_pages.h

enum class VmState : uint8_t { kRunnable, kBlocked, kStopped, kEnded };

// Why a guest ended. Stable names (to_string) appear in `guests` and in @event lines.
enum class EndReason : uint8_t {
  kNone,
  kExited,         // it called kExit
  kKilled,         // the shell's `kill`
  kMigrated,       // it now runs on another node
  kOutsideRam,     // a second-level fault outside its RAM
  kIoDenied,       // it touched an I/O port
  kMsrDenied,      // it read or wrote an MSR
  kTripleFault,    // it shut down (triple fault)
  kInvalidState,   // the CPU refused to enter it
  kException,      // an intercepted exception
  kUnhandledExit,  // an exit the hypervisor has no handler for
  kDeviceError,    // it misused its virtio-net device (registers, rings, MMIO instructions)
};
// Stable lower-case names ("triple-fault", "blocked"), part of `guests` and @event output.
const char* to_string(EndReason reason);
const char* to_string(VmState state);

struct VmStats {
  uint64_t exits[x86::kExitKindCount] = {};
  uint64_t cpu_ns = 0;  // host time spent inside the guest's slices
  uint64_t total_exits() const;
};

class Vm {
 public:
  static constexpr size_t kMaxName = 16;
  static constexpr size_t kMaxCommandLine = 256;

  uint32_t id = 0;
  VmState state = VmState::kEnded;
  EndReason end_reason = EndReason::kNone;
  uint64_t exit_status = 0;

  GuestMemory memory;
  x86::SecondLevelSpace* space = nullptr;
  x86::Vcpu* vcpu = nullptr;
  // Runs for the guest's whole life (the dirty-rate logger clears it once a second into
  // `rate`); a migration or `dirtylog` borrows it (kernel/vm/guests.h).
  DirtyTracker dirty;
  DirtyRateMeter rate;
  bool dirty_logged = false;    // the logger runs `dirty` (it started it)
  bool dirty_borrowed = false;  // a migration or dirtylog uses it now
  GuestConsole console;
  VmStats stats;
  GuestNic* nic = nullptr;  // its network card, when started with net=
  // The CPUID values it sees (kernel/vm/cpu_model.h): fixed at creation, carried by
  // migrations.
  x86::GuestCpuid cpuid;

  // Guest time = host clock + offset, so it starts at 0 on creation and continues
  // from the migrated value on a destination (never backwards).
  int64_t time_offset_ns = 0;
  uint64_t wake_at_ns = 0;  // host time at which a blocked guest becomes runnable
  // Being migrated away, or being built by an incoming migration: the shell leaves it
  // alone (stop/start/kill would race the migration's own pause and start).
  bool migrating = false;
  // An arrived guest's guest_start line is still to be written: the scheduler writes it
  // after the guest's first slice, so that the line (13 ms of polled serial output under
  // Bochs) is no part of the migration's downtime.
  bool announce_pending = false;
  // A post-copy destination's guest whose memory is still arriving (absent_pages.h):
  // who fetches its absent pages, and the page its parked vCPU waits for.
  AbsentPages* absent_pages = nullptr;
  uint64_t waiting_gfn = ~0ull;
  uint64_t waiting_since_ns = 0;

  std::string_view name() const { return {name_, name_length_}; }
  std::string_view command_line() const { return {command_line_, command_line_length_}; }
  // Copies kept in the Vm, cut to kMaxName and kMaxCommandLine - 1 characters.
  void set_name(std::string_view name);
  void set_command_line(std::string_view line);
  uint64_t guest_time_ns(uint64_t host_ns) const { return host_ns + static_cast<uint64_t>(time_offset_ns); }
  // Sets the offset so that the guest's clock reads `guest_ns` at host time `host_ns`.
  void set_guest_time(uint64_t guest_ns, uint64_t host_ns) {
    time_offset_ns = static_cast<int64_t>(guest_ns - host_ns);
  }
  bool live() const { return state != VmState::kEnded; }
  // "[g3 counter]": the prefix of the guest's console lines.
  void console_prefix(FixedString<40>& out) const;

 private:
  char name_[kMaxName + 1] = {};
  size_t name_length_ = 0;
  char command_line_[kMaxCommandLine] = {};
  size_t command_line_length_ = 0;
};

}  // namespace godwit::vm
