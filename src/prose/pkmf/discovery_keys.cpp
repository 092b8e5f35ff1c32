#include "prose/pkmf/discovery_keys.h"

#include <algorithm>
#include <set>

#include "prose/util/log.h"
#include "prose/util/random.h"

namespace prose::pkmf {
namespace {

using pc8::ErrorCode;

constexpr int kMaxIdDraws = 8;  // a random 32-bit PSDK ID colliding 8 times in a row means something is broken
constexpr int kMaxRounds = 3;   // re-reads after losing a creation race to a PSDK that expired meanwhile

pc8::DiscoveryKeyResponse whole_request_error(pc8::TransactionId tid, ErrorCode code) {
  pc8::DiscoveryKeyResponse r;
  r.transaction_id = tid;
  r.outcome = code;
  return r;
}

std::string psdk_id_hex(std::uint32_t id) { return pc8::PsdkId{id}.hex(); }

}  // namespace

std::optional<std::string> validate(const DiscoveryConfig& c) {
  if (c.psdk_lifetime_s < kMinPsdkLifetimeS || c.psdk_lifetime_s > kMaxPsdkLifetimeS) {
    return "discovery.psdk_lifetime_s: must be between " + std::to_string(kMinPsdkLifetimeS) + " and " +
           std::to_string(kMaxPsdkLifetimeS);
  }
  if (c.psdk_renew_before_s < 0 || c.psdk_renew_before_s > c.psdk_lifetime_s / 2) {
    return "discovery.psdk_renew_before_s: must be between 0 and half of psdk_lifetime_s (" +
           std::to_string(c.psdk_lifetime_s / 2) + ")";
  }
  if (c.encrypted_bits_mask.size() > pc8::kMaxEncryptedBitsMaskSize) {
    return "discovery.encrypted_bits_mask: at most " + std::to_string(pc8::kMaxEncryptedBitsMaskSize) + " octets";
  }
  if (c.algorithms.empty()) return "discovery.algorithms: at least one algorithm";
  std::set<std::uint8_t> seen;
  for (auto a : c.algorithms) {
    if (a < pc8::kMinDiscoveryEea || a > pc8::kMaxDiscoveryEea) {
      return "discovery.algorithms: " + std::to_string(a) + " is not one of EEA " +
             std::to_string(pc8::kMinDiscoveryEea) + ".." + std::to_string(pc8::kMaxDiscoveryEea);
    }
    if (!seen.insert(a).second) return "discovery.algorithms: " + std::to_string(a) + " listed twice";
  }
  return std::nullopt;
}

std::optional<std::uint8_t> choose_discovery_algorithm(const DiscoveryConfig& c, std::optional<std::uint8_t> caps) {
  for (auto a : c.algorithms) {
    if (pc8::capabilities_allow(caps, a)) return a;
  }
  return std::nullopt;
}

DiscoveryKeys::DiscoveryKeys(DiscoveryConfig config, store::StorePool& stores, Metrics& metrics)
    : config_(config), stores_(stores), metrics_(metrics) {}

Result<store::PsdkRecord> DiscoveryKeys::current_psdk(store::Store& s, std::uint32_t rsc, const std::string& actor,
                                                      std::int64_t now) {
  for (int round = 0; round < kMaxRounds; ++round) {
    PROSE_TRY(auto current, s.current_psdk(rsc));
    if (current && now < current->expires_at - config_.psdk_renew_before_s) return std::move(*current);

    // Expired, about to expire, or none yet: the next generation. Whoever inserts it first wins; everyone else
    // (another thread or PKMF process) gets the winner's row back, so an RSC never has two current PSDKs.
    store::PsdkRecord next;
    next.rsc = rsc;
    next.generation = current ? current->generation + 1 : 1;
    next.psdk = random_secret(pc8::kPsdkSize);
    next.created_at = now;
    next.expires_at = now + config_.psdk_lifetime_s;
    std::optional<store::PsdkInsertResult> inserted;
    for (int i = 0; i < kMaxIdDraws && !inserted; ++i) {
      do {
        next.psdk_id = random_u32();
      } while (next.psdk_id == 0);
      auto r = s.insert_psdk_if_absent(
          next, {now, actor, "create", "PSDK", psdk_id_hex(next.psdk_id), store::psdk_audit_subject(rsc)});
      if (r.ok()) {
        inserted = std::move(*r);
      } else if (r.error().code != Errc::kConflict) {
        return r.error();
      }
    }
    if (!inserted) return fail(Errc::kConflict, "could not draw a free PSDK ID");
    if (inserted->created) {
      metrics_.psdk_created();
      log::info("pkmf: PSDK {} created for RSC {:06x} (generation {}, expires {})", psdk_id_hex(next.psdk_id), rsc,
                next.generation, next.expires_at);
    }
    if (now < inserted->current.expires_at) return std::move(inserted->current);
    // Lost the race to a PSDK that is already expired (clock skew between PKMFs, or a stale read): go again.
  }
  return fail(Errc::kTimeout, "no unexpired PSDK for RSC after " + std::to_string(kMaxRounds) + " rounds");
}

pc8::DiscoveryKeyResponse DiscoveryKeys::handle(const net::PeerIdentity& peer, const pc8::DiscoveryKeyRequest& r,
                                                std::int64_t now) {
  const auto& codes = r.relay_service_codes;
  // The codec enforces these; a transport-free caller might not have used it.
  std::set<std::uint32_t> distinct;
  for (const auto& c : codes) {
    if (c.value > 0xffffff || !distinct.insert(c.value).second) {
      return whole_request_error(r.transaction_id, ErrorCode::kMalformedRequest);
    }
  }
  if (codes.empty() || codes.size() > pc8::kMaxRelayServiceCodes) {
    return whole_request_error(r.transaction_id, ErrorCode::kMalformedRequest);
  }

  auto lease = stores_.acquire();
  if (!lease.ok()) return whole_request_error(r.transaction_id, ErrorCode::kTemporarilyUnavailable);
  store::Store& s = **lease;

  // The requester's identity comes from its TLS certificate; what it may use from the store.
  std::vector<std::uint32_t> allowed;
  if (peer.kind() == net::PeerKind::kRelay) {
    auto relay = s.find_relay(peer.id());
    if (!relay.ok()) return whole_request_error(r.transaction_id, ErrorCode::kTemporarilyUnavailable);
    if (!relay->has_value()) return whole_request_error(r.transaction_id, ErrorCode::kRelayNotAuthorised);
    allowed = std::move((*relay)->relay_service_codes);
  } else if (peer.kind() == net::PeerKind::kUe) {
    auto ue = s.find_ue(peer.id());
    if (!ue.ok()) return whole_request_error(r.transaction_id, ErrorCode::kTemporarilyUnavailable);
    if (!ue->has_value()) return whole_request_error(r.transaction_id, ErrorCode::kUeNotAuthorised);
    allowed = std::move((*ue)->relay_service_codes);
  } else {
    return whole_request_error(r.transaction_id, ErrorCode::kUeNotAuthorised);
  }

  // With a DUCK the UE needs an algorithm it supports; the same for every RSC of the request.
  const bool duck = config_.keys.duck;
  const std::optional<std::uint8_t> algorithm =
      duck ? choose_discovery_algorithm(config_, r.security_capabilities) : std::nullopt;

  const std::string actor = peer.to_string();
  std::vector<pc8::DiscoveryKeyResult> results;
  std::vector<store::AuditEntry> issued;
  for (const auto& code : codes) {
    pc8::DiscoveryKeyResult res;
    res.relay_service_code = code;
    if (std::find(allowed.begin(), allowed.end(), code.value) == allowed.end()) {
      res.outcome = ErrorCode::kDiscoveryNotAuthorised;
      metrics_.error(ErrorCode::kDiscoveryNotAuthorised);
    } else if (duck && !algorithm) {
      log::info("pkmf: no common discovery confidentiality algorithm with {} for RSC {:06x}", actor, code.value);
      res.outcome = ErrorCode::kNoCommonAlgorithm;
      metrics_.error(ErrorCode::kNoCommonAlgorithm);
    } else if (auto psdk = current_psdk(s, code.value, actor, now); !psdk.ok()) {
      log::warn("pkmf: no PSDK for RSC {:06x}: {}", code.value, psdk.error().to_string());
      res.outcome = ErrorCode::kTemporarilyUnavailable;
      metrics_.error(ErrorCode::kTemporarilyUnavailable);
    } else {
      pc8::DiscoveryKeyGrant g;
      g.psdk = std::move(psdk->psdk);
      g.psdk_id = pc8::PsdkId{psdk->psdk_id};
      g.expiry = pc8::UtcTime(std::chrono::seconds(psdk->expires_at));
      g.key_combination = config_.keys;
      if (duck && !config_.encrypted_bits_mask.empty()) g.encrypted_bits_mask = config_.encrypted_bits_mask;
      g.confidentiality_algorithm = algorithm;
      issued.push_back(
          {now, actor, "issue", "PSDK", psdk_id_hex(psdk->psdk_id), store::psdk_audit_subject(code.value)});
      res.outcome = std::move(g);
    }
    results.push_back(std::move(res));
  }
  // No PSDK leaves without its audit entry.
  if (!issued.empty()) {
    if (Status st = s.audit_many(issued); !st.ok()) {
      log::error("pkmf: could not audit {} PSDK issues: {}", issued.size(), st.error().to_string());
      return whole_request_error(r.transaction_id, ErrorCode::kTemporarilyUnavailable);
    }
    for (const auto& e : issued) {
      metrics_.psdk_issued();
      log::debug("pkmf: PSDK {} ({}) to {}", e.key_id, e.subject, actor);
    }
  }
  pc8::DiscoveryKeyResponse resp;
  resp.transaction_id = r.transaction_id;
  resp.outcome = std::move(results);
  return resp;
}

}  // namespace prose::pkmf
