// MigrationReceiver's post-copy half (docs/migration-stream.md, section 12): stale pages
// discarded, the switch (state and card loaded, absent pages unmapped, READY), GO (the guest runs),
// pages placed only where absent, and the guest's faults turned into PAGE_REQUESTs.
// Replies (PREPARED, READY, PAGE_REQUEST) are sealed like every record after HELLO.
#include "migration/migration_receiver.h"
#include "migration/postcopy_format.h"
#include "migration/stream_encoder.h"

namespace godwit::migration {

void MigrationReceiver::enable_postcopy(std::span<uint64_t> present_bits,
                                        std::span<uint64_t> requested_bits) {
  present_bits_ = present_bits;
  requested_bits_ = requested_bits;
}

void MigrationReceiver::apply_discard() {
  const PostcopyDiscardRecord& record = decoder_.discard();
  for (uint32_t i = 0; i < record.run_count; ++i) {
    const DiscardRun& run = record.runs[i];
    for (uint64_t gfn = run.first; gfn - run.first < run.pages; ++gfn) pages_.discard(gfn);
    stats_.discarded_pages += run.pages;
  }
}

// The guest's state, and the pages it holds, are complete: load the state, take the
// absent pages out of its tables, and tell the source (READY). It runs only on GO.
void MigrationReceiver::apply_switch() {
  uint64_t switch_in_ns = clock_.now_ns();
  uint64_t expected = decoder_.postcopy_switch().present_pages;
  if (pages_.present_count() != expected) {
    return fail(fault(StreamError::kPageCountMismatch, pages_.present_count(), expected));
  }
  if (Status entered = guest_->enter_postcopy(pages_.present_map()); !entered.ok()) {
    return fail(fault(StreamError::kGuestRefused, static_cast<uint64_t>(entered.error())));
  }
  uint64_t unmapped_ns = clock_.now_ns();
  stats_.switch_steps.unmap_ns = unmapped_ns - switch_in_ns;
  if (Status loaded = guest_->load_state(vcpu_, device_); !loaded.ok()) {
    return fail(fault(StreamError::kGuestRefused, static_cast<uint64_t>(loaded.error())));
  }
  // The card's state came with the vCPU's (NET_DEVICE before POSTCOPY_SWITCH). Loading
  // reads no guest page; the card joins the switch, and announces the guest, at GO, and
  // its device asks for absent pages like the vCPU does (decision 0024).
  if (has_net_device_) {
    if (Status loaded = guest_->load_nic(net_device_); !loaded.ok()) {
      return fail(fault(StreamError::kGuestRefused, static_cast<uint64_t>(loaded.error())));
    }
  }
  stats_.present_at_switch = pages_.present_count();
  PostcopyReadyRecord ready{pages_.present_count(), 0};
  if (!queue_reply(RecordType::kPostcopyReady, ready)) {
    return fail(fault(StreamError::kRecordTooLong, sizeof ready, 0));
  }
  ready_ns_ = clock_.now_ns();
  stats_.switch_steps.load_ns = ready_ns_ - unmapped_ns;
  phase_ = Phase::kAwaitGo;
  // READY now, from inside the receive, not at the next pump: the guest runs nowhere
  // until GO answers it (the channel copes with a close from here: TcpStream::deliver).
  flush();
}

void MigrationReceiver::apply_go() {
  if (decoder_.go().pending_pages != pages_.page_count() - pages_.present_count()) {
    return fail(fault(StreamError::kPageCountMismatch, decoder_.go().pending_pages,
                      pages_.page_count() - pages_.present_count()));
  }
  running_ = true;
  phase_ = Phase::kPostcopy;
  guest_->start();
  uint64_t started_ns = clock_.now_ns();
  stats_.switch_to_go_ns = started_ns - ready_ns_;
  // READY may still sit in the output when GO comes (a pump has not run since): then it
  // left at the latest now.
  if (ready_out_ns_ == 0) ready_out_ns_ = started_ns;
  stats_.switch_steps.ready_out_ns = ready_out_ns_ - ready_ns_;
  stats_.switch_steps.go_ns = started_ns - ready_out_ns_;
}

// Pages after GO: each written and mapped only if still absent here; a copy of a page
// already present is dropped (the guest may have written the page since).
void MigrationReceiver::apply_postcopy_batch() {
  StreamFault failure;
  decoder_.batch().for_each([&](const PageRun& run) {
    for (uint64_t gfn = run.gfn; gfn - run.gfn < run.pages && failure.ok(); ++gfn) {
      ++stats_.pages_received;
      if (run.data.empty()) ++stats_.zero_pages;
      PostcopyPages::Arrival arrival = pages_.on_arrival(gfn);
      if (arrival == PostcopyPages::Arrival::kDuplicate) {
        ++stats_.duplicate_pages;
        continue;
      }
      if (arrival == PostcopyPages::Arrival::kRequested) ++stats_.demand_pages;
      if (!place_postcopy_page(run, gfn)) failure = fault(StreamError::kGuestRefused, 0, gfn);
    }
  });
  if (!failure.ok()) fail(failure);
}

bool MigrationReceiver::place_postcopy_page(const PageRun& run, uint64_t gfn) {
  if (run.data.empty()) {
    if (!guest_->write_zero_pages(gfn, 1).ok()) return false;
    received_digest_.record_zero(gfn);
  } else {
    Expected<uint8_t*> page = guest_->page_to_write(gfn);
    if (!page) return false;
    received_digest_.record(gfn, copy_page_and_hash(*page, run.data.data()));
  }
  return guest_->map_page(gfn).ok();
}

bool MigrationReceiver::request_page(uint64_t gfn) {
  if (!running_ || outcome_ != Outcome::kInProgress || gfn >= pages_.page_count()) return false;
  PostcopyPages::Fault action = pages_.on_fault(gfn);
  if (action == PostcopyPages::Fault::kPresent) return true;
  if (action == PostcopyPages::Fault::kAlreadyRequested) return false;
  PageRequestRecord request{gfn, 0};
  // Sent at the next pump() (the caller is inside a guest's exit). No room: the request
  // is not sent, and the background push brings the page.
  if (queue_reply(RecordType::kPageRequest, request)) {
    ++stats_.page_requests;
  }
  return false;
}

}  // namespace godwit::migration
