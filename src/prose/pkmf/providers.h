// What the PKMF needs from outside, as interfaces with real implementations:
//  * GbaPush: a fresh PRUK by GBA Push for a UE (requirement step 4b): the HSS/BSF over Diameter
//    (prose::pkmf::HssGbaPush in hss_gba_push.h), which returns the GPI, the PRUK (Ks_(ext)_NAF) and PRUK ID (P-TID).
//  * MikeySink: hands a built MIKEY delivery to the transport (prose::pkmf::UdpMikeySender).
#pragma once

#include <cstdint>
#include <string>

#include "prose/gba/gba.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::pkmf {

class GbaPush {
 public:
  virtual ~GbaPush() = default;
  // A GPI for the UE with P-TID = pruk_id; kNotFound for an unknown subscriber.
  virtual Result<gba::CreatedGpi> push(const std::string& imsi, std::uint64_t pruk_id, std::uint32_t lifetime_s) = 0;
  // Resynchronise the UE's SQN from RAND and AUTS (TS 33.102 6.3.5).
  virtual Status resync(const std::string& imsi, ByteView rand, ByteView auts) = 0;
};

struct MikeyJob {
  std::string imsi;
  std::string ip;
  std::uint16_t port = 0;
  std::uint64_t pruk_id = 0;
  std::uint32_t csb_id = 0;  // identifies the delivery; the verification message carries the same
  Bytes message;             // the I_MESSAGE
  bool expects_verification = false;
  // Sends of this delivery before this job (a delivery resumed after a restart, issue 17 defect 7): the job gets only
  // what is left of the attempt budget and continues the back-off.
  unsigned attempts_made = 0;
};

// A later send of a PRUK delivery that expects verification, as the transport reports it: the attempts so far and when
// it acts next (retransmits or gives up), so that the delivery can be resumed with what is left after a restart.
struct MikeyProgress {
  std::uint64_t pruk_id = 0;
  unsigned attempts = 0;
  std::int64_t next_in_ms = 0;
};

class MikeySink {
 public:
  virtual ~MikeySink() = default;
  virtual void send(MikeyJob job) = 0;
};

}  // namespace prose::pkmf
