// libFuzzer target: the protected discovery Receiver (prose/discovery/protection.h).
// Input of exactly 29 octets: a PDU offered to a receiver holding two key sets (all keys; DUIK only); a rejection
// must leave the receiver unchanged, an acceptance must be refused as a replay the second time.
// Any other input of at least 16 octets: message fields + clock skew + key combination for a sender; the protected
// PDU must be accepted inside the window (and equal the message), refused outside it, and refused with one bit
// flipped.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "prose/discovery/protection.h"

namespace {

namespace d = prose::discovery;
constexpr std::int64_t kNow = 1764300000;
constexpr std::uint32_t kRscAll = 0x00a1b2;
constexpr std::uint32_t kRscDuikOnly = 0x000001;

const d::DiscoveryKeys& base_keys() {
  static const d::DiscoveryKeys k = [] {
    const std::uint8_t psdk[32] = {0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5,
                                   0xb4, 0xc3, 0xd2, 0xe1, 0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
                                   0xcd, 0xef, 0x0f, 0xed, 0xcb, 0xa9, 0x87, 0x65, 0x43, 0x21};
    auto r = d::derive_discovery_keys(prose::ByteView(psdk, sizeof psdk));
    if (!r.ok()) std::abort();
    return std::move(r).value();
  }();
  return k;
}

d::DiscoveryKeys duik_only() {
  d::DiscoveryKeys k = base_keys().clone();
  k.dusk = prose::SecretBytes();
  k.duck = prose::SecretBytes();
  return k;
}

d::Receiver make_receiver() {
  d::Receiver rx;
  rx.set_keys(kRscAll, base_keys().clone());
  rx.set_keys(kRscDuikOnly, duik_only());
  return rx;
}

void offered_pdu(prose::ByteView pdu) {
  d::Receiver rx = make_receiver();
  auto r = rx.accept(pdu, kNow);
  if (!r.ok()) {
    if (rx.replay_entries() != 0) std::abort();
    return;
  }
  if (rx.replay_entries() != 1) std::abort();
  auto again = rx.accept(pdu, kNow);
  if (again.ok() || again.error().code != prose::Errc::kReplay) std::abort();
}

void sender_fields(const std::uint8_t* p, std::size_t size) {
  d::DiscoveryMessage m;
  m.type = static_cast<d::MessageType>(p[0] % 3);
  m.relay_service_code = kRscAll;
  m.user_info_id = 0;
  for (int i = 0; i < 6; ++i) m.user_info_id = (m.user_info_id << 8) | p[1 + i];
  m.l2_id = (std::uint32_t{p[7]} << 16) | (std::uint32_t{p[8]} << 8) | p[9];
  m.status = m.type == d::MessageType::kSolicitation ? 0 : p[10];
  const auto skew = static_cast<std::int8_t>(p[11]);
  d::DiscoveryKeys k = base_keys().clone();
  if (p[12] & 1) k.dusk = prose::SecretBytes();
  if (p[12] & 2) k.duck = prose::SecretBytes();
  k.eea = static_cast<prose::cipher::Eea>(1 + p[12] % 3);
  const std::size_t mask_len = (p[13] % 24);
  for (std::size_t i = 0; i < mask_len; ++i) k.encrypted_bits_mask.push_back(p[14 + (i % (size - 14))]);
  const std::size_t flip_bit = p[14] % (d::constants::kMessageSize * 8);

  auto pdu = d::protect(m, k, d::utc_counter(kNow + skew));
  if (!pdu.ok()) std::abort();  // every field above is in range
  d::Receiver rx;
  rx.set_keys(kRscAll, k.clone());
  const bool inside =
      skew >= -static_cast<int>(rx.config().max_offset) && skew <= static_cast<int>(rx.config().max_offset);
  prose::Bytes flipped = *pdu;
  flipped[flip_bit / 8] ^= static_cast<std::uint8_t>(0x80u >> (flip_bit % 8));
  if (rx.accept(flipped, kNow).ok()) std::abort();
  if (rx.replay_entries() != 0) std::abort();
  auto r = rx.accept(*pdu, kNow);
  if (inside) {
    if (!r.ok() || !(*r == m)) std::abort();
  } else if (r.ok() || r.error().code != prose::Errc::kClockSkew) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == d::constants::kMessageSize || size < 16) {
    offered_pdu(prose::ByteView(data, size));
  } else {
    sender_fields(data, size);
  }
  return 0;
}
