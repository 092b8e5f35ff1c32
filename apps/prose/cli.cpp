#include "cli.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>

#include "guide.h"
#include "prose/util/hex.h"

namespace prose::cli {

std::string read_document(const std::string& file, std::size_t cap) {
  std::string data;
  auto read_all = [&](std::istream& in) {
    data.resize(cap);
    in.read(data.data(), static_cast<std::streamsize>(cap));
    data.resize(static_cast<std::size_t>(in.gcount()));
  };
  if (file == "-") {
    read_all(std::cin);
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) bad_input("FILE: cannot open " + file);
    read_all(in);
  }
  return data;
}

Bytes hex_option(const std::string& opt, const std::string& value, std::size_t octets) {
  auto r = octets ? from_hex_exact(value, octets, opt) : from_hex(value, opt);
  if (!r.ok()) bad_input(r.error().message);
  return std::move(r).value();
}

SecretBytes secret_option(const std::string& opt, const std::string& value, std::size_t octets) {
  Bytes b = hex_option(opt, value, octets);
  return SecretBytes::adopt(b);
}

std::uint64_t hex_uint_option(const std::string& opt, const std::string& value, unsigned bits) {
  std::string v = value;
  if (v.rfind("0x", 0) == 0 || v.rfind("0X", 0) == 0) v = v.substr(2);
  if (v.empty() || v.size() > 16)
    bad_input(opt + ": expected a hex number of at most " + std::to_string(bits) + " bits");
  std::uint64_t x = 0;
  for (char c : v) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      bad_input(opt + ": invalid hex digit '" + std::string(1, c) + "'");
    x = (x << 4) | static_cast<std::uint64_t>(d);
  }
  if (bits < 64 && (x >> bits) != 0) bad_input(opt + ": value does not fit in " + std::to_string(bits) + " bits");
  return x;
}

std::int64_t int_option(const std::string& opt, const std::string& value, std::int64_t lo, std::int64_t hi) {
  std::size_t used = 0;
  long long x = 0;
  try {
    x = std::stoll(value, &used, 10);
  } catch (const std::exception&) {
    bad_input(opt + ": expected an integer");
  }
  if (used != value.size()) bad_input(opt + ": expected an integer");
  if (x < lo || x > hi) bad_input(opt + ": must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return x;
}

Bytes read_input(const std::string& opt, const std::string& inline_hex, const std::string& file) {
  if (!inline_hex.empty() && !file.empty()) bad_input("give either " + opt + " or --in, not both");
  if (!inline_hex.empty()) return hex_option(opt, inline_hex);
  if (file.empty()) bad_input("missing input: give " + opt + " or --in FILE");
  std::ifstream in(file, std::ios::binary);
  if (!in) bad_input("--in: cannot open " + file);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string trimmed;
  bool all_hex = !data.empty();
  for (char c : data) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      all_hex = false;
      break;
    }
    trimmed.push_back(c);
  }
  if (all_hex && !trimmed.empty() && trimmed.size() % 2 == 0) return hex_option("--in", trimmed);
  return Bytes(data.begin(), data.end());
}

namespace {

struct JsonSpec {
  std::vector<std::string> keys;
  bool lines = false;
  bool self = false;  // the command prints its own object
};
std::map<const CLI::App*, JsonSpec>& specs() {
  static std::map<const CLI::App*, JsonSpec> m;
  return m;
}
bool g_json = false;                 // --json was on the command line
bool g_json_parsed = false;          // CLI11's storage for the --json flag (never set: main() takes --json out)
const JsonSpec* g_active = nullptr;  // the running command's declaration
nlohmann::ordered_json g_result = nlohmann::ordered_json::object();  // its fields so far
bool g_own_printed = false;  // a command declared with add_own_json_flag printed its object

const JsonSpec* spec_of(const CLI::App* a) {
  auto it = specs().find(a);
  return it == specs().end() ? nullptr : &it->second;
}

void check_keys(const nlohmann::ordered_json& v) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!is_snake_case(it.key())) throw std::logic_error("JSON key '" + it.key() + "' is not snake_case");
      check_keys(*it);
    }
  } else if (v.is_array()) {
    for (const auto& e : v) check_keys(e);
  }
}

// {"ok", "error", then every declared key (null when unset)}.
nlohmann::ordered_json compose(const JsonSpec* spec, const nlohmann::ordered_json& fields, const std::string* code,
                               const std::string* message) {
  nlohmann::ordered_json o = nlohmann::ordered_json::object();
  o["ok"] = code == nullptr;
  if (code == nullptr)
    o["error"] = nullptr;
  else
    o["error"] = {{"code", *code}, {"message", *message}};
  if (spec != nullptr)
    for (const auto& k : spec->keys) o[k] = fields.contains(k) ? fields[k] : nlohmann::ordered_json(nullptr);
  return o;
}

