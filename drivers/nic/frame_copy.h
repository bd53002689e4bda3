// The frame checks both NIC drivers share: received lengths against Nic::kMinFrame and
// Nic::kMaxFrame, and gathering a transmit frame's pieces into one DMA buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/expected.h"

namespace godwit::net {

enum class FrameCheck : uint8_t { kOk, kRunt, kOversized };

// Whether a received frame of `length` bytes (no FCS) may go up to the stack.
FrameCheck check_frame_length(size_t length);

// Copies `pieces` one after the other into `out` and returns the frame length.
// kInvalidArgument when the total is below Nic::kMinFrame, above Nic::kMaxFrame or
// above out.size().
Expected<size_t> gather_frame(std::span<uint8_t> out, std::span<const std::span<const uint8_t>> pieces);

}  // namespace godwit::net
