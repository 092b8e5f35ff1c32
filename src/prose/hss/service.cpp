#include "prose/hss/service.h"

#include <algorithm>
#include <ctime>

#include "prose/crypto/milenage.h"
#include "prose/diameter/time.h"
#include "prose/gba/gba.h"
#include "prose/ids/ids.h"
#include "prose/util/random.h"

namespace prose::hss {

namespace d = prose::diameter;

namespace {

constexpr std::uint32_t kMaxAuthItems = 5;
constexpr const char* kProductName = "prose-hss";

d::Avp vendor_app(std::uint32_t app_id) {
  return d::make_grouped(d::avp::kVendorSpecificApplicationId, {d::make_u32(d::avp::kVendorId, d::kVendor3gpp),
                                                                d::make_u32(d::avp::kAuthApplicationId, app_id)});
}

// IMSI from a User-Name / IMPI: the digits before '@' (TS 23.003 13.3: IMPI = <IMSI>@ims.mnc...).
std::string imsi_from_identity(const std::string& id) {
  auto at = id.find('@');
  return at == std::string::npos ? id : id.substr(0, at);
}

// Command grammars (RFC 6733 3.2 CCF) as this HSS/BSF reads them: every AVP it understands in each request, how
// often it may occur, and the ones it requires. An AVP with the M bit that is not listed is answered 5001.
using R = d::AvpRule;
constexpr std::uint32_t k3gpp = d::kVendor3gpp;
// CER, RFC 6733 5.3.1.
constexpr R kCerRules[] = {{d::avp::kOriginHost, 0, 1, 1, 0},
                           {d::avp::kOriginRealm, 0, 1, 1, 0},
                           {d::avp::kHostIpAddress, 0, 1, 0, 6},
                           {d::avp::kVendorId, 0, 1, 1, 4},
                           {d::avp::kProductName, 0, 1, 1, 0},
                           {d::avp::kOriginStateId, 0, 0, 1, 4},
                           {d::avp::kSupportedVendorId, 0, 0, 0, 4},
                           {d::avp::kAuthApplicationId, 0, 0, 0, 4},
                           {d::avp::kInbandSecurityId, 0, 0, 0, 4},
                           {d::avp::kAcctApplicationId, 0, 0, 0, 4},
                           {d::avp::kVendorSpecificApplicationId, 0, 0, 0, 0},
                           {d::avp::kFirmwareRevision, 0, 0, 1, 4}};
// DWR, RFC 6733 5.5.1.
constexpr R kDwrRules[] = {
    {d::avp::kOriginHost, 0, 1, 1, 0}, {d::avp::kOriginRealm, 0, 1, 1, 0}, {d::avp::kOriginStateId, 0, 0, 1, 4}};
// DPR, RFC 6733 5.4.1.
constexpr R kDprRules[] = {
    {d::avp::kOriginHost, 0, 1, 1, 0}, {d::avp::kOriginRealm, 0, 1, 1, 0}, {d::avp::kDisconnectCause, 0, 1, 1, 4}};
// MAR on Zh, TS 29.109 / TS 29.229 6.1.7 (User-Name required here: the emulator serves by IMSI).
constexpr R kMarRules[] = {{d::avp::kSessionId, 0, 1, 1, 0},
                           {d::avp::kDrmp, 0, 0, 1, 4},
                           {d::avp::kVendorSpecificApplicationId, 0, 0, 1, 0},
                           {d::avp::kAuthSessionState, 0, 0, 1, 4},
                           {d::avp::kOriginHost, 0, 1, 1, 0},
                           {d::avp::kOriginRealm, 0, 1, 1, 0},
                           {d::avp::kDestinationRealm, 0, 0, 1, 0},
                           {d::avp::kDestinationHost, 0, 0, 1, 0},
                           {d::avp::kUserName, 0, 1, 1, 0},
                           {d::avp::kPublicIdentity, k3gpp, 0, 1, 0},
                           {d::avp::kGussTimestamp, k3gpp, 0, 1, 4},
                           {d::avp::kSipAuthDataItem, k3gpp, 0, 1, 0},
                           {d::avp::kSipNumberAuthItems, k3gpp, 0, 1, 4},
                           {d::avp::kServerName, k3gpp, 0, 1, 0},
                           {d::avp::kSupportedFeatures, k3gpp, 0, 0, 0},
                           {d::avp::kProxyInfo, 0, 0, 0, 0},
                           {d::avp::kRouteRecord, 0, 0, 0, 0}};
// GPR on Zpn, TS 29.109 (Zpn commands; clause number not checked, docs/conformance/diameter.md).
constexpr R kGprRules[] = {{d::avp::kSessionId, 0, 1, 1, 0},
                           {d::avp::kDrmp, 0, 0, 1, 4},
                           {d::avp::kVendorSpecificApplicationId, 0, 0, 1, 0},
                           {d::avp::kAuthSessionState, 0, 0, 1, 4},
                           {d::avp::kOriginHost, 0, 1, 1, 0},
                           {d::avp::kOriginRealm, 0, 1, 1, 0},
                           {d::avp::kDestinationRealm, 0, 0, 1, 0},
                           {d::avp::kDestinationHost, 0, 0, 1, 0},
                           {d::avp::kUserName, 0, 0, 1, 0},
                           {d::avp::kUeId, k3gpp, 1, 1, 0},
                           {d::avp::kUeIdType, k3gpp, 0, 1, 4},
                           {d::avp::kUiccMe, k3gpp, 0, 1, 4},
                           {d::avp::kNafId, k3gpp, 1, 1, 0},
                           {d::avp::kNafSaIdentifier, k3gpp, 0, 1, 0},
                           {d::avp::kRequestedKeyLifetime, k3gpp, 0, 1, 4},
                           {d::avp::kSupportedFeatures, k3gpp, 0, 0, 0},
                           {d::avp::kProxyInfo, 0, 0, 0, 0},
                           {d::avp::kRouteRecord, 0, 0, 0, 0}};

// Every other AVP this HSS/BSF knows (RFC 6733 base AVPs, TS 29.109 / TS 29.229 AVPs): accepted where a command's
// CCF has *[ AVP ] and otherwise unused.
constexpr R kDictionary[] = {{d::avp::kSessionId},
                             {d::avp::kOriginHost},
                             {d::avp::kOriginRealm},
                             {d::avp::kOriginStateId},
                             {d::avp::kDestinationHost},
                             {d::avp::kDestinationRealm},
                             {d::avp::kProxyInfo},
                             {d::avp::kRouteRecord},
                             {d::avp::kErrorReportingHost},
                             {d::avp::kErrorMessage},
                             {d::avp::kFailedAvp},
                             {d::avp::kResultCode},
                             {d::avp::kExperimentalResult},
                             {d::avp::kDrmp},
                             {d::avp::kUserName},
                             {d::avp::kAuthSessionState},
                             {d::avp::kAuthApplicationId},
                             {d::avp::kAcctApplicationId},
                             {d::avp::kVendorSpecificApplicationId},
                             {d::avp::kHostIpAddress},
                             {d::avp::kVendorId},
                             {d::avp::kProductName},
                             {d::avp::kSupportedVendorId},
                             {d::avp::kFirmwareRevision},
                             {d::avp::kInbandSecurityId},
                             {d::avp::kDisconnectCause},
                             {d::avp::kTransactionIdentifier, k3gpp},
                             {d::avp::kNafId, k3gpp},
                             {d::avp::kKeyExpiryTime, k3gpp},
                             {d::avp::kMeKeyMaterial, k3gpp},
                             {d::avp::kBootstrapInfoCreationTime, k3gpp},
                             {d::avp::kGussTimestamp, k3gpp},
                             {d::avp::kGbaType, k3gpp},
                             {d::avp::kUeId, k3gpp},
                             {d::avp::kUeIdType, k3gpp},
                             {d::avp::kUiccMe, k3gpp},
                             {d::avp::kRequestedKeyLifetime, k3gpp},
                             {d::avp::kGbaPushInfo, k3gpp},
                             {d::avp::kNafSaIdentifier, k3gpp},
                             {d::avp::kPublicIdentity, k3gpp},
                             {d::avp::kServerName, k3gpp},
                             {d::avp::kSipNumberAuthItems, k3gpp},
                             {d::avp::kSipAuthDataItem, k3gpp},
                             {d::avp::kSupportedFeatures, k3gpp},
                             {d::avp::kGbaUserSecSettings, k3gpp},
                             {d::avp::kGaaServiceIdentifier, k3gpp},
                             {d::avp::kUiccKeyMaterial, k3gpp},
                             {d::avp::kGbaUAwarenessIndicator, k3gpp}};

bool is_protocol_error(std::uint32_t rc) { return rc >= 3000 && rc < 4000; }  // RFC 6733 7.1.3: E flag

}  // namespace

HssService::HssService(HssConfig config, SubscriberStore& store, Clock clock)
    : config_(std::move(config)), store_(store), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
}

