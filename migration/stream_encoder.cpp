#include "migration/stream_encoder.h"

#include "migration/memory_digest.h"
#include "migration/word_hash.h"

namespace godwit::migration {

uint64_t record_checksum(uint32_t type, uint32_t length, std::span<const uint8_t> padded_body) {
  WordHash64 hash(kRecordChecksumSeed);
  hash.add_word(uint64_t{type} | (uint64_t{length} << 32));
  hash.add(padded_body);
  return hash.finish();
}

namespace {

// Pads the body that already sits at out[16 ..] and writes the header in front of it.
size_t finish_record(std::span<uint8_t> out, RecordType type, size_t length, Framing framing) {
  size_t body_end = sizeof(RecordHeader) + length;
  size_t total = record_size(length);
  std::memset(out.data() + body_end, 0, total - body_end);
  RecordHeader header{static_cast<uint32_t>(type), static_cast<uint32_t>(length), 0};
  if (framing == Framing::kChecksummed) {
    header.checksum =
        record_checksum(header.type, header.length, out.subspan(sizeof(RecordHeader), padded(length)));
  }
  std::memcpy(out.data(), &header, sizeof(header));
  return total;
}

}  // namespace

size_t encode_record(std::span<uint8_t> out, RecordType type, std::span<const uint8_t> body,
                     Framing framing) {
  if (body.size() > kMaxRecordBody || out.size() < record_size(body.size())) return 0;
  if (!body.empty()) std::memcpy(out.data() + sizeof(RecordHeader), body.data(), body.size());
  return finish_record(out, type, body.size(), framing);
}

bool page_is_zero(const uint8_t* page) {
  for (size_t offset = 0; offset < kPageSize; offset += 8) {
    uint64_t word;
    __builtin_memcpy(&word, page + offset, 8);  // one load, even under -ffreestanding
    if (word != 0) return false;
  }
  return true;
}

bool PageBatchEncoder::add_page(uint64_t gfn, const uint8_t* page_data, uint64_t& data_hash) {
  bool zero = page_is_zero(page_data);
  if (zero) data_hash = kZeroPageDataHash;
  if (zero && last_was_zero_ && gfn == next_zero_gfn_) {
    PageEntry entry{};
    std::memcpy(&entry, out_.data() + last_entry_, sizeof(entry));
    if (entry.pages != UINT32_MAX) {  // extend the run: no new bytes on the wire
      ++entry.pages;
      std::memcpy(out_.data() + last_entry_, &entry, sizeof(entry));
      ++next_zero_gfn_, ++pages_, ++zero_pages_;
      return true;
    }
  }
  size_t need = sizeof(PageEntry) + (zero ? 0 : kPageSize);
  if (entries_ == kMaxBatchEntries || used_ + need > out_.size()) return false;
  PageEntry entry{gfn, zero ? kPageZero : 0, 1};
  std::memcpy(out_.data() + used_, &entry, sizeof(entry));
  last_entry_ = used_;
  used_ += sizeof(entry);
  if (!zero) {
    data_hash = copy_page_and_hash(out_.data() + used_, page_data);
    used_ += kPageSize;
  }
  last_was_zero_ = zero;
  next_zero_gfn_ = gfn + 1;
  ++entries_, ++pages_;
  if (zero) ++zero_pages_;
  return true;
}

size_t PageBatchEncoder::finish() {
  if (entries_ == 0) return 0;
  PageBatchHeader batch{entries_, pages_};
  std::memcpy(out_.data() + sizeof(RecordHeader), &batch, sizeof(batch));
  // Every entry and page is a multiple of 8 bytes, so the body needs no padding.
  return finish_record(out_, RecordType::kPageBatch, used_ - sizeof(RecordHeader), framing_);
}

}  // namespace godwit::migration
