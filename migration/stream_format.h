// The migration stream's wire structures, each typed once: the specification is
// docs/migration-stream.md (section numbers below refer to it); change both together.
// Little-endian, every structure a multiple of 8 bytes without implicit padding, so
// records are copied in and out with memcpy.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#include "arch/x86/vcpu_state.h"

namespace godwit::migration {

static_assert(std::endian::native == std::endian::little, "the stream is little-endian (section 1)");

inline constexpr uint64_t kStreamMagic = 0x00314d4757444f47ull;  // bytes "GODWGM1\0"
// 2: the mandatory CPUID record (2.1 VERIFY, 2.2 NET_DEVICE, 2.3 FPU state in VCPU_STATE);
// 3: every record after the handshake sealed (section 5), the commit of section 8
// (VERIFIED, COMMIT, COMMITTED).
inline constexpr uint16_t kStreamVersionMajor = 3;
inline constexpr uint16_t kStreamVersionMinor = 0;
inline constexpr uint32_t kPageSize = 4096;
inline constexpr size_t kNonceSize = 32;

// Section 3. Bit 31 marks an optional record a reader may skip.
enum class RecordType : uint32_t {
  kChallenge = 0x0001,
  kHeader = 0x0002,
  kPageBatch = 0x0003,
  kVcpuState = 0x0004,
  kDeviceState = 0x0005,
  kEnd = 0x0006,
  kVerified = 0x0007,  // was ACK in version 2
  kNack = 0x0008,
  kCpuid = 0x0009,
  kHello = 0x000A,
  kCommit = 0x000B,
  kCommitted = 0x000C,
  // Post-copy and hybrid (section 12, migration/postcopy_format.h), part of version 3.0.
  kPostcopyDiscard = 0x000D,
  kPostcopySwitch = 0x000E,
  kPostcopyReady = 0x000F,
  kPostcopyGo = 0x0010,
  kPageRequest = 0x0011,
  kPostcopyPrepared = 0x0012,
  // Post-copy recovery over a new connection (section 12.5, migration/recovery_format.h).
  kRecover = 0x0013,
  kRecoverMissing = 0x0014,
  kRound = 0x8000'0001,
  kVerify = 0x8000'0002,
  kNetDevice = 0x8000'0003,
};
inline constexpr uint32_t kOptionalRecordBit = 0x8000'0000;

// A short upper-case name ("PAGE_BATCH"), or "unknown".
const char* to_string(RecordType type);

// Section 2: precedes every record body.
struct RecordHeader {
  uint32_t type;
  uint32_t length;  // body bytes, padding excluded
  // Clear records (CHALLENGE, HELLO): WordHash64 of (type | length << 32) and the padded
  // body. Sealed records: zero; their Poly1305 tag follows the padded body (section 5).
  uint64_t checksum;
};
static_assert(sizeof(RecordHeader) == 16);

inline constexpr size_t padded(size_t length) { return (length + 7) & ~size_t{7}; }

struct ChallengeRecord {
  uint64_t magic;
  uint16_t version_major;
  uint16_t version_minor;
  uint32_t reserved;
  uint8_t nonce[kNonceSize];
};
static_assert(sizeof(ChallengeRecord) == 48);

// HELLO (section 3): the source's answer to CHALLENGE, the last clear record. Both
// nonces, the mode and both bodies as sent go into the session keys (section 5).
struct HelloRecord {
  uint64_t magic;
  uint16_t version_major;
  uint16_t version_minor;
  uint8_t protection;  // 1 = encrypted, 2 = integrity-only (record_protection.h, Protection)
  uint8_t flags;       // kHelloRecovery, or 0
  uint8_t reserved[2];
  uint8_t nonce[kNonceSize];
};
static_assert(sizeof(HelloRecord) == 48);
// HELLO.flags bit 0: this connection recovers a split post-copy migration (section 12.5):
// the source's first sealed record is RECOVER, not HEADER. A node that does not know the
// bit refuses it (a reserved byte that is not zero).
inline constexpr uint8_t kHelloRecovery = 1u << 0;

// HEADER.backend_features: what the guest was promised that the destination must keep
// (section 3). A destination refuses a bit it does not know.
inline constexpr uint32_t kFeatureGuestCpuid = 1u << 0;  // CPUID fixed at creation, in a CPUID record
// The guest has a network card: exactly one NET_DEVICE record follows DEVICE_STATE. A
// 2.1 destination refuses the bit, so it never skips the record and drops the card.
inline constexpr uint32_t kFeatureGuestNic = 1u << 1;
// The stream switches to post-copy (section 12): the guest will run on the destination
// before all of its memory is there. A destination that does not know the bit refuses
// the HEADER, so the guest stays on the source.
inline constexpr uint32_t kFeaturePostcopy = 1u << 2;
inline constexpr uint32_t kKnownBackendFeatures = kFeatureGuestCpuid | kFeatureGuestNic | kFeaturePostcopy;

struct HeaderRecord {
  uint64_t magic;
  uint16_t version_major;
  uint16_t version_minor;
  uint32_t page_size;
  uint64_t memory_bytes;
  uint32_t vcpu_count;
  uint32_t backend_features;
  uint32_t vcpu_state_size;
  uint32_t device_state_size;
  char backend_name[16];
  char guest_name[32];
  char command_line[256];
};
static_assert(sizeof(HeaderRecord) == 344);

// CPUID (section 3): the guest's CPUID values, as fixed when it was created.
using CpuidRecord = x86::GuestCpuid;
static_assert(sizeof(CpuidRecord) == 392);

struct PageBatchHeader {
  uint32_t entry_count;
  uint32_t page_count;  // sum of the entries' `pages`
};
static_assert(sizeof(PageBatchHeader) == 8);

inline constexpr uint32_t kPageZero = 1u << 0;  // a run of `pages` zero pages, no data

struct PageEntry {
  uint64_t gfn;
  uint32_t flags;
  uint32_t pages;  // 1 for a data entry; the run length for a zero entry
};
static_assert(sizeof(PageEntry) == 16);

inline constexpr uint32_t kMaxBatchEntries = 128;
inline constexpr size_t kMaxRecordBody =
    sizeof(PageBatchHeader) + kMaxBatchEntries * (sizeof(PageEntry) + kPageSize);
static_assert(kMaxRecordBody == 526344 && kMaxRecordBody % 8 == 0);

struct VcpuStateRecord {
  uint32_t vcpu_index = 0;
  uint32_t state_size = 0;  // sizeof(x86::VcpuState)
  x86::VcpuState state;
};
// 2.3 appended the x87/SSE state (x86::FpuState, 528 bytes) to the 2.2 layout's 512.
static_assert(sizeof(x86::VcpuState) == 1040, "VcpuState changed: bump the stream version");
static_assert(sizeof(VcpuStateRecord) == 1048);

// The paravirtual devices the VM layer emulates (section 3, DEVICE_STATE).
inline constexpr uint32_t kMaxConsolePending = 256;
struct DeviceState {
  uint64_t guest_time_ns = 0;      // guest monotonic clock at the pause
  uint64_t timer_deadline_ns = 0;  // kBlockUntil deadline in guest time, 0 = none
  uint64_t console_bytes = 0;      // bytes written to the console so far
  uint32_t console_pending_length = 0;
  uint32_t flags = 0;
  uint8_t console_pending[kMaxConsolePending] = {};  // an unfinished console line
};
static_assert(sizeof(DeviceState) == 288);

// The guest's network card (section 3, NET_DEVICE): its identity on the network and its
// virtio-net device state, encoded by the VM layer (kernel/vm/devices/virtio_net_state.h,
// which checks it again in full on the destination; here only the form is checked).
inline constexpr uint32_t kNetDeviceStateBytes = 104;
struct NetDeviceRecord {
  uint8_t mac[6];  // unicast: bit 0 of the first byte clear
  uint8_t prefix;  // the IPv4 prefix length, 1..32
  uint8_t reserved0;
  uint8_t ipv4[4];      // network order
  uint32_t state_size;  // kNetDeviceStateBytes
  uint8_t state[kNetDeviceStateBytes];
};
static_assert(sizeof(NetDeviceRecord) == 120);

struct EndRecord {
  uint64_t page_count;
  // Sum of page_contribution(gfn, page_data_hash(page)) over every page (memory_digest.h):
  // of the pages as last sent, or, after VERIFY, of the source's paused memory.
  uint64_t digest;
};
static_assert(sizeof(EndRecord) == 16);

// VERIFIED (destination: every page arrived, the digest matches, the state is loaded; the
// guest waits for COMMIT), COMMIT (source: run it, I will not resume it on my own) and
// COMMITTED (destination: it runs here, free your copy) all carry END's values; each
// side checks them against its own (section 8).
struct CommitRecord {
  uint64_t page_count;
  uint64_t digest;
};
static_assert(sizeof(CommitRecord) == 16);

struct NackRecord {
  uint32_t reason;  // a StreamError
  uint32_t reserved;
  uint64_t detail;
};
static_assert(sizeof(NackRecord) == 16);

// Optional, just before END (section 3, VERIFY): the source hashed all of its paused
// memory for END's digest; the destination should compare all of its memory too.
inline constexpr uint32_t kVerifyFullMemory = 1;
struct VerifyRecord {
  uint32_t mode;  // kVerifyFullMemory
  uint32_t reserved;
};
static_assert(sizeof(VerifyRecord) == 8);

struct RoundRecord {
  uint32_t round;
  uint32_t reserved;
  uint64_t pages;
};
static_assert(sizeof(RoundRecord) == 16);

}  // namespace godwit::migration
