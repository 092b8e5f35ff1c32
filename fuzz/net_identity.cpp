// Fuzz target: the peer identity taken from a client certificate (DER X.509 -> subjectAltName URI ->
// PeerIdentity) and the SAN URI parser alone. Nothing may crash, leak or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "prose/net/identity.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto from_cert = prose::net::PeerIdentity::from_certificate_der(prose::ByteView(data, size));
  if (from_cert.ok()) (void)from_cert->to_string();
  auto from_uri = prose::net::PeerIdentity::from_san_uri(std::string_view(reinterpret_cast<const char*>(data), size));
  if (from_uri.ok()) (void)from_uri->san_uri();
  return 0;
}
