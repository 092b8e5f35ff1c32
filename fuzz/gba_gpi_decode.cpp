// libFuzzer target for the GBA Push Info decoder (prose/gba/gpi.h): decode arbitrary octets; whatever decodes must
// re-encode to the same octets (the codec is canonical), and the UE-side processing must reject it cleanly.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "prose/gba/gba.h"
#include "prose/gba/gpi.h"

namespace {
const std::uint8_t kK[16] = {0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f,
                             0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc};
const std::uint8_t kOpc[16] = {0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e,
                               0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  prose::ByteView in(data, size);
  auto d = prose::gba::decode_gpi(in);
  if (!d.ok()) return 0;
  auto again = prose::gba::encode_gpi(d->gpi);
  if (!again.ok() || *again != prose::Bytes(in.begin(), in.end())) std::abort();
  if (d->signed_length + 3 + prose::gba::kGpiMacSize != size) std::abort();
  // A fresh USIM per input keeps runs deterministic; the corpus holds GPIs it accepts (SEQ 1, 2) and rejects.
  auto usim = prose::crypto::Usim::create(prose::ByteView(kK, 16), prose::ByteView(kOpc, 16));
  if (!usim.ok()) std::abort();
  auto r = prose::gba::process_gpi(*usim, "fuzz@ims.example.org", d->gpi.naf_id, in);
  if (r.ok() && r->accepted.has_value() == r->sync_failure.has_value()) std::abort();
  return 0;
}
