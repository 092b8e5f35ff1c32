// The HSS/BSF handler end to end: in memory through PeerSession (sans I/O), and over real TCP on loopback
// with DiameterServer and diameter::HssClient.
#include "prose/hss/service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <thread>

#include "prose/crypto/kdf.h"
#include "prose/diameter/time.h"
#include "prose/diameter_client/client.h"
#include "prose/gba/gba.h"
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
  // A CER with the AVPs RFC 6733 5.3.1 requires, then `extra`.
  d::Message cer(std::vector<d::Avp> extra = {}) {
    std::vector<d::Avp> avps = {
        d::make_ipv4(d::avp::kHostIpAddress, 0x7f000001), d::make_u32(d::avp::kVendorId, 0),
        d::make_str(d::avp::kProductName, "test", 0, false),
        d::make_grouped(d::avp::kVendorSpecificApplicationId, {d::make_u32(d::avp::kVendorId, d::kVendor3gpp),
                                                               d::make_u32(d::avp::kAuthApplicationId, d::app::kZpn)})};
    for (auto& a : extra) avps.push_back(std::move(a));
    return request(d::cmd::kCapabilitiesExchange, 0, std::move(avps));
  }
  static const d::Avp* failed_avp(const d::Message& a) {
    static thread_local std::vector<d::Avp> inner;
    const d::Avp* f = d::find(a.avps, d::avp::kFailedAvp);
    if (!f) return nullptr;
    auto g = d::as_grouped(*f);
    if (!g.ok() || g->size() != 1) return nullptr;
    inner = std::move(*g);
    return &inner[0];
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
  PeerSession s(*service, "192.0.2.7");
  bool closed = false;
  auto a = exchange(s, gpr(), &closed);
  EXPECT_EQ(result_code(a), d::rc::kUnknownPeer);
  EXPECT_TRUE(a.is_error());
  EXPECT_TRUE(closed);
}

TEST_F(HssServiceTest, CerWithoutCommonApplicationIsRefused) {
  PeerSession s(*service, "192.0.2.7");
  bool closed = false;
  auto base = cer();
  base.avps.pop_back();  // no Zpn
  base.avps.push_back(d::make_u32(d::avp::kAuthApplicationId, 4));
  auto a = exchange(s, base, &closed);
  EXPECT_EQ(result_code(a), d::rc::kNoCommonApplication);
  EXPECT_TRUE(closed);
}

TEST_F(HssServiceTest, CerDwrDpr) {
  PeerSession s(*service, "192.0.2.7");
  auto cea = exchange(s, cer());
  EXPECT_EQ(result_code(cea), d::rc::kSuccess);
  EXPECT_FALSE(cea.is_request());
  // Host-IP-Address is the connection's local address, not a constant (RFC 6733 5.3.5).
  const d::Avp* ip = d::find(cea.avps, d::avp::kHostIpAddress);
  ASSERT_NE(ip, nullptr);
  EXPECT_EQ(ip->data, hex_literal("0001c0000207"));
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
  PeerSession s(*service, "192.0.2.7");
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
  PeerSession s(*service, "192.0.2.7");
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
  PeerSession s(*service, "192.0.2.7");
  exchange(s, cer());
  const std::uint64_t pruk_id = 0x0102030405060708ULL;
  auto a =
      exchange(s, gpr({d::make_u64(d::avp::kNafSaIdentifier, pruk_id, d::kVendor3gpp),
                       d::make_u32(d::avp::kRequestedKeyLifetime, d::unix_to_ntp(1800000000 + 3600), d::kVendor3gpp)}));
  ASSERT_EQ(result_code(a), d::rc::kSuccess);
  Bytes gpi = d::find(a.avps, d::avp::kGbaPushInfo, d::kVendor3gpp)->data;
  Bytes key = d::find(a.avps, d::avp::kMeKeyMaterial, d::kVendor3gpp)->data;
  EXPECT_EQ(*d::as_u64(*d::find(a.avps, d::avp::kNafSaIdentifier, d::kVendor3gpp)), pruk_id);
  EXPECT_EQ(d::ntp_to_unix(*d::as_u32(*d::find(a.avps, d::avp::kKeyExpiryTime, d::kVendor3gpp))), 1800000000 + 3600);
  auto usim = *crypto::Usim::create(kK, kOpc);
  auto out = gba::process_gpi(usim, kImpi, naf_id(), gpi);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  ASSERT_TRUE(out->accepted.has_value());
  EXPECT_EQ(out->accepted->pruk_id.value, pruk_id);
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
  PeerSession s(*service, "192.0.2.7");
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
                s, gpr({d::make_u32(d::avp::kRequestedKeyLifetime, d::unix_to_ntp(1700000000), d::kVendor3gpp)}))),
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
  PeerSession s(*service, "192.0.2.7");
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
  d::ClientConfig cc;
  cc.port = (*server)->port();
  auto client = d::HssClient::connect(cc);
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
  EXPECT_EQ(o2.accepted->pruk_id, ids::PrukId{0x2222u});
  EXPECT_EQ(o2.accepted->pruk.reveal_hex(), g2->pruk.reveal_hex());
  // Replaying the old GPI fails at the USIM (SQN), a tampered AUTS is refused by the HSS.
  auto replay = *gba::process_gpi(usim, kImpi, naf_id(), g2->gpi);
  EXPECT_TRUE(replay.sync_failure.has_value());
  Bytes bad_auts(replay.sync_failure->auts.begin(), replay.sync_failure->auts.end());
  bad_auts[10] ^= 0x80;
  auto rej = c.resync(kImsi, replay.sync_failure->rand, bad_auts);
  ASSERT_FALSE(rej.ok());
  EXPECT_EQ(rej.error().code, Errc::kAuthFailed);

  auto denied = c.get_gpi(kImsi, kImpi, crypto::as_bytes("other.naf\x01\x00\x00\x01\x0a"), 0, 600);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, Errc::kDenied);

  EXPECT_TRUE(c.disconnect().ok());
}

