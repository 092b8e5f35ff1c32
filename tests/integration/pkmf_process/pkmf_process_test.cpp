// `prose pkmf` as a separate process: every request over real mutual TLS, MIKEY over real UDP.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "process_helpers.h"
#include "prose/keys/prose_keys.h"
#include "prose/mikey/delivery.h"
#include "prose/net/client.h"
#include "prose/pc8/codec.h"
#include "prose/util/random.h"

namespace prose {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST_F(PkmfProcessTest, PruksIssuedBeforeARestartStillWork) {
  const std::uint16_t port = free_tcp_port();
  std::string config = setup_pkmf("a", port, 2);
  fs::path pki = dir_ / "a" / "pki";
  PkmfProcess pkmf(config, (dir_ / "a" / "pkmf.log").string());
  pkmf.start();
  ASSERT_TRUE(wait_ready(pki, port));
  std::vector<std::pair<std::uint64_t, SecretBytes>> issued;
  for (int i = 0; i < 2; ++i) {
    Ue ue(imsi(i), pki, port);
    SecretBytes pruk;
    std::uint64_t id = ue.request_pruk(&pruk);
    ASSERT_NE(id, 0u) << ue.last_error;
    issued.emplace_back(id, std::move(pruk));
  }
  pkmf.kill(SIGTERM);
  PkmfProcess again(config, (dir_ / "a" / "pkmf.log").string());
  again.start();
  ASSERT_TRUE(wait_ready(pki, port));
  auto relay = Ue::make_client(pki, "relay-r1", port);
  for (const auto& [id, pruk] : issued) {
    auto grant = request_kd(*relay, id);
    ASSERT_TRUE(grant.has_value()) << "PRUK ID " << id << " lost over a restart";
    EXPECT_TRUE(*keys::derive_kd(pruk.view(), grant->kd_freshness.view()) == grant->kd);
  }
  pc8::ErrorCode code{};
  EXPECT_FALSE(request_kd(*relay, 0x0102030405060708ull, &code).has_value());
  EXPECT_EQ(code, pc8::ErrorCode::kUnknownPrukId);
}

// A store written under another key-encryption key (a restored backup, a second PKMF configured apart) is refused
// at start, naming the key that does not open, instead of answering every request with 503 temporarily-unavailable.
TEST_F(PkmfProcessTest, ThePkmfRefusesToStartOnAStoreWrittenUnderAnotherKek) {
  const std::uint16_t port = free_tcp_port();
  std::string config = setup_pkmf("k", port, 1);
  fs::path pki = dir_ / "k" / "pki";
  {
    PkmfProcess pkmf(config, (dir_ / "k" / "pkmf.log").string());
    pkmf.start();
    ASSERT_TRUE(wait_ready(pki, port));
    Ue ue(imsi(0), pki, port);
    ASSERT_NE(ue.request_pruk(), 0u) << ue.last_error;
    pkmf.kill(SIGTERM);
  }
  std::ifstream in(config);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string other = "kek = \"" + std::string(64, '7') + "\"";
  std::string changed = std::regex_replace(text, std::regex("kek = \"[0-9a-f]+\""), other);
  ASSERT_NE(changed, text) << "no kek line in " << config;
  std::ofstream(config) << changed;

  testbed::SpawnOptions o;
  o.argv = {env("PROSE_BIN"), "pkmf", "--config", config};
  o.log = (dir_ / "k" / "pkmf-other-kek.log").string();
  auto p = testbed::Process::spawn(std::move(o));
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  auto ended = p->wait(std::chrono::seconds(30));
  ASSERT_TRUE(ended.has_value()) << "the PKMF started on a store written under another KEK";
  EXPECT_FALSE(ended->ok()) << ended->to_string();
  std::ifstream log(dir_ / "k" / "pkmf-other-kek.log");
  std::string said((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(said.find("does not open under this key-encryption key"), std::string::npos) << said;
}

TEST_F(PkmfProcessTest, KillDuringABurstLosesNoAcknowledgedPrukAndDuplicatesNone) {
  const std::uint16_t port = free_tcp_port();
  constexpr int kUes = 12;
  std::string config = setup_pkmf("b", port, kUes);
  fs::path pki = dir_ / "b" / "pki";
  PkmfProcess pkmf(config, (dir_ / "b" / "pkmf.log").string());
  pkmf.start();
  ASSERT_TRUE(wait_ready(pki, port));
  // Each thread owns 4 UEs and cycles through them, so every UE's deliveries are in a known order.
  std::mutex mu;
  std::vector<std::pair<std::uint64_t, SecretBytes>> acked;
  std::map<std::string, std::size_t> newest;  // IMSI -> index in `acked` of the last PRUK it received
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; !stop; ++round) {
        std::string who = imsi(t * 4 + round % 4);
        Ue ue(who, pki, port);
        SecretBytes pruk;
        std::uint64_t id = ue.request_pruk(&pruk);
        if (id == 0) continue;
        std::lock_guard<std::mutex> lock(mu);
        acked.emplace_back(id, std::move(pruk));
        newest[who] = acked.size() - 1;
      }
    });
  }
  std::this_thread::sleep_for(2500ms);
  pkmf.kill(SIGKILL);
  stop = true;
  for (auto& th : threads) th.join();
  ASSERT_GT(acked.size(), 3u) << "the burst issued too few PRUKs to mean anything";

  PkmfProcess again(config, (dir_ / "b" / "pkmf.log").string());
  again.start();
  ASSERT_TRUE(wait_ready(pki, port));
  std::set<std::uint64_t> ids;
  for (const auto& [id, pruk] : acked) EXPECT_TRUE(ids.insert(id).second) << "PRUK ID issued twice: " << id;
  // Older PRUKs of a UE may have been deleted once it verified a newer one (MIKEY replacement); the newest PRUK
  // each UE received must have survived the kill.
  auto relay = Ue::make_client(pki, "relay-r1", port);
  for (const auto& [who, idx] : newest) {
    const auto& [id, pruk] = acked[idx];
    auto grant = request_kd(*relay, id);
    ASSERT_TRUE(grant.has_value()) << who << ": acknowledged PRUK ID " << id << " lost";
    EXPECT_TRUE(*keys::derive_kd(pruk.view(), grant->kd_freshness.view()) == grant->kd);
  }
}

