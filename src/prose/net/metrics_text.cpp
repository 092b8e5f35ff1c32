#include "prose/net/metrics_text.h"

#include <cstdio>

namespace prose::net {
namespace {

void add(std::string& out, const char* fmt, auto... args) {
  char line[512];
  std::snprintf(line, sizeof line, fmt, args...);
  out += line;
}

unsigned long long n(std::uint64_t v) { return static_cast<unsigned long long>(v); }

}  // namespace

void LatencyHistogram::observe(double seconds) {
  std::size_t b = 0;
  while (b < kBucketsS.size() && seconds > kBucketsS[b]) ++b;
  buckets_[b].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void LatencyHistogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  const std::string nm(name), lb(labels), sep = labels.empty() ? "" : ",";
  std::uint64_t cum = 0;
  for (std::size_t b = 0; b < kBucketsS.size(); ++b) {
    cum += buckets_[b].load();
    add(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", nm.c_str(), lb.c_str(), sep.c_str(), kBucketsS[b], n(cum));
  }
  cum += buckets_[kBucketsS.size()].load();
  add(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", nm.c_str(), lb.c_str(), sep.c_str(), n(cum));
  const std::string braces = labels.empty() ? "" : "{" + lb + "}";
  add(out, "%s_sum%s %.6f\n", nm.c_str(), braces.c_str(), static_cast<double>(sum_us_.load()) / 1e6);
  add(out, "%s_count%s %llu\n", nm.c_str(), braces.c_str(), n(cum));
}

void render_https_stats(std::string& out, std::string_view prefix, const ServerStats& s) {
  const std::string p(prefix);
  const char* c = p.c_str();
  add(out, "# HELP %s_connections HTTPS connections now, by state (handshake: not authenticated yet).\n", c);
  add(out, "# TYPE %s_connections gauge\n", c);
  add(out, "%s_connections{state=\"handshake\"} %llu\n", c, n(s.pending_handshakes));
  add(out, "%s_connections{state=\"established\"} %llu\n", c, n(s.active_connections - s.pending_handshakes));
  add(out, "# HELP %s_connections_accepted_total HTTPS connections admitted.\n", c);
  add(out, "# TYPE %s_connections_accepted_total counter\n", c);
  add(out, "%s_connections_accepted_total %llu\n", c, n(s.connections_accepted));
  add(out,
      "# HELP %s_connections_refused_total HTTPS connections closed by admission control, by the limit (refused "
      "after accept, or a pending handshake closed to make room).\n",
      c);
  add(out, "# TYPE %s_connections_refused_total counter\n", c);
  for (std::size_t i = 0; i < kRefusalCauses; ++i) {
    auto cause = refusal_cause_name(static_cast<RefusalCause>(i));
    add(out, "%s_connections_refused_total{cause=\"%.*s\"} %llu\n", c, static_cast<int>(cause.size()), cause.data(),
        n(s.refused[i]));
  }
  add(out, "# HELP %s_tls_handshake_failures_total TLS handshakes that failed, by reason.\n", c);
  add(out, "# TYPE %s_tls_handshake_failures_total counter\n", c);
  for (std::size_t i = 0; i < kHandshakeFailures; ++i) {
    auto reason = handshake_failure_name(static_cast<HandshakeFailure>(i));
    add(out, "%s_tls_handshake_failures_total{reason=\"%.*s\"} %llu\n", c, static_cast<int>(reason.size()),
        reason.data(), n(s.handshake_failures[i]));
  }
  add(out, "# HELP %s_http_read_timeouts_total Requests not received completely within the read timeout.\n", c);
  add(out, "# TYPE %s_http_read_timeouts_total counter\n", c);
  add(out, "%s_http_read_timeouts_total %llu\n", c, n(s.read_timeouts));
}

}  // namespace prose::net
