// The dissector's frames: the emulated sidelink frame, relay discovery and one-to-one PDCP (COUNT, replay, MAC-I,
// deciphering with the key log), handing PC5 signalling to dissect_pc5s.cpp. The tables: dissect_fields.cpp.
#include "prose/dissect/dissect.h"

#include <algorithm>

#include "prose/agents/frame.h"
#include "prose/cipher/eps_algorithms.h"
#include "prose/discovery/constants.h"
#include "prose/discovery/messages.h"
#include "prose/discovery/plain.h"
#include "prose/discovery/protection.h"
#include "prose/dissect/dissect_internal.h"
#include "prose/ids/ids.h"
#include "prose/link/security_context.h"
#include "prose/pc5/codec.h"
#include "prose/pc5/constants.h"
#include "prose/pdcp/pdcp.h"
#include "prose/util/hex.h"

namespace prose::dissect {

using detail::Cursor;
using detail::dissect_pc5s;
using detail::flag;
using detail::generated;
using detail::hexv;
using detail::protocol_node;

namespace {

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
  if (src == discovery::kBroadcastL2Id || src == 0) return false;
  if (dst == discovery::kBroadcastL2Id)
    return pdu.size() == dc::kMessageSize || (pdu.size() == discovery::kDiscoverySize && pdu[0] >= 1 && pdu[0] <= 3);
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
      fc.uint(Field::kSlDst, 3, hexv(dst, 6) + (dst == discovery::kBroadcastL2Id ? " (broadcast)" : "")));
  sl.length = agents::kFrameHeaderSize;
  r.tree.push_back(std::move(sl));
  ByteView pdu = d.subspan(agents::kFrameHeaderSize);
  const std::size_t at = agents::kFrameHeaderSize;
  const std::string who = hexv(src, 6) + " -> " + hexv(dst, 6) + ": ";

  // ---- discovery ----
  bool discovery = dst == discovery::kBroadcastL2Id || pdu.size() == discovery::kDiscoverySize;
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
    if (pdu.size() == discovery::kDiscoverySize) {
      Cursor c{pdu, 0, at};
      const auto t = static_cast<std::uint8_t>(c.peek(1));
      const bool known = t >= 1 && t <= 3;
      const char* name = known ? discovery::discovery_name(static_cast<discovery::DiscoveryType>(t)) : "unknown";
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