TEST_F(HssServiceTest, CerWithoutItsRequiredAvpsIs5005NamingTheMissingAvp) {
  // RFC 6733 5.3.1: Host-IP-Address, Vendor-Id and Product-Name are required; Failed-AVP carries the missing
  // AVP's code with a zero-filled payload of its minimum size (RFC 6733 7.5).
  struct Case {
    std::uint32_t drop;
    std::size_t min_payload;
  } cases[] = {{d::avp::kHostIpAddress, 6}, {d::avp::kVendorId, 4}, {d::avp::kProductName, 0}};
  for (const auto& c : cases) {
    PeerSession s(*service, "192.0.2.7");
    d::Message m = cer();
    std::erase_if(m.avps, [&](const d::Avp& a) { return a.code == c.drop; });
    bool closed = false;
    auto a = exchange(s, m, &closed);
    EXPECT_EQ(result_code(a), d::rc::kMissingAvp) << c.drop;
    const d::Avp* f = failed_avp(a);
    ASSERT_NE(f, nullptr) << c.drop;
    EXPECT_EQ(f->code, c.drop);
    EXPECT_EQ(f->data, Bytes(c.min_payload, 0));
    EXPECT_TRUE(closed);
    EXPECT_FALSE(s.open());
  }
}

TEST_F(HssServiceTest, UnknownMandatoryAvpIs5001WithFailedAvpInCerAndMar) {
  const d::Avp unknown = d::make_u32(65000, 7);  // M bit set
  {
    PeerSession s(*service, "192.0.2.7");
    bool closed = false;
    auto a = exchange(s, cer({unknown}), &closed);
    EXPECT_EQ(result_code(a), d::rc::kAvpUnsupported);
    ASSERT_NE(failed_avp(a), nullptr);
    EXPECT_EQ(*failed_avp(a), unknown);
    EXPECT_TRUE(closed);
  }
  PeerSession s(*service, "192.0.2.7");
  exchange(s, cer());
  auto a = exchange(s, request(d::cmd::kMultimediaAuth, d::app::kZh, {d::make_str(d::avp::kUserName, kImsi), unknown}));
  EXPECT_EQ(result_code(a), d::rc::kAvpUnsupported);
  ASSERT_NE(failed_avp(a), nullptr);
  EXPECT_EQ(*failed_avp(a), unknown);
  EXPECT_EQ(d::find(a.avps, d::avp::kSipAuthDataItem, d::kVendor3gpp), nullptr);
  EXPECT_EQ(store->get(kImsi)->sqn, 0u);  // no vector was made
  // Without the M bit an unknown AVP is ignored (RFC 6733 4.1).
  auto b = exchange(s, request(d::cmd::kMultimediaAuth, d::app::kZh,
                               {d::make_str(d::avp::kUserName, kImsi), d::make_u32(65000, 7, 0, false)}));
  EXPECT_EQ(result_code(b), d::rc::kSuccess);
}

TEST_F(HssServiceTest, DuplicateOriginRealmIs5009) {
  PeerSession s(*service, "192.0.2.7");
  const d::Avp second = d::make_str(d::avp::kOriginRealm, "other.lab");
  bool closed = false;
  auto a = exchange(s, cer({second}), &closed);
  EXPECT_EQ(result_code(a), d::rc::kAvpOccursTooManyTimes);
  ASSERT_NE(failed_avp(a), nullptr);
  EXPECT_EQ(*failed_avp(a), second);
  EXPECT_TRUE(closed);
}

