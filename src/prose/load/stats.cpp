#include "prose/load/stats.h"

#include <algorithm>
#include <cstddef>

namespace prose::load {

double percentile_ms(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0.0;
  return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size())))] * 1e3;
}

}  // namespace prose::load
