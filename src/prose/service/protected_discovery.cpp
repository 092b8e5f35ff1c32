#include "prose/service/protected_discovery.h"

#include <algorithm>

namespace prose::service {

static_assert(pc8::kMaxEncryptedBitsMaskSize == discovery::constants::kConfidentialSize,
              "the PC8 Encrypted_bits_mask covers the confidential part of a discovery message");

Result<PkmfDiscoveryConfig> pkmf_discovery_config(const pc8::DiscoveryKeyGrant& g) {
  PkmfDiscoveryConfig c;
  c.keys = g.key_combination;
  if (g.encrypted_bits_mask) {
    if (g.encrypted_bits_mask->empty() || g.encrypted_bits_mask->size() > pc8::kMaxEncryptedBitsMaskSize) {
      return fail(Errc::kInvalidArgument, "PKMF Encrypted_bits_mask: must be 1..23 octets");
    }
    c.encrypted_bits_mask = *g.encrypted_bits_mask;
  }
  if (g.confidentiality_algorithm) {
    const unsigned a = *g.confidentiality_algorithm;
    if (a < pc8::kMinDiscoveryEea || a > pc8::kMaxDiscoveryEea) {
      return fail(Errc::kInvalidArgument, "PKMF confidentiality algorithm " + std::to_string(a) + ": not EEA 1..3");
    }
    PROSE_TRY(c.eea, cipher::eea_from_id(a));
  }
  return c;
}

namespace {
bool same_protection(const discovery::DiscoveryKeys& a, const discovery::DiscoveryKeys& b) {
  return a.dusk.empty() == b.dusk.empty() && a.duck.empty() == b.duck.empty() &&
         a.encrypted_bits_mask == b.encrypted_bits_mask && a.eea == b.eea;
}
}  // namespace

ProtectedDiscovery::ProtectedDiscovery(std::uint32_t relay_service_code, DiscoverySecuritySettings s)
    : rsc_(relay_service_code), settings_(s) {}

Status ProtectedDiscovery::install(ByteView psdk, std::optional<std::uint32_t> psdk_id, std::int64_t expiry_unix,
                                   std::int64_t now, const PkmfDiscoveryConfig& pkmf) {
  if (pkmf.encrypted_bits_mask && (pkmf.encrypted_bits_mask->empty() ||
                                   pkmf.encrypted_bits_mask->size() > discovery::constants::kConfidentialSize)) {
    return fail(Errc::kInvalidArgument, "Encrypted_bits_mask: must be 1..23 octets");
  }
  if (pkmf.eea && *pkmf.eea == cipher::Eea::kEea0) {
    return fail(Errc::kInvalidArgument, "confidentiality algorithm: EEA0 is no confidentiality");
  }
  PROSE_TRY(discovery::DiscoveryKeys k, discovery::derive_discovery_keys(psdk));
  // The PKMF's combination of keys wins over the ProSe Function's (24.334 10A).
  const bool use_dusk = pkmf.keys ? pkmf.keys->dusk : settings_.use_dusk;
  const bool use_duck = pkmf.keys ? pkmf.keys->duck : settings_.use_duck;
  if (!use_dusk) k.dusk = SecretBytes();
  if (!use_duck) k.duck = SecretBytes();
  if (pkmf.encrypted_bits_mask) k.encrypted_bits_mask = *pkmf.encrypted_bits_mask;
  if (pkmf.eea) k.eea = *pkmf.eea;
  discovery::ReceiverConfig rc;
  rc.max_offset = std::min<std::uint32_t>(settings_.max_offset, discovery::constants::kMaxResolvableOffset);
  auto rx = std::make_unique<discovery::Receiver>(rc);
  rx->set_keys(rsc_, k.clone());
  const bool same = keys_ && psdk_id_ == psdk_id && expiry_ == expiry_unix && same_protection(*keys_, k);
  if (!same) {
    // A new PSDK (or configuration): the old one stays for receiving until it expires. The same PSDK again keeps the
    // replay state.
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

}  // namespace prose::service