TEST_F(PkmfProcessTest, TwoPkmfsOnOnePostgresServeTheSameUesWithoutDuplicateIds) {
  std::string url = env("PROSE_TEST_PG_URL");
  ASSERT_FALSE(url.empty()) << "run via ctest -R pkmf.postgres (it starts PostgreSQL)";
  constexpr int kUes = 8;
  PkmfPair pair;
  ASSERT_NO_FATAL_FAILURE(start_pair("p", url, kUes, 0, pair));
  const std::uint16_t port_a = pair.port_a, port_b = pair.port_b;
  const fs::path pki = pair.pki;

  // Four threads, each owning two UEs, alternate between the two PKMFs, so every UE is served by both.
  std::mutex mu;
  std::vector<std::pair<std::uint64_t, SecretBytes>> issued;
  std::map<std::string, std::size_t> newest;  // IMSI -> index in `issued`
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 4; ++round) {
        std::string who = imsi(t + 4 * (round % 2));
        std::uint16_t port = (t + round) % 2 ? port_b : port_a;
        Ue ue(who, pki, port);
        SecretBytes pruk;
        std::uint64_t id = ue.request_pruk(&pruk);
        ASSERT_NE(id, 0u) << ue.last_error;
        std::lock_guard<std::mutex> lock(mu);
        issued.emplace_back(id, std::move(pruk));
        newest[who] = issued.size() - 1;
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::uint64_t> ids;
  for (const auto& [id, pruk] : issued) EXPECT_TRUE(ids.insert(id).second) << "duplicate PRUK ID " << id;
  EXPECT_EQ(ids.size(), 16u);
  // Both PKMFs derive KD for every UE's newest PRUK, whichever of them issued it: one consistent view.
  auto relay_a = Ue::make_client(pki, "relay-r1", port_a);
  auto relay_b = Ue::make_client(pki, "relay-r1", port_b);
  ASSERT_EQ(newest.size(), static_cast<std::size_t>(kUes));
  for (const auto& [who, idx] : newest) {
    const auto& [id, pruk] = issued[idx];
    for (net::HttpsClient* relay : {relay_a.get(), relay_b.get()}) {
      auto grant = request_kd(*relay, id);
      ASSERT_TRUE(grant.has_value()) << who << ": PRUK ID " << id;
      EXPECT_TRUE(*keys::derive_kd(pruk.view(), grant->kd_freshness.view()) == grant->kd);
    }
  }
}

