// Not a parser: checks for fuzzer-chosen parameters that EEA decrypt(encrypt(x)) == x (bits after LENGTH zeroed),
// that the portable and ipsec-mb backends agree on EEA output and EIA MAC, and that bad parameters fail on both.
// Input: alg(1) key(16) count(4) bearer(1) direction(1) trim(1) data(...); LENGTH = 8*|data| - trim%8.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "prose/cipher/eps_algorithms.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace prose::cipher;
  constexpr std::size_t kHeader = 1 + 16 + 4 + 1 + 1 + 1;
  if (size < kHeader) return 0;
  const unsigned alg = data[0] % 4;
  const prose::ByteView key(data + 1, 16);
  EpsParams p;
  p.count =
      (std::uint32_t{data[17]} << 24) | (std::uint32_t{data[18]} << 16) | (std::uint32_t{data[19]} << 8) | data[20];
  // Mostly valid BEARER/DIRECTION; values with the top bits set exercise the error path.
  p.bearer = data[21] >= 0xF0 ? data[21] : static_cast<std::uint8_t>(data[21] % 32);
  p.direction = data[22] >= 0xF0 ? data[22] : static_cast<std::uint8_t>(data[22] % 2);
  const prose::ByteView msg(data + kHeader, size - kHeader);
  const std::size_t trim = data[23] % 8;
  const std::size_t length = msg.size() * 8 >= trim ? msg.size() * 8 - trim : 0;
  const bool valid = p.bearer <= 31 && p.direction <= 1;

  Backend& a = portable_backend();
  auto mb = ipsec_mb_backend();
  Backend& b = mb.ok() ? **mb : portable_backend();

  std::vector<std::uint8_t> c1(msg.size()), c2(msg.size()), back(msg.size());
  auto s1 = a.eea(static_cast<Eea>(alg), key, p, msg, length, c1);
  auto s2 = b.eea(static_cast<Eea>(alg), key, p, msg, length, c2);
  check(s1.ok() == valid && s2.ok() == valid);
  if (valid) {
    check(c1 == c2);
    check(a.eea(static_cast<Eea>(alg), key, p, c1, length, back).ok());
    std::vector<std::uint8_t> want(msg.begin(), msg.end());
    if (length % 8) want[length / 8] &= static_cast<std::uint8_t>(0xFF00u >> (length % 8));
    for (std::size_t i = (length + 7) / 8; i < want.size(); ++i) want[i] = 0;  // untouched in `back`
    check(back == want);
  }
  auto m1 = a.eia(static_cast<Eia>(alg), key, p, msg, length);
  auto m2 = b.eia(static_cast<Eia>(alg), key, p, msg, length);
  check(m1.ok() == valid && m2.ok() == valid);
  if (valid) check(*m1 == *m2);
  return 0;
}
