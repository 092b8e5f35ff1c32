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

void Metrics::request(Exchange e, double seconds, std::optional<pc8::ErrorCode> error) {
  auto i = static_cast<std::size_t>(e);
  requests_[i].fetch_add(1, std::memory_order_relaxed);
  latency_[i].observe(seconds);
  auto v = error ? static_cast<std::size_t>(pc8::error_code_value(*error)) : 0;
  if (v < kMaxCode) responses_[i][v].fetch_add(1, std::memory_order_relaxed);
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

void Metrics::set_state_source(std::function<State()> source) {
  std::lock_guard lock(https_m_);
  state_ = std::move(source);
}

std::string Metrics::render() const {
  std::optional<net::ServerStats> https;
  std::optional<State> state;
  {
    std::lock_guard lock(https_m_);
    if (https_stats_) https = https_stats_();
    if (state_) state = state_();
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
  out +=
      "# HELP prose_pkmf_responses_total Requests answered, by exchange and outcome (granted, or the status "
      "code's name).\n";
  out += "# TYPE prose_pkmf_responses_total counter\n";
  for (std::size_t i = 0; i < kExchanges; ++i) {
    add("prose_pkmf_responses_total{exchange=\"%s\",outcome=\"granted\"} %llu\n", exchange_label(i),
        static_cast<unsigned long long>(responses_[i][0].load()));
    for (const auto& info : pc8::error_code_table()) {
      auto v = static_cast<std::size_t>(pc8::error_code_value(info.code));
      if (v >= kMaxCode || responses_[i][v].load() == 0) continue;
      add("prose_pkmf_responses_total{exchange=\"%s\",outcome=\"%.*s\"} %llu\n", exchange_label(i),
          static_cast<int>(info.name.size()), info.name.data(),
          static_cast<unsigned long long>(responses_[i][v].load()));
    }
  }
  out += "# HELP prose_pkmf_request_duration_seconds Time to handle one Key Request.\n";
  out += "# TYPE prose_pkmf_request_duration_seconds histogram\n";
  for (std::size_t i = 0; i < kExchanges; ++i)
    latency_[i].render(out, "prose_pkmf_request_duration_seconds",
                       "exchange=\"" + std::string(exchange_label(i)) + "\"");
  out += "# HELP prose_pkmf_pruks_issued_total PRUKs issued, by delivery.\n";
  out += "# TYPE prose_pkmf_pruks_issued_total counter\n";
  add("prose_pkmf_pruks_issued_total{delivery=\"mikey\"} %llu\n", static_cast<unsigned long long>(pruks_mikey_.load()));
  add("prose_pkmf_pruks_issued_total{delivery=\"gba-push\"} %llu\n",
      static_cast<unsigned long long>(pruks_gba_.load()));
  out += "# HELP prose_pkmf_gba_push_total GBA Pushes to the HSS/BSF for a KD request, by result.\n";
  out += "# TYPE prose_pkmf_gba_push_total counter\n";
  static const char* kGbaResults[] = {"ok", "unknown-user", "unreachable", "failed"};
  for (std::size_t r = 0; r < gba_push_.size(); ++r)
    add("prose_pkmf_gba_push_total{result=\"%s\"} %llu\n", kGbaResults[r],
        static_cast<unsigned long long>(gba_push_[r].load()));
  out += "# HELP prose_pkmf_kd_derived_total KD keys derived for relays.\n# TYPE prose_pkmf_kd_derived_total counter\n";
  add("prose_pkmf_kd_derived_total %llu\n", static_cast<unsigned long long>(kd_derived_.load()));
  out +=
      "# HELP prose_pkmf_kd_batches_total KD lookup statements of the KD batcher (PostgreSQL store; 0 on SQLite).\n"
      "# TYPE prose_pkmf_kd_batches_total counter\n";
  add("prose_pkmf_kd_batches_total %llu\n", static_cast<unsigned long long>(kd_batches_.load()));
  out +=
      "# HELP prose_pkmf_kd_batched_requests_total KD requests read by those statements (divided by the batches: "
      "the mean batch).\n# TYPE prose_pkmf_kd_batched_requests_total counter\n";
  add("prose_pkmf_kd_batched_requests_total %llu\n", static_cast<unsigned long long>(kd_batched_.load()));
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
  if (state) {
    out +=
        "# HELP prose_pkmf_mikey_deliveries_pending PRUK deliveries by MIKEY this PKMF sends and waits to see "
        "verified.\n";
    out += "# TYPE prose_pkmf_mikey_deliveries_pending gauge\n";
    add("prose_pkmf_mikey_deliveries_pending %llu\n", static_cast<unsigned long long>(state->mikey_pending));
    out += "# HELP prose_pkmf_store_up 1 when the store answered this scrape, else 0.\n";
    out += "# TYPE prose_pkmf_store_up gauge\n";
    add("prose_pkmf_store_up %d\n", state->store_rows ? 1 : 0);
    if (state->store_rows) {
      out += "# HELP prose_pkmf_store_rows Rows of the store's tables (all PKMFs sharing it).\n";
      out += "# TYPE prose_pkmf_store_rows gauge\n";
      for (const auto& [table, rows] : *state->store_rows)
        add("prose_pkmf_store_rows{table=\"%s\"} %llu\n", table.c_str(), static_cast<unsigned long long>(rows));
    }
    if (const auto& s = state->store_server) {
      out += "# HELP prose_pkmf_store_connected 1 when the PKMF's last store connection was alive.\n";
      out += "# TYPE prose_pkmf_store_connected gauge\n";
      add("prose_pkmf_store_connected %d\n", s->connected ? 1 : 0);
      out +=
          "# HELP prose_pkmf_store_read_write 1 when the store accepts writes (PostgreSQL: a primary, not a "
          "standby).\n";
      out += "# TYPE prose_pkmf_store_read_write gauge\n";
      add("prose_pkmf_store_read_write %d\n", s->read_write ? 1 : 0);
      out +=
          "# HELP prose_pkmf_store_failovers_total New store connections that reached another server of the URL "
          "than the one before.\n";
      out += "# TYPE prose_pkmf_store_failovers_total counter\n";
      add("prose_pkmf_store_failovers_total %llu\n", static_cast<unsigned long long>(s->failovers));
    }
  }
  if (https) net::render_https_stats(out, "prose_pkmf", *https);
  return out;
}

}  // namespace prose::pkmf
