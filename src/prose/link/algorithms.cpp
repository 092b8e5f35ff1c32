#include "prose/link/algorithms.h"

#include <algorithm>

namespace prose::link {

namespace {
bool eea_allowed(const AlgorithmPolicy& p, cipher::Eea a) {
  if (a == cipher::Eea::kEea0 && !p.allow_null_ciphering) return false;
  return std::find(p.ciphering.begin(), p.ciphering.end(), a) != p.ciphering.end();
}
bool eia_allowed(const AlgorithmPolicy& p, cipher::Eia a) {
  if (a == cipher::Eia::kEia0) return false;  // never on a relay link
  return std::find(p.integrity.begin(), p.integrity.end(), a) != p.integrity.end();
}
}  // namespace

std::vector<cipher::Eea> AlgorithmPolicy::default_ciphering() {
  return {cipher::Eea::kEea2, cipher::Eea::kEea3, cipher::Eea::kEea1};
}
std::vector<cipher::Eia> AlgorithmPolicy::default_integrity() {
  return {cipher::Eia::kEia2, cipher::Eia::kEia3, cipher::Eia::kEia1};
}

Result<AlgorithmPair> AlgorithmPair::from_wire(const pc5::ChosenAlgorithms& c) {
  PROSE_TRY(auto eea, cipher::eea_from_id(c.eea));
  PROSE_TRY(auto eia, cipher::eia_from_id(c.eia));
  return AlgorithmPair{eea, eia};
}

SecurityCapabilities AlgorithmPolicy::capabilities() const {
  SecurityCapabilities c;
  for (auto a : ciphering)
    if (eea_allowed(*this, a)) c.add_eea(static_cast<unsigned>(a));
  for (auto a : integrity)
    if (eia_allowed(*this, a)) c.add_eia(static_cast<unsigned>(a));
  return c;
}

bool AlgorithmPolicy::accepts(const AlgorithmPair& p) const {
  return eea_allowed(*this, p.eea) && eia_allowed(*this, p.eia);
}

Result<AlgorithmPair> AlgorithmPolicy::choose(const SecurityCapabilities& peer) const {
  AlgorithmPair out;
  bool have_eea = false, have_eia = false;
  for (auto a : ciphering)
    if (eea_allowed(*this, a) && peer.supports_eea(static_cast<unsigned>(a))) {
      out.eea = a;
      have_eea = true;
      break;
    }
  for (auto a : integrity)
    if (eia_allowed(*this, a) && peer.supports_eia(static_cast<unsigned>(a))) {
      out.eia = a;
      have_eia = true;
      break;
    }
  if (!have_eia)
    return fail(Errc::kUnsupported, "no common non-null integrity algorithm (EIA0 refused on relay links)");
  if (!have_eea) return fail(Errc::kUnsupported, "no common ciphering algorithm allowed by policy");
  return out;
}

}  // namespace prose::link
