// The shell's network commands (one line each in kernel/command_table.cpp).
//   net                          interface, link and counters
//   ping <ip> [count]            ICMP echo, one line per reply and a summary
//   switch                       the guest switch's ports: forwarded and dropped frames
//   tcpbench server [port]       receive and check bench streams in the background
//   tcpbench <ip> <MiB> [port]   send one and report the throughput
#pragma once

#include "kernel/shell/shell.h"

namespace godwit::shell {

void command_net(Sink& out, ShellArgs args);
void command_ping(Sink& out, ShellArgs args);
void command_switch(Sink& out, ShellArgs args);  // kernel/shell/switch_command.cpp
void command_tcpbench(Sink& out, ShellArgs args);

}  // namespace godwit::shell
