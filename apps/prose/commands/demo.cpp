// prose demo [--out DIR] [--json]: the whole requirement end to end as separate processes on loopback, its trace
// tagged with the requirement's steps, a sequence chart (demo.html) and, with --json, a summary (docs/demo.md).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <thread>

#include "cli.h"
#include "demo_chart.h"
#include "demo_steps.h"
#include "demo_tap.h"
#include "prose/diameter/constants.h"
#include "prose/diameter/message.h"
#include "prose/testbed/ports.h"
#include "prose/testbed/process.h"
#include "prose/util/hex.h"
#include "prose/util/pcap_writer.h"
#include "prose/util/random.h"

namespace prose::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Runs a command to its end: its exit code (-1 when it could not run or died of a signal) and its output.
std::pair<int, std::string> run(const std::vector<std::string>& args) {
  auto r = testbed::run(args);
  if (!r.ok()) return {-1, r.error().message};
  return {r->status.signalled ? -1 : r->status.code, r->output};
}

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Registered ports the capture shows the servers on (the taps map the real ports to these).
constexpr std::uint16_t kHttpsPort = 443;      // PC3 and PC8 over TLS (IANA https)
constexpr std::uint16_t kDiameterPort = 3868;  // IANA diameter

class Demo {
 public:
  Demo(fs::path out, bool json) : out_(std::move(out)), json_(json), os_(json ? std::cerr : std::cout) {
    tr_ = json ? stderr : stdout;
  }
  ~Demo() {
    stop_all();
    hss_tap_.reset();
    https_tap_.reset();
  }

  // 0 when every step worked (and, with --json, the summary says so).
  int main() {
    t0_ = Clock::now();
    t0_us_ = now_us();
    bool ok = setup() && phase1() && phase2() && phase3();
    stop_all();
    return finish(ok) ? 0 : 1;
  }

 private:
  // A line of the trace: a message (from -> to) or an agent's event (from = to = the agent, name = the event).
  struct Traced {
    double t = 0;
    std::string step, from, to, text;
    bool event = false;
    std::string name;
  };
  // A trace line waiting to be printed in time order: an agent's MSC/EVT line or a Diameter message.
  struct Pending {
    std::int64_t us = 0;
    std::string who, line;
    std::optional<Traced> diameter;
  };

  bool step_fail(const std::string& m) {
    os_ << "FAILED: " << m << "\n";
    failure_ = m;
    return false;
  }

  bool must(const std::vector<std::string>& args, const std::string& what) {
    auto [st, o] = run(args);
    if (st != 0) return step_fail(what + ": " + o);
    return true;
  }

  bool setup() {
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
    auto record_diameter = [this, record](const UdpEndpoint& a, const UdpEndpoint& b, const TcpSegment& seg,
                                          ByteView p) {
      record(a, b, seg, p);
      if (!p.empty()) on_diameter(a.port == kDiameterPort, a.port == kDiameterPort ? b.port : a.port, p);
    };
    hss_tap_ = std::make_unique<demo::TcpTap>(hss_port_, kDiameterPort, record_diameter);
    https_tap_ = std::make_unique<demo::TcpTap>(pkmf_port_, kHttpsPort, record);
    os_ << "== Setup: HSS, PKMF (SQLite, test PKI), relay and Remote UEs as separate processes; output in "
        << out_.string() << "\n";
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
    if (!must({exe_, "pkmf", "example-config", "--dir", pdir.string(), "--port", std::to_string(pkmf_port_),
               "--mikey-port", "0", "--hss-port", std::to_string(hss_tap_->port()), "--ue", ues_[0].imsi, "--ue",
               ues_[1].imsi, "--relay", "r1"},
              "pkmf example-config"))
      return false;
    std::string pcfg = (pdir / "pkmf.toml").string();
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
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(pkmf_port_);
      bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      ::close(fd);
      if (up) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    os_ << "   HSS on 127.0.0.1:" << hss_port_ << ", PKMF and ProSe Function on https://127.0.0.1:" << pkmf_port_
        << ", upstream UDP echo on 127.0.0.1:" << echo_port_
        << "; the demo's capture taps: Diameter via :" << hss_tap_->port() << " (shown as TCP " << kDiameterPort
        << "), HTTPS via :" << https_tap_->port() << " (shown as TCP " << kHttpsPort << ")\n";
    phase_end("setup");
    return true;
  }

