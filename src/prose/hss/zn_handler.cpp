// Zn at the BSF (TS 29.109, application 16777220): Bootstrapping-Info-Request / Answer (command 310).
// BIR: Transaction-Identifier (the B-TID) and NAF-Id (FQDN || Ua security protocol id). BIA: User-Name (IMPI),
// ME-Key-Material (Ks_(ext)_NAF = KDF(Ks, "gba-me", RAND, IMPI, NAF_Id), TS 33.220 B.3), Key-ExpiryTime,
// BootstrapInfoCreationTime and GBA-Type 3G. An unknown or expired B-TID is answered with Experimental-Result
// 5403 DIAMETER_ERROR_TRANSACTION_IDENTIFIER_INVALID; a NAF-Id whose FQDN part is empty with 5004.
#include "prose/diameter/time.h"
#include "prose/hss/service.h"

namespace prose::hss {

namespace d = prose::diameter;

namespace {

using R = d::AvpRule;
constexpr std::uint32_t k3gpp = d::kVendor3gpp;
constexpr std::size_t kUaIdSize = 5;
// BIR, TS 29.109 (Zn commands).
constexpr R kBirRules[] = {{d::avp::kSessionId, 0, 1, 1, 0},
                           {d::avp::kDrmp, 0, 0, 1, 4},
                           {d::avp::kVendorSpecificApplicationId, 0, 0, 1, 0},
                           {d::avp::kAuthSessionState, 0, 0, 1, 4},
                           {d::avp::kOriginHost, 0, 1, 1, 0},
                           {d::avp::kOriginRealm, 0, 1, 1, 0},
                           {d::avp::kDestinationRealm, 0, 0, 1, 0},
                           {d::avp::kDestinationHost, 0, 0, 1, 0},
                           {d::avp::kTransactionIdentifier, k3gpp, 1, 1, 0},
                           {d::avp::kNafId, k3gpp, 1, 1, 0},
                           {d::avp::kGaaServiceIdentifier, k3gpp, 0, 0, 0},
                           {d::avp::kGbaUAwarenessIndicator, k3gpp, 0, 1, 4},
                           {d::avp::kSupportedFeatures, k3gpp, 0, 0, 0},
                           {d::avp::kProxyInfo, 0, 0, 0, 0},
                           {d::avp::kRouteRecord, 0, 0, 0, 0}};

d::Avp zn_app() {
  return d::make_grouped(d::avp::kVendorSpecificApplicationId, {d::make_u32(d::avp::kVendorId, d::kVendor3gpp),
                                                                d::make_u32(d::avp::kAuthApplicationId, d::app::kZn)});
}

}  // namespace

d::Message HssService::handle_bir(const d::Message& req, std::string& log) {
  log = "BIR";
  if (auto bad = check(req, kBirRules)) {
    log += " -> " + std::to_string(*d::as_u32(*d::find(bad->avps, d::avp::kResultCode)));
    return *bad;
  }
  const d::Avp* tid = d::find(req.avps, d::avp::kTransactionIdentifier, k3gpp);
  const d::Avp* naf = d::find(req.avps, d::avp::kNafId, k3gpp);
  const std::string btid = d::as_string(*tid);
  log += " btid=" + btid;
  if (naf->data.size() <= kUaIdSize) {
    return error_answer(req, d::rc::kInvalidAvpValue, "NAF-Id must be FQDN || 5-octet Ua security protocol id", naf);
  }
  const std::int64_t now = clock_();
  auto s = sessions_->find(btid, now);
  if (!s.ok()) {
    log += " -> 5403 unknown or expired B-TID";
    return experimental_error(req, d::rc::kErrorTransactionIdentifierInvalid, "unknown or expired B-TID");
  }
  auto key = s->ks_naf(naf->data);
  if (!key.ok()) {
    log += " -> " + key.error().to_string();
    return error_answer(req, d::rc::kUnableToComply, key.error().message);
  }
  d::Message a = make_answer(req);
  a.avps.push_back(zn_app());
  a.avps.push_back(d::make_u32(d::avp::kResultCode, d::rc::kSuccess));
  a.avps.push_back(d::make_u32(d::avp::kAuthSessionState, d::kNoStateMaintained));
  a.avps.push_back(d::make_str(d::avp::kOriginHost, config_.origin_host));
  a.avps.push_back(d::make_str(d::avp::kOriginRealm, config_.origin_realm));
  a.avps.push_back(d::make_str(d::avp::kUserName, s->impi));
  a.avps.push_back(d::make_avp(d::avp::kMeKeyMaterial, key->view(), k3gpp));
  a.avps.push_back(d::make_u32(d::avp::kKeyExpiryTime, d::unix_to_ntp(s->expires), k3gpp));
  a.avps.push_back(d::make_u32(d::avp::kBootstrapInfoCreationTime, d::unix_to_ntp(s->created), k3gpp));
  a.avps.push_back(d::make_u32(d::avp::kGbaType, d::kGbaType3g, k3gpp));
  log += " impi=" + s->impi + " -> 2001";
  return a;
}

}  // namespace prose::hss
