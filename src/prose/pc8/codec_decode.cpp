// PC8 codec, decoding: Codec::decode / decode_request / decode_response, the leaf value conversions and one
// decoder per element of schema/pc8.xsd. Encoding is in codec_encode.cpp.
#include "prose/pc8/codec.h"

#include <algorithm>
#include <array>
#include <utility>

#include "prose/pc8/schema.h"
#include "prose/util/hex.h"
#include "prose/util/secret.h"
#include "prose/xml/strict.h"

namespace prose::pc8 {

namespace {

using xml::Children;
using xml::decimal_value;
using xml::derr;
using xml::hex_digit;
using xml::is_xml_space;
using xml::leaf_text;
using xml::Node;
using xml::tag;
using xml::WipedString;

// ---------------------------------------------------------------------------------------------------------------
// Leaf values (xml::leaf_text removes whitespace at both ends: the schema's types all collapse whitespace). The
// schema has already validated every value; the conversions still check what they convert, so that a change to the
// schema can never make them map garbage. With the shipped schema only the codec's own rules (the IP address syntax)
// can fail here.

// xs:token semantics: runs of whitespace become one space.
std::string collapse(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (is_xml_space(c)) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// Hex of lo..hi octets.
Result<Bytes> hex_value(Node n, std::size_t lo, std::size_t hi) {
  PROSE_TRY(WipedString t, leaf_text(n));
  for (std::size_t i = 0; i < t.s.size(); ++i) {
    if (hex_digit(t.s[i]) < 0) {
      return derr(DecodeErrc::kBadValue, n, tag(n) + ": invalid hex character at position " + std::to_string(i));
    }
  }
  if (t.s.size() % 2 != 0) return derr(DecodeErrc::kBadValue, n, tag(n) + ": odd number of hex digits");
  std::size_t octets = t.s.size() / 2;
  if (octets < lo || octets > hi) {
    std::string want = lo == hi ? std::to_string(lo) : std::to_string(lo) + ".." + std::to_string(hi);
    return derr(DecodeErrc::kBadValue, n, tag(n) + ": expected " + want + " octets, got " + std::to_string(octets));
  }
  Bytes out(octets);
  for (std::size_t i = 0; i < octets; ++i) {
    out[i] = static_cast<std::uint8_t>((hex_digit(t.s[2 * i]) << 4) | hex_digit(t.s[2 * i + 1]));
  }
  return out;
}

Result<SecretBytes> secret_value(Node n, std::size_t size) {
  PROSE_TRY(Bytes b, hex_value(n, size, size));
  return SecretBytes::adopt(b);
}

template <typename Id>
Result<Id> id_value(Node n) {
  PROSE_TRY(Bytes b, hex_value(n, Id::kSize, Id::kSize));
  std::uint64_t v = 0;
  for (auto x : b) v = (v << 8) | x;
  Id id;
  id.value = static_cast<decltype(id.value)>(v);
  return id;
}

Result<ids::PrukId> pruk_id_value(Node n) {
  PROSE_TRY(ids::PrukId id, id_value<ids::PrukId>(n));
  if (id.value == 0) return derr(DecodeErrc::kBadValue, n, tag(n) + ": the all-zero PRUK ID is reserved");
  return id;
}

template <typename F>
Result<F> fixed_value(Node n) {
  PROSE_TRY(Bytes b, hex_value(n, F::kSize, F::kSize));
  F f;
  std::copy(b.begin(), b.end(), f.bytes.begin());
  return f;
}

Result<ErrorCode> error_code_value(Node n) {
  PROSE_TRY(std::uint64_t v, decimal_value(n, 5, 0, 65535));
  auto c = error_code_from_value(static_cast<std::uint32_t>(v));
  if (!c) return derr(DecodeErrc::kBadValue, n, tag(n) + ": " + std::to_string(v) + " is not a defined status code");
  return *c;
}

Result<std::uint8_t> algorithm_value(Node n) {
  PROSE_TRY(std::uint64_t v, decimal_value(n, 2, 0, kMaxAlgorithmId));
  return static_cast<std::uint8_t>(v);
}

Result<UtcTime> time_value(Node n) {
  PROSE_TRY(WipedString t, leaf_text(n));
  auto r = parse_utc(t.s, tag(n));
  if (!r.ok()) return derr(DecodeErrc::kBadValue, n, r.error().message);
  return r.value();
}

Result<std::string> digits_value(Node n, std::size_t lo, std::size_t hi) {
  PROSE_TRY(WipedString t, leaf_text(n));
  if (t.s.size() < lo || t.s.size() > hi ||
      !std::all_of(t.s.begin(), t.s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return derr(DecodeErrc::kBadValue, n,
                tag(n) + ": expected " + std::to_string(lo) + " to " + std::to_string(hi) + " decimal digits");
  }
  return t.s;
}

Result<std::optional<UeAddress>> address_value(const Children& c) {
  auto ipn = c.first(el::kUeIpAddress);
  auto portn = c.first(el::kUePort);
  if (!ipn) return std::optional<UeAddress>{};
  PROSE_TRY(WipedString ip, leaf_text(ipn));
  std::optional<std::uint16_t> port;
  if (portn) {
    PROSE_TRY(std::uint64_t p, decimal_value(portn, 5, 1, 65535));
    port = static_cast<std::uint16_t>(p);
  }
  auto a = UeAddress::parse(ip.s, port);
  if (!a.ok()) return derr(DecodeErrc::kBadValue, ipn, tag(ipn) + ": " + a.error().message);
  return std::optional<UeAddress>{std::move(a).value()};
}

// ---------------------------------------------------------------------------------------------------------------
// Decoders per element.

Result<GroupKeyRequest> decode_group_request(Node node) {
  Children c(node);
  GroupKeyRequest g;
  PROSE_TRY(auto gid, c.required(el::kGroupId));
  PROSE_TRY(g.group_id, id_value<GroupId>(gid));
  auto algs = c.all(el::kSupportedAlgorithm);
  for (auto n : algs) {
    PROSE_TRY(auto a, algorithm_value(n));
    g.supported_algorithms.push_back(a);
  }
  auto pgks = c.all(el::kPgkId);
  for (auto n : pgks) {
    PROSE_TRY(auto id, id_value<PgkId>(n));
    g.held_pgk_ids.push_back(id);
  }
  return g;
}

Result<std::vector<GroupKeyRequest>> decode_group_requests(const Children& c) {
  std::vector<GroupKeyRequest> out;
  for (auto n : c.all(el::kGroup)) {
    PROSE_TRY(auto g, decode_group_request(n));
    out.push_back(std::move(g));
  }
  return out;
}

Result<GroupKeyResult> decode_group_result(Node node) {
  Children c(node);
  GroupKeyResult r;
  PROSE_TRY(auto gid, c.required(el::kGroupId));
  PROSE_TRY(r.group_id, id_value<GroupId>(gid));
  PROSE_TRY(auto first, c.one_of({el::kGroupMemberId, el::kErrorCode}));
  if (std::string_view(first.name()) == el::kErrorCode) {
    PROSE_TRY(r.outcome, error_code_value(first));
    return r;
  }
  GroupKeyGrant g;
  PROSE_TRY(g.group_member_id, id_value<GroupMemberId>(first));
  PROSE_TRY(auto alg, c.required(el::kAlgorithmInfo));
  PROSE_TRY(g.algorithm, algorithm_value(alg));
  if (auto n = c.first(el::kPgkId)) {
    PROSE_TRY(auto id, id_value<PgkId>(n));
    g.pgk_id = id;
  }
  if (auto n = c.first(el::kPgkExpiry)) {
    PROSE_TRY(auto t, time_value(n));
    g.pgk_expiry = t;
  }
  r.outcome = g;
  return r;
}

Result<std::vector<GroupKeyResult>> decode_group_results(const Children& c) {
  std::vector<GroupKeyResult> out;
  for (auto n : c.all(el::kGroup)) {
    PROSE_TRY(auto g, decode_group_result(n));
    out.push_back(std::move(g));
  }
  return out;
}

Result<std::optional<PmkGrant>> decode_pmk(const Children& c) {
  if (!c.has(el::kPmkId)) return std::optional<PmkGrant>{};
  PROSE_TRY(auto idn, c.required(el::kPmkId));
  PROSE_TRY(auto keyn, c.required(el::kPmk));
  PmkGrant p;
  PROSE_TRY(p.pmk_id, id_value<PmkId>(idn));
  PROSE_TRY(p.pmk, secret_value(keyn, kPmkSize));
  return std::optional<PmkGrant>{std::move(p)};
}

Result<PrukRequest> decode_pruk_request(Node node, TransactionId tid) {
  Children c(node);
  PrukRequest m;
  m.transaction_id = tid;
  PROSE_TRY(auto dn, c.required(el::kPrukDelivery));
  {
    PROSE_TRY(WipedString d, leaf_text(dn));
    if (d.s == "start") {
      m.delivery = PrukDelivery::kStart;
    } else if (d.s == "stop") {
      m.delivery = PrukDelivery::kStop;
    } else {
      return derr(DecodeErrc::kBadValue, dn, tag(dn) + ": expected \"start\" or \"stop\"");
    }
  }
  auto ids = c.all(el::kPrukId);
  for (auto n : ids) {
    PROSE_TRY(auto id, pruk_id_value(n));
    m.held_pruk_ids.push_back(id);
  }
  PROSE_TRY(m.ue_address, address_value(c));
  PROSE_TRY(m.groups, decode_group_requests(c));
  return m;
}

Result<KdRequest> decode_kd_request(Node node, TransactionId tid) {
  Children c(node);
  KdRequest m;
  m.transaction_id = tid;
  PROSE_TRY(auto idn, c.one_of({el::kPrukId, el::kImsi}));
  if (std::string_view(idn.name()) == el::kPrukId) {
    PROSE_TRY(m.remote_ue, pruk_id_value(idn));
  } else {
    PROSE_TRY(auto d, digits_value(idn, 6, 15));
    m.remote_ue = Imsi{std::move(d)};
  }
  PROSE_TRY(auto rsc, c.required(el::kRelayServiceCode));
  PROSE_TRY(m.relay_service_code, id_value<ids::RelayServiceCode>(rsc));
  if (auto n = c.first(el::kNonce1)) {
    PROSE_TRY(auto v, fixed_value<ids::Nonce1>(n));
    m.nonce_1 = v;
  }
  if (auto n = c.first(el::kResync)) {
    Children rc(n);
    Resync r;
    PROSE_TRY(auto rn, rc.required(el::kRand));
    PROSE_TRY(r.rand, fixed_value<ids::Rand>(rn));
    PROSE_TRY(auto an, rc.required(el::kAuts));
    PROSE_TRY(r.auts, fixed_value<ids::Auts>(an));
    m.resync = r;
  }
  return m;
}

Result<PgkRequest> decode_pgk_request(Node node, TransactionId tid) {
  Children c(node);
  PgkRequest m;
  m.transaction_id = tid;
  PROSE_TRY(m.groups, decode_group_requests(c));
  PROSE_TRY(m.ue_address, address_value(c));
  return m;
}

Result<DiscoveryKeyRequest> decode_discovery_request(Node node, TransactionId tid) {
  Children c(node);
  DiscoveryKeyRequest m;
  m.transaction_id = tid;
  auto rscs = c.all(el::kRelayServiceCode);
  for (auto n : rscs) {
    PROSE_TRY(auto r, id_value<ids::RelayServiceCode>(n));
    m.relay_service_codes.push_back(r);
  }
  if (auto n = c.first(el::kSecurityCapabilities)) {
    PROSE_TRY(Bytes b, hex_value(n, 1, 1));
    m.security_capabilities = b[0];
  }
  return m;
}

Result<PrukResponse> decode_pruk_response(Node node, TransactionId tid) {
  Children c(node);
  PrukResponse m;
  m.transaction_id = tid;
  PROSE_TRY(auto first, c.one_of({el::kKeyTypeId, el::kStopAcknowledged, el::kErrorCode}));
  std::string_view fname = first.name();
  if (fname == el::kKeyTypeId) {
    PrukGrant g;
    PROSE_TRY(g.key_type_id, id_value<KeyTypeId>(first));
    PROSE_TRY(g.pmk, decode_pmk(c));
    if (c.has(el::kPrukId)) {
      PROSE_TRY(auto idn, c.required(el::kPrukId));
      PROSE_TRY(auto keyn, c.required(el::kPruk));
      PROSE_TRY(auto id, pruk_id_value(idn));
      g.pruk_id = id;
      PROSE_TRY(auto key, secret_value(keyn, kPrukSize));
      g.pruk = std::move(key);
    }
    m.outcome = std::move(g);
  } else if (fname == el::kStopAcknowledged) {
    m.outcome = PrukStopAck{};
  } else {
    PROSE_TRY(m.outcome, error_code_value(first));
  }
  PROSE_TRY(m.groups, decode_group_results(c));
  return m;
}

Result<KdResponse> decode_kd_response(Node node, TransactionId tid) {
  Children c(node);
  KdResponse m;
  m.transaction_id = tid;
  PROSE_TRY(auto first, c.one_of({el::kKd, el::kErrorCode}));
  if (std::string_view(first.name()) == el::kErrorCode) {
    PROSE_TRY(m.outcome, error_code_value(first));
    return m;
  }
  KdGrant g;
  PROSE_TRY(g.kd, secret_value(first, kKdSize));
  PROSE_TRY(auto fr, c.required(el::kKdFreshness));
  PROSE_TRY(g.kd_freshness, fixed_value<ids::KdFreshness>(fr));
  if (auto n = c.first(el::kGpi)) {
    PROSE_TRY(auto b, hex_value(n, 1, kMaxGpiSize));
    g.gpi = std::move(b);
  }
  if (auto n = c.first(el::kRemoteUeIdentity)) {
    Children rc(n);
    RemoteUeIdentity id;
    PROSE_TRY(auto in, rc.required(el::kImsi));
    PROSE_TRY(id.imsi.digits, digits_value(in, 6, 15));
    if (auto mn = rc.first(el::kMsisdn)) {
      PROSE_TRY(auto d, digits_value(mn, 1, 15));
      id.msisdn = Msisdn{std::move(d)};
    }
    if (auto on = rc.first(el::kOtherIdentity)) {
      PROSE_TRY(WipedString t, leaf_text(on));
      std::string v = collapse(t.s);
      if (v.empty() || v.size() > kMaxOtherIdentityLength ||
          !std::all_of(v.begin(), v.end(), [](char ch) { return ch >= 0x20 && ch <= 0x7e; })) {
        return derr(DecodeErrc::kBadValue, on, tag(on) + ": expected 1 to 255 printable ASCII characters");
      }
      id.other_identity = std::move(v);
    }
    g.remote_ue = std::move(id);
  }
  m.outcome = std::move(g);
  return m;
}

Result<PgkResponse> decode_pgk_response(Node node, TransactionId tid) {
  Children c(node);
  PgkResponse m;
  m.transaction_id = tid;
  PROSE_TRY(auto first, c.one_of({el::kGroup, el::kErrorCode}));
  if (std::string_view(first.name()) == el::kErrorCode) {
    PROSE_TRY(m.outcome, error_code_value(first));
    return m;
  }
  PgkGrant g;
  PROSE_TRY(g.groups, decode_group_results(c));
  PROSE_TRY(g.pmk, decode_pmk(c));
  m.outcome = std::move(g);
  return m;
}

Result<DiscoveryKeyResult> decode_discovery_key(Node node) {
  Children c(node);
  DiscoveryKeyResult r;
  PROSE_TRY(auto rsc, c.required(el::kRelayServiceCode));
  PROSE_TRY(r.relay_service_code, id_value<ids::RelayServiceCode>(rsc));
  PROSE_TRY(auto first, c.one_of({el::kPsdk, el::kErrorCode}));
  if (std::string_view(first.name()) == el::kErrorCode) {
    PROSE_TRY(r.outcome, error_code_value(first));
    return r;
  }
  DiscoveryKeyGrant g;
  PROSE_TRY(g.psdk, secret_value(first, kPsdkSize));
  if (auto n = c.first(el::kPsdkId)) {
    PROSE_TRY(auto id, id_value<PsdkId>(n));
    g.psdk_id = id;
  }
  PROSE_TRY(auto en, c.required(el::kPsdkExpiry));
  PROSE_TRY(g.expiry, time_value(en));
  if (auto n = c.first(el::kKeyCombination)) {
    PROSE_TRY(WipedString t, leaf_text(n));
    auto k = key_combination_from_name(t.s);
    if (!k) {
      return derr(DecodeErrc::kBadValue, n,
                  tag(n) + ": expected DUIK, DUIK-DUSK, DUIK-DUCK or DUIK-DUSK-DUCK (the DUIK is always used)");
    }
    g.key_combination = *k;
  }
  if (auto n = c.first(el::kEncryptedBitsMask)) {
    PROSE_TRY(auto b, hex_value(n, 1, kMaxEncryptedBitsMaskSize));
    g.encrypted_bits_mask = std::move(b);
  }
  if (auto n = c.first(el::kConfidentialityAlgorithm)) {
    PROSE_TRY(std::uint64_t v, decimal_value(n, 1, kMinDiscoveryEea, kMaxDiscoveryEea));
    g.confidentiality_algorithm = static_cast<std::uint8_t>(v);
  }
  r.outcome = std::move(g);
  return r;
}

Result<DiscoveryKeyResponse> decode_discovery_response(Node node, TransactionId tid) {
  Children c(node);
  DiscoveryKeyResponse m;
  m.transaction_id = tid;
  PROSE_TRY(auto first, c.one_of({el::kDiscoveryKey, el::kErrorCode}));
  if (std::string_view(first.name()) == el::kErrorCode) {
    PROSE_TRY(m.outcome, error_code_value(first));
    return m;
  }
  std::vector<DiscoveryKeyResult> out;
  for (auto n : c.all(el::kDiscoveryKey)) {
    PROSE_TRY(auto r, decode_discovery_key(n));
    out.push_back(std::move(r));
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
    TransactionId tid{static_cast<std::uint32_t>(tv)};
    PROSE_TRY(auto body, c.one_of({el::kPrukRequest, el::kKdRequest, el::kPgkRequest, el::kDiscoveryKeyRequest}));
    std::string_view b = body.name();
    if (b == el::kPrukRequest) {
      PROSE_TRY(auto m, decode_pruk_request(body, tid));
      return Message{std::move(m)};
    }
    if (b == el::kKdRequest) {
      PROSE_TRY(auto m, decode_kd_request(body, tid));
      return Message{std::move(m)};
    }
    if (b == el::kPgkRequest) {
      PROSE_TRY(auto m, decode_pgk_request(body, tid));
      return Message{std::move(m)};
    }
    PROSE_TRY(auto m, decode_discovery_request(body, tid));
    return Message{std::move(m)};
  }
  Children c(root);
  PROSE_TRY(auto tn, c.required(el::kTransactionId));
  PROSE_TRY(auto tv, decimal_value(tn, 10, 0, 0xffffffffULL));
  TransactionId tid{static_cast<std::uint32_t>(tv)};
  PROSE_TRY(auto body, c.one_of({el::kPrukResponse, el::kKdResponse, el::kPgkResponse, el::kDiscoveryKeyResponse}));
  std::string_view b = body.name();
  if (b == el::kPrukResponse) {
    PROSE_TRY(auto m, decode_pruk_response(body, tid));
    return Message{std::move(m)};
  }
  if (b == el::kKdResponse) {
    PROSE_TRY(auto m, decode_kd_response(body, tid));
    return Message{std::move(m)};
  }
  if (b == el::kPgkResponse) {
    PROSE_TRY(auto m, decode_pgk_response(body, tid));
    return Message{std::move(m)};
  }
  PROSE_TRY(auto m, decode_discovery_response(body, tid));
  return Message{std::move(m)};
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------

Result<Message> Codec::decode(std::string_view xml) {
  // Size, then libxml2: well-formed (no DOCTYPE), valid against schema/pc8.xsd, and the rules the schema cannot
  // express (prose/xml/strict.h); freed and wiped when `doc` dies.
  xml::StrictDocument doc;
  PROSE_TRY(Node root, doc.load(xml, kMaxBodySize, schema_validator()));
  return decode_root(root);
}

Result<Request> Codec::decode_request(std::string_view xml) {
  PROSE_TRY(Message m, decode(xml));
  switch (kind_of(m)) {
    case MessageKind::kPrukRequest:
      return Request{std::get<PrukRequest>(std::move(m))};
    case MessageKind::kKdRequest:
      return Request{std::get<KdRequest>(std::move(m))};
    case MessageKind::kPgkRequest:
      return Request{std::get<PgkRequest>(std::move(m))};
    case MessageKind::kDiscoveryKeyRequest:
      return Request{std::get<DiscoveryKeyRequest>(std::move(m))};
    default:
      return derr(DecodeErrc::kWrongRoot, {}, "expected " + tag(kRootRequest) + ", got " + tag(kRootResponse));
  }
}

Result<Response> Codec::decode_response(std::string_view xml) {
  PROSE_TRY(Message m, decode(xml));
  switch (kind_of(m)) {
    case MessageKind::kPrukResponse:
      return Response{std::get<PrukResponse>(std::move(m))};
    case MessageKind::kKdResponse:
      return Response{std::get<KdResponse>(std::move(m))};
    case MessageKind::kPgkResponse:
      return Response{std::get<PgkResponse>(std::move(m))};
    case MessageKind::kDiscoveryKeyResponse:
      return Response{std::get<DiscoveryKeyResponse>(std::move(m))};
    default:
      return derr(DecodeErrc::kWrongRoot, {}, "expected " + tag(kRootResponse) + ", got " + tag(kRootRequest));
  }
}

}  // namespace prose::pc8
