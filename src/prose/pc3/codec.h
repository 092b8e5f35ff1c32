// XML codec for the PC3 service authorisation messages (prose/pc3/messages.h). Same design as the PC8 codec:
// libxml2 parses the document and validates it against schema/pc3.xsd (element order, occurrence counts, exact
// hex lengths, value ranges, the namespace, no repeated (role, RSC)); the codec adds the rules the schema cannot
// express (body size, no DTD, XML 1.0 in UTF-8, no namespace prefix, attribute or processing instruction, IPv6
// syntax, announce period exactly for relays) and maps the valid tree to the model. Every failure names the line
// and the element.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "prose/pc3/messages.h"
#include "prose/util/result.h"
#include "prose/xml/errc.h"

namespace prose::pc3 {

// Classes of decode failure (shared by the strict codecs, prose/xml/errc.h). Error::message starts with the
// class token ("schema-invalid: ..."); decode_errc_of() recovers the class from an Error of Codec::decode.
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

}  // namespace prose::pc3
