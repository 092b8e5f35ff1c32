// The identifiers shared by the PC5, PC8, link, GBA, PDCP, key log and service code (issue 15): ONE type per
// identifier, so that a PRUK ID cannot be passed where a KD ID is expected, a Nonce_2 where a Nonce_1 is, or an
// unprotected KD-sess ID (0) be mistaken for a security context.
//
//   PrukId            64 bit; all-zero is the "send me a new PRUK" trigger, never a key's ID (profile.md section 2)
//   KdId              32 bit; its MSB 16 bits travel in the DSMC, its LSB 16 bits in the DSM Complete
//   KdSessId          16 bit; MSB 8 bits chosen by the Remote UE, LSB 8 bits by the relay; 0 = unprotected PDCP PDU
//   Layer2Id          24 bit ProSe UE ID / layer-2 ID
//   RelayServiceCode  24 bit
//   KdFreshness       16 octets
//   Nonce1 / Nonce2   16 octets each (Nonce_1 from the Remote UE, Nonce_2 from the relay)
//   Rand / Auts       16 / 14 octets (TS 33.102), the resynchronisation pair
//
// Integers are host values (encoded big-endian on every wire); octet strings are fixed-size arrays. Nothing here is
// secret: keys stay in prose::SecretBytes.
#pragma once

#include <algorithm>
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "prose/util/bytes.h"
#include "prose/util/hex.h"
#include "prose/util/result.h"

namespace prose::ids {

// Sizes in octets (the pc5 and pc8 constant tables static_assert that theirs agree).
inline constexpr std::size_t kPrukIdSize = 8;
inline constexpr std::size_t kKdIdSize = 4;
inline constexpr std::size_t kKdSessIdSize = 2;
inline constexpr std::size_t kLayer2IdSize = 3;
inline constexpr std::size_t kRelayServiceCodeSize = 3;
inline constexpr std::size_t kKdFreshnessSize = 16;
inline constexpr std::size_t kNonceSize = 16;
inline constexpr std::size_t kRandSize = 16;
inline constexpr std::size_t kAutsSize = 14;

// ---------------------------------------------------------------------------------------------------------------
// An integer identifier whose wire form is kOctets octets (big-endian; in PC8 XML: 2*kOctets hex digits).
// Explicit construction only: `PrukId{0x1234}`; the value is `.value`.
template <typename Tag, typename Int, std::size_t kOctets>
struct IntId {
  static constexpr std::size_t kSize = kOctets;
  static constexpr std::uint64_t kMax =
      kOctets >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * (kOctets % 8))) - 1;
  Int value = 0;
  auto operator<=>(const IntId&) const = default;

  // Lowercase hex, exactly 2*kOctets digits.
  std::string hex() const {
    std::array<std::uint8_t, kOctets> b{};
    for (std::size_t i = 0; i < kOctets; ++i) {
      b[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(value) >> (8 * (kOctets - 1 - i)));
    }
    return to_hex(ByteView(b.data(), b.size()));
  }
  // Case-insensitive hex of exactly kOctets octets; `what` names the value in the error.
  static Result<IntId> from_hex(std::string_view hex, std::string_view what) {
    PROSE_TRY(Bytes b, prose::from_hex_exact(hex, kOctets, what));
    std::uint64_t v = 0;
    for (auto x : b) v = (v << 8) | x;
    return IntId{static_cast<Int>(v)};
  }
  // Values that do not fit in kOctets octets are rejected.
  static Result<IntId> from_value(std::uint64_t v, std::string_view what) {
    if (v > kMax) {
      return fail(Errc::kInvalidArgument,
                  std::string(what) + ": value does not fit in " + std::to_string(8 * kOctets) + " bits");
    }
    return IntId{static_cast<Int>(v)};
  }
};

// A fixed-size, non-secret octet string. Reads like the std::array it holds (data, size, begin, end, []).
template <typename Tag, std::size_t kOctets>
struct FixedBytes {
  static constexpr std::size_t kSize = kOctets;
  std::array<std::uint8_t, kOctets> bytes{};
  auto operator<=>(const FixedBytes&) const = default;

