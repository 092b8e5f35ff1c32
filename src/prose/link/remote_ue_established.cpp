// The Remote UE's handlers of an established link: keepalive (T4101 / T4102), user data, rekeying (count limit,
// local request, relay trigger, rekey timer) and release. The state table and entry points are in remote_ue.cpp.
#include "prose/link/remote_ue.h"

#include "prose/util/random.h"

namespace prose::link {

using detail::Step;

Status RemoteUe::on_keepalive(Step& s) {
  const auto& k = std::get<pc5::DirectCommunicationKeepalive>(*s.msg);
  last_rx_ = s.now;
  return send(s, pc5::DirectCommunicationKeepaliveAck{k.sequence_number, k.keepalive_counter}, &*current_);
}

Status RemoteUe::on_keepalive_ack(Step& s) {
  const auto& a = std::get<pc5::DirectCommunicationKeepaliveAck>(*s.msg);
  if (!timers_.armed(TimerId::kT4101) || a.keepalive_counter != keepalive_counter_)
    return fail(Errc::kReplay, "keepalive ack for a counter not outstanding");
  last_rx_ = s.now;
  cancel(s, TimerId::kT4101);
  arm(s, TimerId::kT4102);
  return ok_status();
}

Status RemoteUe::on_t4102(Step& s) {
  const Millis interval = timer_cfg_[TimerId::kT4102];
  if (s.now - last_rx_ < interval) {  // traffic arrived meanwhile: no keepalive needed yet
    arm(s, TimerId::kT4102, std::chrono::duration_cast<Millis>(last_rx_ + interval - s.now));
    return ok_status();
  }
  ++keepalive_counter_;
  pc5::DirectCommunicationKeepalive k;
  k.sequence_number = next_seq();
  k.keepalive_counter = keepalive_counter_;
  k.maximum_inactivity_period = cfg_.maximum_inactivity_period_s;
  PROSE_TRY_STATUS(send(s, k, &*current_));
  last_keepalive_ = k;
  arm_fresh(s, TimerId::kT4101);
  return ok_status();
}

Status RemoteUe::on_t4101(Step& s) {
  PROSE_TRY(bool again, retransmit_on_expiry(s, TimerId::kT4101, last_keepalive_, &*current_));
  if (!again) enter_released(s, ReleaseCause::kKeepaliveTimeout, std::nullopt);
  return ok_status();
}

Status RemoteUe::on_user_data(Step& s) {
  last_rx_ = s.now;
  s.out.events.emplace_back(DataReceived{static_cast<std::uint8_t>(s.header->sdu_type), std::move(s.data)});
  check_count_limit(s);
  return ok_status();
}

Status RemoteUe::on_send_data(Step& s) {
  PROSE_TRY_STATUS(send_user_data(s, *current_, s.app_sdu_type, s.app_data));
  check_count_limit(s);
  return ok_status();
}

void RemoteUe::check_count_limit(Step& s) {
  if (state_ != RemoteState::kEstablished || count_rekey_started_ || !current_ || !current_->rekey_needed()) return;
  count_rekey_started_ = true;
  auto st = start_rekey(s, false, true);
  if (!st) s.out.events.emplace_back(SetupFailed{pc5::Cause::kUnspecifiedError, false, st.error().to_string()});
}

Status RemoteUe::start_rekey(Step& s, bool auth_flag, bool count_limit) {
  PROSE_TRY(std::uint8_t msb, ids_->choose_msb());
  pc5::DirectRekeyingRequest r;
  r.sequence_number = next_seq();
  r.ue_security_capabilities = cfg_.policy.capabilities();
  random_fill(r.nonce_1);
  r.msb_of_kd_sess_id = msb;
  if (auth_flag) r.auth_flag = 1;
  if (kd_ && kd_->pruk_id) r.pruk_id = *kd_->pruk_id;
  PROSE_TRY_STATUS(send(s, r, &*current_));
  ids_->reserve_msb(msb);
  pending_msb_ = msb;
  msb_reserved_ = true;
  drrq_ = r;
  rekey_auth_flag_ = auth_flag;
  gpi_bytes_.clear();
  arm_fresh(s, TimerId::kRekey);
  state_ = RemoteState::kRekeying;
  s.out.events.emplace_back(RekeyStarted{auth_flag, count_limit});
  return ok_status();
}

Status RemoteUe::on_local_rekey(Step& s) { return start_rekey(s, s.auth_flag, false); }

Status RemoteUe::on_rekey_trigger(Step& s) { return start_rekey(s, false, false); }

Status RemoteUe::on_rekey_response(Step&) { return ok_status(); }  // the relay confirmed the switch

Status RemoteUe::on_rekey_timer(Step& s) {
  PROSE_TRY(bool again, retransmit_on_expiry(s, TimerId::kRekey, *drrq_, &*current_));
  if (again) return ok_status();
  ids_->release_msb(pending_msb_);
  msb_reserved_ = false;
  state_ = RemoteState::kEstablished;
  s.out.events.emplace_back(
      SetupFailed{pc5::Cause::kLinkSetupFailureOtherErrors, false, "rekeying: no DSMC from the relay"});
  return begin_release(s, pc5::ReleaseReason::kNoLongerAvailable, ReleaseCause::kLocal);
}

Status RemoteUe::begin_release(Step& s, pc5::ReleaseReason reason, ReleaseCause cause) {
  cancel_all(s);
  PROSE_TRY_STATUS(send_release(s, reason, cause));
  release_msb();
  state_ = RemoteState::kReleasing;
  return ok_status();
}

Status RemoteUe::on_local_release(Step& s) {
  return begin_release(s, pc5::ReleaseReason::kNoLongerNeeded, ReleaseCause::kLocal);
}

void RemoteUe::release_msb() {
  if (!msb_reserved_) return;
  ids_->release_msb(pending_msb_);
  msb_reserved_ = false;
}

void RemoteUe::enter_released(Step& s, ReleaseCause cause, std::optional<pc5::ReleaseReason> reason) {
  release_msb();
  end_link(s);
  state_ = RemoteState::kReleased;
  s.out.events.emplace_back(LinkReleased{cause, reason});
}

void RemoteUe::fail_setup(Step& s, pc5::Cause cause, bool from_peer, std::string detail) {
  release_msb();
  end_link(s);
  state_ = RemoteState::kFailed;
  s.out.events.emplace_back(SetupFailed{cause, from_peer, std::move(detail)});
}

}  // namespace prose::link
