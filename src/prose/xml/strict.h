// Strict XML on pugixml, shared by the message codecs (pc8, prosefn): the decode error classes and their tokens,
// the XML 1.0 rules pugixml does not check (checked on the raw text), a strict document load (size limit, no DTD,
// one root, XML declaration rules, in a private buffer wiped afterwards), a content-model reader for
// element-only elements, leaf text, the root/namespace check and a small writer.
#pragma once

#include <pugixml.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "prose/util/result.h"
#include "prose/util/secret.h"
#include "prose/xml/errc.h"

namespace prose::xml {

// "<name>"
std::string tag(std::string_view name);
std::string tag(pugi::xml_node n);

// An error of class `c` ("<token>: msg"), at the node's offset when known. kTooLarge is kInvalidArgument,
// kDtdForbidden kUnsupported, all others kMalformed.
Unexpected derr(DecodeErrc c, pugi::xml_node at, const std::string& msg);

bool is_xml_space(char c);
bool all_space(std::string_view s);
int hex_digit(char c);                                 // -1 if not a hex digit
bool iequals(std::string_view a, std::string_view b);  // ASCII case-insensitive

// The XML 1.0 well-formedness rules pugixml (a lenient parser) does not check, on the raw text: legal characters
// and UTF-8 (shortest form, no surrogates), references (predefined entities and valid character references only),
// comments (terminated, no "--"), CDATA sections terminated, no "]]>" outside them, no processing instruction
// but the XML declaration at the very start. Errors are "not-well-formed: ..." with the offset.
Status check_well_formed(std::string_view x);

// A document parsed strictly in a private buffer that is wiped when the StrictDocument dies (text nodes point
// into it, so nodes are valid only while it lives).
class StrictDocument {
 public:
  StrictDocument() = default;
  StrictDocument(const StrictDocument&) = delete;
  StrictDocument& operator=(const StrictDocument&) = delete;
  ~StrictDocument();

  // Refuses a document larger than max_size (too-large), empty, containing "<!DOCTYPE" (dtd-forbidden),
  // failing check_well_formed(), that pugixml cannot parse, with a misplaced or bad XML declaration (version 1.0,
  // UTF-8 only, standalone yes/no, in that order), text outside the root, or not exactly one root element.
  // Returns the root element.
  Result<pugi::xml_node> load(std::string_view xml, std::size_t max_size);

 private:
  std::vector<char> buf_;
  pugi::xml_document doc_;
};

// The root element's attributes: exactly one xmlns equal to `ns`, nothing else; no prefix on the root's name.
// Returns true for `request_root`, false for `response_root`, wrong-root for any other name.
Result<bool> check_root(pugi::xml_node root, std::string_view request_root, std::string_view response_root,
                        std::string_view ns);

// A std::string that is wiped when it dies (leaf text may be key hex).
struct WipedString {
  std::string s;
  WipedString() = default;
  WipedString(const WipedString&) = delete;
  WipedString& operator=(const WipedString&) = delete;
  WipedString(WipedString&& o) noexcept : s(std::move(o.s)) {}
  ~WipedString() { secure_wipe(s.data(), s.size()); }
};

// The text of a leaf element (text and CDATA concatenated), whitespace at both ends removed; an element child is
// unexpected-text. The trimmed-off parts are wiped too.
Result<WipedString> leaf_text(pugi::xml_node n);

// A leaf holding a decimal number of 1..max_digits digits (no sign) in lo..hi; bad-value otherwise.
Result<std::uint64_t> decimal_value(pugi::xml_node n, std::size_t max_digits, std::uint64_t lo, std::uint64_t hi);

// Children of an element-only element, checked against a content model: each allowed name has a slot (schema
// sequence position; alternatives of a choice share a slot) and a maximum count.
struct Spec {
  std::string_view name;
  int slot;
  std::size_t max;
};

class Children {
 public:
  static Result<Children> read(pugi::xml_node parent, std::initializer_list<Spec> specs);

  pugi::xml_node first(std::string_view name) const;
  bool has(std::string_view name) const { return static_cast<bool>(first(name)); }
  std::vector<pugi::xml_node> all(std::string_view name) const;
  Result<pugi::xml_node> required(std::string_view name) const;
  // Exactly one of the given alternatives.
  Result<pugi::xml_node> one_of(std::initializer_list<std::string_view> names) const;
  pugi::xml_node parent() const { return parent_; }

 private:
  pugi::xml_node parent_;
  std::vector<std::pair<std::string_view, pugi::xml_node>> items_;
};

// Writer of a document with one namespaced root, two-space indentation. Leaf values are escaped (& < >).
class XmlOut {
 public:
  XmlOut(std::string_view root, std::string_view ns);
  void open(std::string_view name);
  void close(std::string_view name);
  void leaf(std::string_view name, std::string_view value);
  void secret(std::string_view name, const SecretBytes& key);  // key hex; the temporary is wiped
  void empty(std::string_view name);
  std::string finish();

 private:
  void indent() { s_.append(static_cast<std::size_t>(2 * depth_), ' '); }
  std::string s_;
  std::string_view root_;
  int depth_ = 0;
};

}  // namespace prose::xml
