// PC5 codec, encoding: encode() and its helpers (User Info, capabilities, chosen algorithms, enums, TLV / TLV-E),
// with the two messages too long to encode inline (DIRECT_COMMUNICATION_REQUEST, DIRECT_SECURITY_MODE_COMMAND).
#include "prose/pc5/codec.h"

#include <type_traits>

#include "prose/util/byte_writer.h"

namespace prose::pc5 {

namespace {

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
}  // namespace

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

}  // namespace prose::pc5
