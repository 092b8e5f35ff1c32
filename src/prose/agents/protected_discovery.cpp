#include "prose/agents/protected_discovery.h"

#include <algorithm>

namespace prose::agents {

ProtectedDiscovery::ProtectedDiscovery(std::uint32_t relay_service_code, DiscoverySecuritySettings s)
    : rsc_(relay_service_code), settings_(s) {}

Status ProtectedDiscovery::install(ByteView psdk, std::optional<std::uint32_t> psdk_id, std::int64_t expiry_unix,
                                   std::int64_t now) {
  PROSE_TRY(discovery::DiscoveryKeys k, discovery::derive_discovery_keys(psdk));
  if (!settings_.use_dusk) k.dusk = SecretBytes();
  if (!settings_.use_duck) k.duck = SecretBytes();
  discovery::ReceiverConfig rc;
  rc.max_offset = std::min<std::uint32_t>(settings_.max_offset, discovery::constants::kMaxResolvableOffset);
  auto rx = std::make_unique<discovery::Receiver>(rc);
  rx->set_keys(rsc_, k.clone());
  const bool same = keys_ && psdk_id_ == psdk_id && expiry_ == expiry_unix;
  if (!same) {
    // A new PSDK: the old one stays for receiving until it expires. The same PSDK again keeps the replay state.
    if (rx_ && expiry_ > now) {
      prev_rx_ = std::move(rx_);
      prev_expiry_ = expiry_;
    }
    rx_ = std::move(rx);
  }
  keys_ = std::move(k);
  psdk_id_ = psdk_id;
  expiry_ = expiry_unix;
  next_refresh_ = expiry_unix - settings_.refresh_before_s;
  // Handed out while already about to expire: again at its expiry at the latest; already expired (a PKMF whose
  // clock lags): again in a second, never in a tight loop.
  if (next_refresh_ <= now)
    next_refresh_ = expiry_unix > now ? std::min(expiry_unix, now + kPsdkRetryIntervalS) : now + 1;
  return {};
}

void ProtectedDiscovery::defer(std::int64_t now) { next_refresh_ = now + kPsdkRetryIntervalS; }

bool ProtectedDiscovery::refresh_due(std::int64_t now) const { return now >= next_refresh_; }

bool ProtectedDiscovery::usable(std::int64_t now) const { return keys_.has_value() && now < expiry_; }

Result<Bytes> ProtectedDiscovery::protect(const discovery::DiscoveryMessage& m, std::int64_t now) const {
  if (!usable(now)) return fail(Errc::kState, "no valid discovery keys (PSDK missing or expired)");
  if (m.relay_service_code != rsc_) return fail(Errc::kInvalidArgument, "message for another Relay Service Code");
  return discovery::protect(m, *keys_, discovery::utc_counter(now));
}

Result<discovery::DiscoveryMessage> ProtectedDiscovery::accept(ByteView pdu, std::int64_t now) {
  if (!usable(now)) return fail(Errc::kState, "no valid discovery keys (PSDK missing or expired)");
  Result<discovery::DiscoveryMessage> r = rx_->accept(pdu, now);
  if (!r.ok() && r.error().code == Errc::kAuthFailed && prev_rx_ && now < prev_expiry_) {
    auto p = prev_rx_->accept(pdu, now);
    if (p.ok() || p.error().code != Errc::kAuthFailed) return p;
  }
  if (prev_rx_ && now >= prev_expiry_) prev_rx_.reset();
  return r;
}

}  // namespace prose::agents
