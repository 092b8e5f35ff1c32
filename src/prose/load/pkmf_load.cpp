#include "prose/load/pkmf_load.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <ostream>
#include <random>
#include <thread>
#include <vector>

#include "prose/load/pkmf_under_test.h"
#include "prose/load/stats.h"
#include "prose/testbed/proc_stats.h"

namespace prose::load {

using Clock = std::chrono::steady_clock;

int run_pkmf_load(const PkmfLoadOptions& o, const std::function<void(const Report&)>& publish, std::ostream& err) {
  PkmfUnderTest pkmf(o);
  pkmf.setup(err);
  pkmf.start();
  long rss_idle = testbed::vm_kib(pkmf.pid(), "VmRSS");
  const std::size_t n_pkmfs = pkmf.count();
  std::vector<std::atomic<std::uint64_t>> per_pkmf(n_pkmfs);

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> errors{0};
  std::mutex mu;
  std::vector<double> latencies;
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      const std::size_t target = static_cast<std::size_t>(t) % n_pkmfs;
      auto client = pkmf.client(true, target);
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
        ++per_pkmf[target];
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
  long rss = 0, hwm = 0;  // the largest PKMF's
  for (std::size_t i = 0; i < n_pkmfs; ++i) {
    rss = std::max(rss, testbed::vm_kib(pkmf.pid(i), "VmRSS"));
    hwm = std::max(hwm, testbed::vm_kib(pkmf.pid(i), "VmHWM"));
  }
  pkmf.stop();

  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) { return percentile_ms(latencies, p); };
  Report out;
  const auto& url = pkmf.config().store_url;
  out.text("Store", url.rfind("sqlite:", 0) == 0 ? std::string("sqlite") : std::string("postgresql"));
  out.integer("UEs", static_cast<std::int64_t>(o.ues));
  out.text("Provisioning s", std::to_string(pkmf.provision_s()));
  out.integer("Client threads", static_cast<std::int64_t>(o.threads));
  out.text("Offered rate", o.rate > 0 ? std::to_string(o.rate) : std::string("max"));
  out.integer("Requests", static_cast<std::int64_t>(latencies.size()));
  out.integer("Errors", static_cast<std::int64_t>(errors.load()));
  out.text("Requests/s", std::to_string(latencies.size() / elapsed));
  out.text("p50 ms", std::to_string(pct(0.50)));
  out.text("p99 ms", std::to_string(pct(0.99)));
  out.text("max ms", std::to_string(latencies.empty() ? 0.0 : latencies.back() * 1e3));
  if (n_pkmfs > 1) {
    out.integer("PKMFs", static_cast<std::int64_t>(n_pkmfs));
    for (std::size_t i = 0; i < n_pkmfs && i < 2; ++i)
      out.text("PKMF " + std::to_string(i + 1) + " requests/s", std::to_string(per_pkmf[i].load() / elapsed));
  }
  out.text("PKMF RSS idle MiB", mib(rss_idle));
  out.text("PKMF RSS MiB", mib(rss));
  out.text("PKMF peak RSS MiB", mib(hwm));
  publish(out);
  return errors.load() == 0 ? 0 : 1;
}

}  // namespace prose::load
