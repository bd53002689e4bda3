// The destination's page-presence map and the source's demand queue: the cases where a
// fault, a request and the background push cross each other.
#include <gtest/gtest.h>

#include <vector>

#include "migration/demand_queue.h"
#include "migration/postcopy_pages.h"

namespace godwit::migration {
namespace {

constexpr uint64_t kPages = 200;

struct Presence {
  std::vector<uint64_t> present = std::vector<uint64_t>(PageBitmap::words_for(kPages));
  std::vector<uint64_t> requested = std::vector<uint64_t>(PageBitmap::words_for(kPages));
  PostcopyPages pages{present, requested, kPages};
};

TEST(PostcopyPages, PagesFromBeforeTheSwitchArePresentUnlessDiscarded) {
  Presence p;
  p.pages.received_before_switch(3);
  p.pages.received_before_switch(4);
  p.pages.received_before_switch(4);  // re-sent by a later pre-copy round
  p.pages.discard(4);                 // written since: stale
  EXPECT_TRUE(p.pages.present(3));
  EXPECT_FALSE(p.pages.present(4));
  EXPECT_EQ(p.pages.present_count(), 1u);
  EXPECT_EQ(p.pages.on_fault(3), PostcopyPages::Fault::kPresent);
  EXPECT_EQ(p.pages.on_fault(4), PostcopyPages::Fault::kRequest);
}

TEST(PostcopyPages, ADuplicateFaultSendsOneRequest) {
  Presence p;
  EXPECT_EQ(p.pages.on_fault(7), PostcopyPages::Fault::kRequest);
  EXPECT_EQ(p.pages.on_fault(7), PostcopyPages::Fault::kAlreadyRequested);
  EXPECT_EQ(p.pages.requests(), 1u);
  EXPECT_EQ(p.pages.on_arrival(7), PostcopyPages::Arrival::kRequested);
  EXPECT_EQ(p.pages.on_fault(7), PostcopyPages::Fault::kPresent);
}

// The guest faults on a page whose push is already on the wire: the push arrives first
// and is used; the answer to the request comes later and must not overwrite what the
// guest wrote into the page meanwhile.
TEST(PostcopyPages, APushThatCrossesARequestWinsAndTheAnswerIsDropped) {
  Presence p;
  EXPECT_EQ(p.pages.on_fault(9), PostcopyPages::Fault::kRequest);
  EXPECT_EQ(p.pages.on_arrival(9), PostcopyPages::Arrival::kRequested);  // the push
  EXPECT_EQ(p.pages.on_arrival(9), PostcopyPages::Arrival::kDuplicate);  // the answer
  EXPECT_EQ(p.pages.duplicates(), 1u);
  // A page pushed unasked is new, not requested.
  EXPECT_EQ(p.pages.on_arrival(10), PostcopyPages::Arrival::kNew);
}

TEST(PostcopyPages, CompleteOnlyWhenEveryPageIsPresent) {
  Presence p;
  for (uint64_t gfn = 0; gfn + 1 < kPages; ++gfn) (void)p.pages.on_arrival(gfn);
  EXPECT_FALSE(p.pages.complete());
  EXPECT_EQ(p.pages.on_arrival(kPages - 1), PostcopyPages::Arrival::kNew);
  EXPECT_TRUE(p.pages.complete());
}

struct Pending {
  std::vector<uint64_t> bits = std::vector<uint64_t>(PageBitmap::words_for(kPages));
  PageBitmap set{bits, kPages};
  Pending() { set.mark_all(); }
};

TEST(DemandQueue, ServesRequestsInOrderAndEachPageOnce) {
  Pending pending;
  DemandQueue queue;
  EXPECT_EQ(queue.request(5, pending.set), DemandQueue::Request::kQueued);
  EXPECT_EQ(queue.request(2, pending.set), DemandQueue::Request::kQueued);
  EXPECT_EQ(queue.request(5, pending.set), DemandQueue::Request::kAlreadyQueued);  // a duplicate request
  uint64_t gfn = 0;
  ASSERT_TRUE(queue.pop(gfn, pending.set));
  EXPECT_EQ(gfn, 5u);
  pending.set.unmark(5);  // sent
  ASSERT_TRUE(queue.pop(gfn, pending.set));
  EXPECT_EQ(gfn, 2u);
  EXPECT_FALSE(queue.pop(gfn, pending.set));
}

// A request for a page the push already sent (the request crossed it on the wire) needs
// no answer: the page is there, or on its way.
TEST(DemandQueue, ARequestForAPageAlreadySentIsNotAnswered) {
  Pending pending;
  DemandQueue queue;
  pending.set.unmark(11);
  EXPECT_EQ(queue.request(11, pending.set), DemandQueue::Request::kAlreadySent);
  uint64_t gfn = 0;
  EXPECT_FALSE(queue.pop(gfn, pending.set));
}

// Queued, then pushed before its turn came: pop() skips it.
TEST(DemandQueue, APagePushedWhileQueuedIsSkipped) {
  Pending pending;
  DemandQueue queue;
  ASSERT_EQ(queue.request(20, pending.set), DemandQueue::Request::kQueued);
  ASSERT_EQ(queue.request(21, pending.set), DemandQueue::Request::kQueued);
  pending.set.unmark(20);  // the push got there first
  uint64_t gfn = 0;
  ASSERT_TRUE(queue.pop(gfn, pending.set));
  EXPECT_EQ(gfn, 21u);
}

TEST(DemandQueue, AFullQueueDropsTheRequestAndThePushStillCoversIt) {
  Pending pending;
  DemandQueue queue;
  for (uint64_t gfn = 0; gfn < DemandQueue::kCapacity; ++gfn) {
    ASSERT_EQ(queue.request(gfn, pending.set), DemandQueue::Request::kQueued);
  }
  EXPECT_EQ(queue.request(DemandQueue::kCapacity, pending.set), DemandQueue::Request::kDropped);
  EXPECT_TRUE(pending.set.test(DemandQueue::kCapacity));  // still to be pushed
  EXPECT_EQ(queue.size(), DemandQueue::kCapacity);
}

}  // namespace
}  // namespace godwit::migration
