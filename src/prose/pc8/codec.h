// XML codec for the PC8 messages (prose/pc8/messages.h), on pugixml. Strict: every rule of schema/pc8.xsd
// is enforced (element order, occurrence counts, exact hex lengths, value ranges, the namespace) plus a few the
// schema cannot express (body size, nesting depth, IP address syntax, no DTD). Every failure names the element.
//
// Security: documents with a DOCTYPE are refused (no DTD, no entity expansion, ever); the parse happens in a
// private buffer that is wiped afterwards, so key hex does not linger in freed memory.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "prose/pc8/messages.h"
#include "prose/util/result.h"

namespace prose::pc8 {

// Classes of decode failure. Error::message starts with the class token ("duplicate-element: ...").
enum class DecodeErrc : std::uint8_t {
  kTooLarge,          // body larger than kMaxBodySize
  kNotWellFormed,     // not XML (pugixml parse error, with offset)
  kDtdForbidden,      // a DOCTYPE / DTD is present
  kWrongRoot,         // root is neither KEY_REQUEST nor KEY_RESPONSE
  kWrongNamespace,    // root not in kNamespace, or a namespace prefix is used
  kUnknownElement,    // element not allowed at that place
  kUnknownAttribute,  // any attribute other than xmlns on the root
  kMissingElement,    // a mandatory element is absent
  kDuplicateElement,  // more occurrences than allowed
  kOutOfOrder,        // elements not in schema order
  kConflict,          // mutually exclusive elements both present (e.g. PRUK-ID and IMSI)
  kUnexpectedText,    // non-whitespace text in an element-only element, or children in a leaf
  kBadHex,            // not hexadecimal
  kWrongLength,       // hex of the wrong number of octets
  kBadValue,          // out of range, not digits, bad time or address, unknown error code, duplicate value
};

std::string_view decode_errc_token(DecodeErrc c);
// Recovers the class from an Error produced by Codec::decode (by its token prefix); nullopt for other errors.
std::optional<DecodeErrc> decode_errc_of(const Error& e);

class Codec {
 public:
  // Decodes one KEY_REQUEST or KEY_RESPONSE document.
  static Result<Message> decode(std::string_view xml);
  static Result<Request> decode_request(std::string_view xml);
  static Result<Response> decode_response(std::string_view xml);

  // Encodes a message (validate() first: an invalid model is an error, never an invalid document).
  // The output of a response carrying keys contains key hex: wipe it (secure_wipe) after sending.
  static Result<std::string> encode(const Message& m);
  static Result<std::string> encode(const Request& r);
  static Result<std::string> encode(const Response& r);
};

}  // namespace prose::pc8
