#include "kernel/console/console.h"

#include "drivers/uart/uart16550.h"

namespace godwit::console {

namespace {

constexpr uint16_t kCom1 = 0x3F8;

// Typed bytes wait here between the moment they are read from the UART and the shell.
// The UART's FIFO holds only 16 bytes, and the shell reads only between guest time
// slices; the 1 kHz tick (which also fires while guests run) and every output byte
// drain the FIFO into this ring. The hypervisor runs with interrupts masked outside
// the tick handler, so no locking is needed.
constexpr size_t kInputRing = 256;
constinit char input[kInputRing] = {};
constinit size_t input_head = 0, input_tail = 0;  // head == tail: empty

void drain(Uart16550& uart) {
  for (;;) {
    size_t next = (input_head + 1) % kInputRing;
    if (next == input_tail) return;  // full: leave the rest in the FIFO
    auto c = uart.try_get();
    if (!c) return;
    input[input_head] = *c;
    input_head = next;
  }
}

// Output is paced by the line (about 87 us a byte at 115200 baud) and written with
// interrupts masked, so a long line could let typed bytes overflow the receive FIFO:
// drain it between output bytes.
class SerialSink final : public Sink {
 public:
  void write(std::string_view text) override {
    for (size_t i = 0; i < text.size(); ++i) {
      uart.write(text.substr(i, 1));
      drain(uart);
    }
  }
  Uart16550 uart{kCom1};
};

constinit SerialSink serial;

constinit const InputLine* input_line = nullptr;

class LineSink final : public Sink {
 public:
  void write(std::string_view text) override {
    bool editing = input_line != nullptr && input_line->editing();
    if (editing) serial.write("\r\x1b[K");  // back to column 0, erase the prompt line
    serial.write(text);
    if (editing) input_line->redraw(serial);
  }
};

constinit LineSink lines;

}  // namespace

bool init() { return serial.uart.init(); }

Sink& sink() { return serial; }
Sink& line_sink() { return lines; }
void set_input_line(const InputLine* line) { input_line = line; }

void poll_input() { drain(serial.uart); }

std::optional<char> read_char() {
  drain(serial.uart);
  if (input_tail == input_head) return std::nullopt;
  char c = input[input_tail];
  input_tail = (input_tail + 1) % kInputRing;
  return c;
}

}  // namespace godwit::console
