#include "kernel/console/console.h"

#include "drivers/uart/uart16550.h"

namespace godwit::console {

namespace {

constexpr uint16_t kCom1 = 0x3F8;

class SerialSink final : public Sink {
 public:
  void write(std::string_view text) override { uart.write(text); }
  Uart16550 uart{kCom1};
};

constinit SerialSink serial;

}  // namespace

bool init() { return serial.uart.init(); }

Sink& sink() { return serial; }

std::optional<char> read_char() { return serial.uart.try_get(); }

}  // namespace godwit::console
