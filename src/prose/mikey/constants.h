// MIKEY (RFC 3830, RFC 6043) number spaces and constants used by the ProSe PRUK/PGK delivery profile.
// This is THE table: every MIKEY spec value in the code base comes from here. docs/conformance/mikey.md lists
// each one with its source and whether it was verified.
#pragma once

#include <cstdint>
#include <string_view>

namespace prose::mikey {

inline constexpr std::uint8_t kVersion = 1;      // RFC 3830 6.1
inline constexpr std::uint16_t kUdpPort = 2269;  // IANA "mikey"; Wireshark's default

// HDR data type (RFC 3830 6.1; 11..16 RFC 6043; 26 RFC 6509).
enum class DataType : std::uint8_t {
  kPskInit = 0,
  kPskResp = 1,
  kPkInit = 2,
  kPkResp = 3,
  kDhInit = 4,
  kDhResp = 5,
  kError = 6,
  kDhHmacInit = 7,
  kDhHmacResp = 8,
  kRsaRInit = 9,
  kRsaRResp = 10,
  kSakke = 26,
};

// Next payload (RFC 3830 6.1; 13..17 RFC 6043; 26 RFC 6509).
enum class PayloadType : std::uint8_t {
  kLast = 0,
  kKemac = 1,
  kPke = 2,
  kDh = 3,
  kSign = 4,
  kT = 5,
  kId = 6,
  kCert = 7,
  kChash = 8,
  kV = 9,
  kSp = 10,
  kRand = 11,
  kErr = 12,
  kTr = 13,
  kIdr = 14,
  kRandR = 15,
  kTp = 16,
  kTicket = 17,
  kKeyData = 20,
  kGeneralExt = 21,
  kSakke = 26,
};

// HDR PRF func, 7 bits (RFC 3830 6.1: 0; RFC 6043 6.1: 1).
enum class PrfFunc : std::uint8_t { kMikey1 = 0, kHmacSha256 = 1 };

// HDR CS ID map type (RFC 3830 6.1: 0; RFC 6043 6.1.1: 1, 2).
enum class CsIdMapType : std::uint8_t { kSrtpId = 0, kEmpty = 1, kGenericId = 2 };

// T payload TS type (RFC 3830 6.6).
enum class TsType : std::uint8_t { kNtpUtc = 0, kNtp = 1, kCounter = 2 };

// ID / IDR ID type (RFC 3830 6.7: 0, 1; RFC 6043 6.6: 2).
enum class IdType : std::uint8_t { kNai = 0, kUri = 1, kByteString = 2 };

// IDR ID Role (RFC 6043 6.6).
enum class IdRole : std::uint8_t {
  kInitiator = 1,  // IDRi
  kResponder = 2,  // IDRr
  kKms = 3,        // IDRkms
  kPsk = 4,        // IDRpsk
  kApp = 5,        // IDRapp
  kKmsI = 6,       // IDRkmsi
  kKmsR = 7,       // IDRkmsr
};

// KEMAC encryption algorithm (RFC 3830 6.2).
enum class EncrAlg : std::uint8_t { kNull = 0, kAesCm128 = 1, kAesKw128 = 2 };

// KEMAC MAC / V auth algorithm (RFC 3830 6.2, 6.9: 0, 1; RFC 6043 6.2: 2).
enum class MacAlg : std::uint8_t { kNull = 0, kHmacSha1_160 = 1, kHmacSha256_256 = 2 };

// Key data sub-payload type and key validity type (RFC 3830 6.13).
enum class KeyDataType : std::uint8_t { kTgk = 0, kTgkSalt = 1, kTek = 2, kTekSalt = 3 };
enum class KvType : std::uint8_t { kNull = 0, kSpi = 1, kInterval = 2 };

// General extension type (RFC 3830 6.15: 0, 1).
enum class GeneralExtType : std::uint8_t { kVendorId = 0, kSdpIds = 1 };

// ERR payload error numbers (RFC 3830 6.12), 0..12.
inline constexpr std::uint8_t kMaxErrorNo = 12;

// PSK key derivation constants (RFC 3830 4.1.4): label = constant || 0xFF || CSB ID || RAND.
inline constexpr std::uint32_t kLabelPskEncr = 0x150533E1;
inline constexpr std::uint32_t kLabelPskAuth = 0x2D22AC75;
inline constexpr std::uint32_t kLabelPskSalt = 0x29B88916;
inline constexpr std::uint8_t kPskLabelCsId = 0xFF;
// TGK derivation constants (RFC 3830 4.1.3), for completeness of the table (not used by the PSK profile).
inline constexpr std::uint32_t kLabelTgkTek = 0x2AD01C64;
inline constexpr std::uint32_t kLabelTgkAuth = 0x1B5C7973;
inline constexpr std::uint32_t kLabelTgkEncr = 0x15798CEF;
inline constexpr std::uint32_t kLabelTgkSalt = 0x39A2C14B;

// Key lengths (octets) for the transport keys.
inline constexpr std::size_t kAesCm128KeyLen = 16;        // RFC 3830 4.2.3
inline constexpr std::size_t kSaltKeyLen = 14;            // 112 bits, RFC 3830 4.2.3
inline constexpr std::size_t kHmacSha1AuthKeyLen = 20;    // RFC 3830 4.2.1: 160 bits
inline constexpr std::size_t kHmacSha256AuthKeyLen = 32;  // RFC 6043: 256 bits (provisional)
inline constexpr std::size_t kMinRandLen = 16;            // RFC 3830 6.11: at least 128 bits

// NTP epoch (1900) to Unix epoch (1970), seconds.
inline constexpr std::uint64_t kNtpUnixOffset = 2208988800ULL;

// ProSe profile (docs/profile.md section 4).
inline constexpr std::int64_t kDefaultClockWindowSeconds = 300;  // +-5 minutes
inline constexpr std::size_t kPrukLen = 32;                      // 256-bit PRUK / PGK
inline constexpr std::size_t kKeyIdLen = 8;                      // 64-bit PRUK ID / PGK ID
inline constexpr std::size_t kKeyTypeIdLen = 4;                  // 32-bit Key Type ID: 8 hex digits in IDi

std::string_view payload_name(std::uint8_t type);  // "KEMAC", "T", ... or "unknown"
std::string_view data_type_name(std::uint8_t type);
std::string_view prf_name(std::uint8_t prf);
std::string_view encr_alg_name(std::uint8_t alg);
std::string_view mac_alg_name(std::uint8_t alg);
std::string_view id_role_name(std::uint8_t role);
std::string_view id_type_name(std::uint8_t type);
std::string_view ts_type_name(std::uint8_t type);
std::string_view map_type_name(std::uint8_t type);
std::string_view key_data_type_name(std::uint8_t type);
std::string_view kv_type_name(std::uint8_t type);

// MAC length in octets for a MAC/auth algorithm, or -1 when unknown.
int mac_length(std::uint8_t alg);

}  // namespace prose::mikey
