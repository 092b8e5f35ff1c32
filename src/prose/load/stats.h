// Statistics of latency samples.
#pragma once

#include <vector>

namespace prose::load {

// The p-quantile (0..1) of sorted samples in seconds, in milliseconds: the sample at index floor(p * n), the last
// one at most; 0 without samples.
double percentile_ms(const std::vector<double>& sorted, double p);

}  // namespace prose::load
