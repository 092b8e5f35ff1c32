// libFuzzer target: Diameter message decoder, grouped AVP decoder and encode/decode round trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "prose/diameter/message.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace prose::diameter;
  prose::ByteView in(data, size);
  (void)frame_length(in);
  auto m = decode(in);
  if (!m.ok()) {
    (void)decode_avps(in);
    return 0;
  }
  for (const auto& a : m->avps) {
    auto inner = as_grouped(a);  // every AVP tried as grouped, one level
    if (inner.ok()) {
      for (const auto& b : *inner) (void)as_grouped(b);
    }
    (void)as_u32(a);
    (void)as_u64(a);
  }
  auto again = encode(*m);
  if (!again.ok() || prose::Bytes(in.begin(), in.end()) != *again) std::abort();  // strict codec: exact round trip
  return 0;
}
