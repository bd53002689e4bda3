#include "net/net.h"
#include "net/nic_netif.h"

#include "arch/x86/cpu/intrinsics.h"
#include "drivers/nic/find_nic.h"
#include "drivers/nic/mac_address.h"
#include "kernel/console/event.h"
#include "kernel/console/log.h"
#include "kernel/panic.h"
#include "kernel/time/clock.h"
#include "lwip/init.h"
#include "lwip/timeouts.h"
#include "net/lwip_port.h"

namespace godwit::net {

namespace {

NicNetif* the_interface = nullptr;
GuestSwitch the_switch;

// Initial sequence numbers and ports need only be unpredictable to a casual peer: the
// TSC's low bits, scrambled (a 32-bit finalizer from MurmurHash3).
uint32_t tsc_random() {
  uint64_t t = x86::rdtsc();
  auto h = static_cast<uint32_t>(t ^ (t >> 29));
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  return h ^ (h >> 16);
}

[[noreturn]] void lwip_fatal(std::string_view message, std::string_view file, int line) {
  FixedString<200> text;
  format(text, "lwIP assertion failed: {} ({}:{})", message, file, line);
  panic(text.view());
}

constexpr LwipPort kKernelPort = {
    clock::now_ns,
    tsc_random,
    [](std::string_view line) { log::info("lwip: {}", line); },
    lwip_fatal,
};

void announce(const NicNetif& netif) {
  const NetConfig& config = netif.config();
  FixedString<20> ip;
  format_ipv4(ip.sink(), config.interface.address);
  FixedString<20> mac;
  format_mac(mac.sink(), netif.nic().mac());
  bool link = netif.nic().link_up();
  log::info("net: {} up as {}/{}, MAC {}, link {}", netif.nic().name(), ip.view(), config.interface.prefix,
            mac.view(), link ? "up" : "down");
  Event event("net");
  event->field("driver", netif.nic().name())
      .field("ip", ip.view())
      .field("prefix", config.interface.prefix)
      .field("mac", mac.view())
      .field("link", link);
}

}  // namespace

Status init(const CommandLine& line) {
  FixedString<200> why;
  auto config = parse_net_config(line, why.sink());
  if (!config) {
    log::error("net: {}; networking is off", why.view());
    return config.failure();
  }
  if (!config->has_value()) {
    log::info("net: off (no ip= on the command line)");
    return ok();
  }
  auto nic = find_nic((*config)->mac_override);
  if (!nic) {
    log::error("net: no usable NIC ({}); networking is off", nic.error());
    return nic.failure();
  }
  install_lwip_port(kKernelPort);
  lwip_init();
  auto* netif = new NicNetif();
  if (auto started = netif->start(**nic, **config); !started) {
    log::error("net: lwIP refused the interface ({})", started.error());
    delete netif;
    return started;
  }
  the_interface = netif;
  netif->attach_switch(the_switch);
  announce(*netif);
  return ok();
}

bool poll() {
  if (the_interface == nullptr) return false;
  bool moved = the_interface->poll(clock::now_ns());
  sys_check_timeouts();
  return moved;
}

NicNetif* interface() { return the_interface; }

GuestSwitch& guest_switch() { return the_switch; }

MacAddress node_mac() { return the_interface != nullptr ? the_interface->nic().mac() : MacAddress{}; }

void from_guest(GuestSwitch::PortId port, std::span<const uint8_t> frame) {
  uint64_t now = clock::now_ns();
  if (the_interface != nullptr) {
    the_interface->from_guest(port, frame, now);
  } else {
    (void)the_switch.from_guest(port, frame, now);  // only other guests to reach
  }
}

}  // namespace godwit::net
