// The dissector of PC5 signalling (TS 24.334): every message of the project's codec, every IE with its name and
// value; pc5::decode then checks the whole message.
#include <cstdio>
#include <optional>
#include <vector>

#include "prose/dissect/dissect_internal.h"
#include "prose/pc5/codec.h"
#include "prose/pc5/constants.h"

namespace prose::dissect::detail {
namespace {

std::string named(std::uint64_t v, std::optional<std::string_view> name) {
  return std::to_string(v) + " (" + std::string(name ? *name : "reserved") + ")";
}

std::string alg_list(std::uint8_t bitmap, const char* prefix) {
  std::string s;
  for (unsigned i = 0; i < 8; ++i)
    if (bitmap & pc5::ue_sec_cap_bit(i)) s += (s.empty() ? "" : ", ") + std::string(prefix) + std::to_string(i);
  return hexv(bitmap, 2) + " (" + (s.empty() ? "none" : s) + ")";
}

std::string ipv6_text(ByteView b) {
  std::string s;
  for (std::size_t i = 0; i + 1 < b.size(); i += 2) {
    char w[8];
    std::snprintf(w, sizeof w, "%x", static_cast<unsigned>(b[i] << 8 | b[i + 1]));
    s += (i ? ":" : "") + std::string(w);
  }
  return s;
}

enum class M : std::uint8_t {
  kUserInfoLv,
  kIpAddressConfig,
  kMaxInactivity,
  kNonce1,
  kNonce2,
  kCaps,
  kMsbKdSess,
  kLsbKdSess,
  kCause,
  kKeepalive,
  kReleaseReason,
  kChosen,
  kRemoteUeInfoType
};

// The mandatory (V / LV) fields of each message in wire order, as prose/pc5/codec.cpp reads them; pc5::decode
// then checks the whole message, so a difference between this walk and the codec shows as an expert info.
std::vector<M> mandatory_fields(pc5::MessageType t) {
  using T = pc5::MessageType;
  switch (t) {
    case T::kDirectCommunicationRequest:
      return {M::kUserInfoLv, M::kIpAddressConfig, M::kMaxInactivity, M::kNonce1, M::kCaps, M::kMsbKdSess};
    case T::kDirectCommunicationAccept:
      return {M::kIpAddressConfig};
    case T::kDirectCommunicationReject:
    case T::kDirectSecurityModeReject:
      return {M::kCause};
    case T::kDirectCommunicationKeepalive:
    case T::kDirectCommunicationKeepaliveAck:
      return {M::kKeepalive};
    case T::kDirectCommunicationRelease:
      return {M::kReleaseReason};
    case T::kDirectSecurityModeCommand:
      return {M::kCaps, M::kNonce2, M::kChosen, M::kLsbKdSess};
    case T::kDirectRekeyingRequest:
      return {M::kCaps, M::kNonce1, M::kMsbKdSess};
    case T::kRemoteUeInfoRequest:
      return {M::kRemoteUeInfoType};
    default:
      return {};
  }
}

// User Info value (type octet then PRUK ID or IMSI) into `parent`.
void user_info(Cursor& c, std::size_t len, Node& parent) {
  const std::size_t end = c.pos + len;
  const auto type = static_cast<std::uint8_t>(c.peek(1));
  const bool pruk = type == static_cast<std::uint8_t>(pc5::UserInfoType::kPrukId);
  const bool imsi = type == static_cast<std::uint8_t>(pc5::UserInfoType::kImsi);
  parent.children.push_back(c.uint(Field::kPc5sUserInfoType, 1,
                                   std::to_string(type) + (pruk   ? " (PRUK ID)"
                                                           : imsi ? " (IMSI)"
                                                                  : " (reserved)")));
  const std::size_t rest = end - c.pos;
  if (pruk && rest == pc5::kPrukIdSize) {
    Node n = c.uint(Field::kPc5sPrukId, rest);
    parent.text = "PRUK ID " + n.text;
    parent.children.push_back(std::move(n));
  } else if (imsi) {
    auto digits = pc5::decode_mobile_identity(c.view(rest), pc5::kMobileIdentityTypeImsi, 0);
    Node n = c.bytes(Field::kPc5sImsi, rest, digits.ok() ? *digits : "(" + digits.error().message + ")");
    if (digits.ok()) parent.text = "IMSI " + *digits;
    parent.children.push_back(std::move(n));
  } else if (rest > 0) {
    parent.children.push_back(c.bytes(Field::kPc5sIe, rest));
  }
  c.pos = end;
}

void mandatory(Cursor& c, M m, Node& root) {
  switch (m) {
    case M::kUserInfoLv: {
      if (truncated(c, root, 1, "User Info length")) return;
      const auto len = static_cast<std::size_t>(c.peek(1));
      Node ie = c.node(Field::kPc5sIe, 1 + std::min(len, c.left() - 1), 0, "User Info");
      ie.children.push_back(c.uint(Field::kPc5sIeLength, 1));
      if (len == 0 || !c.has(len)) {
        flag(ie, Expert::kTruncated,
             "User Info of " + std::to_string(len) + " octets, " + std::to_string(c.left()) + " left");
        c.pos = c.d.size();
      } else {
        user_info(c, len, ie);
      }
      ie.text = "User Info: " + (ie.text.empty() ? std::string("?") : ie.text);
      root.children.push_back(std::move(ie));
      return;
    }
    case M::kIpAddressConfig: {
      if (truncated(c, root, 1, "IP Address Config")) return;
      const auto v = static_cast<std::uint8_t>(c.peek(1) & pc5::kIpAddressConfigMask);
      root.children.push_back(c.uint(Field::kPc5sIpAddressConfig, 1, named(v, pc5::ip_address_config_name(v))));
      return;
    }
    case M::kMaxInactivity:
      if (truncated(c, root, 4, "Maximum Inactivity Period")) return;
      root.children.push_back(c.uint(Field::kPc5sMaxInactivity, 4, std::to_string(c.peek(4)) + " s"));
      return;
    case M::kNonce1:
    case M::kNonce2:
      if (truncated(c, root, pc5::kNonceSize, m == M::kNonce1 ? "Nonce_1" : "Nonce_2")) return;
      root.children.push_back(c.bytes(m == M::kNonce1 ? Field::kPc5sNonce1 : Field::kPc5sNonce2, pc5::kNonceSize));
      return;
    case M::kCaps: {
      if (truncated(c, root, 2, "UE Security Capabilities")) return;
      Node ie = c.node(Field::kPc5sIe, 2, 0, "UE Security Capabilities");
      ie.children.push_back(c.uint(Field::kPc5sCapsEea, 1, alg_list(static_cast<std::uint8_t>(c.peek(1)), "EEA")));
      ie.children.push_back(c.uint(Field::kPc5sCapsEia, 1, alg_list(static_cast<std::uint8_t>(c.peek(1)), "EIA")));
      root.children.push_back(std::move(ie));
      return;
    }
    case M::kMsbKdSess:
      if (truncated(c, root, 1, "MSB of KD-sess ID")) return;
      root.children.push_back(c.uint(Field::kPc5sMsbKdSessId, 1));
      return;
    case M::kLsbKdSess:
      if (truncated(c, root, 1, "LSB of KD-sess ID")) return;
      root.children.push_back(c.uint(Field::kPc5sLsbKdSessId, 1));
      return;
    case M::kCause: {
      if (truncated(c, root, 1, "Cause")) return;
      const auto v = static_cast<std::uint8_t>(c.peek(1));
      root.children.push_back(c.uint(Field::kPc5sCause, 1, named(v, pc5::cause_name(v))));
      return;
    }
    case M::kKeepalive:
      if (truncated(c, root, 4, "Keepalive Counter")) return;
      root.children.push_back(c.uint(Field::kPc5sKeepaliveCounter, 4));
      return;
    case M::kReleaseReason: {
      if (truncated(c, root, 1, "Release Reason")) return;
      const auto v = static_cast<std::uint8_t>(c.peek(1));
      root.children.push_back(c.uint(Field::kPc5sReleaseReason, 1, named(v, pc5::release_reason_name(v))));
      return;
    }
    case M::kChosen: {
      if (truncated(c, root, 1, "Chosen Algorithms")) return;
      const auto v = static_cast<std::uint8_t>(c.peek(1));
      const auto eea = static_cast<std::uint8_t>((v >> pc5::kChosenEeaShift) & pc5::kChosenAlgMask);
      const auto eia = static_cast<std::uint8_t>(v & pc5::kChosenAlgMask);
      Node ie =
          c.node(Field::kPc5sIe, 1, v, "Chosen Algorithms: EEA" + std::to_string(eea) + ", EIA" + std::to_string(eia));
      ie.children.push_back(c.node(Field::kPc5sChosenEea, 1, eea, "128-EEA" + std::to_string(eea)));
      ie.children.push_back(c.node(Field::kPc5sChosenEia, 1, eia, "128-EIA" + std::to_string(eia)));
      c.pos += 1;
      root.children.push_back(std::move(ie));
      return;
    }
    case M::kRemoteUeInfoType: {
      if (truncated(c, root, 1, "Remote UE Info Type")) return;
      const auto v = static_cast<std::uint8_t>(c.peek(1));
      root.children.push_back(c.uint(Field::kPc5sRemoteUeInfoType, 1, named(v, pc5::remote_ue_info_type_name(v))));
      return;
    }
  }
}

// One optional IE (IEI already known); false when the walk must stop.
bool optional_ie(Cursor& c, Node& root) {
  const std::size_t start = c.pos;
  const auto id = static_cast<std::uint8_t>(c.peek(1));
  const pc5::IeDescriptor* d = pc5::find_ie(id);
  if (d == nullptr) {
    Node n = c.bytes(Field::kPc5sIe, c.left(), "unknown IEI " + hexv(id, 2));
    flag(n, Expert::kUndecodable, "unknown IEI " + hexv(id, 2) + ": the rest is not decoded");
    root.children.push_back(std::move(n));
    return false;
  }
  const std::size_t lsize = d->format == pc5::IeFormat::kTv ? 0 : d->format == pc5::IeFormat::kTlv ? 1 : 2;
  if (truncated(c, root, 1 + lsize, d->name)) return false;
  std::size_t len = d->value_size;
  if (lsize > 0) {
    c.pos += 1;
    len = static_cast<std::size_t>(c.peek(lsize));
    c.pos -= 1;
  }
  Node ie = c.node(Field::kPc5sIe, std::min(1 + lsize + len, c.left()), id, std::string(d->name));
  ie.children.push_back(c.uint(Field::kPc5sIei, 1));
  if (lsize > 0) ie.children.push_back(c.uint(Field::kPc5sIeLength, lsize));
  if (!c.has(len)) {
    flag(ie, Expert::kTruncated,
         std::string(d->name) + ": " + std::to_string(len) + " octets, " + std::to_string(c.left()) + " left");
    root.children.push_back(std::move(ie));
    c.pos = c.d.size();
    return false;
  }
  auto val = [&](Field f) {
    Node n = field_info(f).kind == Kind::kBytes ? c.bytes(f, len) : c.uint(f, len);
    ie.text = std::string(d->name) + ": " + n.text;
    ie.children.push_back(std::move(n));
  };
  switch (id) {
    case pc5::iei::kUserInfo:
      if (len > 0) user_info(c, len, ie);
      ie.text = "User Info: " + (ie.text == d->name ? std::string("?") : ie.text);
      break;
    case pc5::iei::kLinkLocalIpv6Address: {
      Node n = c.bytes(Field::kPc5sLinkLocalIpv6, len, ipv6_text(c.view(len)));
      ie.text = std::string(d->name) + ": " + n.text;
      ie.children.push_back(std::move(n));
      break;
    }
    case pc5::iei::kMaximumInactivityPeriod:
      val(Field::kPc5sMaxInactivity);
      break;
    case pc5::iei::kPrukId:
      val(Field::kPc5sPrukId);
      break;
    case pc5::iei::kAuts:
      val(Field::kPc5sAuts);
      break;
    case pc5::iei::kRand:
      val(Field::kPc5sRand);
      break;
    case pc5::iei::kLsbOfKdId:
      val(Field::kPc5sLsbKdId);
      break;
    case pc5::iei::kMsbOfKdId:
      val(Field::kPc5sMsbKdId);
      break;
    case pc5::iei::kKdId:
      val(Field::kPc5sKdId);
      break;
    case pc5::iei::kKdFreshness:
      val(Field::kPc5sKdFreshness);
      break;
    case pc5::iei::kAuthFlag:
      val(Field::kPc5sAuthFlag);
      break;
    case pc5::iei::kSignature:
      val(Field::kPc5sSignature);
      break;
    case pc5::iei::kEncryptedPayload:
      val(Field::kPc5sEncryptedPayload);
      break;
    case pc5::iei::kRelayServiceCode:
      val(Field::kPc5sRsc);
      break;
    case pc5::iei::kGpi: {
      Node n = c.node(Field::kPc5sGpi, len, 0, std::to_string(len) + " octets");
      n.children.push_back(dissect_gpi_at(c.view(len), c.buffer, c.base + c.pos));
      c.pos += len;
      ie.text = "GPI (" + std::to_string(len) + " octets)";
      ie.children.push_back(std::move(n));
      break;
    }
    case pc5::iei::kImei: {
      auto digits = pc5::decode_mobile_identity(c.view(len), pc5::kMobileIdentityTypeImei, 0);
      Node n = c.bytes(Field::kPc5sImei, len, digits.ok() ? *digits : "(" + digits.error().message + ")");
      ie.text = "IMEI: " + n.text;
      ie.children.push_back(std::move(n));
      break;
    }
    default:
      ie.children.push_back(c.bytes(Field::kPc5sIe, len));
      break;
  }
  c.pos = start + 1 + lsize + len;
  root.children.push_back(std::move(ie));
  return true;
}

}  // namespace

// The PC5 signalling message `msg` (buffer `buffer` from offset `base`); `info` gets its name.
Node dissect_pc5s(ByteView msg, std::size_t buffer, std::size_t base, std::string& info) {
  Node root = protocol_node(Proto::kPc5s, buffer, base, msg.size());
  Cursor c{msg, buffer, base};
  if (!c.has(1)) {
    flag(root, Expert::kTruncated, "empty PC5 signalling message");
    info = "PC5 signalling (empty)";
    return root;
  }
  const auto type = static_cast<std::uint8_t>(c.peek(1));
  const auto name = pc5::message_type_name(type);
  root.children.push_back(
      c.uint(Field::kPc5sMsgType, 1,
             name ? std::string(*name) + " (" + hexv(type, 2) + ")" : "unknown (" + hexv(type, 2) + ")"));
  info = name ? std::string(*name) : "unknown PC5 signalling message " + hexv(type, 2);
  if (!name) {
    flag(root.children.back(), Expert::kUnknownMessageType,
         "message type " + hexv(type, 2) + " is not in TS 24.334's table (prose/pc5/constants.h)");
    if (c.left() > 0) root.children.push_back(c.bytes(Field::kPc5sIe, c.left(), "undecoded"));
    return root;
  }
  if (truncated(c, root, 2, "Sequence number")) return root;
  Node seq = c.uint(Field::kPc5sSeq, 2);
  info += " (seq " + seq.text + ")";
  root.children.push_back(std::move(seq));
  for (M m : mandatory_fields(static_cast<pc5::MessageType>(type))) mandatory(c, m, root);
  while (c.left() > 0 && optional_ie(c, root)) {
  }
  bool flagged = false;
  std::vector<const Node*> stack{&root};
  while (!stack.empty() && !flagged) {
    const Node* n = stack.back();
    stack.pop_back();
    flagged = !n->flags.empty();
    for (const auto& ch : n->children) stack.push_back(&ch);
  }
  if (!flagged) {
    auto decoded = pc5::decode(msg);
    if (!decoded.ok())
      flag(root, decoded.error().code == Errc::kTruncated ? Expert::kTruncated : Expert::kUndecodable,
           decoded.error().to_string());
  }
  return root;
}

}  // namespace prose::dissect::detail
