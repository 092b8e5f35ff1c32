// The well-formedness cases both codecs are checked against, each built from a valid message of the codec, and
// xmllint (libxml2-utils) as the independent peer: `xmllint --noout --nonet --schema <xsd> <file>` accepts a document
// iff it is well-formed XML and valid against the schema. A codec is never laxer than xmllint; where it is stricter
// (its own rules, docs/pc8.md "Schema and codec differences") the case says so. Used by tests/unit/pc8 and
// tests/unit/prosefn (wellformed_test.cpp).
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace prose::xml::test {

struct WellFormedCase {
  std::string name;
  std::string doc;
  bool codec_accepts;
  bool stricter_than_peer;  // the codec refuses what xmllint accepts (a codec-only rule)
};

inline std::string replace_first(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: '" << from << "' not in\n" << s;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// `valid` starts with <?xml version="1.0" encoding="UTF-8"?>, a newline and the root, and has a
// <transaction-ID>N</transaction-ID> (both codecs' messages do).
inline std::vector<WellFormedCase> wellformed_cases(const std::string& valid) {
  const std::string decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  EXPECT_EQ(valid.rfind(decl, 0), 0u) << valid;
  const std::string body = valid.substr(decl.size());
  const std::string root = body.substr(1, body.find_first_of(" >") - 1);
  const std::string close = "</" + root + ">";
  const std::string tid_open = "<transaction-ID>";
  const std::string tid = valid.substr(valid.find(tid_open) + tid_open.size(),
                                       valid.find("</transaction-ID>") - valid.find(tid_open) - tid_open.size());
  const std::string tid_elem = tid_open + tid + "</transaction-ID>";
  auto in_comment = [&](const std::string& bytes) {
    return replace_first(valid, tid_elem, tid_elem + "<!--" + bytes + "-->");
  };
  auto as_value = [&](const std::string& v) {
    return replace_first(valid, tid_elem, tid_open + v + "</transaction-ID>");
  };
  std::string utf16 = "\xff\xfe";  // the document in UTF-16LE (it is ASCII), declared as such
  for (char c : replace_first(valid, "UTF-8", "UTF-16")) {
    utf16.push_back(c);
    utf16.push_back('\0');
  }
  const std::string doctype = "<!DOCTYPE " + root + " [<!ENTITY e \"" + tid + "\">]>\n";
  const std::string laughs =
      "<!DOCTYPE " + root +
      " [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
      "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]>\n";
  const std::size_t ns_at = body.find("xmlns=\"") + 7;
  const std::string ns = body.substr(ns_at, body.find('"', ns_at) - ns_at);
  const std::string xmlns = " xmlns=\"" + ns + "\"";
  // The root prefixed (its children stay in the default namespace): valid, but no receiver here takes prefixes.
  std::string prefixed = replace_first(valid, "<" + root + xmlns, "<p:" + root + " xmlns:p=\"" + ns + "\"" + xmlns);
  prefixed = replace_first(prefixed, close, "</p:" + root + ">");
  return {
      {"as sent", valid, true, false},
      // Content after the root.
      {"newline and '<' after the root", valid + "\n<", false, false},
      {"text after the root", valid + "x", false, false},
      {"second root element", valid + "<" + root + "/>", false, false},
      {"the message twice", valid + body, false, false},
      {"whitespace after the root", valid + "\n \t\r\n", true, false},
      {"comment before the root", decl + "<!-- c -->\n" + body, true, false},
      {"comment after the root", valid + "<!-- c -->\n", true, false},
      {"processing instruction before the root", decl + "<?app x?>\n" + body, false, true},
      {"processing instruction after the root", valid + "<?app x?>\n", false, true},
      // Unclosed and mismatched tags.
      {"root not closed", valid.substr(0, valid.rfind(close)), false, false},
      {"inner tag not closed", replace_first(valid, "</transaction-ID>", ""), false, false},
      {"mismatched end tag", replace_first(valid, "</transaction-ID>", "</transaction-id>"), false, false},
      {"attribute without quotes", replace_first(valid, tid_open, "<transaction-ID a=1>"), false, false},
      {"empty document", "", false, false},
      {"only whitespace", " \n", false, false},
      // The XML declaration and the encoding.
      {"no XML declaration", body, true, false},
      {"UTF-8 byte order mark", "\xef\xbb\xbf" + valid, true, false},
      {"encoding in lower case", replace_first(valid, "UTF-8", "utf-8"), true, false},
      {"unknown encoding", replace_first(valid, "UTF-8", "bogus"), false, false},
      {"UTF-16 declared on UTF-8 bytes", replace_first(valid, "UTF-8", "UTF-16"), false, false},
      {"ISO-8859-1 declared", replace_first(valid, "UTF-8", "ISO-8859-1"), false, true},
      {"UTF-16 with a byte order mark", utf16, false, true},
      {"XML version 1.1", replace_first(valid, "version=\"1.0\"", "version=\"1.1\""), false, true},
      {"bad standalone", replace_first(valid, "encoding=\"UTF-8\"", "encoding=\"UTF-8\" standalone=\"maybe\""), false,
       false},
      {"declaration not at the start", " " + valid, false, false},
      // UTF-8 and characters.
      {"valid multi-byte UTF-8", in_comment("\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91"), true, false},
      {"lone continuation byte", in_comment("\x80"), false, false},
      {"overlong encoding", in_comment("\xc0\xaf"), false, false},
      {"UTF-16 surrogate", in_comment("\xed\xa0\x80"), false, false},
      {"above U+10FFFF", in_comment("\xf4\x90\x80\x80"), false, false},
      {"truncated sequence at the end", valid + "\xe2\x82", false, false},
      {"NUL byte", in_comment(std::string(1, '\0')), false, false},
      {"control character", in_comment("\x01"), false, false},
      {"character reference to U+0000", as_value("&#0;" + tid), false, false},
      {"character reference", as_value("&#" + std::to_string(static_cast<int>(tid[0])) + ";" + tid.substr(1)), true,
       false},
      // DTDs and entities: refused before parsing, even where xmllint (which does not expand them) accepts.
      {"DOCTYPE", decl + doctype + body, false, true},
      {"declared entity used", decl + doctype + replace_first(body, tid_elem, tid_open + "&e;</transaction-ID>"), false,
       false},
      {"external entity",
       decl + "<!DOCTYPE " + root + " [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n" +
           replace_first(body, tid_elem, tid_open + "&e;</transaction-ID>"),
       false, false},
      {"billion laughs", decl + laughs + replace_first(body, tid_elem, tid_open + "&d;</transaction-ID>"), false,
       false},
      {"undeclared entity", as_value("&e;"), false, false},
      {"bare ampersand", as_value(tid + "&"), false, false},
      // CDATA and comments.
      {"CDATA value", as_value("<![CDATA[" + tid + "]]>"), true, false},
      {"comment splitting a value", as_value(tid + "<!-- c -->"), true, false},
      {"CDATA not terminated", as_value("<![CDATA[" + tid), false, false},
      {"']]>' in text", as_value(tid + "]]>"), false, false},
      {"'--' in a comment", in_comment(" a -- b "), false, false},
      // Namespaces.
      {"namespace prefix on the root", prefixed, false, true},
      {"undeclared prefix", replace_first(valid, tid_elem, tid_elem + "<q:x/>"), false, false},
      {"xmlns given twice", replace_first(valid, " xmlns=", " xmlns=\"urn:x\" xmlns="), false, false},
      {"no namespace", replace_first(valid, xmlns, ""), false, false},
      {"redundant xmlns on a child", replace_first(valid, tid_open, "<transaction-ID" + xmlns + ">"), false, true},
  };
}

// xmllint's verdict on `doc` (well-formed and valid against `xsd`), or nullopt when xmllint is not installed.
inline std::optional<bool> xmllint_accepts(const std::string& doc, const std::string& xsd) {
  static const bool have = std::system("xmllint --version >/dev/null 2>&1") == 0;
  if (!have) return std::nullopt;
  std::string path = ::testing::TempDir() + "wellformed_XXXXXX";
  int fd = mkstemp(path.data());
  EXPECT_GE(fd, 0);
  if (fd < 0) return std::nullopt;
  EXPECT_EQ(write(fd, doc.data(), doc.size()), static_cast<ssize_t>(doc.size()));
  close(fd);
  std::string cmd = "xmllint --noout --nonet --schema '" + xsd + "' '" + path + "' >/dev/null 2>&1";
  int rc = std::system(cmd.c_str());
  std::remove(path.c_str());
  return WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

}  // namespace prose::xml::test
