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
  // Sends one byte once the transmitter is empty (waiting a bounded time, so a stuck
  // UART slows output but never hangs); nothing when init() found no UART.
  void put(char c);
  // put() for each byte, with "\n" sent as "\r\n".
  void write(std::string_view text);
  // The next received byte, or nullopt when none is waiting. Never blocks.
  std::optional<char> try_get();

 private:
  uint16_t port_;
  bool present_ = false;
};

}  // namespace godwit
