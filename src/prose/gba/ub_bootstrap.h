// A whole UE-side bootstrapping run over Ub (TS 24.109 4.4): initial GET, the 401 challenge answered by the USIM,
// on an SQN failure one round with AUTS and the fresh challenge, then the 200 with the B-TID (rspauth checked).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "prose/crypto/milenage.h"
#include "prose/gba/bootstrap.h"
#include "prose/gba/ub_transport.h"

namespace prose::gba {

struct BootstrapResult {
  BootstrapSession session;  // the UE's copy: B-TID, IMPI, RAND, Ks, lifetime end
  bool resynchronised = false;
};
// kAuthFailed: the BSF refused us (HTTP 403) or failed mutual authentication (AUTN MAC, rspauth); kIo/kTimeout:
// transport; kMalformed: an unexpected answer. `now` stamps session.created.
Result<BootstrapResult> run_bootstrap(crypto::Usim& usim, std::string_view impi, const HttpUrl& bsf, std::int64_t now,
                                      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

}  // namespace prose::gba
