#include "prose/agents/prose_function.h"

#include <unistd.h>

#include <optional>

#include "prose/agents/event_loop.h"
#include "prose/agents/pkmf_client.h"
#include "prose/agents/trace.h"
#include "prose/ids/ids.h"
#include "prose/keylog/keylog.h"
#include "prose/pc8/codec.h"
#include "prose/pc8/constants.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::agents {

using service::kPsdkRetryIntervalS;
using service::PkmfDiscoveryConfig;
using service::ProtectedDiscovery;

Result<std::unique_ptr<net::HttpsClient>> make_pf_client(const ProseFunctionClientConfig& p, GbaUe* gba) {
  PkmfClientConfig c;
  c.host = p.host;
  c.port = p.port;
  c.ca_file = p.ca_file;
  c.cert_file = p.cert_file;
  c.key_file = p.key_file;
  c.server_name = p.server_name;
  c.keylog_file = p.keylog_file;
  c.fqdn = p.naf_fqdn.empty() ? p.server_name : p.naf_fqdn;  // the NAF FQDN for GBA
  return make_client(c, gba);
}

namespace {
std::string yes_no(bool b) { return b ? "on" : "off"; }
}  // namespace

// Step 0: the parameters of `role` for `rsc` from the ProSe Function; retried every second while it cannot be
// reached. kDenied (logged as EVT|failed) when it refuses.
Result<pc3::RelayServiceParameters> authorise(const std::string& name, const ProseFunctionClientConfig& pf,
                                              pc3::Role role, std::uint32_t rsc, GbaUe* gba) {
  PROSE_TRY(auto client, make_pf_client(pf, gba));
  const std::string role_s(pc3::role_name(role));
  while (!g_stop) {
    msc(name, "ProSe Function",
        "PC3 Service Authorisation Request (role " + role_s + ", RSC " + hex24(rsc) + ") to https://" + pf.host + ":" +
            std::to_string(pf.port));
    using Params = std::vector<pc3::RelayServiceParameters>;
    auto fetch = [&]() -> Result<Params> { return prosefn::fetch_service_parameters(*client, role, {rsc}); };
    auto r = gba != nullptr ? gba->call<Params>(fetch) : fetch();
    if (!r.ok()) {
      if (gba != nullptr && r.error().code == Errc::kAuthFailed) {  // the BSF refused us: no retry helps
        evt("failed", r.error().message);
        return fail(Errc::kDenied, r.error().message);
      }
      if (r.error().code == Errc::kIo || r.error().code == Errc::kTimeout) {
        evt("error", "ProSe Function unreachable or failed: " + r.error().to_string() + " (retrying)");
        ::sleep(1);
        continue;
      }
      const bool refused = r.error().code == Errc::kDenied;
      msc("ProSe Function", name,
          refused ? "PC3 Service Authorisation Response (refused)" : "PC3 Service Authorisation Response (unusable)");
      std::string m =
          refused ? "ProSe Function refused role " + role_s + " for RSC " + hex24(rsc) + ": " + r.error().message
                  : "ProSe Function request failed: " + r.error().to_string();
      evt("failed", m);
      return fail(refused ? Errc::kDenied : r.error().code, m);
    }
    const pc3::RelayServiceParameters& p = r->front();
    msc("ProSe Function", name,
        "PC3 Service Authorisation Response (authorised as " + role_s + ": PKMF https://" + p.pkmf.host + ":" +
            std::to_string(p.pkmf.port) + " " + p.pkmf.fqdn + ", Model A " + yes_no(p.model_a) + ", Model B " +
            yes_no(p.model_b) + ", DUIK/DUSK/DUCK " + yes_no(p.use_duik) + "/" + yes_no(p.use_dusk) + "/" +
            yes_no(p.use_duck) + ", max offset " + std::to_string(p.max_offset) + " s)");
    evt("authorised", role_s + " for RSC " + hex24(rsc) + "; PKMF " + p.pkmf.fqdn + " at " + p.pkmf.host + ":" +
                          std::to_string(p.pkmf.port));
    return *r->begin();
  }
  return fail(Errc::kState, "stopped");
}

void use_pf_parameters(const pc3::RelayServiceParameters& p, PkmfClientConfig& pkmf) {
  pkmf.host = p.pkmf.host;
  pkmf.port = p.pkmf.port;
  pkmf.server_name = p.pkmf.server_name;
  pkmf.fqdn = p.pkmf.fqdn;
}

service::DiscoveryAuthorisation discovery_authorisation(const pc3::RelayServiceParameters& p,
                                                        const ProseFunctionClientConfig& pf) {
  service::DiscoveryAuthorisation a;
  a.model_a = p.model_a;
  a.model_b = p.model_b;
  a.announce_ms = p.announce_ms;
  a.security.use_dusk = p.use_dusk;
  a.security.use_duck = p.use_duck;
  if (p.max_offset != 0) a.security.max_offset = p.max_offset;
  a.security.refresh_before_s = pf.psdk_refresh_before_s;
  return a;
}

