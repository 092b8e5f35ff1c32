// Discovery Key Requests (PSDKs per Relay Service Code) against the real PKMF service and SQLite store.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "pkmf_fixture.h"
#include "prose/pc8/codec.h"
#include "prose/pkmf/config.h"

namespace prose::pkmf::testing {
namespace {

using pc8::ErrorCode;

constexpr std::uint32_t kOtherRsc = 0x000777;  // served by relay r2 only (see PkmfWorld)
constexpr std::int64_t kT0 = 1'800'000'000;

class DiscoveryKeysTest : public PkmfWorld {
 protected:
  static pc8::DiscoveryKeyRequest request(std::vector<std::uint32_t> rscs, std::uint32_t tid = 21) {
    pc8::DiscoveryKeyRequest r;
    r.transaction_id.value = tid;
    for (auto v : rscs) r.relay_service_codes.push_back(ids::RelayServiceCode{v});
    return r;
  }
  pc8::DiscoveryKeyResponse ask(const net::PeerIdentity& who, std::vector<std::uint32_t> rscs, std::int64_t now) {
    auto resp = service_->handle(who, kPeerIp, request(std::move(rscs)), now);
    return std::move(std::get<pc8::DiscoveryKeyResponse>(resp));
  }
  static const std::vector<pc8::DiscoveryKeyResult>& results(const pc8::DiscoveryKeyResponse& r) {
    static const std::vector<pc8::DiscoveryKeyResult> kNone;
    auto* v = std::get_if<std::vector<pc8::DiscoveryKeyResult>>(&r.outcome);
    EXPECT_NE(v, nullptr) << "whole-request error " << (v ? 0 : pc8::error_code_value(std::get<ErrorCode>(r.outcome)));
    return v ? *v : kNone;
  }
  // The grant for the only RSC asked.
  pc8::DiscoveryKeyGrant grant(const net::PeerIdentity& who, std::uint32_t rsc, std::int64_t now) {
    auto resp = ask(who, {rsc}, now);
    const auto& res = results(resp);
    if (res.size() != 1 || !std::holds_alternative<pc8::DiscoveryKeyGrant>(res[0].outcome)) {
      ADD_FAILURE() << "no grant for RSC " << rsc;
      return {};
    }
    return std::get<pc8::DiscoveryKeyGrant>(res[0].outcome).clone();
  }
  static std::int64_t unix_of(const pc8::UtcTime& t) { return t.time_since_epoch().count(); }
};

TEST_F(DiscoveryKeysTest, RelayAndRemoteUesAuthorisedForAnRscGetTheSamePsdk) {
  auto from_relay = grant(relay("r1"), kRsc, kT0);
  auto from_ue = grant(ue(kUeImsi), kRsc, kT0 + 5);
  auto from_ue2 = grant(ue(kUe2Imsi), kRsc, kT0 + 9);
  ASSERT_EQ(from_relay.psdk.size(), pc8::kPsdkSize);
  ASSERT_TRUE(from_relay.psdk_id.has_value());
  EXPECT_NE(from_relay.psdk_id->value, 0u);
  EXPECT_TRUE(from_relay.psdk == from_ue.psdk) << "relay and Remote UE must verify each other's discovery messages";
  EXPECT_TRUE(from_relay.psdk == from_ue2.psdk);
  EXPECT_EQ(from_relay.psdk_id, from_ue.psdk_id);
  EXPECT_EQ(from_relay.expiry, from_ue.expiry);
  EXPECT_EQ(unix_of(from_relay.expiry), kT0 + DiscoveryConfig{}.psdk_lifetime_s);

  // Another RSC has its own PSDK.
  auto other = grant(relay("r2"), kOtherRsc, kT0);
  EXPECT_FALSE(other.psdk == from_relay.psdk);
  EXPECT_NE(other.psdk_id, from_relay.psdk_id);

  // Issues are audited per RSC, by requester, with the PSDK ID and never a key.
  auto lease = stores_->acquire();
  auto log = (*lease)->audit_log(store::psdk_audit_subject(kRsc), 100);
  ASSERT_TRUE(log.ok());
  int creates = 0, issues = 0;
  std::set<std::string> actors;
  for (const auto& e : *log) {
    EXPECT_EQ(e.key_kind, "PSDK");
    EXPECT_EQ(e.key_id, from_relay.psdk_id->hex());
    creates += e.action == "create";
    if (e.action == "issue") {
      ++issues;
      actors.insert(e.actor);
    }
  }
  EXPECT_EQ(creates, 1);
  EXPECT_EQ(issues, 3);
  EXPECT_EQ(actors.size(), 3u);
  std::string m = metrics_.render();
  EXPECT_NE(m.find("prose_pkmf_psdks_issued_total 4"), std::string::npos) << m;
  EXPECT_NE(m.find("prose_pkmf_psdks_created_total 2"), std::string::npos);
  EXPECT_NE(m.find("prose_pkmf_requests_total{exchange=\"discovery\"} 4"), std::string::npos);
}

TEST_F(DiscoveryKeysTest, AnRscTheRequesterIsNotAuthorisedForGetsItsOwnErrorWhileTheOthersSucceed) {
  // r1 serves kRsc only; the request keeps the order it was asked in.
  auto resp = ask(relay("r1"), {kOtherRsc, kRsc, 0x000001}, kT0);
  EXPECT_EQ(resp.transaction_id.value, 21u);
  const auto& res = results(resp);
  ASSERT_EQ(res.size(), 3u);
  EXPECT_EQ(res[0].relay_service_code.value, kOtherRsc);
  EXPECT_EQ(std::get<ErrorCode>(res[0].outcome), ErrorCode::kDiscoveryNotAuthorised);
  EXPECT_EQ(res[1].relay_service_code.value, kRsc);
  ASSERT_TRUE(std::holds_alternative<pc8::DiscoveryKeyGrant>(res[1].outcome));
  EXPECT_EQ(std::get<ErrorCode>(res[2].outcome), ErrorCode::kDiscoveryNotAuthorised);

  // The same for a Remote UE (it may use kRsc only).
  auto ue_resp = ask(ue(kUeImsi), {kRsc, kOtherRsc}, kT0);
  const auto& ue_res = results(ue_resp);
  ASSERT_EQ(ue_res.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<pc8::DiscoveryKeyGrant>(ue_res[0].outcome));
  EXPECT_TRUE(std::get<pc8::DiscoveryKeyGrant>(ue_res[0].outcome).psdk ==
              std::get<pc8::DiscoveryKeyGrant>(res[1].outcome).psdk);
  EXPECT_EQ(std::get<ErrorCode>(ue_res[1].outcome), ErrorCode::kDiscoveryNotAuthorised);

  // Nobody was given, and nothing created, a PSDK for a code nobody asked with authorisation.
  auto lease = stores_->acquire();
  auto all = (*lease)->list_psdks();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].rsc, kRsc);
  EXPECT_TRUE((*all)[0].psdk.empty()) << "listing never decrypts key bytes";
  EXPECT_NE(metrics_.render().find("prose_pkmf_errors_total{code=\"18\",name=\"discovery-not-authorised\"} 3"),
            std::string::npos);
}

