#include "prose/pkmf/metrics.h"

#include <cstdio>
#include <optional>

namespace prose::pkmf {
namespace {
const char* exchange_label(std::size_t i) {
  static const char* kNames[] = {"pruk", "kd", "pgk", "discovery", "pc3-service-authorisation"};
  return kNames[i];
}
}  // namespace

void Metrics::request(Exchange e, double seconds) {
  auto i = static_cast<std::size_t>(e);
  requests_[i].fetch_add(1, std::memory_order_relaxed);
  std::size_t b = 0;
  while (b < kLatencyBucketsS.size() && seconds > kLatencyBucketsS[b]) ++b;
  buckets_[i][b].fetch_add(1, std::memory_order_relaxed);
  latency_sum_us_[i].fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void Metrics::error(pc8::ErrorCode code) {
  auto v = static_cast<std::size_t>(pc8::error_code_value(code));
  if (v < kMaxCode) errors_[v].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::http_error(int status) {
  if (status >= 0 && status < static_cast<int>(http_errors_.size())) {
    http_errors_[static_cast<std::size_t>(status)].fetch_add(1, std::memory_order_relaxed);
  }
}

void Metrics::pruk_issued(bool by_gba_push) { (by_gba_push ? pruks_gba_ : pruks_mikey_).fetch_add(1); }

void Metrics::set_https_stats(std::function<net::ServerStats()> source) {
  std::lock_guard lock(https_m_);
  https_stats_ = std::move(source);
}

std::string Metrics::render() const {
  std::optional<net::ServerStats> https;
  {
    std::lock_guard lock(https_m_);
    if (https_stats_) https = https_stats_();
  }
  std::string out;
  char line[256];
  auto add = [&](const char* fmt, auto... args) {
    std::snprintf(line, sizeof line, fmt, args...);
    out += line;
  };
  out += "# HELP prose_pkmf_requests_total PC8 Key Requests handled, by exchange.\n";
  out += "# TYPE prose_pkmf_requests_total counter\n";
  for (std::size_t i = 0; i < kExchanges; ++i) {
    add("prose_pkmf_requests_total{exchange=\"%s\"} %llu\n", exchange_label(i),
        static_cast<unsigned long long>(requests_[i].load()));
  }
  out += "# HELP prose_pkmf_errors_total Key Responses carrying a status code, by code.\n";
  out += "# TYPE prose_pkmf_errors_total counter\n";
  for (const auto& info : pc8::error_code_table()) {
    auto v = static_cast<std::size_t>(pc8::error_code_value(info.code));
    if (v >= kMaxCode) continue;
    add("prose_pkmf_errors_total{code=\"%zu\",name=\"%.*s\"} %llu\n", v, static_cast<int>(info.name.size()),
        info.name.data(), static_cast<unsigned long long>(errors_[v].load()));
  }
  out +=
      "# HELP prose_pkmf_http_errors_total HTTP requests refused before the PC8 or PC3 codec (bad path, body; "
      "malformed HTTP, body or header too large).\n";
  out += "# TYPE prose_pkmf_http_errors_total counter\n";
  for (std::size_t s = 400; s < http_errors_.size(); ++s) {
    auto n = http_errors_[s].load();
    if (https) n += s == 400 ? https->http_400 : s == 413 ? https->http_413 : s == 431 ? https->http_431 : 0;
    if (n) add("prose_pkmf_http_errors_total{status=\"%zu\"} %llu\n", s, static_cast<unsigned long long>(n));
  }
  out += "# HELP prose_pkmf_request_duration_seconds Time to handle one Key Request.\n";
  out += "# TYPE prose_pkmf_request_duration_seconds histogram\n";
  for (std::size_t i = 0; i < kExchanges; ++i) {
    std::uint64_t cum = 0;
    for (std::size_t b = 0; b < kLatencyBucketsS.size(); ++b) {
      cum += buckets_[i][b].load();
      add("prose_pkmf_request_duration_seconds_bucket{exchange=\"%s\",le=\"%g\"} %llu\n", exchange_label(i),
          kLatencyBucketsS[b], static_cast<unsigned long long>(cum));
    }
    cum += buckets_[i][kLatencyBucketsS.size()].load();
    add("prose_pkmf_request_duration_seconds_bucket{exchange=\"%s\",le=\"+Inf\"} %llu\n", exchange_label(i),
        static_cast<unsigned long long>(cum));
    add("prose_pkmf_request_duration_seconds_sum{exchange=\"%s\"} %.6f\n", exchange_label(i),
        static_cast<double>(latency_sum_us_[i].load()) / 1e6);
    add("prose_pkmf_request_duration_seconds_count{exchange=\"%s\"} %llu\n", exchange_label(i),
        static_cast<unsigned long long>(cum));
  }
  out += "# HELP prose_pkmf_pruks_issued_total PRUKs issued, by delivery.\n";
  out += "# TYPE prose_pkmf_pruks_issued_total counter\n";
  add("prose_pkmf_pruks_issued_total{delivery=\"mikey\"} %llu\n", static_cast<unsigned long long>(pruks_mikey_.load()));
  add("prose_pkmf_pruks_issued_total{delivery=\"gba-push\"} %llu\n",
      static_cast<unsigned long long>(pruks_gba_.load()));
  out += "# HELP prose_pkmf_kd_derived_total KD keys derived for relays.\n# TYPE prose_pkmf_kd_derived_total counter\n";
  add("prose_pkmf_kd_derived_total %llu\n", static_cast<unsigned long long>(kd_derived_.load()));
  out += "# HELP prose_pkmf_mikey_messages_total MIKEY datagrams, by event.\n";
  out += "# TYPE prose_pkmf_mikey_messages_total counter\n";
  add("prose_pkmf_mikey_messages_total{event=\"sent\"} %llu\n", static_cast<unsigned long long>(mikey_sent_.load()));
  add("prose_pkmf_mikey_messages_total{event=\"retry\"} %llu\n",
      static_cast<unsigned long long>(mikey_retries_.load()));
  add("prose_pkmf_mikey_messages_total{event=\"verified\"} %llu\n",
      static_cast<unsigned long long>(mikey_verified_.load()));
  add("prose_pkmf_mikey_messages_total{event=\"gave_up\"} %llu\n",
      static_cast<unsigned long long>(mikey_gave_up_.load()));
  add("prose_pkmf_mikey_messages_total{event=\"ignored\"} %llu\n",
      static_cast<unsigned long long>(mikey_ignored_.load()));
  out += "# HELP prose_pkmf_mikey_dropped_total MIKEY sends not made because a cap was reached, by cap.\n";
  out += "# TYPE prose_pkmf_mikey_dropped_total counter\n";
  add("prose_pkmf_mikey_dropped_total{reason=\"rate\"} %llu\n",
      static_cast<unsigned long long>(mikey_dropped_rate_.load()));
  add("prose_pkmf_mikey_dropped_total{reason=\"ue-retransmissions\"} %llu\n",
      static_cast<unsigned long long>(mikey_dropped_ue_.load()));
  out +=
      "# HELP prose_pkmf_mikey_address_replaced_total Key Requests naming another IP address than their TLS "
      "connection's (MIKEY went to the TLS peer).\n";
  out += "# TYPE prose_pkmf_mikey_address_replaced_total counter\n";
  add("prose_pkmf_mikey_address_replaced_total %llu\n",
      static_cast<unsigned long long>(mikey_address_replaced_.load()));
  out +=
      "# HELP prose_pkmf_mikey_deliveries_resumed_total Unverified PRUK deliveries taken over from the store after "
      "their PKMF stopped (restart, crash).\n";
  out += "# TYPE prose_pkmf_mikey_deliveries_resumed_total counter\n";
  add("prose_pkmf_mikey_deliveries_resumed_total %llu\n", static_cast<unsigned long long>(mikey_resumed_.load()));
  out += "# HELP prose_pkmf_psdks_issued_total PSDKs handed out in Discovery Key Responses (one per granted RSC).\n";
  out += "# TYPE prose_pkmf_psdks_issued_total counter\n";
  add("prose_pkmf_psdks_issued_total %llu\n", static_cast<unsigned long long>(psdks_issued_.load()));
  out += "# HELP prose_pkmf_psdks_created_total PSDKs created by this PKMF (first PSDK of an RSC or rotation).\n";
  out += "# TYPE prose_pkmf_psdks_created_total counter\n";
  add("prose_pkmf_psdks_created_total %llu\n", static_cast<unsigned long long>(psdks_created_.load()));
  if (!https) return out;
  auto n = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  out += "# HELP prose_pkmf_connections HTTPS connections now, by state (handshake: not authenticated yet).\n";
  out += "# TYPE prose_pkmf_connections gauge\n";
  add("prose_pkmf_connections{state=\"handshake\"} %llu\n", n(https->pending_handshakes));
  add("prose_pkmf_connections{state=\"established\"} %llu\n", n(https->active_connections - https->pending_handshakes));
  out += "# HELP prose_pkmf_connections_accepted_total HTTPS connections admitted.\n";
  out += "# TYPE prose_pkmf_connections_accepted_total counter\n";
  add("prose_pkmf_connections_accepted_total %llu\n", n(https->connections_accepted));
  out +=
      "# HELP prose_pkmf_connections_refused_total HTTPS connections closed by admission control, by the limit "
      "(refused after accept, or a pending handshake closed to make room).\n";
  out += "# TYPE prose_pkmf_connections_refused_total counter\n";
  for (std::size_t i = 0; i < net::kRefusalCauses; ++i) {
    auto cause = net::refusal_cause_name(static_cast<net::RefusalCause>(i));
    add("prose_pkmf_connections_refused_total{cause=\"%.*s\"} %llu\n", static_cast<int>(cause.size()), cause.data(),
        n(https->refused[i]));
  }
  out += "# HELP prose_pkmf_tls_handshake_failures_total TLS handshakes that failed, by reason.\n";
  out += "# TYPE prose_pkmf_tls_handshake_failures_total counter\n";
  for (std::size_t i = 0; i < net::kHandshakeFailures; ++i) {
    auto reason = net::handshake_failure_name(static_cast<net::HandshakeFailure>(i));
    add("prose_pkmf_tls_handshake_failures_total{reason=\"%.*s\"} %llu\n", static_cast<int>(reason.size()),
        reason.data(), n(https->handshake_failures[i]));
  }
  out += "# HELP prose_pkmf_http_read_timeouts_total Requests not received completely within the read timeout.\n";
  out += "# TYPE prose_pkmf_http_read_timeouts_total counter\n";
  add("prose_pkmf_http_read_timeouts_total %llu\n", n(https->read_timeouts));
  return out;
}

}  // namespace prose::pkmf
