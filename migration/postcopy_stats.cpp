#include "migration/postcopy_stats.h"

namespace godwit::migration {

void write_fault_wait_fields(JsonWriter& json, const FaultWaitStats& waits) {
  json.field("fault_waits", waits.faults);
  json.fixed("fault_wait_ms", static_cast<int64_t>(waits.sum_ns / 1000), 3);
  json.fixed("fault_wait_max_ms", static_cast<int64_t>(waits.max_ns / 1000), 3);
  json.begin_array("fault_wait_hist");
  for (uint64_t count : waits.histogram) json.value(static_cast<int64_t>(count));
  json.end_array();
}

}  // namespace godwit::migration
