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
    auto len = frame_length(in);
    if (len.ok() && len->has_value() && **len == size) (void)salvage(in);  // what a refused request is answered from
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
  prose::Bytes expect(in.begin(), in.end());
  expect[4] &= static_cast<std::uint8_t>(~kHeaderReservedMask);  // reserved header bits are ignored (RFC 6733 3)
  if (!again.ok() || expect != *again) std::abort();             // strict codec: exact round trip otherwise
  return 0;
}
