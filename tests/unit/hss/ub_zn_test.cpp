// The BSF: Ub (HTTP Digest AKA) against the UE-side client of prose/gba with an emulated USIM, and Zn BIR/BIA,
// all sans I/O on a fake clock: full bootstrap, wrong RES, resynchronisation with AUTS, expired session, unknown
// B-TID, and the BIA key equal to the UE's own Ks_(ext)_NAF.
#include <gtest/gtest.h>

#include <filesystem>

#include "prose/diameter_client/client.h"
#include "prose/gba/base64.h"
#include "prose/gba/bootstrap.h"
#include "prose/gba/digest_aka.h"
#include "prose/gba/ua_ids.h"
#include "prose/gba/ub_client.h"
#include "prose/hss/service.h"
#include "prose/hss/ub_service.h"
#include "prose/keys/prose_keys.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::hss {
namespace {

namespace d = prose::diameter;

const Bytes kK = hex_literal("465b5ce8b199b49faa5f0a2ee238a6bc");
const Bytes kOpc = hex_literal("cd63cb71954a9f4e48a5994e37a02baf");
const std::string kImsi = "001010123456789";
const std::string kImpi = "001010123456789@ims.mnc001.mcc001.3gppnetwork.org";
constexpr std::int64_t kT0 = 1800000000;

struct UbZnTest : ::testing::Test {
  void SetUp() override {
    auto dir = std::filesystem::temp_directory_path() / ("prose_hss_ub_" + std::to_string(random_u32()));
    std::filesystem::create_directories(dir);
    cfg.database_path = (dir / "hss.db").string();
    store = *SubscriberStore::open(cfg.database_path);
    ASSERT_TRUE(store->add_subscriber(kImsi, kK, kOpc, 0, hex_literal("8000")).ok());
    ub = std::make_unique<UbService>(UbConfig{"bsf.prose.lab", 3600, 60, 100}, *store, sessions);
    service = std::make_unique<HssService>(cfg, *store, [this] { return now; });
    service->attach_bootstrap_sessions(&sessions);
  }
  net::HttpResponse get(const std::string& authorization) {
    net::HttpRequest r;
    r.method = "GET";
    r.target = "/";
    if (!authorization.empty()) r.headers.emplace_back("Authorization", authorization);
    std::string log;
    return ub->handle(r, now, log);
  }
  static std::string challenge_of(const net::HttpResponse& r) { return std::string(r.header("WWW-Authenticate")); }

  // Runs Ub to the end with `usim`; returns the 200 response and the UE's answer.
  std::pair<net::HttpResponse, gba::UbAnswer> bootstrap(crypto::Usim& usim) {
    auto first = get(gba::initial_authorization(kImpi, "bsf.prose.lab"));
    EXPECT_EQ(first.status, 401);
    auto ans = gba::answer_challenge(usim, kImpi, challenge_of(first));
    EXPECT_TRUE(ans.ok()) << ans.error().to_string();
    auto done = get(ans->authorization);
    return {std::move(done), std::move(ans).value()};
  }
  d::Message bir(const std::string& btid, ByteView naf_id) {
    d::ClientConfig cc;
    d::Message m = d::HssClient::bir_request(cc, btid, naf_id);
    m.hop_by_hop = 1;
    m.end_to_end = 2;
    return m;
  }

  HssConfig cfg;
  std::unique_ptr<SubscriberStore> store;
  gba::BootstrapSessions sessions;
  std::unique_ptr<UbService> ub;
  std::unique_ptr<HssService> service;
  std::int64_t now = kT0;
};

TEST_F(UbZnTest, FullBootstrapThenZnGivesTheUesKey) {
  auto usim = *crypto::Usim::create(kK, kOpc);
  auto [ok, ans] = bootstrap(usim);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.content_type, gba::kBsfContentType);
  ASSERT_TRUE(gba::check_rspauth(ans, ok.header("Authentication-Info"), ok.body).ok());
  auto info = gba::decode_bootstrapping_info(ok.body);
  ASSERT_TRUE(info.ok()) << info.error().to_string();
  EXPECT_EQ(info->btid, *gba::make_btid(*ans.rand, "bsf.prose.lab"));
  EXPECT_EQ(info->lifetime, kT0 + 3600);

  // Zn: encode, decode, answer; the key equals the UE's.
  const Bytes naf_id = keys::make_naf_id("pkmf.prose.lab", gba::kUaTls13);
  auto wire = d::encode(bir(info->btid, naf_id));
  ASSERT_TRUE(wire.ok());
  auto req = d::decode(*wire);
  ASSERT_TRUE(req.ok());
  std::string log;
  d::Message bia = service->handle_request(*req, log);
  EXPECT_EQ(bia.command_code, d::cmd::kBootstrappingInfo);
  EXPECT_EQ(bia.application_id, d::app::kZn);
  auto key = d::HssClient::bia_key(bia);
  ASSERT_TRUE(key.ok()) << key.error().to_string() << " " << log;
  EXPECT_EQ(key->impi, kImpi);
  EXPECT_EQ(key->expires, kT0 + 3600);
  EXPECT_EQ(key->created, kT0);
  gba::BootstrapSession ue{info->btid, kImpi, *ans.rand, ans.ks->clone(), kT0, info->lifetime};
  auto ue_key = ue.ks_naf(naf_id);
  ASSERT_TRUE(ue_key.ok());
  EXPECT_TRUE(key->ks_naf == *ue_key);
  EXPECT_EQ(key->ks_naf.size(), 32u);
}

