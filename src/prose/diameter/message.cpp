#include "prose/diameter/message.h"

#include <arpa/inet.h>

#include <algorithm>
#include <string>

#include "prose/util/byte_reader.h"
#include "prose/util/byte_writer.h"

namespace prose::diameter {

namespace {
constexpr std::size_t kMax24 = 0xffffff;

std::size_t pad4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

std::size_t avp_header_size(const Avp& a) { return a.has_vendor() ? 12 : 8; }
}  // namespace

std::size_t avp_encoded_size(const Avp& a) { return pad4(avp_header_size(a) + a.data.size()); }

void encode_avp(ByteWriter& w, const Avp& a) {
  const std::size_t len = avp_header_size(a) + a.data.size();
  w.u32(a.code);
  w.u8(a.flags);
  w.u24(static_cast<std::uint32_t>(len));
  if (a.has_vendor()) w.u32(a.vendor_id);
  w.bytes(a.data);
  for (std::size_t i = len; i < pad4(len); ++i) w.u8(0);
}

Bytes encode_avps(const std::vector<Avp>& avps) {
  std::size_t total = 0;
  for (const auto& a : avps) total += avp_encoded_size(a);
  ByteWriter w(total);
  for (const auto& a : avps) encode_avp(w, a);
  return w.take();
}

Result<Bytes> encode(const Message& m) {
  std::size_t total = kHeaderSize;
  for (const auto& a : m.avps) {
    if (avp_header_size(a) + a.data.size() > kMax24) {
      return fail(Errc::kInvalidArgument, "AVP " + std::to_string(a.code) + " longer than 2^24-1 octets");
    }
    if ((a.flags & kAvpReservedMask) != 0) {
      return fail(Errc::kInvalidArgument, "AVP " + std::to_string(a.code) + " has reserved flag bits set");
    }
    total += avp_encoded_size(a);
  }
  if (total > kMax24) return fail(Errc::kInvalidArgument, "Diameter message longer than 2^24-1 octets");
  if ((m.flags & kHeaderReservedMask) != 0) return fail(Errc::kInvalidArgument, "reserved header flag bits set");
  if (m.command_code > kMax24) return fail(Errc::kInvalidArgument, "command code does not fit 24 bits");
  ByteWriter w(total);
  w.u8(kVersion);
  w.u24(static_cast<std::uint32_t>(total));
  w.u8(m.flags);
  w.u24(m.command_code);
  w.u32(m.application_id);
  w.u32(m.hop_by_hop);
  w.u32(m.end_to_end);
  for (const auto& a : m.avps) encode_avp(w, a);
  return w.take();
}

Result<std::vector<Avp>> decode_avps(ByteView data, std::size_t base) {
  std::vector<Avp> out;
  ByteReader r(data, base);
  while (!r.empty()) {
    const std::size_t start = r.offset();
    Avp a;
    PROSE_TRY(a.code, r.u32("AVP code"));
    PROSE_TRY(a.flags, r.u8("AVP flags"));
    PROSE_TRY(std::uint32_t len, r.u24("AVP length"));
    if ((a.flags & kAvpReservedMask) != 0) {
      return fail_at(Errc::kMalformed, start + 4, "AVP " + std::to_string(a.code) + ": reserved flag bits set");
    }
    const std::size_t hdr = a.has_vendor() ? 12 : 8;
    if (len < hdr) {
      return fail_at(Errc::kMalformed, start + 5,
                     "AVP " + std::to_string(a.code) + ": length " + std::to_string(len) + " shorter than its header");
    }
    if (a.has_vendor()) {
      PROSE_TRY(a.vendor_id, r.u32("Vendor-Id"));
      if (a.vendor_id == 0) {
        return fail_at(Errc::kMalformed, start + 8, "AVP " + std::to_string(a.code) + ": V flag with Vendor-Id 0");
      }
    }
    const std::size_t payload = len - hdr;
    if (payload > r.remaining()) {
      return fail_at(Errc::kMalformed, start + 5,
                     "AVP " + std::to_string(a.code) + ": length " + std::to_string(len) + " points past the end");
    }
    PROSE_TRY(a.data, r.copy(payload, "AVP data"));
    const std::size_t padding = pad4(len) - len;
    if (padding > r.remaining()) {
      return fail_at(Errc::kMalformed, r.offset(), "AVP " + std::to_string(a.code) + ": padding missing");
    }
    PROSE_TRY(ByteView pad, r.bytes(padding, "AVP padding"));
    for (auto b : pad) {
      if (b != 0) return fail_at(Errc::kMalformed, r.offset() - padding, "AVP padding is not zero");
    }
    out.push_back(std::move(a));
  }
  return out;
}

Result<std::optional<std::size_t>> frame_length(ByteView buffered, const Limits& limits) {
  if (buffered.size() < 4) return std::optional<std::size_t>{};
  if (buffered[0] != kVersion) {
    return fail_at(Errc::kMalformed, 0, "Diameter version " + std::to_string(buffered[0]) + " (expected 1)");
  }
  const std::size_t len = (std::size_t{buffered[1]} << 16) | (std::size_t{buffered[2]} << 8) | buffered[3];
  if (len < kHeaderSize || len % 4 != 0) {
    return fail_at(Errc::kMalformed, 1, "Diameter message length " + std::to_string(len) + " is invalid");
  }
  if (len > limits.max_message_size) {
    return fail_at(Errc::kMalformed, 1,
                   "Diameter message length " + std::to_string(len) + " exceeds the limit of " +
                       std::to_string(limits.max_message_size));
  }
  return std::optional<std::size_t>{len};
}

Result<Message> decode(ByteView data, const Limits& limits) {
  PROSE_TRY(auto len, frame_length(data, limits));
  if (!len) return fail_at(Errc::kTruncated, data.size(), "Diameter header truncated");
  if (*len != data.size()) {
    return fail_at(
        Errc::kMalformed, 1,
        "Diameter length field " + std::to_string(*len) + " does not match " + std::to_string(data.size()) + " octets");
  }
  ByteReader r(data);
  Message m;
  PROSE_TRY_STATUS(r.skip(4, "version/length"));
  PROSE_TRY(m.flags, r.u8("command flags"));
  m.flags &= static_cast<std::uint8_t>(~kHeaderReservedMask);  // "MUST be set to zero and ignored" (RFC 6733 3)
  if ((m.flags & kFlagRequest) && (m.flags & kFlagError)) {
    return fail_at(Errc::kMalformed, 4, "E flag set on a request");
  }
  PROSE_TRY(m.command_code, r.u24("command code"));
  PROSE_TRY(m.application_id, r.u32("application id"));
  PROSE_TRY(m.hop_by_hop, r.u32("hop-by-hop id"));
  PROSE_TRY(m.end_to_end, r.u32("end-to-end id"));
  PROSE_TRY(m.avps, decode_avps(r.rest(), kHeaderSize));
  return m;
}

Avp make_avp(std::uint32_t code, ByteView data, std::uint32_t vendor, bool mandatory) {
  Avp a;
  a.code = code;
  a.flags = static_cast<std::uint8_t>((vendor ? kAvpFlagVendor : 0) | (mandatory ? kAvpFlagMandatory : 0));
  a.vendor_id = vendor;
  a.data.assign(data.begin(), data.end());
  return a;
}
Avp make_str(std::uint32_t code, std::string_view s, std::uint32_t vendor, bool mandatory) {
  return make_avp(code, ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()), vendor, mandatory);
}
Avp make_u32(std::uint32_t code, std::uint32_t v, std::uint32_t vendor, bool mandatory) {
  ByteWriter w(4);
  w.u32(v);
  return make_avp(code, w.data(), vendor, mandatory);
}
Avp make_u64(std::uint32_t code, std::uint64_t v, std::uint32_t vendor, bool mandatory) {
  ByteWriter w(8);
  w.u64(v);
  return make_avp(code, w.data(), vendor, mandatory);
}
Avp make_grouped(std::uint32_t code, const std::vector<Avp>& inner, std::uint32_t vendor, bool mandatory) {
  return make_avp(code, encode_avps(inner), vendor, mandatory);
}
Avp make_ipv4(std::uint32_t code, std::uint32_t addr) {
  ByteWriter w(6);
  w.u16(kAddressFamilyIpv4).u32(addr);
  return make_avp(code, w.data());
}
Result<Avp> make_address(std::uint32_t code, const std::string& ip) {
  in_addr v4{};
  if (inet_pton(AF_INET, ip.c_str(), &v4) == 1) return make_ipv4(code, ntohl(v4.s_addr));
  in6_addr v6{};
  if (inet_pton(AF_INET6, ip.c_str(), &v6) == 1) {
    ByteWriter w(18);
    w.u16(kAddressFamilyIpv6).bytes(ByteView(v6.s6_addr, 16));
    return make_avp(code, w.data());
  }
  return fail(Errc::kInvalidArgument, "'" + ip + "' is not an IPv4 or IPv6 address");
}

