// What the migration state machines need from the rest of the hypervisor, as small
// abstract interfaces the integrator implements (the kernel, over the VM layer and
// lwIP TCP) and the unit tests fake. MigrationSender and MigrationReceiver own no
// hardware, no sockets and no timers: the kernel's main loop feeds them received
// bytes and calls pump() between guest time slices. Every method is mandatory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "arch/x86/vcpu_state.h"
#include "lib/clock.h"
#include "lib/expected.h"
#include "lib/page_bitmap.h"
#include "migration/stream_format.h"

namespace godwit::migration {

// One direction of a TCP connection, outgoing. Incoming bytes go the other way: the
// integrator passes them to on_receive() of the state machine as they arrive, and
// reports a closed or broken connection with on_channel_closed().
class ByteChannel {
 public:
  // Queues as many leading bytes of `bytes` as the send window allows (lwIP:
  // tcp_sndbuf, tcp_write with copy) and returns how many; 0 when the window is full.
  // An error means the connection is broken.
  virtual Expected<size_t> write(std::span<const uint8_t> bytes) = 0;
  // Ends the connection (lwIP: tcp_close after the queued bytes). Called once, also
  // after on_channel_closed(): it must cope with a connection the stack already
  // dropped (lwIP frees the PCB before its err callback).
  virtual void close() = 0;

 protected:
  ~ByteChannel() = default;
};

// Hypervisor monotonic time (lib/clock.h).
using godwit::Clock;

// The guest being migrated away, as MigrationSender sees it. The main loop is single
// threaded: while the sender runs, the guest does not.
class MigrationSource {
 public:
  virtual uint64_t page_count() const = 0;
  // The page `gfn` (< page_count()) for reading, 4096 bytes; nullptr is a failure.
  virtual const uint8_t* page(uint64_t gfn) = 0;
  // Write-protects every guest page in EPT/NPT. From then on the first write to a page
  // faults into the hypervisor, which marks it in its tracking PageBitmap and makes the
  // page writable again.
  virtual Status begin_dirty_tracking() = 0;
  // Moves the pages marked since the last call (or since begin) into `into` (marking,
  // never clearing), write-protects them again, flushes the TLB, and returns how many
  // pages it moved. A page the sender reads after this call and the guest writes
  // later is therefore caught in the next collection.
  virtual uint64_t collect_dirty(PageBitmap& into) = 0;
  // Stops the vCPU (it stays stopped until resume_after_failure or release).
  virtual void pause() = 0;
  // The paused guest's state; device.guest_time_ns is the guest clock at the pause.
  virtual void capture(x86::VcpuState& vcpu, DeviceState& device) = 0;
  // Whether the guest has a network card (its HEADER then says kFeatureGuestNic).
  virtual bool has_nic() const = 0;
  // The paused guest's card: MAC, IPv4 address and prefix, encoded device state. Called
  // after capture(), only when has_nic().
  virtual void capture_nic(NetDeviceRecord& nic) = 0;
  // The migration failed: end dirty tracking (full write access again) and run the
  // guest again if it was paused, as if nothing had happened. Cannot fail.
  virtual void resume_after_failure() = 0;
  // The destination confirmed that the guest runs there (COMMITTED): stop and free the
  // guest here. Cannot fail.
  virtual void release() = 0;
  // COMMIT went out but no COMMITTED (nor a sealed NACK) came back: the guest may run on
  // the destination. Keep it paused here with all its memory, resumed or freed only by an
  // operator who settles it (docs/migration-stream.md, section 8). Cannot fail.
  virtual void hold_for_settlement() = 0;

 protected:
  ~MigrationSource() = default;
};

// The guest being built on the destination, as MigrationReceiver sees it.
class DestinationGuest {
 public:
  // Installs the CPUID values the guest was created with (a CPUID record, checked for
  // form), so it reads the same values here. Called once, before any page. kUnsupported
  // when this node cannot present them; `detail` then says where (leaf << 32 | bits).
  virtual Status set_cpuid(const x86::GuestCpuid& cpuid, uint64_t& detail) = 0;
  // Page `gfn`'s 4096 bytes, for the receiver to copy the page into (and hash it in the
  // same pass). An implementation may allocate the frame and its second-level mapping
  // on first use (kOutOfMemory when there is none).
  virtual Expected<uint8_t*> page_to_write(uint64_t gfn) = 0;
  // Makes `count` pages from `first` all zero (they may hold data from an earlier round).
  virtual Status write_zero_pages(uint64_t first, uint64_t count) = 0;
  // The page as assembled, for verify mode's full comparison; called only after every
  // page was written.
  virtual const uint8_t* page(uint64_t gfn) = 0;
  // Checks and installs the state without running the guest: everything that can
  // fail fails here (e.g. a VcpuState the backend rejects). Guest time continues from
  // device.guest_time_ns.
  virtual Status load_state(const x86::VcpuState& vcpu, const DeviceState& device) = 0;
  // After load_state, for a guest with a card (NET_DEVICE, checked for form): builds the
  // card with that identity and loads its device state, checked in full; it joins this
  // node's network only at start(). An error discards the guest (NACK).
  virtual Status load_nic(const NetDeviceRecord& nic) = 0;
  // Lets the guest run. Cannot fail: load_state succeeded.
  virtual void start() = 0;
  // Frees everything built so far; the object is not used again.
  virtual void discard() = 0;

  // --- Post-copy (section 12). The switch, before load_state: takes every page not in
  // `present` out of the guest's second-level tables, so its first access exits, and
  // routes those exits to the page requester (MigrationReceiver::request_page).
  // load_state then leaves absent pages alone (what it would write into one, it writes
  // when the page arrives).
  virtual Status enter_postcopy(const PageBitmap& present) = 0;
  // After the switch: page `gfn` was written (page_to_write, write_zero_pages) and is
  // final: map it, and run again a vCPU that waits for it.
  virtual Status map_page(uint64_t gfn) = 0;
  // Every page is here: the guest no longer depends on the source.
  virtual void finish_postcopy() = 0;
  // The migration failed after start(): the guest keeps what it holds but cannot go on
  // without the source's pages; it stays paused (not freed), and the node says so.
  virtual void strand() = 0;
  // Post-copy recovery (section 12.5): a new connection continues the stranded migration.
  // Undoes strand(): the guest runs again as it was, its faults on absent pages go to the
  // receiver again. An error (the guest was killed meanwhile) fails the recovery.
  virtual Status rejoin() = 0;

 protected:
  ~DestinationGuest() = default;
};

class DestinationGuestFactory {
 public:
  // An empty guest for a validated, authenticated HEADER (memory size, name, command
  // line, vCPU count), or an error (no memory, name in use ...).
  virtual Expected<DestinationGuest*> create(const HeaderRecord& header) = 0;

 protected:
  ~DestinationGuestFactory() = default;
};

}  // namespace godwit::migration
