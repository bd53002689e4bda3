// Test helpers: builds migration streams record by record and decodes them in chunks.
#pragma once

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "godwit/abi.h"
#include "migration/stream_decoder.h"
#include "migration/stream_encoder.h"

namespace godwit::migration::testing {

inline HeaderRecord make_header(uint64_t memory_bytes) {
  HeaderRecord header{};
  header.magic = kStreamMagic;
  header.version_major = kStreamVersionMajor;
  header.version_minor = kStreamVersionMinor;
  header.page_size = kPageSize;
  header.memory_bytes = memory_bytes;
  header.vcpu_count = 1;
  header.backend_features = kFeatureGuestCpuid;
  header.vcpu_state_size = sizeof(x86::VcpuState);
  header.device_state_size = sizeof(DeviceState);
  std::strcpy(header.backend_name, "AMD-V");
  std::strcpy(header.guest_name, "counter");
  std::strcpy(header.command_line, "rate=10");
  return header;
}

// A small CPUID record of the right form (two leaves).
inline CpuidRecord make_cpuid() {
  CpuidRecord cpuid{};
  cpuid.model = 1;
  cpuid.count = 2;
  cpuid.entries[0] = {0, 0, 1, 0x11, 0x22, 0x33};
  cpuid.entries[1] = {1, 0, 0x611, 0x800, 0x8000'2001, 0x0780'A149};
  return cpuid;
}

class StreamBuilder {
 public:
  std::vector<uint8_t> bytes;

  void raw(RecordType type, const std::vector<uint8_t>& body) {
    std::vector<uint8_t> out(record_size(body.size()));
    size_t n = encode_record(out, type, std::span<const uint8_t>(body));
    out.resize(n);
    bytes.insert(bytes.end(), out.begin(), out.end());
  }
  template <class T>
  void record(RecordType type, const T& body) {
    std::vector<uint8_t> data(sizeof(T));
    std::memcpy(data.data(), &body, sizeof(T));
    raw(type, data);
  }
  // One batch holding `pages` (gfn, page data or nullptr for zero).
  void batch(const std::vector<std::pair<uint64_t, const uint8_t*>>& pages) {
    std::vector<uint8_t> out(record_size(kMaxRecordBody));
    PageBatchEncoder encoder(out);
    static const uint8_t kZero[kPageSize] = {};
    for (auto& [gfn, data] : pages) {
      uint64_t data_hash = 0;
      if (!encoder.add_page(gfn, data != nullptr ? data : kZero, data_hash))
        throw std::runtime_error("batch full");
    }
    out.resize(encoder.finish());
    bytes.insert(bytes.end(), out.begin(), out.end());
  }
  // HEADER and CPUID: what every stream starts with.
  void begin(uint64_t memory_bytes) {
    record(RecordType::kHeader, make_header(memory_bytes));
    record(RecordType::kCpuid, make_cpuid());
  }
  // HEADER, CPUID, every page (page 1 holds data, all others zero), VCPU, DEVICE, END.
  void valid_stream(uint64_t memory_bytes, const uint8_t* page1) {
    begin(memory_bytes);
    std::vector<std::pair<uint64_t, const uint8_t*>> pages;
    for (uint64_t gfn = 0; gfn < memory_bytes / kPageSize; ++gfn)
      pages.push_back({gfn, gfn == 1 ? page1 : nullptr});
    batch(pages);
    VcpuStateRecord vcpu{};
    vcpu.state_size = sizeof(x86::VcpuState);
    vcpu.state.regs.rip = 0x100000;
    vcpu.state.fpu.fxsave.xmm[15][3] = 0x5A;  // a guest that used SSE
    vcpu.state.fpu.fxsave.mxcsr = 0x9FC0;     // FZ, DAZ and every mask
    record(RecordType::kVcpuState, vcpu);
    DeviceState device{};
    device.guest_time_ns = 123456789;
    record(RecordType::kDeviceState, device);
    record(RecordType::kEnd, EndRecord{memory_bytes / kPageSize, 0});
  }
};

struct DecodeOutcome {
  std::vector<RecordType> records;
  StreamFault fault;  // the first fault, or finish()'s verdict
  uint64_t pages = 0;
};

// Feeds `bytes` to a fresh decoder in pieces of the given sizes (the rest in one
// piece), then closes the stream.
inline DecodeOutcome decode_in_pieces(const std::vector<uint8_t>& bytes, const std::vector<size_t>& cuts) {
  static std::vector<uint8_t> buffer(kMaxRecordBody);
  static std::vector<uint64_t> coverage(PageBitmap::words_for(abi::kMaxMemory / kPageSize));
  StreamDecoder decoder(buffer, coverage);
  DecodeOutcome outcome;
  size_t position = 0;
  size_t cut_index = 0;
  while (position < bytes.size()) {
    size_t piece = cut_index < cuts.size() ? cuts[cut_index++] : bytes.size() - position;
    if (piece > bytes.size() - position) piece = bytes.size() - position;
    std::span<const uint8_t> input(bytes.data() + position, piece);
    position += piece;
    while (!input.empty()) {
      size_t used = 0;
      StreamFault fault;
      auto step = decoder.next(input, used, fault);
      input = input.subspan(used);
      if (step == StreamDecoder::Step::kFault) {
        outcome.fault = fault;
        return outcome;
      }
      if (step == StreamDecoder::Step::kRecord) {
        outcome.records.push_back(decoder.type());
        if (decoder.type() == RecordType::kPageBatch) outcome.pages += decoder.batch().page_count();
      }
    }
  }
  outcome.fault = decoder.finish();
  return outcome;
}

inline std::string describe(const StreamFault& fault) {
  FixedString<256> text;
  write_fault(text.sink(), fault);
  return std::string(text.view());
}

}  // namespace godwit::migration::testing
