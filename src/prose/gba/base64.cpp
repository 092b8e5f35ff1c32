#include "prose/gba/base64.h"

#include <openssl/evp.h>

namespace prose::gba {

std::string base64_encode(ByteView data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(), static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Result<Bytes> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return fail(Errc::kMalformed, "base64: length is not a multiple of 4");
  std::size_t pad = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool alpha =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (c == '=') {
      if (i + 2 < text.size()) return fail(Errc::kMalformed, "base64: padding before the end");
      ++pad;
    } else if (!alpha || pad != 0) {
      return fail(Errc::kMalformed, "base64: invalid character at offset " + std::to_string(i));
    }
  }
  Bytes out(3 * (text.size() / 4));
  if (text.empty()) return out;
  const int n =
      EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return fail(Errc::kMalformed, "base64: cannot decode");
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

}  // namespace prose::gba
