#include "prose/net/identity.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <optional>

#include "prose/net/tls_internal.h"

namespace prose::net {

std::string_view peer_kind_name(PeerKind k) {
  switch (k) {
    case PeerKind::kUe:
      return "ue";
    case PeerKind::kRelay:
      return "relay";
    case PeerKind::kOperator:
      return "operator";
    case PeerKind::kPsk:
      return "psk";
  }
  return "unknown";
}

namespace {
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_relay_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' || c == '-';
}
}  // namespace

Result<PeerIdentity> PeerIdentity::ue(std::string_view imsi) {
  if (imsi.size() < kImsiMinDigits || imsi.size() > kImsiMaxDigits)
    return fail(Errc::kInvalidArgument, "IMSI must have " + std::to_string(kImsiMinDigits) + " to " +
                                            std::to_string(kImsiMaxDigits) + " digits");
  for (char c : imsi)
    if (!is_digit(c)) return fail(Errc::kInvalidArgument, "IMSI must contain digits only");
  return PeerIdentity(PeerKind::kUe, std::string(imsi));
}

Result<PeerIdentity> PeerIdentity::relay(std::string_view relay_id) {
  if (relay_id.empty() || relay_id.size() > kRelayIdMaxLen)
    return fail(Errc::kInvalidArgument, "relay id must have 1 to " + std::to_string(kRelayIdMaxLen) + " characters");
  for (char c : relay_id)
    if (!is_relay_char(c)) return fail(Errc::kInvalidArgument, "relay id may contain only A-Z a-z 0-9 . _ -");
  return PeerIdentity(PeerKind::kRelay, std::string(relay_id));
}

Result<PeerIdentity> PeerIdentity::operator_id(std::string_view name) {
  if (name.empty() || name.size() > kOperatorIdMaxLen)
    return fail(Errc::kInvalidArgument,
                "operator name must have 1 to " + std::to_string(kOperatorIdMaxLen) + " characters");
  for (char c : name)
    if (!is_relay_char(c)) return fail(Errc::kInvalidArgument, "operator name may contain only A-Z a-z 0-9 . _ -");
  return PeerIdentity(PeerKind::kOperator, std::string(name));
}

Result<PeerIdentity> PeerIdentity::psk(std::string_view psk_identity) {
  if (psk_identity.empty() || psk_identity.size() > kPskIdentityMaxLen)
    return fail(Errc::kInvalidArgument,
                "PSK identity must have 1 to " + std::to_string(kPskIdentityMaxLen) + " characters");
  for (char c : psk_identity)
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e)
      return fail(Errc::kInvalidArgument, "PSK identity must be printable ASCII without spaces");
  return PeerIdentity(PeerKind::kPsk, std::string(psk_identity));
}

Result<PeerIdentity> PeerIdentity::from_san_uri(std::string_view uri) {
  for (const auto& p : kSanPrefixes) {
    if (uri.substr(0, p.prefix.size()) == p.prefix) {
      std::string_view rest = uri.substr(p.prefix.size());
      switch (p.kind) {
        case PeerKind::kUe:
          return ue(rest);
        case PeerKind::kRelay:
          return relay(rest);
        case PeerKind::kOperator:
          return operator_id(rest);
        case PeerKind::kPsk:
          break;
      }
    }
  }
  return fail(Errc::kInvalidArgument,
              "subjectAltName URI is not a ProSe identity (imsi-..., relay-... or operator-...)");
}

std::string PeerIdentity::to_string() const {
  if (kind_ == PeerKind::kPsk) return "psk:" + id_;
  for (const auto& p : kSanPrefixes)
    if (p.kind == kind_) return std::string(p.prefix) + id_;
  return id_;
}

Result<std::string> PeerIdentity::san_uri() const {
  if (kind_ == PeerKind::kPsk) return fail(Errc::kInvalidArgument, "a PSK identity has no certificate URI");
  return to_string();
}

Result<PeerIdentity> PeerIdentity::from_certificate_der(ByteView der) {
  const unsigned char* p = der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (x == nullptr) return fail(Errc::kMalformed, "not a DER X.509 certificate");
  if (p != der.data() + der.size()) {
    X509_free(x);
    return fail(Errc::kMalformed, "trailing bytes after the certificate");
  }
  auto r = detail::identity_from_x509(x);
  X509_free(x);
  return r;
}

namespace detail {

Result<PeerIdentity> identity_from_x509(X509* cert) {
  if (cert == nullptr) return fail(Errc::kDenied, "no client certificate");
  int crit = 0;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, nullptr));
  if (names == nullptr) {
    if (crit == -2) return fail(Errc::kMalformed, "certificate has more than one subjectAltName extension");
    return fail(Errc::kDenied, "certificate has no subjectAltName");
  }
  std::optional<Result<PeerIdentity>> found;
  int count = 0;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type != GEN_URI) continue;
    const ASN1_IA5STRING* s = gn->d.uniformResourceIdentifier;
    std::string_view uri(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<std::size_t>(ASN1_STRING_length(s)));
    bool prose_prefix = false;
    for (const auto& pre : kSanPrefixes)
      if (uri.substr(0, pre.prefix.size()) == pre.prefix) prose_prefix = true;
    if (!prose_prefix) continue;  // other URIs are allowed and ignored
    ++count;
    found = PeerIdentity::from_san_uri(uri);
  }
  GENERAL_NAMES_free(names);
  if (count == 0) return fail(Errc::kDenied, "certificate carries no imsi-/relay-/operator- subjectAltName URI");
  if (count > 1) return fail(Errc::kDenied, "certificate carries more than one identity URI");
  if (!found->ok()) return fail(Errc::kDenied, "certificate identity URI invalid: " + found->error().message);
  return std::move(*found).value();
}

}  // namespace detail
}  // namespace prose::net
