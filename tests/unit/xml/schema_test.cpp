#include "prose/xml/schema.h"

#include <gtest/gtest.h>

#include <string>

namespace prose::xml {
namespace {

constexpr std::string_view kXsd = R"(<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t" xmlns="urn:t"
           elementFormDefault="qualified">
  <xs:element name="m">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="n" type="xs:unsignedByte"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
)";

TEST(SchemaValidator, AcceptsValid) {
  SchemaValidator v(kXsd);
  auto s = v.validate("<m xmlns=\"urn:t\"><n>7</n></m>");
  EXPECT_TRUE(s.ok()) << s.error().message;
}

TEST(SchemaValidator, FirstErrorWithLine) {
  SchemaValidator v(kXsd);
  auto s = v.validate("<m xmlns=\"urn:t\">\n<n>300</n></m>");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kMalformed);
  EXPECT_EQ(s.error().message.rfind("schema (line 2): ", 0), 0u) << s.error().message;
  EXPECT_NE(s.error().message.find("'300'"), std::string::npos) << s.error().message;
}

TEST(SchemaValidator, NotWellFormedAndDtd) {
  SchemaValidator v(kXsd);
  auto s = v.validate("<m xmlns=\"urn:t\">\n<n>1</m>");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message.rfind("not well-formed (line 2): ", 0), 0u) << s.error().message;
  auto d = v.validate("<!DOCTYPE m [<!ENTITY e \"1\">]><m xmlns=\"urn:t\"><n>&e;</n></m>");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, Errc::kUnsupported);
  EXPECT_EQ(d.error().message, "dtd-forbidden: a DOCTYPE (DTD) is not allowed");
}

TEST(SchemaValidator, BadSchemaFailsEveryValidation) {
  SchemaValidator v("<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"><xs:element/></xs:schema>");
  auto s = v.validate("<m/>");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kInternal);
  EXPECT_EQ(s.error().message.rfind("embedded schema does not compile: ", 0), 0u) << s.error().message;
}

Status schema_ok(std::string_view) { return ok_status(); }
Status schema_bad(std::string_view) { return fail(Errc::kMalformed, "schema (line 1): no"); }
Status codec_bad(std::string_view) { return fail(Errc::kMalformed, "bad-hex: <x>"); }

TEST(ValidateBoth, SaysWhichFailed) {
  auto a = validate_both(schema_bad, "schema/t.xsd", "<m/>", codec_bad);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().message, "schema/t.xsd: schema (line 1): no");
  auto b = validate_both(schema_ok, "schema/t.xsd", "<m/>", codec_bad);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().message, "codec: bad-hex: <x>");
  EXPECT_TRUE(validate_both(schema_ok, "schema/t.xsd", "<m/>", schema_ok).ok());
}

}  // namespace
}  // namespace prose::xml
