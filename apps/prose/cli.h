// Shared helpers for the prose command's subcommands: argument parsing to typed values with errors
// that name the bad argument, exit codes, and plain/--json output.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;   // the operation failed for a reason other than the input
inline constexpr int kExitBadInput = 2;  // bad argument or rejected input (the message says which)

// Thrown from a subcommand callback; main() prints "prose: <message>" and exits with `code`.
struct Exit : std::runtime_error {
  Exit(int code, const std::string& message) : std::runtime_error(message), code(code) {}
  int code;
};

[[noreturn]] inline void bad_input(const std::string& message) { throw Exit(kExitBadInput, message); }

// The contents of FILE ("-": standard input), at most `cap` octets (give one more than a codec allows so that it
// reports "too large"); exits 2 when the file cannot be opened.
std::string read_document(const std::string& file, std::size_t cap);

// Unwraps a Result or exits 2 with "<what>: <error>".
template <typename T>
T or_exit(Result<T> r, const std::string& what, int code = kExitBadInput) {
  if (!r.ok()) throw Exit(code, what.empty() ? r.error().to_string() : what + ": " + r.error().to_string());
  return std::move(r).value();
}
inline void or_exit(Status s, const std::string& what, int code = kExitBadInput) {
  if (!s.ok()) throw Exit(code, what.empty() ? s.error().to_string() : what + ": " + s.error().to_string());
}

// Parse hex given to option `opt` (e.g. "--pruk"); `octets` = 0 accepts any length.
Bytes hex_option(const std::string& opt, const std::string& value, std::size_t octets = 0);
SecretBytes secret_option(const std::string& opt, const std::string& value, std::size_t octets = 0);
// Unsigned integer given in hex (with or without 0x) that must fit in `bits`.
std::uint64_t hex_uint_option(const std::string& opt, const std::string& value, unsigned bits);
// Decimal integer within [lo, hi].
std::int64_t int_option(const std::string& opt, const std::string& value, std::int64_t lo, std::int64_t hi);
// Input given either inline or via --in FILE (hex text or raw binary, detected).
Bytes read_input(const std::string& opt, const std::string& inline_hex, const std::string& file);

// Collects named output fields and prints them as "Name: value" lines or as one JSON object.
class Output {
 public:
  explicit Output(bool json) : json_(json) {}
  Output& field(const std::string& name, const std::string& value);
  Output& field(const std::string& name, std::int64_t value);
  Output& field(const std::string& name, bool value);
  Output& raw(const std::string& name, nlohmann::json value);  // JSON-only structured value
  // A single bare value (e.g. a derived key): printed alone in plain mode, as {"name": v} with --json.
  void value(const std::string& name, const std::string& v);
  void print() const;

 private:
  bool json_;
  std::vector<std::pair<std::string, std::string>> lines_;
  nlohmann::ordered_json obj_ = nlohmann::ordered_json::object();
};

// Returns the subcommand `name` of `parent`, creating it when no other command file has yet, so several files
// can add commands under one group (e.g. "crypto").
CLI::App* subcommand_group(CLI::App& parent, const std::string& name, const std::string& description);

// Adds --json to a subcommand and returns the flag storage.
bool* add_json_flag(CLI::App* sub);

}  // namespace prose::cli
