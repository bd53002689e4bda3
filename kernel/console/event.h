// Machine-readable events: one line "@event {json}" on the console, for tools and tests.
//   { Event boot("boot"); boot->field("version", kVersion).field("mem_mib", mib); }
// The line is written when the Event goes out of scope. Every event carries "event"
// (its name) and "t_ms" (hypervisor uptime).
#pragma once

#include <string_view>

#include "lib/format.h"
#include "lib/json_writer.h"

namespace godwit {

class Event {
 public:
  explicit Event(std::string_view name);
  ~Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  JsonWriter* operator->() { return &json_; }
  JsonWriter& json() { return json_; }

 private:
  FixedString<1024> text_;
  JsonWriter json_;
};

}  // namespace godwit
