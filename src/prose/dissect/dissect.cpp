#include "prose/dissect/dissect.h"

#include <algorithm>
#include <cstdio>

#include "prose/agents/frame.h"
#include "prose/cipher/eps_algorithms.h"
#include "prose/discovery/constants.h"
#include "prose/discovery/messages.h"
#include "prose/discovery/protection.h"
#include "prose/gba/gpi.h"
#include "prose/ids/ids.h"
#include "prose/link/security_context.h"
#include "prose/pc5/codec.h"
#include "prose/pc5/constants.h"
#include "prose/pdcp/pdcp.h"
#include "prose/util/hex.h"

namespace prose::dissect {

// clang-format off
const std::array<ProtoInfo, kProtoCount> kProtos{{
    {Proto::kSl, "ProSe emulated sidelink frame", "ProSe SL", "prose_sl"},
    {Proto::kPdcp, "ProSe one-to-one sidelink PDCP", "ProSe PDCP", "prose_pdcp"},
    {Proto::kPc5s, "ProSe PC5 signalling (TS 24.334)", "PC5-S", "prose_pc5s"},
    {Proto::kDisc, "ProSe UE-to-Network Relay discovery", "ProSe Discovery", "prose_disc"},
    {Proto::kGpi, "GBA Push Info (TS 33.223)", "GPI", "prose_gpi"},
}};

#define F(id, proto, abbrev, name, kind, base) {Field::id, Proto::proto, abbrev, name, Kind::kind, Base::base}
const std::array<FieldInfo, kFieldCount> kFields{{
    F(kSlSrc, kSl, "prose_sl.src", "Layer-2 source ID", kU24, kHex),
    F(kSlDst, kSl, "prose_sl.dst", "Layer-2 destination ID", kU24, kHex),
    F(kPdcpSduType, kPdcp, "prose_pdcp.sdu_type", "SDU type", kU8, kDec),
    F(kPdcpReserved, kPdcp, "prose_pdcp.reserved", "Reserved bits", kU8, kHex),
    F(kPdcpKdSessId, kPdcp, "prose_pdcp.kd_sess_id", "KD-sess ID", kU16, kHex),
    F(kPdcpSn, kPdcp, "prose_pdcp.sn", "PDCP SN", kU16, kDec),
    F(kPdcpCount, kPdcp, "prose_pdcp.count", "COUNT", kU32, kDec),
    F(kPdcpBearer, kPdcp, "prose_pdcp.bearer", "BEARER", kU8, kDec),
    F(kPdcpDirection, kPdcp, "prose_pdcp.direction", "DIRECTION", kU8, kDec),
    F(kPdcpMacI, kPdcp, "prose_pdcp.mac_i", "MAC-I", kU32, kHex),
    F(kPdcpMacOk, kPdcp, "prose_pdcp.mac_ok", "MAC-I correct", kBool, kNone),
    F(kPdcpCiphered, kPdcp, "prose_pdcp.ciphered", "Ciphered", kBool, kNone),
    F(kPdcpEncrypted, kPdcp, "prose_pdcp.encrypted", "Encrypted data", kBytes, kNone),
    F(kPdcpDeciphered, kPdcp, "prose_pdcp.decrypted", "Decrypted", kBool, kNone),
    F(kPdcpUserData, kPdcp, "prose_pdcp.user_data", "User data", kBytes, kNone),
    F(kPc5sMsgType, kPc5s, "prose_pc5s.msg_type", "Message type", kU8, kHex),
    F(kPc5sSeq, kPc5s, "prose_pc5s.seq", "Sequence number", kU16, kDec),
    F(kPc5sIe, kPc5s, "prose_pc5s.ie", "Information element", kLabel, kNone),
    F(kPc5sIei, kPc5s, "prose_pc5s.iei", "IEI", kU8, kHex),
    F(kPc5sIeLength, kPc5s, "prose_pc5s.ie_length", "Length", kU16, kDec),
    F(kPc5sUserInfoType, kPc5s, "prose_pc5s.user_info_type", "User Info type", kU8, kDec),
    F(kPc5sPrukId, kPc5s, "prose_pc5s.pruk_id", "PRUK ID", kU64, kHex),
    F(kPc5sImsi, kPc5s, "prose_pc5s.imsi", "IMSI", kString, kNone),
    F(kPc5sIpAddressConfig, kPc5s, "prose_pc5s.ip_address_config", "IP Address Config", kU8, kDec),
    F(kPc5sMaxInactivity, kPc5s, "prose_pc5s.max_inactivity", "Maximum Inactivity Period", kU32, kDec),
    F(kPc5sNonce1, kPc5s, "prose_pc5s.nonce_1", "Nonce_1", kBytes, kNone),
    F(kPc5sNonce2, kPc5s, "prose_pc5s.nonce_2", "Nonce_2", kBytes, kNone),
    F(kPc5sCapsEea, kPc5s, "prose_pc5s.ue_sec_cap.eea", "UE Security Capabilities: EEA", kU8, kHex),
    F(kPc5sCapsEia, kPc5s, "prose_pc5s.ue_sec_cap.eia", "UE Security Capabilities: EIA", kU8, kHex),
    F(kPc5sChosenEea, kPc5s, "prose_pc5s.chosen_eea", "Chosen ciphering algorithm", kU8, kDec),
    F(kPc5sChosenEia, kPc5s, "prose_pc5s.chosen_eia", "Chosen integrity algorithm", kU8, kDec),
    F(kPc5sMsbKdSessId, kPc5s, "prose_pc5s.msb_kd_sess_id", "MSB of KD-sess ID", kU8, kHex),
    F(kPc5sLsbKdSessId, kPc5s, "prose_pc5s.lsb_kd_sess_id", "LSB of KD-sess ID", kU8, kHex),
    F(kPc5sKdId, kPc5s, "prose_pc5s.kd_id", "KD ID", kU32, kHex),
    F(kPc5sMsbKdId, kPc5s, "prose_pc5s.msb_kd_id", "MSB of KD ID", kU16, kHex),
    F(kPc5sLsbKdId, kPc5s, "prose_pc5s.lsb_kd_id", "LSB of KD ID", kU16, kHex),
    F(kPc5sKdFreshness, kPc5s, "prose_pc5s.kd_freshness", "KD Freshness", kBytes, kNone),
    F(kPc5sCause, kPc5s, "prose_pc5s.cause", "PC5 Signalling Protocol Cause", kU8, kDec),
    F(kPc5sReleaseReason, kPc5s, "prose_pc5s.release_reason", "Release Reason", kU8, kDec),
    F(kPc5sKeepaliveCounter, kPc5s, "prose_pc5s.keepalive_counter", "Keepalive Counter", kU32, kDec),
    F(kPc5sLinkLocalIpv6, kPc5s, "prose_pc5s.link_local_ipv6", "Link Local IPv6 Address", kBytes, kNone),
    F(kPc5sRand, kPc5s, "prose_pc5s.rand", "RAND", kBytes, kNone),
    F(kPc5sAuts, kPc5s, "prose_pc5s.auts", "AUTS", kBytes, kNone),
    F(kPc5sAuthFlag, kPc5s, "prose_pc5s.auth_flag", "Auth Flag", kU8, kDec),
    F(kPc5sSignature, kPc5s, "prose_pc5s.signature", "Signature", kBytes, kNone),
    F(kPc5sEncryptedPayload, kPc5s, "prose_pc5s.encrypted_payload", "Encrypted Payload", kBytes, kNone),
    F(kPc5sRsc, kPc5s, "prose_pc5s.rsc", "Relay Service Code", kU24, kHex),
    F(kPc5sImei, kPc5s, "prose_pc5s.imei", "IMEI", kString, kNone),
    F(kPc5sRemoteUeInfoType, kPc5s, "prose_pc5s.remote_ue_info_type", "Remote UE Info Type", kU8, kDec),
    F(kPc5sGpi, kPc5s, "prose_pc5s.gpi", "GPI", kBytes, kNone),
    F(kDiscType, kDisc, "prose_disc.type", "Message type", kU8, kHex),
    F(kDiscRsc, kDisc, "prose_disc.rsc", "Relay Service Code", kU24, kHex),
    F(kDiscUserInfo, kDisc, "prose_disc.user_info", "User Info ID", kU64, kHex),
    F(kDiscL2Id, kDisc, "prose_disc.l2_id", "ProSe Relay UE ID", kU24, kHex),
    F(kDiscUrds, kDisc, "prose_disc.urds", "URDS Composition", kU8, kHex),
    F(kDiscStatus, kDisc, "prose_disc.status", "Status Indicator", kU8, kHex),
    F(kDiscSpare, kDisc, "prose_disc.spare", "Spare", kBytes, kNone),
    F(kDiscMic, kDisc, "prose_disc.mic", "MIC", kU32, kHex),
    F(kDiscMicOk, kDisc, "prose_disc.mic_ok", "MIC correct", kBool, kNone),
    F(kDiscCounterLsb, kDisc, "prose_disc.counter_lsb", "UTC-based counter LSB", kU8, kHex),
    F(kDiscCounter, kDisc, "prose_disc.counter", "UTC-based counter", kU32, kDec),
    F(kDiscProtected, kDisc, "prose_disc.protected", "Scrambled / ciphered part", kBytes, kNone),
    F(kDiscPsdkRsc, kDisc, "prose_disc.key_rsc", "Discovery keys of RSC", kU24, kHex),
    F(kGpiVersion, kGpi, "prose_gpi.version", "Version", kU8, kDec),
    F(kGpiTlv, kGpi, "prose_gpi.tlv", "Field", kLabel, kNone),
    F(kGpiTag, kGpi, "prose_gpi.tag", "Tag", kU8, kHex),
    F(kGpiLength, kGpi, "prose_gpi.length", "Length", kU16, kDec),
    F(kGpiPTid, kGpi, "prose_gpi.p_tid", "P-TID (PRUK ID)", kU64, kHex),
    F(kGpiRand, kGpi, "prose_gpi.rand", "RAND", kBytes, kNone),
    F(kGpiAutn, kGpi, "prose_gpi.autn", "AUTN", kBytes, kNone),
    F(kGpiAppLbl, kGpi, "prose_gpi.app_lbl", "App_Lbl", kBytes, kNone),
    F(kGpiNafId, kGpi, "prose_gpi.naf_id", "NAF_Id", kString, kNone),
    F(kGpiKeyLifetime, kGpi, "prose_gpi.key_lifetime", "Key lifetime", kU32, kDec),
    F(kGpiKeyType, kGpi, "prose_gpi.key_type", "UICC/ME flag", kU8, kDec),
    F(kGpiMac, kGpi, "prose_gpi.mac", "MAC", kBytes, kNone),
    F(kGpiValue, kGpi, "prose_gpi.value", "Value", kBytes, kNone),
}};
#undef F

const std::array<ExpertInfo, kExpertCount> kExperts{{
    {Expert::kMacIncorrect, Proto::kPdcp, "prose_pdcp.mac_incorrect", "MAC-I incorrect", Severity::kError, Group::kChecksum},
    {Expert::kReplay, Proto::kPdcp, "prose_pdcp.replay", "Replayed COUNT", Severity::kWarn, Group::kSequence},
    {Expert::kUnknownMessageType, Proto::kPc5s, "prose_pc5s.unknown_type", "Unknown PC5 signalling message type", Severity::kWarn, Group::kProtocol},
    {Expert::kTruncated, Proto::kPc5s, "prose_pc5s.truncated", "Truncated field or IE", Severity::kWarn, Group::kMalformed},
    {Expert::kUndecodable, Proto::kPc5s, "prose_pc5s.undecodable", "Refused by the project's codec", Severity::kWarn, Group::kProtocol},
    {Expert::kNoKeys, Proto::kPdcp, "prose_pdcp.no_keys", "No key in the PC5 key log", Severity::kNote, Group::kDecryption},
    {Expert::kMicIncorrect, Proto::kDisc, "prose_disc.mic_unverified", "No discovery key verifies the MIC", Severity::kNote, Group::kDecryption},
    {Expert::kReservedBits, Proto::kPdcp, "prose_pdcp.reserved_set", "Reserved bits set (ignored, 36.323 6.3.6)", Severity::kNote, Group::kProtocol},
    {Expert::kNotIp, Proto::kPdcp, "prose_pdcp.not_ip", "SDU type IP but no IP packet", Severity::kNote, Group::kUndecoded},
}};
// clang-format on

const FieldInfo& field_info(Field f) { return kFields[static_cast<std::size_t>(f)]; }
const ExpertInfo& expert_info(Expert e) { return kExperts[static_cast<std::size_t>(e)]; }

namespace {

std::string hexv(std::uint64_t v, int digits) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return b;
}

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

// Reads a buffer left to right, making nodes at the right offsets.
struct Cursor {
  ByteView d;
  std::size_t buffer;
  std::size_t base;  // offset of d[0] in the buffer
  std::size_t pos = 0;

