#include "prose/link/kd_sess_ids.h"

#include "prose/util/random.h"

namespace prose::link {

bool KdSessIdRegistry::msb_free(std::uint8_t msb) const {
  if (msb_reserved_.test(msb)) return false;
  for (unsigned lsb = 0; lsb < 256; ++lsb)
    if (live_.test((static_cast<unsigned>(msb) << 8) | lsb)) return false;
  return true;
}

Result<std::uint8_t> KdSessIdRegistry::choose_msb() {
  // Random start, then a linear scan: uniform enough, and bounded.
  const unsigned start = random_u32() & 0xFFu;
  for (unsigned i = 0; i < 256; ++i) {
    const auto msb = static_cast<std::uint8_t>((start + i) & 0xFFu);
    if (msb_free(msb)) return msb;
  }
  return fail(Errc::kState, "no free MSB of KD-sess ID at this UE");
}

Result<std::uint8_t> KdSessIdRegistry::choose_lsb(std::uint8_t msb) {
  const unsigned start = random_u32() & 0xFFu;
  for (unsigned i = 0; i < 256; ++i) {
    const auto lsb = static_cast<std::uint8_t>((start + i) & 0xFFu);
    const unsigned id = (static_cast<unsigned>(msb) << 8) | lsb;
    if (id != 0 && !live_.test(id)) return lsb;
  }
  return fail(Errc::kState, "no free LSB of KD-sess ID for this MSB");
}

Status KdSessIdRegistry::claim(ids::KdSessId id) {
  if (id.is_unprotected()) return fail(Errc::kState, "KD-sess ID 0 is reserved (unprotected)");
  if (live_.test(id.value)) return fail(Errc::kState, "KD-sess ID already in use at this UE");
  live_.set(id.value);
  return ok_status();
}

}  // namespace prose::link
