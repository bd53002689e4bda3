// Finding PCI functions: a brute-force scan of every bus, device and function
// (PCI 3.0, 6.1: a function is present when its vendor ID is not 0xFFFF; functions 1..7
// exist only when function 0's header type has bit 7 set).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/pci/config_space.h"
#include "lib/format.h"

namespace godwit::pci {

struct PciFunction {
  PciAddress address;
  uint16_t vendor = 0;
  uint16_t device = 0;
  uint8_t class_code = 0;
  uint8_t subclass = 0;
  uint8_t prog_if = 0;
  uint8_t header_type = 0;  // without the multi-function bit
};

// Fills `out` with the functions found, in bus/device/function order, and returns the
// number found (which may exceed out.size(): the rest were not stored).
size_t enumerate(ConfigSpace& config, std::span<PciFunction> out);

// Turns on memory and I/O decoding and Bus Master (SeaBIOS leaves Bus Master off), and
// masks INTx: Godwit polls its devices (docs/decisions/0004-polled-nics.md).
void enable_device(ConfigSpace& config, PciAddress at);

// "00:03.0"
void format_address(Sink& out, PciAddress at);

}  // namespace godwit::pci
