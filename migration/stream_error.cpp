#include "migration/stream_error.h"

#include "migration/stream_format.h"

namespace godwit::migration {

const char* to_string(StreamError error) {
  switch (error) {
    case StreamError::kNone: return "no error";
    case StreamError::kBadMagic: return "not a Godwit migration stream (bad magic)";
    case StreamError::kUnsupportedVersion: return "unsupported stream version";
    case StreamError::kUnknownRecordType: return "unknown mandatory record type";
    case StreamError::kRecordTooLong: return "record too long";
    case StreamError::kBadRecordLength: return "record length inconsistent with its type";
    case StreamError::kChecksumMismatch: return "record checksum mismatch";
    case StreamError::kNonZeroReserved: return "padding or reserved field not zero";
    case StreamError::kGfnOutOfRange: return "page frame number outside guest memory";
    case StreamError::kBadPageFlags: return "bad page entry flags";
    case StreamError::kPageCountMismatch: return "page count mismatch";
    case StreamError::kUnexpectedRecord: return "record not allowed at this point";
    case StreamError::kBadHeaderField: return "field out of range";
    case StreamError::kAuthenticationFailed: return "authentication failed (migrate_key differs?)";
    case StreamError::kMissingPages: return "pages missing at end of stream";
    case StreamError::kDigestMismatch: return "memory digest mismatch";
    case StreamError::kTruncated: return "stream truncated";
    case StreamError::kTimeout: return "peer timed out";
    case StreamError::kChannelFailed: return "connection failed";
    case StreamError::kGuestRefused: return "guest could not be created or loaded";
    case StreamError::kPeerRefused: return "destination refused the migration";
    case StreamError::kSourceFailed: return "source guest failed";
    case StreamError::kDirtyLogMissed:
      return "the source's memory differs from the pages it sent (dirty log missed a write)";
    case StreamError::kUnsupportedFeature: return "the guest needs a feature this node does not know";
    case StreamError::kCpuModelRefused: return "this node cannot present the guest's CPU model";
    case StreamError::kRecordForged:
      return "record authentication failed (altered, replayed, reordered, or not from this session's peer)";
    case StreamError::kHandshakeTimeout: return "the peer did not authenticate in time";
    case StreamError::kCommitMismatch: return "commit record names another memory image";
    case StreamError::kOverBudget: return "more work than the guest's size allows";
    case StreamError::kNothingToRecover: return "this node holds no split migration to recover";
    case StreamError::kAwaitingRecovery: return "a stranded guest here awaits its recovery";
    case StreamError::kWrongMigration: return "the recovery names another migration";
  }
  return "unknown stream error";
}

const char* to_string(RecordType type) {
  switch (type) {
    case RecordType::kChallenge: return "CHALLENGE";
    case RecordType::kHeader: return "HEADER";
    case RecordType::kPageBatch: return "PAGE_BATCH";
    case RecordType::kVcpuState: return "VCPU_STATE";
    case RecordType::kDeviceState: return "DEVICE_STATE";
    case RecordType::kEnd: return "END";
    case RecordType::kVerified: return "VERIFIED";
    case RecordType::kHello: return "HELLO";
    case RecordType::kCommit: return "COMMIT";
    case RecordType::kCommitted: return "COMMITTED";
    case RecordType::kNack: return "NACK";
    case RecordType::kCpuid: return "CPUID";
    case RecordType::kRound: return "ROUND";
    case RecordType::kVerify: return "VERIFY";
    case RecordType::kNetDevice: return "NET_DEVICE";
    case RecordType::kPostcopyDiscard: return "POSTCOPY_DISCARD";
    case RecordType::kPostcopySwitch: return "POSTCOPY_SWITCH";
    case RecordType::kPostcopyReady: return "POSTCOPY_READY";
    case RecordType::kPostcopyGo: return "POSTCOPY_GO";
    case RecordType::kPageRequest: return "PAGE_REQUEST";
    case RecordType::kPostcopyPrepared: return "POSTCOPY_PREPARED";
    case RecordType::kRecover: return "RECOVER";
    case RecordType::kRecoverMissing: return "RECOVER_MISSING";
  }
  return "unknown";
}

namespace {

// Time-outs carry nanoseconds: how long the peer was silent and the limit it crossed.
bool is_duration(StreamError code) {
  return code == StreamError::kTimeout || code == StreamError::kHandshakeTimeout;
}

void write_ms(Sink& sink, uint64_t ns) { format(sink, "{} ms", ns / 1'000'000); }

}  // namespace

void write_fault(Sink& sink, const StreamFault& f) {
  format(sink, "{}", to_string(f.code));
  if (f.code == StreamError::kPeerRefused) {
    auto reason = static_cast<StreamError>(f.value);
    format(sink, ": {}", to_string(reason));
    if (f.limit != 0 && is_duration(reason)) {
      sink.write(" (silent for ");
      write_ms(sink, f.limit);
      sink.write(")");
    } else if (f.limit != 0) {
      format(sink, " (detail {:#x})", f.limit);
    }
    return;
  }
  bool in_record = f.record_type != 0;
  bool has_values = f.value != 0 || f.limit != 0;
  if (!in_record && !has_values) return;
  sink.write(" (");
  if (in_record) {
    format(sink, "{} record {:#x} at byte {}", to_string(static_cast<RecordType>(f.record_type)),
           f.record_type, f.offset);
  }
  if (has_values && is_duration(f.code)) {
    sink.write(in_record ? "; silent for " : "silent for ");
    write_ms(sink, f.value);
    sink.write(", limit ");
    write_ms(sink, f.limit);
  } else if (has_values) {
    format(sink, "{}value {:#x}, limit {:#x}", in_record ? "; " : "", f.value, f.limit);
  }
  sink.write(")");
}

}  // namespace godwit::migration
