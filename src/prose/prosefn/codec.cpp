#include "prose/prosefn/codec.h"

#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "prose/prosefn/constants.h"
#include "prose/prosefn/syntax.h"

namespace prose::prosefn {

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

namespace {

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

// ---------------------------------------------------------------------------------------------------------------
// Children of an element-only element, checked against a content model: each allowed name has a slot (schema
// sequence position; alternatives of a choice share a slot) and a maximum count.

struct Spec {
  std::string_view name;
  int slot;
  std::size_t max;
};

class Children {
 public:
  static Result<Children> read(pugi::xml_node parent, std::initializer_list<Spec> specs) {
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
          continue;  // comments
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
        return derr(DecodeErrc::kOutOfOrder, n,
                    tag(name) + " must come before " + tag(cur_name) + " in " + tag(parent));
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

  pugi::xml_node first(std::string_view name) const {
    for (const auto& [nm, n] : items_) {
      if (nm == name) return n;
    }
    return {};
  }
  std::vector<pugi::xml_node> all(std::string_view name) const {
    std::vector<pugi::xml_node> out;
    for (const auto& [nm, n] : items_) {
      if (nm == name) out.push_back(n);
    }
    return out;
  }
  Result<pugi::xml_node> required(std::string_view name) const {
    auto n = first(name);
    if (!n) return derr(DecodeErrc::kMissingElement, parent_, tag(parent_) + " lacks " + tag(name));
    return n;
  }
  Result<pugi::xml_node> one_of(std::initializer_list<std::string_view> names) const {
    for (auto nm : names) {
      if (auto n = first(nm)) return n;
    }
    std::string list;
    for (auto nm : names) list += (list.empty() ? "" : " or ") + tag(nm);
    return derr(DecodeErrc::kMissingElement, parent_, tag(parent_) + " lacks " + list);
  }

 private:
  pugi::xml_node parent_;
  std::vector<std::pair<std::string_view, pugi::xml_node>> items_;
};

// ---------------------------------------------------------------------------------------------------------------
// Leaf values. Whitespace at both ends is removed (the schema's types all collapse whitespace).

Result<std::string> leaf_text(pugi::xml_node n) {
  std::string s;
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) {
      return derr(DecodeErrc::kUnexpectedText, c, tag(c) + " not allowed inside the value of " + tag(n));
    }
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) s.append(c.value());
  }
  std::size_t b = 0;
  while (b < s.size() && is_xml_space(s[b])) ++b;
  std::size_t e = s.size();
  while (e > b && is_xml_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::uint32_t> rsc_value(pugi::xml_node n) {
  PROSE_TRY(std::string t, leaf_text(n));
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (hex_digit(t[i]) < 0) {
      return derr(DecodeErrc::kBadHex, n, tag(n) + ": invalid hex character at position " + std::to_string(i));
    }
  }
  if (t.size() % 2 != 0) return derr(DecodeErrc::kBadHex, n, tag(n) + ": odd number of hex digits");
  if (t.size() / 2 != kRelayServiceCodeSize) {
    return derr(DecodeErrc::kWrongLength, n,
                tag(n) + ": expected " + std::to_string(kRelayServiceCodeSize) + " octets, got " +
                    std::to_string(t.size() / 2));
  }
  std::uint32_t v = 0;
  for (char c : t) v = (v << 4) | static_cast<std::uint32_t>(hex_digit(c));
  return v;
}

Result<std::uint64_t> decimal_value(pugi::xml_node n, std::size_t max_digits, std::uint64_t lo, std::uint64_t hi) {
  PROSE_TRY(std::string t, leaf_text(n));
  if (t.empty() || t.size() > max_digits ||
      !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return derr(DecodeErrc::kBadValue, n,
                tag(n) + ": expected a decimal number of at most " + std::to_string(max_digits) + " digits");
  }
  std::uint64_t v = 0;
  for (char c : t) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  if (v < lo || v > hi) {
    return derr(DecodeErrc::kBadValue, n,
                tag(n) + ": " + std::to_string(v) + " outside " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return v;
}

Result<Role> role_value(pugi::xml_node n) {
  PROSE_TRY(std::string t, leaf_text(n));
  auto r = role_from_name(t);
  if (!r) return derr(DecodeErrc::kBadValue, n, tag(n) + ": expected \"remote-ue\" or \"relay\"");
  return *r;
}

Result<bool> flag_value(pugi::xml_node n) {
  PROSE_TRY(std::string t, leaf_text(n));
  if (t == "true") return true;
  if (t == "false") return false;
  return derr(DecodeErrc::kBadValue, n, tag(n) + ": expected \"true\" or \"false\"");
}

Result<std::string> name_value(pugi::xml_node n, bool allow_ipv6) {
  PROSE_TRY(std::string t, leaf_text(n));
  bool ok = allow_ipv6 ? detail::is_host(t) : detail::is_dns_name(t);
  if (!ok) {
    return derr(DecodeErrc::kBadValue, n,
                tag(n) + (allow_ipv6 ? ": expected a DNS name or an IP address" : ": expected a DNS name"));
  }
  return t;
}

Result<Cause> cause_value_of(pugi::xml_node n) {
  PROSE_TRY(std::uint64_t v, decimal_value(n, 5, 0, 65535));
  auto c = cause_from_value(static_cast<std::uint32_t>(v));
  if (!c) return derr(DecodeErrc::kBadValue, n, tag(n) + ": " + std::to_string(v) + " is not a defined cause value");
  return *c;
}

Result<Cause> reject_value(pugi::xml_node n) {
  PROSE_TRY(Children c, Children::read(n, {{el::kCause, 0, 1}}));
  PROSE_TRY(auto cn, c.required(el::kCause));
  return cause_value_of(cn);
}

// (role, RSC) of an entry; checked for repetition by the caller.
struct Key {
  Role role;
  std::uint32_t rsc;
};

Result<Key> role_and_rsc(const Children& c) {
  PROSE_TRY(auto rn, c.required(el::kRole));
  PROSE_TRY(Role role, role_value(rn));
  PROSE_TRY(auto sn, c.required(el::kRelayServiceCode));
  PROSE_TRY(std::uint32_t rsc, rsc_value(sn));
  return Key{role, rsc};
}

Status check_unique(std::set<std::pair<Role, std::uint32_t>>& seen, const Key& k, pugi::xml_node n) {
  if (!seen.emplace(k.role, k.rsc).second) {
    return derr(DecodeErrc::kBadValue, n, tag(n) + ": (role, relay-service-code) repeated in " + tag(n.parent()));
  }
  return ok_status();
}

// ---------------------------------------------------------------------------------------------------------------
// Decoders per element.

Result<ServiceAuthorisationRequest> decode_request_body(const Children& root, std::uint32_t tid) {
  ServiceAuthorisationRequest m;
  m.transaction_id = tid;
  PROSE_TRY_STATUS(root.required(el::kRelayService));
  std::set<std::pair<Role, std::uint32_t>> seen;
  for (auto n : root.all(el::kRelayService)) {
    PROSE_TRY(Children c, Children::read(n, {{el::kRole, 0, 1}, {el::kRelayServiceCode, 1, 1}}));
    PROSE_TRY(Key k, role_and_rsc(c));
    PROSE_TRY_STATUS(check_unique(seen, k, n));
    m.services.push_back({k.role, k.rsc});
  }
  return m;
}

Result<RelayServiceParameters> decode_accept(pugi::xml_node node, const Key& k) {
  PROSE_TRY(Children c, Children::read(node, {{el::kPkmfAddress, 0, 1},
                                              {el::kDiscoveryModel, 1, 2},
                                              {el::kDiscoverySecurity, 2, 1},
                                              {el::kAnnouncePeriod, 3, 1}}));
  RelayServiceParameters p;
  p.role = k.role;
  p.relay_service_code = k.rsc;
  PROSE_TRY(auto an, c.required(el::kPkmfAddress));
  {
    PROSE_TRY(
        Children a,
        Children::read(an, {{el::kHost, 0, 1}, {el::kPort, 1, 1}, {el::kTlsServerName, 2, 1}, {el::kPkmfFqdn, 3, 1}}));
    PROSE_TRY(auto hn, a.required(el::kHost));
    PROSE_TRY(p.pkmf.host, name_value(hn, true));
    PROSE_TRY(auto pn, a.required(el::kPort));
    PROSE_TRY(auto port, decimal_value(pn, 5, 1, 65535));
    p.pkmf.port = static_cast<std::uint16_t>(port);
    PROSE_TRY(auto sn, a.required(el::kTlsServerName));
    PROSE_TRY(p.pkmf.server_name, name_value(sn, true));
    PROSE_TRY(auto fn, a.required(el::kPkmfFqdn));
    PROSE_TRY(p.pkmf.fqdn, name_value(fn, false));
  }
  PROSE_TRY_STATUS(c.required(el::kDiscoveryModel));
  p.model_a = p.model_b = false;
  for (auto n : c.all(el::kDiscoveryModel)) {
    PROSE_TRY(std::string t, leaf_text(n));
    bool* slot = t == "A" ? &p.model_a : t == "B" ? &p.model_b : nullptr;
    if (slot == nullptr) return derr(DecodeErrc::kBadValue, n, tag(n) + ": expected \"A\" or \"B\"");
    if (*slot) return derr(DecodeErrc::kBadValue, n, tag(n) + ": value repeated in " + tag(node));
    *slot = true;
  }
  PROSE_TRY(auto sn, c.required(el::kDiscoverySecurity));
  {
    PROSE_TRY(
        Children s,
        Children::read(sn, {{el::kUseDuik, 0, 1}, {el::kUseDusk, 1, 1}, {el::kUseDuck, 2, 1}, {el::kMaxOffset, 3, 1}}));
    PROSE_TRY(auto n1, s.required(el::kUseDuik));
    PROSE_TRY(p.use_duik, flag_value(n1));
    PROSE_TRY(auto n2, s.required(el::kUseDusk));
    PROSE_TRY(p.use_dusk, flag_value(n2));
    PROSE_TRY(auto n3, s.required(el::kUseDuck));
    PROSE_TRY(p.use_duck, flag_value(n3));
    PROSE_TRY(auto n4, s.required(el::kMaxOffset));
    PROSE_TRY(auto off, decimal_value(n4, 10, 0, kMaxUtcCounterOffset));
    p.max_offset = static_cast<std::uint32_t>(off);
  }
  auto ap = c.first(el::kAnnouncePeriod);
  if (k.role == Role::kRelay) {
    if (!ap) {
      return derr(DecodeErrc::kMissingElement, node, tag(node) + " lacks " + tag(el::kAnnouncePeriod) + " (relay)");
    }
    PROSE_TRY(auto ms, decimal_value(ap, 10, 1, kMaxAnnouncePeriodMs));
    p.announce_ms = static_cast<std::uint32_t>(ms);
  } else if (ap) {
    return derr(DecodeErrc::kBadValue, ap, tag(ap) + ": only for the relay role");
  }
  return p;
}

Result<ServiceAuthorisationResponse> decode_response_body(const Children& root, std::uint32_t tid) {
  ServiceAuthorisationResponse m;
  m.transaction_id = tid;
  PROSE_TRY(auto first, root.one_of({el::kAuthorisation, el::kResponseReject}));
  if (std::string_view(first.name()) == el::kResponseReject) {
    PROSE_TRY(m.outcome, reject_value(first));
    return m;
  }
  std::vector<RelayServiceAuthorisation> out;
  std::set<std::pair<Role, std::uint32_t>> seen;
  for (auto n : root.all(el::kAuthorisation)) {
    PROSE_TRY(Children c, Children::read(n, {{el::kRole, 0, 1},
                                             {el::kRelayServiceCode, 1, 1},
                                             {el::kResponseAccept, 2, 1},
                                             {el::kResponseReject, 2, 1}}));
    PROSE_TRY(Key k, role_and_rsc(c));
    PROSE_TRY_STATUS(check_unique(seen, k, n));
    RelayServiceAuthorisation e;
    e.role = k.role;
    e.relay_service_code = k.rsc;
    PROSE_TRY(auto o, c.one_of({el::kResponseAccept, el::kResponseReject}));
    if (std::string_view(o.name()) == el::kResponseReject) {
      PROSE_TRY(e.outcome, reject_value(o));
    } else {
      PROSE_TRY(e.outcome, decode_accept(o, k));
    }
    out.push_back(std::move(e));
  }
  m.outcome = std::move(out);
  return m;
}

Result<Message> decode_root(pugi::xml_node root) {
  std::string_view rname = root.name();
  bool request = rname == kRootRequest;
  if (!request && rname != kRootResponse) {
    if (rname.find(':') != std::string_view::npos) {
      return derr(DecodeErrc::kWrongNamespace, root, tag(rname) + ": namespace prefixes are not allowed");
    }
    return derr(DecodeErrc::kWrongRoot, root,
                "root element " + tag(rname) + " is neither " + tag(kRootRequest) + " nor " + tag(kRootResponse));
  }
  bool ns_ok = false;
  for (auto a : root.attributes()) {
    std::string_view an = a.name();
    if (an == "xmlns") {
      if (ns_ok) return derr(DecodeErrc::kNotWellFormed, root, "attribute 'xmlns' given twice");
      if (std::string_view(a.value()) != kNamespace) {
        return derr(DecodeErrc::kWrongNamespace, root,
                    tag(rname) + ": namespace must be \"" + std::string(kNamespace) + "\"");
      }
      ns_ok = true;
    } else {
      return derr(DecodeErrc::kUnknownAttribute, root,
                  "attribute '" + std::string(an) + "' not allowed on " + tag(rname));
    }
  }
  if (!ns_ok) {
    return derr(DecodeErrc::kWrongNamespace, root, tag(rname) + ": missing xmlns=\"" + std::string(kNamespace) + "\"");
  }
  if (request) {
    PROSE_TRY(Children c, Children::read(root, {{el::kTransactionId, 0, 1}, {el::kRelayService, 1, kMaxServices}}));
    PROSE_TRY(auto tn, c.required(el::kTransactionId));
    PROSE_TRY(auto tv, decimal_value(tn, 10, 0, 0xffffffffULL));
    PROSE_TRY(auto m, decode_request_body(c, static_cast<std::uint32_t>(tv)));
    return Message{std::move(m)};
  }
  PROSE_TRY(Children c, Children::read(root, {{el::kTransactionId, 0, 1},
                                              {el::kAuthorisation, 1, kMaxServices},
                                              {el::kResponseReject, 1, 1}}));
  PROSE_TRY(auto tn, c.required(el::kTransactionId));
  PROSE_TRY(auto tv, decimal_value(tn, 10, 0, 0xffffffffULL));
  PROSE_TRY(auto m, decode_response_body(c, static_cast<std::uint32_t>(tv)));
  return Message{std::move(m)};
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
// Well-formedness rules pugixml does not check (it is a lenient parser), checked on the raw text so that the codec
// never accepts a document an XML 1.0 parser refuses: legal characters and UTF-8, references, comments, "]]>".

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

Status prescan(std::string_view x) {
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
// Encoder. Every value written is already validated (names are LDH/IPv6, numbers are digits): no escaping needed.

class XmlOut {
 public:
  explicit XmlOut(std::string_view root) : root_(root) {
    s_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<";
    s_ += root;
    s_ += " xmlns=\"";
    s_ += kNamespace;
    s_ += "\">\n";
    depth_ = 1;
  }
  void open(std::string_view name) {
    indent();
    s_ += "<";
    s_ += name;
    s_ += ">\n";
    ++depth_;
  }
  void close(std::string_view name) {
    --depth_;
    indent();
    s_ += "</";
    s_ += name;
    s_ += ">\n";
  }
  void leaf(std::string_view name, std::string_view value) {
    indent();
    s_ += "<";
    s_ += name;
    s_ += ">";
    s_ += value;
    s_ += "</";
    s_ += name;
    s_ += ">\n";
  }
  std::string finish() {
    s_ += "</";
    s_ += root_;
    s_ += ">\n";
    return std::move(s_);
  }

 private:
  void indent() { s_.append(static_cast<std::size_t>(2 * depth_), ' '); }
  std::string s_;
  std::string_view root_;
  int depth_ = 0;
};

std::string rsc_hex(std::uint32_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(6, '0');
  for (int i = 5; i >= 0; --i) {
    s[static_cast<std::size_t>(i)] = kHex[v & 0xf];
    v >>= 4;
  }
  return s;
}

void put_reject(XmlOut& o, Cause c) {
  o.open(el::kResponseReject);
  o.leaf(el::kCause, std::to_string(cause_value(c)));
  o.close(el::kResponseReject);
}

const char* flag(bool b) { return b ? "true" : "false"; }

struct Encoder {
  std::string operator()(const ServiceAuthorisationRequest& m) const {
    XmlOut o(kRootRequest);
    o.leaf(el::kTransactionId, std::to_string(m.transaction_id));
    for (const auto& s : m.services) {
      o.open(el::kRelayService);
      o.leaf(el::kRole, role_name(s.role));
      o.leaf(el::kRelayServiceCode, rsc_hex(s.relay_service_code));
      o.close(el::kRelayService);
    }
    return o.finish();
  }
  std::string operator()(const ServiceAuthorisationResponse& m) const {
    XmlOut o(kRootResponse);
    o.leaf(el::kTransactionId, std::to_string(m.transaction_id));
    if (const auto* c = std::get_if<Cause>(&m.outcome)) {
      put_reject(o, *c);
      return o.finish();
    }
    for (const auto& e : std::get<std::vector<RelayServiceAuthorisation>>(m.outcome)) {
      o.open(el::kAuthorisation);
      o.leaf(el::kRole, role_name(e.role));
      o.leaf(el::kRelayServiceCode, rsc_hex(e.relay_service_code));
      if (const auto* c = std::get_if<Cause>(&e.outcome)) {
        put_reject(o, *c);
      } else {
        const auto& p = std::get<RelayServiceParameters>(e.outcome);
        o.open(el::kResponseAccept);
        o.open(el::kPkmfAddress);
        o.leaf(el::kHost, p.pkmf.host);
        o.leaf(el::kPort, std::to_string(p.pkmf.port));
        o.leaf(el::kTlsServerName, p.pkmf.server_name);
        o.leaf(el::kPkmfFqdn, p.pkmf.fqdn);
        o.close(el::kPkmfAddress);
        if (p.model_a) o.leaf(el::kDiscoveryModel, "A");
        if (p.model_b) o.leaf(el::kDiscoveryModel, "B");
        o.open(el::kDiscoverySecurity);
        o.leaf(el::kUseDuik, flag(p.use_duik));
        o.leaf(el::kUseDusk, flag(p.use_dusk));
        o.leaf(el::kUseDuck, flag(p.use_duck));
        o.leaf(el::kMaxOffset, std::to_string(p.max_offset));
        o.close(el::kDiscoverySecurity);
        if (e.role == Role::kRelay) o.leaf(el::kAnnouncePeriod, std::to_string(p.announce_ms));
        o.close(el::kResponseAccept);
      }
      o.close(el::kAuthorisation);
    }
    return o.finish();
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------------------------------

Result<Message> Codec::decode(std::string_view xml) {
  if (xml.size() > kMaxBodySize) {
    return derr(DecodeErrc::kTooLarge, {},
                "document of " + std::to_string(xml.size()) + " octets exceeds " + std::to_string(kMaxBodySize));
  }
  if (xml.empty()) return derr(DecodeErrc::kNotWellFormed, {}, "empty document");
  if (xml.find("<!DOCTYPE") != std::string_view::npos) {
    return derr(DecodeErrc::kDtdForbidden, {}, "a DOCTYPE (DTD) is not allowed");
  }
  PROSE_TRY_STATUS(prescan(xml));
  // A newline is appended: pugixml's fragment mode sets the final character aside, and a stray non-space
  // character there (text after the root) must still be seen.
  std::vector<char> buf(xml.begin(), xml.end());
  buf.push_back('\n');
  pugi::xml_document doc;
  unsigned flags = pugi::parse_cdata | pugi::parse_escapes | pugi::parse_eol | pugi::parse_wconv_attribute |
                   pugi::parse_ws_pcdata | pugi::parse_doctype | pugi::parse_declaration | pugi::parse_fragment;
  pugi::xml_parse_result pr = doc.load_buffer_inplace(buf.data(), buf.size(), flags, pugi::encoding_utf8);
  if (!pr) {
    return fail_at(Errc::kMalformed, static_cast<std::size_t>(pr.offset),
                   std::string(decode_errc_token(DecodeErrc::kNotWellFormed)) + ": " + pr.description());
  }
  pugi::xml_node root;
  for (pugi::xml_node n = doc.first_child(); n; n = n.next_sibling()) {
    switch (n.type()) {
      case pugi::node_doctype:
        return derr(DecodeErrc::kDtdForbidden, n, "a DOCTYPE (DTD) is not allowed");
      case pugi::node_declaration: {
        if (n != doc.first_child()) return derr(DecodeErrc::kNotWellFormed, n, "XML declaration not at the start");
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
  return decode_root(root);
}

Result<ServiceAuthorisationRequest> Codec::decode_request(std::string_view xml) {
  PROSE_TRY(Message m, decode(xml));
  if (auto* r = std::get_if<ServiceAuthorisationRequest>(&m)) return std::move(*r);
  return fail(Errc::kMalformed, std::string(decode_errc_token(DecodeErrc::kWrongRoot)) + ": expected " +
                                    tag(kRootRequest) + ", got " + tag(kRootResponse));
}

Result<ServiceAuthorisationResponse> Codec::decode_response(std::string_view xml) {
  PROSE_TRY(Message m, decode(xml));
  if (auto* r = std::get_if<ServiceAuthorisationResponse>(&m)) return std::move(*r);
  return fail(Errc::kMalformed, std::string(decode_errc_token(DecodeErrc::kWrongRoot)) + ": expected " +
                                    tag(kRootResponse) + ", got " + tag(kRootRequest));
}

Result<std::string> Codec::encode(const Message& m) {
  PROSE_TRY_STATUS(validate(m));
  return std::visit(Encoder{}, m);
}

Result<std::string> Codec::encode(const ServiceAuthorisationRequest& m) {
  PROSE_TRY_STATUS(validate(m));
  return Encoder{}(m);
}

Result<std::string> Codec::encode(const ServiceAuthorisationResponse& m) {
  PROSE_TRY_STATUS(validate(m));
  return Encoder{}(m);
}

}  // namespace prose::prosefn
