// libFuzzer target: the TS 24.334 PC5 signalling decoder. Whatever it accepts must re-encode, and the re-encoding
// must decode to the same model (the codec is a bijection on the accepted set up to spare bits).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "prose/pc5/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto m = prose::pc5::decode(prose::ByteView(data, size));
  if (!m.ok()) {
    if (!m.error().offset.has_value() || *m.error().offset > size) std::abort();
    return 0;
  }
  (void)prose::pc5::describe(*m);
  auto wire = prose::pc5::encode(*m);
  if (!wire.ok()) std::abort();
  auto again = prose::pc5::decode(*wire);
  if (!again.ok() || !(*again == *m)) std::abort();
  return 0;
}
