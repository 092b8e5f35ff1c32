#include "demo_steps.h"

#include <array>

#include "prose/diameter/constants.h"
#include "prose/util/hex.h"

namespace prose::cli::demo {
namespace {

constexpr std::array<RequirementStep, 13> kSteps{{
    {"0",
     "ProSe Function: PC3 service authorisation (role, PKMF address, discovery settings); discovery keys (PC8); "
     "with GBA first the Ub bootstrap with the BSF (B-TID) and Zn at the PKMF (Ks_NAF for PSK-TLS)"},
    {"1a", "Remote UE -> PKMF: Key Request (PRUK delivery, UE address, PRUK IDs held)"},
    {"1b", "PKMF -> Remote UE: Key Response (Key Type ID, PMK ID, PMK)"},
    {"1c", "PKMF -> Remote UE: MIKEY I_MESSAGE with the PRUK (IDi = Key Type ID || PRUK ID @ PKMF FQDN)"},
    {"1d", "Remote UE -> PKMF: MIKEY R_MESSAGE (verification); PRUK and PRUK ID stored"},
    {"2", "Discovery of the relay: Model A announcement or Model B solicitation and response, protected"},
    {"3", "Remote UE -> relay: Direct Communication Request with the Long Term ID (PRUK ID or IMSI), Nonce_1"},
    {"4a", "Relay -> PKMF: Key Request (PRUK ID or IMSI, Relay Service Code, Nonce_1)"},
    {"4b", "PKMF <-> HSS/BSF: GBA Push for an IMSI (MAR/MAA on Zh or GPR/GPA on Zpn), PRUK ID as P-TID"},
    {"4c", "PKMF -> relay: Key Response (KD, KD freshness, GPI)"},
    {"5a", "Relay -> Remote UE: Direct Security Mode Command (KD freshness, GPI), integrity protected"},
    {"5b", "Remote UE: new PRUK from the GPI, KD and KD-sess derived; Direct Security Mode Complete"},
    {"6", "Relay -> Remote UE: Direct Communication Accept; user data through the relay"},
}};

bool starts(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }
bool has(const std::string& s, std::string_view p) { return s.find(p) != std::string::npos; }
bool is_relay(const std::string& who) { return starts(who, "relay"); }

std::string command_name(std::uint32_t code, bool request) {
  switch (code) {
    case diameter::cmd::kCapabilitiesExchange:
      return request ? "Capabilities-Exchange-Request (CER" : "Capabilities-Exchange-Answer (CEA";
    case diameter::cmd::kDeviceWatchdog:
      return request ? "Device-Watchdog-Request (DWR" : "Device-Watchdog-Answer (DWA";
    case diameter::cmd::kDisconnectPeer:
      return request ? "Disconnect-Peer-Request (DPR" : "Disconnect-Peer-Answer (DPA";
    case diameter::cmd::kMultimediaAuth:
      return request ? "Multimedia-Auth-Request (MAR" : "Multimedia-Auth-Answer (MAA";
    case diameter::cmd::kBootstrappingInfo:
      return request ? "Bootstrapping-Info-Request (BIR" : "Bootstrapping-Info-Answer (BIA";
    case diameter::cmd::kGbaPushInfo:
      return request ? "GBA-Push-Info-Request (GPR" : "GBA-Push-Info-Answer (GPA";
    default:
      return "command " + std::to_string(code) + (request ? " request (" : " answer (");
  }
}

std::string application_name(std::uint32_t id) {
  switch (id) {
    case diameter::app::kCommon:
      return "base";
    case diameter::app::kZh:
      return "Zh";
    case diameter::app::kZn:
      return "Zn";
    case diameter::app::kZpn:
      return "Zpn";
    case diameter::app::kPc4a:
      return "PC4a";
    default:
      return "application " + std::to_string(id);
  }
}

std::uint32_t be32(const Bytes& b) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4 && i < b.size(); ++i) v = (v << 8) | b[i];
  return v;
}

}  // namespace

std::span<const RequirementStep> requirement_steps() { return kSteps; }

std::optional<std::size_t> step_index(std::string_view id) {
  for (std::size_t i = 0; i < kSteps.size(); ++i)
    if (kSteps[i].id == id) return i;
  return std::nullopt;
}

