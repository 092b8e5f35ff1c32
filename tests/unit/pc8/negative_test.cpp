// Each error class of the decoder, with the element it names; the schema rejects the same documents (except
// the documented divergences in consistency_test.cpp).
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
                          kKdReq + "trailing text", kKdReq + "$", kKdReq + "$\n"}) {
    auto r = Codec::decode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(decode_errc_of(r.error()), DecodeErrc::kNotWellFormed) << r.error().to_string();
    EXPECT_FALSE(schema_validate(bad).ok());
  }
  auto r = Codec::decode(kKdReq.substr(0, 60));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().offset.has_value());
}

TEST(Pc8Negative, WhatPugixmlWouldLetThrough) {
  // The pre-scan refuses what a lenient parser accepts but XML 1.0 does not, so both checks agree.
  const std::string kdr = kKdResp;
  expect_reject(replace(kdr, "ue-17@example.org", "ue-17&example.org"), DecodeErrc::kNotWellFormed, "'&'");
  expect_reject(replace(kdr, "ue-17@example.org", "ue-17&foo;"), DecodeErrc::kNotWellFormed, "undeclared entity");
  expect_reject(replace(kdr, "ue-17@example.org", "ue-17]]>"), DecodeErrc::kNotWellFormed, "']]>'");
  expect_reject(replace(kdr, "ue-17@example.org", "ue-17&#1;"), DecodeErrc::kNotWellFormed, "character reference");
  expect_reject(replace(kdr, "ue-17@example.org", "ue-17&#x110000;"), DecodeErrc::kNotWellFormed, "out of range");
  expect_reject(replace(kKdReq, "<KD-request>", "<!-- a -- b --><KD-request>"), DecodeErrc::kNotWellFormed, "'--'");
  expect_reject(replace(kKdReq, "<KD-request>", "<!-- \x01 --><KD-request>"), DecodeErrc::kNotWellFormed,
                "control character");
  expect_reject(replace(kKdReq, "<KD-request>", "<!-- \xc3\x28 --><KD-request>"), DecodeErrc::kNotWellFormed, "UTF-8");
  expect_reject(replace(kKdReq, "<KD-request>", "<!-- \xe0\x80\x80 --><KD-request>"), DecodeErrc::kNotWellFormed,
                "UTF-8");
  expect_reject(replace(kKdReq, "<KD-request>", "<!-- \xed\xa0\x80 --><KD-request>"), DecodeErrc::kNotWellFormed,
                "UTF-8");
  expect_reject(replace(kKdReq, "<KD-request>", "<!-- unterminated <KD-request>"), DecodeErrc::kNotWellFormed,
                "comment");
  expect_reject(replace(kKdReq, "<KD-request>", "<?pi x?><KD-request>"), DecodeErrc::kNotWellFormed,
                "processing instructions", false);
  expect_reject(replace(kKdReq, "<?xml version=\"1.0\"", "<?xml versio=\"1.0\""), DecodeErrc::kNotWellFormed,
                "XML declaration");
  expect_reject(replace(kKdReq, "<?xml version=\"1.0\"", "<?EUC-Jersion=\"1.0\""), DecodeErrc::kNotWellFormed,
                "processing instructions");
  expect_reject(replace(kKdReq, "<KEY_REQUEST ", "\n<?xml version=\"1.0\"?><KEY_REQUEST "), DecodeErrc::kNotWellFormed,
                "processing instructions");
  expect_reject(replace(kKdReq, "<KEY_REQUEST ", "<KEY_REQUEST xmlns=\"urn:prose-relay-security:ns:pc8:1\" "),
                DecodeErrc::kNotWellFormed, "'xmlns' given twice");
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
  EXPECT_FALSE(Codec::decode(ent).ok());
  EXPECT_FALSE(schema_validate(ent).ok());
}

TEST(Pc8Negative, WrongRoot) {
  expect_reject(replace(replace(kKdReq, "<KEY_REQUEST", "<KEY_REQUESTS"), "</KEY_REQUEST>", "</KEY_REQUESTS>"),
                DecodeErrc::kWrongRoot, "<KEY_REQUESTS>");
}

