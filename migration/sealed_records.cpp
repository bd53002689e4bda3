#include "migration/sealed_records.h"

#include <cstring>

namespace godwit::migration {

RecordEnd record_end_of(uint32_t type) {
  switch (static_cast<RecordType>(type)) {
    case RecordType::kCommit:
    case RecordType::kCommitted:
    case RecordType::kNack: return RecordEnd::kLast;
    default: return RecordEnd::kMore;
  }
}

size_t seal_record(std::span<uint8_t> out, size_t record_bytes, RecordSealer& sealer) {
  if (record_bytes < sizeof(RecordHeader) || out.size() < record_bytes + kRecordTagSize) return 0;
  RecordHeader header{};
  std::memcpy(&header, out.data(), sizeof(header));
  if (record_size(header.length) != record_bytes) return 0;
  auto head = out.first(sizeof(RecordHeader));
  auto body = out.subspan(sizeof(RecordHeader), header.length);
  Expected<Poly1305Tag> tag = sealer.seal(head, body, record_end_of(header.type));
  if (!tag) return 0;
  std::memcpy(out.data() + record_bytes, tag->bytes, kRecordTagSize);
  return record_bytes + kRecordTagSize;
}

}  // namespace godwit::migration
