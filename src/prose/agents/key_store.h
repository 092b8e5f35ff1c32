// The Remote UE's key store: per PKMF the PMK / PMK ID / Key Type ID and the PRUKs, with the replacement rules of
// the requirement (docs/agents.md): a MIKEY PRUK replaces the previous PRUK; a GBA Push PRUK overwrites an earlier
// GBA Push PRUK not yet used successfully; once a PRUK secured a relay link every older PRUK is deleted.
// Persisted as one AES-256-GCM blob (prose/store/key_wrap.h).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::agents {

enum class PrukSource : std::uint8_t { kMikey = 1, kGbaPush = 2 };

struct StoredPruk {
  std::uint64_t pruk_id = 0;
  SecretBytes pruk;
  PrukSource source = PrukSource::kMikey;
  bool used = false;  // secured a relay link
};

struct PkmfKeys {
  std::optional<std::uint64_t> pmk_id;
  SecretBytes pmk;
  std::optional<std::uint32_t> key_type_id;
  std::vector<StoredPruk> pruks;  // oldest first
};

class KeyStore {
 public:
  void set_pmk(const std::string& pkmf, std::uint64_t pmk_id, SecretBytes pmk, std::uint32_t key_type_id);
  void add_mikey_pruk(const std::string& pkmf, std::uint64_t id, SecretBytes pruk);
  void add_gba_pruk(const std::string& pkmf, std::uint64_t id, SecretBytes pruk);
  // The PRUK `id` secured a link: older PRUKs of that PKMF are deleted.
  void mark_used(const std::string& pkmf, std::uint64_t id);
  // The newest PRUK for the PKMF.
  const StoredPruk* current(const std::string& pkmf) const;
  const PkmfKeys* keys(const std::string& pkmf) const;

  Bytes serialize() const;
  static Result<KeyStore> parse(ByteView b);
  Status save(const std::string& path, const SecretBytes& kek) const;
  // A missing file gives an empty store.
  static Result<KeyStore> load(const std::string& path, const SecretBytes& kek);

 private:
  std::map<std::string, PkmfKeys> pkmfs_;
};

}  // namespace prose::agents
