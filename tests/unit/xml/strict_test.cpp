#include "prose/xml/strict.h"

#include <gtest/gtest.h>
#include <libxml/xmlmemory.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "prose/xml/parse.h"
#include "prose/xml/schema.h"

namespace prose::xml {
namespace {

// Any content under the roots m, REQ, RSP and OTHER of urn:x: the tests below check what load() adds to a schema.
constexpr std::string_view kAnyXsd = R"(<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x" elementFormDefault="qualified">
  <xs:element name="m" type="xs:anyType"/>
  <xs:element name="REQ" type="xs:anyType"/>
  <xs:element name="RSP" type="xs:anyType"/>
  <xs:element name="OTHER" type="xs:anyType"/>
</xs:schema>
)";

const SchemaValidator& any_schema() {
  static const SchemaValidator v(kAnyXsd);
  return v;
}

Result<Node> load(StrictDocument& d, std::string_view x, std::size_t max = 1024) {
  return d.load(x, max, any_schema());
}

TEST(Tokens, RoundTrip) {
  for (int i = 0; i <= static_cast<int>(DecodeErrc::kBadValue); ++i) {
    auto c = static_cast<DecodeErrc>(i);
    Error e{Errc::kMalformed, std::string(decode_errc_token(c)) + ": x", std::nullopt};
    EXPECT_EQ(decode_errc_of(e), c);
  }
  EXPECT_FALSE(decode_errc_of(Error{Errc::kMalformed, "bad-value", std::nullopt}).has_value());
  EXPECT_FALSE(decode_errc_of(Error{Errc::kMalformed, "nonsense: x", std::nullopt}).has_value());
}

TEST(StrictDocument, LoadsOneRoot) {
  StrictDocument d;
  auto r = load(d,
                "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\n"
                "<!-- c --><m xmlns=\"urn:x\"><a>1</a></m>\n<!-- c -->\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->name(), "m");
  EXPECT_EQ(r->line(), 2);
  EXPECT_EQ(r->child("a").name(), "a");
  EXPECT_FALSE(r->child("b"));
  EXPECT_EQ(r->child("a").parent(), *r);
  EXPECT_FALSE(r->parent());
}

TEST(StrictDocument, Refusals) {
  struct Case {
    std::string doc;
    DecodeErrc cls;
    Errc code;
    std::string why;
  };
  const std::string m = "<m xmlns=\"urn:x\">";
  const Case cases[] = {
      {std::string(1025, ' '), DecodeErrc::kTooLarge, Errc::kInvalidArgument, "exceeds 1024"},
      {"", DecodeErrc::kNotWellFormed, Errc::kMalformed, "Document is empty"},
      {"<!DOCTYPE m [<!ENTITY e \"x\">]><m/>", DecodeErrc::kDtdForbidden, Errc::kUnsupported, "DOCTYPE"},
      {m + "&e;</m>", DecodeErrc::kNotWellFormed, Errc::kMalformed, "Entity 'e' not defined"},
      {m + "<a></m>", DecodeErrc::kNotWellFormed, Errc::kMalformed, "mismatch"},
      {m + "</m><n/>", DecodeErrc::kNotWellFormed, Errc::kMalformed, "Extra content at the end of the document"},
      {m + "</m>x", DecodeErrc::kNotWellFormed, Errc::kMalformed, "Extra content at the end of the document"},
      {m + "</m>\n<", DecodeErrc::kNotWellFormed, Errc::kMalformed, "Extra content at the end of the document"},
      {"   ", DecodeErrc::kNotWellFormed, Errc::kMalformed, "line 1, column 4"},
      {"<?xml version=\"1.1\"?>" + m + "</m>", DecodeErrc::kNotWellFormed, Errc::kMalformed, "1.0 only"},
      {"<?xml version=\"1.0\" encoding=\"latin1\"?>" + m + "</m>", DecodeErrc::kNotWellFormed, Errc::kMalformed,
       "encoding \"latin1\" not supported (UTF-8 only)"},
      {std::string("\xff\xfe<\0m\0/\0>\0", 10), DecodeErrc::kNotWellFormed, Errc::kMalformed, "UTF-8 only"},
      {"<n xmlns=\"urn:x\"/>", DecodeErrc::kSchemaInvalid, Errc::kMalformed, "line 1: Element 'n'"},
      {"<m/>", DecodeErrc::kSchemaInvalid, Errc::kMalformed, "Element 'm'"},
      {"<p:m xmlns:p=\"urn:x\"/>", DecodeErrc::kWrongNamespace, Errc::kMalformed, "<p:m>: namespace prefixes"},
      {m + "<p:a xmlns:p=\"urn:x\"/></m>", DecodeErrc::kWrongNamespace, Errc::kMalformed, "<p:a>"},
      {"<m xmlns=\"urn:x\" id=\"1\"/>", DecodeErrc::kUnknownAttribute, Errc::kMalformed, "attribute 'id'"},
      {m + "<a xml:lang=\"en\"/></m>", DecodeErrc::kUnknownAttribute, Errc::kMalformed, "attribute 'xml:lang'"},
      {m + "<a xmlns=\"urn:x\"/></m>", DecodeErrc::kUnknownAttribute, Errc::kMalformed,
       "namespace declaration 'xmlns' not allowed on <a>"},
      {"<m xmlns=\"urn:x\" xmlns:q=\"urn:q\"/>", DecodeErrc::kUnknownAttribute, Errc::kMalformed, "'xmlns:q'"},
      {"<?pi x?>" + m + "</m>", DecodeErrc::kNotWellFormed, Errc::kMalformed, "processing instruction 'pi'"},
      {m + "<a>1<?pi x?></a></m>", DecodeErrc::kNotWellFormed, Errc::kMalformed, "processing instruction"},
      {m + "</m><?pi x?>", DecodeErrc::kNotWellFormed, Errc::kMalformed, "processing instruction"},
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

TEST(StrictDocument, ParseErrorsCarryLineColumnAndOffset) {
  StrictDocument d;
  const std::string x = "<m xmlns=\"urn:x\">\n  <a>\xc3\xa9</b></m>";
  auto r = load(d, x);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not-well-formed: line 2, column "), std::string::npos) << r.error().message;
  ASSERT_TRUE(r.error().offset.has_value());
  EXPECT_GT(*r.error().offset, x.find('\n'));
  EXPECT_LE(*r.error().offset, x.size());
}

TEST(StrictDocument, LibxmlPrintsNothing) {
  // A UTF-16 document with a lone surrogate: libxml2 reports the conversion error without a parser context, to
  // the thread's generic handler (stderr by default); the parse error is what the caller gets.
  const std::string doc("\xff\xfe<\0m\0>\0\x00\xd8\x41\x00<\0/\0m\0>\0", 18);
  for (int round = 0; round < 2; ++round) {
    ::testing::internal::CaptureStderr();
    std::string message;
    auto decode = [&] {
      StrictDocument d;
      auto r = load(d, doc);
      message = r.ok() ? "accepted" : r.error().message;
    };
    if (round == 0) {
      decode();
    } else {
      std::thread(decode).join();  // a thread whose libxml2 state is new
    }
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
    EXPECT_EQ(message.rfind("not-well-formed: line 1", 0), 0u) << message;
  }
}

TEST(StrictDocument, LibxmlFreesThroughTheWipingAllocator) {
  init_libxml2();
  xmlFreeFunc f = nullptr;
  xmlMallocFunc m = nullptr;
  xmlReallocFunc r = nullptr;
  xmlStrdupFunc s = nullptr;
  ASSERT_EQ(xmlMemGet(&f, &m, &r, &s), 0);
  EXPECT_NE(reinterpret_cast<void*>(f), reinterpret_cast<void*>(&std::free));
  EXPECT_NE(reinterpret_cast<void*>(r), reinterpret_cast<void*>(&std::realloc));
  // realloc keeps the contents whether the block grows in place or moves.
  auto* p = static_cast<char*>(r(nullptr, 8));
  ASSERT_NE(p, nullptr);
  std::memcpy(p, "abcdefg", 8);
  p = static_cast<char*>(r(p, 4096));
  ASSERT_NE(p, nullptr);
  EXPECT_STREQ(p, "abcdefg");
  p = static_cast<char*>(r(p, 4));
  EXPECT_EQ(std::string(p, 4), "abcd");
  f(p);
}

TEST(CheckRoot, Name) {
  auto check = [](std::string_view x) -> Result<bool> {
    StrictDocument d;
    PROSE_TRY(auto root, load(d, x));
    return check_root(root, "REQ", "RSP");
  };
  EXPECT_EQ(check("<REQ xmlns=\"urn:x\"/>").value(), true);
  EXPECT_EQ(check("<RSP xmlns=\"urn:x\"/>").value(), false);
  EXPECT_EQ(decode_errc_of(check("<OTHER xmlns=\"urn:x\"/>").error()), DecodeErrc::kWrongRoot);
}

TEST(Children, LookUpByName) {
  StrictDocument d;
  auto root = load(d, "<m xmlns=\"urn:x\"> <a/> <!-- x --> <b>1</b><b>2</b> </m>");
  ASSERT_TRUE(root.ok()) << root.error().message;
  Children c(*root);
  EXPECT_TRUE(c.has("a"));
  EXPECT_FALSE(c.has("z"));
  EXPECT_EQ(c.all("b").size(), 2u);
  EXPECT_EQ(c.parent(), *root);
  EXPECT_EQ(c.required("b")->name(), "b");
  EXPECT_EQ(c.one_of({"z", "b"})->name(), "b");
  auto missing = c.required("z");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(decode_errc_of(missing.error()), DecodeErrc::kMissingElement);
  EXPECT_EQ(missing.error().message, "missing-element: line 1: <m> lacks <z>");
  EXPECT_EQ(c.one_of({"y", "z"}).error().message, "missing-element: line 1: <m> lacks <y> or <z>");
}

TEST(LeafText, TrimsJoinsAndRefusesElements) {
  StrictDocument d;
  auto root = load(d, "<m xmlns=\"urn:x\"><v> \n ab<![CDATA[cd]]><!-- x -->e&amp;&#x46; \t</v><w>x<y/></w></m>");
  ASSERT_TRUE(root.ok()) << root.error().message;
  auto v = leaf_text(root->child("v"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->s, "abcde&F");
  auto w = leaf_text(root->child("w"));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(decode_errc_of(w.error()), DecodeErrc::kBadValue);
  EXPECT_NE(w.error().message.find("<y> not allowed inside the value of <w>"), std::string::npos);
}

TEST(DecimalValue, DigitsAndRange) {
  StrictDocument d;
  auto root = load(d, "<m xmlns=\"urn:x\"><a> 42 </a><b>-1</b><c>123456</c><d>9</d></m>");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(decimal_value(root->child("a"), 5, 0, 100).value(), 42u);
  auto b = decimal_value(root->child("b"), 5, 0, 100);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().message, "bad-value: line 1: <b>: expected a decimal number of at most 5 digits");
  EXPECT_FALSE(decimal_value(root->child("c"), 5, 0, 1000000).ok());
  auto dd = decimal_value(root->child("d"), 5, 10, 20);
  ASSERT_FALSE(dd.ok());
  EXPECT_EQ(dd.error().message, "bad-value: line 1: <d>: 9 outside 10..20");
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
