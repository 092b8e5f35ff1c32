// GBA Push for ProSe (TS 33.223 with the TS 33.303 relay profile, docs/profile.md section 6):
//  * NAF side (the PKMF acting as BSF with an AV from the HSS over PC4a, or the HSS/BSF emulator): form a GPI
//    from an authentication vector; PRUK = Ks_(ext)_NAF, PRUK ID = P-TID.
//  * UE side: process a GPI with the (emulated) USIM: NAF_Id check, AUTN check (MAC, SQN window), derivation of
//    Ks_(ext)_NAF (TS 33.220 B.3), GPI MAC check. An SQN failure is a distinct outcome carrying RAND and AUTS.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "prose/crypto/milenage.h"
#include "prose/gba/gpi.h"
#include "prose/ids/ids.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::gba {

inline constexpr std::uint32_t kDefaultKeyLifetime = 86400;  // seconds; a policy choice, not a spec value

struct CreatedGpi {
  Bytes gpi;               // encoded GPI (send to the UE)
  ids::PrukId pruk_id;     // = P-TID
  SecretBytes pruk;        // = Ks_(ext)_NAF (256 bit), stored by the PKMF
  std::uint32_t lifetime;  // seconds
};

// Fails (kInvalidArgument) on a zero PRUK ID, zero lifetime, AV fields of the wrong size, an empty IMPI, or a
// NAF_Id / App_Lbl outside the GPI limits (gpi.h).
Result<CreatedGpi> create_gpi(const crypto::AuthVector& av, std::string_view impi, ByteView naf_id, ids::PrukId pruk_id,
                              std::uint32_t lifetime_s = kDefaultKeyLifetime, ByteView app_lbl = {});

struct GpiAccepted {
  ids::PrukId pruk_id;  // = P-TID
  SecretBytes pruk;     // = Ks_(ext)_NAF
  std::uint32_t lifetime;
  Bytes app_lbl;
  crypto::Sqn sqn;  // the SQN the USIM accepted
};
struct GpiSyncFailure {
  ids::Rand rand;  // from the GPI
  ids::Auts auts;  // send RAND + AUTS back (DIRECT_SECURITY_MODE_REJECT / KEY_REQUEST) to resynchronise
};
// Exactly one of the two is set. Also what the Remote UE's link machine gets from its injected GPI processor
// (link::GpiProcessor; prose/link/gba_gpi_processor.h): one type from the USIM to the DSM Reject.
struct GpiOutcome {
  std::optional<GpiAccepted> accepted;
  std::optional<GpiSyncFailure> sync_failure;
};

// UE side. Errors (nothing changes in the USIM on any error):
//   decode errors (kTruncated / kMalformed / kUnsupported, with offset); kUnsupported: GBA_U key type;
//   kDenied: the GPI's NAF_Id is not `expected_naf_id`; kAuthFailed "AUTN MAC failure" (another subscriber's or a
//   forged AUTN); kAuthFailed "GPI MAC failure" (tampered GPI, or formed for another IMPI / NAF key).
// On an SQN failure (replayed or too old GPI) the result holds sync_failure and the USIM state is unchanged.
Result<GpiOutcome> process_gpi(crypto::Usim& usim, std::string_view impi, ByteView expected_naf_id, ByteView gpi_bytes);

}  // namespace prose::gba