  // The agents know only the ProSe Function's address (and their TLS files): the PKMF address, the discovery
  // settings and, from the PKMF, the discovery keys come from there.
  std::string prose_function_section(const std::string& base) {
    fs::path pki = out_ / "pkmf" / "pki";
    return "[prose_function]\nhost = \"127.0.0.1\"\nport = " + std::to_string(https_tap_->port()) + "\nca = \"" +
           (pki / "ca.pem").string() + "\"\ncert = \"" + (pki / (base + ".pem")).string() + "\"\nkey = \"" +
           (pki / (base + ".key")).string() + "\"\nkeylog = \"" + (out_ / "tls-keys.log").string() + "\"\n";
  }

  std::string sidelink(std::uint16_t port, std::vector<std::uint16_t> peers) {
    std::string s = "[sidelink]\nport = " + std::to_string(port) + "\npeers = [";
    for (std::size_t i = 0; i < peers.size(); ++i) s += (i ? ", " : "") + std::to_string(peers[i]);
    // The PC5 key log (docs/wireshark.md): the demo's pcap is meant to be opened with it.
    return s + "]\n[log]\npc5_keylog = \"" + (out_ / "pc5-keys.log").string() + "\"\n";
  }

  bool phase1() {
    os_ << "== Phase 1: relay and " << ues_[0].name
        << " know only the ProSe Function: PC3 service authorisation (PKMF address, discovery settings), "
           "discovery keys (PSDK) from the PKMF, protected announcements; PRUK provisioning of "
        << ues_[0].name << " by Key Request + MIKEY\n";
    fs::path rc = out_ / "relay.toml";
    std::ofstream(rc) << "[relay]\nname = \"relay\"\nl2_id = 0x00aa01\nrelay_service_code = 0xabcd\n"
                         "announce_ms = 300\n[upstream]\nport = "
                      << echo_port_ << "\n"
                      << prose_function_section("relay-r1")
                      << sidelink(relay_port_, {ues_[0].sl_port, ues_[1].sl_port});
    start("relay", {exe_, "relay", "--config", rc.string()}, true);
    if (!wait_evt("relay", "authorised", 20)) return step_fail("relay: not authorised by the ProSe Function");
    if (!wait_evt("relay", "psdk", 20)) return step_fail("relay: no discovery keys from the PKMF");
    start_ue(ues_[0], true, "A");
    if (!wait_evt(ues_[0].name, "authorised", 20))
      return step_fail(ues_[0].name + ": not authorised by the ProSe Function");
    if (!wait_evt(ues_[0].name, "pruk", 30)) return step_fail("no PRUK delivered to " + ues_[0].name);
    phase_end("1 PC3, PSDK, PRUK");
    return true;
  }

  void start_ue(const auto& u, bool provision, const std::string& model) {
    fs::path c = out_ / (u.name + ".toml");
    std::ofstream(c) << "[ue]\nname = \"" << u.name << "\"\nimsi = \"" << u.imsi << "\"\nl2_id = " << u.l2
                     << "\nrelay_service_code = 0xabcd\nk = \"" << u.k << "\"\nopc = \"" << u.opc
                     << "\"\nkey_store = \"" << u.name << ".keys\"\nkek = \"" << to_hex(random_bytes(32))
                     << "\"\nprovision = " << (provision ? "true" : "false") << "\ndiscovery = \"" << model
                     << "\"\napp_port = " << u.app_port << "\n"
                     << prose_function_section("ue-" + u.imsi) << sidelink(u.sl_port, {relay_port_});
    start(u.name, {exe_, "remote-ue", "--config", c.string()}, true);
  }

