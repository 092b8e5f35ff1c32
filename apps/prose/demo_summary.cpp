// `prose demo`: the run's summary, demo.pcap, the sequence chart (demo.html) and the --json object (demo_run.h).
#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "cli.h"
#include "demo_chart.h"
#include "demo_run.h"
#include "demo_steps.h"
#include "prose/util/pcap_writer.h"

namespace prose::cli::demo {

namespace {

nlohmann::ordered_json opt(const std::optional<std::string>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

}  // namespace

Demo::UeResult Demo::ue_result(const Ue& u) const {
  UeResult r;
  char l2[16];
  std::snprintf(l2, sizeof l2, "0x%06x", u.l2);
  static const std::regex relay_kd(R"(^ue@(0x[0-9a-f]{6}) KD ([0-9a-f]+))");
  static const std::regex ue_kd(R"(^KD ([0-9a-f]+) \(KD ID 0x([0-9a-f]{8})\))");
  static const std::regex ready(R"(KD-sess ID 0x([0-9a-f]{4}), KD ID 0x([0-9a-f]{8}))");
  static const std::regex pruk(R"(^(MIKEY|GBA Push) PRUK ID ([0-9a-f]{16}) PRUK ([0-9a-f]+))");
  static const std::regex discovered(R"( by (.*)$)");
  std::smatch m;
  for (const auto& e : events_) {
    if (e.who == "relay" && e.name == "kd" && std::regex_search(e.text, m, relay_kd) && m[1] == l2)
      r.relay_kd_fp = m[2];
    if (e.who != u.name) continue;
    if (e.name == "kd" && std::regex_search(e.text, m, ue_kd)) r.ue_kd_fp = m[1];
    if (e.name == "ready" && std::regex_search(e.text, m, ready)) r.kd_sess_id = m[1], r.kd_id = m[2];
    if (e.name == "pruk" && std::regex_search(e.text, m, pruk)) {
      r.pruk_delivery = m[1] == "MIKEY" ? "mikey" : "gba_push";
      r.pruk_id = m[2];
      r.pruk_fp = m[3];
    }
    if (e.name == "discovered" && std::regex_search(e.text, m, discovered)) r.discovered = m[1];
  }
  return r;
}

std::vector<Demo::StepResult> Demo::step_results() const {
  std::vector<StepResult> v(demo::requirement_steps().size());
  for (const auto& r : traced_) {
    auto i = demo::step_index(r.step);
    if (!i) continue;
    StepResult& s = v[*i];
    if (s.messages++ == 0) s.first = r.t;
    s.last = r.t;
  }
  return v;
}

int Demo::lane_of(const std::string& who) const {
  for (std::size_t i = 0; i < ues_.size(); ++i) {
    char l2[24];
    std::snprintf(l2, sizeof l2, "ue@0x%06x", ues_[i].l2);
    if (who == ues_[i].name || who == l2) return static_cast<int>(i);
  }
  const int n = static_cast<int>(ues_.size());
  if (who.rfind("relay", 0) == 0) return n;
  if (who == "ProSe Function") return n + 1;
  if (who == "PKMF") return n + 2;
  if (who == "HSS/BSF") return n + 3;
  return -1;
}

std::string Demo::write_chart() const {
  std::vector<demo::ChartLane> lanes;
  for (const auto& u : ues_) lanes.push_back({u.name, "Remote UE " + u.name});
  lanes.push_back({"relay", "UE-to-Network Relay"});
  lanes.push_back({"prose_function", "ProSe Function"});
  lanes.push_back({"pkmf", "PKMF"});
  lanes.push_back({"hss_bsf", "HSS/BSF"});
  std::vector<demo::ChartStep> steps;
  for (const auto& s : demo::requirement_steps()) steps.push_back({std::string(s.id), std::string(s.title)});
  std::vector<demo::ChartEntry> entries;
  for (const auto& r : traced_) {
    if (r.step == "-") continue;  // warnings and other lines outside the flow stay in the trace
    demo::ChartEntry e;
    e.t = r.t;
    e.step = r.step;
    e.from = lane_of(r.from);
    if (e.from < 0) continue;
    if (r.event) {
      e.to = e.from;
      e.text = r.name + ": " + r.text;
      e.fields = {r.text};
    } else {
      e.to = lane_of(r.to);
      // A broadcast reaches every other node on the sidelink: drawn to the farthest one (the relay for a UE).
      if (r.to == "*") {
        e.broadcast = true;
        e.to = e.from < static_cast<int>(ues_.size()) ? static_cast<int>(ues_.size()) : 0;
      }
      if (e.to < 0) e.to = e.from;  // e.g. the relay's upstream
      e.text = r.text;
      e.fields = demo::message_fields(r.text);
      if (r.to != "*" && e.to == e.from) e.text = "to " + r.to + ": " + r.text;
    }
    entries.push_back(std::move(e));
  }
  const fs::path path = out_ / "demo.html";
  std::ofstream(path) << demo::render_chart_html("prose demo: the relay security flow (TS 33.303 relay CR)", lanes,
                                                 steps, entries);
  return path.string();
}

bool Demo::finish(bool ok) {
  hss_tap_.reset();  // no more segments
  https_tap_.reset();
  ub_tap_.reset();
  release(INT64_MAX);
  const double elapsed = since_start();
  std::string pcap = (out_ / "demo.pcap").string();
  PcapWriter writer;
  {
    std::lock_guard<std::mutex> lock(cap_mu_);
    std::stable_sort(frames_.begin(), frames_.end(), [](const Captured& a, const Captured& b) { return a.us < b.us; });
    for (const auto& f : frames_) writer.add_frame(f.frame, f.us / 1000000, static_cast<std::uint32_t>(f.us % 1000000));
  }
  (void)writer.write_file(pcap);
  const std::string chart = write_chart();
  const auto steps = step_results();
  std::vector<UeResult> ue_results;
  for (const auto& u : ues_) ue_results.push_back(ue_result(u));

  os_ << "== Summary\n";
  os_ << "   TLS to the ProSe Function and the PKMF: "
      << (gba() ? "gba (PSK-TLS with the B-TID of a Ub bootstrap; the PKMF took Ks_NAF from the BSF over Zn)"
                : "certificate (client certificates of the test PKI)")
      << "\n";
  for (const auto& e : events_)
    if (e.name == "authorised" || e.name == "psdk" || e.name == "discovered" || e.name == "pruk" || e.name == "kd" ||
        e.name == "ready" || e.name == "secured")
      os_ << "   " << e.who << ": " << e.text << "\n";
  for (std::size_t i = 0; i < ues_.size(); ++i) {
    const UeResult& r = ue_results[i];
    os_ << "   " << ues_[i].name << ": KD " << r.relay_kd_fp.value_or("-") << " at the relay, "
        << r.ue_kd_fp.value_or("-") << " at the Remote UE" << (r.kd_equal() ? " (equal)" : " (NOT EQUAL)") << "\n";
  }
  std::string missing;
  os_ << "   requirement steps:";
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string id(demo::requirement_steps()[i].id);
    os_ << " " << id << (steps[i].messages ? " ok" : " MISSING") << (i + 1 < steps.size() ? "," : "\n");
    if (!steps[i].messages) missing += (missing.empty() ? "" : ", ") + id;
  }
  if (ip_mode_) {
    os_ << "   IP mode: namespaces";
    for (const auto& n : ip_->namespaces()) os_ << " " << n;
    os_ << (ip_left_.empty() ? " (deleted)\n" : " (NOT all deleted)\n");
    for (const auto& p : pings_) {
      char line[200];
      std::snprintf(line, sizeof line, "   ping %s -> %s: %d/%d answered, rtt min/avg/max %.3f/%.3f/%.3f ms\n",
                    p.ue.c_str(), IpNet::kServer, p.received, p.sent, p.min, p.avg, p.max);
      os_ << line;
    }
    if (download_)
      os_ << "   download " << download_->ue << " <- " << download_->url << ": " << download_line() << "\n";
  } else {
    os_ << "   user data echoed through the relay: " << bytes_ << " octets\n";
  }
  for (const auto& [n, s] : phases_) std::fprintf(tr_, "   phase %-22s %.3f s\n", n.c_str(), s);
  os_ << "   PC5 signalling messages sent (the agents' trace):";
  for (const auto& [name, n] : pc5_sent_) os_ << " " << name << "=" << n;
  os_ << "\n";
  const std::string tls_log = (out_ / "tls-keys.log").string(), pc5_log = (out_ / "pc5-keys.log").string();
  os_ << "   pcap (the whole run: PC3/PC8 over TLS on TCP 443, Diameter on TCP 3868, "
      << (gba() ? "Ub as HTTP on TCP 80, " : "") << "MIKEY on UDP 2269, PC5 frames as UDP): " << pcap << " ("
      << writer.frames() << " frames)\n";
  os_ << "   TLS key log (SSLKEYLOGFILE format): " << tls_log << "\n";
  os_ << "   PC5 key log (docs/wireshark.md): " << pc5_log << "\n";
  os_ << "   Wireshark (after make wireshark): tshark -r " << pcap << " -o tls.keylog_file:" << tls_log
      << " -o prose_sl.keylog_file:" << pc5_log << "\n";
  os_ << "   sequence chart (open in a browser): " << chart << "\n";
  os_ << "   logs:";
  for (const auto& [name, path] : logs_) os_ << " " << path;
  os_ << "\n";

