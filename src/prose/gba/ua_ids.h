// Ua security protocol identifiers (TS 33.220 annex H.3): the 5 octets appended to the NAF FQDN to form the NAF_Id
// (NAF_Id = FQDN || Ua id, TS 33.220 B.3) for the PSK-TLS key of TS 33.222. ONE table, with the source of each value
// (checked against TS 33.220 H.3 as published on itecspec.com; /work/shared/spec/pc5-pdcp-gba-mikey.md section 3.2).
// docs/conformance/gba-naf.md lists the same values.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace prose::gba {

using UaId = std::array<std::uint8_t, 5>;

struct UaIdEntry {
  std::string_view name;
  UaId id;  // for the TLS 1.2 row, octets 4 and 5 are the negotiated cipher suite (yy zz)
  std::string_view source;
};

// (0x01,0x00,0x00,0x00,0x07): shared key TLS 1.3, TS 33.222 clause 5.4.0.2 (TS 33.220 H.3).
inline constexpr UaId kUaTls13 = {0x01, 0x00, 0x00, 0x00, 0x07};
// (0x01,0x00,0x01,yy,zz): shared key-based TLS (TLS 1.2 and earlier) with the PSK cipher suite yy,zz, TS 33.222
// clause 5.4 (TS 33.220 H.3). The prefix; ua_id_tls12() appends the suite.
inline constexpr std::uint8_t kUaTls12Prefix[3] = {0x01, 0x00, 0x01};

inline constexpr UaIdEntry kUaIds[] = {
    {"tls1.3-psk", kUaTls13, "TS 33.220 H.3 (TS 33.222 5.4.0.2)"},
    {"tls1.2-psk", {0x01, 0x00, 0x01, 0x00, 0x00}, "TS 33.220 H.3 (TS 33.222 5.4): octets 4-5 = cipher suite"},
};

// The Ua id of PSK-TLS 1.2 with the cipher suite `suite` (IANA TLS Cipher Suite value, e.g. 0x008C).
constexpr UaId ua_id_tls12(std::uint16_t suite) {
  return {kUaTls12Prefix[0], kUaTls12Prefix[1], kUaTls12Prefix[2], static_cast<std::uint8_t>(suite >> 8),
          static_cast<std::uint8_t>(suite & 0xff)};
}

}  // namespace prose::gba
