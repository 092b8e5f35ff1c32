#include "prose/util/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <ctime>
#include <string>

namespace prose::log {
namespace {

void append(spdlog::memory_buf_t& out, std::string_view s) { out.append(s.data(), s.data() + s.size()); }

// Length of the well-formed UTF-8 sequence at s[i], or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else
    return 0;
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  return n;
}

void append_json_string(spdlog::memory_buf_t& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      append(out, "\\n");
    } else if (c == '\r') {
      append(out, "\\r");
    } else if (c == '\t') {
      append(out, "\\t");
    } else if (c < 0x20 || c == 0x7F) {
      const char u[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(u, u + sizeof u);
    } else if (c >= 0x80) {
      const std::size_t n = utf8_length(s, i);
      if (n == 0) {
        append(out, "\\ufffd");
        ++i;
        continue;
      }
      append(out, s.substr(i, n));
      i += n;
      continue;
    } else {
      out.push_back(static_cast<char>(c));
    }
    ++i;
  }
  out.push_back('"');
}

bool is_key(std::string_view k) {
  if (k.empty()) return false;
  for (char c : k)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')) return false;
  return true;
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto t = msg.time;
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char when[40];
    const std::size_t n = std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(when + n, sizeof when - n, ".%03dZ", static_cast<int>(ms));
    const std::string_view text(msg.payload.data(), msg.payload.size());
    append(dest, "{\"time\":\"");
    append(dest, when);
    append(dest, "\",\"level\":");
    const auto lvl = spdlog::level::to_string_view(msg.level);
    append_json_string(dest, std::string_view(lvl.data(), lvl.size()));
    append(dest, ",\"component\":");
    append_json_string(dest, std::string_view(msg.logger_name.data(), msg.logger_name.size()));
    append(dest, ",\"msg\":");
    append_json_string(dest, text);
    append(dest, ",\"fields\":{");
    bool first = true;
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t end = text.find(' ', pos);
      if (end == std::string_view::npos) end = text.size();
      const std::string_view word = text.substr(pos, end - pos);
      pos = end + 1;
      const std::size_t eq = word.find('=');
      if (eq == std::string_view::npos || !is_key(word.substr(0, eq))) continue;
      if (!first) dest.push_back(',');
      first = false;
      append_json_string(dest, word.substr(0, eq));
      dest.push_back(':');
      append_json_string(dest, word.substr(eq + 1));
    }
    append(dest, "}}\n");
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

std::optional<Format> format_from_name(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  return std::nullopt;
}

std::shared_ptr<spdlog::logger> make_logger(std::string_view component, std::string_view level, Format format,
                                            spdlog::sink_ptr sink) {
  auto logger = std::make_shared<spdlog::logger>(std::string(component), std::move(sink));
  if (format == Format::kJson)
    logger->set_formatter(std::make_unique<JsonFormatter>());
  else
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %n: %v");
  auto lvl = spdlog::level::from_str(std::string(level));
  if (level != "off" && lvl == spdlog::level::off) lvl = spdlog::level::info;
  logger->set_level(lvl);
  return logger;
}

void setup(std::string_view component, std::string_view level, Format format) {
  // Colours only for people: a JSON line on a terminal is still for a program.
  spdlog::sink_ptr sink;
  if (format == Format::kJson)
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  else
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  spdlog::set_default_logger(make_logger(component, level, format, std::move(sink)));
}

}  // namespace prose::log
