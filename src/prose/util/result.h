// Result<T>: a value or an Error, in the style of std::expected (C++23), for code that must not throw
// on bad input. Every parser and protocol step returns one.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace prose {

enum class Errc {
  kInvalidArgument,  // caller passed a bad value (odd hex, wrong key length, ...)
  kTruncated,        // input ended before a field was complete
  kMalformed,        // input is structurally wrong (bad length, bad tag, trailing bytes)
  kUnsupported,      // well-formed but uses a feature we do not implement
  kAuthFailed,       // MAC / signature / AUTN check failed
  kReplay,           // seen before or outside the replay window
  kClockSkew,        // timestamp outside the accepted window
  kSyncFailure,      // SQN out of range: resynchronisation needed
  kNotFound,         // unknown identifier (PMK ID, PRUK ID, subscriber, ...)
  kDenied,           // not authorised
  kConflict,         // unique identifier already in use (e.g. a PRUK ID drawn twice)
  kState,            // message or event not allowed in the current state
  kTimeout,
  kIo,  // network, file or database error
  kInternal,
};

std::string_view errc_name(Errc c);

struct Error {
  Errc code = Errc::kInternal;
  std::string message;
  std::optional<std::size_t> offset;  // byte offset in the input, for decoders

  // "malformed at offset 12: KEMAC length points past the end"
  std::string to_string() const;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message), std::nullopt}; }
inline Error make_error_at(Errc code, std::size_t offset, std::string message) {
  return Error{code, std::move(message), offset};
}

// Marker that lets `return Unexpected(err)` / `return fail(...)` convert into any Result<T>.
struct Unexpected {
  Error error;
};
inline Unexpected fail(Errc code, std::string message) { return Unexpected{make_error(code, std::move(message))}; }
inline Unexpected fail_at(Errc code, std::size_t offset, std::string message) {
  return Unexpected{make_error_at(code, offset, std::move(message))};
}
inline Unexpected fail(Error e) { return Unexpected{std::move(e)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Unexpected u) : v_(std::in_place_index<1>, std::move(u.error)) {}  // NOLINT
  Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}             // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected u) : e_(std::move(u.error)) {}  // NOLINT
  Result(Error e) : e_(std::move(e)) {}             // NOLINT
  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *e_; }

 private:
  std::optional<Error> e_;
};

using Status = Result<void>;
inline Status ok_status() { return Status{}; }

}  // namespace prose

// Propagate an error: PROSE_TRY(auto x, reader.u8());  or  PROSE_TRY_STATUS(writer_status);
#define PROSE_CONCAT_INNER(a, b) a##b
#define PROSE_CONCAT(a, b) PROSE_CONCAT_INNER(a, b)
#define PROSE_TRY_IMPL(tmp, decl, expr)                   \
  auto tmp = (expr);                                      \
  if (!tmp.ok()) return ::prose::Unexpected{tmp.error()}; \
  decl = std::move(tmp).value()
#define PROSE_TRY(decl, expr) PROSE_TRY_IMPL(PROSE_CONCAT(prose_try_, __LINE__), decl, expr)
#define PROSE_TRY_STATUS(expr)                                          \
  do {                                                                  \
    auto prose_st_ = (expr);                                            \
    if (!prose_st_.ok()) return ::prose::Unexpected{prose_st_.error()}; \
  } while (0)
