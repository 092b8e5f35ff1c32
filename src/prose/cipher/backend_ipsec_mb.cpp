// The ipsec-mb backend: Intel ipsec-mb 1.3 for SNOW 3G (F8 bit API, F9) and ZUC (EEA3, EIA3); AES (128-EEA2 /
// 128-EIA2) from OpenSSL, which is as fast here and bit-exact with our own CMAC padding.
// Caveats handled here (see docs/cipher.md): IMB_ZUC_EEA3_1_BUFFER takes octets (we cipher ceil(LENGTH/8) octets
// and zero the trailing bits); IMB_SNOW3G_F8_1_BUFFER_BIT in 1.3 writes one octet past ceil(LENGTH/8) (measured:
// an out-of-bounds write for an exact-size buffer), so 128-EEA1 uses the octet API IMB_SNOW3G_F8_1_BUFFER the same
// way; 128-EIA1 is F9 with FRESH = BEARER << 27; one IMB_MGR per thread.
#include <intel-ipsec-mb.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "prose/cipher/aes_eps.h"
#include "prose/cipher/detail.h"
#include "prose/cipher/eps_algorithms.h"
#include "prose/cipher/snow3g.h"
#include "prose/cipher/zuc.h"

namespace prose::cipher {
namespace {

// Largest inputs the 1.3 single-buffer APIs accept (measured: ZUC EEA3 8188 octets, ZUC EIA3 65504 bits; SNOW 3G
// F8/F9 take 32-bit octet / 64-bit bit counts). Longer inputs go to the portable code, which is bit-exact with it.
constexpr std::size_t kZucMaxOctets = 8188;
constexpr std::size_t kZucMaxBits = 65504;
constexpr std::size_t kSnow3gMaxOctets = 0xFFFFFFFFu;
constexpr std::size_t kKeystreamMaxOctets = 8188;

struct Manager {
  IMB_MGR* mgr = nullptr;
  IMB_ARCH arch = IMB_ARCH_NONE;
  Manager() {
    mgr = alloc_mb_mgr(0);
    if (mgr != nullptr) {
      init_mb_mgr_auto(mgr, &arch);
      if (arch == IMB_ARCH_NONE || imb_get_errno(mgr) != 0) {
        free_mb_mgr(mgr);
        mgr = nullptr;
      }
    }
  }
  ~Manager() {
    if (mgr != nullptr) free_mb_mgr(mgr);
  }
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;
};

IMB_MGR* thread_manager() {
  thread_local Manager m;
  return m.mgr;
}

// Some 1.3 single-buffer calls (SNOW 3G F9, measured) leave imb_get_errno() untouched on success, so an error is
// reported only when the error number changed across the call (`before` = imb_get_errno() just before it).
Status imb_error(IMB_MGR* mgr, const char* what, int before) {
  const int e = imb_get_errno(mgr);
  if (e == 0 || e == before) return ok_status();
  return fail(Errc::kInternal, std::string("ipsec-mb ") + what + ": " + imb_get_strerror(e));
}

class IpsecMbBackend final : public Backend {
 public:
  BackendKind kind() const override { return BackendKind::kIpsecMb; }
  std::string_view name() const override { return "ipsec-mb"; }

  Status eea(Eea alg, ByteView key, const EpsParams& p, ByteView in, std::size_t length_bits,
             MutableByteView out) override {
    PROSE_TRY_STATUS(detail::check_eea(key, p, in, length_bits, out));
    const std::size_t n = detail::bytes_for_bits(length_bits);
    if (n == 0) return ok_status();
    if (alg == Eea::kEea2)
      return aes::eea2(key.data(), p.count, p.bearer, p.direction, in.data(), out.data(), length_bits);
    if (alg == Eea::kEea0 || (alg == Eea::kEea3 && n > kZucMaxOctets) || n > kSnow3gMaxOctets)
      return portable_backend().eea(alg, key, p, in, length_bits, out);
    IMB_MGR* mgr = thread_manager();
    if (mgr == nullptr) return fail(Errc::kUnsupported, "ipsec-mb cannot run on this CPU");
    alignas(16) std::uint8_t iv[16];
    if (alg == Eea::kEea1) {
      snow3g_key_schedule_t ks;
      if (IMB_SNOW3G_INIT_KEY_SCHED(mgr, key.data(), &ks) != 0) return fail(Errc::kInternal, "SNOW 3G key schedule");
      snow3g_f8_iv_gen(p.count, p.bearer, p.direction, iv);
      const int before = imb_get_errno(mgr);
      IMB_SNOW3G_F8_1_BUFFER(mgr, &ks, iv, in.data(), out.data(), static_cast<std::uint32_t>(n));
      detail::wipe(&ks, sizeof ks);
      PROSE_TRY_STATUS(imb_error(mgr, "SNOW 3G F8", before));
    } else {  // kEea3
      zuc_eea3_iv_gen(p.count, p.bearer, p.direction, iv);
      const int before = imb_get_errno(mgr);
      IMB_ZUC_EEA3_1_BUFFER(mgr, key.data(), iv, in.data(), out.data(), static_cast<std::uint32_t>(n));
      PROSE_TRY_STATUS(imb_error(mgr, "ZUC EEA3", before));
    }
    detail::mask_tail(out.data(), length_bits);
    return ok_status();
  }

