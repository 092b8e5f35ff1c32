// Building the dissector's tree nodes.
#include <cstdio>

#include "prose/dissect/dissect_internal.h"

namespace prose::dissect::detail {

std::string hexv(std::uint64_t v, int digits) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return b;
}

Node protocol_node(Proto p, std::size_t buffer, std::size_t offset, std::size_t length) {
  Node n;
  n.field = Field::kCount_;
  n.proto = p;
  n.buffer = buffer;
  n.offset = offset;
  n.length = length;
  return n;
}

Node generated(Field f, std::size_t buffer, std::size_t offset, std::uint64_t v, std::string text) {
  Node n;
  n.field = f;
  n.proto = field_info(f).proto;
  n.buffer = buffer;
  n.offset = offset;
  n.value = v;
  n.text = std::move(text);
  n.generated = true;
  return n;
}

void flag(Node& n, Expert e, std::string text) { n.flags.push_back(Flag{e, std::move(text)}); }

bool truncated(Cursor& c, Node& parent, std::size_t n, std::string_view what) {
  if (c.has(n)) return false;
  Node t = c.node(Field::kPc5sIe, c.left(), 0, std::string(what) + " (truncated)");
  flag(t, Expert::kTruncated,
       std::string(what) + ": " + std::to_string(n) + " octets needed, " + std::to_string(c.left()) + " left");
  parent.children.push_back(std::move(t));
  c.pos = c.d.size();
  return true;
}

}  // namespace prose::dissect::detail
