#include "drivers/e1000/e1000.h"

#include "drivers/e1000/e1000_regs.h"
#include "drivers/nic/frame_copy.h"

namespace godwit::e1000 {

namespace {

// Reset and EEPROM reads finish within microseconds (14.3, 13.4.4); poll every
// microsecond for up to 10 ms so a dead device ends the driver, not the hypervisor.
constexpr unsigned kSpinLimit = 10'000;
constexpr uint64_t kSpinNs = 1'000;

// Where the device finds one ring: its base address, length, head and tail registers.
struct RingRegisters {
  uint32_t base_low, base_high, length, head, tail;
};
constexpr RingRegisters kReceiveRing{reg::kRdbal, reg::kRdbah, reg::kRdlen, reg::kRdh, reg::kRdt};
constexpr RingRegisters kTransmitRing{reg::kTdbal, reg::kTdbah, reg::kTdlen, reg::kTdh, reg::kTdt};

// Allocates DMA memory for `ring` (E1000::kRingSize descriptors) and for its buffers,
// lays the ring out, and points the device's ring registers at it with an empty ring
// (head 0, tail as the ring says). kOutOfMemory without DMA memory.
template <class Ring>
Status setup_ring(Registers& regs, pci::DmaAllocator& dma, Ring& ring, pci::DmaRegion& buffers,
                  const RingRegisters& where) {
  using Descriptor = typename Ring::Descriptor;
  constexpr uint32_t kRingBytes = E1000::kRingSize * sizeof(Descriptor);
  auto descriptors = dma.allocate(kRingBytes);
  auto buffer_memory = dma.allocate(size_t{E1000::kRingSize} * Ring::kBufferBytes);
  if (!descriptors || !buffer_memory) return fail(Error::kOutOfMemory);
  buffers = *buffer_memory;
  auto* first = reinterpret_cast<Descriptor*>(descriptors->cpu);
  if (auto s = ring.init({first, E1000::kRingSize}, buffers.device); !s) return s;
  regs.write(where.base_low, static_cast<uint32_t>(descriptors->device));
  regs.write(where.base_high, static_cast<uint32_t>(descriptors->device >> 32));
  regs.write(where.length, kRingBytes);
  regs.write(where.head, 0);
  regs.write(where.tail, ring.tail());
  return ok();
}

}  // namespace

Status E1000::start(const std::optional<net::MacAddress>& mac_override) {
  if (auto s = reset(); !s) return s;
  if (mac_override) write_mac(*mac_override);
  auto mac = read_mac();
  if (!mac) return mac.failure();
  mac_ = *mac;
  for (uint32_t i = 0; i < kMtaEntries; ++i) regs_.write(reg::kMta + 4 * i, 0);
  if (auto s = setup_receive(); !s) return s;
  return setup_transmit();
}

// 14.3 and 14.4: global reset, interrupts masked (Godwit polls), then link up with
// auto-speed detection and without the reset bits that keep the PHY down.
Status E1000::reset() {
  regs_.write(reg::kImc, ~0u);
  regs_.write(reg::kCtrl, regs_.read(reg::kCtrl) | ctrl::kReset);
  wait_(10'000);  // 14.3: wait at least 1 µs before reading after a reset
  unsigned spins = 0;
  while ((regs_.read(reg::kCtrl) & ctrl::kReset) != 0) {
    if (++spins == kSpinLimit) return fail(Error::kTimeout);
    wait_(kSpinNs);
  }
  regs_.write(reg::kImc, ~0u);
  (void)regs_.read(reg::kIcr);  // clears anything pending
  uint32_t value = regs_.read(reg::kCtrl) | ctrl::kSetLinkUp | ctrl::kAutoSpeed;
  value &= ~(ctrl::kLinkReset | ctrl::kPhyReset | ctrl::kInvertLoss | ctrl::kVlanMode);
  regs_.write(reg::kCtrl, value);
  return ok();
}

// RAL0/RAH0 hold the MAC loaded from the EEPROM at reset (13.5.2); if the address-valid
// bit is clear, read EEPROM words 0..2 through EERD (13.4.4).
Expected<net::MacAddress> E1000::read_mac() {
  net::MacAddress mac;
  uint32_t low = regs_.read(reg::kRal0);
  uint32_t high = regs_.read(reg::kRah0);
  if ((high & kRahAddressValid) != 0) {
    for (unsigned i = 0; i < 4; ++i) mac.bytes[i] = static_cast<uint8_t>(low >> (8 * i));
    mac.bytes[4] = static_cast<uint8_t>(high);
    mac.bytes[5] = static_cast<uint8_t>(high >> 8);
    return mac;
  }
  for (uint32_t word = 0; word < 3; ++word) {
    auto data = read_eeprom(word);
    if (!data) return data.failure();
    size_t at = size_t{word} * 2;
    mac.bytes[at] = static_cast<uint8_t>(*data);
    mac.bytes[at + 1] = static_cast<uint8_t>(*data >> 8);
  }
  write_mac(mac);  // the receive filter matches RAL0/RAH0, so it must hold the address
  return mac;
}

Expected<uint16_t> E1000::read_eeprom(uint32_t word) {
  regs_.write(reg::kEerd, eerd::kStart | (word << eerd::kAddressShift));
  for (unsigned spins = 0; spins < kSpinLimit; ++spins) {
    uint32_t value = regs_.read(reg::kEerd);
    if ((value & eerd::kDone) != 0) return static_cast<uint16_t>(value >> eerd::kDataShift);
    wait_(kSpinNs);
  }
  return fail(Error::kTimeout);
}

void E1000::write_mac(const net::MacAddress& mac) {
  const uint8_t* b = mac.bytes;
  regs_.write(reg::kRal0,
              uint32_t{b[0]} | (uint32_t{b[1]} << 8) | (uint32_t{b[2]} << 16) | (uint32_t{b[3]} << 24));
  regs_.write(reg::kRah0, uint32_t{b[4]} | (uint32_t{b[5]} << 8) | kRahAddressValid);
}

// 14.4: receive ring, broadcast accepted, 2048-byte buffers, CRC stripped.
Status E1000::setup_receive() {
  if (auto s = setup_ring(regs_, dma_, rx_, rx_buffers_, kReceiveRing); !s) return s;
  // Unicast promiscuous: frames for the guests' MACs reach the node's switch, which
  // drops foreign unicast itself (decision 0012; 16 guests would not fit the 15 spare
  // receive-address registers).
  regs_.write(reg::kRctl, rctl::kEnable | rctl::kUnicastPromiscuous | rctl::kBroadcastAccept |
                              rctl::kBufferSize2048 | rctl::kStripCrc);
  return ok();
}

// 14.5: transmit ring, short frames padded, full-duplex collision distance.
Status E1000::setup_transmit() {
  if (auto s = setup_ring(regs_, dma_, tx_, tx_buffers_, kTransmitRing); !s) return s;
  regs_.write(reg::kTctl,
              tctl::kEnable | tctl::kPadShort | tctl::kCollisionThreshold | tctl::kCollisionDistance);
  regs_.write(reg::kTipg, kTipgCopper);
  return ok();
}

bool E1000::link_up() { return (regs_.read(reg::kStatus) & kStatusLinkUp) != 0; }

Status E1000::transmit(std::span<const std::span<const uint8_t>> pieces) {
  tx_.reclaim();
  auto index = tx_.next_free();
  if (!index) {
    ++counters_.tx_dropped;
    return fail(Error::kBusy);
  }
  uint8_t* buffer = tx_buffers_.cpu + size_t{*index} * TxRing::kBufferBytes;
  auto length = net::gather_frame({buffer, TxRing::kBufferBytes}, pieces);
  if (!length) return length.failure();
  auto tail = tx_.add(static_cast<uint16_t>(*length));
  if (!tail) return tail.failure();
  regs_.write(reg::kTdt, *tail);
  ++counters_.tx_frames;
  counters_.tx_bytes += *length;
  return ok();
}

void E1000::update_drop_counters() {
  missed_ += regs_.read(reg::kMpc);
  counters_.rx_dropped = rx_.drops().total() + missed_;
  counters_.errors = rx_.drops().bad_length;
}

size_t E1000::poll(net::FrameReceiver& receiver, size_t budget) {
  tx_.reclaim();
  size_t delivered = 0;
  uint32_t tail = rx_.tail();
  while (delivered < budget) {
    auto frame = rx_.next();
    if (!frame) break;
    const uint8_t* buffer = rx_buffers_.cpu + size_t{frame->index} * RxRing::kBufferBytes;
    ++counters_.rx_frames;
    counters_.rx_bytes += frame->length;
    receiver.receive({buffer, frame->length});
    rx_.release(*frame);
    ++delivered;
  }
  if (rx_.tail() != tail) regs_.write(reg::kRdt, rx_.tail());
  update_drop_counters();
  return delivered;
}

}  // namespace godwit::e1000
