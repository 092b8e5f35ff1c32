// THE table of constants of protected UE-to-Network Relay discovery (TS 33.303 clauses 6.1.3.4.3 / 6.6 / 6.7,
// Annex A.2, A.5, A.6, A.8; TS 24.334 PC5_DISCOVERY message layout). Every value carries its source and status;
// docs/conformance/discovery.md lists the same rows. Change a value here and nowhere else. (The KDF FC values of
// A.2/A.5/A.6/A.8 are in prose/keys/fc_table.h, owned by the keys module.)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "prose/cipher/eps_algorithms.h"

namespace prose::discovery::constants {

// --- TS 24.334 PC5_DISCOVERY message (UE-to-Network Relay discovery), octet layout --------------------------
// Fixed size of every PC5_DISCOVERY message: 232 bits = 29 octets (8-bit Message Type + 184-bit body + 32-bit MIC
// + 8-bit UTC-based counter LSB). VERIFIED [V 36.508 4.7F: ProSe App Code 184 bits] + [I psc-ns3: 29 octets].
inline constexpr std::size_t kMessageSize = 29;
inline constexpr std::size_t kOffType = 0;      // Message Type, 1 octet
inline constexpr std::size_t kOffRsc = 1;       // Relay Service Code, 3 octets (big-endian, profile.md 3)
inline constexpr std::size_t kOffInfo = 4;      // Announcer / Discoverer / Discoveree Info (User Info ID), 6 octets
inline constexpr std::size_t kOffUeId = 10;     // ProSe Relay UE ID, 3 octets (announcement, response)
inline constexpr std::size_t kOffStatus = 13;   // Status Indicator, 1 octet (announcement, response)
inline constexpr std::size_t kOffUrds = 10;     // URDS Composition, 1 octet (solicitation)
inline constexpr std::size_t kOffSolUeId = 11;  // ProSe (Relay) UE ID, 3 octets (solicitation, when URDS says so)
inline constexpr std::size_t kOffSpare = 14;    // Spare, 10 octets, sent as 0 (and required 0 by our decoder)
inline constexpr std::size_t kSpareSize = 10;
inline constexpr std::size_t kOffMic = 24;  // MIC, 4 octets
inline constexpr std::size_t kMicSize = 4;
inline constexpr std::size_t kOffCounterLsb = 28;  // UTC-based counter LSB, 1 octet (never scrambled)
// Octets 0..23: what the MIC covers (A.2 P0) — the message without MIC and UTC-based counter LSB. PROVISIONAL.
inline constexpr std::size_t kMicCoveredSize = kOffMic;

// Message Type octet: Discovery Type (bits 8-7) | Content Type (bits 6-3) | Discovery Model (bits 2-1).
// 0x91 = restricted(10) | relay announcement/response(0100) | Model A(01); 0x92 = same content | Model B(10);
// 0x96 = restricted(10) | relay solicitation(0101) | Model B(10).
// PROVISIONAL [I psc-ns3 lte-sl-header.h DISC_RELAY_*; 24.334 Rel-13 12.2.2.10 not read].
inline constexpr std::uint8_t kTypeAnnouncement = 0x91;
inline constexpr std::uint8_t kTypeSolicitation = 0x96;
inline constexpr std::uint8_t kTypeResponse = 0x92;
// URDS Composition (solicitation): 0x00 = no ProSe Relay UE ID, 0x01 = ProSe Relay UE ID present.
// PROVISIONAL [I psc-ns3 writes 0 / 1 in the whole octet].
inline constexpr std::uint8_t kUrdsNoUeId = 0x00;
inline constexpr std::uint8_t kUrdsUeIdPresent = 0x01;

inline constexpr std::uint32_t kMaxRsc = 0xffffff;                // 24 bit [I psc-ns3]
inline constexpr std::uint64_t kMaxUserInfo = 0xffffffffffffULL;  // 48 bit [I psc-ns3: 6 octets]
inline constexpr std::uint32_t kMaxL2Id = 0xffffff;               // 24 bit [I]

// --- TS 33.303 protection ---------------------------------------------------------------------------------
// UTC-based counter = UTC time in seconds, 32 bits; we count from the Unix epoch (1970-01-01T00:00:00Z) modulo 2^32.
// PROVISIONAL: unit "seconds" from 24.334 / 36.508 (Max-Offset in seconds); the epoch was not verified.
inline constexpr std::uint32_t kCounterSecondsPerUnit = 1;
// The PDU carries the 8 least significant bits of the counter. VERIFIED [I psc-ns3 + 24.334 ToC "UTC-based Counter
// LSB"].
inline constexpr unsigned kCounterLsbBits = 8;
// Largest usable clock difference (counter units) so that the 8 LSBs still identify one counter: 127.
inline constexpr std::uint32_t kMaxResolvableOffset = (1u << (kCounterLsbBits - 1)) - 1;
// Default allowed clock difference: 32 s. VERIFIED as a typical value [V 36.508 4.7F: Max-Offset = 32 seconds for
// the ProSe Function's DISCOVERY_RESPONSE]; relay discovery takes it from configuration, so a default only.
inline constexpr std::uint32_t kDefaultMaxOffset = 32;
// A.5: the counter used for scrambling has its 4 LSBs set to 0, so the time-hash-bitsequence changes every 16 s.
// PROVISIONAL: recalled from 33.303 6.1.3.4.3 (not read); the brief's "low bits zeroed".
inline constexpr unsigned kScramblingCounterZeroBits = 4;
inline constexpr std::uint32_t kScramblingCounterMask = ~((1u << kScramblingCounterZeroBits) - 1u);
// A.5: scrambled part = the whole message except the UTC-based counter LSB (28 octets = 224 bits); the
// time-hash-bitsequence = the 224 least significant bits of the 256-bit KDF output. PROVISIONAL: "L LSBs of the KDF
// output, L = length of the message to be scrambled" [A 33.503 6.1.3.4 rewording of 33.303 A.5].
inline constexpr std::size_t kScrambledSize = kOffCounterLsb;
// A.6 / 33.503 A.7: confidential part = the message minus Message Type, MIC and UTC-based counter LSB = octets 1..23
// (LENGTH = 232 - (8 + 8 + 32) = 184 bits). VERIFIED formula [A 33.503 A.7 "LENGTH"], applied to our layout.
inline constexpr std::size_t kOffConfidential = kOffRsc;
inline constexpr std::size_t kConfidentialSize = kOffMic - kOffRsc;  // 23 octets
// A.6: KEY = 128 LSBs of KDF(DUCK, counter, MIC); COUNT = counter; BEARER = 0; DIRECTION = 0; the EEA output
// ANDed with (Encrypted_bits_mask || 0xFF..FF). VERIFIED [A 33.503 A.7, which says it follows 33.303].
inline constexpr std::uint8_t kConfidentialityBearer = 0x00;
inline constexpr std::uint8_t kConfidentialityDirection = 0x00;
// Which EEA the message-specific confidentiality uses. PROVISIONAL: 128-EEA2 (33.503 points to "the ciphering
// algorithms" of 33.501 Annex D without naming one in the text read); overridable per key set.
inline constexpr cipher::Eea kDefaultConfidentialityEea = cipher::Eea::kEea2;
// Replay cache size (entries) of a Receiver. Local choice (not a spec value).
inline constexpr std::size_t kDefaultReplayCache = 4096;

// One row per constant, for the conformance table and `prose discovery constants`.
struct Row {
  std::string_view name;
  std::string_view value;
  std::string_view source;
  bool verified;
  std::string_view status;
};
inline constexpr std::array<Row, 14> kTable = {{
    {"PC5_DISCOVERY size", "29 octets (232 bits)", "TS 24.334 12.2; 36.508 4.7F", true,
     "verified: 36.508 4.7F (184-bit body) + psc-ns3 (29 octets)"},
    {"relay message layout", "type 1 | RSC 3 | info 6 | relay UE ID 3 | status 1 | spare 10 | MIC 4 | LSB 1",
     "TS 24.334 11.2.5.1.x", false, "provisional: psc-ns3 lte-sl-header.cc (24.334 text not read)"},
    {"solicitation layout", "type 1 | RSC 3 | info 6 | URDS 1 | UE ID 3 | spare 10 | MIC 4 | LSB 1",
     "TS 24.334 11.2.5.1.x", false, "provisional: psc-ns3 lte-sl-header.cc"},
    {"Message Type codes", "0x91 announcement, 0x96 solicitation, 0x92 response", "TS 24.334 12.2.2.10", false,
     "provisional: psc-ns3 DISC_RELAY_*"},
    {"URDS Composition", "0x00 no UE ID, 0x01 UE ID present", "TS 24.334 12.2.2", false, "provisional: psc-ns3"},
    {"UTC-based counter", "UTC seconds since 1970-01-01 mod 2^32", "TS 33.303 6.1.3.3 / 24.334", false,
     "provisional: unit seconds per 36.508 Max-Offset; epoch not verified"},
    {"UTC-based counter LSB", "8 bits, in clear, last octet", "TS 24.334 12.2.2", true,
     "verified: psc-ns3 + 24.334 ToC"},
    {"default max offset", "32 counter units (s); at most 127", "36.508 4.7F Max-Offset", true,
     "verified: 36.508 test default; configurable"},
    {"MIC input (A.2 P0)", "octets 0..23 of the plain message; P1 = counter (4)", "TS 33.303 A.2", false,
     "provisional: A.2 parameters recalled, not read"},
    {"scrambling counter", "counter with 4 LSBs = 0", "TS 33.303 6.1.3.4.3", false, "provisional: recalled"},
    {"scrambled part", "octets 0..27 XOR 224 LSBs of KDF(DUSK, ...)", "TS 33.303 A.5", false,
     "provisional: 33.503 6.1.3.4 wording of A.5 (L LSBs)"},
    {"confidential part", "octets 1..23 (LENGTH 184 bits)", "33.503 A.7 LENGTH", true,
     "verified: 33.503 A.7 formula (analogous spec)"},
    {"confidentiality inputs", "KEY = 128 LSB KDF(DUCK, counter, MIC); COUNT = counter; BEARER 0; DIRECTION 0",
     "33.503 A.7 (follows 33.303 A.6)", true, "verified: 33.503 A.7 (analogous spec)"},
    {"confidentiality algorithm", "128-EEA2 (per key set)", "33.503 A.7 -> 33.501 Annex D", false,
     "provisional: algorithm choice not stated in the text read"},
}};

}  // namespace prose::discovery::constants