TEST(Pc8Negative, WrongNamespace) {
  expect_reject(replace(kKdReq, "urn:prose-relay-security:ns:pc8:1", "urn:example:other"), DecodeErrc::kWrongNamespace,
                "KEY_REQUEST");
  expect_reject(replace(kKdReq, " xmlns=\"urn:prose-relay-security:ns:pc8:1\"", ""), DecodeErrc::kWrongNamespace,
                "missing xmlns");
}

TEST(Pc8Negative, UnknownElement) {
  expect_reject(replace(kKdReq, "</KD-request>", "<KD>00</KD></KD-request>"), DecodeErrc::kUnknownElement,
                "<KD> not allowed in <KD-request>");
  expect_reject(replace(kKdReq, "<KD-request>", "<XX-request/><KD-request>"), DecodeErrc::kUnknownElement,
                "<XX-request>");
  expect_reject(replace(kKdResp, "<IMSI>", "<foo/><IMSI>"), DecodeErrc::kUnknownElement,
                "<foo> not allowed in <remote-UE-identity>");
  // A child element inside a leaf value.
  expect_reject(replace(kKdReq, "00a1b2<", "00a1b2<b/><"), DecodeErrc::kUnexpectedText, "<relay-service-code>");
}

TEST(Pc8Negative, UnknownAttribute) {
  expect_reject(replace(kKdReq, "<KD-request>", "<KD-request a=\"1\">"), DecodeErrc::kUnknownAttribute, "'a'");
  expect_reject(replace(kKdReq, "<KEY_REQUEST ", "<KEY_REQUEST version=\"1\" "), DecodeErrc::kUnknownAttribute,
                "'version'");
}

TEST(Pc8Negative, MissingElement) {
  expect_reject(replace(kKdReq, "<relay-service-code>00a1b2</relay-service-code>", ""), DecodeErrc::kMissingElement,
                "<KD-request> lacks <relay-service-code>");
  expect_reject(replace(kKdReq, "<PRUK-ID>0123456789abcdef</PRUK-ID>", ""), DecodeErrc::kMissingElement,
                "<PRUK-ID> or <IMSI>");
  expect_reject(replace(kKdReq, "<transaction-ID>3</transaction-ID>", ""), DecodeErrc::kMissingElement,
                "<transaction-ID>");
  expect_reject(replace(kKdResp, "<KD-freshness>f0e1d2c3b4a5968778695a4b3c2d1e0f</KD-freshness>", ""),
                DecodeErrc::kMissingElement, "<KD-freshness>");
  std::string pr = example_xml("pruk-response");
  expect_reject(replace(pr, "<PMK>", "<PMKX>").replace(pr.find("</PMK>"), 6, "</PMKX>"), DecodeErrc::kUnknownElement,
                "<PMKX>");
  std::string no_pmk = pr;
  auto a = no_pmk.find("    <PMK>");
  no_pmk.erase(a, no_pmk.find("</PMK>\n") + 7 - a);
  expect_reject(no_pmk, DecodeErrc::kMissingElement, "<PMK-ID> without <PMK>");
  std::string body = example_xml("pruk-request");
  expect_reject(replace(body, "<UE-IP-address>192.0.2.10</UE-IP-address>", ""), DecodeErrc::kMissingElement,
                "<UE-port> without <UE-IP-address>");
}

