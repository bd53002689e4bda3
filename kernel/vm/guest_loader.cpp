#include "kernel/vm/guest_loader.h"

#include "kernel/console/log.h"
#include "kernel/vm/elf_image.h"
#include "kernel/vm/guest_boot.h"
#include "kernel/vm/guests.h"

namespace godwit::vm {

Expected<x86::VcpuState> load_guest_image(Vm& vm, std::span<const uint8_t> image) {
  auto elf = parse_elf(image);
  if (!elf) {
    log::error("guest '{}': the image is not a valid guest ELF: {}", vm.name(), elf.error());
    return elf.failure();
  }
  if (auto status = load_elf(*elf, vm.memory); !status) {
    log::error("guest '{}': the image does not fit in {} MiB: {}", vm.name(), vm.memory.size_bytes() >> 20,
               status.error());
    return status.failure();
  }
  GuestBootParams params{elf->entry(), elf->end(), vm.id, backend()->hypercall_instruction(),
                         vm.command_line()};
  auto state = prepare_guest(vm.memory, params);
  if (!state) log::error("guest '{}': cannot lay out its entry state: {}", vm.name(), state.error());
  return state;
}

}  // namespace godwit::vm
