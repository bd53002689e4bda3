// The e1000's register file (BAR0) behind an interface, so the driver's set-up and poll
// logic runs under GoogleTest over a fake; the image maps it with MmioRegisters.
#pragma once

#include <cstdint>

namespace godwit::e1000 {

class Registers {
 public:
  virtual uint32_t read(uint32_t offset) = 0;
  virtual void write(uint32_t offset, uint32_t value) = 0;

 protected:
  ~Registers() = default;
};

}  // namespace godwit::e1000
