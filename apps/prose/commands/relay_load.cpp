// prose relay-load: load test of one UE-to-Network Relay agent (docs/performance/agents.md).
//
// Sets up a test PKI, a PKMF store with N Remote UEs each holding a PRUK, starts `prose pkmf` and `prose relay` as
// separate processes (the relay's upstream is a UDP echo server run here), then emulates the N Remote UEs in this
// process: one link::RemoteUe state machine per UE driven with real time, each with its own layer-2 ID, all sharing
// one UDP socket as their end of the emulated PC5 sidelink (frame.h). Discovery is skipped: the UEs know the relay's
// L2 ID (the relay's first announcement only tells that it is up). Measures per UE the time from sending the Direct
// Communication Request to receiving the Direct Communication Accept (including the relay's KD request to the PKMF
// over TLS), then echoes user data through the relay and checks every echo decrypts to what was sent.
// Baselines measured in the same run: the in-memory handshake of the two link machines (no PKMF process, no UDP),
// a KD request straight to the PKMF, and a UDP echo without the relay.
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
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <queue>
#include <regex>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "cli.h"
#include "prose/agents/frame.h"
#include "prose/agents/loopback_udp.h"
#include "prose/keys/prose_keys.h"
#include "prose/link/relay.h"
#include "prose/link/remote_ue.h"
#include "prose/net/client.h"
#include "prose/pc8/codec.h"
#include "prose/pkmf/config.h"
#include "prose/store/store.h"
#include "prose/util/random.h"

namespace prose::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kRsc = 0x00abcd;
constexpr std::uint32_t kOtherRsc = 0x00abce;  // --unauthorised UEs hold only this one
constexpr std::uint32_t kRelayL2 = 0x00aa01;
constexpr std::uint32_t kUeL2Base = 0x100000;  // Remote UE i has L2 ID kUeL2Base + i

struct Options {
  std::size_t ues = 100;
  std::size_t concurrency = 10;
  std::size_t datagrams = 10;
  std::size_t size = 256;
  std::size_t window = 64;
  std::size_t baseline_iterations = 1000;
  std::size_t unauthorised = 0;  // the last K UEs are authorised for another RSC only (their setups must fail)
  std::size_t relay_pkmf_connections = 4;  // the relay's [relay] pkmf_connections (0: KD requests on its loop)
  double loss_timeout = 2.0;
  double max_loss = 0.0;
  double timeout = 900;
  std::string dir;
  bool json = false;
};

double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
link::TimePoint link_now() { return std::chrono::time_point_cast<link::Millis>(Clock::now()); }

std::string fmt(double v, int decimals = 3) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

// A measured value: "Name: 1.234" in plain output, a JSON number with --json.
void num(Output& out, const std::string& name, double v, int decimals = 3) {
  out.real(snake_case_key(name), name, std::stod(fmt(v, decimals)), decimals);
}

std::string hex24(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%06x", v);
  return b;
}

// Percentile of sorted samples (seconds) in milliseconds.
double pct_ms(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0.0;
  return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size())))] * 1e3;
}

long vm_kib(pid_t pid, const std::string& field) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

// User + system CPU seconds of a process (/proc/PID/stat fields 14 and 15).
double cpu_s(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), {});
  auto p = s.rfind(')');
  if (p == std::string::npos) return -1;
  std::istringstream in(s.substr(p + 2));
  std::string tok;
  unsigned long ut = 0, st = 0;
  for (int field = 3; in >> tok; ++field) {
    if (field == 14) ut = std::stoul(tok);
    if (field == 15) {
      st = std::stoul(tok);
      break;
    }
  }
  return static_cast<double>(ut + st) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

