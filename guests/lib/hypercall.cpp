#include "guests/lib/hypercall.h"

namespace godwit::guest {

namespace {

const abi::GuestBootInfo* g_boot_info = nullptr;

}  // namespace

void set_boot_info(const abi::GuestBootInfo* info) { g_boot_info = info; }
const abi::GuestBootInfo& boot_info() { return *g_boot_info; }

int64_t hypercall(uint64_t number, uint64_t a0, uint64_t a1, uint64_t a2) {
  // Read at every call: the hypervisor rewrites it when the guest arrives on a host
  // with the other backend. Every register but RAX is preserved by the ABI.
  uint32_t instruction = *static_cast<const volatile uint32_t*>(&g_boot_info->hypercall_instruction);
  uint64_t rax = number;
  if (instruction == abi::kInstructionVmmcall) {
    asm volatile("vmmcall" : "+a"(rax) : "D"(a0), "S"(a1), "d"(a2) : "memory");
  } else {
    asm volatile("vmcall" : "+a"(rax) : "D"(a0), "S"(a1), "d"(a2) : "memory");
  }
  return static_cast<int64_t>(rax);
}

void exit(int64_t status) {
  (void)hypercall(abi::Hypercall::kExit, static_cast<uint64_t>(status));
  for (;;) asm volatile("hlt");  // kExit does not return; if it did, stay put
}

}  // namespace godwit::guest
