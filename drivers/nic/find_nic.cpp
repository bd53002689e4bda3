#include "drivers/nic/find_nic.h"

#include "drivers/e1000/e1000_pci.h"
#include "drivers/nic/mac_address.h"
#include "drivers/pci/enumerate.h"
#include "drivers/pci/port_config_space.h"
#include "drivers/virtio_net/virtio_net.h"
#include "kernel/console/log.h"

namespace godwit::net {

namespace {

constexpr size_t kMaxFunctions = 64;

enum class Driver { kNone, kVirtioNet, kE1000 };

Driver driver_for(const pci::PciFunction& f) {
  if (f.vendor == 0x1af4 && (f.device == 0x1041 || f.device == 0x1000)) return Driver::kVirtioNet;
  if (f.vendor == 0x8086 && f.device == 0x100e) return Driver::kE1000;
  return Driver::kNone;
}

Expected<Nic*> start(Driver driver, pci::PciAddress at, const std::optional<MacAddress>& mac_override) {
  pci::ConfigSpace& config = pci::port_config_space();
  if (driver == Driver::kVirtioNet) {
    auto nic = virtio_net::VirtioNet::create(config, at, mac_override);
    if (!nic) return nic.failure();
    return static_cast<Nic*>(*nic);
  }
  auto nic = e1000::create(config, at, mac_override);
  if (!nic) return nic.failure();
  return static_cast<Nic*>(*nic);
}

void log_found(Nic& nic, const pci::PciFunction& f) {
  FixedString<24> address;
  pci::format_address(address.sink(), f.address);
  FixedString<24> mac;
  format_mac(mac.sink(), nic.mac());
  log::info("net: {} ({:04x}:{:04x}) at {}, MAC {}, link {}", nic.name(), f.vendor, f.device, address.view(),
            mac.view(), nic.link_up() ? "up" : "down");
}

}  // namespace

Expected<Nic*> find_nic(const std::optional<MacAddress>& mac_override) {
  pci::PciFunction functions[kMaxFunctions];
  size_t count = pci::enumerate(pci::port_config_space(), functions);
  if (count > kMaxFunctions) {
    log::warn("pci: {} functions found, only the first {} considered", count, kMaxFunctions);
    count = kMaxFunctions;
  }
  for (size_t i = 0; i < count; ++i) {
    Driver driver = driver_for(functions[i]);
    if (driver == Driver::kNone) continue;
    auto nic = start(driver, functions[i].address, mac_override);
    if (!nic) {
      FixedString<24> address;
      pci::format_address(address.sink(), functions[i].address);
      log::error("net: NIC {:04x}:{:04x} at {} failed to start: {}", functions[i].vendor, functions[i].device,
                 address.view(), nic.error());
      return nic;
    }
    log_found(**nic, functions[i]);
    return nic;
  }
  log::info("net: no supported NIC (virtio-net 1af4:1041/1000, e1000 8086:100e) among {} PCI functions",
            count);
  return fail(Error::kNotFound);
}

}  // namespace godwit::net
