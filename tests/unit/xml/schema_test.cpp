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

TEST(SchemaValidator, FirstErrorWithLineNamesWithoutNamespaceValuesHidden) {
  SchemaValidator v(kXsd);
  auto s = v.validate("<m xmlns=\"urn:t\">\n<n>\n 300 </n></m>");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kMalformed);
  // libxml2 says "Element '{urn:t}n': '300' is not a valid value of the atomic type 'xs:unsignedByte'."
  EXPECT_EQ(s.error().message,
            "schema-invalid: line 2: Element 'n': '...' is not a valid value of the atomic type 'xs:unsignedByte'.");
  auto m = v.validate("<m xmlns=\"urn:t\"><n>1</n><n>2</n></m>");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().message, "schema-invalid: line 1: Element 'n': This element is not expected.");
}

TEST(SchemaValidator, NotWellFormedAndDtd) {
  SchemaValidator v(kXsd);
  auto s = v.validate("<m xmlns=\"urn:t\">\n<n>1</m>");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message.rfind("not-well-formed: line 2, column ", 0), 0u) << s.error().message;
  EXPECT_NE(s.error().message.find("Opening and ending tag mismatch: n line 2 and m"), std::string::npos)
      << s.error().message;
  EXPECT_TRUE(s.error().offset.has_value());
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
Status schema_bad(std::string_view) { return fail(Errc::kMalformed, "schema-invalid: line 1: no"); }
Status codec_bad(std::string_view) { return fail(Errc::kMalformed, "bad-value: <x>"); }

TEST(ValidateBoth, SaysWhichFailed) {
  auto a = validate_both(schema_bad, "schema/t.xsd", "<m/>", codec_bad);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().message, "schema/t.xsd: schema-invalid: line 1: no");
  auto b = validate_both(schema_ok, "schema/t.xsd", "<m/>", codec_bad);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().message, "codec: bad-value: <x>");
  EXPECT_TRUE(validate_both(schema_ok, "schema/t.xsd", "<m/>", schema_ok).ok());
}

}  // namespace
}  // namespace prose::xml
