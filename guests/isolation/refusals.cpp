// Hypercalls with bad arguments: each must fail with the documented error code (or, for
// kBlockUntil, simply return) and leave the guest running. One line per check.
#include <cstdint>

#include "guests/isolation/attacks.h"
#include "guests/lib/console.h"
#include "guests/lib/hypercall.h"

namespace godwit::guest::isolation {

namespace {

using abi::Hypercall;
using abi::Status;

char g_long_text[abi::kMaxConsoleWrite + 1];

constexpr int64_t code(Status s) { return static_cast<int64_t>(s); }

struct Tally {
  unsigned checks = 0;
  unsigned failures = 0;
  // `got` passes when it is `want` or, if given, `also`.
  void expect(std::string_view check, int64_t got, Status want, int64_t also = INT64_MIN) {
    ++checks;
    if (got == code(want) || got == also) {
      println("isolation: {} refused ok", check);
    } else {
      ++failures;
      println("isolation: {} NOT refused (got {})", check, got);
    }
  }
};

void console_checks(Tally& t) {
  uint64_t end = boot_info().memory_bytes;
  t.expect("console-outside-ram", hypercall(Hypercall::kConsoleWrite, end + 0x1000, 16), Status::kBadAddress);
  t.expect("console-straddling-ram-end", hypercall(Hypercall::kConsoleWrite, end - 8, 16),
           Status::kBadAddress);
  t.expect("console-wrapping-address", hypercall(Hypercall::kConsoleWrite, ~uint64_t{0} - 7, 16),
           Status::kBadAddress);
  for (char& c : g_long_text) c = '#';
  t.expect("console-too-long", console_write(g_long_text, sizeof(g_long_text)), Status::kBadLength);
  // Huge lengths must not overflow the hypervisor's range check into "valid".
  t.expect("console-huge-length", console_write(g_long_text, ~size_t{0}), Status::kBadLength,
           code(Status::kBadAddress));
}

void call_checks(Tally& t) {
  t.expect("unknown-call-6", hypercall(6), Status::kUnknownCall);
  t.expect("unknown-call-max", hypercall(~uint64_t{0}), Status::kUnknownCall);
  // Deadlines already passed must come back at once, absurd ones be refused.
  t.expect("block-until-zero", block_until(0), Status::kOk, code(Status::kBadArgument));
  t.expect("block-until-now", block_until(time_ns()), Status::kOk, code(Status::kBadArgument));
  t.expect("block-until-limit", block_until(abi::kMaxBlockUntilNs), Status::kBadArgument);
  t.expect("block-until-max", block_until(~uint64_t{0}), Status::kBadArgument);
  // Port 0 and ports above 65535 cannot be connected to.
  t.expect("migrate-port-0", migrate_self(0x7f000001, 0), Status::kBadArgument, code(Status::kUnsupported));
  t.expect("migrate-port-70000", migrate_self(0x7f000001, 70000), Status::kBadArgument,
           code(Status::kUnsupported));
}

}  // namespace

bool run_refusals() {
  Tally t;
  console_checks(t);
  call_checks(t);
  if (t.failures == 0) {
    println("isolation: all {} checks refused ok", t.checks);
  } else {
    println("isolation: {} of {} checks NOT refused", t.failures, t.checks);
  }
  return t.failures == 0;
}

}  // namespace godwit::guest::isolation
