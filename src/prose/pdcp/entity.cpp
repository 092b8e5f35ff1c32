#include "prose/pdcp/entity.h"

#include <algorithm>
#include <array>
#include <string>

namespace prose::pdcp {

namespace {

// Key handed to the backend for an algorithm that does not use one (EEA0 / EIA0 with no key configured).
constexpr std::array<std::uint8_t, 16> kNoKey{};

Status check_config(const EntityConfig& cfg, const SecretBytes& pek, const SecretBytes& pik, bool rx) {
  if (cfg.kd_sess_id == kUnprotectedKdSessId) return fail(Errc::kInvalidArgument, "KD-sess ID must not be 0");
  if (cfg.bearer > kMaxBearer) return fail(Errc::kInvalidArgument, "BEARER must be 0..31");
  if (cfg.direction > 1) return fail(Errc::kInvalidArgument, "DIRECTION must be 0 or 1");
  if (static_cast<unsigned>(cfg.eea) > 3) return fail(Errc::kUnsupported, "unknown EEA");
  if (static_cast<unsigned>(cfg.eia) > 3) return fail(Errc::kUnsupported, "unknown EIA");
  if (cfg.eea != cipher::Eea::kEea0 && pek.size() != 16) {
    return fail(Errc::kInvalidArgument, "PEK must be 16 octets, got " + std::to_string(pek.size()));
  }
  if (cfg.eia != cipher::Eia::kEia0 && pik.size() != 16) {
    return fail(Errc::kInvalidArgument, "PIK must be 16 octets, got " + std::to_string(pik.size()));
  }
  if (rx && (cfg.replay_window == 0 || cfg.replay_window % 64 != 0 || cfg.replay_window > 32768)) {
    return fail(Errc::kInvalidArgument, "replay window must be a multiple of 64 in 64..32768");
  }
  return ok_status();
}

KeyView key_view(const EntityConfig& cfg, const SecretBytes& pek, const SecretBytes& pik) {
  return KeyView{cfg.eea, cfg.eia, pek.empty() ? ByteView(kNoKey) : pek.view(),
                 pik.empty() ? ByteView(kNoKey) : pik.view()};
}

bool effective(const EntityConfig& cfg, ProtectionMode mode) {
  return mode.integrity || (mode.ciphering && cfg.eea != cipher::Eea::kEea0);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
TxEntity::TxEntity(cipher::Backend& be, const EntityConfig& cfg, SecretBytes pek, SecretBytes pik)
    : be_(&be), cfg_(cfg), pek_(std::move(pek)), pik_(std::move(pik)), next_count_(cfg.initial_count) {}

Result<TxEntity> TxEntity::create(cipher::Backend& be, const EntityConfig& cfg, const SecretBytes& pek,
                                  const SecretBytes& pik) {
  PROSE_TRY_STATUS(check_config(cfg, pek, pik, false));
  return TxEntity(be, cfg, pek.clone(), pik.clone());
}

Result<Bytes> TxEntity::protect(SduType sdu_type, ByteView sdu, ProtectionMode mode) {
  if (exhausted()) return fail(Errc::kState, "PDCP COUNT space exhausted: rekeying required");
  const std::uint16_t kd = effective(cfg_, mode) ? cfg_.kd_sess_id : kUnprotectedKdSessId;
  const PduParams p{static_cast<std::uint32_t>(next_count_), cfg_.bearer, cfg_.direction};
  PROSE_TRY(Bytes pdu, protect_pdu(*be_, key_view(cfg_, pek_, pik_), mode, sdu_type, kd, p, sdu));
  ++next_count_;
  return pdu;
}

// ---------------------------------------------------------------------------------------------------------
RxEntity::RxEntity(cipher::Backend& be, const EntityConfig& cfg, SecretBytes pek, SecretBytes pik)
    : be_(&be), cfg_(cfg), pek_(std::move(pek)), pik_(std::move(pik)), window_(cfg.replay_window / 64, 0) {}

Result<RxEntity> RxEntity::create(cipher::Backend& be, const EntityConfig& cfg, const SecretBytes& pek,
                                  const SecretBytes& pik) {
  PROSE_TRY_STATUS(check_config(cfg, pek, pik, true));
  return RxEntity(be, cfg, pek.clone(), pik.clone());
}

std::optional<std::uint32_t> RxEntity::reconstruct_count(std::uint16_t sn) const {
  if (!have_highest_) return sn;  // HFN starts at 0 (36.323 7.1)
  const std::uint32_t hfn = highest_ >> kSnBits;
  const std::uint16_t hsn = static_cast<std::uint16_t>(highest_ & kSnMask);
  std::uint32_t h = hfn;
  if (sn < hsn && hsn - sn > 0x8000) {
    h = hfn + 1;  // the SN wrapped since the highest received PDU
  } else if (sn > hsn && sn - hsn > 0x8000 && hfn > 0) {
    h = hfn - 1;  // a late PDU from before the last wrap
  }
  if (h > kMaxHfn) return std::nullopt;
  return (h << kSnBits) | sn;
}

bool RxEntity::seen(std::uint32_t count) const {
  const std::uint32_t i = highest_ - count;
  return ((window_[i / 64] >> (i % 64)) & 1u) != 0;
}

void RxEntity::mark(std::uint32_t count) {
  const std::size_t words = window_.size();
  if (!have_highest_ || count > highest_) {
    const std::uint64_t d = have_highest_ ? static_cast<std::uint64_t>(count) - highest_ : words * 64;
    if (d >= words * 64) {
      std::fill(window_.begin(), window_.end(), 0);
    } else {
      const std::size_t ws = static_cast<std::size_t>(d / 64);
      const unsigned bs = static_cast<unsigned>(d % 64);
      for (std::size_t k = words; k-- > 0;) {
        std::uint64_t v = 0;
        if (k >= ws) {
          v = window_[k - ws] << bs;
          if (bs != 0 && k >= ws + 1) v |= window_[k - ws - 1] >> (64 - bs);
        }
        window_[k] = v;
      }
    }
    have_highest_ = true;
    highest_ = count;
  }
  const std::uint32_t i = highest_ - count;
  window_[i / 64] |= std::uint64_t{1} << (i % 64);
}

Result<UnprotectedPdu> RxEntity::unprotect(ByteView pdu, ProtectionMode mode) {
  PROSE_TRY(Header h, decode_header(pdu));
  const std::uint16_t expected = effective(cfg_, mode) ? cfg_.kd_sess_id : kUnprotectedKdSessId;
  if (h.kd_sess_id != expected) {
    return fail_at(
        Errc::kMalformed, 1,
        "KD-sess ID " + std::to_string(h.kd_sess_id) + " does not match the entity's " + std::to_string(expected));
  }
  const auto count = reconstruct_count(h.sn);
  if (!count) return fail_at(Errc::kState, 3, "PDCP COUNT space exhausted: rekeying required");
  if (have_highest_ && *count <= highest_) {
    if (highest_ - *count >= cfg_.replay_window) {
      return fail_at(Errc::kReplay, 3, "PDCP SN " + std::to_string(h.sn) + " is older than the replay window");
    }
    if (seen(*count)) return fail_at(Errc::kReplay, 3, "PDCP SN " + std::to_string(h.sn) + " already received");
  }
  const PduParams p{*count, cfg_.bearer, cfg_.direction};
  PROSE_TRY(UnprotectedPdu out, unprotect_pdu(*be_, key_view(cfg_, pek_, pik_), mode, p, pdu));
  mark(*count);  // only after every check passed
  return out;
}

}  // namespace prose::pdcp
