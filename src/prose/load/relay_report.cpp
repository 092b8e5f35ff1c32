// The relay load test: its report, and what it tells about failures.
#include <deque>
#include <fstream>

#include "prose/load/relay_harness.h"
#include "prose/load/stats.h"

namespace prose::load {

// Lines of the relay's log about one Remote UE (for failure reports).
void RelayLoad::print_relay_log_for(std::uint32_t l2) {
  std::ifstream f(dir_ / "relay.log");
  std::string line, tag = "ue@" + hex24(l2);
  std::deque<std::string> last;
  while (std::getline(f, line))
    if (line.find(tag) != std::string::npos && line.rfind("CAP|", 0) != 0) {
      last.push_back(line);
      if (last.size() > 12) last.pop_front();
    }
  err_ << "relay-load: relay log lines for " << tag << ":\n";
  for (const auto& l : last) err_ << "  " << l << "\n";
}

int RelayLoad::report() {
  std::size_t failed_ues = 0;
  for (const auto& u : ues_) failed_ues += u.st == Ue::St::kFailed ? 1 : 0;
  const double loss = relayed_.sent ? static_cast<double>(relayed_.lost) / static_cast<double>(relayed_.sent) : 0.0;
  Report out;
  auto num = [&](const std::string& name, double v, int decimals = 3) { out.real(name, v, decimals); };
  auto mib = [&](const std::string& name, long kib) { num(name, static_cast<double>(kib) / 1024.0, 1); };
  auto ratio = [&](const std::string& name, double a, double b) { num(name, b > 0 ? a / b : 0.0, 2); };
  const double base_med = percentile_ms(base_handshake_, 0.5), setup_med = percentile_ms(setup_, 0.5);
  out.integer("UEs", static_cast<std::int64_t>(o_.ues));
  out.integer("Concurrency", static_cast<std::int64_t>(o_.concurrency));
  if (o_.unauthorised) out.integer("UEs not authorised for the RSC", static_cast<std::int64_t>(o_.unauthorised));
  out.text("Discovery", std::string("skipped (the UEs know the relay's L2 ID)"));
  num("Provisioning s", provision_s_);
  out.integer("Links secured", static_cast<std::int64_t>(links_secured_));
  out.integer("UEs failed", static_cast<std::int64_t>(failed_ues));
  num("Setup phase s", setup_s_);
  num("Setups/s", setup_s_ > 0 ? static_cast<double>(setup_.size()) / setup_s_ : 0.0, 1);
  num("First setup ms (incl. the relay's TLS connection to the PKMF)", first_setup_ * 1e3);
  out.integer("Setups measured (UEs 2..N)", static_cast<std::int64_t>(setup_.size()));
  num("Setup median ms", setup_med);
  num("Setup p99 ms", percentile_ms(setup_, 0.99));
  num("Setup max ms", setup_.empty() ? 0.0 : setup_.back() * 1e3);
  num("Baseline in-memory handshake median ms", base_med, 4);
  num("Baseline in-memory handshake p99 ms", percentile_ms(base_handshake_, 0.99), 4);
  num("Baseline PKMF first KD request ms (incl. TLS connection)", base_pkmf_first_ * 1e3);
  num("Baseline PKMF KD request median ms", percentile_ms(base_pkmf_, 0.5));
  num("Baseline PKMF KD request p99 ms", percentile_ms(base_pkmf_, 0.99));
  ratio("Setup median / in-memory handshake median", setup_med, base_med);
  ratio("Setup median / PKMF KD request median", setup_med, percentile_ms(base_pkmf_, 0.5));
  out.integer("Datagram size", static_cast<std::int64_t>(o_.size));
  out.integer("EEA and EIA", static_cast<std::int64_t>(o_.algorithms));
  out.integer("Datagrams per UE", static_cast<std::int64_t>(o_.datagrams));
  out.integer("Window", static_cast<std::int64_t>(o_.window));
  out.integer("Datagrams sent", static_cast<std::int64_t>(relayed_.sent));
  out.integer("Datagrams echoed", static_cast<std::int64_t>(relayed_.received));
  out.integer("Datagrams lost", static_cast<std::int64_t>(relayed_.lost));
  out.integer("Datagrams corrupt", static_cast<std::int64_t>(relayed_.corrupt));
  out.integer("Datagrams late", static_cast<std::int64_t>(relayed_.late));
  num("Data round trip p50 ms", percentile_ms(relayed_.rtt, 0.5));
  num("Data round trip p99 ms", percentile_ms(relayed_.rtt, 0.99));
  num("Datagrams/s", relayed_.per_s(), 1);
  num("Baseline direct echo datagrams/s", direct_.per_s(), 1);
  num("Baseline direct echo round trip p50 ms", percentile_ms(direct_.rtt, 0.5));
  num("Baseline direct echo round trip p99 ms", percentile_ms(direct_.rtt, 0.99));
  out.integer("Baseline direct echo lost", static_cast<std::int64_t>(direct_.lost + direct_.corrupt));
  ratio("Relay datagrams/s / direct echo", relayed_.per_s(), direct_.per_s());
  out.integer("Links released", static_cast<std::int64_t>(released_));
  out.integer("PDUs dropped by the UEs", static_cast<std::int64_t>(dropped_));
  out.integer("PC5 frames sent", static_cast<std::int64_t>(frames_sent_));
  out.integer("PC5 frames received", static_cast<std::int64_t>(frames_received_));
  out.integer("PC5 retransmissions in setups", static_cast<std::int64_t>(setup_retx_));
  out.integer("PC5 retransmissions in releases", static_cast<std::int64_t>(release_retx_));
  out.integer("UDP receive buffer overflows (system-wide)",
              static_cast<std::int64_t>(rcvbuf_errors_end_ - rcvbuf_errors_start_));
  mib("Relay RSS idle MiB", relay_rss_idle_);
  mib("Relay RSS with links MiB", relay_rss_links_);
  mib("Relay RSS end MiB", relay_rss_);
  mib("Relay peak RSS MiB", relay_hwm_);
  num("Relay CPU s in setups", relay_cpu_setup_, 2);
  num("Relay CPU s in data", relay_cpu_data_, 2);
  num("Relay CPU s total", relay_cpu_, 2);
  num("Relay CPU ms per setup", setup_.empty() ? 0.0 : relay_cpu_setup_ * 1e3 / static_cast<double>(setup_.size()));
  num("Relay CPU us per echoed datagram",
      relayed_.received ? relay_cpu_data_ * 1e6 / static_cast<double>(relayed_.received) : 0.0, 1);
  mib("PKMF RSS MiB", pkmf_rss_);
  mib("PKMF peak RSS MiB", pkmf_hwm_);
  num("PKMF CPU s in setups", pkmf_cpu_setup_, 2);
  num("PKMF CPU s total", pkmf_cpu_, 2);
  out.text("Load average (start; end)", load_start_ + "; " + load_end_);
  publish_(out);
  for (std::size_t i = 0; i < failures_.size() && i < 10; ++i) err_ << "relay-load: " << failures_[i] << "\n";
  if (failures_.size() > 10) err_ << "relay-load: ... " << failures_.size() - 10 << " more failures\n";
  for (const auto& u : ues_)
    if (u.st == Ue::St::kFailed) {
      print_relay_log_for(u.l2);
      break;
    }
  if (failed_ues > 0 || relayed_.corrupt > 0) return 1;
  if (loss > o_.max_loss) {
    err_ << "relay-load: " << relayed_.lost << " of " << relayed_.sent << " datagrams lost (--max-loss " << o_.max_loss
         << ")\n";
    return 1;
  }
  return 0;
}

}  // namespace prose::load
