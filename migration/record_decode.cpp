#include "migration/record_decode.h"

#include <cstring>

#include "godwit/abi.h"
#include "migration/record_protection.h"

namespace godwit::migration {
namespace {

using decode_detail::at;
using decode_detail::copy_body;

StreamFault check_magic_version(const RawRecord& raw, uint64_t magic, uint16_t major) {
  if (magic != kStreamMagic) return at(raw, StreamError::kBadMagic, magic, kStreamMagic);
  if (major != kStreamVersionMajor)
    return at(raw, StreamError::kUnsupportedVersion, major, kStreamVersionMajor);
  return {};
}

template <size_t N>
bool terminated(const char (&text)[N]) {
  for (size_t i = 0; i < N; ++i) {
    if (text[i] == '\0') return true;
  }
  return false;
}

}  // namespace

StreamFault decode_challenge(const RawRecord& raw, ChallengeRecord& out) {
  copy_body(raw, out);
  if (auto f = check_magic_version(raw, out.magic, out.version_major); !f.ok()) return f;
  if (out.reserved != 0) return at(raw, StreamError::kNonZeroReserved, out.reserved);
  return {};
}

StreamFault decode_header(const RawRecord& raw, HeaderRecord& out) {
  copy_body(raw, out);
  if (auto f = check_magic_version(raw, out.magic, out.version_major); !f.ok()) return f;
  if (out.page_size != kPageSize) return at(raw, StreamError::kBadHeaderField, out.page_size, kPageSize);
  uint64_t bytes = out.memory_bytes;
  if (bytes < abi::kMinMemory || bytes > abi::kMaxMemory || bytes % kPageSize != 0) {
    return at(raw, StreamError::kBadHeaderField, bytes, abi::kMaxMemory);
  }
  if (out.vcpu_count == 0 || out.vcpu_count > kMaxVcpus) {
    return at(raw, StreamError::kBadHeaderField, out.vcpu_count, kMaxVcpus);
  }
  if (uint32_t unknown = out.backend_features & ~kKnownBackendFeatures; unknown != 0) {
    return at(raw, StreamError::kUnsupportedFeature, unknown, kKnownBackendFeatures);
  }
  // Version 2 guests all have a fixed CPU model: a HEADER that does not say so is wrong.
  if ((out.backend_features & kFeatureGuestCpuid) == 0) {
    return at(raw, StreamError::kBadHeaderField, out.backend_features, kFeatureGuestCpuid);
  }
  if (out.vcpu_state_size != sizeof(x86::VcpuState)) {
    return at(raw, StreamError::kBadHeaderField, out.vcpu_state_size, sizeof(x86::VcpuState));
  }
  if (out.device_state_size != sizeof(DeviceState)) {
    return at(raw, StreamError::kBadHeaderField, out.device_state_size, sizeof(DeviceState));
  }
  if (!terminated(out.backend_name) || !terminated(out.guest_name) || !terminated(out.command_line)) {
    return at(raw, StreamError::kBadHeaderField);
  }
  return {};
}

// The record's form only: whether this node can present the values is the VM layer's
// question (DestinationGuest::set_cpuid).
StreamFault decode_cpuid(const RawRecord& raw, CpuidRecord& out) {
  copy_body(raw, out);
  if (out.model == 0) return at(raw, StreamError::kBadHeaderField, 0, 1);
  if (out.count == 0 || out.count > x86::kMaxCpuidEntries) {
    return at(raw, StreamError::kBadHeaderField, out.count, x86::kMaxCpuidEntries);
  }
  uint64_t previous = 0;
  for (uint32_t i = 0; i < out.count; ++i) {
    const x86::CpuidEntry& e = out.entries[i];
    uint64_t key = uint64_t{e.leaf} << 32 | e.subleaf;
    if (i != 0 && key <= previous) return at(raw, StreamError::kBadHeaderField, key, previous);
    if ((e.leaf & 0xF000'0000u) == 0x4000'0000u) return at(raw, StreamError::kBadHeaderField, e.leaf);
    previous = key;
  }
  static constexpr x86::CpuidEntry kUnused{};
  for (uint32_t i = out.count; i < x86::kMaxCpuidEntries; ++i) {
    if (std::memcmp(&out.entries[i], &kUnused, sizeof kUnused) != 0) {
      return at(raw, StreamError::kNonZeroReserved, i);
    }
  }
  return {};
}

StreamFault decode_vcpu_state(const RawRecord& raw, uint32_t vcpu_count, VcpuStateRecord& out) {
  copy_body(raw, out);
  if (out.vcpu_index >= vcpu_count) return at(raw, StreamError::kBadHeaderField, out.vcpu_index, vcpu_count);
  if (out.state_size != sizeof(x86::VcpuState)) {
    return at(raw, StreamError::kBadHeaderField, out.state_size, sizeof(x86::VcpuState));
  }
  // The FPU state's form; the destination checks MXCSR again against its own CPU's mask
  // (x86::GuestFpu::problem) before FXRSTOR could fault on it.
  const x86::FpuState& fpu = out.state.fpu;
  if (fpu.xcr0 != x86::kGuestXcr0) return at(raw, StreamError::kBadHeaderField, fpu.xcr0, x86::kGuestXcr0);
  if (fpu.reserved != 0) return at(raw, StreamError::kNonZeroReserved, fpu.reserved);
  if (uint32_t bad = fpu.fxsave.mxcsr & x86::kMxcsrReservedBits; bad != 0) {
    return at(raw, StreamError::kBadHeaderField, fpu.fxsave.mxcsr, ~x86::kMxcsrReservedBits);
  }
  return {};
}

StreamFault decode_device_state(const RawRecord& raw, DeviceState& out) {
  copy_body(raw, out);
  if (out.console_pending_length > kMaxConsolePending) {
    return at(raw, StreamError::kBadHeaderField, out.console_pending_length, kMaxConsolePending);
  }
  if (out.flags != 0) return at(raw, StreamError::kNonZeroReserved, out.flags);
  return {};
}

StreamFault decode_end(const RawRecord& raw, EndRecord& out) {
  copy_body(raw, out);
  return {};
}

StreamFault decode_hello(const RawRecord& raw, HelloRecord& out) {
  copy_body(raw, out);
  if (auto f = check_magic_version(raw, out.magic, out.version_major); !f.ok()) return f;
  if (out.protection != static_cast<uint8_t>(Protection::kEncrypted) &&
      out.protection != static_cast<uint8_t>(Protection::kIntegrityOnly)) {
    return at(raw, StreamError::kBadHeaderField, out.protection, 2);
  }
  if ((out.flags & ~kHelloRecovery) != 0) return at(raw, StreamError::kNonZeroReserved, out.flags);
  for (uint8_t byte : out.reserved) {
    if (byte != 0) return at(raw, StreamError::kNonZeroReserved, byte);
  }
  return {};
}

StreamFault decode_commit(const RawRecord& raw, CommitRecord& out) {
  copy_body(raw, out);
  return {};
}

StreamFault decode_nack(const RawRecord& raw, NackRecord& out) {
  copy_body(raw, out);
  if (out.reserved != 0) return at(raw, StreamError::kNonZeroReserved, out.reserved);
  return {};
}

StreamFault decode_verify(const RawRecord& raw, VerifyRecord& out) {
  copy_body(raw, out);
  if (out.reserved != 0) return at(raw, StreamError::kNonZeroReserved, out.reserved);
  if (out.mode != kVerifyFullMemory) return at(raw, StreamError::kBadHeaderField, out.mode);
  return {};
}

StreamFault decode_net_device(const RawRecord& raw, NetDeviceRecord& out) {
  copy_body(raw, out);
  if (out.reserved0 != 0) return at(raw, StreamError::kNonZeroReserved, out.reserved0);
  bool zero_mac = true;
  for (uint8_t byte : out.mac) zero_mac &= byte == 0;
  if (zero_mac || (out.mac[0] & 1) != 0) return at(raw, StreamError::kBadHeaderField, out.mac[0]);
  if (out.prefix == 0 || out.prefix > 32) return at(raw, StreamError::kBadHeaderField, out.prefix, 32);
  if (out.state_size != kNetDeviceStateBytes) {
    return at(raw, StreamError::kBadHeaderField, out.state_size, kNetDeviceStateBytes);
  }
  return {};
}

StreamFault decode_round(const RawRecord& raw, RoundRecord& out) {
  copy_body(raw, out);
  if (out.reserved != 0) return at(raw, StreamError::kNonZeroReserved, out.reserved);
  return {};
}

// Walks every entry once, checking flags, runs, gfns (overflow-safe) and that the
// entries use exactly the body's bytes.
StreamFault PageBatchView::decode(const RawRecord& raw, uint64_t guest_pages) {
  std::memcpy(&header_, raw.body.data(), sizeof(header_));
  if (header_.entry_count == 0 || header_.entry_count > kMaxBatchEntries) {
    return at(raw, StreamError::kBadRecordLength, header_.entry_count, kMaxBatchEntries);
  }
  size_t at_byte = sizeof(PageBatchHeader);
  uint64_t pages = 0;
  for (uint32_t i = 0; i < header_.entry_count; ++i) {
    if (raw.body.size() - at_byte < sizeof(PageEntry)) {
      return at(raw, StreamError::kBadRecordLength, raw.body.size(), at_byte + sizeof(PageEntry));
    }
    PageEntry entry{};
    std::memcpy(&entry, raw.body.data() + at_byte, sizeof(entry));
    at_byte += sizeof(entry);
    bool zero = (entry.flags & kPageZero) != 0;
    if ((entry.flags & ~kPageZero) != 0 || entry.pages == 0 || (!zero && entry.pages != 1)) {
      return at(raw, StreamError::kBadPageFlags, entry.flags, entry.pages);
    }
    if (entry.gfn >= guest_pages || guest_pages - entry.gfn < entry.pages) {
      return at(raw, StreamError::kGfnOutOfRange, entry.gfn, guest_pages);
    }
    if (!zero) {
      if (raw.body.size() - at_byte < kPageSize) {
        return at(raw, StreamError::kBadRecordLength, raw.body.size(), at_byte + kPageSize);
      }
      at_byte += kPageSize;
    }
    pages += entry.pages;
  }
  if (at_byte != raw.body.size()) return at(raw, StreamError::kBadRecordLength, raw.body.size(), at_byte);
  if (pages != header_.page_count) return at(raw, StreamError::kPageCountMismatch, header_.page_count, pages);
  body_ = raw.body;
  return {};
}

}  // namespace godwit::migration