  // The run's verdict: every step of the flow seen, the KDs agree, nothing failed on the way.
  std::string code, message;
  bool kd_ok = true;
  for (std::size_t i = 0; i < ues_.size(); ++i)
    if (!ue_results[i].kd_equal()) kd_ok = false;
  if (!ok) {
    code = "step_failed", message = failure_;
  } else if (!missing.empty()) {
    code = "step_missing", message = "no message of step(s) " + missing + " in the trace";
  } else if (!kd_ok) {
    code = "kd_mismatch", message = "the Remote UE's KD is not the relay's";
  } else if (!ip_left_.empty()) {
    code = "cleanup_failed", message = "network namespaces not deleted:";
    for (const auto& n : ip_left_) message += " " + n;
  }
  const bool all_ok = code.empty();
  os_ << (all_ok ? "RESULT: every step worked\n" : "RESULT: FAILED: " + message + "\n");
  os_.flush();
  if (json_) print_json(all_ok, code, message, elapsed, steps, ue_results, pcap, writer.frames(), chart);
  return all_ok;
}

nlohmann::ordered_json Demo::ip_json() const {
  using J = nlohmann::ordered_json;
  if (!ip_mode_) return nullptr;
  J pings = J::array();
  for (const auto& p : pings_)
    pings.push_back(J{{"remote_ue", p.ue},
                      {"address", p.address},
                      {"target", IpNet::kServer},
                      {"sent", p.sent},
                      {"received", p.received},
                      {"rtt_min_ms", p.min},
                      {"rtt_avg_ms", p.avg},
                      {"rtt_max_ms", p.max},
                      {"ok", p.ok}});
  J download = nullptr;
  if (download_) {
    const auto& d = *download_;
    download = J{{"remote_ue", d.ue},
                 {"url", d.url},
                 {"octets", d.bytes},
                 {"seconds", d.seconds},
                 {"mbit_per_s", d.seconds > 0 ? static_cast<double>(d.bytes) * 8 / d.seconds / 1e6 : 0.0},
                 {"sha256", d.sha256},
                 {"sha256_ok", d.sha256_ok},
                 {"ok", d.ok}};
  }
  return J{{"namespaces", ip_->namespaces()},
           {"devices", ip_->devices()},
           {"pool", IpNet::kPool},
           {"ping", pings},
           {"download", download}};
}

void Demo::print_json(bool ok, const std::string& code, const std::string& message, double elapsed,
                      const std::vector<StepResult>& steps, const std::vector<UeResult>& ue_results,
                      const std::string& pcap, std::size_t frames, const std::string& chart) const {
  using J = nlohmann::ordered_json;
  J j = J::object();
  j["ok"] = ok;
  j["error"] = ok ? J(nullptr) : J{{"code", code}, {"message", message}};
  j["tls_mode"] = tls_name();
  j["elapsed_s"] = elapsed;
  J st = J::array();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto& s = steps[i];
    st.push_back(J{{"step", std::string(demo::requirement_steps()[i].id)},
                   {"title", std::string(demo::requirement_steps()[i].title)},
                   {"status", s.messages ? "ok" : "missing"},
                   {"messages", s.messages},
                   {"first_s", s.messages ? J(s.first) : J(nullptr)},
                   {"last_s", s.messages ? J(s.last) : J(nullptr)}});
  }
  j["steps"] = st;
  J ues = J::array();
  for (std::size_t i = 0; i < ues_.size(); ++i) {
    const UeResult& r = ue_results[i];
    char l2[16];
    std::snprintf(l2, sizeof l2, "%06x", ues_[i].l2);
    ues.push_back(J{{"name", ues_[i].name},
                    {"imsi", ues_[i].imsi},
                    {"l2_id", l2},
                    {"discovered_by", opt(r.discovered)},
                    {"pruk_delivery", opt(r.pruk_delivery)},
                    {"pruk_id", opt(r.pruk_id)},
                    {"pruk_fingerprint", opt(r.pruk_fp)},
                    {"kd_fingerprint_relay", opt(r.relay_kd_fp)},
                    {"kd_fingerprint_remote_ue", opt(r.ue_kd_fp)},
                    {"kd_fingerprints_equal", r.kd_equal()},
                    {"kd_id", opt(r.kd_id)},
                    {"kd_sess_id", opt(r.kd_sess_id)}});
  }
  j["remote_ues"] = ues;
  j["user_data_octets"] = bytes_;
  j["ip"] = ip_json();
  J ph = J::array();
  for (const auto& [n, s] : phases_) ph.push_back(J{{"name", n}, {"seconds", s}});
  j["phases"] = ph;
  J pc5 = J::array();
  for (const auto& [n, c] : pc5_sent_) pc5.push_back(J{{"message", n}, {"count", c}});
  j["pc5_signalling"] = pc5;
  J logs = J::object();
  for (const auto& [n, p] : logs_) {
    std::string key = n;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    logs[key] = p;
  }
  j["files"] = J{{"out_dir", out_.string()},
                 {"pcap", pcap},
                 {"pcap_frames", frames},
                 {"tls_keylog", (out_ / "tls-keys.log").string()},
                 {"pc5_keylog", (out_ / "pc5-keys.log").string()},
                 {"chart", chart},
                 {"logs", logs}};
  print_own_json(j);
}

}  // namespace prose::cli::demo
