// The classes of decode failure of the strict XML codecs (pc8, prosefn) and their message tokens. libxml2 decides
// well-formedness and validity (kNotWellFormed, kSchemaInvalid); the other classes are the rules a codec adds
// (docs/xml.md) and the checks its conversions make while mapping a valid document.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "prose/util/result.h"

namespace prose::xml {

// Classes of decode failure. Error::message starts with the class token ("schema-invalid: ...").
enum class DecodeErrc : std::uint8_t {
  kTooLarge,          // body larger than the codec's limit
  kNotWellFormed,     // libxml2 refuses it as XML (with line, column and offset), or XML the codecs do not take:
                      // a version other than 1.0, an encoding other than UTF-8, a processing instruction
  kDtdForbidden,      // a DOCTYPE / DTD is present
  kSchemaInvalid,     // the codec's XSD (libxml2) refuses it: element names, order, counts, value types
  kWrongRoot,         // not the kind asked for (a response given to decode_request, or the reverse)
  kWrongNamespace,    // a namespace prefix is used
  kUnknownAttribute,  // any attribute, or a namespace declaration other than the root's xmlns
  kMissingElement,    // an element a codec-only rule requires is absent
  kBadValue,          // a value a codec-only rule refuses (IPv6 syntax, ...) or that does not convert
};

std::string_view decode_errc_token(DecodeErrc c);
// Recovers the class from an Error produced by a strict decoder (by its token prefix); nullopt for other errors.
std::optional<DecodeErrc> decode_errc_of(const Error& e);

}  // namespace prose::xml