Salvaged salvage(ByteView raw) {
  Salvaged s;
  ByteReader r(raw);
  if (raw.size() < kHeaderSize) return s;
  (void)r.skip(4);
  s.header.flags = *r.u8();
  s.header.command_code = *r.u24();
  s.header.application_id = *r.u32();
  s.header.hop_by_hop = *r.u32();
  s.header.end_to_end = *r.u32();
  s.header_fault = (s.header.flags & kFlagRequest) && (s.header.flags & kFlagError);
  s.header.flags &= static_cast<std::uint8_t>(~(kHeaderReservedMask | kFlagError));
  while (!r.empty()) {
    Avp a;
    if (r.remaining() < 8) {
      s.result_code = rc::kInvalidMessageLength;
      return s;
    }
    a.code = *r.u32();
    a.flags = *r.u8();
    const std::size_t len = *r.u24();
    const std::size_t hdr = a.has_vendor() ? 12 : 8;
    if (a.has_vendor()) {
      if (r.remaining() < 4) {
        s.result_code = rc::kInvalidMessageLength;
        return s;
      }
      a.vendor_id = *r.u32();
    }
    const bool bad_bits = (a.flags & kAvpReservedMask) != 0 || (a.has_vendor() && a.vendor_id == 0);
    if (len < hdr || len - hdr > r.remaining() || pad4(len) - hdr > r.remaining()) {
      // "the offending AVP header and a zero filled payload" (RFC 6733 7.1.5, DIAMETER_INVALID_AVP_LENGTH)
      a.flags &= static_cast<std::uint8_t>(~kAvpReservedMask);
      s.offending = std::move(a);
      s.result_code = rc::kInvalidAvpLength;
      return s;
    }
    a.data = *r.copy(len - hdr);
    ByteView pad = *r.bytes(pad4(len) - len);
    const bool bad_pad = std::any_of(pad.begin(), pad.end(), [](std::uint8_t b) { return b != 0; });
    if (bad_bits || bad_pad) {
      a.flags &= static_cast<std::uint8_t>(~kAvpReservedMask);
      if (a.has_vendor() && a.vendor_id == 0) a.flags &= static_cast<std::uint8_t>(~kAvpFlagVendor);
      s.offending = std::move(a);
      s.result_code = bad_bits ? rc::kInvalidAvpBits : rc::kInvalidAvpLength;
      return s;
    }
    s.header.avps.push_back(std::move(a));
  }
  return s;
}

