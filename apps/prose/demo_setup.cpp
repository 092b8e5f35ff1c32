// `prose demo`: the network functions the agents use: HSS/BSF, PKMF and ProSe Function (with their configuration
// and subscribers), the capture taps in front of them, the upstream UDP echo server (demo_run.h).
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "demo_run.h"
#include "prose/testbed/ports.h"
#include "prose/util/hex.h"
#include "prose/util/loopback.h"
#include "prose/util/pcap_writer.h"
#include "prose/util/random.h"

namespace prose::cli::demo {

namespace {

// Runs a command to its end: its exit code (-1 when it could not run or died of a signal) and its output.
std::pair<int, std::string> run(const std::vector<std::string>& args) {
  auto r = testbed::run(args);
  if (!r.ok()) return {-1, r.error().message};
  return {r->status.signalled ? -1 : r->status.code, r->output};
}

}  // namespace

bool Demo::must(const std::vector<std::string>& args, const std::string& what) {
  auto [st, o] = run(args);
  if (st != 0) return step_fail(what + ": " + o);
  return true;
}

bool Demo::setup() {
  fs::create_directories(out_);
  // Key logs are appended to by every agent: a rerun into the same directory starts them afresh.
  fs::remove(out_ / "tls-keys.log");
  fs::remove(out_ / "pc5-keys.log");
  exe_ = testbed::self_exe();
  hss_port_ = testbed::free_port_or_zero(testbed::Proto::kTcp);
  pkmf_port_ = testbed::free_port_or_zero(testbed::Proto::kTcp);
  auto record = [this](const UdpEndpoint& a, const UdpEndpoint& b, const TcpSegment& seg, ByteView p) {
    std::lock_guard<std::mutex> lock(cap_mu_);
    auto f = ethernet_ipv4_tcp_frame(a, b, seg, p, ip_id_++);
    if (f.ok()) frames_.push_back({now_us(), std::move(*f)});
  };
  // Everything between the processes passes the demo's taps (TCP) or its CAP lines (UDP): demo.pcap holds the run.
  // The Diameter between the PKMF and the HSS/BSF (step 4b) is also decoded for the trace and the chart.
  auto record_diameter = [this, record](const UdpEndpoint& a, const UdpEndpoint& b, const TcpSegment& seg, ByteView p) {
    record(a, b, seg, p);
    if (!p.empty()) on_diameter(a.port == kDiameterPort, a.port == kDiameterPort ? b.port : a.port, p);
  };
  hss_tap_ = std::make_unique<demo::TcpTap>(hss_port_, kDiameterPort, record_diameter);
  https_tap_ = std::make_unique<demo::TcpTap>(pkmf_port_, kHttpsPort, record);
  os_ << "== Setup: HSS/BSF, PKMF (SQLite, test PKI), relay and Remote UEs as separate processes; TLS "
      << (gba() ? "with GBA (Ub bootstrap with the BSF, PSK-TLS with the B-TID, Zn at the PKMF)"
                : "with client certificates")
      << "; output in " << out_.string() << "\n";
  fs::path hdir = out_ / "hss", pdir = out_ / "pkmf";
  if (!must({exe_, "hss", "example-config", "--dir", hdir.string(), "--port", std::to_string(hss_port_)},
            "hss example-config"))
    return false;
  for (auto& u : ues_) {
    u.k = to_hex(random_bytes(16));
    u.opc = to_hex(random_bytes(16));
    if (!must({exe_, "hss", "add-subscriber", "--config", (hdir / "hss.toml").string(), "--imsi", u.imsi, "--k", u.k,
               "--opc", u.opc},
              "hss add-subscriber"))
      return false;
  }
  if (gba() && !setup_bsf(hdir / "hss.toml")) return false;
  if (!must({exe_, "pkmf", "example-config", "--dir", pdir.string(), "--port", std::to_string(pkmf_port_),
             "--mikey-port", "0", "--hss-port", std::to_string(hss_tap_->port()), "--ue", ues_[0].imsi, "--ue",
             ues_[1].imsi, "--relay", "r1"},
            "pkmf example-config"))
    return false;
  std::string pcfg = (pdir / "pkmf.toml").string();
  if (gba() && !setup_pkmf_tls(pcfg)) return false;
  for (auto& u : ues_)
    if (!must({exe_, "admin", "--config", pcfg, "ue-add", "--imsi", u.imsi, "--rsc", "abcd"}, "admin ue-add"))
      return false;
  if (!must({exe_, "admin", "--config", pcfg, "relay-add", "--id", "r1", "--rsc", "abcd"}, "admin relay-add"))
    return false;
  // The PKMF process also serves the ProSe Function (PC3) on its HTTPS port: the agents know only its address,
  // which is the tap's (so is the PKMF address the ProSe Function hands out).
  std::ofstream(pcfg, std::ios::app) << "\n[prose_function]\nenabled = true\n[prose_function.pkmf]\nport = "
                                     << https_tap_->port() << "\n";
  start("HSS", {exe_, "hss", "--config", (hdir / "hss.toml").string()}, false);
  start("PKMF", {exe_, "pkmf", "--config", pcfg}, false);
  echo_port_ = start_echo();
  relay_port_ = testbed::free_port_or_zero(testbed::Proto::kUdp);
  for (auto& u : ues_) {
    u.sl_port = testbed::free_port_or_zero(testbed::Proto::kUdp);
    u.app_port = testbed::free_port_or_zero(testbed::Proto::kUdp);
  }
  // Wait for the PKMF's HTTPS port.
  for (int i = 0; i < 100; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = loopback_address(pkmf_port_);
    bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  os_ << "   HSS on 127.0.0.1:" << hss_port_ << ", PKMF and ProSe Function on https://127.0.0.1:" << pkmf_port_
      << ", upstream UDP echo on 127.0.0.1:" << echo_port_
      << "; the demo's capture taps: Diameter via :" << hss_tap_->port() << " (shown as TCP " << kDiameterPort
      << "), HTTPS via :" << https_tap_->port() << " (shown as TCP " << kHttpsPort << ")";
  if (gba())
    os_ << ", Ub to the BSF on 127.0.0.1:" << ub_port_ << " via :" << ub_tap_->port() << " (shown as TCP " << kHttpPort
        << ")";
  os_ << "\n";
  phase_end("setup");
  return true;
}

std::string Demo::sidelink(std::uint16_t port, std::vector<std::uint16_t> peers) {
  std::string s = "[sidelink]\nport = " + std::to_string(port) + "\npeers = [";
  for (std::size_t i = 0; i < peers.size(); ++i) s += (i ? ", " : "") + std::to_string(peers[i]);
  // The PC5 key log (docs/wireshark.md): the demo's pcap is meant to be opened with it.
  return s + "]\n[log]\npc5_keylog = \"" + (out_ / "pc5-keys.log").string() + "\"\n";
}

std::uint16_t Demo::start_echo() {
  echo_fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a = loopback_address(0);
  ::bind(echo_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(echo_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  echo_ = std::thread([this] {
    while (!echo_stop_) {
      pollfd p{echo_fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      sockaddr_in from{};
      socklen_t fl = sizeof from;
      ssize_t n = ::recvfrom(echo_fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
      if (n > 0) ::sendto(echo_fd_, buf, static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), fl);
    }
  });
  return ntohs(a.sin_port);
}

}  // namespace prose::cli::demo
