// Pieces of the Prometheus text exposition (format 0.0.4) the servers' /metrics share (PKMF, ProSe Function): a
// request latency histogram and the HTTPS server's connection counters.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "prose/net/server.h"

namespace prose::net {

// Where a server serves its metrics, and their content type (Prometheus text format 0.0.4).
inline constexpr std::string_view kMetricsPath = "/metrics";
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4";

// Lock-free: observe() from any thread, render() at any time.
class LatencyHistogram {
 public:
  static constexpr std::array<double, 12> kBucketsS = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                                       0.05,   0.1,   0.25,  0.5,   1.0,  2.5};
  void observe(double seconds);
  // <name>_bucket{<labels>,le="..."} (cumulative, le="+Inf" last), <name>_sum{<labels>}, <name>_count{<labels>};
  // `labels` is empty or `key="value",...` without braces. The HELP and TYPE lines are the caller's.
  void render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBucketsS.size() + 1> buckets_{};
  std::atomic<std::uint64_t> sum_us_{0};
};

// The HTTPS server's counters, with HELP and TYPE: <prefix>_connections{state} (gauge),
// <prefix>_connections_accepted_total, <prefix>_connections_refused_total{cause},
// <prefix>_tls_handshake_failures_total{reason} and <prefix>_http_read_timeouts_total.
void render_https_stats(std::string& out, std::string_view prefix, const ServerStats& s);

}  // namespace prose::net
