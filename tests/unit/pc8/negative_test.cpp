// How the decoder refuses documents: libxml2 decides well-formedness (not-well-formed, with libxml2's reason) and
// the schema decides validity (schema-invalid, naming the element); the codec's own rules, which the schema cannot
// express, have their own classes and are the only documents schema_validate() alone accepts (docs/pc8.md D1..D8;
// tests/unit/pc8/consistency_test.cpp).
#include <gtest/gtest.h>

#include <string>

#include "prose/pc8/codec.h"
#include "prose/pc8/schema.h"
#include "test_util.h"

namespace prose::pc8 {
namespace {

using test::example_xml;
using test::replace;

void expect_reject(const std::string& xml, DecodeErrc cls, std::string_view names, bool schema_rejects = true) {
  auto r = Codec::decode(xml);
  ASSERT_FALSE(r.ok()) << "accepted:\n" << xml;
  EXPECT_EQ(decode_errc_of(r.error()), cls) << r.error().to_string();
  EXPECT_NE(r.error().message.find(names), std::string::npos)
      << "error does not name '" << names << "': " << r.error().to_string();
  EXPECT_EQ(!schema_validate(xml).ok(), schema_rejects) << xml;
}

const std::string kKdReq = example_xml("kd-request");
const std::string kKdResp = example_xml("kd-response");

TEST(Pc8Negative, TooLarge) {
  std::string big = replace(kKdReq, "<KD-request>", "<KD-request>" + std::string(kMaxBodySize, ' '));
  auto r = Codec::decode(big);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(decode_errc_of(r.error()), DecodeErrc::kTooLarge);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  // Exactly at the limit is decoded.
  std::string at = replace(kKdReq, "<KD-request>", "<KD-request>" + std::string(kMaxBodySize - kKdReq.size(), ' '));
  ASSERT_EQ(at.size(), kMaxBodySize);
  EXPECT_TRUE(Codec::decode(at).ok());
}

TEST(Pc8Negative, NotWellFormed) {
  for (std::string bad : {std::string(""), kKdReq.substr(0, kKdReq.size() / 2), std::string("not xml"),
                          replace(kKdReq, "</KD-request>", "</KD-requestX>"), kKdReq + "<KEY_REQUEST/>",
                          kKdReq + "trailing text", kKdReq + "$", kKdReq + "$\n", kKdReq + "\n<"}) {
    auto r = Codec::decode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(decode_errc_of(r.error()), DecodeErrc::kNotWellFormed) << r.error().to_string();
    EXPECT_FALSE(schema_validate(bad).ok());
  }
  auto r = Codec::decode(kKdReq.substr(0, 60));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().offset.has_value());
}

TEST(Pc8Negative, Xml10RulesAreLibxml2s) {
  // Each refused with libxml2's own reason; the schema check (the same parser) refuses them too.
  const std::string kdr = kKdResp;
  expect_reject(replace(kdr, "ue-17@example.org", "ue-17&example.org"), DecodeErrc::kNotWellFormed,
                "EntityRef: expecting ';'");
  expect_reject(replace(kdr, "ue-17@example.org", "ue-17&foo;"), DecodeErrc::kNotWellFormed,
                "Entity 'foo' not defined");
  expect_reject(replace(kdr, "ue-17@example.org", "ue-17]]>"), DecodeErrc::kNotWellFormed,
                "Sequence ']]>' not allowed in content");
  expect_reject(replace(kdr, "ue-17@example.org", "ue-17&#1;"), DecodeErrc::kNotWellFormed,
                "xmlParseCharRef: invalid xmlChar value 1");
  expect_reject(replace(kdr, "ue-17@example.org", "ue-17&#x110000;"), DecodeErrc::kNotWellFormed,
                "character reference out of bounds");
  expect_reject(replace(kKdReq, "<KD-request>", "<!-- a -- b --><KD-request>"), DecodeErrc::kNotWellFormed,
                "Double hyphen within comment");
  expect_reject(replace(kKdReq, "<KD-request>", "<!-- \x01 --><KD-request>"), DecodeErrc::kNotWellFormed,
                "invalid xmlChar value 1");
  expect_reject(replace(kKdReq, "<KD-request>", "<!-- \xc3\x28 --><KD-request>"), DecodeErrc::kNotWellFormed,
                "Input is not proper UTF-8");
  expect_reject(replace(kKdReq, "<KD-request>", "<!-- \xe0\x80\x80 --><KD-request>"), DecodeErrc::kNotWellFormed,
                "Input is not proper UTF-8");
  expect_reject(replace(kKdReq, "<KD-request>", "<!-- \xed\xa0\x80 --><KD-request>"), DecodeErrc::kNotWellFormed,
                "Char 0xD800 out of allowed range");
  expect_reject(replace(kKdReq, "<KD-request>", "<!-- unterminated <KD-request>"), DecodeErrc::kNotWellFormed,
                "Comment not terminated");
  expect_reject(replace(kKdReq, "<?xml version=\"1.0\"", "<?xml versio=\"1.0\""), DecodeErrc::kNotWellFormed,
                "Malformed declaration expecting version");
  expect_reject(replace(kKdReq, "<?xml version=\"1.0\"", "<?EUC-Jersion=\"1.0\""), DecodeErrc::kNotWellFormed,
                "ParsePI: PI EUC-Jersion space expected");
  expect_reject(replace(kKdReq, "<KEY_REQUEST ", "\n<?xml version=\"1.0\"?><KEY_REQUEST "), DecodeErrc::kNotWellFormed,
                "XML declaration allowed only at the start of the document");
  expect_reject(replace(kKdReq, "<KEY_REQUEST ", "<KEY_REQUEST xmlns=\"urn:prose-relay-security:ns:pc8:1\" "),
                DecodeErrc::kNotWellFormed, "Attribute xmlns redefined");
  // Legal forms pass both: references, '&' inside CDATA and comments, valid multi-byte UTF-8 in a comment.
  for (std::string ok : {replace(kdr, "ue-17@example.org", "a&amp;b&lt;&gt;&quot;&apos;&#65;&#x42;"),
                         replace(kdr, "ue-17@example.org", "<![CDATA[a&b]]>"),
                         replace(kKdReq, "<KD-request>", "<!-- a & b \xc3\xa9 \xf0\x9f\x94\x91 --><KD-request>")}) {
    EXPECT_TRUE(Codec::decode(ok).ok()) << ok;
    EXPECT_TRUE(schema_validate(ok).ok()) << ok;
  }
}

TEST(Pc8Negative, DtdAndEntitiesNeverExpanded) {
  std::string laughs =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE KEY_REQUEST [\n<!ENTITY a \"aaaaaaaaaa\">\n"
      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
      "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n]>\n"
      "<KEY_REQUEST xmlns=\"urn:prose-relay-security:ns:pc8:1\"><transaction-ID>&d;</transaction-ID></KEY_REQUEST>";
  expect_reject(laughs, DecodeErrc::kDtdForbidden, "DOCTYPE");
  std::string xxe =
      replace(kKdReq, "<KEY_REQUEST", "<!DOCTYPE KEY_REQUEST SYSTEM \"file:///etc/passwd\">\n<KEY_REQUEST");
  expect_reject(xxe, DecodeErrc::kDtdForbidden, "DOCTYPE");
  EXPECT_EQ(Codec::decode(xxe).error().code, Errc::kUnsupported);
  // An undeclared entity reference is just bad text, never looked up.
  std::string ent = replace(kKdReq, "00a1b2", "&xxe;");
  expect_reject(ent, DecodeErrc::kNotWellFormed, "Entity 'xxe' not defined");
}

TEST(Pc8Negative, SchemaInvalidNamesTheElement) {
  const std::string pr = example_xml("pruk-request");
  const std::string prs = example_xml("pruk-response");
  const std::string stop = example_xml("pruk-response-stop");
  const std::string ir = example_xml("kd-request-imsi-resync");
  std::string no_pmk = prs;
  auto a = no_pmk.find("    <PMK>");
  no_pmk.erase(a, no_pmk.find("</PMK>\n") + 7 - a);
  std::string late_rsc = replace(kKdReq, "<relay-service-code>00a1b2</relay-service-code>", "");
  late_rsc = replace(late_rsc, "</KD-request>", "<relay-service-code>00a1b2</relay-service-code></KD-request>");
  std::string ids;
  for (int i = 0; i < 17; ++i)
    ids += "<PRUK-ID>00000000000001" + std::string(i < 16 ? "0" : "1") + "0123456789abcdef"[i % 16] + "</PRUK-ID>";
  const std::string gpi = kKdResp.substr(kKdResp.find("<GPI>"), kKdResp.find("</GPI>") + 6 - kKdResp.find("<GPI>"));
  struct Case {
    std::string xml;
    std::string names;
  };
  const Case cases[] = {
      // Root, namespace and attributes.
      {replace(replace(kKdReq, "<KEY_REQUEST", "<KEY_REQUESTS"), "</KEY_REQUEST>", "</KEY_REQUESTS>"),
       "Element 'KEY_REQUESTS': No matching global declaration"},
      {replace(kKdReq, "urn:prose-relay-security:ns:pc8:1", "urn:example:other"),
       "Element 'KEY_REQUEST': No matching global declaration"},
      {replace(kKdReq, " xmlns=\"urn:prose-relay-security:ns:pc8:1\"", ""),
       "Element 'KEY_REQUEST': No matching global declaration"},
      {replace(kKdReq, "<KD-request>", "<KD-request a=\"1\">"), "Element 'KD-request', attribute 'a'"},
      {replace(kKdReq, "<KEY_REQUEST ", "<KEY_REQUEST version=\"1\" "), "attribute 'version'"},
      // Unknown, missing, repeated and misplaced elements.
      {replace(kKdReq, "</KD-request>", "<KD>00</KD></KD-request>"), "Element 'KD': This element is not expected"},
      {replace(kKdReq, "<KD-request>", "<XX-request/><KD-request>"), "Element 'XX-request'"},
      {replace(kKdResp, "<IMSI>", "<foo/><IMSI>"), "Element 'foo'"},
      {replace(prs, "<PMK>", "<PMKX>").replace(prs.find("</PMK>"), 6, "</PMKX>"), "Element 'PMKX'"},
      {replace(kKdReq, "<relay-service-code>00a1b2</relay-service-code>", ""), "Expected is ( relay-service-code )"},
      {replace(kKdReq, "<PRUK-ID>0123456789abcdef</PRUK-ID>", ""), "Expected is one of ( PRUK-ID, IMSI )"},
      {replace(kKdReq, "<transaction-ID>3</transaction-ID>", ""), "Expected is ( transaction-ID )"},
      {replace(kKdResp, "<KD-freshness>f0e1d2c3b4a5968778695a4b3c2d1e0f</KD-freshness>", ""),
       "Expected is ( KD-freshness )"},
      {no_pmk, "Expected is ( PMK )"},
      {replace(pr, "<UE-IP-address>192.0.2.10</UE-IP-address>", ""), "Element 'UE-port': This element is not expected"},
      {replace(kKdReq, "</relay-service-code>", "</relay-service-code><relay-service-code>00a1b3</relay-service-code>"),
       "Element 'relay-service-code': This element is not expected"},
      {replace(kKdReq, "<transaction-ID>3</transaction-ID>",
               "<transaction-ID>3</transaction-ID><transaction-ID>4</transaction-ID>"),
       "Element 'transaction-ID': This element is not expected"},
      {replace(example_xml("pruk-request-stop"), "<PRUK-ID>0123456789abcdef</PRUK-ID>", ids),
       "Element 'PRUK-ID': This element is not expected"},
      {late_rsc, "Element 'nonce-1': This element is not expected. Expected is ( relay-service-code )"},
      {replace(kKdReq, "</PRUK-ID>", "</PRUK-ID><IMSI>001010123456789</IMSI>"), "Element 'IMSI'"},
      {replace(kKdReq, "</KD-request>", "</KD-request><PGK-request/>"), "Element 'PGK-request'"},
      {replace(example_xml("kd-response-error"), "</error-code>",
               "</error-code><KD-freshness>f0e1d2c3b4a5968778695a4b3c2d1e0f</KD-freshness>"),
       "Element 'KD-freshness'"},
      {replace(stop, "<stop-acknowledged/>", "<stop-acknowledged/><PMK-ID>0a0b0c0d0e0f1011</PMK-ID>"),
       "Element 'PMK-ID'"},
      // Text where there should be none, elements where there should be text.
      {replace(kKdReq, "<KD-request>", "<KD-request>hello"),
       "Element 'KD-request': Character content other than whitespace is not allowed"},
      {replace(stop, "<stop-acknowledged/>", "<stop-acknowledged>yes</stop-acknowledged>"),
       "Element 'stop-acknowledged': Character content is not allowed"},
      {replace(kKdReq, "00a1b2<", "00a1b2<b/><"), "Element 'relay-service-code': Element content is not allowed"},
      // Repeated values (xs:unique).
      {replace(example_xml("pruk-request-stop"), "<PRUK-ID>0123456789abcdef</PRUK-ID>",
               "<PRUK-ID>0123456789abcdef</PRUK-ID><PRUK-ID>0123456789ABCDEF</PRUK-ID>"),
       "Element 'PRUK-ID': Duplicate key-sequence"},
      {replace(example_xml("discovery-key-request"), "00a1b3", "00A1B2"),
       "Element 'relay-service-code': Duplicate key-sequence"},
      {replace(example_xml("pgk-request"), "00cafe", "00beef"), "Element 'group': Duplicate key-sequence"},
      {replace(example_xml("pgk-request"), "<supported-algorithm>1<", "<supported-algorithm>2<"),
       "Element 'supported-algorithm': Duplicate key-sequence"},
      // Hex and lengths.
      {replace(kKdResp, "<KD>80", "<KD>zz"), "Element 'KD': '...' is not a valid value of the atomic type"},
      {replace(kKdReq, "00a1b2", "00a1b"), "Element 'relay-service-code'"},
      {replace(kKdReq, "00a1b2", "00 a1b2"), "Element 'relay-service-code'"},
      {replace(kKdReq, "00a1b2", "0x00a1b2"), "Element 'relay-service-code'"},
      {replace(kKdResp, "<KD>8081", "<KD>81"), "Element 'KD': [facet 'length'] The value has a length of '31'"},
      {replace(kKdReq, "00a1b2", "0000a1b2"), "Element 'relay-service-code': [facet 'length']"},
      {replace(kKdReq, "0123456789abcdef", "0123456789abcdef00"), "Element 'PRUK-ID': [facet 'length']"},
      {replace(kKdResp, gpi, "<GPI></GPI>"), "Element 'GPI': [facet 'minLength']"},
      {replace(kKdResp, gpi, "<GPI>" + std::string(2 * 4097, 'a') + "</GPI>"), "Element 'GPI': [facet 'maxLength']"},
      {replace(ir, "0f0e0d0c0b0a0908070605040302", "0f0e0d0c0b0a090807060504030201"),
       "Element 'AUTS': [facet 'length'] The value has a length of '15'"},
      // Values.
      {replace(kKdReq, "0123456789abcdef", "0000000000000000"), "Element 'PRUK-ID': [facet 'pattern']"},
      {replace(ir, "001010123456789", "00101"), "Element 'IMSI': [facet 'pattern']"},
      {replace(ir, "001010123456789", "0010101234567890"), "Element 'IMSI'"},
      {replace(ir, "001010123456789", "00101012345678a"), "Element 'IMSI'"},
      {replace(example_xml("kd-response-error"), ">13<", ">99<"), "Element 'error-code': [facet 'enumeration']"},
      {replace(kKdReq, ">3<", ">4294967296<"), "Element 'transaction-ID'"},
      {replace(kKdReq, ">3<", ">+3<"), "Element 'transaction-ID'"},
      {replace(kKdReq, ">3<", ">-3<"), "Element 'transaction-ID'"},
      {replace(pr, ">2269<", ">0<"), "Element 'UE-port': [facet 'minInclusive']"},
      {replace(pr, ">2269<", ">65536<"), "Element 'UE-port'"},
      {replace(pr, "192.0.2.10", "192.0.2.256"), "Element 'UE-IP-address'"},
      {replace(pr, "192.0.2.10", "192.0.2.010"), "Element 'UE-IP-address'"},
      {replace(pr, ">start<", ">begin<"), "Element 'PRUK-delivery': [facet 'enumeration']"},
      {replace(pr, "<supported-algorithm>2<", "<supported-algorithm>16<"),
       "Element 'supported-algorithm': [facet 'maxInclusive']"},
      {replace(prs, "2027-01-31T12:00:00Z", "2027-02-30T12:00:00Z"), "Element 'PGK-expiry'"},
      {replace(prs, "2027-01-31T12:00:00Z", "2027-01-31T12:00:00+01:00"), "Element 'PGK-expiry'"},
      {replace(prs, "2027-01-31T12:00:00Z", "2027-01-31T24:00:00Z"), "Element 'PGK-expiry'"},
      {replace(prs, "2027-01-31T12:00:00Z", "1969-12-31T23:59:59Z"), "Element 'PGK-expiry'"},
      {replace(prs, "2027-01-31T12:00:00Z", "2027-01-31T12:00:00.5Z"), "Element 'PGK-expiry'"},
      {replace(kKdResp, "ue-17@example.org", "ue\xc3\xa9"), "Element 'other-identity'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.names);
    expect_reject(c.xml, DecodeErrc::kSchemaInvalid, c.names);
    auto r = Codec::decode(c.xml);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::kMalformed);
    EXPECT_EQ(r.error().message.rfind("schema-invalid: line ", 0), 0u) << r.error().message;
    EXPECT_EQ(r.error().message.find("urn:prose-relay-security"), std::string::npos) << r.error().message;
  }
}

TEST(Pc8Negative, ErrorsDoNotShowValues) {
  // A value the schema refuses is shown as '...', whatever its case: it may be key hex.
  const std::string key = "808182838485868788898a8b8c8d8e8f";
  ASSERT_NE(kKdResp.find(key), std::string::npos);
  for (const std::string& bad : {replace(kKdResp, key, "z" + key.substr(1)), replace(kKdResp, key, key + "zz")}) {
    auto r = Codec::decode(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message.find(key.substr(1)), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("'...'"), std::string::npos) << r.error().message;
  }
  auto d = Codec::decode(replace(example_xml("pgk-request"), "00cafe", "00BEEF"));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("Duplicate key-sequence [...]"), std::string::npos) << d.error().message;
  EXPECT_EQ(d.error().message.find("BEEF"), std::string::npos) << d.error().message;
}

TEST(Pc8Negative, CodecOnlyRules) {
  // What the schema allows and the codec does not (docs/pc8.md D2..D8; D1 is TooLarge).
  const std::string ns = std::string(kNamespace);
  expect_reject(replace(replace(kKdReq, "<KD-request>", "<p:KD-request xmlns:p=\"" + ns + "\">"), "</KD-request>",
                        "</p:KD-request>"),
                DecodeErrc::kWrongNamespace, "<p:KD-request>: namespace prefixes are not allowed", false);
  expect_reject(replace(example_xml("pruk-request"), "192.0.2.10", "1:2:3:4:5:6:7:8:9"), DecodeErrc::kBadValue,
                "<UE-IP-address>", false);
  expect_reject(replace(kKdReq, "encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\""), DecodeErrc::kNotWellFormed,
                "encoding \"ISO-8859-1\" not supported (UTF-8 only)", false);
  expect_reject(replace(kKdReq, "<KEY_REQUEST xmlns=",
                        "<KEY_REQUEST xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"" +
                            ns + " pc8.xsd\" xmlns="),
                DecodeErrc::kUnknownAttribute, "attribute 'xsi:schemaLocation' not allowed on <KEY_REQUEST>", false);
  expect_reject(replace(kKdReq, "<KD-request>", "<KD-request xmlns=\"" + ns + "\">"), DecodeErrc::kUnknownAttribute,
                "namespace declaration 'xmlns' not allowed on <KD-request>", false);
  expect_reject(replace(kKdReq, "<KD-request>", "<?app hint?><KD-request>"), DecodeErrc::kNotWellFormed,
                "processing instruction 'app' not allowed", false);
  expect_reject(replace(kKdReq, "version=\"1.0\"", "version=\"1.1\""), DecodeErrc::kNotWellFormed,
                "XML version \"1.1\" not supported (1.0 only)", false);
}

TEST(Pc8Negative, ErrorsCarryLinesAndParseErrorsOffsets) {
  auto r = Codec::decode(replace(kKdReq, "<KD-request>", "<KD-request a=\"1\">"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("line 4: "), std::string::npos) << r.error().message;
  auto w = Codec::decode(replace(kKdReq, "<KD-request>", "<KD-request a=1>"));
  ASSERT_FALSE(w.ok());
  ASSERT_TRUE(w.error().offset.has_value());
  EXPECT_EQ(*w.error().offset, kKdReq.find("<KD-request>") + 14);
  EXPECT_NE(w.error().to_string().find("at offset"), std::string::npos);
  EXPECT_NE(w.error().message.find("line 4, column 17: AttValue: \" or ' expected"), std::string::npos)
      << w.error().message;
}

TEST(Pc8Negative, EncoderRefusesInvalidModels) {
  KdRequest zero;
  zero.remote_ue = ids::PrukId{0};
  EXPECT_FALSE(Codec::encode(Message{zero}).ok());
  KdRequest imsi;
  imsi.remote_ue = Imsi{"12ab"};
  EXPECT_FALSE(Codec::encode(Message{imsi}).ok());
  KdResponse shortkd;
  shortkd.outcome = KdGrant{SecretBytes(31), ids::KdFreshness{}, std::nullopt, std::nullopt};
  EXPECT_FALSE(Codec::encode(Message{std::move(shortkd)}).ok());
  KdResponse emptygpi;
  emptygpi.outcome = KdGrant{SecretBytes(32), ids::KdFreshness{}, Bytes{}, std::nullopt};
  EXPECT_FALSE(Codec::encode(Message{std::move(emptygpi)}).ok());
  PgkRequest nogroups;
  EXPECT_FALSE(Codec::encode(Message{nogroups}).ok());
  DiscoveryKeyRequest dup;
  dup.relay_service_codes = {ids::RelayServiceCode{1}, ids::RelayServiceCode{1}};
  EXPECT_FALSE(Codec::encode(Message{dup}).ok());
  PrukResponse half;
  half.outcome = PrukGrant{KeyTypeId{1}, std::nullopt, ids::PrukId{5}, std::nullopt};
  EXPECT_FALSE(Codec::encode(Message{std::move(half)}).ok());
  PrukResponse badcode;
  badcode.outcome = static_cast<ErrorCode>(99);
  EXPECT_FALSE(Codec::encode(Message{std::move(badcode)}).ok());
  PrukRequest badip;
  badip.ue_address = UeAddress{"::::", std::nullopt};
  EXPECT_FALSE(Codec::encode(Message{badip}).ok());
  KdResponse spaces;
  spaces.outcome = KdGrant{SecretBytes(32), ids::KdFreshness{}, std::nullopt,
                           RemoteUeIdentity{Imsi{"001010123456789"}, std::nullopt, std::string("a  b")}};
  EXPECT_FALSE(Codec::encode(Message{std::move(spaces)}).ok());
  DiscoveryKeyResponse early;
  early.outcome = std::vector<DiscoveryKeyResult>{};
  EXPECT_FALSE(Codec::encode(Message{std::move(early)}).ok());
}

TEST(Pc8Negative, ValueTypes) {
  EXPECT_FALSE(ids::RelayServiceCode::from_value(0x1000000, "rsc").ok());
  EXPECT_EQ(ids::RelayServiceCode::from_value(0xffffff, "rsc")->hex(), "ffffff");
  EXPECT_EQ(ids::PrukId::from_hex("0123456789ABCDEF", "id")->value, 0x0123456789abcdefULL);
  EXPECT_FALSE(ids::PrukId::from_hex("0123", "id").ok());
  EXPECT_FALSE(Imsi::parse("12345").ok());
  EXPECT_TRUE(Imsi::parse("123456").ok());
  EXPECT_FALSE(Msisdn::parse("").ok());
  EXPECT_FALSE(UeAddress::parse("1.2.3", std::nullopt).ok());
  EXPECT_TRUE(UeAddress::parse("::1", 1).ok());
  EXPECT_FALSE(UeAddress::parse("::1", 0).ok());
  EXPECT_EQ(UeAddress::parse("10.0.0.1", std::nullopt)->port_or_default(), kDefaultMikeyPort);
  auto t = parse_utc("2024-02-29T23:59:59Z", "t");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(format_utc(*t), "2024-02-29T23:59:59Z");
  EXPECT_FALSE(parse_utc("2023-02-29T00:00:00Z", "t").ok());
  EXPECT_EQ(format_utc(UtcTime{}), "1970-01-01T00:00:00Z");
}

}  // namespace
}  // namespace prose::pc8

