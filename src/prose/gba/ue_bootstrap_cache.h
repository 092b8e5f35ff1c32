// The UE's bootstrapping session for its NAFs (TS 33.220 4.5.2 / 4.5.3, TS 33.222 5.4), sans I/O: one B-TID and Ks
// kept until the key lifetime ends, Ks_(ext)_NAF per NAF_Id, and the decision when to bootstrap again (no session,
// lifetime over or ending within `renew_before_s`, or a NAF refused the B-TID). The Ub run itself and the clock are
// injected (the agents pass run_bootstrap over HTTP and the system clock; the tests fakes).
// Thread-safe: a bootstrap runs under the lock, so concurrent callers wait for one run instead of starting several.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "prose/gba/ub_bootstrap.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::gba {

struct NafCredential {
  std::string btid;  // the PSK identity
  SecretBytes key;   // Ks_(ext)_NAF for the NAF_Id asked for
  std::int64_t expires = 0;
};

class UeBootstrapCache {
 public:
  using Clock = std::function<std::int64_t()>;                                 // Unix seconds
  using Bootstrap = std::function<Result<BootstrapResult>(std::int64_t now)>;  // one Ub run

  // `renew_before_s`: a session whose lifetime ends within this many seconds is not offered any more (a handshake
  // must not race the BSF's expiry). Empty clock: the system clock.
  explicit UeBootstrapCache(Bootstrap bootstrap, Clock clock = {}, std::int64_t renew_before_s = 30);

  // Bootstraps when there is no usable session; the Ub run's error otherwise (kAuthFailed, kIo, kTimeout, ...).
  // Returns true when this call ran a bootstrap.
  Result<bool> ensure();
  // The credential for `naf_id` from the session held, without bootstrapping: kNotFound when there is no usable
  // session (call ensure() first). Safe to call inside a TLS handshake.
  Result<NafCredential> credential(ByteView naf_id);
  // A NAF refused the handshake with `btid` (unknown or expired at the BSF): the session is dropped if it is still
  // the one held, so the next ensure() bootstraps again. Returns whether it was dropped.
  bool refused(std::string_view btid);
  // The B-TID held (usable or not), empty when none, and the end of its key lifetime (0 when none).
  std::string btid();
  std::int64_t expires();
  // Bootstrapping runs that succeeded / failed.
  std::uint64_t bootstraps();
  std::uint64_t failures();

 private:
  bool usable(std::int64_t now) const;
  Bootstrap bootstrap_;
  Clock clock_;
  std::int64_t renew_before_s_;
  std::mutex mu_;
  std::optional<BootstrapSession> session_;
  std::uint64_t bootstraps_ = 0, failures_ = 0;
};

}  // namespace prose::gba