// Udp RcvbufErrors from /proc/net/snmp (datagrams dropped because a socket's receive buffer was full).
std::uint64_t udp_rcvbuf_errors() {
  std::ifstream f("/proc/net/snmp");
  std::string names, values, line;
  while (std::getline(f, line)) {
    if (line.rfind("Udp: ", 0) != 0) continue;
    if (names.empty()) {
      names = line;
    } else {
      values = line;
      break;
    }
  }
  std::istringstream n(names), v(values);
  std::string name, value;
  while (n >> name && v >> value)
    if (name == "RcvbufErrors") return std::stoull(value);
  return 0;
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

std::uint16_t free_port(int type) {
  int fd = ::socket(AF_INET, type, 0);
  sockaddr_in a = loopback(0);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// A UDP socket of the load tool on 127.0.0.1 (large buffers: bursts of 1,000 UEs' frames).
void open_udp(agents::LoopbackUdp& u, std::uint16_t port = 0) {
  if (Status st = u.bind(port); !st.ok()) throw Exit(kExitFailure, st.error().message);
  u.set_buffers(8 << 20);
}

// The upstream application server: echoes every datagram to its sender (a thread of this process).
class EchoServer {
 public:
  void start() {
    open_udp(sock_);
    thread_ = std::thread([this] {
      std::uint8_t buf[65536];
      while (!stop_) {
        if (!sock_.wait(100)) continue;
        std::uint16_t from = 0;
        while (std::size_t n = sock_.recv_into(buf, sizeof buf, &from)) {
          sock_.send_to(from, ByteView(buf, n));
          ++echoed_;
        }
      }
    });
  }
  ~EchoServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::uint16_t port() const { return sock_.port(); }
  std::uint64_t echoed() const { return echoed_; }

 private:
  agents::LoopbackUdp sock_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> echoed_{0};
};

// A child process (`prose pkmf`, `prose relay`) with stdout and stderr in a log file.
class Child {
 public:
  void start(const std::vector<std::string>& args, const fs::path& log, const fs::path& cwd) {
    pid_ = ::fork();
    if (pid_ < 0) throw Exit(kExitFailure, "fork failed");
    if (pid_ == 0) {
      if (::chdir(cwd.c_str()) != 0) std::_Exit(126);
      int lf = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(lf, 1);
      ::dup2(lf, 2);
      std::vector<char*> av;
      for (const auto& a : args) av.push_back(const_cast<char*>(a.c_str()));
      av.push_back(nullptr);
      ::execv(av[0], av.data());
      std::_Exit(127);
    }
  }
  bool alive() {
    if (pid_ <= 0) return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == 0) return true;
    pid_ = -1;
    return false;
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int st = 0;
    for (int i = 0; i < 40 && ::waitpid(pid_, &st, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (::waitpid(pid_, &st, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &st, 0);
    }
    pid_ = -1;
  }
  ~Child() { stop(); }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Round-trip results of one echo run (through the relay or straight to the echo server).
struct EchoStats {
  std::uint64_t sent = 0, received = 0, lost = 0, corrupt = 0, late = 0;
  double seconds = 0;
  std::vector<double> rtt;  // sorted after the run
  double per_s() const { return seconds > 0 ? static_cast<double>(received) / seconds : 0.0; }
};

Bytes make_payload(std::uint32_t ue, std::uint32_t seq, std::size_t size) {
  Bytes p = random_bytes(size);
  for (int i = 0; i < 4; ++i) {
    p[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ue >> (24 - 8 * i));
    p[static_cast<std::size_t>(4 + i)] = static_cast<std::uint8_t>(seq >> (24 - 8 * i));
  }
  return p;
}
std::uint64_t payload_key(ByteView p) {
  std::uint64_t k = 0;
  for (std::size_t i = 0; i < 8; ++i) k = (k << 8) | p[i];
  return k;
}

struct Pending {
  Clock::time_point sent;
  Bytes payload;
};

class RelayLoad {
 public:
  explicit RelayLoad(Options o) : o_(std::move(o)) {}

  int run() {
    try {
      return run_phases();
    } catch (const Exit&) {
      if (dir_created_) std::cerr << "relay-load: work directory kept: " << dir_.string() << "\n";
      throw;
    }
  }

 private:
  int run_phases() {
    setup_dir();
    provision();
    start_pkmf();
    baseline_handshake();
    baseline_pkmf();
    echo_.start();
    baseline_direct_echo();
    start_relay();
    setup_phase();
    relay_rss_links_ = vm_kib(relay_.pid(), "VmRSS");
    data_phase();
    release_phase();
    finish_measurements();
    relay_.stop();
    pkmf_.stop();
    int rc = report();
    if (rc == 0 && !keep_dir_) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    } else {
      std::cerr << "relay-load: work directory kept: " << dir_.string() << "\n";
    }
    return rc;
  }

  struct Ue {
    std::uint32_t l2 = 0;
    std::string imsi;
    std::uint64_t pruk_id = 0;
    SecretBytes pruk;
    std::unique_ptr<link::RemoteUe> m;
    enum class St : std::uint8_t { kIdle, kSetup, kUp, kFailed, kReleasing, kReleased } st = St::kIdle;
    Clock::time_point t_start;
  };
  struct TimerEntry {
    link::TimePoint at;
    std::uint32_t ue;
    link::TimerId id;
    bool operator>(const TimerEntry& o) const { return at > o.at; }
  };

  void check_deadline(const char* phase) {
    if (Clock::now() > deadline_) throw Exit(kExitFailure, std::string("timed out in the ") + phase + " phase");
  }

  // ---- setup --------------------------------------------------------------------------------------------------
  void setup_dir() {
    if (o_.dir.empty()) {
      dir_ = fs::temp_directory_path() / ("prose-relay-load-" + std::to_string(random_u64()));
    } else {
      dir_ = fs::absolute(o_.dir);
      keep_dir_ = true;
      if (fs::exists(dir_ / "pkmf" / "pkmf.toml")) bad_input("--dir: " + dir_.string() + " already holds a setup");
    }
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) bad_input("--dir: cannot create " + dir_.string() + ": " + ec.message());
    dir_created_ = true;
    exe_ = fs::read_symlink("/proc/self/exe").string();
    deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.timeout));
    load_start_ = loadavg();
    rcvbuf_errors_start_ = udp_rcvbuf_errors();
  }

  void provision() {
    pkmf_port_ = free_port(SOCK_STREAM);
    pkmf::ExampleConfigOptions ex;
    ex.dir = (dir_ / "pkmf").string();
    ex.port = pkmf_port_;
    ex.mikey_port = 0;
    ex.hss_port = std::nullopt;
    ex.ue_imsis = {};
    ex.relay_ids = {"r1"};
    pkmf_config_ = or_exit(pkmf::write_example_config(ex), "PKMF example config", kExitFailure);
    {
      std::ifstream in(pkmf_config_);
      std::string text((std::istreambuf_iterator<char>(in)), {});
      text = std::regex_replace(text, std::regex("log_level = \"info\""), "log_level = \"warn\"");
      std::ofstream(pkmf_config_) << text;
    }
    auto cfg = or_exit(pkmf::load_config(pkmf_config_), "PKMF config", kExitFailure);
    auto t0 = Clock::now();
    auto store = or_exit(store::open_store(cfg.store_url, cfg.kek), "store", kExitFailure);
    or_exit(store->upsert_relay("r1", {kRsc}), "relay", kExitFailure);
    ues_.resize(o_.ues);
    constexpr std::size_t kBatch = 50000;
    for (std::size_t base = 0; base < o_.ues; base += kBatch) {
      std::size_t n = std::min(kBatch, o_.ues - base);
      std::vector<std::pair<std::string, std::vector<std::uint32_t>>> rows;
      std::vector<store::PrukRecord> pruks;
      for (std::size_t i = base; i < base + n; ++i) {
        Ue& u = ues_[i];
        u.l2 = kUeL2Base + static_cast<std::uint32_t>(i);
        u.imsi = std::to_string(1010000000000ull + i);
        u.pruk_id = random_u64_nonzero();
        u.pruk = random_secret(32);
        rows.push_back({u.imsi, {i + o_.unauthorised >= o_.ues ? kOtherRsc : kRsc}});
        store::PrukRecord r;
        r.imsi = u.imsi;
        r.pruk_id = u.pruk_id;
        r.pruk = u.pruk.clone();
        r.created_at = std::time(nullptr);
        pruks.push_back(std::move(r));
      }
      or_exit(store->bulk_upsert_ues(rows, std::time(nullptr), nullptr), "provision UEs", kExitFailure);
      or_exit(store->bulk_insert_pruks(pruks), "provision PRUKs", kExitFailure);
    }
    provision_s_ = secs(Clock::now() - t0);
  }

  Result<std::unique_ptr<net::HttpsClient>> pkmf_client() {
    net::HttpsClientConfig c;
    c.port = pkmf_port_;
    fs::path pki = dir_ / "pkmf" / "pki";
    c.tls.ca_file = (pki / "ca.pem").string();
    c.tls.cert_file = (pki / "relay-r1.pem").string();
    c.tls.key_file = (pki / "relay-r1.key").string();
    c.tls.server_name = "pkmf.prose.test";
    c.tls.keylog_from_env = false;
    return net::HttpsClient::create(c);
  }

  void start_pkmf() {
    pkmf_.start({exe_, "pkmf", "--config", pkmf_config_}, dir_ / "pkmf.log", dir_ / "pkmf");
    for (int i = 0; i < 200; ++i) {
      // A plain TCP connect first: the TLS client is only used once the PKMF listens.
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a = loopback(pkmf_port_);
      bool listening = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      ::close(fd);
      if (!listening) {
        if (!pkmf_.alive()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      auto c = pkmf_client();
      if (c.ok() && (*c)->get("/metrics").ok()) return;
      if (!pkmf_.alive()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw Exit(kExitFailure, "the PKMF did not come up (log: " + (dir_ / "pkmf.log").string() + ")");
  }

  void start_relay() {
    relay_port_ = free_port(SOCK_DGRAM);
    open_udp(sl_);
    fs::path pki = dir_ / "pkmf" / "pki";
    fs::path rc = dir_ / "relay.toml";
    std::ofstream(rc) << "[relay]\nname = \"relay\"\nl2_id = " << kRelayL2 << "\nrelay_service_code = " << kRsc
                      << "\nannounce_ms = 60000\npkmf_connections = " << o_.relay_pkmf_connections
                      << "\n[upstream]\nport = " << echo_.port()
                      << "\n[pkmf]\nhost = \"127.0.0.1\"\nport = " << pkmf_port_ << "\nca = \""
                      << (pki / "ca.pem").string() << "\"\ncert = \"" << (pki / "relay-r1.pem").string()
                      << "\"\nkey = \"" << (pki / "relay-r1.key").string() << "\"\n[sidelink]\nport = " << relay_port_
                      << "\npeers = [" << sl_.port() << "]\n"
                      << "[log]\ncapture = false\n";  // no CAP line (frame hex) per PC5 frame
    relay_.start({exe_, "relay", "--config", rc.string()}, dir_ / "relay.log", dir_);
    // The relay announces its RSC as soon as its loop runs: that announcement is the readiness signal.
    auto end = Clock::now() + std::chrono::seconds(10);
    std::uint8_t buf[agents::kMaxFrameSize + 64];
    while (Clock::now() < end) {
      if (!sl_.wait(100)) {
        if (!relay_.alive()) break;
        continue;
      }
      while (std::size_t n = sl_.recv_into(buf, sizeof buf)) {
        auto f = agents::decode_frame(ByteView(buf, n));
        if (f.ok() && f->src == kRelayL2 && f->dst == agents::kBroadcastL2Id) {
          relay_rss_idle_ = vm_kib(relay_.pid(), "VmRSS");
          return;
        }
      }
    }
    throw Exit(kExitFailure, "the relay did not come up (log: " + (dir_ / "relay.log").string() + ")");
  }

  // ---- baselines ----------------------------------------------------------------------------------------------
  // The same handshake between the two link machines in memory: machine creation, DCR, KD = derive_kd(PRUK,
  // freshness) as the PKMF computes it, DSMC, DSM Complete, DCA. No PKMF process, no TLS, no UDP, no relay loop.
  void baseline_handshake() {
    auto ue_ids = std::make_shared<link::KdSessIdRegistry>();
    auto relay_ids = std::make_shared<link::KdSessIdRegistry>();
    SecretBytes pruk = random_secret(32);
    for (std::size_t i = 0; i < o_.baseline_iterations; ++i) {
      auto t0 = Clock::now();
      link::RemoteUeConfig uc;
      uc.imsi = "001010123456789";
      uc.relay_service_code = kRsc;
      uc.pruk_id = 0x1122334455667788ull;
      uc.pruk = pruk.clone();
      uc.ids = ue_ids;
      link::RelayConfig rc;
      rc.relay_service_code = kRsc;
      rc.ids = relay_ids;
      auto ue = or_exit(link::RemoteUe::create(std::move(uc)), "baseline Remote UE", kExitFailure);
      auto relay = or_exit(link::Relay::create(std::move(rc)), "baseline relay", kExitFailure);
      const link::TimePoint now = link_now();
      auto dcr = or_exit(ue->start(now), "baseline DCR", kExitFailure);
      auto need = relay->on_pdu(now, dcr.pdus.at(0));
      if (!need.find<link::NeedKd>()) throw Exit(kExitFailure, "baseline: the relay machine did not ask for KD");
      link::KdGrant g;
      random_fill(g.kd_freshness);
      g.kd = or_exit(keys::derive_kd(pruk.view(), g.kd_freshness), "baseline KD", kExitFailure);
      auto dsmc = or_exit(relay->kd_available(now, std::move(g)), "baseline DSMC", kExitFailure);
      auto complete = ue->on_pdu(now, dsmc.pdus.at(0));
      auto dca = relay->on_pdu(now, complete.pdus.at(0));
      auto done = ue->on_pdu(now, dca.pdus.at(0));
      if (!done.find<link::LinkSecured>() || ue->state() != link::RemoteState::kEstablished)
        throw Exit(kExitFailure, "baseline: the in-memory handshake did not secure the link");
      base_handshake_.push_back(secs(Clock::now() - t0));
    }
    std::sort(base_handshake_.begin(), base_handshake_.end());
  }

  // KD requests straight to the PKMF (one TLS keep-alive connection with the relay's certificate, sequential).
  void baseline_pkmf() {
    auto client = or_exit(pkmf_client(), "PKMF client", kExitFailure);
    const std::size_t authorised = ues_.size() - o_.unauthorised;
    // Request 0 opens the TLS connection: reported apart, like the relay's first setup.
    std::size_t n = std::min<std::size_t>(o_.baseline_iterations, 1000) + 1;
    for (std::size_t i = 0; i < n; ++i) {
      pc8::KdRequest r;
      r.transaction_id.value = random_u32();
      r.remote_ue = pc8::PrukId{ues_[random_u32() % authorised].pruk_id};
      r.relay_service_code.value = kRsc;
      auto body = or_exit(pc8::Codec::encode(pc8::Request(r)), "KD request", kExitFailure);
      auto t0 = Clock::now();
      auto resp = client->post("/prose/pc8", pc8::kContentType, body);
      double dt = secs(Clock::now() - t0);
      if (!resp.ok() || resp->status != 200) throw Exit(kExitFailure, "baseline: KD request to the PKMF failed");
      auto d = pc8::Codec::decode_response(resp->body);
      const auto* kr = d.ok() ? std::get_if<pc8::KdResponse>(&*d) : nullptr;
      if (!kr || !std::holds_alternative<pc8::KdGrant>(kr->outcome))
        throw Exit(kExitFailure, "baseline: the PKMF did not grant KD");
      if (i == 0)
        base_pkmf_first_ = dt;
      else
        base_pkmf_.push_back(dt);
    }
    std::sort(base_pkmf_.begin(), base_pkmf_.end());
  }

  // The same datagrams (count, size, window) straight to the echo server, without the relay.
  void baseline_direct_echo() {
    agents::LoopbackUdp s;
    open_udp(s);
    const std::uint64_t total = static_cast<std::uint64_t>(o_.ues) * o_.datagrams;
    std::unordered_map<std::uint64_t, Pending> pending;
    std::deque<std::pair<Clock::time_point, std::uint64_t>> order;
    const auto loss_after = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.loss_timeout));
    std::uint8_t buf[65536];
    std::uint64_t k = 0;
    auto t0 = Clock::now();
    while (k < total || !pending.empty()) {
      check_deadline("direct echo");
      while (k < total && pending.size() < o_.window) {
        auto ue = static_cast<std::uint32_t>(k % o_.ues), seq = static_cast<std::uint32_t>(k / o_.ues);
        Bytes p = make_payload(ue, seq, o_.size);
        auto key = payload_key(p);
        auto now = Clock::now();
        s.send_to(echo_.port(), p);
        pending.emplace(key, Pending{now, std::move(p)});
        order.emplace_back(now, key);
        ++direct_.sent;
        ++k;
      }
      s.wait(10);
      while (std::size_t n = s.recv_into(buf, sizeof buf)) {
        auto now = Clock::now();
        if (n < 8) {
          ++direct_.corrupt;
          continue;
        }
        auto it = pending.find(payload_key(ByteView(buf, n)));
        if (it == pending.end()) {
          ++direct_.late;
          continue;
        }
        if (it->second.payload.size() != n || !std::equal(buf, buf + n, it->second.payload.begin()))
          ++direct_.corrupt;
        else
          ++direct_.received;
        direct_.rtt.push_back(secs(now - it->second.sent));
        pending.erase(it);
      }
      expire(pending, order, loss_after, direct_.lost);
    }
    direct_.seconds = secs(Clock::now() - t0);
    std::sort(direct_.rtt.begin(), direct_.rtt.end());
  }

  static void expire(std::unordered_map<std::uint64_t, Pending>& pending,
                     std::deque<std::pair<Clock::time_point, std::uint64_t>>& order, Clock::duration after,
                     std::uint64_t& lost) {
    auto now = Clock::now();
    while (!order.empty() && (now - order.front().first > after || !pending.count(order.front().second))) {
      if (pending.erase(order.front().second)) ++lost;
      order.pop_front();
    }
  }

  // ---- the emulated Remote UEs ----------------------------------------------------------------------------------
  void send_frame(const Ue& u, ByteView pdu) {
    auto f = agents::encode_frame(agents::Frame{u.l2, kRelayL2, Bytes(pdu.begin(), pdu.end())});
    if (f.ok() && sl_.send_to(relay_port_, *f)) ++frames_sent_;
  }

  void fail(std::uint32_t i, const std::string& why) {
    Ue& u = ues_[i];
    if (u.st == Ue::St::kSetup) --in_flight_;
    if (u.st == Ue::St::kReleasing) --releasing_;
    u.st = Ue::St::kFailed;
    failures_.push_back("ue@" + hex24(u.l2) + ": " + why);
  }

  void handle(std::uint32_t i, link::Output o) {
    Ue& u = ues_[i];
    for (const auto& pdu : o.pdus) send_frame(u, pdu);
    for (const auto& t : o.timers)
      if (t.op == link::TimerCmd::Op::kArm) timers_.push(TimerEntry{t.deadline, i, t.id});
    for (auto& e : o.events) {
      if (auto* s = std::get_if<link::LinkSecured>(&e)) {
        if (!s->rekey && u.st == Ue::St::kSetup) {
          setup_.push_back(secs(Clock::now() - u.t_start));
          ++links_secured_;
          u.st = Ue::St::kUp;
          --in_flight_;
        }
      } else if (auto* f = std::get_if<link::SetupFailed>(&e)) {
        fail(i, "link setup failed: PC5 cause #" + std::to_string(static_cast<int>(f->cause)) +
                    (f->from_peer ? " from the relay" : "") + (f->detail.empty() ? "" : " (" + f->detail + ")"));
      } else if (auto* d = std::get_if<link::DataReceived>(&e)) {
        on_data(i, d->data);
      } else if (auto* r = std::get_if<link::LinkReleased>(&e)) {
        if (u.st == Ue::St::kReleasing) {
          u.st = Ue::St::kReleased;
          --releasing_;
        } else if (u.st != Ue::St::kFailed)
          fail(i, "link released unexpectedly (release cause " + std::to_string(static_cast<int>(r->cause)) + ")");
      } else if (auto* dr = std::get_if<link::PduDropped>(&e)) {
        if (++dropped_ <= 5)
          std::cerr << "relay-load: ue@" << hex24(u.l2) << " dropped a PDU in state "
                    << link::remote_state_name(u.m->state()) << ", " << fmt(secs(Clock::now() - u.t_start) * 1e3, 1)
                    << " ms after its DCR: " << dr->detail << "\n";
      } else if (std::get_if<link::PrukIdRejected>(&e)) {
        fail(i, "the relay did not recognise the PRUK ID");
      }
    }
  }

  // Timers due, then every frame queued on the sidelink socket; waits at most max_wait_ms for something to do.
  void pump(int max_wait_ms) {
    int wait = max_wait_ms;
    if (!timers_.empty()) {
      auto d = std::chrono::duration_cast<std::chrono::milliseconds>(timers_.top().at - link_now()).count();
      wait = static_cast<int>(std::clamp<long long>(d, 0, max_wait_ms));
    }
    sl_.wait(wait);
    const auto now = link_now();
    while (!timers_.empty() && timers_.top().at <= now) {
      TimerEntry t = timers_.top();
      timers_.pop();
      Ue& u = ues_[t.ue];
      if (!u.m) continue;
      link::Output o = u.m->on_timer(now, t.id);
      if (u.st == Ue::St::kSetup) setup_retx_ += o.pdus.size();
      if (u.st == Ue::St::kReleasing) release_retx_ += o.pdus.size();
      handle(t.ue, std::move(o));
    }
    static std::uint8_t buf[agents::kMaxFrameSize + 64];
    while (std::size_t n = sl_.recv_into(buf, sizeof buf)) {
      auto f = agents::decode_frame(ByteView(buf, n));
      if (!f.ok() || f->src != kRelayL2) continue;
      if (f->dst < kUeL2Base || f->dst - kUeL2Base >= ues_.size()) continue;  // the broadcast announcement
      auto i = f->dst - kUeL2Base;
      Ue& u = ues_[i];
      if (!u.m) continue;
      ++frames_received_;
      handle(i, u.m->on_pdu(link_now(), f->pdu));
    }
  }

  void check_relay(const char* phase) {
    if (!relay_.alive())
      throw Exit(kExitFailure, std::string("the relay process exited in the ") + phase +
                                   " phase (log: " + (dir_ / "relay.log").string() + ")");
    check_deadline(phase);
  }

  void start_ue(std::uint32_t i) {
    Ue& u = ues_[i];
    link::RemoteUeConfig c;
    c.imsi = u.imsi;
    c.relay_service_code = kRsc;
    c.pruk_id = u.pruk_id;
    c.pruk = u.pruk.clone();
    auto m = link::RemoteUe::create(std::move(c));
    if (!m.ok()) {
      failures_.push_back("ue@" + hex24(u.l2) + ": " + m.error().to_string());
      u.st = Ue::St::kFailed;
      return;
    }
    u.m = std::move(*m);
    u.st = Ue::St::kSetup;
    ++in_flight_;
    u.t_start = Clock::now();
    auto o = u.m->start(link_now());
    if (!o.ok()) {
      fail(i, "start: " + o.error().to_string());
      return;
    }
    handle(i, std::move(*o));
  }

  // The first UE sets its link up alone and is reported apart: its setup also opens the relay's TLS connection to
  // the PKMF. Then the other N-1, --concurrency at a time; their times make the percentiles and setups/s.
  void setup_phase() {
    start_ue(0);
    while (in_flight_ > 0) {
      pump(50);
      check_relay("setup");
    }
    if (!setup_.empty()) first_setup_ = setup_.front();
    setup_.clear();
    double cpu0 = cpu_s(relay_.pid()), pkmf_cpu0 = cpu_s(pkmf_.pid());
    auto t0 = Clock::now();
    std::uint32_t next = 1;
    while (next < ues_.size() || in_flight_ > 0) {
      while (in_flight_ < o_.concurrency && next < ues_.size()) start_ue(next++);
      pump(50);
      check_relay("setup");
    }
    setup_s_ = secs(Clock::now() - t0);
    relay_cpu_setup_ = cpu_s(relay_.pid()) - cpu0;
    pkmf_cpu_setup_ = cpu_s(pkmf_.pid()) - pkmf_cpu0;
    std::sort(setup_.begin(), setup_.end());
  }

  // ---- user data through the relay ------------------------------------------------------------------------------
  void on_data(std::uint32_t i, const Bytes& d) {
    auto now = Clock::now();
    if (d.size() < 8) {
      ++relayed_.corrupt;
      failures_.push_back("ue@" + hex24(ues_[i].l2) + ": echo shorter than 8 octets");
      return;
    }
    auto it = pending_.find(payload_key(d));
    if (it == pending_.end()) {
      ++relayed_.late;
      return;
    }
    bool right_ue = (payload_key(d) >> 32) == i;
    if (!right_ue || it->second.payload != d) {
      ++relayed_.corrupt;
      failures_.push_back("ue@" + hex24(ues_[i].l2) + ": echo " +
                          (right_ue ? "differs from what was sent" : "for another UE"));
    } else {
      ++relayed_.received;
    }
    relayed_.rtt.push_back(secs(now - it->second.sent));
    pending_.erase(it);
  }

  void data_phase() {
    std::vector<std::uint32_t> up;
    for (std::uint32_t i = 0; i < ues_.size(); ++i)
      if (ues_[i].st == Ue::St::kUp) up.push_back(i);
    if (up.empty() || o_.datagrams == 0) return;
    const std::uint64_t total = static_cast<std::uint64_t>(up.size()) * o_.datagrams;
    std::deque<std::pair<Clock::time_point, std::uint64_t>> order;
    const auto loss_after = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.loss_timeout));
    double cpu0 = cpu_s(relay_.pid());
    std::uint64_t k = 0;
    auto t0 = Clock::now();
    while (k < total || !pending_.empty()) {
      while (k < total && pending_.size() < o_.window) {
        std::uint32_t i = up[k % up.size()];
        auto seq = static_cast<std::uint32_t>(k / up.size());
        ++k;
        Ue& u = ues_[i];
        if (u.st != Ue::St::kUp) continue;
        Bytes p = make_payload(i, seq, o_.size);
        auto key = payload_key(p);
        auto now = Clock::now();
        auto r = u.m->send_data(link_now(), p);
        if (!r.ok()) {
          fail(i, "send_data: " + r.error().to_string());
          continue;
        }
        pending_.emplace(key, Pending{now, std::move(p)});
        order.emplace_back(now, key);
        ++relayed_.sent;
        handle(i, std::move(*r));
      }
      pump(10);
      expire(pending_, order, loss_after, relayed_.lost);
      check_relay("data");
    }
    relayed_.seconds = secs(Clock::now() - t0);
    relay_cpu_data_ = cpu_s(relay_.pid()) - cpu0;
    std::sort(relayed_.rtt.begin(), relayed_.rtt.end());
  }

  // Every link released by its Remote UE, at most --concurrency releases in flight (a burst of 1,000 frames
  // overflows the relay's UDP receive buffer and only T4103 retransmissions would recover it).
  void release_phase() {
    auto end = Clock::now() + std::chrono::seconds(30);
    std::uint32_t next = 0;
    while ((next < ues_.size() || releasing_ > 0) && Clock::now() < end) {
      while (releasing_ < o_.concurrency && next < ues_.size()) {
        std::uint32_t i = next++;
        Ue& u = ues_[i];
        if (u.st != Ue::St::kUp) continue;
        ++releasing_;
        u.st = Ue::St::kReleasing;
        auto r = u.m->release(link_now());
        if (!r.ok()) {
          fail(i, "release: " + r.error().to_string());
          continue;
        }
        handle(i, std::move(*r));
      }
      pump(20);
      check_relay("release");
    }
    for (std::uint32_t i = 0; i < ues_.size(); ++i) {
      if (ues_[i].st == Ue::St::kReleasing) {
        fail(i, "link not released within 30 s");
      } else if (ues_[i].st == Ue::St::kReleased) {
        ++released_;
      }
    }
  }

  void finish_measurements() {
    relay_rss_ = vm_kib(relay_.pid(), "VmRSS");
    relay_hwm_ = vm_kib(relay_.pid(), "VmHWM");
    pkmf_rss_ = vm_kib(pkmf_.pid(), "VmRSS");
    pkmf_hwm_ = vm_kib(pkmf_.pid(), "VmHWM");
    relay_cpu_ = cpu_s(relay_.pid());
    pkmf_cpu_ = cpu_s(pkmf_.pid());
    load_end_ = loadavg();
    rcvbuf_errors_end_ = udp_rcvbuf_errors();
  }

  // Lines of the relay's log about one Remote UE (for failure reports).
  void print_relay_log_for(std::uint32_t l2) {
    std::ifstream f(dir_ / "relay.log");
    std::string line, tag = "ue@" + hex24(l2);
    std::deque<std::string> last;
    while (std::getline(f, line))
      if (line.find(tag) != std::string::npos && line.rfind("CAP|", 0) != 0) {
        last.push_back(line);
        if (last.size() > 12) last.pop_front();
      }
    std::cerr << "relay-load: relay log lines for " << tag << ":\n";
    for (const auto& l : last) std::cerr << "  " << l << "\n";
  }

  int report() {
    std::size_t failed_ues = 0;
    for (const auto& u : ues_) failed_ues += u.st == Ue::St::kFailed ? 1 : 0;
    const double loss = relayed_.sent ? static_cast<double>(relayed_.lost) / static_cast<double>(relayed_.sent) : 0.0;
    Output out(json_requested());
    auto mib = [&](const std::string& name, long kib) { num(out, name, static_cast<double>(kib) / 1024.0, 1); };
    auto ratio = [&](const std::string& name, double a, double b) { num(out, name, b > 0 ? a / b : 0.0, 2); };
    const double base_med = pct_ms(base_handshake_, 0.5), setup_med = pct_ms(setup_, 0.5);
    out.field("UEs", static_cast<std::int64_t>(o_.ues));
    out.field("Concurrency", static_cast<std::int64_t>(o_.concurrency));
    if (o_.unauthorised) out.field("UEs not authorised for the RSC", static_cast<std::int64_t>(o_.unauthorised));
    out.field("Discovery", std::string("skipped (the UEs know the relay's L2 ID)"));
    num(out, "Provisioning s", provision_s_);
    out.field("Links secured", static_cast<std::int64_t>(links_secured_));
    out.field("UEs failed", static_cast<std::int64_t>(failed_ues));
    num(out, "Setup phase s", setup_s_);
    num(out, "Setups/s", setup_s_ > 0 ? static_cast<double>(setup_.size()) / setup_s_ : 0.0, 1);
    num(out, "First setup ms (incl. the relay's TLS connection to the PKMF)", first_setup_ * 1e3);
    out.field("Setups measured (UEs 2..N)", static_cast<std::int64_t>(setup_.size()));
    num(out, "Setup median ms", setup_med);
    num(out, "Setup p99 ms", pct_ms(setup_, 0.99));
    num(out, "Setup max ms", setup_.empty() ? 0.0 : setup_.back() * 1e3);
    num(out, "Baseline in-memory handshake median ms", base_med, 4);
    num(out, "Baseline in-memory handshake p99 ms", pct_ms(base_handshake_, 0.99), 4);
    num(out, "Baseline PKMF first KD request ms (incl. TLS connection)", base_pkmf_first_ * 1e3);
    num(out, "Baseline PKMF KD request median ms", pct_ms(base_pkmf_, 0.5));
    num(out, "Baseline PKMF KD request p99 ms", pct_ms(base_pkmf_, 0.99));
    ratio("Setup median / in-memory handshake median", setup_med, base_med);
    ratio("Setup median / PKMF KD request median", setup_med, pct_ms(base_pkmf_, 0.5));
    out.field("Datagram size", static_cast<std::int64_t>(o_.size));
    out.field("Datagrams per UE", static_cast<std::int64_t>(o_.datagrams));
    out.field("Window", static_cast<std::int64_t>(o_.window));
    out.field("Datagrams sent", static_cast<std::int64_t>(relayed_.sent));
    out.field("Datagrams echoed", static_cast<std::int64_t>(relayed_.received));
    out.field("Datagrams lost", static_cast<std::int64_t>(relayed_.lost));
    out.field("Datagrams corrupt", static_cast<std::int64_t>(relayed_.corrupt));
    out.field("Datagrams late", static_cast<std::int64_t>(relayed_.late));
    num(out, "Data round trip p50 ms", pct_ms(relayed_.rtt, 0.5));
    num(out, "Data round trip p99 ms", pct_ms(relayed_.rtt, 0.99));
    num(out, "Datagrams/s", relayed_.per_s(), 1);
    num(out, "Baseline direct echo datagrams/s", direct_.per_s(), 1);
    num(out, "Baseline direct echo round trip p50 ms", pct_ms(direct_.rtt, 0.5));
    num(out, "Baseline direct echo round trip p99 ms", pct_ms(direct_.rtt, 0.99));
    out.field("Baseline direct echo lost", static_cast<std::int64_t>(direct_.lost + direct_.corrupt));
    ratio("Relay datagrams/s / direct echo", relayed_.per_s(), direct_.per_s());
    out.field("Links released", static_cast<std::int64_t>(released_));
    out.field("PDUs dropped by the UEs", static_cast<std::int64_t>(dropped_));
    out.field("PC5 frames sent", static_cast<std::int64_t>(frames_sent_));
    out.field("PC5 frames received", static_cast<std::int64_t>(frames_received_));
    out.field("PC5 retransmissions in setups", static_cast<std::int64_t>(setup_retx_));
    out.field("PC5 retransmissions in releases", static_cast<std::int64_t>(release_retx_));
    out.field("UDP receive buffer overflows (system-wide)",
              static_cast<std::int64_t>(rcvbuf_errors_end_ - rcvbuf_errors_start_));
    mib("Relay RSS idle MiB", relay_rss_idle_);
    mib("Relay RSS with links MiB", relay_rss_links_);
    mib("Relay RSS end MiB", relay_rss_);
    mib("Relay peak RSS MiB", relay_hwm_);
    num(out, "Relay CPU s in setups", relay_cpu_setup_, 2);
    num(out, "Relay CPU s in data", relay_cpu_data_, 2);
    num(out, "Relay CPU s total", relay_cpu_, 2);
    num(out, "Relay CPU ms per setup",
        setup_.empty() ? 0.0 : relay_cpu_setup_ * 1e3 / static_cast<double>(setup_.size()));
    num(out, "Relay CPU us per echoed datagram",
        relayed_.received ? relay_cpu_data_ * 1e6 / static_cast<double>(relayed_.received) : 0.0, 1);
    mib("PKMF RSS MiB", pkmf_rss_);
    mib("PKMF peak RSS MiB", pkmf_hwm_);
    num(out, "PKMF CPU s in setups", pkmf_cpu_setup_, 2);
    num(out, "PKMF CPU s total", pkmf_cpu_, 2);
    out.field("Load average (start; end)", load_start_ + "; " + load_end_);
    out.print();
    for (std::size_t i = 0; i < failures_.size() && i < 10; ++i) std::cerr << "relay-load: " << failures_[i] << "\n";
    if (failures_.size() > 10) std::cerr << "relay-load: ... " << failures_.size() - 10 << " more failures\n";
    for (const auto& u : ues_)
      if (u.st == Ue::St::kFailed) {
        print_relay_log_for(u.l2);
        break;
      }
    if (failed_ues > 0 || relayed_.corrupt > 0) return kExitFailure;
    if (loss > o_.max_loss) {
      std::cerr << "relay-load: " << relayed_.lost << " of " << relayed_.sent << " datagrams lost (--max-loss "
                << o_.max_loss << ")\n";
      return kExitFailure;
    }
    return kExitOk;
  }

  Options o_;
  fs::path dir_;
  bool keep_dir_ = false, dir_created_ = false;
  std::string exe_, pkmf_config_, load_start_, load_end_;
  Clock::time_point deadline_;
  std::uint16_t pkmf_port_ = 0, relay_port_ = 0;
  Child pkmf_, relay_;
  EchoServer echo_;
  agents::LoopbackUdp sl_;
  std::vector<Ue> ues_;
  std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<>> timers_;
  std::size_t in_flight_ = 0, releasing_ = 0;
  std::uint64_t setup_retx_ = 0, release_retx_ = 0, rcvbuf_errors_start_ = 0, rcvbuf_errors_end_ = 0;
  std::unordered_map<std::uint64_t, Pending> pending_;
  std::vector<std::string> failures_;
  std::vector<double> setup_, base_handshake_, base_pkmf_;
  EchoStats relayed_, direct_;
  double provision_s_ = 0, setup_s_ = 0, first_setup_ = 0, base_pkmf_first_ = 0;
  std::size_t links_secured_ = 0;
  double relay_cpu_setup_ = 0, relay_cpu_data_ = 0, relay_cpu_ = 0, pkmf_cpu_setup_ = 0, pkmf_cpu_ = 0;
  long relay_rss_idle_ = -1, relay_rss_links_ = -1, relay_rss_ = -1, relay_hwm_ = -1, pkmf_rss_ = -1, pkmf_hwm_ = -1;
  std::uint64_t dropped_ = 0, frames_sent_ = 0, frames_received_ = 0, released_ = 0;
};

}  // namespace