namespace prose::pc8 {
namespace {

// The PKMF's discovery security configuration in a grant (24.334 10A): key combination, Encrypted_bits_mask,
// confidentiality algorithm.
TEST(Pc8Negative, DiscoveryKeyConfiguration) {
  const std::string dr = example_xml("discovery-key-response");
  ASSERT_NE(dr.find("<key-combination>DUIK-DUSK-DUCK</key-combination>"), std::string::npos) << dr;
  auto ok = Codec::decode(dr);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_TRUE(schema_validate(dr).ok());
  const auto& g = std::get<DiscoveryKeyGrant>(
      std::get<std::vector<DiscoveryKeyResult>>(std::get<DiscoveryKeyResponse>(*ok).outcome)[0].outcome);
  EXPECT_EQ(g.key_combination, (KeyCombination{true, true}));
  EXPECT_EQ(g.encrypted_bits_mask, (Bytes{0xff, 0xff, 0xf0}));
  EXPECT_EQ(g.confidentiality_algorithm, std::uint8_t{2});

  // Every combination has the DUIK; without it, or in another spelling, it is not a combination.
  for (const char* bad : {"DUSK-DUCK", "DUSK", "duik", "DUIK-DUCK-DUSK", "DUIK DUSK", ""}) {
    expect_reject(replace(dr, ">DUIK-DUSK-DUCK<", std::string(">") + bad + "<"), DecodeErrc::kSchemaInvalid,
                  "Element 'key-combination': [facet 'enumeration']");
  }
  for (const char* good : {"DUIK", "DUIK-DUSK", "DUIK-DUCK", " DUIK-DUCK\n"}) {
    std::string x = replace(dr, ">DUIK-DUSK-DUCK<", std::string(">") + good + "<");
    EXPECT_TRUE(Codec::decode(x).ok()) << good;
    EXPECT_TRUE(schema_validate(x).ok()) << good;
  }
  // Mask: 1..23 octets of hex.
  expect_reject(replace(dr, ">fffff0<", "><"), DecodeErrc::kSchemaInvalid, "Element 'encrypted-bits-mask'");
  expect_reject(replace(dr, ">fffff0<", ">" + std::string(48, 'f') + "<"), DecodeErrc::kSchemaInvalid,
                "[facet 'maxLength'] The value has a length of '24'");
  expect_reject(replace(dr, ">fffff0<", ">fffff<"), DecodeErrc::kSchemaInvalid, "Element 'encrypted-bits-mask'");
  expect_reject(replace(dr, ">fffff0<", ">fffffg<"), DecodeErrc::kSchemaInvalid, "Element 'encrypted-bits-mask'");
  EXPECT_TRUE(Codec::decode(replace(dr, ">fffff0<", ">" + std::string(46, 'F') + "<")).ok());
  // Algorithm: 128-EEA1..3 only.
  for (const char* bad : {"0", "4", "02", "+2", "15", "x"}) {
    expect_reject(replace(dr, "<confidentiality-algorithm>2<", std::string("<confidentiality-algorithm>") + bad + "<"),
                  DecodeErrc::kSchemaInvalid, "Element 'confidentiality-algorithm'");
  }
  // Order, duplicates, and not with an error code.
  expect_reject(replace(replace(dr, "<key-combination>DUIK-DUSK-DUCK</key-combination>", ""),
                        "<confidentiality-algorithm>2</confidentiality-algorithm>",
                        "<confidentiality-algorithm>2</confidentiality-algorithm>"
                        "<key-combination>DUIK</key-combination>"),
                DecodeErrc::kSchemaInvalid, "Element 'key-combination': This element is not expected");
  expect_reject(
      replace(dr, "<encrypted-bits-mask>fffff0</encrypted-bits-mask>",
              "<encrypted-bits-mask>fffff0</encrypted-bits-mask><encrypted-bits-mask>ff</encrypted-bits-mask>"),
      DecodeErrc::kSchemaInvalid, "Element 'encrypted-bits-mask': This element is not expected");
  expect_reject(
      replace(dr, "<error-code>18</error-code>", "<error-code>18</error-code><key-combination>DUIK</key-combination>"),
      DecodeErrc::kSchemaInvalid, "Element 'key-combination': This element is not expected");

  // The encoder refuses what the decoder would refuse.
  auto grant = [](std::optional<Bytes> mask, std::optional<std::uint8_t> alg) {
    DiscoveryKeyResponse m;
    std::vector<DiscoveryKeyResult> v;
    v.push_back(
        DiscoveryKeyResult{ids::RelayServiceCode{1},
                           DiscoveryKeyGrant{SecretBytes(kPsdkSize), std::nullopt, UtcTime(std::chrono::seconds(0)),
                                             KeyCombination{false, true}, std::move(mask), alg}});
    m.outcome = std::move(v);
    return Message{std::move(m)};
  };
  EXPECT_TRUE(Codec::encode(grant(Bytes(23, 0xff), std::uint8_t{3})).ok());
  EXPECT_FALSE(Codec::encode(grant(Bytes{}, std::nullopt)).ok());
  EXPECT_FALSE(Codec::encode(grant(Bytes(24, 0xff), std::nullopt)).ok());
  EXPECT_FALSE(Codec::encode(grant(std::nullopt, std::uint8_t{0})).ok());
  EXPECT_FALSE(Codec::encode(grant(std::nullopt, std::uint8_t{4})).ok());

  // Key combination tokens and the capability bitmap table.
  for (bool s : {false, true}) {
    for (bool d : {false, true}) {
      EXPECT_EQ(key_combination_from_name(key_combination_name(KeyCombination{s, d})), (KeyCombination{s, d}));
    }
  }
  EXPECT_TRUE(capabilities_allow(std::nullopt, 3));
  EXPECT_TRUE(capabilities_allow(0x02, 2));
  EXPECT_FALSE(capabilities_allow(0x02, 1));
  EXPECT_FALSE(capabilities_allow(0xf8, 1));  // reserved bits only
  EXPECT_FALSE(capabilities_allow(0x07, 0));  // EEA0 has no bit
  EXPECT_TRUE(capabilities_allow(0x05, 3));
}

}  // namespace
}  // namespace prose::pc8

namespace prose::pc8 {
namespace {
TEST(Pc8Negative, ContentAfterTheRootIsRefused) {
  const std::string x = example_xml("kd-request") + "\n<";
  auto r = Codec::decode(x);
  ASSERT_FALSE(r.ok()) << "accepted a document with content after the root";
  EXPECT_NE(r.error().message.find("Extra content at the end of the document"), std::string::npos)
      << r.error().to_string();
}
}  // namespace
}  // namespace prose::pc8
