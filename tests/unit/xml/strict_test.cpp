#include "prose/xml/strict.h"

#include <gtest/gtest.h>

#include <string>

namespace prose::xml {
namespace {

std::optional<DecodeErrc> class_of(const Status& s) { return s.ok() ? std::nullopt : decode_errc_of(s.error()); }

TEST(WellFormed, AcceptsPlainDocuments) {
  EXPECT_TRUE(
      check_well_formed("<?xml version=\"1.0\"?>\n<a>x &amp; &#x41; &#66; <![CDATA[&bare]]><!-- c --></a>").ok());
  EXPECT_TRUE(check_well_formed("<a>\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80</a>").ok());  // é € 😀
}

TEST(WellFormed, RefusesWhatXml10Refuses) {
  struct Case {
    std::string doc;
    std::size_t offset;
    std::string why;
  };
  const Case cases[] = {
      {std::string("<a>\x01</a>"), 3, "control character 1"},
      {"<a>&foo;</a>", 3, "undeclared entity '&foo;'"},
      {"<a>& b</a>", 3, "'&' that does not start a reference"},
      {"<a>&#x;</a>", 3, "empty character reference"},
      {"<a>&#;</a>", 3, "undeclared entity"},
      {"<a>&#xZZ;</a>", 3, "bad character reference"},
      {"<a>&#x110000;</a>", 3, "out of range"},
      {"<a>&#0;</a>", 3, "a character XML does not allow"},
      {"<a><!-- x -- y --></a>", 10, "'--' inside a comment"},
      {"<a><!-- x </a>", 3, "unterminated comment"},
      {"<a><![CDATA[x</a>", 3, "unterminated CDATA"},
      {"<a>]]></a>", 3, "']]>' outside a CDATA section"},
      {"<a><?pi x?></a>", 3, "processing instructions"},
      {" <?xml version=\"1.0\"?><a/>", 1, "processing instructions"},
      {"<a>\xc0\xaf</a>", 3, "invalid UTF-8"},          // overlong
      {"<a>\xed\xa0\x80</a>", 3, "invalid UTF-8"},      // surrogate
      {"<a>\xf4\x90\x80\x80</a>", 3, "invalid UTF-8"},  // > U+10FFFF
      {"<a>\xe2\x82</a>", 3, "invalid UTF-8"},          // truncated
  };
  for (const auto& c : cases) {
    auto s = check_well_formed(c.doc);
    ASSERT_FALSE(s.ok()) << c.doc;
    EXPECT_EQ(class_of(s), DecodeErrc::kNotWellFormed) << s.error().message;
    EXPECT_NE(s.error().message.find(c.why), std::string::npos) << s.error().message;
    ASSERT_TRUE(s.error().offset.has_value());
    EXPECT_EQ(*s.error().offset, c.offset) << c.doc;
  }
}

TEST(Tokens, RoundTrip) {
  for (int i = 0; i <= static_cast<int>(DecodeErrc::kBadValue); ++i) {
    auto c = static_cast<DecodeErrc>(i);
    Error e{Errc::kMalformed, std::string(decode_errc_token(c)) + ": x", std::nullopt};
    EXPECT_EQ(decode_errc_of(e), c);
  }
  EXPECT_FALSE(decode_errc_of(Error{Errc::kMalformed, "bad-hex", std::nullopt}).has_value());
  EXPECT_FALSE(decode_errc_of(Error{Errc::kMalformed, "nonsense: x", std::nullopt}).has_value());
  EXPECT_TRUE(iequals("utf-8", "UTF-8"));
  EXPECT_FALSE(iequals("utf-8", "utf-16"));
}

Result<pugi::xml_node> load(StrictDocument& d, std::string_view x, std::size_t max = 1024) { return d.load(x, max); }

TEST(StrictDocument, LoadsOneRoot) {
  StrictDocument d;
  auto r = load(d, "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\n<m xmlns=\"urn:x\"><a>1</a></m>\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_STREQ(r->name(), "m");
}

TEST(StrictDocument, Refusals) {
  struct Case {
    std::string doc;
    DecodeErrc cls;
    Errc code;
    std::string why;
  };
  const Case cases[] = {
      {std::string(1025, ' '), DecodeErrc::kTooLarge, Errc::kInvalidArgument, "exceeds 1024"},
      {"", DecodeErrc::kNotWellFormed, Errc::kMalformed, "empty document"},
      {"<!DOCTYPE m [<!ENTITY e \"x\">]><m/>", DecodeErrc::kDtdForbidden, Errc::kUnsupported, "DOCTYPE"},
      {"<m>&e;</m>", DecodeErrc::kNotWellFormed, Errc::kMalformed, "undeclared entity"},
      {"<m><a></m>", DecodeErrc::kNotWellFormed, Errc::kMalformed, "not-well-formed"},
      {"<m/><n/>", DecodeErrc::kNotWellFormed, Errc::kMalformed, "more than one root"},
      {"<m/>x", DecodeErrc::kNotWellFormed, Errc::kMalformed, "text outside the root"},
      {"   ", DecodeErrc::kNotWellFormed, Errc::kMalformed, "no root element"},
      {"<?xml version=\"1.1\"?><m/>", DecodeErrc::kNotWellFormed, Errc::kMalformed, "bad XML declaration"},
      {"<?xml version=\"1.0\" encoding=\"latin1\"?><m/>", DecodeErrc::kNotWellFormed, Errc::kMalformed, "UTF-8 only"},
  };
  for (const auto& c : cases) {
    StrictDocument d;
    auto r = load(d, c.doc);
    ASSERT_FALSE(r.ok()) << c.doc;
    EXPECT_EQ(decode_errc_of(r.error()), c.cls) << r.error().message;
    EXPECT_EQ(r.error().code, c.code) << r.error().message;
    EXPECT_NE(r.error().message.find(c.why), std::string::npos) << r.error().message;
  }
}

TEST(CheckRoot, NamespaceAndName) {
  auto check = [](std::string_view x) -> Result<bool> {
    StrictDocument d;
    PROSE_TRY(auto root, d.load(x, 1024));
    return check_root(root, "REQ", "RSP", "urn:x");
  };
  EXPECT_EQ(check("<REQ xmlns=\"urn:x\"/>").value(), true);
  EXPECT_EQ(check("<RSP xmlns=\"urn:x\"/>").value(), false);
  EXPECT_EQ(decode_errc_of(check("<OTHER xmlns=\"urn:x\"/>").error()), DecodeErrc::kWrongRoot);
  EXPECT_EQ(decode_errc_of(check("<p:REQ xmlns:p=\"urn:x\"/>").error()), DecodeErrc::kWrongNamespace);
  EXPECT_EQ(decode_errc_of(check("<REQ xmlns=\"urn:y\"/>").error()), DecodeErrc::kWrongNamespace);
  EXPECT_EQ(decode_errc_of(check("<REQ/>").error()), DecodeErrc::kWrongNamespace);
  EXPECT_EQ(decode_errc_of(check("<REQ xmlns=\"urn:x\" id=\"1\"/>").error()), DecodeErrc::kUnknownAttribute);
}

TEST(Children, ContentModel) {
  auto read = [](std::string_view x) -> Status {
    StrictDocument d;
    PROSE_TRY(auto root, d.load(x, 1024));
    PROSE_TRY(Children c, Children::read(root, {{"a", 0, 1}, {"b", 1, 2}, {"c", 2, 1}, {"d", 2, 1}}));
    PROSE_TRY_STATUS(c.required("a"));
    PROSE_TRY_STATUS(c.one_of({"c", "d"}));
    return ok_status();
  };
  EXPECT_TRUE(read("<r><a/><b/><b/><c/></r>").ok());
  EXPECT_TRUE(read("<r> <a/> <!-- x --> <d/> </r>").ok());
  auto cls = [&](std::string_view x) { return decode_errc_of(read(x).error()); };
  EXPECT_EQ(cls("<r><b/><c/></r>"), DecodeErrc::kMissingElement);
  EXPECT_EQ(cls("<r><a/></r>"), DecodeErrc::kMissingElement);
  EXPECT_EQ(cls("<r><a/><a/><c/></r>"), DecodeErrc::kDuplicateElement);
  EXPECT_EQ(cls("<r><a/><b/><b/><b/><c/></r>"), DecodeErrc::kDuplicateElement);
  EXPECT_EQ(cls("<r><b/><a/><c/></r>"), DecodeErrc::kOutOfOrder);
  EXPECT_EQ(cls("<r><a/><c/><d/></r>"), DecodeErrc::kConflict);
  EXPECT_EQ(cls("<r><a/><e/><c/></r>"), DecodeErrc::kUnknownElement);
  EXPECT_EQ(cls("<r><a x=\"1\"/><c/></r>"), DecodeErrc::kUnknownAttribute);
  EXPECT_EQ(cls("<r><p:a/><c/></r>"), DecodeErrc::kWrongNamespace);
  EXPECT_EQ(cls("<r>text<a/><c/></r>"), DecodeErrc::kUnexpectedText);
}

TEST(LeafText, TrimsAndRefusesChildren) {
  StrictDocument d;
  auto root = d.load("<r><v> \n ab<![CDATA[cd]]> \t</v><w>x<y/></w></r>", 1024);
  ASSERT_TRUE(root.ok());
  auto v = leaf_text(root->child("v"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->s, "abcd");
  auto w = leaf_text(root->child("w"));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(decode_errc_of(w.error()), DecodeErrc::kUnexpectedText);
}

TEST(DecimalValue, DigitsAndRange) {
  StrictDocument d;
  auto root = d.load("<r><a> 42 </a><b>-1</b><c>123456</c><d>9</d></r>", 1024);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(decimal_value(root->child("a"), 5, 0, 100).value(), 42u);
  auto b = decimal_value(root->child("b"), 5, 0, 100);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().message, "bad-value: <b>: expected a decimal number of at most 5 digits");
  EXPECT_FALSE(decimal_value(root->child("c"), 5, 0, 1000000).ok());
  auto dd = decimal_value(root->child("d"), 5, 10, 20);
  ASSERT_FALSE(dd.ok());
  EXPECT_EQ(dd.error().message, "bad-value: <d>: 9 outside 10..20");
}

TEST(XmlOut, WritesAndEscapes) {
  XmlOut o("R", "urn:x");
  o.open("a");
  o.leaf("b", "1 < 2 & 3 > 0");
  o.empty("c");
  o.close("a");
  EXPECT_EQ(o.finish(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<R xmlns=\"urn:x\">\n  <a>\n    <b>1 &lt; 2 &amp; 3 &gt; "
            "0</b>\n    <c/>\n  </a>\n</R>\n");
}

}  // namespace
}  // namespace prose::xml
