// ProSe PRUK / PGK delivery over MIKEY pre-shared-key mode (docs/profile.md section 4), sans I/O:
// time is an argument (NTP 64-bit), randomness comes from prose/util/random.h unless the caller fixes it.
//
//   PKMF: build_delivery() -> I_MESSAGE bytes (+ a PendingVerification when V is requested);
//         PendingVerification::verify(R_MESSAGE) checks the UE's verification message.
//   UE:   Receiver holds PMKs by PMK ID and the Key Type IDs from Key Responses; open() refuses the RFC 3830
//         default algorithms unless configured, verifies the MAC (constant time) before using anything, checks
//         the clock window and the replay cache, decrypts, classifies the key and builds the R_MESSAGE when the
//         V flag asks for one. open() changes no state unless the message is fully valid.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "prose/mikey/constants.h"
#include "prose/mikey/payloads.h"
#include "prose/mikey/replay_cache.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::mikey {

using NtpTime = std::uint64_t;  // seconds since 1900 << 32 | fraction
NtpTime ntp_from_unix(std::int64_t unix_seconds);
std::int64_t unix_from_ntp(NtpTime t);  // whole seconds
NtpTime ntp_now();                      // wall clock, for the I/O layer only

// Algorithm choices of the profile. Defaults = docs/profile.md section 4.
struct Profile {
  std::uint8_t prf_func = static_cast<std::uint8_t>(PrfFunc::kHmacSha256);
  std::uint8_t encr_alg = static_cast<std::uint8_t>(EncrAlg::kAesCm128);
  std::uint8_t mac_alg = static_cast<std::uint8_t>(MacAlg::kHmacSha256_256);
  // false (the profile): identities in RFC 3830 ID payloads (type 6, ID type NAI), IDi first, then IDr;
  // true: RFC 6043 IDR payloads (roles IDRi/IDRr), for peers that want them. A Receiver accepts both.
  bool use_idr = false;
  std::size_t rand_len = 16;
};

struct DeliveryParams {
  SecretBytes pmk;
  Bytes pmk_id;
  Bytes key_type_id;         // from the Key Response; exactly kKeyTypeIdLen (4) octets
  std::uint64_t key_id = 0;  // PRUK ID (or PGK ID); 0 = "send a Key Request" trigger
  SecretBytes key;           // PRUK / PGK
  std::string pkmf_fqdn;
  std::string ue_id;  // UE NAI
  // Seconds; > 0 adds the key validity KV interval: Valid From = T, Valid To = T + lifetime (8-octet NTP each).
  std::uint32_t lifetime = 0;
  bool verify = false;                        // V flag
  std::vector<GeneralExtPayload> extensions;  // optional, MAC-protected
  // Fixed values for reproducible messages (tests, corpus); random when unset.
  std::optional<std::uint32_t> csb_id;
  std::optional<Bytes> rand;
};

struct BuiltDelivery;
Result<BuiltDelivery> build_delivery(const DeliveryParams& p, const Profile& profile, NtpTime now);

// What the PKMF keeps to check the verification message.
class PendingVerification {
 public:
  // kAuthFailed on a wrong MAC, kMalformed/kTruncated on a bad message, kState when it does not belong to
  // this delivery (data type, CSB ID, timestamp).
  Status verify(ByteView r_message) const;
  std::uint32_t csb_id() const { return csb_id_; }

 private:
  friend Result<BuiltDelivery> build_delivery(const DeliveryParams&, const Profile&, NtpTime);
  std::uint8_t prf_func_ = 0, mac_alg_ = 0;
  std::uint32_t csb_id_ = 0;
  NtpTime t_ = 0;  // the T of the I_MESSAGE (NTP-UTC)
  Bytes idi_, idr_;
  SecretBytes auth_key_;
};

struct BuiltDelivery {
  Bytes message;
  std::uint32_t csb_id = 0;
  NtpTime t = 0;
  Bytes rand;
  std::string idi, idr;
  std::optional<PendingVerification> pending;  // set when verify was requested
};

Result<BuiltDelivery> build_delivery(const DeliveryParams& p, const Profile& profile, NtpTime now);

