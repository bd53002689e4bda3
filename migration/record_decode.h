// Decoding the body of each record type into its typed structure, checking every
// field a peer controls (docs/migration-stream.md, section 3). Each decode_* either
// fills `out` or returns the fault; framing (length, checksum) was already checked by
// RecordReader. Limits of what this node accepts are here too.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

#include "migration/record_reader.h"
#include "migration/stream_error.h"
#include "migration/stream_format.h"

namespace godwit::migration {

// Shared by the record decoders (record_decode.cpp, postcopy_decode.cpp).
namespace decode_detail {

// A fault at `raw`'s place in the stream.
inline StreamFault at(const RawRecord& raw, StreamError code, uint64_t value = 0, uint64_t limit = 0) {
  return StreamFault{code, raw.type, raw.offset, value, limit};
}

template <class T>
void copy_body(const RawRecord& raw, T& out) {
  std::memcpy(&out, raw.body.data(), sizeof(T));  // RecordReader checked the exact length
}

}  // namespace decode_detail

inline constexpr uint32_t kMaxVcpus = 1;  // version 1 moves single-vCPU guests
// ROUND records one stream may carry: `migrate --max-rounds` allows 1000 pre-copy rounds,
// plus the final one (issue 15, finding 6: the work a stream can cause is bounded).
inline constexpr uint32_t kMaxRounds = 1024;

[[nodiscard]] StreamFault decode_challenge(const RawRecord& raw, ChallengeRecord& out);
[[nodiscard]] StreamFault decode_header(const RawRecord& raw, HeaderRecord& out);
[[nodiscard]] StreamFault decode_cpuid(const RawRecord& raw, CpuidRecord& out);
[[nodiscard]] StreamFault decode_vcpu_state(const RawRecord& raw, uint32_t vcpu_count, VcpuStateRecord& out);
[[nodiscard]] StreamFault decode_device_state(const RawRecord& raw, DeviceState& out);
[[nodiscard]] StreamFault decode_end(const RawRecord& raw, EndRecord& out);
// HELLO: magic, major version, a known protection mode, reserved zero.
[[nodiscard]] StreamFault decode_hello(const RawRecord& raw, HelloRecord& out);
// VERIFIED, COMMIT, COMMITTED: only the form; whether they name this session's image is
// the state machines' check against their own END values.
[[nodiscard]] StreamFault decode_commit(const RawRecord& raw, CommitRecord& out);
[[nodiscard]] StreamFault decode_nack(const RawRecord& raw, NackRecord& out);
[[nodiscard]] StreamFault decode_round(const RawRecord& raw, RoundRecord& out);
[[nodiscard]] StreamFault decode_verify(const RawRecord& raw, VerifyRecord& out);
// The form of a NET_DEVICE record: unicast MAC, not all zero; prefix 1..32; state_size;
// reserved zero. The device state inside is the VM layer's to check.
[[nodiscard]] StreamFault decode_net_device(const RawRecord& raw, NetDeviceRecord& out);

// One entry of a validated batch: `pages` pages from `gfn`; `data` is the page's 4096
// bytes for a data entry, empty for a zero run.
struct PageRun {
  uint64_t gfn;
  uint32_t pages;
  std::span<const uint8_t> data;
};

// A PAGE_BATCH body checked as a whole (every entry, every gfn, the exact length)
// before any page is used, so a bad batch changes nothing.
class PageBatchView {
 public:
  [[nodiscard]] StreamFault decode(const RawRecord& raw, uint64_t guest_pages);

  uint32_t entry_count() const { return header_.entry_count; }
  uint32_t page_count() const { return header_.page_count; }
  // Calls visit(const PageRun&) for each entry, in stream order.
  template <class Visit>
  void for_each(Visit&& visit) const;

 private:
  std::span<const uint8_t> body_;
  PageBatchHeader header_ = {};
};

template <class Visit>
void PageBatchView::for_each(Visit&& visit) const {
  size_t at = sizeof(PageBatchHeader);
  for (uint32_t i = 0; i < header_.entry_count; ++i) {
    PageEntry entry{};
    __builtin_memcpy(&entry, body_.data() + at, sizeof(entry));
    at += sizeof(entry);
    PageRun run{entry.gfn, entry.pages, {}};
    if ((entry.flags & kPageZero) == 0) {
      run.data = body_.subspan(at, kPageSize);
      at += kPageSize;
    }
    visit(run);
  }
}

}  // namespace godwit::migration
