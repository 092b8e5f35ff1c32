// XML codec for the PC3 service authorisation messages (prose/prosefn/messages.h), on pugixml. Strict: every rule
// of schema/pc3.xsd is enforced (element order, occurrence counts, exact hex lengths, value ranges, the
// namespace, no repeated (role, RSC)) plus a few the schema cannot express (body size, IPv6 syntax, announce
// period exactly for relays, no DTD). Every failure names the element. Same design as the PC8 codec.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "prose/prosefn/messages.h"
#include "prose/util/result.h"

namespace prose::prosefn {

// Classes of decode failure. Error::message starts with the class token ("duplicate-element: ...").
enum class DecodeErrc : std::uint8_t {
  kTooLarge,          // body larger than kMaxBodySize
  kNotWellFormed,     // not XML
  kDtdForbidden,      // a DOCTYPE / DTD is present
  kWrongRoot,         // root is neither request nor response (or not the kind asked for)
  kWrongNamespace,    // root not in kNamespace, or a namespace prefix is used
  kUnknownElement,    // element not allowed at that place
  kUnknownAttribute,  // any attribute other than xmlns on the root
  kMissingElement,    // a mandatory element is absent
  kDuplicateElement,  // more occurrences than allowed
  kOutOfOrder,        // elements not in schema order
  kConflict,          // mutually exclusive elements both present
  kUnexpectedText,    // text in an element-only element, or children in a leaf
  kBadHex,            // not hexadecimal
  kWrongLength,       // hex of the wrong number of octets
  kBadValue,          // out of range, bad name, unknown cause, repeated value, announce period for a Remote UE
};

std::string_view decode_errc_token(DecodeErrc c);
std::optional<DecodeErrc> decode_errc_of(const Error& e);

class Codec {
 public:
  static Result<Message> decode(std::string_view xml);
  static Result<ServiceAuthorisationRequest> decode_request(std::string_view xml);
  static Result<ServiceAuthorisationResponse> decode_response(std::string_view xml);

  // validate() first: an invalid model is an error, never an invalid document.
  static Result<std::string> encode(const Message& m);
  static Result<std::string> encode(const ServiceAuthorisationRequest& m);
  static Result<std::string> encode(const ServiceAuthorisationResponse& m);
};

}  // namespace prose::prosefn
