#include "prose/prosefn/service.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <utility>

#include "prose/pc3/codec.h"
#include "prose/pc3/constants.h"
#include "prose/pc3/syntax.h"
#include "prose/prosefn/metrics.h"
#include "prose/util/log.h"

namespace prose::prosefn {

pc3::RelayServiceParameters ParameterDefaults::for_entry(pc3::Role role, std::uint32_t rsc) const {
  pc3::RelayServiceParameters p;
  p.relay_service_code = rsc;
  p.role = role;
  p.pkmf = pkmf;
  p.model_a = model_a;
  p.model_b = model_b;
  p.use_duik = use_duik;
  p.use_dusk = use_dusk;
  p.use_duck = use_duck;
  p.max_offset = max_offset;
  p.announce_ms = announce_ms;
  if (auto it = per_rsc.find(rsc); it != per_rsc.end()) {
    const RscOverride& o = it->second;
    p.model_a = o.model_a.value_or(p.model_a);
    p.model_b = o.model_b.value_or(p.model_b);
    p.use_duik = o.use_duik.value_or(p.use_duik);
    p.use_dusk = o.use_dusk.value_or(p.use_dusk);
    p.use_duck = o.use_duck.value_or(p.use_duck);
    p.max_offset = o.max_offset.value_or(p.max_offset);
    p.announce_ms = o.announce_ms.value_or(p.announce_ms);
  }
  if (role != pc3::Role::kRelay) p.announce_ms = 0;
  return p;
}

namespace {

Status validate_one(const ParameterDefaults& d) {
  if (!pc3::detail::is_host(d.pkmf.host)) {
    return fail(Errc::kInvalidArgument, "pkmf host '" + d.pkmf.host + "' is not a DNS name or IP address");
  }
  if (d.pkmf.port == 0) return fail(Errc::kInvalidArgument, "pkmf port must be 1..65535");
  if (!pc3::detail::is_host(d.pkmf.server_name)) {
    return fail(Errc::kInvalidArgument,
                "pkmf server_name '" + d.pkmf.server_name + "' is not a DNS name or IP address");
  }
  if (!pc3::detail::is_dns_name(d.pkmf.fqdn)) {
    return fail(Errc::kInvalidArgument, "pkmf fqdn '" + d.pkmf.fqdn + "' is not a DNS name");
  }
  if (!d.model_a && !d.model_b) return fail(Errc::kInvalidArgument, "discovery: allow model A, model B or both");
  if (d.max_offset > pc3::kMaxUtcCounterOffset) {
    return fail(Errc::kInvalidArgument,
                "discovery max_offset must be at most " + std::to_string(pc3::kMaxUtcCounterOffset) + " s");
  }
  if (d.announce_ms < 1 || d.announce_ms > pc3::kMaxAnnouncePeriodMs) {
    return fail(Errc::kInvalidArgument,
                "discovery announce_ms must be 1.." + std::to_string(pc3::kMaxAnnouncePeriodMs));
  }
  return ok_status();
}

}  // namespace

Status validate(const ParameterDefaults& d) {
  PROSE_TRY_STATUS(validate_one(d));
  for (const auto& [rsc, o] : d.per_rsc) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "%06x", rsc);
    if (rsc > pc3::kMaxRelayServiceCode) {
      return fail(Errc::kInvalidArgument, std::string("discovery rsc ") + hex + " exceeds 24 bits");
    }
    auto p = d.for_entry(pc3::Role::kRelay, rsc);
    ParameterDefaults one;
    one.pkmf = d.pkmf;
    one.model_a = p.model_a;
    one.model_b = p.model_b;
    one.max_offset = p.max_offset;
    one.announce_ms = p.announce_ms;
    auto s = validate_one(one);
    if (!s.ok()) return fail(Errc::kInvalidArgument, std::string("rsc ") + hex + ": " + s.error().message);
  }
  return ok_status();
}

ProseFunctionService::ProseFunctionService(ParameterDefaults defaults, Directory& directory)
    : defaults_(std::move(defaults)), directory_(directory) {}

pc3::ServiceAuthorisationResponse ProseFunctionService::authorise(const net::PeerIdentity& peer,
                                                                  const pc3::ServiceAuthorisationRequest& request) {
  pc3::ServiceAuthorisationResponse out;
  out.transaction_id = request.transaction_id;
  pc3::Role allowed_role;
  Result<std::optional<std::vector<std::uint32_t>>> rscs = std::optional<std::vector<std::uint32_t>>{};
  switch (peer.kind()) {
    case net::PeerKind::kUe:
      allowed_role = pc3::Role::kRemoteUe;
      rscs = directory_.remote_ue_rscs(peer.id());
      break;
    case net::PeerKind::kRelay:
      allowed_role = pc3::Role::kRelay;
      rscs = directory_.relay_rscs(peer.id());
      break;
    default:  // a TLS-PSK peer: not an identity the ProSe Function knows
      out.outcome = pc3::Cause::kUnknownIdentity;
      return out;
  }
  if (!rscs.ok()) {
    log::warn("pc3: directory lookup for {} failed: {}", peer.to_string(), rscs.error().to_string());
    out.outcome = pc3::Cause::kTemporarilyUnavailable;
    return out;
  }
  if (!rscs->has_value()) {
    out.outcome = pc3::Cause::kUnknownIdentity;
    return out;
  }
  const std::vector<std::uint32_t>& allowed = **rscs;
  std::vector<pc3::RelayServiceAuthorisation> entries;
  for (const auto& s : request.services) {
    pc3::RelayServiceAuthorisation e;
    e.role = s.role;
    e.relay_service_code = s.relay_service_code;
    if (s.role != allowed_role) {
      e.outcome = pc3::Cause::kRoleNotAuthorised;
    } else if (std::find(allowed.begin(), allowed.end(), s.relay_service_code) == allowed.end()) {
      e.outcome = pc3::Cause::kRelayServiceCodeNotAuthorised;
    } else {
      e.outcome = defaults_.for_entry(s.role, s.relay_service_code);
    }
    entries.push_back(std::move(e));
  }
  out.outcome = std::move(entries);
  return out;
}