d::Message HssService::make_answer(const d::Message& req) const {
  d::Message a;
  a.flags = req.flags & d::kFlagProxiable;
  a.command_code = req.command_code;
  a.application_id = req.application_id;
  a.hop_by_hop = req.hop_by_hop;
  a.end_to_end = req.end_to_end;
  if (const d::Avp* sid = d::find(req.avps, d::avp::kSessionId)) a.avps.push_back(*sid);
  return a;
}

d::Message HssService::error_answer(const d::Message& req, std::uint32_t result_code, const std::string& msg,
                                    const d::Avp* failed) const {
  d::Message a = make_answer(req);
  const bool protocol = is_protocol_error(result_code);
  if (protocol) a.flags |= d::kFlagError;  // answer-message format, RFC 6733 7.2
  // MAA/GPA grammar (TS 29.229 6.1.8, TS 29.109): Vendor-Specific-Application-Id and Auth-Session-State in every
  // answer.
  const bool app = !protocol && (req.application_id == d::app::kZh || req.application_id == d::app::kZpn ||
                                 req.application_id == d::app::kZn);
  if (app) a.avps.push_back(vendor_app(req.application_id));
  a.avps.push_back(d::make_u32(d::avp::kResultCode, result_code));
  if (app) a.avps.push_back(d::make_u32(d::avp::kAuthSessionState, d::kNoStateMaintained));
  a.avps.push_back(d::make_str(d::avp::kOriginHost, config_.origin_host));
  a.avps.push_back(d::make_str(d::avp::kOriginRealm, config_.origin_realm));
  if (!msg.empty()) a.avps.push_back(d::make_str(d::avp::kErrorMessage, msg, 0, false));
  if (failed) a.avps.push_back(d::make_grouped(d::avp::kFailedAvp, {*failed}));
  return a;
}