// IDi / IDr user parts (profile section 4): IDi = hex(32-bit Key Type ID) || hex(64-bit key ID) "@" FQDN
// (8 + 16 hex digits), IDr = hex(PMK ID) "@" UE NAI (provisional).
std::string make_idi(ByteView key_type_id, std::uint64_t key_id, std::string_view fqdn);
std::string make_idr(ByteView pmk_id, std::string_view ue_id);
struct ParsedIdi {
  Bytes key_type_id;  // kKeyTypeIdLen octets, matched against the stored Key Type IDs
  std::uint64_t key_id = 0;
  std::string fqdn;
};
// kMalformed unless the user part is exactly 24 hex digits (a Key Type ID of another length is refused).
Result<ParsedIdi> parse_idi(ByteView data);
struct ParsedIdr {
  Bytes pmk_id;
  std::string ue_id;
};
Result<ParsedIdr> parse_idr(ByteView data);

enum class KeyClass { kPruk, kPgk };
std::string_view key_class_name(KeyClass c);

struct OpenedDelivery {
  KeyClass key_class = KeyClass::kPruk;
  // All-zero key ID: the message only tells the UE to send a Key Request (profile section 4). The MAC was
  // verified; the delivered key was discarded: `key` is empty. Never store such a delivery.
  bool key_request_trigger = false;
  std::uint64_t key_id = 0;
  Bytes key_type_id;
  Bytes pmk_id;
  std::string pkmf_fqdn, ue_id;
  std::uint32_t csb_id = 0;
  NtpTime t = 0;
  SecretBytes key;                              // empty when key_request_trigger
  std::optional<NtpTime> valid_from, valid_to;  // key validity interval, when present (valid_from == t)
  std::vector<GeneralExtPayload> extensions;
  std::optional<Bytes> verification_message;  // R_MESSAGE to send back when V was set
};

struct ReceiverConfig {
  std::int64_t window_seconds = kDefaultClockWindowSeconds;
  std::size_t replay_capacity = 1024;
  // The profile accepts only PRF-HMAC-SHA-256 and HMAC-SHA-256-256. true also accepts the RFC 3830 defaults
  // PRF MIKEY-1 and HMAC-SHA-1-160 (for RFC 3830-only peers); never chosen silently.
  bool accept_rfc3830_defaults = false;
};

class Receiver {
 public:
  // window_seconds is clamped to [0, 2^30].
  explicit Receiver(ReceiverConfig cfg = {});

  // A PMK from a Key Response; replaces an earlier PMK with the same ID.
  void add_pmk(ByteView pmk_id, SecretBytes pmk);
  void remove_pmk(ByteView pmk_id);
  // kInvalidArgument (and nothing stored) unless the Key Type ID is kKeyTypeIdLen octets.
  Status add_key_type(ByteView key_type_id, KeyClass c);

  // Errors: kMalformed/kTruncated (at offset), kUnsupported (also PRF MIKEY-1 / HMAC-SHA-1-160 unless
  // accept_rfc3830_defaults), kNotFound ("unknown PMK ID" or "unknown Key Type ID"), kAuthFailed (MAC),
  // kClockSkew, kReplay.
  Result<OpenedDelivery> open(ByteView message, NtpTime now);

  ReplayCache& replay_cache() { return replay_; }
  const ReplayCache& replay_cache() const { return replay_; }

 private:
  ReceiverConfig cfg_;
  std::map<Bytes, SecretBytes> pmks_;
  std::map<Bytes, KeyClass> key_types_;
  ReplayCache replay_;
};

// The bytes the V payload MAC covers (RFC 3830 5.2, profile section 4): the R_MESSAGE up to the MAC field
// (including the auth alg octet) || IDi value || IDr value (the ID data) || the 8-octet NTP value of the
// I_MESSAGE's T. Both sides (Receiver::open, PendingVerification::verify) use this one function.
Bytes v_mac_input(ByteView r_message_before_mac, ByteView idi, ByteView idr, NtpTime t);

}  // namespace prose::mikey
