// Every message kind: model -> XML -> schema-valid -> model (equal) -> identical XML.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <type_traits>
#include <utility>

#include "prose/pc8/codec.h"
#include "prose/pc8/examples.h"
#include "prose/pc8/schema.h"
#include "test_util.h"

namespace prose::pc8 {
namespace {

// A response (and a message, which may be one) can carry a KD, PRUK, PMK or PSDK in hex: its encoding comes in a
// SecretString, wiped when it dies. A request carries no key.
static_assert(std::is_same_v<decltype(Codec::encode(std::declval<const Response&>())), Result<SecretString>>);
static_assert(std::is_same_v<decltype(Codec::encode(std::declval<const Message&>())), Result<SecretString>>);
static_assert(std::is_same_v<decltype(Codec::encode(std::declval<const Request&>())), Result<std::string>>);

void expect_round_trip(const Message& m, const std::string& label) {
  auto xml = Codec::encode(m);
  ASSERT_TRUE(xml.ok()) << label << ": " << xml.error().to_string();
  auto sv = schema_validate(xml->view());
  EXPECT_TRUE(sv.ok()) << label << ": " << sv.error().to_string() << "\n" << xml->view();
  auto back = Codec::decode(xml->view());
  ASSERT_TRUE(back.ok()) << label << ": " << back.error().to_string() << "\n" << xml->view();
  EXPECT_EQ(kind_of(*back), kind_of(m)) << label;
  EXPECT_TRUE(*back == m) << label << "\n" << xml->view();
  auto again = Codec::encode(*back);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->view(), xml->view()) << label;
}

TEST(Pc8RoundTrip, EveryExample) {
  ASSERT_GE(example_list().size(), kMessageKindCount);
  for (const auto& e : example_list()) {
    auto m = example(e.name);
    ASSERT_TRUE(m.has_value()) << e.name;
    expect_round_trip(*m, std::string(e.name));
  }
}

TEST(Pc8RoundTrip, FirstExamplesCoverEveryKindInOrder) {
  for (std::size_t k = 0; k < kMessageKindCount; ++k) {
    auto m = example(example_list()[k].name);
    ASSERT_TRUE(m);
    EXPECT_EQ(static_cast<std::size_t>(kind_of(*m)), k);
    EXPECT_EQ(kind_name(kind_of(*m)), example_list()[k].name);
    EXPECT_EQ(kind_from_name(kind_name(kind_of(*m))), kind_of(*m));
  }
  EXPECT_FALSE(kind_from_name("nope").has_value());
  EXPECT_FALSE(example("nope").has_value());
}

TEST(Pc8RoundTrip, RequestAndResponseEntryPoints) {
  auto req = Codec::decode_request(test::example_xml("kd-request"));
  ASSERT_TRUE(req.ok());
  EXPECT_TRUE(std::holds_alternative<KdRequest>(*req));
  auto enc = Codec::encode(*req);
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(*enc, test::example_xml("kd-request"));
  auto resp = Codec::decode_response(test::example_xml("kd-response"));
  ASSERT_TRUE(resp.ok());
  EXPECT_TRUE(std::holds_alternative<KdResponse>(*resp));
  EXPECT_EQ(Codec::encode(*resp)->view(), test::example_xml("kd-response"));

  auto wrong = Codec::decode_request(test::example_xml("kd-response"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(decode_errc_of(wrong.error()), DecodeErrc::kWrongRoot);
  auto wrong2 = Codec::decode_response(test::example_xml("pruk-request"));
  ASSERT_FALSE(wrong2.ok());
  EXPECT_EQ(decode_errc_of(wrong2.error()), DecodeErrc::kWrongRoot);
}

TEST(Pc8RoundTrip, TransactionIdAndKeysSurvive) {
  auto m = Codec::decode(test::example_xml("kd-response"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(transaction_id_of(*m).value, 3u);
  const auto& g = std::get<KdGrant>(std::get<KdResponse>(*m).outcome);
  EXPECT_EQ(g.kd.size(), kKdSize);
  EXPECT_EQ(g.kd.data()[0], 0x80);
  EXPECT_EQ(g.kd.data()[31], 0x80 + 31);
  EXPECT_EQ(g.kd_freshness.hex(), "f0e1d2c3b4a5968778695a4b3c2d1e0f");
}

// --------------------------------------------------------------------------------------------------------------
// Random models: every optional field and list length, within the limits.

class Gen {
 public:
  explicit Gen(unsigned seed) : rng_(seed) {}
  std::uint64_t u(std::uint64_t lo, std::uint64_t hi) {
    return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng_);
  }
  bool coin() { return u(0, 1) == 1; }
  SecretBytes key(std::size_t n) {
    SecretBytes k(n);
    for (std::size_t i = 0; i < n; ++i) k.data()[i] = static_cast<std::uint8_t>(u(0, 255));
    return k;
  }
  template <typename F>
  F fixed() {
    F f;
    for (auto& b : f.bytes) b = static_cast<std::uint8_t>(u(0, 255));
    return f;
  }
  std::string digits(std::size_t lo, std::size_t hi) {
    std::string s(u(lo, hi), '0');
    for (auto& c : s) c = static_cast<char>('0' + u(0, 9));
    return s;
  }
  UtcTime time() { return UtcTime{std::chrono::seconds{u(0, 253402300799ULL)}}; }  // up to 9999-12-31T23:59:59Z
  std::optional<UeAddress> address() {
    if (!coin()) return std::nullopt;
    std::optional<std::uint16_t> port;
    if (coin()) port = static_cast<std::uint16_t>(u(1, 65535));
    if (coin()) {
      return UeAddress{std::to_string(u(0, 255)) + "." + std::to_string(u(0, 255)) + "." + std::to_string(u(0, 255)) +
                           "." + std::to_string(u(0, 255)),
                       port};
    }
    return UeAddress{"2001:db8::" + std::to_string(u(1, 9999)), port};
  }
  std::vector<GroupKeyRequest> group_requests(std::size_t lo) {
    std::vector<GroupKeyRequest> v;
    std::set<std::uint32_t> ids;
    std::size_t n = u(lo, 5);
    while (v.size() < n) {
      std::uint32_t id = static_cast<std::uint32_t>(u(0, 0xffffff));
      if (!ids.insert(id).second) continue;
      GroupKeyRequest g;
      g.group_id = GroupId{id};
      std::set<std::uint8_t> algs;
      std::size_t na = u(1, 4);
      while (algs.size() < na) algs.insert(static_cast<std::uint8_t>(u(0, 15)));
      g.supported_algorithms.assign(algs.begin(), algs.end());
      for (std::size_t i = 0, np = u(0, 3); i < np; ++i) g.held_pgk_ids.push_back(PgkId{u(0, ~0ULL) + i});
      std::set<PgkId> dedup(g.held_pgk_ids.begin(), g.held_pgk_ids.end());
      g.held_pgk_ids.assign(dedup.begin(), dedup.end());
      v.push_back(std::move(g));
    }
    return v;
  }
  std::vector<GroupKeyResult> group_results(std::size_t lo) {
    std::vector<GroupKeyResult> v;
    std::set<std::uint32_t> ids;
    std::size_t n = u(lo, 5);
    while (v.size() < n) {
      std::uint32_t id = static_cast<std::uint32_t>(u(0, 0xffffff));
      if (!ids.insert(id).second) continue;
      GroupKeyResult r;
      r.group_id = GroupId{id};
      if (coin()) {
        GroupKeyGrant g;
        g.group_member_id = GroupMemberId{static_cast<std::uint32_t>(u(0, 0xffffff))};
        g.algorithm = static_cast<std::uint8_t>(u(0, 15));
        if (coin()) g.pgk_id = PgkId{u(0, ~0ULL)};
        if (coin()) g.pgk_expiry = time();
        r.outcome = g;
      } else {
        r.outcome = error();
      }
      v.push_back(std::move(r));
    }
    return v;
  }
  ErrorCode error() {
    auto t = error_code_table();
    return t[u(0, t.size() - 1)].code;
  }
  std::optional<PmkGrant> pmk() {
    if (!coin()) return std::nullopt;
    return PmkGrant{PmkId{u(0, ~0ULL)}, key(kPmkSize)};
  }
  ids::PrukId pruk_id() { return ids::PrukId{u(1, ~0ULL)}; }

  Message make(MessageKind k) {
    TransactionId tid{static_cast<std::uint32_t>(u(0, 0xffffffff))};
    switch (k) {
      case MessageKind::kPrukRequest: {
        PrukRequest m;
        m.transaction_id = tid;
        m.delivery = coin() ? PrukDelivery::kStart : PrukDelivery::kStop;
        std::set<ids::PrukId> ids;
        for (std::size_t i = 0, n = u(0, kMaxHeldIds); i < n; ++i) ids.insert(pruk_id());
        m.held_pruk_ids.assign(ids.begin(), ids.end());
        m.ue_address = address();
        m.groups = group_requests(0);
        return m;
      }
      case MessageKind::kKdRequest: {
        KdRequest m;
        m.transaction_id = tid;
        if (coin()) {
          m.remote_ue = pruk_id();
        } else {
          m.remote_ue = Imsi{digits(6, 15)};
        }
        m.relay_service_code = ids::RelayServiceCode{static_cast<std::uint32_t>(u(0, 0xffffff))};
        if (coin()) m.nonce_1 = fixed<ids::Nonce1>();
        if (coin()) m.resync = Resync{fixed<ids::Rand>(), fixed<ids::Auts>()};
        return m;
      }
      case MessageKind::kPgkRequest: {
        PgkRequest m;
        m.transaction_id = tid;
        m.groups = group_requests(1);
        m.ue_address = address();
        return m;
      }
      case MessageKind::kDiscoveryKeyRequest: {
        DiscoveryKeyRequest m;
        m.transaction_id = tid;
        std::set<ids::RelayServiceCode> r;
        for (std::size_t i = 0, n = u(1, 6); i < n; ++i)
          r.insert(ids::RelayServiceCode{static_cast<std::uint32_t>(u(0, 0xffffff))});
        m.relay_service_codes.assign(r.begin(), r.end());
        if (coin()) m.security_capabilities = static_cast<std::uint8_t>(u(0, 255));
        return m;
      }
      case MessageKind::kPrukResponse: {
        PrukResponse m;
        m.transaction_id = tid;
        switch (u(0, 2)) {
          case 0: {
            PrukGrant g;
            g.key_type_id = KeyTypeId{static_cast<std::uint32_t>(u(0, 0xffffffff))};
            g.pmk = pmk();
            if (coin()) {
              g.pruk_id = pruk_id();
              g.pruk = key(kPrukSize);
            }
            m.outcome = std::move(g);
            break;
          }
          case 1:
            m.outcome = PrukStopAck{};
            break;
          default:
            m.outcome = error();
        }
        m.groups = group_results(0);
        return m;
      }
      case MessageKind::kKdResponse: {
        KdResponse m;
        m.transaction_id = tid;
        if (coin()) {
          KdGrant g;
          g.kd = key(kKdSize);
          g.kd_freshness = fixed<ids::KdFreshness>();
          if (coin()) {
            Bytes gpi(u(1, kMaxGpiSize));
            for (auto& b : gpi) b = static_cast<std::uint8_t>(u(0, 255));
            g.gpi = gpi;
          }
          if (coin()) {
            RemoteUeIdentity id{Imsi{digits(6, 15)}, std::nullopt, std::nullopt};
            if (coin()) id.msisdn = Msisdn{digits(1, 15)};
            if (coin()) id.other_identity = "sip:<ue" + digits(1, 5) + ">&x y@example.net";
            g.remote_ue = id;
          }
          m.outcome = std::move(g);
        } else {
          m.outcome = error();
        }
        return m;
      }
      case MessageKind::kPgkResponse: {
        PgkResponse m;
        m.transaction_id = tid;
        if (coin()) {
          PgkGrant g;
          g.groups = group_results(1);
          g.pmk = pmk();
          m.outcome = std::move(g);
        } else {
          m.outcome = error();
        }
        return m;
      }
      case MessageKind::kDiscoveryKeyResponse: {
        DiscoveryKeyResponse m;
        m.transaction_id = tid;
        if (coin()) {
          std::vector<DiscoveryKeyResult> v;
          std::set<std::uint32_t> r;
          for (std::size_t i = 0, n = u(1, 6); i < n; ++i) r.insert(static_cast<std::uint32_t>(u(0, 0xffffff)));
          for (auto rsc : r) {
            DiscoveryKeyResult e;
            e.relay_service_code = ids::RelayServiceCode{rsc};
            if (coin()) {
              std::optional<PsdkId> id;
              if (coin()) id = PsdkId{static_cast<std::uint32_t>(u(0, 0xffffffff))};
              DiscoveryKeyGrant g{key(kPsdkSize), id, time(), std::nullopt, std::nullopt, std::nullopt};
              if (coin()) g.key_combination = KeyCombination{coin(), coin()};
              if (coin()) {
                Bytes mask(u(1, kMaxEncryptedBitsMaskSize));
                for (auto& b : mask) b = static_cast<std::uint8_t>(u(0, 255));
                g.encrypted_bits_mask = std::move(mask);
              }
              if (coin())
                g.confidentiality_algorithm = static_cast<std::uint8_t>(u(kMinDiscoveryEea, kMaxDiscoveryEea));
              e.outcome = std::move(g);
            } else {
              e.outcome = error();
            }
            v.push_back(std::move(e));
          }
          m.outcome = std::move(v);
        } else {
          m.outcome = error();
        }
        return m;
      }
    }
    return PrukRequest{};
  }

 private:
  std::mt19937_64 rng_;
};

TEST(Pc8RoundTrip, RandomModelsOfEveryKind) {
  Gen g(20261128);
  for (int i = 0; i < 100; ++i) {
    for (std::size_t k = 0; k < kMessageKindCount; ++k) {
      Message m = g.make(static_cast<MessageKind>(k));
      ASSERT_TRUE(validate(m).ok()) << validate(m).error().to_string();
      expect_round_trip(m, "random #" + std::to_string(i) + " " + std::string(kind_name(static_cast<MessageKind>(k))));
    }
  }
}

TEST(Pc8RoundTrip, LargestMessagesFitTheBodyLimit) {
  // The PRUK request with every list at its maximum is the largest request; check it encodes, validates and is
  // below kMaxBodySize, so the size limit never refuses a valid message.
  PrukRequest m;
  m.transaction_id = TransactionId{4294967295u};
  for (std::uint64_t i = 0; i < kMaxHeldIds; ++i) m.held_pruk_ids.push_back(ids::PrukId{0xffffffffffff0000ULL + i});
  m.ue_address = UeAddress{"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 65535};
  for (std::uint32_t gi = 0; gi < kMaxGroups; ++gi) {
    GroupKeyRequest gr;
    gr.group_id = GroupId{0xff0000 + gi};
    for (std::uint8_t a = 0; a < kMaxAlgorithms; ++a) gr.supported_algorithms.push_back(a);
    for (std::uint64_t p = 0; p < kMaxHeldIds; ++p) gr.held_pgk_ids.push_back(PgkId{0xffffffffffff0000ULL + p});
    m.groups.push_back(gr);
  }
  auto x = Codec::encode(Message{m});
  ASSERT_TRUE(x.ok()) << x.error().to_string();
  EXPECT_LT(x->size(), kMaxBodySize);
  EXPECT_TRUE(schema_validate(x->view()).ok());
  EXPECT_TRUE(Codec::decode(x->view()).ok());

  PrukResponse r;
  r.outcome =
      PrukGrant{KeyTypeId{1}, PmkGrant{PmkId{1}, SecretBytes(kPmkSize)}, ids::PrukId{1}, SecretBytes(kPrukSize)};
  for (std::uint32_t gi = 0; gi < kMaxGroups; ++gi) {
    r.groups.push_back(GroupKeyResult{
        GroupId{gi}, GroupKeyGrant{GroupMemberId{1}, 15, PgkId{1}, UtcTime{std::chrono::seconds{253402300799LL}}}});
  }
  auto y = Codec::encode(Message{std::move(r)});
  ASSERT_TRUE(y.ok());
  EXPECT_LT(y->size(), kMaxBodySize);
  EXPECT_TRUE(schema_validate(y->view()).ok());
}

}  // namespace
}  // namespace prose::pc8
