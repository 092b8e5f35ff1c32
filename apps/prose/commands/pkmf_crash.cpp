// prose pkmf-crash: the kill -9 campaign (docs/reliability.md). Remote UEs obtain PRUKs over real mutual TLS and
// UDP (Key Request -> MIKEY -> verification), back to back and in parallel, while `prose pkmf` is killed with
// SIGKILL N times and restarted on the same store. After every kill the store must pass its check
// (Store::check); after every restart the PRUK each UE holds (the last one it received and verified: a UE keeps
// only its newest, clause 6.X.3.1) must still give the right KD to a relay, and no PRUK ID may have been given
// out twice. Reports PRUKs acknowledged / lost / duplicated and the restart times.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "cli.h"
#include "pkmf_lab.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::cli::pkmf_crash_command {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct CrashOptions {
  int kills = 20;
  std::size_t ues = 16;
  int threads = 4;
  int back_to_back = 50;  // % of turns in which a UE sends two Key Requests before it reads its MIKEY messages
  double min_uptime = 0.3, max_uptime = 1.5;  // seconds between a restart and the next kill
  std::string store;
  int server_threads = 2;
  std::uint64_t seed = 0;  // 0: random
  bool keep = false;
  bool json = false;
};

struct Slot {
  std::unique_ptr<lab::RemoteUe> ue;
  std::optional<lab::Pruk> held;  // the newest PRUK this UE received and verified
  std::uint16_t port = 0;         // the PKMF port its client is connected to
};

struct Tally {
  std::mutex mu;
  std::uint64_t key_requests = 0, granted = 0, failed = 0, mikey_timeouts = 0;
  std::map<std::uint64_t, std::string> issued;  // PRUK ID -> "<IMSI> <key fingerprint>" of its first delivery
  std::vector<std::string> duplicates;
};

