// The one list of shell commands. A subsystem that adds commands declares their
// functions in its own header and gets one line each here.
#include "kernel/command_table.h"

#include "kernel/shell/migrate_command.h"
#include "kernel/shell/net_commands.h"
#include "kernel/shell/system_commands.h"
#include "kernel/shell/vm_commands.h"

namespace godwit {

namespace {

constexpr ShellCommand kCommands[] = {
    {"info", "info", "CPU, virtualization features, memory and uptime", 0, 0, shell::command_info},
    {"mem", "mem", "physical frames and kernel heap in use", 0, 0, shell::command_mem},
    {"halt", "halt [code]", "stop the machine (ends the emulator with the code)", 0, 1, shell::command_halt},
    {"guests", "guests", "list guests: state, memory, exits, CPU time", 0, 0, shell::command_guests},
    {"new", "new <image> [mem=16M] [key=value ...]", "start a guest from a loaded image", 1, 10,
     shell::command_new},
    {"stop", "stop <id>", "pause a guest", 1, 1, shell::command_stop},
    {"start", "start <id>", "resume a stopped guest", 1, 1, shell::command_start},
    {"kill", "kill <id>", "end a guest", 1, 1, shell::command_kill},
    {"dirtylog", "dirtylog <id> <window> [<gpa> <size>]", "count the distinct pages a guest writes", 2, 4,
     shell::command_dirtylog},
    {"dirtyrate", "dirtyrate <id> [on|off]", "a guest's logged dirty rate; turn its logging on or off", 1, 2,
     shell::command_dirtyrate},
    {"tracking", "tracking [pml|write-protect]", "how dirty pages are tracked (PML or write protection)", 0,
     1, shell::command_tracking},
    {"migrate",
     "migrate <id> <ip>[:port] [--mode stop-and-copy|pre-copy|post-copy|hybrid] [--downtime-ms N] "
     "[--max-rounds N] [--verify] [--protect integrity|encrypted] [--when-quiet P [--for S] [--give-up S]]",
     "live-migrate a guest to another node (--when-quiet: once it dirties under P pages/s for S s); "
     "'migrate recover|abandon <id>': continue or give up a split post-copy migration",
     2, 17, shell::command_migrate},
    {"settle", "settle <id> resume|discard", "end the wait of a guest whose migration is unsettled", 2, 2,
     shell::command_settle},
    {"net", "net", "network interface, link and counters", 0, 0, shell::command_net},
    {"switch", "switch", "the guest switch's ports: frames forwarded, dropped as spoofed, over the rate", 0,
     0, shell::command_switch},
    {"ping", "ping <ip> [count]", "ICMP echo to another node", 1, 2, shell::command_ping},
    {"tcpbench", "tcpbench server [port] | tcpbench <ip> <MiB> [port]", "TCP throughput, every byte checked",
     1, 3, shell::command_tcpbench},
    {"cryptobench", "cryptobench [MiB] [rounds]", "CPU cost of each migration record protection mode", 0, 2,
     shell::command_cryptobench},
};

}  // namespace

std::span<const ShellCommand> shell_commands() { return kCommands; }

}  // namespace godwit
