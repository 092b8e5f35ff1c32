// prose demo [--out DIR]: the whole requirement end to end as separate processes on loopback (docs/demo.md).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
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
#include <thread>

#include "cli.h"
#include "prose/util/hex.h"
#include "prose/util/pcap_writer.h"
#include "prose/util/random.h"

namespace prose::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::uint16_t free_port(int type) {
  int fd = ::socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string self_exe() { return fs::read_symlink("/proc/self/exe").string(); }

std::pair<int, std::string> run(const std::vector<std::string>& args) {
  int p[2];
  if (::pipe(p) != 0) return {-1, "pipe failed"};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(p[1], 1);
    ::dup2(p[1], 2);
    ::close(p[0]);
    std::vector<char*> av;
    for (const auto& a : args) av.push_back(const_cast<char*>(a.c_str()));
    av.push_back(nullptr);
    ::execv(av[0], av.data());
    std::_Exit(127);
  }
  ::close(p[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(p[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(p[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A TCP forwarder on loopback between the demo's clients and one server, recording each connection as TCP segments
// for demo.pcap: the handshake, every chunk of data each way, the close. The server side is shown on `shown_port`
// (443 for the PKMF's HTTPS, 3868 for Diameter) so that Wireshark decodes it by default. The servers and clients
// are not changed: they are only configured with the tap's port.
class TcpTap {
 public:
  using Record =
      std::function<void(const UdpEndpoint& src, const UdpEndpoint& dst, const TcpSegment& seg, ByteView payload)>;
  TcpTap(std::uint16_t target, std::uint16_t shown_port, Record rec)
      : target_(target), shown_port_(shown_port), rec_(std::move(rec)) {
    lfd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(lfd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a = loopback(0);
    ::bind(lfd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(lfd_, 64);
    socklen_t len = sizeof a;
    ::getsockname(lfd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TcpTap() {
    stop_ = true;
    thread_.join();
    for (auto& c : conns_) close_conn(c);
    ::close(lfd_);
  }
  TcpTap(const TcpTap&) = delete;
  TcpTap& operator=(const TcpTap&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  struct Conn {
    int c = -1, s = -1;
    UdpEndpoint ce, se;
    std::uint32_t cseq = 0, sseq = 0;
  };
  static sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
  }
  static bool write_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
      ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
      if (w <= 0) return false;
      p += w;
      n -= static_cast<std::size_t>(w);
    }
    return true;
  }
  void close_conn(Conn& c) {
    if (c.c >= 0) ::close(c.c);
    if (c.s >= 0) ::close(c.s);
    c.c = c.s = -1;
  }
  void accept_one() {
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    int cfd = ::accept(lfd_, reinterpret_cast<sockaddr*>(&peer), &len);
    if (cfd < 0) return;
    int sfd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in t = loopback(target_);
    if (::connect(sfd, reinterpret_cast<sockaddr*>(&t), sizeof t) != 0) {
      ::close(sfd);
      ::close(cfd);
      return;
    }
    Conn c;
    c.c = cfd;
    c.s = sfd;
    c.ce.ip = c.se.ip = {127, 0, 0, 1};
    c.ce.mac = {0x02, 0, 0, 0, 0, 0x01};
    c.se.mac = {0x02, 0, 0, 0, 0, 0x02};
    c.ce.port = ntohs(peer.sin_port);
    c.se.port = shown_port_;
    c.cseq = random_u32();
    c.sseq = random_u32();
    rec_(c.ce, c.se, TcpSegment{c.cseq, 0, kTcpSyn}, {});
    rec_(c.se, c.ce, TcpSegment{c.sseq, c.cseq + 1, kTcpSyn | kTcpAck}, {});
    ++c.cseq;
    ++c.sseq;
    rec_(c.ce, c.se, TcpSegment{c.cseq, c.sseq, kTcpAck}, {});
    conns_.push_back(c);
  }
  // Data (or the end) from one side of `c`; false when the connection is over.
  bool forward(Conn& c, bool from_client) {
    char buf[16384];
    const int in = from_client ? c.c : c.s, out = from_client ? c.s : c.c;
    const UdpEndpoint& src = from_client ? c.ce : c.se;
    const UdpEndpoint& dst = from_client ? c.se : c.ce;
    std::uint32_t& seq = from_client ? c.cseq : c.sseq;
    std::uint32_t& ack = from_client ? c.sseq : c.cseq;
    ssize_t n = ::recv(in, buf, sizeof buf, 0);
    if (n > 0) {
      rec_(src, dst, TcpSegment{seq, ack, kTcpPsh | kTcpAck},
           ByteView(reinterpret_cast<const std::uint8_t*>(buf), static_cast<std::size_t>(n)));
      seq += static_cast<std::uint32_t>(n);
      if (write_all(out, buf, static_cast<std::size_t>(n))) return true;
    }
    // One side closed (or failed): both FINs and the last ACK, then both sockets go.
    rec_(src, dst, TcpSegment{seq, ack, kTcpFin | kTcpAck}, {});
    ++seq;
    rec_(dst, src, TcpSegment{ack, seq, kTcpFin | kTcpAck}, {});
    ++ack;
    rec_(src, dst, TcpSegment{seq, ack, kTcpAck}, {});
    close_conn(c);
    return false;
  }
  void run() {
    while (!stop_) {
      std::vector<pollfd> ps{{lfd_, POLLIN, 0}};
      for (const auto& c : conns_) ps.push_back({c.c, POLLIN, 0}), ps.push_back({c.s, POLLIN, 0});
      if (::poll(ps.data(), ps.size(), 100) <= 0) continue;
      if (ps[0].revents & POLLIN) accept_one();
      for (std::size_t i = 0; i < conns_.size() && 1 + 2 * i + 1 < ps.size(); ++i) {
        if (ps[1 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR)) {
          if (!forward(conns_[i], true)) continue;
        }
        if (ps[2 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR)) (void)forward(conns_[i], false);
      }
      std::erase_if(conns_, [](const Conn& c) { return c.c < 0; });
    }
  }
  std::uint16_t target_, shown_port_, port_ = 0;
  Record rec_;
  int lfd_ = -1;
  std::vector<Conn> conns_;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: starts after the members it uses
};

// Registered ports the capture shows the servers on (the taps map the real ports to these).
constexpr std::uint16_t kHttpsPort = 443;      // PC3 and PC8 over TLS (IANA https)
constexpr std::uint16_t kDiameterPort = 3868;  // IANA diameter

class Demo {
 public:
  explicit Demo(fs::path out) : out_(std::move(out)) {}
  ~Demo() {
    stop_all();
    hss_tap_.reset();
    https_tap_.reset();
  }

  int main() {
    t0_ = Clock::now();
    bool ok = setup() && phase1() && phase2() && phase3();
    stop_all();
    finish(ok);
    return ok ? 0 : 1;
  }

 private:
  bool step_fail(const std::string& m) {
    std::cout << "FAILED: " << m << "\n";
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
    exe_ = self_exe();
    hss_port_ = free_port(SOCK_STREAM);
    pkmf_port_ = free_port(SOCK_STREAM);
    auto record = [this](const UdpEndpoint& a, const UdpEndpoint& b, const TcpSegment& seg, ByteView p) {
      std::lock_guard<std::mutex> lock(cap_mu_);
      auto f = ethernet_ipv4_tcp_frame(a, b, seg, p, ip_id_++);
      if (f.ok()) frames_.push_back({now_us(), std::move(*f)});
    };
    // Everything between the processes passes the demo's taps (TCP) or its CAP lines (UDP): demo.pcap holds the run.
    hss_tap_ = std::make_unique<TcpTap>(hss_port_, kDiameterPort, record);
    https_tap_ = std::make_unique<TcpTap>(pkmf_port_, kHttpsPort, record);
    std::cout << "== Setup: HSS, PKMF (SQLite, test PKI), relay and Remote UEs as separate processes; output in "
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
    relay_port_ = free_port(SOCK_DGRAM);
    for (auto& u : ues_) {
      u.sl_port = free_port(SOCK_DGRAM);
      u.app_port = free_port(SOCK_DGRAM);
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
    std::cout << "   HSS on 127.0.0.1:" << hss_port_ << ", PKMF and ProSe Function on https://127.0.0.1:" << pkmf_port_
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
    std::cout << "== Phase 1: relay and " << ues_[0].name
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
      std::cout << "   app -> " << u.name << ": \"" << msg << "\" (" << msg.size() << " octets)\n";
      ::sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 2000) > 0) {
        char buf[2048];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        ok = n == static_cast<ssize_t>(msg.size()) && std::string(buf, static_cast<std::size_t>(n)) == msg;
        if (ok) std::cout << "   " << u.name << " -> app: echo back through the relay, " << n << " octets\n";
      }
      drain();
    }
    ::close(fd);
    if (ok) bytes_ += 2 * msg.size();
    return ok;
  }

  bool phase2() {
    std::cout
        << "== Phase 2: protected discovery (Model A), DCR with the PRUK ID, KD from the PKMF, DSMC, DSM Complete, "
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
    std::cout << "== Phase 3: " << ues_[1].name
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
    pid_t pid = -1;
    int fd = -1;
    std::string name;
  };

  void start(const std::string& name, std::vector<std::string> args, bool piped) {
    int p[2] = {-1, -1};
    if (piped && ::pipe(p) != 0) return;
    std::string log = (out_ / (name + ".log")).string();
    pid_t pid = ::fork();
    if (pid == 0) {
      ::chdir(out_.c_str());
      int lf = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(lf, 2);
      if (piped) {
        ::dup2(p[1], 1);
        ::close(p[0]);
      } else {
        ::dup2(lf, 1);
      }
      std::vector<char*> av;
      for (auto& a : args) av.push_back(a.data());
      av.push_back(nullptr);
      ::execv(av[0], av.data());
      std::_Exit(127);
    }
    if (piped) ::close(p[1]);
    children_.push_back(Child{pid, piped ? p[0] : -1, name});
  }

  void stop_all() {
    for (auto& c : children_) {
      if (c.pid > 0) {
        ::kill(c.pid, SIGTERM);
        int st = 0;
        for (int i = 0; i < 20 && ::waitpid(c.pid, &st, WNOHANG) == 0; ++i)
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (::waitpid(c.pid, &st, WNOHANG) == 0) {
          ::kill(c.pid, SIGKILL);
          ::waitpid(c.pid, &st, 0);
        }
        c.pid = -1;
      }
    }
    // Every line the agents wrote before they ended (their last CAP and PC5 lines) is read to the end of the pipes.
    for (int i = 0;
         i < 200 && std::any_of(children_.begin(), children_.end(), [](const Child& c) { return c.fd >= 0; }); ++i)
      drain(10);
    for (auto& c : children_)
      if (c.fd >= 0) ::close(c.fd), c.fd = -1;
    if (echo_fd_ >= 0) {
      echo_stop_ = true;
      if (echo_.joinable()) echo_.join();
      ::close(echo_fd_);
      echo_fd_ = -1;
    }
  }

  // Reads whatever the agents printed (non-blocking), prints MSC lines, records events and captures.
  void drain(int wait_ms = 0) {
    std::vector<pollfd> ps;
    std::vector<Child*> cs;
    for (auto& c : children_)
      if (c.fd >= 0) ps.push_back({c.fd, POLLIN, 0}), cs.push_back(&c);
    if (ps.empty()) return;
    if (::poll(ps.data(), ps.size(), wait_ms) <= 0) return;
    for (std::size_t i = 0; i < ps.size(); ++i) {
      if (!(ps[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[8192];
      ssize_t n = ::read(ps[i].fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(cs[i]->fd);
        cs[i]->fd = -1;
        continue;
      }
      std::string& acc = partial_[cs[i]->name];
      acc.append(buf, static_cast<std::size_t>(n));
      for (auto nl = acc.find('\n'); nl != std::string::npos; nl = acc.find('\n')) {
        on_line(cs[i]->name, acc.substr(0, nl));
        acc.erase(0, nl + 1);
      }
    }
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

  void on_line(const std::string& who, const std::string& l) {
    double t = std::chrono::duration<double>(Clock::now() - t0_).count();
    char ts[32];
    std::snprintf(ts, sizeof ts, "%7.3f", t);
    if (l.rfind("MSC|", 0) == 0) {
      auto v = split(l.substr(4), 3);
      if (v.size() == 3) std::printf("%s  %-8s -> %-14s %s\n", ts, v[0].c_str(), v[1].c_str(), v[2].c_str());
    } else if (l.rfind("EVT|", 0) == 0) {
      auto v = split(l.substr(4), 2);
      if (v.size() == 2) {
        events_.push_back({who, v[0], v[1]});
        std::printf("%s  [%s] %s: %s\n", ts, who.c_str(), v[0].c_str(), v[1].c_str());
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
    std::fflush(stdout);
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

  void finish(bool ok) {
    hss_tap_.reset();  // no more segments
    https_tap_.reset();
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
    std::cout << "== Summary\n";
    for (const auto& e : events_)
      if (e.name == "authorised" || e.name == "psdk" || e.name == "discovered" || e.name == "pruk" || e.name == "kd" ||
          e.name == "ready" || e.name == "secured")
        std::cout << "   " << e.who << ": " << e.text << "\n";
    std::cout << "   user data echoed through the relay: " << bytes_ << " octets\n";
    for (const auto& [n, s] : phases_) std::printf("   phase %-22s %.3f s\n", n.c_str(), s);
    std::cout << "   PC5 signalling messages sent (the agents' trace):";
    for (const auto& [name, n] : pc5_sent_) std::cout << " " << name << "=" << n;
    std::cout << "\n";
    const std::string tls_log = (out_ / "tls-keys.log").string(), pc5_log = (out_ / "pc5-keys.log").string();
    std::cout << "   pcap (the whole run: PC3/PC8 over TLS on TCP 443, Diameter on TCP 3868, MIKEY on UDP 2269, PC5 "
                 "frames as UDP): "
              << pcap << " (" << writer.frames() << " frames)\n";
    std::cout << "   TLS key log (SSLKEYLOGFILE format): " << tls_log << "\n";
    std::cout << "   PC5 key log (docs/wireshark.md): " << pc5_log << "\n";
    std::cout << "   Wireshark (after make wireshark): tshark -r " << pcap << " -o tls.keylog_file:" << tls_log
              << " -o prose_sl.keylog_file:" << pc5_log << "\n";
    std::cout << "   logs: " << out_.string() << "/*.log\n";
    std::cout << (ok ? "RESULT: every step worked\n" : "RESULT: FAILED: " + failure_ + "\n");
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
  std::string exe_;
  std::uint16_t hss_port_ = 0, pkmf_port_ = 0, echo_port_ = 0, relay_port_ = 0;
  std::vector<Ue> ues_{{"ue1", "001010000000101", 0x00b001, "", "", 0, 0},
                       {"ue2", "001010000000102", 0x00b002, "", "", 0, 0}};
  std::vector<Child> children_;
  std::map<std::string, std::string> partial_;
  std::vector<Event> events_;
  struct Captured {
    std::int64_t us;  // when it was sent (sender's clock)
    Bytes frame;
  };
  std::mutex cap_mu_;  // frames_ and ip_id_: the taps' threads and the line reader add to them
  std::vector<Captured> frames_;
  std::uint16_t ip_id_ = 1;
  std::unique_ptr<TcpTap> hss_tap_, https_tap_;
  std::map<std::string, int> pc5_sent_;  // PC5 signalling messages by type, from the agents' PC5 lines
  int echo_fd_ = -1;
  std::atomic<bool> echo_stop_{false};
  std::thread echo_;
  Clock::time_point t0_, last_ = Clock::now();
  std::vector<std::pair<std::string, double>> phases_;
  std::uint64_t bytes_ = 0;
  std::string failure_;
};

}  // namespace

void register_demo(CLI::App& app) {
  auto* cmd = app.add_subcommand("demo", "Run HSS, PKMF, a relay and two Remote UEs end to end (docs/demo.md)");
  auto* out = new std::string;
  cmd->add_option("--out", *out, "Output directory (default: a fresh temporary directory)");
  add_json_flag(cmd);
  cmd->callback([out] {
    fs::path dir =
        out->empty() ? fs::temp_directory_path() / ("prose-demo-" + std::to_string(random_u32())) : fs::path(*out);
    Demo d(fs::absolute(dir));
    int rc = d.main();
    if (rc != 0) throw Exit(kExitFailure, "demo failed");
  });
}

}  // namespace prose::cli
