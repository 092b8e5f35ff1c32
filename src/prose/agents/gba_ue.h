// GBA for the agents (TS 33.220 4.5, TS 33.222 5.4; docs/agents.md "GBA"): the agent bootstraps over Ub with its
// USIM, keeps the B-TID and Ks until the key lifetime ends (gba::UeBootstrapCache) and reaches the PKMF (PC8) and
// the ProSe Function (PC3) with PSK-TLS 1.3: PSK identity = B-TID, key = Ks_(ext)_NAF for NAF_Id = the server's
// NAF FQDN || the TLS 1.3 Ua id (01 00 00 00 07, gba/ua_ids.h). The TLS version is pinned to 1.3 because the client
// must know the NAF_Id before the server has chosen a version. A call whose handshake the NAF refused (unknown or
// expired B-TID at the BSF) is run once more after a fresh bootstrap.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "prose/agents/agents.h"
#include "prose/crypto/milenage.h"
#include "prose/gba/ub_transport.h"
#include "prose/gba/ue_bootstrap_cache.h"
#include "prose/net/tls.h"
#include "prose/util/result.h"

namespace prose::agents {

class GbaUe {
 public:
  // `usim`: the agent's USIM (the Remote UE shares it with GBA Push, so there is one SQN space). The bootstraps and
  // the Remote UE's GPI processing run on the agent's event loop; the relay's PKMF worker threads only read the
  // cache (the USIM is used under its lock).
  static Result<std::unique_ptr<GbaUe>> create(std::string name, const GbaClientConfig& config,
                                               std::shared_ptr<crypto::Usim> usim);

  // TLS client settings for the NAF `naf_fqdn`: PSK mode, TLS 1.3 only. The credential is the cached one (the
  // callback never bootstraps inside a handshake; call() bootstraps before).
  void configure(net::TlsClientSettings& tls, const std::string& naf_fqdn);

  // Runs `request` (one HTTPS exchange with a client configured above) after making sure a bootstrapping session
  // is held. When the TLS handshake fails while the B-TID it offered is still the one held, the NAF refused it:
  // bootstrap again and run `request` once more. A Ub failure is returned as the error (kAuthFailed, kIo, ...).
  template <typename T>
  Result<T> call(const std::function<Result<T>()>& request) {
    PROSE_TRY_STATUS(ensure());
    const std::string offered = cache_.btid();
    auto r = request();
    if (r.ok() || !handshake_failed(r.error()) || !cache_.refused(offered)) return r;
    note_refused(offered, r.error());
    PROSE_TRY_STATUS(ensure());
    return request();
  }

  gba::UeBootstrapCache& cache() { return cache_; }
  const std::string& impi() const { return impi_; }

 private:
  GbaUe(std::string name, std::string impi, gba::HttpUrl bsf, std::shared_ptr<crypto::Usim> usim);
  Status ensure();
  Result<gba::BootstrapResult> bootstrap(std::int64_t now);
  static bool handshake_failed(const Error& e);
  void note_refused(const std::string& btid, const Error& e);

  std::string name_, impi_;
  gba::HttpUrl bsf_;
  std::shared_ptr<crypto::Usim> usim_;
  std::string last_btid_;  // of the previous bootstrap (under the cache's lock)
  gba::UeBootstrapCache cache_;
};

}  // namespace prose::agents