// Issue 18, revocation across PKMFs: a PKMF keeps no cache of authorisations or PRUKs (every KD request reads the
// store), so a UE or relay de-authorised or removed through one PKMF's store (`prose admin` with PKMF A's
// configuration) is refused by PKMF B on its next request. The test requires it within one second of the change
// and prints each delay (docs/performance/pkmf.md); a cache added for speed must keep this test passing.
TEST_F(PkmfProcessTest, PostgresRevocationThroughOnePkmfIsRefusedByTheOtherWithinOneSecond) {
  std::string url = env("PROSE_TEST_PG_URL");
  ASSERT_FALSE(url.empty()) << "run via ctest -R pkmf.postgres (it starts PostgreSQL)";
  constexpr int kFirst = 100;  // UEs of this test only (the database is shared with the other PostgreSQL tests)
  PkmfPair pair;
  ASSERT_NO_FATAL_FAILURE(start_pair("r", url, 3, kFirst, pair));
  const std::uint16_t port_a = pair.port_a, port_b = pair.port_b;
  const std::string config_a = pair.config_a;
  const fs::path pki = pair.pki;
  std::vector<std::uint64_t> pruk_ids;
  for (int i = 0; i < 3; ++i) {
    Ue ue(imsi(kFirst + i), pki, port_a);
    pruk_ids.push_back(ue.request_pruk());
    ASSERT_NE(pruk_ids.back(), 0u) << ue.last_error;
  }
  auto relay_b = Ue::make_client(pki, "relay-r1", port_b);
  for (std::uint64_t id : pruk_ids) ASSERT_TRUE(request_kd(*relay_b, id).has_value()) << "PRUK ID " << id;

  // Runs the admin command on A's configuration, then asks B back to back until it refuses `pruk_id` with
  // `expected`; returns the time from the command's exit to that answer.
  auto revoke_and_wait = [&](const std::string& admin_args, std::uint64_t pruk_id, pc8::ErrorCode expected) {
    auto [st, out] = run(env("PROSE_BIN") + " admin --config " + config_a + " " + admin_args);
    EXPECT_EQ(st, 0) << out;
    const auto changed = std::chrono::steady_clock::now();
    const auto deadline = changed + 1s;
    pc8::ErrorCode code{};
    while (std::chrono::steady_clock::now() < deadline) {
      code = pc8::ErrorCode{};
      if (!request_kd(*relay_b, pruk_id, &code).has_value() && code == expected) break;
    }
    const auto delay = std::chrono::steady_clock::now() - changed;
    EXPECT_EQ(code, expected) << admin_args << ": PKMF B did not refuse PRUK ID " << pruk_id << " within 1 s";
    EXPECT_LT(delay, 1s) << admin_args;
    std::cout << "revocation: admin " << admin_args << " through PKMF A's store refused by PKMF B after "
              << std::chrono::duration<double, std::milli>(delay).count() << " ms\n";
  };
  // The UE loses the relay's code: its PRUK no longer yields KD for this relay.
  revoke_and_wait("ue-add --imsi " + imsi(kFirst + 1) + " --rsc beef", pruk_ids[1],
                  pc8::ErrorCode::kRelayNotAuthorisedForUe);
  // The UE is removed with its PRUKs.
  revoke_and_wait("ue-remove --imsi " + imsi(kFirst + 2), pruk_ids[2], pc8::ErrorCode::kUnknownPrukId);
  // Nothing else changed: UE 0 still gets KD through B.
  EXPECT_TRUE(request_kd(*relay_b, pruk_ids[0]).has_value());
  // The relay itself is removed: it gets nothing, from either PKMF.
  revoke_and_wait("relay-remove --id r1", pruk_ids[0], pc8::ErrorCode::kRelayNotAuthorised);
  auto relay_a = Ue::make_client(pki, "relay-r1", port_a);
  pc8::ErrorCode code_a{};
  EXPECT_FALSE(request_kd(*relay_a, pruk_ids[0], &code_a).has_value());
  EXPECT_EQ(code_a, pc8::ErrorCode::kRelayNotAuthorised);
}

// Issue 17 defect 4: a Key Request naming another host's address (here 127.0.0.2, the same port) does not make the PKMF
// send MIKEY there: it goes to the address of the UE's TLS connection (127.0.0.1), port from the request.
TEST_F(PkmfProcessTest, AKeyRequestCannotAimMikeyAtAnotherHost) {
  const std::uint16_t port = free_tcp_port();
  std::string config = setup_pkmf("d", port, 1);
  fs::path pki = dir_ / "d" / "pki";
  PkmfProcess pkmf(config, (dir_ / "d" / "pkmf.log").string());
  pkmf.start();
  ASSERT_TRUE(wait_ready(pki, port));
  Ue ue(imsi(0), pki, port);
  const int victim = bound_udp("127.0.0.2", ue.port);
  ASSERT_TRUE(ue.key_request("127.0.0.2")) << ue.last_error;
  SecretBytes pruk;
  const std::uint64_t id = ue.receive_pruk(&pruk);
  ASSERT_NE(id, 0u) << "the UE gets its PRUK at its own address: " << ue.last_error;
  pollfd p{victim, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 1500), 0) << "nothing reaches the address the request named";
  ::close(victim);
  auto relay = Ue::make_client(pki, "relay-r1", port);
  auto grant = request_kd(*relay, id);
  ASSERT_TRUE(grant.has_value());
  EXPECT_TRUE(*keys::derive_kd(pruk.view(), grant->kd_freshness.view()) == grant->kd);
}

