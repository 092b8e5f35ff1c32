// CSPRNG (OpenSSL RAND_bytes). Aborts if the generator fails: no key is ever made from bad randomness.
#pragma once

#include <cstdint>

#include "prose/util/bytes.h"
#include "prose/util/secret.h"

namespace prose {

void random_fill(MutableByteView out);
Bytes random_bytes(std::size_t n);
SecretBytes random_secret(std::size_t n);
std::uint64_t random_u64();
std::uint32_t random_u32();
// Never zero (for identifiers where 0 is reserved, e.g. the PRUK ID).
std::uint64_t random_u64_nonzero();

}  // namespace prose