  bool has(std::size_t n) const { return pos + n <= d.size(); }
  std::size_t left() const { return d.size() - pos; }
  std::uint64_t peek(std::size_t n) const {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = v << 8 | d[pos + i];
    return v;
  }
  ByteView view(std::size_t n) const { return d.subspan(pos, n); }
  Node node(Field f, std::size_t n, std::uint64_t v, std::string text) const {
    Node x;
    x.field = f;
    x.proto = field_info(f).proto;
    x.buffer = buffer;
    x.offset = base + pos;
    x.length = n;
    x.value = v;
    x.text = std::move(text);
    return x;
  }
  // An integer field of n octets, with its text; advances.
  Node uint(Field f, std::size_t n, std::string text = {}) {
    std::uint64_t v = peek(n);
    if (text.empty()) text = field_info(f).base == Base::kHex ? hexv(v, static_cast<int>(2 * n)) : std::to_string(v);
    Node x = node(f, n, v, std::move(text));
    pos += n;
    return x;
  }
  Node bytes(Field f, std::size_t n, std::string text = {}) {
    if (text.empty()) text = to_hex(view(n));
    Node x = node(f, n, 0, std::move(text));
    pos += n;
    return x;
  }
};

Node protocol_node(Proto p, std::size_t buffer, std::size_t offset, std::size_t length) {
  Node n;
  n.field = Field::kCount_;
  n.proto = p;
  n.buffer = buffer;
  n.offset = offset;
  n.length = length;
  return n;
}

Node generated(Field f, std::size_t buffer, std::size_t offset, std::uint64_t v, std::string text) {
  Node n;
  n.field = f;
  n.proto = field_info(f).proto;
  n.buffer = buffer;
  n.offset = offset;
  n.value = v;
  n.text = std::move(text);
  n.generated = true;
  return n;
}

void flag(Node& n, Expert e, std::string text) { n.flags.push_back(Flag{e, std::move(text)}); }

bool truncated(Cursor& c, Node& parent, std::size_t n, std::string_view what) {
  if (c.has(n)) return false;
  Node t = c.node(Field::kPc5sIe, c.left(), 0, std::string(what) + " (truncated)");
  flag(t, Expert::kTruncated,
       std::string(what) + ": " + std::to_string(n) + " octets needed, " + std::to_string(c.left()) + " left");
  parent.children.push_back(std::move(t));
  c.pos = c.d.size();
  return true;
}

// ---- GPI ---------------------------------------------------------------------------------------------------
Node dissect_gpi_at(ByteView g, std::size_t buffer, std::size_t base) {
  Node root = protocol_node(Proto::kGpi, buffer, base, g.size());
  Cursor c{g, buffer, base};
  if (!c.has(1)) {
    flag(root, Expert::kTruncated, "GPI without a version octet");
    return root;
  }
  root.children.push_back(c.uint(Field::kGpiVersion, 1));
  while (c.left() > 0) {
    if (!c.has(3)) {
      Node t = c.node(Field::kGpiTlv, c.left(), 0, "truncated TLV");
      flag(t, Expert::kTruncated, "GPI TLV header needs 3 octets, " + std::to_string(c.left()) + " left");
      root.children.push_back(std::move(t));
      break;
    }
    const auto tag = static_cast<std::uint8_t>(c.peek(1));
    c.pos += 1;
    const auto len = static_cast<std::size_t>(c.peek(2));
    c.pos -= 1;
    Node tlv = c.node(Field::kGpiTlv, 3 + std::min(len, c.left() - 3), tag, gba::gpi_tag_name(tag));
    tlv.children.push_back(c.uint(Field::kGpiTag, 1, hexv(tag, 2) + " (" + gba::gpi_tag_name(tag) + ")"));
    tlv.children.push_back(c.uint(Field::kGpiLength, 2));
    if (!c.has(len)) {
      flag(tlv, Expert::kTruncated,
           "GPI value of " + std::to_string(len) + " octets, " + std::to_string(c.left()) + " left");
      root.children.push_back(std::move(tlv));
      break;
    }
    ByteView v = c.view(len);
    switch (static_cast<gba::GpiTag>(tag)) {
      case gba::GpiTag::kPTid:
        tlv.children.push_back(len == 8 ? c.uint(Field::kGpiPTid, 8) : c.bytes(Field::kGpiValue, len));
        break;
      case gba::GpiTag::kRand:
        tlv.children.push_back(c.bytes(Field::kGpiRand, len));
        break;
      case gba::GpiTag::kAutn:
        tlv.children.push_back(c.bytes(Field::kGpiAutn, len));
        break;
      case gba::GpiTag::kAppLbl:
        tlv.children.push_back(c.bytes(Field::kGpiAppLbl, len));
        break;
      case gba::GpiTag::kNafId: {
        std::string text;
        if (len > gba::kUaIdSize) {
          text.assign(v.begin(), v.end() - gba::kUaIdSize);
          for (char& ch : text)
            if (ch < 0x20 || ch > 0x7e) ch = '.';
          text += " || Ua security protocol " + to_hex(v.subspan(len - gba::kUaIdSize));
        } else {
          text = to_hex(v);
        }
        tlv.children.push_back(c.node(Field::kGpiNafId, len, 0, text));
        c.pos += len;
        break;
      }
      case gba::GpiTag::kKeyLifetime:
        tlv.children.push_back(len == 4 ? c.uint(Field::kGpiKeyLifetime, 4, std::to_string(c.peek(4)) + " s")
                                        : c.bytes(Field::kGpiValue, len));
        break;
      case gba::GpiTag::kKeyType: {
        if (len == 1) {
          const auto k = c.peek(1);
          tlv.children.push_back(c.uint(Field::kGpiKeyType, 1,
                                        std::to_string(k) + (k == 0   ? " (ME: gba-me keys)"
                                                             : k == 1 ? " (UICC)"
                                                                      : "")));
        } else {
          tlv.children.push_back(c.bytes(Field::kGpiValue, len));
        }
        break;
      }
      case gba::GpiTag::kMac:
        tlv.children.push_back(c.bytes(Field::kGpiMac, len));
        break;
      default:
        tlv.children.push_back(c.bytes(Field::kGpiValue, len));
        break;
    }
    root.children.push_back(std::move(tlv));
  }
  auto decoded = gba::decode_gpi(g);
  if (!decoded.ok()) flag(root, Expert::kUndecodable, "GPI: " + decoded.error().to_string());
  return root;
}

// ---- PC5 signalling ------------------------------------------------------------------------------------------
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

// ---- discovery ---------------------------------------------------------------------------------------------------
namespace dc = discovery::constants;

void discovery_fields(const Bytes& plain, std::size_t buffer, Node& root) {
  Cursor c{plain, buffer, 0};
  const auto code = static_cast<std::uint8_t>(c.peek(1));
  auto t = discovery::type_from_code(code);
  root.children.push_back(
      c.uint(Field::kDiscType, 1, hexv(code, 2) + " (" + (t.ok() ? discovery::type_name(*t) : "unknown") + ")"));
  root.children.push_back(c.uint(Field::kDiscRsc, 3));
  root.children.push_back(c.uint(Field::kDiscUserInfo, 6));
  if (t.ok() && *t == discovery::MessageType::kSolicitation) {
    root.children.push_back(c.uint(Field::kDiscUrds, 1));
    root.children.push_back(c.uint(Field::kDiscL2Id, 3));
  } else {
    root.children.push_back(c.uint(Field::kDiscL2Id, 3));
    root.children.push_back(c.uint(Field::kDiscStatus, 1));
  }
  root.children.push_back(c.bytes(Field::kDiscSpare, dc::kSpareSize));
}

}  // namespace

