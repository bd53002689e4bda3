#include "lib/error.h"

namespace godwit {

const char* to_string(Error error) {
  switch (error) {
    case Error::kInvalidArgument: return "invalid argument";
    case Error::kMalformed: return "malformed input";
    case Error::kTruncated: return "truncated input";
    case Error::kOutOfMemory: return "out of memory";
    case Error::kNotFound: return "not found";
    case Error::kExists: return "already exists";
    case Error::kUnsupported: return "not supported";
    case Error::kBusy: return "busy";
    case Error::kTimeout: return "timed out";
    case Error::kState: return "invalid state";
    case Error::kRange: return "out of range";
    case Error::kIo: return "device error";
    case Error::kChecksum: return "checksum mismatch";
    case Error::kVersion: return "incompatible version";
    case Error::kPermission: return "not permitted";
  }
  return "unknown error";
}

}  // namespace godwit
