// Internal to the dissect module: building tree nodes (a cursor over a buffer, generated nodes, expert flags) and
// the dissectors of the messages a frame carries, shared by the files of the module.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "prose/dissect/dissect.h"
#include "prose/util/bytes.h"
#include "prose/util/hex.h"

namespace prose::dissect::detail {

// v in hex with `digits` digits: "0x..." (hexv(0x1f, 4) is "0x001f").
std::string hexv(std::uint64_t v, int digits);

// Reads a buffer left to right, making nodes at the right offsets.
struct Cursor {
  ByteView d;
  std::size_t buffer;
  std::size_t base;  // offset of d[0] in the buffer
  std::size_t pos = 0;

  bool has(std::size_t n) const { return pos + n <= d.size(); }
  std::size_t left() const { return d.size() - pos; }
  std::uint64_t peek(std::size_t n) const {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = v << 8 | d[pos + i];
    return v;
  }
  ByteView view(std::size_t n) const { return d.subspan(pos, n); }
  Node node(Field f, std::size_t n, std::uint64_t v, std::string text) const {
    Node x;
    x.field = f;
    x.proto = field_info(f).proto;
    x.buffer = buffer;
    x.offset = base + pos;
    x.length = n;
    x.value = v;
    x.text = std::move(text);
    return x;
  }
  // An integer field of n octets, with its text; advances.
  Node uint(Field f, std::size_t n, std::string text = {}) {
    std::uint64_t v = peek(n);
    if (text.empty()) text = field_info(f).base == Base::kHex ? hexv(v, static_cast<int>(2 * n)) : std::to_string(v);
    Node x = node(f, n, v, std::move(text));
    pos += n;
    return x;
  }
  Node bytes(Field f, std::size_t n, std::string text = {}) {
    if (text.empty()) text = to_hex(view(n));
    Node x = node(f, n, 0, std::move(text));
    pos += n;
    return x;
  }
};

// The node of protocol `p` over [offset, offset + length) of buffer `buffer`.
Node protocol_node(Proto p, std::size_t buffer, std::size_t offset, std::size_t length);
// A node computed, not on the wire.
Node generated(Field f, std::size_t buffer, std::size_t offset, std::uint64_t v, std::string text);
void flag(Node& n, Expert e, std::string text);
// When fewer than n octets are left: a truncated item for `what` (with its expert info) in `parent`, the cursor
// moved to the end, and true.
bool truncated(Cursor& c, Node& parent, std::size_t n, std::string_view what);

// GBA Push Info (dissect_gpi.cpp): buffer `buffer` from offset `base`.
Node dissect_gpi_at(ByteView g, std::size_t buffer, std::size_t base);
// The PC5 signalling message `msg` (dissect_pc5s.cpp): buffer `buffer` from offset `base`; `info` gets its name.
Node dissect_pc5s(ByteView msg, std::size_t buffer, std::size_t base, std::string& info);

}  // namespace prose::dissect::detail
