#include "prose/xml/strict.h"

#include <algorithm>
#include <array>

namespace prose::xml {

// ---------------------------------------------------------------------------------------------------------------
// Error classes.

namespace {

constexpr std::array<std::string_view, 15> kDecodeTokens{
    "too-large",       "not-well-formed",   "dtd-forbidden",   "wrong-root",        "wrong-namespace",
    "unknown-element", "unknown-attribute", "missing-element", "duplicate-element", "out-of-order",
    "conflict",        "unexpected-text",   "bad-hex",         "wrong-length",      "bad-value",
};

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

std::string tag(std::string_view name) { return "<" + std::string(name) + ">"; }
std::string tag(pugi::xml_node n) { return tag(std::string_view(n.name())); }

Unexpected derr(DecodeErrc c, pugi::xml_node at, const std::string& msg) {
  Errc e = Errc::kMalformed;
  if (c == DecodeErrc::kTooLarge) e = Errc::kInvalidArgument;
  if (c == DecodeErrc::kDtdForbidden) e = Errc::kUnsupported;
  std::string m = std::string(decode_errc_token(c)) + ": " + msg;
  if (at) {
    auto off = at.offset_debug();
    if (off >= 0) return fail_at(e, static_cast<std::size_t>(off), m);
  }
  return fail(e, m);
}

bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool all_space(std::string_view s) { return std::all_of(s.begin(), s.end(), is_xml_space); }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Well-formedness rules pugixml does not check (it is a lenient parser), checked on the raw text so that a codec
// never accepts a document an XML 1.0 parser refuses: legal characters and UTF-8, references, comments, "]]>".

namespace {

bool legal_char(std::uint32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

Unexpected not_wf(std::size_t at, const std::string& why) {
  return fail_at(Errc::kMalformed, at, std::string(decode_errc_token(DecodeErrc::kNotWellFormed)) + ": " + why);
}

Status check_reference(std::string_view x, std::size_t amp) {
  std::size_t semi = x.find(';', amp);
  if (semi == std::string_view::npos || semi - amp > 12) return not_wf(amp, "'&' that does not start a reference");
  std::string_view ref = x.substr(amp + 1, semi - amp - 1);
  if (ref == "amp" || ref == "lt" || ref == "gt" || ref == "quot" || ref == "apos") return ok_status();
  if (ref.size() >= 2 && ref[0] == '#') {
    bool hexref = ref[1] == 'x';
    std::string_view digits = ref.substr(hexref ? 2 : 1);
    if (digits.empty()) return not_wf(amp, "empty character reference");
    std::uint32_t v = 0;
    for (char c : digits) {
      int d = hexref ? hex_digit(c) : (c >= '0' && c <= '9' ? c - '0' : -1);
      if (d < 0) return not_wf(amp, "bad character reference");
      v = v * (hexref ? 16 : 10) + static_cast<std::uint32_t>(d);
      if (v > 0x10FFFF) return not_wf(amp, "character reference out of range");
    }
    if (!legal_char(v)) return not_wf(amp, "character reference to a character XML does not allow");
    return ok_status();
  }
  return not_wf(amp, "reference to an undeclared entity '&" + std::string(ref) + ";'");
}

}  // namespace

Status check_well_formed(std::string_view x) {
  std::size_t raw_until = 0;  // inside a comment or CDATA section: no reference checks
  for (std::size_t i = 0; i < x.size();) {
    auto c = static_cast<unsigned char>(x[i]);
    if (c < 0x80) {
      if (!legal_char(c)) return not_wf(i, "control character " + std::to_string(c) + " not allowed in XML");
      if (i >= raw_until) {
        if (c == '<' && x.compare(i, 4, "<!--") == 0) {
          std::size_t end = x.find("-->", i + 4);
          if (end == std::string_view::npos) return not_wf(i, "unterminated comment");
          std::size_t dd = x.find("--", i + 4);
          if (dd < end) return not_wf(dd, "'--' inside a comment");
          raw_until = end + 3;
        } else if (c == '<' && x.compare(i, 9, "<![CDATA[") == 0) {
          std::size_t end = x.find("]]>", i + 9);
          if (end == std::string_view::npos) return not_wf(i, "unterminated CDATA section");
          raw_until = end + 3;
        } else if (c == '<' && x.compare(i, 2, "<?") == 0) {
          // Only the XML declaration, and only at the very start; no other processing instruction.
          if (i != 0 || x.size() < 6 || x.compare(0, 5, "<?xml") != 0 || !is_xml_space(x[5])) {
            return not_wf(i, "processing instructions are not allowed");
          }
        } else if (c == '&') {
          PROSE_TRY_STATUS(check_reference(x, i));
        } else if (c == ']' && x.compare(i, 3, "]]>") == 0) {
          return not_wf(i, "']]>' outside a CDATA section");
        }
      }
      ++i;
      continue;
    }
    // UTF-8: shortest form, no surrogates, at most U+10FFFF.
    std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || c > 0xF4 || i + n > x.size()) return not_wf(i, "invalid UTF-8");
    std::uint32_t v = c & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
      auto cc = static_cast<unsigned char>(x[i + k]);
      if ((cc & 0xC0) != 0x80) return not_wf(i, "invalid UTF-8");
      v = (v << 6) | (cc & 0x3F);
    }
    if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || !legal_char(v)) return not_wf(i, "invalid UTF-8");
    i += n;
  }
  return ok_status();
}

