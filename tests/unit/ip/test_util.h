// Helpers for the ip unit tests: hex with spaces, and small packets built by hand.
#pragma once

#include <string>
#include <string_view>

#include "prose/util/bytes.h"
#include "prose/util/hex.h"

namespace prose::ip::testing {

// hex_literal() of `text` with its spaces removed, so that test vectors can be written field by field.
inline Bytes hx(std::string_view text) {
  std::string s;
  for (char c : text) {
    if (c != ' ') s += c;
  }
  return hex_literal(s);
}

}  // namespace prose::ip::testing
