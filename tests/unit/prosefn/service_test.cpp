// Authorisation outcomes on a real SQLite store (the PKMF's), the HTTP binding, and the client helper against a
// real HttpsServer with mutual TLS on loopback.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include <filesystem>

#include "../pc3/test_util.h"
#include "prose/net/pki.h"
#include "prose/net/server.h"
#include "prose/prosefn/client.h"
#include "prose/prosefn/metrics.h"
#include "prose/prosefn/service.h"
#include "prose/util/random.h"

namespace prose::prosefn {
namespace {

namespace fs = std::filesystem;

constexpr const char* kImsi = "001010000000001";
constexpr std::uint32_t kRsc = 0x00abcd;
constexpr std::uint32_t kOtherRsc = 0x000777;

class ProsefnService : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("prose-prosefn-" + std::to_string(random_u64()));
    fs::create_directories(dir_);
    kek_ = random_secret(32);
    url_ = "sqlite:" + (dir_ / "pkmf.db").string();
    auto s = store::open_store(url_, kek_);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    ASSERT_TRUE((*s)->upsert_ue(kImsi, {kRsc, 0x000001}, 0).ok());
    ASSERT_TRUE((*s)->upsert_relay("r1", {kRsc}).ok());
    directory_ = std::make_unique<StoreDirectory>(url_, kek_.clone());
    ASSERT_TRUE(directory_->open().ok());
    defaults_.pkmf = {"127.0.0.1", 8443, "pkmf.prose.test", "pkmf.prose.test"};
    defaults_.announce_ms = 250;
    defaults_.max_offset = 3;
    defaults_.use_dusk = false;
    service_ = std::make_unique<ProseFunctionService>(defaults_, *directory_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  pc3::ServiceAuthorisationResponse ask(const net::PeerIdentity& peer, std::vector<pc3::RelayServiceRequest> services) {
    pc3::ServiceAuthorisationRequest r;
    r.transaction_id = 42;
    r.services = std::move(services);
    // Through the whole path: encode, handle (decode, authorise, encode), decode.
    auto reply = service_->handle(peer, pc3::test::encode_ok(pc3::Message{r}), 0);
    EXPECT_EQ(reply.status, 200);
    EXPECT_TRUE(pc3::schema_validate(reply.body).ok()) << reply.body;
    auto d = pc3::Codec::decode_response(reply.body);
    EXPECT_TRUE(d.ok()) << reply.body;
    EXPECT_EQ(d->transaction_id, 42u);
    return d.ok() ? *d : pc3::ServiceAuthorisationResponse{};
  }

  static net::PeerIdentity ue(const char* imsi = kImsi) { return *net::PeerIdentity::ue(imsi); }
  static net::PeerIdentity relay(const char* id = "r1") { return *net::PeerIdentity::relay(id); }

  fs::path dir_;
  SecretBytes kek_;
  std::string url_;
  ParameterDefaults defaults_;
  std::unique_ptr<StoreDirectory> directory_;
  std::unique_ptr<ProseFunctionService> service_;
};

const pc3::RelayServiceAuthorisation& entry(const pc3::ServiceAuthorisationResponse& r, std::size_t i) {
  return std::get<std::vector<pc3::RelayServiceAuthorisation>>(r.outcome).at(i);
}

TEST_F(ProsefnService, RemoteUeIsAuthorisedForItsRscWithTheParameters) {
  auto r = ask(ue(), {{pc3::Role::kRemoteUe, kRsc}});
  const auto& p = std::get<pc3::RelayServiceParameters>(entry(r, 0).outcome);
  EXPECT_EQ(p.role, pc3::Role::kRemoteUe);
  EXPECT_EQ(p.relay_service_code, kRsc);
  EXPECT_EQ(p.pkmf, defaults_.pkmf);
  EXPECT_TRUE(p.model_a && p.model_b && p.use_duik && !p.use_dusk && p.use_duck);
  EXPECT_EQ(p.max_offset, 3u);
  EXPECT_EQ(p.announce_ms, 0u);  // relays only
}

TEST_F(ProsefnService, RelayIsAuthorisedWithItsAnnouncePeriod) {
  auto r = ask(relay(), {{pc3::Role::kRelay, kRsc}});
  const auto& p = std::get<pc3::RelayServiceParameters>(entry(r, 0).outcome);
  EXPECT_EQ(p.role, pc3::Role::kRelay);
  EXPECT_EQ(p.announce_ms, 250u);
}

TEST_F(ProsefnService, UeAskingForTheRelayRoleIsRefusedForThatEntry) {
  auto r = ask(ue(), {{pc3::Role::kRelay, kRsc}, {pc3::Role::kRemoteUe, kRsc}});
  EXPECT_EQ(std::get<pc3::Cause>(entry(r, 0).outcome), pc3::Cause::kRoleNotAuthorised);
  EXPECT_TRUE(std::holds_alternative<pc3::RelayServiceParameters>(entry(r, 1).outcome));
}

TEST_F(ProsefnService, RelayAskingForTheRemoteUeRoleIsRefused) {
  auto r = ask(relay(), {{pc3::Role::kRemoteUe, kRsc}});
  EXPECT_EQ(std::get<pc3::Cause>(entry(r, 0).outcome), pc3::Cause::kRoleNotAuthorised);
}

TEST_F(ProsefnService, RscNotInTheRowIsRefusedPerEntry) {
  auto r = ask(ue(), {{pc3::Role::kRemoteUe, kOtherRsc}, {pc3::Role::kRemoteUe, 0x000001}});
  EXPECT_EQ(std::get<pc3::Cause>(entry(r, 0).outcome), pc3::Cause::kRelayServiceCodeNotAuthorised);
  EXPECT_TRUE(std::holds_alternative<pc3::RelayServiceParameters>(entry(r, 1).outcome));
  auto rr = ask(relay(), {{pc3::Role::kRelay, 0x000001}});
  EXPECT_EQ(std::get<pc3::Cause>(entry(rr, 0).outcome), pc3::Cause::kRelayServiceCodeNotAuthorised);
}

TEST_F(ProsefnService, UnknownIdentitiesAreRefusedAsAWhole) {
  EXPECT_EQ(std::get<pc3::Cause>(ask(ue("001010000000099"), {{pc3::Role::kRemoteUe, kRsc}}).outcome),
            pc3::Cause::kUnknownIdentity);
  EXPECT_EQ(std::get<pc3::Cause>(ask(relay("r9"), {{pc3::Role::kRelay, kRsc}}).outcome), pc3::Cause::kUnknownIdentity);
  EXPECT_EQ(std::get<pc3::Cause>(ask(*net::PeerIdentity::psk("btid@bsf"), {{pc3::Role::kRemoteUe, kRsc}}).outcome),
            pc3::Cause::kUnknownIdentity);
}

// /metrics of the standalone ProSe Function: every request through handle_http is counted by its outcome, its
// entries by theirs, refused HTTP requests by status.
TEST_F(ProsefnService, MetricsCountOutcomes) {
  Metrics m;
  auto post = [&](const net::PeerIdentity& peer, std::vector<pc3::RelayServiceRequest> services) {
    pc3::ServiceAuthorisationRequest r;
    r.transaction_id = 7;
    r.services = std::move(services);
    net::HttpRequest req;
    req.method = "POST";
    req.target = std::string(pc3::kHttpPath);
    req.content_type = std::string(pc3::kContentType);
    req.body = pc3::test::encode_ok(pc3::Message{r});
    return handle_http(*service_, peer, req, 0, &m).status;
  };
  EXPECT_EQ(post(ue(), {{pc3::Role::kRemoteUe, kRsc}, {pc3::Role::kRelay, kRsc}, {pc3::Role::kRemoteUe, kOtherRsc}}),
            200);
  EXPECT_EQ(post(ue("001010000000099"), {{pc3::Role::kRemoteUe, kRsc}}), 200);
  net::HttpRequest wrong;
  wrong.method = "POST";
  wrong.target = "/elsewhere";
  EXPECT_EQ(handle_http(*service_, ue(), wrong, 0, &m).status, 404);
  const std::string r = m.render();
  auto has = [&](const std::string& line) { return r.find(line + "\n") != std::string::npos; };
  EXPECT_TRUE(has("prose_prosefn_requests_total{outcome=\"answered\"} 1")) << r;
  EXPECT_TRUE(has("prose_prosefn_requests_total{outcome=\"unknown-identity\"} 1")) << r;
  EXPECT_TRUE(has("prose_prosefn_requests_total{outcome=\"malformed-request\"} 0")) << r;
  EXPECT_TRUE(has("prose_prosefn_entries_total{outcome=\"granted\"} 1")) << r;
  EXPECT_TRUE(has("prose_prosefn_entries_total{outcome=\"role-not-authorised\"} 1")) << r;
  EXPECT_TRUE(has("prose_prosefn_entries_total{outcome=\"relay-service-code-not-authorised\"} 1")) << r;
  EXPECT_TRUE(has("prose_prosefn_request_duration_seconds_count 2")) << r;
  EXPECT_TRUE(has("prose_prosefn_request_duration_seconds_bucket{le=\"+Inf\"} 2")) << r;
  EXPECT_TRUE(has("prose_prosefn_http_errors_total{status=\"404\"} 1")) << r;
}

TEST_F(ProsefnService, StoreChangesAreSeenAtOnce) {
  auto s = store::open_store(url_, kek_);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->upsert_ue(kImsi, {kOtherRsc}, 0).ok());
  auto r = ask(ue(), {{pc3::Role::kRemoteUe, kRsc}, {pc3::Role::kRemoteUe, kOtherRsc}});
  EXPECT_EQ(std::get<pc3::Cause>(entry(r, 0).outcome), pc3::Cause::kRelayServiceCodeNotAuthorised);
  EXPECT_TRUE(std::holds_alternative<pc3::RelayServiceParameters>(entry(r, 1).outcome));
  ASSERT_TRUE((*s)->remove_ue(kImsi).ok());
  EXPECT_EQ(std::get<pc3::Cause>(ask(ue(), {{pc3::Role::kRemoteUe, kOtherRsc}}).outcome), pc3::Cause::kUnknownIdentity);
}

TEST_F(ProsefnService, UnreachableStoreIsTemporarilyUnavailable) {
  StoreDirectory broken("sqlite:" + (dir_ / "no-such-dir" / "x.db").string(), kek_.clone());
  EXPECT_FALSE(broken.open().ok());
  ProseFunctionService svc(defaults_, broken);
  pc3::ServiceAuthorisationRequest r;
  r.services = {{pc3::Role::kRemoteUe, kRsc}};
  auto reply = svc.handle(ue(), pc3::test::encode_ok(pc3::Message{r}), 0);
  EXPECT_EQ(reply.status, 200);
  auto d = pc3::Codec::decode_response(reply.body);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(std::get<pc3::Cause>(d->outcome), pc3::Cause::kTemporarilyUnavailable);
}

TEST_F(ProsefnService, UndecodableBodyIs400WithMalformedRequest) {
  auto reply = service_->handle(ue(), "<SERVICE_AUTHORISATION_REQUEST/>", 0);
  EXPECT_EQ(reply.status, 400);
  auto d = pc3::Codec::decode_response(reply.body);
  ASSERT_TRUE(d.ok()) << reply.body;
  EXPECT_EQ(std::get<pc3::Cause>(d->outcome), pc3::Cause::kMalformedRequest);
  EXPECT_NE(reply.outcome.find("schema-invalid: line 1: Element 'SERVICE_AUTHORISATION_REQUEST'"), std::string::npos)
      << reply.outcome;
  EXPECT_EQ(service_->handle(ue(), std::string(pc3::kMaxBodySize + 1, ' '), 0).status, 413);
}

TEST_F(ProsefnService, HttpBindingChecksPathMethodAndContentType) {
  net::HttpRequest req;
  req.method = "POST";
  req.target = std::string(pc3::kHttpPath);
  req.content_type = std::string(pc3::kContentType) + "; charset=utf-8";
  pc3::ServiceAuthorisationRequest r;
  r.services = {{pc3::Role::kRemoteUe, kRsc}};
  req.body = pc3::test::encode_ok(pc3::Message{r});
  auto ok = handle_http(*service_, ue(), req, 0);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.content_type, pc3::kContentType);
  auto wrong = req;
  wrong.target = "/prose/pc8";
  EXPECT_EQ(handle_http(*service_, ue(), wrong, 0).status, 404);
  wrong = req;
  wrong.method = "GET";
  EXPECT_EQ(handle_http(*service_, ue(), wrong, 0).status, 405);
  wrong = req;
  wrong.content_type = "application/xml";
  EXPECT_EQ(handle_http(*service_, ue(), wrong, 0).status, 415);
  // Media types are case-insensitive (RFC 9110 8.3.1); parameters and whitespace around the type are ignored.
  auto cased = req;
  std::transform(cased.content_type.begin(), cased.content_type.end(), cased.content_type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  cased.content_type = " " + cased.content_type + " ; charset=utf-8";
  EXPECT_EQ(handle_http(*service_, ue(), cased, 0).status, 200);
}

TEST_F(ProsefnService, PerRscOverridesApplyToTheirRscOnly) {
  defaults_.per_rsc[kRsc].model_b = false;
  defaults_.per_rsc[kRsc].announce_ms = 1234;
  service_ = std::make_unique<ProseFunctionService>(defaults_, *directory_);
  auto r = ask(ue(), {{pc3::Role::kRemoteUe, kRsc}, {pc3::Role::kRemoteUe, 0x000001}});
  EXPECT_FALSE(std::get<pc3::RelayServiceParameters>(entry(r, 0).outcome).model_b);
  EXPECT_EQ(std::get<pc3::RelayServiceParameters>(entry(r, 0).outcome).announce_ms, 0u);
  EXPECT_TRUE(std::get<pc3::RelayServiceParameters>(entry(r, 1).outcome).model_b);
  auto rr = ask(relay(), {{pc3::Role::kRelay, kRsc}});
  EXPECT_EQ(std::get<pc3::RelayServiceParameters>(entry(rr, 0).outcome).announce_ms, 1234u);
  defaults_.per_rsc[kRsc].model_a = false;
  EXPECT_FALSE(validate(defaults_).ok());
}

TEST_F(ProsefnService, DefaultsAreValidated) {
  EXPECT_TRUE(validate(defaults_).ok());
  auto d = defaults_;
  d.pkmf.host = "pkmf host";
  EXPECT_FALSE(validate(d).ok());
  d = defaults_;
  d.model_a = d.model_b = false;
  EXPECT_FALSE(validate(d).ok());
  d = defaults_;
  d.announce_ms = 0;
  EXPECT_FALSE(validate(d).ok());
  d = defaults_;
  d.pkmf.port = 0;
  EXPECT_FALSE(validate(d).ok());
}

// The client helper against a real HTTPS server with mutual TLS.
class ProsefnClient : public ProsefnService {
 protected:
  void SetUp() override {
    ProsefnService::SetUp();
    pki_ = dir_ / "pki";
    net::pki::InitOptions o;
    o.dir = pki_.string();
    o.ues = {kImsi, "001010000000099"};
    o.relays = {"r1"};
    ASSERT_TRUE(net::pki::init(o).ok());
    net::HttpsServerConfig c;
    c.tls.cert_file = (pki_ / "pkmf.pem").string();
    c.tls.key_file = (pki_ / "pkmf.key").string();
    c.tls.ca_file = (pki_ / "ca.pem").string();
    c.tls.keylog_from_env = false;
    ProseFunctionService* svc = service_.get();
    server_ = std::make_unique<net::HttpsServer>(
        c, [svc](const net::PeerIdentity& p, const net::HttpRequest& r) { return handle_http(*svc, p, r, 0); });
    auto port = server_->start();
    ASSERT_TRUE(port.ok()) << port.error().to_string();
    port_ = *port;
  }
  void TearDown() override {
    server_.reset();
    ProsefnService::TearDown();
  }
  std::unique_ptr<net::HttpsClient> client(const std::string& base) {
    net::HttpsClientConfig c;
    c.port = port_;
    c.tls.ca_file = (pki_ / "ca.pem").string();
    c.tls.cert_file = (pki_ / (base + ".pem")).string();
    c.tls.key_file = (pki_ / (base + ".key")).string();
    c.tls.server_name = "pkmf.prose.test";
    c.tls.keylog_from_env = false;
    auto r = net::HttpsClient::create(c);
    EXPECT_TRUE(r.ok());
    return std::move(*r);
  }
  fs::path pki_;
  std::unique_ptr<net::HttpsServer> server_;
  std::uint16_t port_ = 0;
};

TEST_F(ProsefnClient, FetchesParametersInTheOrderAsked) {
  auto c = client(std::string("ue-") + kImsi);
  auto r = fetch_service_parameters(*c, pc3::Role::kRemoteUe, {0x000001, kRsc});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].relay_service_code, 0x000001u);
  EXPECT_EQ((*r)[1].relay_service_code, kRsc);
  EXPECT_EQ((*r)[1].pkmf, defaults_.pkmf);
  auto rc = client("relay-r1");
  auto rr = fetch_service_parameters(*rc, pc3::Role::kRelay, {kRsc});
  ASSERT_TRUE(rr.ok()) << rr.error().to_string();
  EXPECT_EQ((*rr)[0].announce_ms, 250u);
}

