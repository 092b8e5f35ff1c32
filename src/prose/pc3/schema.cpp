#include "prose/pc3/schema.h"

#include "prose/pc3/codec.h"
#include "prose/xml/schema.h"

namespace prose::pc3 {
namespace detail {
extern const std::string_view kEmbeddedSchema;  // generated from schema/pc3.xsd (xml/embed_xsd.cmake)
}  // namespace detail

std::string_view schema_text() { return detail::kEmbeddedSchema; }

const xml::SchemaValidator& schema_validator() {
  // Compiled once, on first use; lives for the process (read-only, shared by all threads).
  static const auto* validator = new xml::SchemaValidator(schema_text());
  return *validator;
}

Status schema_validate(std::string_view xml) { return schema_validator().validate(xml); }

Status validate_document(std::string_view xml) {
  return xml::validate_both(schema_validate, "schema/pc3.xsd", xml, xml::decode_status<Codec>);
}

}  // namespace prose::pc3
