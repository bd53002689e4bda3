#include "drivers/uart/uart16550.h"

#include "arch/x86/cpu/intrinsics.h"

namespace godwit {

namespace {

// Register offsets from the base port.
constexpr uint16_t kData = 0;  // THR / RBR; divisor low when DLAB=1
constexpr uint16_t kInterruptEnable = 1;
constexpr uint16_t kFifoControl = 2;
constexpr uint16_t kLineControl = 3;
constexpr uint16_t kModemControl = 4;
constexpr uint16_t kLineStatus = 5;
constexpr uint16_t kScratch = 7;
constexpr uint8_t kLineStatusDataReady = 0x01;
constexpr uint8_t kLineStatusTransmitEmpty = 0x20;
constexpr uint32_t kTransmitSpinLimit = 1'000'000;

}  // namespace

bool Uart16550::init() {
  using namespace x86;
  outb(port_ + kScratch, 0x5A);  // no UART, no scratch register: writes read back 0xFF
  if (inb(port_ + kScratch) != 0x5A) return false;
  outb(port_ + kInterruptEnable, 0x00);
  outb(port_ + kLineControl, 0x80);  // DLAB: next two writes set the divisor
  outb(port_ + kData, 0x01);         // 115200 = 1.8432 MHz / 16 / 1
  outb(port_ + kInterruptEnable, 0x00);
  outb(port_ + kLineControl, 0x03);   // 8 data bits, no parity, 1 stop bit
  outb(port_ + kFifoControl, 0xC7);   // enable and clear FIFOs, 14-byte trigger
  outb(port_ + kModemControl, 0x03);  // DTR, RTS
  present_ = true;
  return true;
}

void Uart16550::put(char c) {
  if (!present_) return;
  for (uint32_t spin = 0; spin < kTransmitSpinLimit; ++spin) {
    if (x86::inb(port_ + kLineStatus) & kLineStatusTransmitEmpty) break;
    x86::pause();
  }
  x86::outb(port_ + kData, static_cast<uint8_t>(c));
}

void Uart16550::write(std::string_view text) {
  for (char c : text) {
    if (c == '\n') put('\r');
    put(c);
  }
}

std::optional<char> Uart16550::try_get() {
  if (!present_ || !(x86::inb(port_ + kLineStatus) & kLineStatusDataReady)) return std::nullopt;
  return static_cast<char>(x86::inb(port_ + kData));
}

}  // namespace godwit
