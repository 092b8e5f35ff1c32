// `prose demo --ip`: the agents' [ip] sections, and ping and an HTTP download from a Remote UE's namespace through
// the relay, with the agents' lines read all the while (demo_run.h, demo_ip.h).
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "demo_ip.h"
#include "demo_run.h"
#include "prose/crypto/hmac.h"
#include "prose/util/hex.h"

namespace prose::cli::demo {

bool Demo::ip_setup() {
  os_ << "== IP: namespaces";
  for (const auto& n : ip_->namespaces()) os_ << " " << n;
  os_ << "; veth " << ip_->devices()[0] << " (" << IpNet::kRelayUpstream << ", relay) <-> " << ip_->devices()[1] << " ("
      << IpNet::kServer << ", upstream host with the demo's HTTP server on port " << IpNet::kHttpPort
      << "); the relay's DHCPv4 pool " << IpNet::kPool << "\n";
  if (auto e = ip_->setup(); !e.empty()) return step_fail("IP network: " + e);
  return true;
}

void Demo::ip_teardown() {
  if (!ip_) return;
  ip_left_ = ip_->teardown();
  if (ip_left_.empty()) {
    os_ << "   IP: namespaces deleted (with the veth pair and the TUN devices)\n";
  } else {
    os_ << "   IP: namespaces NOT deleted:";
    for (const auto& n : ip_left_) os_ << " " << n;
    os_ << " (ip netns del NAME removes them)\n";
  }
}

std::string Demo::ip_section(const std::string& netns, bool relay) const {
  if (!ip_) return "";
  std::string s = "[ip]\ntun = \"" + std::string(relay ? "prose-r0" : "prose-u0") + "\"\nnetns = \"" + netns + "\"\n";
  if (relay) s += "ipv4_pool = \"" + std::string(IpNet::kPool) + "\"\n";
  return s;
}

std::string Demo::stop_reason() const {
  if (g_stop_signal == 0) return "";
  return g_stop_signal == SIGINT ? "stopped by SIGINT" : "stopped by SIGTERM";
}

std::pair<int, std::string> Demo::run_watched(std::vector<std::string> argv, const std::string& log, int seconds) {
  testbed::SpawnOptions o;
  o.argv = std::move(argv);
  o.cwd = out_.string();
  o.log = (out_ / log).string();
  auto p = testbed::Process::spawn(std::move(o));
  if (!p.ok()) return {-1, p.error().message};
  const auto end = Clock::now() + std::chrono::seconds(seconds);
  // The agents' lines are read meanwhile: a full pipe would stop them, and with them the traffic.
  while (p->alive() && Clock::now() < end && g_stop_signal == 0) drain(50);
  if (p->alive()) p->stop(std::chrono::milliseconds(500));
  std::ifstream f(out_ / log);
  std::stringstream ss;
  ss << f.rdbuf();
  const auto& st = p->exit_status();
  return {st && !st->signalled ? st->code : -1, ss.str()};
}

bool Demo::ip_data(const Ue& u, bool download) {
  const std::size_t i = static_cast<std::size_t>(&u - ues_.data());
  if (!wait_evt(u.name, "route", 20)) return step_fail(u.name + ": no DHCPv4 lease and default route");
  static const std::regex lease(R"(DHCPv4 lease (\d+\.\d+\.\d+\.\d+)/)");
  PingResult pr;
  pr.ue = u.name;
  for (const auto& e : events_) {
    std::smatch m;
    if (e.who == u.name && e.name == "lease" && std::regex_search(e.text, m, lease)) pr.address = m[1];
  }
  const std::string ns = ip_->ue_ns(i);
  os_ << "   " << u.name << " (" << pr.address << " in " << ns << "): ping " << IpNet::kServer
      << " through the relay\n";
  auto [rc, out] = run_watched({"ip", "netns", "exec", ns, "ping", "-c", "5", "-i", "0.2", "-W", "2", IpNet::kServer},
                               "ping-" + u.name + ".log", 20);
  if (!stop_reason().empty()) return step_fail(stop_reason());
  static const std::regex counts(R"((\d+) packets transmitted, (\d+) received)");
  static const std::regex rtt(R"(= ([0-9.]+)/([0-9.]+)/([0-9.]+)/[0-9.]+ ms)");
  std::smatch m;
  if (std::regex_search(out, m, counts)) pr.sent = std::stoi(m[1]), pr.received = std::stoi(m[2]);
  if (std::regex_search(out, m, rtt)) pr.min = std::stod(m[1]), pr.avg = std::stod(m[2]), pr.max = std::stod(m[3]);
  pr.ok = rc == 0 && pr.received > 0;
  pings_.push_back(pr);
  drain();
  if (!pr.ok)
    return step_fail(u.name + ": ping through the relay failed (ping exit " + std::to_string(rc) + "): " + out);
  char line[160];
  std::snprintf(line, sizeof line, "%d/%d answered, rtt min/avg/max %.3f/%.3f/%.3f ms", pr.received, pr.sent, pr.min,
                pr.avg, pr.max);
  os_ << "   " << u.name << " ping: " << line << "\n";
  if (!download) return true;

  os_ << "   " << u.name << ": HTTP GET " << ip_->blob_url() << " (" << IpNet::kBlobSize
      << " octets) with curl through the relay\n";
  const fs::path file = out_ / ("download-" + u.name + ".bin");
  auto [drc, dout] = run_watched({"ip", "netns", "exec", ns, "curl", "-sS", "--max-time", "60", "-o", file.string(),
                                  "-w", "%{http_code} %{size_download} %{time_total}\n", ip_->blob_url()},
                                 "curl-" + u.name + ".log", 70);
  if (!stop_reason().empty()) return step_fail(stop_reason());
  DownloadResult d;
  d.ue = u.name;
  d.url = ip_->blob_url();
  int http = 0;
  std::istringstream(dout) >> http >> d.bytes >> d.seconds;
  {
    std::ifstream f(file, std::ios::binary);
    Bytes data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    d.sha256 = to_hex(crypto::sha256(data));
  }
  fs::remove(file);
  d.sha256_ok = d.sha256 == ip_->blob_sha256();
  d.ok = drc == 0 && http == 200 && d.bytes == IpNet::kBlobSize && d.sha256_ok && d.seconds > 0;
  download_ = d;
  drain();
  if (!d.ok)
    return step_fail(u.name + ": download through the relay failed (curl exit " + std::to_string(drc) + ", HTTP " +
                     std::to_string(http) + ", " + std::to_string(d.bytes) + " octets, SHA-256 " +
                     (d.sha256_ok ? "ok" : "differs") + "): " + dout);
  os_ << "   " << u.name << " download: " << download_line() << "\n";
  return true;
}

std::string Demo::download_line() const {
  if (!download_) return "";
  const auto& d = *download_;
  char line[200];
  std::snprintf(line, sizeof line, "%llu octets in %.3f s, %.1f Mbit/s, SHA-256 %s",
                static_cast<unsigned long long>(d.bytes), d.seconds,
                d.seconds > 0 ? static_cast<double>(d.bytes) * 8 / d.seconds / 1e6 : 0.0,
                d.sha256_ok ? "matches" : "DIFFERS");
  return line;
}

}  // namespace prose::cli::demo
