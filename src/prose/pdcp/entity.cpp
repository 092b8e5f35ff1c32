#include "prose/pdcp/entity.h"

#include <algorithm>
#include <array>
#include <string>

namespace prose::pdcp {

namespace {

// Key handed to the backend for an algorithm that does not use one (EEA0 / EIA0 with no key configured).
constexpr std::array<std::uint8_t, 16> kNoKey{};

Status check_config(const EntityConfig& cfg, const SecretBytes& pek, const SecretBytes& pik, bool rx) {
  if (cfg.kd_sess_id.is_unprotected()) return fail(Errc::kInvalidArgument, "KD-sess ID must not be 0");
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

Status TxEntity::protect_into(SduType sdu_type, ByteView sdu, ProtectionMode mode, Bytes& out) {
  if (exhausted()) return fail(Errc::kState, "PDCP COUNT space exhausted: rekeying required");
  const ids::KdSessId kd = effective(cfg_, mode) ? cfg_.kd_sess_id : kUnprotectedKdSessId;
  const PduParams p{static_cast<std::uint32_t>(next_count_), cfg_.bearer, cfg_.direction};
  PROSE_TRY_STATUS(protect_pdu_into(*be_, key_view(cfg_, pek_, pik_), mode, sdu_type, kd, p, sdu, out));
  ++next_count_;
  return ok_status();
}

Result<Bytes> TxEntity::protect(SduType sdu_type, ByteView sdu, ProtectionMode mode) {
  Bytes out;
  out.reserve(kHeaderSize + sdu.size() + kMacISize);
  PROSE_TRY_STATUS(protect_into(sdu_type, sdu, mode, out));
  return out;
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

// The window is a ring of replay_window bits: COUNT c lives at bit c mod W. It is only consulted for COUNTs in
// (highest - W, highest], and moving `highest` forward clears the bits of the COUNTs skipped over.
bool RxEntity::seen(std::uint32_t count) const {
  const std::uint32_t i = count % cfg_.replay_window;
  return ((window_[i / 64] >> (i % 64)) & 1u) != 0;
}

void RxEntity::mark(std::uint32_t count) {
  const std::uint32_t w = cfg_.replay_window;
  if (!have_highest_ || count > highest_) {
    const std::uint64_t d = have_highest_ ? std::uint64_t{count} - highest_ : w;
    if (d >= w) {
      std::fill(window_.begin(), window_.end(), 0);
    } else {
      for (std::uint64_t c = std::uint64_t{highest_} + 1; c < count; ++c) {
        const std::uint32_t i = static_cast<std::uint32_t>(c % w);
        window_[i / 64] &= ~(std::uint64_t{1} << (i % 64));
      }
    }
    have_highest_ = true;
    highest_ = count;
  }
  const std::uint32_t i = count % w;
  window_[i / 64] |= std::uint64_t{1} << (i % 64);
}

Result<PduInfo> RxEntity::unprotect_into(ByteView pdu, ProtectionMode mode, Bytes& sdu_out) {
  auto refuse = [&sdu_out](Error e) -> Result<PduInfo> {
    secure_wipe(sdu_out.data(), sdu_out.size());
    sdu_out.clear();
    return e;
  };
  auto h = decode_header(pdu);
  if (!h.ok()) return refuse(h.error());
  const ids::KdSessId expected = effective(cfg_, mode) ? cfg_.kd_sess_id : kUnprotectedKdSessId;
  if (h->kd_sess_id != expected) {
    return refuse(make_error_at(Errc::kMalformed, 1,
                                "KD-sess ID " + std::to_string(h->kd_sess_id.value) + " does not match the entity's " +
                                    std::to_string(expected.value)));
  }
  const auto count = reconstruct_count(h->sn);
  if (!count) return refuse(make_error_at(Errc::kState, 3, "PDCP COUNT space exhausted: rekeying required"));
  if (have_highest_ && *count <= highest_) {
    if (highest_ - *count >= cfg_.replay_window) {
      return refuse(
          make_error_at(Errc::kReplay, 3, "PDCP SN " + std::to_string(h->sn) + " is older than the replay window"));
    }
    if (seen(*count)) {
      return refuse(make_error_at(Errc::kReplay, 3, "PDCP SN " + std::to_string(h->sn) + " already received"));
    }
  }
  const PduParams p{*count, cfg_.bearer, cfg_.direction};
  PROSE_TRY(PduInfo info, unprotect_pdu_into(*be_, key_view(cfg_, pek_, pik_), mode, p, pdu, sdu_out));
  mark(*count);  // only after every check passed
  return info;
}

Result<UnprotectedPdu> RxEntity::unprotect(ByteView pdu, ProtectionMode mode) {
  Bytes sdu;
  PROSE_TRY(PduInfo info, unprotect_into(pdu, mode, sdu));
  return UnprotectedPdu{info.header, info.count, std::move(sdu)};
}

}  // namespace prose::pdcp
