// PC3 codec: round trips (every output schema-valid), the schema/codec agreement, and one test per decoder error.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <regex>
#include <set>

#include "prose/pc3/examples.h"
#include "prose/util/random.h"
#include "test_util.h"

namespace prose::pc3 {
namespace {

using test::encode_ok;
using test::sample_parameters;
using test::sample_request;
using test::sample_response;

void expect_round_trip(const Message& m) {
  std::string xml = encode_ok(m);
  ASSERT_TRUE(schema_validate(xml).ok()) << schema_validate(xml).error().to_string() << "\n" << xml;
  auto back = Codec::decode(xml);
  ASSERT_TRUE(back.ok()) << back.error().to_string() << "\n" << xml;
  EXPECT_EQ(*back, m) << xml;
  EXPECT_EQ(encode_ok(*back), xml);
}

TEST(Pc3Codec, RequestRoundTrip) { expect_round_trip(Message{sample_request()}); }

TEST(Pc3Codec, ResponseRoundTrip) { expect_round_trip(Message{sample_response()}); }

TEST(Pc3Codec, WholeRequestRejectRoundTrip) {
  for (const auto& info : cause_table()) {
    ServiceAuthorisationResponse r;
    r.transaction_id = 0;
    r.outcome = info.cause;
    expect_round_trip(Message{r});
  }
}

TEST(Pc3Codec, RandomModelsRoundTrip) {
  for (int i = 0; i < 300; ++i) {
    ServiceAuthorisationResponse r;
    r.transaction_id = random_u32();
    std::vector<RelayServiceAuthorisation> v;
    std::set<std::pair<Role, std::uint32_t>> seen;
    std::size_t n = 1 + random_u32() % kMaxServices;
    while (v.size() < n) {
      Role role = random_u32() % 2 ? Role::kRelay : Role::kRemoteUe;
      std::uint32_t rsc = random_u32() & 0xffffff;
      if (!seen.emplace(role, rsc).second) continue;
      if (random_u32() % 3 == 0) {
        v.push_back(test::make_entry(role, rsc, cause_table()[random_u32() % cause_table().size()].cause));
        continue;
      }
      auto p = sample_parameters(role, rsc);
      p.pkmf.host = random_u32() % 2 ? "2001:db8::1" : "pkmf-" + std::to_string(random_u32() % 100) + ".example";
      p.pkmf.port = static_cast<std::uint16_t>(1 + random_u32() % 65535);
      p.model_a = random_u32() % 2;
      p.model_b = !p.model_a || random_u32() % 2;
      p.use_duik = random_u32() % 2;
      p.use_dusk = random_u32() % 2;
      p.use_duck = random_u32() % 2;
      p.max_offset = random_u32() % (kMaxUtcCounterOffset + 1);
      if (role == Role::kRelay) p.announce_ms = 1 + random_u32() % kMaxAnnouncePeriodMs;
      v.push_back(test::make_entry(role, rsc, p));
    }
    r.outcome = std::move(v);
    expect_round_trip(Message{r});
    if (HasFailure()) return;
  }
}

TEST(Pc3Codec, LargestMessagesFitTheBodyLimit) {
  ServiceAuthorisationResponse r;
  std::vector<RelayServiceAuthorisation> v;
  for (std::uint32_t i = 0; i < kMaxServices; ++i) {
    auto p = sample_parameters(Role::kRelay, i);
    p.pkmf.host =
        std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." + std::string(61, 'd');
    p.pkmf.server_name = p.pkmf.fqdn = p.pkmf.host;
    v.push_back(test::make_entry(Role::kRelay, i, p));
  }
  r.outcome = std::move(v);
  std::string xml = encode_ok(Message{r});
  EXPECT_LT(xml.size(), kMaxBodySize);
  EXPECT_TRUE(schema_validate(xml).ok());
  EXPECT_TRUE(Codec::decode_response(xml).ok());
}

TEST(Pc3Codec, EncoderRefusesInvalidModels) {
  auto bad = [](auto mutate) {
    auto r = sample_response();
    mutate(std::get<RelayServiceParameters>(std::get<std::vector<RelayServiceAuthorisation>>(r.outcome)[1].outcome));
    return Codec::encode(r);
  };
  EXPECT_FALSE(bad([](auto& p) { p.announce_ms = 0; }).ok());
  EXPECT_FALSE(bad([](auto& p) { p.model_a = p.model_b = false; }).ok());
  EXPECT_FALSE(bad([](auto& p) { p.pkmf.host = "bad host"; }).ok());
  EXPECT_FALSE(bad([](auto& p) { p.pkmf.fqdn = "::1"; }).ok());
  EXPECT_FALSE(bad([](auto& p) { p.pkmf.port = 0; }).ok());
  EXPECT_FALSE(bad([](auto& p) { p.relay_service_code = 1; }).ok());
  EXPECT_FALSE(bad([](auto& p) { p.max_offset = kMaxUtcCounterOffset + 1; }).ok());
  auto req = sample_request();
  req.services.push_back(req.services[0]);
  EXPECT_FALSE(Codec::encode(req).ok());
  req.services.clear();
  EXPECT_FALSE(Codec::encode(req).ok());
  req.services = {{Role::kRelay, 0x1000000}};
  EXPECT_FALSE(Codec::encode(req).ok());
  auto r = sample_response();
  std::get<std::vector<RelayServiceAuthorisation>>(r.outcome)[0].outcome = RelayServiceParameters{};
  EXPECT_FALSE(Codec::encode(r).ok());
}

TEST(Pc3Schema, EmbeddedSchemaEqualsTheFile) {
  std::ifstream f(std::string(PROSE_SOURCE_DIR) + "/schema/pc3.xsd");
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(schema_text(), text);
}

TEST(Pc3Schema, EnumeratesExactlyTheCauseTable) {
  std::string xsd(schema_text());
  auto start = xsd.find("name=\"CauseType\"");
  auto end = xsd.find("</xs:simpleType>", start);
  ASSERT_NE(start, std::string::npos);
  std::string block = xsd.substr(start, end - start);
  std::set<std::uint32_t> in_schema;
  std::regex re("enumeration value=\"([0-9]+)\"");
  for (std::sregex_iterator it(block.begin(), block.end(), re), e; it != e; ++it) {
    in_schema.insert(static_cast<std::uint32_t>(std::stoul((*it)[1])));
  }
  std::set<std::uint32_t> in_table;
  for (const auto& c : cause_table()) in_table.insert(cause_value(c.cause));
  EXPECT_EQ(in_schema, in_table);
}

TEST(Pc3Schema, ElementNamesOfTheCodecAppearInTheSchema) {
  std::string xsd(schema_text());
  for (auto n : {el::kTransactionId,  el::kRelayService,   el::kRole,     el::kRelayServiceCode, el::kAuthorisation,
                 el::kResponseAccept, el::kResponseReject, el::kCause,    el::kPkmfAddress,      el::kHost,
                 el::kPort,           el::kTlsServerName,  el::kPkmfFqdn, el::kDiscoveryModel,   el::kDiscoverySecurity,
                 el::kUseDuik,        el::kUseDusk,        el::kUseDuck,  el::kMaxOffset,        el::kAnnouncePeriod,
                 kRootRequest,        kRootResponse}) {
    EXPECT_NE(xsd.find("name=\"" + std::string(n) + "\""), std::string::npos) << n;
  }
  EXPECT_NE(xsd.find(std::string(kNamespace)), std::string::npos);
}

}  // namespace
}  // namespace prose::pc3

namespace prose::pc3 {
namespace {

TEST(Pc3Examples, EveryExampleRoundTripsAndIsSchemaValid) {
  for (const auto& e : example_list()) {
    SCOPED_TRACE(std::string(e.name));
    auto m = example(e.name);
    ASSERT_TRUE(m.ok());
    expect_round_trip(*m);
    EXPECT_TRUE(validate_document(test::encode_ok(*m)).ok());
  }
  EXPECT_EQ(example("nope").error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace prose::pc3
