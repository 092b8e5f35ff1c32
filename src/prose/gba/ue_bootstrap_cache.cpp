#include "prose/gba/ue_bootstrap_cache.h"

#include <ctime>

namespace prose::gba {

UeBootstrapCache::UeBootstrapCache(Bootstrap bootstrap, Clock clock, std::int64_t renew_before_s)
    : bootstrap_(std::move(bootstrap)), clock_(std::move(clock)), renew_before_s_(renew_before_s) {
  if (!clock_) clock_ = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
}

bool UeBootstrapCache::usable(std::int64_t now) const { return session_ && now + renew_before_s_ < session_->expires; }

Result<bool> UeBootstrapCache::ensure() {
  std::lock_guard lock(mu_);
  const std::int64_t now = clock_();
  if (usable(now)) return false;
  session_.reset();
  auto r = bootstrap_(now);
  if (!r.ok()) {
    ++failures_;
    return r.error();
  }
  if (r->session.btid.empty() || r->session.ks.empty()) {
    ++failures_;
    return fail(Errc::kMalformed, "bootstrapping gave no B-TID or no Ks");
  }
  if (r->session.expires <= now + renew_before_s_) {
    ++failures_;
    return fail(Errc::kMalformed,
                "the BSF gave a key lifetime that is already over (" + format_utc(r->session.expires) + ")");
  }
  ++bootstraps_;
  session_ = std::move(r->session);
  return true;
}

Result<NafCredential> UeBootstrapCache::credential(ByteView naf_id) {
  std::lock_guard lock(mu_);
  if (!usable(clock_())) return fail(Errc::kNotFound, "no bootstrapping session (or its key lifetime is over)");
  PROSE_TRY(SecretBytes key, session_->ks_naf(naf_id));
  return NafCredential{session_->btid, std::move(key), session_->expires};
}

bool UeBootstrapCache::refused(std::string_view btid) {
  std::lock_guard lock(mu_);
  if (!session_ || session_->btid != btid) return false;
  session_.reset();
  return true;
}

std::string UeBootstrapCache::btid() {
  std::lock_guard lock(mu_);
  return session_ ? session_->btid : std::string();
}

std::int64_t UeBootstrapCache::expires() {
  std::lock_guard lock(mu_);
  return session_ ? session_->expires : 0;
}

std::uint64_t UeBootstrapCache::bootstraps() {
  std::lock_guard lock(mu_);
  return bootstraps_;
}

std::uint64_t UeBootstrapCache::failures() {
  std::lock_guard lock(mu_);
  return failures_;
}

}  // namespace prose::gba
