// XML codec for the PC8 messages (prose/pc8/messages.h). Decoding: libxml2 parses the document and validates it
// against schema/pc8.xsd, so every rule of the schema is enforced by the schema itself (element order, occurrence
// counts, exact hex lengths, value ranges, the namespace); the codec adds the few rules the schema cannot express
// (body size, no DTD, XML 1.0 in UTF-8, no namespace prefix, attribute or processing instruction, IP address
// syntax) and maps the valid tree to the model. Every failure names the line and the element.
//
// Security: documents with a DOCTYPE are refused before parsing (no DTD, no entity expansion, ever); libxml2 frees
// the parsed document through an allocator that wipes it, so key hex does not linger in freed memory.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "prose/pc8/messages.h"
#include "prose/util/result.h"
#include "prose/util/secret_string.h"
#include "prose/xml/errc.h"

namespace prose::pc8 {

// Classes of decode failure (shared by the strict codecs, prose/xml/errc.h). Error::message starts with the
// class token ("schema-invalid: ..."); decode_errc_of() recovers the class from an Error of Codec::decode.
using DecodeErrc = xml::DecodeErrc;
using xml::decode_errc_of;
using xml::decode_errc_token;

class Codec {
 public:
  // Decodes one KEY_REQUEST or KEY_RESPONSE document.
  static Result<Message> decode(std::string_view xml);
  static Result<Request> decode_request(std::string_view xml);
  static Result<Response> decode_response(std::string_view xml);

  // Encodes a message (validate() first: an invalid model is an error, never an invalid document).
  // A response (and so any message, which may be one) can carry a KD, PRUK, PMK or PSDK in hex: it comes as a
  // SecretString, wiped when it dies; send it as net::make_response's SecretString body. A request carries no key.
  static Result<SecretString> encode(const Message& m);
  static Result<std::string> encode(const Request& r);
  static Result<SecretString> encode(const Response& r);
};

}  // namespace prose::pc8
