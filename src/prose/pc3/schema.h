// schema/pc3.xsd, embedded into the library at build time, and validation of a document against it with
// libxml2 (no network access, no DTD loading, no entity substitution; a DOCTYPE is refused before parsing).
#pragma once

#include <string_view>

#include "prose/util/result.h"

namespace prose::xml {
class SchemaValidator;
}  // namespace prose::xml

namespace prose::pc3 {

std::string_view schema_text();

// The embedded schema, compiled once on first use (thread-safe); Codec::decode validates every document with it.
const xml::SchemaValidator& schema_validator();
// Validates `xml` against the embedded schema. The error names the line and the libxml2 reason.
Status schema_validate(std::string_view xml);
// The schema and the codec (Codec::decode) both; the error says which failed.
Status validate_document(std::string_view xml);

}  // namespace prose::pc3
