// The dissector of GBA Push Info (TS 33.223), inside a PC5 signalling message or on its own.
#include <algorithm>

#include "prose/dissect/dissect_internal.h"
#include "prose/gba/gpi.h"

namespace prose::dissect {
namespace detail {

Node dissect_gpi_at(ByteView g, std::size_t buffer, std::size_t base) {
  Node root = protocol_node(Proto::kGpi, buffer, base, g.size());
  Cursor c{g, buffer, base};
  if (!c.has(1)) {
    flag(root, Expert::kTruncated, "GPI without a version octet");
    return root;
  }
  root.children.push_back(c.uint(Field::kGpiVersion, 1));
  while (c.left() > 0) {
    if (!c.has(3)) {
      Node t = c.node(Field::kGpiTlv, c.left(), 0, "truncated TLV");
      flag(t, Expert::kTruncated, "GPI TLV header needs 3 octets, " + std::to_string(c.left()) + " left");
      root.children.push_back(std::move(t));
      break;
    }
    const auto tag = static_cast<std::uint8_t>(c.peek(1));
    c.pos += 1;
    const auto len = static_cast<std::size_t>(c.peek(2));
    c.pos -= 1;
    Node tlv = c.node(Field::kGpiTlv, 3 + std::min(len, c.left() - 3), tag, gba::gpi_tag_name(tag));
    tlv.children.push_back(c.uint(Field::kGpiTag, 1, hexv(tag, 2) + " (" + gba::gpi_tag_name(tag) + ")"));
    tlv.children.push_back(c.uint(Field::kGpiLength, 2));
    if (!c.has(len)) {
      flag(tlv, Expert::kTruncated,
           "GPI value of " + std::to_string(len) + " octets, " + std::to_string(c.left()) + " left");
      root.children.push_back(std::move(tlv));
      break;
    }
    ByteView v = c.view(len);
    switch (static_cast<gba::GpiTag>(tag)) {
      case gba::GpiTag::kPTid:
        tlv.children.push_back(len == 8 ? c.uint(Field::kGpiPTid, 8) : c.bytes(Field::kGpiValue, len));
        break;
      case gba::GpiTag::kRand:
        tlv.children.push_back(c.bytes(Field::kGpiRand, len));
        break;
      case gba::GpiTag::kAutn:
        tlv.children.push_back(c.bytes(Field::kGpiAutn, len));
        break;
      case gba::GpiTag::kAppLbl:
        tlv.children.push_back(c.bytes(Field::kGpiAppLbl, len));
        break;
      case gba::GpiTag::kNafId: {
        std::string text;
        if (len > gba::kUaIdSize) {
          text.assign(v.begin(), v.end() - gba::kUaIdSize);
          for (char& ch : text)
            if (ch < 0x20 || ch > 0x7e) ch = '.';
          text += " || Ua security protocol " + to_hex(v.subspan(len - gba::kUaIdSize));
        } else {
          text = to_hex(v);
        }
        tlv.children.push_back(c.node(Field::kGpiNafId, len, 0, text));
        c.pos += len;
        break;
      }
      case gba::GpiTag::kKeyLifetime:
        tlv.children.push_back(len == 4 ? c.uint(Field::kGpiKeyLifetime, 4, std::to_string(c.peek(4)) + " s")
                                        : c.bytes(Field::kGpiValue, len));
        break;
      case gba::GpiTag::kKeyType: {
        if (len == 1) {
          const auto k = c.peek(1);
          tlv.children.push_back(c.uint(Field::kGpiKeyType, 1,
                                        std::to_string(k) + (k == 0   ? " (ME: gba-me keys)"
                                                             : k == 1 ? " (UICC)"
                                                                      : "")));
        } else {
          tlv.children.push_back(c.bytes(Field::kGpiValue, len));
        }
        break;
      }
      case gba::GpiTag::kMac:
        tlv.children.push_back(c.bytes(Field::kGpiMac, len));
        break;
      default:
        tlv.children.push_back(c.bytes(Field::kGpiValue, len));
        break;
    }
    root.children.push_back(std::move(tlv));
  }
  auto decoded = gba::decode_gpi(g);
  if (!decoded.ok()) flag(root, Expert::kUndecodable, "GPI: " + decoded.error().to_string());
  return root;
}

}  // namespace detail

Result Dissector::dissect_gpi(ByteView gpi) {
  Result r;
  r.tree.push_back(detail::dissect_gpi_at(gpi, 0, 0));
  r.protocol = "GPI";
  r.info = "GBA Push Info (" + std::to_string(gpi.size()) + " octets)";
  return r;
}

}  // namespace prose::dissect
