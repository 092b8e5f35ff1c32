#include "prose/load/report.h"

#include <cstdio>
#include <cstdlib>

namespace prose::load {

std::string fixed(double v, int decimals) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

void Report::real(const std::string& label, double v, int decimals) {
  fields.push_back({label, Real{std::strtod(fixed(v, decimals).c_str(), nullptr), decimals}});
}

}  // namespace prose::load
