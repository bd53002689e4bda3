// The Intel 82540EM driver (8254x SDM ch. 14, initialization) as emulated by Bochs and
// QEMU: MMIO BAR0, one receive and one transmit ring of legacy descriptors, polled with
// every interrupt masked. Image only; the ring bookkeeping is pure (rx_ring, tx_ring).
#pragma once

#include <optional>

#include "drivers/e1000/rx_ring.h"
#include "drivers/e1000/tx_ring.h"
#include "drivers/net/nic.h"
#include "drivers/pci/config_space.h"

namespace godwit::e1000 {

class E1000 final : public net::Nic {
 public:
  // Resets and brings up the device at `at`; `mac_override` is written to RAL0/RAH0.
  // The driver lives as long as the hypervisor.
  static Expected<E1000*> create(pci::ConfigSpace& config, pci::PciAddress at,
                                 const std::optional<net::MacAddress>& mac_override);

  std::string_view name() const override { return "e1000"; }
  net::MacAddress mac() const override { return mac_; }
  bool link_up() override;
  Status transmit(std::span<const std::span<const uint8_t>> pieces) override;
  size_t poll(net::FrameReceiver& receiver, size_t budget) override;
  const net::NicCounters& counters() const override { return counters_; }

 private:
  static constexpr uint32_t kRingSize = 256;

  E1000() = default;
  Status start(pci::ConfigSpace& config, pci::PciAddress at,
               const std::optional<net::MacAddress>& mac_override);
  Status reset();
  Expected<net::MacAddress> read_mac();
  Expected<uint16_t> read_eeprom(uint32_t word);
  void write_mac(const net::MacAddress& mac);
  Status setup_receive();
  Status setup_transmit();
  void update_drop_counters();
  uint32_t read(uint32_t offset) const;
  void write(uint32_t offset, uint32_t value);

  uint64_t mmio_ = 0;
  RxRing rx_;
  TxRing tx_;
  uint8_t* rx_buffers_ = nullptr;
  uint8_t* tx_buffers_ = nullptr;
  net::MacAddress mac_;
  net::NicCounters counters_;
  uint64_t missed_ = 0;  // MPC: frames the device dropped for want of a receive buffer
};

}  // namespace godwit::e1000