TEST_F(UbZnTest, WrongResIsRefusedAndTheNonceIsSpent) {
  auto first = get(gba::initial_authorization(kImpi, "bsf.prose.lab"));
  ASSERT_EQ(first.status, 401);
  auto usim = *crypto::Usim::create(kK, kOpc);
  auto ans = gba::answer_challenge(usim, kImpi, challenge_of(first));
  ASSERT_TRUE(ans.ok());
  gba::DigestCredentials c = ans->credentials;
  c.response = gba::digest_response(c, hex_literal("0000000000000000"), "GET", "");
  auto r = get(gba::format_credentials(c));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(sessions.size(now), 0u);
  // The right answer to the same nonce now gets a fresh (stale) challenge, not a B-TID.
  auto again = get(ans->authorization);
  EXPECT_EQ(again.status, 401);
  EXPECT_NE(challenge_of(again).find("stale=TRUE"), std::string::npos);
}

TEST_F(UbZnTest, ResynchronisationWithAuts) {
  // A USIM that has seen SQNs far ahead of the HSS: the first vector is stale for it.
  auto usim = *crypto::Usim::create_with_sqn_ms(kK, kOpc, 5000 << 5);
  auto first = get(gba::initial_authorization(kImpi, "bsf.prose.lab"));
  auto sync = gba::answer_challenge(usim, kImpi, challenge_of(first));
  ASSERT_TRUE(sync.ok()) << sync.error().to_string();
  ASSERT_TRUE(sync->credentials.auts.has_value());
  EXPECT_FALSE(sync->res.has_value());
  auto second = get(sync->authorization);
  ASSERT_EQ(second.status, 401) << second.body;  // resynchronised, new challenge
  auto ans = gba::answer_challenge(usim, kImpi, challenge_of(second));
  ASSERT_TRUE(ans.ok()) << ans.error().to_string();
  ASSERT_TRUE(ans->res.has_value());
  EXPECT_EQ(get(ans->authorization).status, 200);
}

TEST_F(UbZnTest, ForgedAutsIsRefused) {
  auto first = get(gba::initial_authorization(kImpi, "bsf.prose.lab"));
  auto usim = *crypto::Usim::create_with_sqn_ms(kK, kOpc, 5000 << 5);
  auto sync = gba::answer_challenge(usim, kImpi, challenge_of(first));
  ASSERT_TRUE(sync.ok());
  gba::DigestCredentials c = sync->credentials;
  Bytes auts = *gba::base64_decode(*c.auts);
  auts.back() ^= 1;
  c.auts = gba::base64_encode(auts);
  EXPECT_EQ(get(gba::format_credentials(c)).status, 403);
}

TEST_F(UbZnTest, ExpiredSessionAndUnknownBtidGet5403) {
  auto usim = *crypto::Usim::create(kK, kOpc);
  auto [ok, ans] = bootstrap(usim);
  ASSERT_EQ(ok.status, 200);
  auto info = *gba::decode_bootstrapping_info(ok.body);
  const Bytes naf_id = keys::make_naf_id("pkmf.prose.lab", gba::ua_id_tls12(0x008C));
  std::string log;
  now = kT0 + 3599;
  EXPECT_TRUE(d::HssClient::bia_key(service->handle_request(bir(info.btid, naf_id), log)).ok());
  now = kT0 + 3600;  // the lifetime has ended
  for (const std::string& btid : {info.btid, std::string("AAAAAAAAAAAAAAAAAAAAAA==@bsf.prose.lab")}) {
    d::Message bia = service->handle_request(bir(btid, naf_id), log);
    const d::Avp* er = d::find(bia.avps, d::avp::kExperimentalResult);
    ASSERT_NE(er, nullptr) << log;
    auto inner = *d::as_grouped(*er);
    EXPECT_EQ(*d::as_u32(*d::find(inner, d::avp::kExperimentalResultCode)), d::rc::kErrorTransactionIdentifierInvalid);
    EXPECT_EQ(d::HssClient::bia_key(bia).error().code, Errc::kNotFound);
  }
}

TEST_F(UbZnTest, BirGrammarAndNafIdChecks) {
  std::string log;
  d::Message m = bir("x@bsf", Bytes{0x01, 0x00, 0x00, 0x00, 0x07});  // no FQDN
  EXPECT_EQ(*d::as_u32(*d::find(service->handle_request(m, log).avps, d::avp::kResultCode)), d::rc::kInvalidAvpValue);
  m = bir("x@bsf", keys::make_naf_id("n", gba::kUaTls13));
  std::erase_if(m.avps, [](const d::Avp& a) { return a.code == d::avp::kTransactionIdentifier; });
  EXPECT_EQ(*d::as_u32(*d::find(service->handle_request(m, log).avps, d::avp::kResultCode)), d::rc::kMissingAvp);
}

TEST_F(UbZnTest, BadUbRequests) {
  EXPECT_EQ(get("").status, 400);
  EXPECT_EQ(get("Basic abc").status, 400);
  EXPECT_EQ(get(gba::initial_authorization("not-an-impi", "bsf.prose.lab")).status, 400);
  EXPECT_EQ(
      get(gba::initial_authorization("001019999999999@ims.mnc001.mcc001.3gppnetwork.org", "bsf.prose.lab")).status,
      403);
  net::HttpRequest post;
  post.method = "POST";
  std::string log;
  EXPECT_EQ(ub->handle(post, now, log).status, 405);
}

}  // namespace
}  // namespace prose::hss
