#include "prose/link/relay.h"

#include <array>

#include "prose/keys/prose_keys.h"
#include "prose/util/random.h"

namespace prose::link {

using detail::Step;

struct Relay::Row {
  RelayState state;
  RelayInput input;
  Handler handler;
  const char* action;
};

const char* relay_state_name(RelayState s) {
  static constexpr std::array<const char*, kRelayStateCount> n{"IDLE",        "WAIT_KD",       "WAIT_DSM_COMPLETE",
                                                               "ESTABLISHED", "REKEY_WAIT_KD", "REKEY_WAIT_COMPLETE",
                                                               "RELEASING",   "RELEASED",      "FAILED"};
  return n[static_cast<std::size_t>(s)];
}

const char* relay_input_name(RelayInput i) {
  static constexpr std::array<const char*, kRelayInputCount> n{
      "rx DIRECT_COMMUNICATION_REQUEST",
      "rx DIRECT_SECURITY_MODE_COMPLETE",
      "rx DIRECT_SECURITY_MODE_REJECT",
      "rx DIRECT_COMMUNICATION_KEEPALIVE",
      "rx DIRECT_COMMUNICATION_RELEASE",
      "rx DIRECT_COMMUNICATION_RELEASE_ACCEPT",
      "rx DIRECT_REKEYING_REQUEST",
      "rx user data",
      "rx other PC5 signalling",
      "KD available",
      "KD error",
      "send data",
      "release",
      "rekey",
      "T4103 expiry",
      "T4108 expiry",
      "T4111 expiry",
  };
  return n[static_cast<std::size_t>(i)];
}

Status Relay::dispatch(Step& s, RelayInput in) {
  return detail::dispatch_by_table(*this, table(), state_, in, s, relay_state_name, relay_input_name);
}

std::vector<StateTableRow> Relay::state_table() {
  return detail::table_as_text(table(), relay_state_name, relay_input_name);
}

Relay::Relay(RelayConfig cfg) : MachineBase(Role::kRelay, cfg), cfg_(std::move(cfg)) {}

Relay::~Relay() {
  if (!pending_id_.is_unprotected()) ids_->release(pending_id_);
  release_context_ids();
}

Result<std::unique_ptr<Relay>> Relay::create(RelayConfig cfg) {
  if (cfg.relay_service_code && cfg.relay_service_code->value > ids::RelayServiceCode::kMax)
    return fail(Errc::kInvalidArgument, "relay_service_code: 24 bits");
  const auto caps = cfg.policy.capabilities();
  if (caps.eia == 0) return fail(Errc::kInvalidArgument, "policy: no integrity algorithm other than EIA0");
  if (caps.eea == 0) return fail(Errc::kInvalidArgument, "policy: no ciphering algorithm");
  return std::unique_ptr<Relay>(new Relay(std::move(cfg)));
}

std::optional<ids::KdSessId> Relay::kd_sess_id() const {
  return current_ ? std::optional<ids::KdSessId>(current_->kd_sess_id()) : std::nullopt;
}
std::optional<ids::KdId> Relay::kd_id() const { return kd_ ? std::optional<ids::KdId>(kd_->kd_id) : std::nullopt; }
std::optional<AlgorithmPair> Relay::algorithms() const {
  return current_ ? std::optional<AlgorithmPair>(current_->algorithms()) : std::nullopt;
}

// ---- entry points ------------------------------------------------------------------------------------------

Output Relay::on_pdu(TimePoint now, ByteView pdu) {
  Step s{now};
  s.pdu = pdu;
  auto st = classify_and_dispatch(s);
  if (!st) drop(s, st.error());
  return finish(s);
}

Output Relay::on_timer(TimePoint now, TimerId id) {
  Step s{now};
  if (!timers_.due(id, now)) return finish(s);
  timers_.cancel(id);
  RelayInput in;
  switch (id) {
    case TimerId::kT4103:
      in = RelayInput::kT4103;
      break;
    case TimerId::kT4108:
      in = RelayInput::kT4108;
      break;
    case TimerId::kT4111:
      in = RelayInput::kT4111;
      break;
    default:
      return finish(s);
  }
  auto st = dispatch(s, in);
  (void)st;
  return finish(s);
}

Result<Output> Relay::kd_available(TimePoint now, KdGrant grant) {
  if (grant.kd.size() != keys::kKdSize) return fail(Errc::kInvalidArgument, "KD: 32 octets expected");
  if (grant.gpi && grant.gpi->empty()) return fail(Errc::kInvalidArgument, "GPI: empty");
  Step s{now};
  kd_in_ = std::move(grant);
  auto st = dispatch(s, RelayInput::kKdAvailable);
  kd_in_.reset();
  if (!st) return st.error();
  return finish(s);
}

Result<Output> Relay::kd_error(TimePoint now, pc5::Cause cause) {
  Step s{now};
  kd_error_cause_ = cause;
  PROSE_TRY_STATUS(dispatch(s, RelayInput::kKdError));
  return finish(s);
}

Result<Output> Relay::send_data(TimePoint now, ByteView sdu, pdcp::SduType type) {
  Step s{now};
  s.app_data = sdu;
  s.app_sdu_type = type;
  PROSE_TRY_STATUS(dispatch(s, RelayInput::kSendData));
  return finish(s);
}

Result<Output> Relay::release(TimePoint now) {
  Step s{now};
  PROSE_TRY_STATUS(dispatch(s, RelayInput::kRelease));
  return finish(s);
}

Result<Output> Relay::rekey(TimePoint now) {
  Step s{now};
  PROSE_TRY_STATUS(dispatch(s, RelayInput::kRekey));
  return finish(s);
}

// ---- classification ----------------------------------------------------------------------------------------

namespace {
RelayInput input_for(const pc5::Message& m) {
  switch (pc5::message_type(m)) {
    case pc5::MessageType::kDirectCommunicationRequest:
      return RelayInput::kRxDirectCommunicationRequest;
    case pc5::MessageType::kDirectSecurityModeComplete:
      return RelayInput::kRxSecurityModeComplete;
    case pc5::MessageType::kDirectSecurityModeReject:
      return RelayInput::kRxSecurityModeReject;
    case pc5::MessageType::kDirectCommunicationKeepalive:
      return RelayInput::kRxKeepalive;
    case pc5::MessageType::kDirectCommunicationRelease:
      return RelayInput::kRxRelease;
    case pc5::MessageType::kDirectCommunicationReleaseAccept:
      return RelayInput::kRxReleaseAccept;
    case pc5::MessageType::kDirectRekeyingRequest:
      return RelayInput::kRxRekeyingRequest;
    default:
      return RelayInput::kRxOther;
  }
}
}  // namespace

Status Relay::classify_and_dispatch(Step& s) {
  PROSE_TRY(pdcp::Header h, pdcp::decode_header(s.pdu));
  s.header = h;
  if (h.sdu_type != pdcp::SduType::kPc5Signalling) {
    SessionContext* ctx = nullptr;
    if (current_ && (h.kd_sess_id == current_->kd_sess_id() ||
                     (h.kd_sess_id.is_unprotected() && current_->algorithms().eea == cipher::Eea::kEea0)))
      ctx = &*current_;
    else if (previous_ && h.kd_sess_id == previous_->kd_sess_id())
      ctx = &*previous_;
    if (ctx == nullptr) return fail(Errc::kNotFound, "user data for an unknown KD-sess ID");
    if (state_ != RelayState::kEstablished && state_ != RelayState::kRekeyWaitKd &&
        state_ != RelayState::kRekeyWaitComplete)
      return fail(Errc::kState, std::string("user data not allowed in state ") + relay_state_name(state_));
    PROSE_TRY(auto u, ctx->unprotect_data(s.pdu));
    s.data = std::move(u.sdu);
    s.ctx = ctx;
    return dispatch(s, RelayInput::kRxUserData);
  }
  if (h.kd_sess_id.is_unprotected()) {
    PROSE_TRY_STATUS(decode_unprotected_signalling(s));
    return dispatch(s, input_for(*s.msg));
  }
  SessionContext* ctx = nullptr;
  if (current_ && h.kd_sess_id == current_->kd_sess_id())
    ctx = &*current_;
  else if (pending_ && h.kd_sess_id == pending_->kd_sess_id())
    ctx = &*pending_;
  else if (previous_ && h.kd_sess_id == previous_->kd_sess_id())
    ctx = &*previous_;
  if (ctx == nullptr) return fail(Errc::kNotFound, "PDU for an unknown KD-sess ID");
  PROSE_TRY_STATUS(decode_protected_signalling(s, *ctx, kModeIntegrityCiphering));
  const bool is_complete = std::holds_alternative<pc5::DirectSecurityModeComplete>(*s.msg);
  const bool via_pending = pending_.has_value() && ctx == &*pending_;
  if (via_pending && !is_complete)
    return fail(Errc::kMalformed, "only DSM Complete may use the context being established");
  if (!via_pending && is_complete && (state_ != RelayState::kEstablished || ctx != &*current_))
    return fail(Errc::kState, "DSM Complete outside the context being established");
  return dispatch(s, input_for(*s.msg));
}

// ---- setup -------------------------------------------------------------------------------------------------

Millis Relay::inactivity_period() const {
  if (max_inactivity_s_ == 0) return timer_cfg_[TimerId::kT4108];
  return Millis{static_cast<std::int64_t>(max_inactivity_s_) * 1000};
}

void Relay::reject_dcr(Step& s, pc5::Cause cause, std::string detail) {
  (void)send(s, pc5::DirectCommunicationReject{dcr_.sequence_number, cause}, nullptr);
  fail_setup(s, cause, false, std::move(detail));
}

Status Relay::on_dcr(Step& s) {
  dcr_ = std::get<pc5::DirectCommunicationRequest>(*s.msg);
  if (cfg_.relay_service_code && dcr_.relay_service_code && *dcr_.relay_service_code != *cfg_.relay_service_code) {
    reject_dcr(s, pc5::Cause::kDirectCommunicationNotAllowed, "DCR for a Relay Service Code this relay does not serve");
    return ok_status();
  }
  auto algs = cfg_.policy.choose(dcr_.ue_security_capabilities);
  if (!algs) {
    reject_dcr(s, pc5::Cause::kUeSecurityCapabilitiesMismatch, algs.error().message);
    return ok_status();
  }
  auto lsb = ids_->choose_lsb(dcr_.msb_of_kd_sess_id);
  if (!lsb || !ids_->claim(ids::KdSessId::from_halves(dcr_.msb_of_kd_sess_id, *lsb))) {
    reject_dcr(s, pc5::Cause::kLackOfResources, "no free KD-sess ID");
    return ok_status();
  }
  algs_ = *algs;
  pending_id_ = ids::KdSessId::from_halves(dcr_.msb_of_kd_sess_id, *lsb);
  max_inactivity_s_ = dcr_.maximum_inactivity_period;
  state_ = RelayState::kWaitKd;
  s.out.events.emplace_back(
      NeedKd{dcr_.user_info, dcr_.nonce_1, dcr_.relay_service_code, std::nullopt, std::nullopt, false});
  return ok_status();
}

Status Relay::on_dcr_again(Step& s) {
  const auto& d = std::get<pc5::DirectCommunicationRequest>(*s.msg);
  if (d.nonce_1 != dcr_.nonce_1) {
    // A new DCR (new Nonce_1) while no link is secured yet: the Remote UE gave up the earlier attempt (its T4100
    // ran out while our DSMC or the PKMF's answer was under way) and started again. Abandon the pending setup
    // and serve the new request; the PKMF answer for the old one, if any, is superseded by the new NeedKd.
    if (state_ != RelayState::kWaitKd && state_ != RelayState::kWaitDsmComplete)
      return fail(Errc::kState, "a new DCR while this link is in use");
    cancel(s, TimerId::kT4111);
    drop_pending();
    return on_dcr(s);
  }
  // The Remote UE retransmitted its DCR: it lacks our DSMC (resend it) or our DCA (resend it).
  switch (state_) {
    case RelayState::kWaitKd:
      return ok_status();  // the PKMF has not answered yet
    case RelayState::kWaitDsmComplete:
      return resend(s, *dsmc_, &*pending_);
    case RelayState::kEstablished:
      if (drrq_) return fail(Errc::kState, "DCR retransmission after a rekey");
      return resend(s, dca(), &*current_);
    default:
      return fail(Errc::kState, "unexpected DCR");
  }
}

Status Relay::send_dsmc(Step& s) {
  const bool rekey = state_ == RelayState::kRekeyWaitKd || state_ == RelayState::kEstablished;
  const ids::Nonce1& nonce_1 = rekey ? drrq_->nonce_1 : dcr_.nonce_1;
  pc5::DirectSecurityModeCommand d;
  d.sequence_number = next_seq();
  d.ue_security_capabilities = rekey ? drrq_->ue_security_capabilities : dcr_.ue_security_capabilities;
  random_fill(d.nonce_2);
  d.chosen_algorithms = algs_.to_wire();
  d.lsb_of_kd_sess_id = pending_id_.lsb();
  ByteView kd;
  if (grant_) {
    std::uint16_t msb = 0;
    while (msb == 0) msb = static_cast<std::uint16_t>(random_u32());
    pending_kd_id_msb_ = msb;
    d.msb_of_kd_id = msb;
    d.kd_freshness = grant_->kd_freshness;
    d.gpi = grant_->gpi;
    kd = grant_->kd.view();
  } else {
    kd = kd_->kd.view();
  }
  PROSE_TRY(SessionContext ctx,
            SessionContext::derive(*be_, Role::kRelay, kd, nonce_1, d.nonce_2, pending_id_, algs_, sopt_));
  PROSE_TRY_STATUS(send(s, d, &ctx));
  pending_ = std::move(ctx);
  dsmc_ = std::move(d);
  arm_fresh(s, TimerId::kT4111);
  return ok_status();
}

Status Relay::on_kd_available(Step& s) {
  grant_ = std::move(kd_in_);
  const bool rekey = state_ == RelayState::kRekeyWaitKd;
  auto st = send_dsmc(s);
  if (!st) {
    grant_.reset();
    return st;
  }
  state_ = rekey ? RelayState::kRekeyWaitComplete : RelayState::kWaitDsmComplete;
  return ok_status();
}

Status Relay::on_kd_error(Step& s) {
  if (state_ == RelayState::kWaitKd) {
    reject_dcr(s, kd_error_cause_, "PKMF refused the Key Request");
    return ok_status();
  }
  // Rekey with the Auth Flag but no fresh KD: the link cannot continue safely.
  drop_pending();
  s.out.events.emplace_back(SetupFailed{kd_error_cause_, false, "PKMF refused the Key Request for rekeying"});
  return begin_release(s, pc5::ReleaseReason::kNoLongerAllowed, ReleaseCause::kLocal);
}

Status Relay::on_dsm_complete(Step& s) {
  const auto& c = std::get<pc5::DirectSecurityModeComplete>(*s.msg);
  if (c.sequence_number != dsmc_->sequence_number) return fail(Errc::kReplay, "DSM Complete for another DSMC");
  std::optional<KdState> new_kd;
  if (grant_) {
    if (!c.lsb_of_kd_id) return fail(Errc::kMalformed, "DSM Complete without LSB of KD ID for a new KD");
    new_kd = KdState{std::move(grant_->kd), ids::make_kd_id(pending_kd_id_msb_, *c.lsb_of_kd_id), std::nullopt, false};
    grant_.reset();
  }
  cancel(s, TimerId::kT4111);
  if (new_kd) kd_ = std::move(new_kd);
  const bool rekey = state_ == RelayState::kRekeyWaitComplete;
  if (rekey) {
    if (previous_) ids_->release(previous_->kd_sess_id());
    previous_ = std::move(current_);
  }
  current_ = std::move(pending_);
  pending_.reset();
  pending_id_ = ids::kUnprotectedKdSessId;
  trigger_sent_ = false;
  last_rx_ = s.now;
  if (rekey) {
    PROSE_TRY_STATUS(send(s, pc5::DirectRekeyingResponse{drrq_->sequence_number}, &*current_));
  } else {
    PROSE_TRY_STATUS(send(s, dca(), &*current_));
    arm(s, TimerId::kT4108, inactivity_period());
  }
  state_ = RelayState::kEstablished;
  s.out.events.emplace_back(
      LinkSecured{current_->kd_sess_id(), kd_->kd_id, current_->algorithms(), std::nullopt, false, rekey});
  return ok_status();
}

Status Relay::on_dsm_reject(Step& s) {
  const auto& r = std::get<pc5::DirectSecurityModeReject>(*s.msg);
  const bool rekey = state_ == RelayState::kRekeyWaitComplete;
  cancel(s, TimerId::kT4111);
  pending_.reset();
  dsmc_.reset();
  if (r.cause == pc5::Cause::kAuthenticationSynchronisationError && r.rand && r.auts) {
    // The USIM found the GPI's SQN out of range: the PKMF resynchronises with RAND + AUTS and runs GBA Push again.
    grant_.reset();
    state_ = rekey ? RelayState::kRekeyWaitKd : RelayState::kWaitKd;
    const pc5::UserInfo id = (rekey && drrq_->pruk_id) ? pc5::UserInfo::from_pruk_id(*drrq_->pruk_id) : dcr_.user_info;
    s.out.events.emplace_back(
        NeedKd{id, rekey ? drrq_->nonce_1 : dcr_.nonce_1, dcr_.relay_service_code, r.rand, r.auts, rekey});
    return ok_status();
  }
  if (!rekey) {
    fail_setup(s, r.cause, true, "Remote UE rejected the DSMC");
    return ok_status();
  }
  drop_pending();
  s.out.events.emplace_back(SetupFailed{r.cause, true, "Remote UE rejected the rekeying DSMC"});
  return begin_release(s, pc5::ReleaseReason::kNoLongerAllowed, ReleaseCause::kLocal);
}

Status Relay::on_t4111(Step& s) {
  // The same DSMC (same Nonce_2, KD freshness, MSB of KD ID, GPI) as a new PDU of the pending context (next COUNT).
  PROSE_TRY(bool again, retransmit_on_expiry(s, TimerId::kT4111, *dsmc_, &*pending_));
  if (again) return ok_status();
  if (state_ == RelayState::kWaitDsmComplete) {
    reject_dcr(s, pc5::Cause::kLinkSetupFailureOtherErrors, "T4111 expired: no DSM Complete");
    return ok_status();
  }
  drop_pending();
  s.out.events.emplace_back(
      SetupFailed{pc5::Cause::kLinkSetupFailureOtherErrors, false, "T4111 expired: no DSM Complete for rekeying"});
  return begin_release(s, pc5::ReleaseReason::kNoLongerAvailable, ReleaseCause::kLocal);
}

Status Relay::on_dsm_complete_again(Step& s) {
  // The Remote UE answered a retransmitted DSMC once more (on the context now in use): our answer to its first
  // DSM Complete (DCA, or DRRs after a rekey) may have been lost, so send it again.
  const auto& c = std::get<pc5::DirectSecurityModeComplete>(*s.msg);
  if (s.ctx != &*current_ || !dsmc_ || c.sequence_number != dsmc_->sequence_number)
    return fail(Errc::kReplay, "DSM Complete for another DSMC");
  last_rx_ = s.now;
  if (drrq_) return resend(s, pc5::DirectRekeyingResponse{drrq_->sequence_number}, &*current_);
  return resend(s, dca(), &*current_);
}

// ---- established link --------------------------------------------------------------------------------------

Status Relay::on_keepalive(Step& s) {
  const auto& k = std::get<pc5::DirectCommunicationKeepalive>(*s.msg);
  last_rx_ = s.now;
  if (k.maximum_inactivity_period) max_inactivity_s_ = *k.maximum_inactivity_period;
  return send(s, pc5::DirectCommunicationKeepaliveAck{k.sequence_number, k.keepalive_counter}, &*current_);
}

void Relay::check_count_limit(Step& s) {
  if (state_ != RelayState::kEstablished || trigger_sent_ || !current_ || !current_->rekey_needed()) return;
  if (send(s, pc5::DirectRekeyingTrigger{next_seq()}, &*current_)) {
    trigger_sent_ = true;
    s.out.events.emplace_back(RekeyStarted{false, true});
  }
}

Status Relay::on_user_data(Step& s) {
  last_rx_ = s.now;
  s.out.events.emplace_back(DataReceived{static_cast<std::uint8_t>(s.header->sdu_type), std::move(s.data)});
  check_count_limit(s);
  return ok_status();
}

Status Relay::on_send_data(Step& s) {
  PROSE_TRY_STATUS(send_user_data(s, *current_, s.app_sdu_type, s.app_data));
  check_count_limit(s);
  return ok_status();
}

Status Relay::on_local_rekey(Step& s) {
  PROSE_TRY_STATUS(send(s, pc5::DirectRekeyingTrigger{next_seq()}, &*current_));
  trigger_sent_ = true;
  s.out.events.emplace_back(RekeyStarted{false, false});
  return ok_status();
}

Status Relay::on_drrq(Step& s) {
  const auto& r = std::get<pc5::DirectRekeyingRequest>(*s.msg);
  last_rx_ = s.now;
  auto algs = cfg_.policy.choose(r.ue_security_capabilities);
  if (!algs) return fail(Errc::kDenied, "DRRq: " + algs.error().message);
  auto lsb = ids_->choose_lsb(r.msb_of_kd_sess_id);
  if (!lsb) return fail(Errc::kState, "DRRq: no free KD-sess ID");
  const ids::KdSessId id = ids::KdSessId::from_halves(r.msb_of_kd_sess_id, *lsb);
  PROSE_TRY_STATUS(ids_->claim(id));
  drrq_ = r;
  algs_ = *algs;
  pending_id_ = id;
  if (r.auth_flag && *r.auth_flag != 0) {
    state_ = RelayState::kRekeyWaitKd;
    const pc5::UserInfo lt = r.pruk_id ? pc5::UserInfo::from_pruk_id(*r.pruk_id) : dcr_.user_info;
    s.out.events.emplace_back(NeedKd{lt, r.nonce_1, dcr_.relay_service_code, std::nullopt, std::nullopt, true});
    return ok_status();
  }
  grant_.reset();
  auto st = send_dsmc(s);
  if (!st) {
    ids_->release(id);
    pending_id_ = ids::kUnprotectedKdSessId;
    return st;
  }
  state_ = RelayState::kRekeyWaitComplete;
  return ok_status();
}

Status Relay::on_drrq_again(Step& s) {
  const auto& r = std::get<pc5::DirectRekeyingRequest>(*s.msg);
  if (!drrq_ || r.nonce_1 != drrq_->nonce_1) return fail(Errc::kState, "a new DRRq while rekeying");
  if (state_ == RelayState::kRekeyWaitComplete) return resend(s, *dsmc_, &*pending_);
  return ok_status();
}

Status Relay::on_t4108(Step& s) {
  const Millis period = inactivity_period();
  if (s.now - last_rx_ < period) {
    arm(s, TimerId::kT4108, std::chrono::duration_cast<Millis>(last_rx_ + period - s.now));
    return ok_status();
  }
  return begin_release(s, pc5::ReleaseReason::kNoLongerAvailable, ReleaseCause::kInactivity);
}

// ---- release -----------------------------------------------------------------------------------------------

void Relay::drop_pending() {
  pending_.reset();
  dsmc_.reset();
  grant_.reset();
  if (!pending_id_.is_unprotected()) ids_->release(pending_id_);
  pending_id_ = ids::kUnprotectedKdSessId;
}

Status Relay::begin_release(Step& s, pc5::ReleaseReason reason, ReleaseCause cause) {
  cancel_all(s);
  drop_pending();
  PROSE_TRY_STATUS(send_release(s, reason, cause));
  state_ = RelayState::kReleasing;
  return ok_status();
}

Status Relay::on_local_release(Step& s) {
  return begin_release(s, pc5::ReleaseReason::kNoLongerNeeded, ReleaseCause::kLocal);
}

void Relay::enter_released(Step& s, ReleaseCause cause, std::optional<pc5::ReleaseReason> reason) {
  drop_pending();
  end_link(s);
  state_ = RelayState::kReleased;
  s.out.events.emplace_back(LinkReleased{cause, reason});
}

void Relay::fail_setup(Step& s, pc5::Cause cause, bool from_peer, std::string detail) {
  drop_pending();
  end_link(s);
  state_ = RelayState::kFailed;
  s.out.events.emplace_back(SetupFailed{cause, from_peer, std::move(detail)});
}

// ---- THE state table of the relay --------------------------------------------------------------------------

const std::vector<Relay::Row>& Relay::table() {
  using S = RelayState;
  using I = RelayInput;
  using R = Relay;
  // clang-format off
  static const std::vector<Relay::Row> t{
    {S::kIdle,              I::kRxDirectCommunicationRequest, &R::on_dcr,            "choose algorithms (never EIA0) and LSB of KD-sess ID; NeedKd -> WAIT_KD, or DCRj #1/#4/#7 -> FAILED"},
    {S::kWaitKd,            I::kKdAvailable,                  &R::on_kd_available,   "derive KD-sess, PEK/PIK; send DSMC (integrity only; KD freshness, MSB of KD ID, GPI); arm T4111 -> WAIT_DSM_COMPLETE"},
    {S::kWaitKd,            I::kKdError,                      &R::on_kd_error,       "send DCRj(cause) -> FAILED"},
    {S::kWaitKd,            I::kRxDirectCommunicationRequest, &R::on_dcr_again,      "same DCR retransmitted: ignore (PKMF pending); a new DCR (new Nonce_1) replaces the pending setup"},
    {S::kWaitDsmComplete,   I::kRxSecurityModeComplete,       &R::on_dsm_complete,   "KD ID complete; send DCA; arm T4108; LinkSecured -> ESTABLISHED"},
    {S::kWaitDsmComplete,   I::kRxSecurityModeReject,         &R::on_dsm_reject,     "#9 + RAND/AUTS: NeedKd(resync) -> WAIT_KD; otherwise -> FAILED"},
    {S::kWaitDsmComplete,   I::kRxDirectCommunicationRequest, &R::on_dcr_again,      "same DCR retransmitted: resend the DSMC; a new DCR (new Nonce_1) replaces the pending setup"},
    {S::kWaitDsmComplete,   I::kT4111,                        &R::on_t4111,          "resend the same DSMC (next COUNT; bounded), then DCRj #6 -> FAILED"},
    {S::kEstablished,       I::kRxDirectCommunicationRequest, &R::on_dcr_again,      "same DCR retransmitted (DCA lost): resend DCA"},
    {S::kEstablished,       I::kRxSecurityModeComplete,       &R::on_dsm_complete_again, "DSM Complete again on the context in use (our DCA / DRRs lost): resend it"},
    {S::kEstablished,       I::kRxUserData,                   &R::on_user_data,      "DataReceived; DRT when COUNT reaches the threshold"},
    {S::kEstablished,       I::kSendData,                     &R::on_send_data,      "cipher with PEK and send; DRT when COUNT reaches the threshold"},
    {S::kEstablished,       I::kRxKeepalive,                  &R::on_keepalive,      "send Keepalive Ack; T4108 restarts from this activity"},
    {S::kEstablished,       I::kT4108,                        &R::on_t4108,          "inactive for the Maximum Inactivity Period: send Release, arm T4103 -> RELEASING"},
    {S::kEstablished,       I::kRekey,                        &R::on_local_rekey,    "send Direct Rekeying Trigger"},
    {S::kEstablished,       I::kRxRekeyingRequest,            &R::on_drrq,           "Auth Flag: NeedKd -> REKEY_WAIT_KD; else DSMC on a new KD-sess -> REKEY_WAIT_COMPLETE"},
    {S::kEstablished,       I::kRelease,                      &R::on_local_release,  "send Release, arm T4103 -> RELEASING"},
    {S::kEstablished,       I::kRxRelease,                    &R::on_peer_release,   "send Release Accept -> RELEASED"},
    {S::kRekeyWaitKd,       I::kKdAvailable,                  &R::on_kd_available,   "send DSMC with the new KD -> REKEY_WAIT_COMPLETE"},
    {S::kRekeyWaitKd,       I::kKdError,                      &R::on_kd_error,       "release the link"},
    {S::kRekeyWaitKd,       I::kRxRekeyingRequest,            &R::on_drrq_again,     "same DRRq retransmitted: ignore (PKMF pending)"},
    {S::kRekeyWaitKd,       I::kRxUserData,                   &R::on_user_data,      "DataReceived (old context)"},
    {S::kRekeyWaitKd,       I::kSendData,                     &R::on_send_data,      "send on the old context"},
    {S::kRekeyWaitKd,       I::kRxKeepalive,                  &R::on_keepalive,      "send Keepalive Ack"},
    {S::kRekeyWaitKd,       I::kT4108,                        &R::on_t4108,          "inactivity release"},
    {S::kRekeyWaitKd,       I::kRelease,                      &R::on_local_release,  "send Release -> RELEASING"},
    {S::kRekeyWaitKd,       I::kRxRelease,                    &R::on_peer_release,   "send Release Accept -> RELEASED"},
    {S::kRekeyWaitComplete, I::kRxSecurityModeComplete,       &R::on_dsm_complete,   "switch to the new KD-sess; send DRRs on it -> ESTABLISHED"},
    {S::kRekeyWaitComplete, I::kRxSecurityModeReject,         &R::on_dsm_reject,     "#9: NeedKd(resync) -> REKEY_WAIT_KD; otherwise release the link"},
    {S::kRekeyWaitComplete, I::kRxRekeyingRequest,            &R::on_drrq_again,     "same DRRq retransmitted: resend the DSMC"},
    {S::kRekeyWaitComplete, I::kT4111,                        &R::on_t4111,          "resend the DSMC (bounded), then release the link"},
    {S::kRekeyWaitComplete, I::kRxUserData,                   &R::on_user_data,      "DataReceived (old context)"},
    {S::kRekeyWaitComplete, I::kSendData,                     &R::on_send_data,      "send on the old context"},
    {S::kRekeyWaitComplete, I::kRxKeepalive,                  &R::on_keepalive,      "send Keepalive Ack"},
    {S::kRekeyWaitComplete, I::kT4108,                        &R::on_t4108,          "inactivity release"},
    {S::kRekeyWaitComplete, I::kRelease,                      &R::on_local_release,  "send Release -> RELEASING"},
    {S::kRekeyWaitComplete, I::kRxRelease,                    &R::on_peer_release,   "send Release Accept -> RELEASED"},
    {S::kReleasing,         I::kRxReleaseAccept,              &R::on_release_accept, "-> RELEASED"},
    {S::kReleasing,         I::kRxRelease,                    &R::on_peer_release,   "releases crossed: send Release Accept -> RELEASED"},
    {S::kReleasing,         I::kT4103,                        &R::on_t4103,          "resend Release (bounded), then -> RELEASED"},
  };
  // clang-format on
  return t;
}

}  // namespace prose::link
