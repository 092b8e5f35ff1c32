// PKMF metrics in the Prometheus text exposition format (served at /metrics): requests by exchange, errors by
// status code, request latency histogram, PRUKs issued, MIKEY sends and retries, and the HTTPS server's connection
// counters (admission, TLS handshake failures, refused requests). Thread-safe, lock-free counters.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "prose/net/server.h"
#include "prose/pc8/error_codes.h"

namespace prose::pkmf {

// kServiceAuthorisation: PC3 requests to the ProSe Function when the PKMF hosts it.
enum class Exchange : std::uint8_t { kPruk, kKd, kPgk, kDiscovery, kServiceAuthorisation, kCount };

class Metrics {
 public:
  static constexpr std::array<double, 12> kLatencyBucketsS = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                                              0.05,   0.1,   0.25,  0.5,   1.0,  2.5};

  void request(Exchange e, double seconds);
  void error(pc8::ErrorCode code);
  void http_error(int status);
  void pruk_issued(bool by_gba_push);
  void kd_derived() { kd_derived_.fetch_add(1, std::memory_order_relaxed); }
  void mikey_sent() { mikey_sent_.fetch_add(1, std::memory_order_relaxed); }
  void mikey_retry() { mikey_retries_.fetch_add(1, std::memory_order_relaxed); }
  void mikey_verified() { mikey_verified_.fetch_add(1, std::memory_order_relaxed); }
  void mikey_gave_up() { mikey_gave_up_.fetch_add(1, std::memory_order_relaxed); }
  // A datagram on the MIKEY socket that is no verification message the PKMF waits for.
  void mikey_ignored() { mikey_ignored_.fetch_add(1, std::memory_order_relaxed); }
  // A MIKEY send not made because a cap was reached ([mikey] max_sends_per_second, ue_retransmissions_per_minute).
  enum class MikeyDrop : std::uint8_t { kRate, kUeRetransmissions };
  void mikey_dropped(MikeyDrop why) {
    (why == MikeyDrop::kRate ? mikey_dropped_rate_ : mikey_dropped_ue_).fetch_add(1, std::memory_order_relaxed);
  }
  // A Key Request named another IP address than its TLS connection's; MIKEY goes to the latter ([mikey] destination).
  void mikey_address_replaced() { mikey_address_replaced_.fetch_add(1, std::memory_order_relaxed); }
  // A pending delivery taken over after its PKMF stopped working on it (a restart, or another PKMF's crash).
  void mikey_resumed() { mikey_resumed_.fetch_add(1, std::memory_order_relaxed); }
  // Discovery keys: a PSDK handed to a requester (one per granted RSC), and a PSDK created (first or rotation).
  void psdk_issued() { psdks_issued_.fetch_add(1, std::memory_order_relaxed); }
  void psdk_created() { psdks_created_.fetch_add(1, std::memory_order_relaxed); }

  // Where render() takes the HTTPS server's counters from (nullptr: none).
  void set_https_stats(std::function<net::ServerStats()> source);

  std::string render() const;

 private:
  static constexpr std::size_t kExchanges = static_cast<std::size_t>(Exchange::kCount);
  static constexpr std::size_t kMaxCode = 64;
  std::array<std::atomic<std::uint64_t>, kExchanges> requests_{};
  std::array<std::array<std::atomic<std::uint64_t>, kLatencyBucketsS.size() + 1>, kExchanges> buckets_{};
  std::array<std::atomic<std::uint64_t>, kExchanges> latency_sum_us_{};
  std::array<std::atomic<std::uint64_t>, kMaxCode> errors_{};
  std::array<std::atomic<std::uint64_t>, 600> http_errors_{};
  std::atomic<std::uint64_t> pruks_mikey_{0}, pruks_gba_{0}, kd_derived_{0};
  std::atomic<std::uint64_t> mikey_sent_{0}, mikey_retries_{0}, mikey_verified_{0}, mikey_gave_up_{0},
      mikey_ignored_{0};
  std::atomic<std::uint64_t> mikey_dropped_rate_{0}, mikey_dropped_ue_{0}, mikey_address_replaced_{0},
      mikey_resumed_{0};
  std::atomic<std::uint64_t> psdks_issued_{0}, psdks_created_{0};
  mutable std::mutex https_m_;
  std::function<net::ServerStats()> https_stats_;
};

}  // namespace prose::pkmf