bool looks_like_sidelink(ByteView d) {
  if (d.size() < agents::kFrameHeaderSize + 1 || d.size() > agents::kMaxFrameSize) return false;
  const std::uint32_t src = static_cast<std::uint32_t>(d[0] << 16 | d[1] << 8 | d[2]);
  const std::uint32_t dst = static_cast<std::uint32_t>(d[3] << 16 | d[4] << 8 | d[5]);
  ByteView pdu = d.subspan(agents::kFrameHeaderSize);
  if (src == agents::kBroadcastL2Id || src == 0) return false;
  if (dst == agents::kBroadcastL2Id)
    return pdu.size() == dc::kMessageSize || (pdu.size() == agents::kDiscoverySize && pdu[0] >= 1 && pdu[0] <= 3);
  if (pdu.size() == dc::kMessageSize) return true;
  if (pdu.size() < pdcp::kHeaderSize || (pdu[0] >> 5) > pdcp::kMaxSduType || (pdu[0] & pdcp::kReservedBitsMask) != 0)
    return false;
  const bool unprotected = pdu[1] == 0 && pdu[2] == 0;
  const bool signalling = (pdu[0] >> 5) == static_cast<std::uint8_t>(pdcp::SduType::kPc5Signalling);
  if (unprotected && signalling) return pdu.size() > pdcp::kHeaderSize && pc5::is_known_message_type(pdu[5]);
  // Protected signalling carries at least a type, a sequence number and the MAC-I.
  return !signalling || pdu.size() >= pdcp::kHeaderSize + 3 + pdcp::kMacISize;
}

