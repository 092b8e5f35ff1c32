// What the tests of `prose pkmf` as separate processes share (pkmf_process_test, pkmf_failover_test): the PKMF child
// process, a Remote UE with its MIKEY socket, a relay's KD request, and a fixture that writes and provisions PKMF
// configurations in a fresh directory.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <utility>

#include "prose/mikey/delivery.h"
#include "prose/net/client.h"
#include "prose/pc8/codec.h"
#include "prose/testbed/ports.h"
#include "prose/testbed/process.h"
#include "prose/util/random.h"

namespace prose {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Runs a shell command to completion; returns its exit status and output.
std::pair<int, std::string> run(const std::string& cmd) { return testbed::run_shell(cmd); }

// A `prose pkmf --config` child process (stdout and stderr appended to the log).
class PkmfProcess {
 public:
  PkmfProcess(std::string config, std::string log) : config_(std::move(config)), log_(std::move(log)) {}
  ~PkmfProcess() { kill(SIGKILL); }
  void start() {
    testbed::SpawnOptions o;
    o.argv = {env("PROSE_BIN"), "pkmf", "--config", config_};
    o.log = log_;
    o.append_log = true;
    auto p = testbed::Process::spawn(std::move(o));
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    process_ = std::move(*p);
  }
  // Sends `sig` and leaves the process running (SIGHUP).
  void signal(int sig) { process_.signal(sig); }
  // Sends `sig` and waits until the process has ended.
  void kill(int sig) {
    process_.signal(sig);
    if (!process_.wait(std::chrono::minutes(5))) process_.stop();
  }

 private:
  std::string config_, log_;
  testbed::Process process_;
};

// A UDP socket bound to ip:port (port 0: an ephemeral one).
int bound_udp(const char* ip, std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, ip, &a.sin_addr);
  a.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) ADD_FAILURE() << "cannot bind " << ip;
  return fd;
}

// A TCP port that was free a moment ago (the kernel's choice for port 0), for a PKMF that must keep its port over a
// restart; other checkouts running these tests at the same time get other ports.
std::uint16_t free_tcp_port() {
  auto port = testbed::free_port(testbed::Proto::kTcp);
  if (!port.ok()) ADD_FAILURE() << port.error().to_string();
  return port.ok() ? *port : 0;
}

// A Remote UE: its client certificate, a UDP socket for MIKEY and the MIKEY receiver.
struct Ue {
  std::string imsi;
  int fd = -1;
  std::uint16_t port = 0;
  mikey::Receiver rx;
  std::unique_ptr<net::HttpsClient> client;

  Ue(const std::string& imsi_, const fs::path& pki, std::uint16_t pkmf_port,
     std::chrono::milliseconds timeout = 10000ms)
      : imsi(imsi_) {
    fd = bound_udp("127.0.0.1", 0);
    sockaddr_in a{};
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    client = make_client(pki, "ue-" + imsi, pkmf_port, timeout);
  }
  ~Ue() { ::close(fd); }

  static std::unique_ptr<net::HttpsClient> make_client(const fs::path& pki, const std::string& base, std::uint16_t port,
                                                       std::chrono::milliseconds timeout = 10000ms) {
    net::HttpsClientConfig c;
    c.port = port;
    c.connect_timeout = c.handshake_timeout = c.request_timeout = timeout;
    c.tls.ca_file = (pki / "ca.pem").string();
    c.tls.cert_file = (pki / (base + ".pem")).string();
    c.tls.key_file = (pki / (base + ".key")).string();
    c.tls.server_name = "pkmf.prose.test";
    c.tls.keylog_from_env = false;
    auto r = net::HttpsClient::create(c);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? std::move(*r) : nullptr;
  }

  std::string last_error;
  int last_status = 0;                      // HTTP status of the last Key Request (0: no answer)
  std::optional<pc8::ErrorCode> last_code;  // its PC8 status code when refused
  std::uint64_t why(const std::string& e) {
    last_error = e;
    return 0;
  }