std::optional<d::Message> HssService::check(const d::Message& req, std::span<const d::AvpRule> rules) const {
  auto v = d::check_grammar(req.avps, rules, kDictionary);
  if (!v) return std::nullopt;
  return error_answer(req, v->result_code, v->message, &v->failed);
}

d::Message HssService::experimental_error(const d::Message& req, std::uint32_t code, const std::string& msg) const {
  d::Message a = make_answer(req);
  if (req.application_id != d::app::kCommon) a.avps.push_back(vendor_app(req.application_id));
  a.avps.push_back(d::make_grouped(d::avp::kExperimentalResult, {d::make_u32(d::avp::kVendorId, d::kVendor3gpp),
                                                                 d::make_u32(d::avp::kExperimentalResultCode, code)}));
  a.avps.push_back(d::make_u32(d::avp::kAuthSessionState, d::kNoStateMaintained));
  a.avps.push_back(d::make_str(d::avp::kOriginHost, config_.origin_host));
  a.avps.push_back(d::make_str(d::avp::kOriginRealm, config_.origin_realm));
  if (!msg.empty()) a.avps.push_back(d::make_str(d::avp::kErrorMessage, msg, 0, false));
  return a;
}

d::Message HssService::cea(const d::Message& cer, std::uint32_t result, const std::string& host_ip,
                           const std::string& msg, const d::Avp* failed) const {
  d::Message a = make_answer(cer);
  if (is_protocol_error(result)) a.flags |= d::kFlagError;
  a.avps.push_back(d::make_u32(d::avp::kResultCode, result));
  a.avps.push_back(d::make_str(d::avp::kOriginHost, config_.origin_host));
  a.avps.push_back(d::make_str(d::avp::kOriginRealm, config_.origin_realm));
  auto ip = d::make_address(d::avp::kHostIpAddress, host_ip);
  a.avps.push_back(ip.ok() ? *ip : *d::make_address(d::avp::kHostIpAddress, config_.listen_address));
  a.avps.push_back(d::make_u32(d::avp::kVendorId, 0));
  a.avps.push_back(d::make_str(d::avp::kProductName, kProductName, 0, false));
  a.avps.push_back(d::make_u32(d::avp::kSupportedVendorId, d::kVendor3gpp));
  a.avps.push_back(vendor_app(d::app::kZh));
  a.avps.push_back(vendor_app(d::app::kZpn));
  if (sessions_ != nullptr) a.avps.push_back(vendor_app(d::app::kZn));
  if (!msg.empty()) a.avps.push_back(d::make_str(d::avp::kErrorMessage, msg, 0, false));
  if (failed) a.avps.push_back(d::make_grouped(d::avp::kFailedAvp, {*failed}));
  return a;
}

