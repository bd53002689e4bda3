// VMCS field encodings, typed once (Intel SDM Vol. 3D Appendix B, "Field Encoding in
// VMCS"). The encoding's bits 14:13 give the width and bits 11:10 the kind (control,
// read-only exit information, guest state, host state), which the grouping below follows.
#pragma once

#include <cstdint>

namespace godwit::x86::vmx {

enum class VmcsField : uint32_t {
  // B.1.1 16-bit control fields.
  kVpid = 0x0000,
  // B.1.2 16-bit guest-state fields.
  kGuestEsSelector = 0x0800,
  kGuestCsSelector = 0x0802,
  kGuestSsSelector = 0x0804,
  kGuestDsSelector = 0x0806,
  kGuestFsSelector = 0x0808,
  kGuestGsSelector = 0x080A,
  kGuestLdtrSelector = 0x080C,
  kGuestTrSelector = 0x080E,
  kGuestPmlIndex = 0x0812,  // Vol. 3C 25.4.2 and 29.3.6: next free entry of the PML log
  // B.1.3 16-bit host-state fields.
  kHostEsSelector = 0x0C00,
  kHostCsSelector = 0x0C02,
  kHostSsSelector = 0x0C04,
  kHostDsSelector = 0x0C06,
  kHostFsSelector = 0x0C08,
  kHostGsSelector = 0x0C0A,
  kHostTrSelector = 0x0C0C,
  // B.2.1 64-bit control fields.
  kIoBitmapA = 0x2000,
  kIoBitmapB = 0x2002,
  kMsrBitmap = 0x2004,
  kExitMsrStoreAddress = 0x2006,
  kExitMsrLoadAddress = 0x2008,
  kEntryMsrLoadAddress = 0x200A,
  kPmlAddress = 0x200E,  // Vol. 3C 25.6.18 and 29.3.6: the 4 KiB page-modification log
  kTscOffset = 0x2010,
  kEptPointer = 0x201A,
  // B.2.2 64-bit read-only data fields.
  kGuestPhysicalAddress = 0x2400,
  // B.2.3 64-bit guest-state fields.
  kVmcsLinkPointer = 0x2800,
  kGuestDebugCtl = 0x2802,
  kGuestPat = 0x2804,
  kGuestEfer = 0x2806,
  // B.2.4 64-bit host-state fields.
  kHostPat = 0x2C00,
  kHostEfer = 0x2C02,
  // B.3.1 32-bit control fields.
  kPinBasedControls = 0x4000,
  kPrimaryProcessorControls = 0x4002,
  kExceptionBitmap = 0x4004,
  kPageFaultErrorMask = 0x4006,
  kPageFaultErrorMatch = 0x4008,
  kCr3TargetCount = 0x400A,
  kExitControls = 0x400C,
  kExitMsrStoreCount = 0x400E,
  kExitMsrLoadCount = 0x4010,
  kEntryControls = 0x4012,
  kEntryMsrLoadCount = 0x4014,
  kEntryInterruptionInfo = 0x4016,
  kEntryExceptionErrorCode = 0x4018,
  kEntryInstructionLength = 0x401A,
  kSecondaryProcessorControls = 0x401E,
  // B.3.2 32-bit read-only data fields.
  kVmInstructionError = 0x4400,
  kExitReason = 0x4402,
  kExitInterruptionInfo = 0x4404,
  kExitInterruptionErrorCode = 0x4406,
  kIdtVectoringInfo = 0x4408,
  kIdtVectoringErrorCode = 0x440A,
  kExitInstructionLength = 0x440C,
  kExitInstructionInfo = 0x440E,
  // B.3.3 32-bit guest-state fields (limits, then access rights, in segment order).
  kGuestEsLimit = 0x4800,
  kGuestCsLimit = 0x4802,
  kGuestSsLimit = 0x4804,
  kGuestDsLimit = 0x4806,
  kGuestFsLimit = 0x4808,
  kGuestGsLimit = 0x480A,
  kGuestLdtrLimit = 0x480C,
  kGuestTrLimit = 0x480E,
  kGuestGdtrLimit = 0x4810,
  kGuestIdtrLimit = 0x4812,
  kGuestEsAccessRights = 0x4814,
  kGuestCsAccessRights = 0x4816,
  kGuestSsAccessRights = 0x4818,
  kGuestDsAccessRights = 0x481A,
  kGuestFsAccessRights = 0x481C,
  kGuestGsAccessRights = 0x481E,
  kGuestLdtrAccessRights = 0x4820,
  kGuestTrAccessRights = 0x4822,
  kGuestInterruptibility = 0x4824,
  kGuestActivityState = 0x4826,
  kGuestSysenterCs = 0x482A,
  kGuestPreemptionTimer = 0x482E,
  // B.3.4 32-bit host-state field.
  kHostSysenterCs = 0x4C00,
  // B.4.1 natural-width control fields.
  kCr0GuestHostMask = 0x6000,
  kCr4GuestHostMask = 0x6002,
  kCr0ReadShadow = 0x6004,
  kCr4ReadShadow = 0x6006,
  // B.4.2 natural-width read-only data fields.
  kExitQualification = 0x6400,
  kGuestLinearAddress = 0x640A,
  // B.4.3 natural-width guest-state fields (bases in segment order).
  kGuestCr0 = 0x6800,
  kGuestCr3 = 0x6802,
  kGuestCr4 = 0x6804,
  kGuestEsBase = 0x6806,
  kGuestCsBase = 0x6808,
  kGuestSsBase = 0x680A,
  kGuestDsBase = 0x680C,
  kGuestFsBase = 0x680E,
  kGuestGsBase = 0x6810,
  kGuestLdtrBase = 0x6812,
  kGuestTrBase = 0x6814,
  kGuestGdtrBase = 0x6816,
  kGuestIdtrBase = 0x6818,
  kGuestDr7 = 0x681A,
  kGuestRsp = 0x681C,
  kGuestRip = 0x681E,
  kGuestRflags = 0x6820,
  kGuestPendingDebugExceptions = 0x6822,
  kGuestSysenterEsp = 0x6824,
  kGuestSysenterEip = 0x6826,
  // B.4.4 natural-width host-state fields.
  kHostCr0 = 0x6C00,
  kHostCr3 = 0x6C02,
  kHostCr4 = 0x6C04,
  kHostFsBase = 0x6C06,
  kHostGsBase = 0x6C08,
  kHostTrBase = 0x6C0A,
  kHostGdtrBase = 0x6C0C,
  kHostIdtrBase = 0x6C0E,
  kHostSysenterEsp = 0x6C10,
  kHostSysenterEip = 0x6C12,
  kHostRsp = 0x6C14,
  kHostRip = 0x6C16,
};

// The eight guest segment registers share one layout: selector, limit, access rights
// and base each sit at `2 * index` past the ES field of their group (B.1.2, B.3.3, B.4.3).
enum class GuestSegment : uint32_t { kEs, kCs, kSs, kDs, kFs, kGs, kLdtr, kTr };

constexpr VmcsField segment_field(VmcsField es_field, GuestSegment segment) {
  return static_cast<VmcsField>(static_cast<uint32_t>(es_field) + 2 * static_cast<uint32_t>(segment));
}

static_assert(segment_field(VmcsField::kGuestEsSelector, GuestSegment::kTr) == VmcsField::kGuestTrSelector);
static_assert(segment_field(VmcsField::kGuestEsLimit, GuestSegment::kTr) == VmcsField::kGuestTrLimit);
static_assert(segment_field(VmcsField::kGuestEsAccessRights, GuestSegment::kTr) ==
              VmcsField::kGuestTrAccessRights);
static_assert(segment_field(VmcsField::kGuestEsBase, GuestSegment::kTr) == VmcsField::kGuestTrBase);

}  // namespace godwit::x86::vmx
