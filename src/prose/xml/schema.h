// Validation of a document against an XSD with libxml2 (xmlSchemaValidateDoc). Used by the codecs whose XSD is
// embedded into their library (embed_xsd.cmake): on every document they decode (StrictDocument::load) and alone
// (schema_validate, `prose pc8 validate`).
#pragma once

#include <string>
#include <string_view>

#include "prose/util/result.h"

struct _xmlSchema;
struct _xmlDoc;

namespace prose::xml {

class SchemaValidator {
 public:
  // Compiles `xsd` (which must outlive the validator). A schema that does not compile makes every validate()
  // fail with kInternal "embedded schema does not compile: <first libxml2 error>".
  explicit SchemaValidator(std::string_view xsd);
  ~SchemaValidator();
  SchemaValidator(const SchemaValidator&) = delete;
  SchemaValidator& operator=(const SchemaValidator&) = delete;

  // Validates a parsed document: "schema-invalid: line N: <libxml2's first reason>" (kMalformed), where
  // every value of the element at fault is shown as '...' (it may be key hex). Thread-safe: the compiled schema
  // is read-only and each call has its own validation context.
  Status validate(const _xmlDoc& doc) const;
  // Parses `xml` (prose/xml/parse.h: dtd-forbidden, not-well-formed) and validates it.
  Status validate(std::string_view xml) const;

 private:
  _xmlSchema* schema_ = nullptr;
  std::string error_;
};

// The check both a receiver and a test should agree on: `schema` then `codec`, the error prefixed with
// "<schema_name>: " or "codec: " to say which failed.
Status validate_both(Status (*schema)(std::string_view), std::string_view schema_name, std::string_view xml,
                     Status (*codec)(std::string_view));

// Adapts a codec's decode (Result<Message> Codec::decode(std::string_view)) to validate_both's `codec`.
template <class Codec>
Status decode_status(std::string_view xml) {
  auto m = Codec::decode(xml);
  if (!m.ok()) return m.error();
  return ok_status();
}

}  // namespace prose::xml
