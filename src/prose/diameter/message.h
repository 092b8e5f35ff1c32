// Diameter (RFC 6733) message and AVP codec: header, AVPs with the vendor flag and Vendor-Id, grouped AVPs,
// 4-octet padding. Strict decoding: every length is checked, reserved bits and padding must be zero, nothing
// is read past the end, and trailing octets are an error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prose/diameter/constants.h"
#include "prose/util/byte_writer.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::diameter {

struct Avp {
  std::uint32_t code = 0;
  std::uint8_t flags = 0;       // V M P; V is set iff vendor_id != 0 when encoding via the helpers
  std::uint32_t vendor_id = 0;  // meaningful only when the V flag is set
  Bytes data;                   // without padding

  bool has_vendor() const { return (flags & kAvpFlagVendor) != 0; }
  bool mandatory() const { return (flags & kAvpFlagMandatory) != 0; }
  friend bool operator==(const Avp&, const Avp&) = default;
};

struct Message {
  std::uint8_t flags = 0;
  std::uint32_t command_code = 0;
  std::uint32_t application_id = 0;
  std::uint32_t hop_by_hop = 0;
  std::uint32_t end_to_end = 0;
  std::vector<Avp> avps;

  bool is_request() const { return (flags & kFlagRequest) != 0; }
  bool is_error() const { return (flags & kFlagError) != 0; }
  friend bool operator==(const Message&, const Message&) = default;
};

// Decoder limits (a Diameter length is 24 bits; a lab peer never needs more than this).
struct Limits {
  std::size_t max_message_size = 65536;
};

// Encoded size of one AVP including padding.
std::size_t avp_encoded_size(const Avp& a);
void encode_avp(ByteWriter& w, const Avp& a);
Bytes encode_avps(const std::vector<Avp>& avps);
// Fails when the message would exceed 2^24-1 octets or an AVP 2^24-1 octets.
Result<Bytes> encode(const Message& m);

// Exactly one message that fills `data` (the length field must equal data.size()).
Result<Message> decode(ByteView data, const Limits& limits = {});
// A sequence of AVPs that fills `data` exactly (message body or grouped AVP payload). `base` is the absolute
// offset of `data` for error messages.
Result<std::vector<Avp>> decode_avps(ByteView data, std::size_t base = 0);

// Stream framing: given the octets received so far, returns the length of the first message once its header
// is complete (std::nullopt: need more), or an error when the header is invalid (bad version or length).
Result<std::optional<std::size_t>> frame_length(ByteView buffered, const Limits& limits = {});

// AVP constructors. vendor != 0 sets the V flag and the Vendor-Id. mandatory sets the M flag.
Avp make_avp(std::uint32_t code, ByteView data, std::uint32_t vendor = 0, bool mandatory = true);
Avp make_str(std::uint32_t code, std::string_view s, std::uint32_t vendor = 0, bool mandatory = true);
Avp make_u32(std::uint32_t code, std::uint32_t v, std::uint32_t vendor = 0, bool mandatory = true);
Avp make_u64(std::uint32_t code, std::uint64_t v, std::uint32_t vendor = 0, bool mandatory = true);
Avp make_grouped(std::uint32_t code, const std::vector<Avp>& inner, std::uint32_t vendor = 0, bool mandatory = true);
// Address AVP (RFC 6733 4.3.1): 2-octet address family (1 = IPv4, 2 = IPv6) and the address.
Avp make_ipv4(std::uint32_t code, std::uint32_t addr);
// From a textual IPv4 or IPv6 address; kInvalidArgument otherwise.
Result<Avp> make_address(std::uint32_t code, const std::string& ip);

// What can be recovered from a request that decode() refused, to answer it (RFC 6733 7.1.3, 7.1.5, 7.5): the
// header (reserved and E bits cleared), the AVPs that decoded before the fault (so Session-Id survives), the
// offending AVP for Failed-AVP, and the Result-Code that names the fault.
struct Salvaged {
  Message header;
  std::optional<Avp> offending;
  std::uint32_t result_code = rc::kInvalidAvpLength;
  bool header_fault = false;  // E flag on a request: DIAMETER_INVALID_HDR_BITS
};
// `raw` is one framed message (frame_length() accepted it).
Salvaged salvage(ByteView raw);

// Lookup: first AVP with this code and vendor (vendor 0 = no V flag).
const Avp* find(const std::vector<Avp>& avps, std::uint32_t code, std::uint32_t vendor = 0);
std::vector<const Avp*> find_all(const std::vector<Avp>& avps, std::uint32_t code, std::uint32_t vendor = 0);

// Typed accessors: fail (kMalformed) when the payload has the wrong size.
Result<std::uint32_t> as_u32(const Avp& a);
Result<std::uint64_t> as_u64(const Avp& a);
std::string as_string(const Avp& a);
Result<std::vector<Avp>> as_grouped(const Avp& a);

// Human-readable name of a command code for logs ("MAR", "GPA", ...).
std::string command_name(std::uint32_t code, bool request);

}  // namespace prose::diameter