TEST(Pc8Negative, DuplicateElement) {
  expect_reject(
      replace(kKdReq, "</relay-service-code>", "</relay-service-code><relay-service-code>00a1b3</relay-service-code>"),
      DecodeErrc::kDuplicateElement, "<relay-service-code> given more than once");
  expect_reject(replace(kKdReq, "<transaction-ID>3</transaction-ID>",
                        "<transaction-ID>3</transaction-ID><transaction-ID>4</transaction-ID>"),
                DecodeErrc::kDuplicateElement, "<transaction-ID>");
  std::string ids;
  for (int i = 0; i < 17; ++i)
    ids += "<PRUK-ID>00000000000001" + std::string(i < 16 ? "0" : "1") + "0123456789abcdef"[i % 16] + "</PRUK-ID>";
  expect_reject(replace(example_xml("pruk-request-stop"), "<PRUK-ID>0123456789abcdef</PRUK-ID>", ids),
                DecodeErrc::kDuplicateElement, "more than 16 <PRUK-ID>");
}

TEST(Pc8Negative, DuplicateValues) {
  // Same value twice where the schema has xs:unique: a bad value, naming the element.
  std::string two = replace(example_xml("pruk-request-stop"), "<PRUK-ID>0123456789abcdef</PRUK-ID>",
                            "<PRUK-ID>0123456789abcdef</PRUK-ID><PRUK-ID>0123456789ABCDEF</PRUK-ID>");
  expect_reject(two, DecodeErrc::kBadValue, "<PRUK-ID>: value repeated");
  std::string rsc = replace(example_xml("discovery-key-request"), "00a1b3", "00A1B2");
  expect_reject(rsc, DecodeErrc::kBadValue, "<relay-service-code>: value repeated");
  std::string grp = replace(example_xml("pgk-request"), "00cafe", "00beef");
  expect_reject(grp, DecodeErrc::kBadValue, "<group-ID>: value repeated");
  std::string alg = replace(example_xml("pgk-request"), "<supported-algorithm>1<", "<supported-algorithm>2<");
  expect_reject(alg, DecodeErrc::kBadValue, "<supported-algorithm>: value repeated");
}

TEST(Pc8Negative, OutOfOrder) {
  std::string x = replace(kKdReq, "<relay-service-code>00a1b2</relay-service-code>", "");
  x = replace(x, "</KD-request>", "<relay-service-code>00a1b2</relay-service-code></KD-request>");
  expect_reject(x, DecodeErrc::kOutOfOrder, "<relay-service-code> must come before <nonce-1>");
  std::string y = replace(kKdReq, "<transaction-ID>3</transaction-ID>", "");
  y = replace(y, "</KEY_REQUEST>", "<transaction-ID>3</transaction-ID></KEY_REQUEST>");
  expect_reject(y, DecodeErrc::kOutOfOrder, "<transaction-ID>");
}

TEST(Pc8Negative, Conflict) {
  expect_reject(replace(kKdReq, "</PRUK-ID>", "</PRUK-ID><IMSI>001010123456789</IMSI>"), DecodeErrc::kConflict,
                "<IMSI> and <PRUK-ID> are mutually exclusive");
  expect_reject(replace(kKdReq, "</KD-request>", "</KD-request><PGK-request/>"), DecodeErrc::kConflict,
                "<PGK-request> and <KD-request>");
  std::string err = example_xml("kd-response-error");
  expect_reject(
      replace(err, "</error-code>", "</error-code><KD-freshness>f0e1d2c3b4a5968778695a4b3c2d1e0f</KD-freshness>"),
      DecodeErrc::kConflict, "<KD-freshness> not allowed with <error-code>");
  std::string stop = example_xml("pruk-response-stop");
  expect_reject(replace(stop, "<stop-acknowledged/>", "<stop-acknowledged/><PMK-ID>0a0b0c0d0e0f1011</PMK-ID>"),
                DecodeErrc::kConflict, "<PMK-ID> not allowed with <stop-acknowledged>");
}

TEST(Pc8Negative, UnexpectedText) {
  expect_reject(replace(kKdReq, "<KD-request>", "<KD-request>hello"), DecodeErrc::kUnexpectedText,
                "text not allowed in <KD-request>");
  expect_reject(
      replace(example_xml("pruk-response-stop"), "<stop-acknowledged/>", "<stop-acknowledged>yes</stop-acknowledged>"),
      DecodeErrc::kUnexpectedText, "<stop-acknowledged> must be empty");
}

