#include "cli.h"

#include <fstream>
#include <iostream>
#include <iterator>

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

Output& Output::field(const std::string& name, const std::string& value) {
  lines_.emplace_back(name, value);
  obj_[name] = value;
  return *this;
}
Output& Output::field(const std::string& name, std::int64_t value) {
  lines_.emplace_back(name, std::to_string(value));
  obj_[name] = value;
  return *this;
}
Output& Output::field(const std::string& name, bool value) {
  lines_.emplace_back(name, value ? "yes" : "no");
  obj_[name] = value;
  return *this;
}
Output& Output::raw(const std::string& name, nlohmann::json value) {
  obj_[name] = std::move(value);
  return *this;
}
void Output::value(const std::string& name, const std::string& v) {
  if (json_) {
    nlohmann::ordered_json o;
    o[name] = v;
    std::cout << o.dump() << "\n";
  } else {
    std::cout << v << "\n";
  }
}
void Output::print() const {
  if (json_) {
    std::cout << obj_.dump(2) << "\n";
    return;
  }
  for (const auto& [k, v] : lines_) std::cout << k << ": " << v << "\n";
}

CLI::App* subcommand_group(CLI::App& parent, const std::string& name, const std::string& description) {
  for (CLI::App* sub : parent.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == name) return sub;
  }
  CLI::App* sub = parent.add_subcommand(name, description);
  sub->require_subcommand(1);
  return sub;
}

bool* add_json_flag(CLI::App* sub) {
  auto* flag = new bool(false);  // lives as long as the process: subcommands are built once in main
  sub->add_flag("--json", *flag, "Print the result as JSON");
  return flag;
}

}  // namespace prose::cli
