#include "prose/crypto/kdf.h"

#include <string>

#include "prose/crypto/hmac.h"
#include "prose/util/byte_writer.h"

namespace prose::crypto {

Result<Bytes> kdf_input(std::uint8_t fc, const std::vector<ByteView>& params) {
  ByteWriter s;
  s.u8(fc);
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (params[i].size() > 0xffff) {
      return fail(Errc::kInvalidArgument, "KDF parameter P" + std::to_string(i) + " is longer than 65535 octets");
    }
    s.bytes(params[i]).u16(static_cast<std::uint16_t>(params[i].size()));
  }
  return s.take();
}

Result<SecretBytes> kdf(ByteView key, std::uint8_t fc, const std::vector<ByteView>& params) {
  PROSE_TRY(Bytes s, kdf_input(fc, params));
  SecretBytes out = hmac_sha256(key, s);
  secure_wipe(s.data(), s.size());
  return out;
}

}  // namespace prose::crypto
