// PC5 codec, decoding: decode() and its helpers (optional IEs by IEI, fixed fields, User Info), with the two
// messages too long to decode inline (DIRECT_COMMUNICATION_REQUEST, DIRECT_SECURITY_MODE_COMMAND).
#include "prose/pc5/codec.h"

#include <algorithm>
#include <array>
#include <initializer_list>

#include "prose/pc5/codec_internal.h"
#include "prose/util/byte_reader.h"

namespace prose::pc5 {

using detail::hex8;

namespace {

template <std::size_t N>
std::array<std::uint8_t, N> to_array(ByteView v) {
  std::array<std::uint8_t, N> a{};
  std::copy_n(v.begin(), N, a.begin());
  return a;
}

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

}  // namespace

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

}  // namespace prose::pc5