TEST(Pc8Negative, BadHex) {
  expect_reject(replace(kKdResp, "<KD>80", "<KD>zz"), DecodeErrc::kBadHex, "<KD>: invalid hex character at position 0");
  expect_reject(replace(kKdReq, "00a1b2", "00a1b"), DecodeErrc::kBadHex, "<relay-service-code>: odd number");
  expect_reject(replace(kKdReq, "00a1b2", "00 a1b2"), DecodeErrc::kBadHex, "<relay-service-code>");
  expect_reject(replace(kKdReq, "00a1b2", "0x00a1b2"), DecodeErrc::kBadHex, "<relay-service-code>");
}

TEST(Pc8Negative, WrongLength) {
  expect_reject(replace(kKdResp, "<KD>8081", "<KD>81"), DecodeErrc::kWrongLength, "<KD>: expected 32 octets, got 31");
  expect_reject(replace(kKdReq, "00a1b2", "0000a1b2"), DecodeErrc::kWrongLength, "<relay-service-code>: expected 3");
  expect_reject(replace(kKdReq, "0123456789abcdef", "0123456789abcdef00"), DecodeErrc::kWrongLength, "<PRUK-ID>");
  const std::string gpi = kKdResp.substr(kKdResp.find("<GPI>"), kKdResp.find("</GPI>") + 6 - kKdResp.find("<GPI>"));
  expect_reject(replace(kKdResp, gpi, "<GPI></GPI>"), DecodeErrc::kWrongLength,
                "<GPI>: expected 1..4096 octets, got 0");
  expect_reject(replace(kKdResp, gpi, "<GPI>" + std::string(2 * 4097, 'a') + "</GPI>"), DecodeErrc::kWrongLength,
                "<GPI>");
  std::string ir = example_xml("kd-request-imsi-resync");
  expect_reject(replace(ir, "0f0e0d0c0b0a0908070605040302", "0f0e0d0c0b0a090807060504030201"), DecodeErrc::kWrongLength,
                "<AUTS>: expected 14 octets, got 15");
}

TEST(Pc8Negative, BadValue) {
  expect_reject(replace(kKdReq, "0123456789abcdef", "0000000000000000"), DecodeErrc::kBadValue,
                "<PRUK-ID>: the all-zero PRUK ID is reserved");
  std::string ir = example_xml("kd-request-imsi-resync");
  expect_reject(replace(ir, "001010123456789", "00101"), DecodeErrc::kBadValue, "<IMSI>: expected 6 to 15");
  expect_reject(replace(ir, "001010123456789", "0010101234567890"), DecodeErrc::kBadValue, "<IMSI>");
  expect_reject(replace(ir, "001010123456789", "00101012345678a"), DecodeErrc::kBadValue, "<IMSI>");
  expect_reject(replace(example_xml("kd-response-error"), ">13<", ">99<"), DecodeErrc::kBadValue,
                "<error-code>: 99 is not a defined status code");
  expect_reject(replace(kKdReq, ">3<", ">4294967296<"), DecodeErrc::kBadValue, "<transaction-ID>");
  expect_reject(replace(kKdReq, ">3<", ">+3<"), DecodeErrc::kBadValue, "<transaction-ID>");
  expect_reject(replace(kKdReq, ">3<", ">-3<"), DecodeErrc::kBadValue, "<transaction-ID>");
  std::string pr = example_xml("pruk-request");
  expect_reject(replace(pr, ">2269<", ">0<"), DecodeErrc::kBadValue, "<UE-port>");
  expect_reject(replace(pr, ">2269<", ">65536<"), DecodeErrc::kBadValue, "<UE-port>");
  expect_reject(replace(pr, "192.0.2.10", "192.0.2.256"), DecodeErrc::kBadValue, "<UE-IP-address>");
  expect_reject(replace(pr, "192.0.2.10", "192.0.2.010"), DecodeErrc::kBadValue, "<UE-IP-address>");
  expect_reject(replace(pr, ">start<", ">begin<"), DecodeErrc::kBadValue, "<PRUK-delivery>");
  expect_reject(replace(pr, "<supported-algorithm>2<", "<supported-algorithm>16<"), DecodeErrc::kBadValue,
                "<supported-algorithm>");
  std::string resp = example_xml("pruk-response");
  expect_reject(replace(resp, "2027-01-31T12:00:00Z", "2027-02-30T12:00:00Z"), DecodeErrc::kBadValue,
                "<PGK-expiry>: no such date");
  expect_reject(replace(resp, "2027-01-31T12:00:00Z", "2027-01-31T12:00:00+01:00"), DecodeErrc::kBadValue,
                "<PGK-expiry>");
  expect_reject(replace(resp, "2027-01-31T12:00:00Z", "2027-01-31T24:00:00Z"), DecodeErrc::kBadValue, "<PGK-expiry>");
  expect_reject(replace(resp, "2027-01-31T12:00:00Z", "1969-12-31T23:59:59Z"), DecodeErrc::kBadValue, "<PGK-expiry>");
  expect_reject(replace(resp, "2027-01-31T12:00:00Z", "2027-01-31T12:00:00.5Z"), DecodeErrc::kBadValue, "<PGK-expiry>");
  expect_reject(replace(kKdResp, "ue-17@example.org", "ue\xc3\xa9"), DecodeErrc::kBadValue, "<other-identity>");
}

