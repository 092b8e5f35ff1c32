#include "prose/prosefn/codec.h"

#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "prose/prosefn/constants.h"
#include "prose/prosefn/syntax.h"
#include "prose/xml/strict.h"

namespace prose::prosefn {

namespace {

using xml::Children;
using xml::decimal_value;
using xml::derr;
using xml::hex_digit;
using xml::tag;
using xml::XmlOut;

// ---------------------------------------------------------------------------------------------------------------
// Leaf values (xml::leaf_text removes whitespace at both ends: the schema's types all collapse whitespace).

Result<std::string> leaf_text(pugi::xml_node n) {
  PROSE_TRY(xml::WipedString w, xml::leaf_text(n));
  return std::move(w.s);
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
  PROSE_TRY(bool request, xml::check_root(root, kRootRequest, kRootResponse, kNamespace));
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

// ---------------------------------------------------------------------------------------------------------------
// Encoder. Every value written is already validated (names are LDH/IPv6, numbers are digits): XmlOut never has
// anything to escape.

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
    XmlOut o(kRootRequest, kNamespace);
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
    XmlOut o(kRootResponse, kNamespace);
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
  // Size, DOCTYPE, XML 1.0 rules, one root (prose/xml/strict.h).
  xml::StrictDocument doc;
  PROSE_TRY(pugi::xml_node root, doc.load(xml, kMaxBodySize));
  return decode_root(root);
}

Result<ServiceAuthorisationRequest> Codec::decode_request(std::string_view xml) {
  PROSE_TRY(Message m, decode(xml));
  if (auto* r = std::get_if<ServiceAuthorisationRequest>(&m)) return std::move(*r);
  return derr(DecodeErrc::kWrongRoot, {}, "expected " + tag(kRootRequest) + ", got " + tag(kRootResponse));
}

Result<ServiceAuthorisationResponse> Codec::decode_response(std::string_view xml) {
  PROSE_TRY(Message m, decode(xml));
  if (auto* r = std::get_if<ServiceAuthorisationResponse>(&m)) return std::move(*r);
  return derr(DecodeErrc::kWrongRoot, {}, "expected " + tag(kRootResponse) + ", got " + tag(kRootRequest));
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
