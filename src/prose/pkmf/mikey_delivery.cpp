#include "prose/pkmf/mikey_delivery.h"

#include <algorithm>

#include "prose/keys/prose_keys.h"
#include "prose/pc8/messages.h"
#include "prose/util/byte_writer.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::pkmf {
namespace {

Result<UeDelivery> build(store::Store& s, const store::UeRecord& ue, std::uint64_t pruk_id, const SecretBytes& key,
                         const std::string& pkmf_fqdn, std::uint32_t lifetime, bool verify, std::int64_t now) {
  if (!ue.ip_address) return fail(Errc::kState, "UE " + ue.imsi + " has not reported a MIKEY address");
  if (!ue.key_type_id) return fail(Errc::kState, "UE " + ue.imsi + " has no Key Type ID");
  PROSE_TRY(auto pmk, s.find_pmk(ue.imsi));
  if (!pmk) return fail(Errc::kState, "UE " + ue.imsi + " has no PMK");
  mikey::DeliveryParams p;
  p.pmk = pmk->pmk.clone();
  p.pmk_id = ByteWriter(8).u64(pmk->pmk_id).take();
  p.key_type_id = ByteWriter(4).u32(*ue.key_type_id).take();
  p.key_id = pruk_id;
  p.key = key.clone();
  p.pkmf_fqdn = pkmf_fqdn;
  p.ue_id = "imsi-" + ue.imsi;
  p.lifetime = lifetime;
  p.verify = verify;
  PROSE_TRY(auto built, mikey::build_delivery(p, mikey::Profile{}, mikey::ntp_from_unix(now)));
  UeDelivery out;
  out.pending = std::move(built.pending);
  out.job.imsi = ue.imsi;
  out.job.ip = *ue.ip_address;
  out.job.port = ue.mikey_port ? ue.mikey_port : pc8::kDefaultMikeyPort;
  out.job.pruk_id = pruk_id;
  out.job.csb_id = built.csb_id;
  out.job.message = std::move(built.message);
  out.job.expects_verification = verify;
  return out;
}

}  // namespace

Result<UeDelivery> build_ue_delivery(store::Store& s, const store::UeRecord& ue, std::uint64_t pruk_id,
                                     const SecretBytes& key, const std::string& pkmf_fqdn, const Policy& policy,
                                     std::int64_t now) {
  if (pruk_id == 0) return fail(Errc::kInvalidArgument, "PRUK ID 0 is the Key Request trigger");
  return build(s, ue, pruk_id, key, pkmf_fqdn, policy.key_lifetime_s, policy.mikey_verify, now);
}

Result<UeDelivery> build_resumed_delivery(store::Store& s, const store::UeRecord& ue, const store::PrukRecord& pruk,
                                          const std::string& pkmf_fqdn, const Policy& policy, std::int64_t now) {
  if (pruk.pruk_id == 0) return fail(Errc::kInvalidArgument, "PRUK ID 0 is the Key Request trigger");
  if (!ue.pruk_delivery) {
    return fail(Errc::kState,
                "UE " + ue.imsi + " has stopped PRUK delivery: its last address may no longer be its own");
  }
  const std::int64_t left = pruk.created_at + std::int64_t{policy.key_lifetime_s} - now;
  if (left <= 0) return fail(Errc::kState, "the lifetime of PRUK ID " + to_hex_u64(pruk.pruk_id) + " is over");
  return build(s, ue, pruk.pruk_id, pruk.pruk, pkmf_fqdn,
               static_cast<std::uint32_t>(std::min<std::int64_t>(left, policy.key_lifetime_s)), true, now);
}

Result<UeDelivery> build_key_request_trigger(store::Store& s, const std::string& imsi, const std::string& pkmf_fqdn,
                                             const Policy& policy, std::int64_t now) {
  PROSE_TRY(auto ue, s.find_ue(imsi));
  if (!ue) return fail(Errc::kNotFound, "no UE with IMSI " + imsi);
  if (!ue->ip_address)
    return fail(Errc::kState, "UE " + imsi + " has not reported a MIKEY address (no Key Request yet)");
  if (!ue->pruk_delivery) {
    return fail(Errc::kState, "UE " + imsi + " has stopped PRUK delivery: its last address may no longer be its own");
  }
  return build(s, *ue, 0, random_secret(keys::kPrukSize), pkmf_fqdn, policy.key_lifetime_s, true, now);
}

}  // namespace prose::pkmf