  ByteView view() const { return ByteView(bytes.data(), bytes.size()); }
  const std::uint8_t* data() const { return bytes.data(); }
  std::uint8_t* data() { return bytes.data(); }
  static constexpr std::size_t size() { return kOctets; }
  auto begin() const { return bytes.begin(); }
  auto end() const { return bytes.end(); }
  auto begin() { return bytes.begin(); }
  auto end() { return bytes.end(); }
  std::uint8_t operator[](std::size_t i) const { return bytes[i]; }
  std::uint8_t& operator[](std::size_t i) { return bytes[i]; }
  void fill(std::uint8_t v) { bytes.fill(v); }

  std::string hex() const { return to_hex(view()); }
  static Result<FixedBytes> from_hex(std::string_view hex, std::string_view what) {
    PROSE_TRY(Bytes b, prose::from_hex_exact(hex, kOctets, what));
    return from_bytes(b, what);
  }
  static Result<FixedBytes> from_bytes(ByteView b, std::string_view what) {
    if (b.size() != kOctets) {
      return fail(Errc::kInvalidArgument, std::string(what) + ": expected " + std::to_string(kOctets) +
                                              " octets, got " + std::to_string(b.size()));
    }
    FixedBytes f;
    std::copy(b.begin(), b.end(), f.bytes.begin());
    return f;
  }
};

// ---------------------------------------------------------------------------------------------------------------
// The identifiers.

struct PrukIdTag {};
struct KdIdTag {};
struct Layer2IdTag {};
struct RelayServiceCodeTag {};
struct KdFreshnessTag {};
struct Nonce1Tag {};
struct Nonce2Tag {};
struct RandTag {};
struct AutsTag {};

using PrukId = IntId<PrukIdTag, std::uint64_t, kPrukIdSize>;
using KdId = IntId<KdIdTag, std::uint32_t, kKdIdSize>;
using Layer2Id = IntId<Layer2IdTag, std::uint32_t, kLayer2IdSize>;
using RelayServiceCode = IntId<RelayServiceCodeTag, std::uint32_t, kRelayServiceCodeSize>;
using KdFreshness = FixedBytes<KdFreshnessTag, kKdFreshnessSize>;
using Nonce1 = FixedBytes<Nonce1Tag, kNonceSize>;
using Nonce2 = FixedBytes<Nonce2Tag, kNonceSize>;
using Rand = FixedBytes<RandTag, kRandSize>;
using Auts = FixedBytes<AutsTag, kAutsSize>;

// The all-zero PRUK ID names no key: a Remote UE sends it to ask the PKMF for a new PRUK (clause 6.X.3.1).
inline constexpr bool is_pruk_trigger(PrukId id) { return id.value == 0; }
// A PRUK ID that may name a key (not the all-zero trigger).
inline constexpr bool is_valid_key_id(PrukId id) { return id.value != 0; }

// KD ID halves: the relay sends the MSB 16 bits in the DSMC, the Remote UE the LSB 16 bits in the DSM Complete.
inline constexpr std::uint16_t kd_id_msb(KdId id) { return static_cast<std::uint16_t>(id.value >> 16); }
inline constexpr std::uint16_t kd_id_lsb(KdId id) { return static_cast<std::uint16_t>(id.value & 0xFFFF); }
inline constexpr KdId make_kd_id(std::uint16_t msb, std::uint16_t lsb) {
  return KdId{(static_cast<std::uint32_t>(msb) << 16) | lsb};
}

// KD-sess ID: the 16-bit identifier of a PC5 security context, carried in every PDCP PDU header. The value 0 is not a
// context: it marks a PDU sent without protection (TS 36.323 5.6.2), so a context never gets it.
struct KdSessId {
  static constexpr std::size_t kSize = kKdSessIdSize;
  std::uint16_t value = 0;
  auto operator<=>(const KdSessId&) const = default;

  bool is_unprotected() const { return value == 0; }
  std::uint8_t msb() const { return static_cast<std::uint8_t>(value >> 8); }
  std::uint8_t lsb() const { return static_cast<std::uint8_t>(value & 0xFF); }
  // MSB 8 bits chosen by the Remote UE (DCR / DRRq), LSB 8 bits chosen by the relay (DSMC).
  static constexpr KdSessId from_halves(std::uint8_t msb, std::uint8_t lsb) {
    return KdSessId{static_cast<std::uint16_t>((static_cast<std::uint16_t>(msb) << 8) | lsb)};
  }
  std::string hex() const;
};
// The KD-sess ID of a PDCP PDU that carries no protection (TS 36.323 5.6.2).
inline constexpr KdSessId kUnprotectedKdSessId{0};

}  // namespace prose::ids
