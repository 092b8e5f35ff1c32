// PC5 codec, describe(): a decoded message as (field, value) lines in wire order, for `prose pc5 decode`.
#include "prose/pc5/codec.h"

#include <cstdio>
#include <type_traits>

#include "prose/pc5/codec_internal.h"
#include "prose/util/hex.h"

namespace prose::pc5 {

using detail::hex8;

namespace {

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
