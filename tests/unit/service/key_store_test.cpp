// The Remote UE's PRUK store against requirement 6.X.3.1, sentence by sentence, for every order of events:
//   (1) "If the UE receives a new PRUK in a MIKEY message, it deletes any previous one for that PKMF."
//   (2) "If it receives a new one through a GBA PUSH message, it shall overwrite any PRUK received through a GBA PUSH
//       message that has not been successfully used to establish a relay connection."
//   (3) "Once a PRUK received through a GBA PUSH Message has been used to calculate a KD for a successful relay
//       connection establishment, the UE shall delete any previous PRUKs for this PKMF."
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "prose/service/key_store.h"
#include "prose/util/random.h"

namespace prose::service {
namespace {

SecretBytes key(std::uint8_t b) { return SecretBytes(Bytes(32, b)); }

// Events, separated by spaces: "m5" a MIKEY PRUK with ID 5, "g5" a GBA Push PRUK with ID 5, "u5" PRUK 5 secured a
// relay link, "q:m5" / "q:g5" / "q:u5" the same for the other PKMF "q".
void apply(KeyStore& ks, const std::string& events) {
  std::istringstream in(events);
  std::string e;
  while (in >> e) {
    std::string pkmf = "p";
    if (e.rfind("q:", 0) == 0) {
      pkmf = "q";
      e = e.substr(2);
    }
    const std::uint64_t id = std::stoull(e.substr(1));
    const auto b = static_cast<std::uint8_t>(id);
    switch (e[0]) {
      case 'm':
        ks.add_mikey_pruk(pkmf, id, key(b));
        break;
      case 'g':
        ks.add_gba_pruk(pkmf, id, key(b));
        break;
      case 'u':
        ks.mark_used(pkmf, id);
        break;
      default:
        FAIL() << "bad event " << e;
    }
  }
}

// The PRUKs held for a PKMF, oldest first, in the same notation; "*" marks a PRUK that secured a link.
std::string contents(const KeyStore& ks, const std::string& pkmf) {
  const PkmfKeys* k = ks.keys(pkmf);
  std::string out;
  if (!k) return out;
  for (const auto& p : k->pruks) {
    if (!out.empty()) out += ' ';
    out += (p.source == PrukSource::kMikey ? 'm' : 'g') + std::to_string(p.pruk_id) + (p.used ? "*" : "");
    EXPECT_EQ(p.pruk.view()[0], static_cast<std::uint8_t>(p.pruk_id)) << "key bytes belong to the ID";
  }
  return out;
}

struct Case {
  const char* what;
  const char* events;
  const char* after;  // PKMF "p"
};

const Case kCases[] = {
    // Sentence 1: a MIKEY PRUK deletes every previous PRUK of the PKMF, whatever it was.
    {"MIKEY after MIKEY", "m1 m2", "m2"},
    {"MIKEY after a used MIKEY", "m1 u1 m2", "m2"},
    {"MIKEY after an unused GBA Push", "g1 m2", "m2"},
    {"MIKEY after a used GBA Push", "g1 u1 m2", "m2"},
    {"MIKEY after MIKEY and GBA Push, used or not", "m1 g2 u2 g3 m4", "m4"},
    // Sentence 2: a GBA Push PRUK overwrites only GBA Push PRUKs not yet used successfully.
    {"GBA Push after an unused GBA Push", "g1 g2", "g2"},
    {"GBA Push after a used GBA Push", "g1 u1 g2", "g1* g2"},
    {"GBA Push after MIKEY", "m1 g2", "m1 g2"},
    {"GBA Push after a used MIKEY", "m1 u1 g2", "m1* g2"},
    {"GBA Push after MIKEY and an unused GBA Push", "m1 g2 g3", "m1 g3"},
    // Sentence 3: success with a GBA Push PRUK deletes every PRUK received before it.
    {"success with GBA Push, older MIKEY present", "m1 g2 u2", "g2*"},
    {"success with GBA Push, older MIKEY and used GBA Push present", "m1 u1 g2 u2 g3 u3", "g3*"},
    {"success with GBA Push, older used GBA Push present", "g1 u1 g2 u2", "g2*"},
    // A MIKEY PRUK's success only marks it (it is alone: sentence 1 already deleted the others).
    {"success with MIKEY", "m1 u1", "m1*"},
    // A PRUK no longer held (deleted by a newer MIKEY PRUK while its link ran) changes nothing when its link
    // is secured or rekeyed.
    {"success with a PRUK a newer MIKEY deleted", "g1 m2 u1", "m2"},
    {"success with an overwritten GBA Push PRUK", "m1 g2 g3 u2", "m1 g3"},
    {"success twice (rekey) with the same GBA Push PRUK", "m1 g2 u2 u2", "g2*"},
    // Another PKMF's PRUKs are never touched ("for that PKMF").
    {"the other PKMF's events", "m1 g2 q:m3 q:g4 q:u4 q:m5", "m1 g2"},
};

TEST(KeyStore, RequirementRulesForEveryOrder) {
  for (const auto& c : kCases) {
    KeyStore ks;
    apply(ks, c.events);
    EXPECT_EQ(contents(ks, "p"), c.after) << c.what << ": " << c.events;
    // The newest PRUK is the one the next Direct Communication Request names.
    const StoredPruk* cur = ks.current("p");
    const std::string after = c.after;
    if (after.empty()) {
      EXPECT_EQ(cur, nullptr) << c.what;
    } else {
      ASSERT_NE(cur, nullptr) << c.what;
      std::string newest = after.substr(after.find_last_of(' ') + 1);  // npos + 1 = 0
      if (newest.back() == '*') newest.pop_back();
      EXPECT_EQ(newest.substr(1), std::to_string(cur->pruk_id)) << c.what;
    }
  }
}

TEST(KeyStore, OtherPkmfUntouched) {
  KeyStore ks;
  apply(ks, "q:m1 q:u1 m2 g3 u3 m4");
  EXPECT_EQ(contents(ks, "q"), "m1*");
  EXPECT_EQ(contents(ks, "p"), "m4");
  EXPECT_EQ(ks.current("r"), nullptr);
}

// Step 1b: a Key Response's PMK and PMK ID replace any earlier ones for that PKMF (and only for it).
TEST(KeyStore, PmkReplacesEarlierOnesForThatPkmf) {
  KeyStore ks;
  ks.set_pmk("p", 7, key(7));
  ks.set_pmk("q", 9, key(9));
  ks.set_key_type_id("p", 0x11223344);
  ks.set_pmk("p", 8, key(8));
  ASSERT_NE(ks.keys("p"), nullptr);
  EXPECT_EQ(*ks.keys("p")->pmk_id, 8u);
  EXPECT_EQ(ks.keys("p")->pmk.view()[0], 8);
  EXPECT_EQ(ks.keys("p")->pmk.size(), 32u);
  EXPECT_EQ(*ks.keys("p")->key_type_id, 0x11223344u);  // the Key Type ID is kept with a new PMK
  EXPECT_EQ(*ks.keys("q")->pmk_id, 9u);
  ks.set_key_type_id("p", 0x55667788);
  EXPECT_EQ(*ks.keys("p")->key_type_id, 0x55667788u);
  EXPECT_EQ(*ks.keys("p")->pmk_id, 8u);
}

TEST(KeyStore, EncryptedAtRest) {
  auto path = (std::filesystem::temp_directory_path() / ("ks-" + std::to_string(random_u64()))).string();
  KeyStore ks;
  ks.set_pmk("p", 7, key(9));
  ks.set_key_type_id("p", 0x11223344);
  apply(ks, "m1 g2 u2 g3");
  ASSERT_TRUE(ks.save(path, key(0xaa)).ok());
  auto back = KeyStore::load(path, key(0xaa));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(contents(*back, "p"), "g2* g3");
  EXPECT_EQ(*back->keys("p")->key_type_id, 0x11223344u);
  EXPECT_EQ(*back->keys("p")->pmk_id, 7u);
  EXPECT_FALSE(KeyStore::load(path, key(0xbb)).ok());  // wrong KEK
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace prose::service
