// Receiving XML, shared by the message codecs (pc8, prosefn): a document is parsed by libxml2, which decides
// whether it is well-formed, and validated against the codec's XSD (libxml2), which decides whether it is valid;
// then the few rules neither can express are checked (StrictDocument::load), and the codec maps the valid tree to
// its model with the helpers below (element children by name, leaf text, numbers). Also the decode error classes'
// helpers and a small writer.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "prose/util/result.h"
#include "prose/util/secret.h"
#include "prose/xml/errc.h"

struct _xmlDoc;
struct _xmlNode;

namespace prose::xml {

class SchemaValidator;

// An element of a StrictDocument (valid only while the document lives), or null.
class Node {
 public:
  Node() = default;
  explicit Node(const _xmlNode* n) : n_(n) {}
  explicit operator bool() const { return n_ != nullptr; }
  bool operator==(const Node& o) const { return n_ == o.n_; }

  std::string_view name() const;            // the local name ("" for null)
  long line() const;                        // the line of its start tag (0 for null)
  Node parent() const;                      // the parent element (null for the root)
  Node child(std::string_view name) const;  // the first child element of that name
  const _xmlNode* raw() const { return n_; }

 private:
  const _xmlNode* n_ = nullptr;
};

// "<name>"
std::string tag(std::string_view name);
std::string tag(Node n);

// An error of class `c` ("<token>: line N: msg", without the line for a null node). kTooLarge is
// kInvalidArgument, kDtdForbidden kUnsupported, all others kMalformed.
Unexpected derr(DecodeErrc c, Node at, const std::string& msg);

bool is_xml_space(char c);
int hex_digit(char c);  // -1 if not a hex digit

// A received document, parsed, checked and freed when the StrictDocument dies (libxml2 wipes what it frees:
// init_libxml2 in prose/xml/parse.h).
class StrictDocument {
 public:
  StrictDocument() = default;
  StrictDocument(const StrictDocument&) = delete;
  StrictDocument& operator=(const StrictDocument&) = delete;
  ~StrictDocument();

  // In this order:
  //   1. too-large: more than max_size octets (before parsing);
  //   2. dtd-forbidden / not-well-formed: libxml2 (prose/xml/parse.h), with the line, column and offset;
  //   3. not-well-formed: an XML version other than 1.0 (libxml2 only warns), an encoding other than UTF-8
  //      (declared, or a UTF-16 byte order mark);
  //   4. schema-invalid: the schema refuses it (line and libxml2's first reason, values shown as '...');
  //   5. the rules of the receivers the schema cannot express (an XSD validator allows them): a namespace
  //      prefix (wrong-namespace); any attribute, xsi: ones included, or a namespace declaration other than
  //      the root's xmlns (unknown-attribute); a processing instruction (not-well-formed).
  // Returns the root element.
  Result<Node> load(std::string_view xml, std::size_t max_size, const SchemaValidator& schema);

 private:
  _xmlDoc* doc_ = nullptr;
};

// The root's name: true for `request_root`, false for `response_root`, wrong-root for any other.
Result<bool> check_root(Node root, std::string_view request_root, std::string_view response_root);

// A std::string that is wiped when it dies (leaf text may be key hex).
struct WipedString {
  std::string s;
  WipedString() = default;
  WipedString(const WipedString&) = delete;
  WipedString& operator=(const WipedString&) = delete;
  WipedString(WipedString&& o) noexcept : s(std::move(o.s)) {}
  ~WipedString() { secure_wipe(s.data(), s.size()); }
};

// The text of a leaf element (text and CDATA concatenated, comments skipped), whitespace at both ends removed;
// an element inside is bad-value. The trimmed-off parts are wiped too.
Result<WipedString> leaf_text(Node n);

// A leaf holding a decimal number of 1..max_digits digits (no sign) in lo..hi; bad-value otherwise.
Result<std::uint64_t> decimal_value(Node n, std::size_t max_digits, std::uint64_t lo, std::uint64_t hi);

// The child elements of an element, looked up by name. The schema has checked their names, order and numbers;
// required() and one_of() still refuse an absent element (missing-element) rather than trust it.
class Children {
 public:
  explicit Children(Node parent);

  Node first(std::string_view name) const;
  bool has(std::string_view name) const { return static_cast<bool>(first(name)); }
  std::vector<Node> all(std::string_view name) const;
  Result<Node> required(std::string_view name) const;
  // The first present of the given alternatives.
  Result<Node> one_of(std::initializer_list<std::string_view> names) const;
  Node parent() const { return parent_; }

 private:
  Node parent_;
  std::vector<Node> items_;
};

// Writer of a document with one namespaced root, two-space indentation. Leaf values are escaped (& < >).
// The document may hold key hex (secret()): the buffer grows only through make_room, which wipes the old buffer
// before freeing it, so no partial copy of a key is left in freed memory.
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
  // Room for n more characters; a larger buffer replaces the old one, which is wiped.
  void make_room(std::size_t n);
  void indent() { s_.append(static_cast<std::size_t>(2 * depth_), ' '); }
  std::string s_;
  std::string_view root_;
  int depth_ = 0;
};

}  // namespace prose::xml
