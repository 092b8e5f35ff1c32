// Shared plumbing of the two link state machines (not part of the public API): the output being built, timer
// commands, PC5-S sequence numbers, and protecting / sending one PC5 signalling message by the policy table.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "prose/link/io.h"
#include "prose/link/kd_sess_ids.h"
#include "prose/link/security_context.h"
#include "prose/pc5/codec.h"
#include "prose/pc5/protection_policy.h"
#include "prose/pdcp/pdcp.h"

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

class MachineBase {
 protected:
  MachineBase(Role role, TimerConfig timers, std::shared_ptr<KdSessIdRegistry> ids, cipher::Backend& be,
              SessionOptions sopt)
      : role_(role), timer_cfg_(timers), ids_(std::move(ids)), be_(&be), sopt_(sopt) {}

  void arm(Step& s, TimerId id, Millis after);
  void arm(Step& s, TimerId id) { arm(s, id, timer_cfg_[id]); }
  void cancel(Step& s, TimerId id);
  void cancel_all(Step& s);

  std::uint16_t next_seq() { return seq_++; }

  // Encodes `m` and protects it as the policy table says for its type: kNone -> KD-sess ID 0 PDU; otherwise with
  // `ctx` (which must be the context the table names) in the table's mode. Appends the PDU to s.out.pdus.
  Status send(Step& s, const pc5::Message& m, SessionContext* ctx);
  Status send_user_data(Step& s, SessionContext& ctx, pdcp::SduType type, ByteView sdu);

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
};

const char* message_name(const pc5::Message& m);

}  // namespace prose::link::detail