TEST_F(HssServiceTest, InbandSecurityTlsAloneIs5017) {
  PeerSession s(*service, "192.0.2.7");
  bool closed = false;
  auto a = exchange(s, cer({d::make_u32(d::avp::kInbandSecurityId, d::kInbandSecurityTls)}), &closed);
  EXPECT_EQ(result_code(a), d::rc::kNoCommonSecurity);
  EXPECT_NE(failed_avp(a), nullptr);
  EXPECT_TRUE(closed);
  PeerSession both(*service, "192.0.2.7");
  auto b = exchange(both, cer({d::make_u32(d::avp::kInbandSecurityId, d::kInbandSecurityTls),
                               d::make_u32(d::avp::kInbandSecurityId, d::kNoInbandSecurity)}));
  EXPECT_EQ(result_code(b), d::rc::kSuccess);
}

TEST_F(HssServiceTest, ReservedHeaderBitsAreIgnored) {
  PeerSession s(*service, "192.0.2.7");
  exchange(s, cer());
  Bytes raw = *d::encode(request(d::cmd::kDeviceWatchdog, 0, {}));
  raw[4] |= 0x0f;  // RFC 6733 3: reserved bits "MUST be set to zero and ignored by the receiver"
  auto out = s.on_bytes(raw);
  auto a = d::decode(out.to_send);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(result_code(*a), d::rc::kSuccess);
  EXPECT_EQ(a->flags & d::kHeaderReservedMask, 0);
}

TEST_F(HssServiceTest, ErrorAnswersKeepSessionIdAndNameTheFailedAvp) {
  PeerSession s(*service, "192.0.2.7");
  exchange(s, cer());
  d::Message g = gpr();
  const d::Avp sid = *d::find(g.avps, d::avp::kSessionId);
  // 5014: the first AVP after Session-Id claims more octets than the message has.
  Bytes raw = *d::encode(g);
  const std::size_t second = d::kHeaderSize + d::avp_encoded_size(sid);
  raw[second + 5] = 0xff;
  auto out = s.on_bytes(raw);
  auto a = d::decode(out.to_send);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(result_code(*a), d::rc::kInvalidAvpLength);
  ASSERT_NE(d::find(a->avps, d::avp::kSessionId), nullptr);
  EXPECT_EQ(*d::find(a->avps, d::avp::kSessionId), sid);
  ASSERT_NE(failed_avp(*a), nullptr);
  EXPECT_EQ(failed_avp(*a)->code, g.avps[1].code);
  // 3008: the E bit on a request; the answer keeps the Session-Id.
  Bytes ebit = *d::encode(g);
  ebit[4] |= d::kFlagError;
  auto e = d::decode(s.on_bytes(ebit).to_send);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(result_code(*e), d::rc::kInvalidHdrBits);
  EXPECT_TRUE(e->is_error());
  EXPECT_NE(d::find(e->avps, d::avp::kSessionId), nullptr);
  // 3009: a reserved AVP flag bit, with the AVP in Failed-AVP.
  Bytes bits = *d::encode(g);
  bits[second + 4] |= 0x01;
  auto b = d::decode(s.on_bytes(bits).to_send);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(result_code(*b), d::rc::kInvalidAvpBits);
  ASSERT_NE(failed_avp(*b), nullptr);
  EXPECT_EQ(failed_avp(*b)->code, g.avps[1].code);
  // 5005 for a missing Session-Id names it in Failed-AVP.
  d::Message nosid = gpr();
  nosid.avps.erase(nosid.avps.begin());
  auto m = exchange(s, nosid);
  EXPECT_EQ(result_code(m), d::rc::kMissingAvp);
  ASSERT_NE(failed_avp(m), nullptr);
  EXPECT_EQ(failed_avp(m)->code, d::avp::kSessionId);
}

TEST_F(HssServiceTest, MaaErrorAnswersCarryTheApplicationAndAuthSessionState) {
  PeerSession s(*service, "192.0.2.7");
  exchange(s, cer());
  auto a = exchange(
      s, request(d::cmd::kMultimediaAuth, d::app::kZh,
                 {d::make_str(d::avp::kUserName, kImsi), d::make_u32(d::avp::kSipNumberAuthItems, 9, d::kVendor3gpp)}));
  EXPECT_EQ(result_code(a), d::rc::kInvalidAvpValue);
  const d::Avp* vsai = d::find(a.avps, d::avp::kVendorSpecificApplicationId);
  ASSERT_NE(vsai, nullptr);
  auto inner = *d::as_grouped(*vsai);
  EXPECT_EQ(*d::as_u32(*d::find(inner, d::avp::kAuthApplicationId)), d::app::kZh);
  ASSERT_NE(d::find(a.avps, d::avp::kAuthSessionState), nullptr);
  EXPECT_EQ(*d::as_u32(*d::find(a.avps, d::avp::kAuthSessionState)), d::kNoStateMaintained);
}

