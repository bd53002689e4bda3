#include "drivers/nic/frame_copy.h"

#include "drivers/nic/nic.h"

namespace godwit::net {

FrameCheck check_frame_length(size_t length) {
  if (length < Nic::kMinFrame) return FrameCheck::kRunt;
  if (length > Nic::kMaxFrame) return FrameCheck::kOversized;
  return FrameCheck::kOk;
}

Expected<size_t> gather_frame(std::span<uint8_t> out, std::span<const std::span<const uint8_t>> pieces) {
  size_t total = 0;
  for (const auto& piece : pieces) total += piece.size();
  if (total < Nic::kMinFrame || total > Nic::kMaxFrame || total > out.size())
    return fail(Error::kInvalidArgument);
  size_t at = 0;
  for (const auto& piece : pieces) {
    for (uint8_t byte : piece) out[at++] = byte;
  }
  return total;
}

}  // namespace godwit::net
