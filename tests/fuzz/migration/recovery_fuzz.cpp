// libFuzzer target for post-copy recovery's decoders (docs/migration-stream.md, section
// 12.5): RECOVER, and the source's reading of the destination's missing set
// (MissingSetReader over RECOVER_MISSING bodies). Besides memory safety and UB it checks
// what the reader promises: a refused chunk changes nothing, an accepted one only adds
// pages inside the guest to the send set and moves on by exactly its pages, and the set
// is complete exactly when every page of the guest was covered.
//
// Input: bytes 0-1 (the guest's pages: 1 + n % 20000, so up to five chunks), byte 2 (a
// stride: pages gfn % (stride + 2) == 0 start in the send set, never sent), then a RECOVER
// body (48 bytes), then RECOVER_MISSING bodies of 528 bytes each.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "migration/recovery.h"
#include "tests/fuzz/fuzz_input.h"

using namespace godwit;
using namespace godwit::migration;
using godwit::fuzz::FuzzInput;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput input(data, size);
  uint64_t pages = 1 + input.take<uint16_t>() % 20000;
  uint64_t stride = 2 + input.take<uint8_t>();
  std::vector<uint64_t> words(PageBitmap::words_for(pages));
  PageBitmap send_set(words, pages);
  for (uint64_t gfn = 0; gfn < pages; gfn += stride) (void)send_set.mark(gfn);

  std::span<const uint8_t> rest = input.rest();
  if (rest.size() >= sizeof(RecoverRecord)) {
    RecoverRecord recover{};
    (void)decode_recover(
        RawRecord{static_cast<uint32_t>(RecordType::kRecover), rest.first(sizeof recover), 0}, pages,
        recover);
    rest = rest.subspan(sizeof recover);
  }
  MissingSetReader reader(pages);
  while (rest.size() >= sizeof(RecoverMissingRecord)) {
    std::span<const uint8_t> body = rest.first(sizeof(RecoverMissingRecord));
    rest = rest.subspan(body.size());
    uint64_t before_count = send_set.count(), before_next = reader.next();
    std::vector<uint64_t> before_words = words;
    StreamFault fault =
        reader.accept(RawRecord{static_cast<uint32_t>(RecordType::kRecoverMissing), body, 0}, send_set);
    if (!fault.ok()) {
      FUZZ_REQUIRE(words == before_words && reader.next() == before_next);
      continue;
    }
    RecoverMissingRecord chunk;
    std::memcpy(&chunk, body.data(), sizeof chunk);
    FUZZ_REQUIRE(chunk.first == before_next && reader.next() == before_next + chunk.pages);
    FUZZ_REQUIRE(reader.next() <= pages && send_set.count() >= before_count);
    for (size_t w = 0; w < words.size(); ++w) FUZZ_REQUIRE((before_words[w] & ~words[w]) == 0);  // only grows
  }
  FUZZ_REQUIRE(reader.complete() == (reader.next() == pages));
  return 0;
}
