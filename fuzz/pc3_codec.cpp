// libFuzzer target: the PC3 service authorisation XML decoder (prose::pc3::Codec::decode) and the libxml2 schema
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

#include "prose/pc3/codec.h"
#include "prose/pc3/schema.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using prose::pc3::DecodeErrc;
  std::string_view xml(reinterpret_cast<const char*>(data), size);
  auto m = prose::pc3::Codec::decode(xml);
  auto schema = prose::pc3::schema_validate(xml);
  if (!m.ok()) {
    auto cls = prose::pc3::decode_errc_of(m.error());
    if (!cls) std::abort();  // an unclassified refusal
    for (char c : m.error().message) {
      if (static_cast<unsigned char>(c) < 0x20) std::abort();  // a message that would split a log line
    }
    if (schema.ok() && (*cls == DecodeErrc::kSchemaInvalid || *cls == DecodeErrc::kDtdForbidden)) std::abort();
    return 0;
  }
  if (!schema.ok()) std::abort();  // codec accepted what the schema refuses
  auto enc = prose::pc3::Codec::encode(*m);
  if (!enc.ok()) std::abort();
  if (!prose::pc3::schema_validate(*enc).ok()) std::abort();
  auto back = prose::pc3::Codec::decode(*enc);
  if (!back.ok() || !(*back == *m)) std::abort();
  auto enc2 = prose::pc3::Codec::encode(*back);
  if (!enc2.ok() || *enc2 != *enc) std::abort();
  return 0;
}
