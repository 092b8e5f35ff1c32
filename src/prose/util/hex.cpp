#include "prose/util/hex.h"

#include <cstdlib>

#include "prose/util/secret.h"

namespace prose {
namespace {
int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string to_hex(ByteView data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(data.size() * 2);
  for (auto b : data) {
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 0x0f]);
  }
  return s;
}

Result<Bytes> from_hex(std::string_view hex, std::string_view what) {
  if (hex.size() % 2 != 0) {
    return fail(Errc::kInvalidArgument, std::string(what) + ": odd number of hex digits");
  }
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]);
    int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      secure_wipe(out.data(), out.size());  // what was read so far may be part of a key
      return fail(Errc::kInvalidArgument, std::string(what) + ": invalid hex character at position " +
                                              std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
    }
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

Result<Bytes> from_hex_exact(std::string_view hex, std::size_t n, std::string_view what) {
  PROSE_TRY(Bytes b, from_hex(hex, what));
  if (b.size() != n) {
    return fail(Errc::kInvalidArgument, std::string(what) + ": expected " + std::to_string(n) + " octets (" +
                                            std::to_string(2 * n) + " hex digits), got " + std::to_string(b.size()));
  }
  return b;
}

std::string to_hex_u32(std::uint32_t v) {
  const std::uint8_t b[4] = {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                             static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
  return to_hex(ByteView(b, 4));
}

std::string to_hex_u64(std::uint64_t v) {
  std::uint8_t b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
  return to_hex(ByteView(b, 8));
}

Bytes hex_literal(std::string_view hex) {
  auto r = from_hex(hex);
  if (!r.ok()) std::abort();
  return std::move(r).value();
}

}  // namespace prose
