#include "prose/prosefn/metrics.h"

#include <cstdio>
#include <optional>

#include "prose/pc3/cause.h"

namespace prose::prosefn {

void Metrics::request(double seconds, const ProseFunctionService::Reply& reply) {
  latency_.observe(seconds);
  const std::size_t r = reply.request_cause ? cause_value(*reply.request_cause) : 0;
  if (r < kCauses) requests_[r].fetch_add(1, std::memory_order_relaxed);
  entries_[0].fetch_add(reply.granted, std::memory_order_relaxed);
  for (pc3::Cause c : reply.refused)
    if (cause_value(c) < kCauses) entries_[cause_value(c)].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::http_error(int status) {
  if (status >= 0 && status < static_cast<int>(http_errors_.size()))
    http_errors_[static_cast<std::size_t>(status)].fetch_add(1, std::memory_order_relaxed);
}

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
  auto n = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  out +=
      "# HELP prose_prosefn_requests_total PC3 service authorisation requests, by outcome (answered entry by entry, "
      "or the cause for the whole request).\n";
  out += "# TYPE prose_prosefn_requests_total counter\n";
  add("prose_prosefn_requests_total{outcome=\"answered\"} %llu\n", n(requests_[0].load()));
  for (const auto& c : pc3::cause_table())
    if (c.scope == "request" && cause_value(c.cause) < kCauses)
      add("prose_prosefn_requests_total{outcome=\"%.*s\"} %llu\n", static_cast<int>(c.name.size()), c.name.data(),
          n(requests_[cause_value(c.cause)].load()));
  out += "# HELP prose_prosefn_entries_total Entries (role, Relay Service Code) of answered requests, by outcome.\n";
  out += "# TYPE prose_prosefn_entries_total counter\n";
  add("prose_prosefn_entries_total{outcome=\"granted\"} %llu\n", n(entries_[0].load()));
  for (const auto& c : pc3::cause_table())
    if (c.scope == "entry" && cause_value(c.cause) < kCauses)
      add("prose_prosefn_entries_total{outcome=\"%.*s\"} %llu\n", static_cast<int>(c.name.size()), c.name.data(),
          n(entries_[cause_value(c.cause)].load()));
  out += "# HELP prose_prosefn_request_duration_seconds Time to handle one PC3 request.\n";
  out += "# TYPE prose_prosefn_request_duration_seconds histogram\n";
  latency_.render(out, "prose_prosefn_request_duration_seconds", "");
  out +=
      "# HELP prose_prosefn_http_errors_total HTTP requests refused (bad path, method, content type or body; "
      "malformed HTTP, body or header too large; /metrics without an operator certificate).\n";
  out += "# TYPE prose_prosefn_http_errors_total counter\n";
  for (std::size_t s = 400; s < http_errors_.size(); ++s) {
    auto v = http_errors_[s].load();
    if (https) v += s == 400 ? https->http_400 : s == 413 ? https->http_413 : s == 431 ? https->http_431 : 0;
    if (v) add("prose_prosefn_http_errors_total{status=\"%zu\"} %llu\n", s, n(v));
  }
  if (https) net::render_https_stats(out, "prose_prosefn", *https);
  return out;
}

}  // namespace prose::prosefn
