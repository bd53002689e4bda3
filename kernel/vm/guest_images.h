// The guest images GRUB loaded as Multiboot2 modules, by name. A module's command line
// says what it is:
//   image=counter                   an image the shell's `new` can start
//   guest=counter mem=16M period=200   the same, and started at boot with that memory
//                                     and the remaining words as the guest's command line
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "kernel/boot/multiboot2.h"
#include "lib/expected.h"
#include "lib/format.h"

namespace godwit::vm {

struct GuestImage {
  std::string_view name;
  std::span<const uint8_t> bytes;
};

// Reads the module list once at boot; modules with neither key are reported and skipped.
void register_modules(const multiboot2::BootInfo& boot);
// The image registered under `name`, or nullptr.
const GuestImage* find_image(std::string_view name);
// Every registered image, in module order.
std::span<const GuestImage> images();

// Starts every module marked guest=; failures are logged, the others still start.
void start_boot_guests();

// From words such as {"mem=32M", "wss=4M", "rate=100"}: the memory size (default
// kDefaultMemory) and the remaining words joined as the guest's command line.
// kInvalidArgument for a bad mem= value; kRange when the command line is too long.
struct GuestArguments {
  uint64_t memory_bytes = 0;
  FixedString<256> command_line;
};
Status parse_guest_arguments(std::span<const std::string_view> words, GuestArguments& out);

}  // namespace godwit::vm
