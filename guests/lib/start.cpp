// From _start to main(): check the boot info, then run the program and exit with its
// status. Before the boot info is trusted, the hypercall instruction comes from the
// Godwit CPUID leaves, so that even a broken boot info can be reported.
#include <cpuid.h>

#include "guests/lib/console.h"
#include "guests/lib/hypercall.h"

int main();

namespace godwit::guest {
inline constexpr int kExitRuntimeError = 4;
}  // namespace godwit::guest

namespace godwit::guest {

namespace {

abi::GuestBootInfo g_fallback_info;

uint32_t instruction_from_cpuid() {
  uint32_t eax, ebx, ecx, edx;
  __cpuid(abi::kCpuidSignatureLeaf, eax, ebx, ecx, edx);
  if (ebx != abi::kSignatureEbx || ecx != abi::kSignatureEcx || edx != abi::kSignatureEdx) return 0;
  __cpuid(abi::kCpuidInterfaceLeaf, eax, ebx, ecx, edx);
  return ebx;
}

}  // namespace

}  // namespace godwit::guest

extern "C" [[noreturn]] void guest_start(const godwit::abi::GuestBootInfo* info) {
  using namespace godwit;
  if (info->magic != abi::kBootInfoMagic || info->version_major != abi::kVersionMajor) {
    guest::g_fallback_info.hypercall_instruction = guest::instruction_from_cpuid();
    guest::set_boot_info(&guest::g_fallback_info);
    guest::println("guest: bad boot info (magic {:#x}, version {}), stopping", info->magic,
                   info->version_major);
    guest::exit(1);
  }
  guest::set_boot_info(info);
  guest::exit(main());
}

// The library's bounds checks (std::string_view::substr and friends) report here; with
// no exceptions, reaching one is a guest bug: say so and stop.
namespace std {
void __throw_out_of_range_fmt(const char*, ...) {
  godwit::guest::println("guest: out-of-range access in the C++ library, stopping");
  godwit::guest::exit(godwit::guest::kExitRuntimeError);
}
}  // namespace std