// What a frame's first dissection found about its PDCP protection.
struct Dissector::Memo {
  bool have_plain = false;
  bool ciphered = true;
  bool count_known = false;
  std::uint32_t count = 0;
  std::optional<bool> mac_ok;  // signalling only
  bool replay = false;
  std::string problem;  // why nothing could be decrypted
  Bytes plain;
};

struct Dissector::Rx {
  pdcp::RxEntity entity;
};

Dissector::Dissector() = default;
Dissector::~Dissector() = default;

void Dissector::set_keys(keylog::File keys) {
  keys_ = std::move(keys);
  reset();
}

void Dissector::reset() {
  rx_.clear();
  memo_.clear();
  links_.clear();
  is_discovery_.clear();
}

Result Dissector::dissect_gpi(ByteView gpi) {
  Result r;
  r.tree.push_back(dissect_gpi_at(gpi, 0, 0));
  r.protocol = "GPI";
  r.info = "GBA Push Info (" + std::to_string(gpi.size()) + " octets)";
  return r;
}

namespace {

bool is_ip_packet(ByteView b) {
  if (b.size() >= 20 && (b[0] >> 4) == 4 && (b[0] & 0x0f) >= 5)
    return static_cast<std::size_t>(b[2] << 8 | b[3]) == b.size();
  if (b.size() >= 40 && (b[0] >> 4) == 6) return static_cast<std::size_t>(b[4] << 8 | b[5]) + 40 == b.size();
  return false;
}

std::string sdu_type_text(std::uint8_t t) {
  switch (t) {
    case 0:
      return "0 (IP)";
    case 1:
      return "1 (ARP)";
    case 2:
      return "2 (PC5 signalling)";
    case 3:
      return "3 (Non-IP)";
    default:
      return std::to_string(t) + " (reserved)";
  }
}

}  // namespace

