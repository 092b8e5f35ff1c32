// Base64 (RFC 4648 section 4, with padding) for the GBA Ub values: the Digest nonce (RAND || AUTN), the AUTS
// parameter and the B-TID (base64(RAND)@BSF host, TS 33.220 4.5.2).
#pragma once

#include <string>
#include <string_view>

#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::gba {

std::string base64_encode(ByteView data);
// Strict: the length must be a multiple of 4, only the RFC 4648 alphabet, padding only at the end.
// kMalformed otherwise.
Result<Bytes> base64_decode(std::string_view text);

}  // namespace prose::gba
