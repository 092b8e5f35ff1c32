// The schema (libxml2) and the codec agree on what is a valid message: the codec validates every document against
// the schema, so it is never laxer. Where it is stricter (a rule the schema cannot express) the difference is
// listed here and in docs/pc8.md ("Schema and codec differences"). `prose pc8 validate` and validate_document()
// require both.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "prose/pc8/codec.h"
#include "prose/pc8/error_codes.h"
#include "prose/pc8/schema.h"
#include "test_util.h"

namespace prose::pc8 {
namespace {

using test::example_xml;
using test::replace;

struct Case {
  std::string name;
  std::string xml;
  bool schema_ok;
  bool codec_ok;
};

std::vector<Case> cases() {
  const std::string kd = example_xml("kd-request");
  const std::string kdr = example_xml("kd-response");
  const std::string pr = example_xml("pruk-request");
  const std::string stop = example_xml("pruk-response-stop");
  const std::string kde = example_xml("kd-response-error");
  const std::string ns = std::string(kNamespace);
  std::string prefixed = kd;
  for (std::string_view n :
       {"KEY_REQUEST", "transaction-ID", "KD-request", "PRUK-ID", "relay-service-code", "nonce-1"}) {
    std::string name(n);
    for (std::size_t p = 0; (p = prefixed.find("<" + name + ">", p)) != std::string::npos;)
      prefixed.replace(p, name.size() + 2, "<p:" + name + ">");
    for (std::size_t p = 0; (p = prefixed.find("</" + name + ">", p)) != std::string::npos;)
      prefixed.replace(p, name.size() + 3, "</p:" + name + ">");
  }
  prefixed = replace(prefixed, "<KEY_REQUEST xmlns=", "<p:KEY_REQUEST xmlns:p=");
  return {
      // Both accept: XML lexical freedom both sides handle the same way.
      {"uppercase hex", replace(kdr, "808182838485868788898a8b8c8d8e8f", "808182838485868788898A8B8C8D8E8F"), true,
       true},
      {"whitespace around values", replace(kd, ">00a1b2<", ">\n   00a1b2\t <"), true, true},
      {"comment inside a value", replace(kd, ">00a1b2<", ">00a1<!-- split -->b2<"), true, true},
      {"CDATA value", replace(kd, ">00a1b2<", "><![CDATA[00a1b2]]><"), true, true},
      {"comments between elements", replace(kd, "<KD-request>", "<!-- c --><KD-request><!-- d -->"), true, true},
      {"leading zeros in integers", replace(kd, ">3<", ">0003<"), true, true},
      {"leading zeros in error code", replace(kde, ">13<", ">013<"), true, true},
      {"no XML declaration", kd.substr(kd.find('\n') + 1), true, true},
      {"token whitespace collapse", replace(kdr, "ue-17@example.org", "  ue-17@example.org\n  x  "), true, true},
      {"empty element written open/close",
       replace(stop, "<stop-acknowledged/>", "<stop-acknowledged></stop-acknowledged>"), true, true},
      {"character reference", replace(kd, ">00a1b2<", ">00a1&#x62;2<"), true, true},
      // Both reject.
      {"whitespace inside empty element",
       replace(stop, "<stop-acknowledged/>", "<stop-acknowledged> </stop-acknowledged>"), false, false},
      {"plus sign in integer", replace(kd, ">3<", ">+3<"), false, false},
      {"hour 24", replace(example_xml("pruk-response"), "T12:00:00Z", "T24:00:00Z"), false, false},
      {"all-zero PRUK ID", replace(kd, "0123456789abcdef", "0000000000000000"), false, false},
      {"duplicate PRUK ID (xs:unique)",
       replace(pr, "<PRUK-ID>0123456789abcdef</PRUK-ID>",
               "<PRUK-ID>0123456789abcdef</PRUK-ID><PRUK-ID>0123456789ABCDEF</PRUK-ID>"),
       false, false},
      {"February 30", replace(example_xml("pruk-response"), "2027-01-31", "2027-02-30"), false, false},
      {"IPv4 leading zero", replace(pr, "192.0.2.10", "192.0.2.010"), false, false},
      {"DOCTYPE in a comment", replace(kd, "<KEY_REQUEST", "<!-- <!DOCTYPE x> --><KEY_REQUEST"), false, false},
      {"second root", kd + "<KEY_REQUEST xmlns=\"" + ns + "\"/>", false, false},
      {"content after the root", kd + "\n<", false, false},
      // Divergences: the codec is stricter (documented in docs/pc8.md).
      {"D1 body over 64 KiB", replace(kd, "<KD-request>", "<KD-request>" + std::string(kMaxBodySize, ' ')), true,
       false},
      {"D2 namespace prefix", prefixed, true, false},
      {"D3 IPv6 syntax only inet_pton checks", replace(pr, "192.0.2.10", "1:2:3:4:5:6:7:8:9"), true, false},
      {"D4 encoding other than UTF-8", replace(kd, "encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\""), true, false},
      {"D5 xsi attributes",
       replace(kd, "<KEY_REQUEST xmlns=",
               "<KEY_REQUEST xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"xs:anyType\" xmlns="),
       false, false},
      {"D5 xsi:schemaLocation",
       replace(kd, "<KEY_REQUEST xmlns=",
               "<KEY_REQUEST xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"" + ns +
                   " pc8.xsd\" xmlns="),
       true, false},
      {"D7 processing instruction", replace(kd, "<KD-request>", "<?app hint?><KD-request>"), true, false},
      {"D6 redundant xmlns on a child", replace(kd, "<KD-request>", "<KD-request xmlns=\"" + ns + "\">"), true, false},
      {"D8 XML version 1.1", replace(kd, "version=\"1.0\"", "version=\"1.1\""), true, false},
  };
}

TEST(Pc8Consistency, SchemaAndCodecAgreeExceptDocumentedDivergences) {
  for (const auto& c : cases()) {
    auto s = schema_validate(c.xml);
    auto d = Codec::decode(c.xml);
    EXPECT_EQ(s.ok(), c.schema_ok) << c.name << ": schema " << (s.ok() ? "accepted" : s.error().to_string());
    EXPECT_EQ(d.ok(), c.codec_ok) << c.name << ": codec " << (d.ok() ? "accepted" : d.error().to_string());
    // The codec never accepts what the schema refuses.
    if (d.ok()) {
      EXPECT_TRUE(s.ok()) << c.name;
    }
    // validate_document() is the conjunction.
    EXPECT_EQ(validate_document(c.xml).ok(), c.schema_ok && c.codec_ok) << c.name;
    bool documented = c.name.rfind("D", 0) == 0 && std::isdigit(static_cast<unsigned char>(c.name[1]));
    if (c.schema_ok != c.codec_ok) {
      EXPECT_TRUE(documented) << c.name << ": undocumented divergence";
    }
  }
}

TEST(Pc8Consistency, LexicalVariantsDecodeToTheSameModel) {
  auto base = Codec::decode(example_xml("kd-request"));
  ASSERT_TRUE(base.ok());
  for (const auto& c : cases()) {
    if (!c.codec_ok || c.xml.find("<KD-request") == std::string::npos || c.xml.find("nonce-1") == std::string::npos) {
      continue;
    }
    auto d = Codec::decode(c.xml);
    ASSERT_TRUE(d.ok()) << c.name;
    if (c.name != "leading zeros in integers") {
      EXPECT_TRUE(*d == *base) << c.name;
    }
  }
  auto z = Codec::decode(replace(example_xml("kd-response"), "ue-17@example.org", "  ue-17@example.org\n  x  "));
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(*std::get<KdGrant>(std::get<KdResponse>(*z).outcome).remote_ue->other_identity, "ue-17@example.org x");
}

std::string read_schema_file() {
  std::ifstream in(std::string(PROSE_SOURCE_DIR) + "/schema/pc8.xsd");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Pc8Consistency, EmbeddedSchemaIsTheRepositoryFile) { EXPECT_EQ(schema_text(), read_schema_file()); }

TEST(Pc8Consistency, SchemaEnumeratesExactlyTheErrorCodeTable) {
  std::string xsd(schema_text());
  auto start = xsd.find("name=\"ErrorCodeType\"");
  ASSERT_NE(start, std::string::npos);
  auto end = xsd.find("</xs:simpleType>", start);
  std::string body = xsd.substr(start, end - start);
  std::set<unsigned> in_schema;
  std::regex re("<xs:enumeration value=\"([0-9]+)\"/>");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), re); it != std::sregex_iterator(); ++it) {
    in_schema.insert(static_cast<unsigned>(std::stoul((*it)[1])));
  }
  std::set<unsigned> in_table;
  for (const auto& e : error_code_table()) in_table.insert(error_code_value(e.code));
  EXPECT_EQ(in_schema, in_table);
  // Every code round-trips through a response and the schema; its neighbours outside the table do not.
  for (const auto& e : error_code_table()) {
    KdResponse r;
    r.outcome = e.code;
    auto x = Codec::encode(Message{std::move(r)});
    ASSERT_TRUE(x.ok());
    EXPECT_TRUE(schema_validate(x->view()).ok()) << e.name;
    EXPECT_FALSE(e.name.empty());
    EXPECT_FALSE(e.meaning.empty());
  }
  for (unsigned v = 0; v < 40; ++v) {
    if (in_table.count(v)) continue;
    std::string x = replace(example_xml("kd-response-error"), ">13<", ">" + std::to_string(v) + "<");
    EXPECT_FALSE(schema_validate(x).ok()) << v;
    EXPECT_FALSE(Codec::decode(x).ok()) << v;
  }
}