TEST(Pc8Negative, ErrorsCarryOffsets) {
  auto r = Codec::decode(replace(kKdReq, "<KD-request>", "<KD-request a=\"1\">"));
  ASSERT_FALSE(r.ok());
  ASSERT_TRUE(r.error().offset.has_value());
  EXPECT_EQ(*r.error().offset, kKdReq.find("<KD-request>") + 1);
  EXPECT_NE(r.error().to_string().find("at offset"), std::string::npos);
}

TEST(Pc8Negative, EncoderRefusesInvalidModels) {
  KdRequest zero;
  zero.remote_ue = PrukId{0};
  EXPECT_FALSE(Codec::encode(Message{zero}).ok());
  KdRequest imsi;
  imsi.remote_ue = Imsi{"12ab"};
  EXPECT_FALSE(Codec::encode(Message{imsi}).ok());
  KdResponse shortkd;
  shortkd.outcome = KdGrant{SecretBytes(31), KdFreshness{}, std::nullopt, std::nullopt};
  EXPECT_FALSE(Codec::encode(Message{std::move(shortkd)}).ok());
  KdResponse emptygpi;
  emptygpi.outcome = KdGrant{SecretBytes(32), KdFreshness{}, Bytes{}, std::nullopt};
  EXPECT_FALSE(Codec::encode(Message{std::move(emptygpi)}).ok());
  PgkRequest nogroups;
  EXPECT_FALSE(Codec::encode(Message{nogroups}).ok());
  DiscoveryKeyRequest dup;
  dup.relay_service_codes = {RelayServiceCode{1}, RelayServiceCode{1}};
  EXPECT_FALSE(Codec::encode(Message{dup}).ok());
  PrukResponse half;
  half.outcome = PrukGrant{KeyTypeId{1}, std::nullopt, PrukId{5}, std::nullopt};
  EXPECT_FALSE(Codec::encode(Message{std::move(half)}).ok());
  PrukResponse badcode;
  badcode.outcome = static_cast<ErrorCode>(99);
  EXPECT_FALSE(Codec::encode(Message{std::move(badcode)}).ok());
  PrukRequest badip;
  badip.ue_address = UeAddress{"::::", std::nullopt};
  EXPECT_FALSE(Codec::encode(Message{badip}).ok());
  KdResponse spaces;
  spaces.outcome = KdGrant{SecretBytes(32), KdFreshness{}, std::nullopt,
                           RemoteUeIdentity{Imsi{"001010123456789"}, std::nullopt, std::string("a  b")}};
  EXPECT_FALSE(Codec::encode(Message{std::move(spaces)}).ok());
  DiscoveryKeyResponse early;
  early.outcome = std::vector<DiscoveryKeyResult>{};
  EXPECT_FALSE(Codec::encode(Message{std::move(early)}).ok());
}

