#include "prose/util/result.h"

namespace prose {

std::string_view errc_name(Errc c) {
  switch (c) {
    case Errc::kInvalidArgument:
      return "invalid argument";
    case Errc::kTruncated:
      return "truncated";
    case Errc::kMalformed:
      return "malformed";
    case Errc::kUnsupported:
      return "unsupported";
    case Errc::kAuthFailed:
      return "authentication failed";
    case Errc::kReplay:
      return "replay";
    case Errc::kClockSkew:
      return "clock skew";
    case Errc::kSyncFailure:
      return "synchronisation failure";
    case Errc::kNotFound:
      return "not found";
    case Errc::kDenied:
      return "denied";
    case Errc::kConflict:
      return "conflict";
    case Errc::kState:
      return "not allowed in this state";
    case Errc::kTimeout:
      return "timeout";
    case Errc::kIo:
      return "i/o error";
    case Errc::kInternal:
      return "internal error";
  }
  return "unknown error";
}

std::string Error::to_string() const {
  std::string s(errc_name(code));
  if (offset) s += " at offset " + std::to_string(*offset);
  if (!message.empty()) s += ": " + message;
  return s;
}

}  // namespace prose
