// The HSS/BSF handler end to end: in memory through PeerSession (sans I/O), and over real TCP on loopback
// with DiameterServer and HssClient.
#include "prose/hss/service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "prose/crypto/kdf.h"
#include "prose/gba/gba.h"
#include "prose/hss/client.h"
#include "prose/hss/server.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::hss {
namespace {

namespace d = prose::diameter;

const Bytes kK = hex_literal("465b5ce8b199b49faa5f0a2ee238a6bc");
const Bytes kOpc = hex_literal("cd63cb71954a9f4e48a5994e37a02baf");
const Bytes kAmf = hex_literal("0000");
const std::string kImsi = "001010123456789";
const std::string kImpi = "001010123456789@ims.mnc001.mcc001.3gppnetwork.org";

HssConfig test_config(const std::string& db) {
  HssConfig c;
  c.database_path = db;
  NafEntry n;
  n.fqdn = "pkmf.prose.lab";
  n.ua_security_protocol_id = Bytes(kPkmfUaId, kPkmfUaId + 5);
  c.nafs.push_back(n);
  return c;
}

struct HssServiceTest : ::testing::Test {
  void SetUp() override {
    auto dir = std::filesystem::temp_directory_path() / ("prose_hss_svc_" + std::to_string(random_u32()));
    std::filesystem::create_directories(dir);
    cfg = test_config((dir / "hss.db").string());
    store = *SubscriberStore::open(cfg.database_path);
    ASSERT_TRUE(store->add_subscriber(kImsi, kK, kOpc, 0, kAmf).ok());
    service = std::make_unique<HssService>(cfg, *store, [] { return std::int64_t{1800000000}; });
  }
  Bytes naf_id() const { return cfg.nafs[0].naf_id(); }

  d::Message request(std::uint32_t cmd, std::uint32_t app, std::vector<d::Avp> avps) {
    d::Message m;
    m.flags = d::kFlagRequest;
    m.command_code = cmd;
    m.application_id = app;
    m.hop_by_hop = ++hbh;
    m.end_to_end = hbh + 1000;
    if (cmd != d::cmd::kCapabilitiesExchange && cmd != d::cmd::kDeviceWatchdog)
      m.avps.push_back(d::make_str(d::avp::kSessionId, "pkmf;1;" + std::to_string(hbh)));
    m.avps.push_back(d::make_str(d::avp::kOriginHost, "pkmf.prose.lab"));
    m.avps.push_back(d::make_str(d::avp::kOriginRealm, "prose.lab"));
    for (auto& a : avps) m.avps.push_back(std::move(a));
    return m;
  }
  d::Message cer() {
    return request(d::cmd::kCapabilitiesExchange, 0,
                   {d::make_grouped(d::avp::kVendorSpecificApplicationId,
                                    {d::make_u32(d::avp::kVendorId, d::kVendor3gpp),
                                     d::make_u32(d::avp::kAuthApplicationId, d::app::kZpn)})});
  }
  // Sends one message through the session and decodes exactly one answer.
  d::Message exchange(PeerSession& s, const d::Message& m, bool* closed = nullptr) {
    auto out = s.on_bytes(*d::encode(m));
    if (closed) *closed = out.close;
    auto ans = d::decode(out.to_send);
    EXPECT_TRUE(ans.ok()) << (ans.ok() ? "" : ans.error().to_string());
    return ans.ok() ? *ans : d::Message{};
  }
  static std::uint32_t result_code(const d::Message& a) {
    const d::Avp* rc = d::find(a.avps, d::avp::kResultCode);
    return rc ? *d::as_u32(*rc) : 0;
  }
  static std::uint32_t experimental_code(const d::Message& a) {
    const d::Avp* er = d::find(a.avps, d::avp::kExperimentalResult);
    if (!er) return 0;
    auto inner = *d::as_grouped(*er);
    return *d::as_u32(*d::find(inner, d::avp::kExperimentalResultCode));
  }
  d::Message gpr(std::vector<d::Avp> extra = {}) {
    std::vector<d::Avp> avps = {d::make_str(d::avp::kUeId, kImpi, d::kVendor3gpp),
                                d::make_avp(d::avp::kNafId, naf_id(), d::kVendor3gpp)};
    for (auto& a : extra) avps.push_back(std::move(a));
    return request(d::cmd::kGbaPushInfo, d::app::kZpn, std::move(avps));
  }

