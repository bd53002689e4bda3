// isolation: tries to break out of its VM. attack=<name> runs one attack (see
// attacks.h and guests/README.md); attack=hypercalls (alias all-refusals) runs the
// refusal checks and exits 0 if every one was refused, 1 otherwise.
#include "guests/isolation/attacks.h"
#include "guests/lib/console.h"
#include "guests/lib/params.h"

int main() {
  using namespace godwit::guest;
  using namespace godwit::guest::isolation;
  std::string_view name = param_text("attack", "");
  if (name == "hypercalls" || name == "all-refusals") return run_refusals() ? 0 : 1;
  for (const Attack& attack : ending_attacks()) {
    if (attack.name != name) continue;
    println("isolation: attempting {}", name);
    attack.run();
    println("isolation: {} was NOT stopped", name);
    return 1;
  }
  println(
      "isolation: unknown attack '{}'; one of hypercalls, all-refusals, read-outside, write-outside, "
      "io, msr, triple-fault, spin",
      name);
  return kExitBadParameter;
}
