// libFuzzer target for the destination's stream decoder: arbitrary bytes, delivered in
// pieces whose sizes the input also chooses, must end in a clean fault or a clean
// record — never a crash, an out-of-bounds access or undefined behaviour. The first
// input byte picks the piece size and the mode: raw bytes, or "framed", where the
// input is read as (type u32, length u16, body) triples that the harness encodes with
// valid checksums, so mutations reach the record decoders instead of dying at the
// checksum. Build: see tests/fuzz/README.md.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "godwit/abi.h"
#include "migration/stream_decoder.h"
#include "migration/stream_encoder.h"
#include "tests/fuzz/migration/framing.h"

using namespace godwit;
using namespace godwit::migration;
using godwit::PageBitmap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::vector<uint8_t> buffer(kMaxRecordBody);
  static std::vector<uint64_t> coverage(PageBitmap::words_for(godwit::abi::kMaxMemory / kPageSize));
  if (size == 0) return 0;
  size_t piece = 1 + (data[0] >> 1);
  std::vector<uint8_t> bytes(data + 1, data + size);
  if ((data[0] & 1) != 0) bytes = fuzz::framed_records(bytes, [](uint32_t, std::vector<uint8_t>&) {});
  StreamDecoder decoder(buffer, coverage);
  std::span<const uint8_t> input(bytes);
  while (!input.empty()) {
    std::span<const uint8_t> chunk = input.first(piece < input.size() ? piece : input.size());
    input = input.subspan(chunk.size());
    while (!chunk.empty()) {
      size_t used = 0;
      StreamFault fault;
      StreamDecoder::Step step = decoder.next(chunk, used, fault);
      if (step == StreamDecoder::Step::kFault) return 0;
      chunk = chunk.subspan(used);
      if (step == StreamDecoder::Step::kRecord && decoder.type() == RecordType::kPageBatch) {
        uint64_t sum = 0;
        decoder.batch().for_each([&](const PageRun& run) {
          sum += run.gfn + run.pages + (run.data.empty() ? 0 : run.data[kPageSize - 1]);
        });
        if (sum == 0xdeadbeef) return 0;  // keeps the walk from being optimised away
      }
    }
  }
  (void)decoder.finish();
  return 0;
}
