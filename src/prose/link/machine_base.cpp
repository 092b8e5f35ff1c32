#include "prose/link/machine_base.h"

#include "prose/util/random.h"

namespace prose::link::detail {

void MachineBase::arm(Step& s, TimerId id, Millis after) {
  const TimePoint deadline = s.now + after;
  timers_.arm(id, deadline);
  s.out.timers.push_back(TimerCmd{TimerCmd::Op::kArm, id, deadline});
}

void MachineBase::cancel(Step& s, TimerId id) {
  if (!timers_.armed(id)) return;
  timers_.cancel(id);
  s.out.timers.push_back(TimerCmd{TimerCmd::Op::kCancel, id, s.now});
}

void MachineBase::cancel_all(Step& s) {
  for (const auto& spec : kTimerTable) cancel(s, spec.id);
}

Status MachineBase::send(Step& s, const pc5::Message& m, SessionContext* ctx) {
  PROSE_TRY_STATUS(send_pdu(s, m, ctx));
  resent_[static_cast<std::uint8_t>(pc5::message_type(m))] = 0;
  return ok_status();
}

Status MachineBase::send_pdu(Step& s, const pc5::Message& m, SessionContext* ctx) {
  const auto type = pc5::message_type(m);
  const auto pol = pc5::signalling_protection(type);
  if (!pol) return fail(Errc::kInternal, "no protection policy for message type");
  PROSE_TRY(Bytes wire, pc5::encode(m));
  if (pol->protection == pc5::PdcpProtection::kNone) {
    s.out.pdus.push_back(pdcp::encode_unprotected(pdcp::SduType::kPc5Signalling, 0, wire));
    s.out.pdu_types.push_back(static_cast<std::uint8_t>(type));
    return ok_status();
  }
  if (ctx == nullptr) return fail(Errc::kInternal, "protected message without a security context");
  const pdcp::ProtectionMode mode =
      pol->protection == pc5::PdcpProtection::kIntegrity ? kModeIntegrity : kModeIntegrityCiphering;
  PROSE_TRY(Bytes pdu, ctx->protect_signalling(wire, mode));
  s.out.pdus.push_back(std::move(pdu));
  s.out.pdu_types.push_back(static_cast<std::uint8_t>(type));
  return ok_status();
}

Status MachineBase::send_user_data(Step& s, SessionContext& ctx, pdcp::SduType type, ByteView sdu) {
  PROSE_TRY(Bytes pdu, ctx.protect_data(type, sdu));
  s.out.pdus.push_back(std::move(pdu));
  s.out.pdu_types.push_back(0);
  return ok_status();
}

Status MachineBase::resend(Step& s, const pc5::Message& m, SessionContext* ctx) {
  PROSE_TRY_STATUS(send_pdu(s, m, ctx));
  auto& n = resent_[static_cast<std::uint8_t>(pc5::message_type(m))];
  s.out.events.emplace_back(Retransmitted{message_name(m), ++n});
  return ok_status();
}

Result<bool> MachineBase::retransmit_on_expiry(Step& s, TimerId id, const pc5::Message& m, SessionContext* ctx) {
  auto& n = timers_.retransmissions(id);
  if (n >= timer_cfg_.retries(id)) return false;
  PROSE_TRY_STATUS(resend(s, m, ctx));
  ++n;
  Millis after = timer_cfg_[id];
  if (const auto j = timer_cfg_.retransmit_jitter.count(); j > 0)
    after += Millis(static_cast<Millis::rep>(random_u32() % (static_cast<std::uint64_t>(j) + 1)));
  arm(s, id, after);
  return true;
}

void MachineBase::release_context_ids() {
  if (current_) ids_->release(current_->kd_sess_id());
  if (previous_) ids_->release(previous_->kd_sess_id());
}

void MachineBase::end_link(Step& s) {
  cancel_all(s);
  release_context_ids();
  current_.reset();
  previous_.reset();
  kd_.reset();
}

Status MachineBase::send_release(Step& s, pc5::ReleaseReason reason, ReleaseCause cause) {
  pc5::DirectCommunicationRelease r{next_seq(), reason};
  PROSE_TRY_STATUS(send(s, r, current_ ? &*current_ : nullptr));
  last_release_ = r;
  release_cause_ = cause;
  arm_fresh(s, TimerId::kT4103);
  return ok_status();
}

Status MachineBase::on_peer_release(Step& s) {
  const auto& r = std::get<pc5::DirectCommunicationRelease>(*s.msg);
  PROSE_TRY_STATUS(send(s, pc5::DirectCommunicationReleaseAccept{r.sequence_number}, s.ctx));
  enter_released(s, ReleaseCause::kPeer, r.release_reason);
  return ok_status();
}

Status MachineBase::on_release_accept(Step& s) {
  enter_released(s, release_cause_, std::nullopt);
  return ok_status();
}

Status MachineBase::on_t4103(Step& s) {
  PROSE_TRY(bool again, retransmit_on_expiry(s, TimerId::kT4103, last_release_, current_ ? &*current_ : nullptr));
  if (!again) enter_released(s, release_cause_, std::nullopt);
  return ok_status();
}

Status MachineBase::decode_unprotected_signalling(Step& s) {
  PROSE_TRY(auto u, pdcp::decode_unprotected(s.pdu));
  if (u.header.sdu_type != pdcp::SduType::kPc5Signalling)
    return fail(Errc::kMalformed, "unprotected PDU is not PC5 signalling");
  PROSE_TRY(pc5::Message m, pc5::decode(u.sdu));
  const auto pol = pc5::signalling_protection(pc5::message_type(m));
  if (!pol || pol->protection != pc5::PdcpProtection::kNone)
    return fail(Errc::kAuthFailed, std::string(message_name(m)) + " must be protected but arrived unprotected");
  s.msg = std::move(m);
  s.ctx = nullptr;
  return ok_status();
}

Status MachineBase::decode_protected_signalling(Step& s, SessionContext& ctx, pdcp::ProtectionMode mode) {
  PROSE_TRY(auto u, ctx.unprotect_signalling(s.pdu, mode));
  // The PDU is authentic from here on; the replay window has recorded its COUNT.
  PROSE_TRY(pc5::Message m, pc5::decode(u.sdu));
  const auto pol = pc5::signalling_protection(pc5::message_type(m));
  const bool want_cipher = mode.ciphering;
  if (!pol || pol->protection == pc5::PdcpProtection::kNone ||
      (pol->protection == pc5::PdcpProtection::kIntegrityAndCiphering) != want_cipher)
    return fail(Errc::kMalformed, std::string(message_name(m)) + " arrived with the wrong protection");
  s.msg = std::move(m);
  s.ctx = &ctx;
  return ok_status();
}

const char* message_name(const pc5::Message& m) {
  auto n = pc5::message_type_name(static_cast<std::uint8_t>(pc5::message_type(m)));
  return n ? n->data() : "unknown message";
}

}  // namespace prose::link::detail