// Issue 17 defect 7: the PKMF is killed (SIGKILL) right after it granted a PRUK, before the UE verified the MIKEY
// delivery, whose datagram is lost (the UE drops what arrived before the kill). The restarted PKMF finds the
// delivery in the store and sends it again; the UE gets its PRUK, verifies it, and a relay gets the right KD for it.
TEST_F(PkmfProcessTest, ADeliveryInterruptedByKill9IsResumedAfterTheRestart) {
  const std::uint16_t port = free_tcp_port();
  std::string config = setup_pkmf("e", port, 1);
  fs::path pki = dir_ / "e" / "pki";
  const std::string log = (dir_ / "e" / "pkmf.log").string();
  PkmfProcess pkmf(config, log);
  pkmf.start();
  ASSERT_TRUE(wait_ready(pki, port));
  Ue ue(imsi(0), pki, port);
  ASSERT_TRUE(ue.key_request()) << ue.last_error;
  pkmf.kill(SIGKILL);
  ue.drain();

  PkmfProcess again(config, log);
  again.start();
  ASSERT_TRUE(wait_ready(pki, port));
  SecretBytes pruk;
  const std::uint64_t id = ue.receive_pruk(&pruk, 20000);
  ASSERT_NE(id, 0u) << "the granted PRUK is delivered after the restart: " << ue.last_error;
  auto relay = Ue::make_client(pki, "relay-r1", port);
  auto grant = request_kd(*relay, id);
  ASSERT_TRUE(grant.has_value()) << "PRUK ID " << id;
  EXPECT_TRUE(*keys::derive_kd(pruk.view(), grant->kd_freshness.view()) == grant->kd);
  // The verification reached the restarted PKMF: it ends the delivery, so nothing more is sent.
  pollfd p{ue.fd, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 2000), 0) << "no retransmission after the verification";
  std::ifstream f(log);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("resuming the delivery of PRUK ID"), std::string::npos);
  EXPECT_NE(text.find("verified PRUK ID"), std::string::npos);
}

