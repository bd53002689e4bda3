// libFuzzer target for the serial shell: arbitrary bytes typed at the prompt, through
// the line editor (echo, erase, escape sequences), word splitting, `help` and the
// command lookup, into a table of commands shaped like the real ones (kernel/
// command_table.cpp) whose handlers parse their arguments with the same parsers the
// real handlers use. Besides memory safety and UB it checks what the shell promises a
// handler: it runs only with its own name first and an argument count within its
// declared range, every argument a non-empty word without spaces.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kernel/boot/command_line.h"
#include "kernel/shell/shell.h"
#include "lib/parse.h"
#include "net/ipv4_address.h"
#include "tests/fuzz/fuzz_input.h"

using namespace godwit;

namespace {

class CountingSink final : public Sink {
 public:
  void write(std::string_view text) override { bytes += text.size(); }
  size_t bytes = 0;
};

void check_args(ShellArgs args, std::string_view name, size_t min_args, size_t max_args) {
  FUZZ_REQUIRE(!args.empty() && args[0] == name);
  FUZZ_REQUIRE(args.size() - 1 >= min_args && args.size() - 1 <= max_args);
  for (std::string_view word : args) {
    FUZZ_REQUIRE(!word.empty());
    for (char c : word) FUZZ_REQUIRE(c != ' ' && c != '\t' && c != '\r' && c != '\n');
  }
}

void run_halt(Sink& out, ShellArgs args) {
  check_args(args, "halt", 0, 1);
  if (args.size() == 2) {
    if (Expected<uint64_t> status = parse_u64(args[1]); !status) format(out, "halt: bad status\n");
  }
}

void run_new(Sink& out, ShellArgs args) {
  check_args(args, "new", 1, 6);
  // The guest's settings are key=value words, checked as a guest command line.
  char joined[CommandLine::kMaxLength];
  size_t used = 0;
  for (size_t i = 2; i < args.size() && used + args[i].size() + 1 <= sizeof joined; ++i) {
    for (char c : args[i]) joined[used++] = c;
    joined[used++] = ' ';
  }
  Expected<CommandLine> settings = CommandLine::parse(std::string_view(joined, used));
  if (!settings) return format(out, "new: bad settings\n");
  if (auto mem = settings->get("mem")) (void)parse_size(*mem);
  if (auto rate = settings->get("rate")) (void)parse_u64(*rate);
}

void run_migrate(Sink& out, ShellArgs args) {
  check_args(args, "migrate", 2, 3);
  Expected<uint64_t> id = parse_u64(args[1]);
  Expected<net::Ipv4Address> address = net::parse_ipv4(args[2]);
  if (!id || !address) format(out, "migrate: bad arguments\n");
  if (args.size() == 4) {
    if (Expected<uint64_t> port = parse_u64(args[3]); !port || *port == 0 || *port > 0xffff)
      format(out, "migrate: bad port\n");
  }
}

void run_guests(Sink&, ShellArgs args) { check_args(args, "guests", 0, 0); }

void run_net(Sink& out, ShellArgs args) {
  check_args(args, "ping", 1, 2);
  (void)net::parse_ipv4_interface(args[1]);
  if (args.size() == 3) (void)parse_size(args[2]);
  format(out, "{}\n", args[1]);
}

constexpr ShellCommand kCommands[] = {
    {"halt", "halt [status]", "power off", 0, 1, run_halt},
    {"new", "new <image> [key=value ...]", "start a guest", 1, 6, run_new},
    {"migrate", "migrate <id> <a.b.c.d> [port]", "live-migrate a guest", 2, 3, run_migrate},
    {"guests", "guests", "list guests", 0, 0, run_guests},
    {"ping", "ping <a.b.c.d/n> [size]", "ping a node", 1, 2, run_net},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CountingSink out;
  Shell shell(out, kCommands);
  shell.prompt();
  for (size_t i = 0; i < size; ++i) shell.feed(static_cast<char>(data[i]));
  // The same bytes as one line, bypassing the editor (which drops control bytes).
  shell.execute(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
