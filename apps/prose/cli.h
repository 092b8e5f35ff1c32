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
// `error_code` is the stable snake_case code of the JSON "error" object (default: from `code`).
struct Exit : std::runtime_error {
  Exit(int code, const std::string& message, std::string error_code = "")
      : std::runtime_error(message), code(code), error_code(std::move(error_code)) {}
  int code;
  std::string error_code;
};
std::string error_code_for(Errc c);

[[noreturn]] inline void bad_input(const std::string& message) { throw Exit(kExitBadInput, message); }

// The contents of FILE ("-": standard input), at most `cap` octets (give one more than a codec allows so that it
// reports "too large"); exits 2 when the file cannot be opened.
std::string read_document(const std::string& file, std::size_t cap);

// Unwraps a Result or exits 2 with "<what>: <error>".
template <typename T>
T or_exit(Result<T> r, const std::string& what, int code = kExitBadInput) {
  if (!r.ok())
    throw Exit(code, what.empty() ? r.error().to_string() : what + ": " + r.error().to_string(),
               error_code_for(r.error().code));
  return std::move(r).value();
}
inline void or_exit(Status s, const std::string& what, int code = kExitBadInput) {
  if (!s.ok())
    throw Exit(code, what.empty() ? s.error().to_string() : what + ": " + s.error().to_string(),
               error_code_for(s.error().code));
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

// ---- Output: plain "Label: value" lines, or with --json one JSON object (the convention below, enforced here) ----
//
// The JSON convention (docs/cli.md "JSON output"; every command follows it, tests/integration/cli checks it):
// - with --json, stdout holds exactly one JSON object; servers and agents print JSON lines, one object per line;
// - keys are snake_case ([a-z][a-z0-9_]*), declared per command in add_json_flag (an undeclared or non-snake_case
//   key is an internal error, so a command cannot drift from its declared shape);
// - values are typed: numbers, booleans, arrays, binary values and hex identifiers as lowercase hex strings;
// - every object has "ok" (boolean) and "error" (null, or {"code": snake_case code, "message": text}), and the
//   same keys whether it worked or not (null where no value exists); the exit status is 0 exactly when ok is true;
// - --json is accepted anywhere on the command line (main() takes it out before parsing).
class Output {
 public:
  explicit Output(bool json) : json_(json) {}
  // Typed fields: `key` is the JSON key, `label` the plain-text label.
  Output& text(const std::string& key, const std::string& label, const std::string& value);
  Output& num(const std::string& key, const std::string& label, std::int64_t value);
  Output& real(const std::string& key, const std::string& label, double value, int decimals = 3);
  Output& flag(const std::string& key, const std::string& label, bool value);
  Output& hex(const std::string& key, const std::string& label, ByteView value);
  // An identifier shown in hex with its full wire width (`octets` octets), e.g. a PRUK ID (8) or a KD-sess ID (2).
  Output& hex_id(const std::string& key, const std::string& label, std::uint64_t value, unsigned octets);
  Output& list(const std::string& key, const std::string& label, const std::vector<std::string>& values);
  // A measurement labelled for people (the load and soak reports): the key is snake_case_key(label); a string
  // that reads as a decimal number becomes a JSON number.
  Output& field(const std::string& label, const std::string& value);
  Output& field(const std::string& label, std::int64_t value);
  Output& field(const std::string& label, bool value);
  // A JSON-only structured value (arrays of objects, nested objects); keys inside must be snake_case too.
  Output& raw(const std::string& key, nlohmann::ordered_json value);
  // A plain-text-only line (no JSON key).
  Output& line(const std::string& label, const std::string& value);
  // A single bare value (e.g. a derived key): printed alone in plain mode, as {"ok", "error", key: v} with --json.
  void value(const std::string& key, const std::string& v);
  // Plain: prints the lines. JSON: the fields go into the command's result object, which main() prints when the
  // command ends (with "ok": false and the error when it fails afterwards); a streaming command prints one line now.
  void print() const;

 private:
  void set(const std::string& key, nlohmann::ordered_json v);
  bool json_;
  std::vector<std::pair<std::string, std::string>> lines_;
  nlohmann::ordered_json obj_ = nlohmann::ordered_json::object();
};

// Is `key` snake_case ([a-z][a-z0-9_]*)?
bool is_snake_case(const std::string& key);
// A display label as a snake_case key ("MSB of KD-sess ID" -> "msb_of_kd_sess_id"), for codecs' describe() lists.
std::string snake_case_key(const std::string& label);
// Lowercase hex of `value` with `octets` octets (leading zeros kept).
std::string hex_width(std::uint64_t value, unsigned octets);

// ---- --json: declared per command, taken from anywhere on the line ----

// Removes every "--json" before a "--" from `args` (argv without the program name); true when there was one.
bool take_json_flag(std::vector<std::string>& args);
// Was --json given?
bool json_requested();

// Declares that `sub` has JSON output with these keys (besides "ok" and "error") and shows --json in its help;
// returns the flag (true when --json was given anywhere on the line).
bool* add_json_flag(CLI::App* sub, const std::vector<std::string>& keys);
// The same for a command that streams (servers, agents): every Output::print() is one JSON line at once.
bool* add_json_lines_flag(CLI::App* sub, const std::vector<std::string>& keys);
// For a command that builds its whole JSON object itself (`prose demo`), with these keys besides "ok" and "error":
// it prints it with print_own_json(); main() prints nothing after it, and the failure object only when the command
// failed before printing its own.
bool* add_own_json_flag(CLI::App* sub, const std::vector<std::string>& keys);
// Prints such a command's object after checking it against the convention and the declaration (std::logic_error
// when it breaks them: a bug, not bad input).
void print_own_json(const nlohmann::ordered_json& object);
// The declared keys of `sub`, or nullptr when it has no JSON output.
const std::vector<std::string>* json_keys(const CLI::App* sub);

// main(): checks before any callback runs that the command reached has JSON output when --json was given.
void check_json_command(const CLI::App& root);
// main(): prints the result object of a command that ended well (nothing for streaming commands).
void print_json_success(const CLI::App& root);
// main(): prints the object (or line) of a command that failed with `code` (snake_case) and `message`.
void print_json_failure(const CLI::App& root, const std::string& code, const std::string& message);
// A stable snake_case code for an exit code, and for an error's Errc.
std::string error_code_for_exit(int exit_code);
std::string error_code_for(Errc c);

// Returns the subcommand `name` of `parent`, creating it when no other command file has yet, so several files
// can add commands under one group (e.g. "crypto").
CLI::App* subcommand_group(CLI::App& parent, const std::string& name, const std::string& description);

}  // namespace prose::cli
