#include "kernel/vm/vm.h"

#include "lib/text_field.h"

namespace godwit::vm {

const char* to_string(EndReason reason) {
  switch (reason) {
    case EndReason::kNone: return "none";
    case EndReason::kExited: return "exited";
    case EndReason::kKilled: return "killed";
    case EndReason::kMigrated: return "migrated";
    case EndReason::kOutsideRam: return "outside-ram";
    case EndReason::kIoDenied: return "io-denied";
    case EndReason::kMsrDenied: return "msr-denied";
    case EndReason::kTripleFault: return "triple-fault";
    case EndReason::kInvalidState: return "invalid-state";
    case EndReason::kException: return "exception";
    case EndReason::kUnhandledExit: return "unhandled-exit";
    case EndReason::kDeviceError: return "device-error";
  }
  return "none";
}

const char* to_string(VmState state) {
  switch (state) {
    case VmState::kRunnable: return "running";
    case VmState::kBlocked: return "blocked";
    case VmState::kStopped: return "stopped";
    case VmState::kEnded: return "ended";
  }
  return "ended";
}

uint64_t VmStats::total_exits() const {
  uint64_t total = 0;
  for (uint64_t n : exits) total += n;
  return total;
}

void Vm::set_name(std::string_view name) { name_length_ = copy_to_field(name_, name).size(); }

void Vm::set_command_line(std::string_view line) {
  command_line_length_ = copy_to_field(command_line_, line).size();
}

void Vm::console_prefix(FixedString<40>& out) const { format(out, "[g{} {}]", id, name()); }

}  // namespace godwit::vm