d::Message HssService::handle_cer(const d::Message& cer, const std::string& host_ip, bool& accepted) {
  accepted = false;
  if (auto v = d::check_grammar(cer.avps, kCerRules, kDictionary))
    return cea(cer, v->result_code, host_ip, v->message, &v->failed);
  // Inband-Security-Id: this stack offers NO_INBAND_SECURITY only (RFC 6733 6.10); a peer that insists on TLS
  // shares no security mechanism with it (5017, RFC 6733 7.1.5).
  auto inband = d::find_all(cer.avps, d::avp::kInbandSecurityId);
  if (!inband.empty() && std::none_of(inband.begin(), inband.end(), [](const d::Avp* p) {
        auto v = d::as_u32(*p);
        return v.ok() && *v == d::kNoInbandSecurity;
      })) {
    return cea(cer, d::rc::kNoCommonSecurity, host_ip, "only NO_INBAND_SECURITY (0) is offered", inband.front());
  }
  bool common = false;
  auto consider = [&](std::uint32_t id) {
    if (id == d::app::kZh || id == d::app::kZpn || id == 0xffffffffU) common = true;
    if (id == d::app::kZn && sessions_ != nullptr) common = true;
  };
  for (const d::Avp* p : d::find_all(cer.avps, d::avp::kAuthApplicationId)) {
    if (auto v = d::as_u32(*p); v.ok()) consider(*v);
  }
  for (const d::Avp* p : d::find_all(cer.avps, d::avp::kVendorSpecificApplicationId)) {
    auto inner = d::as_grouped(*p);
    if (!inner.ok()) return cea(cer, d::rc::kInvalidAvpValue, host_ip, "malformed Vendor-Specific-Application-Id", p);
    if (const d::Avp* id = d::find(*inner, d::avp::kAuthApplicationId)) {
      if (auto v = d::as_u32(*id); v.ok()) consider(*v);
    }
  }
  accepted = common;
  return cea(cer, common ? d::rc::kSuccess : d::rc::kNoCommonApplication, host_ip,
             common ? "" : "neither Zh nor Zpn nor relay advertised");
}

d::Message HssService::handle_request(const d::Message& req, std::string& log) {
  if (req.application_id == d::app::kZn && req.command_code == d::cmd::kBootstrappingInfo && sessions_ != nullptr)
    return handle_bir(req, log);  // a read: no duplicate cache needed
  const bool mar = req.application_id == d::app::kZh && req.command_code == d::cmd::kMultimediaAuth;
  const bool gpr = req.application_id == d::app::kZpn && req.command_code == d::cmd::kGbaPushInfo;
  if (mar || gpr) {
    // Duplicate detection (RFC 6733 3 and Appendix C): Origin-Host + End-to-End Identifier name a request; a duplicate
    // gets the same answer (hop-by-hop of the copy) and changes no state, so a retransmitted GPR never makes a
    // second key.
    const d::Avp* oh = d::find(req.avps, d::avp::kOriginHost);
    const std::string key = (oh ? d::as_string(*oh) : std::string()) + "#" + std::to_string(req.end_to_end);
    const std::int64_t now = clock_();
    std::lock_guard lock(dup_mu_);
    while (!dup_order_.empty() && (dup_order_.front().first <= now || dup_order_.size() > kDuplicateCacheSize)) {
      dup_cache_.erase(dup_order_.front().second);
      dup_order_.pop_front();
    }
    if (auto it = dup_cache_.find(key); it != dup_cache_.end()) {
      d::Message a = it->second;
      a.hop_by_hop = req.hop_by_hop;
      log = d::command_name(req.command_code, true) + " duplicate of end-to-end " + std::to_string(req.end_to_end) +
            (req.flags & d::kFlagRetransmit ? " (T flag)" : "") + ": answered from the cache";
      return a;
    }
    d::Message a = mar ? handle_mar(req, log) : handle_gpr(req, log);
    dup_cache_.emplace(key, a);
    dup_order_.emplace_back(now + d::kDuplicateWindowSeconds, key);
    return a;
  }
  if (req.application_id != d::app::kZh && req.application_id != d::app::kZpn &&
      req.application_id != d::app::kCommon && (req.application_id != d::app::kZn || sessions_ == nullptr)) {
    log = "application " + std::to_string(req.application_id) + " unsupported";
    return error_answer(req, d::rc::kApplicationUnsupported, "application not supported");
  }
  log = d::command_name(req.command_code, true) + " unsupported";
  return error_answer(req, d::rc::kCommandUnsupported, "command not supported");
}

