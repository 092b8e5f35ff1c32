// PKMF policy: when a PRUK is refreshed by GBA Push, when a new PMK is issued, how MIKEY delivery retries.
// These are operator choices, not specification values; defaults are documented in docs/pkmf.md.
#pragma once

#include <cstdint>

namespace prose::pkmf {

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
  // KD bookkeeping (PRUK use counts, KD audit entries) is written in one transaction at most this often.
  unsigned kd_flush_interval_ms = 20;
};

}  // namespace prose::pkmf
