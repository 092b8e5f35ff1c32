// Stateful sidelink PDCP entities for one KD-sess and one (BEARER, DIRECTION): the transmit side assigns
// COUNT and signals "rekey needed"; the receive side reconstructs COUNT across SN wraps and keeps a replay
// window. A PDU that fails (bad header, wrong KD-sess ID, replay, too old, bad MAC-I) changes NO state.
//
// Typical use by the link layer (one pair per KD-sess and bearer; a new KD-sess => new entities, COUNT 0):
//   auto tx = TxEntity::create(backend, {.kd_sess_id = id, .bearer = 0, .direction = 0, ...}, pek, pik);
//   Bytes pdu = tx->protect(SduType::kPc5Signalling, msg, {.integrity = true, .ciphering = true}).value();
//   if (tx->rekey_needed()) start_rekeying();
//   auto rx = RxEntity::create(backend, {.kd_sess_id = id, .bearer = 0, .direction = 1, ...}, pek, pik);
//   auto sdu = rx->unprotect(pdu, mode);  // kReplay / kAuthFailed / kMalformed / kTruncated / kState
//
// With a mode that has no effective protection (no integrity, and ciphering off or EEA0) the header carries
// KD-sess ID 0 (36.323 5.6.2) and the RX side expects 0; COUNT and the replay window still apply.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "prose/cipher/eps_algorithms.h"
#include "prose/pdcp/pdcp.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::pdcp {

inline constexpr std::uint32_t kDefaultReplayWindow = 1024;  // COUNTs; multiple of 64, at most 32768

struct EntityConfig {
  ids::KdSessId kd_sess_id;  // must not be the unprotected value 0
  std::uint8_t bearer = kSignallingBearer;
  std::uint8_t direction = 0;  // DIRECTION of the PDUs this entity sends (TX) or receives (RX)
  cipher::Eea eea = cipher::Eea::kEea0;
  cipher::Eia eia = cipher::Eia::kEia0;
  std::uint32_t rekey_threshold = kDefaultRekeyThreshold;  // rekey_needed() once COUNT reaches this
  std::uint32_t replay_window = kDefaultReplayWindow;      // RX only
  std::uint32_t initial_count = 0;                         // TX only (tests; normally 0)
};

class TxEntity {
 public:
  // pek / pik: 16 octets when the algorithm is not 0 (copied; wiped with the entity).
  static Result<TxEntity> create(cipher::Backend& be, const EntityConfig& cfg, const SecretBytes& pek,
                                 const SecretBytes& pik);

  // Assigns the next COUNT. kState when the COUNT space is exhausted (never reuses a COUNT).
  Result<Bytes> protect(SduType sdu_type, ByteView sdu, ProtectionMode mode);
  // Same, writing into `out` and reusing its storage (data path without per-PDU allocation).
  Status protect_into(SduType sdu_type, ByteView sdu, ProtectionMode mode, Bytes& out);

  // Next COUNT to be used (2^32 once exhausted).
  std::uint64_t next_count() const { return next_count_; }
  bool rekey_needed() const { return next_count_ >= cfg_.rekey_threshold; }
  bool exhausted() const { return next_count_ > 0xFFFFFFFFull; }
  const EntityConfig& config() const { return cfg_; }

 private:
  TxEntity(cipher::Backend& be, const EntityConfig& cfg, SecretBytes pek, SecretBytes pik);
  cipher::Backend* be_;
  EntityConfig cfg_;
  SecretBytes pek_;
  SecretBytes pik_;
  std::uint64_t next_count_ = 0;
};

class RxEntity {
 public:
  static Result<RxEntity> create(cipher::Backend& be, const EntityConfig& cfg, const SecretBytes& pek,
                                 const SecretBytes& pik);

  // Errors: kTruncated / kMalformed (header; KD-sess ID other than the entity's), kReplay (duplicate COUNT or
  // older than the window), kState (COUNT would pass 2^32 - 1), kAuthFailed (MAC-I).
  Result<UnprotectedPdu> unprotect(ByteView pdu, ProtectionMode mode);
  // Same, writing the SDU into `sdu_out` and reusing its storage; on failure `sdu_out` is wiped and empty.
  Result<PduInfo> unprotect_into(ByteView pdu, ProtectionMode mode, Bytes& sdu_out);

  // The COUNT a PDU with this SN would get (no state change); nullopt when it would exceed 2^32 - 1.
  std::optional<std::uint32_t> reconstruct_count(std::uint16_t sn) const;
  std::optional<std::uint32_t> highest_count() const {
    return have_highest_ ? std::optional<std::uint32_t>(highest_) : std::nullopt;
  }
  // The peer's COUNT has reached the rekey threshold (e.g. the relay then sends Direct Rekeying Trigger).
  // Same rule as the TX side: the next COUNT (highest received + 1) has reached the threshold.
  bool rekey_needed() const {
    return have_highest_ && std::uint64_t{highest_} + 1 >= std::uint64_t{cfg_.rekey_threshold};
  }
  const EntityConfig& config() const { return cfg_; }

 private:
  RxEntity(cipher::Backend& be, const EntityConfig& cfg, SecretBytes pek, SecretBytes pik);
  bool seen(std::uint32_t count) const;
  void mark(std::uint32_t count);
  cipher::Backend* be_;
  EntityConfig cfg_;
  SecretBytes pek_;
  SecretBytes pik_;
  bool have_highest_ = false;
  std::uint32_t highest_ = 0;
  std::vector<std::uint64_t> window_;  // ring of replay_window bits, COUNT c at bit c mod replay_window
};

}  // namespace prose::pdcp
