// The NAF side of Zn (TS 29.109): BIR with Transaction-Identifier (B-TID) and NAF-Id, BIA read into a ZnKey.
#include "prose/diameter/time.h"
#include "prose/diameter_client/client.h"

namespace prose::diameter {

namespace d = prose::diameter;

d::Message HssClient::bir_request(const ClientConfig& cfg, std::string_view btid, ByteView naf_id) {
  d::Message req = new_request(cfg, d::cmd::kBootstrappingInfo, d::app::kZn, true);
  req.avps.push_back(d::make_str(d::avp::kTransactionIdentifier, btid, d::kVendor3gpp));
  req.avps.push_back(d::make_avp(d::avp::kNafId, naf_id, d::kVendor3gpp));
  req.avps.push_back(d::make_u32(d::avp::kGbaUAwarenessIndicator, d::kGbaUAwareNo, d::kVendor3gpp, false));
  return req;
}

Result<ZnKey> HssClient::bia_key(const d::Message& bia) {
  AnswerCode code;
  PROSE_TRY_STATUS(answer_status(bia, "BIR", code));
  const d::Avp* user = d::find(bia.avps, d::avp::kUserName);
  const d::Avp* key = d::find(bia.avps, d::avp::kMeKeyMaterial, d::kVendor3gpp);
  const d::Avp* expiry = d::find(bia.avps, d::avp::kKeyExpiryTime, d::kVendor3gpp);
  if (user == nullptr || key == nullptr || expiry == nullptr)
    return fail(Errc::kMalformed, "BIA without User-Name, ME-Key-Material or Key-ExpiryTime");
  if (key->data.empty()) return fail(Errc::kMalformed, "BIA: empty ME-Key-Material");
  ZnKey k;
  k.impi = d::as_string(*user);
  k.ks_naf = SecretBytes(ByteView(key->data));
  PROSE_TRY(std::uint32_t ntp, d::as_u32(*expiry));
  k.expires = d::ntp_to_unix(ntp);
  if (const d::Avp* c = d::find(bia.avps, d::avp::kBootstrapInfoCreationTime, d::kVendor3gpp)) {
    PROSE_TRY(std::uint32_t cn, d::as_u32(*c));
    k.created = d::ntp_to_unix(cn);
  }
  return k;
}

}  // namespace prose::diameter