TEST_F(DiscoveryKeysTest, UnknownRequesterAndMalformedRequestsAreWholeRequestErrors) {
  auto whole = [&](const net::PeerIdentity& who, pc8::DiscoveryKeyRequest r) {
    auto resp = std::get<pc8::DiscoveryKeyResponse>(service_->handle(who, kPeerIp, r, kT0));
    EXPECT_EQ(resp.transaction_id, r.transaction_id);
    EXPECT_TRUE(std::holds_alternative<ErrorCode>(resp.outcome));
    return std::holds_alternative<ErrorCode>(resp.outcome) ? std::get<ErrorCode>(resp.outcome)
                                                           : ErrorCode::kUnspecified;
  };
  EXPECT_EQ(whole(ue("001019999999999"), request({kRsc})), ErrorCode::kUeNotAuthorised);
  EXPECT_EQ(whole(relay("r9"), request({kRsc})), ErrorCode::kRelayNotAuthorised);
  EXPECT_EQ(whole(*net::PeerIdentity::psk("btid@bsf"), request({kRsc})), ErrorCode::kUeNotAuthorised);
  EXPECT_EQ(whole(relay("r1"), request({})), ErrorCode::kMalformedRequest);
  EXPECT_EQ(whole(relay("r1"), request({kRsc, kRsc})), ErrorCode::kMalformedRequest);
  EXPECT_EQ(whole(relay("r1"), request({0x1000000})), ErrorCode::kMalformedRequest);
  std::vector<std::uint32_t> many;
  for (std::uint32_t i = 1; i <= pc8::kMaxRelayServiceCodes + 1; ++i) many.push_back(i);
  EXPECT_EQ(whole(relay("r1"), request(many)), ErrorCode::kMalformedRequest);
  // A refused request creates no PSDK.
  auto lease = stores_->acquire();
  EXPECT_TRUE((*lease)->list_psdks()->empty());
}

