// prose pkmf-load: the PKMF load client. Provisions N UEs with PRUKs in a fresh store, starts `prose pkmf` as a
// separate process, drives KD requests from relay clients over TLS keep-alive, and reports requests/s, latency
// percentiles and the PKMF's resident memory. Used for docs/performance/pkmf.md.
//
// Hold mode (--idle-tcp / --idle-tls): instead of load, opens idle connections that never finish a TLS handshake
// (plain TCP, a partial ClientHello, or a full ClientHello and then silence), from --sources loopback addresses,
// probes with a good mutual-TLS client while they are held, closes them, and follows the PKMF's resident memory
// until it settles. Used for docs/performance/pkmf-admission.md (issue 17, defects 2 and 3).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "cli.h"
#include "prose/net/client.h"
#include "prose/pc8/codec.h"
#include "prose/pkmf/config.h"
#include "prose/store/store.h"
#include "prose/util/random.h"

namespace prose::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

long vm_kib(pid_t pid, const std::string& field) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

long open_fds(pid_t pid) {
  std::error_code ec;
  long n = 0;
  for (fs::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end; !ec && it != end; it.increment(ec))
    ++n;
  return n;
}

// CPU time (user + system) of a process, in clock ticks.
long cpu_ticks(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), {});
  auto close = stat.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream in(stat.substr(close + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {  // fields 14 and 15 of proc(5)
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return utime + stime;
}

struct LoadOptions {
  std::size_t ues = 1000;
  std::string store;  // empty: SQLite in the work dir
  int threads = 4;
  int server_threads = 2;
  double duration = 10;
  double rate = 0;         // requests/s in all; 0 = as fast as possible
  std::uint16_t port = 0;  // 0: a free port, drawn at the start
  bool json = false;
  std::string pkmf_bin;  // empty: this program
  // Hold mode.
  std::size_t idle_tcp = 0;
  std::size_t idle_tls = 0;
  int sources = 1;
  int probes = 5;
  double settle = 30;
  double max_probe_ms = 1000;
  double max_peak_rss_mib = 300;
  double max_settled_rss_mib = 64;
};

// A fresh example configuration with N provisioned UEs (one PRUK each) and relay r1, and `prose pkmf` running on it.
class PkmfUnderTest {
 public:
  explicit PkmfUnderTest(const LoadOptions& o) : o_(o) {
    dir_ = fs::temp_directory_path() / ("prose-pkmf-load-" + std::to_string(random_u64()));
  }
  ~PkmfUnderTest() {
    stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void setup() {
    pkmf::ExampleConfigOptions ex;
    ex.dir = dir_.string();
    ex.port = o_.port;
    ex.mikey_port = 0;
    ex.hss_port = std::nullopt;
    ex.ue_imsis = {};
    ex.relay_ids = {"r1"};
    ex.store_url = o_.store;
    std::string config_path = or_exit(pkmf::write_example_config(ex), "example config", kExitFailure);
    {  // server threads
      std::ifstream in(config_path);
      std::string text((std::istreambuf_iterator<char>(in)), {});
      text = std::regex_replace(text, std::regex("threads = 2"), "threads = " + std::to_string(o_.server_threads));
      text = std::regex_replace(text, std::regex("log_level = \"info\""), "log_level = \"warn\"");
      // Another binary may predate [connections]; the example's values are the defaults anyway.
      if (!o_.pkmf_bin.empty()) text = std::regex_replace(text, std::regex(R"(\[connections\][^\[]*)"), "");
      std::ofstream(config_path) << text;
    }
    config_path_ = config_path;
    cfg_ = or_exit(pkmf::load_config(config_path), "config", kExitFailure);

    // Provision: N UEs and one PRUK each, in bulk.
    auto t0 = Clock::now();
    auto store = or_exit(store::open_store(cfg_.store_url, cfg_.kek), "store", kExitFailure);
    or_exit(store->upsert_relay("r1", {0x00abcd}), "relay", kExitFailure);
    constexpr std::size_t kBatch = 50000;
    for (std::size_t base = 0; base < o_.ues; base += kBatch) {
      std::size_t n = std::min(kBatch, o_.ues - base);
      std::vector<std::pair<std::string, std::vector<std::uint32_t>>> ues;
      std::vector<store::PrukRecord> pruks;
      for (std::size_t i = 0; i < n; ++i) {
        std::string imsi = std::to_string(1010000000000ull + base + i);
        ues.push_back({imsi, {0x00abcd}});
        store::PrukRecord r;
        r.imsi = imsi;
        r.pruk_id = random_u64_nonzero();
        r.pruk = random_secret(32);
        r.created_at = std::time(nullptr);
        pruks.push_back(std::move(r));
        pruk_ids_.push_back(pruks.back().pruk_id);
      }
      or_exit(store->bulk_upsert_ues(ues, std::time(nullptr), nullptr), "provision UEs", kExitFailure);
      or_exit(store->bulk_insert_pruks(pruks), "provision PRUKs", kExitFailure);
      std::cerr << "\rprovisioned " << base + n << "/" << o_.ues << std::flush;
    }
    std::cerr << "\n";
    provision_s_ = std::chrono::duration<double>(Clock::now() - t0).count();
  }

  void start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      const char* bin = o_.pkmf_bin.empty() ? "/proc/self/exe" : o_.pkmf_bin.c_str();
      ::execl(bin, "prose", "pkmf", "--config", config_path_.c_str(), static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    bool ready = false;
    for (int i = 0; i < 200 && !ready; ++i) {
      auto c = client();
      ready = c.ok() && (*c)->get("/metrics").ok();
      if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!ready) {
      stop();
      throw Exit(kExitFailure, "the PKMF did not come up");
    }
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  // A relay client (mutual TLS) of the PKMF.
  Result<std::unique_ptr<net::HttpsClient>> client(bool resume = true) const {
    net::HttpsClientConfig c;
    c.port = o_.port;
    c.tls.ca_file = (dir_ / "pki" / "ca.pem").string();
    c.tls.cert_file = (dir_ / "pki" / "relay-r1.pem").string();
    c.tls.key_file = (dir_ / "pki" / "relay-r1.key").string();
    c.tls.server_name = "pkmf.prose.test";
    c.tls.keylog_from_env = false;
    c.tls.session_resumption = resume;
    return net::HttpsClient::create(c);
  }

  // One KD request for a random provisioned PRUK: true when the PKMF granted it.
  bool kd_request(net::HttpsClient& client, std::mt19937_64& rng) const {
    pc8::KdRequest r;
    r.transaction_id.value = static_cast<std::uint32_t>(rng());
    r.remote_ue = pc8::PrukId{pruk_ids_[rng() % pruk_ids_.size()]};
    r.relay_service_code.value = 0x00abcd;
    auto body = pc8::Codec::encode(pc8::Request(r));
    auto resp = client.post("/prose/pc8", pc8::kContentType, *body);
    bool ok = resp.ok() && resp->status == 200 && resp->body.find("<KD>") != std::string::npos;
    if (!ok) {
      auto d = resp.ok() ? pc8::Codec::decode_response(resp->body) : Result<pc8::Response>(resp.error());
      ok = d.ok() && std::holds_alternative<pc8::KdGrant>(std::get<pc8::KdResponse>(*d).outcome);
    }
    return ok;
  }

  pid_t pid() const { return pid_; }
  const pkmf::PkmfConfig& config() const { return cfg_; }
  double provision_s() const { return provision_s_; }

 private:
  const LoadOptions& o_;
  fs::path dir_;
  std::string config_path_;
  pkmf::PkmfConfig cfg_;
  std::vector<std::uint64_t> pruk_ids_;
  double provision_s_ = 0;
  pid_t pid_ = -1;
};

std::string mib(long kib) { return std::to_string(kib / 1024.0); }

int run_load(const LoadOptions& o) {
  PkmfUnderTest pkmf(o);
  pkmf.setup();
  pkmf.start();
  long rss_idle = vm_kib(pkmf.pid(), "VmRSS");

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> errors{0};
  std::mutex mu;
  std::vector<double> latencies;
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      auto client = pkmf.client();
      if (!client.ok()) {
        ++errors;
        return;
      }
      std::mt19937_64 rng(static_cast<std::uint64_t>(t) * 7919 + 1);
      std::vector<double> mine;
      double interval = o.rate > 0 ? o.threads / o.rate : 0;
      auto next = Clock::now();
      while (!stop) {
        if (interval > 0) {
          next += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval));
          std::this_thread::sleep_until(next);
        }
        auto s = Clock::now();
        bool ok = pkmf.kd_request(**client, rng);
        double dt = std::chrono::duration<double>(Clock::now() - s).count();
        if (!ok) ++errors;
        mine.push_back(dt);
      }
      std::lock_guard<std::mutex> lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(o.duration));
  stop = true;
  for (auto& th : threads) th.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  long rss = vm_kib(pkmf.pid(), "VmRSS"), hwm = vm_kib(pkmf.pid(), "VmHWM");
  pkmf.stop();

  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    if (latencies.empty()) return 0.0;
    return latencies[std::min(latencies.size() - 1, static_cast<std::size_t>(p * latencies.size()))] * 1e3;
  };
  Output out(json_requested());
  const auto& url = pkmf.config().store_url;
  out.field("Store", url.rfind("sqlite:", 0) == 0 ? std::string("sqlite") : std::string("postgresql"));
  out.field("UEs", static_cast<std::int64_t>(o.ues));
  out.field("Provisioning s", std::to_string(pkmf.provision_s()));
  out.field("Client threads", static_cast<std::int64_t>(o.threads));
  out.field("Offered rate", o.rate > 0 ? std::to_string(o.rate) : std::string("max"));
  out.field("Requests", static_cast<std::int64_t>(latencies.size()));
  out.field("Errors", static_cast<std::int64_t>(errors.load()));
  out.field("Requests/s", std::to_string(latencies.size() / elapsed));
  out.field("p50 ms", std::to_string(pct(0.50)));
  out.field("p99 ms", std::to_string(pct(0.99)));
  out.field("max ms", std::to_string(latencies.empty() ? 0.0 : latencies.back() * 1e3));
  out.field("PKMF RSS idle MiB", mib(rss_idle));
  out.field("PKMF RSS MiB", mib(rss));
  out.field("PKMF peak RSS MiB", mib(hwm));
  out.print();
  return errors.load() == 0 ? 0 : 1;
}

