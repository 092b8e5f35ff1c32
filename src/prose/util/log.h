// Logging (spdlog): one line per event, "key=value" fields with identifiers (IMSI, PRUK ID, CSB ID, relay id),
// never key material: pass SecretBytes::fingerprint() where a key must be told apart.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
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

// Line formats:
//   text: "<local time> <level> <component>: message"
//   json: one JSON object per line, {"time": UTC ISO 8601 with ms, "level", "component", "msg", "fields"}, where
//         "fields" holds the message's key=value words (values as strings); invalid UTF-8 becomes U+FFFD.
enum class Format { kText, kJson };
// "text" or "json"; nullopt for anything else.
std::optional<Format> format_from_name(std::string_view name);

// A logger writing to `sink` in `format`; level from a name ("debug", "info", "warn", "error", "off"), unknown names
// keep "info".
std::shared_ptr<spdlog::logger> make_logger(std::string_view component, std::string_view level, Format format,
                                            spdlog::sink_ptr sink);

// Process-wide setup: the default logger writes to stderr.
void setup(std::string_view component, std::string_view level = "info", Format format = Format::kText);

}  // namespace prose::log