TEST_F(DiscoveryKeysTest, ExpiryAndRenewalMakeANewPsdkAndKeepThePreviousOneUntilItExpires) {
  const DiscoveryConfig d;
  auto first = grant(relay("r1"), kRsc, kT0);
  const std::int64_t renew_at = kT0 + d.psdk_lifetime_s - d.psdk_renew_before_s;
  auto still = grant(ue(kUeImsi), kRsc, renew_at - 1);
  EXPECT_TRUE(still.psdk == first.psdk) << "no rotation before the renewal window";
  EXPECT_EQ(still.psdk_id, first.psdk_id);

  auto second = grant(ue(kUeImsi), kRsc, renew_at);
  EXPECT_FALSE(second.psdk == first.psdk);
  EXPECT_NE(second.psdk_id, first.psdk_id);
  EXPECT_GT(second.expiry, first.expiry);
  EXPECT_EQ(unix_of(second.expiry), renew_at + d.psdk_lifetime_s);
  // The relay asking a moment later gets the new one too: only the current PSDK is handed out.
  auto relay_again = grant(relay("r1"), kRsc, renew_at + 1);
  EXPECT_TRUE(relay_again.psdk == second.psdk);

  auto lease = stores_->acquire();
  auto stored = (*lease)->list_psdks();
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 2u) << "the previous PSDK stays until it expires";
  EXPECT_EQ((*stored)[0].psdk_id, first.psdk_id->value);
  EXPECT_EQ((*stored)[1].generation, 2u);

  // Long after both expired: a third PSDK, and the expired older ones are gone.
  const std::int64_t later = unix_of(second.expiry) + 10;
  auto third = grant(relay("r1"), kRsc, later);
  EXPECT_NE(third.psdk_id, second.psdk_id);
  EXPECT_EQ(unix_of(third.expiry), later + d.psdk_lifetime_s);
  stored = (*lease)->list_psdks();
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].generation, 3u);
  auto log = (*lease)->audit_log(store::psdk_audit_subject(kRsc), 100);
  int deletes = 0;
  for (const auto& e : *log) deletes += e.action == "delete-expired";
  EXPECT_EQ(deletes, 2);
}

TEST_F(DiscoveryKeysTest, RotationFollowsTheConfiguredLifetime) {
  ServiceConfig sc;
  sc.discovery.psdk_lifetime_s = 600;
  sc.discovery.psdk_renew_before_s = 0;
  PkmfService short_lived(sc, *stores_, metrics_, nullptr, nullptr);
  auto get = [&](std::int64_t now) {
    auto resp = std::get<pc8::DiscoveryKeyResponse>(short_lived.handle(relay("r1"), kPeerIp, request({kRsc}), now));
    return std::get<pc8::DiscoveryKeyGrant>(results(resp).at(0).outcome).clone();
  };
  auto a = get(kT0);
  EXPECT_EQ(unix_of(a.expiry), kT0 + 600);
  EXPECT_EQ(get(kT0 + 599).psdk_id, a.psdk_id);
  auto b = get(kT0 + 600);
  EXPECT_NE(b.psdk_id, a.psdk_id);
  EXPECT_EQ(unix_of(b.expiry), kT0 + 1200);
}

