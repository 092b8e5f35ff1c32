// The Remote UE (initiator) side of a PC5 UE-to-Network Relay link, as a sans-I/O state machine with an
// explicit state table (remote_ue.cpp, kRemoteTable; docs/link.md). TS 33.303 6.7 steps 3, 5b and clause 6.5.
//
//   start()            -> DIRECT_COMMUNICATION_REQUEST (Long Term ID = PRUK ID or IMSI), T4100
//   DSMC (new context) -> [GPI -> new PRUK] KD = A.7(PRUK, KD freshness), KD-sess, PEK/PIK, MAC check,
//                         capability replay check -> DIRECT_SECURITY_MODE_COMPLETE (or DSM Reject + cause)
//   DCA                -> link secured; keepalive (T4102 interval, T4101 retransmission)
//   rekey() / DRT / COUNT limit -> DIRECT_REKEYING_REQUEST -> DSMC -> DSM Complete on the new KD-sess
//   release()          -> DIRECT_COMMUNICATION_RELEASE, T4103
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "prose/gba/gba.h"
#include "prose/link/io.h"
#include "prose/link/machine_base.h"

namespace prose::link {

// Processing of a GPI (GBA Push Info) found in a DSMC gives the gba module's own gba::GpiOutcome: exactly one of
// accepted (PRUK ID = P-TID, PRUK = Ks_(ext)_NAF) or sync_failure (RAND + AUTS for the DSM Reject #9).
// Injected GPI processing (real implementation: prose/link/gba_gpi_processor.h = gba::process_gpi + a USIM).
// An error (bad MAC, foreign NAF, malformed) makes the Remote UE answer DSM Reject #2.
using GpiProcessor = std::function<Result<gba::GpiOutcome>(ByteView gpi)>;

struct RemoteUeConfig {
  std::string imsi;                                         // 6..15 digits
  std::optional<ids::RelayServiceCode> relay_service_code;  // sent in the DCR
  // The PRUK this UE holds from the relay's PKMF, if any.
  std::optional<ids::PrukId> pruk_id;
  SecretBytes pruk;
  // An earlier attempt to this relay was rejected because the PRUK ID was not recognised: use the IMSI.
  bool pruk_id_rejected_before = false;
  AlgorithmPolicy policy;
  TimerConfig timers;
  std::uint32_t maximum_inactivity_period_s = 30;  // DCR Maximum Inactivity Period
  pc5::IpAddressConfig ip_address_config = pc5::IpAddressConfig::kAddressAllocationNotSupported;
  GpiProcessor gpi_processor;  // required to accept a DSMC that carries a GPI
  SessionOptions session;
  std::shared_ptr<KdSessIdRegistry> ids;  // shared by all links of this UE; created when null
  cipher::Backend* backend = nullptr;     // cipher::default_backend() when null
};

enum class RemoteState : std::uint8_t {
  kIdle,         // created, start() not yet called
  kWaitDsmc,     // DCR sent, T4100 running
  kWaitDca,      // DSMC accepted, DSM Complete sent, T4100 running
  kEstablished,  // DCA received: user data, keepalive
  kRekeying,     // DRRq sent, waiting for the DSMC of the new KD-sess; old context still carries data
  kReleasing,    // Release sent, T4103 running
  kReleased,     // terminal
  kFailed,       // terminal: setup failed
};
inline constexpr std::size_t kRemoteStateCount = 8;
const char* remote_state_name(RemoteState s);

enum class RemoteInput : std::uint8_t {
  // received PC5 signalling
  kRxDirectCommunicationAccept,
  kRxDirectCommunicationReject,
  kRxKeepalive,
  kRxKeepaliveAck,
  kRxRelease,
  kRxReleaseAccept,
  kRxSecurityModeCommand,  // a DSMC for a new context (setup or rekey), or a retransmission
  kRxRekeyingResponse,
  kRxRekeyingTrigger,
  kRxUserData,
  kRxOther,  // any other (valid) message type: never allowed
  // local events
  kStart,
  kSendData,
  kRelease,
  kRekey,
  // timer expiries
  kT4100,
  kT4101,
  kT4102,
  kT4103,
  kRekeyTimer,
};
inline constexpr std::size_t kRemoteInputCount = 20;
const char* remote_input_name(RemoteInput i);

class RemoteUe : private detail::MachineBase {
 public:
  static Result<std::unique_ptr<RemoteUe>> create(RemoteUeConfig cfg);
  ~RemoteUe();  // gives its KD-sess IDs back to the shared registry
  RemoteUe(const RemoteUe&) = delete;
  RemoteUe& operator=(const RemoteUe&) = delete;

