// libFuzzer target: the plain PC5_DISCOVERY relay message codec (prose/discovery/messages.h). The decoder is strict
// (spare octets 0, URDS consistent), so whatever it accepts must re-encode to exactly the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "prose/discovery/messages.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const prose::ByteView in(data, size);
  auto d = prose::discovery::decode_pdu(in);
  if (!d.ok()) {
    if (!d.error().offset.has_value() || *d.error().offset > size) std::abort();
    return 0;
  }
  (void)prose::discovery::describe(*d);
  auto wire = prose::discovery::encode(d->message, d->mic, d->counter_lsb);
  if (!wire.ok() || *wire != prose::Bytes(in.begin(), in.end())) std::abort();
  return 0;
}
