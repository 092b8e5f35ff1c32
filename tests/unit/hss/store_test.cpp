#include "prose/hss/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <thread>

#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::hss {
namespace {

// TS 35.208 test set 1.
const Bytes kK = hex_literal("465b5ce8b199b49faa5f0a2ee238a6bc");
const Bytes kOpc = hex_literal("cd63cb71954a9f4e48a5994e37a02baf");
const Bytes kAmf = hex_literal("b9b9");
const Bytes kAmf0 = hex_literal("0000");

std::string temp_db(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("prose_hss_" + std::to_string(random_u32()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

TEST(HssSqn, NextIncrementsSeqAndRotatesInd) {
  EXPECT_EQ(*next_sqn(0), (1u << 5) | 1u);
  EXPECT_EQ(*next_sqn((7u << 5) | 30u), (8u << 5) | 31u);
  EXPECT_EQ(*next_sqn((7u << 5) | 31u), (8u << 5) | 0u);  // IND wraps
  EXPECT_EQ(*next_sqn(5, 0), 6u);                         // no IND
  EXPECT_FALSE(next_sqn(kSqnMax).ok());                   // SEQ exhausted
  EXPECT_FALSE(next_sqn(kSqnMax + 1).ok());
}

TEST(HssStore, AddGetAndValidation) {
  auto store = SubscriberStore::open(temp_db("a.db"));
  ASSERT_TRUE(store.ok()) << store.error().to_string();
  auto& s = **store;
  ASSERT_TRUE(s.add_subscriber("001010000000001", kK, kOpc, 0x20, kAmf).ok());
  auto got = s.get("001010000000001");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->k.view().size(), 16u);
  EXPECT_TRUE(std::equal(kK.begin(), kK.end(), got->k.view().begin()));
  EXPECT_EQ(got->sqn, 0x20u);
  EXPECT_EQ(got->amf, kAmf);
  // Duplicates, bad identities and sizes are rejected and change nothing.
  auto dup = s.add_subscriber("001010000000001", kK, kOpc, 0, kAmf);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, Errc::kState);
  EXPECT_EQ(s.get("001010000000001")->sqn, 0x20u);
  EXPECT_FALSE(s.add_subscriber("12345", kK, kOpc, 0, kAmf).ok());
  EXPECT_FALSE(s.add_subscriber("0010100000000012", kK, kOpc, 0, kAmf).ok());
  EXPECT_FALSE(s.add_subscriber("00101000000000a", kK, kOpc, 0, kAmf).ok());
  EXPECT_FALSE(s.add_subscriber("001010000000002", Bytes(15), kOpc, 0, kAmf).ok());
  EXPECT_FALSE(s.add_subscriber("001010000000002", kK, Bytes(17), 0, kAmf).ok());
  EXPECT_FALSE(s.add_subscriber("001010000000002", kK, kOpc, 0, Bytes(3)).ok());
  EXPECT_FALSE(s.add_subscriber("001010000000002", kK, kOpc, kSqnMax + 1, kAmf).ok());
  EXPECT_EQ(*s.count(), 1u);
  EXPECT_EQ(s.get("001010000000002").error().code, Errc::kNotFound);
  EXPECT_TRUE(s.add_subscriber("001010000000001", kK, kOpc, 0x40, kAmf, /*replace=*/true).ok());
  EXPECT_EQ(s.get("001010000000001")->sqn, 0x40u);
}

TEST(HssStore, AllocateAdvancesAndUnknownFails) {
  auto store = *SubscriberStore::open(temp_db("b.db"));
  ASSERT_TRUE(store->add_subscriber("001010000000001", kK, kOpc, 0, kAmf).ok());
  auto a = store->allocate_sqn("001010000000001");
  auto b = store->allocate_sqn("001010000000001");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->sqn, *next_sqn(0));
  EXPECT_EQ(b->sqn, *next_sqn(a->sqn));
  EXPECT_EQ(store->allocate_sqn("001010000000009").error().code, Errc::kNotFound);
  ASSERT_TRUE(store->add_subscriber("001010000000002", kK, kOpc, kSqnMax, kAmf).ok());
  auto ex = store->allocate_sqn("001010000000002");
  ASSERT_FALSE(ex.ok());
  EXPECT_EQ(ex.error().code, Errc::kState);
  EXPECT_EQ(store->get("001010000000002")->sqn, kSqnMax);
}

TEST(HssStore, ConcurrentAllocationNeverDuplicates) {
  const std::string path = temp_db("c.db");
  {
    auto s = *SubscriberStore::open(path);
    ASSERT_TRUE(s->add_subscriber("001010000000001", kK, kOpc, 0, kAmf).ok());
  }
  constexpr int kThreads = 6;
  constexpr int kPerThread = 150;
  std::vector<std::vector<crypto::Sqn>> got(kThreads);
  auto shared = *SubscriberStore::open(path);  // half the threads share one connection
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::unique_ptr<SubscriberStore> own;
      SubscriberStore* s = shared.get();
      if (t % 2) {
        own = *SubscriberStore::open(path);  // the others their own connection (like separate processes)
        s = own.get();
      }
      for (int i = 0; i < kPerThread; ++i) {
        auto r = s->allocate_sqn("001010000000001");
        ASSERT_TRUE(r.ok()) << r.error().to_string();
        got[t].push_back(r->sqn);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<crypto::Sqn> all;
  for (auto& v : got) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
  // The final SQN is exactly N steps after 0.
  crypto::Sqn expect = 0;
  for (int i = 0; i < kThreads * kPerThread; ++i) expect = *next_sqn(expect);
  EXPECT_EQ(shared->get("001010000000001")->sqn, expect);
  EXPECT_EQ(*all.rbegin(), expect);
}

TEST(HssStore, DurableAcrossReopen) {
  const std::string path = temp_db("d.db");
  crypto::Sqn last = 0;
  {
    auto s = *SubscriberStore::open(path);
    ASSERT_TRUE(s->add_subscriber("001010000000001", kK, kOpc, 0, kAmf).ok());
    for (int i = 0; i < 5; ++i) last = s->allocate_sqn("001010000000001")->sqn;
  }
  auto s = *SubscriberStore::open(path);
  EXPECT_EQ(s->get("001010000000001")->sqn, last);
  EXPECT_EQ(s->allocate_sqn("001010000000001")->sqn, *next_sqn(last));
}

TEST(HssStore, ResyncFromUsimAuts) {
  auto store = *SubscriberStore::open(temp_db("e.db"));
  const std::string imsi = "001010000000001";
  ASSERT_TRUE(store->add_subscriber(imsi, kK, kOpc, 0, kAmf0).ok());
  // The USIM is far ahead (e.g. the HSS database was restored from an old backup).
  auto usim = *crypto::Usim::create(kK, kOpc);
  std::vector<std::uint64_t> seqs(32, 5000);
  usim.set_seq_array(seqs);
  auto sub = *store->allocate_sqn(imsi);
  Bytes rand = random_bytes(16);
  auto av = *crypto::make_auth_vector(sub.k.view(), sub.opc.view(), rand, sub.sqn, sub.amf);
  auto res = usim.authenticate(av.rand, av.autn);
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  ASSERT_TRUE(res->sync_failure.has_value());
  const Bytes auts = res->sync_failure->auts;

  // A corrupted AUTS (MAC-S) is rejected and changes nothing.
  Bytes bad = auts;
  bad[13] ^= 1;
  const crypto::Sqn before = store->get(imsi)->sqn;
  auto rej = store->resync(imsi, rand, bad);
  ASSERT_FALSE(rej.ok());
  EXPECT_EQ(rej.error().code, Errc::kAuthFailed);
  EXPECT_EQ(store->get(imsi)->sqn, before);
  EXPECT_FALSE(store->resync("001010000000009", rand, auts).ok());
  EXPECT_FALSE(store->resync(imsi, Bytes(15), auts).ok());

  auto ok = store->resync(imsi, rand, auts);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_TRUE(ok->reset);
  EXPECT_EQ(ok->sqn_ms, usim.sqn_ms());
  EXPECT_EQ(ok->sqn_ms >> 5, 5000u);
  // The next vector is accepted by the USIM.
  auto sub2 = *store->allocate_sqn(imsi);
  auto av2 = *crypto::make_auth_vector(sub2.k.view(), sub2.opc.view(), random_bytes(16), sub2.sqn, sub2.amf);
  auto res2 = usim.authenticate(av2.rand, av2.autn);
  ASSERT_TRUE(res2.ok());
  EXPECT_TRUE(res2->accepted.has_value());
}

TEST(HssStore, ResyncKeepsAnAcceptableSqn) {
  auto store = *SubscriberStore::open(temp_db("f.db"));
  const std::string imsi = "001010000000001";
  ASSERT_TRUE(store->add_subscriber(imsi, kK, kOpc, (100u << 5), kAmf0).ok());
  // USIM at SEQ 40: the HSS's next SEQ (101) is ahead and within delta, so it stays.
  auto usim = *crypto::Usim::create(kK, kOpc);
  std::vector<std::uint64_t> seqs(32, 0);
  seqs[0] = 40;
  usim.set_seq_array(seqs);
  // Produce an AUTS: give the USIM an old vector (SEQ 10).
  Bytes rand = random_bytes(16);
  auto av = *crypto::make_auth_vector(kK, kOpc, rand, (10u << 5), kAmf0);
  auto res = *usim.authenticate(av.rand, av.autn);
  ASSERT_TRUE(res.sync_failure.has_value());
  auto out = store->resync(imsi, rand, res.sync_failure->auts);
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->reset);
  EXPECT_EQ(store->get(imsi)->sqn, (100u << 5));
}

}  // namespace
}  // namespace prose::hss
