// The real GPI processor for RemoteUeConfig::gpi_processor: the gba module's UE-side GBA Push processing with a
// USIM (TS 33.223; Ks_(ext)_NAF becomes the PRUK, the P-TID its PRUK ID).
#pragma once

#include <string>

#include "prose/crypto/milenage.h"
#include "prose/gba/gba.h"
#include "prose/link/remote_ue.h"

namespace prose::link {

// `usim` must outlive the returned function object (it is the UE's USIM, whose SQN state advances).
inline GpiProcessor make_gba_gpi_processor(crypto::Usim& usim, std::string impi, Bytes naf_id) {
  return [&usim, impi = std::move(impi), naf_id = std::move(naf_id)](ByteView gpi) -> Result<gba::GpiOutcome> {
    PROSE_TRY(gba::GpiOutcome o, gba::process_gpi(usim, impi, naf_id, gpi));
    if (!o.sync_failure && !o.accepted) return fail(Errc::kInternal, "GPI processing returned no outcome");
    return o;
  };
}

}  // namespace prose::link