void acknowledge(Tally& t, Slot& s, lab::Pruk p) {
  std::string who = s.ue->imsi() + " " + p.key.fingerprint();
  std::lock_guard<std::mutex> lock(t.mu);
  auto [it, inserted] = t.issued.emplace(p.id, who);
  // The same PRUK delivered again (a resumed delivery) is no duplicate; the same ID with another key or UE is.
  if (!inserted && it->second != who) t.duplicates.push_back(to_hex_u64(p.id) + ": " + it->second + " and " + who);
  s.held = std::move(p);
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::string ms(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

int run_crash(const CrashOptions& o) {
  const std::uint64_t seed = o.seed ? o.seed : random_u64();
  std::mt19937_64 rng(seed);
  lab::LabOptions lo;
  for (std::size_t i = 0; i < o.ues; ++i) lo.ues.push_back(lab::lab_imsi(i + 1));
  lo.relays = {"r1"};
  lo.store_url = o.store;
  lo.server_threads = o.server_threads;
  lo.keep = o.keep;
  lab::Lab lab(lo);
  std::vector<Slot> slots(o.ues);
  for (std::size_t i = 0; i < o.ues; ++i) slots[i].ue = std::make_unique<lab::RemoteUe>(lo.ues[i]);

  Tally tally;
  std::set<std::uint64_t> lost;
  std::vector<std::string> problems;          // store check findings and checks that could not run
  std::vector<double> restart_ms, listen_ms;  // restart to the first answer / to listening
  std::uint64_t checked = 0;
  int store_checks = 0, store_checks_ok = 0;
  auto check_store = [&](const std::string& when) {
    ++store_checks;
    auto c = lab.open_store()->check();
    if (!c.ok()) {
      problems.push_back(when + ": store check failed: " + c.error().to_string());
    } else if (!c->ok()) {
      for (const auto& p : c->problems) problems.push_back(when + ": " + p);
    } else {
      ++store_checks_ok;
    }
  };

  lab::PkmfChild pkmf(lab.config_path(), lab.log_path());
  const auto started = Clock::now();
  for (int round = 0; round <= o.kills; ++round) {
    // Start (again) and wait until it answers a relay: the restart time.
    const auto t0 = Clock::now();
    auto port = pkmf.start(30s);
    if (!port.ok()) throw Exit(kExitFailure, "round " + std::to_string(round) + ": " + port.error().to_string());
    const double listening_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    auto relay = or_exit(net::HttpsClient::create(lab.client_config("relay-r1", *port)), "relay client", kExitFailure);
    lab::Pruk probe{1, SecretBytes(32)};
    bool answered = false;
    while (!answered && Clock::now() - t0 < 30s) {
      auto r = lab::check_kd(*relay, probe);
      answered = r.ok || r.refused.has_value();
      if (!answered) std::this_thread::sleep_for(5ms);
    }
    if (!answered) throw Exit(kExitFailure, "round " + std::to_string(round) + ": the PKMF answered no relay");
    const double up_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (round > 0) {
      restart_ms.push_back(up_ms);
      listen_ms.push_back(listening_ms);
    }

    // Every UE first takes what reached it before the kill; then the PRUK each one holds must give the right KD.
    for (auto& s : slots)
      while (auto p = s.ue->receive(0ms)) acknowledge(tally, s, std::move(*p));
    std::size_t lost_now = 0, held = 0;
    for (auto& s : slots) {
      if (!s.held) continue;
      ++held;
      lab::KdCheck r;
      for (int attempt = 0; attempt < 3 && !r.ok && !r.refused && (attempt == 0 || !r.error.empty()); ++attempt)
        r = lab::check_kd(*relay, *s.held);
      if (r.ok) continue;
      if (!r.refused && r.error.find("KD differs") == std::string::npos) {
        problems.push_back("round " + std::to_string(round) + ": no KD check for " + s.ue->imsi() + ": " + r.error);
        continue;
      }
      ++lost_now;
      lost.insert(s.held->id);
      std::cerr << "LOST: round " << round << ": UE " << s.ue->imsi() << " PRUK ID " << to_hex_u64(s.held->id) << ": "
                << r.error << "\n";
    }
    checked += held;
    std::size_t acked_so_far;
    {
      std::lock_guard<std::mutex> lock(tally.mu);
      acked_so_far = tally.issued.size();
    }
    std::cerr << "round " << round << "/" << o.kills << ": listening after " << ms(listening_ms)
              << " ms, answering after " << ms(up_ms) << " ms, " << held << " held PRUKs checked, " << lost_now
              << " lost, " << acked_so_far << " acknowledged so far\n";
    if (round == o.kills) break;

    // Load: every UE obtains PRUKs, one or two Key Requests at a time, until the kill.
    std::atomic<bool> stop{false};
    std::vector<std::thread> workers;
    for (int t = 0; t < o.threads; ++t) {
      workers.emplace_back([&, t, seed_t = rng()] {
        std::mt19937_64 r(seed_t);
        while (!stop) {
          for (std::size_t i = static_cast<std::size_t>(t); i < slots.size() && !stop;
               i += static_cast<std::size_t>(o.threads)) {
            Slot& s = slots[i];
            if (s.port != *port) {
              if (!s.ue->connect(lab.client_config("ue-" + s.ue->imsi(), *port)).ok()) continue;
              s.port = *port;
            }
            const int n = static_cast<int>(r() % 100) < o.back_to_back ? 2 : 1;
            int granted = 0;
            bool failed = false;
            for (int k = 0; k < n && !stop; ++k) {
              Status st = s.ue->key_request();
              std::lock_guard<std::mutex> lock(tally.mu);
              ++tally.key_requests;
              if (!st.ok()) {
                ++tally.failed;
                failed = true;
                break;
              }
              ++tally.granted;
              ++granted;
            }
            if (failed) std::this_thread::sleep_for(20ms);  // the PKMF is down: retry as a UE would, not in a spin
            for (int k = 0; k < granted; ++k) {
              auto p = s.ue->receive(3s, &stop);
              if (!p) {
                if (!stop) {
                  std::lock_guard<std::mutex> lock(tally.mu);
                  ++tally.mikey_timeouts;
                }
                break;
              }
              acknowledge(tally, s, std::move(*p));
            }
          }
        }
      });
    }
    std::uniform_real_distribution<double> uptime(o.min_uptime, std::max(o.min_uptime, o.max_uptime));
    std::this_thread::sleep_for(std::chrono::duration<double>(uptime(rng)));
    pkmf.stop(SIGKILL);
    stop = true;
    for (auto& w : workers) w.join();
    check_store("after kill " + std::to_string(round + 1));
  }
  pkmf.stop(SIGTERM);
  check_store("after the last stop");
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();

  Output out(json_requested());
  out.field("Kills", static_cast<std::int64_t>(o.kills));
  out.field("UEs", static_cast<std::int64_t>(o.ues));
  out.field("Client threads", static_cast<std::int64_t>(o.threads));
  out.field("Seed", std::to_string(seed));
  out.field("Key Requests", static_cast<std::int64_t>(tally.key_requests));
  out.field("Key Requests granted", static_cast<std::int64_t>(tally.granted));
  out.field("Key Requests failed (PKMF down)", static_cast<std::int64_t>(tally.failed));
  out.field("MIKEY waits timed out", static_cast<std::int64_t>(tally.mikey_timeouts));
  out.field("PRUKs acknowledged", static_cast<std::int64_t>(tally.issued.size()));
  out.field("Held PRUKs checked after restarts", static_cast<std::int64_t>(checked));
  out.field("PRUKs lost", static_cast<std::int64_t>(lost.size()));
  out.field("Duplicate PRUK IDs", static_cast<std::int64_t>(tally.duplicates.size()));
  out.field("Store checks passed", std::to_string(store_checks_ok) + "/" + std::to_string(store_checks));
  if (!restart_ms.empty()) {
    out.field("Restart ms min", ms(*std::min_element(restart_ms.begin(), restart_ms.end())));
    out.field("Restart ms median", ms(median(restart_ms)));
    out.field("Restart ms max", ms(*std::max_element(restart_ms.begin(), restart_ms.end())));
    out.field("Restart to listening ms median", ms(median(listen_ms)));
  }
  out.field("Elapsed s", ms(elapsed));
  out.raw("problems", problems);
  out.print();
  for (const auto& d : tally.duplicates) std::cerr << "DUPLICATE: " << d << "\n";
  for (const auto& p : problems) std::cerr << "PROBLEM: " << p << "\n";
  if (!lost.empty() || !tally.duplicates.empty() || !problems.empty())
    throw Exit(kExitFailure, "the campaign failed: " + std::to_string(lost.size()) + " lost, " +
                                 std::to_string(tally.duplicates.size()) + " duplicates, " +
                                 std::to_string(problems.size()) + " problems");
  if (tally.issued.size() < static_cast<std::size_t>(o.kills))
    throw Exit(kExitFailure, "too few PRUKs acknowledged to mean anything (" + std::to_string(tally.issued.size()) +
                                 " for " + std::to_string(o.kills) + " kills)");
  return 0;
}

}  // namespace

void register_pkmf_crash(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "pkmf-crash",
      "Kill -9 campaign: UEs obtain PRUKs (Key Request, MIKEY, verification) while the PKMF is killed and restarted; "
      "checks that no acknowledged PRUK is lost, no PRUK ID repeats and the store stays sound");
  auto* o = new CrashOptions;
  cmd->add_option("--kills", o->kills, "SIGKILLs (each followed by a restart on the same store)")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--ues", o->ues, "Remote UEs")->check(CLI::Range(1, 10000));
  cmd->add_option("--threads", o->threads, "Client threads (each drives its share of the UEs)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--back-to-back", o->back_to_back,
                  "Percent of turns in which a UE sends two Key Requests before reading its MIKEY messages")
      ->check(CLI::Range(0, 100));
  cmd->add_option("--min-uptime", o->min_uptime, "Shortest time between a restart and the next kill, seconds")
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--max-uptime", o->max_uptime, "Longest time between a restart and the next kill, seconds")
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--store", o->store, "Store URL (default: SQLite in the lab directory)");
  cmd->add_option("--server-threads", o->server_threads, "PKMF io threads")->check(CLI::Range(1, 64));
  cmd->add_option("--seed", o->seed, "Seed of the kill times and request mix (default: random; printed)");
  cmd->add_flag("--keep", o->keep, "Keep the lab directory (configuration, PKI, store, pkmf.log)");
  add_json_flag(cmd, {"kills", "ues", "client_threads", "seed", "key_requests", "key_requests_granted",
                      "key_requests_failed_pkmf_down", "mikey_waits_timed_out", "pruks_acknowledged",
                      "held_pruks_checked_after_restarts", "pruks_lost", "duplicate_pruk_ids", "store_checks_passed",
                      "restart_ms_min", "restart_ms_median", "restart_ms_max", "restart_to_listening_ms_median",
                      "elapsed_s", "problems"});
  cmd->callback([o] { run_crash(*o); });
}

}  // namespace prose::cli::pkmf_crash_command
