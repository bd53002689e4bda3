// The one list of shell commands. A subsystem that adds commands declares their
// functions in its own header and gets one line each here.
#include "kernel/shell/command_table.h"

#include "drivers/net/net_commands.h"
#include "kernel/shell/system_commands.h"

namespace godwit {

namespace {

constexpr ShellCommand kCommands[] = {
    {"info", "info", "CPU, virtualization features, memory and uptime", 0, 0, command_info},
    {"mem", "mem", "physical frames and kernel heap in use", 0, 0, command_mem},
    {"halt", "halt [code]", "stop the machine (ends the emulator with the code)", 0, 1, command_halt},
    {"net", "net", "network interface, link and counters", 0, 0, net::command_net},
    {"ping", "ping <ip> [count]", "ICMP echo to another node", 1, 2, net::command_ping},
    {"tcpbench", "tcpbench server [port] | tcpbench <ip> <MiB> [port]", "TCP throughput, every byte checked",
     1, 3, net::command_tcpbench},
};

}  // namespace

std::span<const ShellCommand> shell_commands() { return kCommands; }

}  // namespace godwit
