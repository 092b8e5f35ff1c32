#include "prose/util/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <string>

namespace prose::log {

void setup(std::string_view component, std::string_view level) {
  auto logger = spdlog::stderr_color_mt(std::string(component));
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %n: %v");
  auto lvl = spdlog::level::from_str(std::string(level));
  if (level != "off" && lvl == spdlog::level::off) lvl = spdlog::level::info;
  logger->set_level(lvl);
  spdlog::set_default_logger(logger);
}

}  // namespace prose::log
