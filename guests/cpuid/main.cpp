// cpuid: prints the CPUID values it sees, once (period=0, the default, then exits 0) or
// every period=<ms> forever, and checks that every pass reads what the first one read:
// a guest that moved between a VT-x node and an AMD-V node must see no difference
// (docs/decisions/0011-guest-cpu-model.md). Output format: guests/README.md, "cpuid".
#include "guests/cpuid/report.h"
#include "guests/lib/console.h"
#include "guests/lib/params.h"
#include "guests/lib/time.h"

namespace {

using namespace godwit::guest;

struct Regs {
  uint32_t eax, ebx, ecx, edx;
};

Regs read_cpuid(uint32_t leaf, uint32_t subleaf) {
  Regs r{};
  asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
  return r;
}

// Globals in guest RAM: after a migration the next pass compares with the first one,
// read on the other node.
uint64_t g_pass = 0;
uint64_t g_first_digest = 0;
uint32_t g_first_leaves = 0;

struct Pass {
  uint64_t digest = cpuid::kDigestStart;
  uint32_t leaves = 0;
};

void print_leaf(Pass& pass, uint32_t leaf) {
  Regs r = read_cpuid(leaf, 0);
  println("cpuid: leaf={} subleaf=0 eax={} ebx={} ecx={} edx={}", cpuid::hex32(leaf).text,
          cpuid::hex32(r.eax).text, cpuid::hex32(r.ebx).text, cpuid::hex32(r.ecx).text,
          cpuid::hex32(r.edx).text);
  const uint32_t words[6] = {leaf, 0, r.eax, r.ebx, r.ecx, r.edx};
  pass.digest = cpuid::digest_leaf(pass.digest, words);
  ++pass.leaves;
}

// One pass: every leaf, then the node's hypervisor leaves, then the summary.
Pass print_pass() {
  Pass pass;
  println("cpuid: pass {} begin", g_pass);
  Regs basic = read_cpuid(0, 0);
  for (uint32_t leaf = 0; leaf <= cpuid::last_basic(basic.eax); ++leaf) print_leaf(pass, leaf);
  Regs extended = read_cpuid(cpuid::kExtendedFirst, 0);
  if (cpuid::has_extended(extended.eax)) {
    for (uint32_t leaf = cpuid::kExtendedFirst; leaf <= cpuid::last_extended(extended.eax); ++leaf) {
      print_leaf(pass, leaf);
    }
  }
  Regs signature = read_cpuid(0x4000'0000, 0), iface = read_cpuid(0x4000'0001, 0);
  char hypervisor[13];
  const uint32_t sig_regs[3] = {signature.ebx, signature.ecx, signature.edx};
  cpuid::register_text(hypervisor, sig_regs, 3);
  println("cpuid: pass {} hypervisor=\"{}\" abi={}.{} hypercall={}", g_pass, hypervisor, iface.eax >> 16,
          iface.eax & 0xFFFF, cpuid::hypercall_name(iface.ebx));
  char vendor[13], brand[49] = {};
  const uint32_t vendor_regs[3] = {basic.ebx, basic.edx, basic.ecx};
  cpuid::register_text(vendor, vendor_regs, 3);
  if (extended.eax >= 0x8000'0004 && cpuid::has_extended(extended.eax)) {
    uint32_t brand_regs[12];
    for (size_t i = 0; i < 3; ++i) {
      Regs r = read_cpuid(0x8000'0002 + static_cast<uint32_t>(i), 0);
      brand_regs[4 * i] = r.eax, brand_regs[4 * i + 1] = r.ebx, brand_regs[4 * i + 2] = r.ecx;
      brand_regs[4 * i + 3] = r.edx;
    }
    cpuid::register_text(brand, brand_regs, 12);
  }
  println("cpuid: pass {} end leaves={} digest={} vendor=\"{}\" brand=\"{}\"", g_pass, pass.leaves,
          cpuid::hex64(pass.digest).text, vendor, brand);
  return pass;
}

}  // namespace

int main() {
  uint64_t period_ms = param_u64("period", 0, 0, 3'600'000);
  uint64_t deadline = time_ns();
  for (;;) {
    ++g_pass;
    Pass pass = print_pass();
    if (g_pass == 1) {
      g_first_digest = pass.digest;
      g_first_leaves = pass.leaves;
    } else if (pass.digest != g_first_digest || pass.leaves != g_first_leaves) {
      println("cpuid: CHANGED pass={} digest={} first={}", g_pass, cpuid::hex64(pass.digest).text,
              cpuid::hex64(g_first_digest).text);
      return 1;
    }
    if (period_ms == 0) return 0;
    deadline += period_ms * kNsPerMs;
    uint64_t now = time_ns();
    if (deadline < now) deadline = now;
    sleep_until(deadline);
  }
}
