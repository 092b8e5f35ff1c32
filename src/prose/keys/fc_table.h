// THE table of TS 33.220 Annex B FC values and fixed KDF inputs used by the ProSe key hierarchy (and the Ua
// security protocol identifier of the PKMF NAF_Id). Source and status of every value: docs/profile.md section 1
// and docs/conformance/keys.md. Change a value here and nowhere else.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace prose::keys::fc {

// TS 33.220 B.3 NAF key derivation. VERIFIED: TS 33.220 Annex B.3 (docs/sources.md S4).
inline constexpr std::uint8_t kNafKey = 0x01;
// TS 33.303 A.2 discovery MIC. PROVISIONAL: recalled value 0x49 (low confidence), not confirmed.
inline constexpr std::uint8_t kDiscoveryMic = 0x49;
// TS 33.303 A.3 PTK from PGK. VERIFIED: TS 33.303 Rel-17 A.3 (docs/sources.md S13).
inline constexpr std::uint8_t kPtk = 0x4A;
// TS 33.303 A.4 PEK/PIK from PTK or KD-sess. PROVISIONAL: recalled 0x4B (low confidence); parameter pattern as
// 33.536/33.533 [A].
inline constexpr std::uint8_t kAlgorithmKey = 0x4B;
// TS 33.303 A.5 discovery scrambling bits. PROVISIONAL: profile.md section 1 (33.303 value not found).
inline constexpr std::uint8_t kDiscoveryScrambling = 0x4C;
// TS 33.303 A.6 message-specific confidentiality keystream. PROVISIONAL: profile.md section 1.
inline constexpr std::uint8_t kDiscoveryKeystream = 0x4D;
// TS 33.303 clause 6.5 KD-sess from KD. PROVISIONAL: profile.md section 1 (pattern of 33.536 KNRP-sess [A]).
inline constexpr std::uint8_t kKdSess = 0x4E;
// TS 33.303 A.7 KD from PRUK. PROVISIONAL: profile.md section 1 (33.303 value not found).
inline constexpr std::uint8_t kKd = 0x4F;
// TS 33.303 A.8 DUIK/DUSK/DUCK from PSDK. PROVISIONAL: profile.md section 1 (33.303 value not found).
inline constexpr std::uint8_t kDiscoveryKeys = 0x50;

// A.4 P0 algorithm type distinguisher. PROVISIONAL pattern [A] (33.536/33.533: 0x00 enc, 0x01 int).
inline constexpr std::uint8_t kAlgTypeEncryption = 0x00;
inline constexpr std::uint8_t kAlgTypeIntegrity = 0x01;
// A.8 P0 key type distinguisher. PROVISIONAL: profile.md section 1.
inline constexpr std::uint8_t kKeyTypeDuik = 0x01;
inline constexpr std::uint8_t kKeyTypeDusk = 0x02;
inline constexpr std::uint8_t kKeyTypeDuck = 0x03;

// TS 33.220 B.3 P0 for Ks_NAF / Ks_ext_NAF ("gba-me") and Ks_int_NAF ("gba-u"). VERIFIED: TS 33.220 B.3.
inline constexpr std::string_view kGbaMe = "gba-me";
inline constexpr std::string_view kGbaU = "gba-u";

// Ua security protocol identifier (TS 33.220 Annex H) appended to the PKMF FQDN in the NAF_Id for GBA Push of PRUKs.
// PROVISIONAL: profile.md section 1 (the identifier 33.303 allocates for PC8 was not found; 0x01 = 3GPP).
inline constexpr std::array<std::uint8_t, 5> kUaProsePkmf = {0x01, 0x00, 0x00, 0x01, 0x0A};

// One row per derivation, for docs/tools (`prose crypto` and the conformance table print from it).
struct FcEntry {
  std::uint8_t fc;
  std::string_view derivation;
  std::string_view clause;
  bool verified;
  std::string_view status;
};
inline constexpr std::array<FcEntry, 9> kFcTable = {{
    {kNafKey, "Ks_(ext)_NAF", "TS 33.220 B.3", true, "verified: TS 33.220 B.3"},
    {kDiscoveryMic, "discovery MIC", "TS 33.303 A.2", false, "provisional: recalled value, not confirmed"},
    {kPtk, "PTK from PGK", "TS 33.303 A.3", true, "verified: TS 33.303 Rel-17 A.3"},
    {kAlgorithmKey, "PEK/PIK", "TS 33.303 A.4", false, "provisional: recalled value, 33.536 parameter pattern"},
    {kDiscoveryScrambling, "discovery scrambling", "TS 33.303 A.5", false, "provisional: profile.md 1"},
    {kDiscoveryKeystream, "discovery keystream", "TS 33.303 A.6", false, "provisional: profile.md 1"},
    {kKdSess, "KD-sess from KD", "TS 33.303 6.5", false, "provisional: profile.md 1, 33.536 pattern"},
    {kKd, "KD from PRUK", "TS 33.303 A.7", false, "provisional: profile.md 1"},
    {kDiscoveryKeys, "DUIK/DUSK/DUCK from PSDK", "TS 33.303 A.8", false, "provisional: profile.md 1"},
}};

}  // namespace prose::keys::fc