// ---------------------------------------------------------------------------------------------------------------
// Strict load.

StrictDocument::~StrictDocument() {
  if (!buf_.empty()) secure_wipe(buf_.data(), buf_.size());
}

Result<pugi::xml_node> StrictDocument::load(std::string_view xml, std::size_t max_size) {
  if (xml.size() > max_size) {
    return derr(DecodeErrc::kTooLarge, {},
                "document of " + std::to_string(xml.size()) + " octets exceeds " + std::to_string(max_size));
  }
  if (xml.empty()) return derr(DecodeErrc::kNotWellFormed, {}, "empty document");
  // Same textual rule as SchemaValidator::validate(): no DOCTYPE anywhere, so no DTD is ever parsed.
  if (xml.find("<!DOCTYPE") != std::string_view::npos) {
    return derr(DecodeErrc::kDtdForbidden, {}, "a DOCTYPE (DTD) is not allowed");
  }
  PROSE_TRY_STATUS(check_well_formed(xml));
  // Parse in place in the private buffer (wiped by the destructor). A newline is appended: pugixml's fragment
  // mode sets the final character aside, and a stray non-space character there (text after the root) must
  // still be seen.
  if (!buf_.empty()) secure_wipe(buf_.data(), buf_.size());
  buf_.assign(xml.begin(), xml.end());
  buf_.push_back('\n');
  unsigned flags = pugi::parse_cdata | pugi::parse_escapes | pugi::parse_eol | pugi::parse_wconv_attribute |
                   pugi::parse_ws_pcdata | pugi::parse_doctype | pugi::parse_declaration | pugi::parse_fragment;
  pugi::xml_parse_result pr = doc_.load_buffer_inplace(buf_.data(), buf_.size(), flags, pugi::encoding_utf8);
  if (!pr) {
    return fail_at(Errc::kMalformed, static_cast<std::size_t>(pr.offset),
                   std::string(decode_errc_token(DecodeErrc::kNotWellFormed)) + ": " + pr.description());
  }
  pugi::xml_node root;
  for (pugi::xml_node n = doc_.first_child(); n; n = n.next_sibling()) {
    switch (n.type()) {
      case pugi::node_doctype:
        return derr(DecodeErrc::kDtdForbidden, n, "a DOCTYPE (DTD) is not allowed");
      case pugi::node_declaration: {
        // XML 1.0 XMLDecl: version="1.0" [encoding="UTF-8"] [standalone="yes"|"no"], in that order.
        if (n != doc_.first_child()) return derr(DecodeErrc::kNotWellFormed, n, "XML declaration not at the start");
        int step = 0;
        for (auto a : n.attributes()) {
          std::string_view an = a.name(), av = a.value();
          if (step == 0 && an == "version" && av == "1.0") {
            step = 1;
          } else if (step == 1 && an == "encoding") {
            if (!iequals(av, "UTF-8")) {
              return derr(DecodeErrc::kNotWellFormed, n,
                          "encoding \"" + std::string(av) + "\" not supported (UTF-8 only)");
            }
            step = 2;
          } else if (step >= 1 && step <= 2 && an == "standalone" && (av == "yes" || av == "no")) {
            step = 3;
          } else {
            return derr(DecodeErrc::kNotWellFormed, n, "bad XML declaration near '" + std::string(an) + "'");
          }
        }
        if (step == 0) return derr(DecodeErrc::kNotWellFormed, n, "XML declaration without version=\"1.0\"");
        break;
      }
      case pugi::node_element:
        if (root) return derr(DecodeErrc::kNotWellFormed, n, "more than one root element");
        root = n;
        break;
      case pugi::node_pcdata:
      case pugi::node_cdata:
        if (!all_space(n.value())) return derr(DecodeErrc::kNotWellFormed, n, "text outside the root element");
        break;
      default:
        break;
    }
  }
  if (!root) return derr(DecodeErrc::kNotWellFormed, {}, "no root element");
  return root;
}

Result<bool> check_root(pugi::xml_node root, std::string_view request_root, std::string_view response_root,
                        std::string_view ns) {
  std::string_view rname = root.name();
  bool request = rname == request_root;
  if (!request && rname != response_root) {
    if (rname.find(':') != std::string_view::npos) {
      return derr(DecodeErrc::kWrongNamespace, root, tag(rname) + ": namespace prefixes are not allowed");
    }
    return derr(DecodeErrc::kWrongRoot, root,
                "root element " + tag(rname) + " is neither " + tag(request_root) + " nor " + tag(response_root));
  }
  bool ns_ok = false;
  for (auto a : root.attributes()) {
    std::string_view an = a.name();
    if (an == "xmlns") {
      if (ns_ok) return derr(DecodeErrc::kNotWellFormed, root, "attribute 'xmlns' given twice");
      if (std::string_view(a.value()) != ns) {
        return derr(DecodeErrc::kWrongNamespace, root, tag(rname) + ": namespace must be \"" + std::string(ns) + "\"");
      }
      ns_ok = true;
    } else {
      return derr(DecodeErrc::kUnknownAttribute, root,
                  "attribute '" + std::string(an) + "' not allowed on " + tag(rname));
    }
  }
  if (!ns_ok) {
    return derr(DecodeErrc::kWrongNamespace, root, tag(rname) + ": missing xmlns=\"" + std::string(ns) + "\"");
  }
  return request;
}

