// The PKMF's Diameter client wiring (HssGbaPush) against scripted peers in front of the real HSS/BSF handler:
// answers map to errors by meaning, 3002/3004 move to the alternate peer after a back-off, a lost answer is
// retransmitted with the T flag and the same End-to-End Identifier and yields one key, a dropped connection and
// the destructor send DPR.
#include "prose/pkmf/hss_gba_push.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../diameter_client/fake_diameter_peer.h"
#include "prose/hss/service.h"
#include "prose/pkmf/config.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::pkmf {
namespace {

namespace d = prose::diameter;
using prose::testing::FakeDiameterPeer;

constexpr const char* kImsi = "001010000000001";

class HssGbaPushTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("prose-gbapush-" + std::to_string(random_u64()));
    std::filesystem::create_directories(dir_);
    store_ = std::move(*hss::SubscriberStore::open((dir_ / "hss.db").string()));
    ASSERT_TRUE(store_
                    ->add_subscriber(kImsi, hex_literal("465b5ce8b199b49faa5f0a2ee238a6bc"),
                                     hex_literal("cd63cb71954a9f4e48a5994e37a02baf"), 0x20, hex_literal("8000"))
                    .ok());
    hss::HssConfig hc;
    hc.nafs.push_back({"pkmf.prose.test", Bytes(hss::kPkmfUaId, hss::kPkmfUaId + 5)});
    hss_ = std::make_unique<hss::HssService>(hc, *store_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  HssGbaPushConfig config(std::uint16_t port) {
    HssGbaPushConfig c;
    c.mode = GbaPushMode::kZpn;
    c.diameter.port = port;
    c.diameter.timeout = std::chrono::milliseconds(500);
    c.retry_backoff = std::chrono::milliseconds(50);
    return c;
  }
  // The real HSS/BSF behind a scripted peer.
  std::optional<d::Message> hss(const d::Message& req) {
    std::string log;
    return hss_->handle_request(req, log);
  }
  static std::vector<d::Message> requests(const FakeDiameterPeer& p, std::uint32_t command) {
    std::vector<d::Message> out;
    for (auto& m : p.received()) {
      if (m.is_request() && m.command_code == command) out.push_back(m);
    }
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<hss::SubscriberStore> store_;
  std::unique_ptr<hss::HssService> hss_;
};

TEST_F(HssGbaPushTest, PermanentFailureIsFinalAtOnceAndKeepsTheConnection) {
  FakeDiameterPeer peer([](const d::Message& r) { return FakeDiameterPeer::answer(r, d::rc::kUnableToComply); });
  HssGbaPush push(config(peer.port()));
  auto r = push.push(kImsi, 0x42, 600);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().code, Errc::kIo);
  EXPECT_NE(r.error().code, Errc::kTimeout);
  EXPECT_EQ(push.stats().requests, 1u);
  auto again = push.push(kImsi, 0x43, 600);
  EXPECT_EQ(push.stats().connections, 1u);  // the connection was kept
  EXPECT_EQ(push.stats().requests, 2u);
}

TEST_F(HssGbaPushTest, UnknownSubscriberIsNotFound) {
  FakeDiameterPeer peer([this](const d::Message& r) { return hss(r); });
  HssGbaPush push(config(peer.port()));
  auto r = push.push("001019999999999", 0x42, 600);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kNotFound);
  EXPECT_EQ(push.stats().requests, 1u);
}

TEST_F(HssGbaPushTest, TooBusyMovesToTheAlternatePeerAfterABackoffAndDisconnectsWithDpr) {
  FakeDiameterPeer busy([](const d::Message& r) { return FakeDiameterPeer::answer(r, d::rc::kTooBusy); });
  FakeDiameterPeer good([this](const d::Message& r) { return hss(r); });
  HssGbaPushConfig c = config(busy.port());
  c.alternate_peers.push_back({"127.0.0.1", good.port()});
  HssGbaPush push(c);
  const auto start = std::chrono::steady_clock::now();
  auto r = push.push(kImsi, 0x42, 600);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_GE(std::chrono::steady_clock::now() - start, c.retry_backoff);
  EXPECT_EQ(r->pruk_id, ids::PrukId{0x42u});
  EXPECT_EQ(push.stats().redirected, 1u);
  EXPECT_EQ(push.stats().connections, 2u);
  EXPECT_EQ(requests(busy, d::cmd::kGbaPushInfo).size(), 1u);
  EXPECT_EQ(requests(good, d::cmd::kGbaPushInfo).size(), 1u);
  // The connection given up was closed with DPR (RFC 6733 5.4).
  EXPECT_TRUE(
      busy.wait_for([](const d::Message& m) { return m.is_request() && m.command_code == d::cmd::kDisconnectPeer; },
                    std::chrono::seconds(1))
          .has_value());
}

