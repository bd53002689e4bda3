// VMX control bits (Intel SDM Vol. 3C ch. 25, "Virtual Machine Control Structures":
// 25.6 "VM-Execution Control Fields", 25.7 "VM-Exit Control Fields", 25.8 "VM-Entry
// Control Fields") and the capability MSRs that say which settings a CPU allows
// (Vol. 3D Appendix A, "VMX Capability Reporting Facility").
#pragma once

#include <cstdint>

namespace godwit::x86::vmx {

// Vol. 4 ch. 2 (MSR index) and Vol. 3D Appendix A.
inline constexpr uint32_t kMsrFeatureControl = 0x3A;
inline constexpr uint32_t kMsrVmxBasic = 0x480;
inline constexpr uint32_t kMsrVmxPinbasedCtls = 0x481;
inline constexpr uint32_t kMsrVmxProcbasedCtls = 0x482;
inline constexpr uint32_t kMsrVmxExitCtls = 0x483;
inline constexpr uint32_t kMsrVmxEntryCtls = 0x484;
inline constexpr uint32_t kMsrVmxMisc = 0x485;
inline constexpr uint32_t kMsrVmxCr0Fixed0 = 0x486;
inline constexpr uint32_t kMsrVmxCr0Fixed1 = 0x487;
inline constexpr uint32_t kMsrVmxCr4Fixed0 = 0x488;
inline constexpr uint32_t kMsrVmxCr4Fixed1 = 0x489;
inline constexpr uint32_t kMsrVmxProcbasedCtls2 = 0x48B;
inline constexpr uint32_t kMsrVmxEptVpidCap = 0x48C;
inline constexpr uint32_t kMsrVmxTruePinbasedCtls = 0x48D;
inline constexpr uint32_t kMsrVmxTrueProcbasedCtls = 0x48E;
inline constexpr uint32_t kMsrVmxTrueExitCtls = 0x48F;
inline constexpr uint32_t kMsrVmxTrueEntryCtls = 0x490;
inline constexpr uint32_t kMsrPat = 0x277;
inline constexpr uint32_t kMsrEfer = 0xC0000080;
inline constexpr uint32_t kMsrStar = 0xC0000081;
inline constexpr uint32_t kMsrLstar = 0xC0000082;
inline constexpr uint32_t kMsrCstar = 0xC0000083;
inline constexpr uint32_t kMsrSfmask = 0xC0000084;
inline constexpr uint32_t kMsrFsBase = 0xC0000100;
inline constexpr uint32_t kMsrGsBase = 0xC0000101;
inline constexpr uint32_t kMsrKernelGsBase = 0xC0000102;

// IA32_FEATURE_CONTROL (Vol. 3C "Enabling and Entering VMX Operation").
inline constexpr uint64_t kFeatureControlLock = 1u << 0;
inline constexpr uint64_t kFeatureControlVmxOutsideSmx = 1u << 2;

// IA32_VMX_EPT_VPID_CAP (Vol. 3D A.10): INVVPID and its all-context type.
inline constexpr unsigned kCapInvvpid = 32;
inline constexpr unsigned kCapInvvpidAllContext = 42;

// Table 25-5, "Definitions of Pin-Based VM-Execution Controls".
namespace pin {
inline constexpr uint32_t kExternalInterruptExiting = 1u << 0;
inline constexpr uint32_t kNmiExiting = 1u << 3;
inline constexpr uint32_t kPreemptionTimer = 1u << 6;
}  // namespace pin

// Table 25-6, "Definitions of Primary Processor-Based VM-Execution Controls".
namespace proc {
inline constexpr uint32_t kHltExiting = 1u << 7;
inline constexpr uint32_t kUseIoBitmaps = 1u << 25;
inline constexpr uint32_t kUseMsrBitmaps = 1u << 28;
inline constexpr uint32_t kActivateSecondary = 1u << 31;
}  // namespace proc

// Table 25-7, "Definitions of Secondary Processor-Based VM-Execution Controls".
namespace proc2 {
inline constexpr uint32_t kEnableEpt = 1u << 1;
inline constexpr uint32_t kEnableVpid = 1u << 5;
inline constexpr uint32_t kEnablePml = 1u << 17;  // page-modification logging (29.3.6)
}  // namespace proc2

// Table 25-13, "Definitions of VM-Exit Controls".
namespace exit_ctl {
inline constexpr uint32_t kHostAddressSpaceSize = 1u << 9;
inline constexpr uint32_t kAcknowledgeInterruptOnExit = 1u << 15;
inline constexpr uint32_t kSavePat = 1u << 18;
inline constexpr uint32_t kLoadPat = 1u << 19;
inline constexpr uint32_t kSaveEfer = 1u << 20;
inline constexpr uint32_t kLoadEfer = 1u << 21;
}  // namespace exit_ctl

// Table 25-15, "Definitions of VM-Entry Controls".
namespace entry_ctl {
inline constexpr uint32_t kIa32eModeGuest = 1u << 9;
inline constexpr uint32_t kLoadPat = 1u << 14;
inline constexpr uint32_t kLoadEfer = 1u << 15;
}  // namespace entry_ctl

// Control-register bits VMX cares about (Vol. 3A 2.5, "Control Registers").
inline constexpr uint64_t kCr0Pe = 1u << 0;
inline constexpr uint64_t kCr0Ne = 1u << 5;
inline constexpr uint64_t kCr0Nw = 1u << 29;
inline constexpr uint64_t kCr0Cd = 1u << 30;
inline constexpr uint64_t kCr0Pg = 1u << 31;
inline constexpr uint64_t kCr4Pae = 1u << 5;
inline constexpr uint64_t kCr4Vmxe = 1u << 13;
inline constexpr uint64_t kEferLme = 1u << 8;
inline constexpr uint64_t kEferLma = 1u << 10;

}  // namespace godwit::x86::vmx
