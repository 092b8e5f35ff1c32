#include "prose/pc5/codec.h"

#include <algorithm>
#include <cstdio>
#include <initializer_list>
#include <type_traits>

#include "prose/util/byte_reader.h"
#include "prose/util/byte_writer.h"
#include "prose/util/hex.h"

namespace prose::pc5 {

namespace {

std::string hex8(std::uint8_t v) {
  char b[8];
  std::snprintf(b, sizeof b, "0x%02x", v);
  return b;
}

template <std::size_t N>
std::array<std::uint8_t, N> to_array(ByteView v) {
  std::array<std::uint8_t, N> a{};
  std::copy_n(v.begin(), N, a.begin());
  return a;
}

// ---------------------------------------------------------------------------------------------------------
// Decoding helpers

// Reads the non-imperative part: IEs by IEI, any order, each at most once, only those in `allowed`.
// `on_ie(iei, value_reader)` must consume the whole value.
template <typename F>
Status decode_optional_ies(ByteReader& r, std::string_view msg_name, std::initializer_list<std::uint8_t> allowed,
                           F&& on_ie) {
  std::array<bool, 256> seen{};
  while (!r.empty()) {
    const std::size_t at = r.offset();
    PROSE_TRY(std::uint8_t id, r.u8("IEI"));
    const IeDescriptor* d = find_ie(id);
    if (d == nullptr)
      return fail_at(Errc::kUnsupported, at, "unknown IEI " + hex8(id) + " in " + std::string(msg_name));
    if (std::find(allowed.begin(), allowed.end(), id) == allowed.end()) {
      return fail_at(Errc::kMalformed, at,
                     std::string(d->name) + " (IEI " + hex8(id) + ") is not allowed in " + std::string(msg_name));
    }
    if (seen[id]) return fail_at(Errc::kMalformed, at, "duplicate " + std::string(d->name) + " IE");
    seen[id] = true;
    std::size_t len = d->value_size;
    const std::size_t len_at = r.offset();
    if (d->format == IeFormat::kTlv) {
      PROSE_TRY(std::uint8_t l, r.u8(d->name));
      len = l;
    } else if (d->format == IeFormat::kTlvE) {
      PROSE_TRY(std::uint16_t l, r.u16(d->name));
      len = l;
    }
    if (len < d->value_size || len > d->max_value_size) {
      return fail_at(Errc::kMalformed, len_at,
                     "wrong length " + std::to_string(len) + " for " + std::string(d->name) + " (allowed " +
                         std::to_string(d->value_size) + ".." + std::to_string(d->max_value_size) + ")");
    }
    PROSE_TRY(ByteReader value, r.sub(len, d->name));
    PROSE_TRY_STATUS(on_ie(id, value));
    PROSE_TRY_STATUS(value.expect_end(d->name));
  }
  return ok_status();
}

Status no_optional_ies(ByteReader& r, std::string_view msg_name) {
  return decode_optional_ies(r, msg_name, {}, [](std::uint8_t, ByteReader&) { return ok_status(); });
}

// A fixed-size octet string of prose/ids/ids.h (Nonce_1, KD freshness, RAND, ...).
template <typename T>
Result<T> read_fixed(ByteReader& r, std::string_view field) {
  PROSE_TRY(ByteView v, r.bytes(T::kSize, field));
  T out;
  std::copy(v.begin(), v.end(), out.bytes.begin());
  return out;
}

template <std::size_t N>
Result<std::array<std::uint8_t, N>> read_array(ByteReader& r, std::string_view field) {
  PROSE_TRY(ByteView v, r.bytes(N, field));
  return to_array<N>(v);
}

Result<UeSecurityCapabilities> read_caps(ByteReader& r) {
  PROSE_TRY(std::uint8_t eea, r.u8("UE Security Capabilities"));
  PROSE_TRY(std::uint8_t eia, r.u8("UE Security Capabilities"));
  return UeSecurityCapabilities{eea, eia};
}

Result<ChosenAlgorithms> read_chosen(ByteReader& r) {
  const std::size_t at = r.offset();
  PROSE_TRY(std::uint8_t v, r.u8("Chosen Algorithms"));
  ChosenAlgorithms c{static_cast<std::uint8_t>((v >> kChosenEeaShift) & kChosenAlgMask),
                     static_cast<std::uint8_t>(v & kChosenAlgMask)};
  if (c.eea > kMaxAlgorithmId || c.eia > kMaxAlgorithmId) {
    return fail_at(Errc::kMalformed, at, "Chosen Algorithms: reserved algorithm identity");
  }
  return c;
}

template <typename E>
Result<E> read_enum(ByteReader& r, std::string_view field, std::optional<std::string_view> (*name)(std::uint8_t),
                    std::uint8_t mask = 0xFF) {
  const std::size_t at = r.offset();
  PROSE_TRY(std::uint8_t v, r.u8(field));
  v = static_cast<std::uint8_t>(v & mask);  // spare bits are ignored on receipt
  if (!name(v)) return fail_at(Errc::kMalformed, at, std::string(field) + ": reserved value " + std::to_string(v));
  return static_cast<E>(v);
}

bool all_digits(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<UserInfo> decode_user_info(ByteReader& v) {
  const std::size_t at = v.offset();
  PROSE_TRY(std::uint8_t type, v.u8("User Info type"));
  if (type == static_cast<std::uint8_t>(UserInfoType::kPrukId)) {
    if (v.remaining() != kPrukIdSize) {
      return fail_at(Errc::kMalformed, at, "User Info: PRUK ID must be 8 octets, got " + std::to_string(v.remaining()));
    }
    PROSE_TRY(std::uint64_t id, v.u64("PRUK ID"));
    return UserInfo::from_pruk_id(ids::PrukId{id});
  }
  if (type == static_cast<std::uint8_t>(UserInfoType::kImsi)) {
    const std::size_t vat = v.offset();
    ByteView rest = v.rest();
    PROSE_TRY(std::string imsi, decode_mobile_identity(rest, kMobileIdentityTypeImsi, vat));
    return UserInfo::from_imsi(std::move(imsi));
  }
  return fail_at(Errc::kMalformed, at, "User Info: reserved type " + hex8(type));
}

// ---------------------------------------------------------------------------------------------------------
// Encoding helpers

Status encode_user_info(ByteWriter& w, const UserInfo& u) {
  w.u8(static_cast<std::uint8_t>(u.type));
  if (u.type == UserInfoType::kPrukId) {
    w.u64(u.pruk_id.value);
    return ok_status();
  }
  if (u.type == UserInfoType::kImsi) {
    PROSE_TRY(Bytes mi, encode_mobile_identity(kMobileIdentityTypeImsi, u.imsi));
    w.bytes(mi);
    return ok_status();
  }
  return fail(Errc::kInvalidArgument, "User Info: unknown type");
}

void put_caps(ByteWriter& w, const UeSecurityCapabilities& c) { w.u8(c.eea).u8(c.eia); }

Status put_chosen(ByteWriter& w, const ChosenAlgorithms& c) {
  if (c.eea > kMaxAlgorithmId || c.eia > kMaxAlgorithmId) {
    return fail(Errc::kInvalidArgument, "Chosen Algorithms: algorithm identity must be 0..3");
  }
  w.u8(static_cast<std::uint8_t>((c.eea << kChosenEeaShift) | c.eia));
  return ok_status();
}

template <typename E>
Status put_enum(ByteWriter& w, E e, std::string_view field, std::optional<std::string_view> (*name)(std::uint8_t)) {
  const auto v = static_cast<std::uint8_t>(e);
  if (!name(v)) return fail(Errc::kInvalidArgument, std::string(field) + ": reserved value " + std::to_string(v));
  w.u8(v);
  return ok_status();
}

Status put_tlv(ByteWriter& w, std::uint8_t id, ByteView value) {
  const IeDescriptor* d = find_ie(id);
  if (value.size() < d->value_size || value.size() > d->max_value_size) {
    return fail(Errc::kInvalidArgument, std::string(d->name) + ": length " + std::to_string(value.size()) +
                                            " outside " + std::to_string(d->value_size) + ".." +
                                            std::to_string(d->max_value_size));
  }
  w.u8(id);
  if (d->format == IeFormat::kTlvE) {
    w.u16(static_cast<std::uint16_t>(value.size()));
  } else {
    w.u8(static_cast<std::uint8_t>(value.size()));
  }
  w.bytes(value);
  return ok_status();
}

// ---------------------------------------------------------------------------------------------------------
// Per message

constexpr std::string_view kDcr = "DIRECT_COMMUNICATION_REQUEST";
constexpr std::string_view kDca = "DIRECT_COMMUNICATION_ACCEPT";
constexpr std::string_view kDsmc = "DIRECT_SECURITY_MODE_COMMAND";

Result<Message> decode_dcr(ByteReader& r, std::uint16_t seq) {
  DirectCommunicationRequest m;
  m.sequence_number = seq;
  {
    const std::size_t at = r.offset();
    PROSE_TRY(std::uint8_t len, r.u8("User Info length"));
    if (len < 5 || len > 9) {
      return fail_at(Errc::kMalformed, at, "wrong length " + std::to_string(len) + " for User Info (allowed 5..9)");
    }
    PROSE_TRY(ByteReader ui, r.sub(len, "User Info"));
    PROSE_TRY(m.user_info, decode_user_info(ui));
  }
  PROSE_TRY(m.ip_address_config,
            read_enum<IpAddressConfig>(r, "IP Address Config", ip_address_config_name, kIpAddressConfigMask));
  PROSE_TRY(m.maximum_inactivity_period, r.u32("Maximum Inactivity Period"));
  PROSE_TRY(m.nonce_1, read_fixed<ids::Nonce1>(r, "Nonce_1"));
  PROSE_TRY(m.ue_security_capabilities, read_caps(r));
  PROSE_TRY(m.msb_of_kd_sess_id, r.u8("MSB of KD-sess ID"));
  PROSE_TRY_STATUS(decode_optional_ies(
      r, kDcr, {iei::kKdId, iei::kRelayServiceCode, iei::kSignature, iei::kLinkLocalIpv6Address},
      [&](std::uint8_t id, ByteReader& v) -> Status {
        switch (id) {
          case iei::kKdId: {
            PROSE_TRY(std::uint32_t kd_id, v.u32("KD ID"));
            m.kd_id = ids::KdId{kd_id};
            break;
          }
          case iei::kRelayServiceCode: {
            PROSE_TRY(std::uint32_t rsc, v.u24("Relay Service Code"));
            m.relay_service_code = ids::RelayServiceCode{rsc};
            break;
          }
          case iei::kSignature: {
            PROSE_TRY(m.signature, read_array<kSignatureSize>(v, "Signature"));
            break;
          }
          default: {
            PROSE_TRY(m.link_local_ipv6_address, read_array<kIpv6AddressSize>(v, "Link Local IPv6 Address"));
            break;
          }
        }
        return ok_status();
      }));
  return Message{std::move(m)};
}

Result<Bytes> encode_dcr(ByteWriter& w, const DirectCommunicationRequest& m) {
  {
    ByteWriter ui;
    PROSE_TRY_STATUS(encode_user_info(ui, m.user_info));
    w.u8(static_cast<std::uint8_t>(ui.size())).bytes(ui.data());
  }
  PROSE_TRY_STATUS(put_enum(w, m.ip_address_config, "IP Address Config", ip_address_config_name));
  w.u32(m.maximum_inactivity_period).bytes(m.nonce_1);
  put_caps(w, m.ue_security_capabilities);
  w.u8(m.msb_of_kd_sess_id);
  if (m.kd_id) w.u8(iei::kKdId).u32(m.kd_id->value);
  if (m.relay_service_code) {
    if (m.relay_service_code->value > ids::RelayServiceCode::kMax) {
      return fail(Errc::kInvalidArgument, "Relay Service Code exceeds 24 bits");
    }
    w.u8(iei::kRelayServiceCode).u24(m.relay_service_code->value);
  }
  if (m.signature) w.u8(iei::kSignature).bytes(*m.signature);
  if (m.link_local_ipv6_address) w.u8(iei::kLinkLocalIpv6Address).bytes(*m.link_local_ipv6_address);
  return w.take();
}

Result<Message> decode_dsmc(ByteReader& r, std::uint16_t seq) {
  DirectSecurityModeCommand m;
  m.sequence_number = seq;
  PROSE_TRY(m.ue_security_capabilities, read_caps(r));
  PROSE_TRY(m.nonce_2, read_fixed<ids::Nonce2>(r, "Nonce_2"));
  PROSE_TRY(m.chosen_algorithms, read_chosen(r));
  PROSE_TRY(m.lsb_of_kd_sess_id, r.u8("LSB of KD-sess ID"));
  PROSE_TRY_STATUS(decode_optional_ies(
      r, kDsmc,
      {iei::kMsbOfKdId, iei::kKdFreshness, iei::kGpi, iei::kUserInfo, iei::kSignature, iei::kEncryptedPayload},
      [&](std::uint8_t id, ByteReader& v) -> Status {
        switch (id) {
          case iei::kMsbOfKdId: {
            PROSE_TRY(m.msb_of_kd_id, v.u16("MSB of KD ID"));
            break;
          }
          case iei::kKdFreshness: {
            PROSE_TRY(m.kd_freshness, read_fixed<ids::KdFreshness>(v, "KD Freshness"));
            break;
          }
          case iei::kGpi: {
            ByteView g = v.rest();
            m.gpi = Bytes(g.begin(), g.end());
            break;
          }
          case iei::kUserInfo: {
            PROSE_TRY(m.user_info, decode_user_info(v));
            break;
          }
          case iei::kSignature: {
            PROSE_TRY(m.signature, read_array<kSignatureSize>(v, "Signature"));
            break;
          }
          default: {
            ByteView p = v.rest();
            m.encrypted_payload = Bytes(p.begin(), p.end());
            break;
          }
        }
        return ok_status();
      }));
  return Message{std::move(m)};
}

Result<Bytes> encode_dsmc(ByteWriter& w, const DirectSecurityModeCommand& m) {
  put_caps(w, m.ue_security_capabilities);
  w.bytes(m.nonce_2);
  PROSE_TRY_STATUS(put_chosen(w, m.chosen_algorithms));
  w.u8(m.lsb_of_kd_sess_id);
  if (m.msb_of_kd_id) w.u8(iei::kMsbOfKdId).u16(*m.msb_of_kd_id);
  if (m.kd_freshness) w.u8(iei::kKdFreshness).bytes(*m.kd_freshness);
  if (m.gpi) PROSE_TRY_STATUS(put_tlv(w, iei::kGpi, *m.gpi));
  if (m.user_info) {
    ByteWriter ui;
    PROSE_TRY_STATUS(encode_user_info(ui, *m.user_info));
    PROSE_TRY_STATUS(put_tlv(w, iei::kUserInfo, ui.data()));
  }
  if (m.signature) w.u8(iei::kSignature).bytes(*m.signature);
  if (m.encrypted_payload) PROSE_TRY_STATUS(put_tlv(w, iei::kEncryptedPayload, *m.encrypted_payload));
  return w.take();
}

// ---------------------------------------------------------------------------------------------------------
// Describe helpers

std::string u_hex(std::uint64_t v, int digits) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return b;
}

std::string caps_str(const UeSecurityCapabilities& c) {
  std::string s = u_hex(c.eea, 2) + u_hex(c.eia, 2).substr(2) + " (EEA";
  bool first = true;
  for (unsigned i = 0; i < 8; ++i) {
    if (c.supports_eea(i)) {
      s += (first ? "" : ",") + std::to_string(i);
      first = false;
    }
  }
  s += first ? "none; EIA" : "; EIA";
  first = true;
  for (unsigned i = 0; i < 8; ++i) {
    if (c.supports_eia(i)) {
      s += (first ? "" : ",") + std::to_string(i);
      first = false;
    }
  }
  s += first ? "none)" : ")";
  return s;
}

std::string user_info_str(const UserInfo& u) {
  if (u.type == UserInfoType::kPrukId) return "PRUK ID " + u_hex(u.pruk_id.value, 16);
  return "IMSI " + u.imsi;
}

template <typename E>
std::string enum_str(E e, std::optional<std::string_view> (*name)(std::uint8_t)) {
  const auto v = static_cast<std::uint8_t>(e);
  auto n = name(v);
  return std::to_string(v) + " (" + std::string(n ? *n : "reserved") + ")";
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

Result<Message> decode(ByteView wire) {
  ByteReader r(wire);
  PROSE_TRY(std::uint8_t type, r.u8("message type"));
  auto name_opt = message_type_name(type);
  if (!name_opt) return fail_at(Errc::kUnsupported, 0, "unknown message type " + hex8(type));
  const std::string_view name = *name_opt;
  PROSE_TRY(std::uint16_t seq, r.u16("sequence number"));

  switch (static_cast<MessageType>(type)) {
    case MessageType::kDirectCommunicationRequest:
      return decode_dcr(r, seq);
    case MessageType::kDirectCommunicationAccept: {
      DirectCommunicationAccept m;
      m.sequence_number = seq;
      PROSE_TRY(m.ip_address_config,
                read_enum<IpAddressConfig>(r, "IP Address Config", ip_address_config_name, kIpAddressConfigMask));
      PROSE_TRY_STATUS(
          decode_optional_ies(r, kDca, {iei::kLinkLocalIpv6Address}, [&](std::uint8_t, ByteReader& v) -> Status {
            PROSE_TRY(m.link_local_ipv6_address, read_array<kIpv6AddressSize>(v, "Link Local IPv6 Address"));
            return ok_status();
          }));
      return Message{m};
    }
    case MessageType::kDirectCommunicationReject: {
      DirectCommunicationReject m;
      m.sequence_number = seq;
      PROSE_TRY(m.cause, read_enum<Cause>(r, "PC5 Signalling Protocol Cause", cause_name));
      PROSE_TRY_STATUS(no_optional_ies(r, name));
      return Message{m};
    }
    case MessageType::kDirectCommunicationKeepalive: {
      DirectCommunicationKeepalive m;
      m.sequence_number = seq;
      PROSE_TRY(m.keepalive_counter, r.u32("Keepalive Counter"));
      PROSE_TRY_STATUS(
          decode_optional_ies(r, name, {iei::kMaximumInactivityPeriod}, [&](std::uint8_t, ByteReader& v) -> Status {
            PROSE_TRY(m.maximum_inactivity_period, v.u32("Maximum Inactivity Period"));
            return ok_status();
          }));
      return Message{m};
    }
    case MessageType::kDirectCommunicationKeepaliveAck: {
      DirectCommunicationKeepaliveAck m;
      m.sequence_number = seq;
      PROSE_TRY(m.keepalive_counter, r.u32("Keepalive Counter"));
      PROSE_TRY_STATUS(no_optional_ies(r, name));
      return Message{m};
    }
    case MessageType::kDirectCommunicationRelease: {
      DirectCommunicationRelease m;
      m.sequence_number = seq;
      PROSE_TRY(m.release_reason, read_enum<ReleaseReason>(r, "Release Reason", release_reason_name));
      PROSE_TRY_STATUS(no_optional_ies(r, name));
      return Message{m};
    }
    case MessageType::kDirectCommunicationReleaseAccept: {
      PROSE_TRY_STATUS(no_optional_ies(r, name));
      return Message{DirectCommunicationReleaseAccept{seq}};
    }
    case MessageType::kDirectSecurityModeCommand:
      return decode_dsmc(r, seq);
    case MessageType::kDirectSecurityModeComplete: {
      DirectSecurityModeComplete m;
      m.sequence_number = seq;
      PROSE_TRY_STATUS(decode_optional_ies(r, name, {iei::kLsbOfKdId}, [&](std::uint8_t, ByteReader& v) -> Status {
        PROSE_TRY(m.lsb_of_kd_id, v.u16("LSB of KD ID"));
        return ok_status();
      }));
      return Message{m};
    }
    case MessageType::kDirectSecurityModeReject: {
      DirectSecurityModeReject m;
      m.sequence_number = seq;
      PROSE_TRY(m.cause, read_enum<Cause>(r, "PC5 Signalling Protocol Cause", cause_name));
      PROSE_TRY_STATUS(
          decode_optional_ies(r, name, {iei::kRand, iei::kAuts}, [&](std::uint8_t id, ByteReader& v) -> Status {
            if (id == iei::kRand) {
              PROSE_TRY(m.rand, read_fixed<ids::Rand>(v, "RAND"));
            } else {
              PROSE_TRY(m.auts, read_fixed<ids::Auts>(v, "AUTS"));
            }
            return ok_status();
          }));
      return Message{m};
    }
    case MessageType::kDirectRekeyingRequest: {
      DirectRekeyingRequest m;
      m.sequence_number = seq;
      PROSE_TRY(m.ue_security_capabilities, read_caps(r));
      PROSE_TRY(m.nonce_1, read_fixed<ids::Nonce1>(r, "Nonce_1"));
      PROSE_TRY(m.msb_of_kd_sess_id, r.u8("MSB of KD-sess ID"));
      PROSE_TRY_STATUS(
          decode_optional_ies(r, name, {iei::kAuthFlag, iei::kPrukId}, [&](std::uint8_t id, ByteReader& v) -> Status {
            if (id == iei::kAuthFlag) {
              PROSE_TRY(m.auth_flag, v.u8("Auth Flag"));
            } else {
              PROSE_TRY(std::uint64_t pruk_id, v.u64("PRUK ID"));
              m.pruk_id = ids::PrukId{pruk_id};
            }
            return ok_status();
          }));
      return Message{m};
    }
    case MessageType::kDirectRekeyingResponse: {
      PROSE_TRY_STATUS(no_optional_ies(r, name));
      return Message{DirectRekeyingResponse{seq}};
    }
    case MessageType::kDirectRekeyingTrigger: {
      PROSE_TRY_STATUS(no_optional_ies(r, name));
      return Message{DirectRekeyingTrigger{seq}};
    }
    case MessageType::kRemoteUeInfoRequest: {
      RemoteUeInfoRequest m;
      m.sequence_number = seq;
      PROSE_TRY(m.remote_ue_info_type, read_enum<RemoteUeInfoType>(r, "Remote UE Info Type", remote_ue_info_type_name));
      PROSE_TRY_STATUS(no_optional_ies(r, name));
      return Message{m};
    }
    case MessageType::kRemoteUeInfoResponse: {
      RemoteUeInfoResponse m;
      m.sequence_number = seq;
      PROSE_TRY_STATUS(decode_optional_ies(r, name, {iei::kImei}, [&](std::uint8_t, ByteReader& v) -> Status {
        const std::size_t at = v.offset();
        PROSE_TRY(m.imei, decode_mobile_identity(v.rest(), kMobileIdentityTypeImei, at));
        return ok_status();
      }));
      return Message{m};
    }
  }
  return fail_at(Errc::kUnsupported, 0, "unknown message type " + hex8(type));
}

Result<Bytes> encode(const Message& msg) {
  ByteWriter w(64);
  w.u8(static_cast<std::uint8_t>(message_type(msg)));
  w.u16(sequence_number(msg));
  return std::visit(
      [&](const auto& m) -> Result<Bytes> {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, DirectCommunicationRequest>) {
          return encode_dcr(w, m);
        } else if constexpr (std::is_same_v<T, DirectCommunicationAccept>) {
          PROSE_TRY_STATUS(put_enum(w, m.ip_address_config, "IP Address Config", ip_address_config_name));
          if (m.link_local_ipv6_address) w.u8(iei::kLinkLocalIpv6Address).bytes(*m.link_local_ipv6_address);
        } else if constexpr (std::is_same_v<T, DirectCommunicationReject> ||
                             std::is_same_v<T, DirectSecurityModeReject>) {
          PROSE_TRY_STATUS(put_enum(w, m.cause, "PC5 Signalling Protocol Cause", cause_name));
          if constexpr (std::is_same_v<T, DirectSecurityModeReject>) {
            if (m.rand) w.u8(iei::kRand).bytes(*m.rand);
            if (m.auts) w.u8(iei::kAuts).bytes(*m.auts);
          }
        } else if constexpr (std::is_same_v<T, DirectCommunicationKeepalive>) {
          w.u32(m.keepalive_counter);
          if (m.maximum_inactivity_period) w.u8(iei::kMaximumInactivityPeriod).u32(*m.maximum_inactivity_period);
        } else if constexpr (std::is_same_v<T, DirectCommunicationKeepaliveAck>) {
          w.u32(m.keepalive_counter);
        } else if constexpr (std::is_same_v<T, DirectCommunicationRelease>) {
          PROSE_TRY_STATUS(put_enum(w, m.release_reason, "Release Reason", release_reason_name));
        } else if constexpr (std::is_same_v<T, DirectSecurityModeCommand>) {
          return encode_dsmc(w, m);
        } else if constexpr (std::is_same_v<T, DirectSecurityModeComplete>) {
          if (m.lsb_of_kd_id) w.u8(iei::kLsbOfKdId).u16(*m.lsb_of_kd_id);
        } else if constexpr (std::is_same_v<T, DirectRekeyingRequest>) {
          put_caps(w, m.ue_security_capabilities);
          w.bytes(m.nonce_1).u8(m.msb_of_kd_sess_id);
          if (m.auth_flag) w.u8(iei::kAuthFlag).u8(*m.auth_flag);
          if (m.pruk_id) w.u8(iei::kPrukId).u64(m.pruk_id->value);
        } else if constexpr (std::is_same_v<T, RemoteUeInfoRequest>) {
          PROSE_TRY_STATUS(put_enum(w, m.remote_ue_info_type, "Remote UE Info Type", remote_ue_info_type_name));
        } else if constexpr (std::is_same_v<T, RemoteUeInfoResponse>) {
          if (m.imei) {
            PROSE_TRY(Bytes mi, encode_mobile_identity(kMobileIdentityTypeImei, *m.imei));
            w.u8(iei::kImei).bytes(mi);
          }
        }
        // ReleaseAccept, RekeyingResponse, RekeyingTrigger: type and sequence number only.
        return w.take();
      },
      msg);
}

std::vector<std::pair<std::string, std::string>> describe(const Message& msg) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto type = static_cast<std::uint8_t>(message_type(msg));
  out.emplace_back("Message type", std::string(*message_type_name(type)) + " (" + hex8(type) + ")");
  out.emplace_back("Sequence Number", std::to_string(sequence_number(msg)));
  auto add = [&](std::string k, std::string v) { out.emplace_back(std::move(k), std::move(v)); };
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, DirectCommunicationRequest>) {
          add("User Info", user_info_str(m.user_info));
          add("IP Address Config", enum_str(m.ip_address_config, ip_address_config_name));
          add("Maximum Inactivity Period", std::to_string(m.maximum_inactivity_period));
          add("Nonce_1", to_hex(m.nonce_1));
          add("UE Security Capabilities", caps_str(m.ue_security_capabilities));
          add("MSB of KD-sess ID", u_hex(m.msb_of_kd_sess_id, 2));
          if (m.kd_id) add("KD ID", u_hex(m.kd_id->value, 8));
          if (m.relay_service_code) add("Relay Service Code", u_hex(m.relay_service_code->value, 6));
          if (m.signature) add("Signature", to_hex(*m.signature));
          if (m.link_local_ipv6_address) add("Link Local IPv6 Address", to_hex(*m.link_local_ipv6_address));
        } else if constexpr (std::is_same_v<T, DirectCommunicationAccept>) {
          add("IP Address Config", enum_str(m.ip_address_config, ip_address_config_name));
          if (m.link_local_ipv6_address) add("Link Local IPv6 Address", to_hex(*m.link_local_ipv6_address));
        } else if constexpr (std::is_same_v<T, DirectCommunicationReject>) {
          add("PC5 Signalling Protocol Cause", enum_str(m.cause, cause_name));
        } else if constexpr (std::is_same_v<T, DirectCommunicationKeepalive>) {
          add("Keepalive Counter", std::to_string(m.keepalive_counter));
          if (m.maximum_inactivity_period)
            add("Maximum Inactivity Period", std::to_string(*m.maximum_inactivity_period));
        } else if constexpr (std::is_same_v<T, DirectCommunicationKeepaliveAck>) {
          add("Keepalive Counter", std::to_string(m.keepalive_counter));
        } else if constexpr (std::is_same_v<T, DirectCommunicationRelease>) {
          add("Release Reason", enum_str(m.release_reason, release_reason_name));
        } else if constexpr (std::is_same_v<T, DirectSecurityModeCommand>) {
          add("UE Security Capabilities", caps_str(m.ue_security_capabilities));
          add("Nonce_2", to_hex(m.nonce_2));
          add("Chosen Algorithms",
              "EEA" + std::to_string(m.chosen_algorithms.eea) + ", EIA" + std::to_string(m.chosen_algorithms.eia));
          add("LSB of KD-sess ID", u_hex(m.lsb_of_kd_sess_id, 2));
          if (m.msb_of_kd_id) add("MSB of KD ID", u_hex(*m.msb_of_kd_id, 4));
          if (m.kd_freshness) add("KD Freshness", to_hex(*m.kd_freshness));
          if (m.gpi) add("GPI", to_hex(*m.gpi));
          if (m.user_info) add("User Info", user_info_str(*m.user_info));
          if (m.signature) add("Signature", to_hex(*m.signature));
          if (m.encrypted_payload) add("Encrypted Payload", to_hex(*m.encrypted_payload));
        } else if constexpr (std::is_same_v<T, DirectSecurityModeComplete>) {
          if (m.lsb_of_kd_id) add("LSB of KD ID", u_hex(*m.lsb_of_kd_id, 4));
        } else if constexpr (std::is_same_v<T, DirectSecurityModeReject>) {
          add("PC5 Signalling Protocol Cause", enum_str(m.cause, cause_name));
          if (m.rand) add("RAND", to_hex(*m.rand));
          if (m.auts) add("AUTS", to_hex(*m.auts));
        } else if constexpr (std::is_same_v<T, DirectRekeyingRequest>) {
          add("UE Security Capabilities", caps_str(m.ue_security_capabilities));
          add("Nonce_1", to_hex(m.nonce_1));
          add("MSB of KD-sess ID", u_hex(m.msb_of_kd_sess_id, 2));
          if (m.auth_flag) add("Auth Flag", std::to_string(*m.auth_flag));
          if (m.pruk_id) add("PRUK ID", u_hex(m.pruk_id->value, 16));
        } else if constexpr (std::is_same_v<T, RemoteUeInfoRequest>) {
          add("Remote UE Info Type", enum_str(m.remote_ue_info_type, remote_ue_info_type_name));
        } else if constexpr (std::is_same_v<T, RemoteUeInfoResponse>) {
          if (m.imei) add("IMEI", *m.imei);
        }
      },
      msg);
  return out;
}

}  // namespace prose::pc5
