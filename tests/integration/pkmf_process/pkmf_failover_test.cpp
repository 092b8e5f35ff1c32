// Issue 18, replication and failover: two `prose pkmf` processes on a PostgreSQL primary with a synchronous standby
// (scripts/pg-test-pair), reached through the libpq multi-host URL. Remote UEs make Key Requests (and verify their
// MIKEY PRUK), relays make KD requests, continuously; the primary gets SIGKILL, the standby is promoted. Checked:
// no acknowledged PRUK is lost, no PRUK ID is issued twice, no PSDK is forked, every request during the outage got HTTP
// 503 with the PC8 temporarily-unavailable code within the client's timeout, and KD requests succeed again on both
// PKMFs (the time until then is the outage). PROSE_FAILOVER_RUNS=N repeats it N times and reports the median and the
// maximum.
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "process_helpers.h"
#include "prose/keys/prose_keys.h"

namespace prose {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kClientTimeout = 3000ms;  // every request must end (answer or error) within this
constexpr int kRotatingUes = 8;          // Key Requests, continuously: 4 per PKMF
constexpr int kKdUes = 4;                // one PRUK each, issued before the load, used by the relays' KD requests
const char* const kPostgres = "/usr/lib/postgresql/15/bin/postgres";

double ms_since(Clock::time_point t0, Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(t - t0).count();
}

// One KD request: granted, refused with a status code (with its HTTP status), or no answer (transport error).
struct KdOutcome {
  bool granted = false;
  int http = 0;
  std::optional<pc8::ErrorCode> code;
  std::string error;
  std::optional<pc8::KdGrant> grant;
};

KdOutcome kd_request(net::HttpsClient& relay, std::uint64_t pruk_id) {
  KdOutcome out;
  pc8::KdRequest r;
  r.transaction_id.value = random_u32();
  r.remote_ue = ids::PrukId{pruk_id};
  r.relay_service_code.value = 0x00abcd;
  auto resp = relay.post("/prose/pc8", pc8::kContentType, *pc8::Codec::encode(pc8::Request(r)));
  if (!resp.ok()) {
    out.error = resp.error().to_string();
    return out;
  }
  out.http = resp->status;
  auto decoded = pc8::Codec::decode_response(resp->body);
  if (!decoded.ok()) {
    out.error = "HTTP " + std::to_string(resp->status) + ": " + resp->body.substr(0, 200);
    return out;
  }
  auto& kr = std::get<pc8::KdResponse>(*decoded);
  if (auto* e = std::get_if<pc8::ErrorCode>(&kr.outcome)) {
    out.code = *e;
    return out;
  }
  out.granted = true;
  out.grant = std::get<pc8::KdGrant>(kr.outcome).clone();
  return out;
}

// The relay's PSDK for RSC 00abcd: (PSDK ID, PSDK), or nothing when it was not granted (`why` says what came).
std::optional<std::pair<std::string, Bytes>> psdk_request(net::HttpsClient& relay, std::string* why) {
  pc8::DiscoveryKeyRequest r;
  r.transaction_id.value = random_u32();
  r.relay_service_codes.push_back(ids::RelayServiceCode{0x00abcd});
  auto resp = relay.post("/prose/pc8", pc8::kContentType, *pc8::Codec::encode(pc8::Request(r)));
  if (!resp.ok()) {
    *why = resp.error().to_string();
    return std::nullopt;
  }
  auto decoded = pc8::Codec::decode_response(resp->body);
  const auto* dr = decoded.ok() ? std::get_if<pc8::DiscoveryKeyResponse>(&*decoded) : nullptr;
  const auto* results = dr ? std::get_if<std::vector<pc8::DiscoveryKeyResult>>(&dr->outcome) : nullptr;
  const auto* grant =
      results && results->size() == 1 ? std::get_if<pc8::DiscoveryKeyGrant>(&results->front().outcome) : nullptr;
  if (grant == nullptr) {
    *why = "HTTP " + std::to_string(resp->status) + ": " + resp->body.substr(0, 300);
    return std::nullopt;
  }
  const auto psdk = grant->psdk.view();
  return std::make_pair(grant->psdk_id ? std::to_string(grant->psdk_id->value) : std::string("-"),
                        Bytes(psdk.begin(), psdk.end()));
}

class PkmfFailoverTest : public PkmfProcessTest {
 protected:
  // Runs scripts/pg-test-pair SUBCOMMAND for the pair in `state`; its output.
  std::string pair(const std::string& sub, const fs::path& state) {
    auto [st, out] = run(env("PROSE_PG_TEST_PAIR") + " " + sub + " '" + state.string() + "'");
    EXPECT_EQ(st, 0) << "pg-test-pair " << sub << ":\n" << out;
    return out;
  }

