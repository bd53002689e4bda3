#include "kernel/console/event.h"

#include "kernel/console/console.h"
#include "kernel/time/clock.h"

namespace godwit {

Event::Event(std::string_view name) : text_("@event "), json_(text_.sink()) {
  json_.field("event", name).field("t_ms", clock::now_ms());
}

Event::~Event() {
  json_.end();
  format(text_, "\n");
  console::line_sink().write(text_.view());
}

}  // namespace godwit
