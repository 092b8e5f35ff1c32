#include "prose/prosefn/schema.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include <memory>
#include <mutex>
#include <string>

#include "prose/prosefn/codec.h"
#include "prose/prosefn/constants.h"
#include "prose/util/secret.h"

namespace prose::prosefn {
namespace detail {
extern const std::string_view kEmbeddedSchema;  // generated from schema/pc3.xsd (embed_xsd.cmake)
}  // namespace detail

std::string_view schema_text() { return detail::kEmbeddedSchema; }

namespace {

std::string trim_message(const char* m) {
  std::string s = m ? m : "unknown error";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

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

// The compiled schema, built once from the embedded text. xmlSchema is read-only after parsing and may be
// shared by validation contexts in several threads.
struct CompiledSchema {
  xmlSchemaPtr schema = nullptr;
  std::string error;
};

const CompiledSchema& compiled() {
  static const CompiledSchema* s = [] {
    xmlInitParser();
    auto* cs = new CompiledSchema;  // lives for the process
    Collector col;
    xmlSchemaParserCtxtPtr p = xmlSchemaNewMemParserCtxt(schema_text().data(), static_cast<int>(schema_text().size()));
    if (p == nullptr) {
      cs->error = "cannot create the schema parser";
      return cs;
    }
    xmlSchemaSetParserStructuredErrors(p, collect, &col);
    cs->schema = xmlSchemaParse(p);
    xmlSchemaFreeParserCtxt(p);
    if (cs->schema == nullptr) cs->error = "embedded schema does not compile: " + col.first;
    return cs;
  }();
  return *s;
}

}  // namespace

Status schema_validate(std::string_view xml) {
  const auto& cs = compiled();
  if (cs.schema == nullptr) return fail(Errc::kInternal, cs.error);
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

  std::unique_ptr<xmlSchemaValidCtxt, void (*)(xmlSchemaValidCtxtPtr)> vctx(xmlSchemaNewValidCtxt(cs.schema),
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

Status validate_document(std::string_view xml) {
  auto s = schema_validate(xml);
  if (!s.ok()) {
    Error e = s.error();
    e.message = "schema/pc3.xsd: " + e.message;
    return e;
  }
  auto m = Codec::decode(xml);
  if (!m.ok()) {
    Error e = m.error();
    e.message = "codec: " + e.message;
    return e;
  }
  return ok_status();
}

}  // namespace prose::prosefn
