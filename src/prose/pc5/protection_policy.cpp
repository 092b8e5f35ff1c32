#include "prose/pc5/protection_policy.h"

namespace prose::pc5 {

std::optional<SignallingProtection> signalling_protection(MessageType type) {
  using P = PdcpProtection;
  using K = KeyContext;
  switch (type) {
    // Sent before any context exists, or to refuse one [P; recalled, TS 33.303 6.5 not read].
    case MessageType::kDirectCommunicationRequest:
    case MessageType::kDirectCommunicationReject:
    case MessageType::kDirectSecurityModeReject:
      return SignallingProtection{P::kNone, K::kNone, kLcidPc5sUnprotected};
    // Integrity with the new context, not ciphered [V TS 36.523-1 19.1.10, docs/sources.md S14].
    case MessageType::kDirectSecurityModeCommand:
      return SignallingProtection{P::kIntegrity, K::kNew, kLcidPc5sDsm};
    // Integrity and ciphering with the new context [P].
    case MessageType::kDirectSecurityModeComplete:
      return SignallingProtection{P::kIntegrityAndCiphering, K::kNew, kLcidPc5sDsm};
    // Everything else: integrity and ciphering with the link's current context [P].
    case MessageType::kDirectCommunicationAccept:
    case MessageType::kDirectCommunicationKeepalive:
    case MessageType::kDirectCommunicationKeepaliveAck:
    case MessageType::kDirectCommunicationRelease:
    case MessageType::kDirectCommunicationReleaseAccept:
    case MessageType::kDirectRekeyingRequest:
    case MessageType::kDirectRekeyingResponse:
    case MessageType::kDirectRekeyingTrigger:
    case MessageType::kRemoteUeInfoRequest:
    case MessageType::kRemoteUeInfoResponse:
      return SignallingProtection{P::kIntegrityAndCiphering, K::kCurrent, kLcidPc5sProtected};
  }
  return std::nullopt;
}

}  // namespace prose::pc5
