// 128-EEA1/2/3 and 128-EIA1/2/3 (TS 33.401 Annex B) behind one interface with run-time backends:
//   portable: our own SNOW 3G and ZUC (ETSI/SAGE specifications), AES from OpenSSL;
//   ipsec-mb: Intel ipsec-mb for SNOW 3G and ZUC (and AES where faster), bit-exact with the portable one.
// CONTRACT HEADER: pc5 (PDCP) and the CLI code against these declarations.
#pragma once

#include <cstdint>
#include <string_view>

#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::cipher {

// 4-bit algorithm identities (TS 33.401 5.1.3).
enum class Eea : std::uint8_t { kEea0 = 0, kEea1 = 1, kEea2 = 2, kEea3 = 3 };
enum class Eia : std::uint8_t { kEia0 = 0, kEia1 = 1, kEia2 = 2, kEia3 = 3 };

Result<Eea> eea_from_id(unsigned id);  // kUnsupported for anything but 0..3
Result<Eia> eia_from_id(unsigned id);

struct EpsParams {
  std::uint32_t count = 0;
  std::uint8_t bearer = 0;     // 5 bits
  std::uint8_t direction = 0;  // 1 bit
};

enum class BackendKind { kPortable, kIpsecMb };

class Backend {
 public:
  virtual ~Backend() = default;
  virtual BackendKind kind() const = 0;
  virtual std::string_view name() const = 0;

  // Ciphers `length_bits` bits of `in` into `out` (same size, may alias `in`). `in` must hold at least
  // ceil(length_bits/8) octets; bits of the last octet beyond length_bits are set to zero in `out`.
  // key: 16 octets. EEA0 copies. Errors: bad key size, bearer > 31, direction > 1, data shorter than length.
  // Exactly ceil(length_bits/8) octets of `out` are written (it must hold at least that many); octets of `out`
  // past them are left untouched. `out` may be the same buffer as `in` (not a shifted overlap).
  virtual Status eea(Eea alg, ByteView key, const EpsParams& p, ByteView in, std::size_t length_bits,
                     MutableByteView out) = 0;
  // 32-bit MAC-I over the first `length_bits` bits of `msg`. EIA0 returns 0.
  virtual Result<std::uint32_t> eia(Eia alg, ByteView key, const EpsParams& p, ByteView msg,
                                    std::size_t length_bits) = 0;

  // --- Raw primitives (conformance tests of the published keystream and UIA2 sets, diagnostics) ---
  // SNOW 3G keystream: key = k0||k1||k2||k3 and iv = IV0||IV1||IV2||IV3 (big-endian 32-bit words, the order of
  // Initialize(k, IV) in the ETSI/SAGE specification); fills `out` with keystream words z1, z2, ... big-endian.
  virtual Status snow3g_keystream(ByteView key, ByteView iv, MutableByteView out) = 0;
  // ZUC keystream: key and iv are 16 octets each, as in the ZUC specification; `out` as above.
  virtual Status zuc_keystream(ByteView key, ByteView iv, MutableByteView out) = 0;
  // UIA2 (f9) with an arbitrary 32-bit FRESH (128-EIA1 is f9 with FRESH = BEARER << 27).
  virtual Result<std::uint32_t> uia2(ByteView key, std::uint32_t count, std::uint32_t fresh, std::uint8_t direction,
                                     ByteView msg, std::size_t length_bits) = 0;
};

Backend& portable_backend();
// Fails (kUnsupported) when ipsec-mb cannot run on this CPU.
Result<Backend*> ipsec_mb_backend();
// ipsec-mb when available, else portable; overridable with PROSE_CIPHER_BACKEND=portable|ipsec-mb.
Backend& default_backend();
// "portable" or "ipsec-mb" (kInvalidArgument for other names, kUnsupported when ipsec-mb cannot run).
Result<Backend*> backend_by_name(std::string_view name);

}  // namespace prose::cipher
