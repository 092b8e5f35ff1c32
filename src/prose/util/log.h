// Logging (spdlog): one line per event, "key=value" fields with identifiers (IMSI, PRUK ID, CSB ID, relay id),
// never key material: pass SecretBytes::fingerprint() where a key must be told apart.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace prose::log {

template <typename... Args>
void debug(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::debug(fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void info(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::info(fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void warn(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::warn(fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void error(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::error(fmt, std::forward<Args>(args)...);
}

// Process-wide setup: "<time> <level> <component>: message" on stderr; level from a name
// ("debug", "info", "warn", "error", "off"). Unknown names keep "info".
void setup(std::string_view component, std::string_view level = "info");

}  // namespace prose::log
