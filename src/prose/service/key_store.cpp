#include "prose/service/key_store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "prose/store/key_wrap.h"
#include "prose/util/byte_reader.h"
#include "prose/util/byte_writer.h"

namespace prose::service {
namespace {
constexpr std::uint8_t kVersion = 1;
constexpr std::string_view kLabel = "prose-agents-key-store";
}  // namespace

// Step 1b: "the UE shall store these and delete any previously stored ones for this ProSe Key Management Function".
void KeyStore::set_pmk(const std::string& pkmf, std::uint64_t pmk_id, SecretBytes pmk) {
  auto& k = pkmfs_[pkmf];
  k.pmk_id = pmk_id;
  k.pmk = std::move(pmk);
}

// "The UE stores the Key Type ID, so that it recognises when a new PRUK is sent via a MIKEY message".
void KeyStore::set_key_type_id(const std::string& pkmf, std::uint32_t key_type_id) {
  pkmfs_[pkmf].key_type_id = key_type_id;
}

// The three sentences of requirement 6.X.3.1, one function each.

// "If the UE receives a new PRUK in a MIKEY message, it deletes any previous one for that PKMF."
void KeyStore::add_mikey_pruk(const std::string& pkmf, std::uint64_t id, SecretBytes pruk) {
  auto& k = pkmfs_[pkmf];
  k.pruks.clear();
  k.pruks.push_back(StoredPruk{id, std::move(pruk), PrukSource::kMikey, false});
}

// "If it receives a new one through a GBA PUSH message, it shall overwrite any PRUK received through a GBA PUSH
// message that has not been successfully used to establish a relay connection."
void KeyStore::add_gba_pruk(const std::string& pkmf, std::uint64_t id, SecretBytes pruk) {
  auto& k = pkmfs_[pkmf];
  std::erase_if(k.pruks, [](const StoredPruk& p) { return p.source == PrukSource::kGbaPush && !p.used; });
  k.pruks.push_back(StoredPruk{id, std::move(pruk), PrukSource::kGbaPush, false});
}

// "Once a PRUK received through a GBA PUSH Message has been used to calculate a KD for a successful relay connection
// establishment, the UE shall delete any previous PRUKs for this PKMF." A MIKEY PRUK is the only one left once it
// arrived, so its use only marks it. A PRUK no longer held (a newer MIKEY PRUK deleted it while its link ran)
// changes nothing.
void KeyStore::mark_used(const std::string& pkmf, std::uint64_t id) {
  auto it = pkmfs_.find(pkmf);
  if (it == pkmfs_.end()) return;
  auto& v = it->second.pruks;
  auto used = std::find_if(v.begin(), v.end(), [&](const StoredPruk& p) { return p.pruk_id == id; });
  if (used == v.end()) return;
  used->used = true;
  if (used->source == PrukSource::kGbaPush) v.erase(v.begin(), used);  // every PRUK received before it
}

const StoredPruk* KeyStore::current(const std::string& pkmf) const {
  auto it = pkmfs_.find(pkmf);
  if (it == pkmfs_.end() || it->second.pruks.empty()) return nullptr;
  return &it->second.pruks.back();
}

const PkmfKeys* KeyStore::keys(const std::string& pkmf) const {
  auto it = pkmfs_.find(pkmf);
  return it == pkmfs_.end() ? nullptr : &it->second;
}

Bytes KeyStore::serialize() const {
  ByteWriter w;
  w.u8(kVersion);
  w.u16(static_cast<std::uint16_t>(pkmfs_.size()));
  for (const auto& [name, k] : pkmfs_) {
    w.u8(static_cast<std::uint8_t>(name.size()));
    w.bytes(ByteView(reinterpret_cast<const std::uint8_t*>(name.data()), name.size()));
    w.u8(k.pmk_id ? 1 : 0);
    if (k.pmk_id) {
      w.u64(*k.pmk_id);
      w.u8(static_cast<std::uint8_t>(k.pmk.size()));
      w.bytes(k.pmk.view());
      w.u32(k.key_type_id.value_or(0));
    }
    w.u8(static_cast<std::uint8_t>(k.pruks.size()));
    for (const auto& p : k.pruks) {
      w.u64(p.pruk_id);
      w.u8(static_cast<std::uint8_t>(p.source));
      w.u8(p.used ? 1 : 0);
      w.u8(static_cast<std::uint8_t>(p.pruk.size()));
      w.bytes(p.pruk.view());
    }
  }
  return w.take();
}

Result<KeyStore> KeyStore::parse(ByteView b) {
  ByteReader r(b);
  PROSE_TRY(std::uint8_t v, r.u8("version"));
  if (v != kVersion) return fail(Errc::kUnsupported, "key store version " + std::to_string(v));
  PROSE_TRY(std::uint16_t n, r.u16("PKMF count"));
  KeyStore ks;
  for (std::uint16_t i = 0; i < n; ++i) {
    PROSE_TRY(std::uint8_t nl, r.u8("name length"));
    PROSE_TRY(ByteView nm, r.bytes(nl, "name"));
    PkmfKeys k;
    PROSE_TRY(std::uint8_t has_pmk, r.u8("PMK flag"));
    if (has_pmk > 1) return fail(Errc::kMalformed, "bad PMK flag");
    if (has_pmk) {
      PROSE_TRY(std::uint64_t id, r.u64("PMK ID"));
      PROSE_TRY(std::uint8_t pl, r.u8("PMK length"));
      PROSE_TRY(ByteView pmk, r.bytes(pl, "PMK"));
      PROSE_TRY(std::uint32_t kt, r.u32("Key Type ID"));
      k.pmk_id = id;
      k.pmk = SecretBytes(pmk);
      k.key_type_id = kt;
    }
    PROSE_TRY(std::uint8_t np, r.u8("PRUK count"));
    for (std::uint8_t j = 0; j < np; ++j) {
      StoredPruk p;
      PROSE_TRY(p.pruk_id, r.u64("PRUK ID"));
      PROSE_TRY(std::uint8_t src, r.u8("source"));
      if (src != 1 && src != 2) return fail(Errc::kMalformed, "bad PRUK source");
      p.source = static_cast<PrukSource>(src);
      PROSE_TRY(std::uint8_t used, r.u8("used"));
      if (used > 1) return fail(Errc::kMalformed, "bad used flag");
      p.used = used == 1;
      PROSE_TRY(std::uint8_t kl, r.u8("PRUK length"));
      PROSE_TRY(ByteView key, r.bytes(kl, "PRUK"));
      p.pruk = SecretBytes(key);
      k.pruks.push_back(std::move(p));
    }
    ks.pkmfs_[std::string(nm.begin(), nm.end())] = std::move(k);
  }
  if (r.remaining() != 0) return fail(Errc::kMalformed, "trailing bytes in key store");
  return ks;
}

Status KeyStore::save(const std::string& path, const SecretBytes& kek) const {
  Bytes plain = serialize();
  SecretBytes s = SecretBytes::adopt(plain);
  PROSE_TRY(Bytes blob, store::wrap_key(kek, s, kLabel));
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return fail(Errc::kIo, "cannot write " + tmp);
    f.write(reinterpret_cast<const char*>(blob.data()), static_cast<std::streamsize>(blob.size()));
    if (!f) return fail(Errc::kIo, "cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return fail(Errc::kIo, "cannot rename " + tmp + ": " + ec.message());
  return {};
}

Result<KeyStore> KeyStore::load(const std::string& path, const SecretBytes& kek) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return KeyStore{};
  Bytes blob((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  PROSE_TRY(SecretBytes plain, store::unwrap_key(kek, blob, kLabel));
  return parse(plain.view());
}

}  // namespace prose::service