const Avp* find(const std::vector<Avp>& avps, std::uint32_t code, std::uint32_t vendor) {
  for (const auto& a : avps) {
    if (a.code == code && (a.has_vendor() ? a.vendor_id : 0) == vendor) return &a;
  }
  return nullptr;
}
std::vector<const Avp*> find_all(const std::vector<Avp>& avps, std::uint32_t code, std::uint32_t vendor) {
  std::vector<const Avp*> out;
  for (const auto& a : avps) {
    if (a.code == code && (a.has_vendor() ? a.vendor_id : 0) == vendor) out.push_back(&a);
  }
  return out;
}

Result<std::uint32_t> as_u32(const Avp& a) {
  if (a.data.size() != 4) {
    return fail(Errc::kMalformed,
                "AVP " + std::to_string(a.code) + ": expected 4 octets, got " + std::to_string(a.data.size()));
  }
  ByteReader r(a.data);
  return r.u32();
}
Result<std::uint64_t> as_u64(const Avp& a) {
  if (a.data.size() != 8) {
    return fail(Errc::kMalformed,
                "AVP " + std::to_string(a.code) + ": expected 8 octets, got " + std::to_string(a.data.size()));
  }
  ByteReader r(a.data);
  return r.u64();
}
std::string as_string(const Avp& a) { return std::string(a.data.begin(), a.data.end()); }
Result<std::vector<Avp>> as_grouped(const Avp& a) { return decode_avps(a.data); }

std::string command_name(std::uint32_t code, bool request) {
  const char* base = nullptr;
  switch (code) {
    case cmd::kCapabilitiesExchange:
      base = "CE";
      break;
    case cmd::kDeviceWatchdog:
      base = "DW";
      break;
    case cmd::kDisconnectPeer:
      base = "DP";
      break;
    case cmd::kMultimediaAuth:
      base = "MA";
      break;
    case cmd::kGbaPushInfo:
      base = "GP";
      break;
    case cmd::kBootstrappingInfo:
      base = "BI";
      break;
    default:
      return "command-" + std::to_string(code) + (request ? "-request" : "-answer");
  }
  return std::string(base) + (request ? "R" : "A");
}

}  // namespace prose::diameter
