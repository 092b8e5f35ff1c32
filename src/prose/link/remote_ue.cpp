#include "prose/link/remote_ue.h"

#include <algorithm>
#include <array>

#include "prose/keys/prose_keys.h"
#include "prose/util/random.h"

namespace prose::link {

using detail::Step;

// ---- THE state table of the Remote UE: (state, input) -> handler. Anything not listed is not allowed:
// a PDU is dropped (PduDropped, state unchanged), a timer expiry ignored, a local request refused (kState).
struct RemoteUe::Row {
  RemoteState state;
  RemoteInput input;
  Handler handler;
  const char* action;
};

namespace {
using S = RemoteState;
using I = RemoteInput;
}  // namespace

const char* remote_state_name(RemoteState s) {
  static constexpr std::array<const char*, kRemoteStateCount> n{"IDLE",     "WAIT_DSMC", "WAIT_DCA", "ESTABLISHED",
                                                                "REKEYING", "RELEASING", "RELEASED", "FAILED"};
  return n[static_cast<std::size_t>(s)];
}

const char* remote_input_name(RemoteInput i) {
  static constexpr std::array<const char*, kRemoteInputCount> n{
      "rx DIRECT_COMMUNICATION_ACCEPT",
      "rx DIRECT_COMMUNICATION_REJECT",
      "rx DIRECT_COMMUNICATION_KEEPALIVE",
      "rx DIRECT_COMMUNICATION_KEEPALIVE_ACK",
      "rx DIRECT_COMMUNICATION_RELEASE",
      "rx DIRECT_COMMUNICATION_RELEASE_ACCEPT",
      "rx DIRECT_SECURITY_MODE_COMMAND",
      "rx DIRECT_REKEYING_RESPONSE",
      "rx DIRECT_REKEYING_TRIGGER",
      "rx user data",
      "rx other PC5 signalling",
      "start",
      "send data",
      "release",
      "rekey",
      "T4100 expiry",
      "T4101 expiry",
      "T4102 expiry",
      "T4103 expiry",
      "rekey timer expiry",
  };
  return n[static_cast<std::size_t>(i)];
}

Status RemoteUe::dispatch(Step& s, RemoteInput in) {
  return detail::dispatch_by_table(*this, table(), state_, in, s, remote_state_name, remote_input_name);
}

std::vector<StateTableRow> RemoteUe::state_table() {
  return detail::table_as_text(table(), remote_state_name, remote_input_name);
}

// ---- construction ------------------------------------------------------------------------------------------

RemoteUe::RemoteUe(RemoteUeConfig cfg)
    : MachineBase(Role::kRemoteUe, cfg), cfg_(std::move(cfg)), pruk_id_(cfg_.pruk_id), pruk_(std::move(cfg_.pruk)) {}

RemoteUe::~RemoteUe() {
  release_msb();
  release_context_ids();
}

Result<std::unique_ptr<RemoteUe>> RemoteUe::create(RemoteUeConfig cfg) {
  const auto digits = cfg.imsi.size();
  if (digits < pc5::kImsiMinDigits || digits > pc5::kImsiMaxDigits ||
      !std::all_of(cfg.imsi.begin(), cfg.imsi.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return fail(Errc::kInvalidArgument, "imsi: 6 to 15 decimal digits expected");
  if (cfg.pruk_id) {
    if (ids::is_pruk_trigger(*cfg.pruk_id)) return fail(Errc::kInvalidArgument, "pruk_id: 0 is reserved");
    if (cfg.pruk.size() != keys::kPrukSize) return fail(Errc::kInvalidArgument, "pruk: 32 octets expected");
  }
  if (cfg.relay_service_code && cfg.relay_service_code->value > ids::RelayServiceCode::kMax)
    return fail(Errc::kInvalidArgument, "relay_service_code: 24 bits");
  const auto caps = cfg.policy.capabilities();
  if (caps.eia == 0) return fail(Errc::kInvalidArgument, "policy: no integrity algorithm other than EIA0");
  if (caps.eea == 0) return fail(Errc::kInvalidArgument, "policy: no ciphering algorithm");
  return std::unique_ptr<RemoteUe>(new RemoteUe(std::move(cfg)));
}

std::optional<ids::KdSessId> RemoteUe::kd_sess_id() const {
  return current_ ? std::optional<ids::KdSessId>(current_->kd_sess_id()) : std::nullopt;
}
std::optional<ids::KdId> RemoteUe::kd_id() const { return kd_ ? std::optional<ids::KdId>(kd_->kd_id) : std::nullopt; }
std::optional<std::string> RemoteUe::kd_fingerprint() const {
  return kd_ ? std::optional<std::string>(kd_->kd.fingerprint()) : std::nullopt;
}
std::optional<AlgorithmPair> RemoteUe::algorithms() const {
  return current_ ? std::optional<AlgorithmPair>(current_->algorithms()) : std::nullopt;
}

// ---- entry points ------------------------------------------------------------------------------------------

Output RemoteUe::finish(Step& s) { return std::move(s.out); }

Result<Output> RemoteUe::start(TimePoint now) {
  Step s{now};
  PROSE_TRY_STATUS(dispatch(s, RemoteInput::kStart));
  return finish(s);
}

Output RemoteUe::on_pdu(TimePoint now, ByteView pdu) {
  Step s{now};
  s.pdu = pdu;
  auto st = classify_and_dispatch(s);
  if (!st) drop(s, st.error());
  return finish(s);
}

Output RemoteUe::on_timer(TimePoint now, TimerId id) {
  Step s{now};
  if (!timers_.due(id, now)) return finish(s);  // stale, cancelled or early: nothing to do
  timers_.cancel(id);
  RemoteInput in;
  switch (id) {
    case TimerId::kT4100:
      in = RemoteInput::kT4100;
      break;
    case TimerId::kT4101:
      in = RemoteInput::kT4101;
      break;
    case TimerId::kT4102:
      in = RemoteInput::kT4102;
      break;
    case TimerId::kT4103:
      in = RemoteInput::kT4103;
      break;
    case TimerId::kRekey:
      in = RemoteInput::kRekeyTimer;
      break;
    default:
      return finish(s);
  }
  auto st = dispatch(s, in);
  (void)st;  // a timer with no row in this state is ignored
  return finish(s);
}

Result<Output> RemoteUe::send_data(TimePoint now, ByteView sdu, pdcp::SduType type) {
  Step s{now};
  s.app_data = sdu;
  s.app_sdu_type = type;
  PROSE_TRY_STATUS(dispatch(s, RemoteInput::kSendData));
  return finish(s);
}

Result<Output> RemoteUe::release(TimePoint now) {
  Step s{now};
  PROSE_TRY_STATUS(dispatch(s, RemoteInput::kRelease));
  return finish(s);
}

Result<Output> RemoteUe::rekey(TimePoint now, bool auth_flag) {
  Step s{now};
  s.auth_flag = auth_flag;
  PROSE_TRY_STATUS(dispatch(s, RemoteInput::kRekey));
  return finish(s);
}

// ---- classification of a received PDU ----------------------------------------------------------------------

namespace {
RemoteInput input_for(const pc5::Message& m) {
  switch (pc5::message_type(m)) {
    case pc5::MessageType::kDirectCommunicationAccept:
      return RemoteInput::kRxDirectCommunicationAccept;
    case pc5::MessageType::kDirectCommunicationReject:
      return RemoteInput::kRxDirectCommunicationReject;
    case pc5::MessageType::kDirectCommunicationKeepalive:
      return RemoteInput::kRxKeepalive;
    case pc5::MessageType::kDirectCommunicationKeepaliveAck:
      return RemoteInput::kRxKeepaliveAck;
    case pc5::MessageType::kDirectCommunicationRelease:
      return RemoteInput::kRxRelease;
    case pc5::MessageType::kDirectCommunicationReleaseAccept:
      return RemoteInput::kRxReleaseAccept;
    case pc5::MessageType::kDirectSecurityModeCommand:
      return RemoteInput::kRxSecurityModeCommand;
    case pc5::MessageType::kDirectRekeyingResponse:
      return RemoteInput::kRxRekeyingResponse;
    case pc5::MessageType::kDirectRekeyingTrigger:
      return RemoteInput::kRxRekeyingTrigger;
    default:
      return RemoteInput::kRxOther;
  }
}
}  // namespace

Status RemoteUe::classify_and_dispatch(Step& s) {
  PROSE_TRY(pdcp::Header h, pdcp::decode_header(s.pdu));
  s.header = h;
  const bool signalling = h.sdu_type == pdcp::SduType::kPc5Signalling;
  if (!signalling) {
    // User data: ciphered with PEK of the current (or the previous, after a rekey) context; EEA0 -> KD-sess ID 0.
    SessionContext* ctx = nullptr;
    if (current_ && (h.kd_sess_id == current_->kd_sess_id() ||
                     (h.kd_sess_id.is_unprotected() && current_->algorithms().eea == cipher::Eea::kEea0)))
      ctx = &*current_;
    else if (previous_ && h.kd_sess_id == previous_->kd_sess_id())
      ctx = &*previous_;
    if (ctx == nullptr) return fail(Errc::kNotFound, "user data for an unknown KD-sess ID");
    if (state_ != RemoteState::kEstablished && state_ != RemoteState::kRekeying)
      return fail(Errc::kState, std::string("user data not allowed in state ") + remote_state_name(state_));
    PROSE_TRY(auto u, ctx->unprotect_data(s.pdu));
    s.data = std::move(u.sdu);
    s.ctx = ctx;
    return dispatch(s, RemoteInput::kRxUserData);
  }
  if (h.kd_sess_id.is_unprotected()) {
    PROSE_TRY_STATUS(decode_unprotected_signalling(s));
    return dispatch(s, input_for(*s.msg));
  }
  if (current_ && h.kd_sess_id == current_->kd_sess_id()) {
    auto st = decode_protected_signalling(s, *current_, kModeIntegrityCiphering);
    if (!st && st.error().code == Errc::kAuthFailed) {
      // Not valid as ciphered signalling: a retransmitted DSMC of this context is integrity protected only.
      auto st2 = decode_protected_signalling(s, *current_, kModeIntegrity);
      if (!st2) return st;
      if (!std::holds_alternative<pc5::DirectSecurityModeCommand>(*s.msg))
        return fail(Errc::kMalformed, "only a DSMC may arrive integrity protected only");
    } else if (!st) {
      return st;
    }
    return dispatch(s, input_for(*s.msg));
  }
  if (previous_ && h.kd_sess_id == previous_->kd_sess_id()) {
    PROSE_TRY_STATUS(decode_protected_signalling(s, *previous_, kModeIntegrityCiphering));
    return dispatch(s, input_for(*s.msg));
  }
  // A DSMC establishing a new context: its KD-sess ID carries the MSB we chose in the DCR / DRRq. It is integrity
  // protected only, so it can be decoded before the keys exist; process_new_dsmc derives them and checks the MAC-I.
  if (msb_reserved_ && h.kd_sess_id.msb() == pending_msb_ &&
      (state_ == RemoteState::kWaitDsmc || state_ == RemoteState::kRekeying)) {
    if (s.pdu.size() < pdcp::kHeaderSize + pdcp::kMacISize)
      return fail(Errc::kTruncated, "DSMC PDU shorter than header and MAC-I");
    PROSE_TRY(pc5::Message m,
              pc5::decode(s.pdu.subspan(pdcp::kHeaderSize, s.pdu.size() - pdcp::kHeaderSize - pdcp::kMacISize)));
    if (!std::holds_alternative<pc5::DirectSecurityModeCommand>(m))
      return fail(Errc::kNotFound, "only a DSMC may use a new KD-sess ID");
    s.msg = std::move(m);
    s.ctx = nullptr;
    return dispatch(s, RemoteInput::kRxSecurityModeCommand);
  }
  return fail(Errc::kNotFound, "PDU for an unknown KD-sess ID");
}

// ---- handlers ----------------------------------------------------------------------------------------------

Status RemoteUe::send_dcr(Step& s) {
  PROSE_TRY(std::uint8_t msb, ids_->choose_msb());
  pc5::DirectCommunicationRequest d;
  d.sequence_number = next_seq();
  const bool with_pruk = cfg_.pruk_id.has_value() && !use_imsi_;
  d.user_info = with_pruk ? pc5::UserInfo::from_pruk_id(*cfg_.pruk_id) : pc5::UserInfo::from_imsi(cfg_.imsi);
  d.ip_address_config = cfg_.ip_address_config;
  d.maximum_inactivity_period = cfg_.maximum_inactivity_period_s;
  random_fill(d.nonce_1);
  d.ue_security_capabilities = cfg_.policy.capabilities();
  d.msb_of_kd_sess_id = msb;
  d.relay_service_code = cfg_.relay_service_code;
  PROSE_TRY_STATUS(send(s, d, nullptr));
  if (msb_reserved_) ids_->release_msb(pending_msb_);
  ids_->reserve_msb(msb);
  pending_msb_ = msb;
  msb_reserved_ = true;
  dcr_ = std::move(d);
  gpi_bytes_.clear();
  gpi_pruk_id_.reset();
  gpi_pruk_.wipe();
  timers_.retransmissions(TimerId::kT4100) = 0;
  arm(s, TimerId::kT4100);
  return ok_status();
}

Status RemoteUe::on_start(Step& s) {
  use_imsi_ = !cfg_.pruk_id.has_value() || cfg_.pruk_id_rejected_before;
  PROSE_TRY_STATUS(send_dcr(s));
  state_ = RemoteState::kWaitDsmc;
  return ok_status();
}

void RemoteUe::send_dsm_reject(Step& s, pc5::Cause cause, const std::optional<gba::GpiSyncFailure>& sync) {
  pc5::DirectSecurityModeReject r;
  r.sequence_number = s.msg ? pc5::sequence_number(*s.msg) : next_seq();
  r.cause = cause;
  if (sync) {
    r.rand = sync->rand;
    r.auts = sync->auts;
  }
  (void)send(s, r, nullptr);
}

Status RemoteUe::on_dsmc(Step& s) {
  if (s.ctx != nullptr) return fail(Errc::kState, "DSMC of an old context while a new one is expected");
  return process_new_dsmc(s);
}

Status RemoteUe::process_new_dsmc(Step& s) {
  const auto& d = std::get<pc5::DirectSecurityModeCommand>(*s.msg);
  const ids::KdSessId id = s.header->kd_sess_id;
  if (id.lsb() != d.lsb_of_kd_sess_id)
    return fail(Errc::kMalformed, "DSMC: LSB of KD-sess ID differs from the PDCP header");
  const bool setup = state_ == RemoteState::kWaitDsmc;
  const bool new_kd = setup || rekey_auth_flag_;
  const ids::Nonce1& nonce_1 = setup ? dcr_.nonce_1 : drrq_->nonce_1;
  const pc5::UeSecurityCapabilities& sent_caps =
      setup ? dcr_.ue_security_capabilities : drrq_->ue_security_capabilities;

  // 1. KD: from the (possibly new, GPI-delivered) PRUK and the KD freshness, or the current KD for a plain rekey.
  SecretBytes kd;
  std::optional<ids::PrukId> pruk_id;
  bool from_gpi = false;
  if (new_kd) {
    if (!d.kd_freshness) return fail(Errc::kMalformed, "DSMC without KD freshness where a new KD is needed");
    if (!d.msb_of_kd_id) return fail(Errc::kMalformed, "DSMC without MSB of KD ID where a new KD is needed");
    const SecretBytes* pruk = nullptr;
    if (d.gpi) {
      if (gpi_bytes_.empty() || gpi_bytes_ != *d.gpi) {
        if (!cfg_.gpi_processor) {
          send_dsm_reject(s, pc5::Cause::kLinkSetupFailureOtherErrors);
          return fail(Errc::kUnsupported, "DSMC carries a GPI but no GPI processor is configured");
        }
        auto r = cfg_.gpi_processor(*d.gpi);
        if (!r) {
          send_dsm_reject(s, pc5::Cause::kAuthenticationFailure);
          return fail(r.error().code, "GPI processing failed: " + r.error().to_string());
        }
        if (r->sync_failure) {
          send_dsm_reject(s, pc5::Cause::kAuthenticationSynchronisationError, r->sync_failure);
          return ok_status();  // the relay resynchronises through the PKMF and sends a new DSMC
        }
        if (!r->accepted) return fail(Errc::kInternal, "GPI processor returned no outcome");
        gpi_bytes_ = *d.gpi;
        gpi_pruk_id_ = r->accepted->pruk_id;
        gpi_pruk_ = std::move(r->accepted->pruk);
        s.out.events.emplace_back(NewPruk{*gpi_pruk_id_, gpi_pruk_.clone()});
      }
      pruk = &gpi_pruk_;
      pruk_id = gpi_pruk_id_;
      from_gpi = true;
    } else {
      if (!pruk_id_) {
        send_dsm_reject(s, pc5::Cause::kAuthenticationFailure);
        return fail(Errc::kNotFound, "DSMC without GPI and this UE holds no PRUK");
      }
      pruk = &pruk_;
      pruk_id = pruk_id_;
      from_gpi = pruk_from_gpi_;
    }
    PROSE_TRY(kd, keys::derive_kd(pruk->view(), *d.kd_freshness));
  } else {
    kd = kd_->kd.clone();
    pruk_id = kd_->pruk_id;
    from_gpi = kd_->pruk_from_gpi;
  }

  // 2. Chosen algorithms: within our policy, never EIA0.
  auto algs = AlgorithmPair::from_wire(d.chosen_algorithms);
  if (!algs || !cfg_.policy.accepts(*algs)) {
    send_dsm_reject(s, pc5::Cause::kUeSecurityCapabilitiesMismatch);
    return fail(Errc::kDenied, "DSMC chose algorithms our policy refuses (EIA0 is never accepted)");
  }

  // 3. The new context and the DSMC's MAC-I (integrity protected with the new context, not ciphered).
  PROSE_TRY(SessionContext ctx,
            SessionContext::derive(*be_, Role::kRemoteUe, kd.view(), nonce_1, d.nonce_2, id, *algs, sopt_));
  auto verified = ctx.unprotect_signalling(s.pdu, kModeIntegrity);
  if (!verified) {
    if (verified.error().code == Errc::kAuthFailed) send_dsm_reject(s, pc5::Cause::kAuthenticationFailure);
    return fail(verified.error().code, "DSMC: " + verified.error().to_string());
  }

  // 4. Authentic from here. Bidding-down protection: the replayed capabilities must equal what we sent.
  if (!(d.ue_security_capabilities == sent_caps)) {
    send_dsm_reject(s, pc5::Cause::kUeSecurityCapabilitiesMismatch);
    if (setup) {
      fail_setup(s, pc5::Cause::kUeSecurityCapabilitiesMismatch, false,
                 "DSMC replayed UE security capabilities differ from the DCR (bidding down)");
      return ok_status();
    }
    s.out.events.emplace_back(SetupFailed{pc5::Cause::kUeSecurityCapabilitiesMismatch, false,
                                          "rekey DSMC replayed capabilities differ from the DRRq (bidding down)"});
    return begin_release(s, pc5::ReleaseReason::kNoLongerAllowed, ReleaseCause::kLocal);
  }
  PROSE_TRY_STATUS(ids_->claim(id));

  std::optional<KdState> new_kd_state;
  pc5::DirectSecurityModeComplete c;
  c.sequence_number = d.sequence_number;
  if (new_kd) {
    std::uint16_t lsb = 0;
    while (lsb == 0) lsb = static_cast<std::uint16_t>(random_u32());
    c.lsb_of_kd_id = lsb;
    new_kd_state = KdState{std::move(kd), ids::make_kd_id(*d.msb_of_kd_id, lsb), pruk_id, from_gpi};
  }
  auto sent = send(s, c, &ctx);
  if (!sent) {
    ids_->release(id);
    return sent;
  }

  // 5. Commit. A PRUK delivered by this DSMC's GPI is the one this machine holds from now on.
  ids_->release_msb(pending_msb_);
  msb_reserved_ = false;
  if (new_kd_state) kd_ = std::move(new_kd_state);
  if (new_kd && d.gpi) {
    pruk_id_ = gpi_pruk_id_;
    pruk_ = gpi_pruk_.clone();
    pruk_from_gpi_ = true;
  }
  if (setup) {
    current_ = std::move(ctx);
    state_ = RemoteState::kWaitDca;  // T4100 keeps running until the DCA
  } else {
    if (previous_) ids_->release(previous_->kd_sess_id());
    previous_ = std::move(current_);
    current_ = std::move(ctx);
    cancel(s, TimerId::kRekey);
    count_rekey_started_ = false;
    state_ = RemoteState::kEstablished;
    s.out.events.emplace_back(LinkSecured{current_->kd_sess_id(), kd_->kd_id, current_->algorithms(), kd_->pruk_id,
                                          kd_->pruk_from_gpi, true});
  }
  last_dsm_complete_ = c;
  last_dsmc_ = d;
  return ok_status();
}

Status RemoteUe::on_dsmc_retransmission(Step& s) {
  // The relay did not get our DSM Complete and sent the same DSMC again (integrity protected with the context we
  // derived from it, a new COUNT): answer again with the same DSM Complete as a new PDU of that context. No keys
  // are derived again; anything but the identical DSMC is dropped.
  if (s.ctx == nullptr || s.ctx != &*current_ || !last_dsm_complete_) return fail(Errc::kState, "unexpected DSMC");
  const auto& d = std::get<pc5::DirectSecurityModeCommand>(*s.msg);
  if (d.nonce_2 != current_->nonce_2()) return fail(Errc::kReplay, "DSMC of another exchange under this context");
  if (!last_dsmc_ || !(d == *last_dsmc_))
    return fail(Errc::kReplay, "DSMC differs from the one answered under this context");
  return resend(s, *last_dsm_complete_, &*current_);
}

Status RemoteUe::on_dca(Step& s) {
  cancel(s, TimerId::kT4100);
  state_ = RemoteState::kEstablished;
  last_rx_ = s.now;
  keepalive_counter_ = 0;
  arm(s, TimerId::kT4102);
  s.out.events.emplace_back(
      LinkSecured{current_->kd_sess_id(), kd_->kd_id, current_->algorithms(), kd_->pruk_id, kd_->pruk_from_gpi, false});
  return ok_status();
}

Status RemoteUe::on_dca_again(Step& s) {
  // Authentic (protected with the current context) but late: the relay resent its DCA for a DCR or DSM Complete
  // we retransmitted before its first DCA arrived. Setup-only: after a rekey a DCA is not expected.
  if (s.ctx != &*current_ || drrq_) return fail(Errc::kState, "DCA outside link setup");
  return ok_status();
}

Status RemoteUe::on_dcrj(Step& s) {
  const auto& r = std::get<pc5::DirectCommunicationReject>(*s.msg);
  if (r.sequence_number != dcr_.sequence_number) return fail(Errc::kReplay, "DCRj for another DCR");
  if (state_ == RemoteState::kWaitDca) {
    // The relay gave up after our DSM Complete (e.g. its T4111 retransmissions ran out): the setup has failed.
    fail_setup(s, r.cause, true, "relay rejected the link setup after the DSM Complete");
    return ok_status();
  }
  const bool sent_pruk_id = dcr_.user_info.type == pc5::UserInfoType::kPrukId;
  if (r.cause == pc5::Cause::kAuthenticationFailure && sent_pruk_id) {
    // Step 3 of the requirement: the PRUK ID was not recognised -> the IMSI from now on for this relay.
    s.out.events.emplace_back(PrukIdRejected{dcr_.user_info.pruk_id});
    use_imsi_ = true;
    cancel(s, TimerId::kT4100);
    return send_dcr(s);
  }
  fail_setup(s, r.cause, true, "relay rejected the Direct Communication Request");
  return ok_status();
}

Status RemoteUe::on_t4100(Step& s) {
  // The same DCR (same Nonce_1): the relay recognises the retransmission and resends its DSMC or DCA.
  PROSE_TRY(bool again, retransmit_on_expiry(s, TimerId::kT4100, dcr_, nullptr));
  if (!again) fail_setup(s, pc5::Cause::kLinkSetupFailureOtherErrors, false, "T4100 expired: no answer from the relay");
  return ok_status();
}

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

// ---- the table ---------------------------------------------------------------------------------------------

const std::vector<RemoteUe::Row>& RemoteUe::table() {
  using R = RemoteUe;
  // clang-format off
  static const std::vector<RemoteUe::Row> t{
    {S::kIdle,        I::kStart,                       &R::on_start,               "send DCR (PRUK ID or IMSI), arm T4100 -> WAIT_DSMC"},
    {S::kWaitDsmc,    I::kRxSecurityModeCommand,       &R::on_dsmc,                "[GPI -> new PRUK] derive KD, KD-sess, PEK/PIK; check MAC-I, algorithms, capability replay; send DSM Complete -> WAIT_DCA, or DSM Reject (#2/#7/#9 RAND+AUTS)"},
    {S::kWaitDsmc,    I::kRxDirectCommunicationReject, &R::on_dcrj,                "#2 after a PRUK ID: PrukIdRejected, new DCR with the IMSI; otherwise -> FAILED"},
    {S::kWaitDsmc,    I::kT4100,                       &R::on_t4100,               "retransmit the DCR (bounded), then -> FAILED"},
    {S::kWaitDca,     I::kRxDirectCommunicationAccept, &R::on_dca,                 "stop T4100, arm T4102, LinkSecured -> ESTABLISHED"},
    {S::kWaitDca,     I::kRxSecurityModeCommand,       &R::on_dsmc_retransmission, "the identical DSMC again (our DSM Complete was lost): resend the DSM Complete (same content, next COUNT)"},
    {S::kWaitDca,     I::kRxDirectCommunicationReject, &R::on_dcrj,                "the relay gave up (e.g. T4111 exhausted): SetupFailed(cause, from peer) -> FAILED"},
    {S::kWaitDca,     I::kT4100,                       &R::on_t4100,               "retransmit the DCR (the relay resends DSMC or DCA), then -> FAILED"},
    {S::kWaitDca,     I::kRxRelease,                   &R::on_peer_release,        "send Release Accept -> RELEASED"},
    {S::kEstablished, I::kRxUserData,                  &R::on_user_data,           "DataReceived; rekey when COUNT reaches the threshold"},
    {S::kEstablished, I::kSendData,                    &R::on_send_data,           "cipher with PEK and send; rekey when COUNT reaches the threshold"},
    {S::kEstablished, I::kRxKeepalive,                 &R::on_keepalive,           "send Keepalive Ack"},
    {S::kEstablished, I::kRxKeepaliveAck,              &R::on_keepalive_ack,       "stop T4101, arm T4102"},
    {S::kEstablished, I::kT4102,                       &R::on_t4102,               "send Keepalive, arm T4101 (or re-arm T4102 after recent traffic)"},
    {S::kEstablished, I::kT4101,                       &R::on_t4101,               "retransmit Keepalive (bounded), then -> RELEASED (keepalive timeout)"},
    {S::kEstablished, I::kRekey,                       &R::on_local_rekey,         "send DRRq (new Nonce_1, MSB of KD-sess ID, Auth Flag) -> REKEYING"},
    {S::kEstablished, I::kRxRekeyingTrigger,           &R::on_rekey_trigger,       "send DRRq -> REKEYING"},
    {S::kEstablished, I::kRxRekeyingResponse,          &R::on_rekey_response,      "rekey confirmed by the relay (or its answer to a resent DSM Complete)"},
    {S::kEstablished, I::kRxDirectCommunicationAccept, &R::on_dca_again,           "DCA again (the relay answered a retransmission): nothing to do"},
    {S::kEstablished, I::kRxSecurityModeCommand,       &R::on_dsmc_retransmission, "the identical rekey DSMC again (our DSM Complete was lost): resend the DSM Complete"},
    {S::kEstablished, I::kRelease,                     &R::on_local_release,       "send Release, arm T4103 -> RELEASING"},
    {S::kEstablished, I::kRxRelease,                   &R::on_peer_release,        "send Release Accept -> RELEASED"},
    {S::kRekeying,    I::kRxSecurityModeCommand,       &R::on_dsmc,                "new KD-sess (new KD if Auth Flag); send DSM Complete on it; switch -> ESTABLISHED"},
    {S::kRekeying,    I::kRekeyTimer,                  &R::on_rekey_timer,         "retransmit the DRRq (bounded), then release the link"},
    {S::kRekeying,    I::kRxUserData,                  &R::on_user_data,           "DataReceived (old context still valid)"},
    {S::kRekeying,    I::kSendData,                    &R::on_send_data,           "send on the old context"},
    {S::kRekeying,    I::kRxKeepalive,                 &R::on_keepalive,           "send Keepalive Ack"},
    {S::kRekeying,    I::kRxKeepaliveAck,              &R::on_keepalive_ack,       "stop T4101, arm T4102"},
    {S::kRekeying,    I::kT4102,                       &R::on_t4102,               "send Keepalive, arm T4101"},
    {S::kRekeying,    I::kT4101,                       &R::on_t4101,               "retransmit Keepalive (bounded), then -> RELEASED"},
    {S::kRekeying,    I::kRelease,                     &R::on_local_release,       "send Release, arm T4103 -> RELEASING"},
    {S::kRekeying,    I::kRxRelease,                   &R::on_peer_release,        "send Release Accept -> RELEASED"},
    {S::kReleasing,   I::kRxReleaseAccept,             &R::on_release_accept,      "-> RELEASED"},
    {S::kReleasing,   I::kRxRelease,                   &R::on_peer_release,        "releases crossed: send Release Accept -> RELEASED"},
    {S::kReleasing,   I::kT4103,                       &R::on_t4103,               "retransmit Release (bounded), then -> RELEASED"},
  };
  // clang-format on
  return t;
}

}  // namespace prose::link
