// What the link state machines take in and give out (sans I/O). The driver (agent, test, benchmark) feeds
// received PDUs, timer expiries and events with the current time, and carries out the returned Output:
// send every PDU on PC5 in order, apply the timer commands, hand the events to the layer above.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "prose/link/algorithms.h"
#include "prose/link/timers.h"
#include "prose/pc5/messages.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::link {

// ---- Events up -----------------------------------------------------------------------------------------------
// Relay: ask the PKMF for KD (Key Request with the PRUK ID or IMSI from the DCR / DRRq). Answer with
// Relay::kd_available() or Relay::kd_error(). rand/auts are set when the Remote UE reported an SQN failure
// while processing the GPI (DSM Reject #9): the PKMF resynchronises and runs GBA Push again.
struct NeedKd {
  pc5::UserInfo long_term_id;
  ids::Nonce1 nonce_1{};
  std::optional<ids::RelayServiceCode> relay_service_code;
  std::optional<ids::Rand> rand;
  std::optional<ids::Auts> auts;
  bool rekey = false;  // a Direct Rekeying Request with the Auth Flag asked for a fresh KD
};
// Both: the link (or a rekeyed context) is secured.
struct LinkSecured {
  ids::KdSessId kd_sess_id;
  ids::KdId kd_id;
  AlgorithmPair algorithms;
  std::optional<ids::PrukId> pruk_id;  // Remote UE: the PRUK that produced KD (the store's "used successfully" rule)
  bool pruk_from_gpi = false;          // Remote UE: that PRUK came from the GPI of this setup
  bool rekey = false;
};
// Both: user data (or another non-signalling SDU) arrived on the secured link.
struct DataReceived {
  std::uint8_t sdu_type = 0;
  Bytes data;
};
// Remote UE: the GPI in the DSMC produced a new PRUK (GBA Push). The key store applies the replacement rules.
struct NewPruk {
  ids::PrukId pruk_id;
  SecretBytes pruk;
};
// Remote UE: the relay rejected the DCR because the PRUK ID was not recognised; the machine falls back to the
// IMSI for this relay, and the agent should remember it for later attempts.
struct PrukIdRejected {
  ids::PrukId pruk_id;
};
enum class ReleaseCause : std::uint8_t {
  kLocal,             // release() was called and the peer accepted (or T4103 ran out)
  kPeer,              // the peer sent a Direct Communication Release
  kInactivity,        // relay: T4108 expired
  kKeepaliveTimeout,  // remote UE: T4101 retransmissions exhausted
};
struct LinkReleased {
  ReleaseCause cause = ReleaseCause::kLocal;
  std::optional<pc5::ReleaseReason> peer_reason;
};
// Both: link setup (or a rekey) ended without a secured link. `cause` is the PC5 cause sent or received.
struct SetupFailed {
  pc5::Cause cause = pc5::Cause::kUnspecifiedError;
  bool from_peer = false;  // the cause came in a reject from the peer
  std::string detail;
};
// Both: a received PDU was discarded (bad MAC, replay, unexpected in this state, undecodable). State unchanged.
struct PduDropped {
  Errc reason = Errc::kMalformed;
  std::string detail;
};
// Both: a rekey is needed because the PDCP COUNT of the current context approaches its limit. The Remote UE
// starts it by itself; the relay sends a Direct Rekeying Trigger.
struct RekeyStarted {
  bool auth_flag = false;
  bool count_limit = false;
};

// Both: the machine sent a PDU again because its peer did not answer (timer expiry) or asked for it again by
// retransmitting its own PDU. `what` is the message name (e.g. "DIRECT_SECURITY_MODE_COMMAND"), `attempt` counts the
// retransmissions of that PDU (1 = the first one). Purely informational: the state machine has already acted.
struct Retransmitted {
  std::string what;
  unsigned attempt = 0;
};

// New alternatives are appended at the end so that code switching on the index keeps its meaning.
using Event = std::variant<NeedKd, LinkSecured, DataReceived, NewPruk, PrukIdRejected, LinkReleased, SetupFailed,
                           PduDropped, RekeyStarted, Retransmitted>;

struct Output {
  std::vector<Bytes> pdus;  // PDCP PDUs to send on PC5, in order
  // Per PDU of `pdus`: the PC5 signalling message type it carries (pc5::MessageType), 0 for user data. For traces
  // (the demo's count of PC5 messages by type) without opening the PDU.
  std::vector<std::uint8_t> pdu_types;
  std::vector<TimerCmd> timers;
  std::vector<Event> events;

  template <typename E>
  const E* find() const {
    for (const auto& e : events)
      if (const auto* p = std::get_if<E>(&e)) return p;
    return nullptr;
  }
  template <typename E>
  std::size_t count() const {
    std::size_t n = 0;
    for (const auto& e : events) n += std::holds_alternative<E>(e) ? 1 : 0;
    return n;
  }
};

}  // namespace prose::link
