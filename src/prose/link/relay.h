// The UE-to-Network Relay (responder) side of a PC5 relay link, as a sans-I/O state machine with an explicit state
// table (relay.cpp, Relay::table(); docs/link.md). TS 33.303 6.7 steps 4a-5a and clause 6.5. One instance per
// Remote UE; all instances of one relay share a KdSessIdRegistry.
//
//   DCR                -> algorithms chosen, LSB of KD-sess ID chosen -> NeedKd (PKMF Key Request by the agent)
//   kd_available()     -> DSMC (integrity protected with the new context; KD freshness, MSB of KD ID, GPI), T4111
//   kd_error(cause)    -> DIRECT_COMMUNICATION_REJECT(cause)
//   DSM Complete       -> DIRECT_COMMUNICATION_ACCEPT, link secured, T4108 inactivity
//   DSM Reject #9      -> NeedKd with RAND + AUTS (resynchronisation), then a new DSMC
//   DRRq               -> new KD-sess (or NeedKd first with the Auth Flag) -> DSMC -> DSM Complete -> DRRs
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "prose/link/io.h"
#include "prose/link/machine_base.h"
#include "prose/link/remote_ue.h"

namespace prose::link {

struct RelayConfig {
  std::optional<ids::RelayServiceCode> relay_service_code;  // a DCR naming another RSC is rejected (#1)
  AlgorithmPolicy policy;
  TimerConfig timers;
  pc5::IpAddressConfig ip_address_config = pc5::IpAddressConfig::kAddressAllocationNotSupported;
  SessionOptions session;
  std::shared_ptr<KdSessIdRegistry> ids;  // shared by all links of this relay; created when null
  cipher::Backend* backend = nullptr;
};

// The PKMF's answer to a Key Request (PC8): KD, KD freshness and, after GBA Push, the GPI. Not pc8::KdGrant on
// purpose: that is the PC8 message model (it also carries the Remote UE's identity, which service/ keeps for the
// relay and the link machine never reads), and link/ stays independent of the PC8 XML module. service/ converts
// one into the other; the KD freshness is the same ids::KdFreshness on both.
struct KdGrant {
  SecretBytes kd;
  ids::KdFreshness kd_freshness{};
  std::optional<Bytes> gpi;
};

enum class RelayState : std::uint8_t {
  kIdle,               // waiting for a DCR
  kWaitKd,             // NeedKd emitted
  kWaitDsmComplete,    // DSMC sent, T4111 running
  kEstablished,        // DCA sent: user data, keepalive, T4108
  kRekeyWaitKd,        // DRRq with Auth Flag: NeedKd emitted; old context carries data
  kRekeyWaitComplete,  // rekey DSMC sent, T4111 running
  kReleasing,
  kReleased,
  kFailed,
};
inline constexpr std::size_t kRelayStateCount = 9;
const char* relay_state_name(RelayState s);

enum class RelayInput : std::uint8_t {
  kRxDirectCommunicationRequest,
  kRxSecurityModeComplete,
  kRxSecurityModeReject,
  kRxKeepalive,
  kRxRelease,
  kRxReleaseAccept,
  kRxRekeyingRequest,
  kRxUserData,
  kRxOther,
  kKdAvailable,
  kKdError,
  kSendData,
  kRelease,
  kRekey,
  kT4103,
  kT4108,
  kT4111,
};
inline constexpr std::size_t kRelayInputCount = 17;
const char* relay_input_name(RelayInput i);

class Relay : private detail::MachineBase {
 public:
  static Result<std::unique_ptr<Relay>> create(RelayConfig cfg);
  ~Relay();  // gives its KD-sess IDs back to the shared registry
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  Output on_pdu(TimePoint now, ByteView pdu);
  Output on_timer(TimePoint now, TimerId id);
  Result<Output> kd_available(TimePoint now, KdGrant grant);
  Result<Output> kd_error(TimePoint now, pc5::Cause cause);
  Result<Output> send_data(TimePoint now, ByteView sdu, pdcp::SduType type = pdcp::SduType::kIp);
  Result<Output> release(TimePoint now);
  // Ask the Remote UE to rekey (Direct Rekeying Trigger).
  Result<Output> rekey(TimePoint now);

  RelayState state() const { return state_; }
  std::optional<ids::KdSessId> kd_sess_id() const;
  std::optional<ids::KdId> kd_id() const;
  std::optional<AlgorithmPair> algorithms() const;
  const SessionContext* current_context() const { return current_ ? &*current_ : nullptr; }
  // The Remote UE's Long Term ID from its DCR (the agent's Key Request uses it).
  const pc5::UserInfo& long_term_id() const { return dcr_.user_info; }
  const TimerSet& timers() const { return timers_; }

  static std::vector<StateTableRow> state_table();
  struct Row;

 private:
  explicit Relay(RelayConfig cfg);
  using Handler = Status (Relay::*)(detail::Step&);
  static const std::vector<Row>& table();

  Status dispatch(detail::Step& s, RelayInput in);
  Status classify_and_dispatch(detail::Step& s);

  Status on_dcr(detail::Step& s);
  Status on_dcr_again(detail::Step& s);
  Status on_kd_available(detail::Step& s);
  Status on_kd_error(detail::Step& s);
  Status on_dsm_complete(detail::Step& s);
  Status on_dsm_complete_again(detail::Step& s);
  Status on_dsm_reject(detail::Step& s);
  Status on_t4111(detail::Step& s);
  Status on_keepalive(detail::Step& s);
  Status on_user_data(detail::Step& s);
  Status on_send_data(detail::Step& s);
  Status on_drrq(detail::Step& s);
  Status on_drrq_again(detail::Step& s);
  Status on_local_rekey(detail::Step& s);
  Status on_local_release(detail::Step& s);
  Status on_t4108(detail::Step& s);

  Status send_dsmc(detail::Step& s);
  void reject_dcr(detail::Step& s, pc5::Cause cause, std::string detail);
  void fail_setup(detail::Step& s, pc5::Cause cause, bool from_peer, std::string detail);
  Status begin_release(detail::Step& s, pc5::ReleaseReason reason, ReleaseCause cause);
  void enter_released(detail::Step& s, ReleaseCause cause, std::optional<pc5::ReleaseReason> reason) override;
  void drop_pending();
  void check_count_limit(detail::Step& s);
  Millis inactivity_period() const;
  Output finish(detail::Step& s) { return std::move(s.out); }
  pc5::DirectCommunicationAccept dca() const { return {dcr_.sequence_number, cfg_.ip_address_config, std::nullopt}; }

  RelayConfig cfg_;
  RelayState state_ = RelayState::kIdle;

  pc5::DirectCommunicationRequest dcr_;
  std::optional<pc5::DirectRekeyingRequest> drrq_;
  AlgorithmPair algs_;
  ids::KdSessId pending_id_;      // claimed KD-sess ID of the context being established
  std::optional<KdGrant> grant_;  // the KD being established (setup or Auth Flag rekey)
  std::uint16_t pending_kd_id_msb_ = 0;
  std::optional<pc5::DirectSecurityModeCommand> dsmc_;
  std::optional<SessionContext> pending_;
  std::uint32_t max_inactivity_s_ = 0;
  TimePoint last_rx_{};
  bool trigger_sent_ = false;
  std::optional<KdGrant> kd_in_;  // handed in by kd_available(), consumed by its handler
  pc5::Cause kd_error_cause_ = pc5::Cause::kUnspecifiedError;
};

}  // namespace prose::link
