// Diameter constants used by the HSS/BSF emulator: ONE table, with the source of each value.
// Sources: RFC 6733 (base protocol); TS 29.229 (Cx, SIP-Auth-Data-Item AVPs, DIAMETER_ERROR_USER_UNKNOWN);
// TS 29.109 (Zh/Zn/Zpn: GBA AVPs 400-420, GPR/GPA command 312, Zpn application id, 54xx result codes).
// Every code below was cross-checked against Wireshark 4.0's Diameter dictionary
// (/usr/share/wireshark/diameter/{dictionary.xml,TGPP.xml}); docs/conformance/hss.md has the table.
#pragma once

#include <cstdint>

namespace prose::diameter {

inline constexpr std::uint8_t kVersion = 1;          // RFC 6733 3
inline constexpr std::uint32_t kVendor3gpp = 10415;  // IANA enterprise number of 3GPP
inline constexpr std::uint16_t kDefaultPort = 3868;  // RFC 6733 2.1

// Header flags (RFC 6733 3): R P E T, low 4 bits reserved.
inline constexpr std::uint8_t kFlagRequest = 0x80;
inline constexpr std::uint8_t kFlagProxiable = 0x40;
inline constexpr std::uint8_t kFlagError = 0x20;
inline constexpr std::uint8_t kFlagRetransmit = 0x10;
inline constexpr std::uint8_t kHeaderReservedMask = 0x0f;
// AVP flags (RFC 6733 4.1): V M P, low 5 bits reserved.
inline constexpr std::uint8_t kAvpFlagVendor = 0x80;
inline constexpr std::uint8_t kAvpFlagMandatory = 0x40;
inline constexpr std::uint8_t kAvpFlagProtected = 0x20;
inline constexpr std::uint8_t kAvpReservedMask = 0x1f;

inline constexpr std::size_t kHeaderSize = 20;
// Address AVP family (RFC 6733 4.3.1, IANA Address Family Numbers).
inline constexpr std::uint16_t kAddressFamilyIpv4 = 1;
inline constexpr std::uint16_t kAddressFamilyIpv6 = 2;

// Command codes.
namespace cmd {
inline constexpr std::uint32_t kCapabilitiesExchange = 257;  // CER/CEA, RFC 6733 5.3
inline constexpr std::uint32_t kDeviceWatchdog = 280;        // DWR/DWA, RFC 6733 5.5
inline constexpr std::uint32_t kDisconnectPeer = 282;        // DPR/DPA, RFC 6733 5.4
inline constexpr std::uint32_t kMultimediaAuth = 303;        // MAR/MAA, TS 29.229 6.1.7 (used on Zh, TS 29.109 4.2)
inline constexpr std::uint32_t kGbaPushInfo = 312;           // GPR/GPA, TS 29.109 6.1 (Zpn)
inline constexpr std::uint32_t kBootstrappingInfo = 310;     // BIR/BIA, TS 29.109 (Zn)
}  // namespace cmd

// Application identifiers.
namespace app {
inline constexpr std::uint32_t kCommon = 0;       // RFC 6733 2.4 (CER/DWR/DPR)
inline constexpr std::uint32_t kZn = 16777220;    // TS 29.109
inline constexpr std::uint32_t kZh = 16777221;    // TS 29.109 (AV retrieval, MAR/MAA)
inline constexpr std::uint32_t kZpn = 16777268;   // TS 29.109 (GBA Push, GPR/GPA)
inline constexpr std::uint32_t kPc4a = 16777336;  // TS 29.344 (advertised only; no AV command there)
}  // namespace app

// AVP codes.
namespace avp {
// RFC 6733 base (vendor 0)
inline constexpr std::uint32_t kUserName = 1;
inline constexpr std::uint32_t kHostIpAddress = 257;
inline constexpr std::uint32_t kAuthApplicationId = 258;
inline constexpr std::uint32_t kVendorSpecificApplicationId = 260;
inline constexpr std::uint32_t kSessionId = 263;
inline constexpr std::uint32_t kOriginHost = 264;
inline constexpr std::uint32_t kSupportedVendorId = 265;
inline constexpr std::uint32_t kVendorId = 266;
inline constexpr std::uint32_t kFirmwareRevision = 267;
inline constexpr std::uint32_t kResultCode = 268;
inline constexpr std::uint32_t kProductName = 269;
inline constexpr std::uint32_t kDisconnectCause = 273;
inline constexpr std::uint32_t kAuthSessionState = 277;
inline constexpr std::uint32_t kOriginStateId = 278;
inline constexpr std::uint32_t kFailedAvp = 279;
inline constexpr std::uint32_t kErrorMessage = 281;
inline constexpr std::uint32_t kDestinationRealm = 283;
inline constexpr std::uint32_t kRouteRecord = 282;
inline constexpr std::uint32_t kProxyInfo = 284;
inline constexpr std::uint32_t kDestinationHost = 293;
inline constexpr std::uint32_t kErrorReportingHost = 294;
inline constexpr std::uint32_t kInbandSecurityId = 299;
inline constexpr std::uint32_t kDrmp = 301;  // RFC 7944
inline constexpr std::uint32_t kAcctApplicationId = 259;
inline constexpr std::uint32_t kOriginRealm = 296;
inline constexpr std::uint32_t kExperimentalResult = 297;
inline constexpr std::uint32_t kExperimentalResultCode = 298;
// TS 29.109 6.3 (vendor 10415)
inline constexpr std::uint32_t kGbaUserSecSettings = 400;
inline constexpr std::uint32_t kTransactionIdentifier = 401;
inline constexpr std::uint32_t kNafId = 402;
inline constexpr std::uint32_t kGaaServiceIdentifier = 403;
inline constexpr std::uint32_t kKeyExpiryTime = 404;
inline constexpr std::uint32_t kMeKeyMaterial = 405;
inline constexpr std::uint32_t kUiccKeyMaterial = 406;
inline constexpr std::uint32_t kGbaUAwarenessIndicator = 407;
inline constexpr std::uint32_t kBootstrapInfoCreationTime = 408;
inline constexpr std::uint32_t kGussTimestamp = 409;
inline constexpr std::uint32_t kGbaType = 410;
inline constexpr std::uint32_t kUeId = 411;
inline constexpr std::uint32_t kUeIdType = 412;
inline constexpr std::uint32_t kUiccMe = 414;
inline constexpr std::uint32_t kRequestedKeyLifetime = 415;
inline constexpr std::uint32_t kGbaPushInfo = 417;
inline constexpr std::uint32_t kNafSaIdentifier = 418;
// TS 29.229 6.3 (vendor 10415)
inline constexpr std::uint32_t kPublicIdentity = 601;
inline constexpr std::uint32_t kServerName = 602;
inline constexpr std::uint32_t kSupportedFeatures = 628;
inline constexpr std::uint32_t kSipNumberAuthItems = 607;
inline constexpr std::uint32_t kSipAuthenticationScheme = 608;
inline constexpr std::uint32_t kSipAuthenticate = 609;
inline constexpr std::uint32_t kSipAuthorization = 610;
inline constexpr std::uint32_t kSipAuthDataItem = 612;
inline constexpr std::uint32_t kSipItemNumber = 613;
inline constexpr std::uint32_t kConfidentialityKey = 625;
inline constexpr std::uint32_t kIntegrityKey = 626;
}  // namespace avp

// Result-Code values (RFC 6733 7.1) and 3GPP Experimental-Result-Code values.
namespace rc {
inline constexpr std::uint32_t kSuccess = 2001;
inline constexpr std::uint32_t kCommandUnsupported = 3001;
inline constexpr std::uint32_t kUnableToDeliver = 3002;
inline constexpr std::uint32_t kTooBusy = 3004;
inline constexpr std::uint32_t kApplicationUnsupported = 3007;
inline constexpr std::uint32_t kInvalidHdrBits = 3008;
inline constexpr std::uint32_t kInvalidAvpBits = 3009;
inline constexpr std::uint32_t kUnknownPeer = 3010;
inline constexpr std::uint32_t kAuthenticationRejected = 4001;
inline constexpr std::uint32_t kAvpUnsupported = 5001;
inline constexpr std::uint32_t kInvalidAvpValue = 5004;
inline constexpr std::uint32_t kMissingAvp = 5005;
inline constexpr std::uint32_t kAvpOccursTooManyTimes = 5009;
inline constexpr std::uint32_t kNoCommonApplication = 5010;
inline constexpr std::uint32_t kUnableToComply = 5012;
inline constexpr std::uint32_t kInvalidAvpLength = 5014;
inline constexpr std::uint32_t kInvalidMessageLength = 5015;
inline constexpr std::uint32_t kNoCommonSecurity = 5017;
// Experimental-Result-Code with Vendor-Id 10415
inline constexpr std::uint32_t kErrorUserUnknown = 5001;                   // TS 29.229 6.2.2.1
inline constexpr std::uint32_t kErrorIdentityUnknown = 5401;               // TS 29.109 6.2.2.1
inline constexpr std::uint32_t kErrorNotAuthorized = 5402;                 // TS 29.109 6.2.2.2
inline constexpr std::uint32_t kErrorTransactionIdentifierInvalid = 5403;  // TS 29.109 6.2.2.3 (unknown B-TID)
}  // namespace rc

// Enumerated values.
inline constexpr std::uint32_t kNoStateMaintained = 1;          // Auth-Session-State, RFC 6733 8.11
inline constexpr std::uint32_t kNoInbandSecurity = 0;           // Inband-Security-Id, RFC 6733 6.10
inline constexpr std::uint32_t kInbandSecurityTls = 1;          // Inband-Security-Id, RFC 6733 6.10
inline constexpr std::uint32_t kDisconnectRebooting = 0;        // Disconnect-Cause, RFC 6733 5.4.3
inline constexpr std::uint32_t kDisconnectBusy = 1;             // Disconnect-Cause, RFC 6733 5.4.3
inline constexpr std::uint32_t kDisconnectDoNotWantToTalk = 2;  // Disconnect-Cause, RFC 6733 5.4.3
// Timers and windows.
inline constexpr int kWatchdogMinSeconds = 6;                  // Tw lower bound, RFC 3539 3.4.1
inline constexpr int kWatchdogDefaultSeconds = 30;             // Tw default, RFC 3539 3.4.1
inline constexpr int kWatchdogJitterSeconds = 2;               // Tw jitter +-2 s, RFC 3539 3.4.1
inline constexpr int kDuplicateWindowSeconds = 240;            // End-to-End Id unique for 4 minutes, RFC 6733 3
inline constexpr std::uint32_t kNtpUnixOffset = 2208988800U;   // Time: 1900-01-01 to 1970-01-01, RFC 6733 4.3.1
inline constexpr std::uint32_t kUeIdTypePrivate = 0;           // UE-Id-Type, TS 29.109
inline constexpr std::uint32_t kUiccMeGbaMe = 0;               // UICC-ME, TS 29.109
inline constexpr std::uint32_t kGbaType3g = 0;                 // GBA-Type, TS 29.109
inline constexpr std::uint32_t kGbaUAwareNo = 0;               // GBA_U-Awareness-Indicator, TS 29.109
inline constexpr const char* kAkaScheme = "Digest-AKAv1-MD5";  // SIP-Authentication-Scheme, TS 29.109 4.2.2

}  // namespace prose::diameter