Result<crypto::AuthVector> HssService::next_vector(const std::string& imsi, crypto::Sqn& sqn) {
  auto sub = store_.allocate_sqn(imsi);
  if (!sub.ok()) {
    if (sub.error().code == Errc::kNotFound) return sub.error();
    return fail(sub.error().code, "cannot allocate SQN: " + sub.error().message);
  }
  sqn = sub->sqn;
  auto av = crypto::make_auth_vector(sub->k.view(), sub->opc.view(), random_bytes(16), sub->sqn, sub->amf);
  if (!av.ok()) return fail(av.error().code, "cannot compute vector: " + av.error().message);
  return av;
}

d::Message HssService::handle_mar(const d::Message& req, std::string& log) {
  log = "MAR";
  if (auto bad = check(req, kMarRules)) {
    log += " -> " + std::to_string(*d::as_u32(*d::find(bad->avps, d::avp::kResultCode)));
    return *bad;
  }
  const d::Avp* user = d::find(req.avps, d::avp::kUserName);
  const std::string identity = d::as_string(*user);
  const std::string imsi = imsi_from_identity(identity);
  log += " user=" + identity;
  std::uint32_t items = 1;
  if (const d::Avp* n = d::find(req.avps, d::avp::kSipNumberAuthItems, d::kVendor3gpp)) {
    auto v = d::as_u32(*n);
    if (!v.ok() || *v == 0 || *v > kMaxAuthItems) {
      return error_answer(req, d::rc::kInvalidAvpValue, "SIP-Number-Auth-Items must be 1..5", n);
    }
    items = *v;
  }
  if (!validate_imsi(imsi).ok()) {
    log += " -> unknown user";
    return experimental_error(req, d::rc::kErrorUserUnknown, "unknown user");
  }
  // Resynchronisation: SIP-Auth-Data-Item { SIP-Authorization = RAND || AUTS } (TS 29.229 6.3.13 / 33.102 6.3.5).
  if (const d::Avp* item = d::find(req.avps, d::avp::kSipAuthDataItem, d::kVendor3gpp)) {
    auto inner = d::as_grouped(*item);
    if (!inner.ok()) return error_answer(req, d::rc::kInvalidAvpValue, "malformed SIP-Auth-Data-Item", item);
    if (const d::Avp* authz = d::find(*inner, d::avp::kSipAuthorization, d::kVendor3gpp)) {
      if (authz->data.size() != 16 + crypto::kAutsSize) {
        return error_answer(req, d::rc::kInvalidAvpValue, "SIP-Authorization must be RAND || AUTS (30 octets)", authz);
      }
      ByteView both(authz->data);
      auto rs = store_.resync(imsi, both.subspan(0, 16), both.subspan(16));
      if (!rs.ok()) {
        if (rs.error().code == Errc::kNotFound) {
          log += " -> unknown user";
          return experimental_error(req, d::rc::kErrorUserUnknown, "unknown user");
        }
        if (rs.error().code == Errc::kAuthFailed) {
          log += " resync -> MAC-S failure";
          return error_answer(req, d::rc::kAuthenticationRejected, "AUTS MAC-S verification failed");
        }
        log += " resync -> " + rs.error().to_string();
        return error_answer(req, d::rc::kUnableToComply, "resynchronisation failed");
      }
      log += " resync sqn_ms=" + std::to_string(rs->sqn_ms) + (rs->reset ? " (reset)" : " (kept)");
    }
  }
  d::Message a = make_answer(req);
  a.avps.push_back(vendor_app(d::app::kZh));
  a.avps.push_back(d::make_u32(d::avp::kResultCode, d::rc::kSuccess));
  a.avps.push_back(d::make_u32(d::avp::kAuthSessionState, d::kNoStateMaintained));
  a.avps.push_back(d::make_str(d::avp::kOriginHost, config_.origin_host));
  a.avps.push_back(d::make_str(d::avp::kOriginRealm, config_.origin_realm));
  a.avps.push_back(*user);
  a.avps.push_back(d::make_u32(d::avp::kSipNumberAuthItems, items, d::kVendor3gpp));
  for (std::uint32_t i = 0; i < items; ++i) {
    crypto::Sqn sqn = 0;
    auto av = next_vector(imsi, sqn);
    if (!av.ok()) {
      if (av.error().code == Errc::kNotFound) {
        log += " -> unknown user";
        return experimental_error(req, d::rc::kErrorUserUnknown, "unknown user");
      }
      log += " -> " + av.error().to_string();
      return error_answer(req, d::rc::kUnableToComply, av.error().message);
    }
    log += " sqn=" + std::to_string(sqn);
    a.avps.push_back(
        d::make_grouped(d::avp::kSipAuthDataItem,
                        {d::make_u32(d::avp::kSipItemNumber, i + 1, d::kVendor3gpp),
                         d::make_str(d::avp::kSipAuthenticationScheme, d::kAkaScheme, d::kVendor3gpp),
                         d::make_avp(d::avp::kSipAuthenticate, concat({av->rand, av->autn}), d::kVendor3gpp),
                         d::make_avp(d::avp::kSipAuthorization, av->xres, d::kVendor3gpp),
                         d::make_avp(d::avp::kConfidentialityKey, av->ck.view(), d::kVendor3gpp),
                         d::make_avp(d::avp::kIntegrityKey, av->ik.view(), d::kVendor3gpp)},
                        d::kVendor3gpp));
  }
  log += " -> 2001";
  return a;
}

