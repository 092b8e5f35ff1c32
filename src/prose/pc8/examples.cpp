#include "prose/pc8/examples.h"

#include <chrono>

#include "prose/crypto/milenage.h"
#include "prose/gba/gba.h"
#include "prose/keys/prose_keys.h"
#include "prose/util/hex.h"

namespace prose::pc8 {
namespace {

using namespace std::chrono;

SecretBytes pattern_key(std::uint8_t first) {
  SecretBytes k(32);
  for (std::size_t i = 0; i < k.size(); ++i) k.data()[i] = static_cast<std::uint8_t>(first + i);
  return k;
}

template <typename F>
F fixed(std::string_view hex) {
  F f;
  Bytes b = hex_literal(hex);
  std::copy(b.begin(), b.end(), f.bytes.begin());
  return f;
}

UtcTime when(int y, unsigned m, unsigned d) {
  return UtcTime{sys_days{year{y} / month{m} / day{d}}.time_since_epoch()};
}

GroupKeyRequest group_request() { return GroupKeyRequest{GroupId{0x00beef}, {2, 1}, {PgkId{0x1111222233334444ULL}}}; }

std::vector<GroupKeyResult> group_results() {
  return {GroupKeyResult{GroupId{0x00beef}, GroupKeyGrant{GroupMemberId{0x000042}, 2, PgkId{0x1111222233334445ULL},
                                                          when(2027, 1, 31) + hours{12}}},
          GroupKeyResult{GroupId{0x00cafe}, ErrorCode::kGroupNotAuthorised}};
}

// A real GPI, formed by the project's GBA Push code (src/prose/gba) as a PKMF refreshing the Remote UE's PRUK would:
// for the subscriber of TS 35.208 Milenage test set 1 (the IMSI of these samples; docs/gba.md), SQN ff9bb4d0b607, the
// NAF_Id of pkmf.example.org and the new PRUK ID 0123456789abcdf0. `prose gba gpi-decode` decodes it and
// `prose gba gpi-open` with that subscriber accepts it (tests/integration/pc8_cli).
Bytes sample_gpi() {
  const Bytes k = hex_literal("465b5ce8b199b49faa5f0a2ee238a6bc");
  const Bytes opc = hex_literal("cd63cb71954a9f4e48a5994e37a02baf");
  const Bytes rand = hex_literal("23553cbe9637a89d218ae64dae47bf35");
  const Bytes amf = hex_literal("b9b9");
  // Fixed inputs inside every limit: neither step can fail.
  auto av = crypto::make_auth_vector(k, opc, rand, 0xff9bb4d0b607, amf);
  auto created = gba::create_gpi(*av, "001010123456789@ims.mnc001.mcc001.3gppnetwork.org",
                                 keys::make_pkmf_naf_id("pkmf.example.org"), ids::PrukId{0x0123456789abcdf0ULL});
  return std::move(created->gpi);
}

PmkGrant pmk() { return PmkGrant{PmkId{0x0a0b0c0d0e0f1011ULL}, pattern_key(0x40)}; }

Message pruk_request() {
  PrukRequest m;
  m.transaction_id = TransactionId{1};
  m.delivery = PrukDelivery::kStart;
  m.held_pruk_ids = {ids::PrukId{0x0123456789abcdefULL}};
  m.ue_address = UeAddress{"192.0.2.10", 2269};
  m.groups = {group_request()};
  return m;
}

Message pruk_request_stop() {
  PrukRequest m;
  m.transaction_id = TransactionId{2};
  m.delivery = PrukDelivery::kStop;
  m.held_pruk_ids = {ids::PrukId{0x0123456789abcdefULL}};
  return m;
}

Message kd_request() {
  KdRequest m;
  m.transaction_id = TransactionId{3};
  m.remote_ue = ids::PrukId{0x0123456789abcdefULL};
  m.relay_service_code = ids::RelayServiceCode{0x00a1b2};
  m.nonce_1 = fixed<ids::Nonce1>("000102030405060708090a0b0c0d0e0f");
  return m;
}

Message kd_request_imsi_resync() {
  KdRequest m;
  m.transaction_id = TransactionId{4};
  m.remote_ue = Imsi{"001010123456789"};
  m.relay_service_code = ids::RelayServiceCode{0x00a1b2};
  m.resync =
      Resync{fixed<ids::Rand>("23553cbe9637a89d218ae64dae47bf35"), fixed<ids::Auts>("0f0e0d0c0b0a0908070605040302")};
  return m;
}

Message pgk_request() {
  PgkRequest m;
  m.transaction_id = TransactionId{5};
  m.groups = {group_request(), GroupKeyRequest{GroupId{0x00cafe}, {1}, {}}};
  m.ue_address = UeAddress{"2001:db8::10", std::nullopt};
  return m;
}

Message discovery_request() {
  DiscoveryKeyRequest m;
  m.transaction_id = TransactionId{6};
  m.relay_service_codes = {ids::RelayServiceCode{0x00a1b2}, ids::RelayServiceCode{0x00a1b3}};
  m.security_capabilities = 0x07;
  return m;
}

Message pruk_response() {
  PrukResponse m;
  m.transaction_id = TransactionId{1};
  PrukGrant g;
  g.key_type_id = KeyTypeId{0x7f000001};
  g.pmk = pmk();
  m.outcome = std::move(g);
  m.groups = group_results();
  return m;
}

Message pruk_response_direct() {
  PrukResponse m;
  m.transaction_id = TransactionId{1};
  PrukGrant g;
  g.key_type_id = KeyTypeId{0x7f000001};
  g.pruk_id = ids::PrukId{0x0123456789abcdf0ULL};
  g.pruk = pattern_key(0x60);
  m.outcome = std::move(g);
  return m;
}

Message pruk_response_stop() {
  PrukResponse m;
  m.transaction_id = TransactionId{2};
  m.outcome = PrukStopAck{};
  return m;
}

Message pruk_response_error() {
  PrukResponse m;
  m.transaction_id = TransactionId{1};
  m.outcome = ErrorCode::kUeNotAuthorised;
  return m;
}

Message kd_response() {
  KdResponse m;
  m.transaction_id = TransactionId{3};
  KdGrant g;
  g.kd = pattern_key(0x80);
  g.kd_freshness = fixed<ids::KdFreshness>("f0e1d2c3b4a5968778695a4b3c2d1e0f");
  g.gpi = sample_gpi();
  g.remote_ue = RemoteUeIdentity{Imsi{"001010123456789"}, Msisdn{"15551234567"}, std::string("ue-17@example.org")};
  m.outcome = std::move(g);
  return m;
}

Message kd_response_error() {
  KdResponse m;
  m.transaction_id = TransactionId{3};
  m.outcome = ErrorCode::kUnknownPrukId;
  return m;
}

Message pgk_response() {
  PgkResponse m;
  m.transaction_id = TransactionId{5};
  PgkGrant g;
  g.groups = group_results();
  g.pmk = pmk();
  m.outcome = std::move(g);
  return m;
}

Message pgk_response_error() {
  PgkResponse m;
  m.transaction_id = TransactionId{5};
  m.outcome = ErrorCode::kUeNotAuthorised;
  return m;
}

Message discovery_response() {
  DiscoveryKeyResponse m;
  m.transaction_id = TransactionId{6};
  std::vector<DiscoveryKeyResult> v;
  v.push_back(
      DiscoveryKeyResult{ids::RelayServiceCode{0x00a1b2},
                         DiscoveryKeyGrant{pattern_key(0xa0), PsdkId{0x00000001}, when(2027, 6, 30),
                                           KeyCombination{true, true}, Bytes{0xff, 0xff, 0xf0}, std::uint8_t{2}}});
  v.push_back(DiscoveryKeyResult{ids::RelayServiceCode{0x00a1b3}, ErrorCode::kDiscoveryNotAuthorised});
  m.outcome = std::move(v);
  return m;
}

Message discovery_response_error() {
  DiscoveryKeyResponse m;
  m.transaction_id = TransactionId{6};
  m.outcome = ErrorCode::kTemporarilyUnavailable;
  return m;
}

struct Entry {
  ExampleInfo info;
  Message (*make)();
};

const std::vector<Entry>& entries() {
  static const std::vector<Entry> kEntries{
      {{"pruk-request", "Remote UE asks for PRUKs, lists the PRUK ID it holds, its address and a group"}, pruk_request},
      {{"kd-request", "relay asks for KD for a Remote UE identified by PRUK ID, with Nonce_1"}, kd_request},
      {{"pgk-request", "UE asks for PGKs for two groups (one-to-many)"}, pgk_request},
      {{"discovery-key-request", "UE asks for PSDKs for two Relay Service Codes"}, discovery_request},
      {{"pruk-response", "PKMF grants: Key Type ID, a new PMK and PMK ID, group results"}, pruk_response},
      {{"kd-response", "PKMF returns KD, KD freshness, a GPI and the Remote UE identity"}, kd_response},
      {{"pgk-response", "PKMF returns group parameters and a PMK"}, pgk_response},
      {{"discovery-key-response", "PKMF returns a PSDK with expiry for one RSC and an error for another"},
       discovery_response},
      {{"pruk-request-stop", "Remote UE stops PRUK delivery"}, pruk_request_stop},
      {{"kd-request-imsi-resync", "relay asks for KD by IMSI with RAND and AUTS for resynchronisation"},
       kd_request_imsi_resync},
      {{"pruk-response-direct", "PKMF grants and delivers the PRUK in the response (provisional option)"},
       pruk_response_direct},
      {{"pruk-response-stop", "PKMF acknowledges a stop request"}, pruk_response_stop},
      {{"pruk-response-error", "PKMF refuses: UE not authorised"}, pruk_response_error},
      {{"kd-response-error", "PKMF refuses: unknown PRUK ID (UE should retry with IMSI)"}, kd_response_error},
      {{"pgk-response-error", "PKMF refuses the PGK request"}, pgk_response_error},
      {{"discovery-key-response-error", "PKMF temporarily unavailable"}, discovery_response_error},
  };
  return kEntries;
}

}  // namespace

const std::vector<ExampleInfo>& example_list() {
  static const std::vector<ExampleInfo> kList = [] {
    std::vector<ExampleInfo> v;
    for (const auto& e : entries()) v.push_back(e.info);
    return v;
  }();
  return kList;
}

std::optional<Message> example(std::string_view name) {
  for (const auto& e : entries()) {
    if (e.info.name == name) return e.make();
  }
  return std::nullopt;
}

}  // namespace prose::pc8