TEST_F(HssGbaPushTest, ALostAnswerIsRetransmittedWithTheTFlagAndYieldsOneKey) {
  int gprs = 0;
  FakeDiameterPeer peer([&](const d::Message& r) -> std::optional<d::Message> {
    auto a = hss(r);                       // the HSS processes every copy ...
    if (++gprs == 1) return std::nullopt;  // ... but the first answer is lost
    return a;
  });
  HssGbaPush push(config(peer.port()));
  auto r = push.push(kImsi, 0x42, 600);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  auto sent = requests(peer, d::cmd::kGbaPushInfo);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_FALSE(sent[0].flags & d::kFlagRetransmit);
  EXPECT_TRUE(sent[1].flags & d::kFlagRetransmit);
  EXPECT_EQ(sent[0].end_to_end, sent[1].end_to_end);
  EXPECT_NE(sent[0].hop_by_hop, sent[1].hop_by_hop);
  EXPECT_EQ(*d::find(sent[0].avps, d::avp::kSessionId), *d::find(sent[1].avps, d::avp::kSessionId));
  EXPECT_EQ(push.stats().retransmissions, 1u);
  EXPECT_EQ(push.stats().connections, 1u);
  // One SQN, one key: the HSS answered the copy from its duplicate cache with the key it made first.
  std::string log;
  auto cached = hss_->handle_request(sent[0], log);
  EXPECT_NE(log.find("answered from the cache"), std::string::npos);
  EXPECT_EQ(d::find(cached.avps, d::avp::kMeKeyMaterial, d::kVendor3gpp)->data,
            Bytes(r->pruk.view().begin(), r->pruk.view().end()));
}

TEST_F(HssGbaPushTest, ADeadTransportIsAnIoError) {
  std::uint16_t port = 0;
  {
    FakeDiameterPeer gone;
    port = gone.port();
  }
  HssGbaPush push(config(port));
  auto r = push.push(kImsi, 0x42, 600);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kIo);
}

TEST_F(HssGbaPushTest, DestructionDisconnectsWithDpr) {
  FakeDiameterPeer peer([this](const d::Message& r) { return hss(r); });
  {
    HssGbaPush push(config(peer.port()));
    ASSERT_TRUE(push.push(kImsi, 0x42, 600).ok());
  }
  EXPECT_TRUE(
      peer.wait_for([](const d::Message& m) { return m.is_request() && m.command_code == d::cmd::kDisconnectPeer; },
                    std::chrono::seconds(1))
          .has_value());
}

TEST(HssGbaPushConfig, DiameterKeysAreReadAndBadValuesNameTheKey) {
  auto dir = std::filesystem::temp_directory_path() / ("prose-pkmf-hsscfg-" + std::to_string(random_u64()));
  ExampleConfigOptions o;
  o.dir = dir.string();
  o.hss_port = 3868;
  auto path = write_example_config(o);
  ASSERT_TRUE(path.ok()) << path.error().to_string();
  std::stringstream ss;
  ss << std::ifstream(*path).rdbuf();
  const std::string text = ss.str();
  auto load_with = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    auto at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) t.replace(at, from.size(), to);
    std::ofstream(*path) << t;
    return load_config(*path);
  };
  auto defaults = load_with("watchdog_interval = 30", "watchdog_interval = 30");
  ASSERT_TRUE(defaults.ok()) << defaults.error().to_string();
  ASSERT_TRUE(defaults->hss.has_value());
  EXPECT_EQ(defaults->hss->diameter.watchdog, std::chrono::seconds(30));
  EXPECT_EQ(defaults->hss->max_attempts, 3);
  EXPECT_TRUE(defaults->hss->alternate_peers.empty());
  auto set = load_with("alternate_peers = []", "alternate_peers = [\"127.0.0.2:3870\", \"::1:3871\"]");
  ASSERT_TRUE(set.ok()) << set.error().to_string();
  ASSERT_EQ(set->hss->alternate_peers.size(), 2u);
  EXPECT_EQ(set->hss->alternate_peers[0].host, "127.0.0.2");
  EXPECT_EQ(set->hss->alternate_peers[0].port, 3870);
  EXPECT_EQ(set->hss->alternate_peers[1].host, "::1");
  struct Case {
    const char* from;
    const char* to;
    const char* key;
  } cases[] = {
      {"watchdog_interval = 30", "watchdog_interval = 5", "hss.watchdog_interval"},  // RFC 3539: at least 6 s
      {"max_attempts = 3", "max_attempts = 0", "hss.max_attempts"},
      {"alternate_peers = []", "alternate_peers = [\"no-port\"]", "hss.alternate_peers"},
      {"alternate_peers = []", "alternate_peers = [\"h:99999\"]", "hss.alternate_peers"},
      {"alternate_peers = []", "alternate_peers = \"h:1\"", "hss.alternate_peers"},
  };
  for (const auto& c : cases) {
    auto bad = load_with(c.from, c.to);
    ASSERT_FALSE(bad.ok()) << c.to;
    EXPECT_NE(bad.error().message.find(c.key), std::string::npos) << bad.error().message;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace prose::pkmf
