#include "kernel/shell/bench_stream.h"

#include <cstring>

namespace godwit::shell::bench {

namespace {

uint8_t pattern_byte(uint64_t offset) {
  uint64_t word = (offset / 8) * kPatternMultiplier;
  return static_cast<uint8_t>(word >> (8 * (offset % 8)));
}

}  // namespace

void write_header(std::span<uint8_t, kHeaderSize> out, uint64_t payload_bytes) {
  std::memcpy(out.data(), kMagic, sizeof kMagic);
  for (size_t i = 0; i < 8; ++i) out[8 + i] = static_cast<uint8_t>(payload_bytes >> (8 * i));
}

void fill_pattern(uint64_t offset, std::span<uint8_t> out) {
  size_t i = 0;
  // Byte by byte up to a word boundary, then whole words (one multiply per 8 bytes: the
  // emulated CPU is slow enough for this to show in tcpbench).
  for (; i < out.size() && (offset + i) % 8 != 0; ++i) out[i] = pattern_byte(offset + i);
  for (; i + 8 <= out.size(); i += 8) {
    uint64_t word = ((offset + i) / 8) * kPatternMultiplier;
    std::memcpy(out.data() + i, &word, 8);
  }
  for (; i < out.size(); ++i) out[i] = pattern_byte(offset + i);
}

BenchSource::BenchSource(uint64_t payload_bytes) : payload_(payload_bytes) {}

size_t BenchSource::next(std::span<uint8_t> out) {
  size_t written = 0;
  if (position_ < kHeaderSize) {
    uint8_t header[kHeaderSize];
    write_header(header, payload_);
    while (written < out.size() && position_ < kHeaderSize) out[written++] = header[position_++];
  }
  uint64_t left = kHeaderSize + payload_ - position_;
  size_t chunk = static_cast<size_t>(left < out.size() - written ? left : out.size() - written);
  fill_pattern(position_ - kHeaderSize, out.subspan(written, chunk));
  position_ += chunk;
  return written + chunk;
}

Status BenchSink::feed(std::span<const uint8_t> data) {
  if (failed_) return fail(Error::kState);
  while (!header_done_ && !data.empty()) {
    header_[header_bytes_++] = data[0];
    data = data.subspan(1);
    if (header_bytes_ == kHeaderSize) {
      if (std::memcmp(header_, kMagic, sizeof kMagic) != 0) {
        failed_ = true;
        return fail(Error::kMalformed);
      }
      for (size_t i = 0; i < 8; ++i) announced_ |= uint64_t{header_[8 + i]} << (8 * i);
      header_done_ = true;
    }
  }
  if (data.size() > announced_ - received_) {
    failed_ = true;
    mismatch_at_ = announced_;
    return fail(Error::kRange);
  }
  uint8_t expected[256];
  for (size_t done = 0; done < data.size();) {
    size_t chunk = data.size() - done < sizeof expected ? data.size() - done : sizeof expected;
    fill_pattern(received_, {expected, chunk});
    for (size_t i = 0; i < chunk; ++i) {
      if (data[done + i] != expected[i]) {
        failed_ = true;
        mismatch_at_ = received_ + i;
        return fail(Error::kChecksum);
      }
    }
    received_ += chunk;
    done += chunk;
  }
  return ok();
}

}  // namespace godwit::shell::bench
