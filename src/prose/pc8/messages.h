// PC8 Key Request / Key Response messages (TS 33.303 Annex E, clauses 6.X.3.3.2.2 and 6.X.3.3.3.2 of the
// relay CR): typed models. The XML binding is in prose/pc8/codec.h, the schema in schema/pc8.xsd, the field
// sizes and names in ONE table each (prose/pc8/constants.h), the status codes in prose/pc8/error_codes.h.
//
// Eight message kinds, each with a Transaction ID:
//   KEY_REQUEST  : PrukRequest (Remote UE), KdRequest (relay), PgkRequest (one-to-many), DiscoveryKeyRequest
//   KEY_RESPONSE : PrukResponse, KdResponse, PgkResponse, DiscoveryKeyResponse
// Keys (KD, PMK, PRUK, PSDK) are SecretBytes, so messages are move-only; use clone() for a deliberate copy.
// The identity of the sender is never taken from these models: it is the one bound to the TLS keys.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "prose/ids/ids.h"
#include "prose/pc8/constants.h"
#include "prose/pc8/error_codes.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::pc8 {

// ---------------------------------------------------------------------------------------------------------------
// Strong identifier types. Integers whose wire form is a fixed number of octets in hex (big-endian). The identifiers
// shared with PC5, the link and GBA (PRUK ID, Relay Service Code, Nonce_1, RAND, AUTS, KD freshness) are those of
// prose/ids/ids.h; the ones below exist only on PC8.

static_assert(ids::kPrukIdSize == kPrukIdSize && ids::kRelayServiceCodeSize == kRelayServiceCodeSize);
static_assert(ids::kNonceSize == kNonce1Size && ids::kRandSize == kRandSize && ids::kAutsSize == kAutsSize);
static_assert(ids::kKdFreshnessSize == kKdFreshnessSize);

struct PmkIdTag {};
struct PgkIdTag {};
struct KeyTypeIdTag {};
struct GroupIdTag {};
struct GroupMemberIdTag {};
struct PsdkIdTag {};

// Transaction ID: decimal on the wire (xs:unsignedInt), chosen by the requester, echoed in the response.
struct TransactionId {
  std::uint32_t value = 0;
  auto operator<=>(const TransactionId&) const = default;
};

using PmkId = ids::IntId<PmkIdTag, std::uint64_t, kPmkIdSize>;                          // 64 bit
using PgkId = ids::IntId<PgkIdTag, std::uint64_t, kPgkIdSize>;                          // 64 bit (provisional)
using KeyTypeId = ids::IntId<KeyTypeIdTag, std::uint32_t, kKeyTypeIdSize>;              // 32 bit
using GroupId = ids::IntId<GroupIdTag, std::uint32_t, kGroupIdSize>;                    // 24 bit layer-2 group ID
using GroupMemberId = ids::IntId<GroupMemberIdTag, std::uint32_t, kGroupMemberIdSize>;  // 24 bit
using PsdkId = ids::IntId<PsdkIdTag, std::uint32_t, kPsdkIdSize>;                       // 32 bit (provisional)

// IMSI: 6 to 15 decimal digits (TS 23.003).
struct Imsi {
  std::string digits;
  auto operator<=>(const Imsi&) const = default;
  static Result<Imsi> parse(std::string_view s);
};
// MSISDN: 1 to 15 decimal digits (E.164 without '+').
struct Msisdn {
  std::string digits;
  auto operator<=>(const Msisdn&) const = default;
  static Result<Msisdn> parse(std::string_view s);
};

// The UE's current IP address for MIKEY delivery (IPv4 dotted quad or IPv6 text, checked with inet_pton)
// and UDP port (default kDefaultMikeyPort when absent on the wire).
struct UeAddress {
  std::string ip;
  std::optional<std::uint16_t> port;
  bool operator==(const UeAddress&) const = default;
  std::uint16_t port_or_default() const { return port.value_or(kDefaultMikeyPort); }
  static Result<UeAddress> parse(std::string_view ip, std::optional<std::uint16_t> port);
};

// UTC time with one-second resolution; on the wire "YYYY-MM-DDThh:mm:ssZ" (xs:dateTime restricted to UTC).
using UtcTime = std::chrono::sys_seconds;
std::string format_utc(UtcTime t);
Result<UtcTime> parse_utc(std::string_view s, std::string_view what);

// ---------------------------------------------------------------------------------------------------------------
// Shared parts.

// PMK and PMK ID (both or neither): protects MIKEY messages from this PKMF; replaces earlier ones at the UE.
struct PmkGrant {
  PmkId pmk_id;
  SecretBytes pmk;  // kPmkSize octets
  bool operator==(const PmkGrant&) const = default;
  PmkGrant clone() const { return PmkGrant{pmk_id, pmk.clone()}; }
};

