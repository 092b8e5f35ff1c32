// Shared plumbing of the two link state machines (not part of the public API): the output being built, timer
// commands, PC5-S sequence numbers, and protecting / sending one PC5 signalling message by the policy table.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "prose/link/io.h"
#include "prose/link/kd_sess_ids.h"
#include "prose/link/security_context.h"
#include "prose/pc5/codec.h"
#include "prose/pc5/protection_policy.h"
#include "prose/pdcp/pdcp.h"

namespace prose::link {

// One row of a machine's state table as text (docs/link.md lists them; a unit test checks it).
struct StateTableRow {
  std::string state;
  std::string input;
  std::string action;
};

}  // namespace prose::link

namespace prose::link::detail {

// One call into a machine: the time, the output under construction, and the decoded received PDU (if any).
struct Step {
  TimePoint now;
  Output out;
  // Set for received PDUs:
  ByteView pdu;
  std::optional<pdcp::Header> header;
  std::optional<pc5::Message> msg;
  SessionContext* ctx = nullptr;  // the context the PDU was verified with (nullptr: unprotected)
  Bytes data;                     // user data SDU
  // Set for local events:
  ByteView app_data;
  pdcp::SduType app_sdu_type = pdcp::SduType::kIp;
  bool auth_flag = false;
};

// Looks up (state, input) in a machine's state table and runs the row's handler; kState when there is no row.
// Row: {State state; Input input; Status (Machine::*handler)(Step&); const char* action;}.
template <typename Machine, typename Row, typename State, typename Input>
Status dispatch_by_table(Machine& m, const std::vector<Row>& table, State state, Input in, Step& s,
                         const char* (*state_name)(State), const char* (*input_name)(Input)) {
  for (const auto& r : table)
    if (r.state == state && r.input == in) return (m.*r.handler)(s);
  return fail(Errc::kState, std::string(input_name(in)) + " not allowed in state " + state_name(state));
}

// The table as text, for the docs.
template <typename Row, typename State, typename Input>
std::vector<StateTableRow> table_as_text(const std::vector<Row>& table, const char* (*state_name)(State),
                                         const char* (*input_name)(Input)) {
  std::vector<StateTableRow> out;
  for (const auto& r : table) out.push_back({state_name(r.state), input_name(r.input), r.action});
  return out;
}

class MachineBase {
 protected:
  // Cfg: RemoteUeConfig or RelayConfig. A missing registry is created (and written back into cfg so that the
  // machine's copy names it); a missing backend is the default one.
  template <typename Cfg>
  MachineBase(Role role, Cfg& cfg)
      : MachineBase(role, cfg.timers, cfg.ids ? cfg.ids : std::make_shared<KdSessIdRegistry>(),
                    cfg.backend ? *cfg.backend : cipher::default_backend(), cfg.session) {
    cfg.ids = ids_;
  }
  MachineBase(Role role, TimerConfig timers, std::shared_ptr<KdSessIdRegistry> ids, cipher::Backend& be,
              SessionOptions sopt)
      : role_(role), timer_cfg_(timers), ids_(std::move(ids)), be_(&be), sopt_(sopt) {}
  virtual ~MachineBase() = default;
  MachineBase(const MachineBase&) = delete;
  MachineBase& operator=(const MachineBase&) = delete;

  // ---- the end of a link, the same for both machines ----
  // The machine's terminal RELEASED state: it ends the link (end_link and its own pending state) and reports
  // LinkReleased{cause, reason}.
  virtual void enter_released(Step& s, ReleaseCause cause, std::optional<pc5::ReleaseReason> reason) = 0;
  // Cancels every timer, gives the KD-sess IDs of the current and previous context back and wipes them and KD.
  void end_link(Step& s);
  void release_context_ids();
  // Sends a Direct Communication Release on the current context and arms T4103 with a fresh budget; the machine
  // then enters its RELEASING state.
  Status send_release(Step& s, pc5::ReleaseReason reason, ReleaseCause cause);
  // State table handlers shared by both machines.
  Status on_peer_release(Step& s);    // send Release Accept (on the context the Release came on) -> RELEASED
  Status on_release_accept(Step& s);  // -> RELEASED
  Status on_t4103(Step& s);           // resend the Release (bounded), then -> RELEASED

  void arm(Step& s, TimerId id, Millis after);
  void arm(Step& s, TimerId id) { arm(s, id, timer_cfg_[id]); }
  void cancel(Step& s, TimerId id);
  void cancel_all(Step& s);
  // Arms `id` with a fresh retransmission budget (a new PDU is now guarded by it).
  void arm_fresh(Step& s, TimerId id) {
    timers_.retransmissions(id) = 0;
    arm(s, id);
  }

  std::uint16_t next_seq() { return seq_++; }

  // Encodes `m` and protects it as the policy table says for its type: kNone -> KD-sess ID 0 PDU; otherwise with
  // `ctx` (which must be the context the table names) in the table's mode. Appends the PDU to s.out.pdus.
  Status send(Step& s, const pc5::Message& m, SessionContext* ctx);
  Status send_user_data(Step& s, SessionContext& ctx, pdcp::SduType type, ByteView sdu);
  // Sends `m` again (a new PDU: protected PDUs get the next COUNT of `ctx`) and reports Retransmitted{name, n}, n
  // counting the retransmissions since the last send() of that message type.
  Status resend(Step& s, const pc5::Message& m, SessionContext* ctx);
  // Expiry of timer `id`, which guards `m`: while the table's retransmissions for `id` are not used up, resend `m`,
  // re-arm `id` and return true; return false (nothing sent) when they are, and the caller gives up.
  Result<bool> retransmit_on_expiry(Step& s, TimerId id, const pc5::Message& m, SessionContext* ctx);

  // Decodes an unprotected (KD-sess ID 0) signalling PDU and checks the table allows it unprotected.
  Status decode_unprotected_signalling(Step& s);
  // Unprotects a signalling PDU with `ctx` in `mode`, decodes it and checks the policy table agrees with the mode.
  Status decode_protected_signalling(Step& s, SessionContext& ctx, pdcp::ProtectionMode mode);

  static void drop(Step& s, const Error& e) { s.out.events.emplace_back(PduDropped{e.code, e.to_string()}); }

  Role role_;
  TimerConfig timer_cfg_;
  TimerSet timers_;
  std::shared_ptr<KdSessIdRegistry> ids_;
  cipher::Backend* be_;
  SessionOptions sopt_;
  std::uint16_t seq_ = 1;

  std::optional<KdState> kd_;
  std::optional<SessionContext> current_;
  std::optional<SessionContext> previous_;  // the context before the last rekey (in-flight PDUs)
  pc5::DirectCommunicationRelease last_release_;
  ReleaseCause release_cause_ = ReleaseCause::kLocal;

 private:
  Status send_pdu(Step& s, const pc5::Message& m, SessionContext* ctx);
  std::array<unsigned, 256> resent_{};  // retransmissions per message type since its last send()
};

const char* message_name(const pc5::Message& m);

}  // namespace prose::link::detail
