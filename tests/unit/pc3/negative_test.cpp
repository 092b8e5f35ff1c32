// Decoder errors: libxml2 decides well-formedness and the schema validity (both checked on every document the
// codec decodes), so whenever the schema refuses a document the codec refuses it as well; the few documents only
// the codec refuses are its own rules, listed in docs/prosefn.md (D1..D7).
#include <gtest/gtest.h>

#include "test_util.h"

namespace prose::pc3 {
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
  std::string names;  // in the message
  bool schema_valid;  // true only for the documented codec-only rules
};

std::vector<Case> cases() {
  std::string rq = request_xml();
  std::string rs = response_xml();
  std::string ns = "xmlns=\"" + std::string(kNamespace) + "\"";
  std::string relay_accept_end = "<announce-period>750</announce-period>";
  const auto kSchema = DecodeErrc::kSchemaInvalid;
  return {
      // libxml2: not well-formed, no DTD.
      {"not xml", "hello", DecodeErrc::kNotWellFormed, "Start tag expected", false},
      {"truncated", rq.substr(0, rq.size() - 10), DecodeErrc::kNotWellFormed, "line 16, column 24", false},
      {"bare ampersand", replace(rq, "<role>relay", "<role>re&lay"), DecodeErrc::kNotWellFormed,
       "EntityRef: expecting ';'", false},
      {"content after the root", rq + "\n<", DecodeErrc::kNotWellFormed, "Extra content at the end of the document",
       false},
      {"doctype", "<!DOCTYPE x [<!ENTITY a \"b\">]>" + rq.substr(rq.find('<', 1)), DecodeErrc::kDtdForbidden, "DOCTYPE",
       false},
      // The schema: invalid, naming the element.
      {"wrong root",
       replace(replace(rq, "<SERVICE_AUTHORISATION_REQUEST", "<DISCOVERY_REQUEST"), "</SERVICE_AUTHORISATION_REQUEST>",
               "</DISCOVERY_REQUEST>"),
       kSchema, "Element 'DISCOVERY_REQUEST': No matching global declaration", false},
      {"wrong namespace", replace(rq, ns, "xmlns=\"urn:3GPP:ns:ProSe:Discovery:2014\""), kSchema,
       "Element 'SERVICE_AUTHORISATION_REQUEST'", false},
      {"no namespace", replace(rq, " " + ns, ""), kSchema, "Element 'SERVICE_AUTHORISATION_REQUEST'", false},
      {"prefixed root, children in no namespace",
       replace(replace(rq, "<SERVICE_AUTHORISATION_REQUEST " + ns,
                       "<p:SERVICE_AUTHORISATION_REQUEST xmlns:p=\"" + std::string(kNamespace) + "\""),
               "</SERVICE_AUTHORISATION_REQUEST>", "</p:SERVICE_AUTHORISATION_REQUEST>"),
       kSchema, "Element 'transaction-ID'", false},
      {"unknown element", replace(rq, "<role>relay</role>", "<role>relay</role><foo>1</foo>"), kSchema, "Element 'foo'",
       false},
      {"attribute", replace(rq, "<relay-service>", "<relay-service id=\"1\">"), kSchema,
       "Element 'relay-service', attribute 'id'", false},
      {"missing rsc",
       "<SERVICE_AUTHORISATION_REQUEST " + ns +
           "><transaction-ID>1</transaction-ID><relay-service>"
           "<role>relay</role></relay-service></SERVICE_AUTHORISATION_REQUEST>",
       kSchema, "Expected is ( relay-service-code )", false},
      {"no entries",
       "<SERVICE_AUTHORISATION_REQUEST " + ns +
           "><transaction-ID>1</transaction-ID>"
           "</SERVICE_AUTHORISATION_REQUEST>",
       kSchema, "Expected is ( relay-service )", false},
      {"no transaction id",
       "<SERVICE_AUTHORISATION_REQUEST " + ns +
           "><relay-service><role>relay</role>"
           "<relay-service-code>000001</relay-service-code></relay-service>"
           "</SERVICE_AUTHORISATION_REQUEST>",
       kSchema, "Expected is ( transaction-ID )", false},
      {"out of order",
       replace(rq, "<role>relay</role>\n    <relay-service-code>00abcd</relay-service-code>",
               "<relay-service-code>00abcd</relay-service-code>\n    <role>relay</role>"),
       kSchema, "Element 'relay-service-code': This element is not expected", false},
      {"duplicate role", replace(rq, "<role>relay</role>", "<role>relay</role><role>relay</role>"), kSchema,
       "Element 'role': This element is not expected", false},
      {"repeated entry", replace(rq, "<role>relay</role>", "<role>remote-ue</role>"), kSchema,
       "Duplicate key-sequence [...] in unique identity-constraint 'RequestRoleRscUnique'", false},
      {"bad role", replace(rq, "<role>relay</role>", "<role>network</role>"), kSchema, "Element 'role'", false},
      {"bad hex", replace(rq, "00abcd", "00abcg"), kSchema, "Element 'relay-service-code'", false},
      {"short rsc", replace(rq, "00abcd", "abcd"), kSchema, "Element 'relay-service-code': [facet 'length']", false},
      {"text in element", replace(rq, "<relay-service>", "<relay-service>x"), kSchema,
       "Element 'relay-service': Character content other than whitespace", false},
      {"transaction id too big", replace(rq, "4000000000", "4294967296"), kSchema, "Element 'transaction-ID'", false},
      {"accept and reject",
       replace(rs, "</response-accept>",
               "</response-accept><response-reject>"
               "<PC3-control-protocol-cause-value>3</PC3-control-"
               "protocol-cause-value></response-reject>"),
       kSchema, "Element 'response-reject': This element is not expected", false},
      {"undefined cause", replace(rs, "cause-value>4<", "cause-value>9<"), kSchema,
       "Element 'PC3-control-protocol-cause-value': [facet 'enumeration']", false},
      {"port 0", replace(rs, "<port>8443</port>", "<port>0</port>"), kSchema, "Element 'port'", false},
      {"bad host", replace(rs, "<host>127.0.0.1</host>", "<host>-pkmf</host>"), kSchema, "Element 'host'", false},
      {"ip fqdn", replace(rs, "<PKMF-FQDN>pkmf.prose.test</PKMF-FQDN>", "<PKMF-FQDN>::1</PKMF-FQDN>"), kSchema,
       "Element 'PKMF-FQDN'", false},
      {"model C", replace(rs, "<discovery-model>A</discovery-model>", "<discovery-model>C</discovery-model>"), kSchema,
       "Element 'discovery-model'", false},
      {"model repeated", replace(rs, "<discovery-model>B</discovery-model>", "<discovery-model>A</discovery-model>"),
       kSchema, "'DiscoveryModelUnique'", false},
      {"flag 1", replace(rs, "<use-DUIK>true</use-DUIK>", "<use-DUIK>1</use-DUIK>"), kSchema, "Element 'use-DUIK'",
       false},
      {"offset too big", replace(rs, "<max-UTC-counter-offset>2<", "<max-UTC-counter-offset>86401<"), kSchema,
       "Element 'max-UTC-counter-offset'", false},
      {"announce period 0", replace(rs, relay_accept_end, "<announce-period>0</announce-period>"), kSchema,
       "Element 'announce-period'", false},
      {"security missing", replace(replace(rs, "<discovery-security>", "<!--"), "</discovery-security>", "-->"),
       kSchema, "Element 'response-accept': Missing child element(s)", false},
      // Codec-only rules (docs/prosefn.md D1..D7).
      {"D3 relay without announce period", replace(rs, relay_accept_end, ""), DecodeErrc::kMissingElement,
       "<response-accept> lacks <announce-period> (relay)", true},
      {"D3 announce period for a remote UE",
       replace(rs, "</discovery-security>", "</discovery-security><announce-period>5</announce-period>"),
       DecodeErrc::kBadValue, "<announce-period>: only for the relay role", true},
      {"D2 bad IPv6", replace(rs, "<host>127.0.0.1</host>", "<host>1:2:3:4:5:6:7:8:9</host>"), DecodeErrc::kBadValue,
       "<host>", true},
      {"D4 prefix",
       replace(replace(rq, "<SERVICE_AUTHORISATION_REQUEST " + ns,
                       "<p:SERVICE_AUTHORISATION_REQUEST " + ns + " xmlns:p=\"" + std::string(kNamespace) + "\""),
               "</SERVICE_AUTHORISATION_REQUEST>", "</p:SERVICE_AUTHORISATION_REQUEST>"),
       DecodeErrc::kWrongNamespace, "<p:SERVICE_AUTHORISATION_REQUEST>: namespace prefixes are not allowed", true},
      {"D5 other encoding", replace(rq, "encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\""), DecodeErrc::kNotWellFormed,
       "UTF-8 only", true},
      {"D6 processing instruction", replace(rq, "<transaction-ID>", "<?pi x?><transaction-ID>"),
       DecodeErrc::kNotWellFormed, "processing instruction 'pi' not allowed", true},
      {"D6 xsi attribute",
       replace(rq, "<SERVICE_AUTHORISATION_REQUEST " + ns,
               "<SERVICE_AUTHORISATION_REQUEST " + ns +
                   " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:noNamespaceSchemaLocation=\"x\""),
       DecodeErrc::kUnknownAttribute, "attribute 'xsi:noNamespaceSchemaLocation'", true},
      {"D6 redundant xmlns", replace(rq, "<relay-service>", "<relay-service " + ns + ">"),
       DecodeErrc::kUnknownAttribute, "namespace declaration 'xmlns' not allowed on <relay-service>", true},
      {"D7 XML version 1.1", replace(rq, "version=\"1.0\"", "version=\"1.1\""), DecodeErrc::kNotWellFormed,
       "XML version \"1.1\" not supported (1.0 only)", true},
      {"D1 too large", rq + std::string(kMaxBodySize, ' '), DecodeErrc::kTooLarge, "exceeds", true},
  };
}

