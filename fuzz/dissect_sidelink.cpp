// libFuzzer target: the Wireshark plugin's dissection (prose::dissect, the functions the plugin calls for every
// frame) over a sequence of sidelink frames, with and without keys: frame header, discovery, PDCP header, COUNT
// reconstruction and replay detection, decryption and MAC-I check, PC5 signalling and GPI walks, the codec checks.
// Input: config octet || { frame length (2, big-endian) || frame }*
//   config bits 1-0: EEA id, bits 3-2: EIA id (0 means 1), bit 4: the key log has a PC5_LINK for every frame's L2
//   IDs and KD-sess ID (fixed PEK/PIK), bit 5: it has discovery keys for RSC 0x00abcd.
// Every frame is dissected twice (the second time from what the first found) and also as a GPI on its own.
// The corpus (fuzz/corpus/dissect_sidelink) holds frames of a real `prose demo` run.
#include <cstddef>
#include <cstdint>
#include <set>
#include <tuple>
#include <vector>

#include "prose/dissect/dissect.h"
#include "prose/util/byte_reader.h"
#include "prose/util/hex.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace prose;
  ByteReader r(ByteView(data, size));
  auto cfg = r.u8();
  if (!cfg.ok()) return 0;
  std::vector<ByteView> frames;
  while (!r.empty()) {
    auto len = r.u16();
    if (!len.ok()) break;
    auto f = r.bytes(std::min<std::size_t>(*len, r.remaining()));
    if (!f.ok()) break;
    frames.push_back(*f);
  }
  keylog::File keys;
  if (*cfg & 0x10) {
    std::set<std::tuple<std::uint32_t, std::uint32_t, std::uint16_t>> seen;
    for (ByteView f : frames) {
      if (f.size() < 11) continue;
      const auto src = static_cast<std::uint32_t>(f[0] << 16 | f[1] << 8 | f[2]);
      const auto dst = static_cast<std::uint32_t>(f[3] << 16 | f[4] << 8 | f[5]);
      const auto kd = static_cast<std::uint16_t>(f[7] << 8 | f[8]);
      if (kd == 0 || !seen.insert({src, dst, kd}).second) continue;
      keylog::LinkKeys k;
      k.remote_ue_l2 = ids::Layer2Id{src & 0xffffff};
      k.relay_l2 = ids::Layer2Id{dst & 0xffffff};
      k.kd_sess_id = ids::KdSessId{kd};
      k.eea = *cfg & 0x03;
      k.eia = (*cfg >> 2 & 0x03) == 0 ? 1 : (*cfg >> 2 & 0x03);
      k.pek = SecretBytes(hex_literal("000102030405060708090a0b0c0d0e0f"));
      k.pik = SecretBytes(hex_literal("f0e0d0c0b0a090807060504030201000"));
      keys.links.push_back(std::move(k));
    }
  }
  if (*cfg & 0x20) {
    keylog::DiscoveryKeys k;
    k.relay_service_code = ids::RelayServiceCode{0xabcd};
    k.eea = 2;
    k.duik = SecretBytes(hex_literal("1111111111111111111111111111111111111111111111111111111111111111"));
    k.dusk = SecretBytes(hex_literal("2222222222222222222222222222222222222222222222222222222222222222"));
    k.duck = SecretBytes(hex_literal("3333333333333333333333333333333333333333333333333333333333333333"));
    keys.discovery.push_back(std::move(k));
  }
  dissect::Dissector d;
  d.set_keys(std::move(keys));
  std::uint32_t n = 0;
  for (ByteView f : frames) {
    dissect::FrameInput in{++n, 1700000000, f};
    (void)d.dissect_sidelink(in);
    (void)d.dissect_sidelink(in);
    (void)d.dissect_gpi(f);
  }
  return 0;
}
