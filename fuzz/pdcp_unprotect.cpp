// libFuzzer target: sidelink PDCP unprotect (header parsing, COUNT reconstruction, replay window, MAC-I check,
// deciphering) on a fresh RX entity per input.
// Input: config octet || { PDU length (2, big-endian) || PDU }*
//   config bits 1-0: EEA id, bits 3-2: EIA id, bits 5-4: mode (0 integrity+ciphering, 1 integrity, 2 ciphering,
//   3 none), bit 6: DIRECTION. Keys, KD-sess ID 0x1234 and BEARER 0 are fixed (tests/unit/pdcp writes the corpus).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "prose/pdcp/entity.h"
#include "prose/util/byte_reader.h"
#include "prose/util/hex.h"

namespace {
const prose::SecretBytes& key(int which) {
  static const prose::SecretBytes pek(prose::hex_literal("000102030405060708090a0b0c0d0e0f"));
  static const prose::SecretBytes pik(prose::hex_literal("f0e0d0c0b0a090807060504030201000"));
  return which == 0 ? pek : pik;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace prose;
  ByteReader r(ByteView(data, size));
  auto cfg_octet = r.u8();
  if (!cfg_octet.ok()) return 0;
  const std::uint8_t c = *cfg_octet;
  pdcp::EntityConfig cfg;
  cfg.kd_sess_id = ids::KdSessId{0x1234};
  cfg.bearer = 0;
  cfg.direction = (c >> 6) & 1;
  cfg.eea = static_cast<cipher::Eea>(c & 3);
  cfg.eia = static_cast<cipher::Eia>((c >> 2) & 3);
  const unsigned m = (c >> 4) & 3;
  const pdcp::ProtectionMode mode{m <= 1, m == 0 || m == 2};
  auto rx = pdcp::RxEntity::create(cipher::portable_backend(), cfg, key(0), key(1));
  if (!rx.ok()) std::abort();
  while (!r.empty()) {
    auto pdu = r.u16_prefixed();
    if (!pdu.ok()) break;
    ByteView bytes = pdu->rest();
    (void)pdcp::decode_unprotected(bytes);
    const auto before = rx->highest_count();
    auto out = rx->unprotect(bytes, mode);
    if (out.ok()) {
      if (out->sdu.size() + pdcp::kHeaderSize + (mode.integrity ? pdcp::kMacISize : 0) != bytes.size()) std::abort();
      // Accepting the same PDU twice is a replay-window bug.
      if (rx->unprotect(bytes, mode).ok()) std::abort();
    } else if (rx->highest_count() != before) {
      std::abort();  // a failed PDU must not change state
    }
  }
  return 0;
}
