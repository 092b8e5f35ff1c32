#include "prose/xml/parse.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>
#include <malloc.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <list>
#include <mutex>

#include "prose/util/secret.h"
#include "prose/xml/errc.h"

namespace prose::xml {

namespace {

// libxml2's allocator: malloc, with every block wiped before it is freed (or moved by a growing realloc).
void wiping_free(void* p) {
  if (p == nullptr) return;
  secure_wipe(p, malloc_usable_size(p));
  std::free(p);
}

void* wiping_realloc(void* p, std::size_t n) {
  if (p == nullptr) return std::malloc(n);
  std::size_t have = malloc_usable_size(p);
  if (n <= have) return p;  // fits: the block stays where it is
  void* q = std::malloc(n);
  if (q == nullptr) return nullptr;  // like realloc: the old block is untouched
  std::memcpy(q, p, have);
  wiping_free(p);
  return q;
}

char* wiping_strdup(const char* s) {
  std::size_t n = std::strlen(s) + 1;
  auto* d = static_cast<char*>(std::malloc(n));
  if (d != nullptr) std::memcpy(d, s, n);
  return d;
}

// The parser's first error (libxml2 keeps only the last one, often a consequence of the first): a structured
// error handler on the context's own SAX handler, which gets the context (userData), whose _private (left to the
// application by libxml2) points here.
struct FirstError {
  std::string message;
  int line = 0;
  int column = 0;
  bool seen = false;
};

void first_error(void* ctx, xmlErrorPtr err) {
  auto* f = static_cast<FirstError*>(static_cast<xmlParserCtxtPtr>(ctx)->_private);
  if (f == nullptr || err == nullptr || f->seen || err->level < XML_ERR_ERROR) return;
  f->seen = true;
  f->message = clean_message(err->message, nullptr);
  f->line = err->line;
  f->column = err->int2;
}

// libxml2 reports some errors without a parser context (character conversion: "input conversion failed"), to the
// thread's generic error handler, which prints them on stderr. The parser then fails with its own error, which the
// handler above collects; these are dropped.
void ignore_generic(void*, const char*, ...) {}

constexpr int kParseOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x) == (y >= 'A' && y <= 'Z' ? y - 'A' + 'a' : y);
         });
}

// The byte offset of libxml2's line/column (both from 1; the column counts characters).
std::size_t offset_of(std::string_view x, int line, int column) {
  std::size_t at = 0;
  for (int l = 1; l < line && at < x.size(); ++l) {
    std::size_t nl = x.find('\n', at);
    if (nl == std::string_view::npos) return x.size();
    at = nl + 1;
  }
  for (int c = 1; c < column && at < x.size(); ++c) {
    ++at;
    while (at < x.size() && (static_cast<unsigned char>(x[at]) & 0xC0) == 0x80) ++at;  // UTF-8 continuation
  }
  return std::min(at, x.size());
}

// The values of `n` and below (element text, attribute values) as libxml2 may quote them: each whitespace
// character replaced by a space (what the messages show) and whitespace collapsed (the types' value).
void collect_values(const xmlNode* n, std::list<std::string>& out) {
  if (n->type != XML_ELEMENT_NODE && n->type != XML_ATTRIBUTE_NODE) return;
  if (xmlChar* c = xmlNodeGetContent(n)) {
    std::string replaced;
    std::string collapsed;
    replaced.reserve(static_cast<std::size_t>(xmlStrlen(c)));
    collapsed.reserve(replaced.capacity());
    for (const xmlChar* p = c; *p != 0; ++p) {
      char ch = static_cast<char>(*p);
      bool space = ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
      replaced.push_back(space ? ' ' : ch);
      if (!space) {
        collapsed.push_back(ch);
      } else if (!collapsed.empty() && collapsed.back() != ' ') {
        collapsed.push_back(' ');
      }
    }
    xmlFree(c);
    if (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
    for (auto* v : {&replaced, &collapsed}) {
      if (!v->empty()) out.push_back(std::move(*v));
    }
  }
  if (n->type == XML_ELEMENT_NODE) {
    for (const xmlAttr* a = n->properties; a != nullptr; a = a->next) {
      collect_values(reinterpret_cast<const xmlNode*>(a), out);
    }
    for (const xmlNode* k = n->children; k != nullptr; k = k->next) collect_values(k, out);
  }
}

}  // namespace

void init_libxml2() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlMemSetup(wiping_free, std::malloc, wiping_realloc, wiping_strdup);
    xmlInitParser();
    xmlThrDefSetGenericErrorFunc(nullptr, ignore_generic);  // threads that first use libxml2 later
  });
}