d::Message HssService::handle_gpr(const d::Message& req, std::string& log) {
  log = "GPR";
  if (auto bad = check(req, kGprRules)) {
    log += " -> " + std::to_string(*d::as_u32(*d::find(bad->avps, d::avp::kResultCode)));
    return *bad;
  }
  const d::Avp* ue = d::find(req.avps, d::avp::kUeId, d::kVendor3gpp);
  if (const d::Avp* t = d::find(req.avps, d::avp::kUeIdType, d::kVendor3gpp)) {
    auto v = d::as_u32(*t);
    if (!v.ok() || *v != d::kUeIdTypePrivate) {
      return error_answer(req, d::rc::kInvalidAvpValue, "only UE-Id-Type 0 (private identity) is supported", t);
    }
  }
  const d::Avp* naf = d::find(req.avps, d::avp::kNafId, d::kVendor3gpp);
  const std::string impi = d::as_string(*ue);
  log += " impi=" + impi;
  if (impi.empty()) return error_answer(req, d::rc::kInvalidAvpValue, "empty UE-Id", ue);
  if (!config_.naf_authorised(naf->data)) {
    log += " -> NAF not authorised";
    return experimental_error(req, d::rc::kErrorNotAuthorized, "NAF not authorised");
  }
  std::string imsi = imsi_from_identity(impi);
  if (const d::Avp* user = d::find(req.avps, d::avp::kUserName)) imsi = d::as_string(*user);
  std::uint64_t pruk_id = 0;
  if (const d::Avp* ptid = d::find(req.avps, d::avp::kNafSaIdentifier, d::kVendor3gpp)) {
    auto v = d::as_u64(*ptid);
    if (!v.ok() || *v == 0) {
      return error_answer(req, d::rc::kInvalidAvpValue, "NAF-SA-Identifier must be a non-zero 8-octet P-TID", ptid);
    }
    pruk_id = *v;
  } else {
    pruk_id = random_u64_nonzero();
  }
  const std::int64_t now = clock_();
  std::uint32_t lifetime = config_.default_key_lifetime;
  if (const d::Avp* rl = d::find(req.avps, d::avp::kRequestedKeyLifetime, d::kVendor3gpp)) {
    auto v = d::as_u32(*rl);
    if (!v.ok()) return error_answer(req, d::rc::kInvalidAvpLength, "Requested-Key-Lifetime must be 4 octets", rl);
    const std::int64_t want = d::ntp_to_unix(*v) - now;
    if (want <= 0) return error_answer(req, d::rc::kInvalidAvpValue, "Requested-Key-Lifetime is in the past", rl);
    lifetime = static_cast<std::uint32_t>(std::min<std::int64_t>(want, config_.max_key_lifetime));
  }
  if (const d::Avp* um = d::find(req.avps, d::avp::kUiccMe, d::kVendor3gpp)) {
    auto v = d::as_u32(*um);
    if (!v.ok() || *v != d::kUiccMeGbaMe) {
      return error_answer(req, d::rc::kInvalidAvpValue, "only UICC-ME 0 (GBA_ME) is supported", um);
    }
  }
  if (!validate_imsi(imsi).ok()) {
    log += " -> unknown identity";
    return experimental_error(req, d::rc::kErrorIdentityUnknown, "unknown identity");
  }
  crypto::Sqn sqn = 0;
  auto av = next_vector(imsi, sqn);
  if (!av.ok()) {
    if (av.error().code == Errc::kNotFound) {
      log += " -> unknown identity";
      return experimental_error(req, d::rc::kErrorIdentityUnknown, "unknown identity");
    }
    log += " -> " + av.error().to_string();
    return error_answer(req, d::rc::kUnableToComply, av.error().message);
  }
  auto gpi = gba::create_gpi(*av, impi, naf->data, ids::PrukId{pruk_id}, lifetime);
  if (!gpi.ok()) {
    log += " -> " + gpi.error().to_string();
    return error_answer(req, d::rc::kInvalidAvpValue, "cannot form GPI: " + gpi.error().message, naf);
  }
  log += " sqn=" + std::to_string(sqn) + " p-tid=" + std::to_string(gpi->pruk_id.value) +
         " key=" + gpi->pruk.fingerprint() + " lifetime=" + std::to_string(gpi->lifetime) + " -> 2001";
  d::Message a = make_answer(req);
  a.avps.push_back(vendor_app(d::app::kZpn));
  a.avps.push_back(d::make_u32(d::avp::kResultCode, d::rc::kSuccess));
  a.avps.push_back(d::make_u32(d::avp::kAuthSessionState, d::kNoStateMaintained));
  a.avps.push_back(d::make_str(d::avp::kOriginHost, config_.origin_host));
  a.avps.push_back(d::make_str(d::avp::kOriginRealm, config_.origin_realm));
  a.avps.push_back(d::make_avp(d::avp::kGbaPushInfo, gpi->gpi, d::kVendor3gpp));
  a.avps.push_back(d::make_avp(d::avp::kMeKeyMaterial, gpi->pruk.view(), d::kVendor3gpp));
  a.avps.push_back(d::make_u32(d::avp::kKeyExpiryTime, d::unix_to_ntp(now + gpi->lifetime), d::kVendor3gpp));
  a.avps.push_back(d::make_u32(d::avp::kBootstrapInfoCreationTime, d::unix_to_ntp(now), d::kVendor3gpp));
  a.avps.push_back(d::make_u64(d::avp::kNafSaIdentifier, gpi->pruk_id.value, d::kVendor3gpp));
  a.avps.push_back(d::make_u32(d::avp::kGbaType, d::kGbaType3g, d::kVendor3gpp));
  a.avps.push_back(d::make_u32(d::avp::kUiccMe, d::kUiccMeGbaMe, d::kVendor3gpp));
  return a;
}

