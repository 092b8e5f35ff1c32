// UE security capabilities, chosen algorithms and the algorithm selection policy of a relay link.
// Relay links never accept EIA0 (profile.md section 3); EEA0 only where both ends' policy allows it.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "prose/cipher/eps_algorithms.h"
#include "prose/pc5/messages.h"
#include "prose/util/result.h"

namespace prose::link {

// UE Security Capabilities IE value (pc5/messages.h): octet 1 = EEA0..EEA7 in bits 8..1, octet 2 = EIA0..EIA7.
using SecurityCapabilities = pc5::UeSecurityCapabilities;

struct AlgorithmPair {
  cipher::Eea eea = cipher::Eea::kEea0;
  cipher::Eia eia = cipher::Eia::kEia0;
  friend bool operator==(const AlgorithmPair&, const AlgorithmPair&) = default;
  pc5::ChosenAlgorithms to_wire() const { return {static_cast<std::uint8_t>(eea), static_cast<std::uint8_t>(eia)}; }
  // kUnsupported for an identity outside 0..3.
  static Result<AlgorithmPair> from_wire(const pc5::ChosenAlgorithms& c);
};

struct AlgorithmPolicy {
  static std::vector<cipher::Eea> default_ciphering();
  static std::vector<cipher::Eia> default_integrity();

  // Preference order, most preferred first. Only algorithms in these lists are ever chosen or accepted.
  // Defaults: EEA2, EEA3, EEA1 / EIA2, EIA3, EIA1 (docs/conformance/link.md).
  std::vector<cipher::Eea> ciphering = default_ciphering();
  std::vector<cipher::Eia> integrity = default_integrity();
  // EEA0 (null ciphering) is acceptable only when set here AND listed in `ciphering`.
  bool allow_null_ciphering = false;

  // What this UE advertises in its DCR / DRRq: exactly the allowed algorithms (never EIA0).
  SecurityCapabilities capabilities() const;
  bool accepts(const AlgorithmPair& p) const;
  // Relay side: the first algorithms of our preference lists the peer supports. kUnsupported when there is no
  // acceptable pair (-> cause #7 UE security capabilities mismatch).
  Result<AlgorithmPair> choose(const SecurityCapabilities& peer) const;
};

}  // namespace prose::link
