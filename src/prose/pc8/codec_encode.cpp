// PC8 codec, encoding: Codec::encode (validate, then one writer per message; key values through XmlOut::secret).
// Decoding is in codec_decode.cpp.
#include "prose/pc8/codec.h"

#include "prose/pc8/schema.h"
#include "prose/util/hex.h"
#include "prose/xml/strict.h"

namespace prose::pc8 {

namespace {

using xml::XmlOut;

void put_address(XmlOut& o, const std::optional<UeAddress>& a) {
  if (!a) return;
  o.leaf(el::kUeIpAddress, a->ip);
  if (a->port) o.leaf(el::kUePort, std::to_string(*a->port));
}

void put_group_requests(XmlOut& o, const std::vector<GroupKeyRequest>& gs) {
  for (const auto& g : gs) {
    o.open(el::kGroup);
    o.leaf(el::kGroupId, g.group_id.hex());
    for (auto a : g.supported_algorithms) o.leaf(el::kSupportedAlgorithm, std::to_string(a));
    for (auto id : g.held_pgk_ids) o.leaf(el::kPgkId, id.hex());
    o.close(el::kGroup);
  }
}

void put_error(XmlOut& o, ErrorCode c) { o.leaf(el::kErrorCode, std::to_string(error_code_value(c))); }

void put_group_results(XmlOut& o, const std::vector<GroupKeyResult>& gs) {
  for (const auto& g : gs) {
    o.open(el::kGroup);
    o.leaf(el::kGroupId, g.group_id.hex());
    if (const auto* grant = std::get_if<GroupKeyGrant>(&g.outcome)) {
      o.leaf(el::kGroupMemberId, grant->group_member_id.hex());
      o.leaf(el::kAlgorithmInfo, std::to_string(grant->algorithm));
      if (grant->pgk_id) o.leaf(el::kPgkId, grant->pgk_id->hex());
      if (grant->pgk_expiry) o.leaf(el::kPgkExpiry, format_utc(*grant->pgk_expiry));
    } else {
      put_error(o, std::get<ErrorCode>(g.outcome));
    }
    o.close(el::kGroup);
  }
}

void put_pmk(XmlOut& o, const std::optional<PmkGrant>& p) {
  if (!p) return;
  o.leaf(el::kPmkId, p->pmk_id.hex());
  o.secret(el::kPmk, p->pmk);
}

struct Encoder {
  std::string operator()(const PrukRequest& m) const {
    XmlOut o(kRootRequest, kNamespace);
    o.leaf(el::kTransactionId, std::to_string(m.transaction_id.value));
    o.open(el::kPrukRequest);
    o.leaf(el::kPrukDelivery, m.delivery == PrukDelivery::kStart ? "start" : "stop");
    for (auto id : m.held_pruk_ids) o.leaf(el::kPrukId, id.hex());
    put_address(o, m.ue_address);
    put_group_requests(o, m.groups);
    o.close(el::kPrukRequest);
    return o.finish();
  }
  std::string operator()(const KdRequest& m) const {
    XmlOut o(kRootRequest, kNamespace);
    o.leaf(el::kTransactionId, std::to_string(m.transaction_id.value));
    o.open(el::kKdRequest);
    if (const auto* id = std::get_if<ids::PrukId>(&m.remote_ue)) {
      o.leaf(el::kPrukId, id->hex());
    } else {
      o.leaf(el::kImsi, std::get<Imsi>(m.remote_ue).digits);
    }
    o.leaf(el::kRelayServiceCode, m.relay_service_code.hex());
    if (m.nonce_1) o.leaf(el::kNonce1, m.nonce_1->hex());
    if (m.resync) {
      o.open(el::kResync);
      o.leaf(el::kRand, m.resync->rand.hex());
      o.leaf(el::kAuts, m.resync->auts.hex());
      o.close(el::kResync);
    }
    o.close(el::kKdRequest);
    return o.finish();
  }
  std::string operator()(const PgkRequest& m) const {
    XmlOut o(kRootRequest, kNamespace);
    o.leaf(el::kTransactionId, std::to_string(m.transaction_id.value));
    o.open(el::kPgkRequest);
    put_group_requests(o, m.groups);
    put_address(o, m.ue_address);
    o.close(el::kPgkRequest);
    return o.finish();
  }
  std::string operator()(const DiscoveryKeyRequest& m) const {
    XmlOut o(kRootRequest, kNamespace);
    o.leaf(el::kTransactionId, std::to_string(m.transaction_id.value));
    o.open(el::kDiscoveryKeyRequest);
    for (auto r : m.relay_service_codes) o.leaf(el::kRelayServiceCode, r.hex());
    if (m.security_capabilities) {
      std::uint8_t b = *m.security_capabilities;
      o.leaf(el::kSecurityCapabilities, to_hex(ByteView(&b, 1)));
    }
    o.close(el::kDiscoveryKeyRequest);
    return o.finish();
  }
  std::string operator()(const PrukResponse& m) const {
    XmlOut o(kRootResponse, kNamespace);
    o.leaf(el::kTransactionId, std::to_string(m.transaction_id.value));
    o.open(el::kPrukResponse);
    if (const auto* g = std::get_if<PrukGrant>(&m.outcome)) {
      o.leaf(el::kKeyTypeId, g->key_type_id.hex());
      put_pmk(o, g->pmk);
      if (g->pruk_id && g->pruk) {
        o.leaf(el::kPrukId, g->pruk_id->hex());
        o.secret(el::kPruk, *g->pruk);
      }
    } else if (std::holds_alternative<PrukStopAck>(m.outcome)) {
      o.empty(el::kStopAcknowledged);
    } else {
      put_error(o, std::get<ErrorCode>(m.outcome));
    }
    put_group_results(o, m.groups);
    o.close(el::kPrukResponse);
    return o.finish();
  }
  std::string operator()(const KdResponse& m) const {
    XmlOut o(kRootResponse, kNamespace);
    o.leaf(el::kTransactionId, std::to_string(m.transaction_id.value));
    o.open(el::kKdResponse);
    if (const auto* g = std::get_if<KdGrant>(&m.outcome)) {
      o.secret(el::kKd, g->kd);
      o.leaf(el::kKdFreshness, g->kd_freshness.hex());
      if (g->gpi) o.leaf(el::kGpi, to_hex(*g->gpi));
      if (g->remote_ue) {
        o.open(el::kRemoteUeIdentity);
        o.leaf(el::kImsi, g->remote_ue->imsi.digits);
        if (g->remote_ue->msisdn) o.leaf(el::kMsisdn, g->remote_ue->msisdn->digits);
        if (g->remote_ue->other_identity) o.leaf(el::kOtherIdentity, *g->remote_ue->other_identity);
        o.close(el::kRemoteUeIdentity);
      }
    } else {
      put_error(o, std::get<ErrorCode>(m.outcome));
    }
    o.close(el::kKdResponse);
    return o.finish();
  }
  std::string operator()(const PgkResponse& m) const {
    XmlOut o(kRootResponse, kNamespace);
    o.leaf(el::kTransactionId, std::to_string(m.transaction_id.value));
    o.open(el::kPgkResponse);
    if (const auto* g = std::get_if<PgkGrant>(&m.outcome)) {
      put_group_results(o, g->groups);
      put_pmk(o, g->pmk);
    } else {
      put_error(o, std::get<ErrorCode>(m.outcome));
    }
    o.close(el::kPgkResponse);
    return o.finish();
  }
  std::string operator()(const DiscoveryKeyResponse& m) const {
    XmlOut o(kRootResponse, kNamespace);
    o.leaf(el::kTransactionId, std::to_string(m.transaction_id.value));
    o.open(el::kDiscoveryKeyResponse);
    if (const auto* v = std::get_if<std::vector<DiscoveryKeyResult>>(&m.outcome)) {
      for (const auto& e : *v) {
        o.open(el::kDiscoveryKey);
        o.leaf(el::kRelayServiceCode, e.relay_service_code.hex());
        if (const auto* g = std::get_if<DiscoveryKeyGrant>(&e.outcome)) {
          o.secret(el::kPsdk, g->psdk);
          if (g->psdk_id) o.leaf(el::kPsdkId, g->psdk_id->hex());
          o.leaf(el::kPsdkExpiry, format_utc(g->expiry));
          if (g->key_combination) o.leaf(el::kKeyCombination, key_combination_name(*g->key_combination));
          if (g->encrypted_bits_mask) o.leaf(el::kEncryptedBitsMask, to_hex(*g->encrypted_bits_mask));
          if (g->confidentiality_algorithm) {
            o.leaf(el::kConfidentialityAlgorithm, std::to_string(*g->confidentiality_algorithm));
          }
        } else {
          put_error(o, std::get<ErrorCode>(e.outcome));
        }
        o.close(el::kDiscoveryKey);
      }
    } else {
      put_error(o, std::get<ErrorCode>(m.outcome));
    }
    o.close(el::kDiscoveryKeyResponse);
    return o.finish();
  }
};

}  // namespace

Result<SecretString> Codec::encode(const Message& m) {
  PROSE_TRY_STATUS(validate(m));
  return SecretString::adopt(std::visit(Encoder{}, m));
}

Result<std::string> Codec::encode(const Request& r) {
  PROSE_TRY_STATUS(std::visit([](const auto& x) { return validate(Message{x.clone()}); }, r));
  return std::visit(Encoder{}, r);
}

Result<SecretString> Codec::encode(const Response& r) {
  PROSE_TRY_STATUS(std::visit([](const auto& x) { return validate(Message{x.clone()}); }, r));
  return SecretString::adopt(std::visit(Encoder{}, r));
}

}  // namespace prose::pc8