  HssConfig cfg;
  std::unique_ptr<SubscriberStore> store;
  std::unique_ptr<HssService> service;
  std::uint32_t hbh = 0;
};

TEST_F(HssServiceTest, RequiresCerFirst) {
  PeerSession s(*service);
  bool closed = false;
  auto a = exchange(s, gpr(), &closed);
  EXPECT_EQ(result_code(a), d::rc::kUnknownPeer);
  EXPECT_TRUE(a.is_error());
  EXPECT_TRUE(closed);
}

TEST_F(HssServiceTest, CerWithoutCommonApplicationIsRefused) {
  PeerSession s(*service);
  bool closed = false;
  auto a =
      exchange(s, request(d::cmd::kCapabilitiesExchange, 0, {d::make_u32(d::avp::kAuthApplicationId, 4)}), &closed);
  EXPECT_EQ(result_code(a), d::rc::kNoCommonApplication);
  EXPECT_TRUE(closed);
}

TEST_F(HssServiceTest, CerDwrDpr) {
  PeerSession s(*service);
  auto cea = exchange(s, cer());
  EXPECT_EQ(result_code(cea), d::rc::kSuccess);
  EXPECT_FALSE(cea.is_request());
  EXPECT_NE(d::find(cea.avps, d::avp::kHostIpAddress), nullptr);
  EXPECT_TRUE(s.open());
  auto dwa = exchange(s, request(d::cmd::kDeviceWatchdog, 0, {}));
  EXPECT_EQ(dwa.command_code, d::cmd::kDeviceWatchdog);
  EXPECT_EQ(result_code(dwa), d::rc::kSuccess);
  bool closed = false;
  auto dpa = exchange(s, request(d::cmd::kDisconnectPeer, 0, {d::make_u32(d::avp::kDisconnectCause, 0)}), &closed);
  EXPECT_EQ(result_code(dpa), d::rc::kSuccess);
  EXPECT_TRUE(closed);
}

TEST_F(HssServiceTest, MarReturnsVectorUsimAccepts) {
  PeerSession s(*service);
  exchange(s, cer());
  auto a = exchange(s, request(d::cmd::kMultimediaAuth, d::app::kZh, {d::make_str(d::avp::kUserName, kImsi)}));
  ASSERT_EQ(result_code(a), d::rc::kSuccess);
  EXPECT_EQ(a.hop_by_hop, hbh);
  auto item = *d::as_grouped(*d::find(a.avps, d::avp::kSipAuthDataItem, d::kVendor3gpp));
  Bytes authn = d::find(item, d::avp::kSipAuthenticate, d::kVendor3gpp)->data;
  ASSERT_EQ(authn.size(), 32u);
  Bytes rand(authn.begin(), authn.begin() + 16), autn(authn.begin() + 16, authn.end());
  auto usim = *crypto::Usim::create(kK, kOpc);
  auto r = *usim.authenticate(rand, autn);
  ASSERT_TRUE(r.accepted.has_value());
  EXPECT_EQ(r.accepted->res, d::find(item, d::avp::kSipAuthorization, d::kVendor3gpp)->data);
  EXPECT_EQ(r.accepted->ck.view().size(), 16u);
  EXPECT_TRUE(std::equal(r.accepted->ck.view().begin(), r.accepted->ck.view().end(),
                         d::find(item, d::avp::kConfidentialityKey, d::kVendor3gpp)->data.begin()));
}

TEST_F(HssServiceTest, UnknownUserIsExperimental5001And5401) {
  PeerSession s(*service);
  exchange(s, cer());
  auto a =
      exchange(s, request(d::cmd::kMultimediaAuth, d::app::kZh, {d::make_str(d::avp::kUserName, "001019999999999")}));
  EXPECT_EQ(experimental_code(a), d::rc::kErrorUserUnknown);
  EXPECT_EQ(result_code(a), 0u);
  auto g = exchange(s, request(d::cmd::kGbaPushInfo, d::app::kZpn,
                               {d::make_str(d::avp::kUeId, "001019999999999@ims.example", d::kVendor3gpp),
                                d::make_avp(d::avp::kNafId, naf_id(), d::kVendor3gpp)}));
  EXPECT_EQ(experimental_code(g), d::rc::kErrorIdentityUnknown);
}

TEST_F(HssServiceTest, GprGivesGpiTheUeOpensToTheSameKey) {
  PeerSession s(*service);
  exchange(s, cer());
  const std::uint64_t pruk_id = 0x0102030405060708ULL;
  auto a =
      exchange(s, gpr({d::make_u64(d::avp::kNafSaIdentifier, pruk_id, d::kVendor3gpp),
                       d::make_u32(d::avp::kRequestedKeyLifetime, unix_to_ntp(1800000000 + 3600), d::kVendor3gpp)}));
  ASSERT_EQ(result_code(a), d::rc::kSuccess);
  Bytes gpi = d::find(a.avps, d::avp::kGbaPushInfo, d::kVendor3gpp)->data;
  Bytes key = d::find(a.avps, d::avp::kMeKeyMaterial, d::kVendor3gpp)->data;
  EXPECT_EQ(*d::as_u64(*d::find(a.avps, d::avp::kNafSaIdentifier, d::kVendor3gpp)), pruk_id);
  EXPECT_EQ(ntp_to_unix(*d::as_u32(*d::find(a.avps, d::avp::kKeyExpiryTime, d::kVendor3gpp))), 1800000000 + 3600);
  auto usim = *crypto::Usim::create(kK, kOpc);
  auto out = gba::process_gpi(usim, kImpi, naf_id(), gpi);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  ASSERT_TRUE(out->accepted.has_value());
  EXPECT_EQ(out->accepted->pruk_id, pruk_id);
  EXPECT_EQ(out->accepted->lifetime, 3600u);
  EXPECT_EQ(out->accepted->pruk.reveal_hex(), to_hex(key));
  // Independent check of the key: HMAC-SHA-256 over the 33.220 B.3 input with Ks = CK || IK.
  auto dec = *gba::decode_gpi(gpi);
  auto m = *crypto::Milenage::create(kK, kOpc);
  auto f = *m.f2345(dec.gpi.rand);
  Bytes ks = concat({f.ck.view(), f.ik.view()});
  auto expect = *crypto::kdf(ks, 0x01, {crypto::as_bytes("gba-me"), dec.gpi.rand, crypto::as_bytes(kImpi), naf_id()});
  EXPECT_EQ(expect.reveal_hex(), to_hex(key));
}

TEST_F(HssServiceTest, GprErrors) {
  PeerSession s(*service);
  exchange(s, cer());
  // NAF not in the configuration -> 5402.
  auto a = exchange(s, request(d::cmd::kGbaPushInfo, d::app::kZpn,
                               {d::make_str(d::avp::kUeId, kImpi, d::kVendor3gpp),
                                d::make_str(d::avp::kNafId, "evil.example", d::kVendor3gpp)}));
  EXPECT_EQ(experimental_code(a), d::rc::kErrorNotAuthorized);
  // Missing UE-Id -> 5005 with Failed-AVP.
  auto b =
      exchange(s, request(d::cmd::kGbaPushInfo, d::app::kZpn, {d::make_avp(d::avp::kNafId, naf_id(), d::kVendor3gpp)}));
  EXPECT_EQ(result_code(b), d::rc::kMissingAvp);
  EXPECT_NE(d::find(b.avps, d::avp::kFailedAvp), nullptr);
  // Zero P-TID, lifetime in the past, GBA_U -> 5004.
  EXPECT_EQ(result_code(exchange(s, gpr({d::make_u64(d::avp::kNafSaIdentifier, 0, d::kVendor3gpp)}))),
            d::rc::kInvalidAvpValue);
  EXPECT_EQ(result_code(exchange(
                s, gpr({d::make_u32(d::avp::kRequestedKeyLifetime, unix_to_ntp(1700000000), d::kVendor3gpp)}))),
            d::rc::kInvalidAvpValue);
  EXPECT_EQ(result_code(exchange(s, gpr({d::make_u32(d::avp::kUiccMe, 1, d::kVendor3gpp)}))), d::rc::kInvalidAvpValue);
  // Unknown command and unknown application -> protocol errors with the E flag.
  auto c = exchange(s, request(999, d::app::kZh, {}));
  EXPECT_EQ(result_code(c), d::rc::kCommandUnsupported);
  EXPECT_TRUE(c.is_error());
  auto e = exchange(s, request(d::cmd::kMultimediaAuth, 16777216, {}));
  EXPECT_EQ(result_code(e), d::rc::kApplicationUnsupported);
  // Nothing above consumed an SQN.
  EXPECT_EQ(store->get(kImsi)->sqn, 0u);
}

TEST_F(HssServiceTest, MalformedRequestGetsAnAnswerAndFramingSurvives) {
  PeerSession s(*service);
  exchange(s, cer());
  Bytes raw = *d::encode(gpr());
  raw[20 + 5] = 0xff;  // first AVP length now points past the end, message length unchanged
  auto out = s.on_bytes(raw);
  EXPECT_FALSE(out.close);
  auto a = d::decode(out.to_send);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(result_code(*a), d::rc::kInvalidAvpLength);
  // The connection still works, even when a request arrives split in two.
  Bytes good = *d::encode(request(d::cmd::kDeviceWatchdog, 0, {}));
  auto part1 = s.on_bytes(ByteView(good).subspan(0, 7));
  EXPECT_TRUE(part1.to_send.empty());
  auto part2 = s.on_bytes(ByteView(good).subspan(7));
  EXPECT_EQ(result_code(*d::decode(part2.to_send)), d::rc::kSuccess);
  // A broken header (version 2) closes the connection.
  Bytes bad = good;
  bad[0] = 2;
  EXPECT_TRUE(s.on_bytes(bad).close);
}

TEST_F(HssServiceTest, OverTcpLoopbackWithResync) {
  HssService live(cfg, *store);  // real clock: the client computes Requested-Key-Lifetime from the real time
  auto server = DiameterServer::create(live, "127.0.0.1", 0);
  ASSERT_TRUE(server.ok()) << server.error().to_string();
  std::thread th([&] { (*server)->run(); });
  struct Joiner {
    DiameterServer& s;
    std::thread& t;
    ~Joiner() {
      s.stop();
      t.join();
    }
  } joiner{**server, th};
  ClientConfig cc;
  cc.port = (*server)->port();
  auto client = HssClient::connect(cc);
  ASSERT_TRUE(client.ok()) << client.error().to_string();
  auto& c = **client;
  ASSERT_TRUE(c.watchdog().ok());

  auto av = c.get_auth_vector(kImsi);
  ASSERT_TRUE(av.ok()) << av.error().to_string();
  auto unknown = c.get_auth_vector("001019999999999");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Errc::kNotFound);
  EXPECT_EQ(c.last_answer_code().code, 5001u);
  EXPECT_TRUE(c.last_answer_code().experimental);