std::string read_text(const fs::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Waits until `file` contains `text` `times` times.
bool wait_for_text(const fs::path& file, const std::string& text, int times = 1) {
  for (int i = 0; i < 100; ++i) {
    std::string t = read_text(file);
    int n = 0;
    for (auto at = t.find(text); at != std::string::npos; at = t.find(text, at + 1)) ++n;
    if (n >= times) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

// Plain HTTP GET over TCP to 127.0.0.1:`port`: the whole answer, "" when nothing listens.
std::string plain_get(std::uint16_t port, const std::string& target) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "";
  }
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

// The number after `prefix` in the log (the PKMF prints its bound ports), 0 when it does not appear in time.
std::uint16_t port_from_log(const fs::path& log, const std::string& prefix) {
  const std::regex re(prefix + "([0-9]+)");
  for (int i = 0; i < 100; ++i) {
    std::string t = read_text(log);
    std::smatch m;
    if (std::regex_search(t, m, re)) return static_cast<std::uint16_t>(std::stoi(m[1].str()));
    std::this_thread::sleep_for(100ms);
  }
  return 0;
}

// Issue 17, defect 11: a revoked client certificate is refused in the handshake; after `prose pki revoke` and a
// SIGHUP a newly revoked one is refused too while the others are still served; a bad CRL on SIGHUP is logged and
// the previous one stays in force.
TEST_F(PkmfProcessTest, RevokedCertificatesAreRefusedAndSighupReloadsTheCrl) {
  std::string config = setup_pkmf("c", 0, 3);  // any free port
  fs::path pki = dir_ / "c" / "pki";
  fs::path log = dir_ / "c" / "pkmf.log";
  auto [st, out] = run(env("PROSE_BIN") + " pki revoke --dir " + pki.string() + " --ue " + imsi(0));
  ASSERT_EQ(st, 0) << out;
  PkmfProcess pkmf(config, log.string());
  pkmf.start();
  const std::uint16_t port = port_from_log(log, "listening on https port ");
  ASSERT_NE(port, 0) << read_text(log);
  ASSERT_TRUE(wait_ready(pki, port));

  Ue revoked(imsi(0), pki, port);
  EXPECT_EQ(revoked.request_pruk(), 0u) << "a revoked certificate was served";
  EXPECT_NE(revoked.last_error.find("POST: "), std::string::npos) << revoked.last_error;
  SecretBytes pruk1;
  Ue ue1(imsi(1), pki, port);
  std::uint64_t id1 = ue1.request_pruk(&pruk1);
  ASSERT_NE(id1, 0u) << ue1.last_error;

  auto [st2, out2] = run(env("PROSE_BIN") + " pki revoke --dir " + pki.string() + " --ue " + imsi(1));
  ASSERT_EQ(st2, 0) << out2;
  pkmf.signal(SIGHUP);
  ASSERT_TRUE(wait_for_text(log, "tls: CRL reloaded")) << read_text(log);
  Ue ue1_again(imsi(1), pki, port);
  EXPECT_EQ(ue1_again.request_pruk(), 0u) << "a certificate revoked before the SIGHUP was served";
  Ue ue2(imsi(2), pki, port);
  EXPECT_NE(ue2.request_pruk(), 0u) << ue2.last_error;
  // Revoking a UE's certificate does not take its PRUK away from the relays.
  auto relay = Ue::make_client(pki, "relay-r1", port);
  auto grant = request_kd(*relay, id1);
  ASSERT_TRUE(grant.has_value());
  EXPECT_TRUE(*keys::derive_kd(pruk1.view(), grant->kd_freshness.view()) == grant->kd);

  // A broken CRL on SIGHUP: logged, the process keeps serving with the CRL it had.
  std::ofstream(pki / "crl.pem", std::ios::trunc) << "garbage\n";
  pkmf.signal(SIGHUP);
  ASSERT_TRUE(wait_for_text(log, "tls: CRL not reloaded, the previous one stays in force")) << read_text(log);
  Ue ue1_third(imsi(1), pki, port);
  EXPECT_EQ(ue1_third.request_pruk(), 0u);
  Ue ue2_again(imsi(2), pki, port);
  EXPECT_NE(ue2_again.request_pruk(), 0u) << ue2_again.last_error;
}

// Issue 17, defect 9: /metrics over HTTPS for the operator certificate only (UE and relay: 403), and over plain HTTP
// on the loopback address of [pkmf] metrics_listen.
TEST_F(PkmfProcessTest, MetricsForOperatorsOnlyAndOnTheLoopbackListener) {
  std::string config = setup_pkmf("m", 0, 1);  // any free port, for HTTPS and for the metrics listener
  {
    std::string t = read_text(config);
    const std::string from = "# metrics_listen = \"127.0.0.1:9464\"";
    ASSERT_NE(t.find(from), std::string::npos);
    t.replace(t.find(from), from.size(), "metrics_listen = \"127.0.0.1:0\"");
    std::ofstream(config) << t;
  }
  fs::path pki = dir_ / "m" / "pki";
  fs::path log = dir_ / "m" / "pkmf.log";
  PkmfProcess pkmf(config, log.string());
  pkmf.start();
  const std::uint16_t port = port_from_log(log, "listening on https port ");
  const std::uint16_t metrics_port = port_from_log(log, "metrics_listen=127\\.0\\.0\\.1:");
  ASSERT_NE(port, 0) << read_text(log);
  ASSERT_NE(metrics_port, 0) << read_text(log);
  ASSERT_TRUE(wait_ready(pki, port));
  for (const std::string& who : {"ue-" + imsi(0), std::string("relay-r1")}) {
    auto r = Ue::make_client(pki, who, port)->get("/metrics");
    ASSERT_TRUE(r.ok()) << who;
    EXPECT_EQ(r->status, 403) << who;
    EXPECT_EQ(r->body.find("prose_pkmf"), std::string::npos) << who;
  }
  auto op = Ue::make_client(pki, "operator-ops", port)->get("/metrics");
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(op->status, 200);
  EXPECT_NE(op->body.find("prose_pkmf_requests_total"), std::string::npos) << op->body;
  std::string plain = plain_get(metrics_port, "/metrics");
  EXPECT_EQ(plain.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << plain;
  EXPECT_NE(plain.find("prose_pkmf_http_errors_total{status=\"403\"}"), std::string::npos) << plain;
}

}  // namespace
}  // namespace prose
