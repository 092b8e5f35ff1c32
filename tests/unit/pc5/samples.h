// Fully populated samples of every PC5 signalling message (all optional IEs present), shared by the tests: the
// module's examples (prose/pc5/examples.h), which `prose pc5 example` prints.
#pragma once

#include <vector>

#include "prose/pc5/examples.h"
#include "prose/pc5/messages.h"

namespace prose::pc5::testing {

template <typename Nonce = ids::Nonce1>
Nonce nonce(std::uint8_t seed) {
  Nonce n{};
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(seed + i);
  return n;
}

inline std::vector<Message> full_samples() { return example_messages(); }

}  // namespace prose::pc5::testing