  // One failover; returns the outage in ms (the kill until KD requests are granted again by both PKMFs), or a
  // negative value after a failure.
  double failover(int run_no);
};

double PkmfFailoverTest::failover(int run_no) {
  const std::string sub = "run" + std::to_string(run_no);
  const fs::path state = dir_ / (sub + "-pg");
  std::string out = pair("start", state);
  if (HasFailure()) return -1;
  std::string url = out.substr(out.rfind("postgresql://"));
  while (!url.empty() && (url.back() == '\n' || url.back() == ' ')) url.pop_back();
  struct PairStop {
    PkmfFailoverTest* t;
    fs::path state;
    ~PairStop() { t->pair("stop", state); }
  } pair_stop{this, state};

  const int n = kRotatingUes + kKdUes;
  const std::uint16_t port_a = free_tcp_port();
  std::uint16_t port_b = free_tcp_port();
  while (port_b == port_a) port_b = free_tcp_port();
  std::string config_a = setup_pkmf(sub + "a", port_a, n, url, true);
  std::string config_b = setup_pkmf(sub + "b", port_b, n, url, false, dir_ / (sub + "a") / "pki");
  use_kek(config_a, kSharedDatabaseKek);
  use_kek(config_b, kSharedDatabaseKek);
  if (HasFailure()) return -1;
  const fs::path pki = dir_ / (sub + "a") / "pki";
  PkmfProcess a(config_a, (dir_ / (sub + "a") / "pkmf.log").string());
  PkmfProcess b(config_b, (dir_ / (sub + "b") / "pkmf.log").string());
  a.start();
  b.start();
  if (!wait_ready(pki, port_a) || !wait_ready(pki, port_b)) {
    ADD_FAILURE() << "the PKMFs did not start";
    return -1;
  }
  const std::uint16_t ports[2] = {port_a, port_b};

  // The relays' PRUKs: one per KD UE, issued and verified before the load.
  std::vector<std::pair<std::uint64_t, SecretBytes>> kd_pruks;
  for (int i = 0; i < kKdUes; ++i) {
    Ue ue(imsi(kRotatingUes + i), pki, ports[i % 2]);
    SecretBytes pruk;
    std::uint64_t id = ue.request_pruk(&pruk);
    if (id == 0) {
      ADD_FAILURE() << "no PRUK before the failover: " << ue.last_error;
      return -1;
    }
    kd_pruks.emplace_back(id, std::move(pruk));
  }

  std::mutex mu;
  std::vector<std::pair<std::uint64_t, SecretBytes>> acked;  // PRUKs the UEs received and verified
  std::map<std::string, std::size_t> newest;                 // IMSI -> index in `acked`
  std::vector<std::string> unclear;                          // requests without a clear error (or too slow)
  std::atomic<int> refused_503{0}, mikey_missing{0}, kd_granted{0};
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> killed_at_ns{0};
  std::atomic<std::int64_t> recovered_ns[2] = {0, 0};  // per PKMF: the first KD request sent after the kill granted
  auto now_ns = [] { return Clock::now().time_since_epoch().count(); };
  auto check_refusal = [&](const std::string& what, int http, std::optional<pc8::ErrorCode> code,
                           const std::string& error, double took_ms) {
    std::lock_guard<std::mutex> lock(mu);
    if (http == 503 && code == pc8::ErrorCode::kTemporarilyUnavailable)
      ++refused_503;
    else
      unclear.push_back(what + ": HTTP " + std::to_string(http) +
                        (code ? " " + std::string(pc8::error_code_name(*code)) : "") + " " + error);
    if (took_ms > std::chrono::duration<double, std::milli>(kClientTimeout).count())
      unclear.push_back(what + " took " + std::to_string(took_ms) + " ms");
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {  // Remote UEs: 4 per PKMF, in turn
    threads.emplace_back([&, t] {
      for (int round = 0; !stop; ++round) {
        std::string who = imsi(t * 4 + round % 4);
        Ue ue(who, pki, ports[t], kClientTimeout);
        SecretBytes pruk;
        auto t0 = Clock::now();
        if (!ue.key_request()) {
          check_refusal("Key Request " + who, ue.last_status, ue.last_code, ue.last_error, ms_since(t0, Clock::now()));
          std::this_thread::sleep_for(20ms);
          continue;
        }
        std::uint64_t id = ue.receive_pruk(&pruk, 3000);
        if (id == 0) {  // answered, but the MIKEY message did not come: not acknowledged
          ++mikey_missing;
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        acked.emplace_back(id, std::move(pruk));
        newest[who] = acked.size() - 1;
      }
    });
  }
  for (int t = 0; t < 2; ++t) {  // relays: one per PKMF
    threads.emplace_back([&, t] {
      auto relay = Ue::make_client(pki, "relay-r1", ports[t], kClientTimeout);
      for (std::size_t i = 0; !stop; ++i) {
        const auto& [id, pruk] = kd_pruks[i % kd_pruks.size()];
        const std::int64_t sent = now_ns();
        auto t0 = Clock::now();
        KdOutcome o = kd_request(*relay, id);
        double took = ms_since(t0, Clock::now());
        if (o.granted) {
          ++kd_granted;
          if (!(*keys::derive_kd(pruk.view(), o.grant->kd_freshness.view()) == o.grant->kd)) {
            std::lock_guard<std::mutex> lock(mu);
            unclear.push_back("a KD that does not derive from its PRUK");
          }
          const std::int64_t k = killed_at_ns.load();
          if (k != 0 && sent > k && recovered_ns[t] == 0) recovered_ns[t] = now_ns();
        } else {
          check_refusal("KD request", o.http, o.code, o.error, took);
          std::this_thread::sleep_for(5ms);
        }
        if (o.http == 0) relay = Ue::make_client(pki, "relay-r1", ports[t], kClientTimeout);  // a new connection
      }
    });
  }

  std::this_thread::sleep_for(1500ms);
  const int granted_before = kd_granted.load();
  // The PSDK for the relay's RSC is created by its first request, the last thing before the kill: the PKMFs must
  // give the same PSDK afterwards (none forked on the promoted standby).
  std::string why;
  auto psdk_before = psdk_request(*Ue::make_client(pki, "relay-r1", port_a), &why);
  EXPECT_TRUE(psdk_before.has_value()) << "no PSDK before the kill: " << why;
  pair("kill-primary", state);  // returns once the primary's processes are gone
  killed_at_ns = now_ns();
  pair("promote", state);
  const auto give_up = Clock::now() + 30s;
  while ((recovered_ns[0] == 0 || recovered_ns[1] == 0) && Clock::now() < give_up) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(1500ms);  // both PKMFs serve UEs and relays on the new primary
  stop = true;
  for (auto& th : threads) th.join();

  EXPECT_GT(granted_before, 10) << "too little KD traffic before the kill to mean anything";
  if (recovered_ns[0] == 0 || recovered_ns[1] == 0) {
    ADD_FAILURE() << "KD requests did not succeed again within 30 s of the kill (PKMF a: " << (recovered_ns[0] != 0)
                  << ", PKMF b: " << (recovered_ns[1] != 0) << ")\n"
                  << pair("status", state);
    return -1;
  }
  const double outage_ms =
      static_cast<double>(std::max(recovered_ns[0].load(), recovered_ns[1].load()) - killed_at_ns.load()) / 1e6;
  for (const auto& u : unclear) ADD_FAILURE() << "not a clear error: " << u;

  // No PRUK ID twice; every UE's newest acknowledged PRUK and every KD UE's PRUK is on the new primary (both
  // PKMFs derive KD from it). Older PRUKs of a UE may have been deleted when it verified a newer one.
  std::set<std::uint64_t> ids;
  for (const auto& [id, pruk] : acked) EXPECT_TRUE(ids.insert(id).second) << "PRUK ID issued twice: " << id;
  EXPECT_GT(acked.size(), 4u) << "the UEs got too few PRUKs to mean anything";
  auto relay_a = Ue::make_client(pki, "relay-r1", port_a);
  auto relay_b = Ue::make_client(pki, "relay-r1", port_b);
  auto verify = [&](std::uint64_t id, const SecretBytes& pruk, const std::string& who) {
    for (net::HttpsClient* relay : {relay_a.get(), relay_b.get()}) {
      KdOutcome o = kd_request(*relay, id);
      ASSERT_TRUE(o.granted) << who << ": acknowledged PRUK ID " << id << " lost in the failover (HTTP " << o.http
                             << (o.code ? " " + std::string(pc8::error_code_name(*o.code)) : "") << o.error << ")";
      EXPECT_TRUE(*keys::derive_kd(pruk.view(), o.grant->kd_freshness.view()) == o.grant->kd);
    }
  };
  for (const auto& [who, idx] : newest) verify(acked[idx].first, acked[idx].second, who);
  for (const auto& [id, pruk] : kd_pruks) verify(id, pruk, "KD UE");
  for (net::HttpsClient* relay : {relay_a.get(), relay_b.get()}) {
    auto psdk_after = psdk_request(*relay, &why);
    EXPECT_TRUE(psdk_after.has_value()) << "no PSDK after the failover: " << why;
    if (psdk_before && psdk_after) {
      EXPECT_EQ(psdk_after->first, psdk_before->first) << "PSDK ID changed in the failover";
      EXPECT_TRUE(psdk_after->second == psdk_before->second) << "a PSDK forked in the failover";
    }
  }
  std::cout << "failover run " << run_no << ": outage " << static_cast<long>(outage_ms)
            << " ms (from the primary gone by SIGKILL until a KD request sent after it is granted by both PKMFs; "
               "promotion included); "
            << kd_granted.load() << " KD granted, " << refused_503.load() << " requests answered 503 "
            << "temporarily-unavailable, " << acked.size() << " PRUKs acknowledged, " << mikey_missing.load()
            << " Key Responses without a MIKEY PRUK\n"
            << std::flush;
  return HasFailure() ? -1 : outage_ms;
}

TEST_F(PkmfFailoverTest, PromotingTheStandbyLosesNoAcknowledgedPrukAndTheOutageGetsClearErrors) {
  if (!fs::exists(kPostgres))
    GTEST_SKIP() << "PostgreSQL 15 is not installed (" << kPostgres << "): scripts/install-deps";
  ASSERT_FALSE(env("PROSE_PG_TEST_PAIR").empty()) << "PROSE_PG_TEST_PAIR must name scripts/pg-test-pair";
  const int runs = env("PROSE_FAILOVER_RUNS").empty() ? 1 : std::stoi(env("PROSE_FAILOVER_RUNS"));
  std::vector<double> outages;
  for (int i = 1; i <= runs && !HasFailure(); ++i) {
    double ms = failover(i);
    if (ms >= 0) outages.push_back(ms);
  }
  ASSERT_FALSE(outages.empty());
  std::sort(outages.begin(), outages.end());
  const double median = outages.size() % 2 ? outages[outages.size() / 2]
                                           : (outages[outages.size() / 2 - 1] + outages[outages.size() / 2]) / 2;
  std::cout << "failover: " << outages.size() << " run(s), outage median " << static_cast<long>(median) << " ms, max "
            << static_cast<long>(outages.back()) << " ms\n";
}

}  // namespace
}  // namespace prose
