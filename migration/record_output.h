// One encoded record (or a few) waiting to go out through a ByteChannel whose send
// window may take it a piece at a time: encode into space(), queue(), then push()
// until idle() again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "migration/migration_ports.h"

namespace godwit::migration {

class RecordOutput {
 public:
  explicit RecordOutput(std::span<uint8_t> buffer) : buffer_(buffer) {}

  bool idle() const { return sent_ == queued_; }
  // Free room after what is queued (all of the buffer when idle).
  std::span<uint8_t> space() { return buffer_.subspan(queued_); }
  void queue(size_t bytes) { queued_ += bytes; }

  // Writes as much as the channel takes; returns the bytes accepted by this call, or
  // the channel's error.
  Expected<size_t> push(ByteChannel& channel) {
    size_t accepted_now = 0;
    while (!idle()) {
      Expected<size_t> accepted = channel.write(buffer_.subspan(sent_, queued_ - sent_));
      if (!accepted) return accepted.failure();
      if (*accepted == 0) break;
      if (*accepted > queued_ - sent_) return fail(Error::kIo);  // a broken channel
      sent_ += *accepted;
      accepted_now += *accepted;
    }
    if (idle()) sent_ = queued_ = 0;
    return accepted_now;
  }

 private:
  std::span<uint8_t> buffer_;
  size_t sent_ = 0;
  size_t queued_ = 0;
};

}  // namespace godwit::migration