// One group the UE expects PGKs for (one-to-many, TS 33.303 6.2.3.3 pattern).
struct GroupKeyRequest {
  GroupId group_id;
  std::vector<std::uint8_t> supported_algorithms;  // EEA identities 0..15, 1..kMaxAlgorithms, no duplicates
  std::vector<PgkId> held_pgk_ids;                 // 0..kMaxHeldIds, no duplicates
  bool operator==(const GroupKeyRequest&) const = default;
};

// The PKMF's answer for one group: either the parameters the UE needs, or a status code.
struct GroupKeyGrant {
  GroupMemberId group_member_id;
  std::uint8_t algorithm = 0;   // chosen EEA identity (Algorithm Info), 0..15
  std::optional<PgkId> pgk_id;  // the PGK the PKMF will deliver next by MIKEY
  std::optional<UtcTime> pgk_expiry;
  bool operator==(const GroupKeyGrant&) const = default;
};
struct GroupKeyResult {
  GroupId group_id;
  std::variant<GroupKeyGrant, ErrorCode> outcome;
  bool operator==(const GroupKeyResult&) const = default;
};

// ---------------------------------------------------------------------------------------------------------------
// (a) Remote UE <-> PKMF: start or stop PRUK delivery (clause 6.X.3.3.2.2).

enum class PrukDelivery : std::uint8_t { kStart, kStop };  // wire: "start" / "stop"

struct PrukRequest {
  TransactionId transaction_id;
  PrukDelivery delivery = PrukDelivery::kStart;
  std::vector<ids::PrukId> held_pruk_ids;  // PRUK IDs the UE holds for this PKMF, 0..kMaxHeldIds
  std::optional<UeAddress> ue_address;     // where MIKEY messages go; newest overrides older
  std::vector<GroupKeyRequest> groups;     // other keys expected from this PKMF (PGKs), 0..kMaxGroups
  bool operator==(const PrukRequest&) const = default;
  PrukRequest clone() const { return *this; }
};

// Authorised: the Key Type ID the MIKEY IDi will carry, optionally a new PMK, optionally (provisional option)
// a PRUK delivered directly in the response instead of by MIKEY.
struct PrukGrant {
  KeyTypeId key_type_id;
  std::optional<PmkGrant> pmk;
  std::optional<ids::PrukId> pruk_id;  // with `pruk`: both or neither
  std::optional<SecretBytes> pruk;     // kPrukSize octets
  bool operator==(const PrukGrant&) const = default;
  PrukGrant clone() const;
};
// Acknowledgement of a stop request.
struct PrukStopAck {
  bool operator==(const PrukStopAck&) const = default;
};

struct PrukResponse {
  TransactionId transaction_id;
  std::variant<PrukGrant, PrukStopAck, ErrorCode> outcome;
  std::vector<GroupKeyResult> groups;  // results for the groups listed in the request
  bool operator==(const PrukResponse&) const = default;
  PrukResponse clone() const;
};

// ---------------------------------------------------------------------------------------------------------------
// (b) Relay <-> PKMF: KD request (clause 6.X.3.3.3.2).

struct Resync {
  ids::Rand rand;
  ids::Auts auts;
  bool operator==(const Resync&) const = default;
};

struct KdRequest {
  TransactionId transaction_id;
  std::variant<ids::PrukId, Imsi> remote_ue;  // the Long Term ID from the Direct Communication Request
  ids::RelayServiceCode relay_service_code;
  std::optional<ids::Nonce1> nonce_1;
  std::optional<Resync> resync;  // RAND + AUTS after a GBA Push SQN failure at the Remote UE
  bool operator==(const KdRequest&) const = default;
  KdRequest clone() const { return *this; }
};

// Identity of the Remote UE given to the relay (e.g. for the REMOTE UE REPORT / lawful interception).
struct RemoteUeIdentity {
  Imsi imsi;
  std::optional<Msisdn> msisdn;
  std::optional<std::string> other_identity;  // 1..kMaxOtherIdentityLength printable characters
  bool operator==(const RemoteUeIdentity&) const = default;
};

struct KdGrant {
  SecretBytes kd;  // kKdSize octets
  ids::KdFreshness kd_freshness;
  std::optional<Bytes> gpi;  // TS 33.223 GBA Push Info, 1..kMaxGpiSize octets
  std::optional<RemoteUeIdentity> remote_ue;
  bool operator==(const KdGrant&) const = default;
  KdGrant clone() const;
};

struct KdResponse {
  TransactionId transaction_id;
  std::variant<KdGrant, ErrorCode> outcome;
  bool operator==(const KdResponse&) const = default;
  KdResponse clone() const;
};

// ---------------------------------------------------------------------------------------------------------------
// (c) One-to-many: PGK request (Annex E PGK fields).

struct PgkRequest {
  TransactionId transaction_id;
  std::vector<GroupKeyRequest> groups;  // 1..kMaxGroups, distinct Group IDs
  std::optional<UeAddress> ue_address;
  bool operator==(const PgkRequest&) const = default;
  PgkRequest clone() const { return *this; }
};

