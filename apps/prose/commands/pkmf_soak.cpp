// prose pkmf-soak: many mutual-TLS clients for a long time (docs/reliability.md). Remote UE clients send Key Requests
// and take the MIKEY PRUK delivery (verification included); relay clients send KD requests for UEs provisioned with
// known PRUKs and check every KD. Each client holds its own keep-alive connection. Reports errors, the PKMF's
// resident memory every --sample seconds (flat after the warm-up?) and its file descriptors before and after.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "cli.h"
#include "pkmf_lab.h"
#include "prose/testbed/proc_stats.h"
#include "prose/util/random.h"

namespace prose::cli::pkmf_soak_command {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// The PKMF's open descriptors, and how many of them are sockets (-1 when /proc cannot tell).
struct FdCount {
  long total = -1;
  long sockets = -1;
};
FdCount fd_count(pid_t pid) { return FdCount{testbed::open_fds(pid), testbed::open_sockets(pid)}; }

struct SoakOptions {
  int clients = 1000;
  double duration = 600;
  std::string mix = "1:1";  // Key Request clients : KD clients
  double interval = 1.0;    // mean seconds between two requests of one client (0: back to back)
  int threads = 50;
  std::size_t kd_ues = 1000;
  int relays = 10;
  double sample = 10;
  double warmup = -1;  // default: a fifth of the duration, at most 60 s
  double max_growth_mib = 16;
  int server_threads = 2;
  std::string store;
  bool keep = false;
  bool json = false;
};

struct Client {
  std::unique_ptr<lab::RemoteUe> ue;        // a Key Request client
  std::unique_ptr<net::HttpsClient> relay;  // a KD client
  Clock::time_point due;
  bool started = false;
};

struct Sample {
  double t;
  double rss_mib;
  long fds, sockets;
  std::uint64_t requests, errors;
  bool all_started;  // every client had sent its first request
};

struct Totals {
  std::mutex mu;
  std::uint64_t key = 0, kd = 0;
  std::map<std::string, std::uint64_t> errors;  // by reason
  std::vector<float> key_ms, kd_ms;
  std::atomic<std::uint64_t> done{0}, failed{0};
  std::atomic<int> started{0};  // clients that sent their first request
  void error(const std::string& why) {
    failed.fetch_add(1);
    std::lock_guard<std::mutex> lock(mu);
    ++errors[why];
  }
};

std::string fixed(double v, int digits = 1) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

double pct(std::vector<float>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

int run_soak(const SoakOptions& o) {
  unsigned key_share = 0, kd_share = 0;
  if (std::sscanf(o.mix.c_str(), "%u:%u", &key_share, &kd_share) != 2 || key_share + kd_share == 0)
    bad_input("--mix: expected KEY:KD, e.g. 1:1");
  const int key_clients =
      static_cast<int>(std::lround(static_cast<double>(o.clients) * key_share / (key_share + kd_share)));
  const int kd_clients = o.clients - key_clients;
  const double warmup = o.warmup >= 0 ? o.warmup : std::min(60.0, o.duration / 5);
  // Each thread drives clients of one kind, so that a KD request never waits behind a Key Request in its thread.
  const int nthreads = std::min(o.threads, o.clients);
  const int key_threads =
      key_clients == 0 ? 0
      : kd_clients == 0
          ? nthreads
          : std::clamp(static_cast<int>(std::lround(static_cast<double>(nthreads) * key_clients / o.clients)), 1,
                       nthreads - 1);
  auto thread_of = [&](int i) {
    return i < key_clients ? i % key_threads : key_threads + (i - key_clients) % (nthreads - key_threads);
  };

  lab::LabOptions lo;
  for (int i = 0; i < key_clients; ++i) lo.ues.push_back(lab::lab_imsi(static_cast<std::size_t>(i) + 1));
  for (std::size_t i = 0; i < o.kd_ues; ++i) lo.store_only_ues.push_back(lab::lab_imsi(50000000 + i));
  for (int i = 0; i < std::max(1, std::min(o.relays, kd_clients)); ++i)
    lo.relays.push_back("r" + std::to_string(i + 1));
  lo.store_url = o.store;
  lo.server_threads = o.server_threads;
  lo.keep = o.keep;
  std::cerr << "soak: writing a PKI for " << lo.ues.size() << " UEs and " << lo.relays.size() << " relays\n";
  lab::Lab lab(lo);
  // The UEs that KD requests name, each with a PRUK the clients know.
  std::vector<lab::Pruk> known;
  {
    std::vector<store::PrukRecord> recs;
    for (const auto& imsi : lo.store_only_ues) {
      store::PrukRecord r;
      r.imsi = imsi;
      r.pruk_id = random_u64_nonzero();
      r.pruk = random_secret(32);
      r.created_at = std::time(nullptr);
      known.push_back({r.pruk_id, r.pruk.clone()});
      recs.push_back(std::move(r));
    }
    or_exit(lab.open_store()->bulk_insert_pruks(recs), "provision PRUKs", kExitFailure);
  }

  lab::PkmfChild pkmf(lab.config_path(), lab.log_path());
  const std::uint16_t port = or_exit(pkmf.start(30s), "start the PKMF", kExitFailure);
  std::this_thread::sleep_for(200ms);
  const FdCount fds_before = fd_count(pkmf.pid());
  const double rss_before = static_cast<double>(testbed::vm_kib(pkmf.pid(), "VmRSS")) / 1024;

  Totals totals;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration));
  std::vector<std::thread> threads;
  std::atomic<int> connected{0};
  for (int t = 0; t < nthreads; ++t) {
    threads.emplace_back([&, t, seed = random_u64()] {
      std::mt19937_64 rng(seed);
      std::uniform_real_distribution<double> jitter(0.5, 1.5);
      std::vector<Client> mine;
      for (int i = 0; i < o.clients; ++i) {
        if (thread_of(i) != t) continue;
        Client c;
        if (i < key_clients) {
          c.ue = std::make_unique<lab::RemoteUe>(lo.ues[static_cast<std::size_t>(i)]);
          Status st = c.ue->connect(lab.client_config("ue-" + c.ue->imsi(), port));
          if (!st.ok()) totals.error("client setup: " + st.error().message);
        } else {
          const auto& relay = lo.relays[static_cast<std::size_t>(i) % lo.relays.size()];
          auto r = net::HttpsClient::create(lab.client_config("relay-" + relay, port));
          if (!r.ok()) {
            totals.error("client setup: " + r.error().message);
            continue;
          }
          c.relay = std::move(*r);
        }
        c.due = start + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(o.interval * std::uniform_real_distribution<>(0, 1)(rng)));
        mine.push_back(std::move(c));
        ++connected;
      }
      std::vector<float> key_ms, kd_ms;
      std::uint64_t key = 0, kd = 0;
      while (!mine.empty()) {
        auto next = std::min_element(mine.begin(), mine.end(), [](auto& a, auto& b) { return a.due < b.due; });
        if (next->due >= end) break;
        std::this_thread::sleep_until(next->due);
        const auto t0 = Clock::now();
        if (next->ue) {
          ++key;
          Status st = next->ue->key_request();
          if (!st.ok()) {
            totals.error("Key Request: " + st.error().message);
          } else if (auto p = next->ue->receive(10s); !p) {
            totals.error("no MIKEY PRUK delivery within 10 s");
          } else {
            key_ms.push_back(std::chrono::duration<float, std::milli>(Clock::now() - t0).count());
          }
        } else {
          ++kd;
          const auto& p = known[rng() % known.size()];
          auto r = lab::check_kd(*next->relay, p);
          if (!r.ok)
            totals.error("KD request: " + r.error);
          else
            kd_ms.push_back(std::chrono::duration<float, std::milli>(Clock::now() - t0).count());
        }
        totals.done.fetch_add(1);
        if (!next->started) {
          next->started = true;
          totals.started.fetch_add(1);
        }
        const auto now = Clock::now();
        next->due = o.interval > 0 ? now + std::chrono::duration_cast<Clock::duration>(
                                               std::chrono::duration<double>(o.interval * jitter(rng)))
                                   : now;
      }
      mine.clear();  // every connection closes here
      std::lock_guard<std::mutex> lock(totals.mu);
      totals.key += key;
      totals.kd += kd;
      totals.key_ms.insert(totals.key_ms.end(), key_ms.begin(), key_ms.end());
      totals.kd_ms.insert(totals.kd_ms.end(), kd_ms.begin(), kd_ms.end());
    });
  }

  // Samples until the end.
  std::vector<Sample> samples;
  const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.sample));
  for (auto at = start + period; at <= end; at += period) {
    std::this_thread::sleep_until(at);
    Sample s;
    s.t = std::chrono::duration<double>(Clock::now() - start).count();
    s.rss_mib = static_cast<double>(testbed::vm_kib(pkmf.pid(), "VmRSS")) / 1024;
    auto f = fd_count(pkmf.pid());
    s.fds = f.total;
    s.sockets = f.sockets;
    s.requests = totals.done.load();
    s.errors = totals.failed.load();
    s.all_started = totals.started.load() == static_cast<int>(o.clients);
    samples.push_back(s);
    std::cerr << "soak: t=" << fixed(s.t, 0) << " s  RSS " << fixed(s.rss_mib) << " MiB  fds " << s.fds << " ("
              << s.sockets << " sockets)  clients " << connected.load() << "  requests " << s.requests << "  errors "
              << s.errors << "\n";
  }
  for (auto& th : threads) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  // After the clients have gone: the sockets must be back to where they were before them.
  FdCount fds_after = fd_count(pkmf.pid());
  for (auto deadline = Clock::now() + 15s; fds_after.sockets > fds_before.sockets && Clock::now() < deadline;) {
    std::this_thread::sleep_for(200ms);
    fds_after = fd_count(pkmf.pid());
  }
  const double rss_after = static_cast<double>(testbed::vm_kib(pkmf.pid(), "VmRSS")) / 1024;
  const double rss_peak = static_cast<double>(testbed::vm_kib(pkmf.pid(), "VmHWM")) / 1024;
  pkmf.stop(SIGTERM);
  auto check = lab.open_store()->check();

  // Flat after the warm-up: the largest sample after it, against the last sample of it. The warm-up lasts until every
  // client has sent its first request (its connection is open), and at least --warmup seconds.
  double rss_warm = 0, rss_max_after = 0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (i == 0 || samples[i].t <= warmup + 1e-6 || !samples[i].all_started)
      rss_warm = samples[i].rss_mib;
    else
      rss_max_after = std::max(rss_max_after, samples[i].rss_mib);
  }
  const double growth = rss_max_after > 0 ? rss_max_after - rss_warm : 0;

  Output out(json_requested());
  out.field("Clients", static_cast<std::int64_t>(o.clients));
  out.field("Key Request clients", static_cast<std::int64_t>(key_clients));
  out.field("KD clients", static_cast<std::int64_t>(kd_clients));
  out.field("Seconds", fixed(elapsed));
  out.field("Key Requests", static_cast<std::int64_t>(totals.key));
  out.field("KD requests", static_cast<std::int64_t>(totals.kd));
  out.field("Requests/s", fixed(static_cast<double>(totals.key + totals.kd) / elapsed));
  out.field("Key Request + MIKEY p50 ms", fixed(pct(totals.key_ms, 0.5), 2));
  out.field("Key Request + MIKEY p99 ms", fixed(pct(totals.key_ms, 0.99), 2));
  out.field("KD p50 ms", fixed(pct(totals.kd_ms, 0.5), 2));
  out.field("KD p99 ms", fixed(pct(totals.kd_ms, 0.99), 2));
  out.field("Errors", static_cast<std::int64_t>(totals.failed.load()));
  nlohmann::json by_reason = nlohmann::json::object();
  for (const auto& [why, n] : totals.errors) by_reason[why] = n;
  out.raw("errors_by_reason", by_reason);
  out.field("PKMF RSS before MiB", fixed(rss_before));
  out.field("PKMF RSS after warm-up MiB", fixed(rss_warm));
  out.field("PKMF RSS max after warm-up MiB", fixed(rss_max_after));
  out.field("PKMF RSS growth after warm-up MiB", fixed(growth));
  out.field("PKMF peak RSS MiB", fixed(rss_peak));
  out.field("PKMF RSS after the clients left MiB", fixed(rss_after));
  out.field("PKMF fds before",
            std::to_string(fds_before.total) + " (" + std::to_string(fds_before.sockets) + " sockets)");
  out.field("PKMF fds after", std::to_string(fds_after.total) + " (" + std::to_string(fds_after.sockets) + " sockets)");
  out.field("Store check", check.ok() && check->ok() ? std::string("passed") : std::string("FAILED"));
  nlohmann::json js = nlohmann::json::array();
  for (const auto& s : samples)
    js.push_back({{"t", s.t},
                  {"rss_mib", s.rss_mib},
                  {"fds", s.fds},
                  {"sockets", s.sockets},
                  {"requests", s.requests},
                  {"errors", s.errors}});
  out.raw("samples", js);
  out.print();
  for (const auto& [why, n] : totals.errors) std::cerr << "ERRORS: " << n << " x " << why << "\n";

  std::vector<std::string> failed;
  if (totals.failed.load() != 0) failed.push_back(std::to_string(totals.failed.load()) + " errors");
  if (growth > o.max_growth_mib)
    failed.push_back("RSS grew " + fixed(growth) + " MiB after the warm-up (limit " + fixed(o.max_growth_mib) + ")");
  if (fds_after.sockets > fds_before.sockets)
    failed.push_back("sockets " + std::to_string(fds_after.sockets) + " after, " + std::to_string(fds_before.sockets) +
                     " before");
  if (!check.ok() || !check->ok()) failed.push_back("the store check failed");
  if (totals.key + totals.kd == 0) failed.push_back("no request was sent");
  if (!failed.empty()) {
    std::string why;
    for (const auto& f : failed) why += (why.empty() ? "" : "; ") + f;
    throw Exit(kExitFailure, "the soak failed: " + why);
  }
  return 0;
}

}  // namespace

