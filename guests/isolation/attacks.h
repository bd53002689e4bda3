// The isolation guest's attacks. The ending ones must be stopped by the hypervisor
// (the guest is ended; on return the attack got through). The refusals are hypercalls
// with bad arguments that must fail with an error code and let the guest continue.
#pragma once

#include <span>
#include <string_view>

namespace godwit::guest::isolation {

struct Attack {
  std::string_view name;
  void (*run)();  // returns only if the hypervisor did not stop it
};

// read-outside, write-outside, io, msr, triple-fault, spin.
std::span<const Attack> ending_attacks();

// Runs every refusal check, printing one line each; true if all were refused.
bool run_refusals();

}  // namespace godwit::guest::isolation