TEST_F(DiscoveryKeysTest, GrantsCarryTheKeyCombinationMaskAndTheFirstAlgorithmTheRequesterSupports) {
  // Defaults: all three keys, no mask, EEA2 first.
  auto d = grant(relay("r1"), kRsc, kT0);
  EXPECT_EQ(d.key_combination, (pc8::KeyCombination{true, true}));
  EXPECT_FALSE(d.encrypted_bits_mask.has_value());
  EXPECT_EQ(d.confidentiality_algorithm, std::uint8_t{2});

  ServiceConfig sc;
  sc.discovery.keys = pc8::KeyCombination{false, true};
  sc.discovery.encrypted_bits_mask = Bytes{0xff, 0x0f};
  sc.discovery.algorithms = {3, 1};
  PkmfService svc(sc, *stores_, metrics_, nullptr, nullptr);
  auto ask_caps = [&](std::optional<std::uint8_t> caps, std::vector<std::uint32_t> rscs) {
    auto req = request(std::move(rscs));
    req.security_capabilities = caps;
    return std::get<pc8::DiscoveryKeyResponse>(svc.handle(relay("r1"), kPeerIp, req, kT0 + 1));
  };
  struct Case {
    std::optional<std::uint8_t> caps;
    std::optional<std::uint8_t> alg;
  } cases[] = {{std::nullopt, 3}, {0x07, 3}, {0x01, 1}, {0x05, 3}, {0x04, 3}, {0x03, 1}};
  for (const auto& c : cases) {
    auto resp = ask_caps(c.caps, {kRsc});
    const auto& g = std::get<pc8::DiscoveryKeyGrant>(results(resp).at(0).outcome);
    EXPECT_EQ(g.key_combination, (pc8::KeyCombination{false, true}));
    EXPECT_EQ(g.encrypted_bits_mask, (Bytes{0xff, 0x0f}));
    EXPECT_EQ(g.confidentiality_algorithm, c.alg) << int(c.caps.value_or(0xff));
    EXPECT_TRUE(g.psdk == d.psdk) << "the configuration does not change the RSC's PSDK";
    // It encodes (the codec's rules hold for what the PKMF sends).
    EXPECT_TRUE(pc8::Codec::encode(pc8::Message{resp.clone()}).ok());
  }
  // EEA2 only (not configured) or nothing / reserved bits only: no common algorithm for the authorised RSC; the
  // unauthorised one keeps its own error.
  for (std::uint8_t caps : {0x02, 0x00, 0xf8}) {
    auto resp = ask_caps(caps, {kRsc, kOtherRsc});
    const auto& res = results(resp);
    ASSERT_EQ(res.size(), 2u);
    EXPECT_EQ(std::get<ErrorCode>(res[0].outcome), ErrorCode::kNoCommonAlgorithm) << int(caps);
    EXPECT_EQ(std::get<ErrorCode>(res[1].outcome), ErrorCode::kDiscoveryNotAuthorised);
  }

  // Without a DUCK no algorithm is needed or sent, nor the mask.
  ServiceConfig nd;
  nd.discovery.keys = pc8::KeyCombination{true, false};
  nd.discovery.encrypted_bits_mask = Bytes{0xff};
  PkmfService svc2(nd, *stores_, metrics_, nullptr, nullptr);
  auto req = request({kRsc});
  req.security_capabilities = 0x00;
  auto resp = std::get<pc8::DiscoveryKeyResponse>(svc2.handle(ue(kUeImsi), kPeerIp, req, kT0 + 2));
  const auto& g = std::get<pc8::DiscoveryKeyGrant>(results(resp).at(0).outcome);
  EXPECT_EQ(g.key_combination, (pc8::KeyCombination{true, false}));
  EXPECT_FALSE(g.encrypted_bits_mask.has_value());
  EXPECT_FALSE(g.confidentiality_algorithm.has_value());

  // The choice itself.
  DiscoveryConfig dc;
  EXPECT_EQ(choose_discovery_algorithm(dc, std::nullopt), std::uint8_t{2});
  EXPECT_EQ(choose_discovery_algorithm(dc, 0x05), std::uint8_t{1});
  EXPECT_EQ(choose_discovery_algorithm(dc, 0x04), std::uint8_t{3});
  EXPECT_FALSE(choose_discovery_algorithm(dc, 0x00).has_value());
}

TEST_F(DiscoveryKeysTest, ThePsdkSurvivesAPkmfRestart) {
  auto before = grant(relay("r1"), kRsc, kT0);
  mikey_->stop();
  service_.reset();
  stores_.reset();
  // A new PKMF on the same SQLite file.
  stores_ = std::make_unique<store::StorePool>("sqlite:" + (dir_ / "pkmf.db").string(), kek_.clone());
  service_ = std::make_unique<PkmfService>(ServiceConfig{}, *stores_, metrics_, nullptr, nullptr);
  auto after = grant(ue(kUeImsi), kRsc, kT0 + 100);
  EXPECT_TRUE(after.psdk == before.psdk);
  EXPECT_EQ(after.psdk_id, before.psdk_id);
  EXPECT_EQ(after.expiry, before.expiry);
}

