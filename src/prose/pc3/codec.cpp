#include "prose/pc3/codec.h"

#include <algorithm>
#include <array>
#include <utility>

#include "prose/pc3/constants.h"
#include "prose/pc3/schema.h"
#include "prose/pc3/syntax.h"
#include "prose/xml/strict.h"

namespace prose::pc3 {

namespace {

using xml::Children;
using xml::decimal_value;
using xml::derr;
using xml::hex_digit;
using xml::Node;
using xml::tag;
using xml::XmlOut;

// ---------------------------------------------------------------------------------------------------------------
// Leaf values (xml::leaf_text removes whitespace at both ends: the schema's types all collapse whitespace). The
// schema has already validated every value; the conversions still check what they convert, so that a change to the
// schema can never make them map garbage. With the shipped schema only the codec's own rules (host syntax (inet_pton)
// and the announce period) can fail here.

Result<std::string> text_value(Node n) {
  PROSE_TRY(xml::WipedString w, xml::leaf_text(n));
  return std::move(w.s);
}

Result<std::uint32_t> rsc_value(Node n) {
  PROSE_TRY(std::string t, text_value(n));
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (hex_digit(t[i]) < 0) {
      return derr(DecodeErrc::kBadValue, n, tag(n) + ": invalid hex character at position " + std::to_string(i));
    }
  }
  if (t.size() % 2 != 0) return derr(DecodeErrc::kBadValue, n, tag(n) + ": odd number of hex digits");
  if (t.size() / 2 != kRelayServiceCodeSize) {
    return derr(DecodeErrc::kBadValue, n,
                tag(n) + ": expected " + std::to_string(kRelayServiceCodeSize) + " octets, got " +
                    std::to_string(t.size() / 2));
  }
  std::uint32_t v = 0;
  for (char c : t) v = (v << 4) | static_cast<std::uint32_t>(hex_digit(c));
  return v;
}

Result<Role> role_value(Node n) {
  PROSE_TRY(std::string t, text_value(n));
  auto r = role_from_name(t);
  if (!r) return derr(DecodeErrc::kBadValue, n, tag(n) + ": expected \"remote-ue\" or \"relay\"");
  return *r;
}

Result<bool> flag_value(Node n) {
  PROSE_TRY(std::string t, text_value(n));
  if (t == "true") return true;
  if (t == "false") return false;
  return derr(DecodeErrc::kBadValue, n, tag(n) + ": expected \"true\" or \"false\"");
}

Result<std::string> name_value(Node n, bool allow_ipv6) {
  PROSE_TRY(std::string t, text_value(n));
  bool ok = allow_ipv6 ? detail::is_host(t) : detail::is_dns_name(t);
  if (!ok) {
    return derr(DecodeErrc::kBadValue, n,
                tag(n) + (allow_ipv6 ? ": expected a DNS name or an IP address" : ": expected a DNS name"));
  }
  return t;
}

Result<Cause> cause_value_of(Node n) {
  PROSE_TRY(std::uint64_t v, decimal_value(n, 5, 0, 65535));
  auto c = cause_from_value(static_cast<std::uint32_t>(v));
  if (!c) return derr(DecodeErrc::kBadValue, n, tag(n) + ": " + std::to_string(v) + " is not a defined cause value");
  return *c;
}

Result<Cause> reject_value(Node n) {
  Children c(n);
  PROSE_TRY(auto cn, c.required(el::kCause));
  return cause_value_of(cn);
}

// (role, RSC) of an entry (the schema refuses a repeated pair).
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

// ---------------------------------------------------------------------------------------------------------------
// Decoders per element.

Result<ServiceAuthorisationRequest> decode_request_body(const Children& root, std::uint32_t tid) {
  ServiceAuthorisationRequest m;
  m.transaction_id = tid;
  for (auto n : root.all(el::kRelayService)) {
    Children c(n);
    PROSE_TRY(Key k, role_and_rsc(c));
    m.services.push_back({k.role, k.rsc});
  }
  return m;
}

Result<RelayServiceParameters> decode_accept(Node node, const Key& k) {
  Children c(node);
  RelayServiceParameters p;
  p.role = k.role;
  p.relay_service_code = k.rsc;
  PROSE_TRY(auto an, c.required(el::kPkmfAddress));
  {
    Children a(an);
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
  p.model_a = p.model_b = false;
  for (auto n : c.all(el::kDiscoveryModel)) {
    PROSE_TRY(std::string t, text_value(n));
    bool* slot = t == "A" ? &p.model_a : t == "B" ? &p.model_b : nullptr;
    if (slot == nullptr) return derr(DecodeErrc::kBadValue, n, tag(n) + ": expected \"A\" or \"B\"");
    *slot = true;
  }
  PROSE_TRY(auto sn, c.required(el::kDiscoverySecurity));
  {
    Children s(sn);
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
  for (auto n : root.all(el::kAuthorisation)) {
    Children c(n);
    PROSE_TRY(Key k, role_and_rsc(c));
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

Result<Message> decode_root(Node root) {
  PROSE_TRY(bool request, xml::check_root(root, kRootRequest, kRootResponse));
  if (request) {
    Children c(root);
    PROSE_TRY(auto tn, c.required(el::kTransactionId));
    PROSE_TRY(auto tv, decimal_value(tn, 10, 0, 0xffffffffULL));
    PROSE_TRY(auto m, decode_request_body(c, static_cast<std::uint32_t>(tv)));
    return Message{std::move(m)};
  }
  Children c(root);
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
  // Size, then libxml2: well-formed (no DOCTYPE), valid against schema/pc3.xsd, and the rules the schema cannot
  // express (prose/xml/strict.h).
  xml::StrictDocument doc;
  PROSE_TRY(Node root, doc.load(xml, kMaxBodySize, schema_validator()));
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

}  // namespace prose::pc3
