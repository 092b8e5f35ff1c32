// Hex encoding: lowercase on output, case-insensitive on input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose {

std::string to_hex(ByteView data);
// Rejects odd length and non-hex characters; `what` names the value in the error message.
Result<Bytes> from_hex(std::string_view hex, std::string_view what = "hex");
// Like from_hex but also requires exactly `n` octets.
Result<Bytes> from_hex_exact(std::string_view hex, std::size_t n, std::string_view what = "hex");
// 16 lowercase hex digits of a 64-bit identifier (PRUK ID, PMK ID), big-endian.
std::string to_hex_u64(std::uint64_t v);
// 8 lowercase hex digits of a 32-bit identifier (CSB ID, Key Type ID, counters), big-endian.
std::string to_hex_u32(std::uint32_t v);
// For tests and constants known to be valid; aborts on bad input.
Bytes hex_literal(std::string_view hex);

}  // namespace prose
