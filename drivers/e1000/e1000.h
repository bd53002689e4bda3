// The Intel 82540EM driver (8254x SDM ch. 14, initialization) as Bochs and QEMU emulate
// it: one receive and one transmit ring of legacy descriptors, polled with every
// interrupt masked. Pure: registers and DMA memory are handed in (e1000_pci.h finds and
// maps the device in the image), so the set-up sequence and the poll loop are tested.
#pragma once

#include <optional>

#include "drivers/e1000/registers.h"
#include "drivers/e1000/rx_ring.h"
#include "drivers/e1000/tx_ring.h"
#include "drivers/nic/nic.h"
#include "drivers/pci/dma.h"

namespace godwit::e1000 {

class E1000 final : public net::Nic {
 public:
  static constexpr uint32_t kRingSize = 256;
  using WaitNs = void (*)(uint64_t nanoseconds);

  E1000(Registers& registers, pci::DmaAllocator& dma, WaitNs wait)
      : regs_(registers), dma_(dma), wait_(wait) {}

  // Resets and brings the device up; `mac_override` is written to RAL0/RAH0. kTimeout
  // when reset or an EEPROM read does not finish, kOutOfMemory without DMA memory.
  Status start(const std::optional<net::MacAddress>& mac_override);

  std::string_view name() const override { return "e1000"; }
  net::MacAddress mac() const override { return mac_; }
  bool link_up() override;
  Status transmit(std::span<const std::span<const uint8_t>> pieces) override;
  size_t poll(net::FrameReceiver& receiver, size_t budget) override;
  const net::NicCounters& counters() const override { return counters_; }

 private:
  Status reset();
  Expected<net::MacAddress> read_mac();
  // One 16-bit EEPROM word through EERD (13.4.4); kTimeout when DONE never comes.
  Expected<uint16_t> read_eeprom(uint32_t word);
  // Puts `mac` in RAL0/RAH0 with address-valid set: the receive filter matches on it.
  void write_mac(const net::MacAddress& mac);
  Status setup_receive();
  Status setup_transmit();
  // Adds the device's missed-packet count (MPC, cleared on read) and the receive ring's
  // drops into counters_.
  void update_drop_counters();

  Registers& regs_;
  pci::DmaAllocator& dma_;
  WaitNs wait_;
  RxRing rx_;
  TxRing tx_;
  pci::DmaRegion rx_buffers_;
  pci::DmaRegion tx_buffers_;
  net::MacAddress mac_;
  net::NicCounters counters_;
  uint64_t missed_ = 0;  // MPC: frames the device dropped for want of a receive buffer
};

}  // namespace godwit::e1000
