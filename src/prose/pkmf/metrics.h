// PKMF metrics in the Prometheus text exposition format (served at /metrics): requests by exchange, responses by
// exchange and outcome, errors by status code, request latency histogram, PRUKs issued, GBA Push results, MIKEY
// sends, retries and deliveries pending, the store's state, and the HTTPS server's connection counters (admission,
// TLS handshake failures, refused requests). Thread-safe, lock-free counters. packaging/grafana/prose.json charts
// them.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "prose/net/metrics_text.h"
#include "prose/net/server.h"
#include "prose/pc8/error_codes.h"

namespace prose::pkmf {

// kServiceAuthorisation: PC3 requests to the ProSe Function when the PKMF hosts it.
enum class Exchange : std::uint8_t { kPruk, kKd, kPgk, kDiscovery, kServiceAuthorisation, kCount };

class Metrics {
 public:
  // One request of exchange `e` handled in `seconds`; `error`: the status code of its response (none: granted).
  void request(Exchange e, double seconds, std::optional<pc8::ErrorCode> error = std::nullopt);
  void error(pc8::ErrorCode code);
  void http_error(int status);
  void pruk_issued(bool by_gba_push);
  void kd_derived() { kd_derived_.fetch_add(1, std::memory_order_relaxed); }
  // One lookup statement of the KD batcher (PostgreSQL store) for `requests` KD requests.
  void kd_batch(std::size_t requests) {
    kd_batches_.fetch_add(1, std::memory_order_relaxed);
    kd_batched_.fetch_add(requests, std::memory_order_relaxed);
  }
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

  // A GBA Push to the HSS/BSF (a PRUK for a KD request): done, the subscriber unknown, the HSS/BSF unreachable,
  // or refused otherwise.
  enum class GbaPushResult : std::uint8_t { kOk, kUnknownUser, kUnreachable, kFailed, kCount };
  void gba_push(GbaPushResult r) { gba_push_[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed); }

  // Where render() takes the HTTPS server's counters from (nullptr: none).
  void set_https_stats(std::function<net::ServerStats()> source);

  // What render() reads at scrape time: MIKEY deliveries waiting for their verification in this process, and the
  // store's row counts (nullopt: the store cannot be read).
  struct State {
    std::size_t mikey_pending = 0;
    std::optional<std::vector<std::pair<std::string, std::uint64_t>>> store_rows;
    // The store's server: the pool holds a live connection, the server it reached accepts writes (a PostgreSQL
    // primary, not a standby; SQLite always), and how often a new connection reached another server than the one
    // before (PostgreSQL: a failover to a promoted standby through the multi-host URL; SQLite: never).
    struct Server {
      bool connected = false;
      bool read_write = false;
      std::uint64_t failovers = 0;
    };
    std::optional<Server> store_server;
  };
  void set_state_source(std::function<State()> source);

  std::string render() const;

 private:
  static constexpr std::size_t kExchanges = static_cast<std::size_t>(Exchange::kCount);
  static constexpr std::size_t kMaxCode = 64;
  std::array<std::atomic<std::uint64_t>, kExchanges> requests_{};
  std::array<net::LatencyHistogram, kExchanges> latency_{};
  std::array<std::atomic<std::uint64_t>, kMaxCode> errors_{};
  // By exchange and outcome: [0] granted, [code] the status code.
  std::array<std::array<std::atomic<std::uint64_t>, kMaxCode>, kExchanges> responses_{};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(GbaPushResult::kCount)> gba_push_{};
  std::array<std::atomic<std::uint64_t>, 600> http_errors_{};
  std::atomic<std::uint64_t> pruks_mikey_{0}, pruks_gba_{0}, kd_derived_{0};
  std::atomic<std::uint64_t> kd_batches_{0}, kd_batched_{0};
  std::atomic<std::uint64_t> mikey_sent_{0}, mikey_retries_{0}, mikey_verified_{0}, mikey_gave_up_{0},
      mikey_ignored_{0};
  std::atomic<std::uint64_t> mikey_dropped_rate_{0}, mikey_dropped_ue_{0}, mikey_address_replaced_{0},
      mikey_resumed_{0};
  std::atomic<std::uint64_t> psdks_issued_{0}, psdks_created_{0};
  mutable std::mutex https_m_;
  std::function<net::ServerStats()> https_stats_;
  std::function<State()> state_;
};

}  // namespace prose::pkmf
