// schema/pc8.xsd, embedded into the library at build time, and validation of a document against it with
// libxml2 (xmlSchemaValidateDoc). The document is parsed with no network access, no DTD loading and no
// entity substitution; a document with a DOCTYPE is refused before validation.
#pragma once

#include <string_view>

#include "prose/util/result.h"

namespace prose::pc8 {

// The XSD text as built into the binary.
std::string_view schema_text();

// Validates `xml` against the embedded schema. The error names the line and the libxml2 reason.
Status schema_validate(std::string_view xml);

// Both checks a receiver should agree on: the schema and the codec (Codec::decode). The error says which failed.
Status validate_document(std::string_view xml);

}  // namespace prose::pc8