  bool data_through(const auto& u) {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(u.app_port);
    std::string msg = "hello from an application behind " + u.name;
    bool ok = false;
    for (int attempt = 0; attempt < 5 && !ok; ++attempt) {
      os_ << "   app -> " << u.name << ": \"" << msg << "\" (" << msg.size() << " octets)\n";
      ::sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 2000) > 0) {
        char buf[2048];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        ok = n == static_cast<ssize_t>(msg.size()) && std::string(buf, static_cast<std::size_t>(n)) == msg;
        drain();  // the agents' lines about the datagram first
        if (ok) os_ << "   " << u.name << " -> app: echo back through the relay, " << n << " octets\n";
      }
      drain();
    }
    ::close(fd);
    if (ok) bytes_ += 2 * msg.size();
    return ok;
  }

  bool phase2() {
    os_ << "== Phase 2: protected discovery (Model A), DCR with the PRUK ID, KD from the PKMF, DSMC, DSM Complete, "
           "DCA, data\n";
    if (!wait_evt(ues_[0].name, "discovered", 30)) return step_fail(ues_[0].name + ": relay not discovered");
    if (!seen_text(ues_[0].name, "discovered", "protected Discovery Announcement"))
      return step_fail(ues_[0].name + ": relay not discovered by a protected announcement");
    if (!wait_evt(ues_[0].name, "ready", 30)) return step_fail(ues_[0].name + ": link not secured");
    if (!data_through(ues_[0])) return step_fail(ues_[0].name + ": user data did not come back");
    phase_end("2 link with PRUK ID");
    return true;
  }

  bool phase3() {
    os_ << "== Phase 3: " << ues_[1].name
        << " without a PRUK: ProSe Function, protected discovery (Model B), DCR with the IMSI, GBA Push, GPI in "
           "the DSMC\n";
    start_ue(ues_[1], false, "B");
    if (!wait_evt(ues_[1].name, "discovered", 30)) return step_fail(ues_[1].name + ": relay not discovered");
    if (!seen_text(ues_[1].name, "discovered", "protected Discovery Response"))
      return step_fail(ues_[1].name + ": relay not discovered by a protected response");
    if (!wait_evt(ues_[1].name, "ready", 40)) return step_fail(ues_[1].name + ": link not secured");
    if (!seen(ues_[1].name, "pruk")) return step_fail(ues_[1].name + ": no PRUK from the GPI");
    if (!data_through(ues_[1])) return step_fail(ues_[1].name + ": user data did not come back");
    phase_end("3 GBA Push");
    return true;
  }

  // ---- children ----
  struct Child {
    testbed::Process process;
    int fd = -1;  // its stdout (piped agents)
    std::string name;
    int log = -1;  // <name>.log: the agent's lines (the demo writes them there as it reads them)
  };

  void start(const std::string& name, std::vector<std::string> args, bool piped) {
    const std::string log = (out_ / (name + ".log")).string();
    testbed::SpawnOptions o;
    o.argv = std::move(args);
    o.env = {{"PROSE_LINE_TIMES", "1"}};  // the agents stamp their lines: the trace merges them in time order
    o.cwd = out_.string();
    o.log = log;
    o.append_log = true;
    o.pipe_stdout = piped;
    auto p = testbed::Process::spawn(std::move(o));
    if (!p.ok()) {
      step_fail(name + ": " + p.error().message);
      return;
    }
    const int fd = p->release_stdout();
    const int lf = piped ? ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
    children_.push_back(Child{std::move(*p), fd, name, lf});
    logs_[name] = log;
  }

  void stop_all() {
    for (auto& c : children_) c.process.stop(std::chrono::seconds(1));
    // Every line the agents wrote before they ended (their last CAP and PC5 lines) is read to the end of the pipes.
    for (int i = 0;
         i < 200 && std::any_of(children_.begin(), children_.end(), [](const Child& c) { return c.fd >= 0; }); ++i)
      drain(10);
    for (auto& c : children_) {
      if (c.fd >= 0) ::close(c.fd), c.fd = -1;
      if (c.log >= 0) ::close(c.log), c.log = -1;
    }
    release(INT64_MAX);
    if (echo_fd_ >= 0) {
      echo_stop_ = true;
      if (echo_.joinable()) echo_.join();
      ::close(echo_fd_);
      echo_fd_ = -1;
    }
  }

  // Reads whatever the agents printed (non-blocking): captures and PC5 lines at once, message and event lines into
  // the trace in the order the agents wrote them. Each agent stamps its lines (PROSE_LINE_TIMES) and flushes them
  // before the message they lead to leaves, so every line written before this call started is read by it: those
  // are printed, in time order with the Diameter messages the tap saw; later ones wait for the next call.
  void drain(int wait_ms = 0) {
    const std::int64_t start = now_us();
    std::vector<pollfd> ps;
    std::vector<Child*> cs;
    for (auto& c : children_)
      if (c.fd >= 0) ps.push_back({c.fd, POLLIN, 0}), cs.push_back(&c);
    if (!ps.empty() && ::poll(ps.data(), ps.size(), wait_ms) > 0) {
      for (std::size_t i = 0; i < ps.size(); ++i) {
        // Everything in the pipe now, not just one read's worth.
        for (int reads = 0; reads < 256 && cs[i]->fd >= 0; ++reads) {
          pollfd one{cs[i]->fd, POLLIN, 0};
          if (::poll(&one, 1, 0) <= 0 || !(one.revents & (POLLIN | POLLHUP))) break;
          char buf[16384];
          ssize_t n = ::read(cs[i]->fd, buf, sizeof buf);
          if (n <= 0) {
            ::close(cs[i]->fd);
            cs[i]->fd = -1;
            break;
          }
          std::string& acc = partial_[cs[i]->name];
          acc.append(buf, static_cast<std::size_t>(n));
          for (auto nl = acc.find('\n'); nl != std::string::npos; nl = acc.find('\n')) {
            read_line(*cs[i], acc.substr(0, nl));
            acc.erase(0, nl + 1);
          }
        }
      }
    }
    release(start);
  }

  // One line from an agent: "@<unix time, us>|" (PROSE_LINE_TIMES) and the line as the agent logs it.
  void read_line(const Child& c, std::string l) {
    std::int64_t us = now_us();
    if (!l.empty() && l[0] == '@') {
      const auto bar = l.find('|');
      if (bar != std::string::npos) {
        us = std::strtoll(l.c_str() + 1, nullptr, 10);
        l.erase(0, bar + 1);
      }
    }
    // The agent's log: every line but the captures (those went into demo.pcap).
    if (c.log >= 0 && l.rfind("CAP|", 0) != 0) {
      const std::string w = l + "\n";
      (void)!::write(c.log, w.data(), w.size());
    }
    if (l.rfind("MSC|", 0) == 0 || l.rfind("EVT|", 0) == 0)
      pending_.push_back({us, c.name, std::move(l), std::nullopt});
    else
      on_line(c.name, l, us);
  }

  // Prints the waiting trace lines written before `before` (every one when it is INT64_MAX), in time order.
  void release(std::int64_t before) {
    {
      std::lock_guard<std::mutex> lock(diameter_mu_);
      for (auto& d : diameter_pending_) pending_.push_back(std::move(d));
      diameter_pending_.clear();
    }
    std::stable_sort(pending_.begin(), pending_.end(), [](const Pending& a, const Pending& b) { return a.us < b.us; });
    std::size_t n = 0;
    while (n < pending_.size() && pending_[n].us < before) ++n;
    for (std::size_t i = 0; i < n; ++i) {
      Pending& p = pending_[i];
      if (p.diameter) {
        p.diameter->t = seconds(p.us);
        trace(std::move(*p.diameter));
      } else {
        on_line(p.who, p.line, p.us);
      }
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
  }

  static std::vector<std::string> split(const std::string& s, std::size_t n) {
    std::vector<std::string> v;
    std::size_t pos = 0;
    while (v.size() + 1 < n) {
      auto b = s.find('|', pos);
      if (b == std::string::npos) break;
      v.push_back(s.substr(pos, b - pos));
      pos = b + 1;
    }
    v.push_back(s.substr(pos));
    return v;
  }

  double since_start() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }
  double seconds(std::int64_t us) const { return static_cast<double>(us - t0_us_) / 1e6; }

  // One line of the trace, tagged with its requirement step, and the same as an entry of the chart.
  void trace(Traced r) {
    char head[48];
    std::snprintf(head, sizeof head, "%7.3f [%2s] ", r.t, r.step.c_str());
    if (r.event)
      std::fprintf(tr_, "%s[%s] %s: %s\n", head, r.from.c_str(), r.name.c_str(), r.text.c_str());
    else
      std::fprintf(tr_, "%s%-8s -> %-14s %s\n", head, r.from.c_str(), r.to.c_str(), r.text.c_str());
    std::fflush(tr_);
    traced_.push_back(std::move(r));
  }

  void on_line(const std::string& who, const std::string& l, std::int64_t us) {
    const double t = seconds(us);
    if (l.rfind("MSC|", 0) == 0) {
      auto v = split(l.substr(4), 3);
      if (v.size() == 3) trace({t, demo::message_step(v[0], v[1], v[2]), v[0], v[1], v[2], false, ""});
    } else if (l.rfind("EVT|", 0) == 0) {
      auto v = split(l.substr(4), 2);
      if (v.size() == 2) {
        events_.push_back({who, v[0], v[1]});
        trace({t, demo::event_step(who, v[0], v[1]), who, who, v[1], true, v[0]});
      }
    } else if (l.rfind("CAP|", 0) == 0) {
      auto v = split(l.substr(4), 4);
      if (v.size() == 4) {
        auto payload = from_hex(v[3]);
        if (payload.ok()) {
          UdpEndpoint s, d;
          s.ip = d.ip = {127, 0, 0, 1};
          s.port = static_cast<std::uint16_t>(std::stoi(v[0]));
          d.port = static_cast<std::uint16_t>(std::stoi(v[1]));
          std::lock_guard<std::mutex> lock(cap_mu_);
          auto f = ethernet_ipv4_udp_frame(s, d, *payload, ip_id_++);
          if (f.ok()) frames_.push_back({std::stoll(v[2]), std::move(*f)});
        }
      }
    } else if (l.rfind("PC5|", 0) == 0) {
      auto v = split(l.substr(4), 3);
      if (v.size() == 3) ++pc5_sent_[v[2]];
    }
  }

  // A chunk of the Diameter stream between the PKMF and the HSS/BSF (the tap's thread): every whole message in it
  // waits in diameter_pending_ for the trace.
  void on_diameter(bool from_hss, std::uint16_t client_port, ByteView chunk) {
    const std::int64_t us = now_us();
    std::lock_guard<std::mutex> lock(diameter_mu_);
    Bytes& buf = diameter_buf_[{client_port, from_hss}];
    buf.insert(buf.end(), chunk.begin(), chunk.end());
    for (;;) {
      auto len = diameter::frame_length(buf);
      if (!len.ok()) {
        buf.clear();  // not Diameter: nothing more to show from this stream
        return;
      }
      if (!*len || buf.size() < **len) return;
      auto m = diameter::decode(ByteView(buf.data(), **len));
      const std::string text =
          m.ok() ? "Diameter " + demo::describe_diameter(*m) : "Diameter message (" + m.error().message + ")";
      // Watchdog and disconnect keep or end the connection: not part of step 4b.
      const bool upkeep = m.ok() && (m->command_code == diameter::cmd::kDeviceWatchdog ||
                                     m->command_code == diameter::cmd::kDisconnectPeer);
      diameter_pending_.push_back({us, "", "",
                                   Traced{0, upkeep ? "-" : "4b", from_hss ? "HSS/BSF" : "PKMF",
                                          from_hss ? "PKMF" : "HSS/BSF", text, false, ""}});
      buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(**len));
    }
  }

  bool seen(const std::string& who, const std::string& name) const {
    for (const auto& e : events_)
      if (e.who == who && e.name == name) return true;
    return false;
  }

  bool seen_text(const std::string& who, const std::string& name, const std::string& part) const {
    for (const auto& e : events_)
      if (e.who == who && e.name == name && e.text.find(part) != std::string::npos) return true;
    return false;
  }

  bool wait_evt(const std::string& who, const std::string& name, int seconds) {
    auto end = Clock::now() + std::chrono::seconds(seconds);
    while (Clock::now() < end) {
      if (seen(who, name)) return true;
      for (const auto& e : events_)
        if (e.who == who && e.name == "failed") return false;
      drain(100);
    }
    return seen(who, name);
  }

  std::uint16_t start_echo() {
    echo_fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
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

  void phase_end(const std::string& name) {
    auto t = Clock::now();
    phases_.emplace_back(name, std::chrono::duration<double>(t - last_).count());
    last_ = t;
  }

  // What the run established for one Remote UE, from the agents' events.
  struct UeResult {
    std::optional<std::string> pruk_delivery, pruk_id, pruk_fp, relay_kd_fp, ue_kd_fp, kd_id, kd_sess_id, discovered;
    bool kd_equal() const { return relay_kd_fp && ue_kd_fp && *relay_kd_fp == *ue_kd_fp; }
  };

  UeResult ue_result(const auto& u) const {
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

  struct StepResult {
    std::size_t messages = 0;
    double first = 0, last = 0;
  };

  // Messages and events per requirement step, in the order of requirement_steps().
  std::vector<StepResult> step_results() const {
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

  // The chart's lane of an agent's name as the trace shows it; ue@<L2 ID> is the Remote UE with that layer-2 ID.
  int lane_of(const std::string& who) const {
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

  std::string write_chart() const {
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

  // Prints the summary (and with --json the JSON summary on stdout); true when every step worked.
  bool finish(bool ok) {
    hss_tap_.reset();  // no more segments
    https_tap_.reset();
    release(INT64_MAX);
    const double elapsed = since_start();
    std::string pcap = (out_ / "demo.pcap").string();
    PcapWriter writer;
    {
      std::lock_guard<std::mutex> lock(cap_mu_);
      std::stable_sort(frames_.begin(), frames_.end(),
                       [](const Captured& a, const Captured& b) { return a.us < b.us; });
      for (const auto& f : frames_)
        writer.add_frame(f.frame, f.us / 1000000, static_cast<std::uint32_t>(f.us % 1000000));
    }
    (void)writer.write_file(pcap);
    const std::string chart = write_chart();
    const auto steps = step_results();
    std::vector<UeResult> ue_results;
    for (const auto& u : ues_) ue_results.push_back(ue_result(u));

    os_ << "== Summary\n";
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
    os_ << "   user data echoed through the relay: " << bytes_ << " octets\n";
    for (const auto& [n, s] : phases_) std::fprintf(tr_, "   phase %-22s %.3f s\n", n.c_str(), s);
    os_ << "   PC5 signalling messages sent (the agents' trace):";
    for (const auto& [name, n] : pc5_sent_) os_ << " " << name << "=" << n;
    os_ << "\n";
    const std::string tls_log = (out_ / "tls-keys.log").string(), pc5_log = (out_ / "pc5-keys.log").string();
    os_ << "   pcap (the whole run: PC3/PC8 over TLS on TCP 443, Diameter on TCP 3868, MIKEY on UDP 2269, PC5 "
           "frames as UDP): "
        << pcap << " (" << writer.frames() << " frames)\n";
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
    }
    const bool all_ok = code.empty();
    os_ << (all_ok ? "RESULT: every step worked\n" : "RESULT: FAILED: " + message + "\n");
    os_.flush();
    if (json_) print_json(all_ok, code, message, elapsed, steps, ue_results, pcap, writer.frames(), chart);
    return all_ok;
  }

  static nlohmann::ordered_json opt(const std::optional<std::string>& v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
  }

  // `prose demo --json`: the summary on stdout (docs/cli.md, the JSON convention).
  void print_json(bool ok, const std::string& code, const std::string& message, double elapsed,
                  const std::vector<StepResult>& steps, const std::vector<UeResult>& ue_results,
                  const std::string& pcap, std::size_t frames, const std::string& chart) const {
    using J = nlohmann::ordered_json;
    J j = J::object();
    j["ok"] = ok;
    j["error"] = ok ? J(nullptr) : J{{"code", code}, {"message", message}};
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

  struct Ue {
    std::string name, imsi;
    std::uint32_t l2;
    std::string k, opc;
    std::uint16_t sl_port = 0, app_port = 0;
  };
  struct Event {
    std::string who, name, text;
  };

  fs::path out_;
  bool json_ = false;
  std::ostream& os_;  // the trace: stdout, or stderr with --json (stdout then holds only the summary)
  std::FILE* tr_ = stdout;
  std::string exe_;
  std::uint16_t hss_port_ = 0, pkmf_port_ = 0, echo_port_ = 0, relay_port_ = 0;
  std::vector<Ue> ues_{{"ue1", "001010000000101", 0x00b001, "", "", 0, 0},
                       {"ue2", "001010000000102", 0x00b002, "", "", 0, 0}};
  std::vector<Child> children_;
  std::map<std::string, std::string> partial_;
  std::vector<Event> events_;
  std::vector<Traced> traced_;
  std::map<std::string, std::string> logs_;                       // agent or server name -> its log file
  std::mutex diameter_mu_;                                        // the HSS tap's thread adds to the two below
  std::map<std::pair<std::uint16_t, bool>, Bytes> diameter_buf_;  // (PKMF's port, from the HSS) -> octets
  std::vector<Pending> diameter_pending_;
  std::vector<Pending> pending_;
  struct Captured {
    std::int64_t us;  // when it was sent (sender's clock)
    Bytes frame;
  };
  std::mutex cap_mu_;  // frames_ and ip_id_: the taps' threads and the line reader add to them
  std::vector<Captured> frames_;
  std::uint16_t ip_id_ = 1;
  std::unique_ptr<demo::TcpTap> hss_tap_, https_tap_;
  std::map<std::string, int> pc5_sent_;  // PC5 signalling messages by type, from the agents' PC5 lines
  int echo_fd_ = -1;
  std::atomic<bool> echo_stop_{false};
  std::thread echo_;
  Clock::time_point t0_, last_ = Clock::now();
  std::int64_t t0_us_ = 0;
  std::vector<std::pair<std::string, double>> phases_;
  std::uint64_t bytes_ = 0;
  std::string failure_;
};

}  // namespace

void register_demo(CLI::App& app) {
  auto* cmd = app.add_subcommand("demo", "Run HSS, PKMF, a relay and two Remote UEs end to end (docs/demo.md)");
  auto* out = new std::string;
  cmd->add_option("--out", *out, "Output directory (default: a fresh temporary directory)");
  bool* json = add_own_json_flag(
      cmd, {"elapsed_s", "steps", "remote_ues", "user_data_octets", "phases", "pc5_signalling", "files"});
  cmd->callback([out, json] {
    fs::path dir =
        out->empty() ? fs::temp_directory_path() / ("prose-demo-" + std::to_string(random_u32())) : fs::path(*out);
    Demo d(fs::absolute(dir), *json);
    int rc = d.main();
    // With --json the summary on stdout says what failed; nothing else is printed.
    if (rc != 0) throw Exit(kExitFailure, *json ? "" : "demo failed");
  });
}

}  // namespace prose::cli
