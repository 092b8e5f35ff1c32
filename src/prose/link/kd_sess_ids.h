// KD-sess ID allocation (profile.md section 2): KD-sess ID = MSB8 (chosen by the DCR / DRRq sender) || LSB8 (chosen
// by the DSMC sender); never 0 (0 in a PDCP header means "not protected"), and collision-free among the live
// contexts of one UE (all its links, old and new contexts during a rekey), so a received PDCP header's KD-sess ID
// names exactly one context. One registry per UE, shared by all its link machines.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>

#include "prose/ids/ids.h"
#include "prose/util/result.h"

namespace prose::link {

class KdSessIdRegistry {
 public:
  // Initiator: an MSB8 such that no live ID of this UE has that MSB (so the incoming DSMC identifies the new
  // context by its MSB alone). Random among the free values. kState when all 256 are taken.
  Result<std::uint8_t> choose_msb();
  // Responder: an LSB8 for the peer's MSB8 such that (msb << 8 | lsb) is non-zero and not live at this UE.
  Result<std::uint8_t> choose_lsb(std::uint8_t msb);
  // The initiator reserves its MSB until the DSMC arrives (reserve_msb / release_msb).
  void reserve_msb(std::uint8_t msb) { msb_reserved_.set(msb); }
  void release_msb(std::uint8_t msb) { msb_reserved_.reset(msb); }
  bool msb_reserved(std::uint8_t msb) const { return msb_reserved_.test(msb); }
  // Marks a full ID live; fails (kState) if 0 or already live.
  Status claim(ids::KdSessId id);
  void release(ids::KdSessId id) { live_.reset(id.value); }
  bool live(ids::KdSessId id) const { return live_.test(id.value); }
  std::size_t live_count() const { return live_.count(); }

 private:
  bool msb_free(std::uint8_t msb) const;
  std::bitset<65536> live_;
  std::bitset<256> msb_reserved_;
};

}  // namespace prose::link