TEST_F(DiscoveryKeysTest, TwoPkmfsOnOneStoreHandOutOnePsdkPerRsc) {
  // A second PKMF with its own connections on the same database; both race for the first and the renewed PSDK.
  store::StorePool other_pool("sqlite:" + (dir_ / "pkmf.db").string(), kek_.clone());
  Metrics other_metrics;
  PkmfService other(ServiceConfig{}, other_pool, other_metrics, nullptr, nullptr);
  for (std::int64_t now : {kT0, kT0 + DiscoveryConfig{}.psdk_lifetime_s}) {
    std::vector<pc8::DiscoveryKeyGrant> got(8);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < got.size(); ++i) {
      threads.emplace_back([&, i] {
        PkmfService& svc = i % 2 ? other : *service_;
        auto resp = std::get<pc8::DiscoveryKeyResponse>(
            svc.handle(i % 3 ? ue(kUeImsi) : relay("r1"), kPeerIp, request({kRsc}), now));
        auto* v = std::get_if<std::vector<pc8::DiscoveryKeyResult>>(&resp.outcome);
        if (v && v->size() == 1 && std::holds_alternative<pc8::DiscoveryKeyGrant>((*v)[0].outcome))
          got[i] = std::get<pc8::DiscoveryKeyGrant>((*v)[0].outcome).clone();
      });
    }
    for (auto& t : threads) t.join();
    for (const auto& g : got) {
      ASSERT_EQ(g.psdk.size(), pc8::kPsdkSize);
      EXPECT_TRUE(g.psdk == got[0].psdk);
      EXPECT_EQ(g.psdk_id, got[0].psdk_id);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// [discovery] in the configuration file.

class DiscoveryConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("prose-pkmf-cfg-" + std::to_string(random_u64()));
    ExampleConfigOptions o;
    o.dir = dir_.string();
    o.hss_port.reset();
    auto path = write_example_config(o);
    ASSERT_TRUE(path.ok()) << path.error().to_string();
    path_ = *path;
    std::ifstream f(path_);
    std::stringstream ss;
    ss << f.rdbuf();
    text_ = ss.str();
  }
  void TearDown() override { fs::remove_all(dir_); }
  Result<PkmfConfig> load_with(const std::string& from, const std::string& to) {
    std::string t = text_;
    auto at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) t.replace(at, from.size(), to);
    std::ofstream(path_) << t;
    return load_config(path_);
  }
  fs::path dir_;
  std::string path_, text_;
};

TEST_F(DiscoveryConfigTest, ExampleHasTheDefaultsAndBadValuesNameTheKey) {
  auto ok = load_config(path_);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok->service.discovery.psdk_lifetime_s, 86400);
  EXPECT_EQ(ok->service.discovery.psdk_renew_before_s, 3600);

  auto set = load_with("psdk_lifetime_s = 86400", "psdk_lifetime_s = 7200");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->service.discovery.psdk_lifetime_s, 7200);

  struct Case {
    const char* from;
    const char* to;
    const char* key;
  } cases[] = {
      {"psdk_lifetime_s = 86400", "psdk_lifetime_s = 0", "discovery.psdk_lifetime_s"},
      {"psdk_lifetime_s = 86400", "psdk_lifetime_s = -5", "discovery.psdk_lifetime_s"},
      {"psdk_lifetime_s = 86400", "psdk_lifetime_s = \"1d\"", "discovery.psdk_lifetime_s"},
      {"psdk_renew_before_s = 3600", "psdk_renew_before_s = -1", "discovery.psdk_renew_before_s"},
      {"psdk_renew_before_s = 3600", "psdk_renew_before_s = 50000", "discovery.psdk_renew_before_s"},
  };
  for (const auto& c : cases) {
    auto bad = load_with(c.from, c.to);
    ASSERT_FALSE(bad.ok()) << c.to;
    EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
    EXPECT_NE(bad.error().message.find(c.key), std::string::npos) << bad.error().message;
  }
}

