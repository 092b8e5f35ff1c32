// MIKEY message model and codec (RFC 3830 section 6, RFC 6043 section 6): HDR, T, RAND, ID, IDR, SP, KEMAC, V,
// ERR and the general extension, plus the key-data sub-payloads carried (encrypted) inside KEMAC.
// Decoding goes through ByteReader: every error names the absolute offset; nothing reads past the end and an
// unknown or unsupported payload stops decoding with a clear error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "prose/mikey/constants.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::mikey {

struct SrtpIdEntry {  // CS ID map type SRTP-ID, per crypto session (RFC 3830 6.1.1)
  std::uint8_t policy_no = 0;
  std::uint32_t ssrc = 0;
  std::uint32_t roc = 0;
};

struct GenericIdEntry {  // CS ID map type GENERIC-ID, per crypto session (RFC 6043 6.1.1)
  std::uint8_t cs_id = 0;
  std::uint8_t prot_type = 0;
  bool s = false;
  std::vector<std::uint8_t> policies;  // #P policy numbers
  Bytes session_data;
  Bytes spi;
};

struct Hdr {
  std::uint8_t version = kVersion;
  std::uint8_t data_type = 0;
  bool v = false;
  std::uint8_t prf_func = 0;  // 7 bits
  std::uint32_t csb_id = 0;
  std::uint8_t cs_count = 0;  // must equal the entry count for SRTP-ID and GENERIC-ID maps
  std::uint8_t map_type = 0;
  std::vector<SrtpIdEntry> srtp;
  std::vector<GenericIdEntry> generic;
};

struct TPayload {
  std::uint8_t ts_type = 0;
  std::uint64_t value = 0;  // NTP 64-bit (seconds << 32 | fraction), or a 32-bit counter
  // The value as it is carried on the wire (8 octets for NTP, 4 for COUNTER).
  Bytes wire_value() const;
};
struct RandPayload {
  Bytes rand;
};
struct IdPayload {  // RFC 3830 ID
  std::uint8_t id_type = 0;
  Bytes data;
};
struct IdrPayload {  // RFC 6043 IDR
  std::uint8_t role = 0;
  std::uint8_t id_type = 0;
  Bytes data;
};
struct SpParam {
  std::uint8_t type = 0;
  Bytes value;
};
struct SpPayload {
  std::uint8_t policy_no = 0;
  std::uint8_t prot_type = 0;
  std::vector<SpParam> params;
};
struct KemacPayload {
  std::uint8_t encr_alg = 0;
  Bytes encr_data;  // encrypted key-data sub-payloads
  std::uint8_t mac_alg = 0;
  Bytes mac;  // length fixed by mac_alg
};
struct VPayload {
  std::uint8_t auth_alg = 0;
  Bytes mac;
};
struct ErrPayload {
  std::uint8_t error_no = 0;
  std::uint16_t reserved = 0;
};
struct GeneralExtPayload {
  std::uint8_t type = 0;
  Bytes data;
};

using Payload = std::variant<TPayload, RandPayload, IdPayload, IdrPayload, SpPayload, KemacPayload, VPayload,
                             ErrPayload, GeneralExtPayload>;

PayloadType payload_type(const Payload& p);

struct Message {
  Hdr hdr;
  std::vector<Payload> payloads;  // in wire order; next-payload fields are computed by the encoder

  template <typename T>
  const T* find() const {
    for (const auto& p : payloads)
      if (const T* x = std::get_if<T>(&p)) return x;
    return nullptr;
  }
};

// Result of decoding: the message plus where each payload starts, and, when the last payload is KEMAC or V,
// the offset of its MAC field (the MAC covers everything before it).
struct Decoded {
  Message msg;
  std::vector<std::size_t> offsets;  // offsets[i] = start of payloads[i]; HDR starts at 0
  std::optional<std::size_t> mac_offset;
};

// Encodes a message. Fails (kInvalidArgument) when a field does not fit its length field or the MAC length
// does not match the algorithm.
Result<Bytes> encode(const Message& m);
Result<Decoded> decode(ByteView data);
// The CSB ID of a MIKEY message (from its decoded common header), e.g. to match a verification message to the
// delivery it answers.
Result<std::uint32_t> csb_id_of(ByteView message);

// Key data sub-payload (RFC 3830 6.13), the plaintext inside KEMAC.
struct KeyData {
  std::uint8_t type = 0;  // KeyDataType
  std::uint8_t kv = 0;    // KvType
  SecretBytes key;
  SecretBytes salt;  // types TGK+SALT and TEK+SALT only
  Bytes spi;         // KV = SPI/MKI
  Bytes valid_from;  // KV = interval
  Bytes valid_to;
};

Result<SecretBytes> encode_key_data(const std::vector<KeyData>& kd);
// `base_offset` makes error offsets point into the enclosing message.
Result<std::vector<KeyData>> decode_key_data(ByteView plain, std::size_t base_offset = 0);

}  // namespace prose::mikey