void register_pkmf_soak(CLI::App& app) {
  auto* cmd = app.add_subcommand("pkmf-soak",
                                 "Soak: many mutual-TLS clients mixing Key Requests (with MIKEY delivery) and KD "
                                 "requests; checks 0 errors, flat memory after the warm-up, sockets back after");
  auto* o = new SoakOptions;
  cmd->add_option("--clients", o->clients, "Clients, each with its own keep-alive TLS connection")
      ->check(CLI::Range(1, 20000));
  cmd->add_option("--duration", o->duration, "Seconds of load")->check(CLI::Range(1.0, 86400.0));
  cmd->add_option("--mix", o->mix, "Key Request clients : KD clients, e.g. 1:1 or 1:4");
  cmd->add_option("--interval", o->interval, "Mean seconds between two requests of one client (0: back to back)")
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--threads", o->threads,
                  "Client threads; Key Request and KD clients are shared among their own threads, in proportion")
      ->check(CLI::Range(2, 1024));
  cmd->add_option("--kd-ues", o->kd_ues, "UEs provisioned with a known PRUK that KD requests name")
      ->check(CLI::Range(1, 10000000));
  cmd->add_option("--relays", o->relays, "Relay identities the KD clients use")->check(CLI::Range(1, 1000));
  cmd->add_option("--sample", o->sample, "Seconds between two memory samples")->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--warmup", o->warmup,
                  "Seconds of warm-up (default: a fifth of the duration, at most 60); it lasts at least until every "
                  "client has sent "
                  "its first request");
  cmd->add_option("--max-growth", o->max_growth_mib, "MiB the PKMF's RSS may grow after the warm-up");
  cmd->add_option("--server-threads", o->server_threads, "PKMF io threads")->check(CLI::Range(1, 64));
  cmd->add_option("--store", o->store, "Store URL (default: SQLite in the lab directory)");
  cmd->add_flag("--keep", o->keep, "Keep the lab directory (configuration, PKI, store, pkmf.log)");
  add_json_flag(cmd, {"clients",
                      "key_request_clients",
                      "kd_clients",
                      "seconds",
                      "key_requests",
                      "kd_requests",
                      "requests_s",
                      "key_request_mikey_p50_ms",
                      "key_request_mikey_p99_ms",
                      "kd_p50_ms",
                      "kd_p99_ms",
                      "errors",
                      "pkmf_rss_before_mib",
                      "pkmf_rss_after_warm_up_mib",
                      "pkmf_rss_max_after_warm_up_mib",
                      "pkmf_rss_growth_after_warm_up_mib",
                      "pkmf_peak_rss_mib",
                      "pkmf_rss_after_the_clients_left_mib",
                      "pkmf_fds_before",
                      "pkmf_fds_after",
                      "store_check",
                      "errors_by_reason",
                      "samples"});
  cmd->callback([o] { run_soak(*o); });
}

}  // namespace prose::cli::pkmf_soak_command
