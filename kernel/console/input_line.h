// The line a person is typing at the shell prompt, as the console needs to know it:
// output that arrives while someone types (guest lines, log lines, events) is written
// above the prompt, and the prompt with the half-typed command is drawn again below it,
// so neither garbles the other.
#pragma once

#include "lib/format.h"

namespace godwit {

class InputLine {
 public:
  // True while a prompt is shown and a command is being typed (not while one runs).
  virtual bool editing() const = 0;
  // Writes the prompt and the characters typed so far.
  virtual void redraw(Sink& out) const = 0;

 protected:
  ~InputLine() = default;
};

}  // namespace godwit