TEST_F(ProsefnClient, RefusalsAreDeniedWithTheCauseName) {
  auto c = client(std::string("ue-") + kImsi);
  auto role = fetch_service_parameters(*c, pc3::Role::kRelay, {kRsc});
  ASSERT_FALSE(role.ok());
  EXPECT_EQ(role.error().code, Errc::kDenied);
  EXPECT_NE(role.error().message.find("role-not-authorised"), std::string::npos) << role.error().message;
  EXPECT_NE(role.error().message.find("00abcd"), std::string::npos) << role.error().message;
  auto rsc = fetch_service_parameters(*c, pc3::Role::kRemoteUe, {kOtherRsc});
  ASSERT_FALSE(rsc.ok());
  EXPECT_NE(rsc.error().message.find("relay-service-code-not-authorised"), std::string::npos);
  auto unknown = client("ue-001010000000099");
  auto u = fetch_service_parameters(*unknown, pc3::Role::kRemoteUe, {kRsc});
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().code, Errc::kDenied);
  EXPECT_NE(u.error().message.find("unknown-identity"), std::string::npos) << u.error().message;
}

TEST_F(ProsefnClient, BadArgumentsAreRefusedBeforeSending) {
  auto c = client(std::string("ue-") + kImsi);
  EXPECT_EQ(fetch_service_parameters(*c, pc3::Role::kRemoteUe, {}).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(fetch_service_parameters(*c, pc3::Role::kRemoteUe, {1, 1}).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(fetch_service_parameters(*c, pc3::Role::kRemoteUe, {0x1000000}).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(c->stats().requests, 0u);
}

}  // namespace
}  // namespace prose::prosefn
