#include "arch/x86/vmx/page_modification_log.h"

namespace godwit::x86::vmx {

// Logging goes on only after the flags are clean: a page whose flag stayed set from
// before would never be logged.
Status PageModificationLog::arm(SecondLevelSpace& space, uint64_t ram_bytes) {
  if (auto status = space.clean(0, ram_bytes); !status) return status;
  fields_.set_index(kEmpty);
  fields_.set_logging(true);
  return ok();
}

// Whatever is still in the log is dropped: the next arm() cleans every flag anyway.
void PageModificationLog::disarm(SecondLevelSpace&, uint64_t) {
  fields_.set_logging(false);
  fields_.set_index(kEmpty);
}

size_t PageModificationLog::drain(std::span<uint64_t> gfns) {
  uint16_t index = fields_.index();
  // Entries index+1 .. 511 are valid; 0xFFFF (or anything out of range) means all 512.
  unsigned first = index >= kEntries ? 0 : index + 1u;
  size_t count = 0;
  for (unsigned at = first; at < kEntries && count < gfns.size(); ++at) {
    gfns[count++] = entries_[at] >> 12;  // bits 11:0 are always 0
  }
  // The entries read are gone; what lies above stays for the next call.
  if (count > 0) fields_.set_index(static_cast<uint16_t>(first + count - 1));
  return count;
}

Status PageModificationLog::rearm(SecondLevelSpace& space, std::span<const uint64_t> gfns) {
  return space.clean_pages(gfns);
}

}  // namespace godwit::x86::vmx