TEST(Pc8Negative, ValueTypes) {
  EXPECT_FALSE(RelayServiceCode::from_value(0x1000000, "rsc").ok());
  EXPECT_EQ(RelayServiceCode::from_value(0xffffff, "rsc")->hex(), "ffffff");
  EXPECT_EQ(PrukId::from_hex("0123456789ABCDEF", "id")->value, 0x0123456789abcdefULL);
  EXPECT_FALSE(PrukId::from_hex("0123", "id").ok());
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
    expect_reject(replace(dr, ">DUIK-DUSK-DUCK<", std::string(">") + bad + "<"), DecodeErrc::kBadValue,
                  "<key-combination>");
  }
  for (const char* good : {"DUIK", "DUIK-DUSK", "DUIK-DUCK", " DUIK-DUCK\n"}) {
    std::string x = replace(dr, ">DUIK-DUSK-DUCK<", std::string(">") + good + "<");
    EXPECT_TRUE(Codec::decode(x).ok()) << good;
    EXPECT_TRUE(schema_validate(x).ok()) << good;
  }
  // Mask: 1..23 octets of hex.
  expect_reject(replace(dr, ">fffff0<", "><"), DecodeErrc::kWrongLength, "<encrypted-bits-mask>");
  expect_reject(replace(dr, ">fffff0<", ">" + std::string(48, 'f') + "<"), DecodeErrc::kWrongLength,
                "expected 1..23 octets, got 24");
  expect_reject(replace(dr, ">fffff0<", ">fffff<"), DecodeErrc::kBadHex, "<encrypted-bits-mask>");
  expect_reject(replace(dr, ">fffff0<", ">fffffg<"), DecodeErrc::kBadHex, "<encrypted-bits-mask>");
  EXPECT_TRUE(Codec::decode(replace(dr, ">fffff0<", ">" + std::string(46, 'F') + "<")).ok());
  // Algorithm: 128-EEA1..3 only.
  for (const char* bad : {"0", "4", "02", "+2", "15", "x"}) {
    expect_reject(replace(dr, "<confidentiality-algorithm>2<", std::string("<confidentiality-algorithm>") + bad + "<"),
                  DecodeErrc::kBadValue, "<confidentiality-algorithm>");
  }
  // Order, duplicates, and not with an error code.
  expect_reject(replace(replace(dr, "<key-combination>DUIK-DUSK-DUCK</key-combination>", ""),
                        "<confidentiality-algorithm>2</confidentiality-algorithm>",
                        "<confidentiality-algorithm>2</confidentiality-algorithm>"
                        "<key-combination>DUIK</key-combination>"),
                DecodeErrc::kOutOfOrder, "<key-combination>");
  expect_reject(
      replace(dr, "<encrypted-bits-mask>fffff0</encrypted-bits-mask>",
              "<encrypted-bits-mask>fffff0</encrypted-bits-mask><encrypted-bits-mask>ff</encrypted-bits-mask>"),
      DecodeErrc::kDuplicateElement, "<encrypted-bits-mask>");
  expect_reject(
      replace(dr, "<error-code>18</error-code>", "<error-code>18</error-code><key-combination>DUIK</key-combination>"),
      DecodeErrc::kConflict, "<key-combination> not allowed with <error-code>");

  // The encoder refuses what the decoder would refuse.
  auto grant = [](std::optional<Bytes> mask, std::optional<std::uint8_t> alg) {
    DiscoveryKeyResponse m;
    std::vector<DiscoveryKeyResult> v;
    v.push_back(DiscoveryKeyResult{
        RelayServiceCode{1}, DiscoveryKeyGrant{SecretBytes(kPsdkSize), std::nullopt, UtcTime(std::chrono::seconds(0)),
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