TEST_F(DiscoveryConfigTest, KeysMaskAndAlgorithms) {
  auto ok = load_config(path_);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok->service.discovery.keys, (pc8::KeyCombination{true, true}));
  EXPECT_TRUE(ok->service.discovery.encrypted_bits_mask.empty());
  EXPECT_EQ(ok->service.discovery.algorithms, (std::vector<std::uint8_t>{2, 1, 3}));

  auto keys = load_with("keys = [\"duik\", \"dusk\", \"duck\"]", "keys = [\"duck\", \"duik\"]");
  ASSERT_TRUE(keys.ok()) << keys.error().to_string();
  EXPECT_EQ(keys->service.discovery.keys, (pc8::KeyCombination{false, true}));
  auto duik = load_with("keys = [\"duik\", \"dusk\", \"duck\"]", "keys = [\"duik\"]");
  ASSERT_TRUE(duik.ok()) << duik.error().to_string();
  EXPECT_EQ(duik->service.discovery.keys, (pc8::KeyCombination{false, false}));
  auto mask = load_with("# encrypted_bits_mask = \"fffff0\"", "encrypted_bits_mask = \"FFfff0\"");
  ASSERT_TRUE(mask.ok()) << mask.error().to_string();
  EXPECT_EQ(mask->service.discovery.encrypted_bits_mask, (Bytes{0xff, 0xff, 0xf0}));
  auto algs = load_with("algorithms = [2, 1, 3]", "algorithms = [3]");
  ASSERT_TRUE(algs.ok()) << algs.error().to_string();
  EXPECT_EQ(algs->service.discovery.algorithms, (std::vector<std::uint8_t>{3}));

  const std::string k = "keys = [\"duik\", \"dusk\", \"duck\"]";
  const std::string m = "# encrypted_bits_mask = \"fffff0\"";
  const std::string a = "algorithms = [2, 1, 3]";
  struct Case {
    std::string from, to;
    const char* key;
  } cases[] = {
      {k, "keys = [\"dusk\", \"duck\"]", "discovery.keys: must contain \"duik\""},
      {k, "keys = []", "discovery.keys: must contain \"duik\""},
      {k, "keys = [\"duik\", \"duik\"]", "discovery.keys: \"duik\" listed twice"},
      {k, "keys = [\"duik\", \"eek\"]", "discovery.keys: unknown key"},
      {k, "keys = \"duik\"", "discovery.keys: wrong type"},
      {k, "keys = [1]", "discovery.keys: wrong type"},
      {m, "encrypted_bits_mask = \"\"", "discovery.encrypted_bits_mask"},
      {m, "encrypted_bits_mask = \"fff\"", "discovery.encrypted_bits_mask"},
      {m, "encrypted_bits_mask = \"zz\"", "discovery.encrypted_bits_mask"},
      {m, "encrypted_bits_mask = \"" + std::string(48, 'f') + "\"", "discovery.encrypted_bits_mask"},
      {m, "encrypted_bits_mask = 5", "discovery.encrypted_bits_mask"},
      {a, "algorithms = []", "discovery.algorithms: at least one"},
      {a, "algorithms = [0]", "discovery.algorithms: 0 is not"},
      {a, "algorithms = [4, 2]", "discovery.algorithms: 4 is not"},
      {a, "algorithms = [2, 2]", "discovery.algorithms: 2 listed twice"},
      {a, "algorithms = [\"2\"]", "discovery.algorithms: wrong type"},
      {a, "algorithms = 2", "discovery.algorithms: wrong type"},
  };
  for (const auto& c : cases) {
    auto bad = load_with(c.from, c.to);
    ASSERT_FALSE(bad.ok()) << c.to;
    EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
    EXPECT_NE(bad.error().message.find(c.key), std::string::npos) << c.to << ": " << bad.error().message;
  }
  // validate() on its own (a transport-free caller's configuration).
  DiscoveryConfig dc;
  dc.encrypted_bits_mask = Bytes(24, 0xff);
  EXPECT_TRUE(validate(dc).has_value());
  dc.encrypted_bits_mask = Bytes(23, 0xff);
  EXPECT_FALSE(validate(dc).has_value());
}

}  // namespace
}  // namespace prose::pkmf::testing
