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
#include "prose/xml/errc.h"

namespace prose::prosefn {

// Classes of decode failure (shared by the strict codecs, prose/xml/errc.h). Error::message starts with the
// class token ("duplicate-element: ..."); decode_errc_of() recovers the class from an Error of Codec::decode.
using DecodeErrc = xml::DecodeErrc;
using xml::decode_errc_of;
using xml::decode_errc_token;

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
