// The Remote UE machine's frame: its state table, construction, entry points and the classification of a received
// PDU. The handlers are in remote_ue_setup.cpp (link setup) and remote_ue_established.cpp (keepalive, data,
// rekeying, release).
#include "prose/link/remote_ue.h"

#include <algorithm>
#include <array>

#include "prose/keys/prose_keys.h"

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
    {S::kRekeying,    I::kRxRekeyingResponse,          &R::on_rekey_response,      "the previous rekey's confirmation, later than this rekey's start: nothing to do"},
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