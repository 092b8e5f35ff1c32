// The real GPI processor for RemoteUeConfig::gpi_processor: the gba module's UE-side GBA Push processing with a
// USIM (TS 33.223; Ks_(ext)_NAF becomes the PRUK, the P-TID its PRUK ID). Header-only so that prose_link does not
// depend on prose_gba; whoever includes this links prose_gba.
#pragma once

#include <algorithm>
#include <string>

#include "prose/crypto/milenage.h"
#include "prose/gba/gba.h"
#include "prose/link/remote_ue.h"

namespace prose::link {

// `usim` must outlive the returned function object (it is the UE's USIM, whose SQN state advances).
inline GpiProcessor make_gba_gpi_processor(crypto::Usim& usim, std::string impi, Bytes naf_id) {
  return [&usim, impi = std::move(impi), naf_id = std::move(naf_id)](ByteView gpi) -> Result<GpiResult> {
    PROSE_TRY(gba::GpiOutcome o, gba::process_gpi(usim, impi, naf_id, gpi));
    GpiResult r;
    if (o.sync_failure) {
      if (o.sync_failure->rand.size() != pc5::kRandSize || o.sync_failure->auts.size() != pc5::kAutsSize)
        return fail(Errc::kInternal, "GPI sync failure with wrong RAND / AUTS sizes");
      GpiResult::SyncFailure f;
      std::copy(o.sync_failure->rand.begin(), o.sync_failure->rand.end(), f.rand.begin());
      std::copy(o.sync_failure->auts.begin(), o.sync_failure->auts.end(), f.auts.begin());
      r.sync_failure = f;
      return r;
    }
    if (!o.accepted) return fail(Errc::kInternal, "GPI processing returned no outcome");
    r.accepted = GpiResult::Accepted{o.accepted->pruk_id, std::move(o.accepted->pruk)};
    return r;
  };
}

}  // namespace prose::link
