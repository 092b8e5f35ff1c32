#include "prose/mikey/constants.h"

namespace prose::mikey {

std::string_view payload_name(std::uint8_t type) {
  switch (static_cast<PayloadType>(type)) {
    case PayloadType::kLast:
      return "Last";
    case PayloadType::kKemac:
      return "KEMAC";
    case PayloadType::kPke:
      return "PKE";
    case PayloadType::kDh:
      return "DH";
    case PayloadType::kSign:
      return "SIGN";
    case PayloadType::kT:
      return "T";
    case PayloadType::kId:
      return "ID";
    case PayloadType::kCert:
      return "CERT";
    case PayloadType::kChash:
      return "CHASH";
    case PayloadType::kV:
      return "V";
    case PayloadType::kSp:
      return "SP";
    case PayloadType::kRand:
      return "RAND";
    case PayloadType::kErr:
      return "ERR";
    case PayloadType::kTr:
      return "TR";
    case PayloadType::kIdr:
      return "IDR";
    case PayloadType::kRandR:
      return "RANDR";
    case PayloadType::kTp:
      return "TP";
    case PayloadType::kTicket:
      return "TICKET";
    case PayloadType::kKeyData:
      return "Key data";
    case PayloadType::kGeneralExt:
      return "General Extension";
    case PayloadType::kSakke:
      return "SAKKE";
  }
  return "unknown";
}

std::string_view data_type_name(std::uint8_t type) {
  switch (static_cast<DataType>(type)) {
    case DataType::kPskInit:
      return "PSK init (I_MESSAGE)";
    case DataType::kPskResp:
      return "PSK verification (R_MESSAGE)";
    case DataType::kPkInit:
      return "PK init";
    case DataType::kPkResp:
      return "PK verification";
    case DataType::kDhInit:
      return "DH init";
    case DataType::kDhResp:
      return "DH response";
    case DataType::kError:
      return "Error";
    case DataType::kDhHmacInit:
      return "DHHMAC init";
    case DataType::kDhHmacResp:
      return "DHHMAC response";
    case DataType::kRsaRInit:
      return "RSA-R I_MSG";
    case DataType::kRsaRResp:
      return "RSA-R R_MSG";
    case DataType::kSakke:
      return "SAKKE";
  }
  return "unknown";
}

std::string_view prf_name(std::uint8_t prf) {
  switch (static_cast<PrfFunc>(prf)) {
    case PrfFunc::kMikey1:
      return "MIKEY-1";
    case PrfFunc::kHmacSha256:
      return "PRF-HMAC-SHA-256";
  }
  return "unknown";
}

std::string_view encr_alg_name(std::uint8_t alg) {
  switch (static_cast<EncrAlg>(alg)) {
    case EncrAlg::kNull:
      return "NULL";
    case EncrAlg::kAesCm128:
      return "AES-CM-128";
    case EncrAlg::kAesKw128:
      return "AES-KW-128";
  }
  return "unknown";
}

std::string_view mac_alg_name(std::uint8_t alg) {
  switch (static_cast<MacAlg>(alg)) {
    case MacAlg::kNull:
      return "NULL";
    case MacAlg::kHmacSha1_160:
      return "HMAC-SHA-1-160";
    case MacAlg::kHmacSha256_256:
      return "HMAC-SHA-256-256";
  }
  return "unknown";
}

std::string_view id_role_name(std::uint8_t role) {
  switch (static_cast<IdRole>(role)) {
    case IdRole::kInitiator:
      return "IDRi";
    case IdRole::kResponder:
      return "IDRr";
    case IdRole::kKms:
      return "IDRkms";
    case IdRole::kPsk:
      return "IDRpsk";
    case IdRole::kApp:
      return "IDRapp";
    case IdRole::kKmsI:
      return "IDRkmsi";
    case IdRole::kKmsR:
      return "IDRkmsr";
  }
  return "unknown";
}

std::string_view id_type_name(std::uint8_t type) {
  switch (static_cast<IdType>(type)) {
    case IdType::kNai:
      return "NAI";
    case IdType::kUri:
      return "URI";
    case IdType::kByteString:
      return "byte string";
  }
  return "unknown";
}

std::string_view ts_type_name(std::uint8_t type) {
  switch (static_cast<TsType>(type)) {
    case TsType::kNtpUtc:
      return "NTP-UTC";
    case TsType::kNtp:
      return "NTP";
    case TsType::kCounter:
      return "COUNTER";
  }
  return "unknown";
}

std::string_view map_type_name(std::uint8_t type) {
  switch (static_cast<CsIdMapType>(type)) {
    case CsIdMapType::kSrtpId:
      return "SRTP-ID";
    case CsIdMapType::kEmpty:
      return "Empty map";
    case CsIdMapType::kGenericId:
      return "GENERIC-ID";
  }
  return "unknown";
}

std::string_view key_data_type_name(std::uint8_t type) {
  switch (static_cast<KeyDataType>(type)) {
    case KeyDataType::kTgk:
      return "TGK";
    case KeyDataType::kTgkSalt:
      return "TGK+SALT";
    case KeyDataType::kTek:
      return "TEK";
    case KeyDataType::kTekSalt:
      return "TEK+SALT";
  }
  return "unknown";
}

std::string_view kv_type_name(std::uint8_t type) {
  switch (static_cast<KvType>(type)) {
    case KvType::kNull:
      return "Null";
    case KvType::kSpi:
      return "SPI/MKI";
    case KvType::kInterval:
      return "Interval";
  }
  return "unknown";
}

int mac_length(std::uint8_t alg) {
  switch (static_cast<MacAlg>(alg)) {
    case MacAlg::kNull:
      return 0;
    case MacAlg::kHmacSha1_160:
      return 20;
    case MacAlg::kHmacSha256_256:
      return 32;
  }
  return -1;
}

}  // namespace prose::mikey