// ---- hold mode ----

// The soft descriptor limit raised to the hard one; fails when `needed` descriptors do not fit.
void raise_fd_limit(std::size_t needed) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < needed) {
    throw Exit(kExitFailure, "holding the connections needs " + std::to_string(needed) +
                                 " file descriptors; the hard limit is " + std::to_string(rl.rlim_cur) +
                                 " (ulimit -Hn): ask for fewer with --idle-tcp / --idle-tls");
  }
}

// A real TLS 1.3 ClientHello (no client certificate will follow), as the octets a client sends first.
std::string client_hello() {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(ctx ? SSL_new(ctx.get()) : nullptr, SSL_free);
  if (!ssl) throw Exit(kExitFailure, "OpenSSL: cannot make a ClientHello");
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl.get(), in, out);  // the SSL owns both
  SSL_set_tlsext_host_name(ssl.get(), "pkmf.prose.test");
  SSL_set_connect_state(ssl.get());
  SSL_do_handshake(ssl.get());  // wants to read the ServerHello
  char* data = nullptr;
  long n = BIO_get_mem_data(out, &data);
  if (n <= 0) throw Exit(kExitFailure, "OpenSSL: no ClientHello");
  return std::string(data, static_cast<std::size_t>(n));
}

// A TCP port on 127.0.0.1 that is free now (the kernel's choice for port 0).
std::uint16_t free_tcp_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok) throw Exit(kExitFailure, "no free TCP port on 127.0.0.1");
  return ntohs(a.sin_port);
}