void emit(const JsonSpec* spec, const nlohmann::ordered_json& o) {
  const std::string text = (spec != nullptr && spec->lines ? o.dump() : o.dump(2)) + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

bool* declare(CLI::App* sub, const std::vector<std::string>& keys, bool lines, bool self = false) {
  for (const auto& k : keys) {
    if (!is_snake_case(k) || k == "ok" || k == "error") throw std::logic_error("bad JSON key '" + k + "'");
  }
  specs()[sub] = JsonSpec{keys, lines, self};
  std::string help = lines ? "Print JSON lines, one object per line" : "Print the result as one JSON object";
  help += " (keys: ok, error";
  for (const auto& k : keys) help += ", " + k;
  help += "; see JSON output)";
  sub->add_flag("--json", g_json_parsed, help);
  return &g_json;
}

}  // namespace

bool is_snake_case(const std::string& key) {
  if (key.empty() || key[0] < 'a' || key[0] > 'z') return false;
  for (char c : key)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

std::string snake_case_key(const std::string& label) {
  std::string k;
  for (char c : label) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      k.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else if (!k.empty() && k.back() != '_') {
      k.push_back('_');
    }
  }
  while (!k.empty() && k.back() == '_') k.pop_back();
  if (!k.empty() && std::isdigit(static_cast<unsigned char>(k[0]))) k.insert(0, "n_");
  return k;
}

std::string hex_width(std::uint64_t value, unsigned octets) {
  std::string s(2 * octets, '0');
  for (std::size_t i = s.size(); i-- > 0; value >>= 4) s[i] = "0123456789abcdef"[value & 0xf];
  return s;
}

void Output::set(const std::string& key, nlohmann::ordered_json v) {
  if (!json_) return;
  if (!is_snake_case(key)) throw std::logic_error("JSON key '" + key + "' is not snake_case");
  check_keys(v);
  if (g_active != nullptr && !g_active->self &&
      std::find(g_active->keys.begin(), g_active->keys.end(), key) == g_active->keys.end()) {
    throw std::logic_error("JSON key '" + key + "' is not declared for this command (add_json_flag)");
  }
  obj_[key] = std::move(v);
}

Output& Output::text(const std::string& key, const std::string& label, const std::string& value) {
  lines_.emplace_back(label, value);
  set(key, value);
  return *this;
}
Output& Output::num(const std::string& key, const std::string& label, std::int64_t value) {
  lines_.emplace_back(label, std::to_string(value));
  set(key, value);
  return *this;
}
Output& Output::real(const std::string& key, const std::string& label, double value, int decimals) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, value);
  lines_.emplace_back(label, b);
  set(key, std::strtod(b, nullptr));
  return *this;
}
Output& Output::flag(const std::string& key, const std::string& label, bool value) {
  lines_.emplace_back(label, value ? "yes" : "no");
  set(key, value);
  return *this;
}
Output& Output::hex(const std::string& key, const std::string& label, ByteView value) {
  const std::string h = to_hex(value);
  lines_.emplace_back(label, h);
  set(key, h);
  return *this;
}
Output& Output::hex_id(const std::string& key, const std::string& label, std::uint64_t value, unsigned octets) {
  const std::string h = hex_width(value, octets);
  lines_.emplace_back(label, h);
  set(key, h);
  return *this;
}
Output& Output::list(const std::string& key, const std::string& label, const std::vector<std::string>& values) {
  std::string joined;
  for (const auto& v : values) joined += (joined.empty() ? "" : ", ") + v;
  lines_.emplace_back(label, values.empty() ? std::string("-") : joined);
  set(key, values);
  return *this;
}
Output& Output::field(const std::string& label, const std::string& value) {
  lines_.emplace_back(label, value);
  char* end = nullptr;
  const double d = value.empty() ? 0 : std::strtod(value.c_str(), &end);
  const bool number = !value.empty() && end == value.c_str() + value.size() &&
                      value.find_first_not_of("0123456789.-") == std::string::npos;
  if (number)
    set(snake_case_key(label), d);
  else
    set(snake_case_key(label), value);
  return *this;
}
Output& Output::field(const std::string& label, std::int64_t value) {
  lines_.emplace_back(label, std::to_string(value));
  set(snake_case_key(label), value);
  return *this;
}
Output& Output::field(const std::string& label, bool value) {
  lines_.emplace_back(label, value ? "yes" : "no");
  set(snake_case_key(label), value);
  return *this;
}
Output& Output::raw(const std::string& key, nlohmann::ordered_json value) {
  set(key, std::move(value));
  return *this;
}
Output& Output::line(const std::string& label, const std::string& value) {
  lines_.emplace_back(label, value);
  return *this;
}
void Output::value(const std::string& key, const std::string& v) {
  if (json_) {
    set(key, v);
    print();
  } else {
    std::cout << v << "\n";
  }
}
void Output::print() const {
  if (json_) {
    if (g_active != nullptr && g_active->lines) {
      emit(g_active, compose(g_active, obj_, nullptr, nullptr));
      return;
    }
    for (auto it = obj_.begin(); it != obj_.end(); ++it) g_result[it.key()] = *it;
    return;
  }
  for (const auto& [k, v] : lines_) std::cout << k << ": " << v << "\n";
}

