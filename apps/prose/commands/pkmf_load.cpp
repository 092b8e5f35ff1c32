// prose pkmf-load: the PKMF load client. Provisions N UEs with PRUKs in a fresh store, starts `prose pkmf` as a
// separate process, drives KD requests from relay clients over TLS keep-alive, and reports requests/s, latency
// percentiles and the PKMF's resident memory. Used for docs/performance/pkmf.md.
#include <fcntl.h>
#include <signal.h>
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

struct LoadOptions {
  std::size_t ues = 1000;
  std::string store;  // empty: SQLite in the work dir
  int threads = 4;
  int server_threads = 2;
  double duration = 10;
  double rate = 0;  // requests/s in all; 0 = as fast as possible
  std::uint16_t port = 18500;
  bool json = false;
};

int run_load(const LoadOptions& o) {
  fs::path dir = fs::temp_directory_path() / ("prose-pkmf-load-" + std::to_string(random_u64()));
  pkmf::ExampleConfigOptions ex;
  ex.dir = dir.string();
  ex.port = o.port;
  ex.mikey_port = 0;
  ex.hss_port = std::nullopt;
  ex.ue_imsis = {};
  ex.relay_ids = {"r1"};
  ex.store_url = o.store;
  std::string config_path = or_exit(pkmf::write_example_config(ex), "example config", kExitFailure);
  {  // server threads
    std::ifstream in(config_path);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    text = std::regex_replace(text, std::regex("threads = 2"), "threads = " + std::to_string(o.server_threads));
    text = std::regex_replace(text, std::regex("log_level = \"info\""), "log_level = \"warn\"");
    std::ofstream(config_path) << text;
  }
  auto cfg = or_exit(pkmf::load_config(config_path), "config", kExitFailure);

  // Provision: N UEs and one PRUK each, in bulk.
  std::vector<std::uint64_t> pruk_ids;
  auto t0 = Clock::now();
  {
    auto store = or_exit(store::open_store(cfg.store_url, cfg.kek), "store", kExitFailure);
    or_exit(store->upsert_relay("r1", {0x00abcd}), "relay", kExitFailure);
    constexpr std::size_t kBatch = 50000;
    for (std::size_t base = 0; base < o.ues; base += kBatch) {
      std::size_t n = std::min(kBatch, o.ues - base);
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
        pruk_ids.push_back(pruks.back().pruk_id);
      }
      or_exit(store->bulk_upsert_ues(ues, std::time(nullptr), nullptr), "provision UEs", kExitFailure);
      or_exit(store->bulk_insert_pruks(pruks), "provision PRUKs", kExitFailure);
      std::cerr << "\rprovisioned " << base + n << "/" << o.ues << std::flush;
    }
    std::cerr << "\n";
  }
  double provision_s = std::chrono::duration<double>(Clock::now() - t0).count();

  pid_t pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::execl("/proc/self/exe", "prose", "pkmf", "--config", config_path.c_str(), static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  auto make_client = [&]() {
    net::HttpsClientConfig c;
    c.port = o.port;
    c.tls.ca_file = (dir / "pki" / "ca.pem").string();
    c.tls.cert_file = (dir / "pki" / "relay-r1.pem").string();
    c.tls.key_file = (dir / "pki" / "relay-r1.key").string();
    c.tls.server_name = "pkmf.prose.test";
    c.tls.keylog_from_env = false;
    return net::HttpsClient::create(c);
  };
  bool ready = false;
  for (int i = 0; i < 200 && !ready; ++i) {
    auto c = make_client();
    ready = c.ok() && (*c)->get("/metrics").ok();
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!ready) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    throw Exit(kExitFailure, "the PKMF did not come up");
  }
  long rss_idle = vm_kib(pid, "VmRSS");

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> errors{0};
  std::mutex mu;
  std::vector<double> latencies;
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      auto client = make_client();
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
        pc8::KdRequest r;
        r.transaction_id.value = static_cast<std::uint32_t>(rng());
        r.remote_ue = pc8::PrukId{pruk_ids[rng() % pruk_ids.size()]};
        r.relay_service_code.value = 0x00abcd;
        auto body = pc8::Codec::encode(pc8::Request(r));
        auto s = Clock::now();
        auto resp = (*client)->post("/prose/pc8", pc8::kContentType, *body);
        double dt = std::chrono::duration<double>(Clock::now() - s).count();
        bool ok = resp.ok() && resp->status == 200 && resp->body.find("<KD>") != std::string::npos;
        if (!ok) {
          auto d = resp.ok() ? pc8::Codec::decode_response(resp->body) : Result<pc8::Response>(resp.error());
          ok = d.ok() && std::holds_alternative<pc8::KdGrant>(std::get<pc8::KdResponse>(*d).outcome);
        }
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
  long rss = vm_kib(pid, "VmRSS"), hwm = vm_kib(pid, "VmHWM");
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  fs::remove_all(dir);

  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    if (latencies.empty()) return 0.0;
    return latencies[std::min(latencies.size() - 1, static_cast<std::size_t>(p * latencies.size()))] * 1e3;
  };
  Output out(o.json);
  out.field("Store", cfg.store_url.rfind("sqlite:", 0) == 0 ? std::string("sqlite") : std::string("postgresql"));
  out.field("UEs", static_cast<std::int64_t>(o.ues));
  out.field("Provisioning s", std::to_string(provision_s));
  out.field("Client threads", static_cast<std::int64_t>(o.threads));
  out.field("Offered rate", o.rate > 0 ? std::to_string(o.rate) : std::string("max"));
  out.field("Requests", static_cast<std::int64_t>(latencies.size()));
  out.field("Errors", static_cast<std::int64_t>(errors.load()));
  out.field("Requests/s", std::to_string(latencies.size() / elapsed));
  out.field("p50 ms", std::to_string(pct(0.50)));
  out.field("p99 ms", std::to_string(pct(0.99)));
  out.field("max ms", std::to_string(latencies.empty() ? 0.0 : latencies.back() * 1e3));
  out.field("PKMF RSS idle MiB", std::to_string(rss_idle / 1024.0));
  out.field("PKMF RSS MiB", std::to_string(rss / 1024.0));
  out.field("PKMF peak RSS MiB", std::to_string(hwm / 1024.0));
  out.print();
  return errors.load() == 0 ? 0 : 1;
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
  cmd->add_option("--port", o->port, "HTTPS port for the PKMF under test");
  cmd->add_flag("--json", o->json, "Print the result as JSON");
  cmd->callback([o] {
    int rc = run_load(*o);
    if (rc != 0) throw Exit(rc, "some requests failed");
  });
}

}  // namespace prose::cli
