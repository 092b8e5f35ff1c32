// PeerIdentity: who is at the other end of a TLS connection, taken from the keys that established it (the
// client certificate's subjectAltName or the TLS-PSK identity), never from a message body.
//
// The one place that defines how identities are written into certificates (subjectAltName URI):
//   Remote UE:  "imsi-<6..15 digits>"            e.g. imsi-001010000000001
//   Relay:      "relay-<1..64 of [A-Za-z0-9._-]>" e.g. relay-r1
//   Operator:   "operator-<1..64 of [A-Za-z0-9._-]>" e.g. operator-ops (monitoring: the PKMF's /metrics; never
//               a key)
// A certificate must carry exactly one such URI. A TLS-PSK peer (GBA, TS 33.222) is identified by its PSK
// identity (the B-TID), which the PKMF resolves through the BSF.
#pragma once

#include <string>
#include <string_view>

#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::net {

enum class PeerKind {
  kUe,        // Remote UE, identified by IMSI (client certificate)
  kRelay,     // UE-to-Network Relay (client certificate)
  kOperator,  // operations staff or a monitoring system (client certificate): no key exchange
  kPsk,       // TLS-PSK peer (GBA): the PSK identity, e.g. a B-TID
};

std::string_view peer_kind_name(PeerKind k);

// The subjectAltName URI prefixes, one table: kind -> prefix.
struct SanPrefix {
  PeerKind kind;
  std::string_view prefix;
};
inline constexpr SanPrefix kSanPrefixes[] = {
    {PeerKind::kUe, "imsi-"},
    {PeerKind::kRelay, "relay-"},
    {PeerKind::kOperator, "operator-"},
};
inline constexpr std::size_t kImsiMinDigits = 6;
inline constexpr std::size_t kImsiMaxDigits = 15;  // TS 23.003 2.2: not more than 15 digits
inline constexpr std::size_t kRelayIdMaxLen = 64;
inline constexpr std::size_t kOperatorIdMaxLen = 64;
inline constexpr std::size_t kPskIdentityMaxLen = 128;  // OpenSSL PSK_MAX_IDENTITY_LEN (RFC 4279 allows 2^16-1)

class PeerIdentity {
 public:
  static Result<PeerIdentity> ue(std::string_view imsi);
  static Result<PeerIdentity> relay(std::string_view relay_id);
  static Result<PeerIdentity> operator_id(std::string_view name);
  static Result<PeerIdentity> psk(std::string_view psk_identity);
  // Parses a subjectAltName URI ("imsi-..." / "relay-..." / "operator-...").
  static Result<PeerIdentity> from_san_uri(std::string_view uri);
  // Parses the single identity URI out of a DER certificate (for tools and the fuzz target).
  static Result<PeerIdentity> from_certificate_der(ByteView der);

  PeerKind kind() const { return kind_; }
  // IMSI digits, relay id, operator name or PSK identity.
  const std::string& id() const { return id_; }
  // "imsi-001010000000001" / "relay-r1" / "operator-ops"; for PSK peers "psk:<identity>" (not a certificate URI).
  std::string to_string() const;
  // The subjectAltName URI to put into a certificate (not for PSK peers).
  Result<std::string> san_uri() const;

  friend bool operator==(const PeerIdentity&, const PeerIdentity&) = default;

 private:
  PeerIdentity(PeerKind k, std::string id) : kind_(k), id_(std::move(id)) {}
  PeerKind kind_;
  std::string id_;
};

}  // namespace prose::net
