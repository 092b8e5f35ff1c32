// THE policy table: which PC5 signalling message is protected how on sidelink PDCP, with which security
// context, on which SL-SCH LCID; and how user-plane PDUs are protected. Source: docs/profile.md section 3
// (provisional), TS 36.523-1 19.1.10 for the DSMC (docs/sources.md S14), LCIDs from Wireshark packet-mac-lte.c
// (docs/sources.md S3).
//
// FOR "link" (state machines): look up `signalling_protection(type)` before protecting a message on the
// signalling entity (prose/pdcp/entity.h, bearer kSignallingBearer) and before unprotecting one:
//   - kNone: send with pdcp::encode_unprotected (KD-sess ID 0 in the header); on receive accept only PDUs with
//     KD-sess ID 0 for these types (pdcp::decode_unprotected);
//   - kIntegrity / kIntegrityAndCiphering: use the TX/RX entity of the context named by `context`
//     (kNew = the KD-sess being established by this DSMC exchange, kCurrent = the link's active KD-sess) with
//     pdcp::ProtectionMode{uses_integrity(p), uses_ciphering(p)}.
// The receiver of a protected PDU does not yet know the message type (it is inside the ciphertext), so it picks
// the expected protection by state: e.g. the Remote UE expects DSMC (integrity only) in state "DCR sent";
// `expected_protection_for_state` is deliberately not here: the state tables are link's.
// User plane: ciphering only (no MAC-I); EEA0 chosen => KD-sess ID 0 (unprotected) in the header.
#pragma once

#include <cstdint>
#include <optional>

#include "prose/pc5/constants.h"

namespace prose::pc5 {

enum class PdcpProtection : std::uint8_t {
  kNone,                   // no MAC-I, no ciphering, KD-sess ID 0
  kIntegrity,              // MAC-I with PIK, data not ciphered
  kIntegrityAndCiphering,  // MAC-I with PIK over header+plaintext, then data ciphered with PEK
  kCiphering,              // data ciphered with PEK, no MAC-I (user plane)
};

enum class KeyContext : std::uint8_t {
  kNone,     // no context (unprotected)
  kNew,      // the context being established by the DSMC / DSM Complete exchange
  kCurrent,  // the link's active context
};

// SL-SCH LCIDs carrying PC5-S (TS 36.321 as decoded by Wireshark).
inline constexpr std::uint8_t kLcidPc5sUnprotected = 28;
inline constexpr std::uint8_t kLcidPc5sDsm = 29;        // DSMC and DSM Complete
inline constexpr std::uint8_t kLcidPc5sProtected = 30;  // every other protected PC5-S message

struct SignallingProtection {
  PdcpProtection protection;
  KeyContext context;
  std::uint8_t lcid;
};

inline constexpr bool uses_integrity(PdcpProtection p) {
  return p == PdcpProtection::kIntegrity || p == PdcpProtection::kIntegrityAndCiphering;
}
inline constexpr bool uses_ciphering(PdcpProtection p) {
  return p == PdcpProtection::kCiphering || p == PdcpProtection::kIntegrityAndCiphering;
}

// nullopt for an unknown message type.
std::optional<SignallingProtection> signalling_protection(MessageType type);

// User plane (SDU types IP / ARP / Non-IP): ciphering with PEK, no integrity [P, 36.323 5.7].
inline constexpr PdcpProtection kUserPlaneProtection = PdcpProtection::kCiphering;

}  // namespace prose::pc5
