// The portable backend: our SNOW 3G and ZUC, AES from OpenSSL.
#include <algorithm>

#include "prose/cipher/aes_eps.h"
#include "prose/cipher/detail.h"
#include "prose/cipher/eps_algorithms.h"
#include "prose/cipher/snow3g.h"
#include "prose/cipher/zuc.h"

namespace prose::cipher {
namespace {

class PortableBackend final : public Backend {
 public:
  BackendKind kind() const override { return BackendKind::kPortable; }
  std::string_view name() const override { return "portable"; }

  Status eea(Eea alg, ByteView key, const EpsParams& p, ByteView in, std::size_t length_bits,
             MutableByteView out) override {
    PROSE_TRY_STATUS(detail::check_eea(key, p, in, length_bits, out));
    const std::size_t n = detail::bytes_for_bits(length_bits);
    if (n == 0) return ok_status();
    switch (alg) {
      case Eea::kEea0:
        if (out.data() != in.data()) std::copy_n(in.data(), n, out.data());
        detail::mask_tail(out.data(), length_bits);
        return ok_status();
      case Eea::kEea1:
        snow3g::f8(key.data(), p.count, p.bearer, p.direction, in.data(), out.data(), length_bits);
        return ok_status();
      case Eea::kEea2:
        return aes::eea2(key.data(), p.count, p.bearer, p.direction, in.data(), out.data(), length_bits);
      case Eea::kEea3:
        zuc::eea3(key.data(), p.count, p.bearer, p.direction, in.data(), out.data(), length_bits);
        return ok_status();
    }
    return fail(Errc::kUnsupported, "unknown EEA algorithm");
  }

  Result<std::uint32_t> eia(Eia alg, ByteView key, const EpsParams& p, ByteView msg, std::size_t length_bits) override {
    PROSE_TRY_STATUS(detail::check_eia(key, p, msg, length_bits));
    switch (alg) {
      case Eia::kEia0:
        return std::uint32_t{0};
      case Eia::kEia1:
        return snow3g::f9(key.data(), p.count, std::uint32_t{p.bearer} << 27, p.direction, msg.data(), length_bits);
      case Eia::kEia2:
        return aes::eia2(key.data(), p.count, p.bearer, p.direction, msg.data(), length_bits);
      case Eia::kEia3:
        return zuc::eia3(key.data(), p.count, p.bearer, p.direction, msg.data(), length_bits);
    }
    return fail(Errc::kUnsupported, "unknown EIA algorithm");
  }

  Status snow3g_keystream(ByteView key, ByteView iv, MutableByteView out) override {
    PROSE_TRY_STATUS(detail::check_key(key));
    PROSE_TRY_STATUS(detail::check_key(iv, "IV"));
    std::uint32_t k[4], v[4];
    for (int i = 0; i < 4; ++i) {
      k[i] = detail::load_be32(key.data() + 4 * i);
      v[i] = detail::load_be32(iv.data() + 4 * i);
    }
    snow3g::Generator g(k, v);
    detail::wipe(k, sizeof k);
    for (std::size_t off = 0; off < out.size(); off += 4) {
      std::uint32_t z;
      g.keystream(&z, 1);
      std::uint8_t b[4];
      detail::store_be32(b, z);
      std::copy_n(b, std::min<std::size_t>(4, out.size() - off), out.data() + off);
    }
    return ok_status();
  }

  Status zuc_keystream(ByteView key, ByteView iv, MutableByteView out) override {
    PROSE_TRY_STATUS(detail::check_key(key));
    PROSE_TRY_STATUS(detail::check_key(iv, "IV"));
    zuc::Generator g(key.data(), iv.data());
    for (std::size_t off = 0; off < out.size(); off += 4) {
      std::uint32_t z;
      g.keystream(&z, 1);
      std::uint8_t b[4];
      detail::store_be32(b, z);
      std::copy_n(b, std::min<std::size_t>(4, out.size() - off), out.data() + off);
    }
    return ok_status();
  }

  Result<std::uint32_t> uia2(ByteView key, std::uint32_t count, std::uint32_t fresh, std::uint8_t direction,
                             ByteView msg, std::size_t length_bits) override {
    PROSE_TRY_STATUS(detail::check_key(key));
    if (direction > 1) return fail(Errc::kInvalidArgument, "DIRECTION must be 0 or 1");
    PROSE_TRY_STATUS(detail::check_length(msg.size(), length_bits));
    return snow3g::f9(key.data(), count, fresh, direction, msg.data(), length_bits);
  }
};

}  // namespace

Backend& portable_backend() {
  static PortableBackend b;
  return b;
}

}  // namespace prose::cipher
