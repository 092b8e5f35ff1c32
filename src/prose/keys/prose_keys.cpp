#include "prose/keys/prose_keys.h"

#include <algorithm>
#include <string>

#include "prose/crypto/kdf.h"
#include "prose/keys/fc_table.h"

namespace prose::keys {
namespace {

Status need(ByteView v, std::size_t n, const char* what) {
  if (v.size() != n) {
    return fail(Errc::kInvalidArgument,
                std::string(what) + " must be " + std::to_string(n) + " octets, got " + std::to_string(v.size()));
  }
  return ok_status();
}
Status need_nonempty(ByteView v, const char* what) {
  if (v.empty()) return fail(Errc::kInvalidArgument, std::string(what) + " must not be empty");
  return ok_status();
}

Bytes be(std::uint64_t v, std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
  return b;
}

Result<SecretBytes> algorithm_key(ByteView key, std::uint8_t type, std::uint8_t alg_id) {
  PROSE_TRY_STATUS(need(key, kKdSessSize, "KD-sess/PTK"));
  if (alg_id > 0x0f) {
    return fail(Errc::kInvalidArgument, "algorithm identity must be 0..15, got " + std::to_string(alg_id));
  }
  const std::uint8_t p0 = type;
  const std::uint8_t p1 = alg_id;
  PROSE_TRY(SecretBytes out, crypto::kdf(key, fc::kAlgorithmKey, {ByteView(&p0, 1), ByteView(&p1, 1)}));
  return out.last(kAlgKeySize);
}

}  // namespace

Result<SecretBytes> derive_kd(ByteView pruk, ByteView kd_freshness) {
  PROSE_TRY_STATUS(need(pruk, kPrukSize, "PRUK"));
  PROSE_TRY_STATUS(need(kd_freshness, kKdFreshnessSize, "KD freshness"));
  return crypto::kdf(pruk, fc::kKd, {kd_freshness});
}

Result<SecretBytes> derive_kd_sess(ByteView kd, ByteView nonce_1, ByteView nonce_2) {
  PROSE_TRY_STATUS(need(kd, kKdSize, "KD"));
  PROSE_TRY_STATUS(need(nonce_1, kNonceSize, "Nonce_1"));
  PROSE_TRY_STATUS(need(nonce_2, kNonceSize, "Nonce_2"));
  return crypto::kdf(kd, fc::kKdSess, {nonce_1, nonce_2});
}

Result<SecretBytes> derive_pek(ByteView kd_sess_or_ptk, std::uint8_t alg_id) {
  return algorithm_key(kd_sess_or_ptk, fc::kAlgTypeEncryption, alg_id);
}

Result<SecretBytes> derive_pik(ByteView kd_sess_or_ptk, std::uint8_t alg_id) {
  return algorithm_key(kd_sess_or_ptk, fc::kAlgTypeIntegrity, alg_id);
}

Result<SecretBytes> derive_ptk(ByteView pgk, std::uint32_t group_member_id, std::uint16_t ptk_id,
                               std::uint32_t group_id) {
  PROSE_TRY_STATUS(need(pgk, 32, "PGK"));
  if (group_member_id > 0xffffff) return fail(Errc::kInvalidArgument, "Group Member Identity must fit in 24 bits");
  if (group_id > 0xffffff) return fail(Errc::kInvalidArgument, "Group Identity must fit in 24 bits");
  Bytes p0 = be(group_member_id, 3), p1 = be(ptk_id, 2), p2 = be(group_id, 3);
  return crypto::kdf(pgk, fc::kPtk, {p0, p1, p2});
}

Result<SecretBytes> derive_discovery_key(ByteView psdk, DiscoveryKeyType type) {
  PROSE_TRY_STATUS(need_nonempty(psdk, "PSDK"));
  const auto t = static_cast<std::uint8_t>(type);
  if (t != fc::kKeyTypeDuik && t != fc::kKeyTypeDusk && t != fc::kKeyTypeDuck) {
    return fail(Errc::kInvalidArgument, "unknown discovery key type " + std::to_string(t));
  }
  return crypto::kdf(psdk, fc::kDiscoveryKeys, {ByteView(&t, 1)});
}

Result<Bytes> derive_discovery_mic(ByteView duik, ByteView message, std::uint32_t utc_counter) {
  PROSE_TRY_STATUS(need_nonempty(duik, "DUIK"));
  Bytes c = be(utc_counter, 4);
  PROSE_TRY(SecretBytes out, crypto::kdf(duik, fc::kDiscoveryMic, {message, c}));
  return Bytes(out.view().end() - 4, out.view().end());
}

Result<SecretBytes> derive_discovery_scrambling(ByteView dusk, std::uint32_t utc_counter) {
  PROSE_TRY_STATUS(need_nonempty(dusk, "DUSK"));
  Bytes c = be(utc_counter, 4);
  return crypto::kdf(dusk, fc::kDiscoveryScrambling, {c});
}

Result<SecretBytes> derive_discovery_keystream(ByteView duck, std::uint32_t utc_counter, ByteView mic) {
  PROSE_TRY_STATUS(need_nonempty(duck, "DUCK"));
  PROSE_TRY_STATUS(need(mic, 4, "MIC"));
  Bytes c = be(utc_counter, 4);
  return crypto::kdf(duck, fc::kDiscoveryKeystream, {c, mic});
}

Result<SecretBytes> derive_ks_ext_naf(ByteView ck, ByteView ik, ByteView rand, std::string_view impi, ByteView naf_id) {
  PROSE_TRY_STATUS(need(ck, 16, "CK"));
  PROSE_TRY_STATUS(need(ik, 16, "IK"));
  PROSE_TRY_STATUS(need(rand, 16, "RAND"));
  if (impi.empty()) return fail(Errc::kInvalidArgument, "IMPI must not be empty");
  PROSE_TRY_STATUS(need_nonempty(naf_id, "NAF_Id"));
  SecretBytes ks(32);
  std::copy(ck.begin(), ck.end(), ks.data());
  std::copy(ik.begin(), ik.end(), ks.data() + 16);
  return crypto::kdf(ks.view(), fc::kNafKey, {crypto::as_bytes(fc::kGbaMe), rand, crypto::as_bytes(impi), naf_id});
}

Bytes make_naf_id(std::string_view naf_fqdn, ByteView ua_protocol_id) {
  Bytes out(naf_fqdn.begin(), naf_fqdn.end());
  out.insert(out.end(), ua_protocol_id.begin(), ua_protocol_id.end());
  return out;
}

Bytes make_pkmf_naf_id(std::string_view pkmf_fqdn) {
  return make_naf_id(pkmf_fqdn, ByteView(fc::kUaProsePkmf.data(), fc::kUaProsePkmf.size()));
}

}  // namespace prose::keys