TEST_F(HssServiceTest, DuplicateGprIsAnsweredFromTheCacheWithOneKey) {
  PeerSession s(*service, "192.0.2.7");
  exchange(s, cer());
  d::Message g = gpr({d::make_u64(d::avp::kNafSaIdentifier, 0x77, d::kVendor3gpp)});
  auto first = exchange(s, g);
  ASSERT_EQ(result_code(first), d::rc::kSuccess);
  const auto sqn_after_first = store->get(kImsi)->sqn;
  // The retransmission: T flag, same End-to-End Identifier, new Hop-by-Hop Identifier (RFC 6733 5.5.4) - on
  // another connection, as after a failover.
  PeerSession other(*service, "192.0.2.7");
  exchange(other, cer());
  g.flags |= d::kFlagRetransmit;
  g.hop_by_hop = 0xabcdef;
  auto again = exchange(other, g);
  EXPECT_EQ(again.hop_by_hop, 0xabcdefu);
  EXPECT_EQ(again.end_to_end, first.end_to_end);
  EXPECT_EQ(again.avps, first.avps);
  EXPECT_EQ(store->get(kImsi)->sqn, sqn_after_first);
  // Another End-to-End Identifier is a new request: a new vector.
  g.end_to_end += 1;
  auto fresh = exchange(other, g);
  ASSERT_EQ(result_code(fresh), d::rc::kSuccess);
  EXPECT_NE(d::find(fresh.avps, d::avp::kMeKeyMaterial, d::kVendor3gpp)->data,
            d::find(first.avps, d::avp::kMeKeyMaterial, d::kVendor3gpp)->data);
  EXPECT_NE(store->get(kImsi)->sqn, sqn_after_first);
}

TEST_F(HssServiceTest, SessionSendsDwrAndDprOnlyWhenOpenAndClosesOnTheDpa) {
  PeerSession s(*service, "192.0.2.7");
  EXPECT_TRUE(s.make_dwr().empty());
  EXPECT_TRUE(s.make_dpr(d::kDisconnectRebooting).empty());
  exchange(s, cer());
  auto dwr = d::decode(s.make_dwr());
  ASSERT_TRUE(dwr.ok());
  EXPECT_TRUE(dwr->is_request());
  EXPECT_EQ(dwr->command_code, d::cmd::kDeviceWatchdog);
  auto dpr = d::decode(s.make_dpr(d::kDisconnectRebooting));
  ASSERT_TRUE(dpr.ok());
  EXPECT_EQ(*d::as_u32(*d::find(dpr->avps, d::avp::kDisconnectCause)), d::kDisconnectRebooting);
  d::Message dpa;
  dpa.command_code = d::cmd::kDisconnectPeer;
  dpa.hop_by_hop = dpr->hop_by_hop;
  dpa.end_to_end = dpr->end_to_end;
  dpa.avps = {d::make_u32(d::avp::kResultCode, d::rc::kSuccess)};
  EXPECT_TRUE(s.on_bytes(*d::encode(dpa)).close);
}

TEST_F(HssServiceTest, StoppingTheServerDisconnectsPeersWithDpr) {
  HssService live(cfg, *store);
  std::vector<std::string> lines;
  std::mutex mu;
  auto server = DiameterServer::create(live, "127.0.0.1", 0, [&](const std::string& l) {
    std::lock_guard lock(mu);
    lines.push_back(l);
  });
  ASSERT_TRUE(server.ok()) << server.error().to_string();
  std::thread th([&] { (*server)->run(); });
  d::ClientConfig cc;
  cc.port = (*server)->port();
  auto client = d::HssClient::connect(cc);
  ASSERT_TRUE(client.ok()) << client.error().to_string();
  (*server)->stop();
  th.join();  // returns once the peer answered the DPR
  std::lock_guard lock(mu);
  auto has = [&](const std::string& needle) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(needle) != l.npos; });
  };
  EXPECT_TRUE(has("sending DPR to pkmf.prose.lab"));
  EXPECT_TRUE(has("DPA from pkmf.prose.lab: closing"));
  EXPECT_FALSE((*client)->alive());
}

}  // namespace
}  // namespace prose::hss