namespace {

std::string summarise(const pc3::ServiceAuthorisationResponse& r) {
  if (const auto* c = std::get_if<pc3::Cause>(&r.outcome)) return std::string(pc3::cause_name(*c));
  const auto& v = std::get<std::vector<pc3::RelayServiceAuthorisation>>(r.outcome);
  std::size_t granted = 0;
  std::string causes;
  for (const auto& e : v) {
    if (std::holds_alternative<pc3::RelayServiceParameters>(e.outcome)) {
      ++granted;
    } else {
      causes += " " + std::string(pc3::cause_name(std::get<pc3::Cause>(e.outcome)));
    }
  }
  return "granted " + std::to_string(granted) + "/" + std::to_string(v.size()) + causes;
}

std::string reject_body(pc3::Cause c) {
  pc3::ServiceAuthorisationResponse r;
  r.outcome = c;
  auto xml = pc3::Codec::encode(r);
  return xml.ok() ? std::move(*xml) : std::string();
}

}  // namespace

ProseFunctionService::Reply ProseFunctionService::handle(const net::PeerIdentity& peer, std::string_view body,
                                                         std::int64_t now) {
  (void)now;
  Reply reply;
  if (body.size() > pc3::kMaxBodySize) {
    reply.status = 413;
    reply.body = reject_body(pc3::Cause::kMalformedRequest);
    reply.outcome = "body too large";
    reply.request_cause = pc3::Cause::kMalformedRequest;
    return reply;
  }
  auto request = pc3::Codec::decode_request(body);
  if (!request.ok()) {
    reply.status = 400;
    reply.body = reject_body(pc3::Cause::kMalformedRequest);
    reply.outcome = request.error().to_string();
    reply.request_cause = pc3::Cause::kMalformedRequest;
    return reply;
  }
  pc3::ServiceAuthorisationResponse response = authorise(peer, *request);
  auto xml = pc3::Codec::encode(response);
  if (!xml.ok()) {  // only a bad configuration could cause this; validate(ParameterDefaults) prevents it
    log::error("pc3: cannot encode a response for {}: {}", peer.to_string(), xml.error().to_string());
    pc3::ServiceAuthorisationResponse internal;
    internal.transaction_id = request->transaction_id;
    internal.outcome = pc3::Cause::kInternalError;
    response = std::move(internal);
    xml = pc3::Codec::encode(response);
  }
  reply.body = std::move(*xml);
  reply.outcome = summarise(response);
  if (const auto* c = std::get_if<pc3::Cause>(&response.outcome)) {
    reply.request_cause = *c;
  } else {
    for (const auto& e : std::get<std::vector<pc3::RelayServiceAuthorisation>>(response.outcome)) {
      if (const auto* ec = std::get_if<pc3::Cause>(&e.outcome))
        reply.refused.push_back(*ec);
      else
        ++reply.granted;
    }
  }
  return reply;
}

net::HttpResponse handle_http(ProseFunctionService& service, const net::PeerIdentity& peer, const net::HttpRequest& req,
                              std::int64_t now, Metrics* metrics) {
  auto refuse = [metrics](int status, const std::string& why) {
    if (metrics != nullptr) metrics->http_error(status);
    return net::make_error_response(status, why);
  };
  if (req.target != pc3::kHttpPath) return refuse(404, "not found");
  if (req.method != pc3::kHttpMethod) return refuse(405, "method not allowed");
  if (!req.has_media_type(pc3::kContentType))
    return refuse(415, "content type must be " + std::string(pc3::kContentType));
  const auto t0 = std::chrono::steady_clock::now();
  auto r = service.handle(peer, req.body, now);
  if (metrics != nullptr) {
    metrics->request(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), r);
    if (r.status != 200) metrics->http_error(r.status);
  }
  if (r.status == 200) {
    log::info("pc3: peer={} outcome={}", peer.to_string(), r.outcome);
  } else {
    log::warn("pc3: rejected a request from {}: {}", peer.to_string(), r.outcome);
  }
  return net::make_response(r.status, std::string(pc3::kContentType), std::move(r.body));
}

}  // namespace prose::prosefn
