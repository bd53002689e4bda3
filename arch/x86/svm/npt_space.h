// A guest's nested page tables (APM Vol. 2 15.25) together with the epoch counter that
// is its TlbFlusher (tlb_flush.h). The epoch base comes first, so it exists before the
// SecondLevelSpace that holds a reference to it.
#pragma once

#include "arch/x86/paging/second_level_space.h"
#include "arch/x86/svm/tlb_flush.h"

namespace godwit::x86::svm {

struct NptFlushEpochHolder {
  NptFlushEpoch epoch;
};

class NptSpace final : private NptFlushEpochHolder, public SecondLevelSpace {
 public:
  explicit NptSpace(TableMemory& memory)
      : SecondLevelSpace(PagingFormat::kNpt, memory, NptFlushEpochHolder::epoch) {}
  const NptFlushEpoch& flush_epoch() const { return NptFlushEpochHolder::epoch; }
};

}  // namespace godwit::x86::svm
