// MigrationSender's post-copy half (post-copy and hybrid; docs/migration-stream.md,
// section 12). With the guest paused and captured and send_set_ holding every page the
// destination lacks or holds stale: POSTCOPY_DISCARD for the stale ones (hybrid), the
// state, POSTCOPY_SWITCH (a few KiB: one flight of TCP's initial window); on READY the switch: GO, then small
// PAGE_BATCHes, asked-for pages first, until send_set_ is empty; then END, VERIFIED, COMMIT and COMMITTED as
// in pre-copy. Every record is sealed like all others after HELLO (queue_record, seal_record).
#include "migration/migration_sender.h"
#include "migration/postcopy_decode.h"
#include "migration/postcopy_format.h"
#include "migration/sealed_records.h"

namespace godwit::migration {

void MigrationSender::begin_switch() {
  discard_cursor_ = 0;
  // Pure post-copy sent nothing before: nothing there is stale.
  if (config_.mode == MigrationMode::kPostcopy) discard_cursor_ = source_.page_count();
  phase_ = Phase::kDiscard;
}

// One POSTCOPY_DISCARD of up to kMaxDiscardRuns runs of send_set_ from discard_cursor_;
// once the set is covered, on to the state.
bool MigrationSender::queue_discards() {
  uint64_t pages = source_.page_count();
  PostcopyDiscardRecord record{};
  uint64_t gfn = send_set_.find_next(discard_cursor_);
  while (gfn < pages && record.run_count < kMaxDiscardRuns) {
    uint64_t end = gfn + 1;
    while (end < pages && send_set_.test(end)) ++end;
    record.runs[record.run_count++] = DiscardRun{gfn, end - gfn};
    gfn = send_set_.find_next(end);
  }
  discard_cursor_ = gfn;
  if (record.run_count != 0) {
    queue_record(RecordType::kPostcopyDiscard, record);
    return !finished();
  }
  phase_ = Phase::kState;
  return !finished();
}

void MigrationSender::queue_switch() {
  queue_record(RecordType::kPostcopySwitch,
               PostcopySwitchRecord{source_.page_count() - send_set_.count(), 0});
  phase_ = Phase::kAwaitReady;
}

// The destination has built the guest. Post-copy pauses only now, so that building it
// (allocating and mapping its memory) is no part of the downtime; hybrid, in its rounds,
// has nothing to do.
void MigrationSender::accept_prepared(const RawRecord& raw) {
  PostcopyPreparedRecord prepared{};
  if (auto f = decode_prepared(raw, source_.page_count(), prepared); !f.ok()) return fail(f);
  if (phase_ != Phase::kAwaitPrepared) return;
  pause_and_capture();
  begin_switch();
}

// The destination has loaded the state and unmapped its absent pages. From here on the
// guest is the destination's to run: GO, and the source never resumes it.
void MigrationSender::accept_ready(const RawRecord& raw) {
  PostcopyReadyRecord ready{};
  if (auto f = decode_ready(raw, source_.page_count(), ready); !f.ok()) return fail(f);
  uint64_t expected = source_.page_count() - send_set_.count();
  if (ready.present_pages != expected) {
    return fail(
        StreamFault{StreamError::kPageCountMismatch, raw.type, raw.offset, ready.present_pages, expected});
  }
  switched_ = summary_.switched = true;
  uint64_t now = clock_.now_ns();
  summary_.downtime_ns = now - paused_ns_;  // the guest runs there half a round trip later
  // The state and SWITCH in TCP's hands (or, if a pump has not seen it yet, now), then
  // the flight, the destination's switch and READY's way back.
  uint64_t state_out = state_out_ns_ != 0 ? state_out_ns_ : now;
  summary_.pause.state_ns = state_out - paused_ns_;
  summary_.pause.ack_ns = now - state_out;
  queue_record(RecordType::kPostcopyGo, PostcopyGoRecord{send_set_.count(), 0});
  push_cursor_ = 0;
  phase_ = send_set_.count() == 0 ? Phase::kEnd : Phase::kPostcopy;
  // GO now, from inside the receive, not at the next pump: the guest runs nowhere until
  // it arrives.
  if (finished()) return;
  if (Expected<size_t> pushed = output_.push(channel_); !pushed)
    return fail(fault(StreamError::kChannelFailed));
}

void MigrationSender::accept_page_request(const RawRecord& raw) {
  PageRequestRecord request{};
  if (auto f = decode_page_request(raw, source_.page_count(), request); !f.ok()) return fail(f);
  ++summary_.page_requests;
  (void)demand_.request(request.gfn, send_set_);  // one already sent or dropped is pushed anyway
}

bool MigrationSender::add_postcopy_page(PageBatchEncoder& batch, uint64_t gfn, bool demanded) {
  const uint8_t* page = source_.page(gfn);
  if (page == nullptr) {
    fail(fault(StreamError::kSourceFailed, gfn, source_.page_count()));
    return false;
  }
  uint64_t data_hash = 0;
  uint32_t zero_before = batch.zero_pages();
  if (!batch.add_page(gfn, page, data_hash)) return false;
  sent_digest_.record(gfn, data_hash);
  send_set_.unmark(gfn);
  ++summary_.pages_sent;
  if (batch.zero_pages() != zero_before) {
    ++summary_.zero_pages;
  } else {
    ++data_pages_;
  }
  ++(demanded ? summary_.demand_pages : summary_.pages_pushed);
  return true;
}

// One small PAGE_BATCH: the pages asked for first, then the push from push_cursor_.
// `postcopy_batch_pages` bounds the data pages, what an asked-for page may wait behind;
// zero pages cost 16 bytes a run, so the push takes them beyond it (up to pump_pages a
// batch): counted like data pages they made a 64 MiB guest's mostly empty memory 3600
// records of four zero pages, 2.4% over its data on the wire (decision 0025).
// Once every page has gone, END.
bool MigrationSender::send_postcopy_batch() {
  uint32_t limit = config_.postcopy_batch_pages == 0 || config_.postcopy_batch_pages > kMaxBatchEntries
                       ? kMaxBatchEntries
                       : config_.postcopy_batch_pages;
  // Room for `limit` data pages and as many zero runs between them as a batch may hold.
  size_t most = postcopy_batch_record_size(limit);
  std::span<uint8_t> room = output_.space();
  if (room.size() > most) room = room.first(most);
  if (room.size() < kMinRecordBuffer) {  // the record buffer cannot hold one page: a caller's bug
    fail(fault(StreamError::kRecordTooLong, kPageSize, output_.space().size()));
    return false;
  }
  PageBatchEncoder batch(room.first(room.size() - kRecordTagSize), Framing::kSealed);
  uint64_t gfn = 0;
  uint32_t added = 0;
  // At most `limit` pages fit the room, so a popped page is never left out.
  while (added < limit && demand_.pop(gfn, send_set_)) {
    if (!add_postcopy_page(batch, gfn, true)) return false;
    ++added;
  }
  // The push sweeps upwards once; pages only ever leave send_set_, so nothing pending
  // lies behind the cursor (the wrap is a guard).
  uint64_t pages = source_.page_count();
  uint64_t budget = config_.pump_pages == 0 ? 1 : config_.pump_pages;
  gfn = send_set_.find_next(push_cursor_);
  if (gfn >= pages) gfn = send_set_.find_next(0);
  for (; batch.data_pages() < limit && batch.pages() < budget && gfn < pages;
       gfn = send_set_.find_next(gfn)) {
    if (!add_postcopy_page(batch, gfn, false)) break;
  }
  if (finished()) return false;
  push_cursor_ = gfn < pages ? gfn : 0;
  if (!batch.empty()) {
    size_t size = seal_record(room, batch.finish(), sealer_);
    if (size == 0) {
      fail(fault(StreamError::kRecordTooLong, room.size(), 0));
      return false;
    }
    output_.queue(size);
    produced_ += size, summary_.wire_bytes += size;
    batched_ += batch.pages();  // the pump's page budget, as in the rounds
  }
  if (send_set_.count() == 0) phase_ = Phase::kEnd;
  return !finished();
}

}  // namespace godwit::migration
