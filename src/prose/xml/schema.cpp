#include "prose/xml/schema.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include <climits>
#include <cstdint>
#include <memory>

namespace prose::xml {

namespace {

std::string trim_message(const char* m) {
  std::string s = m ? m : "unknown error";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The first structured error libxml2 reports.
struct Collector {
  std::string first;
  int line = 0;
};

void collect(void* ctx, xmlErrorPtr err) {
  auto* c = static_cast<Collector*>(ctx);
  if (err == nullptr || !c->first.empty()) return;
  c->first = trim_message(err->message);
  c->line = err->line;
}

}  // namespace

SchemaValidator::SchemaValidator(std::string_view xsd) {
  xmlInitParser();
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

Status SchemaValidator::validate(std::string_view xml) const {
  if (schema_ == nullptr) return fail(Errc::kInternal, error_);
  if (xml.size() > static_cast<std::size_t>(INT32_MAX)) return fail(Errc::kInvalidArgument, "document too large");
  // Refuse DTDs before libxml2 sees them: no internal subset is ever parsed, no entity ever expanded.
  if (xml.find("<!DOCTYPE") != std::string_view::npos) {
    return fail(Errc::kUnsupported, "dtd-forbidden: a DOCTYPE (DTD) is not allowed");
  }

  std::unique_ptr<xmlParserCtxt, void (*)(xmlParserCtxtPtr)> pctx(xmlNewParserCtxt(), xmlFreeParserCtxt);
  if (!pctx) return fail(Errc::kInternal, "cannot create an XML parser");
  // No network, no DTD loading, no entity substitution (XML_PARSE_NOENT is deliberately absent).
  int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
  std::unique_ptr<xmlDoc, void (*)(xmlDocPtr)> doc(
      xmlCtxtReadMemory(pctx.get(), xml.data(), static_cast<int>(xml.size()), "message.xml", nullptr, opts),
      xmlFreeDoc);
  if (!doc) {
    const xmlError* e = xmlCtxtGetLastError(pctx.get());
    std::string why = e ? trim_message(e->message) : "not well-formed";
    int line = e ? e->line : 0;
    return fail(Errc::kMalformed, "not well-formed (line " + std::to_string(line) + "): " + why);
  }
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
    return fail(Errc::kUnsupported, "dtd-forbidden: a DOCTYPE (DTD) is not allowed");
  }

  std::unique_ptr<xmlSchemaValidCtxt, void (*)(xmlSchemaValidCtxtPtr)> vctx(xmlSchemaNewValidCtxt(schema_),
                                                                            xmlSchemaFreeValidCtxt);
  if (!vctx) return fail(Errc::kInternal, "cannot create a schema validation context");
  Collector col;
  xmlSchemaSetValidStructuredErrors(vctx.get(), collect, &col);
  int rc = xmlSchemaValidateDoc(vctx.get(), doc.get());
  if (rc != 0) {
    if (rc < 0) return fail(Errc::kInternal, "schema validation failed internally");
    return fail(Errc::kMalformed, "schema (line " + std::to_string(col.line) + "): " + col.first);
  }
  return ok_status();
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
