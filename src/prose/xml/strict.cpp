#include "prose/xml/strict.h"

#include <libxml/tree.h>

#include <algorithm>
#include <array>

#include "prose/xml/parse.h"
#include "prose/xml/schema.h"

namespace prose::xml {

// ---------------------------------------------------------------------------------------------------------------
// Error classes.

namespace {

constexpr std::array<std::string_view, 9> kDecodeTokens{
    "too-large",       "not-well-formed",   "dtd-forbidden",   "schema-invalid", "wrong-root",
    "wrong-namespace", "unknown-attribute", "missing-element", "bad-value",
};

std::string_view name_of(const xmlNode* n) { return reinterpret_cast<const char*>(n->name); }

// "p:name" or "name", of an element or an attribute.
template <class N>
std::string qname(const N* n) {
  std::string q;
  if (n->ns != nullptr && n->ns->prefix != nullptr) q = std::string(reinterpret_cast<const char*>(n->ns->prefix)) + ":";
  return q + reinterpret_cast<const char*>(n->name);
}

}  // namespace

std::string_view decode_errc_token(DecodeErrc c) { return kDecodeTokens.at(static_cast<std::size_t>(c)); }

std::optional<DecodeErrc> decode_errc_of(const Error& e) {
  for (std::size_t i = 0; i < kDecodeTokens.size(); ++i) {
    const auto& t = kDecodeTokens[i];
    if (e.message.size() > t.size() && e.message.compare(0, t.size(), t) == 0 && e.message[t.size()] == ':') {
      return static_cast<DecodeErrc>(i);
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------------------------
// Nodes.

std::string_view Node::name() const { return n_ != nullptr ? name_of(n_) : std::string_view(); }

long Node::line() const { return n_ != nullptr ? xmlGetLineNo(n_) : 0; }

Node Node::parent() const {
  if (n_ == nullptr || n_->parent == nullptr || n_->parent->type != XML_ELEMENT_NODE) return Node();
  return Node(n_->parent);
}

Node Node::child(std::string_view name) const {
  if (n_ == nullptr) return Node();
  for (const xmlNode* c = n_->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && name_of(c) == name) return Node(c);
  }
  return Node();
}

std::string tag(std::string_view name) { return "<" + std::string(name) + ">"; }
std::string tag(Node n) { return tag(n.name()); }

Unexpected derr(DecodeErrc c, Node at, const std::string& msg) {
  Errc e = Errc::kMalformed;
  if (c == DecodeErrc::kTooLarge) e = Errc::kInvalidArgument;
  if (c == DecodeErrc::kDtdForbidden) e = Errc::kUnsupported;
  std::string m = std::string(decode_errc_token(c)) + ": ";
  if (at) m += "line " + std::to_string(at.line()) + ": ";
  return fail(e, m + msg);
}

bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ---------------------------------------------------------------------------------------------------------------
// Strict load.

namespace {

// The rules a receiver adds to the schema, on every node of the valid document (iteratively: no recursion).
Status check_tree(const xmlDoc* doc) {
  const xmlNode* root = xmlDocGetRootElement(const_cast<xmlDoc*>(doc));
  const auto* top = reinterpret_cast<const xmlNode*>(doc);
  for (const xmlNode* n = doc->children; n != nullptr;) {
    Node at(n);
    switch (n->type) {
      case XML_ELEMENT_NODE: {
        if (n->ns != nullptr && n->ns->prefix != nullptr) {
          return derr(DecodeErrc::kWrongNamespace, at, tag(qname(n)) + ": namespace prefixes are not allowed");
        }
        if (n->properties != nullptr) {
          return derr(DecodeErrc::kUnknownAttribute, at,
                      "attribute '" + qname(n->properties) + "' not allowed on " + tag(qname(n)));
        }
        for (const xmlNs* d = n->nsDef; d != nullptr; d = d->next) {
          if (n != root || d->prefix != nullptr) {
            std::string a = d->prefix != nullptr ? "xmlns:" + std::string(reinterpret_cast<const char*>(d->prefix))
                                                 : std::string("xmlns");
            return derr(
                DecodeErrc::kUnknownAttribute, at,
                "namespace declaration '" + a + "' not allowed on " + tag(qname(n)) + " (only the root's xmlns)");
          }
        }
        break;
      }
      case XML_TEXT_NODE:
      case XML_CDATA_SECTION_NODE:
      case XML_COMMENT_NODE:
        break;
      case XML_PI_NODE:
        return derr(DecodeErrc::kNotWellFormed, at,
                    "processing instruction '" + std::string(name_of(n)) + "' not allowed");
      default:
        return derr(DecodeErrc::kNotWellFormed, at, "node type " + std::to_string(n->type) + " not allowed");
    }
    // Next node in document order.
    if (n->type == XML_ELEMENT_NODE && n->children != nullptr) {
      n = n->children;
      continue;
    }
    while (n != nullptr && n->next == nullptr) {
      n = n->parent;
      if (n == top) n = nullptr;
    }
    if (n != nullptr) n = n->next;
  }
  return ok_status();
}

}  // namespace

StrictDocument::~StrictDocument() {
  if (doc_ != nullptr) xmlFreeDoc(doc_);
}

Result<Node> StrictDocument::load(std::string_view xml, std::size_t max_size, const SchemaValidator& schema) {
  if (xml.size() > max_size) {
    return derr(DecodeErrc::kTooLarge, {},
                "document of " + std::to_string(xml.size()) + " octets exceeds " + std::to_string(max_size));
  }
  if (doc_ != nullptr) {
    xmlFreeDoc(doc_);
    doc_ = nullptr;
  }
  PROSE_TRY(Parsed p, parse(xml));
  doc_ = p.doc.release();
  std::string_view version = doc_->version != nullptr ? reinterpret_cast<const char*>(doc_->version) : "";
  if (version != "1.0") {
    return derr(DecodeErrc::kNotWellFormed, {},
                "XML version \"" + std::string(version) + "\" not supported (1.0 only)");
  }
  if (!p.other_encoding.empty()) {
    return derr(DecodeErrc::kNotWellFormed, {}, "encoding \"" + p.other_encoding + "\" not supported (UTF-8 only)");
  }
  PROSE_TRY_STATUS(schema.validate(*doc_));
  PROSE_TRY_STATUS(check_tree(doc_));
  return Node(xmlDocGetRootElement(doc_));
}

Result<bool> check_root(Node root, std::string_view request_root, std::string_view response_root) {
  if (root.name() == request_root) return true;
  if (root.name() == response_root) return false;
  return derr(DecodeErrc::kWrongRoot, root,
              "root " + tag(root) + " is neither " + tag(request_root) + " nor " + tag(response_root));
}

// ---------------------------------------------------------------------------------------------------------------
// Leaf values. Whitespace at both ends is removed (the schemas' types all collapse whitespace).

Result<WipedString> leaf_text(Node n) {
  std::size_t total = 0;
  for (const xmlNode* c = n.raw()->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) {
      return derr(DecodeErrc::kBadValue, Node(c), tag(name_of(c)) + " not allowed inside the value of " + tag(n));
    }
    if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content != nullptr) {
      total += static_cast<std::size_t>(xmlStrlen(c->content));
    }
  }
  WipedString w;
  w.s.reserve(total);
  for (const xmlNode* c = n.raw()->children; c != nullptr; c = c->next) {
    if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content != nullptr) {
      w.s.append(reinterpret_cast<const char*>(c->content));
    }
  }
  std::size_t b = 0;
  while (b < w.s.size() && is_xml_space(w.s[b])) ++b;
  std::size_t e = w.s.size();
  while (e > b && is_xml_space(w.s[e - 1])) --e;
  // Wipe the trimmed-off tail and head in place (no reallocation).
  std::fill(w.s.begin() + static_cast<std::ptrdiff_t>(e), w.s.end(), '\0');
  w.s.resize(e);
  w.s.erase(0, b);
  return w;
}

