// state_rejection(): the VMRUN consistency checks of APM Vol. 2 15.5.1 that a migrated or
// hand-built VcpuState could break, plus the one QEMU 7.2's software SVM adds (it
// refuses a 64-bit code segment with both L and D set), each with the message a person reads.
#include "arch/x86/svm/segment_attributes.h"
#include "arch/x86/svm/state_transfer.h"

namespace godwit::x86::svm {
namespace {

constexpr uint32_t kVmxLong = 1u << 13, kVmxDefaultBig = 1u << 14;
constexpr uint64_t kRflagsFixed1 = 1u << 1;
constexpr uint64_t kRflagsMustBeZero = (1u << 3) | (1u << 5) | (1u << 15) | ~0x3F'FFFFull;
constexpr uint64_t kCr3LongReserved = 0xFFF0'0000'0000'0000ull;  // bits 63:52

// VMX entry-interruption type (bits 10:8) and vector.
constexpr uint32_t kEventValid = 1u << 31;
constexpr uint32_t event_type(uint32_t event) { return (event >> 8) & 7; }
constexpr uint32_t event_vector(uint32_t event) { return event & 0xFF; }

std::string_view control_register_rejection(const VcpuState& s, const GuestLimits& limits) {
  if (s.cr0 >> 32) return "CR0 bits 63:32 must be zero";
  if ((s.cr0 & kCr0Nw) && !(s.cr0 & kCr0Cd)) return "CR0.NW set without CR0.CD";
  if ((s.cr0 & kCr0Pg) && !(s.cr0 & kCr0Pe)) return "CR0.PG set without CR0.PE";
  if (s.cr4 & ~limits.cr4_allowed) return "CR4 sets a bit this CPU does not offer guests";
  if (s.dr7 >> 32) return "DR7 bits 63:32 must be zero";
  if ((s.efer & ~kEferSvme) & ~limits.efer_allowed) return "EFER sets a reserved or unsupported bit";
  return {};
}

std::string_view mode_rejection(const VcpuState& s) {
  bool long_mode = (s.efer & kEferLme) && (s.cr0 & kCr0Pg);
  if (((s.efer & kEferLma) != 0) != long_mode) return "EFER.LMA must equal EFER.LME and CR0.PG";
  if (!long_mode) return {};
  if (!(s.cr4 & kCr4Pae)) return "long mode needs CR4.PAE";
  if (s.cr3 & kCr3LongReserved) return "CR3 sets reserved bits 63:52";
  if ((s.cs.attributes & kVmxLong) && (s.cs.attributes & kVmxDefaultBig)) {
    return "CS has both L and D set (a 64-bit code segment needs D=0)";
  }
  return {};
}

std::string_view register_rejection(const VcpuState& s) {
  if (s.cs.attributes & kVmxUnusable) return "CS must be usable";
  if (!(s.regs.rflags & kRflagsFixed1)) return "RFLAGS bit 1 must be set";
  if (s.regs.rflags & kRflagsMustBeZero) return "RFLAGS sets reserved bits";
  return {};
}

std::string_view event_rejection(const VcpuState& s) {
  if (s.activity > 1) return "activity must be 0 (active) or 1 (halted)";
  uint32_t e = s.pending_event;
  if (!(e & kEventValid)) return {};
  if (e & ~(kEventValid | (1u << 11) | 0x7FFu)) return "pending event sets reserved bits";
  switch (event_type(e)) {
    case 0: case 4: return {};  // external or software interrupt: any vector
    case 2: return event_vector(e) == 2 ? std::string_view{} : "an NMI must have vector 2";
    case 3: case 5: case 6:
      return event_vector(e) < 32 ? std::string_view{} : "an exception vector must be below 32";
    default: return "pending event has an unknown type";
  }
}

}  // namespace

std::string_view state_rejection(const VcpuState& state, const GuestLimits& limits) {
  if (auto reason = control_register_rejection(state, limits); !reason.empty()) return reason;
  if (auto reason = mode_rejection(state); !reason.empty()) return reason;
  if (auto reason = register_rejection(state); !reason.empty()) return reason;
  return event_rejection(state);
}

}  // namespace godwit::x86::svm
