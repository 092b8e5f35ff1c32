// How a load run that cannot go on ends: an exception the command turns into its exit status and message.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "prose/util/result.h"

namespace prose::load {

struct Abort : std::runtime_error {
  Abort(bool bad_input, const std::string& message, std::optional<Errc> errc = std::nullopt)
      : std::runtime_error(message), bad_input(bad_input), errc(errc) {}
  bool bad_input;            // the options were wrong (else the run failed)
  std::optional<Errc> errc;  // the error that made it fail, when there was one
};

[[noreturn]] inline void bad_input(const std::string& message) { throw Abort(true, message); }
[[noreturn]] inline void failure(const std::string& message) { throw Abort(false, message); }

// The value, or a failure "<what>: <error>".
template <typename T>
T must(Result<T> r, const std::string& what) {
  if (!r.ok()) throw Abort(false, what + ": " + r.error().to_string(), r.error().code);
  return std::move(r).value();
}
inline void must(Status s, const std::string& what) {
  if (!s.ok()) throw Abort(false, what + ": " + s.error().to_string(), s.error().code);
}

}  // namespace prose::load