Result<std::uint64_t> decimal_value(Node n, std::size_t max_digits, std::uint64_t lo, std::uint64_t hi) {
  PROSE_TRY(WipedString t, leaf_text(n));
  if (t.s.empty() || t.s.size() > max_digits ||
      !std::all_of(t.s.begin(), t.s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return derr(DecodeErrc::kBadValue, n,
                tag(n) + ": expected a decimal number of at most " + std::to_string(max_digits) + " digits");
  }
  std::uint64_t v = 0;
  for (char c : t.s) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  if (v < lo || v > hi) {
    return derr(DecodeErrc::kBadValue, n,
                tag(n) + ": " + std::to_string(v) + " outside " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// Children.

Children::Children(Node parent) : parent_(parent) {
  if (!parent) return;
  for (const xmlNode* c = parent.raw()->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) items_.emplace_back(c);
  }
}

Node Children::first(std::string_view name) const {
  for (const auto& n : items_) {
    if (n.name() == name) return n;
  }
  return {};
}

std::vector<Node> Children::all(std::string_view name) const {
  std::vector<Node> out;
  for (const auto& n : items_) {
    if (n.name() == name) out.push_back(n);
  }
  return out;
}

Result<Node> Children::required(std::string_view name) const {
  auto n = first(name);
  if (!n) return derr(DecodeErrc::kMissingElement, parent_, tag(parent_) + " lacks " + tag(name));
  return n;
}

Result<Node> Children::one_of(std::initializer_list<std::string_view> names) const {
  for (auto nm : names) {
    if (auto n = first(nm)) return n;
  }
  std::string list;
  for (auto nm : names) list += (list.empty() ? "" : " or ") + tag(nm);
  return derr(DecodeErrc::kMissingElement, parent_, tag(parent_) + " lacks " + list);
}

// ---------------------------------------------------------------------------------------------------------------
// Writer.

XmlOut::XmlOut(std::string_view root, std::string_view ns) : root_(root) {
  s_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<";
  s_ += root;
  s_ += " xmlns=\"";
  s_ += ns;
  s_ += "\">\n";
  depth_ = 1;
}

void XmlOut::make_room(std::size_t n) {
  if (s_.size() + n <= s_.capacity()) return;
  std::string bigger;
  bigger.reserve(std::max(2 * s_.capacity(), s_.size() + n));
  bigger.append(s_);
  s_.resize(s_.capacity());  // within capacity: the whole old buffer, wiped before it is freed
  secure_wipe(s_.data(), s_.size());
  s_.swap(bigger);
}

void XmlOut::open(std::string_view name) {
  make_room(2 * static_cast<std::size_t>(depth_) + name.size() + 3);
  indent();
  s_ += "<";
  s_ += name;
  s_ += ">\n";
  ++depth_;
}

void XmlOut::close(std::string_view name) {
  --depth_;
  make_room(2 * static_cast<std::size_t>(depth_) + name.size() + 4);
  indent();
  s_ += "</";
  s_ += name;
  s_ += ">\n";
}

void XmlOut::leaf(std::string_view name, std::string_view value) {
  make_room(2 * static_cast<std::size_t>(depth_) + 2 * name.size() + 6 + 5 * value.size());  // "&amp;" at worst
  indent();
  s_ += "<";
  s_ += name;
  s_ += ">";
  for (char c : value) {
    if (c == '&') {
      s_ += "&amp;";
    } else if (c == '<') {
      s_ += "&lt;";
    } else if (c == '>') {
      s_ += "&gt;";
    } else {
      s_ += c;
    }
  }
  s_ += "</";
  s_ += name;
  s_ += ">\n";
}

void XmlOut::secret(std::string_view name, const SecretBytes& key) {
  std::string h = key.reveal_hex();
  leaf(name, h);
  secure_wipe(h.data(), h.size());
}

void XmlOut::empty(std::string_view name) {
  make_room(2 * static_cast<std::size_t>(depth_) + name.size() + 4);
  indent();
  s_ += "<";
  s_ += name;
  s_ += "/>\n";
}

std::string XmlOut::finish() {
  make_room(root_.size() + 4);
  s_ += "</";
  s_ += root_;
  s_ += ">\n";
  return std::move(s_);
}

}  // namespace prose::xml
