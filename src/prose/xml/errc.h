// The classes of decode failure of the strict XML codecs (pc8, prosefn) and their message tokens.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "prose/util/result.h"

namespace prose::xml {

// Classes of decode failure. Error::message starts with the class token ("duplicate-element: ...").
enum class DecodeErrc : std::uint8_t {
  kTooLarge,          // body larger than the codec's limit
  kNotWellFormed,     // not XML (parse error, with offset)
  kDtdForbidden,      // a DOCTYPE / DTD is present
  kWrongRoot,         // root is not one of the expected message roots (or not the kind asked for)
  kWrongNamespace,    // root not in the codec's namespace, or a namespace prefix is used
  kUnknownElement,    // element not allowed at that place
  kUnknownAttribute,  // any attribute other than xmlns on the root
  kMissingElement,    // a mandatory element is absent
  kDuplicateElement,  // more occurrences than allowed
  kOutOfOrder,        // elements not in schema order
  kConflict,          // mutually exclusive elements both present
  kUnexpectedText,    // non-whitespace text in an element-only element, or children in a leaf
  kBadHex,            // not hexadecimal
  kWrongLength,       // hex of the wrong number of octets
  kBadValue,          // out of range or otherwise not a valid value of its type
};

std::string_view decode_errc_token(DecodeErrc c);
// Recovers the class from an Error produced by a strict decoder (by its token prefix); nullopt for other errors.
std::optional<DecodeErrc> decode_errc_of(const Error& e);

}  // namespace prose::xml
