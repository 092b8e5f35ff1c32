// The Remote UE's key store: per PKMF the PMK / PMK ID / Key Type ID and the PRUKs, with the replacement rules of
// requirement 6.X.3.1 (docs/agents.md): a MIKEY PRUK deletes every previous PRUK of that PKMF; a GBA Push PRUK
// overwrites an earlier GBA Push PRUK not yet used successfully; once a GBA Push PRUK secured a relay link every
// PRUK received before it is deleted.
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

namespace prose::service {

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
  // A Key Response's PMK and PMK ID replace the earlier ones for that PKMF; its Key Type ID likewise.
  void set_pmk(const std::string& pkmf, std::uint64_t pmk_id, SecretBytes pmk);
  void set_key_type_id(const std::string& pkmf, std::uint32_t key_type_id);
  void add_mikey_pruk(const std::string& pkmf, std::uint64_t id, SecretBytes pruk);
  void add_gba_pruk(const std::string& pkmf, std::uint64_t id, SecretBytes pruk);
  // The PRUK `id` secured a relay link: when it came by GBA Push, the PRUKs received before it are deleted.
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

}  // namespace prose::service