// ---------------------------------------------------------------------------------------------------------------
// Leaf values. Whitespace at both ends is removed (the schemas' types all collapse whitespace).

Result<WipedString> leaf_text(pugi::xml_node n) {
  std::size_t total = 0;
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) {
      return derr(DecodeErrc::kUnexpectedText, c, tag(c) + " not allowed inside the value of " + tag(n));
    }
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) total += std::string_view(c.value()).size();
  }
  WipedString w;
  w.s.reserve(total);
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) w.s.append(c.value());
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

Result<std::uint64_t> decimal_value(pugi::xml_node n, std::size_t max_digits, std::uint64_t lo, std::uint64_t hi) {
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
// Content model.

Result<Children> Children::read(pugi::xml_node parent, std::initializer_list<Spec> specs) {
  Children c;
  c.parent_ = parent;
  int cur_slot = -1;
  std::string_view cur_name;
  std::vector<std::pair<std::string_view, std::size_t>> counts;
  for (pugi::xml_node n = parent.first_child(); n; n = n.next_sibling()) {
    switch (n.type()) {
      case pugi::node_pcdata:
      case pugi::node_cdata:
        if (!all_space(n.value())) return derr(DecodeErrc::kUnexpectedText, n, "text not allowed in " + tag(parent));
        continue;
      case pugi::node_element:
        break;
      default:
        continue;  // comments and processing instructions are not parsed
    }
    std::string_view name = n.name();
    if (name.find(':') != std::string_view::npos) {
      return derr(DecodeErrc::kWrongNamespace, n, tag(name) + ": namespace prefixes are not allowed");
    }
    if (n.first_attribute()) {
      return derr(DecodeErrc::kUnknownAttribute, n,
                  "attribute '" + std::string(n.first_attribute().name()) + "' not allowed on " + tag(name));
    }
    const Spec* spec = nullptr;
    for (const auto& s : specs) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr) return derr(DecodeErrc::kUnknownElement, n, tag(name) + " not allowed in " + tag(parent));
    std::size_t* count = nullptr;
    for (auto& [nm, k] : counts) {
      if (nm == name) count = &k;
    }
    if (spec->slot < cur_slot) {
      if (count != nullptr && spec->max == 1) {
        return derr(DecodeErrc::kDuplicateElement, n, tag(name) + " given more than once in " + tag(parent));
      }
      return derr(DecodeErrc::kOutOfOrder, n, tag(name) + " must come before " + tag(cur_name) + " in " + tag(parent));
    }
    if (spec->slot == cur_slot && name != cur_name) {
      return derr(DecodeErrc::kConflict, n,
                  tag(name) + " and " + tag(cur_name) + " are mutually exclusive in " + tag(parent));
    }
    if (count == nullptr) {
      counts.emplace_back(name, 0);
      count = &counts.back().second;
    }
    if (++*count > spec->max) {
      return derr(DecodeErrc::kDuplicateElement, n,
                  spec->max == 1 ? tag(name) + " given more than once in " + tag(parent)
                                 : "more than " + std::to_string(spec->max) + " " + tag(name) + " in " + tag(parent));
    }
    cur_slot = spec->slot;
    cur_name = name;
    c.items_.emplace_back(name, n);
  }
  return c;
}

pugi::xml_node Children::first(std::string_view name) const {
  for (const auto& [nm, n] : items_) {
    if (nm == name) return n;
  }
  return {};
}

std::vector<pugi::xml_node> Children::all(std::string_view name) const {
  std::vector<pugi::xml_node> out;
  for (const auto& [nm, n] : items_) {
    if (nm == name) out.push_back(n);
  }
  return out;
}

Result<pugi::xml_node> Children::required(std::string_view name) const {
  auto n = first(name);
  if (!n) return derr(DecodeErrc::kMissingElement, parent_, tag(parent_) + " lacks " + tag(name));
  return n;
}

Result<pugi::xml_node> Children::one_of(std::initializer_list<std::string_view> names) const {
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

void XmlOut::open(std::string_view name) {
  indent();
  s_ += "<";
  s_ += name;
  s_ += ">\n";
  ++depth_;
}

void XmlOut::close(std::string_view name) {
  --depth_;
  indent();
  s_ += "</";
  s_ += name;
  s_ += ">\n";
}

void XmlOut::leaf(std::string_view name, std::string_view value) {
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
  indent();
  s_ += "<";
  s_ += name;
  s_ += "/>\n";
}

std::string XmlOut::finish() {
  s_ += "</";
  s_ += root_;
  s_ += ">\n";
  return std::move(s_);
}

}  // namespace prose::xml
