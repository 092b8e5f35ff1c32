// libFuzzer: the UE side of PRUK/PGK delivery (MAC check, clock window, replay cache, decryption, key data,
// identities, verification message). The corpus holds messages built for exactly this receiver
// (PMK, PMK ID, Key Type IDs and clock below), so mutations reach every stage.
#include <cstdint>
#include <cstdlib>

#include "prose/mikey/delivery.h"
#include "prose/util/hex.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace prose::mikey;
  static const prose::Bytes kPmk =
      prose::hex_literal("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  static const prose::Bytes kPmkId = prose::hex_literal("c0ffee01");
  static const NtpTime kNow = ntp_from_unix(1767225600);  // 2026-01-01T00:00:00Z, the corpus' --now
  Receiver r;
  r.add_pmk(kPmkId, prose::SecretBytes(kPmk));
  r.add_key_type(prose::hex_literal("01"), KeyClass::kPruk);
  r.add_key_type(prose::hex_literal("02"), KeyClass::kPgk);
  prose::ByteView in(data, size);
  auto first = r.open(in, kNow);
  auto second = r.open(in, kNow);
  if (first.ok()) {
    // A valid message is accepted once, then refused as a replay.
    if (second.ok() || second.error().code != prose::Errc::kReplay) std::abort();
    if (first->verification_message && !decode(*first->verification_message).ok()) std::abort();
  } else if (second.ok()) {
    std::abort();  // a refused message changed state
  }
  return 0;
}