void register_relay_load(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "relay-load", "Load-test a relay agent: N emulated Remote UEs set links up via the PKMF and echo user data");
  auto* o = new Options;
  cmd->add_option("--ues", o->ues, "Remote UEs (each provisioned with a PRUK); the first sets up alone, unmeasured")
      ->check(CLI::Range(2, 65000));
  cmd->add_option("--concurrency", o->concurrency, "Link setups in flight at a time")->check(CLI::Range(1, 65000));
  cmd->add_option("--datagrams", o->datagrams, "Datagrams each UE echoes through the relay")
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--size", o->size, "Datagram size in octets")->check(CLI::Range(8, 8000));
  cmd->add_option("--window", o->window, "Datagrams in flight at a time (all UEs)")->check(CLI::Range(1, 100000));
  cmd->add_option("--baseline-iterations", o->baseline_iterations,
                  "Samples of the in-memory handshake and of the direct PKMF KD request baselines")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--unauthorised", o->unauthorised,
                  "Check of the failure path: the last K UEs are authorised for another RSC only, so the PKMF "
                  "refuses their KD and the run must fail")
      ->check(CLI::Range(0, 65000));
  cmd->add_option("--relay-pkmf-connections", o->relay_pkmf_connections,
                  "The relay's PC8 connections for KD requests (0: on its event loop)")
      ->check(CLI::Range(0, 64));
  cmd->add_option("--loss-timeout", o->loss_timeout, "Seconds after which a datagram counts as lost")
      ->check(CLI::Range(0.01, 60.0));
  cmd->add_option("--max-loss", o->max_loss, "Fraction of lost datagrams tolerated (default 0)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--timeout", o->timeout, "Give up after this many seconds in all")->check(CLI::Range(1.0, 86400.0));
  cmd->add_option("--dir", o->dir, "Work directory (kept; default: a temporary one, removed after a clean run)");
  add_json_flag(cmd, {"ues",
                      "concurrency",
                      "ues_not_authorised_for_the_rsc",
                      "discovery",
                      "links_secured",
                      "ues_failed",
                      "setups_measured_ues_2_n",
                      "datagram_size",
                      "datagrams_per_ue",
                      "window",
                      "datagrams_sent",
                      "datagrams_echoed",
                      "datagrams_lost",
                      "datagrams_corrupt",
                      "datagrams_late",
                      "baseline_direct_echo_lost",
                      "links_released",
                      "pdus_dropped_by_the_ues",
                      "pc5_frames_sent",
                      "pc5_frames_received",
                      "pc5_retransmissions_in_setups",
                      "pc5_retransmissions_in_releases",
                      "udp_receive_buffer_overflows_system_wide",
                      "load_average_start_end",
                      "provisioning_s",
                      "setup_phase_s",
                      "setups_s",
                      "first_setup_ms_incl_the_relay_s_tls_connection_to_the_pkmf",
                      "setup_median_ms",
                      "setup_p99_ms",
                      "setup_max_ms",
                      "baseline_in_memory_handshake_median_ms",
                      "baseline_in_memory_handshake_p99_ms",
                      "baseline_pkmf_first_kd_request_ms_incl_tls_connection",
                      "baseline_pkmf_kd_request_median_ms",
                      "baseline_pkmf_kd_request_p99_ms",
                      "data_round_trip_p50_ms",
                      "data_round_trip_p99_ms",
                      "datagrams_s",
                      "baseline_direct_echo_datagrams_s",
                      "baseline_direct_echo_round_trip_p50_ms",
                      "baseline_direct_echo_round_trip_p99_ms",
                      "relay_cpu_s_in_setups",
                      "relay_cpu_s_in_data",
                      "relay_cpu_s_total",
                      "relay_cpu_ms_per_setup",
                      "relay_cpu_us_per_echoed_datagram",
                      "pkmf_cpu_s_in_setups",
                      "pkmf_cpu_s_total",
                      "relay_rss_idle_mib",
                      "relay_rss_with_links_mib",
                      "relay_rss_end_mib",
                      "relay_peak_rss_mib",
                      "pkmf_rss_mib",
                      "pkmf_peak_rss_mib",
                      "setup_median_in_memory_handshake_median",
                      "setup_median_pkmf_kd_request_median",
                      "relay_datagrams_s_direct_echo"});
  cmd->callback([o] {
    if (o->unauthorised >= o->ues) bad_input("--unauthorised: must be less than --ues (the first UE must succeed)");
    ::signal(SIGPIPE, SIG_IGN);
    RelayLoad load(*o);
    int rc = load.run();
    if (rc != 0) throw Exit(rc, "some Remote UEs failed (see above)");
  });
}

}  // namespace prose::cli
