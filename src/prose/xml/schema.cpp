#include "prose/xml/schema.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include <climits>
#include <memory>

#include "prose/xml/errc.h"
#include "prose/xml/parse.h"

namespace prose::xml {

namespace {

// The first structured error libxml2 reports, made safe to show (clean_message).
struct Collector {
  std::string first;
  int line = 0;
  bool seen = false;
};

void collect(void* ctx, xmlErrorPtr err) {
  auto* c = static_cast<Collector*>(ctx);
  if (err == nullptr || c->seen) return;
  c->seen = true;
  c->first = clean_message(err->message, static_cast<const xmlNode*>(err->node));
  c->line = err->line;
}

}  // namespace

SchemaValidator::SchemaValidator(std::string_view xsd) {
  init_libxml2();
  if (xsd.size() > static_cast<std::size_t>(INT_MAX)) {
    error_ = "embedded schema does not compile: too large";
    return;
  }
  Collector col;
  xmlSchemaParserCtxtPtr p = xmlSchemaNewMemParserCtxt(xsd.data(), static_cast<int>(xsd.size()));
  if (p == nullptr) {
    error_ = "cannot create the schema parser";
    return;
  }
  xmlSchemaSetParserStructuredErrors(p, collect, &col);
  schema_ = xmlSchemaParse(p);
  xmlSchemaFreeParserCtxt(p);
  if (schema_ == nullptr) error_ = "embedded schema does not compile: " + col.first;
}

SchemaValidator::~SchemaValidator() {
  if (schema_ != nullptr) xmlSchemaFree(schema_);
}

Status SchemaValidator::validate(const xmlDoc& doc) const {
  if (schema_ == nullptr) return fail(Errc::kInternal, error_);
  std::unique_ptr<xmlSchemaValidCtxt, void (*)(xmlSchemaValidCtxtPtr)> vctx(xmlSchemaNewValidCtxt(schema_),
                                                                            xmlSchemaFreeValidCtxt);
  if (!vctx) return fail(Errc::kInternal, "cannot create a schema validation context");
  Collector col;
  xmlSchemaSetValidStructuredErrors(vctx.get(), collect, &col);
  // xmlSchemaValidateDoc does not modify the document (its parameter is not const in libxml2's API).
  int rc = xmlSchemaValidateDoc(vctx.get(), const_cast<xmlDoc*>(&doc));
  if (rc < 0) return fail(Errc::kInternal, "schema validation failed internally");
  if (rc > 0) {
    return fail(Errc::kMalformed, std::string(decode_errc_token(DecodeErrc::kSchemaInvalid)) + ": line " +
                                      std::to_string(col.line) + ": " + col.first);
  }
  return ok_status();
}

Status SchemaValidator::validate(std::string_view xml) const {
  if (schema_ == nullptr) return fail(Errc::kInternal, error_);
  PROSE_TRY(Parsed p, parse(xml));
  return validate(*p.doc);
}

Status validate_both(Status (*schema)(std::string_view), std::string_view schema_name, std::string_view xml,
                     Status (*codec)(std::string_view)) {
  auto s = schema(xml);
  if (!s.ok()) {
    Error e = s.error();
    e.message = std::string(schema_name) + ": " + e.message;
    return e;
  }
  auto c = codec(xml);
  if (!c.ok()) {
    Error e = c.error();
    e.message = "codec: " + e.message;
    return e;
  }
  return ok_status();
}

}  // namespace prose::xml
