#include "prose/link/security_context.h"

#include "prose/keys/prose_keys.h"

namespace prose::link {

namespace {
std::uint8_t tx_direction(Role r) { return r == Role::kRemoteUe ? 0 : 1; }
std::uint8_t rx_direction(Role r) { return r == Role::kRemoteUe ? 1 : 0; }
}  // namespace

SessionContext::SessionContext(ids::KdSessId id, AlgorithmPair algs, const ids::Nonce1& n1, const ids::Nonce2& n2,
                               SecretBytes kd_sess, SecretBytes pek, SecretBytes pik, pdcp::TxEntity tx_sig,
                               pdcp::RxEntity rx_sig, pdcp::TxEntity tx_data, pdcp::RxEntity rx_data)
    : kd_sess_id_(id),
      algs_(algs),
      nonce_1_(n1),
      nonce_2_(n2),
      kd_sess_(std::move(kd_sess)),
      pek_(std::move(pek)),
      pik_(std::move(pik)),
      tx_sig_(std::move(tx_sig)),
      rx_sig_(std::move(rx_sig)),
      tx_data_(std::move(tx_data)),
      rx_data_(std::move(rx_data)) {}

Result<SessionContext> SessionContext::derive(cipher::Backend& be, Role role, ByteView kd, const ids::Nonce1& nonce_1,
                                              const ids::Nonce2& nonce_2, ids::KdSessId kd_sess_id, AlgorithmPair algs,
                                              const SessionOptions& opt) {
  if (kd_sess_id.is_unprotected()) return fail(Errc::kInvalidArgument, "KD-sess ID 0 is reserved");
  if (algs.eia == cipher::Eia::kEia0) return fail(Errc::kDenied, "EIA0 is not allowed on a relay link");
  PROSE_TRY(SecretBytes kd_sess, keys::derive_kd_sess(kd, nonce_1, nonce_2));
  PROSE_TRY(SecretBytes pek, keys::derive_pek(kd_sess.view(), static_cast<std::uint8_t>(algs.eea)));
  PROSE_TRY(SecretBytes pik, keys::derive_pik(kd_sess.view(), static_cast<std::uint8_t>(algs.eia)));
  PROSE_TRY(std::uint8_t data_bearer, pdcp::bearer_for_lcid(kUserDataLcid));

  pdcp::EntityConfig cfg;
  cfg.kd_sess_id = kd_sess_id;
  cfg.eea = algs.eea;
  cfg.eia = algs.eia;
  cfg.rekey_threshold = opt.rekey_threshold;
  cfg.replay_window = opt.replay_window;

  auto make = [&](std::uint8_t bearer, bool tx) {
    pdcp::EntityConfig c = cfg;
    c.bearer = bearer;
    c.direction = tx ? tx_direction(role) : rx_direction(role);
    return c;
  };
  PROSE_TRY(auto tx_sig, pdcp::TxEntity::create(be, make(pdcp::kSignallingBearer, true), pek, pik));
  PROSE_TRY(auto rx_sig, pdcp::RxEntity::create(be, make(pdcp::kSignallingBearer, false), pek, pik));
  PROSE_TRY(auto tx_data, pdcp::TxEntity::create(be, make(data_bearer, true), pek, pik));
  PROSE_TRY(auto rx_data, pdcp::RxEntity::create(be, make(data_bearer, false), pek, pik));
  return SessionContext(kd_sess_id, algs, nonce_1, nonce_2, std::move(kd_sess), std::move(pek), std::move(pik),
                        std::move(tx_sig), std::move(rx_sig), std::move(tx_data), std::move(rx_data));
}

Result<Bytes> SessionContext::protect_signalling(ByteView msg, pdcp::ProtectionMode mode) {
  return tx_sig_.protect(pdcp::SduType::kPc5Signalling, msg, mode);
}

Result<pdcp::UnprotectedPdu> SessionContext::unprotect_signalling(ByteView pdu, pdcp::ProtectionMode mode) {
  return rx_sig_.unprotect(pdu, mode);
}

Result<Bytes> SessionContext::protect_data(pdcp::SduType type, ByteView sdu) {
  if (type == pdcp::SduType::kPc5Signalling) return fail(Errc::kInvalidArgument, "signalling SDU on the data bearer");
  return tx_data_.protect(type, sdu, pdcp::ProtectionMode{false, true});
}

Result<pdcp::UnprotectedPdu> SessionContext::unprotect_data(ByteView pdu) {
  return rx_data_.unprotect(pdu, pdcp::ProtectionMode{false, true});
}

bool SessionContext::rekey_needed() const {
  return tx_sig_.rekey_needed() || tx_data_.rekey_needed() || rx_sig_.rekey_needed() || rx_data_.rekey_needed();
}

}  // namespace prose::link