std::string message_step(const std::string& from, const std::string& to, const std::string& text) {
  if (starts(text, "PC3 ") || starts(text, "PC8 Discovery Key")) return "0";
  if (starts(text, "Ub ")) return "0";  // GBA bootstrap with the BSF: the agent's TLS identity for PC3 and PC8
  if (starts(text, "PC8 Key Request (PRUK delivery")) return "1a";
  if (starts(text, "PC8 Key Request")) return "4a";
  if (starts(text, "PC8 Key Response")) return is_relay(to) ? "4c" : "1b";
  if (starts(text, "MIKEY I_MESSAGE")) return "1c";
  if (starts(text, "MIKEY R_MESSAGE")) return "1d";
  if (has(text, "Discovery Announcement") || has(text, "Discovery Solicitation") || has(text, "Discovery Response"))
    return "2";
  if (starts(text, "Direct Communication Request") || starts(text, "(Direct Communication Request received"))
    return "3";
  if (starts(text, "Direct Communication Reject")) return "4c";  // the relay's answer when the PKMF refused
  if (from == "PKMF" && to == "HSS/BSF") return "4b";
  if (from == "HSS/BSF" && to == "PKMF") return "4b";
  if (starts(text, "Direct Security Mode Command")) return "5a";
  if (starts(text, "Direct Security Mode Complete")) return "5b";
  if (starts(text, "Direct Communication Accept") || has(text, "user data")) return "6";
  if (starts(text, "DHCP")) return "6";  // --ip: the Remote UE's address over the secured link, as user data
  return "-";
}

std::string event_step(const std::string& who, const std::string& name, const std::string& text) {
  if (name == "authorised" || name == "psdk" || name == "gba") return "0";
  if (name == "pruk") return has(text, "GBA Push") ? "5b" : "1d";
  if (name == "discovered") return "2";
  if (name == "kd") return is_relay(who) ? "4c" : "5b";
  if (name == "secured" || name == "ready" || name == "data") return "6";
  if (name == "lease" || name == "route") return "6";  // --ip: the DHCPv4 lease and the default route from it
  return "-";
}

std::string describe_diameter(const diameter::Message& m) {
  std::string s = command_name(m.command_code, m.is_request()) + ", " + application_name(m.application_id);
  for (const auto& a : m.avps) {
    if (a.code == diameter::avp::kUserName && a.vendor_id == 0) {
      s += ", User-Name " + std::string(a.data.begin(), a.data.end());
    } else if (a.code == diameter::avp::kResultCode && a.vendor_id == 0) {
      s += ", Result-Code " + std::to_string(be32(a.data));
    } else if (a.code == diameter::avp::kExperimentalResult) {
      auto inner = diameter::decode_avps(a.data);
      if (inner.ok())
        for (const auto& i : *inner)
          if (i.code == diameter::avp::kExperimentalResultCode)
            s += ", Experimental-Result-Code " + std::to_string(be32(i.data));
    } else if (a.code == diameter::avp::kNafSaIdentifier) {
      s += ", NAF-SA-Identifier (P-TID) " + to_hex(a.data);
    } else if (a.code == diameter::avp::kSipNumberAuthItems) {
      s += ", SIP-Number-Auth-Items " + std::to_string(be32(a.data));
    } else if (a.code == diameter::avp::kSipAuthDataItem) {
      s += m.is_request() ? ", SIP-Auth-Data-Item (scheme)" : ", SIP-Auth-Data-Item (RAND||AUTN, XRES, CK, IK)";
    } else if (a.code == diameter::avp::kTransactionIdentifier) {
      s += ", Transaction-Identifier (B-TID) " + std::string(a.data.begin(), a.data.end());
    } else if (a.code == diameter::avp::kNafId) {
      s += ", NAF-Id " + to_hex(a.data);
    } else if (a.code == diameter::avp::kMeKeyMaterial) {
      s += ", ME-Key-Material (Ks_NAF)";
    } else if (a.code == diameter::avp::kGbaPushInfo) {
      s += ", GBA-Push-Info " + std::to_string(a.data.size()) + " octets";
    }
  }
  return s + ")";
}

std::string diameter_step(const diameter::Message& m) {
  if (m.command_code == diameter::cmd::kDeviceWatchdog || m.command_code == diameter::cmd::kDisconnectPeer) return "-";
  if (m.command_code == diameter::cmd::kBootstrappingInfo || m.application_id == diameter::app::kZn) return "0";
  return "4b";
}

std::vector<std::string> message_fields(const std::string& text) {
  std::vector<std::string> out;
  const auto open = text.find('(');
  if (open == std::string::npos) return out;
  int depth = 0;
  std::string cur;
  for (std::size_t i = open + 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '(') ++depth;
    if (c == ')' && depth-- == 0) break;
    if (c == ',' && depth == 0) {
      out.push_back(cur);
      cur.clear();
      while (i + 1 < text.size() && text[i + 1] == ' ') ++i;
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string message_name(const std::string& text) {
  const auto open = text.find(" (");
  return open == std::string::npos ? text : text.substr(0, open);
}

}  // namespace prose::cli::demo
