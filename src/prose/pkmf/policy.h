// PKMF policy: when a PRUK is refreshed by GBA Push, when a new PMK is issued, how MIKEY delivery retries.
// These are operator choices, not specification values; defaults are documented in docs/pkmf.md.
#pragma once

#include <algorithm>
#include <cstdint>

namespace prose::pkmf {

// Where MIKEY messages for a UE go (issue 17 defect 4).
enum class MikeyDestination : std::uint8_t {
  kTlsPeer,      // the IP address of the UE's TLS connection; only the UDP port comes from the Key Request
  kAsRequested,  // the address the Key Request names (deployments with NAT between the UEs and the PKMF)
};

struct Policy {
  // A PRUK older than this is refreshed by GBA Push on the next KD request (0 = never by age).
  std::int64_t pruk_max_age_s = 30 * 24 * 3600;
  // A PRUK used for more KD derivations than this is refreshed (0 = unlimited).
  std::uint64_t pruk_max_uses = 0;
  // Lifetime written into MIKEY key validity and GPIs, seconds.
  std::uint32_t key_lifetime_s = 7 * 24 * 3600;
  // Ask the UE for a MIKEY verification message.
  bool mikey_verify = true;
  // MIKEY delivery over UDP: first retransmission after `mikey_initial_backoff_ms`, doubling, at most
  // `mikey_max_attempts` sends in all.
  unsigned mikey_max_attempts = 5;
  unsigned mikey_initial_backoff_ms = 500;
  MikeyDestination mikey_destination = MikeyDestination::kTlsPeer;
  // Caps on what MIKEY can be made to send (token buckets; 0 = no cap). A send over a cap is dropped and counted
  // as if it was lost: the delivery goes on with its back-off and its attempts.
  unsigned mikey_max_sends_per_second = 1000;         // every MIKEY datagram of this PKMF, first sends included
  unsigned mikey_ue_retransmissions_per_minute = 10;  // retransmissions to one UE, over all its deliveries
  // KD bookkeeping (PRUK use counts, KD audit entries) is written in one transaction at most this often.
  unsigned kd_flush_interval_ms = 20;
};

// The wait after send number `sends` (1, 2, ...) of a MIKEY delivery: mikey_initial_backoff_ms, doubling with every
// send, at most an hour.
inline std::int64_t mikey_backoff_ms(const Policy& p, unsigned sends) {
  constexpr std::int64_t kMax = 3600 * 1000;
  std::int64_t b = p.mikey_initial_backoff_ms;
  for (unsigned i = 1; i < sends && b < kMax; ++i) b *= 2;
  return std::min(b, kMax);
}

}  // namespace prose::pkmf
