// The ProSe key hierarchy (TS 33.303 Annex A and clause 6.5), one function per spec clause, all built on the
// TS 33.220 Annex B KDF. The FC values are in ONE table: prose/keys/fc_table.h (see docs/conformance.md).
// CONTRACT HEADER: other modules (pc5, pkmf, gba, ue, discovery) code against these declarations.
#pragma once

#include <cstdint>
#include <string_view>

#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::keys {

inline constexpr std::size_t kPrukSize = 32;
inline constexpr std::size_t kKdSize = 32;
inline constexpr std::size_t kKdSessSize = 32;
inline constexpr std::size_t kKdFreshnessSize = 16;
inline constexpr std::size_t kNonceSize = 16;
inline constexpr std::size_t kAlgKeySize = 16;  // PEK, PIK: 128 LSBs of the KDF output

// Algorithm type distinguisher in A.4 (P0).
enum class AlgorithmType : std::uint8_t { kEncryption = 0x00, kIntegrity = 0x01 };

// A.7: KD = KDF(PRUK, FC, P0 = KD freshness parameter (16 octets)).
Result<SecretBytes> derive_kd(ByteView pruk, ByteView kd_freshness);
// Clause 6.5: KD-sess = KDF(KD, FC, P0 = Nonce_1 (16), P1 = Nonce_2 (16)).
Result<SecretBytes> derive_kd_sess(ByteView kd, ByteView nonce_1, ByteView nonce_2);
// A.4: PEK/PIK = 128 LSBs of KDF(KD-sess or PTK, FC, P0 = algorithm type distinguisher, P1 = algorithm identity).
// `alg_id` is the 4-bit algorithm identity (0..15).
Result<SecretBytes> derive_pek(ByteView kd_sess_or_ptk, std::uint8_t alg_id);
Result<SecretBytes> derive_pik(ByteView kd_sess_or_ptk, std::uint8_t alg_id);
// A.3: PTK = KDF(PGK, 0x4A, P0 = Group Member Identity (3), P1 = PTK Identity (2), P2 = Group Identity (3)).
Result<SecretBytes> derive_ptk(ByteView pgk, std::uint32_t group_member_id, std::uint16_t ptk_id,
                               std::uint32_t group_id);
// A.8: DUIK / DUSK / DUCK from the PSDK.
enum class DiscoveryKeyType : std::uint8_t { kDuik = 0x01, kDusk = 0x02, kDuck = 0x03 };
Result<SecretBytes> derive_discovery_key(ByteView psdk, DiscoveryKeyType type);
// A.2: MIC = 32 LSBs of KDF(DUIK / discovery key, FC, P0 = message (the ProSe App Code / discovery message
// contents covered by the MIC), P1 = UTC-based counter (4)).
Result<Bytes> derive_discovery_mic(ByteView duik, ByteView message, std::uint32_t utc_counter);
// A.5: scrambling bits = KDF(DUSK, FC, P0 = UTC-based counter (4)), 256 bits.
Result<SecretBytes> derive_discovery_scrambling(ByteView dusk, std::uint32_t utc_counter);
// A.6: message-specific confidentiality keystream = KDF(DUCK, FC, P0 = UTC-based counter (4), P1 = MIC (4)).
Result<SecretBytes> derive_discovery_keystream(ByteView duck, std::uint32_t utc_counter, ByteView mic);
// TS 33.220 B.3: Ks_(ext)_NAF = KDF(Ks = CK || IK, 0x01, "gba-me", RAND, IMPI, NAF_Id).
Result<SecretBytes> derive_ks_ext_naf(ByteView ck, ByteView ik, ByteView rand, std::string_view impi, ByteView naf_id);
// NAF_Id = FQDN of the NAF (UTF-8) || 5-octet Ua security protocol identifier.
Bytes make_naf_id(std::string_view naf_fqdn, ByteView ua_protocol_id);
// The PKMF's NAF_Id for GBA Push of PRUKs: FQDN || the ProSe Ua id of fc_table.h (provisional).
Bytes make_pkmf_naf_id(std::string_view pkmf_fqdn);

// Input checks shared by the derivations (all fail with kInvalidArgument naming the value):
//   PRUK, KD, KD-sess, PTK, PGK: 32 octets; KD freshness, nonces: 16; alg_id 0..15; CK, IK, RAND: 16;
//   group member / group id: 24 bits; IMPI and NAF_Id non-empty; PSDK / DUIK / DUSK / DUCK non-empty; MIC 4 octets.

}  // namespace prose::keys
