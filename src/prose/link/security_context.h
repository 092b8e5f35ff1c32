// The security context of one PC5 relay link (TS 33.303 6.5 / 6.7, profile.md sections 2-3):
//   KdState       KD (256 bit), KD ID (MSB16 from the DSMC sender || LSB16 from the DSM Complete sender),
//                 KD freshness, and the PRUK ID it came from (Remote UE);
//   SessionContext one KD-sess: Nonce_1, Nonce_2, KD-sess ID (MSB8 DCR/DRRq sender || LSB8 DSMC sender, never 0),
//                 chosen algorithms, PEK/PIK (A.4, 128 LSBs), and its four PDCP entities
//                 (signalling bearer and user-data bearer, TX and RX).
// DIRECTION (profile.md 3): 0 for PDUs sent by the DCR sender (Remote UE), 1 for the relay's.
#pragma once

#include <cstdint>
#include <optional>

#include "prose/cipher/eps_algorithms.h"
#include "prose/link/algorithms.h"
#include "prose/pc5/messages.h"
#include "prose/pdcp/entity.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::link {

enum class Role : std::uint8_t { kRemoteUe, kRelay };

// User data travels on its own sidelink logical channel, so its BEARER differs from PC5 signalling (bearer 0).
// PROVISIONAL: LCID 2 -> BEARER 1 (pdcp::bearer_for_lcid), see docs/conformance/link.md.
inline constexpr std::uint8_t kUserDataLcid = 2;

struct KdState {
  SecretBytes kd;
  ids::KdId kd_id;
  std::optional<ids::PrukId> pruk_id;  // Remote UE: which PRUK produced this KD
  bool pruk_from_gpi = false;
};

struct SessionOptions {
  std::uint32_t rekey_threshold = pdcp::kDefaultRekeyThreshold;
  std::uint32_t replay_window = pdcp::kDefaultReplayWindow;
};

class SessionContext {
 public:
  // KD-sess = KDF(KD, Nonce_1, Nonce_2) (clause 6.5), PEK/PIK = A.4 for the chosen algorithms, then the PDCP
  // entities. Fails on a zero KD-sess ID, EIA0, or a key derivation error.
  static Result<SessionContext> derive(cipher::Backend& be, Role role, ByteView kd, const ids::Nonce1& nonce_1,
                                       const ids::Nonce2& nonce_2, ids::KdSessId kd_sess_id, AlgorithmPair algs,
                                       const SessionOptions& opt = {});

  ids::KdSessId kd_sess_id() const { return kd_sess_id_; }
  const AlgorithmPair& algorithms() const { return algs_; }
  const ids::Nonce1& nonce_1() const { return nonce_1_; }
  const ids::Nonce2& nonce_2() const { return nonce_2_; }
  // The algorithm keys (16 octets each), for the PC5 key log only (prose/keylog, written when the operator asks).
  const SecretBytes& pek() const { return pek_; }
  const SecretBytes& pik() const { return pik_; }

  // PC5 signalling on bearer 0 with the given protection (integrity only for the DSMC, integrity+ciphering after).
  Result<Bytes> protect_signalling(ByteView msg, pdcp::ProtectionMode mode);
  Result<pdcp::UnprotectedPdu> unprotect_signalling(ByteView pdu, pdcp::ProtectionMode mode);
  // User data: ciphered with PEK, no MAC-I (EEA0 -> KD-sess ID 0 in the header).
  Result<Bytes> protect_data(pdcp::SduType type, ByteView sdu);
  Result<pdcp::UnprotectedPdu> unprotect_data(ByteView pdu);

  // The COUNT of any entity of this context reached the rekey threshold.
  bool rekey_needed() const;
  std::uint64_t tx_signalling_count() const { return tx_sig_.next_count(); }
  std::uint64_t tx_data_count() const { return tx_data_.next_count(); }

 private:
  SessionContext(ids::KdSessId id, AlgorithmPair algs, const ids::Nonce1& n1, const ids::Nonce2& n2,
                 SecretBytes kd_sess, SecretBytes pek, SecretBytes pik, pdcp::TxEntity tx_sig, pdcp::RxEntity rx_sig,
                 pdcp::TxEntity tx_data, pdcp::RxEntity rx_data);
  ids::KdSessId kd_sess_id_;
  AlgorithmPair algs_;
  ids::Nonce1 nonce_1_;
  ids::Nonce2 nonce_2_;
  SecretBytes kd_sess_;
  SecretBytes pek_, pik_;
  pdcp::TxEntity tx_sig_;
  pdcp::RxEntity rx_sig_;
  pdcp::TxEntity tx_data_;
  pdcp::RxEntity rx_data_;
};

// The protection modes of the policy table (pc5/protection_policy.h) as PDCP modes.
inline constexpr pdcp::ProtectionMode kModeIntegrity{true, false};
inline constexpr pdcp::ProtectionMode kModeIntegrityCiphering{true, true};

}  // namespace prose::link
