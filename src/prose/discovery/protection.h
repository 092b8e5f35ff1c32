// Protected UE-to-Network Relay discovery (TS 33.303 6.1.3.4.3 as used by 6.6/6.7; Annex A.2 MIC, A.5 scrambling,
// A.6 message-specific confidentiality, A.8 discovery keys from the PSDK). Sans-I/O: bytes and clock values in,
// bytes / messages / errors out. Steps, window and provisional choices: docs/discovery.md.
//
// Sender:   MIC = A.2(DUIK, octets 0..23, counter)  ->  octets 1..23 ^= EEA(KEY = A.6(DUCK, counter, MIC)) AND mask
//           ->  octets 0..27 ^= time-hash-bitsequence A.5(DUSK, counter with 4 LSBs 0)  ->  octet 28 = counter LSB.
// Receiver: counter from the LSB and the clock (window) -> per key set: unscramble, decipher, MIC (ct_equal),
//           decode -> replay check -> the message.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "prose/cipher/eps_algorithms.h"
#include "prose/discovery/constants.h"
#include "prose/discovery/messages.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::discovery {

// The keys of one Relay Service Code. The PKMF's "combination of keys" (24.334 10A) maps onto empty members:
// an empty DUSK means no scrambling, an empty DUCK no message-specific confidentiality. A DUIK is required.
struct DiscoveryKeys {
  SecretBytes duik, dusk, duck;
  // Encrypted_bits_mask (33.503 A.7): covers the first octets of the confidential part (octets 1..); the rest of
  // the 23 octets is fully ciphered. Empty = everything ciphered. At most 23 octets.
  Bytes encrypted_bits_mask;
  cipher::Eea eea = constants::kDefaultConfidentialityEea;

  DiscoveryKeys clone() const;
};

// A.8: DUIK, DUSK and DUCK from the PSDK (via prose::keys). kInvalidArgument for an empty PSDK.
Result<DiscoveryKeys> derive_discovery_keys(ByteView psdk);

// UTC-based counter from a clock (seconds since 1970, modulo 2^32; constants.h).
std::uint32_t utc_counter(std::int64_t unix_seconds);
// The full counter whose 8 LSBs are `lsb`, nearest to `now_counter` (within -128..+127).
std::uint32_t reconstruct_counter(std::uint8_t lsb, std::uint32_t now_counter);
// Signed distance counter - now_counter (modulo 2^32).
std::int64_t counter_offset(std::uint32_t counter, std::uint32_t now_counter);

// The protected 29-octet PDU. kInvalidArgument for a bad message field, an empty DUIK, a mask over 23 octets or EEA0
// with a DUCK.
Result<Bytes> protect(const DiscoveryMessage& m, const DiscoveryKeys& k, std::uint32_t utc_counter);

// One key set and a known full counter (its 8 LSBs must equal the PDU's): unscramble, decipher, verify the MIC,
// decode. No window, no replay state (CLI, tests). kAuthFailed when the MIC does not verify; kMalformed/kTruncated
// for a PDU of the wrong size or, after a good MIC, an undecodable message; kInvalidArgument for bad keys / a counter
// whose LSBs differ.
Result<DecodedPdu> open(ByteView pdu, const DiscoveryKeys& k, std::uint32_t utc_counter);

struct ReceiverConfig {
  std::uint32_t max_offset = constants::kDefaultMaxOffset;  // allowed clock difference, counter units (<= 127)
  std::size_t replay_cache = constants::kDefaultReplayCache;
};

class Receiver {  // one per node; keys per Relay Service Code
 public:
  explicit Receiver(ReceiverConfig c = {});  // max_offset above 127 is clamped to 127; replay_cache 0 -> 1

  void set_keys(std::uint32_t relay_service_code, DiscoveryKeys keys);  // replaces; SecretBytes moved in
  void remove_keys(std::uint32_t relay_service_code);
  bool has_keys(std::uint32_t relay_service_code) const;
  std::size_t key_sets() const { return keys_.size(); }

  // Window (kClockSkew), then per key set: unscramble, decipher, MIC (ct_equal) — a key set is the sender's only
  // when its MIC verifies and the decoded RSC is the key set's; no decoded field is used before that. Then the replay
  // check (kReplay for the same PDU at the same counter). kTruncated / kMalformed for a PDU that is not 29 octets,
  // kAuthFailed when no key set verifies. Never changes state on error.
  Result<DiscoveryMessage> accept(ByteView pdu, std::int64_t now_unix_seconds);
  // As accept, with every wire field and the full counter.
  struct Accepted {
    DecodedPdu pdu;
    std::uint32_t counter = 0;
  };
  Result<Accepted> accept_detailed(ByteView pdu, std::int64_t now_unix_seconds);

  const ReceiverConfig& config() const { return cfg_; }
  std::size_t replay_entries() const { return seen_.size(); }

 private:
  using SeenKey = std::pair<std::uint32_t, std::array<std::uint8_t, constants::kMessageSize>>;
  ReceiverConfig cfg_;
  std::map<std::uint32_t, DiscoveryKeys> keys_;
  std::set<SeenKey> seen_;
};

}  // namespace prose::discovery
