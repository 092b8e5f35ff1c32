// The tables of the dissector: its protocols, every field (one Wireshark hf each) and the expert infos.
#include "prose/dissect/dissect.h"

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

}  // namespace prose::dissect
