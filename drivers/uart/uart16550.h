// The 16550A UART on COM1: the console people type into and tools read from.
// Polled, 115200 8N1 (National Semiconductor PC16550D datasheet, register map).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace godwit {

class Uart16550 {
 public:
  explicit constexpr Uart16550(uint16_t port) : port_(port) {}

  // Programs 115200 8N1 with FIFOs; false if no UART answers at the port.
  bool init();
  void put(char c);
  void write(std::string_view text);
  std::optional<char> try_get();

 private:
  uint16_t port_;
  bool present_ = false;
};

}  // namespace godwit