namespace {

// A PC8 Discovery Key Request for the RSC; the PSDK goes into `pd`. Errors are logged; the caller defers.
Status fetch_discovery_keys(const std::string& name, net::HttpsClient& client, ProtectedDiscovery& pd,
                            const std::string& why, GbaUe* gba) {
  const std::uint32_t rsc = pd.relay_service_code();
  pc8::DiscoveryKeyRequest r;
  r.transaction_id.value = random_u32();
  r.relay_service_codes.push_back(ids::RelayServiceCode{rsc});
  std::uint8_t caps = 0;  // the cipher module implements every confidentiality algorithm of the bitmap
  for (const auto& b : pc8::kSecurityCapabilityBits) caps |= b.mask;
  r.security_capabilities = caps;
  msc(name, "PKMF", "PC8 Discovery Key Request (RSC " + hex24(rsc) + ", " + why + ")");
  auto resp = pc8_call(client, pc8::Request(std::move(r)), gba);
  if (!resp.ok()) return fail(Errc::kIo, "PKMF unreachable or failed: " + resp.error().to_string());
  auto* dr = std::get_if<pc8::DiscoveryKeyResponse>(&*resp);
  if (!dr) return fail(Errc::kMalformed, "PKMF answered with another response type");
  if (auto* e = std::get_if<pc8::ErrorCode>(&dr->outcome)) {
    msc("PKMF", name, "PC8 Discovery Key Response (error " + std::string(pc8::error_code_name(*e)) + ")");
    return fail(Errc::kDenied, "PKMF refused the Discovery Key Request: " + std::string(pc8::error_code_name(*e)));
  }
  for (const auto& res : std::get<std::vector<pc8::DiscoveryKeyResult>>(dr->outcome)) {
    if (res.relay_service_code.value != rsc) continue;
    if (auto* e = std::get_if<pc8::ErrorCode>(&res.outcome)) {
      msc("PKMF", name,
          "PC8 Discovery Key Response (RSC " + hex24(rsc) + ": " + std::string(pc8::error_code_name(*e)) + ")");
      return fail(Errc::kDenied,
                  "PKMF refused discovery keys for RSC " + hex24(rsc) + ": " + std::string(pc8::error_code_name(*e)));
    }
    const auto& g = std::get<pc8::DiscoveryKeyGrant>(res.outcome);
    const std::int64_t expiry = g.expiry.time_since_epoch().count();
    const std::int64_t t = unix_now();
    std::optional<std::uint32_t> id;
    if (g.psdk_id) id = g.psdk_id->value;
    // The PKMF's key combination, mask and algorithm override the ProSe Function's settings (24.334 10A).
    PROSE_TRY(PkmfDiscoveryConfig pkmf_cfg, service::pkmf_discovery_config(g));
    PROSE_TRY_STATUS(pd.install(g.psdk.view(), id, expiry, t, pkmf_cfg));
    if (keylog_on() && pd.keys() != nullptr) {
      keylog::DiscoveryKeys k;
      k.relay_service_code = ids::RelayServiceCode{rsc};
      k.eea = static_cast<std::uint8_t>(pd.keys()->eea);
      k.duik = pd.keys()->duik.clone();
      k.dusk = pd.keys()->dusk.clone();
      k.duck = pd.keys()->duck.clone();
      k.encrypted_bits_mask = pd.keys()->encrypted_bits_mask;
      keylog_line(keylog::format(k));
    }
    const std::string id_s = id ? pc8::PsdkId{*id}.hex() : std::string("-");
    msc("PKMF", name,
        "PC8 Discovery Key Response (PSDK ID " + id_s + ", PSDK " + g.psdk.fingerprint() + ", expires " +
            pc8::format_utc(g.expiry) + ")");
    std::string used = "; uses DUIK" + std::string(pd.uses_dusk() ? "+DUSK" : "") + (pd.uses_duck() ? "+DUCK" : "");
    if (pd.uses_duck()) {
      used += " EEA" + std::to_string(static_cast<unsigned>(pd.eea()));
      if (!pd.encrypted_bits_mask().empty()) used += " mask " + to_hex(pd.encrypted_bits_mask());
    }
    used += pkmf_cfg.empty() ? " (ProSe Function settings)" : " (PKMF configuration)";
    evt("psdk", "RSC " + hex24(rsc) + " PSDK ID " + id_s + " PSDK " + g.psdk.fingerprint() + " expires in " +
                    std::to_string(expiry - t) + " s; DUIK/DUSK/DUCK derived, next Discovery Key Request in " +
                    std::to_string(pd.next_refresh() - t) + " s" + used);
    return {};
  }
  return fail(Errc::kMalformed, "Discovery Key Response without RSC " + hex24(rsc));
}

}  // namespace

// Before using discovery keys: ask the PKMF when they are missing, expired or about to expire. A refusal by the
// PKMF is returned (kDenied, logged as EVT|failed); other failures are logged and retried later.
Status refresh_discovery_keys(const std::string& name, net::HttpsClient& client, ProtectedDiscovery& pd, GbaUe* gba) {
  const std::int64_t t = unix_now();
  if (!pd.refresh_due(t)) return {};
  std::string why = !pd.psdk_id() && pd.expiry() == 0 ? "no PSDK yet"
                    : t >= pd.expiry()                ? "PSDK expired"
                                                      : "PSDK expires in " + std::to_string(pd.expiry() - t) + " s";
  Status st = fetch_discovery_keys(name, client, pd, why, gba);
  if (st.ok()) return {};
  if (st.error().code == Errc::kDenied) {
    evt("failed", st.error().message);
    return st;
  }
  evt("error", st.error().message + " (retrying in " + std::to_string(kPsdkRetryIntervalS) + " s)");
  pd.defer(t);
  return {};
}

}  // namespace prose::agents