// ---------------------------------------------------------------------------------------------------------------

PeerSession::Output PeerSession::on_bytes(ByteView data) {
  Output out;
  if (closed_) {
    out.close = true;
    return out;
  }
  buf_.insert(buf_.end(), data.begin(), data.end());
  d::Limits limits{service_.config().max_message_size};
  while (!closed_) {
    auto len = d::frame_length(buf_, limits);
    if (!len.ok()) {
      out.log.push_back("framing error, closing: " + len.error().to_string());
      closed_ = true;
      break;
    }
    if (!len->has_value() || buf_.size() < **len) break;
    const std::size_t n = **len;
    handle_message(ByteView(buf_.data(), n), out);
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(n));
  }
  out.close = closed_;
  return out;
}

PeerSession::PeerSession(HssService& service, std::string local_address)
    : service_(service), local_address_(std::move(local_address)), next_hbh_(random_u32()) {}

d::Message PeerSession::own_request(std::uint32_t command) {
  d::Message m;
  m.flags = d::kFlagRequest;
  m.command_code = command;
  m.hop_by_hop = next_hbh_++;
  m.end_to_end = next_hbh_ ^ random_u32();
  m.avps.push_back(d::make_str(d::avp::kOriginHost, service_.config().origin_host));
  m.avps.push_back(d::make_str(d::avp::kOriginRealm, service_.config().origin_realm));
  return m;
}

