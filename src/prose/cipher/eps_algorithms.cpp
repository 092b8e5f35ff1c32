// Algorithm identities, argument checks, and backend selection.
#include "prose/cipher/eps_algorithms.h"

#include <openssl/crypto.h>

#include <cstdlib>
#include <string>

#include "prose/cipher/detail.h"

namespace prose::cipher {

Result<Eea> eea_from_id(unsigned id) {
  if (id > 3) return fail(Errc::kUnsupported, "unknown EEA algorithm identity " + std::to_string(id));
  return static_cast<Eea>(id);
}
Result<Eia> eia_from_id(unsigned id) {
  if (id > 3) return fail(Errc::kUnsupported, "unknown EIA algorithm identity " + std::to_string(id));
  return static_cast<Eia>(id);
}

namespace detail {

void wipe(void* p, std::size_t n) { OPENSSL_cleanse(p, n); }

Status check_key(ByteView key, std::string_view what) {
  if (key.size() != 16)
    return fail(Errc::kInvalidArgument, std::string(what) + " must be 16 octets, got " + std::to_string(key.size()));
  return ok_status();
}

Status check_length(std::size_t data_octets, std::size_t length_bits) {
  if (length_bits > data_octets * 8 || bytes_for_bits(length_bits) > data_octets)
    return fail(Errc::kInvalidArgument, "LENGTH " + std::to_string(length_bits) + " bits is longer than the data (" +
                                            std::to_string(data_octets) + " octets)");
  return ok_status();
}

namespace {
Status check_params(const EpsParams& p) {
  if (p.bearer > 31) return fail(Errc::kInvalidArgument, "BEARER " + std::to_string(p.bearer) + " exceeds 5 bits");
  if (p.direction > 1)
    return fail(Errc::kInvalidArgument, "DIRECTION " + std::to_string(p.direction) + " must be 0 or 1");
  return ok_status();
}
}  // namespace

Status check_eea(ByteView key, const EpsParams& p, ByteView in, std::size_t length_bits, MutableByteView out) {
  PROSE_TRY_STATUS(check_key(key));
  PROSE_TRY_STATUS(check_params(p));
  PROSE_TRY_STATUS(check_length(in.size(), length_bits));
  if (out.size() < bytes_for_bits(length_bits))
    return fail(Errc::kInvalidArgument, "output buffer of " + std::to_string(out.size()) + " octets is too small");
  return ok_status();
}

Status check_eia(ByteView key, const EpsParams& p, ByteView msg, std::size_t length_bits) {
  PROSE_TRY_STATUS(check_key(key));
  PROSE_TRY_STATUS(check_params(p));
  return check_length(msg.size(), length_bits);
}

}  // namespace detail

Result<Backend*> backend_by_name(std::string_view name) {
  if (name == "portable") return &portable_backend();
  if (name == "ipsec-mb" || name == "ipsec_mb") return ipsec_mb_backend();
  return fail(Errc::kInvalidArgument, "unknown cipher backend '" + std::string(name) + "' (portable|ipsec-mb)");
}

Backend& default_backend() {
  static Backend* chosen = [] {
    const char* env = std::getenv("PROSE_CIPHER_BACKEND");
    if (env != nullptr && *env != '\0') {
      auto b = backend_by_name(env);
      if (b.ok()) return *b;
    }
    auto mb = ipsec_mb_backend();
    return mb.ok() ? *mb : &portable_backend();
  }();
  return *chosen;
}

}  // namespace prose::cipher
