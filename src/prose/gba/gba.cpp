#include "prose/gba/gba.h"

#include <string>

#include "prose/crypto/hmac.h"
#include "prose/keys/prose_keys.h"
#include "prose/util/ct.h"

namespace prose::gba {

Result<CreatedGpi> create_gpi(const crypto::AuthVector& av, std::string_view impi, ByteView naf_id, ids::PrukId pruk_id,
                              std::uint32_t lifetime_s, ByteView app_lbl) {
  if (ids::is_pruk_trigger(pruk_id)) return fail(Errc::kInvalidArgument, "PRUK ID must not be all-zero");
  if (lifetime_s == 0) return fail(Errc::kInvalidArgument, "key lifetime must not be zero");
  if (impi.empty()) return fail(Errc::kInvalidArgument, "IMPI must not be empty");
  if (av.autn.size() != crypto::kAutnSize) return fail(Errc::kInvalidArgument, "AV AUTN must be 16 octets");
  Gpi g;
  g.p_tid = pruk_id.value;
  g.rand = av.rand;
  g.autn = av.autn;
  g.app_lbl.assign(app_lbl.begin(), app_lbl.end());
  g.naf_id.assign(naf_id.begin(), naf_id.end());
  g.key_lifetime = lifetime_s;
  g.key_type = NafKeyType::kMe;
  // Validate the fields before deriving anything.
  PROSE_TRY(Bytes signed_part, encode_gpi_signed_part(g));
  PROSE_TRY(SecretBytes pruk, keys::derive_ks_ext_naf(av.ck.view(), av.ik.view(), av.rand, impi, naf_id));
  SecretBytes mac = crypto::hmac_sha256(pruk.view(), signed_part);
  g.mac.assign(mac.view().begin(), mac.view().end());
  PROSE_TRY(Bytes encoded, encode_gpi(g));
  return CreatedGpi{std::move(encoded), pruk_id, std::move(pruk), lifetime_s};
}

Result<GpiOutcome> process_gpi(crypto::Usim& usim, std::string_view impi, ByteView expected_naf_id,
                               ByteView gpi_bytes) {
  if (impi.empty()) return fail(Errc::kInvalidArgument, "IMPI must not be empty");
  PROSE_TRY(DecodedGpi d, decode_gpi(gpi_bytes));
  const Gpi& g = d.gpi;
  if (!ct_equal(g.naf_id, expected_naf_id)) {
    return fail(Errc::kDenied, "GPI NAF_Id does not match the expected NAF");
  }
  if (g.key_type != NafKeyType::kMe) {
    return fail(Errc::kUnsupported, "GPI asks for a GBA_U (UICC) key; only GBA_ME is supported");
  }
  // The USIM state changes only when the whole GPI is accepted.
  std::vector<std::uint64_t> saved = usim.seq_array();
  PROSE_TRY(crypto::Usim::AuthResult auth, usim.authenticate(g.rand, g.autn));
  GpiOutcome out;
  if (auth.sync_failure) {
    PROSE_TRY(ids::Rand rand, ids::Rand::from_bytes(g.rand, "GPI RAND"));
    PROSE_TRY(ids::Auts auts, ids::Auts::from_bytes(auth.sync_failure->auts, "AUTS"));
    out.sync_failure = GpiSyncFailure{rand, auts};
    return out;
  }
  if (!auth.accepted) return fail(Errc::kInternal, "USIM returned neither keys nor AUTS");
  auto pruk = keys::derive_ks_ext_naf(auth.accepted->ck.view(), auth.accepted->ik.view(), g.rand, impi, g.naf_id);
  if (!pruk.ok()) {
    usim.set_seq_array(std::move(saved));
    return pruk.error();
  }
  SecretBytes xmac = crypto::hmac_sha256(pruk->view(), gpi_bytes.first(d.signed_length));
  if (!ct_equal(xmac.view(), g.mac)) {
    usim.set_seq_array(std::move(saved));
    return fail(Errc::kAuthFailed, "GPI MAC failure");
  }
  out.accepted =
      GpiAccepted{ids::PrukId{g.p_tid}, std::move(pruk).value(), g.key_lifetime, g.app_lbl, auth.accepted->sqn};
  return out;
}

}  // namespace prose::gba
