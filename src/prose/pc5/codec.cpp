// The PC5 codec's shared pieces: TS 24.008 mobile identity, the message type and sequence number of a model, and
// hex8 (codec_internal.h). Decoding is in codec_decode.cpp, encoding in codec_encode.cpp, describe() in
// codec_describe.cpp.
#include "prose/pc5/codec.h"

#include <algorithm>
#include <cstdio>
#include <type_traits>

#include "prose/pc5/codec_internal.h"
#include "prose/util/byte_reader.h"
#include "prose/util/byte_writer.h"

namespace prose::pc5 {

namespace detail {

std::string hex8(std::uint8_t v) {
  char b[8];
  std::snprintf(b, sizeof b, "0x%02x", v);
  return b;
}
}  // namespace detail

namespace {

bool all_digits(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

// -------------------------------------------------------------------------------------------------------------
// TS 24.008 10.5.1.4 mobile identity

Result<Bytes> encode_mobile_identity(std::uint8_t type, const std::string& digits) {
  const bool imsi = type == kMobileIdentityTypeImsi;
  if (type != kMobileIdentityTypeImsi && type != kMobileIdentityTypeImei) {
    return fail(Errc::kInvalidArgument, "mobile identity: unsupported type");
  }
  if (!all_digits(digits)) return fail(Errc::kInvalidArgument, "mobile identity: digits only");
  if (imsi && (digits.size() < kImsiMinDigits || digits.size() > kImsiMaxDigits)) {
    return fail(Errc::kInvalidArgument, "IMSI must have 6..15 digits, got " + std::to_string(digits.size()));
  }
  if (!imsi && digits.size() != kImeiDigits) {
    return fail(Errc::kInvalidArgument, "IMEI must have 15 digits, got " + std::to_string(digits.size()));
  }
  const bool odd = digits.size() % 2 == 1;
  ByteWriter w(1 + digits.size() / 2);
  w.u8(static_cast<std::uint8_t>(((digits[0] - '0') << 4) | (odd ? kMobileIdentityOddFlag : 0) | type));
  for (std::size_t i = 1; i < digits.size(); i += 2) {
    const unsigned lo = static_cast<unsigned>(digits[i] - '0');
    const unsigned hi = i + 1 < digits.size() ? static_cast<unsigned>(digits[i + 1] - '0') : 0xF;
    w.u8(static_cast<std::uint8_t>((hi << 4) | lo));
  }
  return w.take();
}

Result<std::string> decode_mobile_identity(ByteView value, std::uint8_t expected_type, std::size_t base_offset) {
  ByteReader r(value, base_offset);
  PROSE_TRY(std::uint8_t first, r.u8("mobile identity"));
  if ((first & 0x07) != expected_type) {
    return fail_at(
        Errc::kMalformed, base_offset,
        "mobile identity: type " + std::to_string(first & 0x07) + ", expected " + std::to_string(expected_type));
  }
  const bool odd = (first & kMobileIdentityOddFlag) != 0;
  std::string digits;
  auto add = [&](unsigned d, std::size_t at) -> Status {
    if (d > 9) return fail_at(Errc::kMalformed, at, "mobile identity: bad BCD digit " + std::to_string(d));
    digits.push_back(static_cast<char>('0' + d));
    return ok_status();
  };
  PROSE_TRY_STATUS(add(first >> 4, base_offset));
  while (!r.empty()) {
    const std::size_t at = r.offset();
    PROSE_TRY(std::uint8_t o, r.u8("mobile identity"));
    PROSE_TRY_STATUS(add(o & 0x0F, at));
    const unsigned hi = o >> 4;
    if (r.empty() && !odd) {
      if (hi != 0xF) return fail_at(Errc::kMalformed, at, "mobile identity: even length needs filler 0xF");
    } else {
      PROSE_TRY_STATUS(add(hi, at));
    }
  }
  if (!odd && digits.size() == 1) {
    return fail_at(Errc::kMalformed, base_offset, "mobile identity: even indicator with a single digit");
  }
  const bool imsi = expected_type == kMobileIdentityTypeImsi;
  if (imsi && (digits.size() < kImsiMinDigits || digits.size() > kImsiMaxDigits)) {
    return fail_at(Errc::kMalformed, base_offset, "IMSI must have 6..15 digits, got " + std::to_string(digits.size()));
  }
  if (!imsi && digits.size() != kImeiDigits) {
    return fail_at(Errc::kMalformed, base_offset, "IMEI must have 15 digits, got " + std::to_string(digits.size()));
  }
  return digits;
}

// -------------------------------------------------------------------------------------------------------------
// Message type and sequence number of a model

MessageType message_type(const Message& m) {
  return std::visit(
      [](const auto& x) -> MessageType {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, DirectCommunicationRequest>) return MessageType::kDirectCommunicationRequest;
        if constexpr (std::is_same_v<T, DirectCommunicationAccept>) return MessageType::kDirectCommunicationAccept;
        if constexpr (std::is_same_v<T, DirectCommunicationReject>) return MessageType::kDirectCommunicationReject;
        if constexpr (std::is_same_v<T, DirectCommunicationKeepalive>)
          return MessageType::kDirectCommunicationKeepalive;
        if constexpr (std::is_same_v<T, DirectCommunicationKeepaliveAck>)
          return MessageType::kDirectCommunicationKeepaliveAck;
        if constexpr (std::is_same_v<T, DirectCommunicationRelease>) return MessageType::kDirectCommunicationRelease;
        if constexpr (std::is_same_v<T, DirectCommunicationReleaseAccept>)
          return MessageType::kDirectCommunicationReleaseAccept;
        if constexpr (std::is_same_v<T, DirectSecurityModeCommand>) return MessageType::kDirectSecurityModeCommand;
        if constexpr (std::is_same_v<T, DirectSecurityModeComplete>) return MessageType::kDirectSecurityModeComplete;
        if constexpr (std::is_same_v<T, DirectSecurityModeReject>) return MessageType::kDirectSecurityModeReject;
        if constexpr (std::is_same_v<T, DirectRekeyingRequest>) return MessageType::kDirectRekeyingRequest;
        if constexpr (std::is_same_v<T, DirectRekeyingResponse>) return MessageType::kDirectRekeyingResponse;
        if constexpr (std::is_same_v<T, DirectRekeyingTrigger>) return MessageType::kDirectRekeyingTrigger;
        if constexpr (std::is_same_v<T, RemoteUeInfoRequest>) return MessageType::kRemoteUeInfoRequest;
        if constexpr (std::is_same_v<T, RemoteUeInfoResponse>) return MessageType::kRemoteUeInfoResponse;
      },
      m);
}

std::uint16_t sequence_number(const Message& m) {
  return std::visit([](const auto& x) { return x.sequence_number; }, m);
}

}  // namespace prose::pc5
