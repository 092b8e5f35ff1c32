// libFuzzer target: the PC3 service authorisation XML decoder (prose::prosefn::Codec::decode) and the libxml2 schema
// check. Properties checked on every input:
//   - decode never crashes, leaks or reads out of bounds (ASan/UBSan);
//   - every refusal has a decode class and a one-line message (it goes to logs and HTTP bodies);
//   - a document the codec accepts is also valid against schema/pc3.xsd (the codec is never laxer), and a
//     schema-valid document is refused only by one of the codec's own rules (docs/prosefn.md D1..D7), never as
//     not valid;
//   - an accepted message re-encodes, the encoding is schema-valid, decodes to an equal model and re-encodes to
//     the same text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "prose/prosefn/codec.h"
#include "prose/prosefn/schema.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using prose::prosefn::DecodeErrc;
  std::string_view xml(reinterpret_cast<const char*>(data), size);
  auto m = prose::prosefn::Codec::decode(xml);
  auto schema = prose::prosefn::schema_validate(xml);
  if (!m.ok()) {
    auto cls = prose::prosefn::decode_errc_of(m.error());
    if (!cls) std::abort();  // an unclassified refusal
    for (char c : m.error().message) {
      if (static_cast<unsigned char>(c) < 0x20) std::abort();  // a message that would split a log line
    }
    if (schema.ok() && (*cls == DecodeErrc::kSchemaInvalid || *cls == DecodeErrc::kDtdForbidden)) std::abort();
    return 0;
  }
  if (!schema.ok()) std::abort();  // codec accepted what the schema refuses
  auto enc = prose::prosefn::Codec::encode(*m);
  if (!enc.ok()) std::abort();
  if (!prose::prosefn::schema_validate(*enc).ok()) std::abort();
  auto back = prose::prosefn::Codec::decode(*enc);
  if (!back.ok() || !(*back == *m)) std::abort();
  auto enc2 = prose::prosefn::Codec::encode(*back);
  if (!enc2.ok() || *enc2 != *enc) std::abort();
  return 0;
}