// A TCP connection to 127.0.0.1:port from 127.0.0.<source>; -1 when it could not be made.
int connect_from(int source, std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(0x7f000000u | static_cast<std::uint32_t>(source));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// The non-zero samples of `metric` in a Prometheus text exposition as "label=value ...": "none" when all are zero,
// empty when the metric is absent.
std::string samples(const std::string& text, const std::string& metric) {
  std::string out;
  std::istringstream in(text);
  std::string line;
  std::regex re("^" + metric + R"re(\{\w+="([^"]+)"\} (\d+)$)re");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, re) && m[2] != "0") out += (out.empty() ? "" : " ") + m[1].str() + "=" + m[2].str();
  }
  return out.empty() && text.find(metric) != std::string::npos ? "none" : out;
}

// The attacker: holds idle_tcp + idle_tls connections from 127.0.0.10 and up (the good client connects from
// 127.0.0.1), and once a second reopens each one the PKMF closed, as a client holding connections would.
class Holder {
 public:
  Holder(const LoadOptions& o, std::string hello)
      : o_(o), hello_(std::move(hello)), fds_(o.idle_tcp + o.idle_tls, -1) {}
  ~Holder() {
    stop_maintaining();
    close_all();
  }

  void open_all() {
    for (std::size_t i = 0; i < fds_.size(); ++i) open(i);
  }
  void start_maintaining() {
    thread_ = std::thread([this] {
      while (!stop_) {
        for (int i = 0; i < 20 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (!stop_) sweep();
      }
    });
  }
  void stop_maintaining() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  void close_all() {
    for (int& fd : fds_) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
  }
  std::size_t failed() const { return failed_; }
  std::size_t reopened() const { return reopened_; }

 private:
  // Connection i: TCP only or TLS (idle_tls of them, spread evenly among the others), every other TLS one sending a
  // whole ClientHello (the server answers and waits for the client's next flight), the others half of it.
  void open(std::size_t i) {
    int fd = connect_from(10 + static_cast<int>(i % static_cast<std::size_t>(o_.sources)), o_.port);
    if (fd < 0) {
      ++failed_;
      return;
    }
    const std::size_t n = fds_.size();
    const std::size_t tls_before = i * o_.idle_tls / n;
    if ((i + 1) * o_.idle_tls / n > tls_before) {
      std::size_t len = tls_before % 2 == 0 ? hello_.size() : hello_.size() / 2;
      (void)!::send(fd, hello_.data(), len, MSG_NOSIGNAL);
    }
    fds_[i] = fd;
  }

  // Reads what the server sent (its TLS flight) and reopens the connections it closed.
  void sweep() {
    std::vector<pollfd> p;
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < fds_.size(); ++i) {
      if (fds_[i] < 0) {
        open(i);
        continue;
      }
      p.push_back(pollfd{fds_[i], POLLIN | POLLRDHUP, 0});
      index.push_back(i);
    }
    if (::poll(p.data(), p.size(), 0) <= 0) return;
    char buf[16384];
    for (std::size_t k = 0; k < p.size(); ++k) {
      bool closed = (p[k].revents & (POLLERR | POLLHUP | POLLRDHUP)) != 0;
      while (!closed && (p[k].revents & POLLIN) != 0) {
        ssize_t n = ::recv(p[k].fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) continue;
        closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
        break;
      }
      if (!closed) continue;
      ::close(p[k].fd);
      fds_[index[k]] = -1;
      ++reopened_;
      open(index[k]);
    }
  }

  const LoadOptions& o_;
  const std::string hello_;
  std::vector<int> fds_;
  std::size_t failed_ = 0, reopened_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

int run_hold(const LoadOptions& o) {
  raise_fd_limit(o.idle_tcp + o.idle_tls + 256);  // the PKMF child inherits the raised limit
  PkmfUnderTest pkmf(o);
  pkmf.setup();
  pkmf.start();
  const pid_t pid = pkmf.pid();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long rss0 = vm_kib(pid, "VmRSS"), fds0 = open_fds(pid);

  Holder holder(o, client_hello());
  auto t_open = Clock::now();
  holder.open_all();
  double open_s = std::chrono::duration<double>(Clock::now() - t_open).count();
  // Wait (at most 10 s) until the PKMF has dealt with the burst (uses under a twentieth of a core), then keep the
  // connections held for two rounds of reopening before probing.
  auto t_busy = Clock::now();
  const long tick = ::sysconf(_SC_CLK_TCK);
  for (long before = cpu_ticks(pid); std::chrono::duration<double>(Clock::now() - t_busy).count() < 10;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    long now = cpu_ticks(pid);
    if ((now - before) * 20 < tick) break;
    before = now;
  }
  double busy_s = std::chrono::duration<double>(Clock::now() - t_busy).count();
  holder.start_maintaining();
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  const long rss_held = vm_kib(pid, "VmRSS"), fds_held = open_fds(pid);

  // Good client: a fresh full handshake (no resumption) and a KD request, each probe on a new connection.
  std::mt19937_64 rng(1);
  double worst_ms = 0;
  int probe_failures = 0;
  std::string metrics, each_ms;
  for (int p = 0; p < o.probes; ++p) {
    auto t0 = Clock::now();
    auto c = pkmf.client(false);
    bool ok = c.ok() && pkmf.kd_request(**c, rng);
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (!ok) ++probe_failures;
    worst_ms = std::max(worst_ms, ms);
    each_ms += (p == 0 ? "" : " ") + std::to_string(static_cast<long>(ms)) + (ok ? "" : "(failed)");
    if (ok && p + 1 == o.probes) {
      auto m = (*c)->get("/metrics");
      if (m.ok() && m->status == 200) metrics = m->body;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const long hwm = vm_kib(pid, "VmHWM");

  holder.stop_maintaining();
  holder.close_all();
  auto t_close = Clock::now();
  double settled_s = -1;
  long rss_end = vm_kib(pid, "VmRSS");
  while (std::chrono::duration<double>(Clock::now() - t_close).count() < o.settle) {
    rss_end = vm_kib(pid, "VmRSS");
    if (rss_end <= static_cast<long>(o.max_settled_rss_mib * 1024)) {
      settled_s = std::chrono::duration<double>(Clock::now() - t_close).count();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  pkmf.stop();

  const long server_conns = std::max(1L, fds_held - fds0);
  Output out(json_requested());
  out.field("Idle TCP connections", static_cast<std::int64_t>(o.idle_tcp));
  out.field("Idle TLS connections", static_cast<std::int64_t>(o.idle_tls));
  out.field("Source addresses", static_cast<std::int64_t>(o.sources));
  out.field("Connects failed", static_cast<std::int64_t>(holder.failed()));
  out.field("Reopened", static_cast<std::int64_t>(holder.reopened()));
  out.field("Open s", std::to_string(open_s));
  out.field("PKMF busy after open s", std::to_string(busy_s));
  out.field("PKMF connections held", static_cast<std::int64_t>(fds_held - fds0));
  out.field("PKMF RSS before MiB", mib(rss0));
  out.field("PKMF RSS held MiB", mib(rss_held));
  out.field("KiB per held connection", std::to_string(static_cast<double>(rss_held - rss0) / server_conns));
  out.field("PKMF peak RSS MiB", mib(hwm));
  out.field("Probes", static_cast<std::int64_t>(o.probes));
  out.field("Probes failed", static_cast<std::int64_t>(probe_failures));
  out.field("Slowest probe ms", std::to_string(worst_ms));
  out.field("Probe ms", each_ms);
  out.field("PKMF RSS after close MiB", mib(rss_end));
  out.field("Settled s",
            settled_s < 0 ? std::string("not within ") + std::to_string(o.settle) : std::to_string(settled_s));
  out.field("Refused", samples(metrics, "prose_pkmf_connections_refused_total"));
  out.field("Handshake failures", samples(metrics, "prose_pkmf_tls_handshake_failures_total"));
  out.print();
  bool met = probe_failures == 0 && worst_ms <= o.max_probe_ms && hwm <= static_cast<long>(o.max_peak_rss_mib * 1024) &&
             settled_s >= 0;
  return met ? 0 : 1;
}

}  // namespace

void register_pkmf_load(CLI::App& app) {
  auto* cmd = app.add_subcommand("pkmf-load", "Load-test a PKMF process with KD requests over TLS keep-alive");
  auto* o = new LoadOptions;
  cmd->add_option("--ues", o->ues, "Provisioned UEs (each with a PRUK)")->check(CLI::Range(1, 10000000));
  cmd->add_option("--store", o->store, "Store URL (default: SQLite in a temp dir)");
  cmd->add_option("--threads", o->threads, "Client threads (one keep-alive connection each)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--server-threads", o->server_threads, "PKMF io threads")->check(CLI::Range(1, 64));
  cmd->add_option("--duration", o->duration, "Seconds of load")->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--rate", o->rate, "Offered requests/s in all (0 = as fast as possible)");
  cmd->add_option("--port", o->port, "HTTPS port for the PKMF under test (default 0: any free port)");
  cmd->add_option("--pkmf-bin", o->pkmf_bin,
                  "prose binary to run the PKMF with, e.g. a baseline build (default: this one; the configuration "
                  "then has no [connections] section, so the defaults apply)");
  add_json_flag(cmd, {"store",
                      "ues",
                      "provisioning_s",
                      "client_threads",
                      "offered_rate",
                      "requests",
                      "errors",
                      "requests_s",
                      "p50_ms",
                      "p99_ms",
                      "max_ms",
                      "pkmf_rss_idle_mib",
                      "pkmf_rss_mib",
                      "pkmf_peak_rss_mib",
                      "idle_tcp_connections",
                      "idle_tls_connections",
                      "source_addresses",
                      "connects_failed",
                      "reopened",
                      "open_s",
                      "pkmf_busy_after_open_s",
                      "pkmf_connections_held",
                      "pkmf_rss_before_mib",
                      "pkmf_rss_held_mib",
                      "kib_per_held_connection",
                      "probes",
                      "probes_failed",
                      "slowest_probe_ms",
                      "probe_ms",
                      "pkmf_rss_after_close_mib",
                      "settled_s",
                      "refused",
                      "handshake_failures"});
  cmd->add_option("--idle-tcp", o->idle_tcp, "Hold mode: idle TCP connections that never send a byte")
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--idle-tls", o->idle_tls,
                  "Hold mode: connections that send a ClientHello (every other one only half of it) and stall")
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--sources", o->sources, "Hold mode: spread them over 127.0.0.10 .. 127.0.0.(9+N)")
      ->check(CLI::Range(1, 240));
  cmd->add_option("--probes", o->probes, "Hold mode: good-client KD requests while they are held")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--settle", o->settle, "Hold mode: seconds to wait for RSS to fall after they close")
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--max-probe-ms", o->max_probe_ms, "Hold mode: target for the slowest probe (exit 1 above)");
  cmd->add_option("--max-peak-rss-mib", o->max_peak_rss_mib, "Hold mode: target for the PKMF's peak RSS");
  cmd->add_option("--max-settled-rss-mib", o->max_settled_rss_mib,
                  "Hold mode: RSS the PKMF must fall to within --settle seconds");
  cmd->callback([o] {
    if (o->port == 0) o->port = free_tcp_port();
    if (o->idle_tcp + o->idle_tls > 0) {
      o->ues = 1;
      if (run_hold(*o) != 0) throw Exit(kExitFailure, "a target was missed");
      return;
    }
    int rc = run_load(*o);
    if (rc != 0) throw Exit(rc, "some requests failed");
  });
}

}  // namespace prose::cli
