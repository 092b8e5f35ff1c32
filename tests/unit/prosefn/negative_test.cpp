// Decoder errors: one case per class, each checked against the schema too. The codec is never laxer than the
// schema: whenever the schema refuses a document, the codec refuses it as well; the few documents only the codec
// refuses are listed in docs/prosefn.md (D1..D6).
#include <gtest/gtest.h>

#include "test_util.h"

namespace prose::prosefn {
namespace {

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "'" << from << "' not in\n" << s;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

std::string request_xml() { return test::encode_ok(Message{test::sample_request()}); }
std::string response_xml() { return test::encode_ok(Message{test::sample_response()}); }

struct Case {
  const char* name;
  std::string xml;
  DecodeErrc expected;
  bool schema_valid;  // true only for the documented codec-only rules
};

std::vector<Case> cases() {
  std::string rq = request_xml();
  std::string rs = response_xml();
  std::string ns = "xmlns=\"" + std::string(kNamespace) + "\"";
  std::string relay_accept_end = "<announce-period>750</announce-period>";
  return {
      {"not xml", "hello", DecodeErrc::kNotWellFormed, false},
      {"truncated", rq.substr(0, rq.size() - 10), DecodeErrc::kNotWellFormed, false},
      {"bare ampersand", replace(rq, "<role>relay", "<role>re&lay"), DecodeErrc::kNotWellFormed, false},
      {"doctype", "<!DOCTYPE x [<!ENTITY a \"b\">]>" + rq.substr(rq.find('<', 1)), DecodeErrc::kDtdForbidden, false},
      {"wrong root",
       replace(replace(rq, "<SERVICE_AUTHORISATION_REQUEST", "<DISCOVERY_REQUEST"), "</SERVICE_AUTHORISATION_REQUEST>",
               "</DISCOVERY_REQUEST>"),
       DecodeErrc::kWrongRoot, false},
      {"wrong namespace", replace(rq, ns, "xmlns=\"urn:3GPP:ns:ProSe:Discovery:2014\""), DecodeErrc::kWrongNamespace,
       false},
      {"no namespace", replace(rq, " " + ns, ""), DecodeErrc::kWrongNamespace, false},
      {"unknown element", replace(rq, "<role>relay</role>", "<role>relay</role><foo>1</foo>"),
       DecodeErrc::kUnknownElement, false},
      {"attribute", replace(rq, "<relay-service>", "<relay-service id=\"1\">"), DecodeErrc::kUnknownAttribute, false},
      {"missing rsc",
       "<SERVICE_AUTHORISATION_REQUEST " + ns +
           "><transaction-ID>1</transaction-ID><relay-service>"
           "<role>relay</role></relay-service></SERVICE_AUTHORISATION_REQUEST>",
       DecodeErrc::kMissingElement, false},
      {"no entries",
       "<SERVICE_AUTHORISATION_REQUEST " + ns +
           "><transaction-ID>1</transaction-ID>"
           "</SERVICE_AUTHORISATION_REQUEST>",
       DecodeErrc::kMissingElement, false},
      {"no transaction id",
       "<SERVICE_AUTHORISATION_REQUEST " + ns +
           "><relay-service><role>relay</role>"
           "<relay-service-code>000001</relay-service-code></relay-service>"
           "</SERVICE_AUTHORISATION_REQUEST>",
       DecodeErrc::kMissingElement, false},
      {"out of order",
       replace(rq, "<role>relay</role>\n    <relay-service-code>00abcd</relay-service-code>",
               "<relay-service-code>00abcd</relay-service-code>\n    <role>relay</role>"),
       DecodeErrc::kOutOfOrder, false},
      {"duplicate role", replace(rq, "<role>relay</role>", "<role>relay</role><role>relay</role>"),
       DecodeErrc::kDuplicateElement, false},
      {"repeated entry", replace(rq, "<role>relay</role>", "<role>remote-ue</role>"), DecodeErrc::kBadValue, false},
      {"bad role", replace(rq, "<role>relay</role>", "<role>network</role>"), DecodeErrc::kBadValue, false},
      {"bad hex", replace(rq, "00abcd", "00abcg"), DecodeErrc::kBadHex, false},
      {"short rsc", replace(rq, "00abcd", "abcd"), DecodeErrc::kWrongLength, false},
      {"text in element", replace(rq, "<relay-service>", "<relay-service>x"), DecodeErrc::kUnexpectedText, false},
      {"transaction id too big", replace(rq, "4000000000", "4294967296"), DecodeErrc::kBadValue, false},
      {"accept and reject",
       replace(rs, "</response-accept>",
               "</response-accept><response-reject>"
               "<PC3-control-protocol-cause-value>3</PC3-control-"
               "protocol-cause-value></response-reject>"),
       DecodeErrc::kConflict, false},
      {"undefined cause", replace(rs, "cause-value>4<", "cause-value>9<"), DecodeErrc::kBadValue, false},
      {"port 0", replace(rs, "<port>8443</port>", "<port>0</port>"), DecodeErrc::kBadValue, false},
      {"bad host", replace(rs, "<host>127.0.0.1</host>", "<host>-pkmf</host>"), DecodeErrc::kBadValue, false},
      {"ip fqdn", replace(rs, "<PKMF-FQDN>pkmf.prose.test</PKMF-FQDN>", "<PKMF-FQDN>::1</PKMF-FQDN>"),
       DecodeErrc::kBadValue, false},
      {"model C", replace(rs, "<discovery-model>A</discovery-model>", "<discovery-model>C</discovery-model>"),
       DecodeErrc::kBadValue, false},
      {"model repeated", replace(rs, "<discovery-model>B</discovery-model>", "<discovery-model>A</discovery-model>"),
       DecodeErrc::kBadValue, false},
      {"flag 1", replace(rs, "<use-DUIK>true</use-DUIK>", "<use-DUIK>1</use-DUIK>"), DecodeErrc::kBadValue, false},
      {"offset too big", replace(rs, "<max-UTC-counter-offset>2<", "<max-UTC-counter-offset>86401<"),
       DecodeErrc::kBadValue, false},
      {"announce period 0", replace(rs, relay_accept_end, "<announce-period>0</announce-period>"),
       DecodeErrc::kBadValue, false},
      {"security missing", replace(replace(rs, "<discovery-security>", "<!--"), "</discovery-security>", "-->"),
       DecodeErrc::kMissingElement, false},
      // Codec-only rules (docs/prosefn.md D1..D6).
      {"D3 relay without announce period", replace(rs, relay_accept_end, ""), DecodeErrc::kMissingElement, true},
      {"D3 announce period for a remote UE",
       replace(rs, "</discovery-security>", "</discovery-security><announce-period>5</announce-period>"),
       DecodeErrc::kBadValue, true},
      {"D2 bad IPv6", replace(rs, "<host>127.0.0.1</host>", "<host>1:2:3:4:5:6:7:8:9</host>"), DecodeErrc::kBadValue,
       true},
      {"D4 prefix",
       replace(replace(rq, "<SERVICE_AUTHORISATION_REQUEST " + ns,
                       "<p:SERVICE_AUTHORISATION_REQUEST "
                       "xmlns:p=\"" +
                           std::string(kNamespace) + "\""),
               "</SERVICE_AUTHORISATION_REQUEST>", "</p:SERVICE_AUTHORISATION_REQUEST>"),
       DecodeErrc::kWrongNamespace, false /* prefixed children are unqualified: schema refuses too */},
      {"D5 other encoding", replace(rq, "encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\""), DecodeErrc::kNotWellFormed,
       true},
      {"D6 processing instruction", replace(rq, "<transaction-ID>", "<?pi x?><transaction-ID>"),
       DecodeErrc::kNotWellFormed, true},
      {"D1 too large", rq + std::string(kMaxBodySize, ' '), DecodeErrc::kTooLarge, true},
  };
}

TEST(ProsefnNegative, EachClassNamedAndNeverLaxerThanTheSchema) {
  ASSERT_TRUE(schema_validate(request_xml()).ok());
  ASSERT_TRUE(schema_validate(response_xml()).ok());
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    auto r = Codec::decode(c.xml);
    ASSERT_FALSE(r.ok()) << c.xml;
    auto cls = decode_errc_of(r.error());
    ASSERT_TRUE(cls.has_value()) << r.error().to_string();
    EXPECT_EQ(*cls, c.expected) << r.error().to_string();
    EXPECT_EQ(schema_validate(c.xml).ok(), c.schema_valid) << c.xml;
    EXPECT_FALSE(validate_document(c.xml).ok());
  }
}

TEST(ProsefnNegative, ErrorsNameTheElement) {
  auto r = Codec::decode(replace(request_xml(), "00abcd", "00abcg"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("<relay-service-code>"), std::string::npos) << r.error().message;
  EXPECT_TRUE(r.error().offset.has_value());
}

TEST(ProsefnNegative, BillionLaughsAndXxeAreRefusedBeforeParsing) {
  std::string lol =
      "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>"
      "<SERVICE_AUTHORISATION_REQUEST xmlns=\"" +
      std::string(kNamespace) +
      "\"><transaction-ID>&lol2;"
      "</transaction-ID></SERVICE_AUTHORISATION_REQUEST>";
  auto r = Codec::decode(lol);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(decode_errc_of(r.error()), DecodeErrc::kDtdForbidden);
  EXPECT_EQ(r.error().code, Errc::kUnsupported);
  EXPECT_FALSE(schema_validate(lol).ok());
  std::string xxe = "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><SERVICE_AUTHORISATION_REQUEST/>";
  EXPECT_EQ(decode_errc_of(Codec::decode(xxe).error()), DecodeErrc::kDtdForbidden);
}

TEST(ProsefnNegative, DecodeRequestRefusesAResponseAndViceVersa) {
  EXPECT_EQ(decode_errc_of(Codec::decode_request(response_xml()).error()), DecodeErrc::kWrongRoot);
  EXPECT_EQ(decode_errc_of(Codec::decode_response(request_xml()).error()), DecodeErrc::kWrongRoot);
}

TEST(ProsefnNegative, ThirtyThreeEntriesAreTooMany) {
  ServiceAuthorisationRequest r;
  for (std::uint32_t i = 0; i < kMaxServices; ++i) r.services.push_back({Role::kRelay, i});
  std::string xml = test::encode_ok(Message{r});
  xml = replace(xml, "<relay-service>",
                "<relay-service><role>relay</role><relay-service-code>0000ff"
                "</relay-service-code></relay-service><relay-service>");
  auto d = Codec::decode(xml);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(decode_errc_of(d.error()), DecodeErrc::kDuplicateElement);
  EXPECT_FALSE(schema_validate(xml).ok());
}

}  // namespace
}  // namespace prose::prosefn