Result<Parsed> parse(std::string_view xml) {
  init_libxml2();
  if (xml.size() > static_cast<std::size_t>(INT_MAX)) {
    return fail(Errc::kInvalidArgument, std::string(decode_errc_token(DecodeErrc::kTooLarge)) + ": document too large");
  }
  if (xml.find("<!DOCTYPE") != std::string_view::npos) {
    return fail(Errc::kUnsupported,
                std::string(decode_errc_token(DecodeErrc::kDtdForbidden)) + ": a DOCTYPE (DTD) is not allowed");
  }
  std::unique_ptr<xmlParserCtxt, void (*)(xmlParserCtxtPtr)> ctxt(xmlNewParserCtxt(), xmlFreeParserCtxt);
  if (!ctxt) return fail(Errc::kInternal, "cannot create an XML parser");
  xmlSetGenericErrorFunc(nullptr, ignore_generic);  // this thread (its handler may predate init_libxml2)
  FirstError first;
  ctxt->_private = &first;
  ctxt->sax->serror = first_error;
  Parsed p;
  p.doc.reset(xmlCtxtReadMemory(ctxt.get(), xml.data(), static_cast<int>(xml.size()), nullptr, nullptr, kParseOptions));
  if (!p.doc || !first.message.empty()) {
    if (first.message.empty()) {  // an error that did not reach the handler: libxml2's last one
      const xmlError* e = xmlCtxtGetLastError(ctxt.get());
      first.message = clean_message(e != nullptr ? e->message : "not well-formed", nullptr);
      first.line = e != nullptr ? e->line : 0;
      first.column = e != nullptr ? e->int2 : 0;
    }
    return fail_at(Errc::kMalformed, offset_of(xml, first.line, first.column),
                   std::string(decode_errc_token(DecodeErrc::kNotWellFormed)) + ": line " + std::to_string(first.line) +
                       ", column " + std::to_string(first.column) + ": " + first.message);
  }
  const xmlParserInput* in = ctxt->input;
  if (in != nullptr && in->buf != nullptr && in->buf->encoder != nullptr && in->buf->encoder->name != nullptr &&
      !iequals(in->buf->encoder->name, "UTF-8")) {
    p.other_encoding = in->buf->encoder->name;
  }
  if (p.doc->encoding != nullptr && !iequals(reinterpret_cast<const char*>(p.doc->encoding), "UTF-8")) {
    p.other_encoding = reinterpret_cast<const char*>(p.doc->encoding);
  }
  return p;
}

std::string clean_message(const char* message, const xmlNode* node) {
  std::string m = message != nullptr ? message : "unknown error";
  for (char& c : m) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  while (!m.empty() && m.back() == ' ') m.pop_back();
  // Quoted values -> '...', longest first and ignoring case (libxml2 may quote the canonical value: hex in
  // capitals), into a new string; then the message is wiped.
  std::list<std::string> values;  // a list: no string is moved (and left unwiped) when it grows
  if (node != nullptr) collect_values(node, values);
  values.sort([](const auto& a, const auto& b) { return a.size() > b.size(); });
  std::string out;
  out.reserve(m.size());
  const std::string_view kKeySequence = "key-sequence [";  // identity constraints: values of other elements
  for (std::size_t i = 0; i < m.size(); ++i) {
    bool redacted = false;
    if (m.compare(i, kKeySequence.size(), kKeySequence) == 0) {
      std::size_t close = m.rfind("] in ");
      if (close != std::string::npos && close > i) {
        out += kKeySequence;
        out += "...";
        i = close - 1;
        continue;
      }
    }
    if (m[i] == '\'') {
      for (const auto& v : values) {
        std::size_t end = i + 1 + v.size();
        if (end < m.size() && m[end] == '\'' && iequals(std::string_view(m).substr(i + 1, v.size()), v)) {
          out += "'...'";
          i = end;
          redacted = true;
          break;
        }
      }
    }
    if (!redacted) out.push_back(m[i]);
  }
  for (auto& v : values) secure_wipe(v.data(), v.size());
  secure_wipe(m.data(), m.size());
  // Namespace names: "{urn:...}name" -> "name".
  for (std::size_t open = out.find('{'); open != std::string::npos; open = out.find('{', open)) {
    std::size_t close = out.find('}', open);
    if (close == std::string::npos) break;
    std::string_view inside(out.data() + open + 1, close - open - 1);
    if (inside.find(':') != std::string_view::npos && inside.find_first_of(" '") == std::string_view::npos) {
      out.erase(open, close - open + 1);
    } else {
      open = close;
    }
  }
  return out;
}

}  // namespace prose::xml
