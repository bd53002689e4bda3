// The one lwIP network interface, over whichever net::Nic the machine has (virtio-net
// under QEMU, e1000 under Bochs). lwIP never sees the driver and the driver never sees
// lwIP: frames cross here, as pbufs on one side and byte spans on the other.
//
// Receive: Nic::poll hands frames to receive(), which checks the length and copies each
// into a pbuf from lwIP's pool; after the driver's poll returns they go to lwIP (so lwIP,
// which may transmit in reply, never runs inside the driver's poll). No pbuf: the frame
// is dropped and counted, and TCP retransmits.
// Transmit: lwIP's linkoutput gathers the pbuf chain into Nic::transmit's piece list. When
// the driver has no descriptor free, the chain is held (by reference, in order) and sent
// on the next poll; lwIP does not retransmit a segment a driver still holds.
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/nic/nic.h"
#include "lib/expected.h"
#include "lwip/netif.h"
#include "net/guest_switch.h"
#include "net/net_config.h"

namespace godwit::net {

struct NetifCounters {
  uint64_t rx_bad_length = 0;          // shorter than an Ethernet header or longer than 1514 bytes
  uint64_t rx_no_pbuf = 0;             // lwIP's pbuf pool was empty
  uint64_t rx_over_budget = 0;         // the driver delivered more frames than it was allowed
  uint64_t tx_held = 0;                // no descriptor free: held and sent on a later poll
  uint64_t tx_dropped = 0;             // held-back queue full, or a frame too long for the NIC
  uint64_t tx_errors = 0;              // the driver refused a frame for another reason
  uint64_t guest_to_link_dropped = 0;  // guest frames for the link while the NIC was busy
  uint64_t guest_to_host_dropped = 0;  // guest frames for lwIP with its queue or pool full
};

class NicNetif final : public FrameReceiver {
 public:
  static constexpr size_t kPollBudget = 32;  // frames per poll: bounds one poll's latency
  static constexpr size_t kMaxPieces = 8;    // longer chains are copied into one buffer
  static constexpr size_t kHeldMax = 160;    // a full TCP send window (128) and then some
  static constexpr uint64_t kLinkCheckNs = 250'000'000;
  static constexpr size_t kFromGuestsMax = 32;  // guest frames for lwIP, per poll

  NicNetif() = default;
  NicNetif(const NicNetif&) = delete;
  NicNetif& operator=(const NicNetif&) = delete;
  ~NicNetif() { stop(); }

  // Adds the interface to lwIP (after lwip_init()), with the config's address, as the
  // default interface, up, with the NIC's link state. kState when already started.
  Status start(Nic& nic, const NetConfig& config);
  // Removes the interface from lwIP and releases held frames.
  void stop();
  // Makes this interface the switch's uplink and host port (after start()).
  void attach_switch(GuestSwitch& guest_switch);
  // A frame a guest transmitted on switch port `port`.
  void from_guest(GuestSwitch::PortId port, std::span<const uint8_t> frame, uint64_t now_ns);

  // Sends held frames, polls the NIC once and hands what it received to lwIP, and
  // re-reads the link state every kLinkCheckNs. Returns whether any frame moved.
  bool poll(uint64_t now_ns);

  bool started() const { return nic_ != nullptr; }
  Nic& nic() const { return *nic_; }
  const NetConfig& config() const { return config_; }
  const NetifCounters& counters() const { return counters_; }
  netif* lwip_netif() { return &netif_; }

 private:
  void receive(std::span<const uint8_t> frame) override;
  // netif_add()'s init function: names the interface and copies the NIC's MAC and MTU.
  static err_t init_callback(netif* self);
  // lwIP's linkoutput hook; forwards to output() of the NicNetif behind `self`.
  static err_t link_output(netif* self, pbuf* chain);
  // Sends the frame now if nothing is held and the NIC has room, else holds it (a pbuf
  // reference) behind the others; ERR_MEM when the hold queue is full, ERR_IF on error.
  err_t output(pbuf* chain);
  // Hands one chain to the NIC as a gather list (through the bounce buffer when it has
  // too many pieces). The NIC's kBusy passes through.
  Status transmit(pbuf* chain);
  // Sends held frames in order until the NIC is busy; true when any left the queue.
  bool send_held();
  // Follows the NIC's link state into lwIP (netif_set_link_up/down).
  void update_link();
  void queue_for_lwip(std::span<const uint8_t> frame, uint64_t& drops);

  netif netif_{};
  Nic* nic_ = nullptr;
  NetConfig config_{};
  NetifCounters counters_{};
  pbuf* received_[kPollBudget] = {};
  size_t received_count_ = 0;
  pbuf* held_[kHeldMax] = {};  // a FIFO: held_head_ is the oldest
  size_t held_head_ = 0, held_count_ = 0;
  uint64_t next_link_check_ns_ = 0;
  GuestSwitch* switch_ = nullptr;
  pbuf* from_guests_[kFromGuestsMax] = {};
  size_t from_guests_count_ = 0;
  uint8_t bounce_[Nic::kMaxFrame] = {};  // for chains longer than kMaxPieces
};

}  // namespace godwit::net
