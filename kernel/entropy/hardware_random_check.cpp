#include "kernel/entropy/hardware_random_check.h"

namespace godwit::entropy {

Expected<uint64_t> HardwareRandomCheck::check(uint64_t word) {
  if (word == 0) fault_ = Fault::kAllZero;
  if (word == ~uint64_t{0}) fault_ = Fault::kAllOnes;
  size_t seen = recent_count_ < kRecentWords ? recent_count_ : kRecentWords;
  for (size_t i = 0; i < seen && fault_ == Fault::kNone; ++i)
    if (recent_[i] == word) fault_ = Fault::kRepeated;
  if (fault_ != Fault::kNone) return fail(Error::kIo);
  recent_[recent_count_ % kRecentWords] = word;
  ++recent_count_;
  return word;
}

const char* describe(HardwareRandomCheck::Fault fault) {
  switch (fault) {
    case HardwareRandomCheck::Fault::kNone: return "healthy";
    case HardwareRandomCheck::Fault::kNoEntropy: return "no word after 10 tries";
    case HardwareRandomCheck::Fault::kAllZero: return "returned all zeros";
    case HardwareRandomCheck::Fault::kAllOnes: return "returned all ones";
    case HardwareRandomCheck::Fault::kRepeated: return "repeated a recent word";
  }
  return "unknown fault";
}

}  // namespace godwit::entropy