  // Key Request naming `named_ip` and this UE's port as its MIKEY address; keeps the PMK and Key Type ID of the grant.
  bool key_request(const std::string& named_ip = "127.0.0.1") {
    pc8::PrukRequest r;
    r.transaction_id.value = random_u32();
    r.ue_address = pc8::UeAddress{named_ip, port};
    auto body = pc8::Codec::encode(pc8::Request(r));
    if (!body.ok()) return false;
    last_status = 0;
    last_code.reset();
    auto resp = client->post("/prose/pc8", pc8::kContentType, *body);
    if (!resp.ok()) return why("POST: " + resp.error().to_string());
    last_status = resp->status;
    // 503 carries a PC8 response too (temporarily-unavailable).
    if (resp->status != 200 && resp->status != 503)
      return why("HTTP " + std::to_string(resp->status) + " " + resp->body);
    auto decoded = pc8::Codec::decode_response(resp->body);
    if (!decoded.ok()) return why("decode: " + decoded.error().to_string());
    if (auto* e = std::get_if<pc8::ErrorCode>(&std::get<pc8::PrukResponse>(*decoded).outcome)) {
      last_code = *e;
      return why("HTTP " + std::to_string(resp->status) + " " + std::string(pc8::error_code_name(*e)));
    }
    auto* grant = std::get_if<pc8::PrukGrant>(&std::get<pc8::PrukResponse>(*decoded).outcome);
    if (grant == nullptr || !grant->pmk) return why("no grant with a PMK: " + resp->body);
    Bytes pmk_id(8), ktid(4);
    for (int i = 0; i < 8; ++i) pmk_id[i] = static_cast<std::uint8_t>(grant->pmk->pmk_id.value >> (56 - 8 * i));
    for (int i = 0; i < 4; ++i) ktid[i] = static_cast<std::uint8_t>(grant->key_type_id.value >> (24 - 8 * i));
    rx.add_pmk(pmk_id, grant->pmk->pmk.clone());
    if (!rx.add_key_type(ktid, mikey::KeyClass::kPruk).ok()) return why("Key Type ID is not 32 bits");
    return true;
  }

  // Waits for the MIKEY PRUK and answers the verification. Returns the PRUK ID (0 on failure).
  std::uint64_t receive_pruk(SecretBytes* pruk_out = nullptr, int timeout_ms = 5000) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return why("no MIKEY message within " + std::to_string(timeout_ms) + " ms");
    std::uint8_t buf[4096];
    sockaddr_in from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0) return 0;
    auto opened = rx.open(ByteView(buf, static_cast<std::size_t>(n)), mikey::ntp_now());
    if (!opened.ok()) return why("MIKEY open: " + opened.error().to_string());
    if (opened->verification_message) {
      ::sendto(fd, opened->verification_message->data(), opened->verification_message->size(), 0,
               reinterpret_cast<sockaddr*>(&from), len);
    }
    if (pruk_out) *pruk_out = opened->key.clone();
    return opened->key_id;
  }

  // Key Request; then waits for the MIKEY PRUK and answers the verification. Returns the PRUK ID (0 on failure).
  std::uint64_t request_pruk(SecretBytes* pruk_out = nullptr) { return key_request() ? receive_pruk(pruk_out) : 0; }

  // Discards the datagrams that arrived so far.
  void drain() {
    std::uint8_t buf[4096];
    while (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
    }
  }
};

// KD request from a relay; returns the grant or nullopt with the error code in *code.
[[maybe_unused]] std::optional<pc8::KdGrant> request_kd(net::HttpsClient& relay, std::uint64_t pruk_id,
                                                        pc8::ErrorCode* code = nullptr) {
  pc8::KdRequest r;
  r.transaction_id.value = random_u32();
  r.remote_ue = ids::PrukId{pruk_id};
  r.relay_service_code.value = 0x00abcd;
  auto body = pc8::Codec::encode(pc8::Request(r));
  auto resp = relay.post("/prose/pc8", pc8::kContentType, *body);
  if (!resp.ok() || (resp->status != 200 && resp->status != 503)) return std::nullopt;
  auto decoded = pc8::Codec::decode_response(resp->body);
  if (!decoded.ok()) return std::nullopt;
  auto& kr = std::get<pc8::KdResponse>(*decoded);
  if (auto* e = std::get_if<pc8::ErrorCode>(&kr.outcome)) {
    if (code) *code = *e;
    return std::nullopt;
  }
  return std::get<pc8::KdGrant>(kr.outcome).clone();
}

class PkmfProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(env("PROSE_BIN").empty()) << "PROSE_BIN must name the prose binary";
    dir_ = fs::temp_directory_path() / ("prose-pkmf-proc-" + std::to_string(random_u64()));
  }
  void TearDown() override {
    if (HasFailure()) {  // show what the PKMF processes said
      for (const auto& e : fs::recursive_directory_iterator(dir_)) {
        if (e.path().filename() != "pkmf.log") continue;
        std::ifstream f(e.path());
        std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        std::cout << "---- " << e.path() << "\n" << text.substr(text.size() > 6000 ? text.size() - 6000 : 0);
      }
    }
    fs::remove_all(dir_);
  }

  // Writes a config in `sub` with `n` UEs (imsi(first_ue) on) and relay r1, provisions them, and returns the config
  // path. Tests sharing one PostgreSQL database use different UEs: each test's PKMFs have their own KEK.
  std::string setup_pkmf(const std::string& sub, std::uint16_t port, int n, const std::string& store_url = "",
                         bool init_store = true, const fs::path& shared_pki = {}, int first_ue = 0) {
    fs::path d = dir_ / sub;
    fs::create_directories(d);
    if (!shared_pki.empty()) fs::copy(shared_pki, d / "pki", fs::copy_options::recursive);
    std::string cmd = env("PROSE_BIN") + " pkmf example-config --dir " + d.string() + " --port " +
                      std::to_string(port) + " --mikey-port 0 --hss-port 0 --relay r1";
    cmd += " --ue";
    for (int i = first_ue; i < first_ue + n; ++i) cmd += " " + imsi(i);
    if (!store_url.empty()) cmd += " --store '" + store_url + "'";  // a multi-host URL has & and ?
    auto [st, out] = run(cmd);
    EXPECT_EQ(st, 0) << out;
    std::string config = (d / "pkmf.toml").string();
    if (init_store) {
      for (int i = first_ue; i < first_ue + n; ++i) {
        auto [s2, o2] =
            run(env("PROSE_BIN") + " admin --config " + config + " ue-add --imsi " + imsi(i) + " --rsc abcd");
        EXPECT_EQ(s2, 0) << o2;
      }
      auto [s3, o3] = run(env("PROSE_BIN") + " admin --config " + config + " relay-add --id r1 --rsc abcd");
      EXPECT_EQ(s3, 0) << o3;
    }
    return config;
  }
  static std::string imsi(int i) { return "0010100000" + std::to_string(10000 + i); }

  // Two PKMF processes on the PostgreSQL database `url`, sharing the KEK and the PKI as a real deployment does: A
  // (directory <tag>a) provisions `n` UEs from imsi(first_ue) and relay r1; both answer before this returns.
  struct PkmfPair {
    std::uint16_t port_a = 0, port_b = 0;
    std::string config_a, config_b;
    fs::path pki;
    std::unique_ptr<PkmfProcess> a, b;
  };
  void start_pair(const std::string& tag, const std::string& url, int n, int first_ue, PkmfPair& p) {
    p.port_a = free_tcp_port();
    do p.port_b = free_tcp_port();
    while (p.port_b == p.port_a);
    const fs::path dir_a = dir_ / (tag + "a"), dir_b = dir_ / (tag + "b");
    p.config_a = setup_pkmf(tag + "a", p.port_a, n, url, true, {}, first_ue);
    p.config_b = setup_pkmf(tag + "b", p.port_b, n, url, false, dir_a / "pki", first_ue);
    use_kek(p.config_a, kSharedDatabaseKek);
    use_kek(p.config_b, kSharedDatabaseKek);
    p.pki = dir_a / "pki";
    p.a = std::make_unique<PkmfProcess>(p.config_a, (dir_a / "pkmf.log").string());
    p.b = std::make_unique<PkmfProcess>(p.config_b, (dir_b / "pkmf.log").string());
    p.a->start();
    p.b->start();
    ASSERT_TRUE(wait_ready(p.pki, p.port_a));
    ASSERT_TRUE(wait_ready(p.pki, p.port_b));
  }

  // Waits until the PKMF answers on `port`.
  bool wait_ready(const fs::path& pki, std::uint16_t port) {
    for (int i = 0; i < 100; ++i) {
      auto c = Ue::make_client(pki, "relay-r1", port);
      if (c && c->get("/metrics").ok()) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  // Every PKMF on the tests' PostgreSQL cluster uses one KEK, as the PKMFs of one deployment do: the tests of one
  // ctest run share the cluster, and a PKMF refuses to start on keys written under another KEK.
  static constexpr const char* kSharedDatabaseKek = "5a4b3c2d1e0f5a4b3c2d1e0f5a4b3c2d1e0f5a4b3c2d1e0f5a4b3c2d1e0f5a4b";
  static void use_kek(const std::string& config, const std::string& kek_hex) {
    std::ifstream in(config);
    std::string text(std::istreambuf_iterator<char>(in), {});
    std::string changed = std::regex_replace(text, std::regex("kek = \"[0-9a-f]+\""), "kek = \"" + kek_hex + "\"");
    ASSERT_NE(changed.find("kek = \"" + kek_hex + "\""), std::string::npos) << "no kek line in " << config;
    std::ofstream(config) << changed;
  }

  fs::path dir_;
};

}  // namespace
}  // namespace prose
