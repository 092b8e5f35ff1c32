// libFuzzer: the UE side of PRUK/PGK delivery (algorithm policy, MAC check, clock window, replay cache, decryption,
// key data and key validity, identities, verification message, the all-zero key ID trigger). The corpus holds
// messages built for exactly this receiver (PMK, PMK ID, Key Type IDs and clock below), so mutations reach every
// stage. Two receivers: the profile's (RFC 3830 defaults refused) and one that accepts them; the first may only
// accept what the second accepts.
#include <cstdint>
#include <cstdlib>

#include "prose/mikey/delivery.h"
#include "prose/util/hex.h"

namespace {

using namespace prose::mikey;

Receiver make_receiver(bool accept_rfc3830_defaults) {
  static const prose::Bytes kPmk =
      prose::hex_literal("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  static const prose::Bytes kPmkId = prose::hex_literal("c0ffee01");
  ReceiverConfig cfg;
  cfg.accept_rfc3830_defaults = accept_rfc3830_defaults;
  Receiver r(cfg);
  r.add_pmk(kPmkId, prose::SecretBytes(kPmk));
  if (!r.add_key_type(prose::hex_literal("00000001"), KeyClass::kPruk).ok()) std::abort();
  if (!r.add_key_type(prose::hex_literal("00000002"), KeyClass::kPgk).ok()) std::abort();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const NtpTime kNow = ntp_from_unix(1767225600);  // 2026-01-01T00:00:00Z, the corpus' --now
  prose::ByteView in(data, size);
  Receiver lenient = make_receiver(true);
  auto first = lenient.open(in, kNow);
  auto second = lenient.open(in, kNow);
  if (first.ok()) {
    // A valid message is accepted once, then refused as a replay.
    if (second.ok() || second.error().code != prose::Errc::kReplay) std::abort();
    if (first->verification_message && !decode(*first->verification_message).ok()) std::abort();
    // The trigger's key is never handed out; any other delivery carries one.
    if (first->key_request_trigger != first->key.empty()) std::abort();
    // Key validity as in the profile: Valid From = T, Valid To at least 1 s after it (modulo 2^64, NTP wraps).
    if (first->valid_from &&
        (*first->valid_from != first->t || !first->valid_to || *first->valid_to - first->t < (NtpTime{1} << 32)))
      std::abort();
  } else if (second.ok()) {
    std::abort();  // a refused message changed state
  }
  Receiver strict = make_receiver(false);
  auto s = strict.open(in, kNow);
  if (s.ok()) {
    if (!first.ok()) std::abort();  // the profile's receiver accepts only what the lenient one accepts
    auto d = decode(in);
    if (!d.ok() || d->msg.hdr.prf_func != static_cast<std::uint8_t>(PrfFunc::kHmacSha256)) std::abort();
    const auto* k = d->msg.find<KemacPayload>();
    if (k == nullptr || k->mac_alg != static_cast<std::uint8_t>(MacAlg::kHmacSha256_256)) std::abort();
  }
  return 0;
}