bool take_json_flag(std::vector<std::string>& args) {
  bool found = false;
  std::vector<std::string> kept;
  bool rest = false;
  for (auto& a : args) {
    if (a == "--") rest = true;
    if (!rest && a == "--json") {
      found = true;
      continue;
    }
    kept.push_back(std::move(a));
  }
  args = std::move(kept);
  g_json = g_json || found;
  return found;
}

bool json_requested() { return g_json; }

bool* add_json_flag(CLI::App* sub, const std::vector<std::string>& keys) { return declare(sub, keys, false); }
bool* add_own_json_flag(CLI::App* sub, const std::vector<std::string>& keys) { return declare(sub, keys, false, true); }

void print_own_json(const nlohmann::ordered_json& object) {
  if (g_active == nullptr || !g_active->self)
    throw std::logic_error("print_own_json: not declared with add_own_json_flag");
  if (!object.is_object() || !object.contains("ok") || !object["ok"].is_boolean() || !object.contains("error"))
    throw std::logic_error("print_own_json: the object needs \"ok\" (boolean) and \"error\"");
  check_keys(object);
  std::vector<std::string> want{"ok", "error"};
  want.insert(want.end(), g_active->keys.begin(), g_active->keys.end());
  std::vector<std::string> have;
  for (auto it = object.begin(); it != object.end(); ++it) have.push_back(it.key());
  if (have != want) throw std::logic_error("print_own_json: the keys differ from the declaration (add_own_json_flag)");
  emit(g_active, object);
  g_own_printed = true;
}
bool* add_json_lines_flag(CLI::App* sub, const std::vector<std::string>& keys) { return declare(sub, keys, true); }

const std::vector<std::string>* json_keys(const CLI::App* sub) {
  const JsonSpec* s = spec_of(sub);
  return s == nullptr ? nullptr : &s->keys;
}

void check_json_command(const CLI::App& root) {
  if (!g_json) return;
  const CLI::App* l = reached_command(root);
  g_active = spec_of(l);
  if (g_active == nullptr) throw Exit(kExitBadInput, "--json: `" + command_path(l) + "` has no JSON output", "usage");
}

void print_json_success(const CLI::App& root) {
  if (!g_json) return;
  const JsonSpec* spec = g_active != nullptr ? g_active : spec_of(reached_command(root));
  if (spec == nullptr || spec->lines || spec->self) return;
  emit(spec, compose(spec, g_result, nullptr, nullptr));
}

void print_json_failure(const CLI::App& root, const std::string& code, const std::string& message) {
  if (!g_json || g_own_printed) return;
  const JsonSpec* spec = g_active != nullptr ? g_active : spec_of(reached_command(root));
  emit(spec, compose(spec, g_result, &code, &message));
}

std::string error_code_for_exit(int exit_code) {
  return exit_code == kExitBadInput ? "bad_input" : exit_code == kExitOk ? "none" : "failed";
}

std::string error_code_for(Errc c) {
  switch (c) {
    case Errc::kInvalidArgument:
      return "invalid_argument";
    case Errc::kTruncated:
      return "truncated";
    case Errc::kMalformed:
      return "malformed";
    case Errc::kUnsupported:
      return "unsupported";
    case Errc::kAuthFailed:
      return "auth_failed";
    case Errc::kReplay:
      return "replay";
    case Errc::kClockSkew:
      return "clock_skew";
    case Errc::kSyncFailure:
      return "sync_failure";
    case Errc::kNotFound:
      return "not_found";
    case Errc::kDenied:
      return "denied";
    case Errc::kConflict:
      return "conflict";
    case Errc::kState:
      return "state";
    case Errc::kTimeout:
      return "timeout";
    case Errc::kIo:
      return "io";
    case Errc::kInternal:
      return "internal";
  }
  return "internal";
}

CLI::App* subcommand_group(CLI::App& parent, const std::string& name, const std::string& description) {
  for (CLI::App* sub : parent.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == name) return sub;
  }
  CLI::App* sub = parent.add_subcommand(name, description);
  sub->require_subcommand(1);
  return sub;
}

}  // namespace prose::cli