  Result<Output> start(TimePoint now);  // kState unless IDLE
  Output on_pdu(TimePoint now, ByteView pdu);
  Output on_timer(TimePoint now, TimerId id);
  // Local requests: kState when not allowed in the current state (nothing changes).
  Result<Output> send_data(TimePoint now, ByteView sdu, pdcp::SduType type = pdcp::SduType::kIp);
  Result<Output> release(TimePoint now);
  Result<Output> rekey(TimePoint now, bool auth_flag);

  RemoteState state() const { return state_; }
  std::optional<ids::KdSessId> kd_sess_id() const;
  std::optional<ids::KdId> kd_id() const;
  // SecretBytes::fingerprint of the KD in use (the one the relay got from the PKMF when both sides agree), for logs.
  std::optional<std::string> kd_fingerprint() const;
  std::optional<AlgorithmPair> algorithms() const;
  const SessionContext* current_context() const { return current_ ? &*current_ : nullptr; }
  bool using_imsi() const { return use_imsi_; }
  // The IP Address Config of the relay's DCA (what it serves: DHCPv4, IPv6 router); nullopt before the DCA.
  std::optional<pc5::IpAddressConfig> relay_ip_address_config() const { return relay_ip_address_config_; }
  const TimerSet& timers() const { return timers_; }

  static std::vector<StateTableRow> state_table();
  struct Row;

 private:
  explicit RemoteUe(RemoteUeConfig cfg);
  using Handler = Status (RemoteUe::*)(detail::Step&);
  static const std::vector<Row>& table();

  // Dispatch through the table; an input with no row: PDUs are dropped, timers ignored, local events kState.
  Status dispatch(detail::Step& s, RemoteInput in);
  Status classify_and_dispatch(detail::Step& s);

  // handlers
  Status on_start(detail::Step& s);
  Status on_dsmc(detail::Step& s);
  Status on_dsmc_retransmission(detail::Step& s);
  Status on_dca(detail::Step& s);
  Status on_dca_again(detail::Step& s);
  Status on_dcrj(detail::Step& s);
  Status on_keepalive(detail::Step& s);
  Status on_keepalive_ack(detail::Step& s);
  Status on_rekey_response(detail::Step& s);
  Status on_rekey_trigger(detail::Step& s);
  Status on_user_data(detail::Step& s);
  Status on_send_data(detail::Step& s);
  Status on_local_release(detail::Step& s);
  Status on_local_rekey(detail::Step& s);
  Status on_t4100(detail::Step& s);
  Status on_t4101(detail::Step& s);
  Status on_t4102(detail::Step& s);
  Status on_rekey_timer(detail::Step& s);

  // helpers
  Status send_dcr(detail::Step& s);
  Status start_rekey(detail::Step& s, bool auth_flag, bool count_limit);
  Status process_new_dsmc(detail::Step& s);
  void send_dsm_reject(detail::Step& s, pc5::Cause cause, const std::optional<gba::GpiSyncFailure>& sync = {});
  void fail_setup(detail::Step& s, pc5::Cause cause, bool from_peer, std::string detail);
  void enter_released(detail::Step& s, ReleaseCause cause, std::optional<pc5::ReleaseReason> reason) override;
  Status begin_release(detail::Step& s, pc5::ReleaseReason reason, ReleaseCause cause);
  void release_msb();
  void check_count_limit(detail::Step& s);
  Output finish(detail::Step& s);

  RemoteUeConfig cfg_;
  RemoteState state_ = RemoteState::kIdle;
  bool use_imsi_ = false;
  std::optional<pc5::IpAddressConfig> relay_ip_address_config_;

  // The setup / rekey attempt in progress.
  pc5::DirectCommunicationRequest dcr_;
  std::optional<pc5::DirectRekeyingRequest> drrq_;
  std::uint8_t pending_msb_ = 0;
  bool msb_reserved_ = false;
  // Cache of the last GPI processed in this attempt (a retransmitted DSMC must not run the USIM twice).
  Bytes gpi_bytes_;
  std::optional<ids::PrukId> gpi_pruk_id_;
  SecretBytes gpi_pruk_;
  // The DSMC we answered last (a retransmission must be identical to it) and our answer, resent when the same
  // DSMC arrives again because the relay did not get the answer.
  std::optional<pc5::DirectSecurityModeCommand> last_dsmc_;
  std::optional<pc5::DirectSecurityModeComplete> last_dsm_complete_;
  // The PRUK this machine derives KD from: the configured one, replaced by the GPI's PRUK once a KD derived from it
  // has been confirmed with a DSM Complete (so that a later Auth Flag rekey, for which the PKMF uses that PRUK,
  // derives the same KD).
  std::optional<ids::PrukId> pruk_id_;
  SecretBytes pruk_;
  bool pruk_from_gpi_ = false;
  pc5::DirectCommunicationKeepalive last_keepalive_;

  bool rekey_auth_flag_ = false;
  bool count_rekey_started_ = false;

  std::uint32_t keepalive_counter_ = 0;
  TimePoint last_rx_{};
};

}  // namespace prose::link
