// GBA Push Info (GPI, TS 33.223 clause 5.3.5): the model and a strict binary codec.
//
// The 33.223 octet layout was not available (docs/conformance/gba.md), so this is the PROVISIONAL encoding of
// docs/profile.md section 6, kept behind this one codec so it can be swapped when the spec text is obtained:
//
//   GPI   = version (1 octet, 0x01) || TLV* || MAC-TLV
//   TLV   = tag (1) || length (2, big-endian) || value; tags strictly ascending, each at most once
//   MAC   = HMAC-SHA-256(Ks_(ext)_NAF, every octet before the MAC TLV), 32 octets, always the last TLV
//
// Every field constraint is in kGpiFields (gpi.cpp) next to this description; decoding fails with a specific error
// (kTruncated / kMalformed / kUnsupported, with the offset) on anything else, including trailing octets.
#pragma once

#include <cstdint>
#include <string>

#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::gba {

inline constexpr std::uint8_t kGpiVersion = 0x01;  // provisional (profile.md section 6)

// TLV tags of the provisional encoding (profile.md section 6; 33.223 5.3.5 field list).
enum class GpiTag : std::uint8_t {
  kPTid = 0x01,         // P-TID, 8 octets (= PRUK ID in ProSe), never all-zero
  kRand = 0x02,         // RAND, 16 octets
  kAutn = 0x03,         // AUTN, 16 octets
  kAppLbl = 0x04,       // App_Lbl, 1..255 octets, optional
  kNafId = 0x05,        // NAF_Id = NAF FQDN || 5-octet Ua security protocol id, 6..260 octets
  kKeyLifetime = 0x06,  // NAF key lifetime in seconds, 4 octets, non-zero
  kKeyType = 0x07,      // UICC/ME flag, 1 octet (NafKeyType)
  kMac = 0x08,          // MAC, 32 octets, last
};

// GBA_ME: the ME uses Ks_(ext)_NAF ("gba-me"). GBA_U (Ks_int_NAF inside the UICC) is decoded but not processed.
enum class NafKeyType : std::uint8_t { kMe = 0x00, kUicc = 0x01 };

inline constexpr std::size_t kPTidSize = 8;
inline constexpr std::size_t kGpiMacSize = 32;
inline constexpr std::size_t kUaIdSize = 5;
inline constexpr std::size_t kMaxAppLblSize = 255;
inline constexpr std::size_t kMinNafIdSize = 1 + kUaIdSize;
inline constexpr std::size_t kMaxNafIdSize = 255 + kUaIdSize;

struct Gpi {
  std::uint8_t version = kGpiVersion;
  std::uint64_t p_tid = 0;
  Bytes rand;     // 16
  Bytes autn;     // 16
  Bytes app_lbl;  // empty = absent
  Bytes naf_id;
  std::uint32_t key_lifetime = 0;  // seconds
  NafKeyType key_type = NafKeyType::kMe;
  Bytes mac;  // 32 (ignored by encode_gpi_signed_part)
};

// The octets the MAC covers: version and every TLV except the MAC. Fails (kInvalidArgument) on a field outside its
// constraints, so the encoder never produces what the decoder would reject.
Result<Bytes> encode_gpi_signed_part(const Gpi& gpi);
// The whole GPI; gpi.mac must be 32 octets.
Result<Bytes> encode_gpi(const Gpi& gpi);

struct DecodedGpi {
  Gpi gpi;
  std::size_t signed_length = 0;  // the MAC covers input[0, signed_length)
};
Result<DecodedGpi> decode_gpi(ByteView data);

// Human-readable name of a tag, for errors and the CLI.
std::string gpi_tag_name(std::uint8_t tag);

}  // namespace prose::gba