  // A USIM that is ahead of the HSS: SQN failure -> AUTS -> resync -> the next GPI succeeds.
  auto usim = *crypto::Usim::create(kK, kOpc);
  std::vector<std::uint64_t> seqs(32, 777);
  usim.set_seq_array(seqs);
  auto g1 = c.get_gpi(kImsi, kImpi, naf_id(), 0x1111, 600);
  ASSERT_TRUE(g1.ok()) << g1.error().to_string();
  EXPECT_GT(g1->lifetime, 590u);
  auto o1 = *gba::process_gpi(usim, kImpi, naf_id(), g1->gpi);
  ASSERT_TRUE(o1.sync_failure.has_value());
  auto rs = c.resync(kImsi, o1.sync_failure->rand, o1.sync_failure->auts);
  ASSERT_TRUE(rs.ok()) << rs.error().to_string();
  auto g2 = c.get_gpi(kImsi, kImpi, naf_id(), 0x2222, 600);
  ASSERT_TRUE(g2.ok());
  auto o2 = *gba::process_gpi(usim, kImpi, naf_id(), g2->gpi);
  ASSERT_TRUE(o2.accepted.has_value());
  EXPECT_EQ(o2.accepted->pruk_id, 0x2222u);
  EXPECT_EQ(o2.accepted->pruk.reveal_hex(), g2->pruk.reveal_hex());
  // Replaying the old GPI fails at the USIM (SQN), a tampered AUTS is refused by the HSS.
  auto replay = *gba::process_gpi(usim, kImpi, naf_id(), g2->gpi);
  EXPECT_TRUE(replay.sync_failure.has_value());
  Bytes bad_auts = replay.sync_failure->auts;
  bad_auts[10] ^= 0x80;
  auto rej = c.resync(kImsi, replay.sync_failure->rand, bad_auts);
  ASSERT_FALSE(rej.ok());
  EXPECT_EQ(rej.error().code, Errc::kAuthFailed);

  auto denied = c.get_gpi(kImsi, kImpi, crypto::as_bytes("other.naf\x01\x00\x00\x01\x0a"), 0, 600);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, Errc::kDenied);

  EXPECT_TRUE(c.disconnect().ok());
}

TEST(HssTime, NtpConversion) {
  EXPECT_EQ(unix_to_ntp(0), 2208988800u);
  EXPECT_EQ(ntp_to_unix(unix_to_ntp(1800000000)), 1800000000);
  EXPECT_EQ(ntp_to_unix(unix_to_ntp(2200000000LL)), 2200000000LL);  // after the 2036 NTP era rollover
}

}  // namespace
}  // namespace prose::hss
