// Errors are values: every fallible operation returns an Error (inside Expected<T>) and
// the edge (shell, @event, test) turns it into one message. No exceptions anywhere.
#pragma once

#include <cstdint>

namespace godwit {

enum class Error : uint8_t {
  kInvalidArgument,  // a caller (shell user, guest, peer) passed a value out of range
  kMalformed,        // input does not follow its format
  kTruncated,        // input ends before a structure it announces
  kOutOfMemory,      // no frame or heap block large enough
  kNotFound,         // the named object does not exist
  kExists,           // the object to create already exists
  kUnsupported,      // the hardware or the peer lacks what is needed
  kBusy,             // the resource is in use; try again later
  kTimeout,          // a deadline passed
  kState,            // the operation is not valid in the object's current state
  kRange,            // an address or index lies outside its bounds
  kIo,               // a device reported a failure
  kChecksum,         // integrity check failed
  kVersion,          // incompatible version
  kPermission,       // the caller may not do this
};

// A short, stable, lower-case description ("out of memory").
const char* to_string(Error error);

}  // namespace godwit
