// libFuzzer: the MIKEY decoder (all payloads, key-data sub-payloads). Anything it accepts must re-encode to the
// same octets and decode again to the same message.
#include <cstdint>
#include <cstdlib>

#include "prose/mikey/payloads.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace prose::mikey;
  prose::ByteView in(data, size);
  auto d = decode(in);
  if (d.ok()) {
    auto again = encode(d->msg);
    if (!again.ok() || *again != prose::Bytes(in.begin(), in.end())) std::abort();
    for (const auto& p : d->msg.payloads)
      if (const auto* k = std::get_if<KemacPayload>(&p)) (void)decode_key_data(k->encr_data, 0);
  }
  auto kd = decode_key_data(in, 0);
  if (kd.ok()) {
    auto enc = encode_key_data(*kd);
    if (!enc.ok() || enc->view().size() != size) std::abort();
  }
  return 0;
}