TEST(Pc3Negative, EachClassNamedAndNeverLaxerThanTheSchema) {
  ASSERT_TRUE(schema_validate(request_xml()).ok());
  ASSERT_TRUE(schema_validate(response_xml()).ok());
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    auto r = Codec::decode(c.xml);
    ASSERT_FALSE(r.ok()) << c.xml;
    auto cls = decode_errc_of(r.error());
    ASSERT_TRUE(cls.has_value()) << r.error().to_string();
    EXPECT_EQ(*cls, c.expected) << r.error().to_string();
    EXPECT_NE(r.error().message.find(c.names), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("urn:prose-relay-security"), std::string::npos) << r.error().message;
    EXPECT_EQ(schema_validate(c.xml).ok(), c.schema_valid) << c.xml;
    EXPECT_FALSE(validate_document(c.xml).ok());
  }
}

TEST(Pc3Negative, ErrorsNameTheElementAndLine) {
  auto r = Codec::decode(replace(request_xml(), "00abcd", "00abcg"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("line 6: Element 'relay-service-code'"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("00abcg"), std::string::npos) << r.error().message;
  auto w = Codec::decode(replace(request_xml(), "<role>", "<role"));
  ASSERT_FALSE(w.ok());
  EXPECT_TRUE(w.error().offset.has_value());
}

TEST(Pc3Negative, BillionLaughsAndXxeAreRefusedBeforeParsing) {
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

TEST(Pc3Negative, DecodeRequestRefusesAResponseAndViceVersa) {
  EXPECT_EQ(decode_errc_of(Codec::decode_request(response_xml()).error()), DecodeErrc::kWrongRoot);
  EXPECT_EQ(decode_errc_of(Codec::decode_response(request_xml()).error()), DecodeErrc::kWrongRoot);
}

TEST(Pc3Negative, ThirtyThreeEntriesAreTooMany) {
  ServiceAuthorisationRequest r;
  for (std::uint32_t i = 0; i < kMaxServices; ++i) r.services.push_back({Role::kRelay, i});
  std::string xml = test::encode_ok(Message{r});
  xml = replace(xml, "<relay-service>",
                "<relay-service><role>relay</role><relay-service-code>0000ff"
                "</relay-service-code></relay-service><relay-service>");
  auto d = Codec::decode(xml);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(decode_errc_of(d.error()), DecodeErrc::kSchemaInvalid);
  EXPECT_NE(d.error().message.find("Element 'relay-service': This element is not expected"), std::string::npos)
      << d.error().message;
  EXPECT_FALSE(schema_validate(xml).ok());
}

}  // namespace
}  // namespace prose::pc3

namespace prose::pc3 {
namespace {
TEST(Pc3Negative, ContentAfterTheRootIsRefused) {
  const std::string x = test::encode_ok(Message{test::sample_request()}) + "\n<";
  auto r = Codec::decode(x);
  ASSERT_FALSE(r.ok()) << "accepted a document with content after the root";
  EXPECT_NE(r.error().message.find("Extra content at the end of the document"), std::string::npos)
      << r.error().to_string();
}
}  // namespace
}  // namespace prose::pc3