Result Dissector::dissect_sidelink(const FrameInput& in) {
  Result r;
  ByteView d = in.data;
  Node sl = protocol_node(Proto::kSl, 0, 0, d.size());
  r.protocol = "ProSe SL";
  if (d.size() < agents::kFrameHeaderSize) {
    flag(sl, Expert::kTruncated, "a sidelink frame has a 6-octet header");
    r.info = "truncated sidelink frame";
    r.tree.push_back(std::move(sl));
    return r;
  }
  Cursor fc{d, 0, 0};
  const auto src = static_cast<std::uint32_t>(fc.peek(3));
  sl.children.push_back(fc.uint(Field::kSlSrc, 3));
  const auto dst = static_cast<std::uint32_t>(fc.peek(3));
  sl.children.push_back(
      fc.uint(Field::kSlDst, 3, hexv(dst, 6) + (dst == agents::kBroadcastL2Id ? " (broadcast)" : "")));
  sl.length = agents::kFrameHeaderSize;
  r.tree.push_back(std::move(sl));
  ByteView pdu = d.subspan(agents::kFrameHeaderSize);
  const std::size_t at = agents::kFrameHeaderSize;
  const std::string who = hexv(src, 6) + " -> " + hexv(dst, 6) + ": ";

  // ---- discovery ----
  bool discovery = dst == agents::kBroadcastL2Id || pdu.size() == agents::kDiscoverySize;
  std::optional<discovery::DecodedPdu> opened;
  std::uint32_t counter = 0;
  const keylog::DiscoveryKeys* opened_with = nullptr;
  if (pdu.size() == dc::kMessageSize) {
    counter = discovery::reconstruct_counter(pdu[dc::kOffCounterLsb], discovery::utc_counter(in.unix_seconds));
    for (const auto& k : keys_.discovery) {
      discovery::DiscoveryKeys dk;
      dk.duik = k.duik.clone();
      dk.dusk = k.dusk.clone();
      dk.duck = k.duck.clone();
      dk.encrypted_bits_mask = k.encrypted_bits_mask;
      dk.eea = static_cast<cipher::Eea>(k.eea);
      auto o = discovery::open(pdu, dk, counter);
      if (o.ok()) {
        opened = *o;
        opened_with = &k;
        break;
      }
    }
    if (opened || (pdu[0] >> 5) > pdcp::kMaxSduType || (pdu[0] & pdcp::kReservedBitsMask) != 0) {
      discovery = true;
    } else if (!discovery) {  // scrambled octets that also read as a PDCP header: the link decides
      auto known = is_discovery_.find(in.number);
      if (known == is_discovery_.end())
        known = is_discovery_.emplace(in.number, !links_.contains(std::minmax(src, dst))).first;
      discovery = known->second;
    }
  }
  if (discovery) {
    Node root = protocol_node(Proto::kDisc, 0, at, pdu.size());
    r.protocol = "ProSe Discovery";
    if (pdu.size() == agents::kDiscoverySize) {
      Cursor c{pdu, 0, at};
      const auto t = static_cast<std::uint8_t>(c.peek(1));
      const bool known = t >= 1 && t <= 3;
      const char* name = known ? agents::discovery_name(static_cast<agents::DiscoveryType>(t)) : "unknown";
      root.children.push_back(c.uint(Field::kDiscType, 1, std::to_string(t) + " (" + name + ", unprotected)"));
      root.children.push_back(c.uint(Field::kDiscRsc, 3));
      if (!known) flag(root, Expert::kUndecodable, "unknown discovery type " + std::to_string(t));
      r.info = who + name + " (unprotected), RSC " + hexv(pdu[1] << 16 | pdu[2] << 8 | pdu[3], 6);
    } else if (pdu.size() != dc::kMessageSize) {
      flag(root, Expert::kTruncated, "a discovery PDU has 29 octets, this one " + std::to_string(pdu.size()));
      r.info = who + "discovery PDU of a wrong size";
    } else if (opened) {
      auto plain = discovery::encode(opened->message, opened->mic, opened->counter_lsb);
      r.buffers.push_back(Buffer{"Deciphered discovery message", plain.ok() ? *plain : Bytes{}});
      const std::size_t b = r.buffers.size();
      Node p = protocol_node(Proto::kDisc, b, 0, dc::kMessageSize);
      if (plain.ok()) discovery_fields(*plain, b, p);
      Cursor c{pdu, 0, at};
      c.pos = dc::kOffMic;
      Node mic = c.node(Field::kDiscMic, dc::kMicSize, opened->mic, hexv(opened->mic, 8) + " (after unscrambling)");
      mic.children.push_back(generated(Field::kDiscMicOk, 0, at + dc::kOffMic, 1, "True"));
      mic.children.push_back(generated(Field::kDiscPsdkRsc, 0, at + dc::kOffMic, opened_with->relay_service_code.value,
                                       hexv(opened_with->relay_service_code.value, 6)));
      c.pos = 0;
      root.children.push_back(
          c.node(Field::kDiscProtected, dc::kOffMic, 0, "scrambled with DUSK, confidential part ciphered with DUCK"));
      root.children.push_back(std::move(mic));
      c.pos = dc::kOffCounterLsb;
      root.children.push_back(c.uint(Field::kDiscCounterLsb, 1));
      root.children.push_back(generated(Field::kDiscCounter, 0, at + dc::kOffCounterLsb, counter,
                                        std::to_string(counter) + " (from the capture time)"));
      root.children.push_back(std::move(p));
      r.info = who + discovery::type_name(opened->message.type) + ", RSC " +
               hexv(opened->message.relay_service_code, 6) + " (MIC verified)";
    } else {
      Cursor c{pdu, 0, at};
      auto plain = discovery::decode_pdu(pdu);
      if (plain.ok() && plain->mic == 0) {  // an unprotected 29-octet message
        Node p = protocol_node(Proto::kDisc, 0, at, pdu.size());
        Bytes copy(pdu.begin(), pdu.end());
        discovery_fields(copy, 0, p);
        for (auto& ch : p.children) ch.offset += at;
        root.children = std::move(p.children);
        r.info = who + discovery::type_name(plain->message.type) + " (unprotected)";
      } else {
        root.children.push_back(c.bytes(Field::kDiscProtected, dc::kOffMic, "scrambled / ciphered"));
        root.children.push_back(c.uint(Field::kDiscMic, dc::kMicSize, hexv(c.peek(4), 8) + " (scrambled)"));
        root.children.push_back(c.uint(Field::kDiscCounterLsb, 1));
        flag(root, keys_.discovery.empty() ? Expert::kNoKeys : Expert::kMicIncorrect,
             keys_.discovery.empty() ? "protected discovery: no discovery keys in the PC5 key log"
                                     : "no discovery key set of the key log verifies the MIC");
        r.info = who + "protected discovery message (counter LSB " + hexv(pdu[dc::kOffCounterLsb], 2) + ")";
      }
    }
    r.tree.push_back(std::move(root));
    return r;
  }

  // ---- PDCP ----
  Node pd = protocol_node(Proto::kPdcp, 0, at, pdu.size());
  r.protocol = "ProSe PDCP";
  if (pdu.size() < pdcp::kHeaderSize) {
    flag(pd, Expert::kTruncated, "a PDCP PDU has a 5-octet header");
    r.info = who + "truncated PDCP PDU";
    r.tree.push_back(std::move(pd));
    return r;
  }
  Cursor c{pdu, 0, at};
  const auto sdu_type = static_cast<std::uint8_t>(pdu[0] >> 5);
  const auto reserved = static_cast<std::uint8_t>(pdu[0] & pdcp::kReservedBitsMask);
  pd.children.push_back(c.node(Field::kPdcpSduType, 1, sdu_type, sdu_type_text(sdu_type)));
  pd.children.push_back(c.node(Field::kPdcpReserved, 1, reserved, hexv(reserved, 2)));
  if (reserved != 0) flag(pd.children.back(), Expert::kReservedBits, "R bits " + hexv(reserved, 2));
  if (sdu_type > pdcp::kMaxSduType) flag(pd.children.front(), Expert::kUndecodable, "reserved SDU type");
  c.pos = 1;
  const ids::KdSessId kd{static_cast<std::uint16_t>(c.peek(2))};
  pd.children.push_back(
      c.uint(Field::kPdcpKdSessId, 2, hexv(kd.value, 4) + (kd.is_unprotected() ? " (unprotected)" : "")));
  const auto sn = static_cast<std::uint16_t>(c.peek(2));
  pd.children.push_back(c.uint(Field::kPdcpSn, 2));
  const bool signalling = sdu_type == static_cast<std::uint8_t>(pdcp::SduType::kPc5Signalling);
  if (signalling && kd.is_unprotected()) links_.insert(std::minmax(src, dst));
  std::optional<Bytes> plain;  // the SDU in clear, when known
  std::size_t plain_buffer = 0, plain_offset = at + pdcp::kHeaderSize;

  if (kd.is_unprotected()) {
    plain = Bytes(pdu.begin() + pdcp::kHeaderSize, pdu.end());
  } else {
    const bool has_mac = signalling && pdu.size() >= pdcp::kHeaderSize + pdcp::kMacISize;
    const std::size_t data_len = pdu.size() - pdcp::kHeaderSize - (has_mac ? pdcp::kMacISize : 0);
    std::optional<std::size_t> li;
    std::uint8_t dir = 0;
    for (std::size_t i = 0; i < keys_.links.size(); ++i) {
      const auto& l = keys_.links[i];
      if (l.kd_sess_id != kd) continue;
      if (src == l.remote_ue_l2.value && dst == l.relay_l2.value) {
        li = i;
        dir = 0;
        break;
      }
      if (src == l.relay_l2.value && dst == l.remote_ue_l2.value) {
        li = i;
        dir = 1;
        break;
      }
    }
    Node enc = c.bytes(Field::kPdcpEncrypted, data_len);
    Node mac;
    if (has_mac) mac = c.uint(Field::kPdcpMacI, pdcp::kMacISize);
    if (!li) {
      flag(enc, Expert::kNoKeys, "no PC5_LINK line for KD-sess ID " + hexv(kd.value, 4) + " between these L2 IDs");
      pd.children.push_back(std::move(enc));
      if (has_mac) pd.children.push_back(std::move(mac));
      r.info = who + (signalling ? "protected PC5 signalling" : "protected user data") + " (KD-sess ID " +
               hexv(kd.value, 4) + ", SN " + std::to_string(sn) + ", no key)";
      r.tree.push_back(std::move(pd));
      return r;
    }
    const keylog::LinkKeys& lk = keys_.links[*li];
    auto bearer_r = pdcp::bearer_for_lcid(link::kUserDataLcid);
    const std::uint8_t bearer = signalling ? pdcp::kSignallingBearer : (bearer_r.ok() ? *bearer_r : 1);
    auto it = memo_.find(in.number);
    if (it == memo_.end()) {
      Memo m;
      cipher::Backend& be = cipher::default_backend();
      pdcp::KeyView kv{static_cast<cipher::Eea>(lk.eea), static_cast<cipher::Eia>(lk.eia), lk.pek.view(),
                       lk.pik.view()};
      auto& slot = rx_[{*li, bearer, dir}];
      if (!slot) {
        pdcp::EntityConfig cfg;
        cfg.kd_sess_id = kd;
        cfg.bearer = bearer;
        cfg.direction = dir;
        cfg.eea = kv.eea;
        cfg.eia = kv.eia;
        auto e = pdcp::RxEntity::create(be, cfg, lk.pek, lk.pik);
        if (e.ok()) slot = std::make_unique<Rx>(Rx{std::move(*e)});
      }
      if (!slot) {
        m.problem = "keys of the key log line not usable";
      } else {
        const pdcp::ProtectionMode modes[2] = {
            signalling ? link::kModeIntegrityCiphering : pdcp::ProtectionMode{false, true}, link::kModeIntegrity};
        bool replay = false;
        for (int i = 0; i < (signalling ? 2 : 1) && !m.have_plain; ++i) {
          auto u = slot->entity.unprotect(pdu, modes[i]);
          if (u.ok()) {
            m.have_plain = true;
            m.ciphered = modes[i].ciphering && kv.eea != cipher::Eea::kEea0;
            m.count_known = true;
            m.count = u->count;
            if (signalling) m.mac_ok = true;
            m.plain = std::move(u->sdu);
          } else if (u.error().code == Errc::kReplay) {
            replay = true;
          }
        }
        if (!m.have_plain) {
          auto count = slot->entity.reconstruct_count(sn);
          if (!count && slot->entity.highest_count()) count = *slot->entity.highest_count();
          m.replay = replay;
          if (!count) {
            m.problem = "COUNT not reconstructible";
          } else {
            m.count_known = true;
            m.count = *count;
            pdcp::PduParams pp{*count, bearer, dir};
            // Stateless: which protection verifies (a replay), else what the content is without a MAC-I check.
            for (int i = 0; i < (signalling ? 2 : 1) && !m.have_plain; ++i) {
              auto u = pdcp::unprotect_pdu(be, kv, modes[i], pp, pdu);
              if (u.ok()) {
                m.have_plain = true;
                m.ciphered = modes[i].ciphering && kv.eea != cipher::Eea::kEea0;
                if (signalling) m.mac_ok = true;
                m.plain = std::move(u->sdu);
              }
            }
            if (!m.have_plain && signalling) {
              m.mac_ok = false;
              ByteView body = pdu.first(pdu.size() - (has_mac ? pdcp::kMacISize : 0));
              for (bool ciph : {true, false}) {
                auto u = pdcp::unprotect_pdu(be, kv, pdcp::ProtectionMode{false, ciph}, pp, body);
                if (!u.ok()) continue;
                const bool decodes = pc5::decode(u->sdu).ok();
                if (!m.have_plain || decodes) {
                  m.have_plain = true;
                  m.ciphered = ciph && kv.eea != cipher::Eea::kEea0;
                  m.plain = std::move(u->sdu);
                }
                if (decodes) break;
              }
            }
          }
        }
      }
      it = memo_.emplace(in.number, std::move(m)).first;
    }
    const Memo& m = it->second;
    pd.children.push_back(generated(Field::kPdcpBearer, 0, at, bearer,
                                    std::to_string(bearer) + (signalling ? " (PC5 signalling)" : " (user data)")));
    pd.children.push_back(generated(Field::kPdcpDirection, 0, at, dir,
                                    std::to_string(dir) + (dir == 0 ? " (from the Remote UE)" : " (from the relay)")));
    if (m.count_known) {
      Node cn = generated(Field::kPdcpCount, 0, at + 3, m.count,
                          std::to_string(m.count) + " (HFN " + std::to_string(m.count >> 16) + ", SN " +
                              std::to_string(m.count & 0xffff) + ")");
      if (m.replay) flag(cn, Expert::kReplay, "COUNT " + std::to_string(m.count) + " was received before");
      pd.children.push_back(std::move(cn));
    }
    pd.children.push_back(generated(Field::kPdcpCiphered, 0, at, m.ciphered ? 1 : 0, m.ciphered ? "True" : "False"));
    pd.children.push_back(std::move(enc));
    if (has_mac) {
      if (m.mac_ok) {
        mac.children.push_back(
            generated(Field::kPdcpMacOk, 0, mac.offset, *m.mac_ok ? 1 : 0, *m.mac_ok ? "True" : "False"));
        if (!*m.mac_ok)
          flag(mac, Expert::kMacIncorrect,
               "MAC-I " + mac.text + " does not verify with the PIK of KD-sess ID " + hexv(kd.value, 4));
      }
      pd.children.push_back(std::move(mac));
    }
    if (!m.have_plain) {
      flag(pd, Expert::kUndecodable, "not decrypted: " + m.problem);
    } else {
      pd.children.push_back(generated(Field::kPdcpDeciphered, 0, at, 1, "True"));
      r.buffers.push_back(Buffer{signalling ? "Deciphered PC5 signalling" : "Deciphered user data", m.plain});
      plain_buffer = r.buffers.size();
      plain_offset = 0;
      plain = m.plain;
    }
  }

  const std::string sn_text =
      "SN " + std::to_string(sn) + (!kd.is_unprotected() ? ", KD-sess ID " + hexv(kd.value, 4) : "");
  if (!plain) {
    r.info = who + (signalling ? "PC5 signalling" : "user data") + " (" + sn_text + ")";
    r.tree.push_back(std::move(pd));
    return r;
  }
  if (signalling) {
    std::string info;
    Node s = dissect_pc5s(*plain, plain_buffer, plain_offset, info);
    r.tree.push_back(std::move(pd));
    r.tree.push_back(std::move(s));
    r.protocol = "PC5-S";
    r.info = who + info + (!kd.is_unprotected() ? "" : " (unprotected)");
    return r;
  }
  Node ud;
  ud.field = Field::kPdcpUserData;
  ud.proto = Proto::kPdcp;
  ud.buffer = plain_buffer;
  ud.offset = plain_offset;
  ud.length = plain->size();
  ud.text = std::to_string(plain->size()) + " octets";
  r.handoff_buffer = plain_buffer;
  r.handoff_offset = plain_offset;
  r.handoff_length = plain->size();
  if (sdu_type == static_cast<std::uint8_t>(pdcp::SduType::kArp)) {
    r.handoff = Handoff::kArp;
  } else if (sdu_type == static_cast<std::uint8_t>(pdcp::SduType::kIp) && is_ip_packet(*plain)) {
    r.handoff = Handoff::kIp;
  } else {
    r.handoff = Handoff::kData;
    if (sdu_type == static_cast<std::uint8_t>(pdcp::SduType::kIp))
      flag(ud, Expert::kNotIp,
           "SDU type IP, but the SDU is no IPv4/IPv6 packet (the emulation relays application "
           "datagrams): shown as data");
  }
  pd.children.push_back(std::move(ud));
  r.tree.push_back(std::move(pd));
  r.info = who + "user data, " + std::to_string(plain->size()) + " octets (" + sn_text + ")";
  return r;
}

}  // namespace prose::dissect
