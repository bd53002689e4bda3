// What `tcpbench` sends, so that the receiver can check every byte and the count:
//   16-byte header: "GWBENCH1" then the payload length (u64, little endian);
//   payload: byte i is byte (i % 8) of the little-endian word (i / 8) * kPatternMultiplier.
// A dropped, duplicated or reordered segment, or a stream cut short, shows as a mismatch
// at a known offset. Pure code: the shell commands and the unit tests share it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/expected.h"

namespace godwit::shell::bench {

inline constexpr size_t kHeaderSize = 16;
inline constexpr uint8_t kMagic[8] = {'G', 'W', 'B', 'E', 'N', 'C', 'H', '1'};
inline constexpr uint64_t kPatternMultiplier = 0x9e3779b97f4a7c15;  // odd: no short period

void write_header(std::span<uint8_t, kHeaderSize> out, uint64_t payload_bytes);
// Fills `out` with the payload bytes that start at `offset`.
void fill_pattern(uint64_t offset, std::span<uint8_t> out);

// The sending side: produces header then payload in whatever chunks the socket accepts.
class BenchSource {
 public:
  explicit BenchSource(uint64_t payload_bytes);
  // The next bytes to send, at most out.size(); returns how many it wrote (0 when done).
  size_t next(std::span<uint8_t> out);
  // The caller could only send `sent` of the bytes next() produced: take back the rest.
  void unread(size_t bytes) { position_ -= bytes; }
  bool done() const { return position_ == kHeaderSize + payload_; }
  uint64_t payload_bytes() const { return payload_; }

 private:
  uint64_t payload_;
  uint64_t position_ = 0;  // in the whole stream, header included
};

// The receiving side: checks header and payload as they arrive.
class BenchSink {
 public:
  // kMalformed for a bad header, kChecksum for a pattern mismatch (see mismatch_at()),
  // kRange for bytes beyond the announced length. After an error every call fails.
  Status feed(std::span<const uint8_t> data);
  // True once the whole announced payload arrived intact.
  bool complete() const { return header_done_ && !failed_ && received_ == announced_; }
  uint64_t payload_received() const { return received_; }
  uint64_t payload_announced() const { return announced_; }
  uint64_t mismatch_at() const { return mismatch_at_; }
  bool failed() const { return failed_; }

 private:
  uint8_t header_[kHeaderSize] = {};
  size_t header_bytes_ = 0;
  bool header_done_ = false;
  bool failed_ = false;
  uint64_t announced_ = 0;
  uint64_t received_ = 0;
  uint64_t mismatch_at_ = 0;
};

}  // namespace godwit::shell::bench
