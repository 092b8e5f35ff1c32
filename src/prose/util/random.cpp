#include "prose/util/random.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <limits>

namespace prose {

void random_fill(MutableByteView out) {
  std::size_t done = 0;
  while (done < out.size()) {
    std::size_t chunk = std::min<std::size_t>(out.size() - done, std::numeric_limits<int>::max());
    if (RAND_bytes(out.data() + done, static_cast<int>(chunk)) != 1) {
      std::fputs("fatal: OpenSSL RAND_bytes failed\n", stderr);
      std::abort();
    }
    done += chunk;
  }
}

Bytes random_bytes(std::size_t n) {
  Bytes b(n);
  random_fill(b);
  return b;
}

SecretBytes random_secret(std::size_t n) {
  SecretBytes s(n);
  random_fill(s.mutable_view());
  return s;
}

std::uint64_t random_u64() {
  std::uint8_t b[8];
  random_fill(b);
  std::uint64_t v = 0;
  for (auto x : b) v = (v << 8) | x;
  return v;
}

std::uint32_t random_u32() { return static_cast<std::uint32_t>(random_u64() >> 32); }

std::uint64_t random_u64_nonzero() {
  for (;;) {
    std::uint64_t v = random_u64();
    if (v != 0) return v;
  }
}

}  // namespace prose
