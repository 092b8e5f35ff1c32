// A complete PKMF back end in one process for tests, every component real: SQLite store, the HSS emulator over
// Diameter on loopback, MIKEY over UDP on loopback, and a Remote UE side (USIM emulation + MIKEY receiver).
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "prose/crypto/milenage.h"
#include "prose/gba/gba.h"
#include "prose/hss/server.h"
#include "prose/keys/prose_keys.h"
#include "prose/mikey/delivery.h"
#include "prose/pkmf/hss_gba_push.h"
#include "prose/pkmf/mikey_sender.h"
#include "prose/pkmf/service.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::pkmf::testing {

namespace fs = std::filesystem;

inline constexpr const char* kUeImsi = "001010000000001";
inline constexpr const char* kUe2Imsi = "001010000000002";
inline constexpr std::uint32_t kRsc = 0x00abcd;
// The address the test's TLS peers come from (HttpRequest::remote_address).
inline constexpr const char* kPeerIp = "127.0.0.1";
// TS 35.208 Milenage test set 1 subscriber.
inline constexpr const char* kK = "465b5ce8b199b49faa5f0a2ee238a6bc";
inline constexpr const char* kOpc = "cd63cb71954a9f4e48a5994e37a02baf";

// The Remote UE's side of MIKEY delivery: a UDP socket and a mikey::Receiver.
class UeMikeyEndpoint {
 public:
  // On 127.0.0.1 (or another loopback address, e.g. 127.0.0.2) and `port` (0: an ephemeral one).
  explicit UeMikeyEndpoint(const char* ip = "127.0.0.1", std::uint16_t port = 0) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    ::inet_pton(AF_INET, ip, &a.sin_addr);
    a.sin_port = htons(port);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~UeMikeyEndpoint() { ::close(fd_); }
  std::uint16_t port() const { return port_; }
  // Waits for one datagram; returns it and where it came from.
  std::optional<Bytes> receive(int timeout_ms, sockaddr_in* from = nullptr) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
    std::uint8_t buf[4096];
    sockaddr_in src{};
    socklen_t len = sizeof src;
    ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&src), &len);
    if (n <= 0) return std::nullopt;
    if (from) *from = src;
    return Bytes(buf, buf + n);
  }
  void reply(const sockaddr_in& to, ByteView data) {
    ::sendto(fd_, data.data(), data.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

class PkmfWorld : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("prose-pkmf-" + std::to_string(random_u64()));
    fs::create_directories(dir_);
    // HSS/BSF emulator on loopback.
    auto subs = hss::SubscriberStore::open((dir_ / "hss.db").string());
    ASSERT_TRUE(subs.ok()) << subs.error().to_string();
    subscribers_ = std::move(*subs);
    for (const char* imsi : {kUeImsi, kUe2Imsi}) {
      ASSERT_TRUE(
          subscribers_->add_subscriber(imsi, hex_literal(kK), hex_literal(kOpc), 0x20, hex_literal("8000")).ok());
    }
    hss::HssConfig hc;
    hc.nafs.push_back({"pkmf.prose.test", Bytes(hss::kPkmfUaId, hss::kPkmfUaId + 5)});
    hss_service_ = std::make_unique<hss::HssService>(hc, *subscribers_);
    auto server = hss::DiameterServer::create(*hss_service_, "127.0.0.1", 0);
    ASSERT_TRUE(server.ok()) << server.error().to_string();
    hss_server_ = std::move(*server);
    hss_thread_ = std::thread([this] { hss_server_->run(); });

    // PKMF.
    kek_ = random_secret(32);
    stores_ = std::make_unique<store::StorePool>("sqlite:" + (dir_ / "pkmf.db").string(), kek_.clone());
    auto lease = stores_->acquire();
    ASSERT_TRUE(lease.ok()) << lease.error().to_string();
    ASSERT_TRUE((*lease)->upsert_ue(kUeImsi, {kRsc}, 1).ok());
    ASSERT_TRUE((*lease)->upsert_ue(kUe2Imsi, {kRsc}, 1).ok());
    ASSERT_TRUE((*lease)->upsert_relay("r1", {kRsc}).ok());
    ASSERT_TRUE((*lease)->upsert_relay("r2", {0x000777}).ok());

    HssGbaPushConfig gc;
    gc.diameter.port = hss_server_->port();
    gc.mode = mode_;
    gba_ = std::make_unique<HssGbaPush>(gc);
    policy_.mikey_initial_backoff_ms = 100;
    policy_.mikey_max_attempts = 3;
    start_pkmf();
  }

  // The PKMF's service and MIKEY sender, wired as in PkmfServer (a second call is a PKMF restarted on the same store).
  void start_pkmf() {
    if (mikey_) mikey_->stop();
    service_.reset();
    ServiceConfig sc;
    sc.policy = policy_;
    mikey_ = std::make_unique<UdpMikeySender>(policy_, metrics_);
    service_ = std::make_unique<PkmfService>(sc, *stores_, metrics_, gba_.get(), mikey_.get());
    PkmfService* svc = service_.get();
    auto port = mikey_->start(
        "127.0.0.1", 0, [svc](ByteView m) { return svc->on_verification(m, std::time(nullptr)); },
        [svc](std::uint32_t csb) { svc->on_delivery_abandoned(csb); },
        [svc](const std::vector<MikeyProgress>& p) { svc->on_delivery_progress(p); });
    ASSERT_TRUE(port.ok()) << port.error().to_string();
  }

  void TearDown() override {
    mikey_->stop();
    service_.reset();
    hss_server_->stop();
    hss_thread_.join();
    fs::remove_all(dir_);
  }

  net::PeerIdentity ue(const char* imsi = kUeImsi) { return *net::PeerIdentity::ue(imsi); }
  net::PeerIdentity relay(const char* id = "r1") { return *net::PeerIdentity::relay(id); }

  pc8::PrukRequest pruk_request(std::uint16_t port, std::vector<std::uint64_t> held = {}) {
    pc8::PrukRequest r;
    r.transaction_id.value = 7;
    r.delivery = pc8::PrukDelivery::kStart;
    for (auto id : held) r.held_pruk_ids.push_back(ids::PrukId{id});
    r.ue_address = pc8::UeAddress{"127.0.0.1", port};
    return r;
  }
  pc8::KdRequest kd_request_by_pruk(std::uint64_t pruk_id, std::uint32_t rsc = kRsc) {
    pc8::KdRequest r;
    r.transaction_id.value = 9;
    r.remote_ue = ids::PrukId{pruk_id};
    r.relay_service_code.value = rsc;
    return r;
  }
  pc8::KdRequest kd_request_by_imsi(const char* imsi, std::uint32_t rsc = kRsc) {
    pc8::KdRequest r;
    r.transaction_id.value = 10;
    r.remote_ue = pc8::Imsi{imsi};
    r.relay_service_code.value = rsc;
    return r;
  }

  GbaPushMode mode_ = GbaPushMode::kPc4a;
  fs::path dir_;
  std::unique_ptr<hss::SubscriberStore> subscribers_;
  std::unique_ptr<hss::HssService> hss_service_;
  std::unique_ptr<hss::DiameterServer> hss_server_;
  std::thread hss_thread_;
  SecretBytes kek_;
  Policy policy_;
  Metrics metrics_;
  std::unique_ptr<store::StorePool> stores_;
  std::unique_ptr<HssGbaPush> gba_;
  std::unique_ptr<UdpMikeySender> mikey_;
  std::unique_ptr<PkmfService> service_;
};

}  // namespace prose::pkmf::testing
