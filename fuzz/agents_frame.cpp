// PC5 emulation frame, discovery message and key store parsers: never crash, and what decodes re-encodes to the
// same octets.
#include <cstdint>
#include <cstdlib>

#include "prose/agents/frame.h"
#include "prose/discovery/plain.h"
#include "prose/service/key_store.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace prose;
  ByteView in(data, size);
  if (auto f = agents::decode_frame(in); f.ok()) {
    auto back = agents::encode_frame(*f);
    if (!back.ok() || Bytes(in.begin(), in.end()) != *back) std::abort();
    if (auto d = discovery::decode_discovery(f->pdu); d.ok()) {
      auto e = discovery::encode_discovery(*d);
      if (!e.ok() || *e != f->pdu) std::abort();
    }
  }
  if (auto ks = service::KeyStore::parse(in); ks.ok()) {
    if (ks->serialize().empty()) std::abort();
  }
  return 0;
}
