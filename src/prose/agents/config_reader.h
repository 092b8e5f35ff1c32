// The agents' reader of their configuration files (config.cpp, config_ip.cpp): every key read must be in the
// agent's key table, with the agents' messages for each type. Internal to agents/.
#pragma once

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <span>
#include <string>

#include "prose/agents/agents.h"
#include "prose/config/toml_reader.h"
#include "prose/util/result.h"

namespace prose::agents {

inline bool known(std::span<const ConfigKey> keys, const std::string& name) {
  return std::any_of(keys.begin(), keys.end(), [&](const ConfigKey& k) { return k.name == name; });
}

// The agents' key table on config::TomlReader (which records the first problem as "<file>: <key>: <problem>"):
// every key read must be in the table, and unknown_keys() refuses every section and key of the file that is not.
// Sections are read by name (`sec`, `key`), with the agents' messages for each type.
struct KeyTableReader {
  config::TomlReader r;
  const toml::table* t = nullptr;
  std::span<const ConfigKey> keys;

  void bad(const std::string& key, const std::string& what) { r.bad(key, what); }
  const toml::node* node(const std::string& sec, const std::string& key) {
    // A key read here but missing from the table would be refused in every file by unknown_keys(): caught by
    // any test that loads a configuration.
    if (!known(keys, sec + "." + key)) bad(sec + "." + key, "read but not in the key table (a bug)");
    const toml::node* s = t->get(sec);
    if (!s || !s->is_table()) return nullptr;
    return s->as_table()->get(key);
  }
  std::string str(const std::string& sec, const std::string& key, std::string def, bool required = false) {
    const toml::node* n = node(sec, key);
    if (!n) {
      if (required) bad(sec + "." + key, "required");
      return def;
    }
    if (auto v = n->value<std::string>()) return *v;
    bad(sec + "." + key, "must be a string");
    return def;
  }
  std::int64_t num(const std::string& sec, const std::string& key, std::int64_t def, std::int64_t lo, std::int64_t hi,
                   bool required = false) {
    const toml::node* n = node(sec, key);
    if (!n) {
      if (required) bad(sec + "." + key, "required");
      return def;
    }
    auto v = n->value<std::int64_t>();
    if (!v) {
      bad(sec + "." + key, "must be an integer");
      return def;
    }
    if (*v < lo || *v > hi) bad(sec + "." + key, "out of range " + std::to_string(lo) + ".." + std::to_string(hi));
    return *v;
  }
  double real(const std::string& sec, const std::string& key, double def) {
    const toml::node* n = node(sec, key);
    if (!n) return def;
    auto v = n->value<double>();
    if (!v || *v < 0 || *v > 1) bad(sec + "." + key, "must be a number in [0, 1]");
    return v ? *v : def;
  }
  bool boolean(const std::string& sec, const std::string& key, bool def) {
    const toml::node* n = node(sec, key);
    if (!n) return def;
    auto v = n->value<bool>();
    if (!v) bad(sec + "." + key, "must be true or false");
    return v.value_or(def);
  }
  // Relative to the directory of the configuration file as it was named.
  std::string path(const std::string& sec, const std::string& key, bool required) {
    std::string p = str(sec, key, "", required);
    if (p.empty() || std::filesystem::path(p).is_absolute()) return p;
    return (std::filesystem::path(r.file()).parent_path() / p).string();
  }
  Status status() const { return r.ok() ? Status{} : Status(*r.error()); }
};

// A section that is there must be a table ("<name>: must be a table"); false when absent or not a table.
inline bool has_table(KeyTableReader& r, const char* name) {
  const toml::node* n = r.t->get(name);
  if (n && !n->is_table()) r.bad(name, "must be a table");
  return n && n->is_table();
}

}  // namespace prose::agents
