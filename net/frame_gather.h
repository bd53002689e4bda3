// Turning an lwIP pbuf chain into the gather list Nic::transmit takes, without copying
// when the chain is short enough.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

struct pbuf;

namespace godwit::net {

// Fills `pieces` with one span per non-empty pbuf of the chain. Returns how many, or 0
// when the chain has more non-empty pbufs than `pieces` holds (the caller then copies
// it into one buffer) or announces a total length that its pbufs do not add up to.
size_t gather_pbuf_chain(const pbuf* chain, std::span<std::span<const uint8_t>> pieces);

}  // namespace godwit::net