Bytes PeerSession::make_dwr() {
  if (!open_ || closed_) return {};
  return *d::encode(own_request(d::cmd::kDeviceWatchdog));
}

Bytes PeerSession::make_dpr(std::uint32_t cause) {
  if (!open_ || closed_) return {};
  d::Message m = own_request(d::cmd::kDisconnectPeer);
  m.avps.push_back(d::make_u32(d::avp::kDisconnectCause, cause));
  dpr_hbh_ = m.hop_by_hop;
  return *d::encode(m);
}

void PeerSession::handle_message(ByteView raw, Output& out) {
  auto send = [&](const d::Message& m) {
    auto enc = d::encode(m);
    if (!enc.ok()) {
      out.log.push_back("cannot encode answer: " + enc.error().to_string());
      closed_ = true;
      return;
    }
    out.to_send.insert(out.to_send.end(), enc->begin(), enc->end());
  };
  auto msg = d::decode(raw, d::Limits{service_.config().max_message_size});
  if (!msg.ok()) {
    // The length was valid (>= 20 octets), so framing survives: answer a request with an error that keeps its
    // Session-Id and names the offending AVP in Failed-AVP (RFC 6733 7.1.3, 7.1.5), and carry on.
    d::Salvaged sv = d::salvage(raw);
    if (!(sv.header.flags & d::kFlagRequest)) {
      out.log.push_back("dropping malformed answer: " + msg.error().to_string());
      return;
    }
    out.log.push_back("malformed request: " + msg.error().to_string());
    send(service_.error_answer(sv.header, sv.header_fault ? d::rc::kInvalidHdrBits : sv.result_code,
                               msg.error().message, sv.offending ? &*sv.offending : nullptr));
    return;
  }
  const d::Message& m = *msg;
  if (!m.is_request()) {
    if (m.command_code == d::cmd::kDisconnectPeer && dpr_hbh_ && m.hop_by_hop == *dpr_hbh_) {
      out.log.push_back("DPA from " + peer_host_ + ": closing");
      closed_ = true;
    } else if (m.command_code != d::cmd::kDeviceWatchdog) {
      out.log.push_back("ignoring unexpected " + d::command_name(m.command_code, false));
    }
    return;
  }
  if (!open_) {
    if (m.command_code != d::cmd::kCapabilitiesExchange) {
      out.log.push_back(d::command_name(m.command_code, true) + " before CER: answering 3010 and closing");
      send(service_.error_answer(m, d::rc::kUnknownPeer, "capabilities exchange required first"));
      closed_ = true;
      return;
    }
    bool accepted = false;
    d::Message cea = service_.handle_cer(m, local_address_, accepted);
    send(cea);
    if (const d::Avp* oh = d::find(m.avps, d::avp::kOriginHost)) peer_host_ = d::as_string(*oh);
    const d::Avp* rc = d::find(cea.avps, d::avp::kResultCode);
    out.log.push_back("CER from " + peer_host_ + " -> " + std::to_string(rc ? *d::as_u32(*rc) : 0));
    open_ = accepted;
    if (!accepted) closed_ = true;
    return;
  }
  switch (m.command_code) {
    case d::cmd::kCapabilitiesExchange:
      send(service_.error_answer(m, d::rc::kUnableToComply, "capabilities already exchanged"));
      return;
    case d::cmd::kDeviceWatchdog: {
      auto bad = service_.check(m, kDwrRules);
      send(bad ? *bad : service_.error_answer(m, d::rc::kSuccess, ""));
      out.log.push_back("DWR from " + peer_host_);
      return;
    }
    case d::cmd::kDisconnectPeer: {
      auto bad = service_.check(m, kDprRules);
      send(bad ? *bad : service_.error_answer(m, d::rc::kSuccess, ""));
      if (bad) return;
      out.log.push_back("DPR from " + peer_host_ + ": closing");
      closed_ = true;
      return;
    }
    default: {
      std::string line;
      send(service_.handle_request(m, line));
      out.log.push_back(line);
    }
  }
}

}  // namespace prose::hss
