// libFuzzer target: the PC8 XML decoder (prose::pc8::Codec::decode) and the libxml2 schema check.
// Properties checked on every input:
//   - decode never crashes, leaks or reads out of bounds (ASan/UBSan);
//   - every refusal has a decode class and a one-line message (it goes to logs and HTTP bodies);
//   - a document the codec accepts is also valid against schema/pc8.xsd (the codec is never laxer), and a
//     schema-valid document is refused only by one of the codec's own rules (docs/pc8.md D1..D8), never as
//     not valid;
//   - an accepted message re-encodes, the encoding is schema-valid, decodes to an equal model and re-encodes to
//     the same text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "prose/pc8/codec.h"
#include "prose/pc8/schema.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using prose::pc8::DecodeErrc;
  std::string_view xml(reinterpret_cast<const char*>(data), size);
  auto m = prose::pc8::Codec::decode(xml);
  auto schema = prose::pc8::schema_validate(xml);
  if (!m.ok()) {
    auto cls = prose::pc8::decode_errc_of(m.error());
    if (!cls) std::abort();  // an unclassified refusal
    for (char c : m.error().message) {
      if (static_cast<unsigned char>(c) < 0x20) std::abort();  // a message that would split a log line
    }
    if (schema.ok() && (*cls == DecodeErrc::kSchemaInvalid || *cls == DecodeErrc::kDtdForbidden)) std::abort();
    return 0;
  }
  if (!schema.ok()) std::abort();  // codec accepted what the schema refuses
  auto enc = prose::pc8::Codec::encode(*m);
  if (!enc.ok()) std::abort();
  if (!prose::pc8::schema_validate(enc->view()).ok()) std::abort();
  auto back = prose::pc8::Codec::decode(enc->view());
  if (!back.ok() || !(*back == *m)) std::abort();
  auto enc2 = prose::pc8::Codec::encode(*back);
  if (!enc2.ok() || enc2->view() != enc->view()) std::abort();
  return 0;
}