TEST(Pc8Consistency, ErrorCodeTableIsOrderedAndUnique) {
  unsigned prev = 0;
  std::set<std::string_view> names;
  for (const auto& e : error_code_table()) {
    EXPECT_GT(error_code_value(e.code), prev);
    prev = error_code_value(e.code);
    EXPECT_TRUE(names.insert(e.name).second) << e.name;
    EXPECT_EQ(error_code_from_value(error_code_value(e.code)), e.code);
  }
  EXPECT_FALSE(error_code_from_value(0).has_value());
}

TEST(Pc8Consistency, SchemaUsesTheCodecElementNames) {
  std::string xsd(schema_text());
  for (std::string_view n : {el::kTransactionId,
                             el::kPrukRequest,
                             el::kKdRequest,
                             el::kPgkRequest,
                             el::kDiscoveryKeyRequest,
                             el::kPrukResponse,
                             el::kKdResponse,
                             el::kPgkResponse,
                             el::kDiscoveryKeyResponse,
                             el::kPrukDelivery,
                             el::kPrukId,
                             el::kPruk,
                             el::kUeIpAddress,
                             el::kUePort,
                             el::kGroup,
                             el::kGroupId,
                             el::kSupportedAlgorithm,
                             el::kPgkId,
                             el::kGroupMemberId,
                             el::kAlgorithmInfo,
                             el::kPgkExpiry,
                             el::kKeyTypeId,
                             el::kStopAcknowledged,
                             el::kPmkId,
                             el::kPmk,
                             el::kErrorCode,
                             el::kImsi,
                             el::kMsisdn,
                             el::kRelayServiceCode,
                             el::kNonce1,
                             el::kResync,
                             el::kRand,
                             el::kAuts,
                             el::kKd,
                             el::kKdFreshness,
                             el::kGpi,
                             el::kRemoteUeIdentity,
                             el::kOtherIdentity,
                             el::kSecurityCapabilities,
                             el::kDiscoveryKey,
                             el::kPsdk,
                             el::kPsdkId,
                             el::kPsdkExpiry,
                             el::kKeyCombination,
                             el::kEncryptedBitsMask,
                             el::kConfidentialityAlgorithm,
                             kRootRequest,
                             kRootResponse}) {
    EXPECT_NE(xsd.find("name=\"" + std::string(n) + "\""), std::string::npos) << n;
  }
  EXPECT_NE(xsd.find("targetNamespace=\"" + std::string(kNamespace) + "\""), std::string::npos);
}

}  // namespace
}  // namespace prose::pc8