struct PgkGrant {
  std::vector<GroupKeyResult> groups;  // 1..kMaxGroups
  std::optional<PmkGrant> pmk;
  bool operator==(const PgkGrant&) const = default;
  PgkGrant clone() const;
};

struct PgkResponse {
  TransactionId transaction_id;
  std::variant<PgkGrant, ErrorCode> outcome;
  bool operator==(const PgkResponse&) const = default;
  PgkResponse clone() const;
};

// ---------------------------------------------------------------------------------------------------------------
// (d) Discovery keys: a PSDK per Relay Service Code (24.334 10A pattern; profile.md section 1, A.8).

struct DiscoveryKeyRequest {
  TransactionId transaction_id;
  std::vector<ids::RelayServiceCode> relay_service_codes;  // 1..kMaxRelayServiceCodes, distinct
  std::optional<std::uint8_t> security_capabilities;       // Public Safety Discovery Security Capabilities bitmap
  bool operator==(const DiscoveryKeyRequest&) const = default;
  DiscoveryKeyRequest clone() const { return *this; }
};

// 24.334 10A "combination of keys": which discovery keys the UE uses. The DUIK is always used (prose::discovery
// requires it), so only DUSK (scrambling) and DUCK (message-specific confidentiality) are choices.
struct KeyCombination {
  bool dusk = true;
  bool duck = true;
  bool operator==(const KeyCombination&) const = default;
};
// Wire tokens: "DUIK", "DUIK-DUSK", "DUIK-DUCK", "DUIK-DUSK-DUCK" (the table in messages.cpp; schema enumerates them).
std::string_view key_combination_name(KeyCombination k);
std::optional<KeyCombination> key_combination_from_name(std::string_view name);

struct DiscoveryKeyGrant {
  SecretBytes psdk;  // kPsdkSize octets
  std::optional<PsdkId> psdk_id;
  UtcTime expiry;
  // Discovery security configuration from the PKMF (24.334 10A); absent = the ProSe Function's settings apply.
  std::optional<KeyCombination> key_combination;
  std::optional<Bytes> encrypted_bits_mask;               // 1..kMaxEncryptedBitsMaskSize octets
  std::optional<std::uint8_t> confidentiality_algorithm;  // EEA kMinDiscoveryEea..kMaxDiscoveryEea
  bool operator==(const DiscoveryKeyGrant&) const = default;
  DiscoveryKeyGrant clone() const {
    return DiscoveryKeyGrant{
        psdk.clone(), psdk_id, expiry, key_combination, encrypted_bits_mask, confidentiality_algorithm};
  }
};
struct DiscoveryKeyResult {
  ids::RelayServiceCode relay_service_code;
  std::variant<DiscoveryKeyGrant, ErrorCode> outcome;
  bool operator==(const DiscoveryKeyResult&) const = default;
  DiscoveryKeyResult clone() const;
};

struct DiscoveryKeyResponse {
  TransactionId transaction_id;
  // Either one result per requested RSC, or one status code for the whole request.
  std::variant<std::vector<DiscoveryKeyResult>, ErrorCode> outcome;
  bool operator==(const DiscoveryKeyResponse&) const = default;
  DiscoveryKeyResponse clone() const;
};

// ---------------------------------------------------------------------------------------------------------------

using Request = std::variant<PrukRequest, KdRequest, PgkRequest, DiscoveryKeyRequest>;
using Response = std::variant<PrukResponse, KdResponse, PgkResponse, DiscoveryKeyResponse>;
using Message = std::variant<PrukRequest, KdRequest, PgkRequest, DiscoveryKeyRequest, PrukResponse, KdResponse,
                             PgkResponse, DiscoveryKeyResponse>;

// Order matches the Message alternatives.
enum class MessageKind : std::uint8_t {
  kPrukRequest,
  kKdRequest,
  kPgkRequest,
  kDiscoveryKeyRequest,
  kPrukResponse,
  kKdResponse,
  kPgkResponse,
  kDiscoveryKeyResponse,
};
inline constexpr std::size_t kMessageKindCount = 8;

MessageKind kind_of(const Message& m);
// CLI names: "pruk-request", "kd-request", ... (in the kind table in messages.cpp).
std::string_view kind_name(MessageKind k);
std::optional<MessageKind> kind_from_name(std::string_view name);
bool is_request(MessageKind k);
TransactionId transaction_id_of(const Message& m);

Message clone(const Message& m);
Message to_message(Request r);
Message to_message(Response r);

// Checks every invariant the schema and the codec enforce (sizes, counts, duplicates, digits, addresses,
// PRUK ID != 0, both-or-neither pairs). The encoder refuses a message that fails this.
Status validate(const Message& m);

}  // namespace prose::pc8
