// The shared TOML reader of the server configurations over arbitrary documents: every key read as every type,
// unknown keys and sections, the [tls] and [store] blocks. Nothing may crash; a problem is one error message.
#include <toml++/toml.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "prose/config/toml_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  toml::table root;
  try {
    root = toml::parse(std::string_view(reinterpret_cast<const char*>(data), size), std::string_view("fuzz.toml"));
  } catch (const toml::parse_error&) {
    return 0;
  }
  (void)prose::config::check_sections(root, "fuzz.toml", {"tls", "store", "s"});
  for (auto types : {prose::config::TomlReader::Types::kExact, prose::config::TomlReader::Types::kPermissive}) {
    prose::config::TomlReader r("fuzz.toml", types);
    prose::net::TlsServerSettings tls;
    prose::config::read_tls(r, r.table(root, "tls"), "tls", tls);
    auto store = prose::config::read_store(r, r.table(root, "store"), "store");
    (void)store;
    const toml::table* s = r.table(root, "s");
    r.only(s, "s", {"n", "b", "str", "sub"});
    (void)r.subtable(s, "s", "sub");
    if (s != nullptr) {
      for (const auto& [k, v] : *s) {
        std::string key(k.str());
        (void)v;
        (void)r.num(s, "s", key, 0, -5, 5);
        (void)r.flag(s, "s", key, false);
        (void)r.str(s, "s", key, "");
      }
    }
    if (r.ok() != !r.error().has_value()) __builtin_trap();
  }
  return 0;
}
