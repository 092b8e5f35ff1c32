// ProSe Function metrics in the Prometheus text exposition format, served at /metrics by the standalone process
// (operator certificates only; optionally also plain HTTP on loopback, [prose_function] metrics_listen): PC3
// requests by outcome, entries by outcome, request latency histogram, HTTP errors, and the HTTPS server's connection
// counters. Thread-safe, lock-free counters. packaging/grafana/prose.json charts them.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "prose/net/metrics_text.h"
#include "prose/net/server.h"
#include "prose/prosefn/service.h"

namespace prose::prosefn {

class Metrics {
 public:
  // One PC3 request handled in `seconds` with this reply.
  void request(double seconds, const ProseFunctionService::Reply& reply);
  // A request refused with this HTTP status (also a /metrics request from a UE or relay: 403).
  void http_error(int status);
  // Where render() takes the HTTPS server's counters from (nullptr: none).
  void set_https_stats(std::function<net::ServerStats()> source);
  std::string render() const;

 private:
  static constexpr std::size_t kCauses = 8;                     // cause values are below this (cause.h)
  std::array<std::atomic<std::uint64_t>, kCauses> requests_{};  // [0] answered entry by entry, [c] the cause
  std::array<std::atomic<std::uint64_t>, kCauses> entries_{};   // [0] granted, [c] the cause
  net::LatencyHistogram latency_;
  std::array<std::atomic<std::uint64_t>, 600> http_errors_{};
  mutable std::mutex https_m_;
  std::function<net::ServerStats()> https_stats_;
};

}  // namespace prose::prosefn