  Result<std::uint32_t> eia(Eia alg, ByteView key, const EpsParams& p, ByteView msg, std::size_t length_bits) override {
    PROSE_TRY_STATUS(detail::check_eia(key, p, msg, length_bits));
    switch (alg) {
      case Eia::kEia0:
        return std::uint32_t{0};
      case Eia::kEia2:
        return aes::eia2(key.data(), p.count, p.bearer, p.direction, msg.data(), length_bits);
      case Eia::kEia1:
        return uia2(key, p.count, std::uint32_t{p.bearer} << 27, p.direction, msg, length_bits);
      case Eia::kEia3: {
        if (length_bits == 0 || length_bits > kZucMaxBits) return portable_backend().eia(alg, key, p, msg, length_bits);
        IMB_MGR* mgr = thread_manager();
        if (mgr == nullptr) return fail(Errc::kUnsupported, "ipsec-mb cannot run on this CPU");
        alignas(16) std::uint8_t iv[16];
        zuc_eia3_iv_gen(p.count, p.bearer, p.direction, iv);
        std::uint32_t tag = 0;
        const int before = imb_get_errno(mgr);
        IMB_ZUC_EIA3_1_BUFFER(mgr, key.data(), iv, msg.data(), static_cast<std::uint32_t>(length_bits), &tag);
        PROSE_TRY_STATUS(imb_error(mgr, "ZUC EIA3", before));
        std::uint8_t b[4];
        std::memcpy(b, &tag, 4);
        return detail::load_be32(b);
      }
    }
    return fail(Errc::kUnsupported, "unknown EIA algorithm");
  }

  Status snow3g_keystream(ByteView key, ByteView iv, MutableByteView out) override {
    PROSE_TRY_STATUS(detail::check_key(key));
    PROSE_TRY_STATUS(detail::check_key(iv, "IV"));
    IMB_MGR* mgr = thread_manager();
    if (mgr == nullptr) return fail(Errc::kUnsupported, "ipsec-mb cannot run on this CPU");
    if (out.empty()) return ok_status();
    if (out.size() > kKeystreamMaxOctets) return fail(Errc::kInvalidArgument, "keystream request too long");
    // ipsec-mb takes the key and IV with their four 32-bit words in reverse order (k3..k0, IV3..IV0).
    std::uint8_t k[16], v[16];
    for (int i = 0; i < 4; ++i) {
      std::memcpy(k + 4 * i, key.data() + 4 * (3 - i), 4);
      std::memcpy(v + 4 * i, iv.data() + 4 * (3 - i), 4);
    }
    snow3g_key_schedule_t ks;
    if (IMB_SNOW3G_INIT_KEY_SCHED(mgr, k, &ks) != 0) return fail(Errc::kInternal, "SNOW 3G key schedule");
    std::fill(out.begin(), out.end(), std::uint8_t{0});
    const int before = imb_get_errno(mgr);
    IMB_SNOW3G_F8_1_BUFFER(mgr, &ks, v, out.data(), out.data(), static_cast<std::uint32_t>(out.size()));
    detail::wipe(&ks, sizeof ks);
    detail::wipe(k, sizeof k);
    return imb_error(mgr, "SNOW 3G F8", before);
  }

  Status zuc_keystream(ByteView key, ByteView iv, MutableByteView out) override {
    PROSE_TRY_STATUS(detail::check_key(key));
    PROSE_TRY_STATUS(detail::check_key(iv, "IV"));
    IMB_MGR* mgr = thread_manager();
    if (mgr == nullptr) return fail(Errc::kUnsupported, "ipsec-mb cannot run on this CPU");
    if (out.empty()) return ok_status();
    if (out.size() > kKeystreamMaxOctets) return fail(Errc::kInvalidArgument, "keystream request too long");
    std::fill(out.begin(), out.end(), std::uint8_t{0});
    const int before = imb_get_errno(mgr);
    IMB_ZUC_EEA3_1_BUFFER(mgr, key.data(), iv.data(), out.data(), out.data(), static_cast<std::uint32_t>(out.size()));
    return imb_error(mgr, "ZUC EEA3", before);
  }

  Result<std::uint32_t> uia2(ByteView key, std::uint32_t count, std::uint32_t fresh, std::uint8_t direction,
                             ByteView msg, std::size_t length_bits) override {
    PROSE_TRY_STATUS(detail::check_key(key));
    if (direction > 1) return fail(Errc::kInvalidArgument, "DIRECTION must be 0 or 1");
    PROSE_TRY_STATUS(detail::check_length(msg.size(), length_bits));
    if (length_bits == 0) return portable_backend().uia2(key, count, fresh, direction, msg, length_bits);
    IMB_MGR* mgr = thread_manager();
    if (mgr == nullptr) return fail(Errc::kUnsupported, "ipsec-mb cannot run on this CPU");
    snow3g_key_schedule_t ks;
    if (IMB_SNOW3G_INIT_KEY_SCHED(mgr, key.data(), &ks) != 0) return fail(Errc::kInternal, "SNOW 3G key schedule");
    alignas(16) std::uint8_t iv[16];
    snow3g_f9_iv_gen(count, fresh, direction, iv);
    std::uint32_t tag = 0;
    const int before = imb_get_errno(mgr);
    IMB_SNOW3G_F9_1_BUFFER(mgr, &ks, iv, msg.data(), length_bits, &tag);
    detail::wipe(&ks, sizeof ks);
    PROSE_TRY_STATUS(imb_error(mgr, "SNOW 3G F9", before));
    std::uint8_t b[4];
    std::memcpy(b, &tag, 4);
    return detail::load_be32(b);
  }
};

}  // namespace

Result<Backend*> ipsec_mb_backend() {
  static IpsecMbBackend b;
  if (thread_manager() == nullptr) return fail(Errc::kUnsupported, "ipsec-mb cannot run on this CPU");
  return static_cast<Backend*>(&b);
}

}  // namespace prose::cipher
