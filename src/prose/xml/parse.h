// libxml2 as every XML receiver of this project uses it (internal to the xml module): set up once per process, one
// parse with one set of options, messages made safe to log.
#pragma once

#include <libxml/tree.h>

#include <memory>
#include <string>
#include <string_view>

#include "prose/util/result.h"

namespace prose::xml {

// Once per process and thread-safe (std::call_once): libxml2's allocator becomes one that wipes every block before
// freeing it (parsed documents and the parser's buffers hold key hex), then xmlInitParser(), which libxml2 requires
// before it is used from several threads. Every function of this module calls it before using libxml2; nothing
// ever calls xmlCleanupParser().
void init_libxml2();

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;

struct Parsed {
  DocPtr doc;
  // The encoding libxml2 decoded the bytes from when it is not UTF-8: the declared one (encoding="...") or the one
  // it detected (a UTF-16 byte order mark); empty for UTF-8.
  std::string other_encoding;
};

// Parses `xml` with libxml2, which alone decides well-formedness. Options: no network (XML_PARSE_NONET); by
// omission no DTD loading or attribute defaulting, no entity substitution, no XInclude, no recovery, and libxml2's
// default size and depth limits. Blank text nodes are kept (no XML_PARSE_NOBLANKS: its heuristic drops text, and
// the schema must see the document xmllint sees; the codecs skip whitespace themselves). Errors:
//   - dtd-forbidden (kUnsupported) for any "<!DOCTYPE", found in the text before libxml2 sees it: libxml2 has no
//     option to refuse a DTD, only options not to load or expand one, so this way no DTD is ever parsed;
//   - not-well-formed (kMalformed) "line L, column C: <libxml2's first error>", at the byte offset of that position.
Result<Parsed> parse(std::string_view xml);

// A libxml2 message made safe for a log line and an HTTP body: control characters become spaces, namespace names
// ("{urn:...}") are dropped, every value of the subtree at `node` (an element or attribute, or null) that the
// message quotes ('value') becomes '...', and so does an identity constraint's key sequence ("key-sequence
// [...]", values of other elements): a value may be key hex.
std::string clean_message(const char* message, const xmlNode* node);

}  // namespace prose::xml
